//! Answer quality: the whole answer graded, not only retrieval.
//!
//! Two harnesses, both through [`Engine::answer`] (the code behind `/api/answer` and `cited ask`):
//!
//! - [`run_docs_qa`] asks every question of a docs-qa file (`../shared/data/docs-qa/`) of an already
//!   indexed data directory and grades each answer as that set's README says: *answered* (the answer
//!   text matches an answer pattern), *cited* (a cited source is a gold page), *supported* (a sentence
//!   that matches a pattern itself cites a gold page), or *abstained*. Next to it, in the same run,
//!   how often the search results' first page and top 3 pages are gold: what a reader scanning the
//!   results would find.
//! - [`run_squad`] indexes SQuAD paragraphs as pages in a scratch directory and asks a spread sample
//!   of their questions: how often a sentence of the answer contains a gold answer span and cites its
//!   paragraph, next to how often the first retrieved passage is that paragraph and holds the span.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::{load_pages, percentiles, read_jsonl, ScratchPage};
use crate::answer::Answer;
use crate::config::Settings;
use crate::data_dir::DataDir;
use crate::engine::Engine;
use crate::retrieve::Mode;

/// Results a reader would scan, compared with the answer.
const RESULTS: usize = 10;

/// One question of a docs-qa file.
#[derive(Debug, Deserialize)]
pub struct QaItem {
    pub id: String,
    pub question: String,
    pub answer_patterns: Vec<String>,
    pub gold_pages: Vec<String>,
    #[serde(default)]
    pub difficulty: String,
}

/// How one answer was graded.
#[derive(Debug, Serialize)]
pub struct QaRow {
    pub id: String,
    pub question: String,
    pub difficulty: String,
    pub supported: bool,
    /// The answer's first sentence is supported.
    pub first_supported: bool,
    pub answered: bool,
    pub cited: bool,
    pub abstained: bool,
    /// Rank (from 1) of the first gold page in the search results, if in the top [`RESULTS`].
    pub gold_rank: Option<usize>,
    /// Rank (from 1) of the first passage the answer reads that is on a gold page and matches an
    /// answer pattern: the answer could have quoted it.
    pub passage_rank: Option<usize>,
    pub answer: String,
    pub sources: Vec<String>,
    pub results: Vec<String>,
}

/// The figures of one docs-qa run.
#[derive(Debug, Default, Serialize)]
pub struct QaReport {
    pub mode: String,
    pub questions: usize,
    pub supported: usize,
    /// Answers whose first sentence is supported: what a reader who stops there gets right.
    pub first_supported: usize,
    pub answered: usize,
    pub cited: usize,
    pub abstained: usize,
    /// Abstentions where a gold page was in the first 3 / 10 results.
    pub abstained_gold_top3: usize,
    pub abstained_gold_top10: usize,
    /// Questions whose first result / top 3 / top 10 results hold a gold page.
    pub results_top1: usize,
    pub results_top3: usize,
    pub results_top10: usize,
    /// Questions where a passage the answer reads (on a gold page) matches an answer pattern: the
    /// most an extractive answer could support.
    pub passages_hold_answer: usize,
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
    /// The same questions as searches (10 results), for comparison.
    pub search_p50_ms: f64,
    pub search_p95_ms: f64,
}

/// Answer patterns of one item, compiled as Python's `re.search(p, text, re.IGNORECASE)` reads them.
struct Patterns(Vec<fancy_regex::Regex>);

impl Patterns {
    fn new(item: &QaItem) -> Result<Self> {
        item.answer_patterns
            .iter()
            .map(|p| {
                fancy_regex::RegexBuilder::new(p)
                    .case_insensitive(true)
                    .build()
                    .with_context(|| format!("{}: bad answer pattern {p:?}", item.id))
            })
            .collect::<Result<_>>()
            .map(Self)
    }

    fn matches(&self, text: &str) -> bool {
        self.0.iter().any(|p| p.is_match(text).unwrap_or(false))
    }
}

