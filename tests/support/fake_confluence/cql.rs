//! The CQL the fake understands: `field = value` clauses joined by `and`, in parentheses or
//! not; fields `type`, `label`, `space`, `ancestor`, `parent`, `id`. Anything else is a
//! syntax error (Confluence answers 400 to malformed CQL, never an empty result).

use std::collections::BTreeMap;

use super::FakePage;

/// A parsed query: every clause must hold.
#[derive(Debug)]
pub struct Filter {
    clauses: Vec<(String, String)>,
}

/// Parses `text`.
pub fn parse(text: &str) -> Result<Filter, String> {
    let flat: String = text.chars().filter(|c| *c != '(' && *c != ')').collect();
    let mut clauses = Vec::new();
    for clause in split_and(&flat) {
        let (field, value) = clause
            .split_once('=')
            .ok_or_else(|| format!("no `=` in `{clause}`"))?;
        let field = field.trim().to_ascii_lowercase();
        let value = value.trim().trim_matches('"').to_owned();
        if !matches!(
            field.as_str(),
            "type" | "label" | "space" | "ancestor" | "parent" | "id"
        ) || value.is_empty()
        {
            return Err(format!("unsupported clause `{clause}`"));
        }
        clauses.push((field, value));
    }
    if clauses.is_empty() {
        return Err("empty query".into());
    }
    Ok(Filter { clauses })
}

/// `a and b AND c` → `[a, b, c]` (outside quotes).
fn split_and(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let words: Vec<&str> = text.split(' ').collect();
    for word in words {
        if !quoted && word.eq_ignore_ascii_case("and") {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        quoted ^= word.matches('"').count() % 2 == 1;
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

impl Filter {
    /// Whether `page` matches every clause.
    pub fn matches(&self, page: &FakePage, pages: &BTreeMap<u64, FakePage>) -> bool {
        self.clauses
            .iter()
            .all(|(field, value)| match field.as_str() {
                "type" => page.kind == *value,
                "label" => page.labels.iter().any(|l| l == value),
                "space" => page.space == *value,
                "id" => page.id.to_string() == *value,
                "parent" => page.parent.map(|p| p.to_string()).as_deref() == Some(value),
                "ancestor" => {
                    let mut at = page.parent;
                    while let Some(id) = at {
                        if id.to_string() == *value {
                            return true;
                        }
                        at = pages.get(&id).and_then(|p| p.parent);
                    }
                    false
                }
                _ => false,
            })
    }
}
