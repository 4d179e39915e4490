//! The dry run's unified diff, in time linear in the report's lines.
//!
//! An optimal line diff (Myers, as `similar` computes it) costs O(lines × changed lines): a
//! dry run that links every row of a 100,000-row table changes every other line, and the diff
//! alone took minutes. pm-sync's edits change lines in place (a key, a status), so a greedy
//! walk finds the same diff: equal lines are passed over, and from a changed line the walk looks
//! a few lines ahead on both sides ([`RESYNC_WINDOW`]) for the next line they share again. The
//! result is always a correct diff (applying it to the old text gives the new one), minimal for
//! in-place edits, and formatted exactly as `similar`'s unified diff: its hunks grouped as
//! `similar::group_diff_ops` groups them, an operation at a time, and its headers written by
//! `similar` (tests compare with `similar`'s own diff byte for byte).

use std::fmt;
use std::sync::Arc;

use similar::DiffOp;

/// What changed in a report, as a unified diff written when it is shown (a dry run of 100,000
/// rows never holds its diff as one string): the bytes its home held and the bytes now, both
/// shared with the report, not copied.
#[derive(Debug, Clone)]
pub enum Change {
    /// From `before` to `after`, with `a/NAME` and `b/NAME` headers.
    Texts {
        before: Arc<String>,
        after: Arc<String>,
        name: String,
    },
    /// From a report's text to that text with a preview's edits, made again as the diff is
    /// written (a dry run of 100,000 rows never holds its new text).
    Edits(Arc<super::Edited>),
    /// No diff can be shown: why, as one line.
    Note(String),
}

impl Change {
    /// Writes the diff (or the note) to `out`, a line at a time; it ends with a line end.
    pub fn write_to(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        match self {
            Change::Texts {
                before,
                after,
                name,
            } => write_unified(
                out,
                before,
                after,
                3,
                (&format!("a/{name}"), &format!("b/{name}")),
            ),
            Change::Edits(edited) => edited.write_diff(out),
            Change::Note(note) => writeln!(out, "{note}"),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(out)
    }
}

/// How far ahead (old and new lines together) a changed line looks for the next shared line.
/// Each step compares at most `(W + 1)(W + 2) / 2` pairs of lines, so the walk is linear.
pub(crate) const RESYNC_WINDOW: usize = 8;

/// Writes a unified diff from `old` to `new` with `context` lines around each change and
/// `--- {old_name}` / `+++ {new_name}` headers (nothing when the texts are equal) to `out` as
/// it is made, a line at a time: a diff of 100,000 changed rows is never one string, nor a list
/// of its operations. The walk runs twice: once for each hunk's header (its first and last
/// operation), once to write the hunks' lines; the texts are held as line offsets (4 bytes a
/// line).
pub(crate) fn write_unified(
    out: &mut dyn std::fmt::Write,
    old: &str,
    new: &str,
    context: usize,
    names: (&str, &str),
) -> std::fmt::Result {
    let a = Lines::of(old);
    let b = Lines::of(new);
    write_unified_with(out, &a, || Whole(&b), context, names)
}

/// Writes the diff of [`write_unified`] from `old` to a new text made again a line at a time,
/// as the diff needs it, by the producers `make` gives: `produce(end, out)` appends the new
/// text of the old text up to `end`, a line's end (new line `n` is old line `n` edited: the
/// edits never add, remove or join lines). The new text is never held whole.
pub(crate) fn write_edited<'p>(
    out: &mut dyn std::fmt::Write,
    old: &str,
    make: &dyn Fn() -> Producer<'p>,
    context: usize,
    names: (&str, &str),
) -> std::fmt::Result {
    let a = Lines::of(old);
    write_unified_with(out, &a, || Produced::new(&a, make), context, names)
}

/// Appends the new text up to an old text's offset (see [`write_edited`]).
pub(crate) type Producer<'p> = Box<dyn FnMut(usize, &mut String) + 'p>;

