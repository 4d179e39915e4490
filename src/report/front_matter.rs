//! The YAML front matter: incident date and severity, read with serde-saphyr, never rewritten.
//! What it does not give is looked for in the body ([`super::incident_date`]).
//!
//! YAML 1.2 has no timestamp type, so dates arrive as strings and are read here with chrono.
//! Values keep their location so a bad one is underlined where it is written.

use std::fmt;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::error::{Origin, ReportError};
use super::incident_date::{self, SeverityMap, Title};
use super::model::{FrontMatter, Span};

/// A YAML value as front matter needs it: scalars as text, anything else only noted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scalar {
    /// A scalar, as written (numbers and booleans turned back into text).
    Text(String),
    /// A sequence or mapping where a scalar was expected.
    Nested,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;

        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Text(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Text(String::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Nested)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Nested)
            }
        }

        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// The keys pm-sync reads; every other key is left alone.
#[derive(Debug, serde::Deserialize)]
struct RawFrontMatter {
    incident_date: Option<Spanned<Scalar>>,
    date: Option<Spanned<Scalar>>,
    severity: Option<Spanned<Scalar>>,
    title: Option<Spanned<Scalar>>,
    jira: Option<Spanned<JiraKey>>,
    jira_parent: Option<Spanned<Scalar>>,
}

/// The `jira:` key: a mapping of fields to read, or anything else (left alone, as every key
/// pm-sync does not know is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct JiraKey(std::collections::BTreeMap<String, FieldValues>);

