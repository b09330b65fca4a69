//! The durable frontier: every URL the crawl has seen, with its state, in SQLite.
//!
//! A URL is `queued` until its fetch has been handed to the sink, and only then marked `done` in the
//! same transaction that enqueues its outlinks. A crawl killed at any moment therefore loses nothing
//! (unfinished URLs are still queued) and duplicates nothing (URLs are unique, and the page store
//! upserts by URL, so a URL fetched again after a kill replaces its own row).

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use url::Url;

use crate::{open_sqlite, StoreError};

const QUEUED: i64 = 0;
const DONE: i64 = 2;
const FAILED: i64 = 3;

/// A URL waiting to be fetched.
#[derive(Debug, Clone)]
pub struct Entry {
    pub url: Url,
    pub depth: u32,
    pub attempts: u32,
}

/// Frontier counts, for progress and `cited stats`.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct FrontierCounts {
    pub queued: u64,
    pub done: u64,
    pub failed: u64,
    /// URLs whose fetch returned a page (what `--max-pages` counts).
    pub fetched: u64,
}

/// How a finished URL ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// A page body was fetched (stored, unchanged, duplicate or noindex).
    Fetched,
    /// No page fetched, and not worth retrying (robots disallow, unsupported type, out of scope, a
    /// script read only for the pages it names).
    Skipped,
    Failed,
}

/// The SQLite-backed frontier.
pub struct Frontier {
    conn: Mutex<Connection>,
}

