//! Questions that ask what something is or does, and the sentences that say it: "What is a
//! workspace?" is answered by "A workspace is a collection of one or more packages …".

/// Longest subject, in words (articles aside), of a question read as asking for a definition.
const SUBJECT_WORDS: usize = 4;

/// The thing a question asks to have defined or explained, when it is short: "What is the GIL?",
/// "What are descriptors?", "What does the Py_INCREF macro do in the C API?", "What does SIGTERM
/// mean?". Reference documentation answers such a question with the first sentence of the entry
/// that names the thing. `None` for other questions, and for long "what is …" questions ("What is
/// the largest n I can use when declaring a varchar(n) column?"), which ask for a fact.
pub(super) fn defined_subject(question: &str) -> Option<&str> {
    let q = question.trim().trim_end_matches(['?', '.', '!']).trim();
    let lower = q.to_lowercase().replace('’', "'");
    // Byte length of the cue at the start (the lowercase form keeps ASCII cue lengths).
    let (cue, verb) = [
        ("what is ", false),
        ("what are ", false),
        ("what's ", false),
        ("define ", false),
        ("what does ", true),
        ("what do ", true),
    ]
    .into_iter()
    .find(|(c, _)| lower.starts_with(c))?;
    let rest = q.get(cue.len()..)?;
    // "What does X do / mean / control …": X is what comes before the verb (what a setting or an
    // option controls, sets or determines is what it does).
    let subject = if verb {
        let verb_word = rest.split_whitespace().rfind(|w| {
            matches!(
                *w,
                "do" | "mean" | "control" | "set" | "specify" | "determine" | "affect"
            )
        })?;
        rest[..super::lines::offset_in(rest, verb_word)].trim()
    } else {
        rest
    };
    let words = subject
        .split_whitespace()
        .filter(|w| !matches!(w.to_lowercase().as_str(), "a" | "an" | "the"))
        .count();
    (1..=SUBJECT_WORDS).contains(&words).then_some(subject)
}

/// Returns true if `sentence` says what `subject` (a definition question's, see
/// [`defined_subject`]) is ([`says_what_it_is`]) or does ([`says_what_it_does`]).
pub(super) fn states_definition(subject: &str, sentence: &str) -> bool {
    says_what_it_is(subject, sentence) || says_what_it_does(subject, sentence)
}

/// Returns true if `sentence` opens with `subject` as the subject of a verb in the present tense:
/// says what the thing does ("The Postfix postscreen(8) daemon provides additional protection …"
/// for "what does the postscreen daemon do", "The Send marker trait indicates …" for "what does the
/// Send trait mean").
/// The subject's words come in order within the sentence's opening words; a name's manual section
/// (`(8)`) and a qualifier between them ("The Send marker trait") aside.
fn says_what_it_does(subject: &str, sentence: &str) -> bool {
    let bare = |w: &str| {
        w.split('(')
            .next()
            .unwrap_or("")
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '_' && c != '-')
            .to_lowercase()
    };
    let wanted: Vec<String> = without_article(subject)
        .split_whitespace()
        .map(bare)
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = wanted.last() else {
        return false;
    };
    let words: Vec<String> = without_article(sentence.trim_start())
        .split_whitespace()
        .take(wanted.len() + 3)
        .map(bare)
        .collect();
    // The subject's words in order, the first of them opening the sentence or after one
    // qualifier ("The Postfix postscreen(8) daemon"); the verb right after the last of them.
    let mut at = 0;
    for (i, w) in words.iter().enumerate() {
        if at == 0 && i > 1 {
            return false;
        }
        if at < wanted.len() && *w == wanted[at] {
            at += 1;
            if at == wanted.len() {
                return w == last && words.get(i + 1).is_some_and(|v| is_present_verb(v));
            }
        }
    }
    false
}

/// Returns true if `word` (lower case) reads as a verb in the third person present ("provides",
/// "rebuilds", "returns"), not a plural noun's common endings nor a form of "to be" or "to have".
fn is_present_verb(word: &str) -> bool {
    word.len() > 3
        && word.ends_with('s')
        && !word.ends_with("ss")
        && !word.ends_with("us")
        && !word.ends_with("is")
        // Plural nouns a name often qualifies ("VACUUM applications", "the cargo commands").
        && !["ions", "ers", "ings", "ents", "ands", "ies", "ues"]
            .iter()
            .any(|e| word.ends_with(e))
        && word.chars().all(|c| c.is_ascii_lowercase())
}

