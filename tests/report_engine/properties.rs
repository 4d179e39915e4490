//! Properties over generated reports of every container (HTML and pipe tables with a Status
//! column, pipe tables with only a ticket column, task lists), LF and CRLF, with and without a
//! BOM: reading changes nothing; edits change exactly the places pm-sync owns, keep every word a
//! person wrote, and applied twice change nothing the second time.

use pm_sync::report::{ContainerKind, Edit, KnownStatuses, Report, ReportOptions};
use proptest::prelude::*;

/// One generated row; `item` and `status` are plain text, escaped when the report is written.
#[derive(Debug, Clone)]
struct Row {
    item: String,
    prefix: Option<(u32, bool)>,
    status: String,
    owner: String,
    ticket: Option<(u32, bool)>,
}

/// One generated report.
#[derive(Debug, Clone)]
struct Doc {
    kind: ContainerKind,
    /// A pipe table without a Status column: the status is a bold word in the ticket cell.
    ticket_only: bool,
    crlf: bool,
    bom: bool,
    front_matter: bool,
    ticket_column: bool,
    owner_column: bool,
    item_first: bool,
    compact: bool,
    rows: Vec<Row>,
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn escape(text: &str, kind: ContainerKind) -> String {
    match kind {
        ContainerKind::Html => text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;"),
        ContainerKind::Pipe | ContainerKind::List => text.replace('&', "&amp;").replace('|', "\\|"),
    }
}

fn key_text(n: u32, link: bool, kind: ContainerKind) -> String {
    let url = format!("https://jira.example/browse/OPS-{n}");
    match (link, kind) {
        (false, _) => format!("OPS-{n}"),
        (true, ContainerKind::Html) => format!("<a href=\"{url}\">OPS-{n}</a>"),
        (true, ContainerKind::Pipe | ContainerKind::List) => format!("[OPS-{n}]({url})"),
    }
}

impl Row {
    fn item_cell(&self, kind: ContainerKind) -> String {
        let item = escape(&self.item, kind);
        match self.prefix {
            Some((n, link)) => format!("{} — {item}", key_text(n, link, kind)),
            None => item,
        }
    }

    fn is_item(&self) -> bool {
        self.prefix.is_some() || !collapse(&self.item).is_empty()
    }

    /// The status as the report shows it: a Status cell, a bold word or a marker never keep
    /// surrounding spaces.
    fn shown_status(&self) -> String {
        collapse(&self.status)
    }
}

impl Doc {
    /// Header names and a function giving each row's cells, in column order.
    fn columns(&self) -> Vec<&'static str> {
        if self.ticket_only {
            return vec!["Action Item", "Owner", "Bug"];
        }
        let mut columns = Vec::new();
        if self.item_first {
            columns.push("Action Item");
        }
        if self.owner_column {
            columns.push("Owner");
        }
        if self.ticket_column {
            columns.push("Ticket");
        }
        columns.push("Status");
        if !self.item_first {
            columns.push("Action Item");
        }
        columns
    }

    fn cells(&self, row: &Row) -> Vec<String> {
        self.columns()
            .iter()
            .map(|column| match *column {
                "Action Item" => row.item_cell(self.kind),
                "Owner" => row.owner.clone(),
                "Ticket" => row
                    .ticket
                    .map(|(n, link)| key_text(n, link, self.kind))
                    .unwrap_or_default(),
                "Bug" => {
                    let key = row.ticket.map(|(n, link)| key_text(n, link, self.kind));
                    match (row.shown_status().as_str(), key) {
                        ("", key) => key.unwrap_or_default(),
                        (status, Some(key)) => format!("**{status}** {key}"),
                        (status, None) => format!("**{status}**"),
                    }
                }
                _ => escape(&row.status, self.kind),
            })
            .collect()
    }

