//! Search: Cloud's enhanced `/rest/api/3/search/jql` (nextPageToken, eventual consistency,
//! `reconcileIssues`) and Data Center's `/rest/api/2/search` (startAt/total), plus JQL quoting.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::client::{Call, JiraClient};
use super::error::JiraError;
use super::issues::{READ_FIELDS, WireIssue, incomplete};
use super::model::{Deployment, Issue, IssueKey, SharedParts};

/// Cloud's documented cap on `reconcileIssues` ids per request.
pub const RECONCILE_LIMIT: usize = 50;

/// Page size we ask for; Jira may return fewer (and says so).
const PAGE_SIZE: usize = 100;

/// Pages in a row with no new issue, each with a new `nextPageToken`, after which a Cloud
/// search stops with an error (a real search's last page carries no token).
const STALE_PAGES_TO_STOP: usize = 3;
/// Labels per `labels in (…)` search: keeps the JQL far below any length limit.
pub const LABELS_PER_SEARCH: usize = 50;

/// Quotes a JQL value: `"` + value with `\` and `"` escaped + `"`. Always quote: project
/// keys such as `IS` or `DO` are JQL reserved words.
pub fn jql_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CloudPage {
    #[serde(default)]
    issues: Vec<WireIssue>,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DcPage {
    #[serde(default)]
    issues: Vec<WireIssue>,
    #[serde(default)]
    total: Option<usize>,
}

impl JiraClient {
    /// Every issue of `project` carrying `label`, paged to the end.
    ///
    /// Cloud: `POST /rest/api/3/search/jql` with `nextPageToken` and `reconcileIssues` (ids of
    /// issues created recently, so eventual consistency cannot hide them; more than 50 ids run
    /// one search per 50 and merge). Data Center: `POST /rest/api/2/search` with startAt/total.
    pub async fn search_by_label(
        &self,
        project: &str,
        label: &str,
        reconcile_ids: &[String],
    ) -> Result<Vec<Issue>, JiraError> {
        let jql = format!(
            "project = {} AND labels = {} ORDER BY key ASC",
            jql_quote(project),
            jql_quote(label)
        );
        let issues = match self.deployment().await? {
            Deployment::Cloud => {
                let ids: Vec<i64> = reconcile_ids
                    .iter()
                    .filter_map(|id| id.trim().parse().ok())
                    .collect();
                if ids.len() <= RECONCILE_LIMIT {
                    self.search_cloud(&jql, &ids).await?
                } else {
                    let mut merged = BTreeMap::new();
                    for chunk in ids.chunks(RECONCILE_LIMIT) {
                        for issue in self.search_cloud(&jql, chunk).await? {
                            merged.insert(issue.id, issue);
                        }
                    }
                    merged.into_values().collect()
                }
            }
            _ => self.search_dc(&jql, PAGE_SIZE, true).await?,
        };
        // JQL already filtered; keep only exact label matches in case a server is lenient.
        Ok(issues
            .into_iter()
            .filter(|i| i.labels.iter().any(|l| l == label))
            .collect())
    }

    /// Every issue of `project` carrying any of `labels`, paged to the end, in one search per
    /// [`LABELS_PER_SEARCH`] labels (`labels in (…)`): a run over many reports asks once, not
    /// once per report. Each label's issues are returned with it (an issue may carry several,
    /// and is then shared). Each issue is handed to `keep` as its page arrives, which decides
    /// what is held (the caller's copy of the same issue, say): a search that finds 100,000
    /// tickets holds them once, never as a list of every one found and then each label's.
    pub async fn search_by_labels(
        &self,
        project: &str,
        labels: &[String],
        keep: &mut (dyn FnMut(Issue) -> Arc<Issue> + Send),
    ) -> Result<Vec<(String, Vec<Arc<Issue>>)>, JiraError> {
        let mut by_label: BTreeMap<&str, Vec<Arc<Issue>>> =
            labels.iter().map(|l| (l.as_str(), Vec::new())).collect();
        // Each issue once, in the order Jira answered (by key). Ids are numbers: 8 bytes each.
        let mut seen: HashSet<u64> = HashSet::new();
        for chunk in labels.chunks(LABELS_PER_SEARCH) {
            let list: Vec<String> = chunk.iter().map(|l| jql_quote(l)).collect();
            let jql = format!(
                "project = {} AND labels in ({}) ORDER BY key ASC",
                jql_quote(project),
                list.join(", ")
            );
            let mut sort = |issue: Issue| {
                if !seen.insert(issue.id.get()) {
                    return;
                }
                // JQL already filtered; keep only exact label matches in case a server is
                // lenient.
                let wanted: Vec<usize> = (0..issue.labels.len())
                    .filter(|&n| by_label.contains_key(issue.labels[n].as_str()))
                    .collect();
                if wanted.is_empty() {
                    return;
                }
                let shared = keep(issue);
                for n in wanted {
                    if let Some(list) = by_label.get_mut(shared.labels[n].as_str()) {
                        list.push(Arc::clone(&shared));
                    }
                }
            };
            match self.deployment().await? {
                Deployment::Cloud => self.search_cloud_each(&jql, &[], &mut sort).await?,
                _ => {
                    self.search_dc_each(&jql, PAGE_SIZE, true, &mut sort)
                        .await?
                }
            }
        }
        Ok(by_label
            .into_iter()
            .map(|(label, mut issues)| {
                issues.shrink_to_fit();
                (label.to_owned(), issues)
            })
            .collect())
    }

    async fn search_cloud(&self, jql: &str, reconcile: &[i64]) -> Result<Vec<Issue>, JiraError> {
        let mut out = Vec::new();
        self.search_cloud_each(jql, reconcile, &mut |issue| out.push(issue))
            .await?;
        Ok(out)
    }

    /// `validate`: false only for `key in (…)`, so a misspelt project still fails loudly.
    async fn search_dc(
        &self,
        jql: &str,
        page_size: usize,
        validate: bool,
    ) -> Result<Vec<Issue>, JiraError> {
        let mut out = Vec::new();
        self.search_dc_each(jql, page_size, validate, &mut |issue| out.push(issue))
            .await?;
        Ok(out)
    }

    /// Cloud's search, each issue handed to `each` as its page arrives.
    async fn search_cloud_each(
        &self,
        jql: &str,
        reconcile: &[i64],
        each: &mut (dyn FnMut(Issue) + Send),
    ) -> Result<(), JiraError> {
        let mut token: Option<String> = None;
        let mut seen_tokens = HashSet::new();
        let mut shared_parts = SharedParts::default();
        // A fresh token on every page is no proof of progress: pages that bring nothing new
        // (empty, or the page before again) end the search after a few in a row.
        let mut last_ids: Vec<String> = Vec::new();
        let mut stale_pages = 0;
        loop {
            let mut body = json!({
                "jql": jql,
                "fields": READ_FIELDS,
                "maxResults": PAGE_SIZE,
            });
            if let Some(t) = &token {
                body["nextPageToken"] = json!(t);
            }
            if !reconcile.is_empty() {
                body["reconcileIssues"] = json!(reconcile);
            }
            let call = Call::new(Method::POST, "/rest/api/3/search/jql")
                .json(body)
                .permission("Browse projects");
            let page: CloudPage = self.send(&call).await?.decode(&call)?;
            let ids: Vec<String> = page.issues.iter().map(|w| w.id.clone()).collect();
            let stale = ids.is_empty() || ids == last_ids;
            last_ids = ids;
            for w in page.issues {
                let id = w.id.clone();
                each(
                    w.into_issue_sharing(&mut shared_parts)
                        .ok_or_else(|| incomplete(&call, &id))?,
                );
            }
            // Loop on the token, not on isLast alone (isLast has been unreliable elsewhere).
            match page.next_page_token {
                Some(next) if !next.is_empty() => {
                    if !seen_tokens.insert(next.clone()) {
                        return Err(JiraError::Protocol {
                            request: call.label(),
                            message: "Jira returned the same nextPageToken twice".into(),
                        });
                    }
                    stale_pages = if stale { stale_pages + 1 } else { 0 };
                    if stale_pages == STALE_PAGES_TO_STOP {
                        return Err(JiraError::Protocol {
                            request: call.label(),
                            message: format!(
                                "Jira's search answered {STALE_PAGES_TO_STOP} pages in a row \
                                 with no new issue (empty, or the page before again), each \
                                 with a new nextPageToken: stopped rather than page forever"
                            ),
                        });
                    }
                    token = Some(next);
                }
                _ => return Ok(()),
            }
        }
    }

    /// Data Center's search, each issue handed to `each` as its page arrives.
    async fn search_dc_each(
        &self,
        jql: &str,
        page_size: usize,
        validate: bool,
        each: &mut (dyn FnMut(Issue) + Send),
    ) -> Result<(), JiraError> {
        let mut start = 0usize;
        let mut shared_parts = SharedParts::default();
        loop {
            // Only DC-known keys: older DC rejects unknown body properties.
            let call = Call::new(Method::POST, "/rest/api/2/search")
                .json(json!({
                    "jql": jql,
                    "startAt": start,
                    "maxResults": page_size,
                    "fields": READ_FIELDS,
                    "validateQuery": validate,
                }))
                .permission("Browse projects");
            let page: DcPage = self.send(&call).await?.decode(&call)?;
            let got = page.issues.len();
            for w in page.issues {
                let id = w.id.clone();
                each(
                    w.into_issue_sharing(&mut shared_parts)
                        .ok_or_else(|| incomplete(&call, &id))?,
                );
            }
            start += got;
            if got == 0 || page.total.is_none_or(|t| start >= t) {
                return Ok(());
            }
        }
    }

    /// Data Center read-back: `key in (…)` with `validateQuery=false`. Should a server still
    /// answer 400 naming missing keys, those keys are dropped and the rest asked again; an
    /// unexplained 400 splits the batch in halves down to single keys.
    pub(crate) async fn search_keys(&self, keys: &[IssueKey]) -> Result<Vec<Issue>, JiraError> {
        let mut pending: Vec<Vec<IssueKey>> = vec![keys.to_vec()];
        let mut out = Vec::new();
        while let Some(batch) = pending.pop() {
            if batch.is_empty() {
                continue;
            }
            let list: Vec<String> = batch.iter().map(|k| jql_quote(k.as_str())).collect();
            let jql = format!("key in ({})", list.join(", "));
            match self.search_dc(&jql, batch.len().max(1), false).await {
                Ok(found) => out.extend(found),
                Err(JiraError::Api {
                    status: 400, api, ..
                }) => {
                    let named: HashSet<String> = api
                        .error_messages
                        .iter()
                        .flat_map(|m| quoted_keys(m))
                        .collect();
                    let rest: Vec<IssueKey> = batch
                        .iter()
                        .filter(|k| !named.contains(&k.as_str().to_ascii_uppercase()))
                        .cloned()
                        .collect();
                    if rest.len() < batch.len() {
                        pending.push(rest);
                    } else if batch.len() > 1 {
                        let (a, b) = batch.split_at(batch.len() / 2);
                        pending.push(a.to_vec());
                        pending.push(b.to_vec());
                    }
                    // A single key still refused: treat it as missing.
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

/// Keys quoted in a Jira message: "An issue with key 'OPS-9' does not exist for field 'key'."
fn quoted_keys(message: &str) -> Vec<String> {
    message
        .split('\'')
        .skip(1)
        .step_by(2)
        .filter_map(IssueKey::parse)
        .map(|k| k.as_str().to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes() {
        assert_eq!(jql_quote("IS"), "\"IS\"");
        assert_eq!(jql_quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn keys_from_messages() {
        assert_eq!(
            quoted_keys("An issue with key 'OPS-9' does not exist for field 'key'."),
            vec!["OPS-9".to_string()]
        );
    }
}
