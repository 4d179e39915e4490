//! Action items written as text rather than a table: list items (bullets, numbers, task lists,
//! under sub-headings and in blockquotes), paragraphs marked TODO/DONE, sub-headings with their
//! paragraph, and plain paragraphs (one item each).
//!
//! One item per top-level list item; continuation lines belong to it and sub-bullets are its own
//! (never items of their own), also when a sub-bullet list is indented too little to nest (a
//! list indented past the item above it is its sub-points). A top-level item that is a label
//! ("**Follow-up actions:**", "Short-term:") lends the role to its own sub-items. Never items:
//! labels ending in ':', questions, a line that is only a link (an issue search) unless it has
//! a task box. A section whose items are lists reads only its lists; else its TODO-marked
//! paragraphs; else its sub-headings that have a paragraph; else (where the caller allows it)
//! its paragraphs.
//!
//! Fed pulldown-cmark's events by the section reader.

use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

use super::model::{Checkbox, Span};
use super::table::collapse_whitespace_cow;

/// Longest plain paragraph taken as one action item, in characters.
const PARAGRAPH_ITEM_LIMIT: usize = 300;

/// One item as read, before it becomes an [`super::model::ActionItem`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawListItem {
    /// 1-based position among the section's candidates (skipped ones counted); the top bit
    /// ([`TICKED`]) says whether its task box is ticked.
    position: u32,
    /// Where its task box's `[` is; [`NO_BOX`] when it has none. (Split so, the item is 32
    /// bytes: a list's items are all held until its section is read.)
    box_at: u32,
    /// The whole item (a list item with its sub-bullets, a paragraph, a sub-heading with its
    /// paragraphs). Offsets are `u32`: reports over 4 GiB are refused before they are read,
    /// and a long list's items are held until the section is read.
    span: Range<u32>,
    /// Its first paragraph (or the heading's text): the item text.
    head: Range<u32>,
    /// The first paragraph as a reader sees it, when that is not its bytes as written (markup,
    /// entities, line breaks), packed over those bytes (see [`super::packed::pack_text`]): a
    /// few bytes, not a copy of the text (a list of 100,000 items with inline code each held
    /// one until its section was read). Where it is in the collector's one buffer of them
    /// ([`Collector::packed`]: no allocation per item), and its length; [`NOT_PACKED`] when
    /// the paragraph reads as written. An item is 32 bytes.
    written: (u32, u32),
}

/// [`RawListItem::written`] of an item whose first paragraph reads as its bytes.
const NOT_PACKED: (u32, u32) = (0, u32::MAX);

/// Items as read, and the one buffer their packed texts are in.
#[derive(Debug, Default)]
pub(crate) struct RawItems {
    items: Vec<RawListItem>,
    packed: Vec<u8>,
}

impl RawItems {
    /// The first item.
    pub(crate) fn first(&self) -> Option<&RawListItem> {
        self.items.first()
    }

    /// The last item.
    pub(crate) fn last(&self) -> Option<&RawListItem> {
        self.items.last()
    }

    /// How many items.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Each item with its first paragraph as a reader sees it (`source` is the document),
    /// first to last, each let go once taken: a list of 100,000 items is not held beside
    /// what is made of them.
    pub(crate) fn into_texts(
        self,
        source: &str,
    ) -> impl Iterator<Item = (RawListItem, std::borrow::Cow<'_, str>)> {
        let packed = self.packed;
        crate::freeing::take_freeing(self.items).map(move |item| {
            let text = item.text(source, &packed);
            (item, text)
        })
    }
}

/// The bit of [`RawListItem::position`] that says its task box is ticked.
const TICKED: u32 = 1 << 31;
/// [`RawListItem::box_at`] of an item without a task box (no report reaches 4 GiB).
const NO_BOX: u32 = u32::MAX;

/// `span` with `u32` offsets (reports are at most 4 GiB).
fn narrow(span: &Span) -> Range<u32> {
    let offset = |at: usize| u32::try_from(at).expect("reports over 4 GiB are refused");
    offset(span.start)..offset(span.end)
}