    fn render(&self) -> String {
        let mut lines: Vec<String> = Vec::new();
        if self.front_matter {
            lines.extend(
                [
                    "---",
                    "title: Generated",
                    "incident_date: 2026-09-02",
                    "severity: SEV-2",
                    "---",
                ]
                .map(String::from),
            );
        }
        lines.extend(
            [
                "# Post-mortem",
                "",
                "Some text  ",
                "",
                "## Action Items",
                "",
                "Intro.",
                "",
            ]
            .map(String::from),
        );
        match self.kind {
            ContainerKind::Html => {
                lines.extend(["<table>", "<thead>", "<tr class=\"header\">"].map(String::from));
                lines.extend(
                    self.columns()
                        .iter()
                        .map(|c| format!("<th><strong>{c}</strong></th>")),
                );
                lines.extend(["</tr>", "</thead>", "<tbody>"].map(String::from));
                for (i, row) in self.rows.iter().enumerate() {
                    lines.push(format!(
                        "<tr class=\"{}\">",
                        if i % 2 == 0 { "odd" } else { "even" }
                    ));
                    lines.extend(self.cells(row).iter().map(|c| format!("<td>{c}</td>")));
                    lines.push("</tr>".to_owned());
                }
                lines.extend(["</tbody>", "</table>"].map(String::from));
            }
            ContainerKind::List => {
                for row in self.rows.iter().filter(|row| row.is_item()) {
                    let status = match row.shown_status().as_str() {
                        "" => String::new(),
                        status => format!(" · *{status}*"),
                    };
                    let task = if row.owner.len() % 2 == 0 { "[ ] " } else { "" };
                    lines.push(format!("- {task}{}{status}", row.item_cell(self.kind)));
                    if row.owner.len() > 3 {
                        lines.push(format!("  - owner: {}", row.owner));
                    }
                }
            }
            ContainerKind::Pipe => {
                let join = |cells: Vec<String>| {
                    if self.compact {
                        format!("|{}|", cells.join("|"))
                    } else {
                        format!("| {} |", cells.join(" | "))
                    }
                };
                lines.push(join(
                    self.columns().iter().map(|c| (*c).to_owned()).collect(),
                ));
                lines.push(join(
                    self.columns().iter().map(|_| "---".to_owned()).collect(),
                ));
                for row in &self.rows {
                    lines.push(join(self.cells(row)));
                }
            }
        }
        lines.extend(
            [
                "",
                "## Messaging",
                "",
                "| Action Item | Status |",
                "|---|---|",
                "| Not this one | x |",
                "",
            ]
            .map(String::from),
        );
        let newline = if self.crlf { "\r\n" } else { "\n" };
        let text = lines.join(newline);
        if self.bom {
            format!("\u{feff}{text}")
        } else {
            text
        }
    }
}

fn row() -> impl Strategy<Value = Row> {
    (
        prop_oneof![Just(String::new()), "[a-z][a-zA-Z0-9 ,.()'%/&|é-]{0,40}"],
        proptest::option::weighted(0.3, (1u32..500, any::<bool>())),
        "[A-Za-z ]{0,12}",
        "@[a-z]{0,6}",
        proptest::option::weighted(0.4, (1u32..500, any::<bool>())),
    )
        .prop_map(|(item, prefix, status, owner, ticket)| Row {
            item,
            prefix,
            status,
            owner,
            ticket,
        })
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        prop_oneof![
            Just((ContainerKind::Html, false)),
            Just((ContainerKind::Pipe, false)),
            Just((ContainerKind::Pipe, true)),
            Just((ContainerKind::List, false)),
        ],
        any::<[bool; 7]>(),
        proptest::collection::vec(row(), 1..8),
    )
        .prop_map(|((kind, ticket_only), flags, mut rows)| {
            // A section of empty list items has no items at all (an error, tested elsewhere).
            if kind == ContainerKind::List && !rows.iter().any(Row::is_item) {
                rows[0].item = "write the runbook".to_owned();
            }
            (kind, ticket_only, flags, rows)
        })
        .prop_map(|(kind, ticket_only, flags, rows)| Doc {
            kind,
            ticket_only,
            crlf: flags[0],
            bom: flags[1],
            front_matter: flags[2],
            ticket_column: flags[3],
            owner_column: flags[4],
            item_first: flags[5],
            compact: flags[6],
            rows,
        })
}

/// Per row: maybe a new key, maybe a new status (with characters that need escaping).
fn edits() -> impl Strategy<Value = Vec<(Option<u32>, Option<String>)>> {
    proptest::collection::vec(
        (
            proptest::option::of(1u32..100_000),
            proptest::option::of("[A-Za-z |&<>'\"*_`\\[\\]\\\\é—]{0,16}"),
        ),
        8,
    )
}

