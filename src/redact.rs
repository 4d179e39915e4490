//! The one filter every byte pm-sync prints or writes passes: the Jira token, the Basic
//! credentials made from it and anything else registered as secret become `***`.
//!
//! Secrets are registered once they are known (the token variable at start-up, then the
//! resolved Jira settings); from then on:
//! - stdout is written by one function (`commands::runtime::print_stdout`) that uses [`text`],
//!   stderr by [`eprint()`], and the log subscriber and panic messages through [`Writer`] and
//!   [`text`] (see `lib.rs`);
//! - files pm-sync writes (reports, journals, the dashboard, `init`'s config) go through
//!   [`bytes`] at the single place each kind of file is written ([`FileWriter`] for a file
//!   written as it is made).
//!
//! So a secret that reached a message by any path — a report that is a symlink to
//! `/proc/self/environ`, a Jira error body echoing a header, a URL, a config value — is masked
//! at the exit, whatever route it took, and whatever mix of literal and escaped bytes
//! (percent, JSON, HTML, Markdown) spells it (`matcher`).
//!
//! What goes to stdout and stderr is also made safe for a terminal ([`for_terminal`]): a report
//! or a Jira answer can hold escape sequences that would retitle, clear or rewrite the user's
//! screen; only pm-sync's own colours pass. Files keep their bytes (a report is the user's).
//! This module is a leaf: it imports nothing of the crate.

mod matcher;

use std::borrow::Cow;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::RwLock;

use matcher::{Scanner, Secrets};

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// Shorter strings are never treated as secrets: masking them would garble ordinary text, and
/// no Jira token or PAT is that short.
pub const MIN_SECRET_LEN: usize = 8;

static SECRETS: RwLock<Secrets> = RwLock::new(Secrets::EMPTY);

/// Registers `secret`: from now on every output masks it, whatever mix of literal and escaped
/// bytes spells it (percent, JSON, HTML and Markdown escapes: see `matcher`). Strings shorter
/// than [`MIN_SECRET_LEN`] (after trimming) are ignored.
/// Atlassian API tokens hold `=`, `-` and `_`, Data Center PATs base64's `+` and `/`: a
/// filter that only knew the raw bytes would miss the token in a URL, a JSON string or an
/// HTML page echoing it.
/// A token is also masked where an echo mangled it: in another case, broken by line ends,
/// or cut to its first sixteen characters or more, or to its second half (see `matcher`).
pub fn register(secret: &str) {
    add(secret, true);
}

/// Registers `secret` whole only: its start is not secret on its own (`email:token` starts
/// with the e-mail address pm-sync shows).
fn register_whole(secret: &str) {
    add(secret, false);
}

fn add(secret: &str, fragments: bool) {
    let secret = secret.trim();
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    SECRETS
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .add(secret.as_bytes(), fragments);
}

/// Whether `token` is too short to be masked ([`MIN_SECRET_LEN`]): no Jira token or PAT is, so
/// it is most likely a placeholder or a cut copy, and would be printed as it is.
pub fn too_short_to_mask(token: &str) -> bool {
    let token = token.trim();
    !token.is_empty() && token.len() < MIN_SECRET_LEN
}

/// Registers the token and, with an email (Jira Cloud's Basic auth), `email:token` and its
/// base64 as sent in the `Authorization` header.
pub fn register_credentials(email: Option<&str>, token: &str) {
    register(token);
    if let Some(email) = email {
        let pair = format!("{email}:{token}");
        register(&base64(pair.as_bytes()));
        register_whole(&pair);
    }
}

/// Whether any secret is registered: a check that must decode a whole report to search it
/// costs nothing when there is nothing to find.
pub fn any_registered() -> bool {
    !SECRETS.read().unwrap_or_else(|e| e.into_inner()).is_empty()
}

/// Whether `text` holds a registered secret (in any spelling); the byte offset of the first
/// one found.
pub fn find(text: &[u8]) -> Option<usize> {
    let secrets = SECRETS.read().unwrap_or_else(|e| e.into_inner());
    secrets.spans(text).first().map(|span| span.start)
}

