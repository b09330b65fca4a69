//! Sentences read in their context: each sentence of a passage with the heading, definition term,
//! table row, sentence before and run it stands under, scored against the question ([`candidates`]).

use rayon::prelude::*;
use std::collections::HashMap;

use indexer::{sentence_spans, word_count, SearchHit};

use super::context::{last_part, mark, Context, NextSentence, Surroundings};
use super::history::{dates_a_change, is_version_note, lists_changes, tells_the_past};
use super::intent::{
    answers_value, says_literal, states_default, states_definition, states_value_asked, Intent,
    DEFAULT_BONUS, DEFINITION_BONUS, LITERAL_BONUS, STEPS_BONUS, VALUE_BONUS,
};
use super::lines::{
    heading_lines, index_terms_within, is_description, is_field, is_inline_field, is_label,
    is_lowercase_description, is_lowercase_item, is_parameter_of, is_signature_row, is_synopsis,
    is_typed_name, names_a_thing, names_the_command, opens_with_field, opens_with_version,
    returns_into, shows_syntax, typed_field,
};
use super::quotes::{
    breaks_off, code_follows, formula_follows, introduced_block, listing_stating, refers_back,
};
use super::semantic::{Meanings, MAX_WORDS_SUPPORT, MEANING_WEIGHT};
use super::words::{item_words, row_words, standalone_words, MAX_LINE_WORDS, SHORTEST_SENTENCE};
use super::Candidate;
use crate::retrieve::snippet::lines;
use crate::retrieve::terms::QueryTerms;

/// How much the words of the sentence before count for a sentence ("The default is 128MB" after
/// "shared_buffers sets the amount of memory…").
const PREVIOUS_WEIGHT: f32 = 0.3;
/// How much the words of the lines a sentence introduces with a colon count (the setting or
/// command it shows): an example stated less directly than the sentence's own words.
const BLOCK_WEIGHT: f32 = 0.5;
/// How much the words of the page title count.
const TITLE_WEIGHT: f32 = 0.2;
/// How much the question's words that the page title holds (and the sentence and what it stands
/// under do not) add to its score on top of its support. The support counts them already (at
/// [`TITLE_WEIGHT`]), but the support also decides which sentences may answer at all and how much a
/// sentence's meaning can add; the page that names what the question asks about should weigh more
/// in which of the sentences that may answer leads, not in which may. Measured on the fifteen sets
/// (supported / first): hybrid 321 / 239 → 325 / 240, lexical 278 / 208 → 279 / 208; 0.15 and 0.5
/// gained less or lost first sentences; counting the entry's term the same way gained one more
/// answer in hybrid but lost two first sentences (an example's command line is a term too), and
/// section headings lost (a heading names a part of a page: "Examples", "Notes"); raising
/// [`TITLE_WEIGHT`] to 0.45 instead gained 2 in hybrid.
pub(super) const TITLE_RANK_WEIGHT: f32 = 0.25;
/// How much the heading (or the term of a definition list) counts for the sentences after the
/// first under it, relative to the first.
const LATER_HEADING_WEIGHT: f32 = 0.8;
/// Taken from a sentence that stands under an entry naming something other than what the question
/// names (see [`QueryTerms::names_another`]).
const OTHER_ENTRY: f32 = 0.15;
/// Fewest words of the sentence an entry opens with; a shorter one is a note.
const LEAD_WORDS: usize = 6;

