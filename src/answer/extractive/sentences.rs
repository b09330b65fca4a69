//! Sentences read in their context: each sentence of a passage with the heading, definition term,
//! table row, sentence before and run it stands under, scored against the question ([`candidates`]).

use rayon::prelude::*;
use std::collections::HashMap;

use indexer::{sentence_spans, word_count, SearchHit};

use super::context::{last_part, mark, Context, NextSentence, Surroundings};
use super::history::{is_version_note, lists_changes, tells_the_past};
use super::intent::{states_value_asked, Intent};
use super::lines::{
    declared_name, heading_lines, is_field, is_gloss, is_inline_field, is_label,
    is_lowercase_description, is_lowercase_item, is_parameter_of, is_signature_row, is_synopsis,
    is_typed_name, may_be_header, opens_with_field, opens_with_version, returns_into, typed_field,
    Headings,
};
use super::quotes::{
    breaks_off, code_follows, formula_follows, goes_on_below, introduced_block, listing_stating,
    refers_back,
};
use super::semantic::{Meanings, MAX_WORDS_SUPPORT};
use super::words::{item_words, row_words, standalone_words, MAX_LINE_WORDS, SHORTEST_SENTENCE};
use super::Candidate;
use crate::retrieve::snippet::lines;
use crate::retrieve::terms::{PrefixFinder, PrefixSpans, QueryTerms};

/// Fewest words of the sentence an entry opens with; a shorter one is a note.
const LEAD_WORDS: usize = 6;

/// What a question asks for, besides its terms.
#[derive(Clone, Copy)]
pub(super) struct Asked<'a> {
    pub(super) intent: Intent,
    /// The subject of a definition question ([`super::definition::defined_subject`]).
    pub(super) subject: Option<&'a str>,
    /// The tokens it writes with their symbols ([`super::intent::literals`]).
    pub(super) literals: &'a [String],
    /// The question's terms a stated value answers ("how long", "the largest").
    pub(super) value_terms: &'a [bool],
}

/// The sentences of `hits` scored against the question, and for each hit the question's terms it
/// holds (in its text, headings or title).
pub(super) fn candidates(
    query: &QueryTerms,
    asked: Asked<'_>,
    hits: &[SearchHit],
    semantic: &Meanings,
) -> (Vec<Candidate>, Vec<Vec<bool>>) {
    let reading = Reading::new(query, asked, hits, semantic);
    // On the machine's cores: an answer's sentence scoring is most of its time.
    let passages: Vec<_> = hits
        .par_iter()
        .enumerate()
        .map(|(rank, hit)| reading.passage(rank, hit))
        .collect();
    let mut out = Vec::new();
    let mut held = Vec::with_capacity(hits.len());
    for (candidates, holds) in passages {
        out.extend(candidates);
        held.push(holds);
    }
    (out, held)
}

/// What the reading of every passage for one question shares.
pub(super) struct Reading<'a> {
    pub(super) query: &'a QueryTerms,
    pub(super) asked: Asked<'a>,
    pub(super) semantic: &'a Meanings,
    /// The subject of a definition question is written as a dotted path (`os.path`).
    pub(super) dotted_subject: bool,
    /// The best retrieval score of the passages read.
    pub(super) top_score: f32,
    pub(super) finder: PrefixFinder,
    /// The question's terms a stated quantity answers (none unless it asks for a value).
    pub(super) answered_by_value: Option<&'a [bool]>,
    /// The most words alone give a sentence's support.
    pub(super) words_cap: f32,
    /// Per page title: the question's terms it holds, and whether it names a list of changes.
    pub(super) titles: HashMap<&'a str, (Vec<bool>, bool)>,
}

/// One passage while it is read line by line.
pub(super) struct Passage<'h> {
    pub(super) rank: usize,
    pub(super) hit: &'h SearchHit,
    /// The question's terms its page's title holds.
    pub(super) in_title: Vec<bool>,
    /// Its page lists changes ([`lists_changes`]).
    pub(super) change_list: bool,
    /// What its place in the ranking adds to its sentences' scores.
    pub(super) prior: f32,
    pub(super) headings: Headings<'h>,
    pub(super) prefixes: PrefixSpans,
    /// The title names what a definition question asks about (see [`Placed::under_title`]).
    pub(super) title_defines: bool,
    /// What the next sentence stands under.
    pub(super) at: Surroundings,
    /// The question's terms found in the passage so far (its title and headings included).
    pub(super) holds: Vec<bool>,
}

