//! A company create screen for the fake: fields with createmeta `schema`, `allowedValues` and
//! required flags, and the check Jira makes of each value on create.
//!
//! Sources (tags as in `shared/jira-api.md`): createmeta field shape `{required, schema,
//! name, fieldId/key, hasDefaultValue, operations, allowedValues}` [S1]; value shapes of the
//! create-issue reference and Atlassian's "JIRA REST API examples" (select `{"value"}` or
//! `{"id"}`, cascading `{"value", "child"}`, multi-select arrays, users `{"accountId"}` on Cloud
//! and `{"name"}` on Data Center, dates `YYYY-MM-DD`, priorities/components/versions by id or
//! name, `parent: {"key"}`, DC Epic Link as a key string with type
//! `com.pyxis.greenhopper.jira:gh-epic-link`); issue links on create through
//! `update.issuelinks[].add` with `type.name` and `outwardIssue.key` [S1]. Error texts follow
//! Jira's (`"Option id 'X' is not valid"`, `"Specify a valid value for Component/s"`,
//! `"Error parsing date string: X"`, `"User 'x' cannot be assigned issues."`).

use serde_json::{Value, json};

use super::Flavor;
use super::users::FakeUser;

/// One field of the company create screen.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeField {
    /// Field id, e.g. `components`, `customfield_10010`.
    pub id: String,
    /// Display name, e.g. `Component/s`.
    pub name: String,
    pub required: bool,
    /// createmeta `schema`.
    pub schema: Value,
    /// createmeta `allowedValues` (empty: not listed).
    pub allowed: Vec<Value>,
}

impl FakeField {
    fn new(id: &str, name: &str, required: bool, schema: Value, allowed: Vec<Value>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            required,
            schema,
            allowed,
        }
    }

    /// The createmeta entry.
    pub fn meta_json(&self) -> Value {
        let mut v = json!({"fieldId": self.id, "key": self.id, "name": self.name,
                           "required": self.required, "hasDefaultValue": false,
                           "operations": ["set"], "schema": self.schema});
        if !self.allowed.is_empty() {
            v["allowedValues"] = json!(self.allowed);
        }
        v
    }
}

fn named(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name})
}

fn option(id: &str, value: &str) -> Value {
    json!({"id": id, "value": value, "disabled": false})
}

/// The priorities every Jira ships with.
pub fn priorities() -> Vec<Value> {
    priority_scheme(&["Highest", "High", "Medium", "Low", "Lowest"])
}

/// A priority scheme's priorities as createmeta lists them: in the scheme's order, highest
/// first, ids from 1.
pub fn priority_scheme(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .enumerate()
        .map(|(n, p)| named(&(n + 1).to_string(), p))
        .collect()
}

