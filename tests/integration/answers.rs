//! Answer quality floors: `cited eval answers` on real documentation crawled from 127.0.0.1 and
//! `cited eval squad`, so that answer quality cannot silently drop. The floors sit a little under
//! the figures measured when they were set (README, "Answer quality"). The documentation sets
//! run in lexical mode (embedding 10,000 passages takes minutes); SQuAD runs in both modes.

use std::path::{Path, PathBuf};

use crate::common::{
    apache_docs, bash_docs, cargo_book, cited_json, cmake_docs, crawl_fast, flask_docs, git_manual,
    jinja2_docs, node_docs, octave_docs, postfix_docs, postgres_docs, pytest_docs, rust_docs,
    sdl_docs, serve_dir, sqlite_docs, starlette_docs, zsh_docs,
};

#[derive(Debug, serde::Deserialize)]
struct QaReport {
    questions: usize,
    supported: usize,
    first_supported: usize,
    cited: usize,
    abstained: usize,
    abstained_gold_top3: usize,
    results_top3: usize,
}

fn shared(path: &str) -> PathBuf {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(path);
    assert!(
        file.exists(),
        "{} is missing (the shared evaluation data)",
        file.display()
    );
    file
}

fn eval_answers(data: &Path, questions: &Path, mode: &str, flags: &[&str]) -> QaReport {
    let eval = [
        "eval",
        "answers",
        questions.to_str().expect("utf-8 path"),
        "--mode",
        mode,
        "--json",
    ];
    let report: QaReport = cited_json(data, &[&eval[..], flags].concat());
    eprintln!("{}: {report:?}", questions.display());
    report
}

/// Serves the site in `root` on 127.0.0.1, crawls and indexes up to `pages` of it into a fresh data
/// directory, and grades the answers to `questions` (a path in this repository) there.
fn crawl_and_eval(root: &Path, pages: &str, questions: &str) -> QaReport {
    crawl_from_and_eval(root, "index.html", pages, &[], questions)
}

/// As [`crawl_and_eval`], crawling from `start` (a path on the site) with `flags`.
fn crawl_from_and_eval(
    root: &Path,
    start: &str,
    pages: &str,
    flags: &[&str],
    questions: &str,
) -> QaReport {
    let data = crawl_from(root, start, pages, flags);
    lexical_answers(data.path(), questions)
}

/// Serves `root` and crawls up to `pages` of it from `start` (a path on the site) with `flags`.
fn crawl_from(root: &Path, start: &str, pages: &str, flags: &[&str]) -> tempfile::TempDir {
    let addr = serve_dir(root);
    let data = tempfile::tempdir().expect("tempdir");
    let out = crawl_fast(data.path(), &format!("http://{addr}/{start}"), pages, flags);
    assert!(out.contains("indexed in"), "crawl did not index: {out}");
    data
}

/// Grades the lexical answers to `questions` (a set of eval/) of the crawl in `data`.
fn lexical_answers(data: &Path, questions: &str) -> QaReport {
    let questions = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(questions);
    eval_answers(data, &questions, "lexical", &[])
}

/// Python 3.11 docs-qa: 40 of 60 supported when set (13 before answers were scored in context);
/// raised in stop 36 at 42 and 36 first.
#[test]
fn python_docs_answers_hold_their_floor() {
    let (data, _) = crate::python_docs::crawled();
    let report = eval_answers(data, &shared("docs-qa/python-3.11.jsonl"), "lexical", &[]);
    assert_eq!(report.questions, 60);
    assert!(report.supported >= 41, "supported {}", report.supported);
    assert!(
        report.first_supported >= 35,
        "first {}",
        report.first_supported
    );
    assert!(report.cited >= 42, "cited {}", report.cited);
    // Nothing found is said only when retrieval found nothing (2 abstentions, none with a gold
    // page in the top 3, when set).
    assert!(report.abstained <= 4, "abstained {}", report.abstained);
    assert!(report.abstained_gold_top3 <= 1);
    assert!(report.results_top3 >= 46, "top 3 {}", report.results_top3);
}

/// The least a documentation set's lexical answers must reach.
struct Floor {
    questions: usize,
    supported: usize,
    first_supported: usize,
    most_abstained: usize,
    results_top3: usize,
}

