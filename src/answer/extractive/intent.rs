//! What a question asks for beyond its words: a value (a default, a limit, a count, a port), the
//! steps to do something (a definition is asked for in [`super::definition`]).

/// What the question asks for beyond its words: a value (a default, a limit, a count, a size, a
/// port, a version) is stated by a sentence that holds one.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Intent {
    pub wants_value: bool,
    /// The value asked for is a version ("which version added …"): a version number states it.
    pub wants_version: bool,
    /// The question's term (by position in its term list) naming what a definition question asks
    /// about: its rarest word ([`super::definition::defined_subject`]).
    pub defines: Option<usize>,
    /// The question asks how to do something ("how do I …", "how to …"): a sentence that shows
    /// what to write or run (the lines it introduces with a colon) answers it.
    pub wants_steps: bool,
    /// The value asked for is a default ("default value of work_mem", "out of the box").
    pub wants_default: bool,
    /// The question asks for an amount in words other than "default" ("how many", "limit",
    /// "what port", "the largest").
    pub wants_amount: bool,
    /// The question asks yes or no ("Does pg_dump block other users?", "Is the LIKE operator
    /// case sensitive?"): a sentence that denies what it asks answers it outright.
    pub yes_or_no: bool,
    /// The question asks what happens by default, not for an amount ("What does Node do by
    /// default when a promise rejection is never handled?", "What hashing algorithm does HashMap
    /// use by default?"): a sentence saying what happens "by default" tells it.
    pub asks_by_default: bool,
}

/// Words that open a question asking yes or no.
const YES_NO_OPENERS: &[&str] = &[
    "is", "are", "does", "do", "did", "can", "could", "should", "will", "would", "must", "may",
    "has", "have",
];

/// Returns true if `q` (lower case) asks yes or no: it opens with an auxiliary verb, and does not
/// ask whether there is something ("Is there a tool that …" asks for the tool) nor which of two
/// ("Is streaming replication synchronous or asynchronous by default?").
fn asks_yes_or_no(q: &str) -> bool {
    let words: Vec<&str> = q.split_whitespace().collect();
    words.first().is_some_and(|w| YES_NO_OPENERS.contains(w))
        && words.get(1) != Some(&"there")
        && !words.contains(&"or")
}

/// Phrases of a question that ask for a value.
const VALUE_CUES: &[&str] = &[
    "default",
    "how many",
    "how much",
    "how long",
    "how big",
    "how large",
    "how often",
    "what port",
    "which port",
    "limit",
    "maximum",
    "minimum",
    "max ",
    "size",
    "number of",
    "what version",
    "which version",
    "timeout",
    "out of the box",
];
/// Superlatives of magnitude: with a quantity after them they ask for a limit ("the biggest
/// number a bigint holds"), with a thing after them for that thing ("the largest city").
const SUPERLATIVES: &[&str] = &[
    "biggest", "largest", "smallest", "highest", "lowest", "longest", "shortest", "greatest",
];
/// Nouns that name a quantity.
const QUANTITY_NOUNS: &[&str] = &[
    "number", "value", "amount", "size", "length", "count", "integer", "n",
];

/// Returns true if a superlative of magnitude in `q` (lower case) bounds a quantity: "the
/// biggest whole number", "the largest n", not "the largest medical school".
fn superlative_of_quantity(q: &str) -> bool {
    let words: Vec<&str> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, w)| {
        SUPERLATIVES.contains(w)
            && words[i + 1..].iter().take(3).any(|n| {
                // "number" or "numbers".
                QUANTITY_NOUNS.contains(&n.strip_suffix('s').unwrap_or(n))
                    || QUANTITY_NOUNS.contains(n)
            })
    })
}
/// Phrases that ask how to do something.
const STEPS_CUES: &[&str] = &[
    "how do i ",
    "how can i ",
    "how should i ",
    "how would i ",
    "how do you ",
    "how can you ",
    "how to ",
];
/// Phrases that ask for what happens when nothing is said: a default.
const DEFAULT_CUES: &[&str] = &[
    "out of the box",
    "don't give",
    "don't specify",
    "don't set",
    "not specified",
    "isn't specified",
    "not given",
    "if omitted",
    "unless specified",
    "without specifying",
    "never set",
    "never configure",
    "don't configure",
    "without configuring",
];
/// Verbs of a "when" question that ask for the version that brought or changed something ("when
/// were STRICT tables added"), not for a condition ("when is a finalizer called").
const VERSION_VERBS: &[&str] = &[
    "added",
    "introduced",
    "available",
    "supported",
    "deprecated",
    "removed",
];

