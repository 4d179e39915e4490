//! Finding the action items' section and what it holds, in two steps: one pulldown-cmark pass
//! over the document notes the front matter, every heading, the labels that name action items
//! ("**Follow-up actions:**") and what each heading's part holds; then the chosen section alone
//! is parsed again (its own bytes, reference-style links resolved from the whole document's
//! definitions) to read its items, or to find its table, which is read later a row at a time.
//! Both passes parse a window at a time (`windowed.rs`), so memory stays bounded.
//!
//! Which section: the configured names (`[report] section`) when set; else the first heading
//! holding a strong phrase of the built-in vocabulary whose section has items, then a weak one,
//! then a label line naming action items, then — when nothing is named — the one heading whose
//! part holds a task list, TODO-marked entries or a table with an item column. Sections of the
//! same level that follow a chosen one and are named for action items too (Short-term /
//! Long-term, Corrective / Preventive) are read with it, in order, as one list. Headings inside
//! code blocks never become heading events, so they are ignored for free.

use std::ops::ControlFlow;

use pulldown_cmark::{Event, HeadingLevel, MetadataBlockKind, Options, Tag, TagEnd};

use super::heading::SectionMatcher;
use super::html_table;
use super::list::{self, Collector, RawItems, Shape, Skipped};
use super::model::Span;
use super::pipe_table;
use super::table::RawTable;
use super::vocabulary::{self, Strength};
use super::windowed::{RefDefs, Windowed};

/// What the section holds.
#[derive(Debug)]
pub(crate) enum LocatedTable {
    /// A raw HTML table whose `<table` tag starts at this byte offset; read it with
    /// [`html_table::read`].
    Html(usize),
    /// A GFM pipe table, already read (one inside a list or quote).
    Pipe(RawTable),
    /// A GFM pipe table whose first line starts at this byte offset, a block of its own: read
    /// it with [`read_pipe_table`], a row at a time.
    PipeAt(usize),
    /// No table: the section's items written as text (at least one).
    List(RawItems, Shape),
    /// The value cell (these bytes) of a "Field | Value" table's row naming action items.
    Cell(Span, super::model::ContainerKind),
}

/// Why no items were found.
#[derive(Debug)]
pub(crate) enum SectionError {
    /// No heading with the section's name.
    NoSection,
    /// The heading (this span) has no table and no item under it.
    NoTable(Span),
    /// Nothing is named for action items and several parts could hold them: their headings.
    Several(Vec<(Span, String)>),
}