/// Serves and crawls up to `pages` of `root`, grades `questions` there and checks `floor`.
fn holds_floor(root: &Path, pages: &str, questions: &str, floor: Floor) {
    check_floor(&crawl_and_eval(root, pages, questions), floor);
}

/// Checks `report` against `floor`.
fn check_floor(report: &QaReport, floor: Floor) {
    assert_eq!(report.questions, floor.questions);
    assert!(
        report.supported >= floor.supported,
        "supported {}",
        report.supported
    );
    assert!(
        report.first_supported >= floor.first_supported,
        "first {}",
        report.first_supported
    );
    assert!(
        report.abstained <= floor.most_abstained,
        "abstained {}",
        report.abstained
    );
    assert!(
        report.results_top3 >= floor.results_top3,
        "top 3 {}",
        report.results_top3
    );
}

/// The PostgreSQL 15 manual (eval/postgresql-15.jsonl): 26 of 40 supported when set (13 before);
/// raised in stop 36 at 28 and 20 first.
#[test]
fn postgres_docs_answers_hold_their_floor() {
    let floor = Floor {
        questions: 40,
        supported: 27,
        first_supported: 19,
        most_abstained: 4,
        results_top3: 28,
    };
    holds_floor(&postgres_docs(), "2000", "eval/postgresql-15.jsonl", floor);
}

/// The Cargo Book (eval/cargo-book.jsonl), a site no answer code was tuned on: 18 of 35 supported
/// and 13 first when set (17 and 10 before answers quoted the lines a colon introduces and runs of
/// consecutive sentences); raised in stop 34 at 21 and 17, and in stop 36 at 21 and 18.
#[test]
fn cargo_book_answers_hold_their_floor() {
    let floor = Floor {
        questions: 35,
        supported: 20,
        first_supported: 17,
        most_abstained: 3,
        results_top3: 31,
    };
    holds_floor(&cargo_book(), "500", "eval/cargo-book.jsonl", floor);
}

/// git's manual (eval/git-manual.jsonl), a second site no answer code was tuned on: 10 of 26
/// supported and 6 first when set (9 and 7 at the start of stop 33); raised in stop 34, with its
/// gold pages completed and "This command" quoted after the page's name line, at 13 and 9 (top 3:
/// 19); raised in stop 36, with manual pages' descriptions defining their subject, at 13 and 10.
#[test]
fn git_manual_answers_hold_their_floor() {
    let floor = Floor {
        questions: 26,
        supported: 12,
        first_supported: 9,
        most_abstained: 2,
        results_top3: 17,
    };
    holds_floor(&git_manual(), "500", "eval/git-manual.jsonl", floor);
}

/// The SQLite documentation (eval/sqlite-3.40.jsonl), a fourth site, written in stop 42 before its
/// answers were read: 11 of 27 supported and 9 first at the start of that stop (audited patterns),
/// 15 and 10 (top 3: 24) when set.
#[test]
fn sqlite_docs_answers_hold_their_floor() {
    let floor = Floor {
        questions: 27,
        supported: 14,
        first_supported: 9,
        most_abstained: 2,
        results_top3: 22,
    };
    holds_floor(&sqlite_docs(), "1000", "eval/sqlite-3.40.jsonl", floor);
}

/// The Node.js 18 API documentation (eval/nodejs-18.jsonl), a fifth site, written in stop 43 before
/// its answers were read: 12 of 27 supported and 9 first at the start of that stop (audited
/// patterns), 16 and 13 (top 3: 26) when set, 19 and 14 at the end of the stop.
#[test]
fn node_docs_answers_hold_their_floor() {
    let floor = Floor {
        questions: 27,
        supported: 18,
        first_supported: 13,
        most_abstained: 2,
        results_top3: 24,
    };
    holds_floor(&node_docs(), "1000", "eval/nodejs-18.jsonl", floor);
}

/// The Apache HTTP Server 2.4 manual (eval/apache-2.4.jsonl), a sixth site, written in stop 44
/// before its answers were read: 17 of 28 supported and 12 first with stop 43's code (audited
/// patterns), 17 and 13 (top 3: 22) when set, 18 and 14 at the end of the stop.
#[test]
fn apache_docs_answers_hold_their_floor() {
    let floor = Floor {
        questions: 28,
        supported: 17,
        first_supported: 13,
        most_abstained: 2,
        results_top3: 20,
    };
    holds_floor(&apache_docs(), "1000", "eval/apache-2.4.jsonl", floor);
}

