//! What the commands print: progress, summaries, answers for a terminal.

use std::time::Duration;

use crawler::CrawlStats;
use indicatif::{ProgressBar, ProgressStyle};

use crate::dto::{AnswerResponse, SearchResponse, Verdict};

pub fn spinner() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .expect("static template is valid"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

pub fn counter(what: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
            .expect("static template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// A byte-count bar for a download of `len` bytes (a spinner when the length is unknown).
pub fn bytes(what: &str, len: Option<u64>) -> ProgressBar {
    let bar = match len {
        Some(len) => ProgressBar::new(len).with_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .expect("static template is valid")
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner(),
    };
    bar.set_message(what.to_string());
    bar
}

pub fn crawl_progress(s: &CrawlStats) -> String {
    format!(
        "fetched {} (stored {}) · queued {} · in flight {} · robots skipped {} · errors {} · {:.1} pages/s",
        s.fetched,
        s.stored,
        s.queued,
        s.in_flight,
        s.robots_disallowed + s.robots_unavailable,
        s.errors,
        s.rate()
    )
}

pub fn crawl_summary(s: &CrawlStats) -> String {
    format!(
        "crawled {} pages in {:.1}s ({:.1} pages/s): {} stored, {} unchanged, {} not modified (304), {} removed (gone or moved), {} duplicates, {} noindex, {} redirected by meta refresh, {} scripts read for links\n\
         {} URLs from sitemaps; skipped: {} disallowed by robots.txt, {} waiting on an unavailable robots.txt, {} unsupported type, \
         {} redirected out of scope, {} left by the per-host budget, {} crawler traps, {} refused (non-public address); {} truncated, {} retried after 429/503, {} not found (404/410), {} errors; {} still queued",
        s.fetched,
        s.elapsed_ms as f64 / 1000.0,
        s.rate(),
        s.stored,
        s.unchanged,
        s.not_modified,
        s.removed,
        s.duplicates,
        s.noindex,
        s.refreshes,
        s.scripts,
        s.sitemap_urls,
        s.robots_disallowed,
        s.robots_unavailable,
        s.unsupported,
        s.out_of_scope,
        s.over_host_budget,
        s.traps,
        s.refused,
        s.truncated,
        s.retried,
        s.not_found,
        s.errors,
        s.queued
    )
}

pub fn answer_text(a: &AnswerResponse) -> String {
    let mut out = String::new();
    if let Some(notice) = &a.notice {
        out.push_str(&format!("note: {notice}\n\n"));
    }
    out.push_str(&format!("{}\n", a.answer));
    let doubtful: Vec<String> = a
        .sentences
        .iter()
        .enumerate()
        .filter(|(_, s)| s.verdict != Verdict::Supported)
        .map(|(i, s)| {
            format!(
                "  sentence {} is {} ({:.2}): {}\n",
                i + 1,
                s.verdict.as_str(),
                s.support,
                s.reason.as_deref().unwrap_or("")
            )
        })
        .collect();
    if !doubtful.is_empty() {
        out.push_str("\nCheck:\n");
        out.extend(doubtful);
    }
    if !a.sources.is_empty() {
        out.push_str("\nSources:\n");
        for s in &a.sources {
            out.push_str(&format!(
                "[{}] {}\n    {}\n    fetched {}, changed {}\n    \"{}\"\n",
                s.id,
                s.title,
                s.link,
                s.fetched_at.get(..10).unwrap_or_default(),
                s.changed_at.get(..10).unwrap_or_default(),
                s.quote
            ));
        }
    }
    out
}

pub fn jobs_text(jobs: &[crate::jobs::JobRecord]) -> String {
    if jobs.is_empty() {
        return "no job has run yet\n".into();
    }
    let mut out = String::new();
    for j in jobs {
        let state = serde_json::to_value(j.state)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        out.push_str(&format!(
            "{:<8} {:<12} started {}{}  {} {}/{}{}\n",
            j.kind,
            state,
            j.started_at.format("%Y-%m-%d %H:%M:%S"),
            j.finished_at
                .map(|f| format!(", finished {}", f.format("%H:%M:%S")))
                .unwrap_or_default(),
            j.stage,
            j.done,
            j.total,
            j.error
                .as_deref()
                .map(|e| format!("  error: {e}"))
                .unwrap_or_default()
        ));
    }
    out
}

pub fn search_text(r: &SearchResponse) -> String {
    if r.hits.is_empty() {
        return "no results\n".into();
    }
    let mut out = String::new();
    for (i, h) in r.hits.iter().enumerate() {
        out.push_str(&format!(
            "{}. {}\n   {}\n   {}\n\n",
            i + 1,
            h.title,
            h.url,
            h.snippet
        ));
    }
    out
}

fn share(n: usize, of: usize) -> String {
    format!(
        "{n:>4} / {of} ({:.0}%)",
        100.0 * n as f64 / of.max(1) as f64
    )
}

/// The docs-qa figures of `cited eval answers`.
pub fn docs_qa_text(r: &crate::eval::answers::QaReport) -> String {
    let q = r.questions;
    format!(
        "{} answers to {q} questions\n\
         supported   {}   a sentence states the answer and cites a gold page\n\
         first       {}   the first sentence does (what a reader reads first)\n\
         answered    {}\n\
         cited       {}\n\
         abstained   {}   of them with a gold page in the top 3: {}, top 10: {}\n\
         results     top 1 {}   top 3 {}   top 10 {}   (hold a gold page)\n\
         passages    {}   the passages the answer reads state the answer on a gold page\n\
         latency     answer p50 {:.1} ms, p95 {:.1} ms; search p50 {:.1} ms, p95 {:.1} ms\n",
        r.mode,
        share(r.supported, q),
        share(r.first_supported, q),
        share(r.answered, q),
        share(r.cited, q),
        share(r.abstained, q),
        r.abstained_gold_top3,
        r.abstained_gold_top10,
        share(r.results_top1, q),
        share(r.results_top3, q),
        share(r.results_top10, q),
        share(r.passages_hold_answer, q),
        r.latency_p50_ms,
        r.latency_p95_ms,
        r.search_p50_ms,
        r.search_p95_ms,
    )
}

/// The SQuAD figures of `cited eval squad`.
pub fn squad_text(r: &crate::eval::answers::SquadReport) -> String {
    let q = r.questions;
    format!(
        "{} answers to {q} SQuAD questions over {} paragraphs (indexed in {:.1}s)\n\
         answer holds a gold span and cites its paragraph   {}\n\
         answer holds a gold span                           {}\n\
         first passage is the paragraph and holds the span  {}\n\
         first passage is the paragraph                     {}\n\
         abstained                                          {}\n\
         latency     p50 {:.1} ms, p95 {:.1} ms\n",
        r.mode,
        r.paragraphs,
        r.index_seconds,
        share(r.answer_span_cited, q),
        share(r.answer_span, q),
        share(r.first_passage_span, q),
        share(r.first_passage_paragraph, q),
        share(r.abstained, q),
        r.latency_p50_ms,
        r.latency_p95_ms,
    )
}

/// The retrieval figures of `cited eval beir`.
pub fn beir_text(r: &crate::eval::EvalReport) -> String {
    format!(
        "{} retrieval, {} queries over {} documents (indexed in {:.1}s)\nnDCG@10     {:.4}\nRecall@100  {:.4}\nMRR@10      {:.4}\nlatency     p50 {:.1} ms, p95 {:.1} ms\n",
        r.mode,
        r.queries,
        r.documents,
        r.index_seconds,
        r.ndcg_at_10,
        r.recall_at_100,
        r.mrr_at_10,
        r.latency_p50_ms,
        r.latency_p95_ms
    )
}
