//! A dry run's edits kept as compact bytes, to be planned again when its diff is shown: a
//! preview of 100,000 rows holds each row's key, status and cells (~15 bytes a created row)
//! instead of its new text (the row, its link and its status: three times a short row).
//!
//! Each logged call of [`super::Report::plan_edits`] is its edits in order, each a tag, a row
//! and its strings, lengths and rows as LEB128 numbers. A row is written as its distance from
//! the row of the edit logged before it (most are the same row or the next: one byte). A
//! link's URL is written only when it is not the log's browse prefix followed by the key (it
//! always is for pm-sync's own links); a status only when it is not the status logged before
//! it (a run's new tickets mostly share one).

use super::model::Edit;

/// Edits as logged, replayed in the order they were logged by [`EditLog::calls`].
#[derive(Debug, Clone, Default)]
pub(crate) struct EditLog {
    bytes: Vec<u8>,
    /// What comes before the key in the first link's URL (`https://x/browse/`).
    url_prefix: Option<String>,
    /// The row of the edit logged last.
    last_row: usize,
    /// The status logged last.
    last_status: String,
}

const LINK: u8 = 0;
/// A link whose URL is the prefix and the key.
const LINK_PREFIXED: u8 = 1;
const STATUS: u8 = 2;
const CELL: u8 = 3;
/// A status that is the one logged before it.
const STATUS_AGAIN: u8 = 4;

impl EditLog {
    /// Logs one call's edits.
    pub(crate) fn push(&mut self, edits: &[Edit]) {
        let start = self.bytes.len();
        let mut out = std::mem::take(&mut self.bytes);
        number(&mut out, edits.len());
        for edit in edits {
            match edit {
                Edit::Link { row, key, url } => {
                    let prefix = self.url_prefix.get_or_insert_with(|| {
                        url.strip_suffix(key.as_str()).unwrap_or(url).to_owned()
                    });
                    let prefixed = url.strip_suffix(key.as_str()) == Some(prefix.as_str());
                    out.push(if prefixed { LINK_PREFIXED } else { LINK });
                    row_number(&mut out, &mut self.last_row, *row);
                    text(&mut out, key);
                    if !prefixed {
                        text(&mut out, url);
                    }
                }
                Edit::Status { row, status } if *status == self.last_status => {
                    out.push(STATUS_AGAIN);
                    row_number(&mut out, &mut self.last_row, *row);
                }
                Edit::Status { row, status } => {
                    out.push(STATUS);
                    row_number(&mut out, &mut self.last_row, *row);
                    text(&mut out, status);
                    status.clone_into(&mut self.last_status);
                }
                Edit::Cell { row, column, value } => {
                    out.push(CELL);
                    row_number(&mut out, &mut self.last_row, *row);
                    text(&mut out, column);
                    text(&mut out, value);
                }
            }
        }
        // Grown an eighth at a time, exactly: a doubled buffer would hold up to twice the log.
        let added = out.len() - start;
        self.bytes = out;
        if self.bytes.capacity() - self.bytes.len() < added {
            self.bytes.reserve_exact(added.max(self.bytes.len() / 8));
        }
    }

    /// Lets the spare room go.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
    }

    /// Each logged call's edits, in the order logged.
    pub(crate) fn calls(&self) -> impl Iterator<Item = Vec<Edit>> + '_ {
        let mut read = Reader {
            bytes: &self.bytes,
            at: 0,
            last_row: 0,
            last_status: String::new(),
        };
        std::iter::from_fn(move || {
            if read.at >= read.bytes.len() {
                return None;
            }
            let count = read.number();
            let edits = (0..count)
                .map(|_| {
                    let tag = read.byte();
                    let row = read.row();
                    match tag {
                        LINK | LINK_PREFIXED => {
                            let key = read.text();
                            let url = if tag == LINK {
                                read.text()
                            } else {
                                format!("{}{key}", self.url_prefix.as_deref().unwrap_or(""))
                            };
                            Edit::Link { row, key, url }
                        }
                        STATUS => {
                            let status = read.text();
                            status.clone_into(&mut read.last_status);
                            Edit::Status { row, status }
                        }
                        STATUS_AGAIN => Edit::Status {
                            row,
                            status: read.last_status.clone(),
                        },
                        _ => Edit::Cell {
                            row,
                            column: read.text(),
                            value: read.text(),
                        },
                    }
                })
                .collect();
            Some(edits)
        })
    }
}

