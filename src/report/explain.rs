//! Why pm-sync read a report the way it did, for `items --explain`: the section chosen and
//! why, the container, each column's role, and every line of the section it skipped.

use std::fmt::Write as _;

use serde::Serialize;

use super::section::Choice;
use super::vocabulary::Strength;

/// How a report's items were found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The heading (or label line) that introduced the items.
    pub section: Option<String>,
    /// Why that section.
    pub choice: Option<String>,
    /// Whether no heading named it (a label line, a field row or the fallback chose it): `items`
    /// then says why even without `--explain`.
    pub guessed: bool,
    /// Headings of sibling sections read with it, in order.
    pub siblings: Vec<String>,
    /// How the items are written: a table, list items, paragraphs…
    pub container: String,
    /// Each table column's header and role.
    pub columns: Vec<(String, String)>,
    /// Lines of the section that are not items, and why.
    pub skipped: Vec<SkippedLine>,
}

/// One line of the section that is not an action item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedLine {
    /// 1-based line.
    pub line: usize,
    /// Its text as written (whitespace collapsed).
    pub text: String,
    /// Why it is not an item.
    pub reason: &'static str,
}

/// A line the section skipped, as `--explain` tells it: where it is (`lines` counts the lines
/// of `text`, asked in order) and why.
pub(crate) fn skipped_line(
    text: &str,
    span: &std::ops::Range<usize>,
    reason: &'static str,
    lines: &mut super::items::LineCounter,
) -> SkippedLine {
    SkippedLine {
        line: lines.line_of(span.start),
        text: super::table::collapse_whitespace(text.get(span.clone()).unwrap_or_default()),
        reason,
    }
}

/// The reason a section was chosen, in words.
pub(crate) fn describe_choice(choice: &Choice) -> String {
    match choice {
        Choice::Configured => "the heading matches [report] section".to_owned(),
        Choice::Vocabulary(Strength::Strong, phrase) => {
            format!("the heading names action items (\"{}\")", phrase.trim())
        }
        Choice::Vocabulary(Strength::Fair, phrase) => format!(
            "the heading names what comes next (\"{}\") and no heading naming action items has items",
            phrase.trim()
        ),
        Choice::Vocabulary(Strength::Weak, phrase) => format!(
            "the heading often names action items (\"{}\") and no heading naming them surely has items",
            phrase.trim()
        ),
        Choice::Label(phrase) => format!(
            "no heading names action items; this label line does (\"{}\")",
            phrase.trim()
        ),
        Choice::Fallback(reason) => format!("no heading or label names action items; {reason}"),
    }
}

impl Explanation {
    /// The explanation as `items --explain` prints it.
    pub fn text(&self) -> String {
        let mut out = String::new();
        match (&self.section, &self.choice) {
            (Some(section), Some(choice)) => {
                let _ = writeln!(out, "section: \"{section}\" — {choice}");
            }
            (Some(section), None) => {
                let _ = writeln!(out, "section: \"{section}\"");
            }
            _ => {}
        }
        for sibling in &self.siblings {
            let _ = writeln!(
                out,
                "  read with the sibling section \"{sibling}\" (also names action items)"
            );
        }
        if !self.container.is_empty() {
            let _ = writeln!(out, "container: {}", self.container);
        }
        for (header, role) in &self.columns {
            let _ = writeln!(out, "  column \"{header}\": {role}");
        }
        if self.skipped.is_empty() {
            let _ = writeln!(out, "skipped: nothing");
        }
        for skipped in &self.skipped {
            let _ = writeln!(
                out,
                "skipped line {}: {} — \"{}\"",
                skipped.line,
                skipped.reason,
                super::items::cut_utf16(&skipped.text, 80)
            );
        }
        out
    }
}
