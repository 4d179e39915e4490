//! `check --format json`: a stable document for scripts, documented in docs/src/check.md
//! (`docs/ci-gate.md`). Fields are only ever added, never renamed or removed.

use serde::Serialize;

use super::display_path;
use crate::gate::{CheckOutcome, ReportCheck, Source, Totals, Verdict};

/// The whole document.
#[derive(Serialize)]
struct Document<'a> {
    /// Whether the gate passed (exit code 0).
    passed: bool,
    /// `jira` (live) or `report` (`--offline`).
    source: Source,
    /// `--require-items` was given.
    require_items: bool,
    totals: Totals,
    reports: Vec<ReportDoc<'a>>,
    /// Reports without items and the like; `path` is null for run-wide warnings.
    warnings: Vec<WarningDoc>,
}

#[derive(Serialize)]
struct ReportDoc<'a> {
    path: String,
    passed: bool,
    items: ItemDocs<'a>,
}

/// A report's items, each judged and serialised as an [`ItemDoc`] when it is written: no list
/// of them (100,000 items would hold ~13 MB).
struct ItemDocs<'a>(&'a ReportCheck<'a>);

impl Serialize for ItemDocs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for item in self.0.items() {
            seq.serialize_element(&ItemDoc {
                line: item.line,
                row: item.row,
                key: item.key.as_deref(),
                moved_from: item.moved_from.as_deref(),
                url: item.url.as_deref(),
                summary: &item.summary,
                status: item.status.as_deref(),
                verdict: item.verdict,
                ticked: item.ticked,
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct ItemDoc<'a> {
    line: usize,
    row: usize,
    /// Current key (after a move, the new one); null without a ticket.
    key: Option<&'a str>,
    /// The key the report links, when the issue moved; else null.
    moved_from: Option<&'a str>,
    /// Browse URL; null offline or without a ticket.
    url: Option<&'a str>,
    summary: &'a str,
    /// The status the verdict was made from; null without one.
    status: Option<&'a str>,
    verdict: Verdict,
    /// The item's task box is ticked in the report (lists only).
    ticked: bool,
}

#[derive(Serialize)]
struct WarningDoc {
    path: Option<String>,
    message: String,
}

/// Renders `outcome` as pretty JSON with a trailing newline.
pub fn render(outcome: &CheckOutcome) -> String {
    let mut out = Vec::new();
    // Writing to a `Vec` cannot fail, and our own types always serialise.
    let _ = write(&mut out, outcome);
    String::from_utf8(out).unwrap_or_default()
}

/// [`render`], written to `out` as it is made.
pub fn write(out: &mut impl std::io::Write, outcome: &CheckOutcome) -> std::io::Result<()> {
    let document = Document {
        passed: outcome.passed(),
        source: outcome.source,
        require_items: outcome.require_items,
        totals: outcome.totals(),
        reports: outcome
            .reports
            .iter()
            .map(|report| ReportDoc {
                path: display_path(&report.path),
                passed: report.passed(outcome.require_items),
                items: ItemDocs(report),
            })
            .collect(),
        warnings: outcome
            .warnings()
            .into_iter()
            .map(|(path, message)| WarningDoc {
                path: path.map(display_path),
                message,
            })
            .collect(),
    };
    crate::output::write_json(out, &document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_shape_is_stable() {
        let json: serde_json::Value =
            serde_json::from_str(&render(&super::super::sample::outcome())).unwrap();
        assert_eq!(json["passed"], false);
        assert_eq!(json["source"], "jira");
        assert_eq!(
            json["totals"],
            serde_json::json!({
                "reports": 3, "reports_without_items": 1, "items": 6, "resolved": 2,
                "waived": 1, "unresolved": 1, "no_ticket": 1, "missing": 1
            })
        );
        let first = &json["reports"][0];
        assert_eq!(first["path"], "postmortems/2020-04-14-api.md");
        assert_eq!(first["passed"], false);
        assert_eq!(
            first["items"][0],
            serde_json::json!({
                "line": 12, "row": 2, "key": "OPS-1", "moved_from": null,
                "url": "https://jira.example.com/browse/OPS-1",
                "summary": "Add an alert on queue depth", "status": "Done", "verdict": "resolved",
                "ticked": false
            })
        );
        assert_eq!(first["items"][3]["moved_from"], "OPS-7");
        assert_eq!(json["reports"][1]["items"][0]["verdict"], "no_ticket");
        assert_eq!(
            json["reports"][1]["items"][0]["key"],
            serde_json::Value::Null
        );
        assert_eq!(json["reports"][2]["passed"], true);
        assert_eq!(json["warnings"][0]["path"], "postmortems/draft.md");
    }
}
