//! Confluence storage format (XHTML with `ac:`/`ri:` elements): find the action items under an
//! `<hN>` heading — an XHTML table, a task list (`ac:task-list`) or a list — and give them the
//! same [`ActionItem`]s as every other container, with the places pm-sync writes in storage:
//! keys as links at the start of the item, statuses as status lozenges (or text where the cell
//! holds text), tasks ticked through their `ac:task-status`. Jira macros
//! (`ac:structured-macro ac:name="jira"`) link an item; pm-sync never rewrites them.
//!
//! A tolerant tag walker with byte spans, never an XML parser: storage uses HTML entities
//! (`&nbsp;`) that strict XML rejects, and nothing is ever re-serialised.

use std::path::Path;

use super::error::{Origin, ReportError};
use super::explain::Explanation;
use super::heading::{self, SectionMatcher};
use super::incident_date::{Source, SourceKind, find_date, map_severity};
use super::items::{self, ItemParts, LineCounter};
use super::model::{
    ActionItem, Cell, Checkbox, ContainerKind, FrontMatter, KeyPlace, Span, StatusForm,
};
use super::packed::ItemStore;
use super::table::collapse_whitespace;
use super::vocabulary::{self, Strength};
use super::{Parsed, ReportOptions, columns, html_table};

/// One tag of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tag<'a> {
    /// Lower-case-insensitive name as written (`p`, `ac:task`, `ri:user`).
    name: &'a str,
    /// Bytes of the whole tag, `<` to `>`.
    span: (usize, usize),
    kind: TagKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    Open,
    Close,
    /// `<br />`, `<time … />`.
    Empty,
}

/// Every tag of `text[from..]` in order; comments and CDATA sections are passed over.
fn tags(text: &str, from: usize) -> impl Iterator<Item = Tag<'_>> {
    let bytes = text.as_bytes();
    let mut at = from;
    std::iter::from_fn(move || {
        loop {
            let open = at + memchr::memchr(b'<', bytes.get(at..)?)?;
            let rest = &text[open..];
            if rest.starts_with("<!--") {
                at = rest.find("-->").map_or(text.len(), |i| open + i + 3);
                continue;
            }
            if rest.starts_with("<![CDATA[") {
                at = rest.find("]]>").map_or(text.len(), |i| open + i + 3);
                continue;
            }
            let close = open + memchr::memchr(b'>', &bytes[open..])?;
            at = close + 1;
            let inner = &text[open + 1..close];
            let (kind, inner) = if let Some(name) = inner.strip_prefix('/') {
                (TagKind::Close, name)
            } else if let Some(body) = inner.strip_suffix('/') {
                (TagKind::Empty, body)
            } else {
                (TagKind::Open, inner)
            };
            let name_end = inner
                .find(|c: char| c.is_whitespace() || c == '/')
                .unwrap_or(inner.len());
            let name = &inner[..name_end];
            if name.is_empty() || name.starts_with('!') || name.starts_with('?') {
                continue;
            }
            return Some(Tag {
                name,
                span: (open, close + 1),
                kind,
            });
        }
    })
}

/// The value of attribute `name` in the tag at `span`.
fn attribute<'a>(text: &'a str, span: (usize, usize), name: &str) -> Option<&'a str> {
    let tag = &text[span.0..span.1];
    let mut search = 0;
    while let Some(found) = tag[search..].find(name) {
        let at = search + found;
        search = at + name.len();
        let before = tag[..at].chars().next_back();
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let rest = tag[at + name.len()..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let quote = rest.chars().next()?;
        if quote != '"' && quote != '\'' {
            continue;
        }
        let value = &rest[1..];
        return value.find(quote).map(|end| &value[..end]);
    }
    None
}