impl Intent {
    pub fn of(question: &str) -> Self {
        let q = question.to_lowercase().replace('’', "'");
        // "Why …" asks for a reason, never a value: "Why does a list I use as a default argument
        // keep accumulating items?" does not ask for a default.
        let reason = q.starts_with("why ");
        let when_added = (q.starts_with("when ") || q.contains("since when"))
            && q.split(|c: char| !c.is_alphanumeric())
                .any(|w| VERSION_VERBS.contains(&w));
        Self {
            wants_value: !reason
                && (VALUE_CUES.iter().any(|c| q.contains(c))
                    || DEFAULT_CUES.iter().any(|c| q.contains(c))
                    || superlative_of_quantity(&q)
                    || when_added),
            wants_version: q.contains("version") || when_added,
            defines: None,
            wants_steps: STEPS_CUES
                .iter()
                .any(|c| q.starts_with(c) || q.contains(&format!(" {c}"))),
            wants_default: !reason
                && (q.contains("default") || DEFAULT_CUES.iter().any(|c| q.contains(c))),
            wants_amount: !reason
                && (VALUE_CUES.iter().any(|c| *c != "default" && q.contains(c))
                    || superlative_of_quantity(&q)),
            yes_or_no: asks_yes_or_no(&q),
            asks_by_default: !reason
                && q.contains("by default")
                && !(VALUE_CUES.iter().any(|c| *c != "default" && q.contains(c))
                    || superlative_of_quantity(&q)
                    || q.contains("version")),
        }
    }
}

/// Returns true if `question` asks for a default in other words ("out of the box", "if I don't
/// give one"): the word `default` is then part of what the answer should say.
pub(super) fn asks_default_implicitly(question: &str) -> bool {
    let q = question.to_lowercase().replace('’', "'");
    !q.contains("default") && DEFAULT_CUES.iter().any(|c| q.contains(c))
}

/// Words that state a quantity without digits.
const NUMBER_WORDS: &[&str] = &[
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "twelve",
    "hundred",
    "thousand",
    "million",
    "billion",
    "unlimited",
    "infinite",
    "unbounded",
    "none",
    "true",
    "false",
    "null",
];

/// Returns true if `text` states a value that answers a question asking for one: a quantity
/// ([`states_quantity`]: not "Prior to PostgreSQL version 9.1" for "the default isolation
/// level"), or any number when the question asks for a version.
pub(super) fn answers_value(intent: Intent, text: &str) -> bool {
    if !intent.wants_value {
        return false;
    }
    // A question that asks only what the default is is answered by a sentence that says what the
    // default is: "four standard transaction isolation levels" states a count, not the default
    // level.
    if intent.wants_default && !intent.wants_amount && !intent.wants_version {
        return states_default(intent, text);
    }
    // A question that asks for an amount ("what port … by default") is answered by a quantity,
    // not by any default named ("Defaults to listening only on localhost.").
    states_kind_asked(intent, text)
}

/// Returns true if `text` states what the words asking for a value ask ([`VALUE_WORDS`]: a limit,
/// a size, a count): the kind `intent` asks for, and not only a truth value ("This can be avoided
/// by setting recursive to False." states no limit).
pub(super) fn states_value_asked(intent: Intent, text: &str) -> bool {
    if intent.wants_version {
        return states_kind_asked(intent, text);
    }
    bare_words(text).any(|(previous, bare)| {
        states_amount(previous, bare) && !TRUTH_VALUES.iter().any(|t| t.eq_ignore_ascii_case(bare))
    })
}

/// Number words that state no amount.
const TRUTH_VALUES: &[&str] = &["true", "false"];

/// Returns true if `text` states the kind of value `intent` asks for: any number when a version is
/// asked for ("as of version 3.37.0"), a quantity otherwise.
pub(super) fn states_kind_asked(intent: Intent, text: &str) -> bool {
    if intent.wants_version {
        holds_value(text)
    } else {
        states_quantity(text)
    }
}

/// Returns true if `text` states a value: a number, a number word, or a literal.
pub(super) fn holds_value(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
        || text
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| NUMBER_WORDS.iter().any(|n| n.eq_ignore_ascii_case(w)))
}

