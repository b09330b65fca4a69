//! The clean text of a page's main content ([`TextBuilder`]): blocks on lines of their own, tables
//! as rows of cells, definition-list terms above their descriptions, and the heading outline as
//! sections, without what is not content (scripts, navigation, permalinks, code tooltips).

use ego_tree::NodeRef;
use html5ever::{local_name, ns, LocalName};
use scraper::{node::Node, ElementRef};

use super::furniture::{holds_heading, is_furniture};
use super::Section;

use super::preformatted::{
    is_capitals_heading, is_preformatted_prose, is_running_head, is_wrapped_prose, pre_text,
};
use super::CELL_SEPARATOR;

pub(super) const SKIP_ALWAYS: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "aside", "form", "svg", "button", "select",
    "textarea", "iframe", "object", "embed", "head", "canvas", "dialog", "math",
];

pub(super) const SKIP_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "search",
    "complementary",
];

pub(super) const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "thead",
    "tbody",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "address",
    "details",
    "summary",
    "caption",
    "body",
    "header",
    "footer",
];

/// The longest line set alone above a deeper indented paragraph that is the term it describes
/// (`-c config_dir`); a longer one is the first line of the paragraph.
pub(super) const MAX_TERM_CHARS: usize = 60;

/// Deep enough for any real page; deeper nesting is hostile and its text is dropped.
pub(super) const MAX_DEPTH: usize = 512;

/// The value of `el`'s attribute `name` (one without a namespace), `name` an atom
/// (`local_name!("href")`) so that each attribute is one comparison. Not
/// [`scraper::node::Element::attr`], which interns the name first.
pub(super) fn attr<'a>(el: &'a scraper::node::Element, name: &LocalName) -> Option<&'a str> {
    el.attrs
        .iter()
        .find(|(key, _)| key.local == *name && key.ns == ns!())
        .map(|(_, value)| &**value)
}

/// The words of `el`'s `class`, as written. Not [`scraper::node::Element::classes`], which
/// interns every word of every element it is asked about (a lock and a hash each).
pub(super) fn classes(el: &scraper::node::Element) -> impl Iterator<Item = &str> {
    attr(el, &local_name!("class"))
        .into_iter()
        .flat_map(str::split_ascii_whitespace)
}

/// Returns true if `el` links an entry to its source listing: Sphinx's `[source]`
/// (`<span class="viewcode-link">`) after a signature, rustdoc's `Source` (`<a class="src">`)
/// beside an item's heading, Doxygen's "Definition at line 58 of file SDL_video.h." (`<p
/// class="definition">`) under every member. Not the entry's text (`pytest_sessionfinish(session,
/// exitstatus)[source]`).
pub(super) fn is_source_link(el: &scraper::node::Element) -> bool {
    classes(el).any(|c| {
        c == "viewcode-link"
            || (el.name() == "a" && matches!(c, "src" | "srclink"))
            || (el.name() == "p" && c == "definition")
    })
}

/// Returns true if `el` is a tooltip a page shows only when the pointer rests on a name in its
/// code: Doxygen's `<div class="ttc">` (the name, its declaration and "Definition: …"), one per
/// linked name under every source listing and code fragment. Hidden text: read, it broke the
/// listing's numbered lines and repeated every declaration.
pub(super) fn is_code_tooltip(el: &scraper::node::Element) -> bool {
    el.name() == "div" && classes(el).any(|c| c == "ttc")
}

/// Returns true if `node` holds the anchor a link to it lands on as older HTML marks one, an
/// `<a name>` (Postfix's `<dt><b><a name="message_size_limit">`): a `<dt>` holding one titles an
/// entry, as one with an `id` of its own does. Not an element with an `id` inside: DocBook marks
/// index terms so (`<a id="id-1.6.3.8" class="indexterm">`) in terms that title no section.
pub(super) fn holds_anchor(node: NodeRef<'_, Node>) -> bool {
    node.descendants().any(|d| {
        d.value()
            .as_element()
            .is_some_and(|e| e.name() == "a" && attr(e, &local_name!("name")).is_some())
    })
}