/// The Flask 2.2 documentation (eval/flask-2.2.jsonl), a seventh site, written in stop 46 by a
/// helper that never saw cited's code or answers: 16 of 25 supported and 11 first with stop 45's code,
/// 17 and 12 (top 3: 22) when set.
#[test]
fn flask_docs_answers_hold_their_floor() {
    let floor = Floor {
        questions: 25,
        supported: 16,
        first_supported: 11,
        most_abstained: 2,
        results_top3: 20,
    };
    holds_floor(&flask_docs(), "500", "eval/flask-2.2.jsonl", floor);
}

/// The pytest 7.2 documentation (eval/pytest-7.2.jsonl), an eighth site, written in stop 47 by a
/// helper that never saw cited's code or answers: 16 of 25 supported and 10 first, unseen (top 3:
/// 23).
/// Stop 67: 18 and 11 (a sentence read with the example it introduces), floor raised to 16.
#[test]
fn pytest_docs_answers_hold_their_floor() {
    let floor = Floor {
        questions: 25,
        supported: 16,
        first_supported: 9,
        most_abstained: 2,
        results_top3: 21,
    };
    holds_floor(&pytest_docs(), "500", "eval/pytest-7.2.jsonl", floor);
}

/// The Postfix 3.7 documentation (eval/postfix-3.7.jsonl), an eleventh site, written in stop 48 by
/// a helper that never saw cited's code or answers. Unseen: 4 of 25 supported (its 72 manual pages,
/// set in `<pre>`, were stored as empty duplicates of one another); 12 and 6 first once they read
/// as text and `postconf(5)`'s `<a name>` entries open sections (top 3: 15 → 21). Stop 61: 15 and
/// 11 (a run opening the answer whole, "what does the postscreen daemon do").
#[test]
fn postfix_docs_answers_hold_their_floor() {
    let floor = Floor {
        questions: 25,
        supported: 14,
        first_supported: 10,
        most_abstained: 2,
        results_top3: 19,
    };
    holds_floor(&postfix_docs(), "500", "eval/postfix-3.7.jsonl", floor);
}

/// The zsh 5.9 manual (eval/zsh-5.9.jsonl), a twelfth site, written in stop 49 by a helper that
/// never saw cited's code or answers: GNU Texinfo HTML, 35 pages reachable from its index (144 of
/// its files are redirect stubs). Unseen: 6 of 25 supported, 3 first (top 3: 18).
#[test]
fn zsh_docs_answers_hold_their_floor() {
    let floor = Floor {
        questions: 25,
        supported: 6,
        first_supported: 2,
        most_abstained: 3,
        results_top3: 16,
    };
    holds_floor(&zsh_docs(), "500", "eval/zsh-5.9.jsonl", floor);
}

/// The CMake 3.25 documentation (eval/cmake-3.25.jsonl), a thirteenth site, written in stop 50 by
/// a helper that never saw cited's code or answers: 1,936 Sphinx pages, most of them one command,
/// variable or property each. Unseen: 15 of 25 supported, 10 first (top 3: 17).
/// Stop 67: 18 and 12 ("For example:" and its command quoted with the sentence), floor raised to 16.
#[test]
fn cmake_docs_answers_hold_their_floor() {
    let floor = Floor {
        questions: 25,
        supported: 16,
        first_supported: 9,
        most_abstained: 4,
        results_top3: 16,
    };
    holds_floor(&cmake_docs(), "2000", "eval/cmake-3.25.jsonl", floor);
}

/// The SDL 2 API documentation (eval/sdl-2.jsonl), a fourteenth site, written in stop 50 by a
/// helper that never saw cited's code or answers: Doxygen, whose main page is empty and whose pages
/// only its menu scripts link. 0 of 25 with the code that followed no script (one page crawled);
/// 11 and 8 first once scripts were read, 13 and 10 (top 3: 22) with Doxygen's declaration tables
/// read as declarations.
#[test]
fn sdl_docs_answers_hold_their_floor() {
    let floor = Floor {
        questions: 25,
        supported: 11,
        first_supported: 8,
        most_abstained: 4,
        results_top3: 20,
    };
    holds_floor(&sdl_docs(), "1000", "eval/sdl-2.jsonl", floor);
}

