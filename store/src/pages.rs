//! The page store: every fetched page, durable, in SQLite (WAL mode).
//!
//! One row per final URL. Upserting a page whose URL is known replaces the row if its content changed
//! and keeps its [`DocId`]; a page whose content hash is already stored under another URL is not
//! stored again. SQLite lets `cited serve` read while `cited crawl` writes from another process.

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::{open_sqlite, StoreError};

/// A new page is revisited after a day; the interval doubles while it does not change (at most 30
/// days) and halves when it does (at least an hour).
pub const REVISIT_DEFAULT_SECS: i64 = 24 * 3600;
pub const REVISIT_MIN_SECS: i64 = 3600;
pub const REVISIT_MAX_SECS: i64 = 30 * 24 * 3600;

/// The stable id of a stored page.
pub type DocId = u64;

/// One section of a page: a heading and the text under it, up to the next heading (the crawler's
/// extraction makes them; chunking cuts along them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// Headings from the outermost to this section's own (empty before the first heading).
    pub heading_path: Vec<String>,
    /// Heading level 1–6 (7 and deeper for `<dt id>` entries), 0 for text before the first heading.
    pub level: u8,
    /// Byte offset of the section's start in the clean text.
    pub start: usize,
    /// Byte offset one past the section's end.
    pub end: usize,
}

/// A page as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRecord {
    pub url: String,
    pub requested_url: String,
    pub status: u16,
    pub fetched_at: DateTime<Utc>,
    pub content_hash: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub title: String,
    pub text: String,
    pub sections: Vec<Section>,
    pub outlinks: Vec<String>,
    pub canonical: Option<String>,
    pub truncated: bool,
}

/// A stored page with its id.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPage {
    pub id: DocId,
    pub page: PageRecord,
}

/// The HTTP validators stored with a page, for a conditional revisit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpValidators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// When a page was last fetched (or checked unchanged) and when its content last changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageTimes {
    pub fetched_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Inserted(DocId),
    Updated(DocId),
    /// Same URL, same content: only the fetch time and validators were refreshed.
    Unchanged(DocId),
    /// Same content as the page `of`, under another URL: not stored. Never for a page without
    /// text.
    Duplicate {
        of: DocId,
    },
}

/// Store-wide counts for `cited stats`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StoreStats {
    pub pages: u64,
    pub text_bytes: u64,
    pub last_fetch: Option<String>,
    pub last_index: Option<String>,
}

pub struct PageStore {
    conn: Mutex<Connection>,
}

const COLUMNS: &str =
    "id, url, requested_url, status, fetched_at, content_hash, etag, last_modified, title, text, \
                       sections, outlinks, canonical, truncated";

/// A page's times, from the index that holds them (see [`PageStore::open`]).
const TIMES_QUERY: &str =
    "SELECT fetched_at, changed_at FROM pages INDEXED BY pages_times WHERE url = ?1";

