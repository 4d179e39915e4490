// pm-sync dashboard: sortable columns and filters. The page is complete without it: the tables
// are already in a useful order and every row is shown.
(function () {
  "use strict";
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  var value = function (cell) {
    var v = cell.getAttribute("data-v");
    return v !== null ? v : cell.textContent.trim().toLowerCase();
  };
  each(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    each(heads, function (th, column) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var numeric = th.hasAttribute("data-num");
        var dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
        if (!numeric && !th.hasAttribute("aria-sort")) { dir = "ascending"; }
        each(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = value(a.cells[column]), y = value(b.cells[column]), c;
          if (numeric) {
            x = x === "" ? -Infinity : parseFloat(x);
            y = y === "" ? -Infinity : parseFloat(y);
            c = x === y ? 0 : (x < y ? -1 : 1);
          } else {
            c = x.localeCompare(y);
          }
          return dir === "ascending" ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  var refresh = function (id) {
    var table = document.getElementById(id);
    if (!table) { return; }
    var text = document.querySelector('[data-filter="' + id + '"]');
    var state = document.querySelector('[data-state-filter="' + id + '"]');
    var openOnly = document.querySelector('[data-open-only="' + id + '"]');
    var needle = text ? text.value.trim().toLowerCase() : "";
    var wanted = state ? state.value : "";
    var shown = 0, rows = table.tBodies[0].rows;
    each(rows, function (row) {
      var ok = !needle || row.textContent.toLowerCase().indexOf(needle) !== -1;
      if (ok && wanted === "overdue") { ok = row.hasAttribute("data-overdue"); }
      else if (ok && wanted) { ok = row.getAttribute("data-state") === wanted; }
      if (ok && openOnly && openOnly.checked) { ok = row.getAttribute("data-open") !== "0"; }
      row.hidden = !ok;
      shown += ok ? 1 : 0;
    });
    var count = document.querySelector('[data-count="' + id + '"]');
    if (count) { count.textContent = shown + " of " + rows.length; }
  };
  each(document.querySelectorAll("[data-filter], [data-state-filter], [data-open-only]"), function (input) {
    var id = input.getAttribute("data-filter") || input.getAttribute("data-state-filter") ||
      input.getAttribute("data-open-only");
    input.addEventListener("input", function () { refresh(id); });
    input.addEventListener("change", function () { refresh(id); });
  });
  each(document.querySelectorAll("[data-js]"), function (element) { element.hidden = false; });
}());