/// The GNU Octave 7 manual (eval/octave-7.jsonl), a fifteenth site, written in stop 51 by a helper
/// that never saw cited's code or answers: Texinfo, 485 pages (the other 2,300 files are redirects
/// no page links). Unseen: 10 of 25 supported, 9 first (top 3: 18); 11 with a sentence that
/// breaks off over a formula quoted with it.
/// Stop 67: 13 and 10, floor raised to 11.
#[test]
fn octave_docs_answers_hold_their_floor() {
    let floor = Floor {
        questions: 25,
        supported: 11,
        first_supported: 8,
        most_abstained: 5,
        results_top3: 17,
    };
    holds_floor(&octave_docs(), "1000", "eval/octave-7.jsonl", floor);
}

/// The Jinja2 3.1 documentation (eval/jinja2-3.jsonl), a seventeenth site, written in stop 64
/// before any answer on it was read: Sphinx, 15 pages. Unseen: 14 of 25 supported, 10 first (top
/// 3: 22).
#[test]
fn jinja2_docs_answers_hold_their_floor() {
    let floor = Floor {
        questions: 25,
        supported: 13,
        first_supported: 9,
        most_abstained: 2,
        results_top3: 20,
    };
    holds_floor(&jinja2_docs(), "100", "eval/jinja2-3.jsonl", floor);
}

/// The GNU Bash reference manual (eval/bash-5.jsonl), an eighteenth site, written in stop 64 before
/// any answer on it was read: the whole manual on one page, crawled from `bashref.html`. Unseen: 11
/// of 25 supported, 9 first; 12 and 10 once a parameter written with its dollar sign
/// (`${parameter:offset:length}`) was read as a term.
/// Stop 67: 15 and 11 (a line that breaks off read as a sentence, `declare -A name`), floor raised to 13.
#[test]
fn bash_manual_answers_hold_their_floor() {
    let report = crawl_from_and_eval(&bash_docs(), "bashref.html", "10", &[], "eval/bash-5.jsonl");
    let floor = Floor {
        questions: 25,
        supported: 13,
        first_supported: 9,
        most_abstained: 2,
        results_top3: 24,
    };
    check_floor(&report, floor);
}

/// Starlette 1.10's documentation (eval/starlette-1.10.jsonl), a nineteenth site, written in stop 68
/// by a helper that never ran cited: MkDocs with the Material theme, which no other set uses
/// (navigation drawers, tabs, admonitions, directory URLs), crawled from `/`. Unseen: 19 of 25
/// supported, 15 first (top 3: 23; 3 abstentions).
#[test]
fn starlette_docs_answers_hold_their_floor() {
    let report = crawl_from_and_eval(
        &starlette_docs(),
        "",
        "100",
        &[],
        "eval/starlette-1.10.jsonl",
    );
    let floor = Floor {
        questions: 25,
        supported: 17,
        first_supported: 13,
        most_abstained: 4,
        results_top3: 21,
    };
    check_floor(&report, floor);
}

/// The same site in hybrid mode, as a user with the model gets it by default (the real
/// all-MiniLM-L6-v2 run by ONNX Runtime): the one documentation set CI grades with embeddings, as
/// its 209 passages embed in seconds. Unseen: 23 of 25 supported, 17 first (top 3: 24; 1
/// abstention).
#[test]
fn starlette_docs_hybrid_answers_hold_their_floor() {
    let (model, ort) = onnx_model();
    let model_flags = ["--model-dir", model.as_str(), "--ort-lib", ort.as_str()];
    let addr = serve_dir(&starlette_docs());
    let data = tempfile::tempdir().expect("tempdir");
    let out = crawl_fast(data.path(), &format!("http://{addr}/"), "100", &model_flags);
    assert!(out.contains("embedded"), "crawl did not embed: {out}");
    let questions = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("eval/starlette-1.10.jsonl");
    let report = eval_answers(data.path(), &questions, "hybrid", &model_flags);
    let floor = Floor {
        questions: 25,
        supported: 21,
        first_supported: 15,
        most_abstained: 2,
        results_top3: 22,
    };
    check_floor(&report, floor);
}

