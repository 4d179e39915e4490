//! The dashboard's Jira fields through the real client: `created`, `resolutiondate`, `duedate`
//! and `assignee` in the same batched read, on Cloud (bulkfetch, users by accountId) and Data
//! Center (search, users by name), with Jira's stamping of the resolution date.

use pm_sync::jira::JiraClient;
use pm_sync::jira::model::IssueKey;

use crate::jira_client::config;
use crate::support::fake_jira::{FakeJira, Flavor};

#[tokio::test]
async fn tracking_fields_come_with_the_batched_read_on_both_flavours() {
    for flavor in [Flavor::Cloud, Flavor::DataCenter] {
        let jira = FakeJira::start(flavor).await;
        let done = jira.seed_issue("OPS", "Done item", &[]);
        let open = jira.seed_issue("OPS", "Open item", &[]);
        jira.transition(&done, "Done");
        // Jira stamps resolutiondate when a resolution is set, and clears it on reopen.
        assert!(jira.issue(&done).unwrap().resolutiondate.is_some());
        jira.transition(&open, "Done");
        jira.transition(&open, "In Progress");
        assert_eq!(jira.issue(&open).unwrap().resolutiondate, None);
        jira.set_dates(
            &done,
            "2020-04-16T09:30:00.000+0200",
            Some("2020-05-02T23:05:00.000+0000"),
        );
        jira.assign(&open, Some("Li Wei"));
        jira.set_due_date(&open, Some("2020-06-30"));
        let client = JiraClient::new(config(&jira)).unwrap();
        let keys: Vec<IssueKey> = [&done, &open]
            .iter()
            .map(|k| IssueKey::parse(k).unwrap())
            .collect();
        jira.reset_request_log();

        let fetched = client.fetch_issues(&keys).await.unwrap();

        // deployment detection (Auto) plus one read.
        assert!(jira.requests().total <= 2, "{:?}", jira.requests());
        let get = |key: &str| fetched.found().find(|(k, _)| k.as_str() == key).unwrap().1;
        let assignee = |issue: &pm_sync::jira::model::Issue| {
            issue
                .planning
                .assignee
                .as_ref()
                .map(|person| person.shown_name().to_owned())
        };
        let d = &get(&done).tracking;
        assert_eq!(d.created.unwrap().to_rfc3339(), "2020-04-16T09:30:00+02:00");
        assert_eq!(d.resolved.unwrap().date_naive().to_string(), "2020-05-02");
        assert_eq!((d.due, assignee(get(&done))), (None, None));
        let o = &get(&open).tracking;
        assert!(o.created.is_some() && o.resolved.is_none());
        assert_eq!(o.due.unwrap().to_string(), "2020-06-30");
        assert_eq!(
            assignee(get(&open)).as_deref(),
            Some("Li Wei"),
            "{flavor:?}"
        );
    }
}