impl PageStore {
    /// Opens (or creates) the page store in the SQLite database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = open_sqlite(path)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS pages (
                id INTEGER PRIMARY KEY,
                url TEXT NOT NULL UNIQUE,
                requested_url TEXT NOT NULL,
                status INTEGER NOT NULL,
                fetched_at TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                etag TEXT,
                last_modified TEXT,
                title TEXT NOT NULL,
                text TEXT NOT NULL,
                sections TEXT NOT NULL,
                outlinks TEXT NOT NULL,
                canonical TEXT,
                truncated INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS pages_hash ON pages(content_hash);
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
        )?;
        // Added after the first release: when the content last changed (NULL: at `fetched_at`),
        // and the page's revisit interval in seconds (NULL: the default).
        for (column, kind) in [("changed_at", "TEXT"), ("revisit_secs", "INTEGER")] {
            let present: bool = conn
                .prepare("SELECT 1 FROM pragma_table_info('pages') WHERE name = ?1")?
                .exists([column])?;
            if !present {
                conn.execute(&format!("ALTER TABLE pages ADD COLUMN {column} {kind}"), [])?;
            }
        }
        // Every answer reads its sources' times ([`Self::times`]). `changed_at` was added after
        // the page's text, so reading it from the table walks the text's overflow pages: an index
        // that holds the times answers from itself.
        conn.execute(
            "CREATE INDEX IF NOT EXISTS pages_times ON pages(url, fetched_at, changed_at)",
            [],
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().expect("page store lock is never poisoned")
    }

    /// Inserts or updates a page by its final URL; see [`Upsert`].
    pub fn upsert(&self, page: &PageRecord) -> Result<Upsert, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let existing: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, content_hash FROM pages WHERE url = ?1",
                [&page.url],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let sections = serde_json::to_string(&page.sections).expect("sections serialize");
        let outlinks = serde_json::to_string(&page.outlinks).expect("outlinks serialize");
        let fetched_at = page.fetched_at.to_rfc3339();
        let outcome = match existing {
            Some((id, hash)) if hash == page.content_hash => {
                tx.execute(
                    "UPDATE pages SET fetched_at = ?2, etag = ?3, last_modified = ?4, status = ?5,
                     revisit_secs = MIN(COALESCE(revisit_secs, ?6) * 2, ?7) WHERE id = ?1",
                    params![
                        id,
                        fetched_at,
                        page.etag,
                        page.last_modified,
                        page.status,
                        REVISIT_DEFAULT_SECS,
                        REVISIT_MAX_SECS
                    ],
                )?;
                Upsert::Unchanged(id as DocId)
            }
            Some((id, _)) => {
                tx.execute(
                    "UPDATE pages SET requested_url = ?2, status = ?3, fetched_at = ?4, content_hash = ?5, etag = ?6,
                     last_modified = ?7, title = ?8, text = ?9, sections = ?10, outlinks = ?11, canonical = ?12,
                     truncated = ?13, changed_at = ?4,
                     revisit_secs = MAX(COALESCE(revisit_secs, ?14) / 2, ?15) WHERE id = ?1",
                    params![
                        id, page.requested_url, page.status, fetched_at, page.content_hash, page.etag,
                        page.last_modified, page.title, page.text, sections, outlinks, page.canonical, page.truncated,
                        REVISIT_DEFAULT_SECS, REVISIT_MIN_SECS
                    ],
                )?;
                Upsert::Updated(id as DocId)
            }
            None => {
                // A page without text (a listing, a page of links) duplicates nothing: pages that
                // all hash the empty text are different pages, each kept.
                let dup: Option<i64> = if page.text.is_empty() {
                    None
                } else {
                    tx.query_row(
                        "SELECT id FROM pages WHERE content_hash = ?1 LIMIT 1",
                        [&page.content_hash],
                        |r| r.get(0),
                    )
                    .optional()?
                };
                if let Some(of) = dup {
                    return Ok(Upsert::Duplicate { of: of as DocId });
                }
                tx.execute(
                    "INSERT INTO pages (url, requested_url, status, fetched_at, content_hash, etag, last_modified,
                     title, text, sections, outlinks, canonical, truncated, changed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?4)",
                    params![
                        page.url, page.requested_url, page.status, fetched_at, page.content_hash, page.etag,
                        page.last_modified, page.title, page.text, sections, outlinks, page.canonical, page.truncated
                    ],
                )?;
                Upsert::Inserted(tx.last_insert_rowid() as DocId)
            }
        };
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('last_fetch', ?1) ON CONFLICT(key) DO UPDATE SET value = ?1",
            [&fetched_at],
        )?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Returns the page with id `id`, if stored.
    pub fn get(&self, id: DocId) -> Result<Option<StoredPage>, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM pages WHERE id = ?1");
        conn.query_row(&sql, [id as i64], row_to_page)
            .optional()?
            .transpose()
    }

    /// Returns the page stored under `url`, if any.
    pub fn get_by_url(&self, url: &str) -> Result<Option<StoredPage>, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM pages WHERE url = ?1");
        conn.query_row(&sql, [url], row_to_page)
            .optional()?
            .transpose()
    }

    /// Returns `(id, content_hash)` of every stored page, by id.
    pub fn hashes(&self) -> Result<Vec<(DocId, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, content_hash FROM pages ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)? as DocId, r.get::<_, String>(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The ETag and Last-Modified stored with the page at `url`, if a page is stored there.
    pub fn validators(&self, url: &str) -> Result<Option<HttpValidators>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT etag, last_modified FROM pages WHERE url = ?1",
                [url],
                |r| {
                    Ok(HttpValidators {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    /// Records that the page at `url` was checked now and has not changed (304); returns whether it
    /// is stored.
    pub fn touch(&self, url: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let at = at.to_rfc3339();
        let conn = self.conn();
        let n = conn.execute(
            "UPDATE pages SET fetched_at = ?2, revisit_secs = MIN(COALESCE(revisit_secs, ?3) * 2, ?4)
             WHERE url = ?1",
            params![url, at, REVISIT_DEFAULT_SECS, REVISIT_MAX_SECS],
        )?;
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('last_fetch', ?1) ON CONFLICT(key) DO UPDATE SET value = ?1",
            [&at],
        )?;
        Ok(n == 1)
    }

    /// When the page at `url` was last fetched (or checked) and when its content last changed.
    pub fn times(&self, url: &str) -> Result<Option<PageTimes>, StoreError> {
        // Asked for every source of every answer: the statement is prepared once per connection.
        let row: Option<(String, Option<String>)> = self
            .conn()
            .prepare_cached(TIMES_QUERY)?
            .query_row([url], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let parse = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| StoreError::Corrupt(format!("bad time `{s}`: {e}")))
        };
        row.map(|(fetched, changed)| {
            let fetched = parse(&fetched)?;
            let changed = changed
                .as_deref()
                .map(parse)
                .transpose()?
                .unwrap_or(fetched);
            Ok(PageTimes {
                fetched_at: fetched,
                changed_at: changed,
            })
        })
        .transpose()
    }

    /// URLs of the pages due for a revisit at `now`: each page's interval starts at a day, doubles
    /// each time a revisit finds it unchanged (up to 30 days) and halves each time it changed (down
    /// to an hour), so pages that change often are revisited sooner.
    pub fn due(&self, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT url, fetched_at, revisit_secs FROM pages")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (url, fetched, secs) = row?;
            let Ok(fetched) = DateTime::parse_from_rfc3339(&fetched) else {
                out.push(url);
                continue;
            };
            let interval = chrono::Duration::seconds(secs.unwrap_or(REVISIT_DEFAULT_SECS));
            if fetched.with_timezone(&Utc) + interval <= now {
                out.push(url);
            }
        }
        Ok(out)
    }

    /// Removes the page stored under `url`; returns whether one was.
    pub fn remove_url(&self, url: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .execute("DELETE FROM pages WHERE url = ?1", [url])?
            == 1)
    }

    /// Removes a page; returns whether it was stored.
    pub fn remove(&self, id: DocId) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .execute("DELETE FROM pages WHERE id = ?1", [id as i64])?
            == 1)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
            [key, value],
        )?;
        Ok(())
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let (pages, text_bytes) = self.conn().query_row(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(CAST(text AS BLOB))), 0) FROM pages",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )?;
        Ok(StoreStats {
            pages,
            text_bytes,
            last_fetch: self.meta("last_fetch")?,
            last_index: self.meta("last_index")?,
        })
    }
}

