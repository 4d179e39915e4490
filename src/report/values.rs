//! The buffer an edit plan's values are written in: pieces of about a mebibyte, a value never
//! split between two, addressed by one offset as if they were one string. A plan of 200,000
//! values (a key and a status for every row of a big table) grows a piece at a time: never a
//! doubled buffer holding twice what it holds, never one big copy as it grows.

/// Size past which the open piece is closed and a new one begun (before a value, never
/// within one: a value longer than this makes its piece longer).
const PIECE: usize = 1 << 20;

/// Room a piece keeps for the value after the last: most values are a key, a link or a status.
const ROOM: usize = 4 << 10;

/// Values written one after another, read back by the offsets [`Values::start`] and
/// [`Values::len`] gave.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Values {
    /// Closed pieces, each with the offset of its first byte, in order.
    closed: Vec<(usize, String)>,
    /// The piece values are written to.
    open: String,
    /// The offset of its first byte.
    base: usize,
    /// How many closed pieces, from the first, were let go (see [`Values::release_before`]).
    released: usize,
}

impl Values {
    /// The offset after the last byte written.
    pub(crate) fn len(&self) -> usize {
        self.base + self.open.len()
    }

    /// Where the next value starts: call before writing one (to [`Values::text`]), so that it
    /// goes into one piece.
    pub(crate) fn start(&mut self) -> usize {
        if self.open.len() + ROOM > PIECE {
            let mut full = std::mem::replace(&mut self.open, String::with_capacity(PIECE));
            full.shrink_to_fit();
            self.closed.push((self.base, full));
            self.base = self.len_closed();
        }
        self.len()
    }

    /// Where a value is written (after [`Values::start`]).
    pub(crate) fn text(&mut self) -> &mut String {
        &mut self.open
    }

    /// The bytes from `range.start` to `range.end`: one value, or values written together
    /// after one [`Values::start`].
    pub(crate) fn get(&self, range: std::ops::Range<usize>) -> &str {
        if range.start >= self.base {
            return &self.open[range.start - self.base..range.end - self.base];
        }
        let n = self
            .closed
            .partition_point(|(base, _)| *base <= range.start)
            - 1;
        let (base, piece) = &self.closed[n];
        &piece[range.start - base..range.end - base]
    }

    /// Forgets every byte from `len` on.
    pub(crate) fn truncate(&mut self, len: usize) {
        while len < self.base {
            let Some((base, piece)) = self.closed.pop() else {
                break;
            };
            self.open = piece;
            self.base = base;
        }
        self.open.truncate(len.saturating_sub(self.base));
    }

    /// Lets the open piece's spare room go.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.open.shrink_to_fit();
    }

    /// Lets go of the closed pieces that end at or before `offset` (their values are read no
    /// more, as when a text is spliced front to back), and of the open one when `offset` is
    /// its end; reading one of their values afterwards panics. Values may still be written, and truncated to a length at or past `offset`
    /// (a preview lets go of the values it wrote while later rows are planned).
    pub(crate) fn release_before(&mut self, offset: usize) {
        while let Some((base, piece)) = self.closed.get_mut(self.released) {
            if *base + piece.len() > offset {
                break;
            }
            *piece = String::new();
            self.released += 1;
        }
        // Nothing still needed: the open piece goes too (a preview written every few
        // thousand rows never holds a mebibyte piece for the few values it plans between).
        if offset >= self.len() && self.released == self.closed.len() {
            self.base = self.len();
            self.open = String::new();
        }
    }

    fn len_closed(&self) -> usize {
        self.closed
            .last()
            .map_or(0, |(base, piece)| base + piece.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_over_many_pieces_read_back_as_written_and_truncate_across_pieces() {
        let mut values = Values::default();
        let mut written = Vec::new();
        for n in 0..60_000 {
            let from = values.start();
            let value = format!("[OPS-{n}](https://jira.example.com/browse/OPS-{n})");
            values.text().push_str(&value);
            written.push((from..values.len(), value));
        }
        assert!(values.closed.len() >= 3, "{} pieces", values.closed.len());
        for (range, value) in &written {
            assert_eq!(values.get(range.clone()), value);
        }
        // Back to a value in the first piece: everything after it is gone, it stays.
        let (range, value) = written[10].clone();
        values.truncate(range.end);
        assert_eq!(values.len(), range.end);
        assert_eq!(values.get(range), value);
        let from = values.start();
        values.text().push_str("Done");
        assert_eq!(values.get(from..values.len()), "Done");
    }

    #[test]
    fn pieces_read_to_the_end_are_let_go_and_the_rest_still_reads() {
        let mut values = Values::default();
        let mut written = Vec::new();
        for n in 0..120_000 {
            let from = values.start();
            values.text().push_str(&format!("OPS-{n} In Progress"));
            written.push(from..values.len());
        }
        let middle = written[90_000].clone();
        values.release_before(middle.start);
        assert!(values.released >= 1);
        assert!(
            values.closed[..values.released]
                .iter()
                .all(|(_, p)| p.capacity() == 0)
        );
        assert_eq!(values.get(middle), "OPS-90000 In Progress");
        assert_eq!(
            values.get(written[119_999].clone()),
            "OPS-119999 In Progress"
        );
        // Written to after (a preview lets go while later rows are planned), across new
        // pieces, and truncated back past the release: every value since still reads.
        let kept = values.len();
        for n in 120_000..200_000 {
            let from = values.start();
            values.text().push_str(&format!("OPS-{n} Done"));
            written.push(from..values.len());
        }
        values.truncate(written[150_000].end);
        written.truncate(150_001);
        assert!(kept <= values.len());
        for n in [90_000, 119_999, 120_000, 149_999, 150_000] {
            assert_eq!(
                values.get(written[n].clone()),
                &format!(
                    "OPS-{n} {}",
                    if n < 120_000 { "In Progress" } else { "Done" }
                )
            );
        }
        let from = values.start();
        values.text().push_str("last");
        assert_eq!(values.get(from..values.len()), "last");
        // Everything let go: the open piece too, and values written after still read.
        let end = values.len();
        values.release_before(end);
        assert_eq!(values.open.capacity(), 0);
        assert_eq!(values.len(), end);
        let from = values.start();
        values.text().push_str("after");
        assert_eq!((from, values.get(from..values.len())), (end, "after"));
    }
}