impl RawListItem {
    /// An item whose first paragraph reads `text` (`source` is the document).
    fn new(
        source: &str,
        position: usize,
        span: Span,
        head: Span,
        text: String,
        checkbox: Option<Checkbox>,
        packed: &mut Vec<u8>,
    ) -> Self {
        let written = if source.get(head.clone()) == Some(text.as_str()) {
            NOT_PACKED
        } else {
            let bytes = super::packed::pack_text(source, head.clone(), &text);
            let start = packed.len();
            packed.extend_from_slice(&bytes);
            let offset = |n: usize| u32::try_from(n).expect("reports over 4 GiB are refused");
            (offset(start), offset(bytes.len()))
        };
        RawListItem {
            position: u32::try_from(position).unwrap_or(u32::MAX).min(TICKED - 1)
                | if checkbox.is_some_and(|c| c.checked) {
                    TICKED
                } else {
                    0
                },
            box_at: checkbox.map_or(NO_BOX, |c| narrow(&(c.at..c.at)).start),
            span: narrow(&span),
            head: narrow(&head),
            written,
        }
    }

    /// 1-based position among the section's candidates (skipped ones counted).
    pub(crate) fn position(&self) -> usize {
        (self.position & !TICKED) as usize
    }

    /// The whole item.
    pub(crate) fn span(&self) -> Span {
        self.span.start as usize..self.span.end as usize
    }

    /// Its first paragraph (or the heading's text).
    pub(crate) fn head(&self) -> Span {
        self.head.start as usize..self.head.end as usize
    }

    /// The task list box.
    pub(crate) fn checkbox(&self) -> Option<Checkbox> {
        (self.box_at != NO_BOX).then_some(Checkbox {
            at: self.box_at as usize,
            checked: self.position & TICKED != 0,
        })
    }

    /// The first paragraph as a reader sees it (`source` is the document).
    fn text<'a>(&self, source: &'a str, packed: &[u8]) -> std::borrow::Cow<'a, str> {
        if self.written == NOT_PACKED {
            return std::borrow::Cow::Borrowed(&source[self.head()]);
        }
        let (start, len) = (self.written.0 as usize, self.written.1 as usize);
        std::borrow::Cow::Owned(super::packed::unpack_text(
            source,
            self.head(),
            &packed[start..start + len],
        ))
    }
}

/// How the items of a text section are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    List,
    /// Paragraphs starting with a TODO or DONE marker.
    Todo,
    /// Sub-headings, each with its paragraph.
    SubHeading,
    /// Paragraphs, one item each.
    Paragraph,
}

impl Shape {
    /// As `items --explain` names it.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Shape::List => "list items",
            Shape::Todo => "paragraphs marked TODO/DONE",
            Shape::SubHeading => "sub-headings with their paragraph",
            Shape::Paragraph => "paragraphs, one item each",
        }
    }
}

/// Something in the section that is not an item, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Skipped {
    pub(crate) span: Span,
    pub(crate) reason: &'static str,
}

/// Inline content being read: the span of the text, and what it holds.
#[derive(Default)]
struct Head {
    span: Option<Span>,
    link_depth: usize,
    links: usize,
    text_outside_links: bool,
}

/// An open list item.
struct Frame {
    span: Span,
    /// Nesting of lists this item is in (1: top level).
    depth: usize,
    /// Whether it can be an item (top level, or directly under a label).
    candidate: bool,
    /// The position it got, when a candidate.
    position: usize,
    head: Head,
    text: String,
    head_done: bool,
    paragraphs: usize,
    checkbox: Option<Checkbox>,
    /// A top-level label whose sub-items are the items.
    label: bool,
    /// Indented past the item above it: a sub-point written without nesting.
    sub_point: bool,
}

/// A sub-heading of the section, and what its part holds.
struct SubHeading {
    item: RawListItem,
    paragraphs: usize,
    has_list: bool,
}

