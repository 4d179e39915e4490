//! pulldown-cmark's events over a part of a document, parsed a window at a time, so that memory
//! stays bounded however long the section is.
//!
//! pulldown-cmark builds a tree of the whole input before it yields the first event: ~50 bytes a
//! node, several nodes per table row or list item, so a 100,000-row table cost ~12× the file.
//! Here the text is parsed in windows of [`WINDOW`] bytes (cut at a line end). Of each window
//! only the events before its last *resume point* are kept, and the next window starts there:
//! - the start of a top-level block;
//! - an item of a top-level list (the next window's own `Start(List)` is dropped);
//! - a body row of a top-level table (the next window is the table's header and delimiter rows
//!   followed by the rest; their events are dropped);
//! - a line of a top-level HTML block after its first (parsed after that first line, which
//!   decides the block's kind and end, and dropped).
//!
//! Why the kept events are the whole parse's: Markdown's block structure is decided line by
//! line, looking at most one line ahead (a table's delimiter row, a setext underline), and the
//! resume point's line is inside the window; so everything that ended before the resume point
//! ended there in the whole document too. Inline content never crosses a block. What differs:
//! - reference-style links whose definition is in another window are resolved from the
//!   definitions the caller passes (the first definition of a label wins, as in the whole
//!   document, unless a later window redefines it);
//! - a list that spans windows and has a blank line between items in one window only is loose
//!   there and tight elsewhere (paragraph events in some items and not others);
//! - a container open across windows (`Start(Table)`, `Start(List)`) has a range that ends at
//!   its first window's cut: take its end from its `End` event.
//!
//! Windows after the first never read YAML front matter: it belongs to the document's start.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{BrokenLink, CowStr, Event, Options, Parser, Tag};

/// Reference definitions by lower-cased label: the destination and the title.
pub(crate) type RefDefs = HashMap<String, (String, String)>;

/// Bytes parsed at a time (more when no resume point falls inside: the window doubles).
pub(crate) const WINDOW: usize = 16 * 1024;

/// How the next window starts.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    /// A top-level block starts at the window's first byte.
    Block,
    /// An item of the open top-level list starts there.
    ListItem,
    /// A body row of the open top-level table starts there; the header and delimiter rows
    /// (these bytes) are parsed first.
    TableRow(Range<usize>),
    /// A line of the open top-level HTML block; its first line (these bytes) is parsed first.
    HtmlLine(Range<usize>),
}

/// Where the next window starts (a line's first byte) and how.
#[derive(Debug, Clone)]
struct Resume {
    at: usize,
    mode: Mode,
}

/// The events of `text[span]`, with offsets into `text`, a window at a time.
pub(crate) struct Windowed<'t, 'r> {
    text: &'t str,
    end: usize,
    options: Options,
    /// Definitions for reference-style links whose definition is outside the window.
    external: Option<&'r RefDefs>,
    /// The definitions met so far (before each window's resume point).
    found: RefDefs,
    next: Option<Resume>,
    first: bool,
    window: usize,
    pending: std::vec::IntoIter<Spanned>,
}

