//! Sentences read in their context: each sentence of a passage with the heading, definition term,
//! table row, sentence before and run it stands under, scored against the question ([`candidates`]).

use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

use indexer::{sentence_spans, word_count, SearchHit};

use super::intent::{
    answers_value, says_literal, states_default, states_definition, states_value_asked, Intent,
    DEFAULT_BONUS, DEFINITION_BONUS, LITERAL_BONUS, STEPS_BONUS, VALUE_BONUS,
};
use super::semantic::{Meanings, MAX_WORDS_SUPPORT, MEANING_WEIGHT};
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
/// Most words of the value of a field stated inside a line ([`is_inline_field`]).
const INLINE_FIELD_WORDS: usize = 12;
/// Most words of a line read whole for the field it ends with ([`is_field`]).
const MAX_LINE_WORDS: usize = 70;
/// Longest line read as the term of a definition list or a table row label, in words.
const LABEL_WORDS: usize = 10;

/// The words of a label, not counting its punctuation: PostgreSQL writes a signature with spaces
/// around it (`lpad ( string text, length integer [, fill text ] ) → text` is eight words).
fn label_words(label: &str) -> usize {
    // One pass: every line a passage holds is asked whether it is a label.
    let (mut words, mut in_word, mut counted) = (0, false, false);
    for c in label.chars() {
        if c.is_whitespace() {
            in_word = false;
        } else {
            if !in_word {
                (in_word, counted) = (true, false);
            }
            if !counted && c.is_alphanumeric() {
                (words, counted) = (words + 1, true);
            }
        }
    }
    words
}

/// Returns true if `line` reads as a label for the lines after it: short, and not a sentence (a
/// definition-list term like `SIGTERM` or `work_mem (integer)`, a table row's first cell).
pub(super) fn is_label(line: &str) -> bool {
    // An indented line is code, and a line aligned in columns (`test_example.txt .      [100%]`)
    // is a listing's output: only a `<pre>` block keeps a run of spaces.
    if line.starts_with([' ', '\t']) || line.trim_end().contains("   ") {
        return false;
    }
    let line = line.trim();
    // Syntax named by symbols alone (zsh's prompt escapes `%?` and `%#`, `$?`, `<<<`) is a term
    // whatever it ends with; brackets and quotes alone close or open code, dots are no term, and
    // an interpreter's or a shell's prompt alone (`>>>`, `$`) is a line of a session.
    if (1..=12).contains(&line.len())
        && !line.starts_with('>')
        && !matches!(line, "$" | "#" | "%")
        && !line.contains(|c: char| {
            c.is_alphanumeric() || c.is_whitespace() || "{}()[];,\"'`".contains(c)
        })
        && !line.chars().all(|c| c == '.' || c == '…')
    {
        return true;
    }
    // A definition line of a GNU Texinfo manual (`: x = inv (A)`, `: [x, rcond] = inv (A)` in
    // GNU Octave's) is the entry's term, however it ends.
    if is_definition_line(line) {
        return true;
    }
    // A placeholder for arguments (`DISCARD optional text...`, `postqueue -i queue_id...`) ends
    // a term, not a sentence.
    let ends = line.strip_suffix("...").unwrap_or(line);
    // A setting's name with its type or default in parentheses (`maximal_queue_lifetime
    // (default: 5 days)`, `work_mem (integer)`) ends a term, not a sentence.
    let ends = match ends.split_once(" (") {
        Some((name, rest))
            if rest.ends_with(')')
                && !name.contains(char::is_whitespace)
                && name.contains(['_', '.'])
                && !rest.contains(['.', ';']) =>
        {
            name
        }
        _ => ends,
    };
    if ends.ends_with([
        '.', '!', '?', ':', ';', ',', '{', '}', ')', '(', '[', '=', '\\',
    ]) || line.starts_with([' ', '>', '#', '$', '.', '}', '(', '"', '\''])
    {
        return false;
    }
    // A decorator (`@pytest.fixture`) or a comment (`// build.rs`) opens a code listing.
    if line.starts_with('@') || line.starts_with("//") {
        return false;
    }
    // A closing tag (`</Directory>`) ends a block of configuration or markup, and a quoted path
    // (`ServerRoot "/home/httpd"`) is a directive's argument in an example: code, not a term.
    if line.starts_with("</") || line.contains("\"/") {
        return false;
    }
    // A web address on its own line is where a link pointed, not a term.
    if line.contains("://") && !line.contains(char::is_whitespace) {
        return false;
    }
    let words = label_words(line);
    // Syntax is named by its symbols (`*+, ++, ?+`, `{m,n}+`): short, no digits, no assignment.
    let syntax = line.len() <= 20 && !line.contains(|c: char| c.is_ascii_digit() || c == '=');
    ((1..=LABEL_WORDS).contains(&words) || (syntax && !line.is_empty()))
        && (line.chars().any(char::is_alphabetic) || syntax)
}

/// Returns true if the table row `line` opens a declaration laid out as a table, as Doxygen lays
/// out a function's (`SDL_Window * SDL_CreateWindow | ( | const char * | title,`): a type and a
/// name, then a cell holding only the opening parenthesis.
pub(super) fn is_signature_row(line: &str) -> bool {
    let mut cells = line.split('|').map(str::trim);
    let (Some(declared), Some("(")) = (cells.next(), cells.next()) else {
        return false;
    };
    declared.rsplit([' ', '*', '&']).next().is_some_and(|name| {
        name.len() >= 2
            && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    })
}