/// Collects the section's candidates from the events it is fed.
pub(crate) struct Collector<'t> {
    text: &'t str,
    depth: usize,
    frames: Vec<Frame>,
    /// The depth-0 paragraph or heading being read.
    block: Option<(Span, Head, String, bool)>,
    /// Column of the last top-level list item that counted, to spot under-indented sub-points.
    last_column: Option<usize>,
    seen: usize,
    /// Candidates seen per shape (list items; paragraphs; sub-headings), for positions.
    seen_paragraphs: usize,
    seen_headings: usize,
    lists: Vec<RawListItem>,
    todo: Vec<RawListItem>,
    headings: Vec<SubHeading>,
    paragraphs: Vec<RawListItem>,
    /// The packed texts of every item read (see [`RawListItem::written`]).
    packed: Vec<u8>,
    /// What is not an item, and why (kept only when [`Collector::keep_skipped`] asks).
    skipped: Vec<Skipped>,
    /// Whether to keep what is skipped: only `items --explain` tells it, and a list whose
    /// every item has a sub-bullet skips a line per item.
    pub(crate) keep_skipped: bool,
    /// Whether a paragraph that is a label ("… the following:") was seen.
    saw_label: bool,
    /// Only list items with a task box or a TODO/DONE marker are items (a section chosen for
    /// holding them, though nothing names it for action items).
    pub(crate) marked_only: bool,
}