/// Returns true if `url` is the page `gold` (a path relative to the site's root, e.g.
/// `library/functions.html`, or `generator/Visual Studio 17 2022.html` for the page a URL writes
/// with `%20`), wherever the site is served, by whole path segments at the end of the URL's path. A
/// directory's URL is its `index.html`: `responses/` and `responses/index.html` name the page at
/// `/responses/` (and so `index.html` alone names every directory's page).
pub fn is_gold(url: &str, gold: &str) -> bool {
    let path = url::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| url.to_string());
    let path = with_index(&percent_encoding::percent_decode_str(&path).decode_utf8_lossy());
    let gold = with_index(gold.trim_start_matches('/'));
    path.strip_suffix(gold.as_str())
        .is_some_and(|head| head.is_empty() || head.ends_with('/'))
}

/// `path` as the page it serves: a directory's (ending in `/`) is its `index.html`.
fn with_index(path: &str) -> String {
    if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    }
}

/// How one answer grades.
struct Grade {
    supported: bool,
    first_supported: bool,
    answered: bool,
    cited: bool,
}

/// Grades one answer against one item's patterns and gold pages.
fn grade(answer: &Answer, patterns: &Patterns, gold: &[String]) -> Grade {
    let gold_source = |id: &u32| {
        answer
            .sources
            .iter()
            .find(|s| s.id == *id)
            .is_some_and(|s| gold.iter().any(|g| is_gold(&s.url, g)))
    };
    let text: Vec<&str> = answer.sentences.iter().map(|s| s.text.as_str()).collect();
    let answered = patterns.matches(&text.join(" "));
    let cited = answer
        .sources
        .iter()
        .any(|s| gold.iter().any(|g| is_gold(&s.url, g)));
    let supports = |s: &crate::answer::AnswerSentence| {
        patterns.matches(&s.text) && s.citations.iter().any(gold_source)
    };
    Grade {
        supported: answer.sentences.iter().any(supports),
        first_supported: answer.sentences.first().is_some_and(supports),
        answered,
        cited,
    }
}

/// Asks every question of `file` of the index in `data` and grades the answers.
pub fn run_docs_qa(
    file: &Path,
    data: &DataDir,
    settings: &Settings,
    mode: Option<Mode>,
    rows_out: Option<&Path>,
) -> Result<QaReport> {
    let items: Vec<QaItem> = read_jsonl(file)?;
    if items.is_empty() {
        bail!("{} holds no questions", file.display());
    }
    // Every pattern compiles before the first question is asked.
    let patterns: Vec<Patterns> = items.iter().map(Patterns::new).collect::<Result<_>>()?;
    let engine = Engine::open(data, settings)?;
    if engine.index().num_chunks() == 0 {
        bail!(
            "the index in {} is empty: crawl and index the site the questions are about first",
            data.root().display()
        );
    }
    let mode = mode.unwrap_or(engine.retriever().default_mode());
    let mut report = QaReport {
        mode: mode_name(mode),
        questions: items.len(),
        ..QaReport::default()
    };
    let mut rows = Vec::new();
    let mut latencies = Vec::new();
    let mut search_latencies = Vec::new();
    for (item, patterns) in items.iter().zip(&patterns) {
        let (row, latency, search_latency) = ask_item(&engine, item, patterns, mode)
            .map_err(|e| anyhow::anyhow!("{}: {e}", item.id))?;
        latencies.push(latency);
        search_latencies.push(search_latency);
        report.count(&row);
        rows.push(row);
    }
    (report.latency_p50_ms, report.latency_p95_ms) = percentiles(latencies);
    (report.search_p50_ms, report.search_p95_ms) = percentiles(search_latencies);
    if let Some(path) = rows_out {
        write_rows(path, &rows)?;
    }
    Ok(report)
}