fn row_to_page(r: &Row<'_>) -> rusqlite::Result<Result<StoredPage, StoreError>> {
    let fetched_at: String = r.get(4)?;
    let sections: String = r.get(10)?;
    let outlinks: String = r.get(11)?;
    let parsed = (|| {
        let fetched_at = DateTime::parse_from_rfc3339(&fetched_at)
            .map_err(|e| StoreError::Corrupt(format!("fetched_at `{fetched_at}`: {e}")))?
            .with_timezone(&Utc);
        let sections = serde_json::from_str(&sections)
            .map_err(|e| StoreError::Corrupt(format!("sections: {e}")))?;
        let outlinks = serde_json::from_str(&outlinks)
            .map_err(|e| StoreError::Corrupt(format!("outlinks: {e}")))?;
        Ok((fetched_at, sections, outlinks))
    })();
    let (fetched_at, sections, outlinks) = match parsed {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(StoredPage {
        id: r.get::<_, i64>(0)? as DocId,
        page: PageRecord {
            url: r.get(1)?,
            requested_url: r.get(2)?,
            status: r.get(3)?,
            fetched_at,
            content_hash: r.get(5)?,
            etag: r.get(6)?,
            last_modified: r.get(7)?,
            title: r.get(8)?,
            text: r.get(9)?,
            sections,
            outlinks,
            canonical: r.get(12)?,
            truncated: r.get(13)?,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(url: &str, text: &str) -> PageRecord {
        PageRecord {
            url: url.into(),
            requested_url: url.into(),
            status: 200,
            fetched_at: Utc::now(),
            content_hash: format!("hash-of-{text}"),
            etag: None,
            last_modified: None,
            title: "t".into(),
            text: text.into(),
            sections: vec![Section {
                heading_path: vec![],
                level: 0,
                start: 0,
                end: text.len(),
            }],
            outlinks: vec![],
            canonical: None,
            truncated: false,
        }
    }

    #[test]
    fn revisit_intervals_adapt_to_how_often_a_page_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = PageStore::open(&dir.path().join("s.sqlite")).expect("open");
        let t0 = Utc::now();
        let hours = |h: i64| t0 + chrono::Duration::hours(h);
        let mut page = record("https://a/1", "one");
        page.fetched_at = t0;
        store.upsert(&page).expect("insert");
        assert!(store.due(hours(23)).expect("due").is_empty());
        assert_eq!(store.due(hours(25)).expect("due"), ["https://a/1"]);
        // Unchanged at the revisit: the interval doubles (2 days), then (304) 4 days.
        store.upsert(&page).expect("unchanged");
        assert!(store.due(hours(47)).expect("due").is_empty());
        store.touch("https://a/1", t0).expect("touch");
        assert!(store.due(hours(95)).expect("due").is_empty());
        assert_eq!(store.due(hours(97)).expect("due").len(), 1);
        // Changed: halves (2 days).
        let mut changed = record("https://a/1", "two");
        changed.fetched_at = t0;
        store.upsert(&changed).expect("changed");
        assert!(store.due(hours(47)).expect("due").is_empty());
        assert_eq!(store.due(hours(49)).expect("due").len(), 1);
        // Bounded: never under an hour.
        for i in 0..20 {
            let mut p = record("https://a/1", &format!("v{i}"));
            p.fetched_at = t0;
            store.upsert(&p).expect("change");
        }
        assert!(store
            .due(t0 + chrono::Duration::minutes(59))
            .expect("due")
            .is_empty());
        assert_eq!(store.due(hours(1)).expect("due").len(), 1);
    }

    #[test]
    fn source_times_are_read_from_an_index_not_the_page_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = PageStore::open(&dir.path().join("s.sqlite")).expect("open");
        let mut page = record("https://a/1", &"long text ".repeat(2000));
        let t0 = Utc::now() - chrono::Duration::days(2);
        page.fetched_at = t0;
        store.upsert(&page).expect("insert");
        let mut changed = record("https://a/1", "new text");
        changed.fetched_at = t0 + chrono::Duration::days(1);
        store.upsert(&changed).expect("change");
        store
            .touch("https://a/1", t0 + chrono::Duration::days(2))
            .expect("touch");
        let times = store.times("https://a/1").expect("times").expect("known");
        assert_eq!(times.changed_at, changed.fetched_at);
        assert_eq!(times.fetched_at, t0 + chrono::Duration::days(2));
        assert!(store.times("https://a/2").expect("times").is_none());
        let plan: String = store
            .conn()
            .query_row(
                &format!("EXPLAIN QUERY PLAN {TIMES_QUERY}"),
                ["https://a/1"],
                |r| r.get(3),
            )
            .expect("plan");
        assert!(plan.contains("COVERING INDEX pages_times"), "{plan}");
    }

    #[test]
    fn upsert_dedupes_by_url_and_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = PageStore::open(&dir.path().join("s.sqlite")).expect("open");
        let Upsert::Inserted(id) = store.upsert(&record("http://a/1", "one")).expect("upsert")
        else {
            panic!("insert")
        };
        assert_eq!(
            store.upsert(&record("http://a/1", "one")).expect("upsert"),
            Upsert::Unchanged(id)
        );
        assert_eq!(
            store.upsert(&record("http://a/2", "one")).expect("upsert"),
            Upsert::Duplicate { of: id }
        );
        assert_eq!(
            store.upsert(&record("http://a/1", "two")).expect("upsert"),
            Upsert::Updated(id)
        );
        let page = store.get(id).expect("get").expect("stored");
        assert_eq!(page.page.text, "two");
        assert_eq!(store.hashes().expect("hashes").len(), 1);
        assert_eq!(store.stats().expect("stats").pages, 1);
        // Pages without text are no duplicates of each other.
        for url in ["http://a/listing-1", "http://a/listing-2"] {
            assert!(matches!(
                store.upsert(&record(url, "")).expect("upsert"),
                Upsert::Inserted(_)
            ));
        }
        assert_eq!(store.stats().expect("stats").pages, 3);
    }
}
