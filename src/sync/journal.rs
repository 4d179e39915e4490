//! A sidecar record of creates in flight, so that a run that dies, or loses a create's
//! response, never files the same item twice.
//!
//! Before a group of creates is sent, its items are written here, durably. After their keys are
//! durably in the report, they are settled; the file is deleted when empty. An entry still
//! present on the next run means "this item may exist in Jira already": the run searches for it
//! (Cloud search lags behind writes) before it would create it again.
//!
//! The file is one JSON object (`about`, `pending`), written atomically when the journal is
//! created, followed by appended events (`{"record": [...]}`, `{"settle": [...]}`), so a
//! group costs one flush of one file rather than a rewrite, a flush and a folder sync. An
//! append torn by a crash was never flushed, so nothing it names was sent: it is ignored, and
//! the next write rewrites the file whole.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::report::disk::{self, FolderSync};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One item whose create was sent but whose key is not yet in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCreate {
    /// The incident date label the issue carries, e.g. `sev1_20200414` (shared by a report's
    /// entries: a run of 100,000 creates journals 100,000 of them).
    #[serde(
        serialize_with = "shared_text::write",
        deserialize_with = "shared_text::read"
    )]
    pub date_label: Arc<str>,
    /// The summary it was created with.
    pub summary: String,
    /// When the create was sent.
    pub sent_at: DateTime<Utc>,
    /// The status a person gave the row before it had a ticket ("Done", `[x]`…): the new
    /// ticket is moved there after its create. Kept until the run that creates it (or the next,
    /// if that one dies first) has tried the move; see [`crate::sync::moves`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub then_move: Option<String>,
    /// The post-mortem's own ticket (`[jira] parent = "create"`), not an item: settled only
    /// by [`crate::sync::parent`], once its key is in the front matter.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub parent: bool,
}

/// `Arc<str>` as a JSON string (serde's own impls need its `rc` feature for one field).
mod shared_text {
    use std::sync::Arc;

    pub(super) fn write<S: serde::Serializer>(text: &Arc<str>, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(text)
    }

    pub(super) fn read<'de, D: serde::Deserializer<'de>>(input: D) -> Result<Arc<str>, D::Error> {
        <String as serde::Deserialize>::deserialize(input).map(Arc::from)
    }
}

/// The journal of one report.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    entries: Vec<PendingCreate>,
    /// Whether the file exists and ends with a whole event, so that events can be appended.
    appendable: bool,
}

/// An event appended after the file's opening object, as read.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Record(Vec<PendingCreate>),
    Settle(Vec<(String, String)>),
}

/// [`Event`] as written: borrowed from the journal, nothing copied (a settle at the end of a
/// 100,000-item sync names 100,000 entries).
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum EventOut<'a> {
    Record(&'a [PendingCreate]),
    Settle(Vec<(&'a str, &'a str)>),
}

#[derive(Deserialize)]
struct JournalFile {
    /// Explains the file to whoever finds it in a working tree.
    #[serde(default)]
    #[allow(dead_code)]
    about: String,
    pending: Vec<PendingCreate>,
}

/// [`JournalFile`] as written.
#[derive(Serialize)]
struct JournalFileOut<'a> {
    about: &'a str,
    pending: &'a [PendingCreate],
}

impl Journal {
    /// The sidecar path for `report`: `.NAME.pm-sync-journal.json` beside the real file
    /// (symlinks resolved, like the lock), so every name of one report shares one journal.
    pub fn path_for(report: &Path) -> PathBuf {
        crate::report::FileHome::new(report).journal_path()
    }

    /// Reads the journal of the report file `report` (empty when there is none).
    pub fn load(report: &Path) -> io::Result<Self> {
        Self::load_at(Self::path_for(report))
    }