/// Where the element opened by the tag at index `open` of `all` closes: the index of its
/// closing tag (same name, nesting counted), or `None` when it never does.
fn closing(all: &[Tag<'_>], open: usize) -> Option<usize> {
    let name = all[open].name;
    let mut depth = 0usize;
    for (i, tag) in all.iter().enumerate().skip(open) {
        if !tag.name.eq_ignore_ascii_case(name) {
            continue;
        }
        match tag.kind {
            TagKind::Open => depth += 1,
            TagKind::Close => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            TagKind::Empty => {}
        }
    }
    None
}

/// The heading level of `name` (`h1`…`h6`).
fn heading_level(name: &str) -> Option<u8> {
    let b = name.as_bytes();
    (b.len() == 2 && (b[0] == b'h' || b[0] == b'H') && (b'1'..=b'6').contains(&b[1]))
        .then(|| b[1] - b'0')
}

/// A macro's parameter `name`, as text, inside `text[span]`.
fn macro_parameter(text: &str, span: Span, name: &str) -> Option<(Span, String)> {
    let all: Vec<Tag<'_>> = tags(&text[..span.end], span.start).collect();
    for (i, tag) in all.iter().enumerate() {
        if tag.kind == TagKind::Open
            && tag.name == "ac:parameter"
            && attribute(text, tag.span, "ac:name") == Some(name)
            && let Some(close) = closing(&all, i)
        {
            let inner = tag.span.1..all[close].span.0;
            return Some((inner.clone(), plain_text(&text[inner])));
        }
    }
    None
}

/// A structured macro of kind `macro_name` inside `span`: its whole bytes.
fn find_macro(text: &str, span: Span, macro_name: &str) -> Option<Span> {
    let all: Vec<Tag<'_>> = tags(&text[..span.end], span.start).collect();
    all.iter().enumerate().find_map(|(i, tag)| {
        (tag.kind == TagKind::Open
            && tag.name == "ac:structured-macro"
            && attribute(text, tag.span, "ac:name") == Some(macro_name))
        .then(|| closing(&all, i).map(|close| tag.span.0..all[close].span.1))
        .flatten()
    })
}

/// Text as a reader of the page sees it: tags dropped, entities decoded, whitespace collapsed;
/// a status lozenge reads as its title, a Jira macro as its key, a date as its value, and the
/// other parameters of macros not at all.
pub(crate) fn plain_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut at = 0;
    let all: Vec<Tag<'_>> = tags(raw, 0).collect();
    let mut i = 0;
    let push_text = |out: &mut String, piece: &str| {
        let mut rest = piece;
        // CDATA sections are text as written.
        while let Some(start) = rest.find("<![CDATA[") {
            out.push_str(&html_escape::decode_html_entities(&rest[..start]));
            let body = &rest[start + 9..];
            let end = body.find("]]>").unwrap_or(body.len());
            out.push_str(&body[..end]);
            rest = body.get(end + 3..).unwrap_or("");
        }
        let visible = strip_comments(rest);
        out.push_str(&html_escape::decode_html_entities(&visible));
    };
    while i < all.len() {
        let tag = all[i];
        push_text(&mut out, &raw[at..tag.span.0]);
        at = tag.span.1;
        i += 1;
        let skip_to = |name_ok: bool| if name_ok { closing(&all, i - 1) } else { None };
        match (tag.name, tag.kind) {
            ("ac:structured-macro", TagKind::Open) => {
                let Some(close) = skip_to(true) else { continue };
                let whole = tag.span.0..all[close].span.1;
                let kind = attribute(raw, tag.span, "ac:name").unwrap_or("");
                let shown = match kind {
                    "status" => macro_parameter(raw, whole.clone(), "title").map(|(_, t)| t),
                    "jira" => macro_parameter(raw, whole.clone(), "key").map(|(_, t)| t),
                    _ => None,
                };
                match shown {
                    Some(shown) => {
                        out.push(' ');
                        out.push_str(&shown);
                        out.push(' ');
                        at = all[close].span.1;
                        i = close + 1;
                    }
                    None => {
                        // Other macros: their rich-text body is read, their parameters not.
                    }
                }
            }
            ("ac:parameter", TagKind::Open) => {
                if let Some(close) = skip_to(true) {
                    at = all[close].span.1;
                    i = close + 1;
                }
            }
            ("time", TagKind::Empty | TagKind::Open) => {
                if let Some(date) = attribute(raw, tag.span, "datetime") {
                    out.push_str(date);
                }
            }
            ("ac:emoticon", _) => {
                if let Some(emoji) = attribute(raw, tag.span, "ac:emoji-fallback") {
                    out.push_str(emoji);
                }
            }
            ("ac:task-id" | "ac:task-uuid" | "ac:task-status", TagKind::Open) => {
                if let Some(close) = skip_to(true) {
                    at = all[close].span.1;
                    i = close + 1;
                }
            }
            (name, _) if is_block(name) => out.push(' '),
            _ => {}
        }
    }
    push_text(&mut out, &raw[at..]);
    collapse_whitespace(&out)
}