/// A line of a passage, as its sentences are read with it.
pub(super) struct Line<'t> {
    start: usize,
    text: &'t str,
    /// A table row, read whole.
    row: bool,
    /// An item of a list, or the lower-case line right under a term.
    item: bool,
    /// A term's gloss: a phrase of a few lower-case words right under it (`**` over
    /// "exponentiation", a glob qualifier `/` over "directories"), read with its term.
    gloss: bool,
    /// Right under a short term.
    under_term: bool,
    /// A row of a table of changes, or the line under a bare version row.
    change_note: bool,
    opens_version: bool,
    /// The paragraph right under a heading that asks a question.
    answers_heading: bool,
}

/// A sentence placed in its passage, with what of the question it and what it is read with hold.
pub(super) struct Placed<'t> {
    pub(super) text: &'t str,
    /// The sentence's own span, which keys its meaning.
    pub(super) own: (usize, usize),
    /// Where it is read from (its line's start, for a field stated on its line) and where it ends.
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) words: usize,
    /// The first sentence under its heading or term.
    pub(super) is_lead: bool,
    /// The question's terms in the sentence before.
    pub(super) before: Vec<bool>,
    /// The run it joins by referring back: where the run starts and how many sentences it holds.
    pub(super) joined: Option<(usize, usize)>,
    /// The question's terms in that run.
    pub(super) earlier: Vec<bool>,
    /// The field lines right above it, read and quoted with it.
    pub(super) fields: Option<((usize, usize), Vec<bool>)>,
    /// The end of the lines it introduces, read and quoted with it.
    pub(super) block: Option<usize>,
    /// The opening of a manual page's description, which the page's title speaks for.
    pub(super) under_title: bool,
    /// A term's gloss ([`Line::gloss`]): quoted with its term, whatever the term holds.
    pub(super) gloss: bool,
    pub(super) in_sentence: Vec<bool>,
    pub(super) in_block: Option<Vec<bool>>,
    /// What it says: with its fields and the lines it introduces.
    pub(super) says: &'t str,
}

impl<'a> Reading<'a> {
    fn new(
        query: &'a QueryTerms,
        asked: Asked<'a>,
        hits: &'a [SearchHit],
        semantic: &'a Meanings,
    ) -> Self {
        let Asked {
            intent,
            subject,
            value_terms,
            ..
        } = asked;

        // The subject of a definition question is written as a dotted path (`os.path`,
        // `functools.lru_cache`).
        let dotted_subject = subject.is_some_and(|s| {
            s.split_whitespace()
                .any(|w| last_part(w.trim_end_matches('.')).is_some())
        });
        let top_score = hits
            .iter()
            .map(|h| h.score)
            .fold(f32::MIN, f32::max)
            .max(f32::EPSILON);
        let finder = query.prefix_finder();
        // The question's terms a stated quantity answers (none unless it asks for a value).
        let answered_by_value = intent
            .wants_value
            .then_some(value_terms)
            .filter(|terms| terms.contains(&true));
        // With sentence meanings, words alone give at most MAX_WORDS_SUPPORT (see below).
        let words_cap = if semantic.is_empty() {
            1.0
        } else {
            MAX_WORDS_SUPPORT
        };
        // The passages of one page share its title: analysed once, for the question's terms and, for a
        // definition question, whether the page lists changes.
        let mut titles: HashMap<&str, (Vec<bool>, bool)> = HashMap::new();
        for hit in hits {
            titles.entry(hit.title.as_str()).or_insert_with(|| {
                (
                    query.found_in(&hit.title),
                    intent.defines.is_some() && lists_changes(&hit.title),
                )
            });
        }
        Self {
            query,
            asked,
            semantic,
            dotted_subject,
            top_score,
            finder,
            answered_by_value,
            words_cap,
            titles,
        }
    }

