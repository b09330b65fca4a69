//! What the server does besides answering requests: following the index generation that rebuilds
//! publish, and the scheduled recrawl.

use std::time::Duration;

use super::{admin, LiveEngine};
use crate::data_dir::DataDir;
use crate::engine::Engine;

/// Switches to a new index generation when `cited rebuild` publishes one: the new engine is opened
/// beside the old, then swapped in; requests in flight finish on the old one, whose generation is
/// removed once no reader holds it. If the new one cannot be opened, the old one keeps serving.
pub(super) async fn follow_generations(
    live: LiveEngine,
    data: DataDir,
    settings: crate::config::Settings,
) {
    let mut failed_at: Option<u64> = None;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let serving = live
            .read()
            .expect("engine lock is never poisoned")
            .generation();
        let current = crate::index::generation::current(&data);
        if current == serving || failed_at == Some(current) {
            continue;
        }
        let (d, s) = (data.clone(), settings.clone());
        match tokio::task::spawn_blocking(move || Engine::open(&d, &s)).await {
            Ok(Ok(engine)) => {
                let generation = engine.generation();
                let old = std::mem::replace(
                    &mut *live.write().expect("engine lock is never poisoned"),
                    engine,
                );
                drop(old);
                tracing::info!(
                    from = serving,
                    to = generation,
                    "serving a new index generation"
                );
                failed_at = None;
                let (d, s) = (data.clone(), settings.clone());
                // Requests still on the old generation hold it; it goes when they are done (or at
                // the next switch or rebuild).
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    let _ = tokio::task::spawn_blocking(move || {
                        crate::index::generation::collect(&d, &s)
                    })
                    .await;
                });
            }
            Ok(Err(e)) => {
                tracing::error!(generation = current, error = %format!("{e:#}"), "cannot open the new index generation; still serving the old one");
                failed_at = Some(current);
            }
            Err(e) => tracing::error!(error = %e, "opening the new generation failed"),
        }
    }
}

/// `--recrawl-every`: revisits every known page on a schedule (conditional GET, so unchanged pages
/// cost a 304) and indexes what changed; skipped while another crawl runs.
pub(super) async fn recrawl(
    data: DataDir,
    settings: crate::config::Settings,
    config: crawler::CrawlConfig,
    every: Duration,
) {
    loop {
        tokio::time::sleep(every).await;
        let Ok(admitted) = crate::jobs::admit(&data, "crawl", &["crawl"]) else {
            continue;
        };
        tracing::info!("scheduled recrawl");
        admin::crawl_and_index(
            admitted,
            crate::jobs::Job::start(&data, "crawl"),
            data.clone(),
            settings.clone(),
            Vec::new(),
            config.clone(),
            crate::ingest::Refresh::Due,
        )
        .await;
    }
}
