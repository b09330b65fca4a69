//! A sentence's score, once it is placed in its passage ([`super::sentences`]): how much of the
//! question it holds with what it stands under and what it means ([`Reading::support`]), what its
//! kind and place add or take, and the span it is quoted with ([`Reading::quote`]).

use indexer::word_count;

use super::definition::{names_another, states_definition, DEFINITION_BONUS};
use super::history::dates_a_change;
use super::intent::{
    answers_value, denies, says_literal, states_default, DEFAULT_BONUS, DENIAL_BONUS,
    LITERAL_BONUS, STEPS_BONUS, VALUE_BONUS,
};
use super::lines::{
    index_terms_within, is_description, names_a_thing, names_an_option, names_the_command,
    shows_syntax,
};
use super::semantic::MEANING_WEIGHT;
use super::sentences::{Passage, Placed, Reading};
use super::Candidate;

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
/// How much of the question a sentence holds ([`Reading::support`]), with the parts the trace
/// shows.
pub(super) struct Support {
    /// The share of the question's weight the sentence's own words hold.
    direct: f32,
    /// With what it stands under (its term, heading, the sentence before, the page title).
    lexical: f32,
    meaning: f32,
    /// Words and meaning together.
    support: f32,
    from_heading: f32,
    from_label: f32,
    from_title: f32,
}

/// What a sentence is quoted with ([`Reading::quote`]).
pub(super) struct Quoted {
    span: (usize, usize),
    /// The term quoted before it after an ellipsis.
    lead_in: Option<(usize, usize)>,
    /// The term right above it, which the quote opens with.
    term_above: Option<(usize, usize)>,
}