    /// Reads one passage on its own (what carries over from line to line stays in it): its
    /// sentences scored, and the question's terms it holds.
    fn passage(&self, rank: usize, hit: &SearchHit) -> (Vec<Candidate>, Vec<bool>) {
        let (query, intent, semantic) = (self.query, self.asked.intent, self.semantic);
        let mut out = Vec::new();
        let (in_title, change_list) = &self.titles[hit.title.as_str()];
        let (in_title, change_list) = (in_title.clone(), *change_list);
        // Every piece of the passage that may hold a term is analysed below, except lines and
        // sentences without a term's first letters, which hold none.
        let mut holds = in_title.clone();
        mark(&mut holds, &query.found_in(&hit.headings));
        let rank_has_meaning = semantic.has(rank);
        let mut p = Passage {
            rank,
            hit,
            prior: 0.2 * (hit.score / self.top_score) + 0.1 / (1.0 + rank as f32),
            headings: heading_lines(hit),
            at: Surroundings::new(query, hit),
            title_defines: intent.defines.is_some() && in_title.contains(&true),
            prefixes: self.finder.spans(&hit.text),
            in_title,
            change_list,
            holds,
        };
        let mut layout = Layout::default();
        let mut passage_lines = lines(&hit.text).peekable();
        while let Some((line_start, line)) = passage_lines.next() {
            if line.trim().is_empty() {
                continue;
            }
            let next = passage_lines.peek().map(|&(_, next)| next);
            let Some(mut line) = layout.read(line_start, line, next) else {
                continue;
            };
            // A term has something under it: a line under a term that would read as a term
            // itself (short, no full stop), with a heading or the passage's end after it, is its
            // description (Doxygen's "Non-zero if this is a key repeat" under `Uint8
            // SDL_KeyboardEvent::repeat`, over the next field's heading), not a term of its own.
            if line.under_term
                && !line.gloss
                && next.is_none_or(|n| p.headings.opens(n.trim()))
                && is_label(line.text)
                && standalone_words(line.text).is_some()
            {
                line.gloss = true;
            }
            let span = (line_start, line_start + line.text.trim_end().len());
            if self.structure(&mut p, &mut layout, &line, span) {
                continue;
            }
            // The paragraph right under a heading that asks a question (a FAQ's "Why is it called
            // Python?") is its answer, read as one run: "When he began implementing Python, Guido
            // van Rossum was also reading … “Monty Python’s Flying Circus” …" with "… so he decided
            // to call the language Python."
            line.answers_heading = std::mem::take(&mut p.at.asks);
            if !rank_has_meaning && cannot_score(&p, line.text, span) {
                if !p.at.within_block(span.1) {
                    p.at.lead = false;
                    p.at.break_flow();
                }
                continue;
            }
            // A table row is read whole, as one statement.
            let spans = if line.row {
                vec![(0, line.text.trim_end().len())]
            } else {
                sentence_spans(line.text)
            };
            for (start, end) in spans {
                let (start, end) = (line_start + start, line_start + end);
                let text = &hit.text[start..end];
                if p.headings.opens(text) {
                    p.at.open_heading(
                        Context::held(query, text, &mut p.holds),
                        text,
                        (start, end),
                        hit,
                    );
                    continue;
                }
                if let Some(placed) = self.place(&mut p, &line, start, end) {
                    out.extend(self.score(&p, placed));
                }
            }
        }
        (out, p.holds)
    }

