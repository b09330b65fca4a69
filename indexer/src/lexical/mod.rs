//! The tantivy index of passages (BM25).
//!
//! One tantivy document per [`Chunk`](crate::Chunk): title and headings are boosted over the body, all three go
//! through an English analyzer (lowercase, stop words, Snowball stemming). Queries are never parsed
//! as query syntax: the user's words are analysed into terms, so quotes, `-`, `:` and brackets are
//! just text. `site:host` filters by host or any parent domain.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TantivyDocument, TextFieldIndexing, TextOptions, Value, FAST,
    INDEXED, STORED, STRING,
};
use tantivy::{Index, IndexReader, ReloadPolicy, Term};

mod analysis;
mod batch;
mod query;
mod snapshot;

use analysis::analyzer;
pub use analysis::{aliases, analyze, analyze_each, STOP_WORDS};
pub use batch::IndexBatch;
pub use query::{SearchQuery, MAX_SITES};
pub use snapshot::{DocAddress, Ranked, Snapshot};

use crate::IndexError;
use store::DocId;

const TOKENIZER: &str = "cited_en";
/// Field weights, chosen by measurement. The body already holds the page's visible title (its `<h1>`),
/// so the title field is a light extra: on BEIR SciFact (`cited eval beir`) nDCG@10 is 0.702 at 0.25,
/// 0.684 at 0.5, 0.655 at 1.0 and 0.598 at 2.0. Headings name what a section is about; with page
/// furniture out of the text, 1.0 beats 1.5 on both documentation sets (`cited eval answers`: Python
/// docs first result gold 44 → 46 of 60, top 3 46 → 48; PostgreSQL manual first result 23 → 26 of
/// 40) and 0.75 is no better; a heading matching one word of the question ("LISTEN") outweighed
/// passages holding all of it. SciFact abstracts have no headings.
const TITLE_BOOST: f32 = 0.25;
const HEADINGS_BOOST: f32 = 1.0;
/// Heading paths are stored joined with this separator.
pub const HEADING_SEPARATOR: &str = " › ";

/// How many further passages an answer still reads of each of the first pages retrieval ranked:
/// `more[i]` of the `i`th distinct page.
pub struct PageShares(Vec<(u64, usize)>);

impl PageShares {
    /// The shares of the first distinct pages of `ranked` (page ids in ranking order).
    pub fn new(ranked: impl IntoIterator<Item = u64>, more: &[usize]) -> Self {
        let mut pages: Vec<(u64, usize)> = Vec::new();
        for page in ranked {
            if pages.len() == more.len() {
                break;
            }
            if pages.iter().all(|(p, _)| *p != page) {
                pages.push((page, more[pages.len()]));
            }
        }
        Self(pages)
    }

    /// Whether `page` has any of its share left.
    pub fn left(&self, page: u64) -> bool {
        self.0.iter().any(|(p, left)| *p == page && *left > 0)
    }

    /// Takes one passage of `page`'s share (nothing when none is left).
    pub fn take(&mut self, page: u64) {
        if let Some((_, left)) = self.0.iter_mut().find(|(p, left)| *p == page && *left > 0) {
            *left -= 1;
        }
    }

    /// Whether every share is taken.
    pub fn spent(&self) -> bool {
        self.0.iter().all(|(_, left)| *left == 0)
    }
}

#[derive(Clone, Copy)]
struct Fields {
    doc_id: Field,
    hash: Field,
    ordinal: Field,
    url: Field,
    site: Field,
    title: Field,
    headings: Field,
    heading_path: Field,
    body: Field,
    start: Field,
    end: Field,
    fetched_at: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        doc_id: b.add_u64_field("doc_id", INDEXED | FAST | STORED),
        hash: b.add_u64_field("page_hash", FAST),
        ordinal: b.add_u64_field("ordinal", INDEXED | STORED),
        url: b.add_text_field("url", STRING | STORED),
        site: b.add_text_field("site", STRING | STORED),
        title: b.add_text_field("title", text.clone()),
        headings: b.add_text_field("headings", text.clone()),
        heading_path: b.add_text_field("heading_path", STORED),
        body: b.add_text_field("body", text),
        start: b.add_u64_field("start", STORED),
        end: b.add_u64_field("end", STORED),
        fetched_at: b.add_date_field("fetched_at", STORED),
    };
    (b.build(), fields)
}

