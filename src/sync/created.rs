//! The tickets a sync run created, by row, kept small: a run of 100,000 creates holds one of
//! these per create until its statuses, moves and cell records are done.

use crate::jira::model::IssueKey;
use crate::sync::plan::ItemAt;

/// The keys a run created, each as its row and its number (12 bytes); the project, which
/// every created key shares in practice, is kept once. A key of another project (or written
/// with a leading zero, or numbered past `u32::MAX`), or of a row past `u32::MAX`, is kept
/// whole.
#[derive(Debug, Default)]
pub struct CreatedKeys {
    project: String,
    numbered: Vec<Numbered>,
    others: Vec<(ItemAt, IssueKey)>,
}

/// A created key of the run's project: its row and its number.
#[derive(Debug, Clone, Copy)]
struct Numbered {
    report: u32,
    row: u32,
    number: u32,
}

impl Numbered {
    fn at(&self) -> ItemAt {
        ItemAt::new(self.report as usize, self.row as usize)
    }
}

impl CreatedKeys {
    /// Records that the row at `at` got `key`.
    pub fn push(&mut self, at: ItemAt, key: IssueKey) {
        if self.project.is_empty() && self.numbered.is_empty() {
            self.project = key.project().to_owned();
        }
        let number = key
            .as_str()
            .strip_prefix(self.project.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .filter(|digits| !digits.starts_with('0'))
            .and_then(|digits| digits.parse::<u32>().ok());
        let place = u32::try_from(at.report)
            .ok()
            .zip(u32::try_from(at.row).ok());
        match (number, place) {
            (Some(number), Some((report, row))) => {
                // Grown by an eighth as keys arrive: room for the whole run, taken at its
                // start, was held beside its plan; a doubled list is half empty.
                crate::freeing::push_gently(
                    &mut self.numbered,
                    Numbered {
                        report,
                        row,
                        number,
                    },
                );
            }
            _ => self.others.push((at, key)),
        }
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.numbered.len() + self.others.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows that got a key.
    pub fn rows(&self) -> impl Iterator<Item = ItemAt> + '_ {
        let numbered = self.numbered.iter().map(Numbered::at);
        numbered.chain(self.others.iter().map(|(at, _)| *at))
    }

    /// Puts the keys in order of place (report, then row), where they are: creates answer
    /// in that order, so this is most often a check.
    pub fn sort(&mut self) {
        if !self.numbered.is_sorted_by_key(Numbered::at) {
            self.numbered.sort_unstable_by_key(Numbered::at);
        }
        if !self.others.is_sorted_by_key(|(at, _)| *at) {
            self.others.sort_unstable_by_key(|(at, _)| *at);
        }
    }

    /// The rows of report `report` with their keys, in order of row once [`CreatedKeys::sort`]
    /// has put them in order (each key made as it is read).
    pub fn of_report(&self, report: usize) -> impl Iterator<Item = (usize, IssueKey)> + '_ {
        let numbered = self
            .numbered
            .iter()
            .filter(move |numbered| numbered.report as usize == report)
            .filter_map(|numbered| {
                IssueKey::parse(&format!("{}-{}", self.project, numbered.number))
                    .map(|key| (numbered.row as usize, key))
            });
        let others = self
            .others
            .iter()
            .filter(move |(at, _)| at.report == report)
            .map(|(at, key)| (at.row, key.clone()));
        merge_by_row(numbered, others)
    }

    /// Every row with its key (each key made as it is read).
    pub fn iter(&self) -> impl Iterator<Item = (ItemAt, IssueKey)> + '_ {
        let numbered = self.numbered.iter().filter_map(|numbered| {
            IssueKey::parse(&format!("{}-{}", self.project, numbered.number))
                .map(|key| (numbered.at(), key))
        });
        numbered.chain(self.others.iter().cloned())
    }
}

/// Two lists in order of row, merged in order of row.
fn merge_by_row<T>(
    a: impl Iterator<Item = (usize, T)>,
    b: impl Iterator<Item = (usize, T)>,
) -> impl Iterator<Item = (usize, T)> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some((x, _)), Some((y, _))) if y < x => b.next(),
        (Some(_), _) => a.next(),
        (None, _) => b.next(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_back_as_they_went_in_whatever_their_project_or_digits() {
        let mut created = CreatedKeys::default();
        let written = [
            "OPS-12",
            "OPS-9",
            "SEC-4",
            "OPS-007",
            "OPS-18446744073709551616",
            "OPS-4294967296",
            "OPS-4294967295",
        ];
        for (row, key) in written.iter().enumerate() {
            created.push(ItemAt::new(0, row + 1), IssueKey::parse(key).unwrap());
        }
        assert_eq!(created.len(), 7);
        let mut back: Vec<(usize, String)> = created
            .iter()
            .map(|(at, key)| (at.row, key.to_string()))
            .collect();
        back.sort();
        let expected: Vec<(usize, String)> = written
            .iter()
            .enumerate()
            .map(|(row, key)| (row + 1, key.to_string()))
            .collect();
        assert_eq!(back, expected);
        assert_eq!(created.rows().count(), 7);
        assert_eq!(std::mem::size_of::<Numbered>(), 12);
    }
}
