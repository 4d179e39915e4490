//! Finds registered secrets in a text whatever mix of literal and escaped bytes spells them.
//!
//! A Jira error body, a URL, a JSON string, an HTML page or a Markdown cell may hold a secret
//! with some of its bytes escaped and others not (Python's `quote()` leaves `/` raw and encodes
//! `+` and `=`; a JSON writer may escape only `/`). Rather than list every form, the text is
//! read as a sequence of *characters*, each spelled at a position either by its literal byte or
//! by an escape:
//! - percent: `%2B`, `%2b` (one byte);
//! - JSON: `\uXXXX` (any case), `\n`, `\r`, `\t`, `\b`, `\f`, and `\` before any ASCII
//!   punctuation (`\/`, `\"`, `\\`; Markdown's `\_`, `\*`, `\|` too);
//! - HTML/XML: `&#43;`, `&#x2B;`, `&#X2b;` and `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`.
//!
//! An escape may itself be written with escapes, when an escaped text is escaped again (a JSON
//! document quoted in a JSON string: `\\/` for `/`; a query string in an HTML page:
//! `&amp;#43;`; a URL encoded twice: `%252B`): a character is also read as an escape spelled by
//! the characters its bytes spell (one level deeper; any mix of the families).
//!
//! A secret is found where a chain of characters, each literal or escaped, spells its bytes.
//! Where an escape's first byte could also be a literal byte of the secret (a `%` or `&` in
//! it), both readings are followed. The search is one pass over the text: at each position it
//! keeps the partial matches waiting there, at most one per (secret, bytes matched) — the one
//! that started first, which masks the most — so it never backtracks. Its work per position is
//! the number of partial matches alive there: a partial match dies at the first character that
//! differs, and two of one secret are alive at once only where the text repeats a prefix of
//! that secret (a random token has next to none), so with any number of secrets a scan stays
//! linear in the text.
//!
//! A secret is also found as an echo that mangled it, which proxies, WAFs and terminals do:
//! - in another case (a lower-cased header dump): letters match whatever their case;
//! - broken by line ends (a body wrapped at a width): a line end (`\n`, `\r`, literal or
//!   escaped) inside a match is skipped;
//! - cut short: of a secret registered with its fragments (a token, not `email:token`, whose
//!   start is the e-mail address), the first [`FRAGMENT`] characters or more are a find, and
//!   so is its second half cut the same way, registered as a secret of its own.
//!
//! [`Scanner`] is fed a text in pieces (the streaming writers) and finds exactly what it finds
//! in the whole text: a position is read only once the longest escape that could start there
//! is in hand (or the text has ended), and a found span is handed out only once no match still
//! in progress could overlap it.

use std::ops::Range;

/// The longest escape that spells one character: `&#x10FFFF;`, or `&#0000043;` (decimal and
/// hex digits are bounded, so a span of leading zeros cannot make a character unbounded).
const LONGEST_SINGLE: usize = 10;

/// The longest spelling of one character: an escape whose own characters are escaped (see
/// [`twice_escaped_at`]), each of up to [`LONGEST_SINGLE`] bytes.
pub const LONGEST_ESCAPE: usize = LONGEST_SINGLE * LONGEST_SINGLE;

/// Positions a partial match can wait at: the one being read and the next [`LONGEST_ESCAPE`].
const SLOTS: usize = LONGEST_ESCAPE + 1;

/// A secret's first characters in a row that are a find on their own, when it is registered
/// with its fragments: a proxy that cuts a header value still shows this much or more. More
/// than twelve: every Atlassian API token starts with the same twelve (`ATATT3xFfGF0`), which
/// a post-mortem about a leaked token may well quote, and which say nothing of this token.
pub const FRAGMENT: usize = 16;

/// The registered secrets and what the scan needs to start matching each.
pub struct Secrets {
    /// Each secret's bytes, in registration order: indices never change, so a scan under way
    /// stays valid when one is added.
    list: Vec<Vec<u8>>,
    /// Whether each secret's first [`FRAGMENT`] characters are a find on their own.
    fragments: Vec<bool>,
    /// For each byte, the secrets that start with it (empty until a secret is registered).
    starting: Vec<Vec<u32>>,
    /// The bytes at which a match can start: secrets' first bytes and escapes' first bytes.
    interesting: [bool; 256],
}

