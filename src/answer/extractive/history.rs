//! Sentences and pages that tell what changed (version notes, "Prior to 1.3 …", release notes):
//! they answer when something changed, not what a thing is or does.

use super::lines::is_dotted_number;

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

/// Returns true if `sentence` only says in which version its entry appeared ("New in version
/// 3.11.", "Added in version 1.2", "This feature is available in Postfix 2.3 and later.", "This
/// function is available since SDL 2.0.0.").
/// Called for every sentence read, so it looks at the words without collecting them.
pub(super) fn is_version_note(sentence: &str) -> bool {
    let mut words = sentence.trim_end_matches('.').split_whitespace();
    let first = words.next();
    if matches!(first, Some("New" | "Added")) {
        return words.next() == Some("in")
            && words.next() == Some("version")
            && words
                .next()
                .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit() || c == '.'))
            && words.next().is_none();
    }
    matches!(first, Some("This" | "It")) && is_availability_note(sentence)
}

/// Most words between "available in" and the version ("Postfix", "Apache HTTP Server").
const PRODUCT_WORDS: usize = 3;

/// Returns true if `sentence` is "This feature is available in Postfix 2.3 and later." or "This
/// function is available since SDL 2.0.0.": a short subject, "is available in" or "since", a name
/// and a version, nothing else.
fn is_availability_note(sentence: &str) -> bool {
    let words: Vec<&str> = sentence.trim_end_matches('.').split_whitespace().collect();
    let Some(at) = words.iter().position(|w| *w == "available") else {
        return false;
    };
    // "This feature is", "It is".
    let subject = (2..=3).contains(&at) && words[at - 1] == "is";
    let rest = &words[at + 1..];
    let rest = match rest {
        ["in" | "since", rest @ ..] => rest,
        _ => return false,
    };
    let rest = match rest {
        [rest @ .., "and" | "or", "later" | "newer"] => rest,
        rest => rest,
    };
    subject
        && rest
            .last()
            .is_some_and(|v| is_dotted_number(v.trim_start_matches('v')))
        && rest.len() <= PRODUCT_WORDS + 1
}

/// A sentence on how things were before some version: its opening clause is "Prior to …",
/// "Before …" or "Until …" naming a version, or "In … 2.4.53 and earlier". A year is no version:
/// "Prior to 1953, …" is history a question may ask about.
pub(super) fn tells_the_past(sentence: &str) -> bool {
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
pub(super) const CHANGE_VERBS: &[&str] = &[
    "added",
    "introduced",
    "stabilized",
    "stabilised",
    "deprecated",
    "removed",
];

/// Most words between a change verb and the version it names ("stabilized in the 1.31 release",
/// "added in Python 3.8", "deprecated since version 3.10").
pub(super) const CHANGE_VERSION_WORDS: usize = 4;

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