/// An event and its bytes in the text.
type Spanned = (Event<'static>, Range<usize>);

impl<'t, 'r> Windowed<'t, 'r> {
    /// The events of `text[span]` parsed with `options`, `window` bytes at a time (at least);
    /// `external` resolves reference-style links defined elsewhere in the document.
    pub(crate) fn new(
        text: &'t str,
        span: Range<usize>,
        options: Options,
        external: Option<&'r RefDefs>,
        window: usize,
    ) -> Self {
        Windowed {
            text,
            end: span.end,
            options,
            external,
            found: RefDefs::new(),
            next: Some(Resume {
                at: span.start,
                mode: Mode::Block,
            }),
            first: true,
            window: window.max(1),
            pending: Vec::new().into_iter(),
        }
    }

    /// The reference definitions of the text read so far: all of them once the iterator is done.
    /// The first definition of a label wins.
    pub(crate) fn into_reference_definitions(self) -> RefDefs {
        self.found
    }

    /// Parses the next window into `pending`.
    fn parse_next(&mut self) {
        let Some(resume) = self.next.take() else {
            return;
        };
        let mut size = self.window;
        loop {
            let cut = line_end_at_or_after(self.text, resume.at.saturating_add(size), self.end);
            let last = cut >= self.end;
            let parsed = self.parse_window(&resume, cut, last);
            match parsed {
                Some((events, next)) => {
                    self.pending = events.into_iter();
                    self.next = next;
                    self.first = false;
                    return;
                }
                // No resume point inside: a bigger window.
                None => size = size.saturating_mul(2),
            }
        }
    }

    /// Parses `text[resume.at..cut]` (after the mode's prefix). Returns the events to keep and
    /// where to go on, or `None` when the window is not the last and holds no resume point.
    fn parse_window(
        &mut self,
        resume: &Resume,
        cut: usize,
        last: bool,
    ) -> Option<(Vec<Spanned>, Option<Resume>)> {
        let text = self.text;
        let at = resume.at;
        let prefix = match &resume.mode {
            Mode::TableRow(prefix) | Mode::HtmlLine(prefix) => prefix.clone(),
            Mode::Block | Mode::ListItem => at..at,
        };
        let source: Cow<'_, str> = if prefix.is_empty() {
            Cow::Borrowed(&text[at..cut])
        } else {
            Cow::Owned([&text[prefix.clone()], &text[at..cut]].concat())
        };
        let prefix_len = prefix.len();
        let map = |p: usize| {
            if p < prefix_len {
                prefix.start + p
            } else {
                at + (p - prefix_len)
            }
        };
        let mut options = self.options;
        if !self.first {
            options.remove(Options::ENABLE_YAML_STYLE_METADATA_BLOCKS);
        }
        let external = self.external;
        let callback = move |link: BrokenLink<'_>| {
            external?
                .get(&link.reference.to_lowercase())
                .map(|(dest, title)| (CowStr::from(dest.clone()), CowStr::from(title.clone())))
        };
        let mut parser = Parser::new_with_broken_link_callback(&source, options, Some(callback))
            .into_offset_iter();
        let mut events: Vec<Spanned> = Vec::new();
        let mut points = ResumePoints::new(text, at, &resume.mode);
        for (event, range) in parser.by_ref() {
            let range = map(range.start)..map(range.end);
            points.see(events.len(), &event, &range);
            events.push((event.into_static(), range));
        }
        // Front matter is decided by its closing fence, however far: a first window that
        // starts with a fence but holds no front matter may have cut it.
        let front_matter_cut = self.first
            && options.contains(Options::ENABLE_YAML_STYLE_METADATA_BLOCKS)
            && text[at..cut].starts_with("---")
            && !matches!(
                events.first(),
                Some((Event::Start(Tag::MetadataBlock(_)), _))
            );
        let next = if last {
            None
        } else if front_matter_cut {
            return None;
        } else {
            let (index, next) = points.last?;
            events.truncate(index);
            Some(next)
        };
        let keep_before = next.as_ref().map_or(usize::MAX, |n| n.at);
        for (label, def) in parser.reference_definitions().iter() {
            if map(def.span.start) < keep_before {
                self.found.entry(label.to_lowercase()).or_insert_with(|| {
                    (
                        def.dest.to_string(),
                        def.title.as_deref().unwrap_or_default().to_owned(),
                    )
                });
            }
        }
        drop(parser);
        // The events of what was parsed only to set the context: the dropped prefix, or the
        // list's own start in a window that continues it.
        let skip = match &resume.mode {
            Mode::Block => 0,
            Mode::ListItem => usize::from(matches!(
                events.first(),
                Some((Event::Start(Tag::List(_)), _))
            )),
            Mode::TableRow(_) | Mode::HtmlLine(_) => events
                .iter()
                .take_while(|(_, range)| range.start < at)
                .count(),
        };
        events.drain(..skip);
        Some((events, next))
    }
}

impl Iterator for Windowed<'_, '_> {
    type Item = Spanned;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(event) = self.pending.next() {
                return Some(event);
            }
            self.next.as_ref()?;
            self.parse_next();
        }
    }
}

/// The resume points of one window, as its events go by.
struct ResumePoints<'t> {
    text: &'t str,
    /// The window's first byte: a resume point must come after it.
    at: usize,
    /// Open tags, outermost first.
    open: Vec<OpenTag>,
    /// The open top-level table's first line.
    table_start: Option<usize>,
    /// The open top-level table's header and delimiter rows, once known.
    table_prefix: Option<Range<usize>>,
    /// The open top-level HTML block's first line, once known.
    html_first_line: Option<Range<usize>>,
    /// The continued container's prefix, for the first container of the window.
    continued: Mode,
    /// The last resume point: the index of its event and where the next window starts.
    last: Option<(usize, Resume)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpenTag {
    List,
    Table,
    HtmlBlock,
    Other,
}

impl<'t> ResumePoints<'t> {
    fn new(text: &'t str, at: usize, mode: &Mode) -> Self {
        ResumePoints {
            text,
            at,
            open: Vec::new(),
            table_start: None,
            table_prefix: None,
            html_first_line: None,
            continued: mode.clone(),
            last: None,
        }
    }