/// Returns true if the link `node` is a permalink: it leads to a place on the page itself and shows
/// only a symbol — a heading's permalink (rustdoc's `§`, `¶`, `#`), rustdoc's notable-traits marker
/// (`ⓘ`), a footnote's way back (`↩`) — or, alone in the block it links to, names that block by
/// its id (the Rust reference's `[type.bool.layout]` over each rule, linking to
/// `#r-type.bool.layout`).
/// Marks to click, not words of the page. A heading or definition term that links to itself keeps
/// its words: they are its title (mdBook's headings, some API docs' terms).
pub(super) fn is_permalink(node: NodeRef<'_, Node>) -> bool {
    let Some(target) = node
        .value()
        .as_element()
        .and_then(|el| attr(el, &local_name!("href")))
        .and_then(|h| h.strip_prefix('#'))
    else {
        return false;
    };
    let texts = || node.descendants().filter_map(|d| d.value().as_text());
    // Circled letters (`ⓘ`) count as letters to Unicode, not to a reader.
    let shows_words = texts().any(|t| {
        t.chars()
            .any(|c| c.is_alphanumeric() && !('\u{2460}'..='\u{24FF}').contains(&c))
    });
    if !shows_words {
        return true;
    }
    let Some(parent) = node.parent() else {
        return false;
    };
    let own_block = parent.value().as_element().is_some_and(|el| {
        attr(el, &local_name!("id")) == Some(target)
            && !matches!(el.name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "dt")
    });
    // Alone in it: a name linking to its section from a sentence ("The ensurepip package provides
    // …", Sphinx) is a word of the sentence.
    let alone = parent
        .children()
        .all(|c| c.id() == node.id() || c.value().as_text().is_some_and(|t| t.trim().is_empty()));
    if !(own_block && alone) {
        return false;
    }
    let text: String = texts().map(|t| &**t).collect();
    let name = text.trim().trim_start_matches('[').trim_end_matches(']');
    !name.is_empty() && !name.contains(char::is_whitespace) && target.ends_with(name)
}

pub(super) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Default)]
pub(super) struct TextBuilder {
    pub(super) text: String,
    pub(super) pending_space: bool,
    /// Open headings (level, text) enclosing the current position.
    pub(super) outline: Vec<(u8, String)>,
    pub(super) sections: Vec<Section>,
    pub(super) section_start: usize,
    pub(super) section_level: u8,
    pub(super) section_path: Vec<String>,
    /// Level of the last `<h1>`–`<h6>`, under which `<dt id>` entries nest.
    pub(super) heading_level: u8,
    /// Link lists and tables left out of the text (see [`link_dense_blocks`]).
    pub(super) link_dense: std::collections::HashSet<ego_tree::NodeId>,
    /// `<h1>`–`<h6>` and `<dt id>` sections opened so far.
    pub(super) headings_opened: usize,
    /// Words of the text that came from `<pre>` blocks.
    pub(super) code_words: usize,
    /// Whether the page's words are all in `<pre>` blocks but its title: a manual page or a text
    /// document rendered to HTML, whose blocks may be text set in fixed width
    /// ([`is_preformatted_prose`]). In a page of prose a `<pre>` block is an example, a table or
    /// a session, kept line by line however many words it holds.
    pub(super) pre_holds_text: bool,
}

/// Where the outline stood before a bold title opened a section (see [`is_bold_title`]): restored
/// where the title's parent ends.
pub(super) struct Place {
    pub(super) outline: Vec<(u8, String)>,
    pub(super) level: u8,
    pub(super) path: Vec<String>,
    pub(super) headings_opened: usize,
}

/// Returns true if `node` holds a table, listing or figure, directly or in a `<div>` of its own:
/// a bold line in it is the display's caption (DocBook's `<div class="table"><p
/// class="title"><strong>Table 9.33. …`), not a section's title.
pub(super) fn holds_display(node: NodeRef<'_, Node>) -> bool {
    let named = |n: NodeRef<'_, Node>, names: &[&str]| {
        n.value()
            .as_element()
            .is_some_and(|e| names.contains(&e.name()))
    };
    node.children().any(|c| {
        named(c, &["table", "pre", "figure", "img"])
            || (named(c, &["div"]) && c.children().any(|g| named(g, &["table", "pre"])))
    })
}

/// Returns true if `node` is a paragraph that is all its table cell holds besides text: docutils
/// (Sphinx) wraps every cell's text in one `<p>`, which is no block of its own, so the row stays
/// one line (`x or y | if x is false, then y, else x | (1)`). A cell holding several paragraphs or
/// a list still breaks into lines.
pub(super) fn is_sole_paragraph_of_cell(node: NodeRef<'_, Node>) -> bool {
    let is_p = ElementRef::wrap(node).is_some_and(|e| e.value().name() == "p");
    is_p && node.parent().is_some_and(|cell| {
        ElementRef::wrap(cell).is_some_and(|c| matches!(c.value().name(), "td" | "th"))
            && cell
                .children()
                .filter(|c| match c.value() {
                    Node::Element(e) => BLOCKS.contains(&e.name()),
                    Node::Text(t) => !t.trim().is_empty(),
                    _ => false,
                })
                .count()
                == 1
    })
}

