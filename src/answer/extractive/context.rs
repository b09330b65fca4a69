//! What a sentence stands under, kept while a passage is read line by line: its heading, its
//! definition term or table header ([`Context`]: which of the question's terms each holds and how
//! much of it is about the question), the sentence before and the run it joins ([`Surroundings`]).

use indexer::SearchHit;

use super::lines::{
    call_parameters, declared_type, is_definition_line, is_description, label_words, name_line,
    offset_in, shows_syntax, without_kind, LABEL_WORDS,
};
use super::quotes::MAX_RUN;
use crate::retrieve::terms::QueryTerms;

/// The terms of what a name holding dotted paths names: a dotted path names its last part, in the
/// namespace of the rest (`gc.writeCommitGraph` is a setting of `git gc`, not `git gc`; `class
/// collections.Counter` names `Counter`). `None` when the name has no dotted path.
pub(super) fn members(query: &QueryTerms, name: &str) -> Option<Vec<bool>> {
    if !name.split_whitespace().any(|w| last_part(w).is_some()) {
        return None;
    }
    let parts: Vec<&str> = name
        .split_whitespace()
        .map(|w| last_part(w).unwrap_or(w))
        .collect();
    Some(query.found_in(&parts.join(" ")))
}

/// The last part of `word` when it is a dotted path (`writeCommitGraph` of `gc.writeCommitGraph`).
pub(super) fn last_part(word: &str) -> Option<&str> {
    word.rsplit_once('.')
        .filter(|(path, part)| !path.is_empty() && !part.is_empty())
        .map(|(_, part)| part)
}

/// The words a sentence stands under: its heading or definition term, with how much of it is about
/// the question.
pub(super) struct Context {
    pub(super) found: Vec<bool>,
    /// The question's terms in what the context names (a signature's name, not its parameters).
    pub(super) named: Vec<bool>,
    /// The same without the namespaces of its dotted paths ([`members`]): `gc.writeCommitGraph`
    /// names `writeCommitGraph`, a setting of `git gc`, for a question that does not write a path.
    pub(super) members: Vec<bool>,
    /// Square root of the share of the context's terms that are the question's: "global
    /// interpreter lock" is about the question, an API signature with ten parameters barely.
    pub(super) focus: f32,
    /// The question's terms `found` in what the context names (before a signature's parameters).
    pub(super) in_name: Vec<bool>,
    /// The same share for the context whole, which a question's term found only among a
    /// signature's parameters counts by: a sentence under `open(file, mode='r', …, encoding=None,
    /// …)` is about `open`, but about `encoding` only if it says so.
    pub(super) whole_focus: f32,
}

impl Context {
    pub(super) fn of(query: &QueryTerms, text: &str) -> Self {
        // What a signature names comes before its parameters: `void Py_INCREF(PyObject *o)` is
        // about Py_INCREF, `work_mem (integer)` about work_mem. A parenthesis ends a word, so the
        // name's terms and the rest's are the whole's.
        let name = text.split('(').next().unwrap_or("");
        let mut named_found = vec![false; query.terms.len()];
        let mut found = vec![false; query.terms.len()];
        // The distinct terms of the name, then of the whole: a context is a few words, so a list
        // does.
        let mut distinct: Vec<String> = Vec::new();
        let mut read = |text: &str, found: &mut [bool]| {
            indexer::lexical::analyze_each(text, |term| {
                query.mark_term(found, term);
                if !distinct.iter().any(|d| d == term) {
                    distinct.push(term.to_string());
                }
            });
            distinct.len()
        };
        // What kind of thing the name is, after it ("ServerRoot Directive", "The unwrap method"),
        // says nothing about which: the name is what the context is about. A type's declaration
        // names the word after its kind (`public class LinkedHashSet<E> extends HashSet<E>`, `pub
        // struct HashMap<K, V>`), not the types it extends.
        let name = declared_type(text).unwrap_or_else(|| without_kind(name));
        let at = offset_in(text, name);
        let name_terms = read(name, &mut named_found);
        read(&text[..at], &mut found);
        let terms = read(&text[at + name.len()..], &mut found);
        // A name in lower camel case holds its words (`fsPromises.readFile`: "read", "file").
        query.mark_camel_names(name, &mut named_found);
        query.mark_camel_names(&text[..at], &mut found);
        query.mark_camel_names(&text[at + name.len()..], &mut found);
        mark(&mut found, &named_found);
        // A context that opens with its parameters names nothing apart from them.
        let (named_found, name_terms) = if name.trim().is_empty() {
            (found.clone(), terms)
        } else {
            (named_found, name_terms)
        };
        // The share of the context's terms that are the question's.
        let share = |found: &[bool], of: usize| {
            if of == 0 {
                0.0
            } else {
                // Capped: the words of a camel-case name count beside the name itself.
                (found.iter().filter(|f| **f).count() as f32 / of as f32).min(1.0)
            }
        };
        let whole_focus = share(&found, terms).sqrt();
        let focus = share(&named_found, name_terms).sqrt().max(whole_focus);
        query.drop_partial_names(text, &mut found);
        // Only a name holding a question's term can lose it to a namespace.
        let members = if named_found.contains(&true) {
            members(query, name).unwrap_or_else(|| named_found.clone())
        } else {
            named_found.clone()
        };
        let in_name = named_found
            .iter()
            .zip(&found)
            .map(|(n, f)| *n && *f)
            .collect();
        Self {
            found,
            members,
            named: named_found,
            in_name,
            focus,
            whole_focus,
        }
    }