/// A screen as company projects have it: required Component/s (Auth, Database, Network) and
/// Team select (Platform, Payments, SRE), optional Region cascade, Story Points, Fix Version/s,
/// Priority, Assignee, Due Date, Linked Issues, and Parent (Cloud) or Epic Link (Data Center).
pub fn company_screen(flavor: Flavor) -> Vec<FakeField> {
    let mut fields = vec![
        FakeField::new(
            "components",
            "Component/s",
            true,
            json!({"type": "array", "items": "component", "system": "components"}),
            vec![
                named("10000", "Auth"),
                named("10001", "Database"),
                named("10002", "Network"),
            ],
        ),
        FakeField::new(
            "customfield_10010",
            "Team",
            true,
            json!({"type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select", "customId": 10010}),
            vec![
                option("20000", "Platform"),
                option("20001", "Payments"),
                option("20002", "SRE"),
            ],
        ),
        FakeField::new(
            "customfield_10020",
            "Region",
            false,
            json!({"type": "option-with-child", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:cascadingselect", "customId": 10020}),
            vec![
                json!({"id": "30000", "value": "EMEA", "children": [option("30001", "Berlin"), option("30002", "Dublin")]}),
            ],
        ),
        FakeField::new(
            "customfield_10030",
            "Story Points",
            false,
            json!({"type": "number", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float", "customId": 10030}),
            Vec::new(),
        ),
        FakeField::new(
            "fixVersions",
            "Fix Version/s",
            false,
            json!({"type": "array", "items": "version", "system": "fixVersions"}),
            vec![named("40000", "2026.1"), named("40001", "2026.2")],
        ),
        FakeField::new(
            "priority",
            "Priority",
            false,
            json!({"type": "priority", "system": "priority"}),
            priorities(),
        ),
        FakeField::new(
            "assignee",
            "Assignee",
            false,
            json!({"type": "user", "system": "assignee"}),
            Vec::new(),
        ),
        FakeField::new(
            "duedate",
            "Due Date",
            false,
            json!({"type": "date", "system": "duedate"}),
            Vec::new(),
        ),
        FakeField::new(
            "issuelinks",
            "Linked Issues",
            false,
            json!({"type": "array", "items": "issuelinks", "system": "issuelinks"}),
            Vec::new(),
        ),
    ];
    fields.push(match flavor {
        Flavor::Cloud => FakeField::new(
            "parent",
            "Parent",
            false,
            json!({"type": "issuelink", "system": "parent"}),
            Vec::new(),
        ),
        Flavor::DataCenter => FakeField::new(
            "customfield_10100",
            "Epic Link",
            false,
            json!({"type": "any", "custom": "com.pyxis.greenhopper.jira:gh-epic-link", "customId": 10100}),
            Vec::new(),
        ),
    });
    fields
}

/// What Jira needs to know to check a value.
pub struct Context<'a> {
    pub flavor: Flavor,
    pub users: &'a [FakeUser],
    /// Whether an issue with this key exists.
    pub exists: &'a dyn Fn(&str) -> bool,
}

/// Checks `value` for `field` as Jira does on create; `Err` is the message under the field id.
pub fn check(field: &FakeField, value: &Value, cx: &Context<'_>) -> Result<(), String> {
    let kind = field.schema["type"].as_str().unwrap_or("string");
    if kind == "array" {
        let items = field.schema["items"].as_str().unwrap_or("string");
        let Some(values) = value.as_array() else {
            return Err(format!("Specify a valid value for {}", field.name));
        };
        return values
            .iter()
            .try_for_each(|v| check_one(field, items, v, cx));
    }
    check_one(field, kind, value, cx)
}

fn by_id_or_name(allowed: &[Value], v: &Value, name_key: &str) -> bool {
    allowed.iter().any(|a| {
        (v.get("id").is_some() && a.get("id") == v.get("id"))
            || (v.get(name_key).is_some() && a.get(name_key) == v.get(name_key))
    })
}

fn check_one(field: &FakeField, kind: &str, v: &Value, cx: &Context<'_>) -> Result<(), String> {
    let custom = field.schema["custom"].as_str().unwrap_or_default();
    match kind {
        _ if custom.ends_with("gh-epic-link") => match v.as_str() {
            Some(key) if (cx.exists)(key) => Ok(()),
            _ => Err(format!("The issue {v} does not exist or is not an epic.")),
        },
        "string" => v
            .is_string()
            .then_some(())
            .ok_or_else(|| "Operation value must be a string".into()),
        "number" => v
            .is_number()
            .then_some(())
            .ok_or_else(|| format!("Operation value must be a number: {v}")),
        "date" => match v.as_str() {
            Some(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => Ok(()),
            _ => Err(format!("Error parsing date string: {v}")),
        },
        "priority" | "component" | "version" => {
            if by_id_or_name(&field.allowed, v, "name") {
                Ok(())
            } else if kind == "priority" {
                Err(format!("Specify a valid priority: {v}"))
            } else {
                Err(format!("Specify a valid value for {}", field.name))
            }
        }
        "option" => by_id_or_name(&field.allowed, v, "value")
            .then_some(())
            .ok_or_else(|| match v.get("id") {
                Some(id) => format!("Option id {id} is not valid"),
                None => format!("Option value {} is not valid", v["value"]),
            }),
        "option-with-child" => {
            let parent = field
                .allowed
                .iter()
                .find(|a| by_id_or_name(std::slice::from_ref(a), v, "value"))
                .ok_or_else(|| format!("Option id {} is not valid", v["id"]))?;
            match v.get("child") {
                None => Ok(()),
                Some(child) => {
                    let children = parent["children"].as_array().cloned().unwrap_or_default();
                    by_id_or_name(&children, child, "value")
                        .then_some(())
                        .ok_or_else(|| format!("Option id {} is not valid", child["id"]))
                }
            }
        }
        "user" => {
            let (key, found) = match cx.flavor {
                Flavor::Cloud => ("accountId", v["accountId"].as_str()),
                Flavor::DataCenter => ("name", v["name"].as_str()),
            };
            let who = found.ok_or_else(|| format!("expected '{key}' for the user"))?;
            cx.users
                .iter()
                .find(|u| u.id(cx.flavor) == who && u.active && u.assignable)
                .map(|_| ())
                .ok_or_else(|| format!("User '{who}' cannot be assigned issues."))
        }
        "issuelink" => match v["key"].as_str() {
            Some(key) if (cx.exists)(key) => Ok(()),
            _ => Err(format!(
                "Issue {v} does not exist or you do not have permission to see it."
            )),
        },
        other => Err(format!("the fake does not model fields of type {other}")),
    }
}

/// The link types every Jira ships with.
pub const LINK_TYPES: [&str; 4] = ["Blocks", "Cloners", "Duplicate", "Relates"];

/// Checks `update.issuelinks` of a create: `[{"add": {"type": {"name"}, "outwardIssue":
/// {"key"}}}]`; returns the (type, key) pairs to store.
pub fn check_links(
    ops: &Value,
    exists: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for op in ops.as_array().into_iter().flatten() {
        let add = &op["add"];
        let link_type = add["type"]["name"].as_str().unwrap_or_default();
        if !LINK_TYPES.iter().any(|t| t.eq_ignore_ascii_case(link_type)) {
            return Err(format!("No issue link type with name '{link_type}' found."));
        }
        let target = add["outwardIssue"]["key"]
            .as_str()
            .or_else(|| add["inwardIssue"]["key"].as_str())
            .unwrap_or_default();
        if !exists(target) {
            return Err(format!("Issue '{target}' does not exist."));
        }
        out.push((link_type.to_owned(), target.to_owned()));
    }
    Ok(out)
}