/// Parses a generated report, and checks that parsing it a line or so at a time (the windows that
/// bound memory on long sections) reads the same items.
fn parse(text: &str) -> Report {
    let report = Report::parse(
        "gen.md".as_ref(),
        text.as_bytes().to_vec(),
        &Default::default(),
    )
    .unwrap_or_else(|error| panic!("generated report does not parse: {error}\n{text}"));
    let in_windows = ReportOptions {
        parse_window: 1,
        ..ReportOptions::default()
    };
    let windowed = Report::parse("gen.md".as_ref(), text.as_bytes().to_vec(), &in_windows)
        .unwrap_or_else(|error| panic!("parsed in windows, it does not parse: {error}\n{text}"));
    assert_eq!(
        format!("{:?}", windowed.items()),
        format!("{:?}", report.items()),
        "parsed in windows, it reads other items:\n{text}"
    );
    report
}

/// Status names Jira "knows" in a generated run: every status a report or an edit holds.
fn known(doc: &Doc, edits: &[(Option<u32>, Option<String>)]) -> KnownStatuses {
    let mut known = KnownStatuses::default();
    for status in doc
        .rows
        .iter()
        .map(Row::shown_status)
        .chain(edits.iter().filter_map(|(_, s)| s.as_deref().map(collapse)))
    {
        known.insert(&status, status.starts_with('D'));
    }
    known
}

/// The rows a reader lists, with their position in the container.
fn expected_items(doc: &Doc) -> Vec<(usize, &Row)> {
    match doc.kind {
        // Template (empty) rows are never written into a list: positions count written items.
        ContainerKind::List => doc
            .rows
            .iter()
            .filter(|row| row.is_item())
            .enumerate()
            .map(|(i, row)| (i + 1, row))
            .collect(),
        _ => doc
            .rows
            .iter()
            .enumerate()
            .filter(|(_, row)| row.is_item())
            .map(|(i, row)| (i + 1, row))
            .collect(),
    }
}

/// What a run must never change: the document outside the Action Items section.
fn outside_the_section(text: &str) -> (&str, &str) {
    let start = text.find("## Action Items").expect("section");
    let end = text.find("## Messaging").expect("next section");
    (&text[..start], &text[end..])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn reading_changes_nothing_and_finds_every_item(doc in doc()) {
        let text = doc.render();
        let mut report = parse(&text);
        prop_assert!(!report.apply(&[]).expect("no edits"));
        prop_assert_eq!(report.bytes(), text.as_bytes());
        prop_assert!(!report.is_modified());
        let expected: Vec<(usize, Option<String>, String, String)> = expected_items(&doc)
            .into_iter()
            .map(|(row_number, row)| {
                let has_ticket_cell = doc.ticket_column || doc.ticket_only;
                let ticket = row.ticket.filter(|_| has_ticket_cell && doc.kind != ContainerKind::List).map(|(n, _)| format!("OPS-{n}"));
                let prefix = row.prefix.map(|(n, _)| format!("OPS-{n}"));
                // The first reference in reading order is the item's ticket.
                let ticket_first = !doc.item_first && !doc.ticket_only;
                let key = if ticket_first { ticket.or(prefix) } else { prefix.or(ticket) };
                (row_number, key, collapse(&row.item), row.shown_status())
            })
            .collect();
        let found: Vec<(usize, Option<String>, String, String)> = report
            .items()
            .iter()
            .map(|i| (i.row, i.key.clone(), i.summary().to_owned(), i.status_text().to_owned()))
            .collect();
        prop_assert_eq!(found, expected);
    }

    #[test]
    fn edits_change_only_what_pm_sync_owns_and_twice_is_once(doc in doc(), edits in edits()) {
        let text = doc.render();
        let mut report = parse(&text);
        report.set_known_statuses(known(&doc, &edits));
        let before = report.items().to_vec();
        let mut list = Vec::new();
        for (item, (key, status)) in before.iter().zip(&edits) {
            if let Some(n) = key {
                list.push(Edit::Link { row: item.row, key: format!("NEW-{n}"), url: format!("https://jira.example/browse/NEW-{n}") });
            }
            if let Some(status) = status {
                list.push(Edit::Status { row: item.row, status: status.clone() });
            }
        }
        let changed = report.apply(&list).expect("edits apply");
        prop_assert_eq!(changed, report.bytes() != text.as_bytes());
        let new_text = String::from_utf8(report.bytes().to_vec()).expect("utf-8");
        let after = parse(&new_text);
        prop_assert_eq!(after.items(), report.items());
        prop_assert_eq!(after.items().len(), before.len());
        prop_assert_eq!(outside_the_section(&text), outside_the_section(&new_text));

        for ((old, new), (key, status)) in before.iter().zip(after.items()).zip(&edits) {
            prop_assert_eq!(old.row, new.row);
            // The item's words are a person's: never changed, so the summary never grows.
            prop_assert_eq!(old.summary(), new.summary());
            prop_assert_eq!(&old.extra.iter().map(|(k, c)| (k, &c.text)).collect::<Vec<_>>(), &new.extra.iter().map(|(k, c)| (k, &c.text)).collect::<Vec<_>>());
            let expected_key = match key { Some(n) => Some(format!("NEW-{n}")), None => old.key.clone() };
            prop_assert_eq!(&new.key, &expected_key);
            // Only a Status cell can be emptied; elsewhere an empty status changes nothing.
            let has_status_cell = old.status_cell.is_some();
            let expected_status = match status {
                Some(s) if has_status_cell || !collapse(s).is_empty() => collapse(s),
                _ => old.status_text().to_owned(),
            };
            prop_assert_eq!(new.status_text(), expected_status.as_str());
        }

        let mut again = parse(&new_text);
        again.set_known_statuses(known(&doc, &edits));
        prop_assert!(!again.apply(&list).expect("edits apply again"), "a second run changed:\n{}", new_text);
    }
}