/// The first 16 hex digits of a content hash as a number, stored per chunk for incremental indexing.
pub fn hash64(content_hash: &str) -> u64 {
    u64::from_str_radix(&content_hash[..content_hash.len().min(16)], 16).unwrap_or_else(|_| {
        content_hash.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    })
}

/// Page-level facts stored with each chunk.
#[derive(Debug, Clone)]
pub struct PageInfo<'a> {
    pub doc_id: DocId,
    pub url: &'a str,
    pub title: &'a str,
    pub content_hash: &'a str,
    pub fetched_at: DateTime<Utc>,
}

/// One passage found by a search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub score: f32,
    pub doc_id: DocId,
    pub ordinal: u32,
    pub url: String,
    pub title: String,
    pub heading_path: Vec<String>,
    /// The heading path and the headings of sections merged into the passage.
    pub headings: String,
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub fetched_at: DateTime<Utc>,
}

/// The passage index.
pub struct LexicalIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

impl LexicalIndex {
    /// The tantivy index itself (with cited's analyzer registered), for measuring the bare engine.
    pub fn tantivy(&self) -> &Index {
        &self.index
    }

    /// Opens the index in `dir`, creating it if the directory holds none.
    pub fn open(dir: &Path) -> Result<Self, IndexError> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let index =
            Index::open_or_create(MmapDirectory::open(dir)?, schema).map_err(|e| match e {
                tantivy::TantivyError::SchemaError(_) => {
                    IndexError::SchemaChanged(dir.display().to_string())
                }
                other => IndexError::Tantivy(other),
            })?;
        index.tokenizers().register(TOKENIZER, analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
        })
    }

    /// A batch of writes, visible to readers when it commits; fails with [`IndexError::Locked`] if
    /// another process is writing.
    pub fn batch(&self) -> Result<IndexBatch<'_>, IndexError> {
        let writer = self.index.writer(64 * 1024 * 1024).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => IndexError::Locked(e.to_string()),
            other => IndexError::Tantivy(other),
        })?;
        Ok(IndexBatch {
            index: self,
            writer,
        })
    }

    /// Returns the content hash (as [`hash64`]) of every indexed page, read from the committed index.
    pub fn indexed_pages(&self) -> Result<HashMap<DocId, u64>, IndexError> {
        self.reader.reload()?;
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for segment in searcher.segment_readers() {
            let ids = segment.fast_fields().u64("doc_id")?;
            let hashes = segment.fast_fields().u64("page_hash")?;
            for doc in segment.doc_ids_alive() {
                if let (Some(id), Some(hash)) = (ids.first(doc), hashes.first(doc)) {
                    out.insert(id, hash);
                }
            }
        }
        Ok(out)
    }

    /// Reloads the reader now instead of waiting for the file watcher.
    pub fn reload(&self) -> Result<(), IndexError> {
        Ok(self.reader.reload()?)
    }

    /// Returns the number of indexed chunks.
    pub fn num_chunks(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Analyses `text` with the index's analyzer: the terms a query for it would look up.
    pub fn analyze(&self, text: &str) -> Vec<String> {
        analyze(text)
    }

    /// Returns the inverse document frequency of an analysed term in passage bodies (BM25's idf), or
    /// `None` if no passage contains it.
    pub fn idf(&self, term: &str) -> Option<f32> {
        let searcher = self.reader.searcher();
        let n = searcher.num_docs() as f32;
        let df = searcher
            .doc_freq(&Term::from_field_text(self.fields.body, term))
            .unwrap_or(0) as f32;
        (df > 0.0).then(|| (1.0 + (n - df + 0.5) / (df + 0.5)).ln())
    }

    /// Returns the top `limit` passages for `query` by BM25.
    pub fn search(&self, query: &SearchQuery, limit: usize) -> Result<Vec<SearchHit>, IndexError> {
        let searcher = self.reader.searcher();
        let top = self.top(&searcher, query, limit)?;
        top.into_iter()
            .map(|(score, address)| self.load(&searcher, score, address))
            .collect()
    }

    /// Returns the top `limit` passages for `query` by BM25, then further passages of the first
    /// pages among them from the top `depth`: up to `more[i]` of the `i`th page in ranking order (an
    /// answer reads more of the pages ranked first); only the passages returned are read from the
    /// document store.
    pub fn search_with_first_pages(
        &self,
        query: &SearchQuery,
        limit: usize,
        more: &[usize],
        depth: usize,
    ) -> Result<Vec<SearchHit>, IndexError> {
        let searcher = self.reader.searcher();
        let top = self.top(&searcher, query, depth.max(limit))?;
        let mut distinct = Distinct::default();
        let mut hits = Vec::with_capacity(limit + more.iter().sum::<usize>());
        let mut rest = top.iter();
        for (score, address) in rest.by_ref() {
            let hit = self.load(&searcher, *score, *address)?;
            if distinct.first(&hit.text) {
                hits.push(hit);
                if hits.len() == limit {
                    break;
                }
            }
        }
        let mut shares = PageShares::new(hits.iter().map(|h| h.doc_id), more);
        let mut ids = PageIds::new(&searcher);
        for (score, address) in rest {
            if shares.spent() {
                break;
            }
            let Some(page) = ids.of(*address)? else {
                continue;
            };
            if shares.left(page) {
                let hit = self.load(&searcher, *score, *address)?;
                if distinct.first(&hit.text) {
                    hits.push(hit);
                    shares.take(page);
                }
            }
        }
        Ok(hits)
    }

    /// Returns the best passage of each of the top `pages` pages for `query`, looking at the top
    /// `depth` passages; only the passages returned are read from the document store.
    pub fn search_pages(
        &self,
        query: &SearchQuery,
        pages: usize,
        depth: usize,
    ) -> Result<Vec<SearchHit>, IndexError> {
        let searcher = self.reader.searcher();
        let mut seen = HashSet::new();
        let mut hits = Vec::with_capacity(pages);
        let mut ids = PageIds::new(&searcher);
        let mut distinct = Distinct::default();
        for (score, address) in self.top(&searcher, query, depth)? {
            if hits.len() == pages {
                break;
            }
            let page = ids.of(address)?;
            if page.is_none_or(|p| seen.insert(p)) {
                let hit = self.load(&searcher, score, address)?;
                if distinct.first(&hit.text) {
                    hits.push(hit);
                }
            }
        }
        Ok(hits)
    }

    fn load(
        &self,
        searcher: &tantivy::Searcher,
        score: f32,
        address: tantivy::DocAddress,
    ) -> Result<SearchHit, IndexError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        Ok(self.to_hit(score, &doc))
    }

    fn top(
        &self,
        searcher: &tantivy::Searcher,
        query: &SearchQuery,
        limit: usize,
    ) -> Result<Vec<(f32, tantivy::DocAddress)>, IndexError> {
        let f = self.fields;
        let mut seen = HashSet::new();
        let terms: Vec<String> = self
            .analyze(&query.text)
            .into_iter()
            .filter(|t| seen.insert(t.clone()))
            .collect();
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in &terms {
            // A term and its abbreviation (`maximum`, `max`) are one word of the query: a passage
            // scores for the better of them, not for both.
            let short: Vec<&str> = aliases(term)
                .iter()
                .copied()
                .filter(|a| !seen.contains(*a))
                .collect();
            for (field, boost) in [
                (f.title, TITLE_BOOST),
                (f.headings, HEADINGS_BOOST),
                (f.body, 1.0),
            ] {
                let q = term_or_abbreviation(searcher, field, term, &short)?;
                should.push((Occur::Should, Box::new(BoostQuery::new(q, boost))));
            }
        }
        let text_query: Box<dyn Query> = if query.exclude_sites.is_empty() {
            Box::new(BooleanQuery::new(should))
        } else {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> =
                vec![(Occur::Must, Box::new(BooleanQuery::new(should)))];
            for s in &query.exclude_sites {
                clauses.push((
                    Occur::MustNot,
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.site, s),
                        IndexRecordOption::Basic,
                    )),
                ));
            }
            Box::new(BooleanQuery::new(clauses))
        };
        let query: Box<dyn Query> = if query.sites.is_empty() {
            text_query
        } else {
            let sites: Vec<(Occur, Box<dyn Query>)> = query
                .sites
                .iter()
                .map(|s| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(f.site, s),
                        IndexRecordOption::Basic,
                    ));
                    (Occur::Should, q)
                })
                .collect();
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, text_query),
                (Occur::Must, Box::new(BooleanQuery::new(sites))),
            ]))
        };
        // A few more than asked, so that passages tied at the cut are chosen by page, not by where
        // the index happens to hold them.
        let mut top = searcher.search(&query, &TopDocs::with_limit(limit + TIE_SLACK))?;
        order_ties(searcher, &mut top)?;
        top.truncate(limit);
        Ok(top)
    }

    /// Where `searcher` holds passage `ordinal` of page `doc_id`, if indexed; nothing is read.
    fn locate(
        &self,
        searcher: &tantivy::Searcher,
        doc_id: DocId,
        ordinal: u32,
    ) -> Result<Option<tantivy::DocAddress>, IndexError> {
        let f = self.fields;
        let query = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.doc_id, doc_id),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            ),
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.ordinal, u64::from(ordinal)),
                    IndexRecordOption::Basic,
                )),
            ),
        ]);
        // Matched, not scored: a passage's address needs no BM25 over the ordinal's long posting
        // list (every page has a passage 0).
        let found = searcher.search(&query, &tantivy::collector::DocSetCollector)?;
        Ok(found.into_iter().min())
    }

    /// One view of the index for a query that ranks passages first and reads only those it keeps.
    pub fn snapshot(&self) -> Snapshot<'_> {
        Snapshot {
            index: self,
            searcher: self.reader.searcher(),
        }
    }

    fn to_hit(&self, score: f32, doc: &TantivyDocument) -> SearchHit {
        let f = self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let num = |field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
        let headings = text(f.heading_path);
        let all_headings = text(f.headings);
        let fetched = doc
            .get_first(f.fetched_at)
            .and_then(|v| v.as_datetime())
            .map(|d| d.into_timestamp_secs())
            .unwrap_or(0);
        SearchHit {
            score,
            doc_id: num(f.doc_id),
            ordinal: num(f.ordinal) as u32,
            url: text(f.url),
            title: text(f.title),
            heading_path: if headings.is_empty() {
                Vec::new()
            } else {
                headings
                    .split(HEADING_SEPARATOR)
                    .map(str::to_string)
                    .collect()
            },
            headings: all_headings,
            text: text(f.body),
            start: num(f.start) as usize,
            end: num(f.end) as usize,
            fetched_at: DateTime::from_timestamp(fetched, 0).unwrap_or_default(),
        }
    }
}