/// Returns true if `sentence` says what `subject` is, wherever it stands: it opens with the
/// subject, its article or owner aside, as the subject of "is", "are", "refers to" or "means" ("A
/// workspace is a collection of one or more packages …" for "what is a workspace", "Descriptors
/// are …" for "what are descriptors", "Rust’s closures are anonymous functions …" for "what is a
/// closure"). Not when the verb is a passive's with its agent ("Closures are represented by traits
/// …"): that says how the subject is made or used, not what it is.
fn says_what_it_is(subject: &str, sentence: &str) -> bool {
    let subject = without_article(subject);
    // An attribute or decorator is named without its marks ("The must_use attribute is used to
    // issue a diagnostic warning …" for "what does #[must_use] do").
    let bare = subject
        .strip_prefix("#[")
        .and_then(|s| s.strip_suffix(']'))
        .or_else(|| subject.strip_prefix('@'))
        .unwrap_or(subject);
    let sentence = without_article(without_owner(sentence.trim_start()));
    let Some(rest) = strip_prefix_ignoring_case(sentence, subject)
        .or_else(|| strip_prefix_ignoring_case(sentence, bare))
    else {
        return false;
    };
    // The plural of the subject, or the singular of a plural one.
    let rest = rest.strip_prefix('s').unwrap_or(rest);
    // What kind of thing the subject is may stand between it and the verb ("The unwrap method is
    // a shortcut method …").
    let rest = KINDS
        .iter()
        .find_map(|kind| {
            rest.strip_prefix(' ')
                .and_then(|r| strip_prefix_ignoring_case(r, kind))
                .filter(|r| r.starts_with(' '))
        })
        .unwrap_or(rest);
    [" is ", " are ", " refers to ", " means "]
        .iter()
        .find_map(|verb| strip_prefix_ignoring_case(rest, verb).map(|p| (*verb, p)))
        .is_some_and(|(verb, predicate)| {
            !is_passive_with_agent(predicate) && (verb != " is " || names_a_kind(predicate))
        })
}

/// Returns true if `predicate` (what follows a singular subject's "is") says what kind of thing the
/// subject is ("a collection of …", "normally an appropriately named directory …", "used to issue
/// …"), not one of its properties ("AllowOverride is valid only in <Directory> sections", "… is
/// not set").
fn names_a_kind(predicate: &str) -> bool {
    let mut words = predicate.split_whitespace();
    // An adverb may come first ("is normally an appropriately named directory").
    let first = words
        .next()
        .filter(|w| !w.ends_with("ly"))
        .or_else(|| words.next())
        .unwrap_or("");
    ["a", "an", "the", "one", "used"]
        .iter()
        .any(|w| first.eq_ignore_ascii_case(w))
}

/// The kinds of thing documentation names after a thing's name ("the unwrap method", "the move
/// keyword", "the --force option", "ServerRoot Directive").
pub(super) const KINDS: &[&str] = &[
    "method",
    "function",
    "macro",
    "keyword",
    "type",
    "trait",
    "class",
    "module",
    "command",
    "option",
    "flag",
    "operator",
    "attribute",
    "decorator",
    "statement",
    "field",
    "setting",
    "parameter",
    "variable",
    "directive",
];

/// Returns true if `predicate` (what follows "is" or "are") opens with a past participle and its
/// agent ("represented by traits").
fn is_passive_with_agent(predicate: &str) -> bool {
    let mut words = predicate.split_whitespace();
    matches!((words.next(), words.next()), (Some(verb), Some("by")) if verb.ends_with("ed"))
}

/// `text` without its leading article ("a", "an", "the"), in any case.
fn without_article(text: &str) -> &str {
    let text = text.trim_start();
    ["a ", "an ", "the "]
        .iter()
        .find_map(|a| strip_prefix_ignoring_case(text, a))
        .unwrap_or(text)
}

/// `text` without a leading owner's name ("Rust’s closures", "Python's generators"): a name that
/// opens with a capital letter and ends in a possessive.
fn without_owner(text: &str) -> &str {
    let Some((owner, rest)) = text.split_once(' ') else {
        return text;
    };
    let possessive = owner.ends_with("’s") || owner.ends_with("'s");
    if possessive && owner.starts_with(char::is_uppercase) {
        rest
    } else {
        text
    }
}

/// `text` after `prefix` when it opens with it, letters compared regardless of case.
fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.get(..prefix.len())
        .filter(|head| head.to_lowercase() == prefix.to_lowercase())
        .map(|_| &text[prefix.len()..])
}

/// Returns true if `term` writes the name of code `subject` asks about (`Vec::retain`,
/// `os.path`, `Py_INCREF`) only inside longer names (`pub fn retain_mut<F>(&mut self, f: F)`):
/// the entry is another thing's, though its words hold the subject's.
pub(super) fn names_another(subject: &str, term: &str) -> bool {
    let Some(word) = subject
        .split_whitespace()
        .find(|w| w.contains("::") || w.contains(['.', '_', '(']))
    else {
        return false;
    };
    let name = word
        .trim_end_matches(['.', '?'])
        .trim_end_matches("()")
        .rsplit(['.', ':'])
        .next()
        .unwrap_or("")
        .to_lowercase();
    if name.is_empty() {
        return false;
    }
    let term = term.to_lowercase();
    let in_name = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut found = term.match_indices(name.as_str()).peekable();
    found.peek().is_some()
        && found.all(|(at, _)| {
            in_name(term[..at].chars().next_back())
                || in_name(term[at + name.len()..].chars().next())
        })
}

/// Score added to the first sentence under a term or heading that names what a definition question
/// asks about ([`defined_subject`]).
pub(super) const DEFINITION_BONUS: f32 = 0.3;