/// Asks one question of the set as an answer and as a search, and grades it; with the answer's and
/// the search's latency in milliseconds.
fn ask_item(
    engine: &Engine,
    item: &QaItem,
    patterns: &Patterns,
    mode: Mode,
) -> Result<(QaRow, f64, f64)> {
    let started = Instant::now();
    let answer = engine.answer(&item.question, Some(mode))?.value;
    let latency = started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    let results = engine.search(&item.question, RESULTS, Some(mode))?.value;
    let search_latency = started.elapsed().as_secs_f64() * 1000.0;
    let gold_rank = results
        .iter()
        .position(|r| item.gold_pages.iter().any(|g| is_gold(&r.url, g)))
        .map(|i| i + 1);
    let passages = engine.passages(&item.question, Some(mode))?;
    let passage_rank = passages
        .iter()
        .position(|p| {
            item.gold_pages.iter().any(|g| is_gold(&p.url, g)) && patterns.matches(&p.text)
        })
        .map(|i| i + 1);
    let Grade {
        supported,
        first_supported,
        answered,
        cited,
    } = grade(&answer, patterns, &item.gold_pages);
    let row = QaRow {
        id: item.id.clone(),
        question: item.question.clone(),
        difficulty: item.difficulty.clone(),
        supported,
        first_supported,
        answered,
        cited,
        abstained: !answer.found(),
        gold_rank,
        passage_rank,
        answer: answer.text(),
        sources: answer.sources.iter().map(|s| s.url.clone()).collect(),
        results: results.into_iter().map(|r| r.url).collect(),
    };
    Ok((row, latency, search_latency))
}

impl QaReport {
    /// Counts one graded question.
    fn count(&mut self, row: &QaRow) {
        let top3 = row.gold_rank.is_some_and(|r| r <= 3);
        self.passages_hold_answer += usize::from(row.passage_rank.is_some());
        self.supported += usize::from(row.supported);
        self.first_supported += usize::from(row.first_supported);
        self.answered += usize::from(row.answered);
        self.cited += usize::from(row.cited);
        self.abstained += usize::from(row.abstained);
        self.results_top1 += usize::from(row.gold_rank == Some(1));
        self.results_top3 += usize::from(top3);
        self.results_top10 += usize::from(row.gold_rank.is_some());
        if row.abstained {
            self.abstained_gold_top3 += usize::from(top3);
            self.abstained_gold_top10 += usize::from(row.gold_rank.is_some());
        }
    }
}