impl Secrets {
    /// No secret.
    pub const EMPTY: Self = Self {
        list: Vec::new(),
        fragments: Vec::new(),
        starting: Vec::new(),
        interesting: [false; 256],
    };

    /// Adds `secret` (a non-empty string not yet held). With `fragments`, its first
    /// [`FRAGMENT`] characters are a find too, and so is its second half (added as a secret
    /// of its own) when that is as long: a token cut or split in two by an echo is masked.
    pub fn add(&mut self, secret: &[u8], fragments: bool) {
        if fragments && secret.len() >= 2 * FRAGMENT {
            // The half that starts on a character boundary (a token is ASCII; be safe).
            let half = (secret.len() / 2..secret.len())
                .find(|&at| secret[at] & 0xC0 != 0x80)
                .unwrap_or(secret.len());
            if secret.len() - half >= FRAGMENT {
                self.add(&secret[half..], true);
            }
        }
        if secret.is_empty() || self.list.iter().any(|s| s == secret) {
            return;
        }
        if self.starting.is_empty() {
            self.starting = vec![Vec::new(); 256];
            for lead in [b'%', b'\\', b'&'] {
                self.interesting[usize::from(lead)] = true;
            }
        }
        let index = u32::try_from(self.list.len()).expect("fewer than 2^32 secrets");
        // Letters match in either case.
        let first = secret[0];
        for lead in [first.to_ascii_lowercase(), first.to_ascii_uppercase()] {
            let starting = &mut self.starting[usize::from(lead)];
            if starting.last() != Some(&index) {
                starting.push(index);
            }
            self.interesting[usize::from(lead)] = true;
        }
        self.list.push(secret.to_vec());
        self.fragments.push(fragments && secret.len() > FRAGMENT);
    }

    /// Whether no secret is registered.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The spans of `text` that spell a secret, overlapping ones merged, in order.
    pub fn spans(&self, text: &[u8]) -> Vec<Range<usize>> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut scanner = Scanner::default();
        scanner.scan(self, text, 0, true);
        scanner.take_spans(text.len())
    }
}

/// One character as the text spells it at a position: its UTF-8 bytes (`bytes[..n]`) and the
/// `len` bytes of text that spell it.
#[derive(Clone, Copy)]
struct Char {
    bytes: [u8; 4],
    n: usize,
    len: usize,
}

impl Char {
    /// The byte `b` spelled by `len` bytes of text.
    fn byte(b: u8, len: usize) -> Self {
        Self {
            bytes: [b, 0, 0, 0],
            n: 1,
            len,
        }
    }

    /// The character `c` spelled by `len` bytes of text.
    fn of(c: char, len: usize) -> Self {
        let mut bytes = [0; 4];
        let n = c.encode_utf8(&mut bytes).len();
        Self { bytes, n, len }
    }

    /// The bytes it stands for.
    fn spelled(&self) -> &[u8] {
        &self.bytes[..self.n]
    }
}

/// The escaped character `text` starts with, if it starts with one (see the module's list).
/// `text` holds at least [`LONGEST_ESCAPE`] bytes unless the whole text ends sooner.
fn escape_at(text: &[u8]) -> Option<Char> {
    match *text.first()? {
        b'%' => {
            let hex = text.get(1..3)?;
            Some(Char::byte(u8::try_from(hex_value(hex)?).ok()?, 3))
        }
        b'\\' => match *text.get(1)? {
            b'u' => {
                let code = hex_value(text.get(2..6)?)?;
                // A lone surrogate is no character (pairs are not joined: no token needs one).
                Some(Char::of(char::from_u32(code)?, 6))
            }
            b'n' => Some(Char::byte(b'\n', 2)),
            b'r' => Some(Char::byte(b'\r', 2)),
            b't' => Some(Char::byte(b'\t', 2)),
            b'b' => Some(Char::byte(0x08, 2)),
            b'f' => Some(Char::byte(0x0c, 2)),
            c if c.is_ascii_punctuation() => Some(Char::byte(c, 2)),
            _ => None,
        },
        b'&' => entity_at(text),
        _ => None,
    }
}