/// What a question asks for, besides its terms.
#[derive(Clone, Copy)]
pub(super) struct Asked<'a> {
    pub(super) intent: Intent,
    /// The subject of a definition question ([`super::intent::defined_subject`]).
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
    let Asked {
        intent,
        subject,
        literals,
        value_terms,
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
    // Each passage is read on its own (what carries over from line to line stays in it).
    let read = |rank: usize, hit: &SearchHit| -> (Vec<Candidate>, Vec<bool>) {
        let mut out = Vec::new();
        let (in_title, change_list) = &titles[hit.title.as_str()];
        let (in_title, change_list) = (in_title.clone(), *change_list);
        // Every piece of the passage that may hold a term is analysed below, except lines and
        // sentences without a term's first letters, which hold none.
        let mut holds = in_title.clone();
        mark(&mut holds, &query.found_in(&hit.headings));
        let prior = 0.2 * (hit.score / top_score) + 0.1 / (1.0 + rank as f32);
        let headings = heading_lines(hit);
        let mut at = Surroundings::new(query, hit);
        // The title names what a definition question asks about (see `under_title` below).
        let title_defines = intent.defines.is_some() && in_title.contains(&true);
        let rank_has_meaning = semantic.has(rank);
        let prefixes = finder.spans(&hit.text);
        let mut version_row = false;
        // The previous line introduces a list with its colon ("Jinja2 is configured by Flask as
        // follows:"), or is an item of one.
        let mut listing = false;
        // The line before was a row of a declaration laid out as a table.
        let mut in_signature = false;
        // The line before opened a definition-list term or row label.
        let mut under_term = false;
        let mut passage_lines = lines(&hit.text).peekable();
        while let Some((line_start, line)) = passage_lines.next() {
            if line.trim().is_empty() {
                continue;
            }
            // The return type of a C declaration written GNU style, over two lines (`void` above
            // `g_list_free_full (GList *list,`: GLib's reference), is part of the declaration, not
            // the term of the description after it: that stands under the function's heading.
            if passage_lines
                .peek()
                .is_some_and(|&(_, next)| returns_into(line, next))
            {
                continue;
            }
            // A term's description may open in lower case, as Doxygen writes what a function
            // returns ("Returns", then "the window that was created or NULL on failure; …"): the
            // line right under a term is read like an item of a list.
            // (Not a line aligned in columns: `opt-level = 1      # Use …` under `[profile.dev]`
            // is code.)
            let described = std::mem::take(&mut under_term) && !line.contains("   ");
            let item = (listing && is_lowercase_item(line))
                || (described && (is_lowercase_item(line) || is_lowercase_description(line)));
            listing = item || line.trim_end().ends_with(':');
            let span = (line_start, line_start + line.trim_end().len());
            let row = indexer::vector::sentences::is_table_row(line);
            // A declaration laid out as a table (Doxygen: `char * SDL_GetPrefPath | ( | const char *
            // | org,`, a row per parameter, `) |  |`) is the signature of the function the heading
            // names: no table, and the description under it stands under the heading.
            in_signature = row && (in_signature || is_signature_row(line));
            if in_signature {
                continue;
            }
            // A table of changes ("v18.0.0 |", then what changed then) between a call's signature
            // and its description: the version alone names nothing, and what changed does not open
            // the entry (its sentences are not the call's first).
            // A row that says what changed in its own cells (`v18.0.0 | The requestTimeout, …
            // options are supported now.`) is a change note too.
            let opens_version = opens_with_version(line);
            let bare_version = opens_version
                && line
                    .split_once('|')
                    .is_some_and(|(_, rest)| rest.trim().is_empty());
            let change_note =
                std::mem::replace(&mut version_row, bare_version) || (row && opens_version);
            if bare_version {
                continue;
            }
            // A table's first row is its header, what the rows below stand under. A first row
            // that is a field ("Description: | Types of directives that are allowed in .htaccess
            // files" opening the table of fields under "AllowOverride Directive") is also read as
            // one: it says one thing about the entry, as the rows after it do.
            if row && !at.in_table {
                at.in_table = true;
                at.open_table(Context::held(query, line, &mut holds));
                if !opens_with_field(line) {
                    continue;
                }
            }
            at.in_table = row;
            // A heading line opens its section whole ("19.5. Shutting Down the Server" is not two
            // sentences).
            if headings.contains(line.trim()) {
                at.open_heading(Context::held(query, line, &mut holds), line, span, hit);
                continue;
            }
            if !row && (is_label(line) || is_synopsis(line)) {
                // A parameter of the signature the sentences stand under (`options <Object>` under
                // `crypto.randomUUID([options])`) opens no entry of its own: the description after
                // the parameters is the signature's ("Generates a random RFC 4122 version 4 UUID.").
                if let Some(signature) = at
                    .signature
                    .filter(|&(a, b)| is_parameter_of(&hit.text[a..b], line))
                {
                    at.back_to_signature(&hit.text, signature);
                    continue;
                }
                let context = if prefixes.within(span.0, span.1) {
                    Context::held(query, line, &mut holds)
                } else {
                    Context::none(query)
                };
                if is_field(line) {
                    at.add_field(span, context.found);
                } else {
                    at.open_label(context, &hit.text, span);
                    // Only a short term: a long line without a full stop may be wrapped prose
                    // ("This typically means that you attempted to use functionality that" above
                    // "needed to interface with …").
                    under_term = line.split_whitespace().count() <= TERM_ABOVE_ITEM_WORDS;
                }
                continue;
            }
            // The paragraph right under a heading that asks a question (a FAQ's "Why is it called
            // Python?") is its answer, read as one run: "When he began implementing Python, Guido
            // van Rossum was also reading … “Monty Python’s Flying Circus” …" with "… so he decided
            // to call the language Python."
            let answers_heading = std::mem::take(&mut at.asks);
            // A line with no query term's first letters, no heading in it, under a heading or
            // term that is not about the question, and no meaning scores: none of its sentences
            // can score. Except the opening of a manual page's description, which the page's
            // title speaks for when the question asks what the page's subject is or does.
            let opens_description = title_defines && at.describes_page && at.lead;
            if !rank_has_meaning
                && !at.heading.any()
                && !at.label.any()
                && !opens_description
                && !prefixes.within(span.0, span.1)
                && !headings
                    .iter()
                    .any(|h| !h.is_empty() && h.len() <= line.len() && line.contains(h))
            {
                at.lead = false;
                at.break_flow();
                continue;
            }
            // A table row is read whole, as one statement.
            let spans = if row {
                vec![(0, line.trim_end().len())]
            } else {
                sentence_spans(line)
            };
            for (start, end) in spans {
                let (start, end) = (line_start + start, line_start + end);
                let text = &hit.text[start..end];
                if headings.contains(text) {
                    at.open_heading(
                        Context::held(query, text, &mut holds),
                        text,
                        (start, end),
                        hit,
                    );
                    continue;
                }
                // A property stated after what it is a property of, on one line ("<number>
                // Timeout in milliseconds. Default: 5000 (5 seconds).", "highWaterMark <number> The
                // maximum number of bytes to store … Default: 16384 (16 KiB) …") is read and
                // quoted with the line: the line is the entry, the field one fact about it.
                let field_of_line = !row
                    && ((start > line_start && is_inline_field(text))
                        || typed_field(text).is_some_and(is_inline_field));
                let words = if row {
                    row_words(text)
                } else if field_of_line {
                    Some(word_count(&hit.text[line_start..end])).filter(|w| *w <= MAX_LINE_WORDS)
                } else if item && start == line_start {
                    item_words(text)
                } else {
                    standalone_words(text)
                };
                // A parameter's line under a call's signature ("highWaterMark <number> The
                // maximum …", "...args <any> Additional arguments …") describes the parameter, not
                // the call, and a change note what changed: both stand aside, and the call's
                // description after them still opens the entry.
                let aside = (at.signature.is_some() && is_typed_name(line)) || change_note;
                let Some(words) = words else {
                    if prefixes.within(start, end) {
                        mark(&mut holds, &prefixes.found_in(query, &hit.text, start, end));
                    }
                    at.lead &= aside;
                    at.previous.fill(false);
                    at.run = None;
                    continue;
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
                let is_lead = if aside {
                    at.lead = is_lead;
                    false
                } else {
                    is_lead
                };
                // A short note right under a term ("Part of the Stable ABI.", "New in version
                // 3.2.") is not what the entry opens with: the lead passes to the next sentence.
                let is_lead = if is_lead && words < LEAD_WORDS {
                    at.lead = true;
                    false
                } else {
                    is_lead
                };
                // "New in version 3.11." says when, nothing else: it answers only a question about
                // versions, however many of the question's words its entry holds.
                // So does a sentence on how things were before some version ("Prior to Apache 1.3,
                // HostnameLookups defaulted to On."): it says what no longer holds.
                // So does a row of a table of changes (`v18.0.0 | The requestTimeout, … options are
                // supported now.`).
                if !intent.wants_version
                    && (is_version_note(text) || tells_the_past(text) || (row && opens_version))
                {
                    continue;
                }
                // A sentence that introduces lines with a colon ("This can be expressed like
                // this:") says what they say: the setting, command or value they show.
                // So does a sentence followed by examples one of which states a literal of the
                // question ("~1.2"): "~1.2.3 is an example of a tilde requirement." with the
                // lines down to "~1.2    := >=1.2.0, <1.3.0".
                // For a question on how to do something, a sentence that ends its line above a
                // command ("Then run the cargo login command." over `$ cargo login`) shows it too.
                let introduces = text.ends_with(':')
                    || (breaks_off(text)
                        && (formula_follows(&hit.text, end)
                            || code_follows(&hit.text, end, &headings)))
                    || (intent.wants_steps
                        && text.ends_with('.')
                        && code_follows(&hit.text, end, &headings));
                let block = if introduces {
                    introduced_block(&hit.text, end, &headings)
                } else if literals.is_empty() {
                    None
                } else {
                    listing_stating(&hit.text, end, &headings, literals)
                };
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
                    continue;
                }
                let mut in_sentence = prefixes.found_in(query, &hit.text, start, end);
                let in_block =
                    block.map(|block_end| prefixes.found_in(query, &hit.text, end, block_end));
                let says =
                    &hit.text[fields.as_ref().map_or(start, |((from, _), _)| *from)..said_to];
                mark(&mut holds, &in_sentence);
                if let Some(in_block) = &in_block {
                    mark(&mut holds, in_block);
                }
                query.drop_partial_names(says, &mut in_sentence);
                at.holds(&in_sentence);
                // A value stated answers the words that ask for one ("maximum size").
                // A version answers the words that ask when something came ("added"): any number
                // states one ("as of version 3.37.0").
                if let Some(by_value) =
                    answered_by_value.filter(|_| states_value_asked(intent, says))
                {
                    for (found, by_value) in in_sentence.iter_mut().zip(by_value) {
                        *found |= by_value;
                    }
                }
                let (label, heading) = (&at.label, &at.heading);
                let direct = query.weight(&in_sentence, &[]);
                // What the sentence stands under counts for the terms it does not repeat: its
                // definition term first (closest), then its heading, scaled by how much of each is
                // about the question; the first sentence under it usually defines what it names.
                let position = if is_lead { 1.0 } else { LATER_HEADING_WEIGHT };
                let from_label = query.weight(&label.found, &[&in_sentence]);
                let from_label_name = query.weight(&label.in_name, &[&in_sentence]);
                let from_heading = query.weight(&heading.found, &[&in_sentence, &label.found]);
                let from_heading_name =
                    query.weight(&heading.in_name, &[&in_sentence, &label.found]);
                let from_previous =
                    query.weight(&before, &[&in_sentence, &label.found, &heading.found]);
                let from_run =
                    query.weight(&earlier, &[&in_sentence, &label.found, &heading.found]);
                let from_title = query.weight(
                    &in_title,
                    &[&in_sentence, &label.found, &heading.found, &before],
                );
                let title_weight = if under_title { position } else { TITLE_WEIGHT };
                let lexical = direct
                    + position
                        * (label.focus * from_label_name
                            + label.whole_focus * (from_label - from_label_name).max(0.0)
                            + heading.focus * from_heading_name
                            + heading.whole_focus * (from_heading - from_heading_name).max(0.0))
                    + if joined.is_some() {
                        from_run
                    } else {
                        PREVIOUS_WEIGHT * from_previous
                    }
                    + title_weight * from_title
                    + [in_block.as_ref(), fields.as_ref().map(|(_, found)| found)]
                        .into_iter()
                        .flatten()
                        .map(|b| {
                            BLOCK_WEIGHT
                                * query.weight(b, &[&in_sentence, &label.found, &heading.found])
                        })
                        .sum::<f32>();
                let meaning = semantic.get(rank, own).unwrap_or(0.0);
                // Words and meaning are two kinds of evidence: each adds to the other. With a
                // model, words alone never settle it: among sentences that each hold every word of
                // the question, the one that means it leads.
                let lexical = lexical.min(words_cap);
                let support = lexical + (1.0 - lexical) * MEANING_WEIGHT * meaning;
                if support == 0.0
                    || (direct + from_heading + from_label == 0.0 && meaning == 0.0 && !under_title)
                {
                    continue;
                }
                let lead_bonus = if is_lead && from_heading + from_label > 0.0 {
                    0.1 * heading.focus.max(label.focus)
                } else {
                    0.0
                };
                // The first sentence under the entry naming what a definition question asks
                // about defines it.
                let definition_bonus = match intent.defines {
                    Some(k)
                        if is_lead
                            && (label.names(dotted_subject)[k]
                                || (!label.any()
                                    && (heading.names(dotted_subject)[k]
                                        || (at.describes_page && in_title[k])))) =>
                    {
                        DEFINITION_BONUS
                    }
                    _ => 0.0,
                } + if intent.defines.is_some()
                    && subject.is_some_and(|s| states_definition(s, text))
                {
                    // A sentence that says what the subject is defines it wherever it stands, and
                    // more surely than one that only opens an entry whose name holds the subject's
                    // word ("Alternatively, a Cargo.toml file can be created with a [workspace]
                    // section …" under "Virtual workspace").
                    DEFINITION_BONUS
                } else {
                    0.0
                };
                // A sentence of another entry than the one the question names speaks of that
                // entry, mentioning the question's in passing ("The default value is 2.0, which
                // makes hash-based operations use twice the usual work_mem base amount." under
                // `hash_mem_multiplier`); one under the entry the question names speaks of it.
                let other_entry = match at.term {
                    Some((a, b)) if query.names_another(&hit.text[a..b]) => OTHER_ENTRY,
                    Some((a, b)) if query.names_same(&hit.text[a..b]) => -OTHER_ENTRY,
                    _ => 0.0,
                } + if change_list {
                    // A list of changes says what changed in a thing, not what it is or does
                    // ("In the limited C API, the Py_INCREF() and Py_DECREF() functions are now
                    // implemented as opaque function calls …" for "What does Py_INCREF do?").
                    OTHER_ENTRY
                } else {
                    0.0
                } + if !intent.wants_version && dates_a_change(text) {
                    // So does a sentence that says in which version something came or went
                    // ("Specifying the edition in Cargo.toml has been stabilized in the 1.31
                    // release."), unless the question asks when.
                    OTHER_ENTRY
                } else {
                    0.0
                };
                let tells_default = states_default(intent, says);
                let value_bonus = if answers_value(intent, says) {
                    VALUE_BONUS
                } else {
                    0.0
                } + if tells_default { DEFAULT_BONUS } else { 0.0 }
                    + if says_literal(literals, says)
                        || at
                            .term
                            .is_some_and(|(a, b)| says_literal(literals, &hit.text[a..b]))
                    {
                        LITERAL_BONUS
                    } else {
                        0.0
                    };
                // What the sentence needs to be read alone is quoted with it: the short term or
                // heading it opens, when that holds words of the question it lacks or names what
                // it defines (`sys.getsizeof(object[, default])` before "Return the size of an
                // object in bytes."), the sentences its "This"/"These" refers back to, the line
                // its colon introduces.
                let mut quote = (start, end);
                let mut lead_in = None;
                let mut term_above = None;
                if let Some((from, _)) = joined {
                    quote.0 = from;
                }
                if let Some(((from, _), _)) = fields {
                    quote.0 = quote.0.min(from);
                }
                // A "Description" heading names nothing: not quoted.
                if let Some((term_start, term_end)) = at
                    .term
                    .filter(|&(a, e)| e <= quote.0 && !is_description(&hit.text[a..e]))
                {
                    let name = &hit.text[term_start..term_end];
                    let quoted = &hit.text[quote.0..quote.1];
                    // Question words the term holds that the quote does not.
                    let adds = query.weight(&label.found, &[&in_sentence, &earlier])
                        + query.weight(&heading.found, &[&in_sentence, &earlier, &label.found]);
                    // A term that names a thing, or is written as command syntax (`--depth
                    // <depth>`, `git diff --cached [<commit>]`), is what its sentences are about:
                    // "Create a shallow clone with a history truncated to the specified number of
                    // commits." does not say which option does it.
                    let named = names_a_thing(name) || shows_syntax(name);
                    if adds > 0.0 || (named && !index_terms_within(name, quoted)) {
                        // Right above the sentence it is quoted with it; further up, before it
                        // after an ellipsis ("work_mem (integer) … The default value is four
                        // megabytes (4MB).").
                        if hit.text[term_end..quote.0].trim().is_empty() {
                            quote.0 = term_start;
                            term_above = Some((term_start, term_end));
                        } else if named {
                            lead_in = Some((term_start, term_end));
                        }
                    }
                }
                // The first sentence of a manual page's description, or one that speaks of "this
                // command", when it does not name the page's command ("This command will display a
                // tree of dependencies to the terminal.") is quoted after the page's name line,
                // which does.
                let quoted = &hit.text[quote.0..quote.1];
                if let Some((a, b)) = at.page_name.filter(|&(a, _)| {
                    let command = hit.text[a..].split_whitespace().next().unwrap_or("");
                    (is_lead || names_the_command(quoted))
                        && lead_in.is_none()
                        && term_above.is_none()
                        && !index_terms_within(command, quoted)
                }) {
                    lead_in = Some((a, b));
                }
                let mut incomplete = 0.0;
                match block {
                    Some(block_end) => quote.1 = block_end,
                    // A sentence that introduces a listing reads incomplete on its own.
                    None if text.ends_with(':') => incomplete = 0.1,
                    None => {}
                }
                let words = lead_in.map_or(0, |(a, b)| word_count(&hit.text[a..b]))
                    + word_count(&hit.text[quote.0..quote.1]).max(words);
                let steps_bonus = if intent.wants_steps && block.is_some() {
                    STEPS_BONUS
                } else {
                    0.0
                };
                // What the page's title names counts again in the score: of the sentences that
                // may answer, the one on the page about what the question asks leads.
                let title_lead = TITLE_RANK_WEIGHT * from_title;
                let score = support
                    + prior
                    + lead_bonus
                    + value_bonus
                    + definition_bonus
                    + steps_bonus
                    + title_lead
                    - incomplete
                    - other_entry;
                tracing::trace!(
                    passage = rank,
                    sentence = text,
                    direct,
                    lexical,
                    meaning,
                    prior,
                    retrieval = hit.score / top_score,
                    lead_bonus,
                    value_bonus,
                    definition_bonus,
                    steps_bonus,
                    incomplete,
                    other_entry,
                    words = words as f32,
                    from_heading,
                    from_label,
                    from_title,
                    is_lead,
                    "features"
                );
                out.push(Candidate {
                    hit: rank,
                    start,
                    end,
                    quote,
                    lead_in,
                    term_above,
                    words,
                    terms: std::cell::OnceCell::new(),
                    support,
                    meaning,
                    score,
                    tells_default,
                });
            }
        }
        (out, holds)
    };
    // On the machine's cores: an answer's sentence scoring is most of its time.
    let passages: Vec<_> = hits
        .par_iter()
        .enumerate()
        .map(|(rank, hit)| read(rank, hit))
        .collect();
    let mut out = Vec::new();
    let mut held = Vec::with_capacity(hits.len());
    for (candidates, holds) in passages {
        out.extend(candidates);
        held.push(holds);
    }
    (out, held)
}

/// Most words of a term whose description may open in lower case ("Returns", "See also").
const TERM_ABOVE_ITEM_WORDS: usize = 3;