/// Words of a question that name the kind of value asked for ("the *maximum size* of a payload",
/// "*how long*"): a sentence that states a quantity answers them without repeating them ("it must be
/// shorter than 8000 bytes"). Not "default", "port" or "version": a sentence that states one says
/// so ("The default is five minutes"), and any quantity answering them would tie "The valid range is
/// between 30 seconds and one day" with the default.
const VALUE_WORDS: &str = "maximum minimum max min limit size number count long big large";

/// Marks the question's terms that a stated value answers (see [`VALUE_WORDS`]), by position in
/// the question's term list.
pub(super) fn value_terms(
    index: &indexer::LexicalIndex,
    query: &crate::retrieve::terms::QueryTerms,
    intent: Intent,
) -> Vec<bool> {
    // The superlatives ask for a value too ("the largest n"), stated by a quantity; when a version
    // is asked for, the verbs that ask when something came ("added", "introduced") are answered
    // by the version that brought it.
    let versions = if intent.wants_version {
        VERSION_VERBS.join(" ")
    } else {
        String::new()
    };
    let words: std::collections::HashSet<String> = index
        .analyze(&format!(
            "{VALUE_WORDS} {} {versions}",
            SUPERLATIVES.join(" ")
        ))
        .into_iter()
        .collect();
    query.found_among(&words)
}

/// Words after which a number points somewhere instead of stating a value ("Section 30.5", "version
/// 3.8", "PEP 492").
const REFERENCE_WORDS: &[&str] = &[
    "section", "chapter", "version", "versions", "pep", "table", "figure", "example", "appendix",
    "rfc", "step", "part", "bpo", "issue", "python", "release", "see", "listing",
];

/// Returns true if `text` states a quantity: a number that is not a reference to a section,
/// version or document, or a number word.
pub(super) fn states_quantity(text: &str) -> bool {
    bare_words(text).any(|(previous, bare)| states_amount(previous, bare))
}

/// Returns true if the word `bare`, after `previous`, states a quantity.
fn states_amount(previous: &str, bare: &str) -> bool {
    (states_number(previous, bare) && !is_version_number(bare))
        || NUMBER_WORDS.iter().any(|n| n.eq_ignore_ascii_case(bare))
}

/// Returns true if `bare` is written as a version is, three numbers with dots (`2.0.18`,
/// `3.12.0`): no quantity is ("This function is available since SDL 2.0.0." states no level, size
/// or count). Not an address (`127.0.0.1`) nor a decimal (`1.5`).
fn is_version_number(bare: &str) -> bool {
    bare.split('.').count() == 3
        && bare
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The numbers `text` states as values, as written: not those that point to a section, version or
/// document ("Section 30.5", "Listing 10-2", "bpo-36465").
pub(super) fn stated_numbers(text: &str) -> impl Iterator<Item = &str> {
    bare_words(text)
        .filter(|(previous, bare)| states_number(previous, bare))
        .map(|(_, bare)| bare)
}

/// The names of code `text` states: words written as identifiers (`CARGO_TARGET_DIR`,
/// `build-dir`, `os.path`, `setInterval`).
pub(super) fn stated_names(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || "()[]{}<>,;:'\"`=*/".contains(c))
        .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|word| is_identifier(word))
}

/// What `text` states that tells two sentences in the same words apart: its numbers, names of code
/// and operators.
pub(super) fn stated(text: &str) -> impl Iterator<Item = &str> {
    stated_numbers(text)
        .chain(stated_names(text))
        .chain(stated_symbols(text))
}

/// The operators `text` names by their symbols alone, in quotes (`‘%%’`, `` `**` ``, `"#"`): a
/// sentence about the `‘%%’` case says nothing of the `‘##’` case, however alike their words.
pub(super) fn stated_symbols(text: &str) -> impl Iterator<Item = &str> {
    const QUOTES: [(char, char); 4] = [('‘', '’'), ('“', '”'), ('`', '`'), ('\'', '\'')];
    text.char_indices().filter_map(move |(i, open)| {
        let &(_, close) = QUOTES.iter().find(|(o, _)| *o == open)?;
        let inner = &text[i + open.len_utf8()..];
        let symbol = &inner[..inner.find(close)?];
        ((1..=MAX_SYMBOL_CHARS).contains(&symbol.chars().count())
            && symbol
                .chars()
                .all(|c| c.is_ascii_punctuation() && c != close))
        .then_some(symbol)
    })
}

/// Longest operator named by symbols alone ([`stated_symbols`]).
const MAX_SYMBOL_CHARS: usize = 4;