/// Why the section was chosen, for `items --explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Choice {
    /// A heading matching `[report] section`.
    Configured,
    /// A heading holding a phrase of the built-in vocabulary.
    Vocabulary(Strength, &'static str),
    /// A label line naming action items.
    Label(&'static str),
    /// Nothing was named for action items; this part was the only one holding what items look
    /// like.
    Fallback(&'static str),
}

/// What the document scan found.
#[derive(Debug)]
pub(crate) struct Scan {
    /// The YAML text of the front matter (fences excluded), if there is front matter.
    pub(crate) front_matter: Option<Span>,
    /// The section's contents.
    pub(crate) table: Result<LocatedTable, SectionError>,
    /// The heading (or label) that introduced them, whitespace collapsed.
    pub(crate) heading: Option<String>,
    /// Why that section.
    pub(crate) choice: Option<Choice>,
    /// Sibling sections read after it: their headings and contents.
    pub(crate) siblings: Vec<(String, LocatedTable)>,
    /// What in the section is not an item, and why.
    pub(crate) skipped: Vec<Skipped>,
    /// Whether the document looks like a post-mortem (front matter, a title or heading that
    /// names an incident or half names action items): a folder run may not skip it silently.
    pub(crate) looks_like_post_mortem: bool,
    /// The document's reference definitions, for reading a [`LocatedTable::PipeAt`].
    pub(crate) refdefs: RefDefs,
}

/// Reads the pipe table whose first line starts at `start` ([`LocatedTable::PipeAt`]), handing
/// each row to `each` as it is read (`true` for the header row), `window` bytes of Markdown
/// parsed at a time; `each` returns `Break` to stop.
pub(crate) fn read_pipe_table(
    text: &str,
    start: usize,
    refdefs: &RefDefs,
    window: usize,
    each: impl FnMut(bool, super::table::RawRow) -> ControlFlow<()>,
) {
    let mut events = Windowed::new(text, start..text.len(), options(), Some(refdefs), window);
    if let Some((Event::Start(Tag::Table(_)), _)) = events.next() {
        pipe_table::read_each(text, 0, &mut events, each);
    }
}

/// One heading of the document.
#[derive(Debug)]
struct HeadingInfo {
    level: HeadingLevel,
    span: Span,
    text: String,
    /// Inside a list or blockquote: its section cannot be cut out as a slice of the document.
    nested: bool,
    /// What its own part (to the next heading of any level) holds: open task boxes, TODO
    /// marks, tables.
    task_boxes: usize,
    todo_marks: usize,
    tables: Vec<TableAt>,
}

#[derive(Debug, Clone)]
enum TableAt {
    Html(usize),
    Pipe(Vec<String>),
}

/// A label line naming action items: its block (a paragraph, or a list item and its
/// sub-items) and the phrase.
#[derive(Debug)]
struct Label {
    block: Span,
    text: String,
    phrase: &'static str,
    nested: bool,
    /// A list item: its region is the item (its sub-items); a paragraph's runs to the next
    /// heading or label.
    is_item: bool,
    /// The end of a paragraph label's region: the next heading or label paragraph.
    end: usize,
}

/// A table row whose first cell names action items ("Follow-up tasks"): the field's name,
/// its value cell and the table's markup.
#[derive(Debug)]
struct FieldRow {
    name: String,
    phrase: &'static str,
    value: Span,
    kind: super::model::ContainerKind,
}

/// The outline of the document from the first pass.
struct Outline {
    front_matter: Option<Span>,
    headings: Vec<HeadingInfo>,
    labels: Vec<Label>,
    field: Option<FieldRow>,
    refdefs: RefDefs,
    /// Bytes parsed at a time.
    window: usize,
    /// Whether what the section skips is kept.
    skips: Skips,
}

/// Whether a scan keeps what the section holds that is not an item, and why: only
/// `items --explain` tells it (a list whose every item has a sub-bullet skips a line per item,
/// so a parse that kept them held 100,000 of them for every command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skips {
    Drop,
    Keep,
}

/// The Markdown the reader understands.
pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
}

