//! `pm-sync items` on a folder: every report in it, as `check` finds them.

use super::fixture;
use crate::support::cli::PmSync;

#[tokio::test(flavor = "multi_thread")]
async fn items_reads_every_report_of_a_folder_and_skips_other_markdown() {
    let pm = PmSync::new();
    pm.write("postmortems/2026/queue.md", fixture("mixed.md"));
    pm.write("postmortems/done.md", fixture("resolved-html.md"));
    pm.write("postmortems/README.md", fixture("notes.md"));

    let out = pm.run(&["items", "postmortems/"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("postmortems/2026/queue.md: "), "{out}");
    assert!(out.stdout.contains("postmortems/done.md: "), "{out}");
    assert!(!out.stdout.contains("README"), "{out}");

    let json = pm.run(&["items", "--format", "json", "postmortems/"]).await;
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(doc.as_array().map(Vec::len), Some(2), "{json}");

    // One file keeps its single object, as before.
    let one = pm
        .run(&["items", "--format", "json", "postmortems/done.md"])
        .await;
    let doc: serde_json::Value = serde_json::from_str(&one.stdout).expect("JSON");
    assert!(doc.is_object(), "{one}");

    let empty = pm.run(&["items", "postmortems/2026/nothing/"]).await;
    assert_ne!(empty.code, 0, "a folder that does not exist: {empty}");
}