/// Returns the host of `url` and each of its parent domains (`a.b.org`, `b.org`, `org` is left out).
fn site_terms(url: &str) -> Vec<String> {
    let Some(host) = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
    else {
        return Vec::new();
    };
    let mut out = vec![host.clone()];
    let labels: Vec<&str> = host.split('.').collect();
    if labels
        .iter()
        .all(|l| !l.is_empty() && !l.chars().all(|c| c.is_ascii_digit()))
    {
        for i in 1..labels.len().saturating_sub(1) {
            out.push(labels[i..].join("."));
        }
    }
    out
}

/// The page id of passages, each segment's page-id column opened once.
struct PageIds<'a> {
    searcher: &'a tantivy::Searcher,
    columns: HashMap<u32, tantivy::columnar::Column<u64>>,
}

impl<'a> PageIds<'a> {
    fn new(searcher: &'a tantivy::Searcher) -> Self {
        Self {
            searcher,
            columns: HashMap::new(),
        }
    }

    fn of(&mut self, address: tantivy::DocAddress) -> Result<Option<u64>, IndexError> {
        let column = match self.columns.entry(address.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                self.searcher
                    .segment_reader(address.segment_ord)
                    .fast_fields()
                    .u64("doc_id")?,
            ),
        };
        Ok(column.first(address.doc_id))
    }
}