/// The first pass: headings, labels, front matter, and what each heading's part holds.
fn outline(text: &str, base: usize, window: usize, skips: Skips) -> Outline {
    // Reference-style links in headings and labels resolve across windows: the definitions
    // first, in a pass of their own, when there is more than one window and any definition.
    let definitions = (text.len() - base > window && text.contains("]:")).then(|| {
        let mut pass = Windowed::new(text, base..text.len(), options(), None, window);
        pass.by_ref().for_each(drop);
        pass.into_reference_definitions()
    });
    let mut events = Windowed::new(
        text,
        base..text.len(),
        options(),
        definitions.as_ref(),
        window,
    );
    let mut front_matter: Option<Span> = None;
    let mut in_metadata = false;
    let mut headings: Vec<HeadingInfo> = Vec::new();
    let mut labels: Vec<Label> = Vec::new();
    let mut heading: Option<(HeadingLevel, Span, String, bool)> = None;
    let mut containers = 0usize;
    // Items open: their span and whether their first text is still being read.
    let mut items: Vec<(Span, bool)> = Vec::new();
    // The text of the paragraph or item head being read, and its block.
    let mut block: Option<(Span, String, bool, bool)> = None;
    // Where label paragraphs start (any label, named or not): a label's region ends at the next.
    let mut label_starts: Vec<usize> = Vec::new();
    let mut table_header: Option<Vec<String>> = None;
    let mut cell = String::new();
    // The first "Field | Value" row naming action items (the only one used).
    let mut field: Option<FieldRow> = None;
    // The body row being read: its first cell's text and its cells' spans.
    let mut row: Option<(String, Vec<Span>)> = None;
    let mut in_cell = false;
    let finish_block = |block: &mut Option<(Span, String, bool, bool)>,
                        headings: &mut Vec<HeadingInfo>,
                        labels: &mut Vec<Label>,
                        label_starts: &mut Vec<usize>| {
        if let Some((span, text, nested, is_item)) = block.take() {
            let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if list::is_todo_marked(&collapsed)
                && let Some(h) = headings.last_mut()
            {
                h.todo_marks += 1;
            }
            if list::is_label(&collapsed) && !is_item {
                label_starts.push(span.start);
            }
            if list::is_label(&collapsed)
                && collapsed.chars().count() <= 80
                && let Some(phrase) = vocabulary::is_label_phrase(&collapsed)
            {
                labels.push(Label {
                    block: span,
                    text: collapsed
                        .trim_end_matches([':', '：', '*', '_', ' '])
                        .to_owned(),
                    phrase,
                    nested,
                    is_item,
                    end: usize::MAX,
                });
            }
        }
    };
    for (event, range) in events.by_ref() {
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => in_metadata = true,
            Event::End(TagEnd::MetadataBlock(_)) => in_metadata = false,
            Event::Text(_) if in_metadata => {
                front_matter = Some(match front_matter {
                    Some(seen) => seen.start..range.end,
                    None => range,
                });
            }
            Event::Start(Tag::Heading { level, .. }) => {
                finish_block(&mut block, &mut headings, &mut labels, &mut label_starts);
                heading = Some((level, range, String::new(), containers > 0));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, span, text, nested)) = heading.take() {
                    let start = span.start;
                    for label in labels.iter_mut().rev() {
                        if label.end != usize::MAX {
                            break;
                        }
                        label.end = start;
                    }
                    headings.push(HeadingInfo {
                        level,
                        span,
                        text,
                        nested,
                        task_boxes: 0,
                        todo_marks: 0,
                        tables: Vec::new(),
                    });
                }
            }
            Event::Text(t) | Event::Code(t) if heading.is_some() => {
                if let Some((_, _, s, _)) = heading.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::Start(Tag::BlockQuote(_)) => {
                finish_block(&mut block, &mut headings, &mut labels, &mut label_starts);
                containers += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => containers = containers.saturating_sub(1),
            Event::Start(Tag::List(_)) => {
                finish_block(&mut block, &mut headings, &mut labels, &mut label_starts);
                if let Some(item) = items.last_mut() {
                    item.1 = false;
                }
                containers += 1;
            }
            Event::End(TagEnd::List(_)) => containers = containers.saturating_sub(1),
            Event::Start(Tag::Item) => {
                items.push((range.clone(), true));
                block = Some((range, String::new(), containers > 1, true));
            }
            Event::End(TagEnd::Item) => {
                finish_block(&mut block, &mut headings, &mut labels, &mut label_starts);
                items.pop();
            }
            Event::Start(Tag::Paragraph) => {
                let in_item_head = items.last().is_some_and(|item| item.1);
                if !in_item_head {
                    finish_block(&mut block, &mut headings, &mut labels, &mut label_starts);
                    block = Some((range, String::new(), containers > 0, false));
                }
            }
            Event::End(TagEnd::Paragraph) => {
                finish_block(&mut block, &mut headings, &mut labels, &mut label_starts);
                if let Some(item) = items.last_mut() {
                    item.1 = false;
                }
            }
            Event::TaskListMarker(checked) => {
                // Only open boxes: a list of ticked boxes alone is a record of what was done
                // (an assignment's tasks), not a plan.
                if !checked && let Some(h) = headings.last_mut() {
                    h.task_boxes += 1;
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, s, _, _)) = block.as_mut() {
                    s.push_str(&t);
                }
                if in_cell {
                    cell.push_str(&t);
                }
            }
            Event::Start(Tag::TableRow) => row = Some((String::new(), Vec::new())),
            Event::End(TagEnd::TableRow) => {
                if let Some((name, cells)) = row.take()
                    && field.is_none()
                    && cells.len() >= 2
                    && let Some(phrase) = field_phrase(&name)
                {
                    field = Some(FieldRow {
                        name: name.trim().to_owned(),
                        phrase,
                        value: pipe_table::content_span(text, &cells[1]),
                        kind: super::model::ContainerKind::Pipe,
                    });
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, s, _, _)) = block.as_mut() {
                    s.push(' ');
                }
            }
            Event::Start(Tag::TableHead) => table_header = Some(Vec::new()),
            Event::Start(Tag::TableCell) => {
                cell.clear();
                in_cell = true;
                if let Some((_, cells)) = row.as_mut() {
                    cells.push(range.clone());
                }
            }
            Event::End(TagEnd::TableCell) => {
                in_cell = false;
                if let Some(cells) = table_header.as_mut() {
                    cells.push(cell.trim().to_owned());
                }
                if let Some((name, cells)) = row.as_mut()
                    && cells.len() == 1
                {
                    *name = cell.clone();
                }
            }
            Event::End(TagEnd::TableHead) => {
                if let (Some(cells), Some(h)) = (table_header.take(), headings.last_mut()) {
                    h.tables.push(TableAt::Pipe(cells));
                }
            }
            // The block's whole range is its end's: a start's may end where a window was cut.
            Event::End(TagEnd::HtmlBlock) => {
                html_headings(text, range.clone(), containers > 0, &mut headings);
                if let Some(at) = html_table::find_table_tag(&text[range.clone()]) {
                    if let Some(h) = headings.last_mut() {
                        h.tables.push(TableAt::Html(range.start + at));
                    }
                    if field.is_none() {
                        field = html_field(text, range.start + at);
                    }
                }
            }
            _ => {}
        }
    }
    finish_block(&mut block, &mut headings, &mut labels, &mut label_starts);
    let refdefs = match definitions {
        Some(definitions) => definitions,
        None => events.into_reference_definitions(),
    };
    for label in &mut labels {
        if let Some(next) = label_starts.iter().find(|&&at| at > label.block.start) {
            label.end = label.end.min(*next);
        }
        if label.is_item {
            label.end = label.block.end;
        }
    }
    Outline {
        front_matter,
        headings,
        labels,
        field,
        refdefs,
        window,
        skips,
    }
}