fn is_identifier(word: &str) -> bool {
    const JOINERS: [char; 3] = ['_', '-', '.'];
    if !word
        .chars()
        .all(|c| c.is_alphanumeric() || JOINERS.contains(&c))
    {
        return false;
    }
    if word.contains(JOINERS) {
        word.split(JOINERS).all(|part| part.len() > 1)
    } else {
        word.as_bytes()
            .windows(2)
            .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
    }
}

/// The words of `text` without the punctuation around them, each with the word before it.
fn bare_words(text: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut previous = "";
    text.split_whitespace().map(move |word| {
        let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
        (std::mem::replace(&mut previous, bare), bare)
    })
}

/// Returns true if `bare`, after the word `previous`, is a number that states a value: it opens
/// with a digit (`5432`, `128MB`, `2,000`), where digits inside a name (`u64::MIN`, `OS/2`,
/// `utf8`) state none.
fn states_number(previous: &str, bare: &str) -> bool {
    bare.starts_with(|c: char| c.is_ascii_digit())
        && !REFERENCE_WORDS
            .iter()
            .any(|r| r.eq_ignore_ascii_case(previous))
        // An issue number: "bpo-36465", "gh-94603".
        && !["bpo", "gh"].iter().any(|p| {
            bare.get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p))
        })
}

/// Score added to a sentence that shows what to write or run when the question asks how to do
/// something.
pub(super) const STEPS_BONUS: f32 = 0.15;

/// Added to a sentence that denies something when the question asks yes or no: "pg_dump does not
/// block other users accessing the database" over "pg_dump makes consistent backups", both about
/// the question's words; the question asks whether, and a denial says so outright.
pub(super) const DENIAL_BONUS: f32 = 0.1;

/// Words that deny.
const DENIALS: &[&str] = &["not", "no", "never", "cannot", "none", "neither", "nor"];

/// Returns true if `text` denies something: "does not block", "cannot be", "isn't".
pub(super) fn denies(text: &str) -> bool {
    bare_words(text).any(|(_, bare)| {
        DENIALS.iter().any(|d| d.eq_ignore_ascii_case(bare))
            || bare.ends_with("n't")
            || bare.ends_with("n’t")
    })
}

/// Score added to a sentence that holds a value when the question asks for one.
pub(super) const VALUE_BONUS: f32 = 0.15;

/// Added to a sentence that states a literal of the question as a whole token, or stands under an
/// entry whose term does (`-O` above "Remove assert statements…"): "^1.2.3 is an example of a
/// caret requirement." for "What does ^1.2.3 accept?", not "~1.2.3 is an example of a tilde
/// requirement.", which holds its digits too.
pub(super) const LITERAL_BONUS: f32 = 0.1;

/// Added to a sentence that states a value as the default when the question asks for a default:
/// "The default is typically 128 megabytes (128MB)" over "a reasonable starting value for
/// shared_buffers is 25% of the memory", both values under the same entry.
pub(super) const DEFAULT_BONUS: f32 = 0.1;

/// Returns true if `text` states a value as a default ("The default is four megabytes", "5432 by
/// default", "Defaults to 100").
pub(super) fn states_default(intent: Intent, text: &str) -> bool {
    intent.wants_default
        && ((text.split_whitespace().any(|w| {
            w.trim_start_matches(|c: char| !c.is_alphanumeric())
                .get(..7)
                .is_some_and(|h| h.eq_ignore_ascii_case("default"))
        }) && states_quantity(text))
            // When an amount is asked for, the default stated must be one.
            || (!intent.wants_amount && names_default(text))
            // Asked what happens by default, what happens "by default" tells it.
            || (intent.asks_by_default && says_by_default(text)))
}

/// Ways of saying what the default is, whatever it is: "Read Committed is the default isolation
/// level". Not "by default", which says what happens by default ("By default, timeit()
/// temporarily turns off garbage collection"), not what the default is: that answers only a
/// question asking what happens by default ([`Intent::asks_by_default`]).
const DEFAULT_PREDICATES: &[&str] = &[
    "is the default",
    "are the default",
    "is default",
    "the default is",
    "default value is",
    "defaults to",
    // A field that gives an entry's default ("Default: ErrorLog logs/error_log").
    "default:",
];