/// Extra passages fetched beyond a limit so that ties at the cut are settled by [`order_ties`].
const TIE_SLACK: usize = 8;

/// Orders passages with equal scores by page id (then by their place in the index, which is
/// passage order within a page: a page's passages are always written together). Tantivy breaks
/// ties by segment and position, which differ between two indexes of the same pages (after
/// merges, or a run that was interrupted and resumed): without this, the same question could
/// list tied results in a different order.
fn order_ties(
    searcher: &tantivy::Searcher,
    top: &mut [(f32, tantivy::DocAddress)],
) -> Result<(), IndexError> {
    if !top.windows(2).any(|w| w[0].0 == w[1].0) {
        return Ok(());
    }
    let mut ids = PageIds::new(searcher);
    let mut keyed = Vec::with_capacity(top.len());
    for &(score, address) in top.iter() {
        keyed.push((score, ids.of(address)?.unwrap_or(0), address));
    }
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for (slot, (score, _, address)) in top.iter_mut().zip(keyed) {
        *slot = (score, address);
    }
    Ok(())
}

/// The passages taken so far, by their text: a passage another page repeats word for word (a page
/// that gathers all the others, like the Node.js docs' `all.html`; release notes copied onto many
/// pages) is taken once, at its best rank, and the place it would take again goes to the next
/// passage. In a list of pages, a page whose best passage repeats one already listed is not
/// listed: for this query it adds nothing.
#[derive(Default)]
pub struct Distinct(HashSet<u64>);