    /// Reads line `l` (at `span`) for what the sentences after it stand under: a table's header row,
    /// a heading, a term or row label, a field, a parameter of the signature above. Returns true
    /// when that is all the line is (no sentence of it is read).
    fn structure(
        &self,
        p: &mut Passage<'_>,
        layout: &mut Layout,
        l: &Line<'_>,
        span: (usize, usize),
    ) -> bool {
        let (query, hit) = (self.query, p.hit);
        let (line, row) = (l.text, l.row);
        // A table's first row is its header, what the rows below stand under. A first row that is
        // a field ("Description: | Types of directives that are allowed in .htaccess files"
        // opening the table of fields under "AllowOverride Directive") is also read as one: it
        // says one thing about the entry, as the rows after it do.
        if row && !p.at.in_table {
            p.at.in_table = true;
            if may_be_header(line) {
                p.at.open_table(Context::held(query, line, &mut p.holds));
                if !opens_with_field(line) {
                    return true;
                }
            }
        }
        p.at.in_table = row;
        // A heading line opens its section whole ("19.5. Shutting Down the Server" is not two
        // sentences).
        if p.headings.opens(line.trim()) {
            // A heading over lines counts all its words; its first line (a signature without its
            // `where` clause) is the term quoted.
            let (start, end) = p.headings.span(&hit.text, span);
            let heading = Context::held(query, &hit.text[start..end], &mut p.holds);
            p.at.open_heading(heading, line, span, hit);
            return true;
        }
        // The further lines of a heading were read with its first.
        if p.headings.continues(line.trim()) {
            return true;
        }
        // A term's gloss is what the term is, not a term of its own.
        if row || l.gloss || !(is_label(line) || is_synopsis(line)) {
            return false;
        }
        // A parameter of the signature the sentences stand under (`options <Object>` under
        // `crypto.randomUUID([options])`) opens no entry of its own: the description after the
        // parameters is the signature's ("Generates a random RFC 4122 version 4 UUID.").
        if let Some(signature) =
            p.at.signature
                .filter(|&(a, b)| is_parameter_of(&hit.text[a..b], line))
        {
            p.at.back_to_signature(&hit.text, signature);
            return true;
        }
        let context = if p.prefixes.within(span.0, span.1) {
            Context::held(query, line, &mut p.holds)
        } else {
            Context::none(query)
        };
        if is_field(line) {
            p.at.add_field(span, context.found);
        } else {
            p.at.open_label(context, &hit.text, span);
            // Only a short term: a long line without a full stop may be wrapped prose ("This
            // typically means that you attempted to use functionality that" above "needed to
            // interface with …").
            layout.under_term = line.split_whitespace().count() <= TERM_ABOVE_ITEM_WORDS;
        }
        true
    }

