//! The page's structure: every post-mortem and every open item appears, links point where they
//! should, nothing is loaded from the network, values are escaped, bad `--out` is exit 2.

use std::collections::BTreeMap;
use std::path::Path;

use html5gum::{Token, Tokenizer};

use super::{dashboard, keep_for_browser, quickstart};
use crate::support::cli::PmSync;
use crate::support::fake_jira::Flavor;

/// A start tag of the page: name and attributes.
pub struct Tag {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
}

/// Every start tag of `html`, and the text inside `<style>`.
pub fn tags(html: &str) -> (Vec<Tag>, String) {
    let mut tags = Vec::new();
    let mut style = String::new();
    let mut in_style = false;
    for token in Tokenizer::new(html).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).into_owned();
                in_style = name == "style";
                tags.push(Tag {
                    name,
                    attrs: tag
                        .attributes
                        .iter()
                        .map(|(k, v)| {
                            (
                                String::from_utf8_lossy(k).into_owned(),
                                String::from_utf8_lossy(v).into_owned(),
                            )
                        })
                        .collect(),
                });
            }
            Token::EndTag(_) => in_style = false,
            Token::String(text) if in_style => style.push_str(&String::from_utf8_lossy(&text)),
            _ => {}
        }
    }
    (tags, style)
}

/// Fails if the page would load anything: only `<a href>` may point elsewhere (a click, not a
/// load), and then only to `allowed_prefix` (Jira) or a relative path.
pub fn assert_loads_nothing(html: &str, allowed_prefix: &str) {
    let (tags, style) = tags(html);
    for tag in &tags {
        assert!(
            !matches!(
                tag.name.as_str(),
                "link"
                    | "img"
                    | "iframe"
                    | "object"
                    | "embed"
                    | "image"
                    | "use"
                    | "source"
                    | "video"
                    | "audio"
            ),
            "the page has a <{}> element",
            tag.name
        );
        for (name, value) in &tag.attrs {
            let loads = matches!(
                name.as_str(),
                "src" | "srcset" | "data" | "poster" | "action" | "xlink:href" | "background"
            );
            assert!(
                !loads,
                "<{} {name}={value:?}> would load something",
                tag.name
            );
            if name == "href" && tag.name != "a" {
                panic!("<{} href={value:?}> outside a link", tag.name);
            }
            if name == "href" {
                let external = value.contains("://") || value.starts_with("//");
                assert!(
                    !external || value.starts_with(allowed_prefix),
                    "a link to {value:?} (only Jira links may leave the site)"
                );
            }
            if name == "style" {
                assert!(!value.contains("url("), "inline style loads: {value:?}");
            }
        }
    }
    assert!(!style.contains("url(") && !style.contains("@import") && !style.contains("@font-face"));
    let csp = tags
        .iter()
        .find(|t| {
            t.attrs
                .get("http-equiv")
                .is_some_and(|v| v.eq_ignore_ascii_case("content-security-policy"))
        })
        .expect("a Content-Security-Policy");
    assert!(csp.attrs["content"].starts_with("default-src 'none'"));
}