impl<'t> Collector<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Collector {
            text,
            depth: 0,
            frames: Vec::new(),
            block: None,
            last_column: None,
            seen: 0,
            seen_paragraphs: 0,
            seen_headings: 0,
            lists: Vec::new(),
            todo: Vec::new(),
            headings: Vec::new(),
            paragraphs: Vec::new(),
            packed: Vec::new(),
            skipped: Vec::new(),
            keep_skipped: false,
            saw_label: false,
            marked_only: false,
        }
    }

    /// Whether anything that can be an item in a section without plain paragraphs was found.
    pub(crate) fn has_structured(&self) -> bool {
        !self.lists.is_empty()
            || !self.todo.is_empty()
            || self
                .headings
                .iter()
                .any(|h| h.paragraphs > 0 && !h.has_list)
    }

    /// The items, in the shape the section writes them; plain paragraphs only when
    /// `paragraphs` allows them.
    pub(crate) fn finish(mut self, paragraphs: bool) -> (RawItems, Shape, Vec<Skipped>) {
        let source = self.text;
        let packed = std::mem::take(&mut self.packed);
        let keep = self.keep_skipped;
        let mut skipped = std::mem::take(&mut self.skipped);
        if self.marked_only {
            let (marked, plain): (Vec<RawListItem>, Vec<RawListItem>) =
                std::mem::take(&mut self.lists).into_iter().partition(|i| {
                    i.checkbox().is_some() || is_todo_marked(&i.text(source, &packed))
                });
            if keep {
                skipped.extend(plain.into_iter().map(|i| Skipped {
                    span: i.head(),
                    reason: "no task box or TODO mark, in a section chosen for holding them",
                }));
            }
            self.lists = marked;
        }
        let mut skip_all = |items: &[RawListItem], reason: &'static str| {
            if !keep {
                return;
            }
            skipped.extend(items.iter().map(|i| Skipped {
                span: i.head(),
                reason,
            }));
        };
        let headings: Vec<RawListItem> = self
            .headings
            .into_iter()
            .filter(|h| h.paragraphs > 0 && !h.has_list)
            .map(|h| h.item)
            .collect();
        let (items, shape) = if !self.lists.is_empty() {
            skip_all(&self.todo, "a paragraph: this section's items are a list");
            skip_all(
                &self.paragraphs,
                "a paragraph: this section's items are a list",
            );
            (self.lists, Shape::List)
        } else if !self.todo.is_empty() {
            skip_all(&self.paragraphs, "a paragraph without a TODO/DONE marker");
            (self.todo, Shape::Todo)
        } else if !headings.is_empty() {
            skip_all(
                &self.paragraphs,
                "a paragraph: it explains the sub-heading above it",
            );
            (headings, Shape::SubHeading)
        } else if paragraphs {
            // Plain paragraphs are items when they read like a list of them: short enough to
            // be one action, and several of them or introduced by a label ("We are making the
            // following changes:"). A lone or long paragraph is narrative.
            let (short, long): (Vec<RawListItem>, Vec<RawListItem>) = self
                .paragraphs
                .into_iter()
                .partition(|p| p.text(source, &packed).chars().count() <= PARAGRAPH_ITEM_LIMIT);
            skip_all(&long, "a long paragraph: narrative, not one action");
            if short.len() >= 2 || (self.saw_label && !short.is_empty()) {
                (short, Shape::Paragraph)
            } else {
                skip_all(&short, "a lone paragraph: narrative, not a list of actions");
                (Vec::new(), Shape::Paragraph)
            }
        } else {
            skip_all(
                &self.paragraphs,
                "a paragraph: only sections named for action items take paragraphs as items",
            );
            (Vec::new(), Shape::List)
        };
        skipped.sort_by_key(|s| s.span.start);
        // Held while the report's records are made of it: the little room left over goes.
        let mut items = items;
        items.shrink_to_fit();
        let mut packed = packed;
        packed.shrink_to_fit();
        (RawItems { items, packed }, shape, skipped)
    }

    /// Notes that `span` is not an item, for `reason` (when what is skipped is kept).
    pub(crate) fn skip(&mut self, span: Span, reason: &'static str) {
        if self.keep_skipped {
            self.skipped.push(Skipped { span, reason });
        }
    }

    /// The column of the list marker of the item starting at `at` (pulldown-cmark may start
    /// the item at its line's indentation), inside any blockquote markers.
    fn column(&self, at: usize) -> usize {
        let line_start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line = &self.text[line_start..];
        let line = &line[..line.find('\n').unwrap_or(line.len())];
        let mut rest = line;
        loop {
            let trimmed = rest.trim_start_matches([' ', '\t']);
            match trimmed.strip_prefix('>') {
                Some(after) => rest = after.strip_prefix(' ').unwrap_or(after),
                None => break,
            }
        }
        rest.len() - rest.trim_start_matches([' ', '\t']).len()
    }

    /// Feeds one event (offsets absolute).
    pub(crate) fn feed(&mut self, event: &Event<'_>, range: Span) {
        match event {
            Event::Start(Tag::List(_)) => {
                self.head_ends();
                self.depth += 1;
            }
            Event::End(TagEnd::List(_)) => self.depth = self.depth.saturating_sub(1),
            Event::Start(Tag::Item) => self.item_starts(range),
            Event::End(TagEnd::Item) => self.item_ends(),
            Event::TaskListMarker(checked) => {
                if let Some(frame) = self.frames.last_mut()
                    && frame.head.span.is_none()
                {
                    frame.checkbox = Some(Checkbox {
                        at: range.start + 1,
                        checked: *checked,
                    });
                }
            }
            Event::Start(Tag::Paragraph) => {
                if self.depth == 0 {
                    self.block = Some((range, Head::default(), String::new(), false));
                } else if let Some(frame) = self.frames.last_mut() {
                    frame.paragraphs += 1;
                    if frame.paragraphs > 1 {
                        frame.head_done = true;
                    }
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if self.depth == 0 {
                    self.paragraph_ends();
                } else {
                    self.head_ends();
                }
            }
            Event::Start(Tag::Heading { .. }) if self.depth == 0 => {
                self.last_column = None;
                self.block = Some((range, Head::default(), String::new(), true));
            }
            Event::End(TagEnd::Heading(_)) if self.depth == 0 => self.heading_ends(),
            Event::Start(
                Tag::BlockQuote(_)
                | Tag::CodeBlock(_)
                | Tag::HtmlBlock
                | Tag::Heading { .. }
                | Tag::Table(_)
                | Tag::FootnoteDefinition(_),
            )
            | Event::Rule => self.head_ends(),
            event => self.inline(event, range),
        }
    }

    /// A block inside the open item ends its first paragraph.
    fn head_ends(&mut self) {
        if let Some(frame) = self.frames.last_mut()
            && !frame.head_done
        {
            frame.head_done = true;
            if frame.depth == 1 && frame.checkbox.is_none() {
                let text = collapse_whitespace_cow(&frame.text);
                frame.label = is_label(&text);
            }
        }
    }

    fn item_starts(&mut self, range: Span) {
        let depth = self.depth;
        let parent_label = self
            .frames
            .last()
            .is_some_and(|parent| parent.depth == 1 && parent.label && depth == 2);
        let candidate = depth == 1 || parent_label;
        let mut sub_point = false;
        if depth == 1 {
            let column = self.column(range.start);
            match self.last_column {
                Some(last) if column > last => sub_point = true,
                _ => self.last_column = Some(column),
            }
        }
        if candidate {
            self.seen += 1;
        } else if depth == 2 {
            let line_end = self.text[range.start..]
                .find('\n')
                .map_or(range.end, |i| range.start + i)
                .min(range.end);
            self.skip(
                range.start..line_end,
                "a sub-bullet: part of the item above",
            );
        }
        self.frames.push(Frame {
            span: range,
            depth,
            candidate,
            position: self.seen,
            head: Head::default(),
            text: String::new(),
            head_done: false,
            paragraphs: 0,
            checkbox: None,
            label: false,
            sub_point,
        });
    }

    fn item_ends(&mut self) {
        self.head_ends();
        let Some(frame) = self.frames.pop() else {
            return;
        };
        if !frame.candidate {
            return;
        }
        let Some(head) = frame.head.span.clone() else {
            if frame.checkbox.is_none() {
                self.skip(frame.span, "an empty list item");
            }
            return;
        };
        let text = collapse_whitespace_cow(&frame.text).into_owned();
        let boxed = frame.checkbox.is_some();
        let reason = if text.is_empty() {
            Some("an empty list item")
        } else if is_template(&text) {
            Some("a template placeholder ([…], YYYY-MM-DD, XXX)")
        } else if frame.sub_point {
            Some("a sub-point: indented under the item above it")
        } else if boxed {
            None
        } else if frame.label || is_label(&text) {
            Some("a label ending in ':'")
        } else if is_question(&text) {
            Some("a question")
        } else if frame.head.links > 0 && !frame.head.text_outside_links {
            Some("only a link (an issue search or a reference), no task box")
        } else {
            None
        };
        if let Some(reason) = reason {
            self.skip(head, reason);
            return;
        }
        if let Some(heading) = self.headings.last_mut() {
            heading.has_list = true;
        }
        let item = RawListItem::new(
            self.text,
            frame.position,
            frame.span,
            head,
            text,
            frame.checkbox,
            &mut self.packed,
        );
        // Grown by eighths: a list of 100,000 items is read back beside its report's text.
        crate::freeing::push_gently(&mut self.lists, item);
    }

    fn paragraph_ends(&mut self) {
        let Some((span, head, text, _)) = self.block.take() else {
            return;
        };
        self.last_column = None;
        let Some(head_span) = head.span else {
            return;
        };
        self.seen_paragraphs += 1;
        let text = collapse_whitespace_cow(&text).into_owned();
        if let Some(heading) = self.headings.last_mut()
            && heading.item.span().end <= span.start
        {
            heading.paragraphs += 1;
            heading.item.span.end = narrow(&span).end;
        }
        let reason = if text.is_empty() {
            return;
        } else if is_label(&text) {
            self.saw_label = true;
            Some("a label ending in ':'")
        } else if is_question(&text) {
            Some("a question")
        } else if head.links > 0 && !head.text_outside_links {
            Some("only a link (an issue search or a reference), no task box")
        } else if is_filler(&text) || is_template(&text) {
            Some("a placeholder (\"None yet\", \"TBD\")")
        } else {
            None
        };
        if let Some(reason) = reason {
            self.skip(head_span, reason);
            return;
        }
        let item = RawListItem::new(
            self.text,
            self.seen_paragraphs,
            span,
            head_span,
            text,
            None,
            &mut self.packed,
        );
        if is_todo_marked(&item.text(self.text, &self.packed)) {
            crate::freeing::push_gently(&mut self.todo, item);
        } else {
            crate::freeing::push_gently(&mut self.paragraphs, item);
        }
    }

    fn heading_ends(&mut self) {
        let Some((span, head, text, _)) = self.block.take() else {
            return;
        };
        let Some(head_span) = head.span else {
            return;
        };
        self.seen_headings += 1;
        let text = collapse_whitespace_cow(&text).into_owned();
        if text.is_empty() || is_label(&text) || is_question(&text) {
            self.skip(head_span, "a sub-heading that is a label or a question");
            return;
        }
        self.headings.push(SubHeading {
            item: RawListItem::new(
                self.text,
                self.seen_headings,
                span,
                head_span,
                text,
                None,
                &mut self.packed,
            ),
            paragraphs: 0,
            has_list: false,
        });
    }

    fn inline(&mut self, event: &Event<'_>, range: Span) {
        // The escaping backslash belongs to the text: a key written before `*nix` in
        // `\*nix` would otherwise go between the two, and the person's escape would escape
        // the key's `[` instead.
        let range = match event {
            Event::Text(_) => escape_start(self.text, range.start)..range.end,
            _ => range,
        };
        let (head, text) = if let Some((_, head, text, _)) = self.block.as_mut() {
            (head, text)
        } else if let Some(frame) = self.frames.last_mut()
            && !frame.head_done
            && (frame.candidate || frame.depth == 1)
        {
            (&mut frame.head, &mut frame.text)
        } else {
            return;
        };
        let is_inline = match event {
            Event::Text(t) | Event::Code(t) => {
                text.push_str(t);
                if head.link_depth == 0 && !t.trim().is_empty() {
                    head.text_outside_links = true;
                }
                true
            }
            Event::SoftBreak | Event::HardBreak => {
                text.push(' ');
                true
            }
            Event::InlineHtml(_) | Event::FootnoteReference(_) => {
                if head.link_depth == 0 {
                    head.text_outside_links = true;
                }
                true
            }
            Event::Start(Tag::Link { .. }) => {
                if head.link_depth == 0 {
                    head.links += 1;
                }
                head.link_depth += 1;
                true
            }
            Event::End(TagEnd::Link) => {
                head.link_depth = head.link_depth.saturating_sub(1);
                true
            }
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Image { .. })
            | Event::End(
                TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Image,
            )
            | Event::InlineMath(_) => true,
            _ => false,
        };
        if is_inline {
            head.span = Some(match head.span.take() {
                Some(span) => span.start.min(range.start)..span.end.max(range.end),
                None => range,
            });
        }
    }
}

