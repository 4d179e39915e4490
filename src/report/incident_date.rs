//! The incident date and severity when the front matter does not give them: read from the body
//! (a `Date:` line, a `## Date` section, a `Date` row of a two-column table), the title or the
//! file name, in one pass over the lines that looks at each line's first bytes only.
//!
//! Order (the first that gives a date wins, so a refused date is never passed over):
//! 1. an *incident* date field (`Incident date:`, `## Incident date`, `| Incident date | … |`);
//! 2. a plain `Date` field, written the same three ways;
//! 3. a date in the title (front matter `title`, else the first H1);
//! 4. a date in the file name (`2019-03-26.md`, `2019-03-26-db-outage.md`);
//! 5. a report date field (`Report date`, `Published`, `Written`): the incident is usually a day
//!    or two earlier, so this comes last. `Last updated` and the like are never read: they
//!    change with every edit, and the labels must not.
//!
//! Within one kind the first in the document wins. The severity is the first `Severity` field.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use chrono::NaiveDate;
use miette::SourceSpan;

use super::error::{Origin, ReportError, SharedSource, floor_char_boundary, line_col};
use super::labels::severity_on_scale;
use super::model::Span;

/// Where a value the labels use was read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Source {
    /// How it was written.
    pub kind: SourceKind,
    /// 1-based line in the file; `None` for the file name.
    pub line: Option<usize>,
    /// What is written there: the line (trimmed, cut to 100 characters) or the file name.
    pub text: String,
}

/// The ways a date or severity is written in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A front matter key (`incident_date:`, `date:`, `severity:`).
    FrontMatter,
    /// A `Date: …` / `**Date**: …` line.
    Field,
    /// A `## Date` heading (or a line holding only `**Date**`) with the value on the next line.
    Section,
    /// A `Date` row of a two-column table (pipe or HTML).
    TableRow,
    /// The front matter `title` or the first H1.
    Title,
    /// The report's file name.
    FileName,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, self.line) {
            (SourceKind::FileName, _) | (_, None) => write!(f, "the file name {}", self.text),
            (SourceKind::FrontMatter, Some(line)) => {
                write!(f, "front matter line {line}: {}", self.text)
            }
            (SourceKind::Title, Some(line)) => write!(f, "the title, line {line}: {}", self.text),
            (_, Some(line)) => write!(f, "line {line}: {}", self.text),
        }
    }
}

/// How a date is written: one reading, or two because day and month could be either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// The date.
    One(NaiveDate),
    /// Month first, then day first (`05/07/2024`: May 7 or July 5).
    Ambiguous(NaiveDate, NaiveDate),
}