/// [`write_unified`] with the new side's lines from `new_side` (asked for three times: each
/// walk of the lines and the writing of the new lines reads them in order).
fn write_unified_with<S: NewLines>(
    out: &mut dyn std::fmt::Write,
    a: &Lines<'_>,
    mut new_side: impl FnMut() -> S,
    context: usize,
    (old_name, new_name): (&str, &str),
) -> std::fmt::Result {
    // Each hunk's first and last operation, which make its header.
    let mut ends: Vec<(DiffOp, DiffOp)> = Vec::new();
    walk_grouped(a, &mut new_side(), context, &mut |group, op| {
        if group == ends.len() {
            ends.push((op, op));
        } else {
            ends[group].1 = op;
        }
        Ok(())
    })?;
    // A last group of nothing but unchanged lines is no hunk (as `similar` groups them).
    if ends
        .last()
        .is_some_and(|(first, last)| first == last && matches!(first, DiffOp::Equal { .. }))
    {
        ends.pop();
    }
    if ends.is_empty() {
        return Ok(());
    }
    writeln!(out, "--- {old_name}\n+++ {new_name}")?;
    let mut started = 0;
    let mut b = new_side();
    walk_grouped(a, &mut new_side(), context, &mut |group, op| {
        let Some((first, last)) = ends.get(group) else {
            return Ok(());
        };
        if group == started {
            writeln!(
                out,
                "{}",
                similar::udiff::UnifiedHunkHeader::new(&[*first, *last])
            )?;
            started += 1;
        }
        match op {
            DiffOp::Equal { old_index, len, .. } => {
                write_lines(out, ' ', a.range(old_index..old_index + len))
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => write_lines(out, '-', a.range(old_index..old_index + old_len)),
            DiffOp::Insert {
                new_index, new_len, ..
            } => write_new_lines(out, &mut b, new_index..new_index + new_len),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                write_lines(out, '-', a.range(old_index..old_index + old_len))?;
                write_new_lines(out, &mut b, new_index..new_index + new_len)
            }
        }
    })
}

/// The walk's operations grouped into hunks as `similar`'s `group_diff_ops` groups them, one
/// operation at a time: `each(hunk, op)` for every operation of every group, in order (the
/// last group may be a lone `Equal`, which is no hunk). Never holds the operations.
fn walk_grouped(
    a: &Lines<'_>,
    b: &mut impl NewLines,
    n: usize,
    each: &mut dyn FnMut(usize, DiffOp) -> std::fmt::Result,
) -> std::fmt::Result {
    let mut group = 0;
    let mut first = true;
    // One operation behind the walk, to know the last one (whose unchanged lines are cut to
    // the context, as the first one's are).
    let mut held: Option<DiffOp> = None;
    let mut result = Ok(());
    let mut take = |op: DiffOp, last: bool, group: &mut usize| -> std::fmt::Result {
        let mut op = op;
        if let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = &mut op
        {
            if first {
                let offset = len.saturating_sub(n);
                *old_index += offset;
                *new_index += offset;
                *len -= offset;
            }
            if last {
                *len -= len.saturating_sub(n);
            }
        }
        first = false;
        if let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
            && len > n * 2
        {
            each(
                *group,
                DiffOp::Equal {
                    old_index,
                    new_index,
                    len: n,
                },
            )?;
            *group += 1;
            let offset = len.saturating_sub(n);
            return each(
                *group,
                DiffOp::Equal {
                    old_index: old_index + offset,
                    new_index: new_index + offset,
                    len: len - offset,
                },
            );
        }
        each(*group, op)
    };
    walk(a, b, &mut |op| {
        if result.is_ok()
            && let Some(before) = held.replace(op)
        {
            result = take(before, false, &mut group);
        }
    });
    result?;
    match held {
        Some(op) => take(op, true, &mut group),
        None => Ok(()),
    }
}

