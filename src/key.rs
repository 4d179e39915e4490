//! The Jira issue key, shared by the report engine (which finds keys in text) and the Jira
//! client (which sends and receives them): one grammar, `[A-Z][A-Z0-9_]+-[0-9]+`. A leaf
//! module: it imports neither `report` nor `jira`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Length in bytes of the key starting exactly at the start of `s`, if one does.
///
/// The key must end at a word boundary, so `OPS-12a` and `OPS-12_x` are not keys.
pub fn key_len_at(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    if !bytes.first()?.is_ascii_uppercase() {
        return None;
    }
    let project = 1 + bytes[1..]
        .iter()
        .take_while(|&&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        .count();
    if project < 2 || bytes.get(project) != Some(&b'-') {
        return None;
    }
    let digits = bytes[project + 1..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    let end = project + 1 + digits;
    match s[end..].chars().next() {
        Some(c) if c.is_alphanumeric() || c == '_' => None,
        _ => Some(end),
    }
}

/// A Jira issue key such as `OPS-12`: `[A-Z][A-Z0-9_]+-[0-9]+`. Two words, not three: a sync
/// holds one per linked ticket (100,000 for a report that big).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IssueKey(Box<str>);

impl IssueKey {
    /// Parses `text` as a key; `None` unless it matches `[A-Z][A-Z0-9_]+-[0-9]+` exactly.
    pub fn parse(text: &str) -> Option<Self> {
        (key_len_at(text) == Some(text.len())).then(|| Self(text.into()))
    }

    /// The key as written, e.g. `OPS-12`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The project part, e.g. `OPS`.
    pub fn project(&self) -> &str {
        self.0.rsplit_once('-').map_or("", |(p, _)| p)
    }
}

impl TryFrom<String> for IssueKey {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or_else(|| format!("`{value}` is not a Jira issue key"))
    }
}

impl From<IssueKey> for String {
    fn from(key: IssueKey) -> Self {
        key.0.into_string()
    }
}

impl fmt::Display for IssueKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