/// Where a text event really starts: pulldown-cmark starts the text of an escaped character
/// (`\*`, `\#`, `\\`) after its backslash, which is the person's as much as the character.
/// A backslash escapes the character after it when an odd number of backslashes precede it.
fn escape_start(source: &str, start: usize) -> usize {
    let bytes = source.as_bytes();
    let punctuation = bytes.get(start).is_some_and(u8::is_ascii_punctuation);
    let backslashes = bytes[..start]
        .iter()
        .rev()
        .take_while(|byte| **byte == b'\\')
        .count();
    if punctuation && backslashes % 2 == 1 {
        start - 1
    } else {
        start
    }
}

/// A label: text ending in a colon ("Short-term:", "**Follow-up actions:**").
pub(crate) fn is_label(text: &str) -> bool {
    let text = text.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '*' | '_'));
    text.ends_with(':') || text.ends_with('：')
}

/// A paragraph that only holds the place of items: "None yet.", "TBD", "To do.", "N/A".
pub(crate) fn is_filler(text: &str) -> bool {
    let text = text.trim().trim_end_matches(['.', '!', '…']);
    super::marker::is_placeholder(text)
        || [
            "none yet",
            "nothing yet",
            "nothing",
            "no action items",
            "none so far",
            "tbc",
        ]
        .iter()
        .any(|filler| text.eq_ignore_ascii_case(filler))
}