    /// Reads the journal kept at `path` (its home's [`crate::home::Home::journal_path`]);
    /// empty when there is none.
    pub fn load_at(path: PathBuf) -> io::Result<Self> {
        // Never blocks: a FIFO or device put where the journal belongs is refused at once.
        let bytes = match disk::read_regular(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok(Self {
                    path,
                    entries: Vec::new(),
                    appendable: false,
                });
            }
            Err(error) => return Err(error),
        };
        let invalid = |error: serde_json::Error| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is not a pm-sync journal ({error}); if no pm-sync run is active, check \
                     Jira for duplicates of its items, then delete it",
                    path.display()
                ),
            )
        };
        let mut stream =
            serde_json::Deserializer::from_slice(&bytes).into_iter::<serde_json::Value>();
        let first = stream
            .next()
            .unwrap_or_else(|| serde_json::from_slice::<serde_json::Value>(&bytes))
            .map_err(invalid)?;
        let file: JournalFile = serde_json::from_value(first).map_err(invalid)?;
        let mut entries = file.pending;
        let mut appendable = true;
        for value in stream {
            let value = match value {
                Ok(value) => value,
                // A torn append: never flushed, so none of its creates was sent.
                Err(error) if error.is_eof() => {
                    appendable = false;
                    break;
                }
                Err(error) => return Err(invalid(error)),
            };
            match serde_json::from_value::<Event>(value).map_err(invalid)? {
                Event::Record(recorded) => entries.extend(recorded),
                Event::Settle(settled) => {
                    remove_each(
                        &mut entries,
                        settled.iter().map(|(l, s)| (l.as_str(), s.as_str())),
                    );
                }
            }
        }
        Ok(Self {
            path,
            entries,
            appendable,
        })
    }

    /// Deletes temporary files an interrupted write of this journal left beside it (a crash
    /// between creating and renaming one). Call only while holding the report's lock.
    pub fn remove_leftovers(&self) -> io::Result<()> {
        let Some(name) = self.path.file_name() else {
            return Ok(());
        };
        let prefix = format!(".{}.", name.to_string_lossy());
        let folder = disk::folder_of(&self.path);
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(error),
        };
        for entry in entries {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with(&prefix)
                && entry.file_type()?.is_file()
            {
                match std::fs::remove_file(entry.path()) {
                    Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Entries still pending.
    pub fn pending(&self) -> &[PendingCreate] {
        &self.entries
    }

    /// Records creates about to be sent; durable before this returns (one file flush when the
    /// journal exists, else an atomic create: a file flush and a folder sync).
    pub fn record(&mut self, entries: impl IntoIterator<Item = PendingCreate>) -> io::Result<()> {
        let entries: Vec<PendingCreate> = entries.into_iter().collect();
        if entries.is_empty() {
            return Ok(());
        }
        if self.appendable {
            let appended = self.append(&EventOut::Record(&entries));
            self.entries.extend(entries);
            appended
        } else {
            self.entries.extend(entries);
            self.write()
        }
    }

    /// Removes one entry per `(date_label, summary)` given: those items now have their key
    /// durably in the report (or are known not to exist). Durable before this returns.
    pub fn settle<'a>(
        &mut self,
        done: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> io::Result<()> {
        let settled = remove_each(&mut self.entries, done);
        if settled.is_empty() {
            return Ok(());
        }
        if self.entries.is_empty() || !self.appendable {
            self.write()
        } else {
            let pairs = settled
                .iter()
                .map(|entry| (&*entry.date_label, entry.summary.as_str()))
                .collect();
            self.append(&EventOut::Settle(pairs))
        }
    }

    /// Appends one event and flushes the file.
    fn append(&mut self, event: &EventOut<'_>) -> io::Result<()> {
        let mut line = serde_json::to_vec(event).map_err(io::Error::other)?;
        line.push(b'\n');
        let mut file = std::fs::OpenOptions::new().append(true).open(&self.path)?;
        let written = file
            .write_all(&crate::redact::bytes(&line))
            .and_then(|()| disk::sync_file(&file, &self.path));
        if written.is_err() {
            // The file may now end in a partial event: rewrite it whole next time.
            self.appendable = false;
        }
        written
    }

    /// Writes the whole journal atomically (or deletes it when empty), durably.
    fn write(&mut self) -> io::Result<()> {
        if self.entries.is_empty() {
            self.appendable = false;
            return match std::fs::remove_file(&self.path) {
                Ok(()) => disk::sync_folder(&disk::folder_of(&self.path)),
                Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(error) => Err(error),
            };
        }
        let file = JournalFileOut {
            about: "pm-sync: creates sent whose keys are not yet in the report. \
                    Deleted automatically once they are.",
            pending: &self.entries,
        };
        let mut bytes = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
        bytes.push(b'\n');
        disk::replace(&self.path, &bytes, FolderSync::Now)?;
        self.appendable = true;
        Ok(())
    }
}

/// Removes one entry per `(label, summary)` (the earliest of equal entries first); returns
/// the removed entries, in the journal's order. One pass over the entries whatever the number
/// settled (removing each from a `Vec` in turn was entries × settled: a 100,000-item sync
/// settles 100,000 entries at its end), and the entries are moved out, not copied.
fn remove_each<'a>(
    entries: &mut Vec<PendingCreate>,
    done: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<PendingCreate> {
    // By label, then summary (a lookup by a pair of borrowed texts would tie their lifetimes).
    let mut wanted: HashMap<&str, HashMap<&str, u32>> = HashMap::new();
    for (label, summary) in done {
        *wanted.entry(label).or_default().entry(summary).or_default() += 1;
    }
    if wanted.is_empty() {
        return Vec::new();
    }
    let removed: Vec<PendingCreate> = entries
        .extract_if(.., |entry| {
            let count = wanted
                .get_mut(&*entry.date_label)
                .and_then(|summaries| summaries.get_mut(entry.summary.as_str()));
            match count {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    true
                }
                _ => false,
            }
        })
        .collect();
    if entries.capacity() > 2 * entries.len() {
        entries.shrink_to_fit();
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(summary: &str) -> PendingCreate {
        PendingCreate {
            parent: false,
            date_label: "sev1_20200414".into(),
            summary: summary.into(),
            sent_at: Utc::now(),
            then_move: None,
        }
    }

    #[test]
    fn survives_a_reload_and_disappears_when_settled() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("pm.md");
        let mut journal = Journal::load(&report).unwrap();
        journal
            .record([entry("a"), entry("a"), entry("b")])
            .unwrap();
        let mut again = Journal::load(&report).unwrap();
        assert_eq!(again.pending().len(), 3);
        again.settle([("sev1_20200414", "a")]).unwrap();
        assert_eq!(Journal::load(&report).unwrap().pending().len(), 2);
        again
            .settle([("sev1_20200414", "a"), ("sev1_20200414", "b")])
            .unwrap();
        assert!(!Journal::path_for(&report).exists());
    }

    #[test]
    fn appended_groups_and_settles_survive_a_reload_and_a_torn_tail_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("pm.md");
        let mut journal = Journal::load(&report).unwrap();
        journal.record([entry("a"), entry("b")]).unwrap();
        journal.record([entry("c")]).unwrap();
        journal.settle([("sev1_20200414", "b")]).unwrap();
        let path = Journal::path_for(&report);
        let mut text = std::fs::read_to_string(&path).unwrap();
        let summaries = |j: &Journal| {
            j.pending()
                .iter()
                .map(|e| e.summary.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(summaries(&Journal::load(&report).unwrap()), ["a", "c"]);

        // A crash mid-append leaves half an event: ignored, and the next write starts afresh.
        text.push_str("{\"record\":[{\"date_label\":\"sev1_2020");
        std::fs::write(&path, &text).unwrap();
        let mut torn = Journal::load(&report).unwrap();
        assert_eq!(summaries(&torn), ["a", "c"]);
        torn.record([entry("d")]).unwrap();
        assert_eq!(summaries(&Journal::load(&report).unwrap()), ["a", "c", "d"]);
    }

    #[test]
    fn settling_removes_the_earliest_equal_entries_once_each() {
        let mut entries = vec![entry("a"), entry("b"), entry("a"), entry("c")];
        entries[2].then_move = Some("Done".into());
        let removed = remove_each(
            &mut entries,
            [
                ("sev1_20200414", "a"),
                ("sev1_20200414", "x"),
                ("sev1_20200414", "c"),
                ("sev1_20200414", "c"),
            ],
        );
        let removed: Vec<(&str, &str)> = removed
            .iter()
            .map(|e| (&*e.date_label, e.summary.as_str()))
            .collect();
        assert_eq!(removed, [("sev1_20200414", "a"), ("sev1_20200414", "c")]);
        let left: Vec<(&str, Option<&str>)> = entries
            .iter()
            .map(|e| (e.summary.as_str(), e.then_move.as_deref()))
            .collect();
        assert_eq!(left, [("b", None), ("a", Some("Done"))]);
    }

    #[test]
    fn leftover_temporary_files_of_the_journal_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("pm.md");
        std::fs::write(&report, "x").unwrap();
        let left = dir.path().join("..pm.md.pm-sync-journal.json.Ab12Cd");
        std::fs::write(&left, "{").unwrap();
        let other = dir.path().join(".pm.md.pm-sync.1-0.tmp");
        std::fs::write(&other, "keep: not the journal's").unwrap();
        Journal::load(&report).unwrap().remove_leftovers().unwrap();
        assert!(!left.exists());
        assert!(other.exists());
        assert!(report.exists());
    }
}