    /// Notes event number `index` (at `range`, offsets into the text).
    fn see(&mut self, index: usize, event: &Event<'_>, range: &Range<usize>) {
        let depth = self.open.len();
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    self.point(index, range.start, Mode::Block);
                    match tag {
                        Tag::Table(_) => {
                            self.table_start = Some(line_start(self.text, range.start));
                            // In a window that continues a table, its start is in the prefix.
                            self.table_prefix = match &self.continued {
                                Mode::TableRow(prefix) if range.start < self.at => {
                                    Some(prefix.clone())
                                }
                                _ => None,
                            };
                        }
                        Tag::HtmlBlock => {
                            self.html_first_line = match &self.continued {
                                Mode::HtmlLine(first) if range.start < self.at => {
                                    Some(first.clone())
                                }
                                _ => None,
                            };
                        }
                        _ => {}
                    }
                } else if depth == 1 {
                    match (self.open[0], tag) {
                        (OpenTag::List, Tag::Item) => {
                            self.point(index, range.start, Mode::ListItem)
                        }
                        (OpenTag::Table, Tag::TableRow) => {
                            let row = line_start(self.text, range.start);
                            if self.table_prefix.is_none()
                                && let Some(table) = self.table_start
                            {
                                self.table_prefix = Some(table..row);
                            }
                            if let Some(prefix) = self.table_prefix.clone() {
                                self.point(index, range.start, Mode::TableRow(prefix));
                            }
                        }
                        _ => {}
                    }
                }
                self.open.push(match tag {
                    Tag::List(_) => OpenTag::List,
                    Tag::Table(_) => OpenTag::Table,
                    Tag::HtmlBlock => OpenTag::HtmlBlock,
                    _ => OpenTag::Other,
                });
            }
            Event::End(_) => {
                self.open.pop();
            }
            Event::Html(_) if depth == 1 && self.open[0] == OpenTag::HtmlBlock => {
                let line = line_start(self.text, range.start)
                    ..line_end_at_or_after(self.text, range.start, self.text.len());
                match self.html_first_line.clone() {
                    None => self.html_first_line = Some(line),
                    Some(first) => self.point(index, range.start, Mode::HtmlLine(first)),
                }
            }
            _ if depth == 0 => self.point(index, range.start, Mode::Block),
            _ => {}
        }
    }

    /// A resume point at `start` if only spaces come before it on its line and it is past the
    /// window's first byte.
    fn point(&mut self, index: usize, start: usize, mode: Mode) {
        let line = line_start(self.text, start);
        let indent_only = self.text[line..start]
            .bytes()
            .all(|b| b == b' ' || b == b'\t');
        if indent_only && line > self.at {
            self.last = Some((index, Resume { at: line, mode }));
        }
    }
}