    /// Places the sentence at `start..end` of `line` in its passage; `None` when it cannot score.
    pub(super) fn place<'h>(
        &self,
        p: &mut Passage<'h>,
        l: &Line<'_>,
        start: usize,
        end: usize,
    ) -> Option<Placed<'h>> {
        let (query, intent, literals) = (self.query, self.asked.intent, self.asked.literals);
        let (semantic, answered_by_value) = (self.semantic, self.answered_by_value);
        let (line_start, line, row) = (l.start, l.text, l.row);
        let (change_note, opens_version, answers_heading) =
            (l.change_note, l.opens_version, l.answers_heading);
        let (rank, hit, title_defines) = (p.rank, p.hit, p.title_defines);
        let Passage {
            at,
            holds,
            headings,
            prefixes,
            ..
        } = p;
        let text = &hit.text[start..end];

        let (words, field_of_line) = counted_words(&hit.text, l, start, end);
        // A parameter's line under a call's signature ("highWaterMark <number> The
        // maximum …", "...args <any> Additional arguments …") describes the parameter, not
        // the call, and a change note what changed: both stand aside, and the call's
        // description after them still opens the entry.
        let aside = (at.signature.is_some() && is_typed_name(line)) || change_note;
        let Some(words) = words else {
            if prefixes.within(start, end) {
                mark(holds, &prefixes.found_in(query, &hit.text, start, end));
            }
            // Code the sentence before introduced breaks no flow (see
            // [`Surroundings::within_block`]).
            if !at.within_block(end) {
                at.lead &= aside;
                at.previous.fill(false);
                at.run = None;
            }
            return None;
        };
        // The sentence's own span keys its meaning; a field is read from its line's start.
        let own = (start, end);
        let start = if field_of_line { line_start } else { start };
        // The sentence joins the run before it when it refers back to it ("These are
        // known as possessive quantifiers.").
        let NextSentence {
            lead: is_lead,
            before,
            joined,
            earlier,
            fields,
        } = at.next_sentence(
            start,
            answers_heading
                || refers_back(text)
                || (!row && !field_of_line && words < SHORTEST_SENTENCE),
        );
        let is_lead = opens_entry(at, is_lead, aside, words, text);
        // "New in version 3.11." says when, nothing else: it answers only a question about
        // versions, however many of the question's words its entry holds.
        // So does a sentence on how things were before some version ("Prior to Apache 1.3,
        // HostnameLookups defaulted to On."): it says what no longer holds.
        // So does a row of a table of changes (`v18.0.0 | The requestTimeout, … options are
        // supported now.`).
        if !intent.wants_version
            && (is_version_note(text) || tells_the_past(text) || (row && opens_version))
        {
            return None;
        }
        let block = introduced_lines(intent, literals, &hit.text, own, headings);
        at.block_end = block;
        let said_to = block.unwrap_or(end);
        // The field lines right above the entry's first sentence (`Default: 30`, `Source
        // code: Lib/fnmatch.py`) are the rest of the entry's head: read and quoted with
        // it.
        let fields = fields.filter(|((_, to), _)| hit.text[*to..start].trim().is_empty());
        // A manual page's description opens under the page's name as an entry's first
        // sentence under its term ("git-gc - Cleanup unnecessary files …", then "Runs a
        // number of housekeeping tasks …"): for a question asking what the page's subject
        // is or does, the title counts for it as a term does, not less than the options
        // and settings further down that repeat the subject's name.
        let under_title = title_defines && is_lead && at.describes_page && !at.label.any();
        // A sentence holding no query term's first letters (nor do its lines) holds no
        // query term; unless its heading, its term, its meaning or the title it stands
        // under speaks for it, it scores nothing: skip the analysis.
        if !at.heading.any()
            && !at.label.any()
            && !under_title
            && !fields
                .as_ref()
                .is_some_and(|(_, found)| found.contains(&true))
            && semantic.get(rank, own).is_none()
            && !prefixes.within(start, said_to)
        {
            return None;
        }
        let mut in_sentence = prefixes.found_in(query, &hit.text, start, end);
        let in_block = block.map(|block_end| prefixes.found_in(query, &hit.text, end, block_end));
        let says = &hit.text[fields.as_ref().map_or(start, |((from, _), _)| *from)..said_to];
        mark(holds, &in_sentence);
        if let Some(in_block) = &in_block {
            mark(holds, in_block);
        }
        query.drop_partial_names(says, &mut in_sentence);
        at.holds(&in_sentence);
        // A value stated answers the words that ask for one ("maximum size").
        // A version answers the words that ask when something came ("added"): any number
        // states one ("as of version 3.37.0").
        if let Some(by_value) = answered_by_value.filter(|_| states_value_asked(intent, says)) {
            for (found, by_value) in in_sentence.iter_mut().zip(by_value) {
                *found |= by_value;
            }
        }
        Some(Placed {
            text,
            own,
            start,
            end,
            words,
            is_lead,
            before,
            joined,
            earlier,
            fields,
            block,
            under_title,
            gloss: l.gloss,
            in_sentence,
            in_block,
            says,
        })
    }
}

/// Most words of a term whose description may open in lower case ("Returns", "See also").
const TERM_ABOVE_ITEM_WORDS: usize = 3;

/// Returns true if no sentence of `line` (at `span`) can score without meaning scores: it holds no
/// query term's first letters nor a heading, and stands under no heading or term about the
/// question. Except the opening of a manual page's description, which the page's title speaks for
/// when the question asks what the page's subject is or does.
fn cannot_score(p: &Passage<'_>, line: &str, span: (usize, usize)) -> bool {
    let opens_description = p.title_defines && p.at.describes_page && p.at.lead;
    !p.at.heading.any()
        && !p.at.label.any()
        && !opens_description
        && !p.prefixes.within(span.0, span.1)
        && !p.headings.within(line)
}

/// What a passage's layout carries from one line to the next.
#[derive(Default)]
struct Layout {
    /// The line before was a bare version row of a table of changes.
    version_row: bool,
    /// The previous line introduces a list with its colon ("Jinja2 is configured by Flask as
    /// follows:"), or is an item of one.
    listing: bool,
    /// The line before was a row of a declaration laid out as a table.
    in_signature: bool,
    /// The line before opened a definition-list term or row label.
    under_term: bool,
    /// The lines before open a type's declaration that later lines continue: its `where` clause
    /// (`pub struct BTreeMap<K, V, A = Global>where` over `    A: Allocator + Clone,{ … }`) or its
    /// members (`pub trait MetadataExt {` … `}`); how many braces are open.
    declaring: Option<i32>,
}

