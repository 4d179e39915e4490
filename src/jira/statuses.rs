//! The statuses a Jira site knows (`GET /rest/api/{2,3}/status`, Cloud and Data Center alike):
//! names and categories. The report engine overwrites a status a person wrote only when it is one
//! of these names, so a note such as `waiting on vendor` is never taken for a status.

use reqwest::Method;
use serde::Deserialize;

use super::client::{Call, JiraClient};
use super::error::JiraError;
use super::model::{Status, StatusCategory};

#[derive(Deserialize)]
struct RawStatus {
    name: String,
    #[serde(rename = "statusCategory")]
    category: Option<RawCategory>,
}

#[derive(Deserialize)]
struct RawCategory {
    key: StatusCategory,
}

impl JiraClient {
    /// Every status of the site, with its category (one request).
    pub async fn statuses(&self) -> Result<Vec<Status>, JiraError> {
        let api = self.api().await?;
        let call = Call::new(Method::GET, format!("{api}/status"));
        let raw: Vec<RawStatus> = self.send(&call).await?.decode(&call)?;
        Ok(raw
            .into_iter()
            .map(|status| Status {
                name: status.name.into(),
                category: status.category.map_or(StatusCategory::Undefined, |c| c.key),
            })
            .collect())
    }
}