/// A template's placeholder rather than an item: only bracketed blanks (`[対策内容]`,
/// `[describe the fix]`) and template tokens (`YYYY-MM-DD`, `XXX`) once labels are set aside.
fn is_template(text: &str) -> bool {
    let mut rest = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut blanks = 0;
    for c in text.chars() {
        match c {
            '[' | '(' | '（' => {
                depth += 1;
                blanks += 1;
            }
            ']' | ')' | '）' => depth = depth.saturating_sub(1),
            c if depth == 0 => rest.push(c),
            _ => {}
        }
    }
    let tokens = ["YYYY", "MM", "DD", "HH", "mm", "XXX", "TBD"];
    let mut words = 0;
    let all_blank = rest.split_whitespace().all(|word| {
        words += 1;
        if word.ends_with([':', '：']) {
            return true;
        }
        let parts: Vec<&str> = word
            .split(|c: char| !c.is_alphanumeric())
            .filter(|p| !p.is_empty())
            .collect();
        let template = !parts.is_empty() && parts.iter().all(|p| tokens.contains(p));
        if template {
            blanks += 1;
        }
        template || parts.is_empty()
    });
    all_blank && blanks > 0 && (text.trim_start().starts_with('[') || words > 0)
}

/// A question ("How do we detect this sooner?").
pub(crate) fn is_question(text: &str) -> bool {
    let text = text.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '*' | '_'));
    text.ends_with('?') || text.ends_with('？')
}