/// Writes `lines` each after `tag`, marking a last line without a line break as `similar` does.
fn write_lines<'t>(
    out: &mut dyn std::fmt::Write,
    tag: char,
    lines: impl Iterator<Item = &'t str>,
) -> std::fmt::Result {
    for line in lines {
        out.write_char(tag)?;
        out.write_str(line)?;
        if !line.ends_with(['\n', '\r']) {
            out.write_str("\n\\ No newline at end of file\n")?;
        }
    }
    Ok(())
}

/// Writes new lines `range` each after `+`.
fn write_new_lines(
    out: &mut dyn std::fmt::Write,
    b: &mut impl NewLines,
    range: std::ops::Range<usize>,
) -> std::fmt::Result {
    for n in range {
        write_lines(out, '+', std::iter::once(b.get(n)))?;
    }
    Ok(())
}

/// The new side of a diff: its lines, asked for front to back (a walk looks at most
/// [`RESYNC_WINDOW`] lines ahead of where it stands, and never goes back further).
trait NewLines {
    fn len(&self) -> usize;
    fn get(&mut self, n: usize) -> &str;
}

/// A new text held whole.
struct Whole<'l, 't>(&'l Lines<'t>);

impl NewLines for Whole<'_, '_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&mut self, n: usize) -> &str {
        self.0.get(n)
    }
}

/// A new text made a line at a time (see [`write_edited`]): only the lines a walk may still
/// look at are kept.
struct Produced<'a, 'p> {
    old: &'a Lines<'a>,
    make: &'a dyn Fn() -> Producer<'p>,
    produce: Producer<'p>,
    /// New lines `first..first + ends.len()`.
    buf: String,
    first: usize,
    /// Where each line of `buf` ends.
    ends: Vec<usize>,
}

/// Lines kept before the last asked for: more than a walk ever looks back.
const KEEP: usize = 4 * RESYNC_WINDOW;

impl<'a, 'p> Produced<'a, 'p> {
    fn new(old: &'a Lines<'a>, make: &'a dyn Fn() -> Producer<'p>) -> Produced<'a, 'p> {
        Produced {
            old,
            make,
            produce: make(),
            buf: String::new(),
            first: 0,
            ends: Vec::new(),
        }
    }
}

impl NewLines for Produced<'_, '_> {
    fn len(&self) -> usize {
        self.old.len()
    }

    fn get(&mut self, n: usize) -> &str {
        if n < self.first {
            // Not expected (walks go forward): made again from the start.
            debug_assert!(false, "line {n} asked after line {}", self.first);
            *self = Produced::new(self.old, self.make);
        }
        while self.first + self.ends.len() <= n {
            let line = self.first + self.ends.len();
            (self.produce)(self.old.starts[line + 1] as usize, &mut self.buf);
            self.ends.push(self.buf.len());
        }
        // Lines well behind the one asked for go, a batch at a time.
        if n - self.first > 2 * KEEP {
            let drop = n - self.first - KEEP;
            let cut = self.ends[drop - 1];
            self.buf.drain(..cut);
            self.ends.drain(..drop);
            for end in &mut self.ends {
                *end -= cut;
            }
            self.first += drop;
        }
        let i = n - self.first;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }
}

/// A text's lines, each with its terminator (`\n`, `\r\n` or a lone `\r`, as `similar`
/// splits), kept as where each starts.
struct Lines<'t> {
    text: &'t str,
    /// Where each line starts, and the text's end.
    starts: Vec<u32>,
}

impl<'t> Lines<'t> {
    fn of(text: &'t str) -> Lines<'t> {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut at = 0;
        while let Some(found) = memchr::memchr2(b'\n', b'\r', &bytes[at..]) {
            let mut end = at + found + 1;
            if bytes[end - 1] == b'\r' && bytes.get(end) == Some(&b'\n') {
                end += 1;
            }
            starts.push(offset(end));
            at = end;
        }
        if at < text.len() {
            starts.push(offset(text.len()));
        }
        Lines { text, starts }
    }

    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    fn get(&self, n: usize) -> &'t str {
        &self.text[self.starts[n] as usize..self.starts[n + 1] as usize]
    }

