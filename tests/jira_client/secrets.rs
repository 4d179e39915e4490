//! The token never shows: not in trace logs, not in Debug of the config, not in errors.

use std::io::Write;
use std::sync::{Arc, Mutex};

use pm_sync::jira::{Auth, JiraClient};
use secrecy::SecretString;

use super::{config, key, new_issue};
use crate::support::fake_jira::{
    Endpoint, FAKE_EMAIL, FAKE_TOKEN, FakeJira, Fault, Flavor, base64,
};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_clean(text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            !text.contains(s.as_str()),
            "secret `{s}` leaked into:\n{text}"
        );
    }
}

#[tokio::test]
async fn tokens_never_appear_in_logs_debug_or_errors() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Current-thread test runtime: the default subscriber covers every task of this test.
    let _guard = tracing::subscriber::set_default(subscriber);

    let jira = FakeJira::start(Flavor::Cloud).await;
    let secrets = vec![
        FAKE_TOKEN.to_owned(),
        base64(&format!("{FAKE_EMAIL}:{FAKE_TOKEN}")),
        "wrong-secret-xyz".to_owned(),
        base64(&format!("{FAKE_EMAIL}:wrong-secret-xyz")),
    ];

    let cfg = config(&jira);
    let c = JiraClient::new(cfg.clone()).unwrap();
    c.myself().await.unwrap();
    jira.inject(Fault::Status {
        endpoint: Some(Endpoint::BulkCreate),
        status: 429,
        retry_after: Some("0".into()),
        times: 1,
    });
    let out = c
        .create_issues(&[new_issue("A", &["sev1"]), new_issue("bad", &["a b"])])
        .await;
    c.search_by_label("OPS", "sev1", &[]).await.unwrap();
    c.fetch_issues(&[key("OPS-1")]).await.unwrap();
    let mut errors = vec![format!("{out:?}")];

    let mut bad = cfg.clone();
    bad.auth = Auth::Basic {
        email: FAKE_EMAIL.into(),
        token: SecretString::from("wrong-secret-xyz"),
    };
    let bad_client = JiraClient::new(bad.clone()).unwrap();
    let err = bad_client.myself().await.unwrap_err();
    errors.push(err.to_string());
    errors.push(format!("{err:?}"));
    errors.push(format!("{bad:?}"));
    errors.push(format!("{cfg:?}"));
    errors.push(format!("{bad_client:?}"));

    let mut dc = cfg.clone();
    dc.auth = Auth::Bearer {
        token: SecretString::from("wrong-secret-xyz"),
    };
    errors.push(format!("{dc:?}"));
    let err = JiraClient::new(dc)
        .unwrap()
        .project("OPS")
        .await
        .unwrap_err();
    errors.push(format!("{err} {err:?}"));

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("POST /rest/api/3/issue/bulk"),
        "trace logs were captured:\n{logs}"
    );
    assert!(logs.contains("status=429"), "{logs}");
    assert_clean(&logs, &secrets);
    for e in &errors {
        assert_clean(e, &secrets);
    }
    assert!(errors.iter().any(|e| e.contains("[REDACTED]")));
}