impl<'de> Deserialize<'de> for JiraKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = JiraKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of Jira fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JiraKey, A::Error> {
                let mut fields = std::collections::BTreeMap::new();
                while let Some((name, values)) = map.next_entry::<String, FieldValues>()? {
                    fields.insert(name, values);
                }
                Ok(JiraKey(fields))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JiraKey, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(JiraKey::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<JiraKey, E> {
                Ok(JiraKey::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<JiraKey, E> {
                Ok(JiraKey::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<JiraKey, E> {
                Ok(JiraKey::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<JiraKey, E> {
                Ok(JiraKey::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<JiraKey, E> {
                Ok(JiraKey::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<JiraKey, E> {
                Ok(JiraKey::default())
            }
        }

        deserializer.deserialize_any(KeyVisitor)
    }
}

/// A value of the `jira:` mapping: a scalar, or a list of scalars.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldValues(Option<Vec<String>>);

impl<'de> Deserialize<'de> for FieldValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValuesVisitor;

        impl<'de> Visitor<'de> for ValuesVisitor {
            type Value = FieldValues;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FieldValues, A::Error> {
                let mut values = Vec::new();
                let mut nested = false;
                while let Some(item) = seq.next_element::<Scalar>()? {
                    match item {
                        Scalar::Text(text) => values.push(text),
                        Scalar::Nested => nested = true,
                    }
                }
                Ok(FieldValues((!nested).then_some(values)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FieldValues, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(FieldValues(None))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FieldValues, E> {
                Ok(FieldValues(Some(vec![v.to_owned()])))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FieldValues, E> {
                Ok(FieldValues(Some(vec![v.to_string()])))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FieldValues, E> {
                Ok(FieldValues(Some(vec![v.to_string()])))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<FieldValues, E> {
                Ok(FieldValues(Some(vec![v.to_string()])))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<FieldValues, E> {
                Ok(FieldValues(Some(vec![v.to_string()])))
            }
            fn visit_unit<E: de::Error>(self) -> Result<FieldValues, E> {
                Ok(FieldValues(Some(Vec::new())))
            }
        }

        deserializer.deserialize_any(ValuesVisitor)
    }
}

/// The value of the first front matter key that names the severity otherwise than `severity`
/// (`Severity`, `sev`, `Schweregrad`, `gravité`, `重大度`…: see
/// [`incident_date::is_severity_label`]). A second, loose read of the YAML, made only when
/// `severity` is absent; keys that are not text are passed over.
fn severity_under_another_key(yaml: &str) -> Option<Spanned<Scalar>> {
    let keys: Vec<(Scalar, Spanned<Scalar>)> = serde_saphyr::from_str::<LooseMapping>(yaml).ok()?.0;
    keys.into_iter().find_map(|(key, value)| match key {
        Scalar::Text(key) if incident_date::is_severity_label(&key) => Some(value),
        _ => None,
    })
}

/// A mapping read key by key, values kept with their spans, in the order written.
struct LooseMapping(Vec<(Scalar, Spanned<Scalar>)>);

impl<'de> Deserialize<'de> for LooseMapping {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MappingVisitor;

        impl<'de> Visitor<'de> for MappingVisitor {
            type Value = LooseMapping;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LooseMapping, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<Scalar, Spanned<Scalar>>()? {
                    entries.push(entry);
                }
                Ok(LooseMapping(entries))
            }
        }

        deserializer.deserialize_map(MappingVisitor)
    }
}

/// Reads a date as the seed and people write it: `2020-04-14`, `2020-04-14 19:38:22.561000`,
/// `2020-04-14T19:38:22`, or RFC 3339 with an offset (the date as written, not moved to UTC).
pub(crate) fn parse_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Some(date);
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(at) = NaiveDateTime::parse_from_str(value, format) {
            return Some(at.date());
        }
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f %z", "%Y-%m-%d %H:%M:%S%.f%:z"] {
        if let Ok(at) = DateTime::parse_from_str(value, format) {
            return Some(at.date_naive());
        }
    }
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|at| at.date_naive())
}

/// The span in the file of a value whose location serde-saphyr reported relative to the YAML.
fn value_span<T>(value: &Spanned<T>, yaml: &Span) -> Span {
    let span = value.referenced.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(offset), Some(len)) => {
            let start = yaml.start + usize::try_from(offset).unwrap_or(0);
            let end = start + usize::try_from(len).unwrap_or(0);
            start.min(yaml.end)..end.min(yaml.end)
        }
        _ => yaml.clone(),
    }
}

/// Byte offset in `yaml` of a location serde-saphyr reported: its byte offset when it has one,
/// else its line and (character) column.
fn yaml_offset(yaml: &str, location: &serde_saphyr::Location) -> Option<usize> {
    if let Some(offset) = location.span().byte_offset() {
        return usize::try_from(offset).ok();
    }
    let line = usize::try_from(location.line()).ok()?.checked_sub(1)?;
    let column = usize::try_from(location.column()).ok()?.checked_sub(1)?;
    let line_start = yaml
        .split_inclusive('\n')
        .take(line)
        .map(str::len)
        .sum::<usize>();
    let rest = yaml.get(line_start..)?;
    let in_line = rest
        .char_indices()
        .nth(column)
        .map_or(rest.len(), |(at, _)| at);
    Some(line_start + in_line)
}

/// What the report says about the incident: the front matter at `yaml` (if any) in `text` (the
/// whole file at `path`, whose Markdown starts at `base`), then, for what it does not give, the
/// body, the title and the file name. The body scan passes over `items` (the action items'
/// container): no field of the report is written among them, and they are most of a large file.
pub(crate) fn read(
    path: &Path,
    text: &str,
    yaml: Option<Span>,
    base: usize,
    items: Option<Span>,
    severity_map: &SeverityMap,
) -> Result<FrontMatter, ReportError> {
    let (mut fm, title) = match &yaml {
        Some(yaml) => parse(path, text, yaml.clone(), severity_map)?,
        None => (FrontMatter::default(), None),
    };
    let want_date = fm.incident_date.is_none();
    let want_severity = fm.severity.is_none() && fm.severity_refusal.is_none();
    if !want_date && !want_severity {
        return Ok(fm);
    }
    // The body starts after the closing fence.
    let start = match &yaml {
        Some(yaml) => text[yaml.end..]
            .find('\n')
            .map_or(text.len(), |at| yaml.end + at + 1),
        None => base,
    };
    let title = title.as_ref().map(|(text_of, span)| Title {
        text: text_of,
        span: span.clone(),
    });
    let body = incident_date::from_body(
        path,
        text,
        start,
        title,
        (want_date, want_severity),
        items,
        severity_map,
    );
    if want_date {
        if let Some((date, source)) = body.date {
            fm.incident_date = Some(date);
            fm.incident_date_source = Some(source);
        }
        fm.date_refusal = body.date_refusal;
    }
    if want_severity {
        if let Some((severity, source)) = body.severity {
            fm.severity = Some(severity);
            fm.severity_source = Some(source);
        }
        fm.severity_refusal = body.severity_refusal;
    }
    Ok(fm)
}

/// Reads the front matter whose YAML text is at `yaml` in `text` (the whole file at `path`);
/// also returns the title and its span, for the title rule.
fn parse(
    path: &Path,
    text: &str,
    yaml: Span,
    severity_map: &SeverityMap,
) -> Result<(FrontMatter, Option<(String, Span)>), ReportError> {
    let source = &text[yaml.clone()];
    if source.trim().is_empty() {
        return Ok((FrontMatter::default(), None));
    }
    let raw: RawFrontMatter = serde_saphyr::from_str(source).map_err(|error| {
        let span = error
            .location()
            .and_then(|location| yaml_offset(source, &location))
            .map_or(yaml.clone(), |offset| {
                let at = (yaml.start + offset).min(yaml.end);
                at..at
            });
        let message = error.without_snippet().to_string();
        // serde-saphyr says where in the YAML; the `path:line:col` prefix says where in the file.
        let message = match message.rsplit_once(" at line ") {
            Some((head, _)) => head.to_owned(),
            None => message,
        };
        let origin = Origin::new(path, text, span);
        ReportError::BadFrontMatter {
            at: origin.at,
            message,
            src: origin.src,
            span: origin.span,
        }
    })?;

    let date_field = match (&raw.incident_date, &raw.date) {
        (Some(value), _) if value.value != Scalar::Text(String::new()) => {
            Some(("incident_date", value))
        }
        (_, Some(value)) if value.value != Scalar::Text(String::new()) => Some(("date", value)),
        _ => None,
    };
    let mut incident_date_source = None;
    let incident_date = match date_field {
        None => None,
        Some((field, value)) => {
            let written = match &value.value {
                Scalar::Text(s) => s.clone(),
                Scalar::Nested => "…".to_owned(),
            };
            match parse_date(&written) {
                Some(date) => {
                    let span = value_span(value, &yaml);
                    incident_date_source =
                        Some(incident_date::front_matter_source(text, span.start));
                    Some(date)
                }
                None => {
                    let origin = Origin::new(path, text, value_span(value, &yaml));
                    return Err(ReportError::BadDate {
                        at: origin.at,
                        field,
                        value: written,
                        src: origin.src,
                        span: origin.span,
                    });
                }
            }
        }
    };

    // A severity that is not sevN and not mapped does not stop the report being read: only
    // resolving the labels (sync) refuses it.
    let (mut severity, mut severity_source, mut severity_refusal) = (None, None, None);
    let other_key = match raw.severity {
        Some(_) => None,
        None => severity_under_another_key(source),
    };
    if let Some(value) = raw.severity.as_ref().or(other_key.as_ref()) {
        let span = value_span(value, &yaml);
        let written = match &value.value {
            Scalar::Text(s) => s.trim(),
            Scalar::Nested => "…",
        };
        if !written.is_empty() {
            match incident_date::map_severity(written, severity_map) {
                Some(mapped) if value.value != Scalar::Nested => {
                    severity = Some(mapped);
                    severity_source = Some(incident_date::front_matter_source(text, span.start));
                }
                _ => {
                    severity_refusal = Some(incident_date::refuse_front_matter_severity(
                        path, text, written, span,
                    ));
                }
            }
        }
    }

    let title = match raw.title {
        Some(value) => match value.value {
            Scalar::Text(ref s) if !s.trim().is_empty() => {
                Some((s.clone(), value_span(&value, &yaml)))
            }
            _ => None,
        },
        None => None,
    };
    let (jira_fields, jira_parent) = jira_keys(path, text, &yaml, raw.jira, raw.jira_parent)?;
    let fm = FrontMatter {
        incident_date,
        severity,
        title: title.as_ref().map(|(s, _)| s.clone()),
        incident_date_source,
        severity_source,
        date_refusal: None,
        severity_refusal,
        jira_fields,
        jira_parent,
    };
    Ok((fm, title))
}

/// `jira:` (field → value or list) and `jira_parent:` (an issue key, checked for shape by
/// sync). A nested value is a front-matter error at its line.
fn jira_keys(
    path: &Path,
    text: &str,
    yaml: &Span,
    jira: Option<Spanned<JiraKey>>,
    parent: Option<Spanned<Scalar>>,
) -> Result<(Vec<super::model::FrontMatterField>, Option<String>), ReportError> {
    let mut fields = Vec::new();
    if let Some(map) = &jira {
        let span = value_span(map, yaml);
        let (line, _) = super::error::line_col(text, span.start);
        for (name, values) in &map.value.0 {
            let Some(values) = &values.0 else {
                let origin = Origin::new(path, text, span);
                return Err(ReportError::BadFrontMatter {
                    at: origin.at,
                    message: format!(
                        "jira: {name} must be a value or a list of values, e.g. `components: [Auth]`"
                    ),
                    src: origin.src,
                    span: origin.span,
                });
            };
            fields.push(super::model::FrontMatterField {
                name: name.clone(),
                values: values.clone(),
                line,
            });
        }
    }
    let parent = match parent.map(|p| p.value) {
        Some(Scalar::Text(key)) if !key.trim().is_empty() => Some(key.trim().to_owned()),
        _ => None,
    };
    Ok((fields, parent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_written() {
        let day = NaiveDate::from_ymd_opt(2020, 4, 14);
        assert_eq!(parse_date("2020-04-14 19:38:22.561000"), day);
        assert_eq!(parse_date("2020-04-14"), day);
        assert_eq!(parse_date("2020-04-14T23:30:00-05:00"), day);
        assert_eq!(parse_date("2020-04-14T23:30:00Z"), day);
        assert_eq!(parse_date("14/04/2020"), None);
    }

    #[test]
    fn jira_fields_are_read_and_a_jira_key_of_another_shape_is_left_alone() {
        let text =
            "---\njira:\n  components: [Auth, DB]\n  priority: High\njira_parent: OPS-9\n---\n";
        let (fm, _) = parse(Path::new("pm.md"), text, 4..text.len() - 4, &[]).unwrap();
        assert_eq!(fm.jira_parent.as_deref(), Some("OPS-9"));
        assert_eq!(fm.jira_fields.len(), 2);
        assert_eq!(fm.jira_fields[0].values, ["Auth", "DB"]);
        assert_eq!(fm.jira_fields[0].line, 3);
        let other = "---\njira: OPS\n---\n";
        let (fm, _) = parse(Path::new("pm.md"), other, 4..other.len() - 4, &[]).unwrap();
        assert!(fm.jira_fields.is_empty());
    }

    #[test]
    fn a_severity_under_another_key_is_read_on_the_built_in_scale() {
        for (text, sev) in [
            ("---\nSeverity: Critical\n---\n", "sev1"),
            ("---\ntitle: x\nSchweregrad: SEV 2\n---\n", "sev2"),
            ("---\n重大度: P1\n---\n", "sev1"),
            ("---\nseverity: Major\nSeverity: P4\n---\n", "sev2"),
        ] {
            let (fm, _) = parse(Path::new("pm.md"), text, 4..text.len() - 4, &[]).unwrap();
            assert_eq!(fm.severity.as_deref(), Some(sev), "{text}");
            assert!(fm.severity_source.is_some(), "{text}");
        }
        let text = "---\nGravedad: púrpura\n---\n";
        let (fm, _) = parse(Path::new("pm.md"), text, 4..text.len() - 4, &[]).unwrap();
        assert_eq!(
            fm.severity_refusal.map(|r| r.value().to_owned()).as_deref(),
            Some("púrpura")
        );
    }
}