fn write_rows<T: Serialize>(path: &Path, rows: &[T]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    for row in rows {
        serde_json::to_writer(&mut out, row)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

fn mode_name(mode: Mode) -> String {
    format!("{mode:?}").to_lowercase()
}

#[derive(Deserialize)]
struct SquadFile {
    data: Vec<SquadArticle>,
}

#[derive(Deserialize)]
struct SquadArticle {
    title: String,
    paragraphs: Vec<SquadParagraph>,
}

#[derive(Deserialize)]
struct SquadParagraph {
    context: String,
    qas: Vec<SquadQuestion>,
}

#[derive(Deserialize)]
struct SquadQuestion {
    id: String,
    question: String,
    answers: Vec<SquadAnswer>,
}

#[derive(Deserialize)]
struct SquadAnswer {
    text: String,
}

/// Options of `cited eval squad`.
pub struct SquadOptions {
    pub file: PathBuf,
    /// Questions asked, spread evenly over the file.
    pub questions: usize,
    /// Only the first this many articles (their paragraphs and questions); 0: all.
    pub articles: usize,
    pub scratch: PathBuf,
    pub mode: Option<Mode>,
    pub settings: Settings,
    pub rows_out: Option<PathBuf>,
}

/// The figures of one SQuAD run.
#[derive(Debug, Serialize)]
pub struct SquadReport {
    pub mode: String,
    pub questions: usize,
    pub paragraphs: usize,
    /// A sentence of the answer holds a gold span and cites the question's paragraph.
    pub answer_span_cited: usize,
    /// The answer text holds a gold span (cited or not).
    pub answer_span: usize,
    /// The first retrieved passage is from the question's paragraph and holds a gold span.
    pub first_passage_span: usize,
    /// The first retrieved passage is from the question's paragraph.
    pub first_passage_paragraph: usize,
    pub abstained: usize,
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
    pub index_seconds: f64,
}

#[derive(Serialize)]
struct SquadRow<'a> {
    id: &'a str,
    question: &'a str,
    gold: Vec<&'a str>,
    answer_span_cited: bool,
    first_passage_span: bool,
    answer: String,
}

/// Lowercased with whitespace collapsed, for span containment (SQuAD's spans are verbatim, but
/// sentence splitting may change the spacing around them).
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The paragraphs of the first `articles` articles of `squad` (0: all) as pages, and each question
/// with its paragraph's URL.
fn squad_pages(
    squad: &SquadFile,
    articles: usize,
) -> (Vec<ScratchPage>, Vec<(&SquadQuestion, String)>) {
    let mut pages = Vec::new();
    let mut questions = Vec::new();
    let articles = match articles {
        0 => squad.data.len(),
        n => n.min(squad.data.len()),
    };
    for (a, article) in squad.data.iter().enumerate().take(articles) {
        for (p, paragraph) in article.paragraphs.iter().enumerate() {
            let url = format!("squad://{a}/{p}");
            pages.push(ScratchPage {
                url: url.clone(),
                title: article.title.replace('_', " "),
                text: paragraph.context.clone(),
            });
            for qa in &paragraph.qas {
                questions.push((qa, url.clone()));
            }
        }
    }
    (pages, questions)
}

impl SquadReport {
    /// Grades and counts the answer to `qa`, whose paragraph is at `url`, and retrieval's `first`
    /// passage for it.
    fn grade<'a>(
        &mut self,
        qa: &'a SquadQuestion,
        url: &str,
        answer: &crate::answer::Answer,
        first: Option<&indexer::SearchHit>,
    ) -> SquadRow<'a> {
        let spans: Vec<String> = qa.answers.iter().map(|a| normalise(&a.text)).collect();
        let holds_span = |text: &str| {
            let text = normalise(text);
            spans
                .iter()
                .any(|s| !s.is_empty() && text.contains(s.as_str()))
        };
        let first_paragraph = first.is_some_and(|h| h.url == url);
        let first_span = first_paragraph && first.is_some_and(|h| holds_span(&h.text));
        let cites_paragraph = |ids: &[u32]| {
            answer
                .sources
                .iter()
                .any(|s| ids.contains(&s.id) && s.url == url)
        };
        let span_cited = answer
            .sentences
            .iter()
            .any(|s| holds_span(&s.text) && cites_paragraph(&s.citations));
        let texts: Vec<&str> = answer.sentences.iter().map(|s| s.text.as_str()).collect();
        self.answer_span_cited += usize::from(span_cited);
        self.answer_span += usize::from(holds_span(&texts.join(" ")));
        self.first_passage_span += usize::from(first_span);
        self.first_passage_paragraph += usize::from(first_paragraph);
        self.abstained += usize::from(!answer.found());
        SquadRow {
            id: &qa.id,
            question: &qa.question,
            gold: qa.answers.iter().map(|a| a.text.as_str()).collect(),
            answer_span_cited: span_cited,
            first_passage_span: first_span,
            answer: answer.text(),
        }
    }
}

