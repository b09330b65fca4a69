//! The results: a markdown table with medians and ratios (`results/latest.md`), the raw figures
//! (`results/latest.json`) and SVG charts (crawl, query, scaling).

use std::path::Path;

use anyhow::Result;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
pub struct CrawlRow {
    pub site: String,
    pub tool: String,
    pub concurrency: String,
    pub runs: usize,
    /// Distinct HTML pages fetched, counted by the site's server.
    pub pages: usize,
    /// Pages in this tool's first run's set and not in cited's first run's, or the reverse.
    pub differ_from_cited: usize,
    /// Pages fetched that robots.txt disallows.
    pub disallowed: usize,
    /// Shortest gap between two requests to one host, as the server saw it.
    pub min_gap_ms: f64,
    pub pages_per_s: f64,
    /// HTML megabytes fetched per second, where the site can weigh its pages.
    pub html_mb_per_s: Option<f64>,
    pub peak_rss_mb: f64,
}

#[derive(Debug, Serialize)]
pub struct IndexRow {
    pub what: String,
    pub pages: usize,
    pub chunks: u64,
    pub seconds: f64,
    pub peak_rss_mb: f64,
}

/// Passages embedded by one runtime and precision (see `embed.rs`).
#[derive(Debug, Serialize)]
pub struct EmbedRow {
    pub runtime: String,
    pub precision: String,
    pub passages: u64,
    /// Embedding alone: cited's own figure, or Python's best of two runs.
    pub seconds: f64,
    /// Of the whole `cited index` run (0 for Python: not measured).
    pub peak_rss_mb: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueryRow {
    pub endpoint: String,
    pub corpus: String,
    pub generator: String,
    pub clients: usize,
    pub requests: u64,
    pub errors: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FloorRow {
    pub queries: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub qps_one_thread: f64,
}

#[derive(Debug, Serialize)]
pub struct ScaleRow {
    pub chunks: u64,
    pub pages: usize,
    pub index_seconds: f64,
    pub index_mb: f64,
    pub floor_p50_ms: f64,
    pub floor_p99_ms: f64,
    pub search_rps: f64,
    pub search_p50_ms: f64,
    pub search_p99_ms: f64,
}

/// A line of the scaling chart: its label, the figure it plots and its colour.
type Series = (&'static str, fn(&ScaleRow) -> f64, RGBColor);

#[derive(Debug, Serialize)]
pub struct Report {
    pub cores: usize,
    pub crawl: Vec<CrawlRow>,
    pub index: Vec<IndexRow>,
    pub embed: Vec<EmbedRow>,
    pub floor: Option<FloorRow>,
    pub query: Vec<QueryRow>,
    pub scale: Vec<ScaleRow>,
}

impl Report {
    pub fn new(cores: usize) -> Self {
        Self {
            cores,
            crawl: Vec::new(),
            index: Vec::new(),
            embed: Vec::new(),
            floor: None,
            query: Vec::new(),
            scale: Vec::new(),
        }
    }

    pub fn push_query(&mut self, endpoint: &str, corpus: &str, row: QueryRow) {
        self.query.push(QueryRow {
            endpoint: endpoint.into(),
            corpus: corpus.into(),
            ..row
        });
    }

    /// The crawl section: one row per site and crawler.
    pub fn crawl_markdown(&self) -> String {
        let mut md = String::new();
        md.push_str("## Crawl\n\n");
        md.push_str("| site | crawler | concurrency | runs | pages fetched | set differs from cited's by | disallowed fetched | min gap per host ms | pages/s | × cited | HTML MB/s | × cited | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for r in &self.crawl {
            let cited = self
                .crawl
                .iter()
                .find(|c| c.tool == "cited" && c.site == r.site)
                .map(|c| format!("{:.2}", r.pages_per_s / c.pages_per_s.max(1e-9)))
                .unwrap_or_else(|| "–".into());
            let cited_mb = self
                .crawl
                .iter()
                .find(|c| c.tool == "cited" && c.site == r.site)
                .and_then(|c| c.html_mb_per_s);
            let (mb, mb_ratio) = match (r.html_mb_per_s, cited_mb) {
                (Some(mb), Some(c)) => (format!("{mb:.1}"), format!("{:.2}", mb / c.max(1e-9))),
                (Some(mb), None) => (format!("{mb:.1}"), "–".into()),
                _ => ("–".into(), "–".into()),
            };
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {:.0} | {:.0} | {} | {} | {} | {:.0} |\n",
                r.site,
                r.tool,
                r.concurrency,
                r.runs,
                r.pages,
                r.differ_from_cited,
                r.disallowed,
                r.min_gap_ms,
                r.pages_per_s,
                cited,
                mb,
                mb_ratio,
                r.peak_rss_mb
            ));
        }
        md
    }

    /// The embedding section: passages/s next to Python onnxruntime's fp32 on the same passages.
    pub fn embed_markdown(&self) -> String {
        let mut md = String::from("\n## Embedding (all-MiniLM-L6-v2, the same passages)\n\n| runtime | precision | passages | seconds | passages/s | × Python fp32 | peak RSS MB |\n|---|---|---|---|---|---|---|\n");
        let rate = |r: &EmbedRow| r.passages as f64 / r.seconds.max(1e-9);
        let python = self
            .embed
            .iter()
            .find(|r| r.runtime.starts_with("Python") && r.precision == "fp32")
            .map(rate);
        for r in &self.embed {
            let ratio = python.map_or("–".into(), |p| format!("{:.2}", rate(r) / p));
            let rss = if r.peak_rss_mb > 0.0 {
                format!("{:.0}", r.peak_rss_mb)
            } else {
                "–".into()
            };
            md.push_str(&format!(
                "| {} | {} | {} | {:.1} | {:.1} | {} | {} |\n",
                r.runtime,
                r.precision,
                r.passages,
                r.seconds,
                rate(r),
                ratio,
                rss
            ));
        }
        md
    }

    pub fn markdown(&self) -> String {
        let mut md = format!(
            "# cited benchmarks\n\n{} cores; medians of alternating runs; pages counted by the test servers (lognormal latency, median 50 ms, on 127.0.0.x); crawlers pinned to another core than the sites.\n\n",
            self.cores
        );
        md.push_str(&self.crawl_markdown());
        md.push_str("\n## Index (page store to searchable)\n\n| what | pages | chunks | seconds | chunks/s | chunks/s per core | peak RSS MB |\n|---|---|---|---|---|---|---|\n");
        for r in &self.index {
            let rate = r.chunks as f64 / r.seconds.max(1e-9);
            md.push_str(&format!(
                "| {} | {} | {} | {:.2} | {:.0} | {:.0} | {:.0} |\n",
                r.what,
                r.pages,
                r.chunks,
                r.seconds,
                rate,
                rate / self.cores as f64,
                r.peak_rss_mb
            ));
        }
        md.push_str(&self.embed_markdown());
        md.push_str("\n## Query (load from a separate process)\n\n");
        if let Some(f) = &self.floor {
            md.push_str(&format!(
                "Floor — bare tantivy top-10 on the ~100k-chunk index, one thread: p50 {:.3} ms, p99 {:.3} ms, {:.0} queries/s.\n\n",
                f.p50_ms, f.p99_ms, f.qps_one_thread
            ));
        }
        md.push_str("| endpoint | corpus | load | clients | requests | errors | req/s | p50 ms | p99 ms | p50 over floor |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for r in &self.query {
            let over = match (
                &self.floor,
                r.endpoint.contains("hybrid") || r.corpus == "crawl",
            ) {
                (Some(f), false) => format!("{:.1}×", r.p50_ms / f.p50_ms.max(1e-9)),
                _ => "–".into(),
            };
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {} |\n",
                r.endpoint,
                r.corpus,
                r.generator,
                r.clients,
                r.requests,
                r.errors,
                r.rps,
                r.p50_ms,
                r.p99_ms,
                over
            ));
        }
        md.push_str("\n## Scaling (generated corpora; keyword `/api/search`, 32 clients)\n\n| chunks | pages | index s | index MB | floor p50 ms | floor p99 ms | search req/s | search p50 ms | search p99 ms |\n|---|---|---|---|---|---|---|---|---|\n");
        for r in &self.scale {
            md.push_str(&format!(
                "| {} | {} | {:.1} | {:.0} | {:.3} | {:.3} | {:.0} | {:.2} | {:.2} |\n",
                r.chunks,
                r.pages,
                r.index_seconds,
                r.index_mb,
                r.floor_p50_ms,
                r.floor_p99_ms,
                r.search_rps,
                r.search_p50_ms,
                r.search_p99_ms
            ));
        }
        md
    }

    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("latest.md"), self.markdown())?;
        std::fs::write(dir.join("latest.json"), serde_json::to_vec_pretty(self)?)?;
        bars(
            &dir.join("crawl.svg"),
            "Crawl: pages/s (higher is better)",
            &self
                .crawl
                .iter()
                .map(|r| {
                    let site = r
                        .site
                        .split(',')
                        .next()
                        .unwrap_or("")
                        .replace("generated ", "");
                    let polite = if r.concurrency == "1/host" {
                        " polite"
                    } else {
                        ""
                    };
                    (format!("{} {site}{polite}", r.tool), r.pages_per_s)
                })
                .collect::<Vec<_>>(),
        )?;
        bars(
            &dir.join("query.svg"),
            "Queries: requests/s (higher is better)",
            &self
                .query
                .iter()
                .map(|r| (format!("{} ×{}", r.endpoint, r.clients), r.rps))
                .collect::<Vec<_>>(),
        )?;
        self.scaling_chart(&dir.join("scaling.svg"))?;
        Ok(())
    }

    /// p50 latency of `/api/search` and of the bare tantivy floor against corpus size (log-log).
    fn scaling_chart(&self, path: &Path) -> Result<()> {
        if self.scale.is_empty() {
            return Ok(());
        }
        let root = SVGBackend::new(path, (720, 400)).into_drawing_area();
        root.fill(&WHITE)?;
        let xs = |r: &ScaleRow| r.chunks.max(1) as f64;
        let min_x = self.scale.iter().map(xs).fold(f64::INFINITY, f64::min) / 2.0;
        let max_x = self.scale.iter().map(xs).fold(1.0, f64::max) * 2.0;
        let max_y = self
            .scale
            .iter()
            .map(|r| r.search_p99_ms.max(r.search_p50_ms))
            .fold(1.0, f64::max)
            * 2.0;
        let min_y = self
            .scale
            .iter()
            .map(|r| r.floor_p50_ms)
            .fold(f64::INFINITY, f64::min)
            .max(0.001)
            / 2.0;
        let mut chart = ChartBuilder::on(&root)
            .caption("Latency vs corpus size (ms, log-log)", ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((min_x..max_x).log_scale(), (min_y..max_y).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("chunks")
            .y_desc("ms")
            .draw()?;
        let series: [Series; 3] = [
            (
                "/api/search p50 (32 clients)",
                |r| r.search_p50_ms,
                RGBColor(31, 111, 235),
            ),
            (
                "/api/search p99 (32 clients)",
                |r| r.search_p99_ms,
                RGBColor(220, 90, 40),
            ),
            (
                "bare tantivy top-10 p50",
                |r| r.floor_p50_ms,
                RGBColor(60, 160, 60),
            ),
        ];
        for (label, value, color) in series {
            chart
                .draw_series(LineSeries::new(
                    self.scale.iter().map(|r| (xs(r), value(r).max(min_y))),
                    color.stroke_width(2),
                ))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    }
}

/// A bar chart of labelled values.
fn bars(path: &Path, title: &str, values: &[(String, f64)]) -> Result<()> {
    let root = SVGBackend::new(path, (960, 400)).into_drawing_area();
    root.fill(&WHITE)?;
    let top = values.iter().map(|v| v.1).fold(1.0, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size(60)
        .build_cartesian_2d((0..values.len()).into_segmented(), 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_label_style(("sans-serif", 10))
        .x_label_formatter(&|x| match x {
            SegmentValue::CenterOf(i) => values.get(*i).map_or(String::new(), |v| v.0.clone()),
            _ => String::new(),
        })
        .draw()?;
    chart.draw_series(values.iter().enumerate().map(|(i, (_, v))| {
        let mut bar = Rectangle::new(
            [
                (SegmentValue::Exact(i), 0.0),
                (SegmentValue::Exact(i + 1), *v),
            ],
            RGBColor(31, 111, 235).filled(),
        );
        bar.set_margin(0, 0, 8, 8);
        bar
    }))?;
    root.present()?;
    Ok(())
}