impl Frontier {
    /// Opens (or creates) the frontier tables in the SQLite database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = open_sqlite(path)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS frontier (
                url TEXT PRIMARY KEY,
                depth INTEGER NOT NULL,
                state INTEGER NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                fetched INTEGER NOT NULL DEFAULT 0,
                outcome TEXT
            );
            CREATE INDEX IF NOT EXISTS frontier_state ON frontier(state);",
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().expect("frontier lock is never poisoned")
    }

    /// Adds URLs not seen before as queued; returns the ones that were new.
    pub fn add(&self, urls: &[(Url, u32)]) -> Result<Vec<(Url, u32)>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let added = insert_new(&tx, urls)?;
        tx.commit()?;
        Ok(added)
    }

    /// Returns every queued URL in the order it was discovered.
    pub fn queued(&self) -> Result<Vec<Entry>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT url, depth, attempts FROM frontier WHERE state = ?1 ORDER BY rowid")?;
        let rows = stmt.query_map([QUEUED], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, u32>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (url, depth, attempts) = row?;
            if let Ok(url) = Url::parse(&url) {
                out.push(Entry {
                    url,
                    depth,
                    attempts,
                });
            }
        }
        Ok(out)
    }

    /// Marks `url` finished and enqueues its new outlinks, atomically; returns the new outlinks.
    /// `also_done` are URLs that need no fetch of their own (redirect targets already fetched).
    pub fn finish(
        &self,
        url: &Url,
        how: Finish,
        outcome: &str,
        links: &[(Url, u32)],
        also_done: &[Url],
    ) -> Result<Vec<(Url, u32)>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let added = insert_new(&tx, links)?;
        let state = if how == Finish::Failed { FAILED } else { DONE };
        let fetched = i64::from(how == Finish::Fetched);
        tx.execute(
            "INSERT INTO frontier (url, depth, state, fetched, outcome) VALUES (?1, 0, ?2, ?3, ?4)
             ON CONFLICT(url) DO UPDATE SET state = ?2, fetched = ?3, outcome = ?4",
            params![url.as_str(), state, fetched, outcome],
        )?;
        for other in also_done {
            if other != url {
                tx.execute(
                    "INSERT INTO frontier (url, depth, state, outcome) VALUES (?1, 0, ?2, 'redirect target')
                     ON CONFLICT(url) DO UPDATE SET state = ?2, outcome = 'redirect target'",
                    params![other.as_str(), DONE],
                )?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    /// Marks queued URLs done without fetching them, each with its reason (crawler traps).
    pub fn skip(&self, urls: &[(Url, String)]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for (url, why) in urls {
            tx.execute(
                "UPDATE frontier SET state = ?1, outcome = ?2 WHERE url = ?3",
                params![DONE, why, url.as_str()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Forgets those of `urls` that are still queued (a crawl's leftovers that must not outlive it);
    /// returns how many.
    pub fn forget_queued(&self, urls: &[Url]) -> Result<u64, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut n = 0;
        for url in urls {
            n += tx.execute(
                "DELETE FROM frontier WHERE url = ?1 AND state = ?2",
                params![url.as_str(), QUEUED],
            )?;
        }
        tx.commit()?;
        Ok(n as u64)
    }

    /// Queues every URL seen so far for a revisit (a refresh crawl); returns how many. The fetch
    /// counts start again, so `max_pages` applies to the revisit.
    pub fn requeue_all(&self) -> Result<u64, StoreError> {
        let n = self.conn().execute(
            "UPDATE frontier SET state = ?1, fetched = 0, attempts = 0 WHERE state != ?1",
            [QUEUED],
        )?;
        Ok(n as u64)
    }

    /// Queues the given URLs for a revisit; returns how many were known.
    pub fn requeue(&self, urls: &[String]) -> Result<u64, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut n = 0;
        for url in urls {
            n += tx.execute(
                "UPDATE frontier SET state = ?1, fetched = 0, attempts = 0 WHERE url = ?2",
                params![QUEUED, url],
            )?;
        }
        tx.commit()?;
        Ok(n as u64)
    }

    /// Records one more failed attempt at `url`, which stays queued.
    pub fn bump_attempts(&self, url: &Url) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE frontier SET attempts = attempts + 1 WHERE url = ?1",
            [url.as_str()],
        )?;
        Ok(())
    }

    pub fn counts(&self) -> Result<FrontierCounts, StoreError> {
        let conn = self.conn();
        let count = |sql: &str| -> Result<u64, rusqlite::Error> {
            conn.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
        };
        Ok(FrontierCounts {
            queued: count("SELECT COUNT(*) FROM frontier WHERE state = 0")?,
            done: count("SELECT COUNT(*) FROM frontier WHERE state = 2")?,
            failed: count("SELECT COUNT(*) FROM frontier WHERE state = 3")?,
            fetched: count("SELECT COUNT(*) FROM frontier WHERE fetched = 1")?,
        })
    }

    /// Returns the recorded outcome of `url`, if it is known.
    pub fn outcome(&self, url: &Url) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT outcome FROM frontier WHERE url = ?1",
                [url.as_str()],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
    }
}

fn insert_new(
    tx: &rusqlite::Transaction<'_>,
    urls: &[(Url, u32)],
) -> Result<Vec<(Url, u32)>, StoreError> {
    let mut stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO frontier (url, depth, state) VALUES (?1, ?2, 0)")?;
    let mut added = Vec::new();
    for (url, depth) in urls {
        if stmt.execute(params![url.as_str(), depth])? == 1 {
            added.push((url.clone(), *depth));
        }
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_is_atomic_and_urls_unique() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = Frontier::open(&dir.path().join("f.sqlite")).expect("open");
        let a = Url::parse("http://h/a").expect("url");
        let b = Url::parse("http://h/b").expect("url");
        assert_eq!(
            f.add(&[(a.clone(), 0), (a.clone(), 0)]).expect("add").len(),
            1
        );
        let added = f
            .finish(
                &a,
                Finish::Fetched,
                "stored",
                &[(a.clone(), 1), (b.clone(), 1)],
                &[],
            )
            .expect("finish");
        assert_eq!(added, vec![(b.clone(), 1)]);
        let counts = f.counts().expect("counts");
        assert_eq!((counts.queued, counts.done, counts.fetched), (1, 1, 1));
        drop(f);
        let f = Frontier::open(&dir.path().join("f.sqlite")).expect("reopen");
        let q = f.queued().expect("queued");
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].url, b);
    }
}
