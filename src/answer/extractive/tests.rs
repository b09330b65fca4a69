//! Extractive answers on passages shaped like the real manuals'.

use super::sentences::*;
use super::*;

#[test]
fn standalone_filters_fragments_and_code() {
    assert_eq!(
        standalone_words("The zip function returns an iterator of tuples."),
        Some(8)
    );
    assert_eq!(standalone_words("For example:"), None);
    assert_eq!(
        standalone_words("f.readline() reads a single line from the file;"),
        Some(8)
    );
    assert_eq!(standalone_words("x = {'a': 1, 'b': [2, 3]} ; y()"), None);
    assert_eq!(standalone_words("and then it stops here for good."), None);
    assert_eq!(standalone_words("Too short."), None);
    assert_eq!(standalone_words("See global interpreter lock."), None);
}

#[test]
fn names_and_titles() {
    for name in [
        "SIGTERM",
        "work_mem (integer)",
        "sys.getsizeof(object[, default])",
        "lpad",
        "exception subprocess.TimeoutExpired",
    ] {
        assert!(names_a_thing(name), "{name}");
    }
    for title in [
        "Description",
        "Ferret habits",
        "19.5. Shutting Down the Server",
    ] {
        assert!(!names_a_thing(title), "{title}");
    }
}

fn hit(headings: &[&str], text: &str) -> SearchHit {
    SearchHit {
        score: 1.0,
        doc_id: 1,
        ordinal: 0,
        url: "http://docs.example/runtime-config-resource.html".into(),
        title: "20.4. Resource Consumption".into(),
        heading_path: headings.iter().map(|h| h.to_string()).collect(),
        headings: headings.join(indexer::lexical::HEADING_SEPARATOR),
        text: text.into(),
        start: 0,
        end: text.len(),
        fetched_at: chrono::Utc::now(),
    }
}

fn ask(question: &str, hits: &[SearchHit]) -> Draft {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = LexicalIndex::open(dir.path()).expect("index");
    answer(&index, question, hits, None)
}

/// The PostgreSQL manual states the default two sentences under the entry's term, without
/// repeating the parameter's name.
#[test]
fn a_sentence_answers_under_its_definition_term() {
    let text = "work_mem (integer)\nSets the base maximum amount of memory to be used by a query operation before writing to temporary disk files. The default value is four megabytes (4MB). Sort operations are used for ORDER BY and merge joins.";
    let hits = [hit(
        &["20.4. Resource Consumption", "work_mem (integer)"],
        text,
    )];
    let answer = ask("default value of work_mem", &hits);
    // The parameter's name is quoted before the sentence, which does not repeat it.
    assert!(
        answer
            .sentences
            .iter()
            .any(|s| s.text == "work_mem (integer) … The default value is four megabytes (4MB)."),
        "{:?}",
        answer.text()
    );
    for s in &answer.sentences {
        for piece in s.text.split(QUOTE_GAP) {
            assert!(text.contains(piece), "quotes are verbatim: {piece}");
        }
    }
    // A question about something the passage does not hold is declined.
    assert!(!ask("capital of France", &hits).found());
}

#[test]
fn a_table_row_is_read_whole_and_a_term_is_quoted_with_its_definition() {
    let text = "Name | Storage Size | Range\nsmallint | 2 bytes | -32768 to +32767\nbigint | 8 bytes | -9223372036854775808 to +9223372036854775807";
    let answer = ask(
        "range of the 8 bytes bigint type",
        &[hit(&["8.1. Numeric Types"], text)],
    );
    assert!(
        answer
            .sentences
            .iter()
            .any(|s| s.text == "bigint | 8 bytes | -9223372036854775808 to +9223372036854775807"),
        "{}",
        answer.text()
    );
    let text = "sys.getsizeof(object[, default])\nReturn the size of an object in bytes.";
    let answer = ask(
        "size of an object in bytes",
        &[hit(&["sys.getsizeof(object[, default])"], text)],
    );
    assert_eq!(answer.sentences[0].text, text);
}
