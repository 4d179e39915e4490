//! Atlassian Document Format for Cloud v3 rich-text fields: plain text in, valid ADF out.
//!
//! Rules (Atlassian's "document structure" and "text node" pages): the root is
//! `{"type":"doc","version":1,"content":[…]}`, and a `text` node's `text` must not be empty.
//! Each non-blank line becomes its own paragraph; blank lines are dropped.

use serde_json::{Value, json};

/// Converts plain text to an ADF document; empty text gives a doc with no content.
pub fn from_plain_text(text: &str) -> Value {
    let content: Vec<Value> = text
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty())
        .map(|line| json!({"type": "paragraph", "content": [{"type": "text", "text": line}]}))
        .collect();
    json!({"type": "doc", "version": 1, "content": content})
}

/// Flattens an ADF document back to text: one line per block, text nodes concatenated.
pub fn to_plain_text(doc: &Value) -> String {
    fn walk(node: &Value, line: &mut String, lines: &mut Vec<String>) {
        if let Some(text) = node.get("text").and_then(Value::as_str) {
            line.push_str(text);
        }
        if node.get("type").and_then(Value::as_str) == Some("hardBreak") {
            lines.push(std::mem::take(line));
        }
        if let Some(children) = node.get("content").and_then(Value::as_array) {
            for child in children {
                walk(child, line, lines);
            }
        }
        let block = matches!(
            node.get("type").and_then(Value::as_str),
            Some("paragraph" | "heading" | "codeBlock" | "listItem" | "blockquote")
        );
        if block && !line.is_empty() {
            lines.push(std::mem::take(line));
        }
    }
    let mut line = String::new();
    let mut lines = Vec::new();
    walk(doc, &mut line, &mut lines);
    if !line.is_empty() {
        lines.push(line);
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_empty_text_nodes() {
        let doc = from_plain_text("one\n\n  \ntwo\r\n");
        assert_eq!(doc["content"].as_array().map(Vec::len), Some(2));
        assert_eq!(doc["content"][1]["content"][0]["text"], "two");
        assert_eq!(from_plain_text("")["content"], json!([]));
        assert_eq!(to_plain_text(&doc), "one\ntwo");
    }
}
