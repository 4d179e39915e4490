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
    /// The summary it was created with (shared with the run's plan).
    #[serde(
        serialize_with = "shared_text::write",
        deserialize_with = "shared_text::read"
    )]
    pub summary: Arc<str>,
    /// When the create was sent.
    pub sent_at: DateTime<Utc>,
    /// The status a person gave the row before it had a ticket ("Done", `[x]`…): the new
    /// ticket is moved there after its create. Kept until the run that creates it (or the next,
    /// if that one dies first) has tried the move; see [`crate::sync::moves`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub then_move: Option<Box<str>>,
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
    Settle(Settled<'a>),
}

/// The entries marked settled, written as `[label, summary]` pairs straight from the journal.
struct Settled<'a> {
    entries: &'a [PendingCreate],
    marked: &'a [bool],
}

impl Serialize for Settled<'_> {
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        out.collect_seq(
            self.entries
                .iter()
                .zip(self.marked)
                .filter(|(_, marked)| **marked)
                .map(|(entry, _)| (&*entry.date_label, &*entry.summary)),
        )
    }
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
                    let mut marked = vec![false; entries.len()];
                    mark_each(
                        &entries,
                        &mut marked,
                        settled.iter().map(|(l, s)| (l.as_str(), s.as_str())),
                    );
                    remove_marked(&mut entries, &marked);
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
    /// journal exists, else an atomic create: a file flush and a folder sync). Returns their
    /// places, by which [`Journal::settle`] can name them (valid until then).
    pub fn record(
        &mut self,
        entries: impl IntoIterator<Item = PendingCreate>,
    ) -> io::Result<std::ops::Range<usize>> {
        let entries: Vec<PendingCreate> = entries.into_iter().collect();
        let places = self.entries.len()..self.entries.len() + entries.len();
        if entries.is_empty() {
            return Ok(places);
        }
        let written = if self.appendable {
            let appended = self.append(&EventOut::Record(&entries));
            self.entries.extend(entries);
            appended
        } else {
            self.entries.extend(entries);
            self.write()
        };
        written.map(|()| places)
    }

    /// Removes the entries at `places` (from [`Journal::record`]) and one entry per
    /// `(date_label, summary)` of `done` (the earliest of equal ones not already removed):
    /// those items now have their key durably in the report (or are known not to exist).
    /// Durable before this returns. One pass whatever the number settled, nothing copied: a
    /// 100,000-item sync settles 100,000 entries at its end, by place.
    pub fn settle<'a>(
        &mut self,
        done: impl IntoIterator<Item = (&'a str, &'a str)>,
        places: impl IntoIterator<Item = usize>,
    ) -> io::Result<()> {
        let mut marked = vec![false; self.entries.len()];
        for place in places {
            if let Some(mark) = marked.get_mut(place) {
                *mark = true;
            }
        }
        mark_each(&self.entries, &mut marked, done);
        let settled = marked.iter().filter(|mark| **mark).count();
        if settled == 0 {
            return Ok(());
        }
        // A settle event names entries by (label, summary), and reading it back removes the
        // earliest such entry: when an earlier one of the same pair stays (it owes a status
        // move, or an earlier run's create is still held), the event would remove that one
        // instead, so the journal is written whole.
        let by_pair = out_of_order(&self.entries, &marked);
        let written = if settled < self.entries.len() && self.appendable && !by_pair {
            let event = EventOut::Settle(Settled {
                entries: &self.entries,
                marked: &marked,
            });
            let appended = append_to(&self.path, &event);
            // On failure the file may end in a partial event: rewritten whole below.
            self.appendable &= appended.is_ok();
            appended
        } else {
            Ok(())
        };
        remove_marked(&mut self.entries, &marked);
        if self.entries.is_empty() || !self.appendable || by_pair {
            return written.and_then(|()| self.write());
        }
        written
    }

    /// Appends one event and flushes the file.
    fn append(&mut self, event: &EventOut<'_>) -> io::Result<()> {
        let appended = append_to(&self.path, event);
        if appended.is_err() {
            // The file may now end in a partial event: rewrite it whole next time.
            self.appendable = false;
        }
        appended
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

/// Appends one event to the journal at `path` and flushes the file.
fn append_to(path: &Path, event: &EventOut<'_>) -> io::Result<()> {
    let mut line = serde_json::to_vec(event).map_err(io::Error::other)?;
    line.push(b'\n');
    let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
    file.write_all(&crate::redact::bytes(&line))
        .and_then(|()| disk::sync_file(&file, path))
}

/// Marks one entry per `(label, summary)` of `done`: the earliest of equal entries not
/// marked yet. A map of what is wanted, then one pass over the entries (marking each in turn
/// was entries × settled).
fn mark_each<'a>(
    entries: &[PendingCreate],
    marked: &mut [bool],
    done: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    // By label, then summary (a lookup by a pair of borrowed texts would tie their lifetimes).
    let mut wanted: HashMap<&str, HashMap<&str, u32>> = HashMap::new();
    for (label, summary) in done {
        *wanted.entry(label).or_default().entry(summary).or_default() += 1;
    }
    if wanted.is_empty() {
        return;
    }
    for (entry, mark) in entries.iter().zip(marked.iter_mut()) {
        if *mark {
            continue;
        }
        let count = wanted
            .get_mut(&*entry.date_label)
            .and_then(|summaries| summaries.get_mut(&*entry.summary));
        if let Some(count) = count.filter(|count| **count > 0) {
            *count -= 1;
            *mark = true;
        }
    }
}