/// The character `text` starts with when it spells an escape with escaped characters (`%252B`:
/// `%25` spells `%`, so the text spells `%2B`, which spells `+`), if it does and any of the
/// escape's characters is escaped (else it is [`escape_at`]'s). Each character of the escape is
/// read as an escape where one starts, else as its byte. `text` holds at least
/// [`LONGEST_ESCAPE`] bytes unless the whole text ends sooner.
fn twice_escaped_at(text: &[u8]) -> Option<Char> {
    if !matches!(text.first(), Some(b'%' | b'\\' | b'&')) {
        return None;
    }
    // The characters from the start, one level down, and where each ends in `text`.
    let mut spelled = [0u8; LONGEST_SINGLE];
    let mut ends = [0usize; LONGEST_SINGLE + 1];
    let mut count = 0;
    while count < LONGEST_SINGLE && ends[count] < text.len() {
        let at = ends[count];
        let char = escape_at(&text[at..]).unwrap_or(Char::byte(text[at], 1));
        // Every escape is spelled in ASCII.
        if char.n != 1 || !char.bytes[0].is_ascii() {
            break;
        }
        spelled[count] = char.bytes[0];
        ends[count + 1] = at + char.len;
        count += 1;
    }
    let inner = escape_at(&spelled[..count])?;
    let len = ends[inner.len];
    (len > inner.len).then_some(Char { len, ..inner })
}

/// The HTML/XML entity `text` starts with (`&#43;`, `&#x2B;`, `&amp;`, …), if any.
fn entity_at(text: &[u8]) -> Option<Char> {
    const NAMED: [(&[u8], u8); 5] = [
        (b"&amp;", b'&'),
        (b"&lt;", b'<'),
        (b"&gt;", b'>'),
        (b"&quot;", b'"'),
        (b"&apos;", b'\''),
    ];
    if text.get(1) != Some(&b'#') {
        return NAMED
            .iter()
            .find(|(name, _)| text.starts_with(name))
            .map(|(name, b)| Char::byte(*b, name.len()));
    }
    let hex = matches!(text.get(2), Some(b'x' | b'X'));
    let (from, most) = if hex { (3, 6) } else { (2, 7) };
    let digits = text[from.min(text.len())..]
        .iter()
        .take(most + 1)
        .take_while(|b| {
            if hex {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        })
        .count();
    if digits == 0 || digits > most || text.get(from + digits) != Some(&b';') {
        return None;
    }
    let digits = &text[from..from + digits];
    let code = if hex {
        hex_value(digits)?
    } else {
        digits
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
    };
    Some(Char::of(char::from_u32(code)?, from + digits.len() + 1))
}

/// The value of hex digits (any case); `None` if one is not a hex digit.
fn hex_value(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, d| {
        let d = char::from(*d).to_digit(16)?;
        Some(n * 16 + d)
    })
}

/// A match in progress: the first `done` bytes of secret `secret` spelled by the text from
/// `start` up to the position it waits at.
#[derive(Clone, Copy)]
struct Partial {
    secret: u32,
    done: usize,
    start: usize,
}

/// A scan of a text fed in pieces; positions are counted from the text's first byte.
pub struct Scanner {
    /// The partial matches waiting at each position from `at` on, by position modulo
    /// [`SLOTS`] (a character is at most [`LONGEST_ESCAPE`] bytes long).
    waiting: [Vec<Partial>; SLOTS],
    /// How many partial matches are waiting.
    live: usize,
    /// The next position to read.
    at: usize,
    /// The spans found, not yet handed out (unsorted, may overlap).
    found: Vec<Range<usize>>,
}

impl Default for Scanner {
    fn default() -> Self {
        Self {
            waiting: std::array::from_fn(|_| Vec::new()),
            live: 0,
            at: 0,
            found: Vec::new(),
        }
    }
}