/// Writes `row` as its distance from `last` (zigzag: a row before it is a small number too),
/// and makes it the last.
fn row_number(out: &mut Vec<u8>, last: &mut usize, row: usize) {
    let distance = if row >= *last {
        (row - *last) << 1
    } else {
        ((*last - row) << 1) - 1
    };
    number(out, distance);
    *last = row;
}

/// Writes `n` as LEB128.
fn number(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Writes `s` as its length and its bytes.
fn text(out: &mut Vec<u8>, s: &str) {
    number(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Reads what [`number`], [`row_number`] and [`text`] wrote (the log's own bytes: never
/// malformed).
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    last_row: usize,
    last_status: String,
}

impl Reader<'_> {
    /// A row written by [`row_number`].
    fn row(&mut self) -> usize {
        let distance = self.number();
        self.last_row = if distance & 1 == 0 {
            self.last_row + (distance >> 1)
        } else {
            self.last_row - ((distance + 1) >> 1)
        };
        self.last_row
    }

    fn byte(&mut self) -> u8 {
        let b = self.bytes[self.at];
        self.at += 1;
        b
    }

    fn number(&mut self) -> usize {
        let (mut n, mut shift) = (0usize, 0);
        loop {
            let b = self.byte();
            n |= usize::from(b & 0x7f) << shift;
            if b < 0x80 {
                return n;
            }
            shift += 7;
        }
    }

    fn text(&mut self) -> String {
        let len = self.number();
        let s = String::from_utf8_lossy(&self.bytes[self.at..self.at + len]).into_owned();
        self.at += len;
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_come_back_as_they_were_logged() {
        let calls = vec![
            vec![
                Edit::Link {
                    row: 1,
                    key: "OPS-1".into(),
                    url: "https://x/browse/OPS-1".into(),
                },
                Edit::Status {
                    row: 1,
                    status: "In Progress".into(),
                },
            ],
            vec![],
            vec![
                Edit::Link {
                    row: 300,
                    key: "OPS-22".into(),
                    url: "https://elsewhere/OPS-22?x".into(),
                },
                Edit::Cell {
                    row: 300,
                    column: "Owner".into(),
                    value: "Zoë | \u{1F600}".into(),
                },
                Edit::Link {
                    row: 1 << 40,
                    key: "OPS-3".into(),
                    url: "https://x/browse/OPS-3".into(),
                },
            ],
        ];
        let mut log = EditLog::default();
        assert!(log.bytes.is_empty());
        for call in &calls {
            log.push(call);
        }
        assert_eq!(log.calls().collect::<Vec<_>>(), calls);
        // The common link costs its key, not its URL.
        let mut short = EditLog::default();
        short.push(&calls[0][..1]);
        short.push(&calls[2][2..]);
        // (Per call: a count, a tag, the row, the key's length, the key: 5 + 9 bytes.)
        assert_eq!(short.bytes.len(), (4 + 5) + (4 + 5 + 5));
    }

    #[test]
    fn rows_back_and_forth_and_repeated_statuses_come_back_and_cost_little() {
        let created = |row: usize, status: &str| {
            vec![
                Edit::Link {
                    row,
                    key: format!("OPS-{row}"),
                    url: format!("https://x/browse/OPS-{row}"),
                },
                Edit::Status {
                    row,
                    status: status.into(),
                },
            ]
        };
        let mut calls: Vec<Vec<Edit>> = (1..=1000).map(|row| created(row, "To Do")).collect();
        // A row before the last, a new status, then the first one again.
        calls.push(created(7, "In Progress"));
        calls.push(created(2000, "To Do"));
        calls.push(vec![Edit::Status {
            row: 0,
            status: "To Do".into(),
        }]);
        let mut log = EditLog::default();
        for call in &calls {
            log.push(call);
        }
        assert_eq!(log.calls().collect::<Vec<_>>(), calls);
        // A created row: a count, a tag, a row and the key (8 bytes for OPS-1000: a length
        // and the key), then a tag and a row: its status is the one before.
        let mut one = EditLog::default();
        one.push(&created(999, "To Do"));
        let before = one.bytes.len();
        one.push(&created(1000, "To Do"));
        assert_eq!(one.bytes.len() - before, 1 + (1 + 1 + 1 + 8) + (1 + 1));
    }
}