/// Whether a marked entry comes after an unmarked one with the same label and summary: a
/// settle event read back would then remove the unmarked one (see [`mark_each`]).
fn out_of_order(entries: &[PendingCreate], marked: &[bool]) -> bool {
    let mut staying: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
    for (entry, marked) in entries.iter().zip(marked) {
        let pair = (&*entry.date_label, &*entry.summary);
        if !*marked {
            staying.insert(pair);
        } else if staying.contains(&pair) {
            return true;
        }
    }
    false
}

/// Removes the marked entries, in place.
fn remove_marked(entries: &mut Vec<PendingCreate>, marked: &[bool]) {
    let mut place = 0;
    entries.retain(|_| {
        let keep = !marked.get(place).copied().unwrap_or(false);
        place += 1;
        keep
    });
    if entries.capacity() > 2 * entries.len() {
        entries.shrink_to_fit();
    }
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
    fn settling_a_later_entry_of_two_alike_by_place_keeps_the_earlier_after_a_reload() {
        // Two items with one text: the earlier entry owes a status move and stays, the later
        // is settled by its place. A settle event names entries by label and summary, and read
        // back would take the earlier one (and its move) instead: the journal is written whole.
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("pm.md");
        let mut journal = Journal::load(&report).unwrap();
        let owes = PendingCreate {
            then_move: Some("Done".into()),
            ..entry("Same words")
        };
        journal.record([owes]).unwrap();
        let later = journal
            .record([entry("Same words"), entry("Other")])
            .unwrap();
        journal.settle(std::iter::empty(), [later.start]).unwrap();
        let moves = |journal: &Journal| -> Vec<Option<String>> {
            journal
                .pending()
                .iter()
                .map(|e| e.then_move.as_deref().map(str::to_owned))
                .collect()
        };
        assert_eq!(moves(&journal), [Some("Done".to_owned()), None]);
        let again = Journal::load(&report).unwrap();
        assert_eq!(moves(&again), moves(&journal), "read back as held");
        assert_eq!(again.pending()[1].summary.as_ref(), "Other");
        // Settling the earlier of two alike appends, as before, and reads back the same.
        let mut journal = again;
        journal.record([entry("Twice"), entry("Twice")]).unwrap();
        journal.settle(std::iter::empty(), [2]).unwrap();
        let again = Journal::load(&report).unwrap();
        let summaries = |j: &Journal| -> Vec<String> {
            j.pending().iter().map(|e| e.summary.to_string()).collect()
        };
        assert_eq!(summaries(&again), summaries(&journal));
        assert_eq!(summaries(&again), ["Same words", "Other", "Twice"]);
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
        again.settle([("sev1_20200414", "a")], []).unwrap();
        assert_eq!(Journal::load(&report).unwrap().pending().len(), 2);
        again
            .settle([("sev1_20200414", "a"), ("sev1_20200414", "b")], [])
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
        journal.settle([("sev1_20200414", "b")], []).unwrap();
        let path = Journal::path_for(&report);
        let mut text = std::fs::read_to_string(&path).unwrap();
        let summaries = |j: &Journal| {
            j.pending()
                .iter()
                .map(|e| e.summary.to_string())
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
    fn settling_removes_the_earliest_equal_entries_once_each_and_entries_by_place() {
        let mut entries = vec![entry("a"), entry("b"), entry("a"), entry("c"), entry("a")];
        entries[2].then_move = Some("Done".into());
        let mut marked = vec![false; entries.len()];
        // By place first (the first "a"), then by content: the next "a" is the third entry.
        marked[0] = true;
        mark_each(
            &entries,
            &mut marked,
            [
                ("sev1_20200414", "a"),
                ("sev1_20200414", "x"),
                ("sev1_20200414", "c"),
                ("sev1_20200414", "c"),
            ],
        );
        assert_eq!(marked, [true, false, true, true, false]);
        remove_marked(&mut entries, &marked);
        let left: Vec<(&str, Option<&str>)> = entries
            .iter()
            .map(|e| (&*e.summary, e.then_move.as_deref()))
            .collect();
        assert_eq!(left, [("b", None), ("a", None)]);
    }

    #[test]
    fn entries_settled_by_place_are_written_as_their_pairs_and_survive_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("pm.md");
        let mut journal = Journal::load(&report).unwrap();
        let first = journal.record([entry("a"), entry("b")]).unwrap();
        let second = journal.record([entry("c"), entry("d")]).unwrap();
        assert_eq!((first, second.clone()), (0..2, 2..4));
        journal.settle([], second).unwrap();
        let summaries: Vec<String> = Journal::load(&report)
            .unwrap()
            .pending()
            .iter()
            .map(|e| e.summary.to_string())
            .collect();
        assert_eq!(summaries, ["a", "b"]);
        journal.settle([("sev1_20200414", "b")], [0]).unwrap();
        assert!(!Journal::path_for(&report).exists());
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