impl Scanner {
    /// Reads `text` (the text's bytes from position `base` on, which must cover the next
    /// position to read) as far as it can: to its end when `ended` (no more text will come),
    /// else up to where an escape could still be cut short.
    pub fn scan(&mut self, secrets: &Secrets, text: &[u8], base: usize, ended: bool) {
        let end = base + text.len();
        let limit = if ended {
            end
        } else {
            end.saturating_sub(LONGEST_ESCAPE - 1)
        };
        let mut p = self.at.max(base);
        while p < limit {
            if self.live == 0 {
                // Nothing in progress: skip to the next byte a match can start at.
                match text[p - base..limit - base]
                    .iter()
                    .position(|b| secrets.interesting[usize::from(*b)])
                {
                    Some(skip) => p += skip,
                    None => {
                        p = limit;
                        break;
                    }
                }
            }
            self.read(
                secrets,
                &text[p - base..(p + LONGEST_ESCAPE).min(end) - base],
                p,
            );
            p += 1;
        }
        self.at = self.at.max(p);
        if ended && self.at >= end {
            self.end(secrets);
        }
    }

    /// Reads the characters that start at position `p` (`text` starts there): advances the
    /// partial matches waiting at `p` and starts new ones.
    fn read(&mut self, secrets: &Secrets, text: &[u8], p: usize) {
        let mut here = std::mem::take(&mut self.waiting[p % SLOTS]);
        self.live -= here.len();
        if here.len() > 1 {
            // The same future reached by two paths: the earlier start masks the later.
            here.sort_unstable_by_key(|w| (w.secret, w.done, w.start));
            here.dedup_by_key(|w| (w.secret, w.done));
        }
        let literal = Char::byte(text[0], 1);
        let escaped = escape_at(text);
        let twice = twice_escaped_at(text);
        for char in std::iter::once(literal).chain(escaped).chain(twice) {
            let line_end = matches!(char.spelled(), b"\n" | b"\r");
            for partial in &here {
                if line_end {
                    // A line end inside a match (an echo wrapped at a width) is skipped.
                    self.wait(*partial, p + char.len);
                } else {
                    self.advance(secrets, *partial, char, p);
                }
            }
            let first = char.bytes[0];
            for &secret in secrets
                .starting
                .get(usize::from(first))
                .into_iter()
                .flatten()
            {
                let partial = Partial {
                    secret,
                    done: 0,
                    start: p,
                };
                self.advance(secrets, partial, char, p);
            }
        }
        here.clear();
        self.waiting[p % SLOTS] = here;
    }

    /// Extends `partial` by `char`, read at `p`: a found span, a partial match waiting after
    /// it, or nothing when the character is not the secret's next.
    fn advance(&mut self, secrets: &Secrets, partial: Partial, char: Char, p: usize) {
        let index = partial.secret as usize;
        let secret = &secrets.list[index];
        let spelled = char.spelled();
        let rest = &secret[partial.done..];
        if !(rest.len() >= spelled.len() && rest[..spelled.len()].eq_ignore_ascii_case(spelled)) {
            // Cut short here: enough of a token's start is a find on its own.
            if secrets.fragments[index] && partial.done >= FRAGMENT {
                self.found.push(partial.start..p);
            }
            return;
        }
        let next = p + char.len;
        let done = partial.done + char.n;
        if done == secret.len() {
            self.found.push(partial.start..next);
            return;
        }
        self.wait(Partial { done, ..partial }, next);
    }

    /// Keeps `partial` waiting at position `next`. Duplicates are dropped when the position is
    /// read (see `read`).
    fn wait(&mut self, partial: Partial, next: usize) {
        self.waiting[next % SLOTS].push(partial);
        self.live += 1;
    }

    /// At the end of the text: the matches still in progress that are long enough fragments.
    fn end(&mut self, secrets: &Secrets) {
        for slot in &mut self.waiting {
            for partial in slot.drain(..) {
                if secrets.fragments[partial.secret as usize] && partial.done >= FRAGMENT {
                    self.found.push(partial.start..self.at);
                }
            }
        }
        self.live = 0;
    }