/// What reading one section (or several siblings) gave.
struct Read {
    contents: Option<LocatedTable>,
    skipped: Vec<Skipped>,
}

/// Reads the regions (byte ranges of `text`, in order) as one section. `paragraphs` allows
/// plain paragraphs as items. A region that is nested (inside a list or blockquote) is read
/// from a parse of the whole document; any other from a parse of its own bytes.
fn read_regions(
    text: &str,
    base: usize,
    regions: &[(Span, bool)],
    outline: &Outline,
    paragraphs: bool,
    marked_only: bool,
) -> Read {
    let mut collector = Collector::new(text);
    collector.marked_only = marked_only;
    collector.keep_skipped = outline.skips == Skips::Keep;
    for (region, nested) in regions {
        let source = if *nested {
            base..text.len()
        } else {
            region.clone()
        };
        let mut events = Windowed::new(
            text,
            source,
            options(),
            Some(&outline.refdefs),
            outline.window,
        )
        .filter(|(_, range)| range.start >= region.start && range.end <= region.end);
        // Blocks open around the event (a table at depth 0 starts a block of the region's own).
        let mut depth = 0usize;
        while let Some((event, range)) = events.next() {
            let top_level = depth == 0;
            match &event {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth = depth.saturating_sub(1),
                _ => {}
            }
            match &event {
                Event::Start(Tag::Table(_)) if !collector.has_structured() => {
                    if top_level && !*nested {
                        // Read later, a row at a time, from its first line.
                        let line = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
                        return Read {
                            contents: Some(LocatedTable::PipeAt(line)),
                            skipped: Vec::new(),
                        };
                    }
                    let table = pipe_table::read(text, 0, range, &mut events);
                    return Read {
                        contents: Some(LocatedTable::Pipe(table)),
                        skipped: Vec::new(),
                    };
                }
                // The block's whole range is its end's: a start's may end where a window was cut.
                Event::End(TagEnd::HtmlBlock) => {
                    if !collector.has_structured()
                        && let Some(at) = html_table::find_table_tag(&text[range.clone()])
                    {
                        return Read {
                            contents: Some(LocatedTable::Html(range.start + at)),
                            skipped: Vec::new(),
                        };
                    }
                    collector.feed(&event, range);
                }
                Event::InlineHtml(html) => {
                    let lower = html.get(..6).map(str::to_ascii_lowercase);
                    let after = html.as_bytes().get(6).copied();
                    if !collector.has_structured()
                        && lower.as_deref() == Some("<table")
                        && after.is_none_or(|b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
                    {
                        return Read {
                            contents: Some(LocatedTable::Html(range.start)),
                            skipped: Vec::new(),
                        };
                    }
                    collector.feed(&event, range);
                }
                Event::Start(Tag::Table(_)) => {
                    collector.skip(range, "a table after the section's items: not read");
                    depth = depth.saturating_sub(1);
                    for (event, _) in events.by_ref() {
                        if matches!(event, Event::End(TagEnd::Table)) {
                            break;
                        }
                    }
                }
                _ => collector.feed(&event, range),
            }
        }
    }
    let (items, shape, skipped) = collector.finish(paragraphs);
    Read {
        contents: (items.len() > 0).then_some(LocatedTable::List(items, shape)),
        skipped,
    }
}

/// The region of heading `i`'s section: after the heading to the next heading of its level or
/// higher.
fn section_end(headings: &[HeadingInfo], i: usize, len: usize) -> (usize, usize) {
    let level = headings[i].level;
    match headings[i + 1..].iter().position(|h| h.level <= level) {
        Some(j) => (headings[i + 1 + j].span.start, i + 1 + j),
        None => (len, headings.len()),
    }
}

/// Collapses whitespace of a heading as shown.
fn shown(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How a heading is named for action items.
enum Named {
    Configured,
    Vocabulary(Strength, &'static str),
}

/// Scans `text[base..]` (the document after any BOM) for the front matter and for the action
/// items' section. `configured` holds `[report] section`'s names, empty for the built-in
/// vocabulary. All spans returned are offsets into `text`.
pub(crate) fn scan(
    text: &str,
    base: usize,
    configured: &[String],
    window: usize,
    skips: Skips,
) -> Scan {
    let outline = outline(text, base, window, skips);
    let headings = &outline.headings;
    // A post-mortem has front matter, a heading half naming action items, or incident headings:
    // two of them ("Impact", "Root cause"), or one with a date in the text. One alone and no date
    // is a folder's index ("# Post-mortems") or a guide, not a report.
    let incident_headings = headings
        .iter()
        .filter(|h| vocabulary::is_incident(&h.text))
        .take(2)
        .count();
    let looks_like_post_mortem = outline.front_matter.is_some()
        || headings
            .iter()
            .any(|h| vocabulary::heading(&h.text).is_some())
        || incident_headings == 2
        || (incident_headings == 1 && super::incident_date::find_date(&text[base..]).is_some());
    let mut scan = Scan {
        front_matter: outline.front_matter.clone(),
        table: Err(SectionError::NoSection),
        heading: None,
        choice: None,
        siblings: Vec::new(),
        skipped: Vec::new(),
        looks_like_post_mortem,
        refdefs: outline.refdefs.clone(),
    };
    let named = |h: &HeadingInfo| -> Option<Named> {
        if configured.is_empty() {
            vocabulary::heading(&h.text).map(|(s, p)| Named::Vocabulary(s, p))
        } else {
            let matcher = SectionMatcher::new(configured, 0);
            matcher.matches(&h.text).then_some(Named::Configured)
        }
    };
    let mut names: Vec<Option<Named>> = headings.iter().map(named).collect();
    if configured.is_empty() {
        // The document's title ("# Post-mortem and follow-ups of the DB outage") is not the
        // section: it holds every part of the report.
        if let Some(first) = headings.first()
            && first.level == HeadingLevel::H1
            && headings[1..].iter().any(|h| h.level > HeadingLevel::H1)
            && headings[1..].iter().all(|h| h.level > HeadingLevel::H1)
        {
            names[0] = None;
        }
        // A named heading holding a named sub-heading gives way to it: the sub-heading is the
        // more precise ("## Follow-up" > "### Action items" beside "### Discussion").
        for i in 0..headings.len() {
            let Some(Named::Vocabulary(strength, _)) = names[i] else {
                continue;
            };
            let (_, next) = section_end(headings, i, text.len());
            let precise = (i + 1..next).any(
                |j| matches!(names[j], Some(Named::Vocabulary(inner, _)) if inner <= strength),
            );
            if precise {
                names[i] = None;
            }
        }
    }
    // Strong names first (and configured ones), then weak; structured items before plain
    // paragraphs, so a narrative "Remediation" does not hide the "Action Items" table below.
    let mut first_named: Option<usize> = None;
    let mut first_strong: Option<usize> = None;
    for (strength, paragraphs) in [
        (Strength::Strong, false),
        (Strength::Fair, false),
        (Strength::Strong, true),
        (Strength::Fair, true),
        (Strength::Weak, false),
    ] {
        for (i, name) in names.iter().enumerate() {
            let choice = match name {
                Some(Named::Configured) if strength == Strength::Strong => Choice::Configured,
                Some(Named::Vocabulary(s, p)) if *s == strength => Choice::Vocabulary(*s, p),
                _ => continue,
            };
            first_named.get_or_insert(i);
            if strength != Strength::Weak {
                first_strong.get_or_insert(i);
            }
            let (end, _) = section_end(headings, i, text.len());
            let read = read_regions(
                text,
                base,
                &[(headings[i].span.end..end, headings[i].nested)],
                &outline,
                paragraphs,
                false,
            );
            let Some(contents) = read.contents else {
                continue;
            };
            scan.table = Ok(contents);
            scan.heading = Some(shown(&headings[i].text));
            scan.choice = Some(choice);
            scan.skipped = read.skipped;
            // Later sections of the same level, under the same parent, named for action items
            // too and holding items: read after it, in order (Short-term / Long-term,
            // Corrective / Preventive, also with another section between).
            let level = headings[i].level;
            for (j, h) in headings.iter().enumerate().skip(i + 1) {
                if h.level < level {
                    break;
                }
                if h.level > level || names[j].is_none() {
                    continue;
                }
                let (end, _) = section_end(headings, j, text.len());
                let read = read_regions(
                    text,
                    base,
                    &[(h.span.end..end, h.nested)],
                    &outline,
                    false,
                    false,
                );
                if let Some(contents) = read.contents {
                    scan.siblings.push((shown(&h.text), contents));
                    scan.skipped.extend(read.skipped);
                }
            }
            return scan;
        }
    }
    // A heading that surely names the action items but holds none is the error to show, not a
    // reason to guess elsewhere.
    if let Some(i) = first_strong {
        scan.table = Err(SectionError::NoTable(headings[i].span.clone()));
        scan.heading = Some(shown(&headings[i].text));
        return scan;
    }
    if !configured.is_empty() {
        if let Some(i) = first_named {
            scan.table = Err(SectionError::NoTable(headings[i].span.clone()));
            scan.heading = Some(shown(&headings[i].text));
        }
        return scan;
    }
    // A label line naming action items ("**Follow-up actions:**"), with its list.
    for label in &outline.labels {
        let region = label.block.start..label.end.min(text.len());
        let read = read_regions(
            text,
            base,
            &[(region, label.nested)],
            &outline,
            false,
            false,
        );
        if let Some(contents) = read.contents {
            scan.table = Ok(contents);
            scan.heading = Some(label.text.clone());
            scan.choice = Some(Choice::Label(label.phrase));
            scan.skipped = read.skipped;
            return scan;
        }
    }
    // A "Field | Value" table's row naming action items: the lines of its value cell.
    if let Some(field) = &outline.field {
        scan.table = Ok(LocatedTable::Cell(field.value.clone(), field.kind));
        scan.heading = Some(field.name.clone());
        scan.choice = Some(Choice::Label(field.phrase));
        return scan;
    }
    // Nothing named: the one part holding what action items look like.
    let mut candidates: Vec<(usize, &'static str)> = Vec::new();
    for (i, h) in headings.iter().enumerate() {
        if vocabulary::is_checklist(&h.text) {
            continue;
        }
        let reason = if h.task_boxes > 0 {
            "the only section holding a task list with open boxes"
        } else if h.todo_marks > 0 {
            "the only section holding TODO/DONE-marked entries"
        } else if h.tables.iter().any(|t| table_has_item_column(text, t)) {
            "the only section holding a table with an item column"
        } else {
            continue;
        };
        candidates.push((i, reason));
    }
    match candidates.as_slice() {
        [] => {
            if let Some(i) = first_named {
                scan.table = Err(SectionError::NoTable(headings[i].span.clone()));
                scan.heading = Some(shown(&headings[i].text));
            }
        }
        [(i, reason)] => {
            let i = *i;
            let (end, _) = section_end(headings, i, text.len());
            let read = read_regions(
                text,
                base,
                &[(headings[i].span.end..end, headings[i].nested)],
                &outline,
                false,
                // Chosen for its boxes or TODO marks: only entries bearing them are items.
                true,
            );
            scan.heading = Some(shown(&headings[i].text));
            match read.contents {
                Some(contents) => {
                    scan.table = Ok(contents);
                    scan.choice = Some(Choice::Fallback(reason));
                    scan.skipped = read.skipped;
                }
                None => scan.table = Err(SectionError::NoTable(headings[i].span.clone())),
            }
        }
        several => {
            scan.table = Err(SectionError::Several(
                several
                    .iter()
                    .map(|(i, _)| (headings[*i].span.clone(), shown(&headings[*i].text)))
                    .collect(),
            ));
        }
    }
    scan
}

/// HTML headings (`<h2>Action Items</h2>`) in the HTML block at `block`, as headings: exported
/// and hand-written HTML reports have no Markdown headings.
fn html_headings(text: &str, block: Span, nested: bool, headings: &mut Vec<HeadingInfo>) {
    let raw = &text[block.clone()];
    let bytes = raw.as_bytes();
    let mut at = 0;
    // Levels (by digit) with no closing tag after the last search.
    let mut unclosed = [false; 7];
    while let Some(i) = raw[at..].find('<') {
        let start = at + i;
        at = start + 1;
        if raw[start..].starts_with("<!--") {
            // Comments hold no headings.
            match raw[start..].find("-->") {
                Some(end) => {
                    at = start + end + 3;
                    continue;
                }
                None => break,
            }
        }
        let (Some(&h), Some(&digit)) = (bytes.get(start + 1), bytes.get(start + 2)) else {
            continue;
        };
        if !(h == b'h' || h == b'H') || !(b'1'..=b'6').contains(&digit) {
            continue;
        }
        if !bytes
            .get(start + 3)
            .is_some_and(|&b| b == b'>' || b.is_ascii_whitespace())
        {
            continue;
        }
        let Some(open_end) = raw[start..].find('>') else {
            break;
        };
        let inner_start = start + open_end + 1;
        // One search per heading, from where it opens; a level with no closing tag left is not
        // searched again (linear in the block, however many headings).
        let level_index = usize::from(digit - b'0');
        if unclosed[level_index] {
            continue;
        }
        let Some(close) = find_close_tag(&raw[inner_start..], digit) else {
            unclosed[level_index] = true;
            continue;
        };
        let inner_end = inner_start + close;
        let end = raw[inner_end..]
            .find('>')
            .map_or(inner_end, |e| inner_end + e + 1);
        let mut inner = String::new();
        let mut in_tag = false;
        for c in raw[inner_start..inner_end].chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => inner.push(c),
                _ => {}
            }
        }
        let level = HeadingLevel::try_from(usize::from(digit - b'0')).unwrap_or(HeadingLevel::H6);
        headings.push(HeadingInfo {
            level,
            span: block.start + start..block.start + end,
            text: html_escape::decode_html_entities(&inner).into_owned(),
            nested,
            task_boxes: 0,
            todo_marks: 0,
            tables: Vec::new(),
        });
        at = end;
    }
}

/// Where the first `</hN` (`N` = `digit`, `h` in any case) is in `raw`.
fn find_close_tag(raw: &str, digit: u8) -> Option<usize> {
    let bytes = raw.as_bytes();
    memchr::memmem::find_iter(bytes, b"</").find(|&i| {
        bytes
            .get(i + 2)
            .is_some_and(|b| b.eq_ignore_ascii_case(&b'h'))
            && bytes.get(i + 3) == Some(&digit)
    })
}

/// The first row of the HTML table at `at` whose first cell names action items, read a row at a
/// time. The header row is not a field; an unclosed table has none.
fn html_field(text: &str, at: usize) -> Option<FieldRow> {
    let header = html_table::header(text, at).ok()?.map(|(index, _)| index);
    let mut found = None;
    let mut index = 0;
    html_table::read_each(text, at, |section, row| {
        let is_body = section == html_table::Section::Body && Some(index) != header;
        index += 1;
        if found.is_none()
            && is_body
            && row.cells.len() >= 2
            && let Some(phrase) = field_phrase(&row.cells[0].text)
        {
            found = Some(FieldRow {
                name: row.cells[0].text.clone(),
                phrase,
                value: row.cells[1].span.clone(),
                kind: super::model::ContainerKind::Html,
            });
        }
        ControlFlow::Continue(())
    })
    .ok()?;
    found
}

/// The phrase naming action items in a "Field | Value" row's field name, if it is one: a name is
/// short, so a long first cell (an action item's own text) is not searched at all — searching
/// every row of a long table for every phrase was most of the time a read took.
fn field_phrase(name: &str) -> Option<&'static str> {
    const LONGEST_FIELD_NAME: usize = 80;
    let name = name.trim();
    if name.len() > LONGEST_FIELD_NAME * 4 || name.chars().count() > LONGEST_FIELD_NAME {
        return None;
    }
    vocabulary::is_label_phrase(name)
}

/// Whether a table's header names an item column.
fn table_has_item_column(text: &str, table: &TableAt) -> bool {
    match table {
        TableAt::Pipe(headers) => headers
            .iter()
            .any(|h| vocabulary::column(h) == Some(vocabulary::Column::Item)),
        TableAt::Html(at) => html_table::header(text, *at).is_ok_and(|header| {
            header.is_some_and(|(_, row)| {
                row.cells
                    .iter()
                    .any(|c| vocabulary::column(&c.text) == Some(vocabulary::Column::Item))
            })
        }),
    }
}
