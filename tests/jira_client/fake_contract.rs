//! The fake itself, checked against Atlassian's documented behaviour with raw HTTP (not our
//! client), so the client's tests cannot pass merely because both sides share a mistake.

use serde_json::{Value, json};

use crate::support::fake_jira::{FAKE_EMAIL, FAKE_TOKEN, FakeJira, Flavor};

async fn call(jira: &FakeJira, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    // reqwest has no built-in crypto provider here (Cargo.toml: ring); JiraClient::new installs
    // it, but this raw client may be the first of the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let url = format!("{}{path}", jira.url());
    let mut req = http.request(method.parse().unwrap(), url);
    req = match jira.flavor() {
        Flavor::Cloud => req.basic_auth(FAKE_EMAIL, Some(FAKE_TOKEN)),
        Flavor::DataCenter => req.bearer_auth(FAKE_TOKEN),
    };
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn cloud_shapes() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    jira.seed_issue("OPS", "One", &["sev1"]);
    // Legacy search is gone on Cloud.
    let (s, b) = call(&jira, "GET", "/rest/api/2/search?jql=project%3DOPS", None).await;
    assert_eq!(s, 410);
    assert!(
        b["errorMessages"][0]
            .as_str()
            .unwrap()
            .contains("CHANGE-2046")
    );
    // search/jql: ids only by default, no total; unbounded rejected; unknown field rejected.
    let (s, b) = call(
        &jira,
        "POST",
        "/rest/api/3/search/jql",
        Some(json!({"jql": "project = OPS"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["issues"][0], json!({"id": "10000"}));
    assert!(b.get("total").is_none() && b["isLast"] == json!(true));
    let (s, _) = call(
        &jira,
        "POST",
        "/rest/api/3/search/jql",
        Some(json!({"jql": "order by key"})),
    )
    .await;
    assert_eq!(s, 400);
    let (s, b) = call(
        &jira,
        "POST",
        "/rest/api/3/search/jql",
        Some(json!({"jql": "colour = red"})),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        b["errorMessages"][0],
        "Field 'colour' does not exist or you do not have permission to view it."
    );
    // v3 wants ADF; a string description is a field error.
    let (s, b) = call(&jira, "POST", "/rest/api/3/issue", Some(json!({"fields": {
        "project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "x", "description": "plain"}}))).await;
    assert_eq!(s, 400);
    assert!(
        b["errors"]["description"]
            .as_str()
            .unwrap()
            .contains("Atlassian Document")
    );
    // An empty text node is invalid ADF.
    let (s, b) = call(&jira, "POST", "/rest/api/3/issue", Some(json!({"fields": {
        "project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "x",
        "description": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": ""}]}]}}}))).await;
    assert_eq!(
        (s, b["errorMessages"][0].as_str()),
        (400, Some("INVALID_INPUT"))
    );
    // Bulk: over 50 is refused as a whole.
    let many: Vec<Value> = (0..51).map(|i| json!({"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": format!("n{i}")}})).collect();
    let (s, _) = call(
        &jira,
        "POST",
        "/rest/api/3/issue/bulk",
        Some(json!({"issueUpdates": many})),
    )
    .await;
    assert_eq!(s, 400);
    // bulkfetch drops unknown keys silently.
    let (s, b) = call(
        &jira,
        "POST",
        "/rest/api/3/issue/bulkfetch",
        Some(json!({"issueIdsOrKeys": ["ops-1", "OPS-77"]})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["issues"].as_array().unwrap().len(), 1);
    assert_eq!(b["issues"][0]["key"], "OPS-1");
    // Missing credentials.
    let resp = reqwest::get(format!("{}/rest/api/3/myself", jira.url()))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let b: Value = resp.json().await.unwrap();
    assert_eq!(
        b,
        json!({"errorMessages": ["Client must be authenticated to access this resource."], "errors": {}})
    );
}

#[tokio::test]
async fn data_center_shapes() {
    let jira = FakeJira::start(Flavor::DataCenter).await;
    jira.seed_issue("OPS", "One", &["sev1"]);
    // No v3 on DC.
    let (s, _) = call(&jira, "GET", "/rest/api/3/myself", None).await;
    assert_eq!(s, 404);
    // key in with a missing key: 400 unless validateQuery=false.
    let jql = json!("key in (\"OPS-1\", \"OPS-9\")");
    let (s, b) = call(
        &jira,
        "POST",
        "/rest/api/2/search",
        Some(json!({"jql": jql})),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        b["errorMessages"][0],
        "An issue with key 'OPS-9' does not exist for field 'key'."
    );
    let (s, b) = call(
        &jira,
        "POST",
        "/rest/api/2/search",
        Some(json!({"jql": jql, "validateQuery": false})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        (b["total"].as_u64(), b["issues"][0]["key"].as_str()),
        (Some(1), Some("OPS-1"))
    );
    // Unknown body properties are refused (older DC).
    let (s, b) = call(
        &jira,
        "POST",
        "/rest/api/2/search",
        Some(json!({"jql": "project = OPS", "nextPageToken": "x"})),
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        b["errorMessages"][0]
            .as_str()
            .unwrap()
            .contains("Unrecognized field \"nextPageToken\"")
    );
    // v2 description is a string; createmeta pages as `values`.
    let (s, b) = call(
        &jira,
        "POST",
        "/rest/api/2/issue",
        Some(json!({"fields": {
        "project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "x",
        "description": {"type": "doc", "version": 1, "content": []}}})),
    )
    .await;
    assert_eq!(
        (s, b["errors"]["description"].as_str()),
        (400, Some("Operation value must be a string"))
    );
    let (s, b) = call(
        &jira,
        "GET",
        "/rest/api/2/issue/createmeta/OPS/issuetypes",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["values"][0]["name"], "Task");
    assert_eq!(b["isLast"], true);
}