/// A value the labels would use but that pm-sync will not guess at: a date whose day and month
/// could be swapped, or a severity that is not `sevN` and not mapped. Reading the report never
/// fails on it (`items` and `check --offline` work); resolving the labels does.
#[derive(Clone)]
pub struct Refusal {
    what: Refused,
    /// The value as written.
    value: String,
    /// Where it is written.
    source: Source,
    at: String,
    src: SharedSource,
    span: SourceSpan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Refused {
    Date(NaiveDate, NaiveDate),
    Severity { example: &'static str },
}

impl Refusal {
    fn new(
        what: Refused,
        value: &str,
        source: Source,
        path: &Path,
        text: &str,
        span: Span,
    ) -> Self {
        let origin = Origin::new(path, text, span);
        Refusal {
            what,
            value: value.to_owned(),
            source,
            at: origin.at,
            src: origin.src,
            span: origin.span,
        }
    }

    /// The value as written.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Where it is written.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The error resolving the labels reports.
    pub fn error(&self) -> ReportError {
        match &self.what {
            Refused::Date(month_first, day_first) => ReportError::AmbiguousDate {
                at: self.at.clone(),
                value: self.value.clone(),
                month_first: *month_first,
                day_first: *day_first,
                src: self.src.clone(),
                span: self.span,
            },
            Refused::Severity { example } => ReportError::UnmappedSeverity {
                at: self.at.clone(),
                value: self.value.clone(),
                key: toml_key(&self.value),
                example,
                src: self.src.clone(),
                span: self.span,
            },
        }
    }
}

impl fmt::Debug for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the whole file `src` holds.
        f.debug_struct("Refusal")
            .field("what", &self.what)
            .field("value", &self.value)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Refusal {
    fn eq(&self, other: &Self) -> bool {
        self.what == other.what && self.value == other.value && self.source == other.source
    }
}

impl Eq for Refusal {}

/// `value` as a TOML key: bare when it can be, else quoted.
fn toml_key(value: &str) -> String {
    let bare = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        value.to_owned()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

// ---------------------------------------------------------------------------------------------
// Dates in text

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("sept", 9),
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
];

/// A byte cursor for the small date grammars below.
struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    /// A run of ASCII digits of `min..=max` length (the whole run, so `20245` is not a year).
    fn number(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let start = self.at;
        let len = self.s[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if len < min || len > max {
            return None;
        }
        self.at += len;
        let text = std::str::from_utf8(&self.s[start..self.at]).ok()?;
        Some((text.parse().ok()?, len))
    }

    fn eat(&mut self, literal: &str) -> bool {
        if self.s[self.at..].starts_with(literal.as_bytes()) {
            self.at += literal.len();
            true
        } else {
            false
        }
    }

    fn eat_one_of(&mut self, set: &[u8]) -> Option<u8> {
        let b = *self.s.get(self.at)?;
        set.contains(&b).then(|| {
            self.at += 1;
            b
        })
    }

    /// Skips bytes of `set`; how many.
    fn skip(&mut self, set: &[u8]) -> usize {
        let n = self.s[self.at..]
            .iter()
            .take_while(|b| set.contains(b))
            .count();
        self.at += n;
        n
    }

    fn next_is_digit(&self) -> bool {
        self.s.get(self.at).is_some_and(u8::is_ascii_digit)
    }

    /// `st`, `nd`, `rd`, `th` after a day number.
    fn ordinal(&mut self) {
        let rest = &self.s[self.at..];
        if rest.len() >= 2
            && matches!(
                rest[..2].to_ascii_lowercase().as_slice(),
                b"st" | b"nd" | b"rd" | b"th"
            )
            && rest.get(2).is_none_or(|b| !b.is_ascii_alphanumeric())
        {
            self.at += 2;
        }
    }

    /// A month name or its abbreviation (`May`, `Sept.`, `jan`), as a whole word.
    fn month(&mut self) -> Option<u32> {
        let rest = &self.s[self.at..];
        let word = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let lower = rest[..word].to_ascii_lowercase();
        let (_, month) = MONTHS.iter().find(|(name, _)| name.as_bytes() == lower)?;
        self.at += word;
        self.eat(".");
        Some(*month)
    }
}

fn year_ok(year: u32) -> Option<i32> {
    (1970..=2200)
        .contains(&year)
        .then(|| i32::try_from(year).ok())
        .flatten()
}

fn ymd(year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year_ok(year)?, month, day)
}

/// `2024-05-07`, `2024/05/07`, `2024.05.07`, `2024年5月7日` (a time or offset may follow).
fn year_first(c: &mut Cursor<'_>) -> Option<Reading> {
    let (year, _) = c.number(4, 4)?;
    if c.eat("年") {
        let (month, _) = c.number(1, 2)?;
        if !c.eat("月") {
            return None;
        }
        let (day, _) = c.number(1, 2)?;
        return ymd(year, month, day).map(Reading::One);
    }
    let sep = c.eat_one_of(b"-/.")?;
    let (month, _) = c.number(1, 2)?;
    c.eat_one_of(&[sep])?;
    let (day, _) = c.number(1, 2)?;
    ymd(year, month, day).map(Reading::One)
}

/// `05/07/2024`, `5-7-2024`, `07.05.2024`: month and day in either order. Two-digit years
/// (`04-20-20`) are not read at all: the year could be any of the three numbers, and the
/// template's own title ("Remediations 04-20-20") is a meeting date, not the incident's.
fn numeric_day_month(c: &mut Cursor<'_>) -> Option<Reading> {
    let (a, _) = c.number(1, 2)?;
    let sep = c.eat_one_of(b"-/.")?;
    let (b, _) = c.number(1, 2)?;
    c.eat_one_of(&[sep])?;
    let (year, _) = c.number(4, 4)?;
    match (ymd(year, a, b), ymd(year, b, a)) {
        (Some(md), Some(dm)) if md != dm => Some(Reading::Ambiguous(md, dm)),
        (Some(one), _) | (None, Some(one)) => Some(Reading::One(one)),
        (None, None) => None,
    }
}

/// `7 May 2024`, `7th May, 2024`, `07-May-2024`.
fn day_month_name(c: &mut Cursor<'_>) -> Option<Reading> {
    let (day, _) = c.number(1, 2)?;
    c.ordinal();
    if c.skip(b" -") == 0 {
        return None;
    }
    let month = c.month()?;
    if c.skip(b" ,-") == 0 {
        return None;
    }
    let (year, _) = c.number(4, 4)?;
    ymd(year, month, day).map(Reading::One)
}

/// `May 7, 2024`, `Sept. 7th 2024`, `May-07-2024`.
fn month_name_day(c: &mut Cursor<'_>) -> Option<Reading> {
    let month = c.month()?;
    if c.skip(b" -") == 0 {
        return None;
    }
    let (day, _) = c.number(1, 2)?;
    c.ordinal();
    if c.skip(b" ,-") == 0 {
        return None;
    }
    let (year, _) = c.number(4, 4)?;
    ymd(year, month, day).map(Reading::One)
}

/// The first date written in `s`, and its byte range in `s`. RFC 3339 and the seed's
/// `2020-04-14 19:38:22.561000` are read by their date part, as written (not moved to UTC).
pub(crate) fn find_date(s: &str) -> Option<(Reading, Range<usize>)> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if starts_word && b.is_ascii_digit() {
            for grammar in [year_first, numeric_day_month, day_month_name] {
                let mut c = Cursor { s: bytes, at: i };
                if let Some(reading) = grammar(&mut c)
                    && !c.next_is_digit()
                {
                    return Some((reading, i..c.at));
                }
            }
            i += bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
            continue;
        }
        if starts_word && b.is_ascii_alphabetic() {
            let mut c = Cursor { s: bytes, at: i };
            if let Some(reading) = month_name_day(&mut c)
                && !c.next_is_digit()
            {
                return Some((reading, i..c.at));
            }
            i += bytes[i..]
                .iter()
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            continue;
        }
        i += 1;
    }
    None
}

/// A date a person wrote in a cell (a Due column), read as the incident date is: ISO forms with
/// or without a time, then the first date written in the text in any form the body reader takes
/// (`July 1, 2024`, `1 July 2024`, `2024/07/01`, `13.07.2024`, `2024年7月1日`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrittenDate {
    /// The date.
    Date(NaiveDate),
    /// Day and month could be swapped (`05/07/2024`): month first, then day first.
    Ambiguous(NaiveDate, NaiveDate),
    /// No date ("Q3", "next sprint", "+7d", "TBD").
    None,
}

/// Reads `text` as a date; see [`WrittenDate`].
pub fn written_date(text: &str) -> WrittenDate {
    if let Some(date) = super::front_matter::parse_date(text) {
        return WrittenDate::Date(date);
    }
    match find_date(text) {
        Some((Reading::One(date), _)) => WrittenDate::Date(date),
        Some((Reading::Ambiguous(month_first, day_first), _)) => {
            WrittenDate::Ambiguous(month_first, day_first)
        }
        None => WrittenDate::None,
    }
}

/// The date in a file name: year first only (`2019-03-26-db-outage.md`, `20190326.md`).
fn date_in_file_name(name: &str) -> Option<NaiveDate> {
    let bytes = name.as_bytes();
    for i in 0..bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_digit()) {
            continue;
        }
        let mut c = Cursor { s: bytes, at: i };
        if let Some(Reading::One(date)) = year_first(&mut c)
            && !c.next_is_digit()
        {
            return Some(date);
        }
        let mut c = Cursor { s: bytes, at: i };
        if let Some((digits, 8)) = c.number(8, 8)
            && i.checked_sub(1)
                .is_none_or(|p| !bytes[p].is_ascii_alphanumeric())
            && bytes.get(c.at).is_none_or(|b| !b.is_ascii_alphanumeric())
            && let Some(date) = ymd(digits / 10_000, digits / 100 % 100, digits % 100)
        {
            return Some(date);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Field labels

/// What a labelled value in the body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    IncidentDate,
    Date,
    ReportDate,
    Severity,
}