/// Returns true if `line` is the return type of the C declaration `next` goes on with, GNU style
/// (`void` or `const gchar *` above `g_strdup (const gchar *str);`): a type of at most three words
/// of identifiers and `*`, above a name, a space and its parameters up to a comma or the end.
pub(super) fn returns_into(line: &str, next: &str) -> bool {
    let ty = line.trim();
    let next = next.trim_end();
    let Some((name, _)) = next.split_once(" (") else {
        return false;
    };
    !ty.is_empty()
        && ty.split_whitespace().count() <= 3
        && ty
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '*' || c == ' ')
        && name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && next.ends_with([',', ';', ')'])
}

/// Returns true if `line` is a command's synopsis, whatever its length: alternatives inside
/// brackets (`\copy { table [ ( column_list ) ] | ( query ) } to { 'filename' | stdout }`). It
/// opens the entry its description stands under, as a term does.
fn is_synopsis(line: &str) -> bool {
    line.contains(indexer::vector::sentences::TABLE_CELL)
        && !indexer::vector::sentences::is_table_row(line)
        && !reads_as_prose(line)
}

/// Returns true if `line` (a label, see [`is_label`]) states one property of the entry it follows
/// rather than opening an entry of its own: `Default: 30`, `Type: string or array of strings`,
/// `Environment: CARGO_HTTP_TIMEOUT` under `http.timeout`.
pub(super) fn is_field(line: &str) -> bool {
    let Some((key, value)) = line.trim().split_once(": ") else {
        return false;
    };
    (1..=3).contains(&key.split_whitespace().count())
        && key.starts_with(char::is_uppercase)
        && key.chars().all(|c| c.is_alphabetic() || c == ' ')
        && !value.trim().is_empty()
}

/// Returns true if `sentence`, inside a line, is one field of what the line is about: one word, a
/// colon, a short value ("Default: 5000 (5 seconds).", "Returns: <string>"); not a sentence that
/// opens with a name and a colon ("See Cargo Targets: Tests to learn more …").
pub(super) fn is_inline_field(sentence: &str) -> bool {
    is_field(sentence)
        && sentence.split_once(": ").is_some_and(|(key, value)| {
            !key.contains(' ') && value.split_whitespace().count() <= INLINE_FIELD_WORDS
        })
}

/// What follows the opening parenthesis when `heading` shows a call: parentheses right after a
/// name (`randomUUID(`), not after a space (`git bisect (bad|new)`).
fn call_parameters(heading: &str) -> Option<&str> {
    heading
        .split_once('(')
        .filter(|(name, _)| name.ends_with(|c: char| c.is_alphanumeric() || c == '_'))
        .map(|(_, parameters)| parameters)
}

/// Returns true if the label `line` names a parameter of the signature `term`: its first word is
/// one of the names inside the parentheses of the call the signature shows (`options <Object>` of
/// `crypto.randomUUID([options])`), or a name followed by its type.
pub(super) fn is_parameter_of(term: &str, line: &str) -> bool {
    let Some(parameters) = call_parameters(term) else {
        return false;
    };
    let name = line.split_whitespace().next().unwrap_or("");
    // A name with its type (`encoding {string|null}`, `signal <AbortSignal>`) is a parameter's
    // option or a returned object's property: part of the call's entry too.
    is_typed_name(line)
        || (is_name(name)
            && parameters
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == name))
}

/// Returns true if `line` is a table row that opens with a version or a list of them (`v15.2.0,
/// v14.17.0 |`, `3.11 | …`).
pub(super) fn opens_with_version(line: &str) -> bool {
    let Some((first, _)) = line.split_once('|') else {
        return false;
    };
    first
        .split(',')
        .all(|v| is_dotted_number(v.trim().trim_start_matches('v')))
}

