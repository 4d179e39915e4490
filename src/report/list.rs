//! Action items written as Markdown lists: bullets, numbers and task lists under the section,
//! under its sub-headings and in blockquotes. One item per top-level list item; continuation
//! lines belong to it and sub-bullets are its own (never items of their own). A list item that is
//! only a link (an issue search) is not an action item.
//!
//! Fed pulldown-cmark's events by the section scan, so finding the section and reading its lists
//! is one pass.

use pulldown_cmark::{Event, Tag, TagEnd};

use super::model::{Checkbox, Span};
use super::table::collapse_whitespace_cow;

/// One top-level list item as read, before it becomes an [`super::model::ActionItem`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawListItem {
    /// 1-based position among the section's top-level list items (skipped ones counted).
    pub(crate) position: usize,
    /// The whole list item.
    pub(crate) span: Span,
    /// Its first paragraph: the item text.
    pub(crate) head: Span,
    /// The first paragraph as a reader sees it.
    pub(crate) text: String,
    /// The task list box.
    pub(crate) checkbox: Option<Checkbox>,
}

/// The item being read.
struct Open {
    span: Span,
    head: Option<Span>,
    checkbox: Option<Checkbox>,
    /// Still inside the first paragraph.
    in_head: bool,
    paragraphs: usize,
    /// Depth of links being read, and what the first paragraph holds outside and inside them.
    link_depth: usize,
    links: usize,
    text_outside_links: bool,
    /// Whether the only link's target is a Jira browse page (then the item is a ticket).
    link_to_ticket: bool,
}

/// Collects the section's list items from the events it is fed.
#[derive(Default)]
pub(crate) struct Collector {
    /// Lists open (nested lists count).
    depth: usize,
    item: Option<Open>,
    /// The open item's first paragraph as read so far (one buffer for every item: each text
    /// is copied out once, at its exact size).
    text: String,
    seen: usize,
    pub(crate) items: Vec<RawListItem>,
}

impl Collector {
    /// Feeds one event (offsets already absolute).
    pub(crate) fn feed(&mut self, event: &Event<'_>, range: Span) {
        match event {
            Event::Start(Tag::List(_)) => {
                self.block_starts();
                self.depth += 1;
            }
            Event::End(TagEnd::List(_)) => self.depth = self.depth.saturating_sub(1),
            Event::Start(Tag::Item) if self.depth == 1 => {
                self.seen += 1;
                self.text.clear();
                self.item = Some(Open {
                    span: range,
                    head: None,
                    checkbox: None,
                    in_head: true,
                    paragraphs: 0,
                    link_depth: 0,
                    links: 0,
                    text_outside_links: false,
                    link_to_ticket: false,
                });
            }
            Event::End(TagEnd::Item) if self.depth == 1 => self.finish(),
            _ if self.depth != 1 => {}
            Event::TaskListMarker(checked) => {
                if let Some(open) = self.item.as_mut()
                    && open.head.is_none()
                {
                    open.checkbox = Some(Checkbox {
                        at: range.start + 1,
                        checked: *checked,
                    });
                }
            }
            Event::Start(Tag::Paragraph) => {
                if let Some(open) = self.item.as_mut() {
                    open.paragraphs += 1;
                    if open.paragraphs > 1 {
                        open.in_head = false;
                    }
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(open) = self.item.as_mut() {
                    open.in_head = false;
                }
            }
            Event::Start(
                Tag::BlockQuote(_)
                | Tag::CodeBlock(_)
                | Tag::HtmlBlock
                | Tag::Heading { .. }
                | Tag::Table(_)
                | Tag::FootnoteDefinition(_),
            )
            | Event::Rule => self.block_starts(),
            event => self.inline(event, range),
        }
    }

    /// A block inside the item ends its first paragraph.
    fn block_starts(&mut self) {
        if let Some(open) = self.item.as_mut() {
            open.in_head = false;
        }
    }

    fn inline(&mut self, event: &Event<'_>, range: Span) {
        let Some(open) = self.item.as_mut() else {
            return;
        };
        if !open.in_head {
            return;
        }
        let is_inline = match event {
            Event::Text(t) | Event::Code(t) => {
                self.text.push_str(t);
                if open.link_depth == 0 && !t.trim().is_empty() {
                    open.text_outside_links = true;
                }
                true
            }
            Event::SoftBreak | Event::HardBreak => {
                self.text.push(' ');
                true
            }
            Event::InlineHtml(_) | Event::FootnoteReference(_) => {
                if open.link_depth == 0 {
                    open.text_outside_links = true;
                }
                true
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                if open.link_depth == 0 {
                    open.links += 1;
                    open.link_to_ticket = super::key::browse_key(dest_url).is_some();
                }
                open.link_depth += 1;
                true
            }
            Event::End(TagEnd::Link) => {
                open.link_depth = open.link_depth.saturating_sub(1);
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
            open.head = Some(match open.head.take() {
                Some(head) => head.start.min(range.start)..head.end.max(range.end),
                None => range,
            });
        }
    }

    fn finish(&mut self) {
        let Some(open) = self.item.take() else {
            return;
        };
        let Some(head) = open.head else {
            return;
        };
        let text = collapse_whitespace_cow(&self.text).into_owned();
        let only_a_search_link =
            open.links == 1 && !open.text_outside_links && !open.link_to_ticket;
        if text.is_empty() || only_a_search_link {
            return;
        }
        self.items.push(RawListItem {
            position: self.seen,
            span: open.span,
            head,
            text,
            checkbox: open.checkbox,
        });
    }
}
