//! Finding the configured section's heading and the action items under it, in one pulldown-cmark
//! pass that also notes where the YAML front matter is.
//!
//! Headings inside code blocks never become heading events, so they are ignored for free. The
//! section runs to the next heading of the same or a higher level. Its first table holds the
//! items; a section without a table has them as lists (under sub-headings and in blockquotes
//! too). Later tables and lists under other headings are never looked at.

use std::ops::Range;

use pulldown_cmark::{Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};

use super::heading::SectionMatcher;
use super::html_table;
use super::list::{Collector, RawListItem};
use super::model::Span;
use super::pipe_table;
use super::table::RawTable;

/// Where the table under the section is.
#[derive(Debug)]
pub(crate) enum LocatedTable {
    /// A raw HTML table whose `<table` tag starts at this byte offset; read it with
    /// [`html_table::read`].
    Html(usize),
    /// A GFM pipe table, already read.
    Pipe(RawTable),
    /// No table: the section's top-level list items (at least one).
    List(Vec<RawListItem>),
}

/// Why no table was found.
#[derive(Debug)]
pub(crate) enum SectionError {
    /// No heading with the section's name.
    NoSection,
    /// The heading (this span) has no table and no list item under it.
    NoTable(Span),
}

/// What one pass over the document found.
#[derive(Debug)]
pub(crate) struct Scan {
    /// The YAML text of the front matter (fences excluded), if there is front matter.
    pub(crate) front_matter: Option<Span>,
    /// The table under the section.
    pub(crate) table: Result<LocatedTable, SectionError>,
}

/// Scans `text[base..]` (the document after any BOM) for the front matter and for the table
/// under the first heading `wanted` matches. All spans returned are offsets into `text`.
pub(crate) fn scan(text: &str, base: usize, wanted: &SectionMatcher<'_>) -> Scan {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH;
    let mut events = Parser::new_ext(&text[base..], options).into_offset_iter();
    let shift = |range: Range<usize>| range.start + base..range.end + base;

    let mut front_matter: Option<Span> = None;
    let mut in_metadata = false;
    // The heading being read: its level, span and text so far.
    let mut heading: Option<(pulldown_cmark::HeadingLevel, Span, String)> = None;
    // The section heading once found: its level and span.
    let mut found: Option<(pulldown_cmark::HeadingLevel, Span)> = None;
    // List items under the section, used when it has no table.
    let mut lists = Collector::default();

    while let Some((event, range)) = events.next() {
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => in_metadata = true,
            Event::End(TagEnd::MetadataBlock(_)) => in_metadata = false,
            Event::Text(_) if in_metadata => {
                let range = shift(range);
                front_matter = Some(match front_matter {
                    Some(seen) => seen.start..range.end,
                    None => range,
                });
            }
            Event::Start(Tag::Heading { level, .. }) => {
                if let Some((section_level, span)) = &found
                    && level <= *section_level
                {
                    return Scan {
                        front_matter,
                        table: lists_or_nothing(lists, span),
                    };
                }
                heading = Some((level, shift(range), String::new()));
            }
            Event::Text(t) | Event::Code(t) if heading.is_some() => {
                if let Some((_, _, s)) = heading.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, span, s)) = heading.take()
                    && found.is_none()
                    && wanted.matches(&s)
                {
                    found = Some((level, span));
                }
            }
            Event::Start(Tag::Table(_)) if found.is_some() => {
                let table = pipe_table::read(text, base, shift(range), &mut events);
                return Scan {
                    front_matter,
                    table: Ok(LocatedTable::Pipe(table)),
                };
            }
            Event::Start(Tag::HtmlBlock) if found.is_some() => {
                let block = shift(range);
                if let Some(at) = html_table::find_table_tag(&text[block.clone()]) {
                    return Scan {
                        front_matter,
                        table: Ok(LocatedTable::Html(block.start + at)),
                    };
                }
                lists.feed(&Event::Start(Tag::HtmlBlock), block);
            }
            Event::InlineHtml(html) if found.is_some() => {
                let lower = html.get(..6).map(str::to_ascii_lowercase);
                let after = html.as_bytes().get(6).copied();
                if lower.as_deref() == Some("<table")
                    && after.is_none_or(|b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
                {
                    return Scan {
                        front_matter,
                        table: Ok(LocatedTable::Html(shift(range).start)),
                    };
                }
                lists.feed(&Event::InlineHtml(html), shift(range));
            }
            event if found.is_some() => lists.feed(&event, shift(range)),
            _ => {}
        }
    }
    let table = match found {
        Some((_, span)) => lists_or_nothing(lists, &span),
        None => Err(SectionError::NoSection),
    };
    Scan {
        front_matter,
        table,
    }
}

/// The section's list items, or the error for a section with no items at all.
fn lists_or_nothing(lists: Collector, heading: &Span) -> Result<LocatedTable, SectionError> {
    if lists.items.is_empty() {
        Err(SectionError::NoTable(heading.clone()))
    } else {
        Ok(LocatedTable::List(lists.items))
    }
}