/// Indexes the paragraphs of a SQuAD file as pages and grades the answers to a sample of its
/// questions.
pub fn run_squad(options: &SquadOptions) -> Result<SquadReport> {
    let file = std::fs::File::open(&options.file)
        .with_context(|| format!("cannot read {}", options.file.display()))?;
    let squad: SquadFile = serde_json::from_reader(std::io::BufReader::new(file))
        .with_context(|| format!("{} is not a SQuAD JSON file", options.file.display()))?;
    let (pages, questions) = squad_pages(&squad, options.articles);
    if questions.is_empty() {
        bail!("{} holds no questions", options.file.display());
    }
    let step = (questions.len() / options.questions.max(1)).max(1);
    let sample: Vec<_> = questions
        .iter()
        .step_by(step)
        .take(options.questions)
        .collect();

    let data = DataDir::new(&options.scratch);
    let paragraphs = pages.len();
    let index_seconds = load_pages(&data, &options.settings, pages)?;
    let engine = Engine::open(&data, &options.settings)?;
    let mode = options.mode.unwrap_or(engine.retriever().default_mode());
    let mut report = SquadReport {
        mode: mode_name(mode),
        questions: sample.len(),
        paragraphs,
        answer_span_cited: 0,
        answer_span: 0,
        first_passage_span: 0,
        first_passage_paragraph: 0,
        abstained: 0,
        latency_p50_ms: 0.0,
        latency_p95_ms: 0.0,
        index_seconds,
    };
    let mut rows = Vec::new();
    let mut latencies = Vec::new();
    for (qa, url) in sample {
        let started = Instant::now();
        let answer = engine
            .answer(&qa.question, Some(mode))
            .map_err(|e| anyhow::anyhow!("{}: {e}", qa.id))?
            .value;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        let first = engine
            .retriever()
            .search(&qa.question, 1, mode)?
            .into_iter()
            .next();
        rows.push(report.grade(qa, url, &answer, first.as_ref()));
    }
    (report.latency_p50_ms, report.latency_p95_ms) = percentiles(latencies);
    if let Some(path) = &options.rows_out {
        write_rows(path, &rows)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gold_pages_match_by_whole_path_segments() {
        let url = "http://127.0.0.1:8080/library/functions.html";
        assert!(is_gold(url, "library/functions.html"));
        assert!(is_gold(url, "functions.html"));
        assert!(!is_gold(url, "ctions.html"));
        assert!(!is_gold(url, "library/function.html"));
        assert!(is_gold(
            "http://h/docs/glossary.html#term-eafp",
            "glossary.html"
        ));
        assert!(is_gold(
            "http://h/generator/Visual%20Studio%2017%202022.html",
            "generator/Visual Studio 17 2022.html"
        ));
        // A directory's URL serves its index.html (MkDocs' `/responses/`).
        assert!(is_gold("http://h/responses/", "responses/"));
        assert!(is_gold("http://h/responses/", "responses/index.html"));
        assert!(is_gold("http://h/responses/index.html", "responses/"));
        assert!(is_gold("http://h/", "index.html"));
        assert!(is_gold("http://h/a/b/?q=1#x", "a/b/"));
        assert!(!is_gold("http://h/a/b/", "a/"));
        assert!(!is_gold("http://h/responses/", "requests/"));
        assert!(!is_gold("http://h/responses/", "index.html/"));
        assert!(!is_gold("http://h/big-responses/", "responses/"));
    }

    #[test]
    fn python_patterns_compile_with_lookaround_and_inline_flags() {
        let item = QaItem {
            id: "t".into(),
            question: "q".into(),
            answer_patterns: vec![
                r"(?<![\d.])0?\.6\b(?!\.\d)".into(),
                r"(?-i:\bWARNING\b)".into(),
            ],
            gold_pages: vec![],
            difficulty: String::new(),
        };
        let p = Patterns::new(&item).expect("compiles");
        assert!(p.matches("the cutoff is 0.6 by default"));
        assert!(!p.matches("version 1.0.6.1"));
        assert!(p.matches("The default level is WARNING."));
        assert!(!p.matches("a warning is printed"));
    }

    #[test]
    fn spans_compare_without_case_or_spacing() {
        assert_eq!(normalise("  Denver\n Broncos "), "denver broncos");
    }
}