/// Longest text of a paragraph that titles what follows it in bold (see [`is_bold_title`]).
pub(super) const MAX_BOLD_TITLE_CHARS: usize = 80;

/// Returns true if `node` is a paragraph whose whole text is one bold phrase, short and not a
/// sentence: a title of what follows it in its parent, as hand-written manuals title their list
/// items (`<li><p><b>Maximum Number Of Columns</b></p><p>The SQLITE_MAX_COLUMN …`). Empty anchors
/// (`<a name="max_column"></a>`) around it are allowed. Where its parent holds a table, listing or
/// figure, such a paragraph is the display's caption and opens no section ([`holds_display`]).
pub(super) fn is_bold_title(node: NodeRef<'_, Node>) -> bool {
    let Some(el) = ElementRef::wrap(node) else {
        return false;
    };
    if el.value().name() != "p" {
        return false;
    }
    let mut bold = None;
    for child in node.children() {
        match child.value() {
            Node::Text(t) if t.trim().is_empty() => {}
            Node::Element(e) if matches!(e.name(), "b" | "strong") && bold.is_none() => {
                bold = ElementRef::wrap(child);
            }
            Node::Element(e)
                if e.name() == "a"
                    && ElementRef::wrap(child)
                        .is_some_and(|a| a.text().all(|t| t.trim().is_empty())) => {}
            Node::Comment(_) => {}
            _ => return false,
        }
    }
    let Some(bold) = bold else {
        return false;
    };
    let text = collapse(&bold.text().collect::<String>());
    let text = text.trim();
    !text.is_empty()
        && text.chars().count() <= MAX_BOLD_TITLE_CHARS
        && text.chars().any(char::is_alphabetic)
        && !text.ends_with(['.', ',', ';'])
}

/// Returns true if `el` is hidden from readers (`hidden`, `aria-hidden="true"`).
pub(super) fn is_hidden(el: &scraper::node::Element) -> bool {
    attr(el, &local_name!("hidden")).is_some()
        || attr(el, &local_name!("aria-hidden")) == Some("true")
}

/// Returns true if `node` is the `<summary>` of a `<details>` shown open that holds no heading: the
/// control that folds the details ("Expand description" above a rustdoc item's documentation), not
/// content. A summary holding a heading (rustdoc's method signatures) titles what it folds.
fn is_fold_control(node: NodeRef<'_, Node>) -> bool {
    node.value()
        .as_element()
        .is_some_and(|e| e.name() == "summary")
        && node
            .parent()
            .and_then(|details| details.value().as_element())
            .is_some_and(|d| d.name() == "details" && attr(d, &local_name!("open")).is_some())
        && !holds_heading(node)
}

