//! The results: a markdown table with medians and ratios (`results/latest.md`), the raw figures
//! (`results/latest.json`) and SVG charts.

use std::path::Path;

use anyhow::Result;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
pub struct CrawlRow {
    pub tool: String,
    pub concurrency: usize,
    pub runs: usize,
    /// Distinct pages fetched, counted by the site's server.
    pub pages: usize,
    pub pages_per_s: f64,
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

#[derive(Debug, Serialize, Deserialize)]
pub struct QueryRow {
    pub endpoint: String,
    pub clients: usize,
    pub requests: u64,
    pub errors: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct FloorRow {
    pub queries: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub qps_one_thread: f64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub cores: usize,
    pub crawl: Vec<CrawlRow>,
    pub index: Vec<IndexRow>,
    pub floor: Option<FloorRow>,
    pub query: Vec<QueryRow>,
}

impl Report {
    pub fn new(cores: usize) -> Self {
        Self {
            cores,
            crawl: Vec::new(),
            index: Vec::new(),
            floor: None,
            query: Vec::new(),
        }
    }

    pub fn markdown(&self) -> String {
        let mut md = format!(
            "# cited benchmarks\n\n{} cores; medians of alternating runs; pages counted by the test server.\n\n",
            self.cores
        );
        md.push_str("## Crawl (generated site on 127.0.0.2, lognormal latency, median 50 ms; politeness off, robots.txt respected)\n\n");
        md.push_str("| crawler | concurrency | runs | pages fetched | pages/s | × cited | peak RSS MB |\n|---|---|---|---|---|---|---|\n");
        let cited = self
            .crawl
            .iter()
            .find(|r| r.tool == "cited")
            .map_or(1.0, |r| r.pages_per_s);
        for r in &self.crawl {
            md.push_str(&format!(
                "| {} | {} | {} | {} | {:.0} | {:.2} | {:.0} |\n",
                r.tool,
                r.concurrency,
                r.runs,
                r.pages,
                r.pages_per_s,
                r.pages_per_s / cited,
                r.peak_rss_mb
            ));
        }
        md.push_str("\n## Index\n\n| what | pages | chunks | seconds | chunks/s | peak RSS MB |\n|---|---|---|---|---|---|\n");
        for r in &self.index {
            md.push_str(&format!(
                "| {} | {} | {} | {:.2} | {:.0} | {:.0} |\n",
                r.what,
                r.pages,
                r.chunks,
                r.seconds,
                r.chunks as f64 / r.seconds.max(1e-9),
                r.peak_rss_mb
            ));
        }
        md.push_str("\n## Query (load from a separate process, closed loop)\n\n");
        if let Some(f) = &self.floor {
            md.push_str(&format!(
                "Floor — bare tantivy top-10 on the same index, one thread: p50 {:.3} ms, p99 {:.3} ms, {:.0} queries/s.\n\n",
                f.p50_ms, f.p99_ms, f.qps_one_thread
            ));
        }
        md.push_str("| endpoint | clients | requests | errors | req/s | p50 ms | p99 ms | p50 over floor |\n|---|---|---|---|---|---|---|---|\n");
        for r in &self.query {
            let over = self.floor.as_ref().map_or(String::from("–"), |f| {
                format!("{:.1}×", r.p50_ms / f.p50_ms.max(1e-9))
            });
            md.push_str(&format!(
                "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {} |\n",
                r.endpoint, r.clients, r.requests, r.errors, r.rps, r.p50_ms, r.p99_ms, over
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
                .map(|r| (r.tool.clone(), r.pages_per_s))
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
        Ok(())
    }
}

/// A bar chart of labelled values.
fn bars(path: &Path, title: &str, values: &[(String, f64)]) -> Result<()> {
    let root = SVGBackend::new(path, (720, 360)).into_drawing_area();
    root.fill(&WHITE)?;
    let top = values.iter().map(|v| v.1).fold(1.0, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((0..values.len()).into_segmented(), 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
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
        bar.set_margin(0, 0, 12, 12);
        bar
    }))?;
    root.present()?;
    Ok(())
}