    /// The question's terms in what the context names for a definition question: a subject
    /// written as a dotted path (`os.path`) is named by a context holding the path, one written
    /// without (`git gc`) only by a context whose own name, not its namespace, holds it.
    pub(super) fn names(&self, dotted_subject: bool) -> &[bool] {
        if dotted_subject {
            &self.named
        } else {
            &self.members
        }
    }

    /// Adds what `other` (another name of the same entry) holds.
    pub(super) fn merge(&mut self, other: &Self) {
        mark(&mut self.found, &other.found);
        mark(&mut self.named, &other.named);
        mark(&mut self.members, &other.members);
        mark(&mut self.in_name, &other.in_name);
        self.focus = self.focus.max(other.focus);
        self.whole_focus = self.whole_focus.max(other.whole_focus);
    }

    /// The context of `text`, its terms marked in `holds`.
    pub(super) fn held(query: &QueryTerms, text: &str, holds: &mut [bool]) -> Self {
        let context = Self::of(query, text);
        mark(holds, &context.found);
        context
    }

    pub(super) fn none(query: &QueryTerms) -> Self {
        Self::empty(query.terms.len())
    }

    /// No context, for the same question as `other`.
    pub(super) fn none_like(other: &Self) -> Self {
        Self::empty(other.found.len())
    }

    /// No context, for a question of `terms` terms.
    fn empty(terms: usize) -> Self {
        Self {
            found: vec![false; terms],
            named: vec![false; terms],
            members: vec![false; terms],
            in_name: vec![false; terms],
            focus: 0.0,
            whole_focus: 0.0,
        }
    }

    pub(super) fn any(&self) -> bool {
        self.found.contains(&true)
    }
}