impl Layout {
    /// Reads how `line`, at `start` of its passage, is laid out (`next`: the line after it); `None`
    /// when it is part of a declaration or a bare version, which no sentence is read from.
    fn read<'t>(&mut self, start: usize, line: &'t str, next: Option<&str>) -> Option<Line<'t>> {
        // The return type of a C declaration written GNU style, over two lines (`void` above
        // `g_list_free_full (GList *list,`: GLib's reference), is part of the declaration, not the
        // term of the description after it: that stands under the function's heading.
        if next.is_some_and(|next| returns_into(line, next)) {
            return None;
        }
        // The rest of a declaration left open (its `where` clause, its members' signatures and
        // rustdoc's "Show 16 methods" among them) is part of its term: it says nothing the
        // description under it stands under.
        let braces = |l: &str| l.matches('{').count() as i32 - l.matches('}').count() as i32;
        if let Some(open) = self.declaring.take() {
            let continues = open > 0
                || line.starts_with(char::is_whitespace)
                || line.starts_with(['{', '}'])
                || line.starts_with("where");
            if continues {
                let open = open + braces(line);
                let closed = open <= 0 && (line.contains('}') || line.trim_end().ends_with(';'));
                self.declaring = (!closed).then_some(open);
                return None;
            }
        }
        let end = line.trim_end();
        if (end.ends_with('{') || end.ends_with("where"))
            && !line.starts_with(char::is_whitespace)
            && declared_name(line).is_some()
        {
            self.declaring = Some(braces(line));
        }
        // A term's description may open in lower case, as Doxygen writes what a function returns
        // ("Returns", then "the window that was created or NULL on failure; …"): the line right
        // under a term is read like an item of a list.
        // (Not a line aligned in columns: `opt-level = 1      # Use …` under `[profile.dev]` is
        // code.)
        let described = std::mem::take(&mut self.under_term) && !line.contains("   ");
        let gloss = described && is_gloss(line, next);
        let item = (self.listing && is_lowercase_item(line))
            || (described && (is_lowercase_item(line) || is_lowercase_description(line)))
            || gloss;
        self.listing = item || line.trim_end().ends_with(':');
        let row = indexer::vector::sentences::is_table_row(line);
        // A declaration laid out as a table (Doxygen: `char * SDL_GetPrefPath | ( | const char *
        // | org,`, a row per parameter, `) |  |`) is the signature of the function the heading
        // names: no table, and the description under it stands under the heading.
        self.in_signature = row && (self.in_signature || is_signature_row(line));
        if self.in_signature {
            return None;
        }
        // A table of changes ("v18.0.0 |", then what changed then) between a call's signature and
        // its description: the version alone names nothing, and what changed does not open the
        // entry (its sentences are not the call's first).
        // A row that says what changed in its own cells (`v18.0.0 | The requestTimeout, …
        // options are supported now.`) is a change note too.
        let opens_version = opens_with_version(line);
        let bare_version = opens_version
            && line
                .split_once('|')
                .is_some_and(|(_, rest)| rest.trim().is_empty());
        let change_note =
            std::mem::replace(&mut self.version_row, bare_version) || (row && opens_version);
        if bare_version {
            return None;
        }
        Some(Line {
            start,
            text: line,
            row,
            item,
            gloss,
            under_term: described,
            change_note,
            opens_version,
            answers_heading: false,
        })
    }
}

