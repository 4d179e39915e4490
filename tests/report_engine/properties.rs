//! Properties over generated reports of both table kinds, LF and CRLF, with and without a BOM:
//! reading changes nothing, and edits change exactly the edited cells.

use std::collections::BTreeMap;

use pm_sync::report::{ContainerKind, Edit, Report};
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
}

impl Doc {
    /// Header names and a function giving each row's cells, in column order.
    fn columns(&self) -> Vec<&'static str> {
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
            ContainerKind::Pipe | ContainerKind::List => {
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
        prop_oneof![Just(ContainerKind::Html), Just(ContainerKind::Pipe)],
        any::<[bool; 7]>(),
        proptest::collection::vec(row(), 0..8),
    )
        .prop_map(|(kind, flags, rows)| Doc {
            kind,
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

/// `span` grown over the spaces and tabs around it.
fn widen(text: &str, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let bytes = text.as_bytes();
    let mut start = span.start;
    while start > 0 && matches!(bytes[start - 1], b' ' | b'\t') {
        start -= 1;
    }
    let mut end = span.end;
    while end < bytes.len() && matches!(bytes[end], b' ' | b'\t') {
        end += 1;
    }
    start..end
}

fn parse(text: &str) -> Report {
    Report::parse(
        "gen.md".as_ref(),
        text.as_bytes().to_vec(),
        &Default::default(),
    )
    .unwrap_or_else(|error| panic!("generated report does not parse: {error}\n{text}"))
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
        let expected: Vec<(usize, Option<String>, String, String)> = doc
            .rows
            .iter()
            .enumerate()
            .filter(|(_, row)| row.is_item())
            .map(|(i, row)| {
                let ticket = row.ticket.filter(|_| doc.ticket_column).map(|(n, _)| format!("OPS-{n}"));
                let key = ticket.or(row.prefix.map(|(n, _)| format!("OPS-{n}")));
                (i + 1, key, collapse(&row.item), collapse(&row.status))
            })
            .collect();
        let found: Vec<(usize, Option<String>, String, String)> = report
            .items()
            .iter()
            .map(|i| (i.row, i.key.clone(), i.summary.clone(), i.status_text().to_owned()))
            .collect();
        prop_assert_eq!(found, expected);
    }

    #[test]
    fn edits_change_exactly_the_edited_cells(doc in doc(), edits in edits()) {
        let text = doc.render();
        let mut report = parse(&text);
        let before = report.items().to_vec();
        let mut list = Vec::new();
        // Old span of every cell an edit may touch, by row.
        let mut touched: BTreeMap<usize, Vec<std::ops::Range<usize>>> = BTreeMap::new();
        for (item, (key, status)) in before.iter().zip(&edits) {
            if let Some(n) = key {
                list.push(Edit::Link { row: item.row, key: format!("NEW-{n}"), url: format!("https://jira.example/browse/NEW-{n}") });
                let cell = item.ticket.as_ref().unwrap_or(&item.item);
                touched.entry(item.row).or_default().push(cell.span.clone());
            }
            if let Some(status) = status {
                list.push(Edit::Status { row: item.row, status: status.clone() });
                touched.entry(item.row).or_default().push(item.status.current.as_ref().map_or(item.status.append_at..item.status.append_at, |c| c.span.clone()));
            }
        }
        let changed = report.apply(&list).expect("edits apply");
        prop_assert_eq!(changed, report.bytes() != text.as_bytes());
        let new_text = String::from_utf8(report.bytes().to_vec()).expect("utf-8");
        let after = parse(&new_text);
        prop_assert_eq!(after.items(), report.items());
        prop_assert_eq!(after.items().len(), before.len());

        let mut old_spans = Vec::new();
        let mut new_spans = Vec::new();
        for ((old, new), (key, status)) in before.iter().zip(after.items()).zip(&edits) {
            prop_assert_eq!(old.row, new.row);
            prop_assert_eq!(&old.summary, &new.summary);
            prop_assert_eq!(&old.extra.iter().map(|(k, c)| (k, &c.text)).collect::<Vec<_>>(), &new.extra.iter().map(|(k, c)| (k, &c.text)).collect::<Vec<_>>());
            let expected_key = match key { Some(n) => Some(format!("NEW-{n}")), None => old.key.clone() };
            prop_assert_eq!(&new.key, &expected_key);
            let expected_status = match status { Some(s) => collapse(s), None => old.status_text().to_owned() };
            prop_assert_eq!(&new.status_text().to_owned(), &expected_status);
            if touched.contains_key(&old.row) {
                if key.is_some() {
                    old_spans.push(old.ticket.as_ref().unwrap_or(&old.item).span.clone());
                    new_spans.push(new.ticket.as_ref().unwrap_or(&new.item).span.clone());
                }
                if status.is_some() {
                    old_spans.push(old.status.current.as_ref().map_or(0..0, |c| c.span.clone()));
                    new_spans.push(new.status.current.as_ref().map_or(0..0, |c| c.span.clone()));
                }
            }
        }
        // A pipe cell is everything between its pipes: its padding belongs to it.
        if doc.kind == ContainerKind::Pipe {
            for span in &mut old_spans {
                *span = widen(&text, span.clone());
            }
            for span in &mut new_spans {
                *span = widen(&new_text, span.clone());
            }
        }
        old_spans.sort_by_key(|s| s.start);
        new_spans.sort_by_key(|s| s.start);
        // Every byte between edited cells is where it was.
        let (mut old_at, mut new_at) = (0, 0);
        for (old, new) in old_spans.iter().zip(&new_spans) {
            prop_assert_eq!(&text[old_at..old.start], &new_text[new_at..new.start]);
            old_at = old.end;
            new_at = new.end;
        }
        prop_assert_eq!(&text[old_at..], &new_text[new_at..]);
    }
}