/// What the next sentence of a passage stands under, updated as the passage is read line by line.
pub(super) struct Surroundings {
    /// The heading: the chunk's own until a heading line inside it.
    pub(super) heading: Context,
    /// The term of a definition-list entry or the header row of a table.
    pub(super) label: Context,
    /// The span of the short heading or term line the next sentences stand under, to quote.
    pub(super) term: Option<(usize, usize)>,
    /// The next sentence is the first under its heading or term.
    pub(super) lead: bool,
    /// The question's terms in the sentence before (none when it was not analysed: a sentence
    /// without any term's first letters holds none of the terms).
    pub(super) previous: Vec<bool>,
    /// The run a sentence that refers back joins: where it starts and how many sentences it holds.
    pub(super) run: Option<(usize, usize)>,
    /// The question's terms in the run so far.
    pub(super) run_terms: Vec<bool>,
    /// The line before was a table row.
    pub(super) in_table: bool,
    /// The span of the heading the sentences stand under when it shows a call
    /// (`crypto.randomUUID([options])`): the entry its parameters belong to.
    pub(super) signature: Option<(usize, usize)>,
    /// The field lines between the term and the next sentence (`Default: 30`): their span and the
    /// question's terms they hold.
    pub(super) fields: Option<((usize, usize), Vec<bool>)>,
    /// The heading is a manual page's "Description": what it describes is the page's subject,
    /// named by its title (`cargo-vendor(1)` … "DESCRIPTION" … "This cargo subcommand will vendor
    /// all crates.io and git dependencies …").
    pub(super) describes_page: bool,
    /// The span of the page's name line above its "Description" heading in the passage
    /// (`cargo-tree — Display a tree visualization of a dependency graph`): what "This command"
    /// under it is.
    pub(super) page_name: Option<(usize, usize)>,
    /// The labels read since the last sentence, heading or table, when they follow one another:
    /// where the first starts and the last ends.
    pub(super) label_run: Option<(usize, usize)>,
    /// The heading is a question ("Why is it called Python?") and no line has followed it yet:
    /// the paragraph under it answers it.
    pub(super) asks: bool,
    /// Where the lines the last sentence introduces end (the code its colon shows).
    pub(super) block_end: Option<usize>,
}

impl Surroundings {
    pub(super) fn new(query: &QueryTerms, hit: &SearchHit) -> Self {
        let own = hit.heading_path.last();
        let lead = hit.text.starts_with(own.map_or("\u{0}", String::as_str));
        Self {
            heading: own.map_or_else(|| Context::none(query), |h| Context::of(query, h)),
            label: Context::none(query),
            term: own
                .filter(|h| lead && label_words(h) <= LABEL_WORDS)
                .map(|h| (0, h.len())),
            lead,
            previous: vec![false; query.terms.len()],
            run: None,
            run_terms: vec![false; query.terms.len()],
            in_table: false,
            signature: own
                .filter(|h| lead && call_parameters(h).is_some())
                .map(|h| (0, h.len())),
            fields: None,
            describes_page: own.is_some_and(|h| is_description(h)),
            page_name: None,
            label_run: None,
            asks: lead && own.is_some_and(|h| h.trim_end().ends_with('?')),
            block_end: None,
        }
    }

    /// Whether what ends at `end` is part of the lines the last sentence introduced: code shown
    /// by a sentence breaks no flow, so a sentence after it that refers back ("This will make
    /// XPASS results fail the test suite.") joins the sentence that showed it.
    pub(super) fn within_block(&self, end: usize) -> bool {
        self.block_end.is_some_and(|block_end| end <= block_end)
    }

    /// Nothing before carries over: a new section, term or table, or a line that cannot score.
    pub(super) fn break_flow(&mut self) {
        self.previous.fill(false);
        self.run = None;
        self.fields = None;
        self.block_end = None;
    }

    /// A field line (`span` in the passage, holding `found` of the question's terms) states a
    /// property of the entry: it joins the fields the entry's first sentence is read with.
    pub(super) fn add_field(&mut self, span: (usize, usize), found: Vec<bool>) {
        match &mut self.fields {
            Some((fields, held)) => {
                fields.1 = span.1;
                mark(held, &found);
            }
            None => self.fields = Some((span, found)),
        }
    }

    /// A heading line (`span` in the passage) opens a section.
    pub(super) fn open_heading(
        &mut self,
        heading: Context,
        text: &str,
        span: (usize, usize),
        hit: &SearchHit,
    ) {
        self.heading = heading;
        self.describes_page = is_description(text);
        self.asks = text.trim_end().ends_with('?');
        self.page_name = self
            .describes_page
            .then(|| name_line(&hit.text[..span.0], &hit.title))
            .flatten();
        self.label_run = None;
        self.label = Context::none_like(&self.label);
        self.signature = call_parameters(text).map(|_| span);
        // Texinfo's forms of one function, a heading each with nothing between (`: x = inv (A)`,
        // `: [x, rcond] = inv (A)`), are one entry's term.
        let forms = self.term.filter(|&(start, end)| {
            is_definition_line(text)
                && end <= span.0
                && hit.text[end..span.0].trim().is_empty()
                && hit.text[start..end].lines().all(is_definition_line)
        });
        match forms {
            Some((start, _)) => {
                self.term = Some((start, span.1));
                self.lead = true;
                self.break_flow();
            }
            None => self.open_term(text, span),
        }
    }

