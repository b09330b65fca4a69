//! The Python 3.11 documentation (Debian's python3.11-doc), crawled and asked about.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cited::dto::{AnswerResponse, SearchResponse};
use store::PageStore;

use crate::common::{cited_json, cited_ok, crawl_fast, python_docs, serve_dir};

/// The crawled and indexed docs, shared by the tests of this binary: (data dir, site base URL).
pub fn crawled() -> &'static (PathBuf, String) {
    static CRAWLED: OnceLock<(PathBuf, String)> = OnceLock::new();
    CRAWLED.get_or_init(|| {
        let addr = serve_dir(&python_docs());
        let base = format!("http://{addr}/");
        let data = tempfile::tempdir().expect("tempdir").keep();
        let seed = format!("{base}index.html");
        let out = crawl_fast(&data, &seed, "1000", &[]);
        assert!(out.contains("indexed in"), "crawl did not index: {out}");
        (data, base)
    })
}

#[derive(serde::Deserialize)]
struct Stats {
    pages: u64,
    chunks: u64,
    frontier_queued: u64,
}

#[test]
fn crawls_the_whole_site() {
    let (data, _) = crawled();
    let stats: Stats = cited_json(data, &["stats", "--json"]);
    assert!(stats.pages >= 500, "only {} pages stored", stats.pages);
    assert!(
        stats.chunks > stats.pages,
        "{} chunks for {} pages",
        stats.chunks,
        stats.pages
    );
    assert_eq!(stats.frontier_queued, 0);
}

/// Checks the contract every answer keeps: each sentence cites a source whose quote holds the
/// sentence, each quote is text of that page, and each link is a text-fragment deep link.
pub fn assert_citations_hold(data: &Path, answer: &AnswerResponse) {
    let store = PageStore::open(&data.join("store.sqlite")).expect("page store");
    for sentence in &answer.sentences {
        assert!(
            !sentence.citations.is_empty(),
            "uncited sentence: {}",
            sentence.text
        );
        for id in &sentence.citations {
            let source = answer
                .sources
                .iter()
                .find(|s| s.id == *id)
                .expect("cited source is listed");
            assert!(
                source.quote.contains(&sentence.text),
                "quote of [{id}] lacks `{}`",
                sentence.text
            );
        }
    }
    for (i, source) in answer.sources.iter().enumerate() {
        assert_eq!(
            source.id as usize,
            i + 1,
            "sources are numbered by first use"
        );
        let page = store
            .get_by_url(&source.url)
            .expect("store")
            .expect("cited page is stored");
        for part in source.quote.split(" … ") {
            assert!(
                page.page.text.contains(part),
                "`{part}` is not in {}",
                source.url
            );
        }
        assert!(
            source.link.starts_with(&format!("{}#:~:text=", source.url)),
            "bad link {}",
            source.link
        );
        assert!(chrono::DateTime::parse_from_rfc3339(&source.fetched_at).is_ok());
    }
}

fn ask(question: &str) -> AnswerResponse {
    let (data, _) = crawled();
    let answer: AnswerResponse = cited_json(data, &["ask", "--json", question]);
    assert_eq!(answer.question, question);
    assert_citations_hold(data, &answer);
    answer
}

/// Asserts that the answer states `fact` in a sentence citing a page whose URL ends with `page` (one
/// of the `|`-separated alternatives, where the docs answer in more than one place).
fn assert_answers(question: &str, fact: &str, page: &str) {
    let answer = ask(question);
    let sentence = answer
        .sentences
        .iter()
        .find(|s| s.text.contains(fact))
        .unwrap_or_else(|| {
            panic!(
                "`{question}`: no sentence states `{fact}`; answer: {}",
                answer.answer
            )
        });
    let source = answer
        .sources
        .iter()
        .find(|s| s.id == sentence.citations[0])
        .expect("source");
    assert!(
        page.split('|').any(|p| source.url.ends_with(p)),
        "`{question}` cites {} instead of {page}",
        source.url
    );
    assert!(answer
        .answer
        .contains(&format!("{} [{}]", sentence.text, source.id)));
}