/// Returns true if `text` says that something is the default, whatever the value is (a level, a
/// mode, a name).
fn names_default(text: &str) -> bool {
    // Each predicate says "default", and only ASCII letters lower-case to its letters: most
    // sentences are ruled out without lower-casing them.
    if !text
        .as_bytes()
        .windows(7)
        .any(|w| w.eq_ignore_ascii_case(b"default"))
    {
        return false;
    }
    let lower = text.to_lowercase();
    DEFAULT_PREDICATES.iter().any(|p| lower.contains(p)) || defines_the_default(&lower)
}

/// Returns true if `text` says what happens "by default" ("By default, promise rejections that are
/// not handled terminate the Node.js process …").
fn says_by_default(text: &str) -> bool {
    text.as_bytes()
        .windows(BY_DEFAULT.len())
        .any(|w| w.eq_ignore_ascii_case(BY_DEFAULT.as_bytes()))
}

const BY_DEFAULT: &str = "by default";

/// Most words between "the default" and the verb that says what it is.
const DEFAULT_SUBJECT_WORDS: usize = 6;

/// Returns true if lower-case `text` says what "the default …" is: "The default encoding of
/// TextIOWrapper and open() is locale-specific", "the default mode is 'r'"; not "The default value
/// of None has the same effect".
fn defines_the_default(lower: &str) -> bool {
    lower.match_indices("the default ").any(|(at, cue)| {
        let mut words = lower[at + cue.len()..].split_whitespace();
        words
            .by_ref()
            .take(DEFAULT_SUBJECT_WORDS)
            .take_while(|w| !w.ends_with([',', '.', ';', ':']) && !CLAUSE_OPENERS.contains(w))
            .any(|w| w == "is" || w == "are")
            && !says_how_set(words)
    })
}

/// Returns true if the words after "the default … is" say how the default comes about, not what
/// it is: a participle with what decides it ("The default port number is determined at compile
/// time", "is taken from the environment"). Not a participle that is the value itself ("The
/// default mode is serialized.").
fn says_how_set<'a>(mut after_verb: impl Iterator<Item = &'a str>) -> bool {
    let (Some(verb), Some(next)) = (after_verb.next(), after_verb.next()) else {
        return false;
    };
    verb.ends_with("ed") && SETTING_PREPOSITIONS.contains(&next.trim_end_matches([',', '.', ';']))
}

/// Words after a participle that name what sets a value: "determined at compile time", "taken
/// from", "chosen by".
const SETTING_PREPOSITIONS: &[&str] = &[
    "at",
    "by",
    "from",
    "during",
    "when",
    "through",
    "via",
    "according",
    "using",
    "based",
];

/// Words that open a clause of their own after "the default …": its verb is not what the default
/// is ("reverts to the default value when the database is closed").
const CLAUSE_OPENERS: &[&str] = &[
    "when", "if", "that", "which", "where", "while", "unless", "until", "because", "after",
    "before", "so", "whether", "as", "once",
];

/// A question's literal: a token whose symbols are what it means (`^1.2.3`, `~1.2`, `-O`, `*.txt`,
/// `check=True`), which the word analysis reads without them (`^1.2.3` and `~1.2.3` are both
/// `1.2.3` to it). A passage states it only verbatim.
pub(super) fn literals(question: &str) -> Vec<String> {
    question
        .split_whitespace()
        .map(|t| t.trim_end_matches(['?', '.', ',', ';', ':', '!', ')', '"', '\'']))
        .map(|t| t.trim_start_matches(['(', '"', '\'']))
        .filter(|t| {
            t.len() >= 2
                && (t.starts_with(['^', '~', '-', '*', '+', '=', '<', '>'])
                    || t.contains(['=', '*']))
        })
        .map(str::to_string)
        .collect()
}

/// Returns true if `text` states one of `literals` as a whole token: `~1.2` in "~1.2    := >=1.2.0"
/// but not in "~1.2.3".
pub(super) fn says_literal(literals: &[String], text: &str) -> bool {
    let bounded = |c: Option<char>| {
        c.is_none_or(|c| c.is_whitespace() || matches!(c, '`' | '"' | '\'' | '(' | ')' | ',' | ';'))
    };
    literals.iter().any(|literal| {
        text.match_indices(literal.as_str()).any(|(at, _)| {
            let mut after = text[at + literal.len()..].chars();
            let next = after.next();
            // A full stop ends the token only when nothing follows it: "-O." but not "~1.2.3".
            let next = if next == Some('.') {
                after.next()
            } else {
                next
            };
            bounded(text[..at].chars().next_back()) && bounded(next)
        })
    })
}