/// The text shapes people write action items in besides tables and plain lists: paragraphs,
/// TODO-marked paragraphs under a section no vocabulary names, sub-headings with a paragraph,
/// labels whose sub-bullets are the items, lines of one table cell, numbered items whose
/// sub-points are indented too little to nest, a ticket cell holding a placeholder. Each
/// sits among lines that are never items (labels, questions, sub-points, lessons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Paragraphs,
    Todo,
    SubHeadings,
    Labels,
    CellLines,
    UnderIndented,
    PlaceholderTicket,
}

/// One generated report in a text shape.
#[derive(Debug, Clone)]
struct ShapeDoc {
    shape: Shape,
    heading: &'static str,
    crlf: bool,
    items: Vec<String>,
}

const HEADINGS: &[&str] = &[
    "Action Items",
    "6. Prevention (Action Items)",
    "Remediations",
    "Folgemaßnahmen",
    "Acciones correctivas",
    "Ações corretivas",
    "Actions correctives",
    "Azioni correttive",
    "Actiepunten",
    "再発防止策",
    "改进措施",
    "후속 조치",
];

impl ShapeDoc {
    /// The heading the section starts with, as written.
    fn section(&self) -> String {
        match self.shape {
            Shape::Todo => "## Lessons learned".to_owned(),
            _ => format!("## {}", self.heading),
        }
    }

    fn render(&self) -> String {
        let mut lines: Vec<String> = vec![
            "# Post-mortem".into(),
            String::new(),
            "Some text.".into(),
            String::new(),
            self.section(),
            String::new(),
        ];
        let items = &self.items;
        match self.shape {
            Shape::Paragraphs => {
                lines.push("We will do the following:".into());
                for item in items {
                    lines.extend([String::new(), format!("{item}.")]);
                }
                lines.extend([String::new(), "How do we know it worked?".into()]);
            }
            Shape::Todo => {
                lines.push("Plain lessons are not items.".into());
                for (i, item) in items.iter().enumerate() {
                    let mark = if i % 2 == 0 { "**TODO**" } else { "DONE:" };
                    lines.extend([String::new(), format!("{mark} {item}")]);
                }
            }
            Shape::SubHeadings => {
                for item in items {
                    lines.extend([
                        format!("### {item}"),
                        String::new(),
                        "Why it matters, in a paragraph.".into(),
                        String::new(),
                    ]);
                }
            }
            Shape::Labels => {
                let (first, rest) = items.split_at(items.len().div_ceil(2));
                lines.push("- **Short-term:**".into());
                lines.extend(first.iter().map(|item| format!("  - {item}")));
                lines.push("- **Long-term:**".into());
                lines.extend(rest.iter().map(|item| format!("  - {item}")));
            }
            Shape::CellLines => {
                lines.extend(["| Area | Actions | Owner |".into(), "|---|---|---|".into()]);
                for pair in items.chunks(2) {
                    lines.push(format!("| area | {} | someone |", pair.join("<br>")));
                }
            }
            Shape::UnderIndented => {
                for (i, item) in items.iter().enumerate() {
                    lines.push(format!("{}. {item}", i + 1));
                    lines.push("  - a sub-point that only explains".into());
                }
            }
            Shape::PlaceholderTicket => {
                lines.extend([
                    "| Action Item | Owner | Ticket |".into(),
                    "|---|---|---|".into(),
                ]);
                for (i, item) in items.iter().enumerate() {
                    let placeholder = ["—", "n/a", "TBD", "-", "?"][i % 5];
                    lines.push(format!("| {item} | someone | {placeholder} |"));
                }
            }
        }
        lines.extend([
            String::new(),
            "## Messaging".into(),
            String::new(),
            "Not this one.".into(),
            String::new(),
        ]);
        lines.join(if self.crlf { "\r\n" } else { "\n" })
    }
}