/// The Rust standard library's API docs that the toolchain ships (eval/rust-std.jsonl), a sixteenth
/// site, written in stop 57: rustdoc, every method under a signature heading, crawled from
/// `std/index.html` within `std/`. 11 of 25 supported, 9 first (top 3: 18) when set. On the same
/// crawl, eval/rust-std-types.jsonl (stop 70) asks what a type is: 11 of 20 supported, 10 first
/// (top 3: 14) when set; 5 and 3 before a type's declaration was read as its term.
#[test]
fn rust_std_docs_answers_hold_their_floor() {
    let data = crawl_from(
        &rust_docs("std"),
        "std/index.html",
        "3000",
        &["--scope", "prefix"],
    );
    let floor = Floor {
        questions: 25,
        supported: 10,
        first_supported: 8,
        most_abstained: 4,
        results_top3: 17,
    };
    check_floor(&lexical_answers(data.path(), "eval/rust-std.jsonl"), floor);
    let types = Floor {
        questions: 20,
        supported: 9,
        first_supported: 7,
        most_abstained: 4,
        results_top3: 13,
    };
    check_floor(
        &lexical_answers(data.path(), "eval/rust-std-types.jsonl"),
        types,
    );
}

#[derive(Debug, serde::Deserialize)]
struct SquadReport {
    questions: usize,
    answer_span_cited: usize,
    first_passage_span: usize,
}

/// SQuAD v1.1 dev: the answer holds the gold span (citing its paragraph) at least as often as the
/// first retrieved passage holds it.
#[test]
fn squad_answers_hold_the_span_as_often_as_the_first_passage() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let report: SquadReport = cited_json(
        scratch.path(),
        &[
            "eval",
            "squad",
            shared("squad-v1.1/dev-v1.1.json")
                .to_str()
                .expect("utf-8 path"),
            "--questions",
            "400",
            "--mode",
            "lexical",
            "--scratch",
            scratch.path().join("data").to_str().expect("utf-8 path"),
            "--json",
        ],
    );
    eprintln!("{report:?}");
    assert_eq!(report.questions, 400);
    assert!(
        report.answer_span_cited >= report.first_passage_span,
        "{report:?}"
    );
    assert!(report.answer_span_cited >= 300, "{report:?}");
}

/// The real all-MiniLM-L6-v2 model directory and ONNX Runtime library that `scripts/fetch-model
/// --onnx` fetches into `target/`, as paths for `--model-dir` and `--ort-lib`.
fn onnx_model() -> (String, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let model = root.join("target/models/all-MiniLM-L6-v2");
    let ort = root.join("target/onnxruntime/libonnxruntime.so");
    assert!(
        model.join("model.onnx").exists() && ort.exists(),
        "no model or ONNX Runtime in target/: run scripts/fetch-model --onnx"
    );
    let path = |p: PathBuf| p.to_str().expect("utf-8 path").to_string();
    (path(model), path(ort))
}

/// The same in hybrid mode (the real all-MiniLM-L6-v2 weights run by ONNX Runtime, both fetched by
/// `scripts/fetch-model --onnx`), on the first five articles so that embedding stays short: 135 of
/// 150 (124 before sentence vectors came from the index and meaning added to words), against 120
/// for the first passage.
#[test]
fn hybrid_squad_answers_hold_the_span_as_often_as_the_first_passage() {
    let (model, ort) = onnx_model();
    let scratch = tempfile::tempdir().expect("tempdir");
    let report: SquadReport = cited_json(
        scratch.path(),
        &[
            "--model-dir",
            &model,
            "--ort-lib",
            &ort,
            "eval",
            "squad",
            shared("squad-v1.1/dev-v1.1.json")
                .to_str()
                .expect("utf-8 path"),
            "--articles",
            "5",
            "--questions",
            "150",
            "--mode",
            "hybrid",
            "--scratch",
            scratch.path().join("data").to_str().expect("utf-8 path"),
            "--json",
        ],
    );
    eprintln!("{report:?}");
    assert_eq!(report.questions, 150);
    assert!(
        report.answer_span_cited >= report.first_passage_span,
        "{report:?}"
    );
    assert!(report.answer_span_cited >= 128, "{report:?}");
}