/// Labels by kind, lower case, words separated by one space.
const INCIDENT_DATE_LABELS: &[&str] = &[
    "incident date",
    "incident date time",
    "incident date and time",
    "incident day",
    "incident start",
    "incident start date",
    "incident start time",
    "date of incident",
    "date of the incident",
    "outage date",
    "date of outage",
    "date of the outage",
    "事故日期",
    "故障日期",
    "发生日期",
    "事故时间",
    "故障时间",
    "发生时间",
    "事件日期",
];
const DATE_LABELS: &[&str] = &["date", "date time", "date and time", "日期", "时间"];
const REPORT_DATE_LABELS: &[&str] = &[
    "report date",
    "date of report",
    "date of the report",
    "published",
    "published on",
    "publication date",
    "date published",
    "written",
    "written on",
    "date written",
    "created",
    "created on",
    "date created",
    "review date",
    "postmortem date",
    "post mortem date",
    "meeting date",
    "报告日期",
];
const SEVERITY_LABELS: &[&str] = &[
    "severity",
    "schweregrad",
    "gravedad",
    "severidad",
    "gravité",
    "sévérité",
    "gravidade",
    "severidade",
    "gravità",
    "ernst",
    "ernstniveau",
    "重大度",
    "深刻度",
    "심각도",
    "심각도 수준",
    "incident severity",
    "severity level",
    "sev",
    "sev level",
    "事故等级",
    "故障等级",
    "事故级别",
    "故障级别",
    "严重程度",
    "严重级别",
];

/// The field a label names: markup and punctuation dropped, case ignored.
fn field_of(label: &str) -> Option<Field> {
    if label.len() > 60 {
        return None;
    }
    let mut words = String::new();
    for word in label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !words.is_empty() {
            words.push(' ');
        }
        words.push_str(&word.to_lowercase());
    }
    let words = words.as_str();
    [
        (INCIDENT_DATE_LABELS, Field::IncidentDate),
        (DATE_LABELS, Field::Date),
        (REPORT_DATE_LABELS, Field::ReportDate),
        (SEVERITY_LABELS, Field::Severity),
    ]
    .into_iter()
    .find_map(|(labels, field)| labels.contains(&words).then_some(field))
}

/// Whether a label (a front matter key, a field's label) names the severity, in any of the
/// languages the body scan reads (`Severity`, `Schweregrad`, `Gravedad`, `重大度`, `심각도`…).
pub(crate) fn is_severity_label(label: &str) -> bool {
    field_of(label) == Some(Field::Severity)
}

/// The date candidates' ranks, best first.
fn rank(field: Field) -> u8 {
    match field {
        Field::IncidentDate => 0,
        Field::Date => 1,
        Field::ReportDate => 4,
        Field::Severity => u8::MAX,
    }
}
const TITLE_RANK: u8 = 2;
const FILE_NAME_RANK: u8 = 3;

/// The severity as written in a field's value: up to the first separator, markup trimmed;
/// `None` for prose (more than three words) or nothing.
fn severity_token(value: &str) -> Option<&str> {
    let mut end = value.len();
    for stop in [
        ",", ";", "|", "(", "（", "<", " - ", " — ", " – ", " / ", "。",
    ] {
        if let Some(at) = value.find(stop) {
            end = end.min(at);
        }
    }
    let token = value[..end].trim().trim_matches(|c: char| {
        matches!(c, '*' | '_' | '`' | '.' | '"' | '\'') || c.is_whitespace()
    });
    // Template placeholders (`SEV-?`, `<1-5>`, `TBD`) are not a severity anyone chose.
    let placeholder = token.contains('?')
        || token.starts_with(['<', '['])
        || ["tbd", "tba", "n/a", "na", "none", "unknown", "-", "—"]
            .contains(&token.to_lowercase().as_str());
    let prose = token.split_whitespace().count() > 3;
    (!token.is_empty() && !placeholder && !prose).then_some(token)
}

/// Severities that are not `sevN`, mapped by `[labels.severity_map]` (keys lower case).
pub type SeverityMap = [(String, String)];

/// A written severity: `[labels.severity_map]` first (it overrides the built-in scale), then the
/// built-in scale ([`severity_on_scale`]); a longer value (`SEV-1 (customer facing)`) is read
/// by its first token the same two ways.
pub(crate) fn map_severity(written: &str, map: &SeverityMap) -> Option<String> {
    let mapped = |value: &str| {
        let key = value
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        map.iter()
            .find(|(from, _)| *from == key)
            .map(|(_, to)| to.clone())
    };
    mapped(written)
        .or_else(|| severity_on_scale(written))
        .or_else(|| {
            let token = severity_token(written).filter(|token| *token != written.trim())?;
            mapped(token).or_else(|| severity_on_scale(token))
        })
}

// ---------------------------------------------------------------------------------------------
// The pass over the body

/// A date candidate: its rank, reading, where, and the span to underline.
#[derive(Debug)]
struct DateCandidate {
    rank: u8,
    reading: Reading,
    written: String,
    source: Source,
    span: Span,
}

/// What the body says.
#[derive(Debug, Default)]
struct Facts {
    date: Option<DateCandidate>,
    /// The severity as written, its source and span.
    severity: Option<(String, Source, Span)>,
    /// The first H1 has been seen.
    title_seen: bool,
}

impl Facts {
    fn offer_date(&mut self, candidate: DateCandidate) {
        if self.date.as_ref().is_none_or(|d| candidate.rank < d.rank) {
            self.date = Some(candidate);
        }
    }
}

/// The line, trimmed and cut to 100 characters, as sources show it.
fn shown(line: &str) -> String {
    let line = line.trim();
    match line.char_indices().nth(100) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_owned(),
    }
}