impl Distinct {
    /// Returns true if no passage taken so far has this text (and counts it as taken).
    pub fn first(&mut self, text: &str) -> bool {
        use std::hash::{Hash, Hasher};
        let mut hasher = rustc_hash::FxHasher::default();
        text.hash(&mut hasher);
        self.0.insert(hasher.finish())
    }
}

/// The query for `term` in `field`, or for the better of it and its abbreviations `short`, each
/// weighing as the word it stands for: the rarer `env` would otherwise outscore "environment"
/// wherever a name holds it (`rustc-env`).
fn term_or_abbreviation(
    searcher: &tantivy::Searcher,
    field: tantivy::schema::Field,
    term: &str,
    short: &[&str],
) -> Result<Box<dyn Query>, IndexError> {
    let query = |form: &str| {
        TermQuery::new(
            Term::from_field_text(field, form),
            IndexRecordOption::WithFreqs,
        )
    };
    if short.is_empty() {
        return Ok(Box::new(query(term)));
    }
    let idf = |form: &str| -> Result<f32, IndexError> {
        let docs = searcher.num_docs() as f32;
        let df = searcher.doc_freq(&Term::from_field_text(field, form))? as f32;
        Ok((1.0 + (docs - df + 0.5) / (df + 0.5)).ln())
    };
    let word = idf(term)?;
    let mut forms: Vec<Box<dyn Query>> = vec![Box::new(query(term))];
    for form in short {
        let weight = (word / idf(form)?).min(1.0);
        forms.push(Box::new(BoostQuery::new(Box::new(query(form)), weight)));
    }
    Ok(Box::new(DisjunctionMaxQuery::new(forms)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_parsed_and_bad_ones_stay_text() {
        let q = SearchQuery::parse(
            "gil -site:Old.Example.com after:2026-01-02 before:2026-13-40 site:docs.example.org",
        );
        assert_eq!(q.text, "gil before:2026-13-40");
        assert_eq!(q.sites, vec!["docs.example.org".to_string()]);
        assert_eq!(q.exclude_sites, vec!["old.example.com".to_string()]);
        let jan2 = chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc());
        assert_eq!(q.after, jan2);
        assert_eq!(q.before, None);
        let day = jan2.expect("date");
        assert!(q.admits("http://docs.example.org/a", day));
        assert!(!q.admits("http://old.example.com/a", day), "excluded");
        assert!(
            !q.admits("http://x.old.example.com/a", day),
            "under an excluded domain"
        );
        assert!(
            q.admits("http://bold.example.com/a", day),
            "a domain, not a suffix"
        );
        assert!(!q.admits(
            "http://docs.example.org/a",
            day - chrono::Duration::seconds(1)
        ));
        let many: String = (0..30).map(|i| format!("site:h{i}.example ")).collect();
        assert_eq!(SearchQuery::parse(&many).sites.len(), MAX_SITES);
    }

    #[test]
    fn query_parsing_keeps_syntax_as_text() {
        let q = SearchQuery::parse("\"unbalanced (quote -minus a:b site:Docs.Python.org/3/ site:");
        assert_eq!(q.sites, vec!["docs.python.org".to_string()]);
        assert_eq!(q.text, "\"unbalanced (quote -minus a:b site:");
    }

    #[test]
    fn site_terms_cover_parent_domains() {
        assert_eq!(
            site_terms("https://docs.python.org/3/x"),
            vec!["docs.python.org", "python.org"]
        );
        assert_eq!(site_terms("http://127.0.0.1:8080/"), vec!["127.0.0.1"]);
    }

    #[test]
    fn cached_analysis_matches_the_analyzer() {
        let text = "The Crawlers were crawling; it's THE über-fast Ünïcode crawler's 1st run, running runs \
                    and RUNNING again, over aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa words.";
        let mut reference = analyzer();
        let mut stream = reference.token_stream(text);
        let mut expected = Vec::new();
        while stream.advance() {
            expected.push(stream.token().text.clone());
        }
        assert!(expected.contains(&"crawl".to_string()));
        assert!(!expected.contains(&"the".to_string()));
        // Twice: the second time every word comes from the cache.
        assert_eq!(analyze(text), expected);
        assert_eq!(analyze(text), expected);
    }

    #[test]
    fn hash64_is_stable() {
        assert_eq!(hash64("00000000000000ffabc"), 255);
        assert_ne!(hash64("not-hex"), hash64("not-hex2"));
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    /// Query text as users and attackers type it: words, operators, quotes, control characters,
    /// any Unicode.
    fn query() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "((site:|SITE:|-|\"|\\(|[a-zA-Z0-9]{1,12}|[\\x00-\\x1f]|[ \t\n]|[.:/])){0,30}",
            "[\\p{L}\\p{N}\\p{P}\\p{Z}]{0,200}",
        ]
    }

    proptest! {
        /// Parsing never fails; `site:` values become bare lowercase hosts; every other word stays
        /// text, in order.
        #[test]
        fn query_parsing_is_total_and_well_formed(raw in query()) {
            let q = SearchQuery::parse(&raw);
            for site in &q.sites {
                prop_assert!(!site.is_empty());
                prop_assert_eq!(site, &site.to_ascii_lowercase());
                prop_assert!(!site.contains(['/', ':']) && !site.contains(char::is_whitespace));
            }
            let words: Vec<&str> = raw.split_whitespace().collect();
            let kept: Vec<&str> = q.text.split_whitespace().collect();
            prop_assert!(kept.len() + q.sites.len() <= words.len());
            let mut rest = words.iter();
            for k in &kept {
                prop_assert!(rest.any(|w| w == k), "{} out of order", k);
            }
        }

        /// The cached analysis is the analyzer's, for any text.
        #[test]
        fn cached_analysis_matches_the_analyzer_on_any_text(text in query()) {
            let mut reference = analyzer();
            let mut stream = reference.token_stream(&text);
            let mut expected = Vec::new();
            while stream.advance() {
                expected.push(stream.token().text.clone());
            }
            prop_assert_eq!(analyze(&text), expected.clone());
            prop_assert_eq!(analyze(&text), expected);
        }
    }
}