/// The length of a TODO or DONE marker at the start of `text` (`TODO`, `TODO:`, `[DONE]`,
/// `Done:`), with what separates it from the item text.
pub(crate) fn todo_marker_len(text: &str) -> Option<usize> {
    let bracket = text.starts_with('[');
    let rest = if bracket { &text[1..] } else { text };
    let word = rest.get(..4)?;
    let upper = word == "TODO" || word == "DONE";
    let any_case = word.eq_ignore_ascii_case("todo") || word.eq_ignore_ascii_case("done");
    if !any_case {
        return None;
    }
    let after = &rest[4..];
    if after.chars().next().is_some_and(char::is_alphanumeric) {
        return None;
    }
    let closed = if bracket {
        after.strip_prefix(']')?
    } else {
        after
    };
    let colon = closed.trim_start().starts_with([':', '：']);
    if !(upper || bracket || colon) {
        return None;
    }
    let sep = closed.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, ':' | '：' | '-' | '—' | '–')
    });
    Some(text.len() - sep.len())
}

/// Whether a paragraph starts with a TODO or DONE marker (after any key pm-sync wrote and any
/// status emoji).
pub(crate) fn is_todo_marked(text: &str) -> bool {
    let emoji = |c: char| super::refs::is_status_emoji(c) || c.is_whitespace();
    let text = super::key::strip_key_prefix(text.trim_start_matches(emoji));
    todo_marker_len(text.trim_start_matches(emoji)).is_some()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_list_item_read_is_thirty_two_bytes_at_most() {
        // A list of 100,000 items is held whole until its section is read.
        assert!(std::mem::size_of::<RawListItem>() <= 32);
    }

    #[test]
    fn list_item_texts_with_markup_come_back_from_their_packed_bytes() {
        let text = "# PM\n\n## Action Items\n\n\
                    - [ ] Add `retry` &amp; *backoff* to the [client][c]\n\
                    - [x] Plain words\n\
                    - [ ] Split\n  over two lines\n\n\
                    [c]: https://example.com\n";
        let report = crate::report::Report::parse(
            std::path::Path::new("pm.md"),
            text.as_bytes().to_vec(),
            &crate::report::ReportOptions::default(),
        )
        .expect("parses");
        let boxes: Vec<(usize, Option<bool>)> = report
            .iter_items()
            .map(|item| (item.row, item.checkbox.map(|c| c.checked)))
            .collect();
        assert_eq!(boxes, [(1, Some(false)), (2, Some(true)), (3, Some(false))]);
        let texts: Vec<String> = report.iter_items().map(|item| item.item.text).collect();
        assert_eq!(
            texts,
            [
                "Add retry & backoff to the client",
                "Plain words",
                "Split over two lines"
            ]
        );
    }

    use super::*;

    #[test]
    fn todo_markers() {
        assert_eq!(todo_marker_len("TODO add alerts"), Some(5));
        assert_eq!(todo_marker_len("TODO: add alerts"), Some(6));
        assert_eq!(todo_marker_len("[DONE] x"), Some(7));
        assert_eq!(todo_marker_len("Done: x"), Some(6));
        assert_eq!(todo_marker_len("Todo list"), None);
        assert_eq!(todo_marker_len("TODOS x"), None);
        assert_eq!(todo_marker_len("Doneness"), None);
        assert!(is_todo_marked("OPS-1 — TODO: x"));
        assert!(is_label("**Follow-up actions:**"));
        assert!(is_question("How do we know?"));
    }
}
