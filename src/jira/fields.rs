//! Create-screen fields: find one by name or id, and turn the text a person wrote into the JSON
//! shape the field's createmeta `schema` asks for, checked against its `allowedValues`.
//!
//! Shapes, from the create-issue reference (`shared/jira-api.md` §3 and Atlassian's "Jira REST
//! API examples"): text and URL fields take a string (a Cloud v3 paragraph field takes ADF),
//! numbers a number, dates `YYYY-MM-DD`, date-times ISO 8601, users `{"accountId"}` (Cloud) or
//! `{"name"}` (Data Center), priorities, components and versions `{"id"}` (or `{"name"}`),
//! select and radio options `{"id"}` (or `{"value"}`), cascading selects
//! `{"id", "child": {"id"}}`, multi-value fields an array of those, the parent `{"key"}`, and
//! the Data Center Epic Link the epic's key as a string.

use serde_json::{Value, json};

use super::adf;
use super::model::{AllowedValue, CreateFields, FieldMeta};

/// The custom field type of Jira Software's Epic Link (Data Center; deprecated on Cloud, where
/// `parent` replaces it).
pub const EPIC_LINK_TYPE: &str = "com.pyxis.greenhopper.jira:gh-epic-link";

/// Why a value does not fit a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueProblem {
    /// What is wrong, e.g. `"Sev0" is not one of the allowed values`.
    pub message: String,
    /// The values the field accepts, when it lists them.
    pub allowed: Vec<String>,
}

impl ValueProblem {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            allowed: Vec::new(),
        }
    }
}

/// The field of the create screen whose id or name (compared without case) is `name_or_id`.
pub fn find<'a>(screen: &'a CreateFields, name_or_id: &str) -> Option<&'a FieldMeta> {
    let wanted = name_or_id.trim();
    screen
        .fields
        .iter()
        .find(|f| f.field_id.eq_ignore_ascii_case(wanted))
        .or_else(|| {
            screen
                .fields
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(wanted))
        })
}

/// The screen's Data Center Epic Link field, if it has one.
pub fn epic_link(screen: &CreateFields) -> Option<&FieldMeta> {
    screen
        .fields
        .iter()
        .find(|f| f.schema.custom.as_deref() == Some(EPIC_LINK_TYPE))
}

/// The screen's Data Center Epic Name field (every new Epic needs one there), if it has one.
pub fn epic_name(screen: &CreateFields) -> Option<&FieldMeta> {
    screen.fields.iter().find(|f| {
        f.schema
            .custom
            .as_deref()
            .is_some_and(|custom| custom.ends_with(":gh-epic-label"))
    })
}

/// Whether the field takes more than one value.
pub fn is_multi(field: &FieldMeta) -> bool {
    field.schema.kind == "array"
}

/// The JSON value for `field` from `values` as written (one value, or several for array
/// fields). `cloud` picks Cloud's shapes (accountId users, ADF paragraphs) over Data Center's.
pub fn to_json(field: &FieldMeta, values: &[String], cloud: bool) -> Result<Value, ValueProblem> {
    let values: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return Err(ValueProblem::new("the value is empty"));
    }
    let schema = &field.schema;
    if schema.kind == "array" {
        let item = schema.items.as_deref().unwrap_or("string");
        let items = values
            .iter()
            .map(|v| single(field, item, v, cloud))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Value::Array(items));
    }
    if values.len() > 1 && schema.kind != "option-with-child" {
        return Err(ValueProblem::new(format!(
            "{} takes one value, not {}",
            field.name,
            values.len()
        )));
    }
    if schema.kind == "option-with-child" {
        return cascading(field, &values);
    }
    single(field, &schema.kind, values[0], cloud)
}

/// One value of type `kind` (the field's type, or its array's item type).
fn single(field: &FieldMeta, kind: &str, value: &str, cloud: bool) -> Result<Value, ValueProblem> {
    let custom = field.schema.custom.as_deref().unwrap_or_default();
    match kind {
        _ if custom == EPIC_LINK_TYPE => Ok(json!(value)),
        "string" if cloud && (custom.ends_with(":textarea") || field.field_id == "environment") => {
            Ok(adf::from_plain_text(value))
        }
        "string" | "url" => Ok(json!(value)),
        "number" => value
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|n| json!(n))
            .ok_or_else(|| ValueProblem::new(format!("{value:?} is not a number"))),
        "date" => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(|d| json!(d.format("%Y-%m-%d").to_string()))
            .map_err(|_| ValueProblem::new(format!("{value:?} is not a date (YYYY-MM-DD)"))),
        "datetime" => match chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
            Ok(d) => Ok(json!(format!("{}T00:00:00.000+0000", d.format("%Y-%m-%d")))),
            Err(_) => chrono::DateTime::parse_from_rfc3339(value)
                .map(|at| json!(at.format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string()))
                .map_err(|_| {
                    ValueProblem::new(format!(
                        "{value:?} is not a date-time (YYYY-MM-DD or RFC 3339)"
                    ))
                }),
        },
        "user" => Ok(if cloud {
            json!({ "accountId": value })
        } else {
            json!({ "name": value })
        }),
        "issuelink" | "issuelinks" | "parent" => Ok(json!({ "key": value })),
        "priority" | "component" | "version" | "resolution" | "securitylevel" => {
            named(field, value, "name")
        }
        "option" => named(field, value, "value"),
        "group" => Ok(json!({ "name": value })),
        other => Err(ValueProblem::new(format!(
            "pm-sync cannot set a field of type {other:?}{}",
            if custom.is_empty() {
                String::new()
            } else {
                format!(" ({custom})")
            }
        ))),
    }
}

