//! The fake's JQL: only what pm-sync sends, parsed strictly, with Jira's error messages.
//!
//! Supported: clauses joined by `AND` — `project = V`, `labels = V`, `labels in (V, …)`,
//! `key = V`, `key in (V, …)` (`issuekey` is an alias of `key`) — then an optional
//! `ORDER BY field [ASC|DESC], …` over `key`, `id`, `created`, `summary`. Values are quoted
//! (`"…"` or `'…'`, with `\"` and `\\` escapes) or bare words; a bare JQL reserved word is an
//! error, as in Jira. Anything else (`OR`, `~`, `!=`, functions, parentheses around clauses) is a
//! parse error: the fake does not pretend to understand it.

/// A field pm-sync can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `project`.
    Project,
    /// `labels`.
    Labels,
    /// `key` / `issuekey`.
    Key,
}

/// One `field = v` or `field in (…)` clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// Which field.
    pub field: Field,
    /// Accepted values (one for `=`).
    pub values: Vec<String>,
}

/// A sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Lower-cased field name: `key`, `id`, `created` or `summary`.
    pub field: String,
    /// True for `DESC`.
    pub descending: bool,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// Clauses, all ANDed.
    pub clauses: Vec<Clause>,
    /// Sort order (default: key ascending by issue id).
    pub order: Vec<Order>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Quoted(String),
    Eq,
    LParen,
    RParen,
    Comma,
    Other(String),
}

/// Jira's reserved JQL words (must be quoted to be used as values).
const RESERVED: &[&str] = &[
    "a",
    "an",
    "abort",
    "access",
    "add",
    "after",
    "alias",
    "all",
    "alter",
    "and",
    "any",
    "are",
    "as",
    "asc",
    "audit",
    "avg",
    "before",
    "begin",
    "between",
    "boolean",
    "break",
    "by",
    "byte",
    "catch",
    "cf",
    "char",
    "character",
    "check",
    "checkpoint",
    "collate",
    "collation",
    "column",
    "commit",
    "connect",
    "continue",
    "count",
    "create",
    "current",
    "date",
    "decimal",
    "declare",
    "decrement",
    "default",
    "defaults",
    "define",
    "delete",
    "delimiter",
    "desc",
    "difference",
    "distinct",
    "divide",
    "do",
    "double",
    "drop",
    "else",
    "empty",
    "encoding",
    "end",
    "equals",
    "escape",
    "exclusive",
    "exec",
    "execute",
    "exists",
    "explain",
    "false",
    "fetch",
    "file",
    "field",
    "first",
    "float",
    "for",
    "from",
    "function",
    "go",
    "goto",
    "grant",
    "greater",
    "group",
    "having",
    "identified",
    "if",
    "immediate",
    "in",
    "increment",
    "index",
    "initial",
    "inner",
    "inout",
    "input",
    "insert",
    "int",
    "integer",
    "intersect",
    "intersection",
    "into",
    "is",
    "isempty",
    "isnull",
    "join",
    "last",
    "left",
    "less",
    "like",
    "limit",
    "lock",
    "long",
    "max",
    "min",
    "minus",
    "mode",
    "modify",
    "modulo",
    "more",
    "multiply",
    "next",
    "noaudit",
    "not",
    "notin",
    "nowait",
    "null",
    "number",
    "object",
    "of",
    "on",
    "option",
    "or",
    "order",
    "outer",
    "output",
    "power",
    "previous",
    "prior",
    "privileges",
    "public",
    "raise",
    "raw",
    "remainder",
    "rename",
    "resource",
    "return",
    "returns",
    "revoke",
    "right",
    "row",
    "rowid",
    "rownum",
    "rows",
    "select",
    "session",
    "set",
    "share",
    "size",
    "sqrt",
    "start",
    "strict",
    "string",
    "subtract",
    "sum",
    "synonym",
    "table",
    "then",
    "to",
    "trans",
    "transaction",
    "trigger",
    "true",
    "uid",
    "union",
    "unique",
    "update",
    "user",
    "validate",
    "values",
    "view",
    "when",
    "whenever",
    "where",
    "while",
    "with",
];