/// The first byte of the line holding `at`.
fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The end (after the newline) of the line holding `at`, at most `end`.
fn line_end_at_or_after(text: &str, at: usize, end: usize) -> usize {
    if at >= end {
        return end;
    }
    match memchr::memchr(b'\n', &text.as_bytes()[at..end]) {
        Some(i) => at + i + 1,
        None => end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::TagEnd;

    fn options() -> Options {
        Options::ENABLE_TABLES
            | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_STRIKETHROUGH
    }

    /// Events as a reader may rely on them: a start with its first byte, an end with its last
    /// (a start's end, and an end's start, are the whole parse's only in one window), and no
    /// paragraph directly in a list item (tight or loose depends on the window).
    fn normalized(events: impl Iterator<Item = (Event<'static>, Range<usize>)>) -> Vec<String> {
        let mut open: Vec<bool> = Vec::new();
        let mut out = Vec::new();
        for (event, range) in events {
            match &event {
                Event::Start(tag) => {
                    let in_item = open.last().copied().unwrap_or(false);
                    open.push(matches!(tag, Tag::Item));
                    if !(in_item && matches!(tag, Tag::Paragraph)) {
                        out.push(format!("{} from {}", shown(&event), range.start));
                    }
                }
                Event::End(tag) => {
                    open.pop();
                    let in_item = open.last().copied().unwrap_or(false);
                    if !(in_item && matches!(tag, TagEnd::Paragraph)) {
                        out.push(format!("{} to {}", shown(&event), range.end));
                    }
                }
                _ => out.push(format!("{} at {range:?}", shown(&event))),
            }
        }
        out
    }

    /// An event shown by its strings, not their representation (inlined or boxed), and with a
    /// reference link resolved by a callback shown as one resolved by the parser.
    fn shown(event: &Event<'_>) -> String {
        match event {
            Event::Text(t) => format!("Text({:?})", &**t),
            Event::Code(t) => format!("Code({:?})", &**t),
            Event::Html(t) => format!("Html({:?})", &**t),
            Event::InlineHtml(t) => format!("InlineHtml({:?})", &**t),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let kind = format!("{link_type:?}").replace("Unknown", "");
                format!(
                    "Link({kind}, {:?}, {:?}, {:?})",
                    &**dest_url, &**title, &**id
                )
            }
            other => format!("{other:?}"),
        }
    }

    fn whole(text: &str) -> Vec<String> {
        let events = Parser::new_ext(text, options())
            .into_offset_iter()
            .map(|(event, range)| (event.into_static(), range));
        normalized(events)
    }

    const DOCUMENTS: &[&str] = &[
        // Front matter, a title, a table, a list with a blank line in it, a rule.
        "---\ndate: 2020-01-02\nseverity: sev2\n---\n# Title\n\nSome text\nover lines.\n\n\
         | Action | Owner |\n|---|:-:|\n| one | @a |\n| two [x][r] | |\n| three |\n\n\
         - [ ] a\n- [x] b\n\n- c\n  - nested\n    more\n- d\n\n---\n\n[r]: https://x/y \"T\"\n",
        // HTML blocks: a table, a comment over lines, a script.
        "<table>\n<tr>\n<td>one</td>\n</tr>\n<tr><td>two</td></tr>\n</table>\n\n<!--\nnote\n\n\
         more\n-->\n<script>\nlet a = 1;\n\nlet b = 2;\n</script>\ntext\n",
        // Code fences that hold what looks like items, rows and headings; setext headings.
        "Heading\n=======\n\n```\n- not an item\n| not | a row |\n# not a heading\n```\n\n\
         Sub\n---\n1. one\n2. two\n3) three\n   * deep\n\n> - quoted\n> - items\n\ntail\n",
        // A table ended by a paragraph, lazy continuation, an unclosed fence.
        "| a | b |\n| - | - |\n| 1 | 2 |\nnot a row? | yes\n\nlazy\ncontinued\n- item\nlazy line\n\n\
         ~~~\nopen fence\n- x\n",
        // A document that starts with a rule, not front matter.
        "---\n\n- one\n- two\n\n    indented code\n\n    more code\n* star\n+ plus\n",
        // Reference definitions after their use.
        "See [a] and [b][].\n\n- [link][a] item\n- item two\n\n[a]: /first\n[b]: /b 'B'\n",
    ];

    #[test]
    fn windows_of_any_size_give_the_whole_parse() {
        for text in DOCUMENTS {
            let expected = whole(text);
            let mut definitions = RefDefs::new();
            let mut pass = Windowed::new(text, 0..text.len(), options(), None, usize::MAX);
            pass.by_ref().for_each(drop);
            definitions.extend(pass.into_reference_definitions());
            for window in 1..=text.len() {
                let windowed =
                    Windowed::new(text, 0..text.len(), options(), Some(&definitions), window);
                assert_eq!(
                    normalized(windowed),
                    expected,
                    "windows of {window} bytes:\n{text}"
                );
            }
        }
    }

    #[test]
    fn a_long_table_is_read_in_windows_of_bounded_size() {
        let mut text = String::from("| Action | Status |\n|---|---|\n");
        for n in 0..2_000 {
            text.push_str(&format!("| item {n} | |\n"));
        }
        let mut windows = Windowed::new(&text, 0..text.len(), options(), None, 1024);
        let mut rows = 0;
        let mut largest_batch = 0;
        while let Some((event, _)) = windows.next() {
            rows += usize::from(matches!(event, Event::End(TagEnd::TableRow)));
            largest_batch = largest_batch.max(windows.pending.len());
        }
        assert_eq!(rows, 2_000);
        // A window of 1 KiB holds ~70 rows of ~6 events each: never the whole table's events.
        assert!(largest_batch < 1_000, "{largest_batch} events held at once");
    }

    #[test]
    fn definitions_are_found_across_windows() {
        let text = DOCUMENTS[5];
        let mut pass = Windowed::new(text, 0..text.len(), options(), None, 3);
        pass.by_ref().for_each(drop);
        let found = pass.into_reference_definitions();
        assert_eq!(found["a"].0, "/first");
        assert_eq!(found["b"], ("/b".to_owned(), "B".to_owned()));
    }
}
