//! Sentence vectors, made at index time so that an answer embeds only its question.
//!
//! When a passage is embedded, each of its sentences (a table row: the whole row) gets a vector of
//! its own from the same forward pass ([`crate::embed::Embedder::embed_passage_spans`]). They are
//! kept here, in a SQLite file beside the generation's vector store, one row per passage, 8-bit
//! quantised (384 dimensions: 396 bytes a sentence). A row names the model and a hash of the passage
//! text it was made from: a lookup for other text or another model finds nothing, and the answer
//! then embeds those sentences itself, as it did before.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::{sentence_spans, DocId, IndexError};

/// Separates table cells in page text: the crawler's `extract::CELL_SEPARATOR`. A table row is
/// one unit, read whole.
pub const TABLE_CELL: &str = " | ";

/// One sentence's vector: its byte span in the passage text and the unit vector.
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceVector {
    pub start: usize,
    pub end: usize,
    pub vector: Vec<f32>,
}

/// A passage's text and its sentences' vectors.
pub type PassageSentences<'a> = (&'a str, Vec<SentenceVector>);

/// Returns true if `line` is a table row: it holds [`TABLE_CELL`] outside brackets. Command
/// syntax writes alternatives with the same bar inside brackets (`git stash drop [-q | --quiet]`,
/// `{ ANALYZE | VERBOSE }`): such a line is not a row. A line whose brackets do not balance is read
/// by the bar alone.
pub fn is_table_row(line: &str) -> bool {
    if !line.contains(TABLE_CELL) {
        return false;
    }
    let mut depth = 0i32;
    let mut outside = false;
    for (i, c) in line.char_indices() {
        match c {
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth -= 1,
            ' ' if depth == 0 && line[i..].starts_with(TABLE_CELL) => outside = true,
            _ => {}
        }
    }
    outside || depth != 0
}

/// The units of `text` that get vectors, as byte spans: its sentences, and each table row whole.
/// The answer reads passages in the same units.
pub fn sentence_units(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split('\n') {
        let trimmed = line.trim_end();
        if is_table_row(line) {
            if !trimmed.trim_start().is_empty() {
                out.push((offset, offset + trimmed.len()));
            }
        } else {
            out.extend(
                sentence_spans(line)
                    .into_iter()
                    .map(|(s, e)| (offset + s, offset + e)),
            );
        }
        offset += line.len() + 1;
    }
    out
}

/// The sentence vectors of one index generation.
pub struct SentenceVectors {
    path: PathBuf,
    writable: bool,
    /// The writer's one connection; a reader's idle ones. A lookup takes one (a reader opens
    /// another when none is idle) and gives it back, so concurrent answers read side by side
    /// instead of queueing on one connection.
    conns: Mutex<Vec<Connection>>,
}

fn sql_err(e: rusqlite::Error) -> IndexError {
    IndexError::Vector(format!("sentence vectors: {e}"))
}

/// FNV-1a of the passage text: which text a row's spans belong to.
fn text_hash(text: &str) -> i64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }) as i64
}

impl SentenceVectors {
    /// Opens (creating it) the file at `path` for writing.
    pub fn writer(path: &Path) -> Result<Self, IndexError> {
        let conn = Connection::open(path).map_err(sql_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(sql_err)?;
        // A new file gets SQLite's largest pages: a passage's vectors (about 5 KB on the Python
        // docs) then lie on one page, which a reader's map hands over in place, where 4 KB pages
        // put most of them in overflow chains that SQLite copies out on every read. No effect on
        // a file that exists.
        conn.pragma_update(None, "page_size", PAGE_BYTES)
            .map_err(sql_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql_err)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS sentences (
                doc_id INTEGER NOT NULL,
                ordinal INTEGER NOT NULL,
                text_hash INTEGER NOT NULL,
                model TEXT NOT NULL,
                vectors BLOB NOT NULL,
                PRIMARY KEY (doc_id, ordinal)
            ) WITHOUT ROWID;",
        )
        .map_err(sql_err)?;
        Ok(Self {
            path: path.to_path_buf(),
            writable: true,
            conns: Mutex::new(vec![conn]),
        })
    }