fn err(msg: String, at: usize) -> String {
    format!(
        "Error in the JQL Query: {msg} (line 1, character {})",
        at + 1
    )
}

fn lex(jql: &str) -> Result<Vec<(Tok, usize)>, String> {
    let chars: Vec<char> = jql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            c if c.is_whitespace() => i += 1,
            '=' => {
                out.push((Tok::Eq, start));
                i += 1;
            }
            '(' => {
                out.push((Tok::LParen, start));
                i += 1;
            }
            ')' => {
                out.push((Tok::RParen, start));
                i += 1;
            }
            ',' => {
                out.push((Tok::Comma, start));
                i += 1;
            }
            '"' | '\'' => {
                let quote = c;
                let mut value = String::new();
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    match chars[i] {
                        '\\' if i + 1 < chars.len() => {
                            let n = chars[i + 1];
                            value.push(match n {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                other => other,
                            });
                            i += 2;
                        }
                        ch if ch == quote => {
                            closed = true;
                            i += 1;
                            break;
                        }
                        ch => {
                            value.push(ch);
                            i += 1;
                        }
                    }
                }
                if !closed {
                    return Err(err(
                        format!("The quoted string '{value}' has not been completed."),
                        start,
                    ));
                }
                out.push((Tok::Quoted(value), start));
            }
            c if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') => {
                let mut word = String::new();
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '-' | '.'))
                {
                    word.push(chars[i]);
                    i += 1;
                }
                out.push((Tok::Word(word), start));
            }
            other => {
                let mut s = other.to_string();
                i += 1;
                while i < chars.len() && matches!(chars[i], '=' | '~' | '>' | '<') {
                    s.push(chars[i]);
                    i += 1;
                }
                out.push((Tok::Other(s), start));
            }
        }
    }
    Ok(out)
}