impl TextBuilder {
    pub(super) fn walk(&mut self, node: NodeRef<'_, Node>, from_body: bool, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match node.value() {
            Node::Text(t) => self.push_text(t),
            Node::Element(el) => {
                let name = el.name();
                if self.is_not_content(node, el, from_body, depth) {
                    return;
                }
                // API docs and glossaries title their entries with `<dt id=…>`: those open a section
                // one level below the enclosing heading.
                let heading = match name.as_bytes() {
                    [b'h', d @ b'1'..=b'6'] => Some(d - b'0'),
                    b"dt" if attr(el, &local_name!("id")).is_some() || holds_anchor(node) => {
                        Some(self.heading_level + 1)
                    }
                    _ => None,
                };
                let block = BLOCKS.contains(&name) && !is_sole_paragraph_of_cell(node);
                if name == "br" {
                    self.newline();
                    return;
                }
                // A table row is one line, its cells separated by ` | `, so that a value is read
                // with its row ("bigint | 8 bytes | large-range integer | -9223372036854775808 to
                // +9223372036854775807"). A cell holding blocks still breaks into lines.
                if matches!(name, "td" | "th") {
                    self.separate_cell(node);
                }
                if block {
                    self.newline();
                }
                if name == "pre" {
                    self.walk_pre(node, depth);
                    return;
                }
                let heading_start = self.text.len();
                if heading.is_some() {
                    self.close_section(heading_start);
                }
                self.walk_children(node, from_body, depth);
                if let Some(level) = heading {
                    if name.len() == 2 && name.starts_with('h') {
                        self.heading_level = level;
                    }
                    self.headings_opened += 1;
                    let heading_text = self.text[heading_start..].trim().to_string();
                    self.open_section(level, heading_text, heading_start);
                }
                if block {
                    self.newline();
                }
            }
            _ => {
                for child in node.children() {
                    self.walk(child, from_body, depth + 1);
                }
            }
        }
    }

    /// Returns true if `el` (at `node`) and what it holds are not the page's content: scripts and
    /// forms, navigation by role or class, hidden elements, permalinks, source links, code
    /// tooltips, the control folding open details, link lists.
    fn is_not_content(
        &self,
        node: NodeRef<'_, Node>,
        el: &scraper::node::Element,
        from_body: bool,
        depth: usize,
    ) -> bool {
        let name = el.name();
        SKIP_ALWAYS.contains(&name)
            || (from_body && (name == "header" || name == "footer"))
            || attr(el, &local_name!("role")).is_some_and(|r| SKIP_ROLES.contains(&r))
            || is_hidden(el)
            || classes(el).any(|c| c == "headerlink")
            || (name == "a" && is_permalink(node))
            || is_source_link(el)
            || is_code_tooltip(el)
            || is_fold_control(node)
            || (depth > 0
                && BLOCKS.contains(&name)
                && ((is_furniture(el) && !holds_heading(node))
                    || self.link_dense.contains(&node.id())))
    }

    /// Separates the table cell at `node` from the cell before it on its row's line.
    fn separate_cell(&mut self, node: NodeRef<'_, Node>) {
        let after_cell = node
            .prev_siblings()
            .filter_map(ElementRef::wrap)
            .next()
            .is_some_and(|e| matches!(e.value().name(), "td" | "th"));
        if after_cell && !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push_str(CELL_SEPARATOR);
            self.pending_space = false;
        }
    }

    /// A `<pre>` block: prose laid out in it as prose, anything else verbatim.
    fn walk_pre(&mut self, node: NodeRef<'_, Node>, depth: usize) {
        let mut raw = String::new();
        pre_text(node, &mut raw, depth);
        if (self.pre_holds_text && is_preformatted_prose(&raw)) || is_wrapped_prose(&raw) {
            self.push_preformatted_prose(&raw);
        } else {
            self.push_pre(&raw);
        }
        self.newline();
    }

    /// The children of `node`. A paragraph in bold that titles what follows it opens a section one
    /// level below the enclosing heading, which ends with its parent: the text after the list item
    /// or table it titles goes back to the section around them.
    fn walk_children(&mut self, node: NodeRef<'_, Node>, from_body: bool, depth: usize) {
        let mut titled: Option<Place> = None;
        // Whether the block holds a display (looked at only once it holds a bold title).
        let mut displays = None;
        for child in node.children() {
            if is_bold_title(child) && !*displays.get_or_insert_with(|| holds_display(node)) {
                titled.get_or_insert_with(|| Place {
                    outline: self.outline.clone(),
                    level: self.section_level,
                    path: self.section_path.clone(),
                    headings_opened: self.headings_opened,
                });
                self.newline();
                let start = self.text.len();
                self.close_section(start);
                self.walk(child, from_body, depth + 1);
                let title = self.text[start.min(self.text.len())..].trim().to_string();
                self.open_section(self.heading_level + 1, title, start);
                continue;
            }
            self.walk(child, from_body, depth + 1);
        }
        if let Some(place) = titled {
            // Unless a heading of the page opened inside, which goes on past it.
            if place.headings_opened == self.headings_opened {
                self.newline();
                let end = self.text.len();
                self.close_section(end);
                self.outline = place.outline;
                self.section_level = place.level;
                self.section_path = place.path;
            }
        }
    }

    pub(super) fn push_text(&mut self, t: &str) {
        for c in t.chars() {
            if c.is_whitespace() {
                self.pending_space = true;
            } else {
                if self.pending_space && !self.text.is_empty() && !self.text.ends_with(['\n', ' '])
                {
                    self.text.push(' ');
                }
                self.pending_space = false;
                self.text.push(c);
            }
        }
    }

    pub(super) fn push_pre(&mut self, raw: &str) {
        for line in raw.lines() {
            let line = line.trim_end();
            if !line.trim().is_empty() {
                self.text.push_str(line);
                self.text.push('\n');
                self.code_words += line.split_whitespace().count();
            }
        }
        self.pending_space = false;
    }

    /// Pushes a block of text set in fixed width ([`is_preformatted_prose`],
    /// [`is_wrapped_prose`]) as the text it reads as: a paragraph's lines (those after its first indented at least as deep) joined into
    /// one, its justified spaces collapsed and a word hyphenated at a line's end ("delet-" /
    /// "ing") joined again; a line of capitals at the margin (`DESCRIPTION`) opens a section; the
    /// running head (`POSTQUEUE(1)  …  POSTQUEUE(1)`) is left out.
    pub(super) fn push_preformatted_prose(&mut self, raw: &str) {
        // The paragraph so far, its first line as set, and how deep that line is indented.
        let mut paragraph = String::new();
        let mut first: &str = "";
        let mut indent = 0;
        let flush = |b: &mut Self, paragraph: &mut String| {
            if !paragraph.is_empty() {
                b.text.push_str(&collapse(paragraph));
                b.text.push('\n');
                paragraph.clear();
            }
        };
        for line in raw.lines() {
            let body = line.trim();
            let depth = line.len() - line.trim_start().len();
            if body.is_empty() || is_running_head(body) {
                flush(self, &mut paragraph);
                continue;
            }
            if depth == 0 && is_capitals_heading(body) {
                flush(self, &mut paragraph);
                let start = self.text.len();
                self.close_section(start);
                self.text.push_str(body);
                self.text.push('\n');
                self.headings_opened += 1;
                self.open_section(self.heading_level + 1, body.to_string(), start);
                continue;
            }
            if paragraph.is_empty() || depth < indent {
                flush(self, &mut paragraph);
                indent = depth;
                first = line;
                paragraph.push_str(body);
                continue;
            }
            // A hanging indent: the first line is the term the rest describes (`-f     Flush the
            // queue: …`, or the term alone on its line), which goes on a line of its own.
            if depth > indent && paragraph.len() == first.trim().len() {
                let term = if first.trim_end().len() <= depth {
                    Some((first.trim(), ""))
                } else {
                    first
                        .get(depth.saturating_sub(2)..depth)
                        .filter(|gap| *gap == "  ")
                        .map(|_| (first[..depth].trim(), first[depth..].trim()))
                        .or_else(|| {
                            (first.trim().chars().count() <= MAX_TERM_CHARS)
                                .then(|| (first.trim(), ""))
                        })
                };
                if let Some((term, rest)) = term {
                    paragraph.clear();
                    // A list item's bullet (`o`, `*`) is no term.
                    if !matches!(term, "o" | "*" | "+" | "-" | "•" | "·") {
                        self.text.push_str(&collapse(term));
                        self.text.push('\n');
                    }
                    paragraph.push_str(rest);
                    indent = depth;
                    if paragraph.is_empty() {
                        paragraph.push_str(body);
                        continue;
                    }
                }
            }
            let hyphenated = paragraph.strip_suffix('-').is_some_and(|head| {
                head.ends_with(|c: char| c.is_alphabetic())
                    && body.starts_with(|c: char| c.is_lowercase())
            });
            if hyphenated {
                paragraph.pop();
            } else {
                paragraph.push(' ');
            }
            paragraph.push_str(body);
        }
        flush(self, &mut paragraph);
        self.pending_space = false;
    }

    pub(super) fn newline(&mut self) {
        while self.text.ends_with(' ') {
            self.text.pop();
        }
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
        self.pending_space = false;
    }

    pub(super) fn close_section(&mut self, at: usize) {
        // Trailing line breaks may have been trimmed since the section opened: positions past the
        // end fall back to it (only ASCII is trimmed, so the end is a character boundary).
        let at = at.min(self.text.len());
        self.section_start = self.section_start.min(at);
        let span = self.text[self.section_start..at].trim();
        if !span.is_empty() {
            self.sections.push(Section {
                heading_path: self.section_path.clone(),
                level: self.section_level,
                start: self.section_start,
                end: at.min(self.text.len()),
            });
        }
        self.section_start = at;
    }

    pub(super) fn open_section(&mut self, level: u8, heading: String, start: usize) {
        while self.outline.last().is_some_and(|(l, _)| *l >= level) {
            self.outline.pop();
        }
        self.outline.push((level, heading));
        self.section_level = level;
        self.section_path = self.outline.iter().map(|(_, h)| h.clone()).collect();
        // A heading that held another (`<dt id>` inside a heading, say) opens its section where the
        // inner one's began, never before it: sections never overlap (found by fuzzing).
        self.section_start = start.max(self.section_start);
    }

    pub(super) fn finish(mut self) -> (String, Vec<Section>) {
        while self.text.ends_with(['\n', ' ']) {
            self.text.pop();
        }
        let end = self.text.len();
        self.close_section(end);
        // Spans must point at trimmed text: move starts past leading line breaks.
        for s in &mut self.sections {
            s.end = s.end.min(end);
            while s.start < s.end && self.text.as_bytes()[s.start] == b'\n' {
                s.start += 1;
            }
            while s.end > s.start && self.text.as_bytes()[s.end - 1] == b'\n' {
                s.end -= 1;
            }
        }
        (self.text, self.sections)
    }
}