fn shape_doc() -> impl Strategy<Value = ShapeDoc> {
    (
        prop_oneof![
            Just(Shape::Paragraphs),
            Just(Shape::Todo),
            Just(Shape::SubHeadings),
            Just(Shape::Labels),
            Just(Shape::CellLines),
            Just(Shape::UnderIndented),
            Just(Shape::PlaceholderTicket),
        ],
        proptest::sample::select(HEADINGS),
        any::<bool>(),
        proptest::collection::vec("fix [a-z]{2,8}( [a-z]{1,8}){0,4}", 1..6),
    )
        .prop_map(|(shape, heading, crlf, items)| ShapeDoc {
            shape,
            heading,
            crlf,
            items,
        })
}

/// The bytes outside the section, which no run may change.
fn outside(doc: &ShapeDoc, text: &str) -> (String, String) {
    let start = text.find(&doc.section()).expect("section");
    let end = text.find("## Messaging").expect("next section");
    (text[..start].to_owned(), text[end..].to_owned())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn text_shapes_read_every_item_and_nothing_else(doc in shape_doc()) {
        let text = doc.render();
        let mut report = parse(&text);
        prop_assert!(!report.apply(&[]).expect("no edits"));
        let found: Vec<String> = report.items().iter().map(|i| i.summary().trim_end_matches('.').to_owned()).collect();
        prop_assert_eq!(&found, &doc.items, "{}", text);
        prop_assert!(report.items().iter().all(|i| i.key.is_none() && i.status_text().is_empty()));
    }

    #[test]
    fn text_shapes_change_only_what_pm_sync_owns_and_twice_is_once(doc in shape_doc(), edits in edits()) {
        let text = doc.render();
        let mut report = parse(&text);
        let mut known = KnownStatuses::default();
        for (_, status) in &edits {
            if let Some(status) = status {
                known.insert(&collapse(status), status.starts_with('D'));
            }
        }
        report.set_known_statuses(known.clone());
        let before = report.items().to_vec();
        let mut list = Vec::new();
        for (item, (key, status)) in before.iter().zip(&edits) {
            if let Some(n) = key {
                list.push(Edit::Link { row: item.row, key: format!("NEW-{n}"), url: format!("https://jira.example/browse/NEW-{n}") });
            }
            if let Some(status) = status {
                list.push(Edit::Status { row: item.row, status: status.clone() });
            }
        }
        report.apply(&list).expect("edits apply");
        let new_text = String::from_utf8(report.bytes().to_vec()).expect("utf-8");
        let after = parse(&new_text);
        prop_assert_eq!(after.items(), report.items());
        prop_assert_eq!(after.items().len(), before.len(), "{}", new_text);
        prop_assert_eq!(outside(&doc, &text), outside(&doc, &new_text));
        for ((old, new), (key, status)) in before.iter().zip(after.items()).zip(&edits) {
            prop_assert_eq!(old.row, new.row);
            prop_assert_eq!(old.summary(), new.summary(), "{}", new_text);
            let expected_key = key.map(|n| format!("NEW-{n}"));
            prop_assert_eq!(&new.key, &expected_key);
            let expected_status = match status {
                Some(s) if !collapse(s).is_empty() => collapse(s),
                _ => String::new(),
            };
            prop_assert_eq!(new.status_text(), expected_status.as_str());
        }
        let mut again = parse(&new_text);
        again.set_known_statuses(known);
        prop_assert!(!again.apply(&list).expect("edits apply again"), "a second run changed:\n{}", new_text);
    }
}