    /// The file at `path` for lookups; opened on the first lookup that finds it, so an index
    /// embedded before sentence vectors existed (or not yet) simply has none.
    pub fn reader(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            writable: false,
            conns: Mutex::new(Vec::new()),
        }
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, IndexError> {
        if self.writable {
            // One connection writes; it is used under the lock.
            let conns = self.conns.lock().expect("sentence vectors lock");
            return match conns.first() {
                Some(c) => f(c).map(Some).map_err(sql_err),
                None => Ok(None),
            };
        }
        let idle = self.conns.lock().expect("sentence vectors lock").pop();
        let conn = match idle {
            Some(c) => c,
            None if self.path.exists() => Connection::open_with_flags(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .and_then(|c| {
                c.busy_timeout(std::time::Duration::from_secs(5))?;
                // Mapped, pages are read in place: an answer reads up to a few megabytes of
                // vectors, which `pread` would copy.
                c.pragma_update(None, "mmap_size", MMAP_BYTES)?;
                Ok(c)
            })
            .map_err(sql_err)?,
            None => return Ok(None),
        };
        let out = f(&conn).map(Some).map_err(sql_err);
        self.conns.lock().expect("sentence vectors lock").push(conn);
        out
    }

    /// Stores the sentence vectors of passages, replacing what their pages had: `pages` are
    /// (page, its passages as (text, sentence vectors)), all from `model`. One transaction.
    pub fn put_pages(
        &self,
        model: &str,
        pages: &[(DocId, Vec<PassageSentences<'_>>)],
    ) -> Result<(), IndexError> {
        self.with_conn(|c| {
            let tx = c.unchecked_transaction()?;
            for (doc_id, passages) in pages {
                tx.execute("DELETE FROM sentences WHERE doc_id = ?1", [*doc_id as i64])?;
                let mut insert = tx.prepare_cached(
                    "INSERT INTO sentences (doc_id, ordinal, text_hash, model, vectors)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for (ordinal, (text, sentences)) in passages.iter().enumerate() {
                    insert.execute(params![
                        *doc_id as i64,
                        ordinal as i64,
                        text_hash(text),
                        model,
                        encode(sentences)
                    ])?;
                }
            }
            tx.commit()
        })?;
        Ok(())
    }

    /// The passages whose sentences have vectors.
    pub fn passages(&self) -> Result<u64, IndexError> {
        let n = self.with_conn(|c| {
            c.query_row("SELECT COUNT(*) FROM sentences", [], |r| r.get::<_, i64>(0))
        })?;
        Ok(n.unwrap_or(0) as u64)
    }

    /// The pages that have sentence vectors.
    pub fn pages(&self) -> Result<std::collections::HashSet<DocId>, IndexError> {
        let pages = self.with_conn(|c| {
            c.prepare("SELECT DISTINCT doc_id FROM sentences")?
                .query_map([], |r| r.get::<_, i64>(0))?
                .map(|id| id.map(|id| id as DocId))
                .collect::<rusqlite::Result<_>>()
        })?;
        Ok(pages.unwrap_or_default())
    }

    /// Forgets the sentence vectors of page `doc_id`.
    pub fn delete_page(&self, doc_id: DocId) -> Result<(), IndexError> {
        self.with_conn(|c| c.execute("DELETE FROM sentences WHERE doc_id = ?1", [doc_id as i64]))?;
        Ok(())
    }

    /// Forgets every sentence vector (the model changed).
    pub fn clear(&self) -> Result<(), IndexError> {
        self.with_conn(|c| c.execute("DELETE FROM sentences", []))?;
        Ok(())
    }

    /// For each passage of page `doc_id` with vectors by `model`, its ordinal and the cosine of its
    /// sentence nearest `query` (a unit vector). Computed on the stored bytes, not checked against
    /// any text: a caller that quotes a sentence reads its passage and checks it with
    /// [`SentenceVectors::get`].
    pub fn nearest_in_page(
        &self,
        doc_id: DocId,
        model: &str,
        query: &[f32],
    ) -> Result<Vec<(u32, f32)>, IndexError> {
        let query = Quantised::of(query);
        let rows = self.with_conn(|c| {
            c.prepare_cached(
                "SELECT ordinal, vectors FROM sentences WHERE doc_id = ?1 AND model = ?2",
            )?
            .query_map(params![doc_id as i64, model], |r| {
                // The blob is read in place, not copied: a long page holds a megabyte of them.
                let cosine = r.get_ref(1)?.as_blob().ok().and_then(|b| query.nearest(b));
                Ok((r.get::<_, i64>(0)?, cosine))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(ordinal, cosine)| Some((u32::try_from(ordinal).ok()?, cosine?)))
            .collect())
    }

    /// Each sentence of passage `ordinal` of page `doc_id` as its span and its cosine with `query`
    /// (a unit vector), if the passage's vectors were made by `model` from exactly `text`. Computed
    /// on the stored bytes in place: nothing is decoded into vectors.
    pub fn cosines(
        &self,
        doc_id: DocId,
        ordinal: u32,
        text: &str,
        model: &str,
        query: &[f32],
    ) -> Result<Option<Vec<SentenceCosine>>, IndexError> {
        let found = self.with_conn(|c| {
            c.prepare_cached(
                "SELECT vectors FROM sentences
                 WHERE doc_id = ?1 AND ordinal = ?2 AND text_hash = ?3 AND model = ?4",
            )?
            .query_row(
                params![doc_id as i64, ordinal, text_hash(text), model],
                |r| Ok(r.get_ref(0)?.as_blob().ok().and_then(|b| cosines(b, query))),
            )
            .optional()
        })?;
        Ok(found.flatten().flatten())
    }
}

/// A sentence's byte span in its passage and its cosine with a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SentenceCosine {
    pub start: usize,
    pub end: usize,
    pub cosine: f32,
}

/// The cosine of `query` with each sentence [`encode`] wrote (its 8-bit values; the scale cancels
/// out); `None` if the blob is malformed or of another dimension.
fn cosines(blob: &[u8], query: &[f32]) -> Option<Vec<SentenceCosine>> {
    let (dim, records) = records(blob)?;
    if dim != query.len() {
        return None;
    }
    let word = |record: &[u8], i: usize| -> [u8; 4] {
        record[i..i + 4]
            .try_into()
            .expect("records hold 12 bytes before the values")
    };
    let out = records
        .map(|record| {
            let (dot, norm) = dot_and_norm_f32(&record[12..], query);
            SentenceCosine {
                start: u32::from_le_bytes(word(record, 0)) as usize,
                end: u32::from_le_bytes(word(record, 4)) as usize,
                cosine: dot / (norm as f32).sqrt().max(1e-12),
            }
        })
        .collect();
    Some(out)
}

/// The dot product of stored 8-bit values with a query's floats, in eight lanes the compiler keeps
/// in vector registers, and the values' squared norm (exact).
fn dot_and_norm_f32(values: &[u8], query: &[f32]) -> (f32, i32) {
    const LANES: usize = 8;
    let (mut dot, mut norm) = ([0f32; LANES], 0i32);
    let (values_chunks, query_chunks) = (values.chunks_exact(LANES), query.chunks_exact(LANES));
    let (values_rest, query_rest) = (values_chunks.remainder(), query_chunks.remainder());
    for (v, q) in values_chunks.zip(query_chunks) {
        for i in 0..LANES {
            let x = i32::from(v[i] as i8);
            dot[i] += x as f32 * q[i];
            norm += x * x;
        }
    }
    let mut dot: f32 = dot.iter().sum();
    for (&v, &q) in values_rest.iter().zip(query_rest) {
        let x = i32::from(v as i8);
        dot += x as f32 * q;
        norm += x * x;
    }
    (dot, norm)
}

/// The dimension (u32 little-endian), then per sentence: start and end (u32), the scale (f32), and
/// one signed byte per dimension (value = byte × scale; readers divide by the bytes' norm, so the
/// scale cancels out of every cosine).
fn encode(sentences: &[SentenceVector]) -> Vec<u8> {
    let dim = sentences.first().map_or(0, |s| s.vector.len());
    let mut out = (dim as u32).to_le_bytes().to_vec();
    for s in sentences {
        out.extend((s.start as u32).to_le_bytes());
        out.extend((s.end as u32).to_le_bytes());
        let (scale, values) = quantise(&s.vector);
        out.extend(scale.to_le_bytes());
        out.extend(values.map(|v| v as u8));
    }
    out
}

/// How much of the file a reader maps.
const MMAP_BYTES: i64 = 1 << 30;
/// The page size of a new file (SQLite's largest).
const PAGE_BYTES: i64 = 1 << 16;

/// `vector` in 8 bits: each value over the largest magnitude's 127th (the scale, returned too).
fn quantise(vector: &[f32]) -> (f32, impl Iterator<Item = i8> + '_) {
    let scale = vector.iter().fold(0.0f32, |m, x| m.max(x.abs())) / 127.0;
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let values = vector
        .iter()
        .map(move |x| (x / scale).round().clamp(-127.0, 127.0) as i8);
    (scale, values)
}

/// A query vector quantised to 8 bits as the stored sentences are, so that comparing it with
/// them is integer arithmetic on the stored bytes.
struct Quantised {
    values: Vec<i8>,
    norm: f32,
}

impl Quantised {
    fn of(vector: &[f32]) -> Self {
        let values: Vec<i8> = quantise(vector).1.collect();
        let norm = (values
            .iter()
            .map(|&v| i32::from(v) * i32::from(v))
            .sum::<i32>() as f32)
            .sqrt()
            .max(1e-12);
        Self { values, norm }
    }

    /// The largest cosine between the query and the sentences of an encoded passage (the
    /// scales cancel out); `None` for a malformed or empty blob or one of another dimension.
    fn nearest(&self, blob: &[u8]) -> Option<f32> {
        let (dim, records) = records(blob)?;
        if dim != self.values.len() || dim == 0 || records.len() == 0 {
            return None;
        }
        let mut best = f32::MIN;
        for record in records {
            let (dot, norm) = dot_and_norm(&record[12..], &self.values);
            best = best.max(dot as f32 / ((norm as f32).sqrt().max(1e-12) * self.norm));
        }
        Some(best)
    }
}

/// The dot product of stored 8-bit values with a query's, and the values' squared norm: exact
/// integers. Every answer with a model scans the sentences of its first pages with it, so on a CPU
/// with AVX2 it runs in 256-bit lanes (the build targets baseline x86-64, whose 128-bit lanes
/// take twice as long).
fn dot_and_norm(values: &[u8], query: &[i8]) -> (i32, i32) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { dot_and_norm_avx2(values, query) };
    }
    dot_and_norm_portable(values, query)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dot_and_norm_avx2(values: &[u8], query: &[i8]) -> (i32, i32) {
    dot_and_norm_portable(values, query)
}

#[inline(always)]
fn dot_and_norm_portable(values: &[u8], query: &[i8]) -> (i32, i32) {
    // Products of two values within ±127 fit in 16 bits: written so, the compiler sums them
    // pairwise in 32.
    let (mut dot, mut norm) = (0i32, 0i32);
    for (&b, &q) in values.iter().zip(query) {
        let x = i16::from(b as i8);
        dot += i32::from(x * i16::from(q));
        norm += i32::from(x * x);
    }
    (dot, norm)
}

/// The dimension and the per-sentence records of what [`encode`] wrote (each: start, end, scale,
/// then `dim` bytes); `None` if the blob is malformed.
fn records(blob: &[u8]) -> Option<(usize, std::slice::ChunksExact<'_, u8>)> {
    let dim = u32::from_le_bytes(blob.get(0..4)?.try_into().ok()?) as usize;
    let records = blob[4..].chunks_exact(12 + dim);
    records.remainder().is_empty().then_some((dim, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(values: &[f32]) -> Vec<f32> {
        let n = values.iter().map(|x| x * x).sum::<f32>().sqrt();
        values.iter().map(|x| x / n).collect()
    }

    #[test]
    fn units_are_sentences_and_whole_table_rows() {
        let text = "Intro line. Second sentence.\nName | Value\nwork_mem | 4MB\n";
        let units: Vec<&str> = sentence_units(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        assert_eq!(
            units,
            vec![
                "Intro line.",
                "Second sentence.",
                "Name | Value",
                "work_mem | 4MB"
            ]
        );
    }

    #[test]
    fn bars_inside_brackets_are_command_syntax_not_cells() {
        assert!(is_table_row("work_mem | 4MB"));
        assert!(is_table_row("[0-9] | a digit"));
        assert!(is_table_row("a (left | unbalanced"));
        assert!(!is_table_row("git stash drop [-q | --quiet] [<stash>]"));
        assert!(!is_table_row("VACUUM [ ( { FULL | FREEZE } ) ] [ table ]"));
        assert!(!is_table_row("no bar here"));
    }

    #[test]
    fn vectors_round_trip_for_the_same_text_and_model_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sentences.sqlite");
        let writer = SentenceVectors::writer(&path).expect("open");
        let v: Vec<f32> = unit(
            &(0..384)
                .map(|i| (i as f32 - 190.0) / 7.0)
                .collect::<Vec<_>>(),
        );
        let w: Vec<f32> = unit(
            &(0..384)
                .map(|i| ((i * 7) % 13) as f32 - 6.0)
                .collect::<Vec<_>>(),
        );
        let sentences = vec![
            SentenceVector {
                start: 0,
                end: 11,
                vector: v.clone(),
            },
            SentenceVector {
                start: 12,
                end: 28,
                vector: w.clone(),
            },
        ];
        let text = "Intro line. Second sentence.";
        writer
            .put_pages("m1", &[(7, vec![(text, sentences)])])
            .expect("put");
        let page_size: i64 = Connection::open(&path)
            .and_then(|c| c.query_row("PRAGMA page_size", [], |r| r.get(0)))
            .expect("page size");
        assert_eq!(page_size, PAGE_BYTES, "a passage's vectors fit on a page");
        let reader = SentenceVectors::reader(&path);
        let cosines = |text, model, query: &[f32]| reader.cosines(7, 0, text, model, query);
        for (query, nearest) in [(&v, 0), (&w, 1)] {
            let got = cosines(text, "m1", query).expect("read").expect("stored");
            assert_eq!(got.len(), 2);
            assert_eq!((got[1].start, got[1].end), (12, 28));
            assert!(
                got[nearest].cosine > 0.999,
                "8-bit vectors keep their direction: {got:?}"
            );
            let other: f32 = v.iter().zip(&w).map(|(a, b)| a * b).sum();
            assert!(
                (got[1 - nearest].cosine - other).abs() < 0.01,
                "{got:?} against {other}"
            );
        }
        assert_eq!(cosines("Other text.", "m1", &v).expect("read"), None);
        assert_eq!(cosines(text, "m2", &v).expect("read"), None);
        assert_eq!(cosines(text, "m1", &[1.0, 0.0]).expect("read"), None);
        writer.delete_page(7).expect("delete");
        assert_eq!(cosines(text, "m1", &v).expect("read"), None);
    }

    #[test]
    fn avx2_and_portable_products_agree() {
        let values: Vec<u8> = (0..384).map(|i| ((i * 37) % 255) as u8).collect();
        let query: Vec<i8> = (0..384).map(|i| ((i * 91) % 255) as u8 as i8).collect();
        let expected = values
            .iter()
            .zip(&query)
            .fold((0i32, 0i32), |(d, n), (&b, &q)| {
                let x = i32::from(b as i8);
                (d + x * i32::from(q), n + x * x)
            });
        assert_eq!(dot_and_norm_portable(&values, &query), expected);
        assert_eq!(dot_and_norm(&values, &query), expected);
    }

    /// A unit vector along axis `i` with a little of axis `j`.
    fn near_axis(i: usize, j: usize) -> Vec<f32> {
        let mut v = vec![0.0; 384];
        v[i] = 1.0;
        v[j] += 0.25;
        unit(&v)
    }

    #[test]
    fn each_passage_of_a_page_gives_its_sentence_nearest_the_query() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writer = SentenceVectors::writer(&dir.path().join("s.sqlite")).expect("open");
        let sentence = |start, vector| SentenceVector {
            start,
            end: start + 1,
            vector,
        };
        let passages = vec![
            (
                "a b",
                vec![sentence(0, near_axis(1, 2)), sentence(2, near_axis(3, 4))],
            ),
            (
                "c d",
                vec![sentence(0, near_axis(5, 6)), sentence(2, near_axis(0, 7))],
            ),
        ];
        writer
            .put_pages("m1", &[(9, passages.clone())])
            .expect("put");
        writer.put_pages("m1", &[(10, passages)]).expect("put");
        let query = near_axis(0, 9);
        let mut got = writer.nearest_in_page(9, "m1", &query).expect("read");
        got.sort_by_key(|(ordinal, _)| *ordinal);
        assert_eq!(got.len(), 2, "one cosine per passage: {got:?}");
        assert!(got[0].1.abs() < 0.01, "passage 0 is far: {got:?}");
        // Passage 1's second sentence lies along the query's axis: cos = 1 / (1 + 0.25²).
        let expected = 1.0 / (1.0f32 + 0.0625);
        assert!((got[1].1 - expected).abs() < 0.01, "{got:?}");
        assert!(writer
            .nearest_in_page(9, "m2", &query)
            .expect("read")
            .is_empty());
        assert!(writer
            .nearest_in_page(11, "m1", &query)
            .expect("read")
            .is_empty());
        assert!(
            writer
                .nearest_in_page(9, "m1", &[1.0, 0.0])
                .expect("read")
                .is_empty(),
            "a query of another dimension is near nothing"
        );
    }

    #[test]
    fn a_missing_file_has_no_vectors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let reader = SentenceVectors::reader(&dir.path().join("none.sqlite"));
        assert_eq!(
            reader.cosines(1, 0, "text", "m", &[1.0]).expect("read"),
            None
        );
    }
}