/// Rows of the table with this id: (attributes of the `<tr>`, hrefs inside it).
pub fn rows(html: &str, table_id: &str) -> Vec<(BTreeMap<String, String>, Vec<String>)> {
    let (tags, _) = tags(html);
    let mut out: Vec<(BTreeMap<String, String>, Vec<String>)> = Vec::new();
    let mut inside = false;
    let mut in_body = false;
    for tag in tags {
        match tag.name.as_str() {
            "table" => {
                inside = tag.attrs.get("id").is_some_and(|id| id == table_id);
                in_body = false;
            }
            // The tables are the last thing in their sections.
            "section" | "footer" => inside = false,
            "tbody" if inside => in_body = true,
            "tr" if inside && in_body => out.push((tag.attrs, Vec::new())),
            "a" if inside && in_body => {
                if let (Some(row), Some(href)) = (out.last_mut(), tag.attrs.get("href")) {
                    row.1.push(href.clone());
                }
            }
            _ => {}
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_quickstart_site_shows_every_item_with_the_right_links() {
    let (jira, pm) = quickstart(Flavor::DataCenter).await;

    let out = dashboard(&pm, &["postmortems", "--out", "site"]).await;

    assert!(out.stdout.contains("wrote site/index.html"), "{out}");
    let html = pm.read("site/index.html");
    assert_loads_nothing(&html, &jira.url());
    // The post-mortem, linked relative to the site so the link works from file:// too.
    let report = "../postmortems/2020-04-14-notification-delays.md";
    assert!(pm.dir().join("site").join(report).is_file());
    let pms = rows(&html, "pm-table");
    assert_eq!(pms.len(), 1);
    assert_eq!(pms[0].1, vec![report.to_owned()]);
    // OPS-2 (overdue: due 2020-06-30) and OPS-3 (not due yet, but 92 days past the incident,
    // which has no bearing: its due date decides) are open; OPS-1 is done, OPS-4 waived.
    let open = rows(&html, "open-table");
    let keys: Vec<&str> = open
        .iter()
        .map(|(_, links)| links[0].rsplit('/').next().unwrap())
        .collect();
    assert_eq!(keys, ["OPS-2", "OPS-3"]);
    for (attrs, links) in &open {
        assert!(
            links[0].starts_with(&format!("{}/browse/OPS-", jira.url())),
            "{links:?}"
        );
        assert_eq!(links[1], report);
        assert_eq!(attrs["data-state"], "unresolved");
    }
    assert!(open[0].0.contains_key("data-overdue") && !open[1].0.contains_key("data-overdue"));
    assert!(html.contains("Li Wei") && html.contains("2020-06-30"));
    assert!(
        !html.contains("Mara Ortiz"),
        "closed items are not in the drill-down"
    );
    // The charts have text alternatives.
    for chart in [
        "chart-over-time",
        "chart-age",
        "chart-per-pm",
        "chart-resolve",
    ] {
        assert!(
            html.contains(&format!("aria-labelledby=\"{chart}-title {chart}-desc\"")),
            "{chart}"
        );
    }
    keep_for_browser(&pm, "quickstart");
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_needs_no_config_and_says_what_it_cannot_show() {
    let pm = PmSync::new();
    pm.write("pm/a.md", include_str!("../../examples/postmortem.md"));

    let out = pm
        .run(&[
            "dashboard",
            "--offline",
            "pm",
            "--out",
            "site",
            "--as-of",
            "2020-05-01",
        ])
        .await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(
        out.stdout,
        "dashboard: 4 action items in 1 post-mortem: 0 resolved, 0 waived, 0 open, 4 without a ticket, 0 missing; 0 overdue\n\
         wrote site/index.html\nwrote site/dashboard.json\n"
    );
    let html = pm.read("site/index.html");
    assert_loads_nothing(&html, "-");
    assert!(html.contains("statuses as written in the reports (offline)"));
    assert!(
        html.contains("Needs the tickets&#39; created and resolution dates from Jira")
            || html.contains("Needs the tickets' created and resolution dates from Jira")
    );
    assert_eq!(rows(&html, "open-table").len(), 4);
    // Without --offline and without config it is a config error, before any file is written.
    let live = pm.run(&["dashboard", "pm", "--out", "other"]).await;
    assert_eq!(live.code, 2, "{live}");
    assert!(!pm.dir().join("other").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn text_from_reports_and_jira_is_escaped() {
    let pm = PmSync::new();
    pm.write(
        "pm/x.md",
        "---\ntitle: \"<script>alert('t')</script>\"\ndate: 2026-01-02\n---\n## Action Items\n\n\
         | Action Item | Owner | Status |\n|---|---|---|\n\
         | Fix `<img src=x onerror=alert(1)>` & more | <b>eve</b> | To Do |\n",
    );

    let out = pm
        .run(&[
            "dashboard",
            "--offline",
            "pm",
            "--out",
            "site",
            "--as-of",
            "2026-02-01",
        ])
        .await;

    assert_eq!(out.code, 0, "{out}");
    let html = pm.read("site/index.html");
    assert_loads_nothing(&html, "-");
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img"));
    assert!(
        html.contains("&lt;script&gt;alert('t')&lt;/script&gt;")
            || html.contains("&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;"),
        "{html}"
    );
}

/// A symbolic link where the page goes is replaced by a page that is not world-writable (a
/// link's own mode is 0777, and the page used to take it).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_link_in_place_of_the_page_is_replaced_by_a_page_nobody_else_may_write() {
    use std::os::unix::fs::PermissionsExt;
    let pm = PmSync::new();
    pm.write("pm/a.md", include_str!("../../examples/postmortem.md"));
    pm.write("elsewhere.html", "not the dashboard");
    std::fs::create_dir(pm.dir().join("site")).expect("site folder");
    std::os::unix::fs::symlink(
        pm.dir().join("elsewhere.html"),
        pm.dir().join("site/index.html"),
    )
    .expect("link");

    let out = pm
        .run(&["dashboard", "--offline", "pm", "--out", "site"])
        .await;

    assert_eq!(out.code, 0, "{out}");
    let page = std::fs::symlink_metadata(pm.dir().join("site/index.html")).expect("page");
    assert!(
        page.file_type().is_file(),
        "the link is replaced by the page"
    );
    assert_eq!(
        page.permissions().mode() & 0o022,
        0,
        "mode {:o}",
        page.permissions().mode()
    );
    assert_eq!(pm.read("elsewhere.html"), "not the dashboard");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_out_folder_that_cannot_be_made_is_exit_2() {
    let pm = PmSync::new();
    pm.write("pm/a.md", include_str!("../../examples/postmortem.md"));
    pm.write("taken", "a file, not a folder");

    let out = pm
        .run(&["dashboard", "--offline", "pm", "--out", "taken"])
        .await;

    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr.contains("cannot write the dashboard to taken"),
        "{out}"
    );
    assert_eq!(pm.read("taken"), "a file, not a folder");
    assert!(Path::new(&pm.dir().join("taken")).is_file());
}

#[tokio::test(flavor = "multi_thread")]
async fn since_keeps_the_period_and_counts_what_it_left_out() {
    let pm = PmSync::new();
    let report = |date: &str, item: &str| {
        format!(
            "---\n{date}\n---\n## Action Items\n\n| Action Item | Status |\n|---|---|\n| {item} | |\n"
        )
    };
    pm.write("pm/old.md", report("date: 2026-01-05", "Old item"));
    pm.write("pm/new.md", report("date: 2026-03-01", "New item"));
    pm.write("pm/undated.md", report("title: no date", "Undated item"));

    let out = pm
        .run(&[
            "dashboard",
            "--offline",
            "pm",
            "--since",
            "2026-02-01",
            "--as-of",
            "2026-03-10",
            "--out",
            "site",
        ])
        .await;

    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout
            .starts_with("dashboard: 1 action item in 1 post-mortem:"),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("note: 1 post-mortem without an incident date left out by --since"),
        "{out}"
    );
    let html = pm.read("site/index.html");
    assert!(
        html.contains("New item") && !html.contains("Old item") && !html.contains("Undated item")
    );
    assert!(html.contains("post-mortems since 2026-02-01"));
}
