//! The two labels every ticket carries, `{severity}_{YYYYMMDD}` and `{severity}`, and where their
//! parts come from: the command line, then the report (front matter, else body, title and file
//! name), then the config.

use std::path::Path;

use chrono::NaiveDate;

use super::error::ReportError;
use super::model::FrontMatter;

/// The incident's severity and date, as the labels need them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IncidentLabels {
    /// Normalised severity, e.g. `sev1`.
    pub severity: String,
    /// The incident date.
    pub date: NaiveDate,
}

impl IncidentLabels {
    /// The dated label, e.g. `sev1_20200414`.
    pub fn date_label(&self) -> String {
        format!("{}_{}", self.severity, self.date.format("%Y%m%d"))
    }

    /// Both labels, dated one first: `["sev1_20200414", "sev1"]`.
    pub fn labels(&self) -> Vec<String> {
        vec![self.date_label(), self.severity.clone()]
    }
}

/// `SEV-2`, `Sev2`, `sev 2`, `sev_2` and `sev2` all become `sev2`; anything else is `None`.
pub fn normalise_severity(value: &str) -> Option<String> {
    let compact: String = value
        .chars()
        .filter(|c| !(c.is_whitespace() || *c == '-' || *c == '_'))
        .collect::<String>()
        .to_ascii_lowercase();
    let digits = compact.strip_prefix("sev")?;
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: u32 = digits.parse().ok()?;
    Some(format!("sev{number}"))
}

/// Decides the labels for the report at `path`.
///
/// Date: `date_override` (`--incident-date`), else what the report gives (front matter
/// `incident_date`, `date`, then the body; see [`FrontMatter`]). Severity: `severity_override`
/// (`--severity`), else the report's, else `default_severity` (`[labels] severity`).
///
/// A value the report gives but pm-sync refuses to read (an ambiguous `05/07/2024`, a `high`
/// that `[labels.severity_map]` does not map) is an error here, unless an override replaces it.
pub fn resolve_labels(
    fm: &FrontMatter,
    date_override: Option<NaiveDate>,
    severity_override: Option<&str>,
    default_severity: &str,
    path: &Path,
) -> Result<IncidentLabels, ReportError> {
    let date = match (date_override, &fm.date_refusal, fm.incident_date) {
        (Some(date), _, _) => date,
        (None, Some(refusal), _) => return Err(refusal.error()),
        (None, None, Some(date)) => date,
        (None, None, None) => {
            return Err(ReportError::NoIncidentDate {
                path: path.to_owned(),
            });
        }
    };
    let bad = |origin: &'static str, value: &str| ReportError::BadSeverityOption {
        path: path.to_owned(),
        value: value.to_owned(),
        origin,
    };
    let severity = match (severity_override, &fm.severity_refusal, &fm.severity) {
        (Some(value), _, _) => normalise_severity(value).ok_or_else(|| bad("--severity", value))?,
        (None, Some(refusal), _) => return Err(refusal.error()),
        (None, None, Some(value)) => value.clone(),
        (None, None, None) => normalise_severity(default_severity)
            .ok_or_else(|| bad("[labels] severity", default_severity))?,
    };
    Ok(IncidentLabels { severity, date })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_are_normalised() {
        for written in ["SEV-2", "Sev2", "sev 2", "sev2", "SEV_2"] {
            assert_eq!(
                normalise_severity(written).as_deref(),
                Some("sev2"),
                "{written}"
            );
        }
        assert_eq!(normalise_severity("P1"), None);
        assert_eq!(normalise_severity("sev"), None);
    }
}