    /// A definition-list term or row label opens an entry under the heading. Options stacked with
    /// nothing between them are one entry's names (`--ff`, `--no-ff`, `--ff-only` over "Specifies
    /// how a merge is handled …"): the term grows to hold them all. Other labels do not stack (a
    /// section title such as "OPTIONS" above the first option is no name of it).
    pub(super) fn open_label(&mut self, label: Context, passage: &str, span: (usize, usize)) {
        let stacked = self
            .label_run
            .filter(|&(_, end)| self.lead && passage[end..span.0].trim().is_empty());
        match stacked {
            Some((start, _))
                if (label_words(&passage[start..span.1]) <= LABEL_WORDS
                    || passage[start..span.1].lines().all(is_definition_line))
                    && passage[start..span.1].lines().all(shows_syntax) =>
            {
                self.label.merge(&label);
                self.term = Some((start, span.1));
            }
            _ => {
                self.label = label;
                self.open_term(&passage[span.0..span.1], span);
            }
        }
        self.label_run = Some((stacked.map_or(span.0, |(start, _)| start), span.1));
    }

    pub(super) fn open_term(&mut self, text: &str, span: (usize, usize)) {
        self.term = (label_words(text) <= LABEL_WORDS).then_some(span);
        self.lead = true;
        self.break_flow();
    }

    /// A table's first row names its columns: the rows under it stand under it.
    pub(super) fn open_table(&mut self, header: Context) {
        self.label_run = None;
        self.label = header;
        self.term = None;
        self.run = None;
    }

    /// A parameter of the call the heading shows: the entry is the call's again, whatever label or
    /// table came between (a table of changes, "History"), and the description after the
    /// parameters stands under the signature.
    pub(super) fn back_to_signature(&mut self, passage: &str, signature: (usize, usize)) {
        self.label_run = None;
        self.label = Context::none_like(&self.label);
        self.open_term(&passage[signature.0..signature.1], signature);
    }

    /// Takes the next sentence (at `start`): returns whether it is the first under its term, the
    /// terms of the sentence before, and the run it joins (and the terms of that run) when it
    /// refers back.
    pub(super) fn next_sentence(&mut self, start: usize, refers_back: bool) -> NextSentence {
        let lead = std::mem::take(&mut self.lead);
        self.label_run = None;
        let fields = self.fields.take();
        let before = std::mem::replace(&mut self.previous, vec![false; self.run_terms.len()]);
        let joined = self
            .run
            .filter(|(_, n)| refers_back && *n < MAX_RUN)
            .map(|(from, n)| (from, n + 1));
        self.run = Some(joined.unwrap_or((start, 1)));
        if joined.is_none() {
            self.run_terms.fill(false);
        }
        NextSentence {
            lead,
            before,
            joined,
            earlier: self.run_terms.clone(),
            fields,
        }
    }

    /// Records the question's terms the sentence just scored holds.
    pub(super) fn holds(&mut self, found: &[bool]) {
        self.previous.copy_from_slice(found);
        for (r, f) in self.run_terms.iter_mut().zip(found) {
            *r |= f;
        }
    }
}

/// Where a sentence stands in the flow of its passage (see [`Surroundings::next_sentence`]).
pub(super) struct NextSentence {
    pub(super) lead: bool,
    pub(super) before: Vec<bool>,
    pub(super) joined: Option<(usize, usize)>,
    pub(super) earlier: Vec<bool>,
    /// The field lines right before the sentence (see [`Surroundings::fields`]).
    pub(super) fields: Option<((usize, usize), Vec<bool>)>,
}

/// Marks in `into` the terms marked in `found`.
pub(super) fn mark(into: &mut [bool], found: &[bool]) {
    for (i, f) in into.iter_mut().zip(found) {
        *i |= f;
    }
}