/// `raw` without `<!-- … -->` comments.
fn strip_comments(raw: &str) -> std::borrow::Cow<'_, str> {
    if !raw.contains("<!--") {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut out = String::new();
    let mut rest = raw;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("-->")
            .map_or("", |end| &rest[start + end + 3..]);
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Tags that separate words.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "br" | "li" | "div" | "td" | "th" | "tr" | "ul" | "ol" | "ac:task" | "ac:task-body"
    ) || heading_level(name).is_some()
}

/// What holds the action items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Table(usize),
    /// A task list or a list: the index of its opening tag among the body's tags.
    Tasks(usize),
    List(usize),
}

/// Parses a storage body: the action items, the page's incident date and severity.
pub(crate) fn parse(
    name: &Path,
    text: &str,
    title: &str,
    options: &ReportOptions,
) -> Result<Parsed, ReportError> {
    let all: Vec<Tag<'_>> = tags(text, 0).collect();
    let (first_heading, chosen) = choose_section(text, &all, &options.section);
    let front_matter = front_matter(name, text, title, &all, options);
    let Some((heading_text, container)) = chosen else {
        let origin_span = first_heading.clone().map_or(0..0, |(span, _)| span);
        let origin = Origin::new(name, text, origin_span);
        return Err(match first_heading {
            None => ReportError::NoSection {
                at: origin.at,
                section: if options.section.is_empty() {
                    "for action items (\"Action Items\", \"Follow-ups\", \"Next Steps\", \"Corrective actions\"… in ten languages)".to_owned()
                } else {
                    heading::describe(&options.section)
                },
                first: options
                    .section
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "Action Items".to_owned()),
                post_mortem: true,
                src: origin.src,
                span: origin.span,
            },
            Some((_, heading_text)) => ReportError::NoTable {
                at: origin.at,
                section: heading_text,
                post_mortem: true,
                src: origin.src,
                span: origin.span,
            },
        });
    };
    let mut lines = LineCounter::new(text);
    let (kind, items) = match container {
        Container::Table(start) => {
            let mut table = html_table::read(text, start).map_err(|unclosed| {
                let origin = Origin::new(name, text, unclosed.tag);
                ReportError::UnclosedTable {
                    at: origin.at,
                    src: origin.src,
                    span: origin.span,
                }
            })?;
            for row in table.header.iter_mut().chain(table.body.iter_mut()) {
                for cell in &mut row.cells {
                    cell.text = plain_text(&text[cell.span.clone()]);
                }
            }
            let columns = columns::map_or_report(name, text, table.header.as_ref(), start)?;
            let cx = items::Context::new(text, ContainerKind::Html, &options.ticket_projects);
            let items = items::build(&cx, table.body, &columns, &mut lines)
                .map_err(|ragged| ragged.into_error(name, text))?;
            // Pages are small: their items are adjusted as structs, then packed again.
            (ContainerKind::Html, items.iter(text).collect())
        }
        Container::Tasks(open) | Container::List(open) => {
            let tasks = matches!(container, Container::Tasks(_));
            let cx = items::Context::new(text, ContainerKind::Html, &options.ticket_projects);
            (
                ContainerKind::Html,
                list_items(&cx, text, &all, open, tasks, &mut lines),
            )
        }
    };
    let table_line = items
        .first()
        .map_or(1, |item: &ActionItem| item.line.max(1));
    let mut items: Vec<ActionItem> = items;
    for item in &mut items {
        adjust(text, item);
    }
    let items = super::Items::new(ItemStore::from_items(text, &items));
    let explanation = Explanation {
        section: Some(heading_text.clone()),
        choice: Some(if options.section.is_empty() {
            "a heading of the page names the action items".to_owned()
        } else {
            "the heading `[report] section` names".to_owned()
        }),
        container: format!("{kind:?} in the page's storage format"),
        ..Explanation::default()
    };
    Ok(Parsed {
        kind,
        table_line,
        heading: Some(heading_text),
        front_matter,
        items,
        explanation,
    })
}