/// How many words the sentence at `start..end` of line `l` counts as (`None`: it cannot stand
/// alone), and whether it is a field of its line. A property stated after what it is a property
/// of, on one line ("<number> Timeout in milliseconds. Default: 5000 (5 seconds).",
/// "highWaterMark <number> The maximum number of bytes to store … Default: 16384 (16 KiB) …") is
/// read and quoted with the line: the line is the entry, the field one fact about it.
fn counted_words(text: &str, l: &Line<'_>, start: usize, end: usize) -> (Option<usize>, bool) {
    let sentence = &text[start..end];
    let field_of_line = !l.row
        && ((start > l.start && is_inline_field(sentence))
            || typed_field(sentence).is_some_and(is_inline_field));
    let words = if l.row {
        row_words(sentence)
    } else if field_of_line {
        Some(word_count(&text[l.start..end])).filter(|w| *w <= MAX_LINE_WORDS)
    } else if l.gloss {
        Some(word_count(sentence))
    } else if l.item && start == l.start {
        item_words(sentence)
    } else {
        standalone_words(sentence)
    };
    (words, field_of_line)
}

/// Whether a sentence of `words` that would open its entry (`is_lead`) does, leaving the lead to
/// the next sentence when it does not: a sentence that stands `aside` (a parameter's line under a
/// call's signature, a change note) keeps the lead as it was, and a short note right under a term
/// ("Part of the Stable ABI.", "New in version 3.2.") is not what the entry opens with, unless it
/// names what the entry is ("A UTF-8–encoded, growable string." under `pub struct String`).
fn opens_entry(
    at: &mut Surroundings,
    is_lead: bool,
    aside: bool,
    words: usize,
    text: &str,
) -> bool {
    if aside {
        at.lead = is_lead;
        false
    } else if is_lead && words < LEAD_WORDS && !["A ", "An "].iter().any(|a| text.starts_with(a)) {
        at.lead = true;
        false
    } else {
        is_lead
    }
}

/// The end of the words that only introduce what follows a sentence ending at `end` ("For
/// example:", "Thus:"): at most [`EXAMPLE_CUE_WORDS`], ending with a colon, on the sentence's line
/// after it, or on the next line when they name an example or a file.
fn example_after(text: &str, end: usize) -> Option<usize> {
    let rest = text[end..].split('\n').next().unwrap_or("");
    let cue = rest.trim();
    let introduces =
        |cue: &str| (1..=EXAMPLE_CUE_WORDS).contains(&word_count(cue)) && cue.ends_with(':');
    if !cue.is_empty() {
        return introduces(cue).then(|| end + rest.trim_end().len());
    }
    // On a line of its own, the words must name an example or the file the lines below go in
    // ("Example:", "For example:", `/etc/postfix/main.cf:`), not a field ("Parameters:").
    let next_start = end + rest.len() + 1;
    let next = text.get(next_start..)?.split('\n').next().unwrap_or("");
    let cue = next.trim();
    (introduces(cue) && (cue.to_lowercase().contains("example") || cue.starts_with('/')))
        .then(|| next_start + next.trim_end().len())
}

/// Most words of what introduces an example after a sentence on its line.
const EXAMPLE_CUE_WORDS: usize = 3;

/// The end of the lines the sentence at `start..end` of `text` introduces, read and quoted with
/// it. A sentence that introduces lines with a colon ("This can be expressed like this:") says what
/// they say: the setting, command or value they show. So does a sentence followed by examples one
/// of which states a literal of the question ("~1.2"): "~1.2.3 is an example of a tilde
/// requirement." with the lines down to "~1.2    := >=1.2.0, <1.3.0". For a question on how to do
/// something, a sentence that ends its line above a command ("Then run the cargo login command."
/// over `$ cargo login`) shows it too.
fn introduced_lines(
    intent: Intent,
    literals: &[String],
    text: &str,
    (start, end): (usize, usize),
    headings: &Headings<'_>,
) -> Option<usize> {
    let sentence = &text[start..end];
    let introduces = sentence.ends_with(':')
        || (breaks_off(sentence)
            && (formula_follows(text, end) || goes_on_below(text, end, headings)))
        || (intent.wants_steps && sentence.ends_with('.') && code_follows(text, end, headings));
    if introduces {
        introduced_block(text, end, headings)
    } else if let Some(example_end) = example_after(text, end) {
        // "… to specify a target platform name (architecture). For example:" over the command:
        // the example is the sentence's, shown by the few words after it.
        introduced_block(text, example_end, headings)
    } else if literals.is_empty() {
        None
    } else {
        listing_stating(text, end, headings, literals)
    }
}