    fn range(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = &'t str> + '_ {
        range.map(|n| self.get(n))
    }
}

/// A text offset as [`Lines`] keeps it (reports are refused past 4 GiB).
fn offset(n: usize) -> u32 {
    u32::try_from(n).expect("a report under 4 GiB")
}

/// The diff of two texts' lines as `similar`'s operations, handed to `emit` in order; returns
/// how many pairs of lines were compared (at most `(W + 1)(W + 2) / 2 + 1` per line of either
/// side: linear).
fn walk(a: &Lines<'_>, b: &mut impl NewLines, emit: &mut dyn FnMut(DiffOp)) -> usize {
    let mut compared = 0;
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // Equal lines.
        let (from_i, from_j) = (i, j);
        while i < a.len() && j < b.len() && {
            compared += 1;
            a.get(i) == b.get(j)
        } {
            i += 1;
            j += 1;
        }
        if i > from_i {
            emit(DiffOp::Equal {
                old_index: from_i,
                new_index: from_j,
                len: i - from_i,
            });
        }
        if i == a.len() && j == b.len() {
            break;
        }
        // A changed block: until both sides share a line again.
        let (from_i, from_j) = (i, j);
        loop {
            if let Some((x, y)) = resync(a, b, i, j, &mut compared) {
                i += x;
                j += y;
                break;
            }
            if i == a.len() && j == b.len() {
                break;
            }
            i = (i + 1).min(a.len());
            j = (j + 1).min(b.len());
        }
        emit(match (i - from_i, j - from_j) {
            (old_len, 0) => DiffOp::Delete {
                old_index: from_i,
                old_len,
                new_index: from_j,
            },
            (0, new_len) => DiffOp::Insert {
                old_index: from_i,
                new_index: from_j,
                new_len,
            },
            (old_len, new_len) => DiffOp::Replace {
                old_index: from_i,
                old_len,
                new_index: from_j,
                new_len,
            },
        });
    }
    compared
}