/// An option, priority, component or version: by its id when the screen lists allowed values
/// (names can be ambiguous across contexts), else by `key_name` (`name` or `value`).
fn named(field: &FieldMeta, value: &str, key_name: &str) -> Result<Value, ValueProblem> {
    if field.allowed_values.is_empty() {
        return Ok(json!({ key_name: value }));
    }
    let found = pick(&field.allowed_values, value)
        .ok_or_else(|| not_allowed(&field.allowed_values, value))?;
    Ok(match &found.id {
        Some(id) => json!({ "id": id }),
        None => json!({ key_name: found.label() }),
    })
}

/// A cascading select: `["Parent", "Child"]`, or one value written `Parent > Child` (or just
/// `Parent`).
fn cascading(field: &FieldMeta, values: &[&str]) -> Result<Value, ValueProblem> {
    let parts: Vec<&str> = if values.len() == 1 {
        values[0].split('>').map(str::trim).collect()
    } else {
        values.to_vec()
    };
    if parts.len() > 2 {
        return Err(ValueProblem::new(
            "a cascading select takes a parent and at most one child (\"Parent > Child\")",
        ));
    }
    let parent = pick(&field.allowed_values, parts[0])
        .ok_or_else(|| not_allowed(&field.allowed_values, parts[0]))?;
    let mut out = json!({ "id": parent.id.clone().unwrap_or_default() });
    if let Some(child_text) = parts.get(1) {
        let child = pick(&parent.children, child_text)
            .ok_or_else(|| not_allowed(&parent.children, child_text))?;
        out["child"] = json!({ "id": child.id.clone().unwrap_or_default() });
    }
    Ok(out)
}

/// The allowed value written `value` (label without case, or its id), unless disabled.
fn pick<'a>(allowed: &'a [AllowedValue], value: &str) -> Option<&'a AllowedValue> {
    allowed
        .iter()
        .filter(|a| !a.disabled)
        .find(|a| a.label().eq_ignore_ascii_case(value) || a.id.as_deref() == Some(value))
}

fn not_allowed(allowed: &[AllowedValue], value: &str) -> ValueProblem {
    ValueProblem {
        message: format!("{value:?} is not one of the allowed values"),
        allowed: allowed_labels(allowed),
    }
}

/// The enabled allowed values as a person writes them.
pub fn allowed_labels(allowed: &[AllowedValue]) -> Vec<String> {
    allowed
        .iter()
        .filter(|a| !a.disabled)
        .map(|a| a.label().to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jira::model::FieldSchema;

    fn field(kind: &str, items: Option<&str>, custom: Option<&str>, allowed: &[&str]) -> FieldMeta {
        FieldMeta {
            field_id: "customfield_10010".into(),
            name: "Team".into(),
            required: true,
            has_default_value: false,
            schema: FieldSchema {
                kind: kind.into(),
                items: items.map(str::to_owned),
                custom: custom.map(str::to_owned),
                system: None,
            },
            allowed_values: allowed
                .iter()
                .enumerate()
                .map(|(n, v)| AllowedValue {
                    id: Some(format!("{}", 100 + n)),
                    value: Some((*v).to_owned()),
                    ..AllowedValue::default()
                })
                .collect(),
        }
    }

    fn one(v: &str) -> Vec<String> {
        vec![v.to_owned()]
    }

    #[test]
    fn a_select_takes_the_id_of_the_option_written_in_any_case() {
        let f = field("option", None, None, &["Platform", "Payments"]);
        assert_eq!(
            to_json(&f, &one("payments"), true).unwrap(),
            json!({"id": "101"})
        );
        let problem = to_json(&f, &one("Growth"), true).unwrap_err();
        assert_eq!(problem.allowed, ["Platform", "Payments"]);
    }

    #[test]
    fn multi_value_fields_become_arrays_and_text_areas_adf_on_cloud() {
        let f = field("array", Some("option"), None, &["A", "B"]);
        let v = to_json(&f, &["A".into(), "B".into()], false).unwrap();
        assert_eq!(v, json!([{"id": "100"}, {"id": "101"}]));
        let area = field(
            "string",
            None,
            Some("com.atlassian.jira.plugin.system.customfieldtypes:textarea"),
            &[],
        );
        assert_eq!(to_json(&area, &one("x"), true).unwrap()["type"], "doc");
        assert_eq!(to_json(&area, &one("x"), false).unwrap(), json!("x"));
    }

    #[test]
    fn numbers_dates_users_and_cascades_have_their_shapes() {
        assert_eq!(
            to_json(&field("number", None, None, &[]), &one("3"), true).unwrap(),
            json!(3.0)
        );
        assert!(to_json(&field("number", None, None, &[]), &one("three"), true).is_err());
        assert_eq!(
            to_json(&field("date", None, None, &[]), &one("2020-05-01"), true).unwrap(),
            json!("2020-05-01")
        );
        assert_eq!(
            to_json(&field("user", None, None, &[]), &one("jdoe"), false).unwrap(),
            json!({"name": "jdoe"})
        );
        let mut cascade = field("option-with-child", None, None, &["EMEA"]);
        cascade.allowed_values[0].children = vec![AllowedValue {
            id: Some("7".into()),
            value: Some("Berlin".into()),
            ..AllowedValue::default()
        }];
        assert_eq!(
            to_json(&cascade, &one("EMEA > Berlin"), true).unwrap(),
            json!({"id": "100", "child": {"id": "7"}})
        );
    }
}