/// Byte offset of `sub` in `text` when `sub` is a slice of it.
fn offset_in(text: &str, sub: &str) -> Option<usize> {
    let start = (sub.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    (start + sub.len() <= text.len()).then_some(start)
}

/// Where `needle` (ASCII, lower case) first occurs in `hay`, ignoring ASCII case; no allocation.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let first = char::from(*needle.as_bytes().first()?);
    let mut from = 0;
    // `str::find` with a char is a fast byte search; the rest is compared in place.
    while let Some(at) = hay[from..].find(first) {
        let at = from + at;
        if hay
            .as_bytes()
            .get(at..at + needle.len())
            .is_some_and(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Text with tags removed and the common entities decoded.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        match rest[open..].find('>') {
            Some(close) => rest = &rest[open + close + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    if !out.contains('&') {
        return out;
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Leading list markers, blockquote markers and indentation.
fn strip_markers(line: &str) -> &str {
    let mut s = line.trim_start();
    loop {
        let before = s;
        if let Some(rest) = s.strip_prefix('>') {
            s = rest.trim_start();
        }
        for marker in ["- ", "* ", "+ "] {
            if let Some(rest) = s.strip_prefix(marker) {
                s = rest.trim_start();
            }
        }
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        if (1..=3).contains(&digits)
            && let Some(rest) = s[digits..]
                .strip_prefix(". ")
                .or_else(|| s[digits..].strip_prefix(") "))
        {
            s = rest.trim_start();
        }
        if s.len() == before.len() {
            return s;
        }
    }
}

/// `**Label**: value`, `**Label:** value`, `Label: value`, `*Label*：value`: the label and the
/// value (which may be empty: the value is then on the next line).
fn split_field(s: &str) -> Option<(&str, &str)> {
    for strong in ["**", "__"] {
        if let Some(rest) = s.strip_prefix(strong)
            && let Some(close) = rest.find(strong)
        {
            let inner = rest[..close].trim();
            let after = rest[close + strong.len()..].trim_start();
            if let Some(label) = inner.strip_suffix(':').or_else(|| inner.strip_suffix('：')) {
                return Some((label, after));
            }
            if let Some(value) = after.strip_prefix(':').or_else(|| after.strip_prefix('：')) {
                return Some((inner, value.trim_start()));
            }
            // A bold label alone on its line: the value follows on the next one.
            return after.is_empty().then_some((inner, ""));
        }
    }
    let head = &s[..floor_char_boundary(s, s.len().min(64))];
    let colon = head.find([':', '：'])?;
    let label =
        s[..colon].trim_matches(|c: char| matches!(c, '*' | '_' | '`') || c.is_whitespace());
    let value = s[colon..]
        .trim_start_matches([':', '：'])
        .trim_start_matches(['*', '_'])
        .trim_start();
    Some((label, value))
}

/// The cells of a GFM row (`| a | b |`), trimmed; `\|` does not split.
fn pipe_cells(line: &str) -> Vec<&str> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut start = 0;
    let bytes = inner.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'|' && (i == 0 || bytes[i - 1] != b'\\') {
            cells.push(inner[start..i].trim());
            start = i + 1;
        }
    }
    cells.push(inner[start..].trim());
    cells
}

/// The spans in `row` of its cells' contents (`<td>`/`<th>`), up to three.
fn html_cells(row: &str) -> Vec<Range<usize>> {
    let mut cells = Vec::new();
    let mut from = 0;
    while let Some(at) = find_ci(&row[from..], "<td")
        .into_iter()
        .chain(find_ci(&row[from..], "<th"))
        .min()
    {
        let open = from + at;
        let Some(gt) = row[open..].find('>') else {
            break;
        };
        let content = open + gt + 1;
        let end = ["</td", "</th"]
            .iter()
            .filter_map(|close| find_ci(&row[content..], close))
            .min()
            .map_or(row.len(), |e| content + e);
        cells.push(content..end);
        // Only two-cell rows matter: a third cell ends the search.
        from = end.max(content);
        if cells.len() > 2 || from >= row.len() {
            break;
        }
    }
    cells
}

/// One pass over the body.
struct Scanner<'a> {
    text: &'a str,
    /// Bytes not scanned: the action items.
    skip: Option<Span>,
    want_date: bool,
    want_severity: bool,
    facts: Facts,
}

impl Scanner<'_> {
    /// Offers `value` (a slice of the file, or not) read as `field` at `line`.
    fn offer(
        &mut self,
        field: Field,
        value: &str,
        fallback: Span,
        kind: SourceKind,
        line_no: usize,
        line: &str,
    ) {
        let at = offset_in(self.text, value);
        match field {
            Field::Severity => {
                if !self.want_severity || self.facts.severity.is_some() {
                    return;
                }
                let Some(token) = severity_token(value) else {
                    return;
                };
                let span = match (at, offset_in(value, token)) {
                    (Some(at), Some(within)) => at + within..at + within + token.len(),
                    _ => fallback,
                };
                self.facts.severity = Some((
                    token.to_owned(),
                    Source {
                        kind,
                        line: Some(line_no),
                        text: shown(line),
                    },
                    span,
                ));
            }
            _ => {
                if !self.want_date {
                    return;
                }
                let rank = rank(field);
                if self.facts.date.as_ref().is_some_and(|d| d.rank <= rank) {
                    return;
                }
                let Some((reading, range)) = find_date(value) else {
                    return;
                };
                let span = at.map_or(fallback, |at| at + range.start..at + range.end);
                self.facts.offer_date(DateCandidate {
                    rank,
                    reading,
                    written: value[range].to_owned(),
                    source: Source {
                        kind,
                        line: Some(line_no),
                        text: shown(line),
                    },
                    span,
                });
            }
        }
    }

    fn done(&self) -> bool {
        (!self.want_date || self.facts.date.as_ref().is_some_and(|d| d.rank == 0))
            && (!self.want_severity || self.facts.severity.is_some())
    }

    /// The title's date (the first H1), at `line_no`.
    fn title(&mut self, heading: &str, line_no: usize, line: &str) {
        if self.facts.title_seen {
            return;
        }
        self.facts.title_seen = true;
        if !self.want_date {
            return;
        }
        if let Some((reading, range)) = find_date(heading) {
            let at = offset_in(self.text, heading).unwrap_or(0);
            self.facts.offer_date(DateCandidate {
                rank: TITLE_RANK,
                reading,
                written: heading[range.clone()].to_owned(),
                source: Source {
                    kind: SourceKind::Title,
                    line: Some(line_no),
                    text: shown(line),
                },
                span: at + range.start..at + range.end,
            });
        }
    }

    /// A field line (`Date: …`), possibly several fields separated by ` | ` or ` · `.
    /// Returns the field whose value is on the next line, if the line holds only a label.
    fn field_line(&mut self, s: &str, span: Span, line_no: usize, line: &str) -> Option<Field> {
        let mut pending = None;
        for part in s.split(" | ").flat_map(|p| p.split(" · ")) {
            let Some((label, value)) = split_field(part.trim()) else {
                continue;
            };
            let Some(field) = field_of(label) else {
                continue;
            };
            if value.trim().is_empty() {
                pending = Some(field);
            } else {
                self.offer(field, value, span.clone(), SourceKind::Field, line_no, line);
            }
        }
        pending
    }

    fn html_row(&mut self, row: &str, row_start: usize, line_no: usize) {
        let cells = html_cells(row);
        let [label, value] = cells.as_slice() else {
            return;
        };
        // Most two-cell rows are action items: a long first cell is no label, and is not copied.
        if label.len() > 200 {
            return;
        }
        let label = strip_tags(&row[label.clone()]);
        let Some(field) = field_of(label.trim()) else {
            return;
        };
        let range = value.clone();
        let value = strip_tags(&row[range.clone()]);
        let value = value.trim();
        let span = row_start + range.start..row_start + range.end;
        let shown_row = format!("{} | {value}", label.trim());
        // The value is a copy (tags stripped): underline the whole cell.
        self.offer(
            field,
            value,
            span,
            SourceKind::TableRow,
            line_no,
            &shown_row,
        );
    }

    fn run(&mut self, start: usize) {
        let text = self.text;
        let mut line_no = text[..start].bytes().filter(|&b| b == b'\n').count();
        let mut offset = start;
        let mut fence: Option<(u8, usize)> = None;
        let mut in_comment = false;
        // A field whose value is on the next non-blank line, and that field's line.
        let mut pending: Option<Field> = None;
        // An HTML row being read: where it starts and its line.
        let mut row: Option<(usize, usize)> = None;
        // The previous line, if it could be the text of a setext heading.
        let mut previous: Option<(usize, &str)> = None;

        for raw in text[start..].split_inclusive('\n') {
            let line_start = offset;
            offset += raw.len();
            line_no += 1;
            if self.done() {
                return;
            }
            if self
                .skip
                .as_ref()
                .is_some_and(|skip| line_start < skip.end && offset > skip.start)
            {
                (fence, in_comment, pending, row, previous) = (None, false, None, None, None);
                continue;
            }
            let line = raw.trim_end_matches(['\n', '\r']);
            let t = line.trim_start();

            if let Some((ch, len)) = fence {
                let run = t.bytes().take_while(|&b| b == ch).count();
                if run >= len && t[run..].trim().is_empty() {
                    fence = None;
                }
                continue;
            }
            if in_comment {
                in_comment = !line.contains("-->");
                continue;
            }
            if let Some((row_start, row_line)) = row {
                if find_ci(line, "</tr").is_some() {
                    row = None;
                    self.html_row(&text[row_start..offset], row_start, row_line);
                } else if offset - row_start > 16 * 1024 {
                    row = None;
                }
                continue;
            }
            if t.is_empty() {
                previous = None;
                continue;
            }
            let first = t.as_bytes()[0];
            if (first == b'`' || first == b'~')
                && t.starts_with(if first == b'`' { "```" } else { "~~~" })
            {
                fence = Some((first, t.bytes().take_while(|&b| b == first).count()));
                previous = None;
                continue;
            }
            if t.starts_with("<!--") {
                in_comment = !t.contains("-->");
                continue;
            }

            // Setext headings: the previous line was the heading's text.
            if (first == b'=' || first == b'-')
                && t.bytes().all(|b| b == first || b == b' ')
                && let Some((prev_no, prev)) = previous.take()
            {
                if first == b'=' {
                    self.title(prev.trim(), prev_no, prev);
                }
                if let Some(field) = field_of(prev) {
                    pending = Some(field);
                }
                continue;
            }

            if first == b'#' {
                let level = t.bytes().take_while(|&b| b == b'#').count();
                let rest = &t[level..];
                if level <= 6 && (rest.is_empty() || rest.starts_with([' ', '\t'])) {
                    let heading = rest.trim().trim_end_matches('#').trim_end();
                    if level == 1 {
                        self.title(heading, line_no, line);
                    }
                    pending = None;
                    if let Some(field) = field_of(heading) {
                        pending = Some(field);
                    } else if let Some(field) =
                        self.field_line(heading, line_start..offset, line_no, line)
                    {
                        pending = Some(field);
                    }
                    previous = None;
                    continue;
                }
            }

            if let Some(field) = pending.take() {
                let value = strip_markers(t);
                if value.starts_with('<') {
                    let plain = strip_tags(value);
                    self.offer(
                        field,
                        &plain,
                        line_start..offset,
                        SourceKind::Section,
                        line_no,
                        line,
                    );
                } else {
                    let end = line_start + line.len();
                    self.offer(
                        field,
                        value,
                        line_start..end,
                        SourceKind::Section,
                        line_no,
                        line,
                    );
                }
                previous = None;
                continue;
            }

            if first == b'|' {
                let cells = pipe_cells(t);
                if let [label, value] = cells.as_slice()
                    && let Some(field) = field_of(label)
                {
                    self.offer(
                        field,
                        value,
                        line_start..offset,
                        SourceKind::TableRow,
                        line_no,
                        line,
                    );
                }
                previous = None;
                continue;
            }

            if first == b'<' {
                if let Some(at) = find_ci(t, "<tr")
                    && t.as_bytes()
                        .get(at + 3)
                        .is_none_or(|b| *b == b'>' || b.is_ascii_whitespace())
                {
                    let row_start = line_start + (line.len() - t.len()) + at;
                    if find_ci(&t[at..], "</tr").is_some() {
                        self.html_row(&text[row_start..offset], row_start, line_no);
                    } else {
                        row = Some((row_start, line_no));
                    }
                    previous = None;
                    continue;
                }
                if t.contains([':', '：']) || t.contains("<strong>") || t.contains("<b>") {
                    let plain = strip_tags(t);
                    let plain = plain.trim();
                    pending = self.field_line(plain, line_start..offset, line_no, line);
                }
                previous = None;
                continue;
            }

            let s = strip_markers(t);
            pending = self.field_line(s, line_start..line_start + line.len(), line_no, line);
            previous = Some((line_no, line));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What the report says

/// The source for a front matter value at byte `offset` of `text`: its line, as written.
pub(crate) fn front_matter_source(text: &str, offset: usize) -> Source {
    let (line, _) = line_col(text, offset);
    let start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    Source {
        kind: SourceKind::FrontMatter,
        line: Some(line),
        text: shown(&text[start..end]),
    }
}

/// The incident date and severity a report gives, with where each was read, or what pm-sync
/// refuses to read there.
#[derive(Debug, Default)]
pub(crate) struct BodyValues {
    pub(crate) date: Option<(NaiveDate, Source)>,
    pub(crate) date_refusal: Option<Refusal>,
    pub(crate) severity: Option<(String, Source)>,
    pub(crate) severity_refusal: Option<Refusal>,
}

/// What the front matter title holds, for the title rule: the text and its span.
pub(crate) struct Title<'a> {
    pub(crate) text: &'a str,
    pub(crate) span: Span,
}

/// Reads the date (when `want_date`) and severity (when `want_severity`) from the body of
/// `text`, which starts at byte `start` (passing over `skip`), then the title and the file name
/// of `path`.
pub(crate) fn from_body(
    path: &Path,
    text: &str,
    start: usize,
    title: Option<Title<'_>>,
    want: (bool, bool),
    skip: Option<Span>,
    severity_map: &SeverityMap,
) -> BodyValues {
    let (want_date, want_severity) = want;
    let mut scanner = Scanner {
        text,
        skip,
        want_date,
        want_severity,
        facts: Facts::default(),
    };
    // The front matter title comes before any H1.
    if let Some(title) = &title
        && want_date
    {
        scanner.facts.title_seen = true;
        if let Some((reading, range)) = find_date(title.text) {
            let at = offset_in(text, title.text)
                .map_or(title.span.clone(), |at| at + range.start..at + range.end);
            scanner.facts.offer_date(DateCandidate {
                rank: TITLE_RANK,
                reading,
                written: title.text[range].to_owned(),
                source: front_matter_source(text, title.span.start),
                span: at,
            });
        }
    }
    if want_date || want_severity {
        scanner.run(start);
    }
    let mut values = BodyValues::default();
    let Scanner { facts, .. } = scanner;
    let mut date = facts.date;
    if want_date && date.as_ref().is_none_or(|d| d.rank > FILE_NAME_RANK) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(name) = name
            && let Some(day) = date_in_file_name(&name)
        {
            date = Some(DateCandidate {
                rank: FILE_NAME_RANK,
                reading: Reading::One(day),
                written: name.clone(),
                source: Source {
                    kind: SourceKind::FileName,
                    line: None,
                    text: name,
                },
                span: 0..0,
            });
        }
    }
    if let Some(candidate) = date {
        match candidate.reading {
            Reading::One(day) => values.date = Some((day, candidate.source)),
            Reading::Ambiguous(month_first, day_first) => {
                values.date_refusal = Some(Refusal::new(
                    Refused::Date(month_first, day_first),
                    &candidate.written,
                    candidate.source,
                    path,
                    text,
                    candidate.span,
                ));
            }
        }
    }
    if let Some((written, source, span)) = facts.severity {
        match map_severity(&written, severity_map) {
            Some(severity) => values.severity = Some((severity, source)),
            None => {
                values.severity_refusal = Some(Refusal::new(
                    Refused::Severity {
                        example: "e.g. `SEV-2` or `sev2` in place of this value",
                    },
                    &written,
                    source,
                    path,
                    text,
                    span,
                ));
            }
        }
    }
    values
}

/// A front matter severity that is neither `sevN` nor mapped, refused where it is written.
pub(crate) fn refuse_front_matter_severity(
    path: &Path,
    text: &str,
    written: &str,
    span: Span,
) -> Refusal {
    let source = front_matter_source(text, span.start);
    Refusal::new(
        Refused::Severity {
            example: "e.g. `severity: sev2`",
        },
        written,
        source,
        path,
        text,
        span,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    fn one(s: &str) -> Option<NaiveDate> {
        match find_date(s)?.0 {
            Reading::One(date) => Some(date),
            Reading::Ambiguous(..) => None,
        }
    }

    #[test]
    fn dates_are_read_in_the_forms_people_write() {
        let may7 = Some(day(2024, 5, 7));
        for written in [
            "2024-05-07",
            "2024-5-7",
            "2024/05/07",
            "2024.05.07",
            "2024-05-07T14:02:00Z",
            "2024-05-07T23:30:00-05:00",
            "2024-05-07 19:38:22.561000",
            "May 7, 2024",
            "May 7 2024",
            "may 7th, 2024",
            "Tuesday, May 7, 2024",
            "7 May 2024",
            "7th May, 2024",
            "07-May-2024",
            "2024年5月7日",
            "on 2024-05-07 at 14:00 UTC",
            "**2024-05-07**",
        ] {
            assert_eq!(one(written), may7, "{written}");
        }
        assert_eq!(one("Sept. 30, 2023"), Some(day(2023, 9, 30)));
        assert_eq!(one("25/03/2024"), Some(day(2024, 3, 25)));
        assert_eq!(one("03/25/2024"), Some(day(2024, 3, 25)));
        assert_eq!(one("05/05/2024"), Some(day(2024, 5, 5)));
    }

    #[test]
    fn ambiguous_numeric_dates_are_noted_with_both_readings() {
        assert_eq!(
            find_date("Date: 05/07/2024 (UTC)"),
            Some((Reading::Ambiguous(day(2024, 5, 7), day(2024, 7, 5)), 6..16))
        );
        assert_eq!(
            find_date("5-7-2024").map(|f| f.0),
            Some(Reading::Ambiguous(day(2024, 5, 7), day(2024, 7, 5)))
        );
    }

    #[test]
    fn things_that_are_not_dates_are_not() {
        for written in [
            "YYYY-MM-DD",
            "2024-13-07",
            "2024-02-30",
            "v2024-05-07",
            "120240-05-07",
            "May 2024",
            "1.2.24",
            "5-7-24",
            "Remediations 04-20-20",
            "version 1.2.3",
            "INC-1234",
            "?mins",
            "maybe 7 2024",
            "12:30",
            "2024",
            "",
        ] {
            assert_eq!(find_date(written), None, "{written}");
        }
    }

    #[test]
    fn file_names_give_year_first_dates_only() {
        assert_eq!(date_in_file_name("2019-03-26.md"), Some(day(2019, 3, 26)));
        assert_eq!(
            date_in_file_name("2019-03-26-db-outage.md"),
            Some(day(2019, 3, 26))
        );
        assert_eq!(
            date_in_file_name("db-outage-2019_03_26.md").or(date_in_file_name("x-2019/03/26")),
            Some(day(2019, 3, 26))
        );
        assert_eq!(
            date_in_file_name("20190326-outage.md"),
            Some(day(2019, 3, 26))
        );
        assert_eq!(date_in_file_name("03-26-2019.md"), None);
        assert_eq!(date_in_file_name("incident-1234.md"), None);
        assert_eq!(date_in_file_name("build-201903261.md"), None);
    }

    #[test]
    fn labels_are_matched_without_markup_or_case() {
        assert_eq!(field_of("Date"), Some(Field::Date));
        assert_eq!(field_of("Date/Time"), Some(Field::Date));
        assert_eq!(field_of("INCIDENT DATE"), Some(Field::IncidentDate));
        assert_eq!(field_of("Date of the incident"), Some(Field::IncidentDate));
        assert_eq!(field_of("Report date"), Some(Field::ReportDate));
        assert_eq!(field_of("Published"), Some(Field::ReportDate));
        assert_eq!(field_of("Last updated"), None);
        assert_eq!(field_of("Due date"), None);
        assert_eq!(field_of("Severity"), Some(Field::Severity));
        assert_eq!(field_of("事故日期"), Some(Field::IncidentDate));
    }

    #[test]
    fn field_lines_are_split_into_label_and_value() {
        assert_eq!(
            split_field("**Date**: 2024-05-07"),
            Some(("Date", "2024-05-07"))
        );
        assert_eq!(
            split_field("**Date:** 2024-05-07"),
            Some(("Date", "2024-05-07"))
        );
        assert_eq!(
            split_field("Date: May 7, 2024"),
            Some(("Date", "May 7, 2024"))
        );
        assert_eq!(
            split_field("*Date*：2024-05-07"),
            Some(("Date", "2024-05-07"))
        );
        assert_eq!(split_field("**Date**"), Some(("Date", "")));
        assert_eq!(split_field("**Date** was hard"), None);
        assert_eq!(split_field("No colon here"), None);
    }

    #[test]
    fn due_cells_are_read_in_every_form_the_body_reader_takes() {
        let july = day(2024, 7, 1);
        for written in [
            "July 1, 2024",
            "2024-07-01",
            "1 July 2024",
            "Jul 1st 2024",
            "2024/07/01",
            "2024-07-01T10:00:00Z",
            "2024年7月1日",
            "by July 1, 2024 (tentative)",
        ] {
            assert_eq!(written_date(written), WrittenDate::Date(july), "{written}");
        }
        assert_eq!(
            written_date("13.07.2024"),
            WrittenDate::Date(day(2024, 7, 13))
        );
        assert!(matches!(
            written_date("01.07.2024"),
            WrittenDate::Ambiguous(..)
        ));
        for free in ["Q3", "next sprint", "+7d", "TBD", "", "ASAP", "2 weeks"] {
            assert_eq!(written_date(free), WrittenDate::None, "{free}");
        }
    }

    #[test]
    fn severity_tokens_stop_at_separators_and_skip_prose() {
        assert_eq!(severity_token("SEV-2"), Some("SEV-2"));
        assert_eq!(severity_token("**SEV-2** (major)"), Some("SEV-2"));
        assert_eq!(severity_token("P1 - Critical"), Some("P1"));
        assert_eq!(severity_token("High, customer facing"), Some("High"));
        assert_eq!(
            severity_token("the impact on customers was high overall"),
            None
        );
        assert_eq!(severity_token("  "), None);
        assert_eq!(severity_token("SEV-?"), None);
        assert_eq!(severity_token("TBD"), None);
    }

    #[test]
    fn the_map_comes_before_sev_n() {
        let map = vec![
            ("high".to_owned(), "sev2".to_owned()),
            ("very high".to_owned(), "sev1".to_owned()),
        ];
        assert_eq!(map_severity("High", &map).as_deref(), Some("sev2"));
        assert_eq!(map_severity("very  HIGH", &map).as_deref(), Some("sev1"));
        assert_eq!(map_severity("SEV-3", &map).as_deref(), Some("sev3"));
        assert_eq!(map_severity("P1", &map).as_deref(), Some("sev1"));
        assert_eq!(map_severity("Critical", &map).as_deref(), Some("sev1"));
        assert_eq!(map_severity("Purple", &map), None);
        let map = vec![("critical".to_owned(), "sev0".to_owned())];
        assert_eq!(map_severity("Critical", &map).as_deref(), Some("sev0"));
        assert_eq!(
            map_severity("SEV-2 (customer facing)", &[]).as_deref(),
            Some("sev2")
        );
    }

    fn body(text: &str, name: &str) -> BodyValues {
        from_body(Path::new(name), text, 0, None, (true, true), None, &[])
    }

    fn date_of(values: &BodyValues) -> Option<(NaiveDate, SourceKind, Option<usize>)> {
        values.date.as_ref().map(|(d, s)| (*d, s.kind, s.line))
    }

    #[test]
    fn each_body_shape_gives_the_date_and_its_line() {
        let may7 = day(2024, 5, 7);
        for (text, kind, line) in [
            ("# Outage\n\n**Date**: 2024-05-07\n", SourceKind::Field, 3),
            ("# Outage\n\nDate: May 7, 2024\n", SourceKind::Field, 3),
            ("- **Date:** 7 May 2024\n", SourceKind::Field, 1),
            ("> Incident date: 2024/05/07\n", SourceKind::Field, 1),
            (
                "# Outage\n\n## Date\n\n2024-05-07\n",
                SourceKind::Section,
                5,
            ),
            ("Date\n----\n2024-05-07\n", SourceKind::Section, 3),
            ("**Date**\n2024-05-07\n", SourceKind::Section, 2),
            (
                "| Field | Value |\n|---|---|\n| Date | 2024-05-07 |\n",
                SourceKind::TableRow,
                3,
            ),
            (
                "<table>\n<tr class=\"odd\">\n<td>Date</td>\n<td>2024-05-07</td>\n</tr>\n</table>\n",
                SourceKind::TableRow,
                2,
            ),
            (
                "<table><tr><th>Date</th><td><p>May 7, 2024</p></td></tr></table>\n",
                SourceKind::TableRow,
                1,
            ),
            (
                "<p><strong>Date</strong>: 2024-05-07</p>\n",
                SourceKind::Field,
                1,
            ),
            (
                "<TABLE>\n<TR>\n<TD>Date</TD><TD>2024-05-07</TD>\n</TR>\n</TABLE>\n",
                SourceKind::TableRow,
                2,
            ),
            (
                "<table><tr><td>Date</td><td>2024-05-07</td><td>x</td></tr></table>\n\nDate: May 7, 2024\n",
                SourceKind::Field,
                3,
            ),
            ("# 2024-05-07 — checkout latency\n", SourceKind::Title, 1),
            (
                "Checkout latency, May 7, 2024\n=====\n",
                SourceKind::Title,
                1,
            ),
        ] {
            let values = body(text, "report.md");
            assert_eq!(date_of(&values), Some((may7, kind, Some(line))), "{text}");
        }
    }

    #[test]
    fn the_incident_date_beats_report_dates_and_the_title() {
        let text = "# Outage of 2024-05-09\n\n**Report date**: 2024-05-10\n**Last updated**: 2024-06-01\n\nDate: 2024-05-08\n\n| Incident date | 2024-05-07 |\n|---|---|\n";
        let values = body(text, "2024-05-11.md");
        assert_eq!(
            date_of(&values),
            Some((day(2024, 5, 7), SourceKind::TableRow, Some(8)))
        );
        let text = "# Outage of 2024-05-09\n\n**Report date**: 2024-05-10\n";
        assert_eq!(
            date_of(&body(text, "2024-05-11.md")).map(|d| d.0),
            Some(day(2024, 5, 9))
        );
        let text = "# Outage\n\n**Report date**: 2024-05-10\n**Last updated**: 2024-06-01\n";
        assert_eq!(
            date_of(&body(text, "2024-05-11-outage.md")).map(|d| (d.0, d.1)),
            Some((day(2024, 5, 11), SourceKind::FileName))
        );
        assert_eq!(
            date_of(&body(text, "outage.md")).map(|d| d.0),
            Some(day(2024, 5, 10))
        );
        assert_eq!(
            date_of(&body("**Last updated**: 2024-06-01\n", "x.md")),
            None
        );
    }

    #[test]
    fn code_comments_and_placeholders_are_not_dates() {
        let text = "```\nDate: 2024-01-01\n```\n<!--\nDate: 2024-01-02\n-->\n<!-- Date: 2024-01-03 -->\n**Date**: YYYY-MM-DD\n\nDate: 2024-05-07\n";
        assert_eq!(
            date_of(&body(text, "x.md")),
            Some((day(2024, 5, 7), SourceKind::Field, Some(10)))
        );
    }

    #[test]
    fn an_ambiguous_date_that_would_be_used_is_refused_where_it_is_written() {
        let text = "# Outage\n\n**Date**: 05/07/2024\n";
        let values = body(text, "2024-05-07.md");
        assert_eq!(values.date, None);
        let refusal = values.date_refusal.expect("refused");
        assert_eq!(refusal.value(), "05/07/2024");
        assert_eq!(refusal.source().line, Some(3));
        let message = refusal.error().to_string();
        assert!(message.starts_with("2024-05-07.md:3:11: "), "{message}");
        assert!(
            message.contains("2024-05-07") && message.contains("2024-07-05"),
            "{message}"
        );

        // Not used: an incident date outranks it.
        let text = "**Date**: 05/07/2024\n**Incident date**: 2024-05-06\n";
        let values = body(text, "x.md");
        assert!(values.date_refusal.is_none());
        assert_eq!(values.date.map(|d| d.0), Some(day(2024, 5, 6)));
    }

    #[test]
    fn severities_are_read_from_fields_and_rows() {
        let values = body("**Date**: 2024-05-07\n**Severity**: SEV-2\n", "x.md");
        assert_eq!(
            values.severity.map(|(s, src)| (s, src.line)),
            Some(("sev2".to_owned(), Some(2)))
        );
        let values = body("| Severity | Sev 3 |\n|---|---|\n", "x.md");
        assert_eq!(values.severity.map(|s| s.0).as_deref(), Some("sev3"));
        let values = body("Date: 2024-05-07 | Severity: SEV1\n", "x.md");
        assert_eq!(values.severity.map(|s| s.0).as_deref(), Some("sev1"));
        let values = body("**Severity**: purple\n", "x.md");
        let refusal = values.severity_refusal.expect("refused");
        assert_eq!(refusal.value(), "purple");
        let message = refusal.error().to_string();
        assert!(message.starts_with("x.md:1:15: "), "{message}");
        for (text, sev) in [
            ("**Severity**: Critical\n", "sev1"),
            ("Schweregrad: hoch\n", "sev2"),
            ("| Gravedad | Sev 1 |\n|---|---|\n", "sev1"),
            ("**Gravité** : mineure\n", "sev3"),
            ("重大度: S2\n", "sev2"),
            ("심각도: P1\n", "sev1"),
        ] {
            let values = body(text, "x.md");
            assert_eq!(values.severity.map(|s| s.0).as_deref(), Some(sev), "{text}");
        }
        let values = from_body(
            Path::new("x.md"),
            "**Severity**: High\n",
            0,
            None,
            (false, true),
            None,
            &[("high".to_owned(), "sev2".to_owned())],
        );
        assert_eq!(values.severity.map(|s| s.0).as_deref(), Some("sev2"));
    }
}