/// The nearest `(x, y)` (fewest lines skipped, the diagonal first) with `x + y ≥ 1` within
/// [`RESYNC_WINDOW`] where `a[i + x] == b[j + y]`; or where one side ends while the other is
/// still within the window (the rest of it is then all inserted or all deleted).
fn resync(
    a: &Lines<'_>,
    b: &mut impl NewLines,
    i: usize,
    j: usize,
    compared: &mut usize,
) -> Option<(usize, usize)> {
    for d in 1..=RESYNC_WINDOW {
        // Candidates with x + y = d, those nearest the diagonal (x == y) first, more old lines
        // skipped before more new ones.
        for dist in (d % 2..=d).step_by(2) {
            for x in [(d + dist) / 2, (d - dist) / 2] {
                let y = d - x;
                let (pi, pj) = (i + x, j + y);
                if pi == a.len() && pj == b.len() {
                    return Some((x, y));
                }
                if pi < a.len() && pj < b.len() {
                    *compared += 1;
                    if a.get(pi) == b.get(pj) {
                        return Some((x, y));
                    }
                }
                if dist == 0 {
                    break;
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unified(old: &str, new: &str, context: usize, old_name: &str, new_name: &str) -> String {
        let mut out = String::new();
        write_unified(&mut out, old, new, context, (old_name, new_name)).unwrap();
        out
    }

    /// `similar`'s own (optimal, quadratic) diff, which ours must equal for in-place edits.
    fn reference(old: &str, new: &str) -> String {
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header("a/pm.md", "b/pm.md")
            .to_string()
    }

    fn ours(old: &str, new: &str) -> String {
        unified(old, new, 3, "a/pm.md", "b/pm.md")
    }

    fn table(rows: usize, edited: impl Fn(usize) -> bool) -> String {
        let mut text =
            String::from("# PM\n\n## Action Items\n\n| Action Item | Status |\n|---|---|\n");
        for row in 0..rows {
            if edited(row) {
                text.push_str(&format!(
                    "| [OPS-{row}](https://x/browse/OPS-{row}) Item {row} | Open |\n"
                ));
            } else {
                text.push_str(&format!("| Item {row} | |\n"));
            }
        }
        text.push_str("\n## Timeline\n\nnothing\n");
        text
    }

    #[test]
    fn in_place_edits_give_similars_diff_byte_for_byte() {
        let old = table(40, |_| false);
        for edited in [
            &(|r: usize| r == 7) as &dyn Fn(usize) -> bool,
            &|r| r % 2 == 0,
            &|r| r % 9 == 0,
            &|_| true,
            &|r| r > 30,
            &|r| r < 2,
        ] {
            let new = table(40, edited);
            assert_eq!(ours(&old, &new), reference(&old, &new));
        }
        assert_eq!(ours(&old, &old), "");
        // No line break at the end, and CRLF lines.
        let (old, new) = ("a\nb\nc", "a\nb\nC");
        assert_eq!(ours(old, new), reference(old, new));
        let (old, new) = ("a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n");
        assert_eq!(ours(old, new), reference(old, new));
    }

    /// An HTML table: each row five lines, its key cell one of them.
    fn html(rows: usize, edited: impl Fn(usize) -> bool) -> String {
        let mut text = String::from("<h2>Action Items</h2>\n<table>\n");
        for row in 0..rows {
            let key = if edited(row) {
                format!("<a href=\"https://x/browse/OPS-{row}\">OPS-{row}</a>")
            } else {
                String::new()
            };
            text.push_str(&format!(
                "<tr>\n<td>Item {row}</td>\n<td>{key}</td>\n<td>Owner</td>\n</tr>\n"
            ));
        }
        text.push_str("</table>\n<p>end</p>");
        text
    }

    #[test]
    fn rows_of_many_lines_give_similars_hunks_byte_for_byte() {
        // Unchanged runs shorter, as long as and longer than two contexts: one hunk, or many.
        let old = html(30, |_| false);
        for edited in [
            &(|_: usize| true) as &dyn Fn(usize) -> bool,
            &|r| r % 2 == 0,
            &|r| r % 3 == 0,
            &|r| r == 0 || r == 29,
            &|r| r == 14,
        ] {
            let new = html(30, edited);
            assert_eq!(ours(&old, &new), reference(&old, &new));
        }
        let new = format!("{}\n", html(30, |r| r == 29));
        assert_eq!(ours(&old, &new), reference(&old, &new));
    }

    #[test]
    fn inserted_and_deleted_lines_still_give_a_correct_diff() {
        for (old, new) in [
            ("a\nb\nc\n", "a\nx\nb\nc\n"),
            ("a\nb\nc\n", "a\nc\n"),
            ("a\nb\nc\n", ""),
            ("", "a\n"),
            ("a\nb\nc\nd\n", "x\ny\n"),
        ] {
            assert_eq!(ours(old, new), reference(old, new), "{old:?} → {new:?}");
        }
    }

    #[test]
    fn the_walk_compares_a_bounded_number_of_lines_per_line() {
        // Every row of a large table changed: the optimal diff rescans (rows²), the walk not.
        for rows in [1_000, 20_000] {
            let old = table(rows, |_| false);
            let new = table(rows, |_| true);
            let (a, b) = (Lines::of(&old), Lines::of(&new));
            let mut ops = Vec::new();
            let compared = walk(&a, &mut Whole(&b), &mut |op| ops.push(op));
            let per_line = (RESYNC_WINDOW + 1) * (RESYNC_WINDOW + 2) / 2 + 1;
            assert!(
                compared <= per_line * (a.len() + b.len()),
                "{compared} comparisons for {} lines",
                a.len() + b.len()
            );
            assert!(ops.iter().any(|op| matches!(op, DiffOp::Replace { .. })));
        }
    }
}