/// A list (or a table with neither a Status nor a ticket column) whose items may end in a
/// person's emphasised words after a middle dot, a chain of them, in Markdown or HTML.
fn decorated_doc() -> impl Strategy<Value = (bool, Vec<(String, Vec<String>)>)> {
    (
        any::<bool>(),
        proptest::collection::vec(
            (
                "fix [a-z]{2,8}( [a-z]{1,8}){0,3}",
                proptest::collection::vec("[a-z]{3,8}( [a-z]{2,5})?", 0..3),
            ),
            1..6,
        ),
    )
}

fn render_decorated(table: bool, items: &[(String, Vec<String>)]) -> String {
    let mut lines: Vec<String> = vec!["# PM".into(), String::new(), "## Action Items".into()];
    lines.push(String::new());
    if table {
        lines.extend(["| Action item | Notes |".into(), "|---|---|".into()]);
    }
    for (n, (item, words)) in items.iter().enumerate() {
        let mut text = item.clone();
        for (w, word) in words.iter().enumerate() {
            // Markdown emphasis either way, or HTML.
            let marked = match (n + w) % 3 {
                0 => format!("*{word}*"),
                1 => format!("_{word}_"),
                _ => format!("<em>{word}</em>"),
            };
            text.push_str(&format!(" · {marked}"));
        }
        lines.push(if table {
            format!("| {text} | n/a |")
        } else {
            format!("- [ ] {text}")
        });
    }
    lines.extend([String::new(), "## Messaging".into(), String::new()]);
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever a person chained after an item's words, a status written (and written again,
    /// and changed) never changes its summary, keeps every word they wrote, and twice is once.
    #[test]
    fn a_persons_trailing_markers_never_become_the_summary(doc in decorated_doc(), edits in edits()) {
        let (table, items) = doc;
        let text = render_decorated(table, &items);
        let mut report = parse(&text);
        let before: Vec<String> = report.items().iter().map(|i| i.summary().to_owned()).collect();
        let wanted: Vec<&str> = items.iter().map(|(item, _)| item.as_str()).collect();
        prop_assert_eq!(&before, &wanted, "{}", text);
        let mut known = KnownStatuses::default();
        for status in ["To Do", "In Progress", "Done"] {
            known.insert(status, status == "Done");
        }
        report.set_known_statuses(known.clone());
        let rows: Vec<usize> = report.items().iter().map(|i| i.row).collect();
        let mut current = text.clone();
        for (round, status) in ["To Do", "In Progress", "In Progress", "Done"].iter().enumerate() {
            let mut again = parse(&current);
            again.set_known_statuses(known.clone());
            let mut list = Vec::new();
            for (row, (key, _)) in rows.iter().zip(&edits) {
                if round == 0 && let Some(n) = key {
                    list.push(Edit::Link { row: *row, key: format!("NEW-{n}"), url: format!("https://jira.example/browse/NEW-{n}") });
                }
                list.push(Edit::Status { row: *row, status: (*status).to_owned() });
            }
            again.apply(&list).expect("edits apply");
            current = String::from_utf8(again.bytes().to_vec()).expect("utf-8");
            let read = parse(&current);
            let summaries: Vec<&str> = read.items().iter().map(|i| i.summary()).collect();
            prop_assert_eq!(&summaries, &wanted, "round {}:\n{}", round, current);
            for item in read.items() {
                prop_assert_eq!(item.status_text(), *status, "round {}:\n{}", round, current);
            }
            for (_, words) in &items {
                for word in words {
                    prop_assert!(current.contains(word.as_str()), "{} lost:\n{}", word, current);
                }
            }
        }
        let mut last = parse(&current);
        last.set_known_statuses(known);
        let list: Vec<Edit> = rows.iter().map(|row| Edit::Status { row: *row, status: "Done".into() }).collect();
        prop_assert!(!last.apply(&list).expect("applies"), "a second run changed:\n{}", current);
    }
}