/// Whether `text` spells `secret` (in any mix of escapes and cases, as the filter finds it):
/// the byte offset where it starts. For a check against one value, whatever else is
/// registered (a variable's name registered because it looked like a token, say).
pub fn find_secret(text: &[u8], secret: &str) -> Option<usize> {
    let secret = secret.trim();
    if secret.len() < MIN_SECRET_LEN {
        return None;
    }
    let mut one = Secrets::EMPTY;
    one.add(secret.as_bytes(), false);
    one.spans(text).first().map(|span| span.start)
}

/// `text` with every registered secret replaced by [`MASK`] (borrowed when there is none).
pub fn text(text: &str) -> Cow<'_, str> {
    match bytes(text.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        // A span spells whole characters and the mask is ASCII: the result is still UTF-8.
        Cow::Owned(masked) => Cow::Owned(
            String::from_utf8(masked)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ),
    }
}

/// `bytes` with every registered secret replaced by [`MASK`] (borrowed when there is none):
/// the whole span that spells it, escapes included; overlapping ones (`email:token` and the
/// token in it) become one mask.
pub fn bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    let spans = SECRETS
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .spans(bytes);
    if spans.is_empty() {
        return Cow::Borrowed(bytes);
    }
    let mut masked = Vec::with_capacity(bytes.len());
    mask_into(&mut masked, bytes, 0, &spans);
    Cow::Owned(masked)
}

/// Appends `text` (the bytes from position `base` on) to `out` with `spans` (positions, in
/// order, within or before `text`) replaced by [`MASK`]. A span that began before `base` (one
/// that straddled a flush) has only its part within `text` masked.
fn mask_into(out: &mut Vec<u8>, text: &[u8], base: usize, spans: &[Range<usize>]) {
    let mut at = 0;
    for span in spans {
        let start = span.start.saturating_sub(base).max(at);
        let end = (span.end - base.min(span.end)).min(text.len());
        if end <= start {
            continue;
        }
        out.extend_from_slice(&text[at..start]);
        out.extend_from_slice(MASK.as_bytes());
        at = end;
    }
    out.extend_from_slice(&text[at..]);
}

/// `text` as it may be shown on a terminal: masked ([`text`]) and with control characters made
/// harmless ([`for_terminal`]).
pub fn terminal_text(text: &str) -> Cow<'_, str> {
    let masked = self::text(text);
    match for_terminal(masked.as_bytes()) {
        Cow::Borrowed(_) => masked,
        // Only ASCII control bytes and whole C1 characters are replaced: still UTF-8.
        Cow::Owned(safe) => Cow::Owned(
            String::from_utf8(safe)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ),
    }
}

