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

/// A severity as people write it, on pm-sync's built-in scale: `sevN` in any spelling
/// ([`normalise_severity`], also `Severity 2`, `S1`), `P0`–`P4` (the same number), a bare level
/// `0`–`5` (under a Severity label), or a level name. Names follow the scales teams publish:
/// PagerDuty's response guide (SEV-1 critical, SEV-2 major/critical system issue, SEV-3 minor or
/// stability, SEV-4 minor issues, SEV-5 cosmetic), Atlassian's incident handbook (1 Critical,
/// 2 Major, 3 Minor), PagerDuty's event severities (critical, error, warning, info) and the
/// generic Critical / High / Medium / Low, with the same words in German, French, Spanish,
/// Portuguese, Italian, Dutch, Japanese, Chinese and Korean. Anything else is `None`.
pub fn severity_on_scale(written: &str) -> Option<String> {
    if let Some(sev) = normalise_severity(written) {
        return Some(sev);
    }
    let word = written
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    let compact: String = word
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '_' | '.' | ':' | '#')))
        .collect();
    let level = ["severity", "level", "s", "p", ""]
        .iter()
        .find_map(|prefix| {
            let digits = compact.strip_prefix(prefix)?;
            (digits.len() == 1 && digits.as_bytes()[0].is_ascii_digit())
                .then(|| u32::from(digits.as_bytes()[0] - b'0'))
                .filter(|n| match *prefix {
                    "p" => *n <= 4,
                    _ => *n <= 5,
                })
        });
    if let Some(level) = level {
        return Some(format!("sev{level}"));
    }
    let words = word.split_whitespace().collect::<Vec<_>>().join(" ");
    SEVERITY_WORDS
        .iter()
        .find(|(_, names)| names.contains(&words.as_str()))
        .map(|(level, _)| format!("sev{level}"))
}

/// Level names by level, lower case (see [`severity_on_scale`]).
const SEVERITY_WORDS: &[(u8, &[&str])] = &[
    (
        1,
        &[
            "critical",
            "crit",
            "urgent",
            "emergency",
            "highest",
            "blocker",
            "fatal",
            "kritisch",
            "dringend",
            "critique",
            "crítica",
            "crítico",
            "critica",
            "critico",
            "kritiek",
            "緊急",
            "致命的",
            "紧急",
            "致命",
            "严重故障",
            "긴급",
            "치명적",
        ],
    ),
    (
        2,
        &[
            "major", "high", "error", "severe", "serious", "hoch", "schwer", "majeur", "majeure",
            "élevée", "élevé", "haute", "grave", "alta", "alto", "mayor", "maggiore", "hoog",
            "ernstig", "重大", "高", "严重", "높음", "심각",
        ],
    ),
    (
        3,
        &[
            "minor",
            "medium",
            "moderate",
            "warning",
            "normal",
            "mittel",
            "gering",
            "mineur",
            "mineure",
            "moyenne",
            "moyen",
            "media",
            "medio",
            "menor",
            "média",
            "médio",
            "minore",
            "gemiddeld",
            "中",
            "一般",
            "中等",
            "보통",
            "중간",
        ],
    ),
    (
        4,
        &[
            "low",
            "info",
            "informational",
            "niedrig",
            "basse",
            "bas",
            "faible",
            "baja",
            "bajo",
            "baixa",
            "baixo",
            "bassa",
            "basso",
            "laag",
            "低",
            "軽微",
            "轻微",
            "낮음",
        ],
    ),
    (
        5,
        &[
            "cosmetic",
            "trivial",
            "lowest",
            "kosmetisch",
            "cosmétique",
            "cosmético",
        ],
    ),
];

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

    #[test]
    fn the_built_in_scale_reads_numbers_and_level_names() {
        for (written, sev) in [
            ("SEV-1", "sev1"),
            ("Sev 1", "sev1"),
            ("sev1", "sev1"),
            ("S1", "sev1"),
            ("s0", "sev0"),
            ("P0", "sev0"),
            ("P4", "sev4"),
            ("Severity 2", "sev2"),
            ("2", "sev2"),
            ("Critical", "sev1"),
            ("MAJOR", "sev2"),
            ("minor", "sev3"),
            ("Low", "sev4"),
            ("cosmetic", "sev5"),
            ("Kritisch", "sev1"),
            ("Crítica", "sev1"),
            ("重大", "sev2"),
            ("긴급", "sev1"),
        ] {
            assert_eq!(
                severity_on_scale(written).as_deref(),
                Some(sev),
                "{written}"
            );
        }
        for unreadable in ["P5", "S9", "purple", "very bad", "", "12"] {
            assert_eq!(severity_on_scale(unreadable), None, "{unreadable}");
        }
    }
}