impl Reading<'_> {
    /// How much of the question a placed sentence holds, with what it stands under and what it
    /// means; `None` when nothing of the question speaks for it.
    fn support(&self, p: &Passage<'_>, s: &Placed<'_>) -> Option<Support> {
        let (query, semantic, words_cap) = (self.query, self.semantic, self.words_cap);
        let (at, in_title) = (&p.at, &p.in_title);
        let (is_lead, joined, under_title) = (s.is_lead, s.joined, s.under_title);
        let (in_sentence, before, earlier) = (&s.in_sentence, &s.before, &s.earlier);
        let (in_block, fields) = (&s.in_block, &s.fields);
        let (label, heading) = (&at.label, &at.heading);
        let direct = query.weight(in_sentence, &[]);
        // What the sentence stands under counts for the terms it does not repeat: its
        // definition term first (closest), then its heading, scaled by how much of each is
        // about the question; the first sentence under it usually defines what it names.
        let position = if is_lead { 1.0 } else { LATER_HEADING_WEIGHT };
        let from_label = query.weight(&label.found, &[in_sentence]);
        let from_label_name = query.weight(&label.in_name, &[in_sentence]);
        let from_heading = query.weight(&heading.found, &[in_sentence, &label.found]);
        let from_heading_name = query.weight(&heading.in_name, &[in_sentence, &label.found]);
        let from_previous = query.weight(before, &[in_sentence, &label.found, &heading.found]);
        let from_run = query.weight(earlier, &[in_sentence, &label.found, &heading.found]);
        let from_title = query.weight(
            in_title,
            &[in_sentence, &label.found, &heading.found, before],
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
                    BLOCK_WEIGHT * query.weight(b, &[in_sentence, &label.found, &heading.found])
                })
                .sum::<f32>();
        let meaning = semantic.get(p.rank, s.own).unwrap_or(0.0);
        // Words and meaning are two kinds of evidence: each adds to the other. With a
        // model, words alone never settle it: among sentences that each hold every word of
        // the question, the one that means it leads.
        let lexical = lexical.min(words_cap);
        let support = lexical + (1.0 - lexical) * MEANING_WEIGHT * meaning;
        if support == 0.0
            || (direct + from_heading + from_label == 0.0 && meaning == 0.0 && !under_title)
        {
            return None;
        }
        Some(Support {
            direct,
            lexical,
            meaning,
            support,
            from_heading,
            from_label,
            from_title,
        })
    }

    /// Scores a placed sentence: its support and what its kind and place add or take.
    pub(super) fn score(&self, p: &Passage<'_>, s: Placed<'_>) -> Option<Candidate> {
        let Support {
            direct,
            lexical,
            meaning,
            support,
            from_heading,
            from_label,
            from_title,
        } = self.support(p, &s)?;
        let (intent, top_score) = (self.asked.intent, self.top_score);
        let (rank, hit, prior) = (p.rank, p.hit, p.prior);
        let (label, heading) = (&p.at.label, &p.at.heading);
        let (text, start, end, is_lead, block) = (s.text, s.start, s.end, s.is_lead, s.block);
        let lead_bonus = if is_lead && from_heading + from_label > 0.0 {
            0.1 * heading.focus.max(label.focus)
        } else {
            0.0
        };
        let definition_bonus = self.definition_bonus(p, &s);
        let other_entry = self.other_entry(p, text);
        let (value_bonus, tells_default) = self.value_bonus(p, &s);
        let Quoted {
            span: mut quote,
            lead_in,
            term_above,
        } = self.quote(p, &s);
        let mut incomplete = 0.0;
        match block {
            Some(block_end) => quote.1 = block_end,
            // A sentence that introduces a listing reads incomplete on its own.
            None if text.ends_with(':') => incomplete = 0.1,
            None => {}
        }
        let words = lead_in.map_or(0, |(a, b)| word_count(&hit.text[a..b]))
            + word_count(&hit.text[quote.0..quote.1]).max(s.words);
        // What to run is also the option an entry is about: "Delete one message with the named
        // queue ID" under `-d queue_id`.
        let under_option = || {
            is_lead
                && p.at
                    .term
                    .is_some_and(|(a, b)| names_an_option(&hit.text[a..b]))
        };
        let steps_bonus = if intent.wants_steps && (block.is_some() || under_option()) {
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
        Some(Candidate {
            hit: rank,
            start,
            end,
            quote,
            lead_in,
            term_above,
            words,
            terms: std::cell::OnceCell::new(),
            quote_terms: std::cell::OnceCell::new(),
            support,
            meaning,
            score,
            tells_default,
            gated: false,
            entry: p.at.term.map(|(start, _)| p.hit.start + start),
        })
    }

    /// What defining the question's subject adds: the first sentence under the entry naming it,
    /// or a sentence that says what it is.
    fn definition_bonus(&self, p: &Passage<'_>, s: &Placed<'_>) -> f32 {
        let (intent, subject, dotted_subject) =
            (self.asked.intent, self.asked.subject, self.dotted_subject);
        let (at, in_title, is_lead, text) = (&p.at, &p.in_title, s.is_lead, s.text);
        let (label, heading) = (&at.label, &at.heading);
        // The first sentence under the entry naming what a definition question asks
        // about defines it.
        let definition_bonus =
            match intent.defines {
                Some(k)
                    if is_lead
                        && (label.names(dotted_subject)[k]
                            || (!label.any()
                                && (heading.names(dotted_subject)[k]
                                    || (at.describes_page && in_title[k]))))
                        // Last: it reads the term's text.
                        && !at.term.zip(subject).is_some_and(|((start, end), subject)| {
                            names_another(subject, &p.hit.text[start..end])
                        }) =>
                {
                    DEFINITION_BONUS
                }
                _ => 0.0,
            } + if intent.defines.is_some() && subject.is_some_and(|s| states_definition(s, text)) {
                // A sentence that says what the subject is defines it wherever it stands, and
                // more surely than one that only opens an entry whose name holds the subject's
                // word ("Alternatively, a Cargo.toml file can be created with a [workspace]
                // section …" under "Virtual workspace").
                DEFINITION_BONUS
            } else {
                0.0
            };
        definition_bonus
    }

    /// What speaking of something else takes: a sentence under another entry than the one the
    /// question names, on a page that lists changes, or dating a change.
    fn other_entry(&self, p: &Passage<'_>, text: &str) -> f32 {
        let (query, intent) = (self.query, self.asked.intent);
        let (at, hit, change_list) = (&p.at, p.hit, p.change_list);
        // A sentence of another entry than the one the question names speaks of that
        // entry, mentioning the question's in passing ("The default value is 2.0, which
        // makes hash-based operations use twice the usual work_mem base amount." under
        // `hash_mem_multiplier`); one under the entry the question names speaks of it.
        let entry = match at.term {
            Some((a, b)) if query.names_another(&hit.text[a..b]) => OTHER_ENTRY,
            Some((a, b)) if query.names_same(&hit.text[a..b]) => -OTHER_ENTRY,
            _ => 0.0,
        };
        entry
            + if change_list {
                // A list of changes says what changed in a thing, not what it is or does
                // ("In the limited C API, the Py_INCREF() and Py_DECREF() functions are now
                // implemented as opaque function calls …" for "What does Py_INCREF do?").
                OTHER_ENTRY
            } else {
                0.0
            }
            + if !intent.wants_version && dates_a_change(text) {
                // So does a sentence that says in which version something came or went
                // ("Specifying the edition in Cargo.toml has been stabilized in the 1.31
                // release."), unless the question asks when.
                OTHER_ENTRY
            } else {
                0.0
            }
    }

    /// What stating what the question asks for adds (a value, the default, a literal it writes),
    /// and whether the sentence says what the default is.
    fn value_bonus(&self, p: &Passage<'_>, s: &Placed<'_>) -> (f32, bool) {
        let (intent, literals) = (self.asked.intent, self.asked.literals);
        let (at, hit, says) = (&p.at, p.hit, s.says);
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
            }
            + if intent.yes_or_no && denies(says) {
                DENIAL_BONUS
            } else {
                0.0
            };
        (value_bonus, tells_default)
    }

    /// The span quoted for a placed sentence, with the term quoted before it after an ellipsis
    /// and the term right above it that the quote opens with.
    fn quote(&self, p: &Passage<'_>, s: &Placed<'_>) -> Quoted {
        let (query, at, hit) = (self.query, &p.at, p.hit);
        let (label, heading) = (&at.label, &at.heading);
        let (start, end, joined, is_lead) = (s.start, s.end, s.joined, s.is_lead);
        let (fields, in_sentence, earlier) = (&s.fields, &s.in_sentence, &s.earlier);
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
        if let Some(((from, _), _)) = *fields {
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
            let adds = query.weight(&label.found, &[in_sentence, earlier])
                + query.weight(&heading.found, &[in_sentence, earlier, &label.found]);
            // A term that names a thing, or is written as command syntax (`--depth
            // <depth>`, `git diff --cached [<commit>]`), is what its sentences are about:
            // "Create a shallow clone with a history truncated to the specified number of
            // commits." does not say which option does it.
            let named = names_a_thing(name) || shows_syntax(name);
            // A gloss ("exponentiation" under `**`) says nothing without its term.
            if adds > 0.0 || (named && !index_terms_within(name, quoted)) || s.gloss {
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
        Quoted {
            span: quote,
            lead_in,
            term_above,
        }
    }
}