/// `bytes` made harmless on a terminal: every control character is shown as `?` — escape
/// sequences (titles, screen clears, cursor moves, hyperlinks), BEL, backspace, a carriage
/// return not followed by a line feed, DEL and the C1 controls (U+0080–U+009F) — except tabs,
/// line ends and colour sequences (`ESC [ … m`, what pm-sync itself writes). Borrowed when
/// there is nothing to replace.
pub fn for_terminal(bytes: &[u8]) -> Cow<'_, [u8]> {
    let unsafe_at = |i: usize| -> Option<usize> {
        // The length of the harmful character at `i`, if it is one.
        let b = bytes[i];
        match b {
            b'\n' | b'\t' => None,
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => None,
            0x1b => {
                let params = bytes[i + 1..]
                    .iter()
                    .skip(1)
                    .take_while(|c| c.is_ascii_digit() || **c == b';' || **c == b':')
                    .count();
                let colour =
                    bytes.get(i + 1) == Some(&b'[') && bytes.get(i + 2 + params) == Some(&b'm');
                (!colour).then_some(1)
            }
            0x00..=0x1f | 0x7f => Some(1),
            0xc2 if bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)) => Some(2),
            _ => None,
        }
    };
    let Some(first) = (0..bytes.len()).find(|&i| unsafe_at(i).is_some()) else {
        return Cow::Borrowed(bytes);
    };
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut i = first;
    while i < bytes.len() {
        match unsafe_at(i) {
            Some(len) => {
                out.push(b'?');
                i += len;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// Writes `message` and a newline to stderr, masked and safe for a terminal (`eprintln!`
/// through the filter).
pub fn eprint(message: &str) {
    let mut stderr = io::stderr().lock();
    let _ = stderr.write_all(terminal_text(message).as_bytes());
    let _ = stderr.write_all(b"\n");
    let _ = stderr.flush();
}

/// A writer for stdout and stderr that masks what passes through it and makes it safe for a
/// terminal ([`for_terminal`]): whole lines are passed on as they complete, the rest when
/// flushed or dropped (a secret or an escape sequence never spans lines, so it is never split
/// between two writes). A long write (a dry run's diff of 100,000 rows) is passed on a piece
/// of whole lines at a time, never copied whole.
pub struct Writer<W: Write> {
    inner: W,
    /// The start of a line not yet complete.
    pending: Vec<u8>,
}

/// About how many bytes of whole lines [`Writer`] masks at a time.
const PIECE: usize = 64 * 1024;

impl<W: Write> Writer<W> {
    /// Masks what is written to `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }

    /// Masks `lines` and writes them to `inner`.
    fn pass_on(inner: &mut W, lines: &[u8]) -> io::Result<()> {
        inner.write_all(&for_terminal(&bytes(lines)))
    }
}

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(last) = memchr::memrchr(b'\n', buf) else {
            self.pending.extend_from_slice(buf);
            return Ok(buf.len());
        };
        let (mut lines, rest) = buf.split_at(last + 1);
        if !self.pending.is_empty() {
            // The line begun by earlier writes ends here.
            let end = memchr::memchr(b'\n', lines).map_or(lines.len(), |n| n + 1);
            self.pending.extend_from_slice(&lines[..end]);
            Self::pass_on(&mut self.inner, &self.pending)?;
            self.pending.clear();
            lines = &lines[end..];
        }
        while !lines.is_empty() {
            // A piece ends at the first line end past `PIECE` bytes (or is what is left).
            let end = if lines.len() <= PIECE {
                lines.len()
            } else {
                memchr::memchr(b'\n', &lines[PIECE..]).map_or(lines.len(), |n| PIECE + n + 1)
            };
            Self::pass_on(&mut self.inner, &lines[..end])?;
            lines = &lines[end..];
        }
        self.pending.extend_from_slice(rest);
        if self.pending.capacity() > PIECE && self.pending.is_empty() {
            self.pending = Vec::new();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Self::pass_on(&mut self.inner, &self.pending)?;
        self.pending.clear();
        self.inner.flush()
    }
}

impl<W: Write> Drop for Writer<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// A file written as it is made (the dashboard's page and JSON of 100,000 items are never one
/// string), masked as [`bytes`] masks a whole file and otherwise unchanged: files keep their
/// bytes, so no terminal filter. At each pass the bytes the scan has settled go on (see
/// `matcher::Scanner`): what could still begin a secret, in whatever spelling, waits for the
/// next write, so a secret split between two writes is still masked whole; the rest goes on at
/// [`FileWriter::finish`] (or a flush).
pub struct FileWriter<W: Write> {
    inner: W,
    /// The bytes not yet passed on.
    pending: Vec<u8>,
    /// The position of `pending`'s first byte in all that was written.
    base: usize,
    scanner: Scanner,
}

impl<W: Write> FileWriter<W> {
    /// Masks what is written to `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            pending: Vec::new(),
            base: 0,
            scanner: Scanner::default(),
        }
    }

    /// Passes on the rest, flushes, and gives back the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush()?;
        Ok(self.inner)
    }

    /// Masks and passes on what is pending, all of it or all that is settled.
    fn pass_on(&mut self, all: bool) -> io::Result<()> {
        let end = self.base + self.pending.len();
        let (cut, spans) = {
            let secrets = SECRETS.read().unwrap_or_else(|e| e.into_inner());
            if secrets.is_empty() {
                (end, Vec::new())
            } else {
                self.scanner.scan(&secrets, &self.pending, self.base, all);
                let cut = if all { end } else { self.scanner.settled() };
                (cut, self.scanner.take_spans(cut))
            }
        };
        let cut = cut.clamp(self.base, end);
        let mut masked = Vec::with_capacity(cut - self.base);
        mask_into(
            &mut masked,
            &self.pending[..cut - self.base],
            self.base,
            &spans,
        );
        self.inner.write_all(&masked)?;
        self.pending.drain(..cut - self.base);
        self.base = cut;
        Ok(())
    }
}

