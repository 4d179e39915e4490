//! Every link in the README and the book resolves: relative paths to files that exist, `#anchors`
//! to headings that exist (as GitHub and mdBook name them), links to this repository's files on
//! GitHub (`https://github.com/OWNER/pm-sync/blob/main/PATH`) to files that exist, and every book
//! page is in `SUMMARY.md`. External sites are not fetched (no network in tests).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// This repository as the docs link to it on GitHub; `OWNER` is replaced by whoever publishes it.
const REPO_URL: &str = "https://github.com/OWNER/pm-sync";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One Markdown file's headings (as anchors) and links (with the line they are on).
struct Doc {
    anchors: BTreeSet<String>,
    links: Vec<(usize, String)>,
}

/// A heading's anchor as GitHub and mdBook make it: lower case, letters, digits, `_` and `-`
/// kept, whitespace to `-`, everything else (punctuation, emoji) dropped.
fn slug(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_lowercase().next().unwrap_or(c))
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

fn read_doc(path: &Path) -> Doc {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let mut anchors = BTreeSet::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut links = Vec::new();
    let mut heading: Option<String> = None;
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    for (event, range) in Parser::new_ext(&text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                let base = slug(&heading.take().unwrap_or_default());
                // A repeated heading gets -1, -2, … as on GitHub and in mdBook.
                let n = seen.entry(base.clone()).or_insert(0);
                anchors.insert(if *n == 0 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                });
                *n += 1;
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => {
                links.push((line_of(range.start), dest_url.to_string()))
            }
            _ => {}
        }
    }
    Doc { anchors, links }
}

/// `a/b/../c` → `a/c`, without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The Markdown files checked: the README and every page of the book.
fn doc_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join("docs/src"))
        .expect("docs/src")
        .map(|e| e.expect("docs/src entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    files.extend(pages);
    files
}

#[test]
fn docs_links_resolve_to_files_and_headings_that_exist() {
    let root = root();
    let mut docs: BTreeMap<PathBuf, Doc> = BTreeMap::new();
    for file in doc_files() {
        docs.insert(file.clone(), read_doc(&file));
    }
    let mut broken = Vec::new();
    let mut checked = 0;
    for (file, doc) in &docs {
        for (line, url) in &doc.links {
            let (target, anchor) = match url.split_once('#') {
                Some((t, a)) => (t, Some(a)),
                None => (url.as_str(), None),
            };
            let path = if target.is_empty() {
                file.clone()
            } else if let Some(rest) = target.strip_prefix(REPO_URL) {
                // github.com/OWNER/pm-sync[/blob|tree|edit/main/PATH]: a file of this repository.
                let rest = rest.trim_start_matches('/');
                match rest.split_once("/main/") {
                    Some((kind, p)) if ["blob", "tree", "edit"].contains(&kind) => root.join(p),
                    _ if rest.is_empty() => root.join("README.md"),
                    _ => continue, // releases, issues, …: GitHub pages, not files
                }
            } else if target.contains("://") || target.starts_with("mailto:") {
                continue;
            } else {
                normalize(&file.parent().expect("a folder").join(target))
            };
            checked += 1;
            let here = format!(
                "{}:{line}: {url}",
                file.strip_prefix(&root).unwrap_or(file).display()
            );
            if !path.exists() {
                broken.push(format!("{here}: no such file {}", path.display()));
                continue;
            }
            if let Some(anchor) = anchor.filter(|a| !a.is_empty()) {
                let loaded;
                let target_doc = match docs.get(&path) {
                    Some(d) => d,
                    None if path.extension().is_some_and(|e| e == "md") => {
                        loaded = read_doc(&path);
                        &loaded
                    }
                    None => {
                        broken.push(format!(
                            "{here}: an #anchor into a file that is not Markdown"
                        ));
                        continue;
                    }
                };
                if !target_doc.anchors.contains(anchor) {
                    broken.push(format!(
                        "{here}: no heading #{anchor} in {} (it has: {})",
                        path.strip_prefix(&root).unwrap_or(&path).display(),
                        target_doc
                            .anchors
                            .iter()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "{} broken links:\n{}",
        broken.len(),
        broken.join("\n")
    );
    assert!(
        checked > 50,
        "only {checked} links checked: is the parser finding them?"
    );
}

#[test]
fn every_book_page_is_in_the_summary() {
    let summary = read_doc(&root().join("docs/src/SUMMARY.md"));
    let listed: BTreeSet<&str> = summary.links.iter().map(|(_, l)| l.as_str()).collect();
    let missing: Vec<String> = doc_files()
        .iter()
        .filter(|p| p.starts_with(root().join("docs/src")))
        .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
        .filter(|name| name != "SUMMARY.md" && !listed.contains(name.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "book pages not in docs/src/SUMMARY.md: {missing:?}"
    );
}

#[test]
fn slugs_match_github_and_mdbook() {
    assert_eq!(slug("GitHub Actions"), "github-actions");
    assert_eq!(slug("`dashboard.json`"), "dashboardjson");
    assert_eq!(
        slug("`pm-sync sync REPORT...` — after the post-mortem meeting"),
        "pm-sync-sync-report--after-the-post-mortem-meeting"
    );
    assert_eq!(slug("❌ Post-mortem"), "-post-mortem");
}