    /// The position up to which the text is settled: no match in progress or yet to be read
    /// starts before it, and no span found before it can still grow.
    pub fn settled(&mut self) -> usize {
        let mut settled = self
            .waiting
            .iter()
            .flatten()
            .map(|partial| partial.start)
            .fold(self.at, usize::min);
        // A span reaching past the settled point could merge with one found later.
        self.merge();
        if let Some(open) = self.found.iter().find(|span| span.end > settled) {
            settled = settled.min(open.start);
        }
        settled
    }

    /// Sorts the found spans and merges those that overlap.
    fn merge(&mut self) {
        self.found.sort_by_key(|span| (span.start, span.end));
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(self.found.len());
        for span in self.found.drain(..) {
            match merged.last_mut() {
                Some(last) if span.start < last.end => last.end = last.end.max(span.end),
                _ => merged.push(span),
            }
        }
        self.found = merged;
    }

    /// Hands out the merged spans that start before `upto` (a settled position).
    pub fn take_spans(&mut self, upto: usize) -> Vec<Range<usize>> {
        self.merge();
        let cut = self.found.partition_point(|span| span.start < upto);
        self.found.drain(..cut).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token with every byte an escape could hide: `/`, `+`, `=`, `&`, `<`, `>`, `"`, `'`, `_`.
    const TOKEN: &str = "ATATT3xFf/G+F0=T0k3n&<>\"x'Yz_0123-end";

    fn secrets(list: &[&str]) -> Secrets {
        let mut secrets = Secrets::EMPTY;
        for secret in list {
            secrets.add(secret.as_bytes(), false);
        }
        secrets
    }

    /// Every way the byte `b` can be spelled (the escapes that apply to it), literal first.
    fn spellings(b: u8) -> Vec<String> {
        let mut all = vec![
            char::from(b).to_string(),
            format!("%{b:02X}"),
            format!("%{b:02x}"),
            format!("\\u{:04x}", b),
            format!("\\u{:04X}", b),
            format!("&#{b};"),
            format!("&#00{b};"),
            format!("&#x{b:x};"),
            format!("&#X{b:02X};"),
            format!("&#x00{b:02x};"),
        ];
        if b.is_ascii_punctuation() {
            all.push(format!("\\{}", char::from(b)));
        }
        let named = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            _ => "",
        };
        if !named.is_empty() {
            all.push(named.to_owned());
        }
        all
    }

    /// `secret` spelled with the `pick(i, n)`-th of the `n` spellings of its `i`-th byte.
    fn spelled(secret: &str, pick: impl Fn(usize, usize) -> usize) -> String {
        secret
            .bytes()
            .enumerate()
            .map(|(i, b)| {
                let all = spellings(b);
                all[pick(i, all.len()) % all.len()].clone()
            })
            .collect()
    }

    /// The spans of `text` for `list`.
    fn spans(list: &[&str], text: &str) -> Vec<Range<usize>> {
        secrets(list).spans(text.as_bytes())
    }

    /// `text`, with its one expected span, is found whole.
    fn assert_found_whole(secret: &str, spelling: &str) {
        let text = format!("x {spelling} y");
        assert_eq!(
            spans(&[secret], &text),
            vec![Range {
                start: 2,
                end: 2 + spelling.len()
            }],
            "{spelling}"
        );
    }

    #[test]
    fn each_escape_family_spells_the_whole_secret() {
        for family in 0..12 {
            // Every byte in this family where it applies, else literal.
            let spelling = spelled(TOKEN, |i, n| {
                let b = TOKEN.as_bytes()[i];
                if family >= n || (family == 10 && !b.is_ascii_punctuation()) {
                    0
                } else {
                    family
                }
            });
            assert_found_whole(TOKEN, &spelling);
        }
    }