impl<W: Write> Write for FileWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        // A pass every few kilobytes: each one scans only the bytes not scanned yet.
        if self.pending.len() >= 8 * 1024 {
            self.pass_on(false)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.pass_on(true)?;
        self.inner.flush()
    }
}

/// The log subscriber's writer: stderr, masked.
pub fn stderr_writer() -> Writer<io::Stderr> {
    Writer::new(io::stderr())
}

/// Standard base64 with padding (what HTTP Basic auth sends).
fn base64(input: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whether `name` may be shown as the name of the token's variable: a conventional one
/// (upper-case letters, digits and `_`, not starting with a digit, at most 64 characters).
/// Anything else may be a token pasted where its variable's name belongs, and is never echoed.
pub fn is_conventional_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The token variable's name as messages may show it: the name when conventional, else "the
/// variable named by `token_env`".
pub fn shown_variable(name: &str) -> Cow<'_, str> {
    if is_conventional_variable_name(name) {
        Cow::Borrowed(name)
    } else {
        Cow::Borrowed("the variable named by `token_env`")
    }
}

/// How messages name the token's variable: its name when conventional, else only "the variable
/// named by `token_env`".
pub fn token_variable(name: &str) -> String {
    if is_conventional_variable_name(name) {
        format!("the environment variable {name} (named by [jira] token_env)")
    } else {
        "the variable named by `token_env`".to_owned()
    }
}