fn shown(t: &Tok) -> String {
    match t {
        Tok::Word(w) => w.clone(),
        Tok::Quoted(q) => q.clone(),
        Tok::Eq => "=".into(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
        Tok::Comma => ",".into(),
        Tok::Other(o) => o.clone(),
    }
}

fn is_kw(t: &Tok, kw: &str) -> bool {
    matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
}

/// Parses `jql`; `Err` carries the message Jira would put in `errorMessages`.
pub fn parse(jql: &str) -> Result<Query, String> {
    let toks = lex(jql)?;
    let end = jql.chars().count();
    let mut q = Query::default();
    let mut i = 0;
    let at = |i: usize| toks.get(i).map_or(end, |(_, p)| *p);
    let value = |i: usize| -> Result<String, String> {
        match toks.get(i) {
            Some((Tok::Quoted(v), _)) => Ok(v.clone()),
            Some((Tok::Word(w), p)) => {
                if RESERVED.contains(&w.to_ascii_lowercase().as_str()) {
                    Err(err(
                        format!(
                            "'{w}' is a reserved JQL word. You must surround it in quotation marks to use it in a query."
                        ),
                        *p,
                    ))
                } else {
                    Ok(w.clone())
                }
            }
            Some((t, p)) => Err(err(
                format!(
                    "Expecting either a value, list or function but got '{}'.",
                    shown(t)
                ),
                *p,
            )),
            None => Err(err(
                "Expecting either a value, list or function but got the end of the query.".into(),
                end,
            )),
        }
    };
    // Clauses.
    while i < toks.len() && !is_kw(&toks[i].0, "order") {
        if !q.clauses.is_empty() {
            if is_kw(&toks[i].0, "and") {
                i += 1;
            } else {
                return Err(err(
                    format!(
                        "Expecting either 'OR' or 'AND' but got '{}'.",
                        shown(&toks[i].0)
                    ),
                    at(i),
                ));
            }
        }
        let (field_name, p) = match toks.get(i) {
            Some((Tok::Word(w), p)) => (w.clone(), *p),
            Some((Tok::Quoted(w), p)) => (w.clone(), *p),
            Some((t, p)) => {
                return Err(err(
                    format!("Expecting a field name but got '{}'.", shown(t)),
                    *p,
                ));
            }
            None => {
                return Err(err(
                    "Expecting a field name but got the end of the query.".into(),
                    end,
                ));
            }
        };
        let field = match field_name.to_ascii_lowercase().as_str() {
            "project" => Field::Project,
            "labels" => Field::Labels,
            "key" | "issuekey" => Field::Key,
            _ => {
                let _ = p;
                return Err(format!(
                    "Field '{field_name}' does not exist or you do not have permission to view it."
                ));
            }
        };
        i += 1;
        match toks.get(i) {
            Some((Tok::Eq, _)) => {
                i += 1;
                let v = value(i)?;
                i += 1;
                q.clauses.push(Clause {
                    field,
                    values: vec![v],
                });
            }
            Some((t, _)) if is_kw(t, "in") => {
                i += 1;
                if !matches!(toks.get(i), Some((Tok::LParen, _))) {
                    return Err(err(
                        format!(
                            "Expecting '(' but got '{}'.",
                            toks.get(i)
                                .map_or("the end of the query".into(), |t| shown(&t.0))
                        ),
                        at(i),
                    ));
                }
                i += 1;
                let mut values = Vec::new();
                loop {
                    values.push(value(i)?);
                    i += 1;
                    match toks.get(i) {
                        Some((Tok::Comma, _)) => i += 1,
                        Some((Tok::RParen, _)) => {
                            i += 1;
                            break;
                        }
                        Some((t, p)) => {
                            return Err(err(
                                format!("Expecting ',' or ')' but got '{}'.", shown(t)),
                                *p,
                            ));
                        }
                        None => {
                            return Err(err(
                                "Expecting ',' or ')' but got the end of the query.".into(),
                                end,
                            ));
                        }
                    }
                }
                q.clauses.push(Clause { field, values });
            }
            Some((t, p)) => {
                return Err(err(
                    format!(
                        "Expecting operator but got '{}'. The fake supports '=' and 'in'.",
                        shown(t)
                    ),
                    *p,
                ));
            }
            None => {
                return Err(err(
                    "Expecting operator but got the end of the query.".into(),
                    end,
                ));
            }
        }
    }
    // ORDER BY.
    if i < toks.len() {
        i += 1; // order
        if !toks.get(i).is_some_and(|t| is_kw(&t.0, "by")) {
            return Err(err("Expecting 'by' after 'order'.".into(), at(i)));
        }
        i += 1;
        loop {
            let Some((Tok::Word(f), p)) = toks.get(i) else {
                return Err(err("Expecting a field name in the ORDER BY.".into(), at(i)));
            };
            let field = f.to_ascii_lowercase();
            if !matches!(
                field.as_str(),
                "key" | "issuekey" | "id" | "created" | "summary"
            ) {
                let _ = p;
                return Err(format!("Not able to sort using field '{f}'."));
            }
            i += 1;
            let mut descending = false;
            if let Some((t, _)) = toks.get(i) {
                if is_kw(t, "desc") {
                    descending = true;
                    i += 1;
                } else if is_kw(t, "asc") {
                    i += 1;
                }
            }
            q.order.push(Order { field, descending });
            match toks.get(i) {
                Some((Tok::Comma, _)) => i += 1,
                None => break,
                Some((t, p)) => {
                    return Err(err(format!("Expecting ',' but got '{}'.", shown(t)), *p));
                }
            }
        }
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    #[allow(unused_imports)]
    // Unused when a bench includes the fake and its test fns are stripped.
    use super::*;

    #[test]
    fn parses_what_pm_sync_sends() {
        let q = parse(r#"project = "IS" AND labels = "sev1_20200414" ORDER BY key ASC"#).unwrap();
        assert_eq!(q.clauses.len(), 2);
        assert_eq!(q.clauses[0].values, vec!["IS".to_string()]);
        assert!(
            parse("project = IS")
                .unwrap_err()
                .contains("reserved JQL word")
        );
        assert!(
            parse("foo = 1")
                .unwrap_err()
                .contains("Field 'foo' does not exist")
        );
        assert!(parse("key in (\"A-1\", 'B-2')").is_ok());
        assert!(
            parse("project = \"OPS")
                .unwrap_err()
                .contains("has not been completed")
        );
    }
}