    #[test]
    fn any_mix_of_literal_and_escaped_bytes_is_found_whole() {
        // Python's urllib.parse.quote(): `/` raw, `+` and `=` encoded.
        let quoted = "ATATT3xFf/G%2BF0%3DT0k3n";
        assert_found_whole("ATATT3xFf/G+F0=T0k3n", quoted);
        assert_found_whole("ATATT3xFf/G+F0=T0k3n", "ATATT3xFf\\/G\\u002bF0&#61;T0k3n");
        assert_found_whole("ATATT3xFf/G+F0=T0k3n", "ATATT3xFf%2fG&#x2B;F0\\u003DT0k3n");
        // Pseudo-random mixes of every spelling, hex digits of either case.
        let mut seed = 0x2545_f491_u64;
        for _ in 0..500 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let round = seed;
            let spelling = spelled(TOKEN, |i, n| {
                ((round >> (i % 48)) as usize ^ i.wrapping_mul(31)) % n
            });
            assert_found_whole(TOKEN, &spelling);
        }
    }

    #[test]
    fn a_secret_holding_escape_leads_is_found_read_either_way() {
        let secret = "pct%2Bamp&amp;bs\\u0041end";
        // Literal: the escapes inside it are its own bytes.
        assert_found_whole(secret, secret);
        // Its `%`, `&` and `\` escaped in turn.
        assert_found_whole(secret, "pct%252Bamp&#38;amp;bs%5Cu0041end");
        // Not what the escapes inside it decode to.
        assert!(spans(&[secret], "pct+amp&bsAend").is_empty());
    }

    #[test]
    fn escapes_written_with_escapes_are_found_whole() {
        // An escaped text escaped again: JSON quoted in JSON, a query string in HTML, a URL
        // encoded twice, and mixes of the families, in a text with raw bytes around them.
        let secret = "ATATT3xFf/G+F0=T0k3n\"q";
        for spelling in [
            r#"ATATT3xFf\\/G\\u002BF0=T0k3n\\\"q"#,   // JSON in JSON
            "ATATT3xFf%252FG%252BF0%253DT0k3n%2522q", // percent twice
            "ATATT3xFf&amp;#x2F;G&amp;#43;F0=T0k3n&amp;quot;q", // entities as HTML
            r#"ATATT3xFf&#92;/G%5Cu002BF0\u00253DT0k3n\&quot;q"#, // families mixed
            r#"ATATT3xFf\/G+F0=T0k3n\"q"#,            // one level, as before
        ] {
            assert_found_whole(secret, spelling);
        }
    }

    #[test]
    fn near_misses_are_not_found() {
        let secret = "ATATT3xFf/G+F0=T0k3n";
        for text in [
            "ATATT3xFf/G%2CF0%3DT0k3n",   // another byte escaped
            "ATATT3xFf/G%2 F0%3DT0k3n",   // an escape cut short
            "ATATT3xFf/G&#x2B F0=T0k3n",  // an entity without its `;`
            "ATATT3xFf/G&#x2BF0=T0k3n",   // the same, so the hex digits run on
            "ATATT3xFf/G\\u02BF0=T0k3n",  // three hex digits meant, four read
            "ATATT3xFf/G+F0=T0k3",        // the secret cut short
            "ATATT3xFf/G++F0=T0k3n",      // a byte too many
            "ATATT3xFf%25252FG+F0=T0k3n", // escaped three times: two levels are read
            "ATATT3xFf%252CG+F0=T0k3n",   // escaped twice, another byte
            "ATATT3xFf/G&plus;F0=T0k3n",  // a named entity that is not decoded
        ] {
            assert!(spans(&[secret], text).is_empty(), "{text}");
        }
    }

    #[test]
    fn mangled_echoes_of_a_token_are_found() {
        let token = "tok3nSECRETvalue9876543210abcdef";
        let mut with_fragments = Secrets::EMPTY;
        with_fragments.add(token.as_bytes(), true);
        let masked = |text: &str| -> String {
            let mut out = text.to_owned();
            for span in with_fragments.spans(text.as_bytes()).into_iter().rev() {
                out.replace_range(span, "***");
            }
            out
        };
        for (echo, shown) in [
            (
                "bad auth TOK3NSECRETVALUE9876543210ABCDEF.",
                "bad auth ***.",
            ),
            (
                "bad auth tok3nsecretvalue9876543210abcdef.",
                "bad auth ***.",
            ),
            ("auth tok3nSECRETvalue\n9876543210abcdef!", "auth ***!"),
            (
                "auth tok3nSEC\r\nRETvalue\n98765432\n10abcdef!",
                "auth ***!",
            ),
            ("auth tok3nSECRETvalue9876, cut", "auth ***, cut"),
            (
                "auth tok3nSECRETvalue ... 9876543210abcdef",
                "auth *** ... ***",
            ),
            ("auth tok3nSECRETvalue98", "auth ***"),
            // Fifteen characters are too few to tell from ordinary text.
            ("auth tok3nSECRETvalu!", "auth tok3nSECRETvalu!"),
        ] {
            assert_eq!(masked(echo), shown, "{echo}");
        }
        // The prefix every Atlassian API token shares is not this token.
        let mut atlassian = Secrets::EMPTY;
        atlassian.add(b"ATATT3xFfGF0PrObE1234567890abcdefghij", true);
        assert!(
            atlassian
                .spans(b"tokens start ATATT3xFfGF0, then")
                .is_empty()
        );
        // Registered whole, a secret's start alone is no find (`email:token` starts with the
        // e-mail address pm-sync shows).
        let pair = "sre-bot@example.com:tok3nSECRETvalue9876543210abcdef";
        let mut whole = Secrets::EMPTY;
        whole.add(pair.as_bytes(), false);
        assert!(whole.spans(b"signed in as sre-bot@example.com:").is_empty());
    }

    #[test]
    fn overlapping_secrets_make_one_span_and_adjacent_ones_two() {
        let list = ["bot@example.com:token-value-1", "token-value-1"];
        let text = "a bot@example.com:token%2Dvalue-1 b token-value-1token-value-1";
        let found = spans(&list, text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(&text[found[0].clone()], "bot@example.com:token%2Dvalue-1");
    }

    #[test]
    fn a_scan_fed_in_pieces_finds_what_the_whole_text_holds() {
        let secret = "ATATT3xFf/G+F0=T0k3n-split";
        let mut text = String::new();
        for n in 0..300 {
            text.push_str(&format!("row {n} "));
            if n % 7 == 0 {
                let spelling = spelled(secret, |i, len| (i * 7 + n) % len);
                text.push_str(&spelling);
            }
        }
        let secrets = secrets(&[secret]);
        let whole = secrets.spans(text.as_bytes());
        assert_eq!(whole.len(), 300 / 7 + 1);
        for piece in [1, 2, 9, 10, 11, 64, 1000] {
            let mut scanner = Scanner::default();
            let mut pending: Vec<u8> = Vec::new();
            let mut base = 0;
            let mut found = Vec::new();
            for chunk in text.as_bytes().chunks(piece) {
                pending.extend_from_slice(chunk);
                scanner.scan(&secrets, &pending, base, false);
                let settled = scanner.settled();
                found.extend(scanner.take_spans(settled));
                pending.drain(..settled - base);
                base = settled;
            }
            scanner.scan(&secrets, &pending, base, true);
            found.extend(scanner.take_spans(base + pending.len()));
            assert_eq!(found, whole, "pieces of {piece}");
        }
    }

    #[test]
    fn many_secrets_and_hostile_text_stay_linear() {
        // 64 secrets sharing a long head, and 256 KiB that keep every one of them alive
        // for a while and are full of escape leads: one partial match per secret at a time.
        let heads: Vec<String> = (0..64)
            .map(|n| format!("ATATT3xFf%2BGF0=T0k3nSecretHead-{n:04}-tail"))
            .collect();
        let list: Vec<&str> = heads.iter().map(String::as_str).collect();
        let secrets = secrets(&list);
        let chunk = "ATATT3xFf%252BGF0%3DT0k3nSecretHead-00&#x2d;&amp;\\u0041%%&&\\\\";
        let text = chunk.repeat((256 << 10) / chunk.len());
        let started = std::time::Instant::now();
        assert!(secrets.spans(text.as_bytes()).is_empty());
        // Generous even for a debug build on a loaded machine; backtracking would take hours.
        assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    }
}