/// [`token_variable`] for `[confluence] token_env`.
pub fn confluence_token_variable(name: &str) -> String {
    if is_conventional_variable_name(name) {
        format!("the environment variable {name} (named by [confluence] token_env)")
    } else {
        "the variable named by [confluence] `token_env`".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn every_form_of_the_credentials_is_masked_and_short_strings_never_are() {
        register_credentials(Some("bot@example.com"), "unit-test-token-0123");
        register("short");
        let header = base64(b"bot@example.com:unit-test-token-0123");
        let line = format!(
            "token unit-test-token-0123, pair bot@example.com:unit-test-token-0123, basic {header}, short"
        );
        assert_eq!(text(&line), "token ***, pair ***, basic ***, short");
        assert!(find(line.as_bytes()).is_some());
        assert!(find(b"nothing here").is_none());
    }

    #[test]
    fn escaped_forms_of_a_secret_are_masked_too() {
        let token = "ATATT3xFf/G+F0=T0k3n&<>\"x'Yz_0123-end";
        register(token);
        for form in [
            token.to_owned(),
            r#"ATATT3xFf/G+F0=T0k3n&<>\"x'Yz_0123-end"#.to_owned(),
            r#"ATATT3xFf\/G+F0=T0k3n&<>\"x'Yz_0123-end"#.to_owned(),
            "ATATT3xFf%2FG%2BF0%3DT0k3n%26%3C%3E%22x%27Yz_0123-end".to_owned(),
            "ATATT3xFf%2fG%2bF0%3dT0k3n%26%3c%3e%22x%27Yz_0123-end".to_owned(),
            "ATATT3xFf/G+F0=T0k3n&amp;&lt;&gt;&quot;x&#39;Yz_0123-end".to_owned(),
            "ATATT3xFf/G+F0=T0k3n&amp;&lt;&gt;&quot;x&#x27;Yz_0123-end".to_owned(),
        ] {
            assert_eq!(text(&format!("a {form} b")), "a *** b", "{form}");
        }
        register("ATATT3xFfGF0_Tok*en=AB12");
        assert_eq!(text("cell ATATT3xFfGF0\\_Tok\\*en=AB12 |"), "cell *** |");
        // Cut short, it still shows too much of the token: masked.
        assert_eq!(text("cell ATATT3xFfGF0\\_Tok\\*en=AB1 |"), "cell *** |");
        // A near miss (eleven characters alike, then another) is left alone.
        assert_eq!(
            text("cell ATATT3xFfGF\\_Tok\\*en=XB12 |"),
            "cell ATATT3xFfGF\\_Tok\\*en=XB12 |"
        );
    }

    #[test]
    fn a_secret_spelled_with_any_mix_of_escapes_is_masked_whole() {
        let token = "ATATT3xFf/G+F0=T0k3nMixed-0123";
        register(token);
        for form in [
            // Python's urllib.parse.quote(): `/` raw, `+` and `=` encoded.
            "ATATT3xFf/G%2BF0%3DT0k3nMixed-0123",
            "ATATT3xFf\\/G\\u002bF0\\u003DT0k3nMixed-0123",
            "ATATT3xFf&#47;G&#x2B;F0&#X3d;T0k3nMixed&#x2d;0123",
            "&#65;TATT3xFf%2fG+F0=T0k3nMixed-012%33",
        ] {
            assert_eq!(text(&format!("a {form} b")), "a *** b", "{form}");
            assert!(find(form.as_bytes()).is_some(), "{form}");
        }
        // One escaped byte that is not the token's (and a second half that is not either).
        let near = "a ATATT3xFf/G%2CF0%3DT0k3nMiyed-0123 b";
        assert_eq!(text(near), near);
    }

    #[test]
    fn the_file_writer_masks_an_escaped_secret_split_across_writes() {
        register("ATATT3xFf/G+F0=T0k3nFileSplit");
        // `\uXXXX` everywhere: six bytes of text for each byte of the secret.
        let json: String = "ATATT3xFf/G+F0=T0k3nFileSplit"
            .bytes()
            .map(|b| format!("\\u{b:04X}"))
            .collect();
        let quoted = "ATATT3xFf/G%2BF0%3DT0k3nFileSplit";
        let mut text = Vec::new();
        for n in 0..1_500 {
            text.extend_from_slice(format!("row {n} ").as_bytes());
            match n % 3 {
                0 => text.extend_from_slice(json.as_bytes()),
                1 => text.extend_from_slice(quoted.as_bytes()),
                _ => {}
            }
        }
        let whole = bytes(&text).into_owned();
        assert!(find(&whole).is_none());
        assert_eq!(
            whole.windows(3).filter(|w| w == b"***").count(),
            1_000,
            "every spelling masked"
        );
        for piece in [1, 5, 6, 7, 33, 4096, 9000] {
            let mut writer = FileWriter::new(Vec::new());
            for chunk in text.chunks(piece) {
                writer.write_all(chunk).unwrap();
            }
            assert_eq!(writer.finish().unwrap(), whole, "pieces of {piece}");
        }
    }

    #[test]
    fn the_file_writer_masks_as_a_whole_file_would_be_masked() {
        register("file-writer-secret-0123");
        // A long file (several passes) with the secret at every offset around the passes'
        // cuts, written in pieces of every size; control bytes kept as they are.
        let mut text = Vec::new();
        for n in 0..2_000 {
            text.extend_from_slice(format!("row {n} \x07 ").as_bytes());
            if n % 37 == 0 {
                text.extend_from_slice(b"file-writer-secret-0123");
            }
        }
        let whole = bytes(&text).into_owned();
        assert!(find(&whole).is_none());
        for piece in [1, 7, 23, 4096, 9000] {
            let mut writer = FileWriter::new(Vec::new());
            for chunk in text.chunks(piece) {
                writer.write_all(chunk).unwrap();
            }
            assert_eq!(writer.finish().unwrap(), whole, "pieces of {piece}");
        }
    }

    #[test]
    fn the_writer_masks_a_secret_split_across_writes() {
        register("split-secret-value");
        let mut out = Vec::new();
        {
            let mut writer = Writer::new(&mut out);
            writer.write_all(b"a split-sec").unwrap();
            writer.write_all(b"ret-value b\nand split-secret-").unwrap();
            writer.write_all(b"value").unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "a *** b\nand ***");
    }

    #[test]
    fn a_long_write_is_passed_on_in_pieces_of_whole_lines_masked_as_a_whole() {
        register("piece-secret-4567");
        let mut text = Vec::new();
        for n in 0..20_000 {
            text.extend_from_slice(format!("+| row {n} \x1b]0;t\x07 |").as_bytes());
            if n % 97 == 0 {
                text.extend_from_slice(b" piece-secret-4567");
            }
            if n == 5_000 {
                // One line longer than a piece.
                text.extend(std::iter::repeat_n(b'x', 3 * PIECE));
            }
            text.push(b'\n');
        }
        text.extend_from_slice(b"no line end piece-secret-4567");
        let whole = for_terminal(&bytes(&text)).into_owned();
        assert!(find(&whole).is_none());
        for piece in [text.len(), 3 * PIECE + 5, 70_001, 4096, 333] {
            let mut out = Vec::new();
            {
                let mut writer = Writer::new(&mut out);
                for chunk in text.chunks(piece) {
                    writer.write_all(chunk).unwrap();
                }
            }
            assert!(out == whole, "writes of {piece} bytes");
        }
    }

    #[test]
    fn a_token_under_the_minimum_is_too_short_to_mask() {
        assert!(too_short_to_mask("tok3n"));
        assert!(too_short_to_mask(" 1234567 "));
        assert!(!too_short_to_mask("12345678"));
        assert!(
            !too_short_to_mask(""),
            "a missing token is reported elsewhere"
        );
        register("tok3n");
        assert_eq!(text("tok3n"), "tok3n");
    }

    #[test]
    fn only_conventional_variable_names_are_shown() {
        assert!(is_conventional_variable_name("JIRA_API_TOKEN"));
        assert!(!is_conventional_variable_name("ATATT3xFfGF0T4k3n"));
        assert!(!is_conventional_variable_name("jira_token"));
        assert!(!is_conventional_variable_name(&"A".repeat(65)));
        assert_eq!(
            token_variable("abcDEF123"),
            "the variable named by `token_env`"
        );
    }

    #[test]
    fn a_terminal_sees_colours_but_no_other_control() {
        let shown =
            |raw: &str| String::from_utf8(for_terminal(raw.as_bytes()).into_owned()).unwrap();
        // pm-sync's own colours, tabs and line ends pass untouched (and cost no copy).
        let coloured = "\x1b[1;31merror\x1b[0m: a\tb\r\nc\n";
        assert!(matches!(
            for_terminal(coloured.as_bytes()),
            Cow::Borrowed(_)
        ));
        // A title change, a screen clear, a cursor move, a hyperlink, BEL, backspace, a bare
        // carriage return, DEL and a C1 CSI are shown as `?`.
        assert_eq!(shown("a\x1b]0;pwned\x07b"), "a?]0;pwned?b");
        assert_eq!(shown("\x1b[2J\x1b[1A"), "?[2J?[1A");
        assert_eq!(
            shown("\x1b]8;;http://x\x1b\\t\x1b]8;;\x1b\\"),
            "?]8;;http://x?\\t?]8;;?\\"
        );
        assert_eq!(shown("ok\x08\x08no\rfake\x7f"), "ok??no?fake?");
        assert_eq!(shown("x\u{9b}2Jy é"), "x?2Jy é");
    }
}