#[test]
fn answers_definitions_from_the_glossary() {
    assert_answers(
        "What is the global interpreter lock?",
        "only one thread executes Python bytecode at a time",
        "glossary.html",
    );
    assert_answers(
        "What is a decorator?",
        "A function returning another function",
        "glossary.html",
    );
}

#[test]
fn answers_from_the_tutorial_and_library_reference() {
    assert_answers(
        "What does the pass statement do?",
        "The pass statement does nothing.",
        "tutorial/controlflow.html",
    );
    assert_answers(
        "What does json.dumps do?",
        "Serialize obj to a JSON formatted str",
        "library/json.html",
    );
    assert_answers(
        "How do I sort a list in reverse order?",
        "reverse",
        "library/stdtypes.html|howto/sorting.html",
    );
}

#[test]
fn says_so_when_nothing_answers() {
    let answer = ask("What is the capital of France?");
    assert!(answer.sentences.is_empty() && answer.sources.is_empty());
    assert_eq!(answer.answer, cited::answer::NO_ANSWER);
    let answer = ask("zxqv wvut");
    assert!(answer.sentences.is_empty());
}

#[test]
fn answers_stay_short() {
    for q in [
        "What is a decorator?",
        "How do I create a virtual environment?",
        "What does the zip function do?",
    ] {
        let answer = ask(q);
        let words = answer
            .sentences
            .iter()
            .map(|s| s.text.split_whitespace().count())
            .sum::<usize>();
        assert!(
            answer.sentences.len() <= cited::answer::extractive::MAX_PIECES
                && words <= cited::answer::extractive::MAX_WORDS,
            "`{q}`: {} sentences, {words} words",
            answer.sentences.len()
        );
    }
}

#[test]
fn search_finds_pages_and_filters_by_site() {
    let (data, base) = crawled();
    let results: SearchResponse = cited_json(data, &["search", "--json", "json dumps serialize"]);
    assert!(
        results.hits[0].url.ends_with("library/json.html"),
        "first hit {}",
        results.hits[0].url
    );
    let urls: std::collections::HashSet<_> = results.hits.iter().map(|h| &h.url).collect();
    assert_eq!(urls.len(), results.hits.len(), "one result per page");
    assert!(results.hits.len() <= 10);
    assert!(results
        .hits
        .iter()
        .all(|h| h.url.starts_with(base.as_str()) && !h.snippet.is_empty()));

    let limited: SearchResponse = cited_json(data, &["search", "--json", "--limit", "3", "list"]);
    assert_eq!(limited.hits.len(), 3);
    let here: SearchResponse = cited_json(data, &["search", "--json", "json site:127.0.0.1"]);
    assert!(!here.hits.is_empty());
    let elsewhere: SearchResponse =
        cited_json(data, &["search", "--json", "json site:example.com"]);
    assert!(elsewhere.hits.is_empty());
}

#[test]
fn query_syntax_is_just_text() {
    let (data, _) = crawled();
    for q in [
        "\"unbalanced quote",
        "-minus json",
        "a:b json",
        "(((",
        "json)",
        "AND OR NOT",
        "*",
        "site:",
    ] {
        // `--` lets a query start with `-` on the command line.
        let out: SearchResponse = cited_json(data, &["search", "--json", "--", q]);
        assert!(out.hits.len() <= 10);
        let answer: AnswerResponse = cited_json(data, &["ask", "--json", "--", q]);
        assert_citations_hold(data, &answer);
    }
}

#[test]
fn human_output_lists_numbered_sources() {
    let (data, _) = crawled();
    let out = cited_ok(data, &["ask", "What does the pass statement do?"]);
    // The sentence that says it, with the one that refers back to it (and the example its "For
    // example:" shows), cited [1].
    let first = out.split(" [1]").next().unwrap_or_default();
    assert!(
        first.starts_with("The pass statement does nothing.") && first.contains("no action."),
        "{out}"
    );
    assert!(out.contains("Sources:\n[1] "), "{out}");
    assert!(out.contains("tutorial/controlflow.html#:~:text="), "{out}");
}