/// The section of a page: the first heading with a container under it among those the
/// configured names match, or, with none configured, among the headings the built-in vocabulary
/// names strongly, then fairly ("Next steps"). Also the first heading that matched at all
/// (span and text), for the error when none has a container.
#[allow(clippy::type_complexity)]
fn choose_section(
    text: &str,
    all: &[Tag<'_>],
    configured: &[String],
) -> (
    Option<(std::ops::Range<usize>, String)>,
    Option<(String, Container)>,
) {
    // (rank, tag index, level, close index, text) of every heading that names the section.
    let mut named: Vec<(u8, usize, u8, usize, String)> = Vec::new();
    for (i, tag) in all.iter().enumerate() {
        let Some(level) = heading_level(tag.name).filter(|_| tag.kind == TagKind::Open) else {
            continue;
        };
        let Some(close) = closing(all, i) else {
            continue;
        };
        let heading_text = plain_text(&text[tag.span.1..all[close].span.0]);
        let rank = if configured.is_empty() {
            match vocabulary::heading(&heading_text) {
                Some((Strength::Strong, _)) => Some(0),
                Some((Strength::Fair, _)) => Some(1),
                _ => None,
            }
        } else {
            SectionMatcher::new(configured, 0)
                .matches(&heading_text)
                .then_some(0)
        };
        if let Some(rank) = rank {
            named.push((rank, i, level, close, heading_text));
        }
    }
    let first = named
        .first()
        .map(|(_, i, _, close, t)| (all[*i].span.0..all[*close].span.1, t.clone()));
    // Stable: within a rank, document order.
    named.sort_by_key(|(rank, ..)| *rank);
    let chosen = named
        .into_iter()
        .find_map(|(_, _, level, close, heading_text)| {
            container_after(all, close + 1, level).map(|container| (heading_text, container))
        });
    (first, chosen)
}

/// The first table, task list or list after the heading closed at tag `from - 1`, before the
/// next heading of the same or a higher level.
fn container_after(all: &[Tag<'_>], from: usize, level: u8) -> Option<Container> {
    for (i, tag) in all.iter().enumerate().skip(from) {
        if tag.kind != TagKind::Open {
            continue;
        }
        if heading_level(tag.name).is_some_and(|l| l <= level) {
            return None;
        }
        match tag.name {
            "table" => return Some(Container::Table(tag.span.0)),
            "ac:task-list" => return Some(Container::Tasks(i)),
            "ul" | "ol" => return Some(Container::List(i)),
            _ => {}
        }
    }
    None
}

/// The items of a task list (`ac:task`) or a list (`li`) opened at tag `open`: direct children
/// only (a nested list is part of its parent item).
fn list_items(
    cx: &items::Context<'_>,
    text: &str,
    all: &[Tag<'_>],
    open: usize,
    tasks: bool,
    lines: &mut LineCounter<'_>,
) -> Vec<ActionItem> {
    let Some(end) = closing(all, open) else {
        return Vec::new();
    };
    let child = if tasks { "ac:task" } else { "li" };
    let mut out = Vec::new();
    let mut i = open + 1;
    let mut position = 0;
    while i < end {
        let tag = all[i];
        if tag.kind != TagKind::Open || tag.name != child {
            i += 1;
            continue;
        }
        let Some(close) = closing(all, i) else { break };
        position += 1;
        let whole = tag.span.1..all[close].span.0;
        let (body, checkbox) = if tasks {
            task_parts(text, all, i, close)
        } else {
            (whole.clone(), None)
        };
        let head = items::first_paragraph(text, &body, ContainerKind::Html);
        let head = inline_body(text, all, head);
        let item_text = plain_text(&text[head.clone()]);
        if item_text.is_empty() {
            i = close + 1;
            continue;
        }
        let parts = ItemParts {
            row: position,
            line: lines.line_of(tag.span.0),
            item: Cell {
                span: head.clone(),
                text: item_text,
            },
            rest: [body.start..head.start, head.end..body.end],
            head,
            checkbox,
        };
        out.push(items::text_item(cx, parts, Vec::new()));
        i = close + 1;
    }
    out
}

/// A task's body and its box: the bytes inside `ac:task-body` and the `ac:task-status` text.
fn task_parts(text: &str, all: &[Tag<'_>], open: usize, close: usize) -> (Span, Option<Checkbox>) {
    let mut body = all[open].span.1..all[close].span.0;
    let mut checkbox = None;
    let mut i = open + 1;
    while i < close {
        let tag = all[i];
        if tag.kind == TagKind::Open
            && let Some(end) = closing(all, i)
        {
            let inner = tag.span.1..all[end].span.0;
            match tag.name {
                "ac:task-status" => {
                    let word = &text[inner.clone()];
                    let lead = word.len() - word.trim_start().len();
                    checkbox = Some(Checkbox {
                        at: inner.start + lead,
                        checked: word.trim() == "complete",
                    });
                }
                "ac:task-body" => body = inner,
                _ => {}
            }
            i = end + 1;
            continue;
        }
        i += 1;
    }
    (body, checkbox)
}

/// `span` without a wrapping `<span class="placeholder-inline-tasks">` (Cloud task bodies),
/// whitespace trimmed.
fn inline_body(text: &str, all: &[Tag<'_>], span: Span) -> Span {
    let raw = &text[span.clone()];
    let lead = raw.len() - raw.trim_start().len();
    let start = span.start + lead;
    // Tags are in document order: found by binary search, not a walk per item.
    let Ok(i) = all.binary_search_by_key(&start, |t| t.span.0) else {
        return start..span.start + raw.trim_end().len();
    };
    let tag = all[i];
    if tag.kind == TagKind::Open
        && tag.name == "span"
        && let Some(close) = closing(all, i)
        && all[close].span.1 >= span.end - (raw.len() - raw.trim_end().len())
    {
        let inner = tag.span.1..all[close].span.0;
        let body = &text[inner.clone()];
        let lead = body.len() - body.trim_start().len();
        return inner.start + lead..inner.start + body.trim_end().len();
    }
    start..span.start + raw.trim_end().len()
}

/// Storage's own places: a Jira macro links its item (and is never rewritten), a status
/// lozenge is the status pm-sync rewrites, an empty status cell gets a lozenge, and an item
/// without a Status column shows its status as a lozenge after its text.
fn adjust(text: &str, item: &mut ActionItem) {
    // A Jira macro in the item text or the ticket cell is the item's ticket.
    let mut regions = vec![item.item.span.clone()];
    regions.extend(item.ticket.clone());
    for region in regions {
        if let Some(whole) = find_macro(text, region, "jira")
            && let Some((_, key)) = macro_parameter(text, whole.clone(), "key")
            && super::key::is_key(&key)
        {
            if item.key.as_deref() != Some(key.as_str()) {
                if let Some(old) = item.key.take() {
                    item.related.retain(|k| *k != key);
                    if old != key {
                        item.related.insert(0, old);
                    }
                }
                item.key = Some(key);
            }
            item.key_place = KeyPlace::Fixed;
            item.key_managed = false;
            break;
        }
    }
    // The summary: the item's text without the key a person or pm-sync put first.
    let summary = items::summary_of(&item.item.text, &[]);
    item.summary_span = summary;
    if let Some(key) = item.key.as_deref() {
        let text_of = &item.item.text;
        let start = item.summary_span.start;
        if text_of[start..item.summary_span.end].starts_with(key) {
            let after = start + key.len();
            let rest = &text_of[after..item.summary_span.end];
            let trimmed = rest.trim_start_matches([' ', ':', '-', '—', '–']);
            item.summary_span = item.summary_span.end - trimmed.len()..item.summary_span.end;
        }
    }
    let slot = &mut item.status;
    // A Status cell's content, or (without a Status column) the end of the item text; a
    // marker pm-sync wrote beside a person's words in a Status cell stays a marker.
    let look_in = match (&item.status_cell, slot.form) {
        (Some(cell), StatusForm::Cell) => Some(cell.clone()),
        (None, StatusForm::Marker) => Some(item.item.span.clone()),
        _ => None,
    };
    let Some(region) = look_in else { return };
    match find_macro(text, region.clone(), "status") {
        Some(whole) => {
            let title = macro_parameter(text, whole.clone(), "title")
                .map(|(_, t)| t)
                .unwrap_or_default();
            slot.current = Some(Cell {
                span: whole,
                text: title,
            });
            slot.form = StatusForm::Lozenge;
        }
        None if slot.form == StatusForm::Marker => {
            slot.form = StatusForm::Lozenge;
            slot.current = None;
            slot.append_at = item.item.span.end;
        }
        None => {
            // A Status cell: empty, it gets a lozenge; holding text, it keeps text, written
            // inside its paragraph.
            if slot.text().is_empty()
                && let Some(cell) = slot.current.as_mut()
            {
                cell.span = empty_cell_place(text, region);
                slot.form = StatusForm::Lozenge;
            } else if let Some(cell) = slot.current.as_mut()
                && text[cell.span.clone()].starts_with("<p")
                && text[cell.span.clone()].matches("<p").count() == 1
            {
                let inner = items::first_paragraph(text, &cell.span, ContainerKind::Html);
                if slot.append_at == cell.span.end {
                    slot.append_at = inner.end;
                }
                cell.span = inner;
            }
        }
    }
    if let Some(status) = &item.status.current
        && item.status.form == StatusForm::Lozenge
        && !status.text.is_empty()
    {
        // The item text read the lozenge's title: not part of the summary.
        let text_of = &item.item.text;
        let span = item.summary_span.clone();
        let shown = &text_of[span.clone()];
        if let Some(before) = shown.strip_suffix(status.text.as_str()) {
            item.summary_span = span.start..span.start + before.trim_end().len();
        }
    }
}

/// Where a lozenge goes in an empty cell: inside its paragraph (`<p></p>`, `<p><br /></p>`),
/// or over an empty `<p />`, or the whole (blank) cell.
fn empty_cell_place(text: &str, cell: Span) -> Span {
    let raw = &text[cell.clone()];
    let trimmed = raw.trim();
    let lead = raw.len() - raw.trim_start().len();
    let start = cell.start + lead;
    if trimmed.starts_with("<p") && trimmed.ends_with("/>") && !trimmed.contains("</p>") {
        return start..start + trimmed.len();
    }
    if let Some(open_end) = trimmed.find('>')
        && trimmed.starts_with("<p")
        && trimmed.ends_with("</p>")
    {
        return start + open_end + 1..start + trimmed.len() - 4;
    }
    cell
}

/// The colour a status lozenge gets for a status category.
pub(crate) fn lozenge(out: &mut String, escaped_title: &str, colour: &str) {
    out.push_str("<ac:structured-macro ac:name=\"status\" ac:schema-version=\"1\">");
    out.push_str("<ac:parameter ac:name=\"colour\">");
    out.push_str(colour);
    out.push_str("</ac:parameter><ac:parameter ac:name=\"title\">");
    out.push_str(escaped_title);
    out.push_str("</ac:parameter></ac:structured-macro>");
}

/// The incident date and severity of a page: a `Date` (or `Incident date`) row of a table, a
/// date picker in it, then the page title; a `Severity` row, then the title.
fn front_matter(
    name: &Path,
    text: &str,
    title: &str,
    all: &[Tag<'_>],
    options: &ReportOptions,
) -> FrontMatter {
    let _ = name;
    let mut fm = FrontMatter {
        title: (!title.is_empty()).then(|| title.to_owned()),
        ..FrontMatter::default()
    };
    let mut lines = LineCounter::new(text);
    for (i, tag) in all.iter().enumerate() {
        if tag.kind != TagKind::Open || tag.name != "tr" {
            continue;
        }
        let Some(close) = closing(all, i) else {
            continue;
        };
        let cells: Vec<Span> = all[i..close]
            .iter()
            .enumerate()
            .filter(|(_, t)| t.kind == TagKind::Open && (t.name == "td" || t.name == "th"))
            .filter_map(|(j, t)| closing(all, i + j).map(|c| t.span.1..all[c].span.0))
            .collect();
        let [label, value, ..] = cells.as_slice() else {
            continue;
        };
        let label_text = plain_text(&text[label.clone()]).to_lowercase();
        let label_text = label_text.trim_end_matches(':').trim();
        let value_text = plain_text(&text[value.clone()]);
        let line = lines.line_of(tag.span.0);
        let source = || Source {
            kind: SourceKind::TableRow,
            line: Some(line),
            text: shown(&format!("{label_text}: {value_text}")),
        };
        if fm.incident_date.is_none()
            && matches!(label_text, "date" | "incident date" | "date of incident")
        {
            let picked = tags(&text[..value.end], value.start)
                .find(|t| t.name == "time")
                .and_then(|t| attribute(text, t.span, "datetime"))
                .and_then(super::front_matter::parse_date);
            let written = picked.or_else(|| match find_date(&value_text) {
                Some((super::incident_date::Reading::One(day), _)) => Some(day),
                _ => None,
            });
            if let Some(day) = written {
                fm.incident_date = Some(day);
                fm.incident_date_source = Some(source());
            }
        }
        if fm.severity.is_none()
            && matches!(label_text, "severity" | "incident severity" | "sev")
            && let Some(severity) = map_severity(&value_text, &options.severity_map)
        {
            fm.severity = Some(severity);
            fm.severity_source = Some(source());
        }
    }
    let title_source = || Source {
        kind: SourceKind::Title,
        line: Some(1),
        text: shown(title),
    };
    if fm.incident_date.is_none()
        && let Some((super::incident_date::Reading::One(day), _)) = find_date(title)
    {
        fm.incident_date = Some(day);
        fm.incident_date_source = Some(title_source());
    }
    if fm.severity.is_none() {
        let words: Vec<&str> = title
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .filter(|w| !w.is_empty())
            .collect();
        let found = words.iter().enumerate().find_map(|(i, word)| {
            map_severity(word, &options.severity_map).or_else(|| {
                words
                    .get(i + 1)
                    .filter(|_| word.eq_ignore_ascii_case("sev"))
                    .and_then(|n| map_severity(&format!("sev{n}"), &options.severity_map))
            })
        });
        if let Some(severity) = found {
            fm.severity = Some(severity);
            fm.severity_source = Some(title_source());
        }
    }
    fm
}

/// A value as shown in messages: one line, at most 100 characters.
fn shown(text: &str) -> String {
    let one = collapse_whitespace(text);
    match one.char_indices().nth(100) {
        Some((at, _)) => format!("{}…", &one[..at]),
        None => one,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_reads_lozenges_keys_dates_and_cdata() {
        let raw = "<p>Cap&nbsp;retries <ac:structured-macro ac:name=\"status\"><ac:parameter \
                   ac:name=\"colour\">Green</ac:parameter><ac:parameter ac:name=\"title\">DONE\
                   </ac:parameter></ac:structured-macro> by <time datetime=\"2026-04-01\" /> \
                   <ac:link><ri:page ri:content-title=\"X\" /><ac:plain-text-link-body><![CDATA[a > b]]>\
                   </ac:plain-text-link-body></ac:link></p>";
        assert_eq!(plain_text(raw), "Cap retries DONE by 2026-04-01 a > b");
    }

    #[test]
    fn tiny_tag_walker_finds_attributes() {
        let text =
            "<ac:task-list ac:task-list-id=\"x1\"><time datetime='2026-01-02'/></ac:task-list>";
        let all: Vec<Tag<'_>> = tags(text, 0).collect();
        assert_eq!(all.len(), 3);
        assert_eq!(attribute(text, all[0].span, "ac:task-list-id"), Some("x1"));
        assert_eq!(attribute(text, all[1].span, "datetime"), Some("2026-01-02"));
        assert_eq!(all[1].kind, TagKind::Empty);
        assert_eq!(closing(&all, 0), Some(2));
    }
}