/// Returns true if `word` is a version number: two or more runs of digits joined by dots (`3.11`,
/// `2.4.53`).
fn is_dotted_number(word: &str) -> bool {
    word.contains('.')
        && word
            .split('.')
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The field a sentence states after a type (`Default: 60000` of `<number> Default: 60000`), as API
/// references open a property's line with its type.
pub(super) fn typed_field(sentence: &str) -> Option<&str> {
    let (ty, rest) = sentence.split_once(' ')?;
    let typed =
        (ty.starts_with('<') && ty.ends_with('>')) || (ty.starts_with('{') && ty.ends_with('}'));
    typed.then_some(rest.trim_start())
}

fn is_name(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Returns true if `line` opens with a name and its type, as API references list parameters and
/// properties: `signal <AbortSignal> …`, `encoding {string|null} …`, `...args <any> …` (a rest
/// parameter).
fn is_typed_name(line: &str) -> bool {
    let mut words = line.split_whitespace();
    words
        .next()
        .is_some_and(|name| is_name(name.trim_start_matches("...")))
        && words
            .next()
            .is_some_and(|w| w.starts_with(['<', '{']) && w.len() > 2)
}

/// The terms of what a name holding dotted paths names: a dotted path names its last part, in the
/// namespace of the rest (`gc.writeCommitGraph` is a setting of `git gc`, not `git gc`; `class
/// collections.Counter` names `Counter`). `None` when the name has no dotted path.
fn members(query: &QueryTerms, name: &str) -> Option<Vec<bool>> {
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
fn last_part(word: &str) -> Option<&str> {
    word.rsplit_once('.')
        .filter(|(path, part)| !path.is_empty() && !part.is_empty())
        .map(|(_, part)| part)
}

/// The words a sentence stands under: its heading or definition term, with how much of it is about
/// the question.
struct Context {
    found: Vec<bool>,
    /// The question's terms in what the context names (a signature's name, not its parameters).
    named: Vec<bool>,
    /// The same without the namespaces of its dotted paths ([`members`]): `gc.writeCommitGraph`
    /// names `writeCommitGraph`, a setting of `git gc`, for a question that does not write a path.
    members: Vec<bool>,
    /// Square root of the share of the context's terms that are the question's: "global
    /// interpreter lock" is about the question, an API signature with ten parameters barely.
    focus: f32,
    /// The question's terms `found` in what the context names (before a signature's parameters).
    in_name: Vec<bool>,
    /// The same share for the context whole, which a question's term found only among a
    /// signature's parameters counts by: a sentence under `open(file, mode='r', …, encoding=None,
    /// …)` is about `open`, but about `encoding` only if it says so.
    whole_focus: f32,
}

impl Context {
    fn of(query: &QueryTerms, text: &str) -> Self {
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
        // says nothing about which: the name is what the context is about.
        let name = without_kind(name);
        let name_terms = read(name, &mut named_found);
        let terms = read(&text[name.len()..], &mut found);
        // A name in lower camel case holds its words (`fsPromises.readFile`: "read", "file").
        query.mark_camel_names(name, &mut named_found);
        query.mark_camel_names(&text[name.len()..], &mut found);
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
    fn names(&self, dotted_subject: bool) -> &[bool] {
        if dotted_subject {
            &self.named
        } else {
            &self.members
        }
    }

    /// Adds what `other` (another name of the same entry) holds.
    fn merge(&mut self, other: &Self) {
        mark(&mut self.found, &other.found);
        mark(&mut self.named, &other.named);
        mark(&mut self.members, &other.members);
        mark(&mut self.in_name, &other.in_name);
        self.focus = self.focus.max(other.focus);
        self.whole_focus = self.whole_focus.max(other.whole_focus);
    }

    /// The context of `text`, its terms marked in `holds`.
    fn held(query: &QueryTerms, text: &str, holds: &mut [bool]) -> Self {
        let context = Self::of(query, text);
        mark(holds, &context.found);
        context
    }

    fn none(query: &QueryTerms) -> Self {
        Self {
            found: vec![false; query.terms.len()],
            named: vec![false; query.terms.len()],
            members: vec![false; query.terms.len()],
            in_name: vec![false; query.terms.len()],
            focus: 0.0,
            whole_focus: 0.0,
        }
    }

    /// No context, for the same question as `other`.
    fn none_like(other: &Self) -> Self {
        Self {
            found: vec![false; other.found.len()],
            named: vec![false; other.found.len()],
            members: vec![false; other.found.len()],
            in_name: vec![false; other.found.len()],
            focus: 0.0,
            whole_focus: 0.0,
        }
    }

    fn any(&self) -> bool {
        self.found.contains(&true)
    }
}

/// What the next sentence of a passage stands under, updated as the passage is read line by line.
struct Surroundings {
    /// The heading: the chunk's own until a heading line inside it.
    heading: Context,
    /// The term of a definition-list entry or the header row of a table.
    label: Context,
    /// The span of the short heading or term line the next sentences stand under, to quote.
    term: Option<(usize, usize)>,
    /// The next sentence is the first under its heading or term.
    lead: bool,
    /// The question's terms in the sentence before (none when it was not analysed: a sentence
    /// without any term's first letters holds none of the terms).
    previous: Vec<bool>,
    /// The run a sentence that refers back joins: where it starts and how many sentences it holds.
    run: Option<(usize, usize)>,
    /// The question's terms in the run so far.
    run_terms: Vec<bool>,
    /// The line before was a table row.
    in_table: bool,
    /// The span of the heading the sentences stand under when it shows a call
    /// (`crypto.randomUUID([options])`): the entry its parameters belong to.
    signature: Option<(usize, usize)>,
    /// The field lines between the term and the next sentence (`Default: 30`): their span and the
    /// question's terms they hold.
    fields: Option<((usize, usize), Vec<bool>)>,
    /// The heading is a manual page's "Description": what it describes is the page's subject,
    /// named by its title (`cargo-vendor(1)` … "DESCRIPTION" … "This cargo subcommand will vendor
    /// all crates.io and git dependencies …").
    describes_page: bool,
    /// The span of the page's name line above its "Description" heading in the passage
    /// (`cargo-tree — Display a tree visualization of a dependency graph`): what "This command"
    /// under it is.
    page_name: Option<(usize, usize)>,
    /// The labels read since the last sentence, heading or table, when they follow one another:
    /// where the first starts and the last ends.
    label_run: Option<(usize, usize)>,
    /// The heading is a question ("Why is it called Python?") and no line has followed it yet:
    /// the paragraph under it answers it.
    asks: bool,
}

impl Surroundings {
    fn new(query: &QueryTerms, hit: &SearchHit) -> Self {
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
        }
    }

    /// Nothing before carries over: a new section, term or table, or a line that cannot score.
    fn break_flow(&mut self) {
        self.previous.fill(false);
        self.run = None;
        self.fields = None;
    }

    /// A field line (`span` in the passage, holding `found` of the question's terms) states a
    /// property of the entry: it joins the fields the entry's first sentence is read with.
    fn add_field(&mut self, span: (usize, usize), found: Vec<bool>) {
        match &mut self.fields {
            Some((fields, held)) => {
                fields.1 = span.1;
                mark(held, &found);
            }
            None => self.fields = Some((span, found)),
        }
    }

    /// A heading line (`span` in the passage) opens a section.
    fn open_heading(
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
    fn open_label(&mut self, label: Context, passage: &str, span: (usize, usize)) {
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

    fn open_term(&mut self, text: &str, span: (usize, usize)) {
        self.term = (label_words(text) <= LABEL_WORDS).then_some(span);
        self.lead = true;
        self.break_flow();
    }

    /// A table's first row names its columns: the rows under it stand under it.
    fn open_table(&mut self, header: Context) {
        self.label_run = None;
        self.label = header;
        self.term = None;
        self.run = None;
    }

    /// A parameter of the call the heading shows: the entry is the call's again, whatever label or
    /// table came between (a table of changes, "History"), and the description after the
    /// parameters stands under the signature.
    fn back_to_signature(&mut self, passage: &str, signature: (usize, usize)) {
        self.label_run = None;
        self.label = Context::none_like(&self.label);
        self.open_term(&passage[signature.0..signature.1], signature);
    }

    /// Takes the next sentence (at `start`): returns whether it is the first under its term, the
    /// terms of the sentence before, and the run it joins (and the terms of that run) when it
    /// refers back.
    fn next_sentence(&mut self, start: usize, refers_back: bool) -> NextSentence {
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
    fn holds(&mut self, found: &[bool]) {
        self.previous.copy_from_slice(found);
        for (r, f) in self.run_terms.iter_mut().zip(found) {
            *r |= f;
        }
    }
}

/// Where a sentence stands in the flow of its passage (see [`Surroundings::next_sentence`]).
struct NextSentence {
    lead: bool,
    before: Vec<bool>,
    joined: Option<(usize, usize)>,
    earlier: Vec<bool>,
    /// The field lines right before the sentence (see [`Surroundings::fields`]).
    fields: Option<((usize, usize), Vec<bool>)>,
}

/// Marks in `into` the terms marked in `found`.
pub(super) fn mark(into: &mut [bool], found: &[bool]) {
    for (i, f) in into.iter_mut().zip(found) {
        *i |= f;
    }
}

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

/// Returns true if a page's `title` names a list of changes (what's new, release notes, a
/// changelog): its sentences say what changed, not what a thing is or does.
pub(super) fn lists_changes(title: &str) -> bool {
    let lower = title.to_lowercase().replace('’', "'");
    // The page's own name, before the site's (" — Python 3.11.2 documentation").
    let name = [" — ", " | ", " - "]
        .iter()
        .fold(lower.as_str(), |name, sep| {
            name.split(sep).next().unwrap_or(name)
        });
    [
        "what's new",
        "release notes",
        "changelog",
        "change log",
        "new features",
        "release announcement",
        "changes from version",
    ]
    .iter()
    .any(|p| name.contains(p))
        || name.starts_with("changes")
        || name
            .match_indices("release ")
            .any(|(at, r)| name[at + r.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// A passage's heading lines, looked up for every line and sentence it holds.
pub(super) type Headings<'a> = rustc_hash::FxHashSet<&'a str>;

/// The passage's headings (its path and those of the sections merged into it), as the lines of its
/// text that are headings.
pub(super) fn heading_lines(hit: &SearchHit) -> Headings<'_> {
    hit.headings
        .split(indexer::lexical::HEADING_SEPARATOR)
        .map(str::trim)
        .collect()
}

/// Returns true if a heading or term reads as the name of a thing (an API entry, a setting, a
/// command-line option: `sys.getsizeof(object[, default])`, `work_mem (integer)`, `SIGTERM`) rather
/// than a title in prose ("Ferret habits").
pub(super) fn names_a_thing(term: &str) -> bool {
    // Syntax is named by its symbols (`*+, ++, ?+`).
    if !term.chars().any(char::is_alphabetic) {
        return true;
    }
    let mut words = term.split_whitespace();
    // One word is a name unless it is a capitalised word ("Description", "Examples").
    let single = words.clone().take(2).count() == 1 && {
        let mut chars = term.chars();
        !(chars.next().is_some_and(char::is_uppercase) && chars.all(char::is_lowercase))
    };
    single
        || words.by_ref().take(3).any(|w| {
            w.contains(['(', '_']) || w.contains("::") || {
                let b = w.as_bytes();
                b.windows(3).any(|x| {
                    x[1] == b'.' && x[0].is_ascii_alphabetic() && x[2].is_ascii_alphabetic()
                })
            }
        })
}

/// Returns true if `term` is written as command syntax: an option (`--cached`), a backslash
/// command (`\dt`) or a placeholder (`[<commit>]`, `<path>`).
fn shows_syntax(term: &str) -> bool {
    (!term.trim().is_empty() && term.lines().all(is_definition_line))
        || term.split_whitespace().any(|w| {
            // An option is dashes and a name (`-p`, `--jobs`, `--[no-]keep-index`), not an SQL
            // comment's `--` or an arrow.
            let option = w
                .strip_prefix("--")
                .or_else(|| w.strip_prefix('-'))
                .is_some_and(|name| name.starts_with(|c: char| c.is_alphanumeric() || c == '['));
            // A backslash command names a meta-command (psql's `\password [ username ]`, `\dt`).
            let backslash = w
                .strip_prefix('\\')
                .is_some_and(|name| name.starts_with(|c: char| c.is_ascii_alphabetic()));
            option
                || backslash
                || w.starts_with("[<")
                || (w.starts_with('<') && w.ends_with('>') && w.len() > 2)
        })
}

/// Returns true if `line` is a definition line of a GNU Texinfo manual: a colon, then the call it
/// defines (`: x = inv (A)`, `: [x, rcond] = inv (A)`, `: ifft (x, n, dim)`), as `texi2any` writes
/// `@deftypefn` for GNU Octave's functions; several such lines stacked are one entry's forms.
fn is_definition_line(line: &str) -> bool {
    line.trim_start().strip_prefix(": ").is_some_and(|call| {
        call.contains('(')
            && !call.trim_end().ends_with('.')
            && call.split_whitespace().count() <= LABEL_WORDS
    })
}

/// Returns true if `sentence` already says `name`, so quoting the name would add nothing: verbatim,
/// or, for a name made of words, every one of its terms. A name with symbols or an option's dashes
/// is said only verbatim: "from m to n repetitions" does not say `{m,n}+`.
fn index_terms_within(name: &str, sentence: &str) -> bool {
    let name = name.trim();
    if sentence.contains(name) {
        return true;
    }
    // A command-line option (`--open`, `-P`) is a symbol too: "Open the docs in a browser" does
    // not say `--open`.
    let words_only = !name.starts_with('-')
        && name.chars().all(|c| {
            c.is_alphanumeric() || c.is_whitespace() || matches!(c, '_' | '.' | '-' | ':')
        });
    if !words_only {
        return false;
    }
    let terms = indexer::lexical::analyze(name);
    if terms.is_empty() {
        return false;
    }
    // Which of the name's terms the sentence holds, read without collecting the sentence's.
    let mut said = vec![false; terms.len()];
    indexer::lexical::analyze_each(sentence, |term| {
        for (said, t) in said.iter_mut().zip(&terms) {
            *said |= t == term;
        }
    });
    said.into_iter().all(|s| s)
}

/// The last line of `above` that names the page the way a manual page does, `NAME — summary`
/// (`git-bisect - Use binary search to find the commit that introduced a bug`, `pg_dump — extract
/// a PostgreSQL database …`), its name one word that the page `title` holds: its span.
fn name_line(above: &str, title: &str) -> Option<(usize, usize)> {
    let title_terms: HashSet<String> = indexer::lexical::analyze(title).into_iter().collect();
    lines(above)
        .filter_map(|(start, line)| {
            let line = line.trim_end();
            let (name, summary) = [" - ", " — ", " – "]
                .iter()
                .find_map(|sep| line.split_once(sep))?;
            let terms = indexer::lexical::analyze(name);
            (!name.contains(char::is_whitespace)
                && !summary.trim().is_empty()
                && !terms.is_empty()
                && terms.iter().all(|t| title_terms.contains(t)))
            .then_some((start, start + line.len()))
        })
        .last()
}

/// Returns true if `sentence` opens by speaking of the command a manual page is about: "This
/// command uses a binary search algorithm …", "The command takes various subcommands …", "This
/// cargo subcommand will vendor …".
fn names_the_command(sentence: &str) -> bool {
    let mut words = sentence.split_whitespace();
    matches!(words.next(), Some("This" | "The")) && words.take(2).any(|w| w.ends_with("command"))
}

/// Returns true if `heading` is a manual page's "Description" section, numbered or not ("2.
/// Description" on a page whose title is the command it describes).
pub(super) fn is_description(heading: &str) -> bool {
    unnumbered(heading).eq_ignore_ascii_case("description")
}

/// `heading` without the section number it opens with ("2.1. Description" is "Description").
fn unnumbered(heading: &str) -> &str {
    let heading = heading.trim();
    let number = heading.split_once(char::is_whitespace).filter(|(n, _)| {
        n.ends_with('.') && n.split('.').all(|p| p.chars().all(|c| c.is_ascii_digit()))
    });
    number.map_or(heading, |(_, rest)| rest.trim_start())
}

/// Returns true if `sentence` only says in which version its entry appeared ("New in version
/// 3.11.", "Added in version 1.2").
/// Called for every sentence read, so it looks at the words without collecting them.
fn is_version_note(sentence: &str) -> bool {
    let mut words = sentence.trim_end_matches('.').split_whitespace();
    matches!(words.next(), Some("New" | "Added"))
        && words.next() == Some("in")
        && words.next() == Some("version")
        && words
            .next()
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit() || c == '.'))
        && words.next().is_none()
}

/// `name` without the word after it that says what kind of thing it is ("ServerRoot Directive":
/// "ServerRoot"), when that word is written as a word (not in capitals, which name a command:
/// "CREATE FUNCTION") and something is left.
fn without_kind(name: &str) -> &str {
    let trimmed = name.trim_end();
    match trimmed.rsplit_once(' ') {
        Some((rest, last))
            if !rest.trim().is_empty()
                && last.chars().any(char::is_lowercase)
                && super::intent::KINDS
                    .iter()
                    .any(|k| last.eq_ignore_ascii_case(k)) =>
        {
            rest
        }
        _ => name,
    }
}

/// Returns true if a table row's first cell names a field ("Description:"), not a column.
fn opens_with_field(row: &str) -> bool {
    row.split(indexer::vector::sentences::TABLE_CELL)
        .next()
        .is_some_and(|cell| cell.trim_end().ends_with(':'))
}

/// A sentence on how things were before some version: its opening clause is "Prior to …",
/// "Before …" or "Until …" naming a version, or "In … 2.4.53 and earlier". A year is no version:
/// "Prior to 1953, …" is history a question may ask about.
fn tells_the_past(sentence: &str) -> bool {
    // A field row says it in its value ("Compatibility: | In Apache HTTP Server 2.4.53 and earlier,
    // the default value was 0 (unlimited)").
    let sentence = if sentence.contains('|') {
        sentence
            .rsplit(indexer::vector::sentences::TABLE_CELL)
            .next()
            .unwrap_or(sentence)
    } else {
        sentence
    };
    // Most sentences open otherwise: one look at their first bytes.
    let before = ["Prior to ", "Before ", "Until "]
        .iter()
        .any(|p| sentence.starts_with(p));
    if !before && !sentence.starts_with("In ") {
        return false;
    }
    let Some((clause, _)) = sentence.split_once(", ") else {
        return false;
    };
    let names_version =
        clause.contains("version") || clause.split_whitespace().any(is_dotted_number);
    names_version
        && (before
            || [" and earlier", " or earlier", " and older", " or older"]
                .iter()
                .any(|e| clause.ends_with(e)))
}

/// Verbs that say something came or went in some version.
const CHANGE_VERBS: &[&str] = &[
    "added",
    "introduced",
    "stabilized",
    "stabilised",
    "deprecated",
    "removed",
];

/// Most words between a change verb and the version it names ("stabilized in the 1.31 release",
/// "added in Python 3.8", "deprecated since version 3.10").
const CHANGE_VERSION_WORDS: usize = 4;

/// Returns true if `sentence` says in which version something was added, stabilized, deprecated
/// or removed: "Specifying the edition in Cargo.toml has been stabilized in the 1.31 release.",
/// "This function was added in SQLite version 3.8.7.". It says when, not what the thing is or
/// does.
pub(super) fn dates_a_change(sentence: &str) -> bool {
    // Every sentence an answer scores comes here, and most name no version: one look at its bytes
    // before its words are collected.
    if !sentence.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let words: Vec<&str> = sentence.split_whitespace().collect();
    words.iter().enumerate().any(|(i, w)| {
        let verb = w.trim_end_matches([',', '.']);
        CHANGE_VERBS.iter().any(|c| c.eq_ignore_ascii_case(verb))
            && matches!(words.get(i + 1), Some(&("in" | "since" | "with" | "as")))
            && words[i + 2..]
                .iter()
                .take(CHANGE_VERSION_WORDS)
                .any(|v| is_dotted_number(v.trim_end_matches([',', '.', ';', ')'])))
    })
}

/// Words that open a sentence which points back at the one before ("These are known as possessive
/// quantifiers.", "However, unlike …").
const BACK_REFERENCES: &[&str] = &[
    "This",
    "These",
    "That",
    "Those",
    "It",
    "They",
    "Such",
    "Both",
    "However",
    "Thus",
    "Therefore",
    "Otherwise",
    "Instead",
];
/// Most sentences quoted as one run.
const MAX_RUN: usize = 3;

fn refers_back(sentence: &str) -> bool {
    // One look at the first six words: this runs for every sentence an answer reads.
    let mut after_do = false;
    for (i, w) in sentence.split_whitespace().take(6).enumerate() {
        let bare = w.trim_end_matches(',');
        // "These are …", "However, …", or a demonstrative among the first words: "For this
        // purpose, …", "In that case …".
        if (i == 0 && BACK_REFERENCES.contains(&bare))
            || (i < 3 && matches!(bare, "this" | "these" | "that" | "those" | "such"))
            // A pronoun after an opening phrase: "In the default configuration it must be …".
            || (i < 5 && matches!(bare, "it" | "its" | "they" | "their"))
            // "Do so" or "do this" stands for what the sentence before says to do: "You can do
            // this using struct update syntax." after "It’s often useful to create a new
            // instance of a struct that includes most of the values from another instance …".
            || (after_do && matches!(w.trim_end_matches([',', '.']), "so" | "this" | "that"))
        {
            return true;
        }
        after_do = ["do", "does", "did", "doing"]
            .iter()
            .any(|d| w.eq_ignore_ascii_case(d));
    }
    false
}

/// Returns true if `line` is a console banner, the output a command prints around its report
/// (`=== test session starts ===`, `____ test_answer ____`), not the command itself.
fn is_banner(line: &str) -> bool {
    let line = line.trim();
    ["===", "___"]
        .iter()
        .any(|rule| line.starts_with(rule) && line.ends_with(rule))
}

/// Words no sentence ends with: a line that stops on one goes on below it.
const OPEN_ENDS: &[&str] = &[
    "if", "and", "or", "than", "to", "of", "the", "a", "an", "by", "with", "is", "are", "as",
    "that", "from", "for", "when", "where", "which", "whether",
];

/// Returns true if `sentence` breaks off on a word no sentence ends with ("For complex numbers,
/// the following ordering is defined: z1 < z2 if and only if", over the lines of the formula): it
/// goes on in the lines below, which it introduces as a colon would.
fn breaks_off(sentence: &str) -> bool {
    sentence
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .is_some_and(|last| OPEN_ENDS.contains(&last.to_lowercase().as_str()))
}

/// Returns true if the line after `end` (the end of a sentence that ends its line) is set off as a
/// formula or code: indented, with an operator or bracket (`  abs (z1) < abs (z2)`). Not the next
/// line of prose wrapped in fixed width.
pub(super) fn formula_follows(text: &str, end: usize) -> bool {
    let rest = &text[end..];
    let Some(next) = rest.strip_prefix('\n').and_then(|r| r.lines().next()) else {
        return false;
    };
    next.starts_with([' ', '\t'])
        && next.contains(['=', '<', '>', '|', '&', '(', '[', '{', '+', '*', '/'])
}

/// Most lines quoted after a sentence that introduces them with a colon.
const INTRODUCED_LINES: usize = 3;
/// Most words of those lines.
const INTRODUCED_WORDS: usize = 30;

/// Returns the end of the lines after `end` (the end of a sentence ending with a colon) that the
/// sentence introduces, when they are short enough to quote with it: the command, setting or value
/// it shows (`[dependencies]` and `gif = { version = "0.11.1", optional = true }` after "This can
/// be expressed like this:"). The first line is always one of them; a line that reads as prose, is
/// a heading or is a console banner ends them.
fn introduced_block(text: &str, end: usize, headings: &Headings<'_>) -> Option<usize> {
    let rest = &text[end..];
    let skip = rest.len() - rest.trim_start().len();
    if skip == 0 || !rest[..skip].contains('\n') {
        return None;
    }
    let mut from = end + skip;
    let (mut block_end, mut words) = (None, 0);
    for _ in 0..INTRODUCED_LINES {
        let line_end = text[from..].find('\n').map_or(text.len(), |i| from + i);
        let line = text[from..line_end].trim_end();
        if line.trim().is_empty()
            || (block_end.is_some()
                && (reads_as_prose(line) || headings.contains(line.trim()) || is_banner(line)))
        {
            break;
        }
        words += word_count(line);
        if words > INTRODUCED_WORDS {
            break;
        }
        block_end = Some(from + line.len());
        if line_end >= text.len() {
            break;
        }
        from = line_end + 1;
    }
    block_end
}

/// Returns the end of the listing right after `end` (the end of a sentence that ends its line), up to
/// its last line that states one of `literals` (see [`super::intent::literals`]), within what [`introduced_block`] would quote; `None`
/// when the next line is prose or no line states a literal.
fn listing_stating(
    text: &str,
    end: usize,
    headings: &Headings<'_>,
    literals: &[String],
) -> Option<usize> {
    let block_end = introduced_block(text, end, headings)?;
    let first = block_end - text[end..block_end].trim_start().len();
    let mut stated = None;
    let mut from = first;
    for line in text[first..block_end].split_inclusive('\n') {
        let line_end = from + line.trim_end().len();
        if from == first && reads_as_prose(line) {
            return None;
        }
        if says_literal(literals, line) {
            stated = Some(line_end);
        }
        from += line.len();
    }
    stated
}

/// Returns true if the line right after `end` (the end of a sentence) is code: a shell or
/// interpreter prompt (`$ cargo login`, `>>> import os`) or a line of code that does not read as
/// prose (`lto = false`, `[profile.release]`), not a heading. Not a signature (`make_time(8, 15,
/// 23.5) → 08:15:23.5` in a list of functions).
fn code_follows(text: &str, end: usize, headings: &Headings<'_>) -> bool {
    let rest = &text[end..];
    let Some(newline) = rest.find('\n').filter(|&i| rest[..i].trim().is_empty()) else {
        return false;
    };
    let mut lines = rest[newline + 1..].lines();
    let line = lines.next().unwrap_or("").trim();
    // A line of prose in lower case (Sphinx's parameter lists: "values (Any) – Values to use for
    // the variable parts of the URL rule. Unknown keys are appended as query string arguments, like
    // ?a=b&c=d.") is no code, whatever symbols it quotes.
    let lower_case_prose = || line.ends_with('.') && item_words(line).is_some();
    if line.is_empty() || headings.contains(line) || reads_as_prose(line) || lower_case_prose() {
        return false;
    }
    if ["$ ", "> ", ">>> ", "% ", "# "]
        .iter()
        .any(|p| line.starts_with(p))
    {
        return true;
    }
    // A label over prose, or last in the passage, opens the next entry of a definition list
    // (`pop [--index] [<stash>]` over "Remove a single stash entry …", psql's `\dy[+] [ pattern ]`
    // over "Lists event triggers."): a term, not code.
    let opens_entry = is_label(line)
        && lines
            .next()
            .is_none_or(|next| reads_as_prose(next) || opens_with_statement(next));
    line.contains(['=', '{', '[', ';']) && !opens_entry
}

/// Returns true if `line` opens with a sentence too short to quote alone ("Lists event
/// triggers." of "Lists event triggers. If pattern is specified, …"): a capital, words of
/// letters, a full stop.
fn opens_with_statement(line: &str) -> bool {
    let Some(&(start, end)) = sentence_spans(line).first() else {
        return false;
    };
    let sentence = &line[start..end];
    sentence.starts_with(char::is_uppercase)
        && sentence.strip_suffix('.').is_some_and(|words| {
            words.split_whitespace().all(|w| {
                w.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, ',' | '-' | '\''))
            })
        })
}

/// Returns true if `line` reads as prose (sentences), not as code or a listing.
fn reads_as_prose(line: &str) -> bool {
    // A sentence may end inside a parenthesis or a quotation ("(For multiword prompts, surround
    // the text with single quotes.)").
    line.trim_end()
        .trim_end_matches([')', ']', '"', '\'', '”', '’'])
        .ends_with(['.', ':', '!', '?'])
        && sentence_spans(line)
            .first()
            .is_some_and(|&(a, b)| standalone_words(&line[a..b]).is_some())
}

/// Most words of a term whose description may open in lower case ("Returns", "See also").
const TERM_ABOVE_ITEM_WORDS: usize = 3;

/// Returns true if `line` is an item of a list a colon introduced, written as the rest of the
/// sentence that introduces it: a whole line that opens with a lower-case word and ends as a
/// sentence does ("autoescaping is enabled for all templates ending in .html, .htm, .xml as well as
/// .xhtml when using render_template()." under "Jinja2 is configured by Flask as follows:"). Not an
/// indented line, which is code, nor a parameter's line (`args <string[]> array of argument
/// strings.`), which describes the parameter under its call's entry.
pub(super) fn is_lowercase_item(line: &str) -> bool {
    line.starts_with(char::is_lowercase)
        && !is_typed_name(line)
        && line
            .trim_end()
            .trim_end_matches([')', '"', '\'', '”', '’'])
            .ends_with(['.', '!', '?'])
}

/// Returns true if `line`, right under a short term, is its description written as a phrase in
/// lower case without a full stop (Doxygen's fields: "refresh rate (or zero for unspecified)"
/// under `int SDL_DisplayMode::refresh_rate`): at least three words, not code.
fn is_lowercase_description(line: &str) -> bool {
    let line = line.trim_end();
    line.starts_with(char::is_lowercase)
        && !is_typed_name(line)
        && line.split_whitespace().count() >= 3
        && !line.ends_with([':', ',', ';', '{', '(', '=', '\\'])
        && !line.contains(['{', '}', ';', '='])
}

/// Returns the word count of a list item ([`is_lowercase_item`]) that can stand alone in an
/// answer, as a sentence can ([`standalone_words`]) but for its lower-case opening.
fn item_words(text: &str) -> Option<usize> {
    sentence_words(text, true)
}

/// Fewest words of a sentence that says what it is about. A shorter one that states a default
/// ("Defaults to 4093.") has no subject but what the sentence before it describes ("Warn if cookie
/// headers are larger than this many bytes."): it is read and quoted with that sentence.
const SHORTEST_SENTENCE: usize = 4;

/// Returns true if `text` opens with "Default" and states a value: "Defaults to 4093.", "Default
/// is 30 seconds.".
fn states_short_default(text: &str) -> bool {
    text.get(..7)
        .is_some_and(|w| w.eq_ignore_ascii_case("default"))
        && super::intent::holds_value(text)
}

/// Returns the word count of a table row that can be quoted as a statement, or `None`.
pub(super) fn row_words(text: &str) -> Option<usize> {
    let words = word_count(text);
    (3..=70).contains(&words).then_some(words)
}

/// Returns the word count of a sentence that can stand alone in an answer, or `None`.
pub(super) fn standalone_words(text: &str) -> Option<usize> {
    sentence_words(text, false)
}

/// [`standalone_words`], or [`item_words`] when `lower_case` (the text may open with a lower-case
/// word: everything else is judged as if it opened with a capital).
fn sentence_words(text: &str, lower_case: bool) -> Option<usize> {
    // A sentence starts with a capital, a number, a quote or an identifier (`f.read()`, `sys.path`):
    // a lowercase word is the tail of a sentence the splitter cut wrongly.
    let first_word = text.split_whitespace().next()?;
    let first = first_word.chars().next()?;
    let identifier = first_word.contains(['(', '.', '_']) && !first_word.ends_with('.');
    if !(first.is_uppercase()
        || (lower_case && first.is_lowercase())
        || first.is_numeric()
        || matches!(first, '"' | '`' | '“')
        || identifier)
    {
        return None;
    }
    // A prompt, or a statement followed by its comment (`s.push_str(", world!"); // appends …`),
    // is code.
    if text.starts_with(">>>") || text.starts_with("$ ") || text.contains("; //") {
        return None;
    }
    // The words, and the letters among the visible characters, in one pass (every sentence an
    // answer reads comes here).
    let (mut words, mut visible, mut letters, mut in_word) = (0usize, 0usize, 0usize, false);
    for c in text.chars() {
        if c.is_whitespace() {
            in_word = false;
            continue;
        }
        if !in_word {
            in_word = true;
            words += 1;
            if words > 70 {
                return None;
            }
        }
        visible += 1;
        letters += usize::from(c.is_alphabetic());
    }
    // A short sentence is a fragment, unless it states a default ("Defaults to 4093." under
    // `MAX_COOKIE_SIZE`), which is read with the sentence before it.
    if words < SHORTEST_SENTENCE && !(words >= 2 && states_short_default(text)) {
        return None;
    }
    // A cross-reference ("See global interpreter lock.") says nothing by itself.
    // (An item opens in lower case: "see …" as the sentence's "See …".)
    let see = first_word == "See"
        || text.starts_with("See also")
        || (lower_case && (first_word == "see" || text.starts_with("see also")));
    if words <= 8 && see {
        return None;
    }
    if (letters as f32) < 0.65 * visible as f32 {
        return None;
    }
    Some(words)
}
