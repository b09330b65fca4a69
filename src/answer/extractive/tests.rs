//! Extractive answers on passages shaped like the real manuals'.

use super::history::*;
use super::lines::*;
use super::quotes::*;
use super::score::*;
use super::sentences::*;
use super::words::*;
use super::*;

#[test]
fn standalone_filters_fragments_and_code() {
    assert_eq!(
        standalone_words("The zip function returns an iterator of tuples."),
        Some(8)
    );
    assert_eq!(standalone_words("For example:"), None);
    assert_eq!(
        standalone_words("f.readline() reads a single line from the file;"),
        Some(8)
    );
    assert_eq!(standalone_words("x = {'a': 1, 'b': [2, 3]} ; y()"), None);
    assert_eq!(standalone_words("and then it stops here for good."), None);
    assert_eq!(standalone_words("Too short."), None);
    assert_eq!(standalone_words("See global interpreter lock."), None);
    // A statement with its comment is code (the Rust book's listings).
    assert_eq!(
        standalone_words("s.push_str(\", world!\"); // push_str() appends a literal to a String"),
        None
    );
}

#[test]
fn names_and_titles() {
    for name in [
        "SIGTERM",
        "work_mem (integer)",
        "sys.getsizeof(object[, default])",
        "lpad",
        "exception subprocess.TimeoutExpired",
    ] {
        assert!(names_a_thing(name), "{name}");
    }
    for title in [
        "Description",
        "Ferret habits",
        "19.5. Shutting Down the Server",
    ] {
        assert!(!names_a_thing(title), "{title}");
    }
}

fn hit(headings: &[&str], text: &str) -> SearchHit {
    SearchHit {
        score: 1.0,
        doc_id: 1,
        ordinal: 0,
        url: "http://docs.example/runtime-config-resource.html".into(),
        title: "20.4. Resource Consumption".into(),
        heading_path: headings.iter().map(|h| h.to_string()).collect(),
        headings: headings.join(indexer::lexical::HEADING_SEPARATOR),
        text: text.into(),
        start: 0,
        end: text.len(),
        fetched_at: chrono::Utc::now(),
    }
}

fn ask(question: &str, hits: &[SearchHit]) -> Draft {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = LexicalIndex::open(dir.path()).expect("index");
    answer(&index, question, hits, hits.len(), None)
}

/// Asks `question` of `hits` and checks that the answer quotes `quoted`.
fn assert_quotes(question: &str, hits: &[SearchHit], quoted: &str) {
    let said = ask(question, hits).text();
    assert!(said.contains(quoted), "{said}");
}

/// The candidates of `hits` for `question`, scored with `semantic`, over an index of `text` alone.
fn scored(
    question: &str,
    text: &str,
    hits: &[SearchHit],
    semantic: &semantic::Meanings,
) -> Vec<Candidate> {
    let (_dir, index) = crate::test_support::index_of(&[("page", text)]);
    let query = crate::retrieve::terms::QueryTerms::new(&index, question);
    let intent = Intent::of(question);
    candidates(
        &query,
        super::sentences::Asked {
            intent,
            subject: None,
            literals: &literals(question),
            value_terms: &value_terms(&index, &query, intent),
        },
        hits,
        semantic,
    )
    .0
}

/// The candidates of `hits` for `question` (over an index of `text`), each passing the gate with
/// full support and the score `score` gives its passage and quote, best first: what the choice of
/// sentences reads, with scores set by the test.
fn rescored(
    question: &str,
    text: &str,
    hits: &[SearchHit],
    score: impl Fn(usize, &str) -> f32,
) -> Vec<Candidate> {
    let mut found = scored(question, text, hits, &semantic::Meanings::default());
    for c in &mut found {
        c.score = score(c.hit, &hits[c.hit].text[c.quote.0..c.quote.1]);
        c.support = 1.0;
        c.gated = false;
    }
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    found
}

/// The PostgreSQL manual states the default two sentences under the entry's term, without
/// repeating the parameter's name.
#[test]
fn a_sentence_answers_under_its_definition_term() {
    let text = "work_mem (integer)\nSets the base maximum amount of memory to be used by a query operation before writing to temporary disk files. The default value is four megabytes (4MB). Sort operations are used for ORDER BY and merge joins.";
    let hits = [hit(
        &["20.4. Resource Consumption", "work_mem (integer)"],
        text,
    )];
    let answer = ask("default value of work_mem", &hits);
    // The parameter's name is quoted with the sentence, which does not repeat it: "The default
    // value is …" names nothing, so it is read with the sentence before, under the term.
    let entry = &text[..text.find(" Sort").expect("third sentence")];
    assert!(
        answer.sentences.iter().any(|s| s.text == entry),
        "{:?}",
        answer.text()
    );
    for s in &answer.sentences {
        for piece in s.text.split(QUOTE_GAP) {
            assert!(text.contains(piece), "quotes are verbatim: {piece}");
        }
    }
    // A question about something the passage does not hold is declined.
    assert!(!ask("capital of France", &hits).found());
}

#[test]
fn a_table_row_is_read_whole_and_a_term_is_quoted_with_its_definition() {
    let text = "Name | Storage Size | Range\nsmallint | 2 bytes | -32768 to +32767\nbigint | 8 bytes | -9223372036854775808 to +9223372036854775807";
    let answer = ask(
        "range of the 8 bytes bigint type",
        &[hit(&["8.1. Numeric Types"], text)],
    );
    assert!(
        answer
            .sentences
            .iter()
            .any(|s| s.text == "bigint | 8 bytes | -9223372036854775808 to +9223372036854775807"),
        "{}",
        answer.text()
    );
    let text = "sys.getsizeof(object[, default])\nReturn the size of an object in bytes.";
    let answer = ask(
        "size of an object in bytes",
        &[hit(&["sys.getsizeof(object[, default])"], text)],
    );
    assert_eq!(answer.sentences[0].text, text);
}

/// A question that asks for a value in words ("maximum size") is answered by the sentence that
/// states one without repeating them, under its term, and that sentence comes first.
#[test]
fn a_stated_value_answers_the_words_asking_for_it() {
    let text = "payload\nThe payload string to be communicated along with the notification. This must be specified as a simple string literal. In the default configuration it must be shorter than 8000 bytes.";
    let hits = [hit(&["NOTIFY", "payload"], text)];
    let answer = ask("What is the maximum size of a NOTIFY payload?", &hits);
    assert!(
        answer.sentences[0].text.contains("8000 bytes"),
        "{}",
        answer.text()
    );
    assert!(intent::states_quantity(
        "It must be shorter than 8000 bytes."
    ));
    assert!(intent::states_quantity("The default is five minutes."));
    assert!(!intent::states_quantity(
        "Refer to Section 30.5 for more details about checkpoints."
    ));
    assert!(!intent::states_quantity(
        "Changed in version 3.8: it was renamed."
    ));
    // Digits inside a name are no amount: `u64::MIN` names a constant, `OS/2` a system.
    assert!(!intent::states_quantity(
        "New code should prefer to use u64::MIN instead."
    ));
    assert!(!intent::states_quantity(
        "ErrorLog logs/error.log (Windows and OS/2)"
    ));
    assert!(intent::states_quantity(
        "The largest value is 2^64 - 1 (-1 as i64)."
    ));
}

/// A version number answers a question that asks for a version, not one that asks for a default.
#[test]
fn a_version_number_is_not_a_default_value() {
    let prior = "Prior to PostgreSQL version 9.1, a request for the Serializable transaction isolation level provided exactly the same behavior described here.";
    let default = Intent::of("What is the default transaction isolation level in PostgreSQL?");
    assert!(!intent::answers_value(default, prior));
    assert!(intent::answers_value(
        default,
        "The default is typically 100 connections."
    ));
    let version = Intent::of("Which version added the Serializable level's new behaviour?");
    assert!(intent::answers_value(version, prior));
}

/// "When was X added" asks for the version that brought it; "when is X called" asks for a
/// condition. "If I never configure one" asks for the default.
#[test]
fn when_a_thing_was_added_asks_for_a_version() {
    let added = Intent::of("when were STRICT tables added");
    assert!(added.wants_version && added.wants_value);
    assert!(intent::answers_value(
        added,
        "SQLite supports a strict typing mode, as of version 3.37.0 (2021-11-27)."
    ));
    let called = Intent::of("When is __del__ called?");
    assert!(!called.wants_version && !called.wants_value);
    let never = Intent::of("Which threading mode do I get if I never configure one?");
    assert!(never.wants_default && never.wants_value);
}

/// A question that asks yes or no is answered outright by a sentence that denies what it asks:
/// of two sentences with all of its words, the denial leads. "Is there …" asks for a thing, and
/// "… A or B?" which of two.
#[test]
fn a_denial_answers_a_yes_or_no_question() {
    assert!(Intent::of("Does pg_dump block other users?").yes_or_no);
    assert!(Intent::of("Can a column with a unique constraint hold more than one NULL?").yes_or_no);
    for other in [
        "Is there a Postfix tool that shows the queue?",
        "Is streaming replication synchronous or asynchronous by default?",
        "How do I stop a running query?",
        "Doesn't matter",
    ] {
        assert!(!Intent::of(other).yes_or_no, "{other}");
    }
    assert!(intent::denies("pg_dump doesn't block other users."));
    assert!(!intent::denies("Note that pg_dump notes the other users."));
    let text = "pg_dump can block other users' schema changes while it holds its locks.\npg_dump does not block other users reading or writing the database.";
    let answer = ask(
        "Does pg_dump block other users?",
        &[hit(&["pg_dump"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .starts_with("pg_dump does not block"),
        "{:?}",
        answer.text()
    );
}

/// Asked what happens by default, a sentence saying what happens "by default" tells it, and leads
/// over a sentence of the passage ranked above it about something near (Node's
/// `'rejectionHandled'` event). Asked for an amount by default ("how long … by default"), it does
/// not: a quantity answers that.
#[test]
fn what_happens_by_default_answers_a_question_asking_what_happens_by_default() {
    let question = "What does Node do by default when a promise rejection is never handled?";
    let behaviour = "By default, promise rejections that are not handled terminate the process with a non-zero exit code.";
    assert!(Intent::of(question).asks_by_default);
    assert!(intent::states_default(Intent::of(question), behaviour));
    let wait = Intent::of("How long does httpd wait on a stalled client by default?");
    assert!(!wait.asks_by_default);
    assert!(!intent::states_default(wait, behaviour));
    let page = |ordinal: u32, score: f32, text: &str| SearchHit {
        ordinal,
        score,
        url: format!("http://docs.example/process{ordinal}.html"),
        ..hit(&["Process"], text)
    };
    let hits = [
        page(0, 2.0, "The rejectionHandled event is emitted whenever a promise rejection was never handled when it happened and a handler was attached to it later."),
        page(1, 1.0, behaviour),
    ];
    let said = ask(question, &hits).text();
    assert!(said.starts_with("By default"), "{said}");
}

/// A default is not always a quantity: "Read Committed is the default isolation level" states the
/// default a question asks for, and leads over a sentence of the passage ranked above it that
/// names the levels without saying which is the default.
#[test]
fn a_named_default_answers_a_question_asking_for_the_default() {
    let default = Intent::of("What is the default transaction isolation level in PostgreSQL?");
    let named = "Read Committed is the default isolation level in PostgreSQL.";
    assert!(intent::answers_value(default, named));
    assert!(intent::states_default(default, named));
    // A count is no default: the question asks only what the default is.
    assert!(!intent::answers_value(
        default,
        "In PostgreSQL, you can request any of the four standard transaction isolation levels."
    ));
    // But it answers a question that asks for an amount as well ("what port").
    let port = Intent::of("what port does postgres listen on by default");
    assert!(intent::answers_value(
        port,
        "The TCP port the server listens on; 5432."
    ));
    // Which a default named without one does not state (`postgres -i`'s "Defaults to listening
    // only on localhost." led the answer before stop 63, over `-p port`'s "… (normally 5432).").
    let localhost = "Defaults to listening only on localhost.";
    assert!(!intent::answers_value(port, localhost));
    assert!(!intent::states_default(port, localhost));
    assert!(intent::states_default(
        port,
        "Defaults to the value of the PGPORT environment variable, or if PGPORT is not set, then defaults to the value established during compilation (normally 5432)."
    ));
    // "(default: 70)" says what the default is.
    assert!(intent::states_default(
        Intent::of("textwrap default line width"),
        "width (default: 70) is the maximum length of wrapped lines."
    ));
    // So does "the default … is".
    let encoding = Intent::of("what is the default encoding of open()");
    assert!(intent::states_default(
        encoding,
        "The default encoding of TextIOWrapper and open() is locale-specific (locale.getencoding())."
    ));
    assert!(!intent::states_default(
        encoding,
        "The default value of this option has the same effect as leaving it out."
    ));
    // Nor how it is decided: "is determined at compile time" states no port.
    assert!(!intent::states_default(
        Intent::of("postgresql default port"),
        "The default port number is determined at compile time."
    ));
    assert!(intent::states_default(
        Intent::of("Which threading mode do I get if I never configure one?"),
        "The default mode is serialized."
    ));
    // A "Default:" field gives the default, whatever its value is.
    assert!(intent::states_default(
        Intent::of("default location of the error log"),
        "Default: | ErrorLog logs/error_log (Unix)"
    ));
    assert!(!intent::states_default(
        Intent::of("default cache_size"),
        "The cache size reverts to the default value when the database is closed and reopened."
    ));
    // What happens by default is not what the default is.
    let by_default =
        "By default, timeit() temporarily turns off garbage collection during the timing.";
    assert!(!intent::states_default(
        Intent::of("timeit default number"),
        by_default
    ));
    let levels = hit(
        &["13.2. Transaction Isolation"],
        "In PostgreSQL, you can request any of the four standard transaction isolation levels, but internally only three distinct isolation levels are implemented, i.e., PostgreSQL's Read Uncommitted mode behaves like Read Committed.",
    );
    let read_committed = hit(
        &["13.2. Transaction Isolation", "13.2.1. Read Committed Isolation Level"],
        "Read Committed is the default isolation level in PostgreSQL. When a transaction uses this isolation level, a SELECT query sees only data committed before the query began.",
    );
    let answer = ask(
        "What is the default transaction isolation level in PostgreSQL?",
        &[levels, read_committed],
    );
    assert!(
        answer.sentences[0]
            .text
            .starts_with("Read Committed is the default"),
        "{}",
        answer.text()
    );
}

/// Sentences are embedded as they are read: under their definition term or heading, a table row
/// under its header row.
#[test]
fn sentences_are_embedded_under_their_term() {
    let text = "void Py_INCREF(PyObject *o)\nIncrement the reference count for object o.\nName | Storage Size | Range\nbigint | 8 bytes | -9223372036854775808 to +9223372036854775807";
    // The page's entry terms are among the passage's headings (the crawler keeps them so).
    let mut passage = hit(&["Reference Counting", "void Py_INCREF(PyObject *o)"], text);
    passage.heading_path.pop();
    let read = semantic::readable_sentences(&passage);
    assert_eq!(
        read,
        vec![
            (
                28,
                "Increment the reference count for object o.",
                Some("void Py_INCREF(PyObject *o)")
            ),
            (
                100,
                "bigint | 8 bytes | -9223372036854775808 to +9223372036854775807",
                Some("Name | Storage Size | Range")
            ),
        ]
    );
    assert_eq!(&text[read[1].0..read[1].0 + 6], "bigint");
    // The index embeds sentences in the same units, so the answer finds their vectors.
    assert_eq!(
        crawler::extract::CELL_SEPARATOR,
        indexer::vector::sentences::TABLE_CELL
    );
    let units = indexer::vector::sentence_units(text);
    for (start, sentence, _) in &read {
        assert!(
            units.contains(&(*start, start + sentence.len())),
            "{sentence}"
        );
    }
}

/// Answers the question with [1, 0] and embeds every passage sentence as [0, 1], counting the
/// sentences it embeds.
struct Counting(std::sync::atomic::AtomicUsize);

impl indexer::embed::Embedder for Counting {
    fn model_id(&self) -> &str {
        "counting"
    }
    fn dim(&self) -> usize {
        2
    }
    fn embed_query(&self, _: &str) -> Result<Vec<f32>, indexer::IndexError> {
        Ok(vec![1.0, 0.0])
    }
    fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, indexer::IndexError> {
        self.0
            .fetch_add(texts.len(), std::sync::atomic::Ordering::SeqCst);
        Ok(texts.iter().map(|_| vec![0.0, 1.0]).collect())
    }
}

#[test]
fn sentence_vectors_from_the_index_spare_embedding_at_answer_time() {
    let text = "The default is four megabytes (4MB). Other settings are elsewhere.";
    let passage = hit(&["work_mem (integer)"], text);
    let model = Counting(Default::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let store =
        indexer::vector::SentenceVectors::writer(&dir.path().join("s.sqlite")).expect("open");
    let meaning = |sentences| Meaning {
        embedder: &model,
        sentences,
        nearest: None,
    };
    let without = semantic::semantic_support(
        meaning(None),
        "default work_mem",
        std::slice::from_ref(&passage),
    );
    assert_eq!(model.0.load(std::sync::atomic::Ordering::SeqCst), 2);
    let first = (0, 36);
    assert_eq!(
        &text[first.0..first.1],
        "The default is four megabytes (4MB)."
    );
    assert_eq!(without.get(0, first), Some(0.0));

    // The index holds the first sentence as the question's own meaning.
    let stored = indexer::vector::sentence_units(text)
        .into_iter()
        .enumerate()
        .map(|(i, (start, end))| indexer::vector::SentenceVector {
            start,
            end,
            vector: if i == 0 {
                vec![1.0, 0.0]
            } else {
                vec![0.0, 1.0]
            },
        })
        .collect();
    store
        .put_pages("counting", &[(passage.doc_id, vec![(text, stored)])])
        .expect("put");
    let with = semantic::semantic_support(meaning(Some(&store)), "default work_mem", &[passage]);
    assert_eq!(
        model.0.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "nothing embedded at answer time"
    );
    assert_eq!(with.get(0, first), Some(1.0));
    assert_eq!(with.get(0, (37, text.len())), Some(0.0));
    assert_eq!(
        with.get(0, (0, 20)),
        None,
        "another span is another sentence"
    );
}

/// Of two change notes of one entry, the later says what holds now.
#[test]
fn a_later_change_note_supersedes_an_earlier_one() {
    let text = "class concurrent.futures.ThreadPoolExecutor(max_workers=None)\nAn Executor subclass that uses a pool of at most max_workers threads to execute calls asynchronously.\nChanged in version 3.5: If max_workers is None or not given, it will default to the number of processors on the machine, multiplied by 5.\nChanged in version 3.8: Default value of max_workers is changed to min(32, os.cpu_count() + 4).";
    let answer = ask(
        "default number of max_workers threads of ThreadPoolExecutor",
        &[hit(&["ThreadPoolExecutor"], text)],
    );
    let said = answer.text();
    assert!(said.contains("Changed in version 3.8"), "{said}");
    assert!(!said.contains("Changed in version 3.5"), "{said}");
    assert_eq!(
        changed_in("Changed in version 3.5.3: no longer"),
        Some(vec![3, 5, 3])
    );
    assert_eq!(changed_in("New in version 3.6."), None);
}

/// A term is quoted once per answer: the sentence after it in the page does not repeat it when an
/// earlier one of the answer showed it.
#[test]
fn a_term_is_quoted_once_per_answer() {
    // Three sentences between the two quoted ones: more than an answer quotes to join them.
    let text = "work_mem (integer)\nSets the base maximum amount of memory used by a query operation. Hash tables are used in hash joins. Sort operations are used for ORDER BY. Merge joins sort their inputs. The default value of work_mem memory is four megabytes (4MB).";
    let answer = ask(
        "default value of work_mem memory for a query operation",
        &[hit(
            &["20.4. Resource Consumption", "work_mem (integer)"],
            text,
        )],
    );
    let said = answer.text();
    assert_eq!(answer.sentences.len(), 2, "{said}");
    assert_eq!(said.matches("work_mem (integer)").count(), 1, "{said}");
    for s in &answer.sentences {
        for piece in s.text.split(QUOTE_GAP) {
            assert!(text.contains(piece), "quotes are verbatim: {piece}");
        }
    }
}

/// Two entries of one page under the same term (`-u` of `set`, `-u` of `mapfile`) are two terms:
/// a sentence of the second is quoted under its own term, not as if said of the first.
#[test]
fn a_term_is_told_apart_by_its_place_on_the_page() {
    let text = "set\n-u\nTreat unset variables and parameters as an error when performing parameter expansion.\n-x\nPrint a trace of simple commands.\nmapfile\n-u\nRead lines of unset variables from file descriptor fd instead of the standard input for parameter expansion.";
    let answer = ask(
        "-u unset variables parameter expansion",
        &[hit(&["4.3.1 The Set Builtin"], text)],
    );
    let said = answer.text();
    assert!(said.contains("Treat unset"), "{said}");
    assert!(said.contains("Read lines"), "{said}");
    assert_eq!(said.matches("-u").count(), 2, "{said}");
}

/// A sentence in nearly the words of a chosen one still says something else when it holds a word of
/// the question the chosen one lacks: the Jinja half of a Django / Jinja comparison.
#[test]
fn a_look_alike_that_holds_more_of_the_question_is_no_repeat() {
    let text = "For Loops\nIn Django, the special variable for the loop context is called forloop, and the empty is used for no loop items.\nIn Jinja, the special variable for the loop context is called loop, and the else block is used for no loop items.";
    let answer = ask(
        "What do I use in a Jinja for loop instead of Django's {% empty %}?",
        &[hit(&["Tips and Tricks", "For Loops"], text)],
    );
    let said = answer.text();
    assert!(said.contains("In Django"), "{said}");
    assert!(said.contains("the else block"), "{said}");
}

/// An operator table laid out as a definition list glosses each operator in a few lower-case
/// words: the gloss is read and quoted with its operator, and a second term over one description
/// is no gloss.
#[test]
fn a_terms_gloss_is_quoted_with_its_term() {
    assert!(is_gloss("exponentiation", Some("* / %")));
    assert!(is_gloss("bitwise AND", None));
    assert!(!is_gloss(
        "longg",
        Some("Optimally choose between fixed point and exponential format.")
    ));
    assert!(!is_gloss("x = y + 1", None));
    assert!(!is_gloss("the value is returned unchanged", None));
    let text = "6.5 Shell Arithmetic\nThe operators and their precedence are the same as in the C language.\n- +\nunary minus and plus\n**\nexponentiation\n* / %\nmultiplication, division, remainder";
    let answer = ask(
        "bash arithmetic exponentiation operator",
        &[hit(&["6.5 Shell Arithmetic"], text)],
    );
    let said = answer.text();
    assert!(said.contains("**\nexponentiation"), "{said}");
}

/// Look-alike sentences of two entries of one page say it each of its own entry: neither repeats
/// the other.
#[test]
fn look_alikes_of_two_entries_are_no_repeats() {
    let text = "Shell Parameter Expansion\n${parameter##word}\nThe longest matching pattern is deleted from the beginning of the value.\n${parameter%%word}\nThe longest matching pattern is deleted from the end of the value.";
    let answer = ask(
        "which expansion deletes the longest matching pattern",
        &[hit(&["3.5.3 Shell Parameter Expansion"], text)],
    );
    let said = answer.text();
    assert!(said.contains("from the beginning"), "{said}");
    assert!(said.contains("from the end"), "{said}");
}

/// A sentence said word for word under two entries is quoted once: the second time it tells the
/// reader nothing, and the answer has room for something else (the look-alikes above, in other
/// words, are both quoted).
#[test]
fn a_sentence_said_again_under_another_entry_is_quoted_once() {
    let text = "Shell Parameter Expansion\n${parameter##word}\nThe longest matching pattern is deleted from the value.\n${parameter%%word}\nThe longest matching pattern is deleted from the value.";
    let answer = ask(
        "which expansion deletes the longest matching pattern",
        &[hit(&["3.5.3 Shell Parameter Expansion"], text)],
    );
    let said = answer.text();
    assert_eq!(
        said.matches("The longest matching pattern").count(),
        1,
        "{said}"
    );
}

/// Sentences in the same words about two operators named by their symbols (`‘##’`, `‘%%’`) say
/// different things, even when the second stands under no term of its own (its passage starts
/// after its entry's term).
#[test]
fn sentences_about_two_operators_are_no_repeats() {
    let page = |ordinal: u32, text: &str| SearchHit {
        ordinal,
        url: "http://docs.example/bash.html".into(),
        ..hit(&["Shell Parameter Expansion"], text)
    };
    let hits = [
        page(0, "${parameter##word}\nIf the pattern matches the beginning of the value, the longest matching pattern (the ‘##’ case) is deleted."),
        page(1, "If the pattern matches a trailing portion of the value, the longest matching pattern (the ‘%%’ case) is deleted."),
    ];
    let said = ask(
        "which expansion deletes the longest matching pattern",
        &hits,
    )
    .text();
    assert!(
        said.contains("(the ‘##’ case)") && said.contains("(the ‘%%’ case)"),
        "{said}"
    );
    assert_eq!(
        intent::stated_symbols("`**` and ‘%%’ but not ‘word’ nor 'a'").collect::<Vec<_>>(),
        ["**", "%%"]
    );
}

/// When no passage holds enough of the question, a page whose passages together do still answers;
/// a question about something else is still declined.
#[test]
fn a_page_whose_sections_together_hold_the_question_answers() {
    let page = |ordinal: u32, text: &str| SearchHit {
        ordinal,
        url: "http://docs.example/ferrets.html".into(),
        title: "Care".into(),
        ..hit(&["Care"], text)
    };
    let hits = [
        page(0, "Ferrets sleep a great deal."),
        page(1, "In winter they stay in burrows."),
    ];
    let question = "where do ferrets sleep in cold winter burrows underground";
    assert!(
        ask(question, &hits).found(),
        "{}",
        ask(question, &hits).text()
    );
    // Split over two pages, the same words are not enough.
    let other = SearchHit {
        url: "http://docs.example/other.html".into(),
        ..hits[1].clone()
    };
    assert!(!ask(question, &[hits[0].clone(), other]).found());
    assert!(!ask("capital of France", &hits).found());
}

/// A question worded unlike every passage is still answered when vector search found a passage
/// close to it: the site is about it. Without that, too little of it is in the passages.
#[test]
fn a_passage_near_in_meaning_means_something_was_found() {
    let hits = [hit(
        &["Time zones"],
        "The capital city keeps one time zone all year round.",
    )];
    let question = "Which river crosses the French capital?";
    // The site knows the question's words, elsewhere: the retrieved passage is about the capital,
    // worded otherwise.
    let (_dir, index) = crate::test_support::index_of(&[
        (
            "Time zones",
            "The capital city keeps one time zone all year round.",
        ),
        ("Geography", "A river crosses the French plains."),
    ]);
    let model = Counting(Default::default());
    let with = |nearest| {
        answer(
            &index,
            question,
            &hits,
            hits.len(),
            Some(Meaning {
                embedder: &model,
                sentences: None,
                nearest,
            }),
        )
    };
    assert!(!ask(question, &hits).found(), "lexically: not enough of it");
    assert!(!with(None).found());
    assert!(!with(Some(0.3)).found(), "the nearest passage is far");
    assert!(with(Some(0.6)).found());
    // As near as `node:test`'s passage is to "Is there a built-in way to write and run tests without
    // installing a framework?" on the Node.js docs.
    assert!(
        with(Some(0.42)).found(),
        "the question is on the site's topic"
    );
    // Near in meaning is not enough when most of the question is in no passage at all.
    let unknown = "Which glacier feeds the capital city?";
    let near = answer(
        &index,
        unknown,
        &hits,
        hits.len(),
        Some(Meaning {
            embedder: &model,
            sentences: None,
            nearest: Some(0.6),
        }),
    );
    assert!(!near.found(), "{:?}", near.sentences);
}

#[test]
fn definition_questions_name_their_subject() {
    use super::definition::defined_subject;
    assert_eq!(defined_subject("What is the GIL?"), Some("the GIL"));
    assert_eq!(defined_subject("what are descriptors"), Some("descriptors"));
    assert_eq!(
        defined_subject("What does the Py_INCREF macro do in the C API?"),
        Some("the Py_INCREF macro")
    );
    assert_eq!(defined_subject("What does SIGTERM mean?"), Some("SIGTERM"));
    // What a setting controls is what it does.
    assert_eq!(
        defined_subject("What does AllowOverride control?"),
        Some("AllowOverride")
    );
    // Long "what is" questions ask for a fact, other questions for something else.
    assert_eq!(
        defined_subject("What is the largest n I can use when declaring a varchar(n) column?"),
        None
    );
    assert_eq!(defined_subject("How do I read a file?"), None);
    assert_eq!(defined_subject("What does it take?"), None);
}

/// A definition question is answered by the first sentence of the entry that names its subject,
/// before a sentence elsewhere that only mentions it (Python's glossary against the asyncio pages).
#[test]
fn the_entry_naming_the_subject_defines_it() {
    let mut mention = hit(
        &[],
        "Coroutines declared with the async/await syntax are the preferred way of writing asyncio applications.",
    );
    mention.url = "http://docs.example/asyncio-task.html".into();
    let mut glossary = hit(
        &["Glossary", "coroutine"],
        "coroutine\nCoroutines are a more generalized form of subroutines. Subroutines are entered at one point and exited at another point.",
    );
    glossary.url = "http://docs.example/glossary.html".into();
    // Retrieval ranks the mention well above the entry: the entry leads on its own merit.
    glossary.score = 0.5;
    let answer = ask("What is a coroutine?", &[mention, glossary]);
    assert_eq!(
        answer.sentences[0].text,
        "Coroutines are a more generalized form of subroutines."
    );
}

/// Syntax is named by its symbols: the term `{m,n}+` is quoted with the sentence it stands over,
/// which says "from m to n" but not the syntax.
#[test]
fn a_term_made_of_symbols_is_quoted() {
    let text = "{m,n}?\nCauses the resulting RE to match from m to n repetitions of the preceding RE, attempting to match as few repetitions as possible. This is the non-greedy version of the previous quantifier.\n{m,n}+\nCauses the resulting RE to match from m to n repetitions of the preceding RE, attempting to match as many repetitions as possible without establishing any backtracking points. This is the possessive version of the quantifier above.";
    let answer = ask(
        "What syntax do possessive quantifiers use?",
        &[hit(&["Regular Expression Syntax"], text)],
    );
    assert!(
        answer.sentences[0].text.starts_with("{m,n}+\nCauses"),
        "{:?}",
        answer.sentences
    );
}

/// A short note right under an entry's term ("Part of the Stable ABI.") is not what the entry says
/// the thing is: the sentence after it is.
#[test]
fn a_note_under_a_term_does_not_define_it() {
    let text = "void Py_IncRef(PyObject *o)\nPart of the Stable ABI.\nIndicate taking a new strong reference to object o.";
    let answer = ask(
        "What does Py_IncRef do?",
        &[hit(
            &["Reference Counting", "void Py_IncRef(PyObject *o)"],
            text,
        )],
    );
    assert!(
        answer.sentences[0]
            .text
            .ends_with("Indicate taking a new strong reference to object o."),
        "{:?}",
        answer.sentences
    );
}

/// A line of an example's HTML is no term of the sentence after the example: Jinja's "If you add a
/// minus sign (-) to the start or end of a block …" was quoted as "<div> … If you add …". A
/// placeholder in angle brackets is still a term (git's `<oldbranch>`).
#[test]
fn an_html_tag_is_no_term() {
    assert!(!is_label("<div>"));
    assert!(!is_label("<ul class=\"nav\">"));
    assert!(!is_label("<p>{{ input('password', type='password') }}</p>"));
    assert!(is_label("<oldbranch>"));
    let text = "<div>\n    {% if True %}\n        yay\n    {% endif %}\n</div>\nIf you add a minus sign (-) to the start or end of a block, the whitespaces before or after that block will be removed.";
    let answer = ask(
        "strip whitespace before a block with a minus sign",
        &[hit(&["Whitespace Control"], text)],
    );
    assert!(answer.text().starts_with("If you add"), "{}", answer.text());
}

/// A passage that opens in the middle of a table opens with a row of data, not the table's header:
/// Jinja's "loop.index | The current iteration of the loop. (1 indexed)" was read as the header of
/// the rows below it and never quoted for "loop index".
#[test]
fn a_row_that_says_a_sentence_is_no_header() {
    assert!(may_be_header("Variable | Description"));
    assert!(may_be_header("Message type | Source | Header/body checks?"));
    assert!(!may_be_header(
        "loop.index | The current iteration of the loop. (1 indexed)"
    ));
    let text = "loop.index | The current iteration of the loop. (1 indexed)\nloop.index0 | The current iteration of the loop. (0 indexed)\nloop.first | True if first iteration.";
    let answer = ask(
        "loop index 1 indexed",
        &[hit(&["List of Control Structures"], text)],
    );
    assert!(
        answer
            .text()
            .contains("loop.index | The current iteration of the loop. (1 indexed)"),
        "{}",
        answer.text()
    );
}

/// A parameter expansion alone on its line is a shell manual's term, a shell prompt or a path is
/// not: bash's "This is referred to as Substring Expansion." was quoted without the
/// `${parameter:offset:length}` it stands under; `$HOME/.cargo`, an item of a list, is no term of
/// the sentence after the list.
#[test]
fn a_parameter_expansion_is_a_term() {
    assert!(is_label("${parameter:offset:length}"));
    assert!(!is_label("$HOME/.cargo"));
    assert!(!is_label("$ cargo build"));
    assert!(!is_label("${x} and ${y}"));
    let text = "${parameter:offset}\n${parameter:offset:length}\nThis is referred to as Substring Expansion. It expands to up to length characters of the value of parameter starting at the character specified by offset.";
    let answer = ask(
        "substring expansion offset length syntax",
        &[hit(&[], text)],
    );
    assert!(
        answer
            .text()
            .starts_with("${parameter:offset:length}\nThis is referred to"),
        "{}",
        answer.text()
    );
}

/// A line of a listing's output, aligned in columns, is no term for the sentence after it: pytest's
/// doctest page quoted `test_example.txt .      [100%]` before "In addition to text files, …".
#[test]
fn a_line_aligned_in_columns_is_no_term() {
    assert!(!is_label(
        "test_example.txt .                                   [100%]"
    ));
    assert!(!is_label("wheel          0.30.0"));
    assert!(is_label("Default: none"));
    // A decorator or a comment opens a listing: pytest's "@pytest.fixture" was quoted before "One
    // option might be to go with the addfinalizer method …", three sentences after the listing.
    assert!(!is_label("@pytest.fixture"));
    assert!(!is_label("// build.rs"));
    let text = "@pytest.fixture\ndef setup():\n    yield\nThere's also a more serious issue. One option might be to go with the addfinalizer method instead of yield fixtures.";
    let answer = ask("addfinalizer instead of yield fixtures", &[hit(&[], text)]);
    assert!(answer.text().starts_with("One option"), "{}", answer.text());
    let text = "test_example.txt .                                   [100%]\nIn addition to text files, you can also execute doctests directly from docstrings of your functions.";
    let answer = ask(
        "run doctests from docstrings",
        &[hit(&["How to run doctests"], text)],
    );
    let said = answer.text();
    assert!(said.starts_with("In addition"), "{said}");
}

/// Syntax named by symbols alone is a term whatever it ends with (zsh's `%?` under "Shell state"
/// was read as a sentence, and "The return status of the last command…" was quoted under the
/// `%#` above it); a prompt or a bracket alone is a line of code.
#[test]
fn a_term_of_symbols_alone_is_quoted_with_its_sentence() {
    for term in ["%?", "%#", "$?", "<<<", "**", "%%"] {
        assert!(is_label(term), "{term}");
    }
    for code in [">>>", "...", "$", "#", "}", ");", "\"\"\"", "?"] {
        assert_eq!(is_label(code), code == "?", "{code}");
    }
    let text = "%#\nA '#' if the shell is running with privileges, a '%' if not.\n%?\nThe return status of the last command executed just before the prompt.\n%_\nThe status of the parser.";
    let answer = ask(
        "How can my prompt display the return status of the previous command?",
        &[hit(&["Prompt Expansion", "Shell state"], text)],
    );
    let said = answer.text();
    assert!(said.starts_with("%?\nThe return status"), "{said}");
}

/// A term that ends in a placeholder for its arguments (`DISCARD optional text...` in Postfix's
/// `header_checks(5)`) is quoted above the sentence it titles; a sentence cut off with dots is not
/// a term.
#[test]
fn a_term_ending_in_a_placeholder_is_quoted_with_its_sentence() {
    assert!(is_label("DISCARD optional text..."));
    assert!(!is_label("The queue is flushed."));
    // So does a setting's type or default in parentheses, not a remark in them.
    assert!(is_label("maximal_queue_lifetime (default: 5 days)"));
    assert!(!is_label("The queue is flushed (see below)"));
    assert!(!is_label("Use a larger value (the default is too small)."));
    let text = "FILTER transport:destination\nWrite a content filter request to the queue file.\nDISCARD optional text...\nClaim successful delivery and silently discard the message. Log the optional text if specified, otherwise log a generic message.";
    let answer = ask(
        "What does the DISCARD action do in header_checks?",
        &[hit(&["header_checks - content inspection"], text)],
    );
    let said = answer.text();
    assert!(
        said.starts_with("DISCARD optional text...\nClaim successful delivery"),
        "{said}"
    );
}

/// A link's address on a line of its own is no term for the sentence after it: the answer does not
/// open with it.
#[test]
fn a_web_address_is_no_term() {
    let text = "See the Python Cookbook for a long discussion of many ways to do this:\nhttps://code.activestate.com/recipes/52560/\nIf you don’t mind reordering the list, sort it and then scan from the end of the list, deleting duplicates as you go.";
    assert!(!is_label("https://code.activestate.com/recipes/52560/"));
    assert!(!is_label("</Directory>"));
    assert!(!is_label("ServerRoot \"/home/httpd\""));
    let answer = ask(
        "how do I remove duplicates from a list",
        &[hit(&["How do you remove duplicates from a list?"], text)],
    );
    assert!(answer.found(), "{}", answer.text());
    for s in &answer.sentences {
        assert!(!s.text.starts_with("https://"), "{}", s.text);
    }
}

#[test]
fn labels_are_counted_in_words_not_punctuation() {
    // PostgreSQL's function tables space out a signature's punctuation.
    assert!(is_label(
        "lpad ( string text, length integer [, fill text ] ) → text"
    ));
    assert!(is_label("{m,n}+"));
    assert!(is_label("*+, ++, ?+"));
    assert!(!is_label(
        "The types smallint, integer, and bigint store whole numbers, that is, numbers without fractional components"
    ));
    assert!(!is_label("    x = f(a, b)"));
}

/// More of the first page is read to find a sentence worded unlike the question, but only what
/// retrieval ranked says whether the page is about the question: any page read whole holds more of
/// a question's words.
#[test]
fn more_of_a_page_does_not_make_it_about_the_question() {
    let question = "Which harbour pilots guide tankers through winter fog?";
    let hits = [
        hit(&[], "Harbour pilots board every ship at the outer buoy."),
        hit(&[], "Tankers wait at anchor while winter storms pass."),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let index = LexicalIndex::open(dir.path()).expect("index");
    assert!(
        answer(&index, question, &hits, 2, None).found(),
        "both passages retrieved: together they hold most of the question"
    );
    assert!(
        !answer(&index, question, &hits, 1, None).found(),
        "the second only read as more of the page"
    );
}

/// A sentence of another parameter's entry that mentions the one asked about in passing does not
/// open the answer ahead of that parameter's own entry.
#[test]
fn the_entry_the_question_names_comes_before_another_that_mentions_it() {
    let text = "hash_mem_multiplier (floating point)\nUsed to compute the maximum amount of memory that hash-based operations can use. The default value is 2.0, which makes hash-based operations use twice the usual work_mem base amount.\nwork_mem (integer)\nSets the base maximum amount of memory to be used by a query operation before writing to temporary disk files. The default value is four megabytes (4MB).";
    // An index where defaults are common and work_mem is not, as in the manual.
    let mut pages = vec![("20.4. Resource Consumption", text)];
    pages.extend(std::iter::repeat_n(
        ("Settings", "The default value of this setting is zero."),
        8,
    ));
    let (_dir, index) = crate::test_support::index_of(&pages);
    // The manual's parameter entries are sections.
    let hits = [hit(
        &[
            "20.4. Resource Consumption",
            "hash_mem_multiplier (floating point)",
            "work_mem (integer)",
        ],
        text,
    )];
    let answer = answer(&index, "default value of work_mem", &hits, 1, None);
    let first = &answer.sentences.first().expect("an answer").text;
    assert!(
        first.starts_with("work_mem (integer)"),
        "{:?}",
        answer.text()
    );
    assert!(answer.text().contains("(4MB)"));
}

/// A sentence that introduces lines with a colon says what they show: the setting is quoted with
/// it, up to the prose that follows, and its words count for the sentence.
#[test]
fn the_lines_a_colon_introduces_are_quoted_with_it() {
    let text = "Dependencies can be marked “optional”, which means they will not be compiled by default. This can be expressed like this:\n[dependencies]\ngif = { version = \"0.11.1\", optional = true }\nBy default, this optional dependency implicitly defines a feature of the same name.";
    let answer = ask(
        "How do I mark a dependency as optional in the manifest?",
        &[hit(&["Optional dependencies"], text)],
    );
    let all = answer.text();
    assert!(
        all.contains("This can be expressed like this:\n[dependencies]\ngif = { version = \"0.11.1\", optional = true }"),
        "{all:?}"
    );
    assert!(
        !all.contains("optional = true }\nBy default"),
        "the prose after the lines is not part of them: {all:?}"
    );
}

/// A command-line option is a symbol: "Open the docs in a browser" does not say `--open`, so the
/// option is quoted with it.
#[test]
fn an_option_is_quoted_with_its_description() {
    let text = "--open\nOpen the docs in a browser after building them.\n--no-deps\nDo not build documentation for dependencies.";
    let answer = ask(
        "open the built docs in a browser",
        &[hit(&["Documentation Options"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .starts_with("--open\nOpen the docs in a browser"),
        "{:?}",
        answer.text()
    );
}

/// A property page's name is one identifier: the sentence under it says "will" and "fail" but not
/// `WILL_FAIL`, so the name is quoted with it (CMake's `prop_test/WILL_FAIL.html`).
#[test]
fn an_identifier_is_quoted_even_when_the_sentence_has_its_words() {
    let text = "WILL_FAIL\nIf set to true, this will invert the pass/fail flag of the test.\nThis property can be used for tests that are expected to fail and return a non zero return code.";
    let answer = ask(
        "How do I mark a test as one that is expected to fail?",
        &[hit(&["WILL_FAIL"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .starts_with("WILL_FAIL\nIf set to true"),
        "{:?}",
        answer.text()
    );
}

/// The same paragraph on the pages of two versions (CMake's Visual Studio 2022 and 2019
/// generators, the older one prefixed "New in version 3.8:") is quoted once: what the first
/// quote said is not said again from the other page.
#[test]
fn a_paragraph_quoted_from_one_page_is_not_repeated_from_another() {
    let para = "For each toolset that comes with this version of Visual Studio, there are variants that are themselves compiled for 32-bit (x86) and 64-bit (x64) hosts (independent of the architecture they target). By default this generator uses the 64-bit variant on x64 hosts and the 32-bit variant otherwise. One may explicitly request use of either the 32-bit or 64-bit host tools by adding either host=x86 or host=x64 to the toolset specification.";
    let newer = hit(&["Visual Studio 17 2022"], para);
    let mut older = hit(
        &["Visual Studio 16 2019"],
        &format!("New in version 3.8: {para}"),
    );
    older.url = "http://docs.example/vs2019.html".into();
    let answer = ask("visual studio 2022 generator build 32-bit", &[newer, older]);
    let text = answer.text();
    assert_eq!(text.matches("compiled for 32-bit").count(), 1, "{text:?}");
    // Nor is an option's entry, copied on the page of every command that takes it.
    let entry = "--offline\nPrevents Cargo from accessing the network for any reason. Without this flag, Cargo will stop with an error if it needs to access the network and the network is not available. With this flag, Cargo will attempt to proceed without the network if possible.";
    let fetch = hit(&["Manifest Options"], entry);
    let mut cargo = hit(&["Manifest Options"], entry);
    cargo.url = "http://docs.example/cargo.html".into();
    let answer = ask(
        "How do I stop cargo from using the network?",
        &[fetch, cargo],
    );
    let text = answer.text();
    assert_eq!(text.matches("Prevents Cargo").count(), 1, "{text:?}");
}

/// A question that asks how to do something is answered by the option that does it: the entry
/// under `-d queue_id` leads over a sentence that only says it can be done.
#[test]
fn an_option_entry_answers_how_to_do_it() {
    let text = "A message given its queue ID can be deleted from the queue at any time.\n-d queue_id\nDelete one message given its queue ID from the queue.";
    let answer = ask(
        "How do I delete a message from the queue given its queue ID?",
        &[hit(&["postsuper"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .starts_with("-d queue_id\nDelete one message"),
        "{:?}",
        answer.text()
    );
}

/// Chosen sentences that follow one another on the page are one quote, led by the best one's run:
/// the reader gets the fact with what introduces it.
#[test]
fn consecutive_sentences_are_quoted_as_one_run() {
    let text = "shared_buffers (integer)\nSets the amount of memory the database server uses for shared memory buffers. The default is typically 128 megabytes (128MB), but might be less if your kernel settings will not support it.";
    let answer = ask(
        "default shared_buffers memory",
        &[hit(&["20.4. Resource Consumption"], text)],
    );
    assert_eq!(answer.sentences.len(), 1, "{:?}", answer.text());
    assert!(
        answer.sentences[0].text.contains(
            "Sets the amount of memory the database server uses for shared memory buffers. The default is typically 128 megabytes"
        ),
        "{:?}",
        answer.text()
    );
}

/// A run that holds a chosen sentence takes its place even when the answer is full: the
/// sentences chosen last make room ("By default, TLS is disabled … Explicitly switch it on with
/// `smtpd_tls_security_level = may`." for "How do I enable TLS …" on Postfix's TLS README).
#[test]
fn a_run_replaces_its_sentence_in_a_full_answer() {
    let lead = "By default, TLS is disabled in the Postfix SMTP server. Explicitly switch it on with \"smtpd_tls_security_level = may\".";
    let filler = "The Postfix SMTP server announces TLS support to remote SMTP clients that connect to it over the network, one after another, while the server keeps its other settings as they were";
    let mut hits = vec![hit(&["TLS"], lead)];
    for n in 0..5 {
        hits.push(hit(&["TLS"], &format!("{filler} in case {n}.")));
    }
    let text: String = hits.iter().map(|h| h.text.as_str()).collect();
    let question = "How do I enable TLS for the Postfix SMTP server?";
    // The first sentence alone scores best, the fillers next, the run (the first sentence with
    // the one its "it" points back to) last but above the floor.
    let found = rescored(question, &text, &hits, |hit, quote| {
        match (hit, quote.contains("may")) {
            (0, false) => 1.4,
            (0, true) => 1.16,
            _ => 1.3,
        }
    });
    let chosen = choose(&found, &hits, &HashSet::new());
    let first = &hits[chosen[0].hit].text[chosen[0].quote.0..chosen[0].quote.1];
    assert!(first.contains("= may"), "{first}");
}

/// A paragraph quoted as written is one piece of the answer, however many of its sentences were
/// chosen: the entry that answers, scored just under them, is quoted too (`sys._current_exceptions()`'s
/// five sentences, then `sys.exception()` for "What function in the sys module returns the exception
/// instance currently being handled?"). Five sentences on five passages are five pieces: a sixth
/// is left out.
#[test]
fn a_paragraph_is_one_piece_of_the_answer() {
    let paragraph = "Return a dictionary mapping each thread identifier to the topmost exception currently active in that thread. Idle workers never appear in the result. Statistical profilers read the exception of every thread. Internal tools call the function as well. Each call raises an auditing event with no arguments.";
    let answering = "This function returns the exception instance that was caught by this handler.";
    let question = "Which sys function returns the exception instance currently handled?";
    let mut answering_hit = hit(&["sys"], answering);
    answering_hit.start = paragraph.len() + 1;
    let mut hits = vec![hit(&["sys"], paragraph), answering_hit];
    let text = format!("{paragraph}\n{answering}");
    let found = rescored(
        question,
        &text,
        &hits,
        |hit, _| if hit == 0 { 1.4 } else { 1.2 },
    );
    let quotes: Vec<&str> = choose(&found, &hits, &HashSet::new())
        .iter()
        .map(|c| &hits[c.hit].text[c.quote.0..c.quote.1])
        .collect();
    assert!(quotes.contains(&answering), "{quotes:?}");

    let sentences: Vec<&str> = paragraph.split_inclusive(". ").map(str::trim).collect();
    hits = sentences.iter().map(|s| hit(&["sys"], s)).collect();
    hits.push(hit(&["sys"], answering));
    let found = rescored(
        question,
        &text,
        &hits,
        |hit, _| if hit < 5 { 1.4 } else { 1.2 },
    );
    let quotes: Vec<&str> = choose(&found, &hits, &HashSet::new())
        .iter()
        .map(|c| &hits[c.hit].text[c.quote.0..c.quote.1])
        .collect();
    assert!(!quotes.contains(&answering), "{quotes:?}");
}

/// Two chosen sentences are one piece only when the answer has the words to quote what lies between
/// them: the count of pieces is that of the runs the answer is quoted in ("What is a decorator?"
/// on the Python docs was quoted in six).
#[test]
fn sentences_too_far_apart_for_the_words_left_are_two_pieces() {
    let paragraph = "Decorators wrap a function in another function. Python programmers write many helpers for logging and timing, caching results, checking permissions, registering plugins, retrying failed calls, validating arguments, measuring memory, tracing calls, counting invocations and converting return values, among several other common purposes in larger applications today. The standard library ships several ready examples such as staticmethod.";
    let mut hits = vec![hit(&["Decorators"], paragraph)];
    // Four sentences long enough that the words left after them and the paragraph's two (16) are
    // fewer than the 38 between those two.
    let filler = (MAX_WORDS - 46) / 4 - 3;
    for n in 0..4 {
        let words: Vec<String> = (0..filler).map(|i| format!("topic{n}word{i}")).collect();
        let mut topic = hit(
            &["Decorators"],
            &format!("Decorators appear here {}.", words.join(" ")),
        );
        // Further down the page than the paragraph: its two sentences are next to each other.
        topic.start = paragraph.len() + 1 + n * 200;
        hits.push(topic);
    }
    let text: String = hits.iter().map(|h| format!("{}\n", h.text)).collect();
    let found = rescored("What is a decorator?", &text, &hits, |hit, quote| {
        match (hit, quote) {
            (0, q) if q.starts_with("Decorators wrap") => 1.5,
            (0, q) if q.starts_with("The standard library") => 1.45,
            (0, _) => 0.1,
            _ => 1.3,
        }
    });
    let chosen = choose(&found, &hits, &HashSet::new());
    let pieces = runs(&hits, &chosen).len();
    let quotes: Vec<&str> = chosen
        .iter()
        .map(|c| &hits[c.hit].text[c.quote.0..c.quote.1])
        .collect();
    assert!(pieces <= MAX_PIECES, "{pieces} pieces: {quotes:?}");
    assert_eq!(
        chosen.len(),
        MAX_PIECES,
        "the sentence over the budget is left out: {quotes:?}"
    );
}

/// A run that holds two chosen sentences takes the place of both: its text is quoted once
/// ("Unless customized, Jinja2 is configured by Flask as follows:" with the lines it introduces,
/// each of which was chosen first).
#[test]
fn a_run_replaces_every_sentence_it_holds() {
    let text = "Unless customized, Jinja2 is configured by Flask as follows:\nautoescaping is enabled for all templates ending in .html when using render_template().\nautoescaping is enabled for all strings when using render_template_string().";
    let hits = vec![hit(&["Templates"], text)];
    let question = "Which templates get autoescaping in Flask?";
    let found = rescored(question, text, &hits, |_, quote| {
        if quote.starts_with("Unless") {
            1.2
        } else if quote.contains(".html") {
            1.4
        } else {
            1.35
        }
    });
    let quotes: Vec<&str> = choose(&found, &hits, &HashSet::new())
        .iter()
        .map(|c| &text[c.quote.0..c.quote.1])
        .collect();
    assert_eq!(quotes, [text], "{quotes:?}");
}

/// A sentence that would be quoted under its entry's term when alone ("work_mem (integer) … The
/// default value …") joins the run of the chosen sentence right before it, which already stands
/// under that term: one quote, as the page reads, not two ("Remove and return a (key, value) pair
/// from the dictionary." and "Pairs are returned in LIFO order." under `popitem()`).
#[test]
fn a_sentence_under_the_same_term_joins_the_run_before_it() {
    let text = "work_mem (integer)\nSets the base maximum amount of memory used by a query operation. The default value of work_mem memory is four megabytes (4MB).";
    let answer = ask(
        "default value of work_mem memory for a query operation",
        &[hit(
            &["20.4. Resource Consumption", "work_mem (integer)"],
            text,
        )],
    );
    assert_eq!(answer.sentences.len(), 1, "{}", answer.text());
    assert_eq!(answer.sentences[0].text, text);
}

/// A sentence under the entry the question names outranks one under another entry that states the
/// same kind of fact in more of the question's words ("The default value is three connections."
/// under `superuser_reserved_connections` for "default value of max_connections").
#[test]
fn the_named_entry_leads_over_another_with_more_of_the_words() {
    let named = "max_connections (integer)\nDetermines the maximum number of concurrent connections to the database server. The default is typically 100 connections, but might be less if your kernel settings will not support it.";
    let other = "superuser_reserved_connections (integer)\nDetermines the number of connection slots that are reserved for connections by PostgreSQL superusers. It must be less than max_connections. Its default value is three connections.";
    let mut pages = vec![
        ("20.3. Connections and Authentication", named),
        ("20.3. Connections and Authentication", other),
    ];
    pages.extend(std::iter::repeat_n(
        ("Settings", "The default value of this setting is zero."),
        8,
    ));
    let (_dir, index) = crate::test_support::index_of(&pages);
    // Retrieval ranks the other entry first, as on the manual.
    let hits = [
        hit(&["superuser_reserved_connections (integer)"], other),
        hit(&["max_connections (integer)"], named),
    ];
    let answer = answer(
        &index,
        "What is the default value of max_connections?",
        &hits,
        2,
        None,
    );
    let first = &answer.sentences.first().expect("an answer").text;
    assert!(first.contains("100 connections"), "{:?}", answer.text());
}

/// A question's symbols are part of what it asks: `~1.2` is a literal, stated only verbatim.
#[test]
fn literals_are_the_question_tokens_whose_symbols_matter() {
    use super::intent::{literals, says_literal};
    assert_eq!(literals("tilde requirement ~1.2 meaning"), ["~1.2"]);
    assert_eq!(
        literals("What happens with the -O flag, and check=True?"),
        ["-O", "check=True"]
    );
    assert!(literals("What is sys.maxsize on a 64-bit build?").is_empty());
    let tilde = ["~1.2".to_string()];
    assert!(says_literal(&tilde, "~1.2    := >=1.2.0, <1.3.0"));
    assert!(says_literal(&tilde, "Write `~1.2`."));
    assert!(says_literal(&tilde, "It is ~1.2."));
    assert!(!says_literal(
        &tilde,
        "~1.2.3 is an example of a tilde requirement."
    ));
    assert!(!says_literal(&tilde, "^~1.2"));
}

/// Examples listed right after a sentence are quoted with it, up to the one stating the
/// question's literal.
#[test]
fn the_example_stating_a_literal_is_quoted() {
    let tilde = "Tilde requirements specify a minimal version with some ability to update.\n~1.2.3 is an example of a tilde requirement.\n~1.2.3  := >=1.2.3, <1.3.0\n~1.2    := >=1.2.0, <1.3.0\n~1      := >=1.0.0, <2.0.0";
    let caret = "Caret requirements allow SemVer compatible updates to a specified version.\n^1.2.3 is an example of a caret requirement.\n^1.2.3  :=  >=1.2.3, <2.0.0\n^1.2    :=  >=1.2.0, <2.0.0";
    let answer = ask(
        "tilde requirement ~1.2 meaning",
        &[
            hit(&["Caret requirements"], caret),
            hit(&["Tilde requirements"], tilde),
        ],
    );
    assert!(
        answer.sentences[0]
            .text
            .contains("~1.2.3  := >=1.2.3, <1.3.0\n~1.2    := >=1.2.0, <1.3.0"),
        "{:?}",
        answer.text()
    );
    assert!(
        !answer.text().contains("~1      :="),
        "lines after the literal's are not quoted: {:?}",
        answer.text()
    );
}

/// Of two values under the entry the question names, the one stated as the default answers a
/// question asking for the default, in whatever words it asks.
#[test]
fn the_value_stated_as_the_default_answers_a_default_question() {
    let text = "shared_buffers (integer)\nSets the amount of memory the database server uses for shared memory buffers. The default is typically 128 megabytes (128MB), but might be less if your kernel settings will not support it (as determined during initdb). This setting must be at least 128 kilobytes. However, settings significantly higher than the minimum are usually needed for good performance.\nIf you have a dedicated database server with 1GB or more of RAM, a reasonable starting value for shared_buffers is 25% of the memory in your system.";
    let answer = ask(
        "How much memory does PostgreSQL use for shared_buffers out of the box?",
        &[hit(&["Memory"], text)],
    );
    assert!(
        answer.sentences[0].text.contains("128MB"),
        "{:?}",
        answer.text()
    );
}

/// A superlative of magnitude ("the biggest number") asks for a limit: the table row that states
/// it comes before the sentence that repeats the question's words without a value.
#[test]
fn a_superlative_asks_for_the_value_that_bounds_it() {
    assert!(Intent::of("What's the largest n I can use in varchar(n)?").wants_value);
    assert!(!Intent::of("What is the largest medical school in Poland?").wants_value);
    let text = "The types smallint, integer, and bigint store whole numbers, that is, numbers without fractional components, of various ranges.\nName | Storage Size | Description | Range\nbigint | 8 bytes | large-range integer | -9223372036854775808 to +9223372036854775807";
    let answer = ask(
        "What's the biggest whole number I can store in an 8-byte integer column?",
        &[hit(&["8.1.1. Integer Types"], text)],
    );
    assert!(
        answer.sentences[0].text.contains("+9223372036854775807"),
        "{}",
        answer.text()
    );
}

/// For a question on how to do something, a sentence over a command it tells the reader to run is
/// quoted with the command, as one that introduces it with a colon is.
#[test]
fn a_step_is_quoted_with_the_command_under_it() {
    let text = "Before your first publish\nFirst you need an account on the registry to get an API token. Then run the login command.\n$ cargo login\nThen paste the token at the prompt.";
    let answer = ask(
        "How do I authenticate with the registry before I publish?",
        &[hit(&["Before your first publish"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .ends_with("Then run the login command.\n$ cargo login"),
        "{}",
        answer.text()
    );
}

/// The term of the next entry of a definition list (`pop [--index] [<stash>]` over its
/// description, however short, or last in the passage) is not a command under a step.
#[test]
fn the_next_entry_s_term_is_no_command_under_a_step() {
    for after in [
        "",
        "\nRemove a single stash entry from the list of stash entries.",
        // psql's `\dy[+] [ pattern ]` over "Lists event triggers. If pattern is specified, …".
        "\nRemoves stash entries.",
        "\nRemoves stash entries. If a stash is named, only that entry is removed.",
    ] {
        let text = format!("show [-u|--include-untracked] [<stash>]\nShow the changes recorded in the stash entry. You can also use stash.showIncludeUntracked to set whether untracked files are shown by default.\npop [--index] [-q|--quiet] [<stash>]{after}");
        let answer = ask(
            "how to show untracked files in a stash",
            &[hit(&["COMMANDS"], &text)],
        );
        assert!(answer.found(), "{}", answer.text());
        for s in &answer.sentences {
            assert!(!s.text.contains("pop ["), "{}", s.text);
        }
    }
}

/// psql's meta-commands are terms written as syntax: the answer quotes `\password [ username ]`
/// over what it does, and the next entry's term, over a description that ends inside a parenthesis
/// ("(For multiword prompts, surround the text with single quotes.)"), is not a command the step
/// shows.
#[test]
fn a_backslash_command_is_quoted_and_the_next_one_is_no_step() {
    let text = "\\password [ username ]\nChanges the password of the specified user (by default, the current user). This command prompts for the new password, encrypts it, and sends it to the server as an ALTER ROLE command. This makes sure that the new password does not appear in cleartext in the command history, the server log, or elsewhere.\n\\prompt [ text ] name\nPrompts the user to supply text, which is assigned to the variable name. An optional prompt string, text, can be specified. (For multiword prompts, surround the text with single quotes.)";
    let answer = ask(
        "how to change the password of a user",
        &[hit(&["Meta-Commands"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .starts_with("\\password [ username ]\nChanges the password"),
        "{}",
        answer.text()
    );
    for s in &answer.sentences {
        assert!(!s.text.contains("\\prompt"), "{}", s.text);
    }
}

/// A sentence that says what the subject is ("A workspace is …") answers "what is a workspace"
/// before the first sentence of a section whose heading only holds the word ("Virtual workspace").
#[test]
fn a_sentence_saying_what_the_subject_is_defines_it() {
    use super::definition::states_definition;
    assert!(states_definition(
        "a workspace",
        "A workspace is a collection of packages."
    ));
    assert!(states_definition(
        "descriptors",
        "Descriptors are objects that define __get__."
    ));
    assert!(!states_definition(
        "a workspace",
        "A workspace member is a package."
    ));
    // An owner's name before the subject (the Rust book), and a passive that says how the subject
    // is made, not what it is.
    assert!(states_definition(
        "a closure",
        "Rust’s closures are anonymous functions you can save in a variable."
    ));
    assert!(!states_definition(
        "a closure",
        "Closures are represented by traits, which means you can’t return closures directly."
    ));
    // A singular subject's "is" names a kind of thing, an adverb aside; a property is no definition.
    assert!(states_definition(
        "a bare repository",
        "A bare repository is normally an appropriately named directory with a .git suffix."
    ));
    assert!(!states_definition(
        "AllowOverride",
        "AllowOverride is valid only in <Directory> sections specified without regular expressions."
    ));
    // What kind of thing the subject is, between it and the verb.
    assert!(states_definition(
        "unwrap",
        "The unwrap method is a shortcut method implemented just like the match expression."
    ));
    assert!(!states_definition(
        "unwrap",
        "The unwrap_or_else method is defined on Result."
    ));
    // What the subject does, in the present tense, with a name's manual section and a qualifier
    // aside; not a plural noun after it, nor the subject after an opening phrase.
    assert!(states_definition(
        "the postscreen daemon",
        "The Postfix postscreen(8) daemon provides additional protection against mail server overload."
    ));
    assert!(states_definition(
        "the Send trait",
        "The Send marker trait indicates that ownership of values of the type can be transferred."
    ));
    assert!(!states_definition(
        "VACUUM",
        "RBU Vacuum applications all implement some variation of the following procedure:"
    ));
    assert!(!states_definition(
        "VACUUM",
        "By default, VACUUM operates on the main database."
    ));
    // An attribute is named without its marks (the Rust reference).
    assert!(states_definition(
        "#[must_use]",
        "The must_use attribute is used to issue a diagnostic warning when a value is not “used”."
    ));
    let virtual_workspace = hit(
        &["Virtual workspace"],
        "Virtual workspace\nAlternatively, a Cargo.toml file can be created with a [workspace] section but without a [package] section.",
    );
    let workspaces = hit(
        &["Workspaces"],
        "Workspaces\nA workspace is a collection of one or more packages, called workspace members, that are managed together.",
    );
    let answer = ask("what is a workspace", &[virtual_workspace, workspaces]);
    assert!(
        answer.sentences[0]
            .text
            .starts_with("A workspace is a collection"),
        "{}",
        answer.text()
    );
}

/// The paragraph under a heading that asks a question (a FAQ entry) answers it as one run: the
/// sentence holding the question's words comes with the one before it that gives the reason.
#[test]
fn the_paragraph_under_a_question_heading_is_quoted_from_its_start() {
    let text = "Why is it called Python?\nWhen he began implementing Python, Guido van Rossum was also reading the published scripts from “Monty Python’s Flying Circus”, a BBC comedy series from the 1970s. Van Rossum thought he needed a name that was short, unique, and slightly mysterious, so he decided to call the language Python.\nDo I have to like “Monty Python’s Flying Circus”?\nNo, but it helps. Python is a language that many people enjoy.";
    let answer = ask(
        "Why is the Python language named Python?",
        &[hit(&["Why is it called Python?"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .starts_with("When he began implementing Python"),
        "{}",
        answer.text()
    );
}

/// A sentence that states the question's literal as written comes before one that holds only its
/// digits under another operator.
#[test]
fn the_literal_as_written_comes_first() {
    let tilde = hit(
        &["Tilde requirements"],
        "Tilde requirements\n~1.2.3 is an example of a tilde requirement.",
    );
    let mut caret = hit(
        &["Caret requirements"],
        "Caret requirements\n^1.2.3 is an example of a caret requirement.",
    );
    caret.score = 0.9;
    let answer = ask(
        "What versions does the requirement ^1.2.3 accept?",
        &[tilde, caret],
    );
    assert!(
        answer.sentences[0].text.contains("^1.2.3 is an example"),
        "{}",
        answer.text()
    );
}

/// "Why" asks for a reason: a question that mentions a default argument does not ask for a value.
#[test]
fn why_questions_ask_for_no_value() {
    let why = Intent::of("Why does a list I use as a default argument keep accumulating items?");
    assert!(!why.wants_value && !why.wants_default);
    let default = Intent::of("What is the default value of max_connections?");
    assert!(default.wants_value && default.wants_default);
    assert!(Intent::of("postgresql port out of the box").wants_default);
}

/// The Cargo Book lists an entry's type, default and environment variable as field lines between
/// its name and its description: they belong to the entry and do not replace its name.
#[test]
fn field_lines_belong_to_the_entry_above_them() {
    assert!(is_field("Default: 30"));
    assert!(is_field("Environment: CARGO_HTTP_TIMEOUT or HTTP_TIMEOUT"));
    assert!(!is_field("work_mem (integer)"));
    assert!(!is_field("cargo::rustc-cfg=KEY[=\"VALUE\"]"));
    let text = "build.rustflags\nType: string or array of strings\nDefault: none\nEnvironment: CARGO_BUILD_RUSTFLAGS\nExtra command-line flags to pass to rustc. The value may be an array of strings or a space-separated string.";
    let answer = ask(
        "How do I pass extra flags to rustc for every build in the config file?",
        &[hit(&["Configuration", "build.rustflags"], text)],
    );
    // The entry's name, which holds the question's "build", is quoted with its head and
    // description: the environment line does not replace it.
    assert!(
        answer.sentences[0].text.starts_with("build.rustflags"),
        "{:?}",
        answer.text()
    );
    // A field holding the value asked for is quoted with the sentence it heads.
    let text = "http.timeout\nType: integer\nDefault: 30\nEnvironment: CARGO_HTTP_TIMEOUT\nSets the timeout for each HTTP request, in seconds.";
    let answer = ask(
        "default value of http.timeout",
        &[hit(&["Configuration", "http.timeout"], text)],
    );
    assert!(
        answer.sentences[0].text.contains("Default: 30"),
        "{:?}",
        answer.text()
    );
}

/// Node.js states a parameter's default at the end of its line ("highWaterMark <number> The
/// maximum number of bytes … Default: 16384 (16 KiB)."), or after its type ("<number> Timeout in
/// milliseconds. Default: 5000 (5 seconds)."): the field is read and quoted with its line, which
/// names what it is the default of. A sentence that opens with a name and a colon is no field.
#[test]
fn a_field_inside_a_line_is_read_with_the_line() {
    assert!(is_inline_field("Default: 5000 (5 seconds)."));
    assert!(!is_inline_field(
        "See Cargo Targets: Tests to learn more about different styles of tests in Cargo."
    ));
    assert_eq!(
        typed_field("<number> Default: 60000"),
        Some("Default: 60000")
    );
    let text = "server.headersTimeout\nAdded in: v11.3.0\n<number> Default: The minimum between server.requestTimeout or 60000.\nLimit the amount of time the parser will wait to receive the complete HTTP headers.";
    let answer = ask(
        "How long does an HTTP server wait to receive the complete request headers by default?",
        &[hit(&["HTTP", "server.headersTimeout"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .contains("Default: The minimum between server.requestTimeout or 60000."),
        "{:?}",
        answer.text()
    );
    let text = "new stream.Readable([options])\noptions <Object>\nhighWaterMark <number> The maximum number of bytes to store in the internal buffer before ceasing to read from the underlying resource. Default: 16384 (16 KiB), or 16 for objectMode streams.\nobjectMode <boolean> Whether this stream should behave as a stream of objects. Default: false.\nThe use of readable.setEncoding() will change the behavior of how the highWaterMark operates in non-object mode.";
    let answer = ask(
        "default highWaterMark of a readable stream",
        &[hit(&["Stream", "Implementing a readable stream"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .contains("highWaterMark <number> The maximum number of bytes")
            && answer.sentences[0].text.contains("Default: 16384 (16 KiB)"),
        "{:?}",
        answer.text()
    );
    let text = "server.keepAliveTimeout\nAdded in: v8.0.0\n<number> Timeout in milliseconds. Default: 5000 (5 seconds).\nA value of 0 will disable the keep-alive timeout behavior on incoming connections. A value of 0 makes the http server behave similarly to Node.js versions prior to 8.0.0, which did not have a keep-alive timeout.";
    let answer = ask(
        "What is the default keepAliveTimeout of an HTTP server?",
        &[hit(&["HTTP", "server.keepAliveTimeout"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .contains("Default: 5000 (5 seconds)."),
        "{:?}",
        answer.text()
    );
}

/// Node.js lists a function's parameters between its signature and its description: a parameter
/// (`options <Object>`) opens no entry of its own, so the description is quoted under the
/// signature that names the function.
#[test]
fn a_parameter_line_does_not_take_the_signature_s_place() {
    assert!(is_parameter_of(
        "crypto.randomUUID([options])",
        "options <Object>"
    ));
    assert!(!is_parameter_of(
        "crypto.randomUUID([options])",
        "Returns: <string>"
    ));
    assert!(!is_parameter_of("git bisect (bad|new) [<rev>]", "bad"));
    // An option of a parameter, with its type, is part of the call's entry too.
    assert!(is_parameter_of(
        "fsPromises.readFile(path[, options])",
        "signal <AbortSignal> allows aborting an in-progress readFile"
    ));
    assert!(!is_parameter_of(
        "fsPromises.readFile(path[, options])",
        "Examples"
    ));
    let text = "crypto.randomUUID([options])\nAdded in: v15.6.0\noptions <Object>\ndisableEntropyCache <boolean> By default, to improve performance, Node.js generates and caches enough random data to generate up to 128 random UUIDs. Default: false.\nReturns: <string>\nGenerates a random RFC 4122 version 4 UUID. The UUID is generated using a cryptographic pseudorandom number generator.";
    let answer = ask(
        "How do I generate a random UUID?",
        &[hit(&["Crypto", "crypto.randomUUID([options])"], text)],
    );
    assert!(
        answer.text().starts_with("crypto.randomUUID([options])"),
        "{:?}",
        answer.text()
    );
}

/// A label or table between a function's signature and its parameters (the Node.js docs' "History"
/// and table of changes) does not end the entry: after the parameters, the description stands
/// under the signature.
#[test]
fn parameters_bring_back_the_signature_s_entry() {
    let text = "fsPromises.readFile(path[, options])\nHistory\nVersion | Changes\nv15.2.0 | The options argument may include an AbortSignal.\nv10.0.0 | Added in: v10.0.0\npath {string|Buffer|URL|FileHandle} filename or FileHandle\nsignal <AbortSignal> allows aborting an in-progress readFile\nAsynchronously reads the entire contents of a file into memory.";
    let answer = ask(
        "How do I read a whole file into memory asynchronously using promises?",
        &[hit(
            &["File system", "fsPromises.readFile(path[, options])"],
            text,
        )],
    );
    assert!(
        answer
            .text()
            .starts_with("fsPromises.readFile(path[, options]) … Asynchronously reads"),
        "{:?}",
        answer.text()
    );
}

/// What changed in which version, and the parameters, come between a call's signature and its
/// description in the Node.js docs: neither opens the entry, so "What does X do?" is answered by
/// the description, under the signature.
#[test]
fn change_notes_and_parameters_do_not_open_the_entry() {
    assert!(opens_with_version("v15.2.0, v14.17.0 |"));
    assert!(!opens_with_version("Version | Changes"));
    let text = "process.nextTick(callback[, ...args])\nHistory\nVersion | Changes\nv18.0.0 |\nPassing an invalid callback to the callback argument now throws ERR_INVALID_ARG_TYPE.\nv1.8.1 |\nAdditional arguments after callback are now supported.\ncallback <Function>\n...args <any> Additional arguments to pass when invoking the callback\nprocess.nextTick() adds callback to the \"next tick queue\". This queue is fully drained after the current operation on the JavaScript stack runs to completion.";
    let answer = ask(
        "what does process.nextTick do",
        &[hit(
            &["Process", "process.nextTick(callback[, ...args])"],
            text,
        )],
    );
    assert!(
        answer.text().starts_with(
            "process.nextTick(callback[, ...args]) … process.nextTick() adds callback"
        ),
        "{:?}",
        answer.text()
    );
}

/// "New in version 3.11." says when its entry appeared, nothing else: it answers a question about
/// versions, not one that only mentions the version ("What is datetime.UTC, new in 3.11?").
#[test]
fn a_version_note_answers_only_a_version_question() {
    let text = "datetime.UTC\nAlias for the UTC timezone singleton datetime.timezone.utc.\nNew in version 3.11.";
    let hits = [hit(&["datetime — Basic date and time types"], text)];
    let answer = ask("What is datetime.UTC, new in Python 3.11?", &hits);
    assert!(
        !answer.text().contains("New in version"),
        "{}",
        answer.text()
    );
    let answer = ask("In which version is datetime.UTC new?", &hits);
    assert!(
        answer.text().contains("New in version 3.11."),
        "{}",
        answer.text()
    );
}

/// So does a note that a feature is available from some version on ("This feature is available in
/// Postfix 2.3 and later.", hundreds of them in Postfix's postconf(5); "This function is available
/// since SDL 2.0.0."), but not a sentence that says more.
#[test]
fn an_availability_note_is_a_version_note() {
    use super::history::is_version_note;
    assert!(is_version_note(
        "This feature is available in Postfix 2.3 and later."
    ));
    assert!(is_version_note(
        "This function is available since SDL 2.0.0."
    ));
    assert!(is_version_note("It is available in v18.2.0 or later."));
    assert!(!is_version_note(
        "This feature is available in most builds."
    ));
    assert!(!is_version_note(
        "It is available in the sys module of every build since 3.8."
    ));
    assert!(!is_version_note("This is available to every user of 2.0."));
    let text = "message_size_limit (default: 10240000)
The maximal size in bytes of a message.
This feature is available in Postfix 2.3 and later.";
    let answer = ask(
        "postfix max message size default",
        &[hit(&["postconf(5)"], text)],
    );
    assert!(
        !answer.text().contains("available in Postfix"),
        "{}",
        answer.text()
    );
}

/// A table whose first row is a field ("Description: | …") has no header: that row is read as a
/// statement about the entry, as the rows after it are.
#[test]
fn a_field_opening_a_table_is_read_as_a_row() {
    let text =
        "User Directive\nDescription: | The userid under which the server will answer requests\n\
                Syntax: | User unix-userid\nDefault: | User #-1";
    let hits = [hit(&["User Directive"], text)];
    let answer = ask("what does the User directive do", &hits);
    assert!(
        answer
            .text()
            .contains("The userid under which the server will answer requests"),
        "{}",
        answer.text()
    );
}

/// What kind of thing a heading names after the name ("ServerRoot Directive") says nothing about
/// which: the entry's own description defines the name, ahead of an option elsewhere whose
/// description names it ("-d serverroot": "Set the initial value for the ServerRoot directive").
#[test]
fn a_kind_after_a_name_does_not_dilute_its_heading() {
    let entry = "ServerRoot Directive\nDescription: | Base directory for the server installation\n\
                 Syntax: | ServerRoot directory-path";
    let elsewhere =
        "Options\n-d serverroot\nSet the initial value for the ServerRoot directive to serverroot.";
    let hits = [
        hit(&["Options"], elsewhere),
        hit(&["ServerRoot Directive"], entry),
    ];
    let answer = ask("what does ServerRoot do", &hits);
    assert!(
        answer
            .text()
            .starts_with("Description: | Base directory for the server installation"),
        "{}",
        answer.text()
    );
}

/// How things were before some version ("Prior to Apache 1.3, HostnameLookups defaulted to On.")
/// is not what holds now: the default the page states for today answers, the history only a
/// question about versions.
#[test]
fn how_things_were_before_a_version_answers_only_a_version_question() {
    let history = "HostnameLookups\nPrior to Apache 1.3, HostnameLookups defaulted to On. \
                   DNS lookups add latency to every request.";
    let entry =
        "HostnameLookups Directive\nDescription: | Enables DNS lookups on client IP addresses\n\
                 Default: | HostnameLookups Off";
    let hits = [
        hit(&["Performance Tuning"], history),
        hit(&["HostnameLookups Directive"], entry),
    ];
    let answer = ask("HostnameLookups default", &hits);
    assert!(!answer.text().contains("Prior to"), "{}", answer.text());
    assert!(
        answer.text().contains("HostnameLookups Off"),
        "{}",
        answer.text()
    );
    let answer = ask(
        "In which version did the HostnameLookups default change?",
        &hits,
    );
    assert!(
        answer.text().contains("Prior to Apache 1.3"),
        "{}",
        answer.text()
    );
}

/// A manual page's "Description" describes the page's subject, named by its title: its first
/// sentence defines the command, ahead of an example entry named by a command line.
#[test]
fn a_manual_page_description_defines_what_the_page_names() {
    let text = "DESCRIPTION\nThis cargo subcommand will vendor all crates.io and git dependencies for a project into the specified directory.\nEXAMPLES\ncargo vendor -s ../path/to/Cargo.toml\nVendor and redirect the necessary vendor configs to a config file.";
    let mut page = hit(&["cargo-vendor(1)", "DESCRIPTION"], text);
    page.title = "cargo vendor - The Cargo Book".into();
    let answer = ask("What does cargo vendor do?", &[page]);
    assert!(
        answer.sentences[0]
            .text
            .contains("This cargo subcommand will vendor"),
        "{}",
        answer.text()
    );
}

/// Two sentences in the same words that state different values say different things: the answer
/// quotes the later value too, where it would drop a repeat. A sentence that repeats a chosen one
/// and adds only a reference ("see Section 27.2.8") is still a repeat.
#[test]
fn a_sentence_stating_another_value_is_not_a_repeat() {
    let text = "Since the SQLite database file format was designed (in 2003) the default page size for new databases has been 1024 bytes. So, beginning with SQLite version 3.12.0 the default page size for new database files has been increased to 4096 bytes.";
    let answer = ask(
        "default page size of a new database",
        &[hit(&["Page size"], text)],
    );
    assert!(answer.text().contains("4096 bytes"), "{}", answer.text());
    let text = "Streaming replication is asynchronous by default.\nIn the default configuration streaming replication is asynchronous (see Section 27.2.8).";
    let answer = ask(
        "is streaming replication asynchronous by default",
        &[hit(&["Replication"], text)],
    );
    assert_eq!(answer.sentences.len(), 1, "{}", answer.text());
    assert!(intent::stated_numbers("see Section 27.2.8, Listing 10-2")
        .next()
        .is_none());
    assert_eq!(
        intent::stated_numbers("increased to 4096 bytes in 3.12.0").collect::<Vec<_>>(),
        ["4096", "3.12.0"]
    );
    // A version states no quantity (Doxygen's "available since" under every SDL function); an
    // address or a decimal may.
    assert!(!intent::states_quantity(
        "This function is available since SDL 2.0.0."
    ));
    assert!(intent::states_quantity("It binds to 127.0.0.1 by default."));
    assert!(intent::states_quantity("The factor is 1.5 by default."));
}

/// Sentences in nearly the same words under two options' terms say it of different options: the
/// second is no repeat of the first (git stash's `--all` and `--include-untracked`). The same
/// sentence under the same term is still one, and so is an entry copied under a term that shares
/// its options.
#[test]
fn sentences_under_different_terms_are_not_repeats() {
    let text = "-a\n--all\nAll ignored and untracked files are also stashed and then cleaned up with git clean.\n-u\n--include-untracked\nWhen used with the push and save commands, all untracked files are also stashed and then cleaned up with git clean.";
    let answer = ask("stash untracked files too", &[hit(&["OPTIONS"], text)]);
    assert!(
        answer
            .text()
            .contains("When used with the push and save commands"),
        "{}",
        answer.text()
    );
    let entry = "-u\n--include-untracked\nWhen used with the push and save commands, all untracked files are also stashed and then cleaned up with git clean.";
    let mut again = hit(&["OPTIONS"], entry);
    again.url = "http://docs.example/git-stash-copy.html".into();
    let answer = ask(
        "stash untracked files too",
        &[hit(&["OPTIONS"], entry), again],
    );
    assert_eq!(answer.sentences.len(), 1, "{}", answer.text());
    // git-merge's entry, copied into git-pull's under one option fewer: one entry.
    let merge = "--ff\n--no-ff\n--ff-only\nSpecifies how a merge is handled when the merged-in history is already a descendant of the current history.";
    let mut pull = hit(
        &["OPTIONS"],
        "--ff\n--no-ff\nSpecifies how a merge is handled when the merged-in history is already a descendant of the current history.",
    );
    pull.url = "http://docs.example/git-pull.html".into();
    let answer = ask(
        "how is a merge handled with --no-ff",
        &[hit(&["OPTIONS"], merge), pull],
    );
    assert_eq!(answer.sentences.len(), 1, "{}", answer.text());
}

/// A question's word found only among the parameters of the signature a sentence stands under
/// counts as little as the signature is about the question: under `open(file, mode='r', …,
/// encoding=None, …)` the sentence on `mode`'s default does not answer "the default encoding of
/// open()"; the one on `encoding` does.
#[test]
fn a_signature_parameter_speaks_for_no_sentence() {
    let signature = "open(file, mode='r', buffering=-1, encoding=None, errors=None, newline=None, closefd=True, opener=None)";
    let mode = "It defaults to 'r' which means reading in text mode.";
    let encoding = "The default encoding is platform dependent.";
    let text = format!(
        "{signature}\nOpen file and return a corresponding file object.\n{mode}\n{encoding}"
    );
    let hits = [hit(&["Built-in Functions", signature], &text)];
    let question = "what is the default encoding of open()";
    let found = scored(question, &text, &hits, &semantic::Meanings::default());
    let support = |sentence: &str| {
        found
            .iter()
            .find(|c| &hits[0].text[c.start..c.end] == sentence)
            .map(|c| c.support)
            .expect("a candidate")
    };
    assert!(support(mode) < 0.8, "{}", support(mode));
    assert!(support(encoding) > support(mode));
}

/// A page that lists changes (what's new, release notes, a changelog) is known by its title: its
/// sentences do not say what a thing is or does (`py-046`: "What does the Py_INCREF macro do in the
/// C API?" led with what changed in it in Python 3.10).
#[test]
fn a_list_of_changes_does_not_define() {
    for title in [
        "What’s New In Python 3.10 — Python 3.11.2 documentation",
        "CMake 3.20 Release Notes — CMake 3.25.1 Documentation",
        "Changes — Flask Documentation (2.2.x)",
        "Changelog - The Cargo Book",
        "SQLite Release 3.40.1 On 2022-12-28",
        "E.1. Release 15.20",
    ] {
        assert!(lists_changes(title), "{title}");
    }
    for title in [
        "2.3. Creating a New Table",
        "39.2. Visibility of Data Changes",
        "RELEASE SAVEPOINT",
        "Step 12: Packaging Debug and Release — CMake 3.25.1 Documentation",
    ] {
        assert!(!lists_changes(title), "{title}");
    }
}

/// A sentence that says in which version something came or went says when, not what it is
/// (`cargo-009` hybrid led with "Specifying the edition in Cargo.toml has been stabilized in the
/// 1.31 release." for "Which edition does Cargo assume when Cargo.toml does not say?").
#[test]
fn a_dated_change_says_when() {
    for sentence in [
        "Specifying the edition in Cargo.toml has been stabilized in the 1.31 release.",
        "This function was added in SQLite version 3.8.7.",
        "The loop parameter was removed in Python 3.10.",
        "Deprecated since version 3.12, the function still works.",
    ] {
        assert!(dates_a_change(sentence), "{sentence}");
    }
    for sentence in [
        "If the edition field is not present in Cargo.toml, then the 2015 edition is assumed.",
        "Items added in this list are removed at exit.",
        "The value was added in 2 steps.",
    ] {
        assert!(!dates_a_change(sentence), "{sentence}");
    }
}

/// A truth value answers what the default is but is no limit, size or count: "This can be avoided
/// by setting recursive to False." (`TarFile.add`) does not answer "default recursion limit", and
/// the sentences of `sys.setrecursionlimit` lead.
#[test]
fn a_truth_value_states_no_limit() {
    let intent = Intent::of("default recursion limit");
    let boolean = "Directories are added recursively by default. This can be avoided by setting recursive to False.";
    assert!(!intent::states_value_asked(intent, boolean));
    assert!(intent::states_value_asked(
        intent,
        "The default limit is 1000."
    ));
    assert!(intent::answers_value(intent, boolean));
    let mut tar = hit(
        &["TarFile Objects"],
        "TarFile.add(name, arcname=None, recursive=True, *, filter=None)\nAdd the file name to the archive. Directories are added recursively by default. This can be avoided by setting recursive to False.",
    );
    let mut sys = hit(
        &["sys — System-specific parameters and functions"],
        "sys.setrecursionlimit(limit)\nSet the maximum depth of the Python interpreter stack to limit. This limit prevents infinite recursion from causing an overflow of the C stack and crashing Python.",
    );
    sys.url = "http://docs.example/sys.html".into();
    (tar.score, tar.ordinal) = (0.95, 1);
    let answer = ask("default recursion limit", &[sys, tar]);
    assert!(
        answer.text().starts_with("Set the maximum depth"),
        "{}",
        answer.text()
    );
}

/// A sentence that says what the default is repeats no chosen sentence that does not, however many
/// words they share ("Read Committed is the default isolation level in PostgreSQL." after "In
/// PostgreSQL, you can request any of the four standard transaction isolation levels …").
#[test]
fn a_sentence_naming_the_default_is_no_repeat() {
    let levels = "In PostgreSQL, you can request any of the four standard transaction isolation levels, but internally only three distinct isolation levels are implemented, i.e., PostgreSQL's Read Uncommitted mode behaves like Read Committed.";
    let mut default = hit(
        &[
            "13.2. Transaction Isolation",
            "13.2.1. Read Committed Isolation Level",
        ],
        "Read Committed is the default isolation level in PostgreSQL.",
    );
    (default.score, default.ordinal) = (0.3, 1);
    let answer = ask(
        "What is the default transaction isolation level in PostgreSQL?",
        &[hit(&["13.2. Transaction Isolation"], levels), default],
    );
    assert!(
        answer.text().contains("Read Committed is the default"),
        "{}",
        answer.text()
    );
}

/// Sentences in nearly the same words that name different things in code say different things
/// (Cargo's build directory and target directory); the same sentence again under the name it
/// is quoted with is still a repeat.
#[test]
fn sentences_naming_other_settings_are_no_repeats() {
    let text = "Cargo stores the output of a build into the target and build directories.\nTo change the location of the build-dir, you can set the CARGO_BUILD_BUILD_DIR environment variable or the build.build-dir config value.\nTo change the location of the target-dir, you can set the CARGO_TARGET_DIR environment variable or the build.target-dir config value.";
    let answer = ask(
        "How do I change the location of the build output directory?",
        &[hit(&["Build cache"], text)],
    );
    assert!(
        answer.text().contains("CARGO_TARGET_DIR"),
        "{}",
        answer.text()
    );
    let text = "math.cbrt(x)\nReturn the cube root of x.";
    let mut news = hit(&["math"], "Add math.cbrt(): return the cube root of x.");
    (news.url, news.score) = ("http://docs.example/whatsnew.html".into(), 0.5);
    let answer = ask(
        "cube root of x",
        &[
            hit(&["math — Mathematical functions", "math.cbrt(x)"], text),
            news,
        ],
    );
    assert_eq!(answer.sentences.len(), 1, "{}", answer.text());
}

/// A sentence that breaks off over a formula set off below it ("… z1 < z2 if and only if", GNU
/// Octave's manual) or over code is quoted with it, which says what the sentence leaves unsaid. A line of prose
/// wrapped in fixed width does not go on that way.
#[test]
fn a_sentence_that_breaks_off_over_a_formula_is_quoted_with_it() {
    let text = "For complex numbers, the following ordering is defined: z1 < z2 if and only if\n  abs (z1) < abs (z2)\n  || (abs (z1) == abs (z2) && arg (z1) < arg (z2))\nThis is consistent with the ordering used by max, min and sort, but is not consistent with MATLAB, which only compares the real parts.";
    let answer = ask(
        "How does the < operator order complex numbers?",
        &[hit(&["Comparison Operators"], text)],
    );
    assert!(
        answer
            .text()
            .contains("if and only if\n  abs (z1) < abs (z2)"),
        "{}",
        answer.text()
    );
    // So is one that breaks off over code (the Python tutorial).
    let text = "The default values are evaluated at the point of function definition in the defining scope, so that\ni = 5\ndef f(arg=i):\n    print(arg)\nwill print 5.";
    let answer = ask(
        "When are default values evaluated?",
        &[hit(&["Default Argument Values"], text)],
    );
    assert!(
        answer.text().contains("so that\ni = 5"),
        "{}",
        answer.text()
    );
    let wrapped = "So a revert undoes the data changes, but it is very much not an\nundo in the sense that it does not undo the effects of a commit.";
    assert!(!formula_follows(
        wrapped,
        wrapped.find('\n').expect("two lines")
    ));
}

/// A line of a few words that breaks off on a word no sentence ends with ("… are created using")
/// is a sentence going on below, not the term of the lines under it: it is quoted with the command
/// it introduces, however plain that command looks (bash's manual, `declare -A name`). A word
/// joining two examples ("or") and a long wrapped line of prose under it stay as they were.
#[test]
fn a_short_line_that_breaks_off_is_quoted_with_the_command_below_it() {
    let text = "The syntax\ndeclare -a name[subscript]\nis also accepted; the subscript is ignored.\nAssociative arrays are created using\ndeclare -A name\nAttributes may be specified for an array variable using the declare and readonly builtins.";
    assert_quotes(
        "How do you create an associative array?",
        &[hit(&["Arrays"], text)],
        "Associative arrays are created using\ndeclare -A name",
    );
    assert!(!is_label("Associative arrays are created using"));
    assert!(is_label("or"));
    let wrapped = "So a revert undoes the data changes, but it is very much not an\nundo in the sense that it does not undo the effects of a commit on\nthe history.";
    assert!(!goes_on_below(
        wrapped,
        wrapped.find('\n').expect("two lines"),
        &Headings::default()
    ));
}

/// A term has something under it: Doxygen's field descriptions are short and end on no full stop,
/// so the one line under a field's declaration before the next field's heading read as a term of
/// its own, and was never quoted. It is the field's description, quoted with its declaration.
#[test]
fn the_last_line_under_a_term_is_its_description() {
    let text = "Field Documentation\nrepeat\nUint8 SDL_KeyboardEvent::repeat\nNon-zero if this is a key repeat\nstate\nUint8 SDL_KeyboardEvent::state\nSDL_PRESSED or SDL_RELEASED";
    assert_quotes(
        "SDL_KeyboardEvent key repeat",
        &[hit(&["Field Documentation", "repeat", "state"], text)],
        "Uint8 SDL_KeyboardEvent::repeat\nNon-zero if this is a key repeat",
    );
}

/// A sentence that refers back to the code the sentence before it showed ("This will make XPASS
/// … fail the test suite." after "You can change this by setting the strict keyword-only
/// parameter to True:" and its example) is quoted with that sentence and the code: the code breaks
/// no flow.
#[test]
fn a_sentence_after_the_code_it_refers_to_is_quoted_with_its_introduction() {
    let text = "strict parameter\nBoth XFAIL and XPASS don't fail the test suite by default. You can change this by setting the strict keyword-only parameter to True:\n@pytest.mark.xfail(strict=True)\ndef test_function():\n    ...\nThis will make XPASS (\"unexpectedly passing\") results from this test to fail the test suite.";
    assert_quotes(
        "make an unexpectedly passing xfail test fail the test suite",
        &[hit(&["Skipping", "strict parameter"], text)],
        "to True:\n@pytest.mark.xfail(strict=True)\ndef test_function():\n    ...\nThis will make XPASS",
    );
}

/// A sentence followed by a few words that introduce an example ("For example:", "Thus:") is
/// quoted with the example below them: the example is the sentence's.
#[test]
fn a_sentence_is_quoted_with_the_example_its_line_introduces() {
    let text = "The CMAKE_GENERATOR_PLATFORM variable may be set, perhaps via the cmake -A option, to specify a target platform name (architecture). For example:\ncmake -G \"Visual Studio 17 2022\" -A Win32\ncmake -G \"Visual Studio 17 2022\" -A x64\nThe default target platform name (architecture) is that of the host.";
    assert_quotes(
        "visual studio generator target platform architecture",
        &[hit(&["Visual Studio 17 2022", "Platform Selection"], text)],
        "(architecture). For example:\ncmake -G \"Visual Studio 17 2022\" -A Win32",
    );
    // On a line of its own, words naming an example or the file the lines go in introduce them
    // too (the Postfix docs), not a field ("Parameters:").
    let text = "To relocate users, specify the relocated_maps parameter in the main.cf file.\nExample:\n/etc/postfix/main.cf:\n    relocated_maps = hash:/etc/postfix/relocated\nAs of Postfix version 2, mail for a relocated user is rejected.";
    assert_quotes(
        "relocated_maps parameter main.cf",
        &[hit(&["Relocated users"], text)],
        "in the main.cf file.\nExample:\n/etc/postfix/main.cf:\n    relocated_maps = hash:/etc/postfix/relocated",
    );
}

/// A numbered "Description" heading ("2. Description", the SQLite manual's) is a description
/// too: its first sentence defines the command the page is titled with, ahead of a sentence
/// further down that retrieval ranks first.
#[test]
fn a_numbered_description_defines_what_the_page_names() {
    let text = "1. Syntax\nVACUUM schema-name INTO filename\n2. Description\nThe VACUUM command rebuilds the database file, repacking it into a minimal amount of disk space.";
    let mut description = hit(&["VACUUM", "2. Description"], text);
    description.title = "VACUUM".into();
    description.headings =
        ["VACUUM", "1. Syntax", "2. Description"].join(indexer::lexical::HEADING_SEPARATOR);
    description.score = 0.5;
    let mut how = hit(
        &["VACUUM", "4. Details"],
        "4. Details\nThe VACUUM command works by copying the contents of the database into a temporary database file and then overwriting the original with the contents of the temporary file.",
    );
    how.title = "VACUUM".into();
    how.start = description.end;
    how.end = how.start + how.text.len();
    let answer = ask("What does VACUUM do?", &[how, description]);
    assert!(
        answer.sentences[0]
            .text
            .contains("rebuilds the database file"),
        "{}",
        answer.text()
    );
    assert!(!is_description("2. Syntax"));
    assert!(is_description("2.1. Description"));
    assert!(!is_description("2.x Description"));
}

/// A manual page's description defines the page's subject even when settings further down hold
/// the question's words themselves: `gc.writeCommitGraph` is a setting of `git gc` (its name is in
/// gc's namespace), not what a question asking what `git gc` does wants.
#[test]
fn settings_in_a_subjects_namespace_do_not_define_it() {
    let mut description = hit(
        &["git-gc(1)", "DESCRIPTION"],
        "DESCRIPTION\nRuns a number of housekeeping tasks within the current repository, such as compressing file revisions and removing unreachable objects.",
    );
    description.title = "git-gc(1)".into();
    description.url = "http://docs.example/git-gc.html".into();
    description.score = 0.5;
    let mut settings = hit(
        &["git-gc(1)", "CONFIGURATION"],
        "gc.writeCommitGraph\nIf true, then gc will rewrite the commit-graph file when git-gc(1) is run.\ngc.autoDetach\nMake git gc --auto return immediately and run in background if the system supports it.",
    );
    settings.title = "git-gc(1)".into();
    settings.url = "http://docs.example/git-gc.html".into();
    // Further down the page than the description.
    settings.start = description.end;
    settings.end = settings.start + settings.text.len();
    // Retrieval ranks the settings above the description.
    let answer = ask("what does git gc do", &[settings, description]);
    assert!(
        answer.sentences[0]
            .text
            .contains("Runs a number of housekeeping tasks"),
        "{}",
        answer.text()
    );
}

/// A manual page's description that says "This command" is quoted after the page's name line,
/// which names the command; a sentence that names it needs no name line, and the "DESCRIPTION"
/// heading, which names nothing, is never quoted.
#[test]
fn this_command_is_quoted_after_the_page_name_line() {
    let name = "cargo-tree — Display a tree visualization of a dependency graph";
    let text = format!("cargo-tree(1)\nNAME\n{name}\nSYNOPSIS\ncargo tree [options]\nDESCRIPTION\nThis command will display a tree of dependencies to the terminal. An example of a simple project that depends on the rand package follows.");
    let mut page = hit(&["cargo-tree(1)", "DESCRIPTION"], &text);
    page.heading_path = vec!["cargo-tree(1)".into()];
    page.headings = ["cargo-tree(1)", "NAME", "SYNOPSIS", "DESCRIPTION"]
        .join(indexer::lexical::HEADING_SEPARATOR);
    page.title = "cargo tree - The Cargo Book".into();
    let answer = ask(
        "show the dependency graph as a tree in the terminal",
        &[page.clone()],
    );
    assert_eq!(
        answer.sentences[0].text,
        format!("{name} … This command will display a tree of dependencies to the terminal."),
        "{}",
        answer.text()
    );
    // A line shaped like a name line whose name the title does not hold is not the page's name.
    page.title = "Dependency graphs".into();
    let answer = ask(
        "show the dependency graph as a tree in the terminal",
        &[page.clone()],
    );
    assert!(
        answer
            .sentences
            .iter()
            .all(|s| !s.text.contains(name) && !s.text.contains("DESCRIPTION")),
        "{}",
        answer.text()
    );
    // A description that names its command is quoted alone.
    page.title = "cargo tree - The Cargo Book".into();
    page.text = text.replace("This command", "Cargo tree");
    page.end = page.text.len();
    let answer = ask(
        "show the dependency graph as a tree in the terminal",
        &[page],
    );
    assert!(
        answer.sentences[0]
            .text
            .starts_with("Cargo tree will display"),
        "{}",
        answer.text()
    );
}

/// When most of what a question asks about is in no passage of the index, nothing is found, even
/// though a sentence holds its other words ("how fast can a ferret run" on a manual that never
/// names ferrets); the same sentence answers a question whose words the index holds.
#[test]
fn a_question_about_what_no_passage_names_is_declined() {
    let text = "Use --no-fail-fast to run as many tests as possible without stopping at the first failure.";
    // A manual where "fast" and "run" are common words.
    let common = "Run it to compile the package fast. Each run reuses what the last one built.";
    let mut pages = vec![("cargo test", text)];
    pages.extend(["cargo build", "cargo check", "cargo doc", "cargo bench"].map(|t| (t, common)));
    let (_dir, index) = crate::test_support::index_of(&pages);
    let hits = [hit(&["cargo test"], text)];
    let ferret = answer(&index, "how fast can a ferret run", &hits, 1, None);
    assert!(!ferret.found(), "{}", ferret.text());
    let tests = answer(
        &index,
        "how do I run all tests without stopping at the first failure",
        &hits,
        1,
        None,
    );
    assert!(tests.found());
}

/// Whether anything was found is judged with everyday words weighing no more than in English: on a
/// large site where "good", "way" and "people" are rare, a passage holding the question's topic
/// ("upload size limit") is still about it. Which passages answer is judged by the site's weights,
/// and a question naming what the site never mentions is still declined.
#[test]
fn everyday_words_rare_on_a_site_do_not_hide_what_was_found() {
    let text = "MAX_CONTENT_LENGTH sets the upload size limit in bytes.";
    let filler: Vec<String> = (0..300)
        .map(|i| format!("Topic {i} covers routing and templates."))
        .collect();
    let mut pages: Vec<(&str, &str)> = filler.iter().map(|f| ("Topics", f.as_str())).collect();
    pages.push(("Uploads", text));
    pages.extend([("Forms", "Each form checks the upload size limit."); 9]);
    pages.push(("Community", "What good way do people have to find help?"));
    let (_dir, index) = crate::test_support::index_of(&pages);
    let hits = [hit(&["Uploads"], text)];
    let question = "What good way do people have to find the upload size limit?";
    let query = QueryTerms::new(&index, question);
    // By the site's weights alone the passage holds too little of the question.
    let held = query.found_in(text);
    assert!(strength(&query.strength_weights, &held) < MIN_PASSAGE_STRENGTH);
    let upload = answer(&index, question, &hits, 1, None);
    assert!(upload.found(), "{}", upload.text());
    assert!(upload.text().contains("MAX_CONTENT_LENGTH"));
    let other = answer(&index, "Which NFL team won the Super Bowl?", &hits, 1, None);
    assert!(!other.found(), "{}", other.text());
}

/// The lines a colon introduces are the command, not the report it prints: a console banner ends
/// them.
#[test]
fn a_console_banner_ends_the_quoted_command() {
    let text = "You can then restrict a test run to only run tests marked with webtest:\n$ pytest -v -m webtest\n=========================== test session starts ============================\nplatform linux -- Python 3.x.y, pytest-7.x.y";
    let hits = [hit(&["Marking test functions"], text)];
    let answer = ask("how do I run only the tests marked webtest", &hits);
    let said = answer.text();
    assert!(said.contains("$ pytest -v -m webtest"), "{said}");
    assert!(!said.contains("test session starts"), "{said}");
}

/// A word that asks for a value ("how long") is answered by a number, not named by the passage:
/// that no passage holds it says nothing about whether the index covers the question.
#[test]
fn a_value_word_no_passage_holds_is_not_what_the_question_is_about() {
    let text = "Ferrets sleep about fourteen hours a day, in nests of old blankets.";
    let other = "Ferrets are playful and need a cage cleaned every week.";
    let (_dir, index) = crate::test_support::index_of(&[("Sleep", text), ("Care", other)]);
    let hits = [hit(&["Sleep"], text)];
    let sleep = answer(&index, "How long do ferrets sleep", &hits, 1, None);
    assert!(sleep.found(), "{}", sleep.text());
    let fly = answer(
        &index,
        "How far can ferrets fly on autopilot",
        &hits,
        1,
        None,
    );
    assert!(!fly.found(), "{}", fly.text());
}

/// The first sentence under a command form that points back at it ("This form …") is quoted with
/// the form; a title in prose above such a sentence ("Description") is not.
#[test]
fn a_sentence_that_points_at_its_term_is_quoted_with_it() {
    let form = "git diff [<options>] --cached [<commit>] [--] [<path>…]";
    let text = format!("git-diff(1)\nThe first form compares the working tree with the index.\n{form}\nThis form is to view the changes you staged for the next commit relative to the named <commit>. Typically you would compare with the latest commit.");
    let answer = ask(
        "show the changes that are staged for the next commit",
        &[hit(&["git-diff(1)"], &text)],
    );
    assert!(
        answer.sentences.iter().any(|s| s.text.starts_with(form)),
        "{}",
        answer.text()
    );
    let text =
        "Description\nThis command sets the session user identifier of the current SQL session.";
    let answer = ask(
        "which command sets the session user identifier",
        &[hit(&["SET SESSION AUTHORIZATION"], text)],
    );
    assert!(
        answer
            .sentences
            .iter()
            .all(|s| !s.text.starts_with("Description")),
        "{}",
        answer.text()
    );
}

/// A command synopsis with alternatives in brackets (`\copy { … | ( query ) } to { … | stdout }`)
/// is not a table row, and not a statement: it opens the entry its description stands under, so
/// that description is not quoted under the entry before (`\conninfo`).
#[test]
fn a_synopsis_opens_its_entry_and_is_no_table_row() {
    let text = "\\conninfo\nOutputs information about the current database connection.\n\\copy { table [ ( column_list ) ] | ( query ) } to { 'filename' | program 'command' | stdout | pstdout } [ [ with ] ( option [, ...] ) ]\nPerforms a frontend (client) copy of a table to a file.";
    let answer = ask(
        "psql command to copy a table to a file",
        &[hit(&["Meta-Commands"], text)],
    );
    assert!(answer.found(), "{}", answer.text());
    for s in &answer.sentences {
        assert!(!s.text.contains("\\conninfo"), "{}", s.text);
        assert!(!s.text.starts_with("\\copy {"), "{}", s.text);
    }
}

/// A term written as an option (`--depth <depth>`) is what its sentence is about: quoted with a
/// sentence that does not name it.
#[test]
fn an_option_with_an_argument_is_quoted_with_its_description() {
    let text = "OPTIONS\n--depth <depth>\nCreate a shallow clone with a history truncated to the specified number of commits.\n--bare\nMake a bare Git repository.";
    let answer = ask(
        "clone with a history truncated to the latest commits",
        &[hit(&["git-clone(1)"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .starts_with("--depth <depth>\nCreate"),
        "{}",
        answer.text()
    );
}

/// Terms stacked over one description are one entry's names: all of them are quoted with it, not
/// only the last (`--ff-only` alone would misname what "Specifies how a merge is handled" is
/// about).
#[test]
fn stacked_terms_are_one_entry() {
    let text = "OPTIONS\n--commit\nPerform the merge and commit the result.\n--ff\n--no-ff\n--ff-only\nSpecifies how a merge is handled when the merged-in history is already a descendant of the current history.";
    let answer = ask(
        "how is a merge handled when the history is already a descendant",
        &[hit(&["git-merge(1)"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .starts_with("--ff\n--no-ff\n--ff-only\nSpecifies"),
        "{}",
        answer.text()
    );
}

/// With sentence meanings, holding every word of the question does not settle a sentence's
/// support: of two sentences that both hold "git gc run", the one that means the question scores
/// higher (without the cap both scored 1.0 and the first on the page led).
#[test]
fn among_sentences_holding_every_word_the_one_meaning_the_question_scores_higher() {
    let passing = "Git gc can run with the --auto option to pack loose objects.";
    let meant = "Git gc will run housekeeping tasks in the current repository.";
    let text = format!("{passing}\n{meant}");
    let hits = [hit(&["Options"], &text)];
    let question = "git gc run";
    let score_of = |semantic: &semantic::Meanings, sentence: &str| {
        scored(question, &text, &hits, semantic)
            .iter()
            .find(|c| &hits[0].text[c.start..c.end] == sentence)
            .map(|c| c.score)
            .expect("a candidate")
    };
    let words_only = semantic::Meanings::default();
    assert_eq!(
        score_of(&words_only, passing),
        score_of(&words_only, meant),
        "by words alone the two are alike"
    );
    let mut meanings = semantic::Meanings::default();
    let meant_at = passing.len() + 1;
    meanings.insert(0, (meant_at, meant_at + meant.len()), 1.0);
    meanings.insert(0, (0, passing.len()), 0.0);
    assert!(score_of(&meanings, meant) > score_of(&meanings, passing));
}

/// "Do this" or "do so" stands for what the sentence before says to do: the two are quoted as one
/// run (the Rust book's struct update syntax).
#[test]
fn a_sentence_that_does_so_is_quoted_with_the_one_before() {
    let text = "Creating Instances with Struct Update Syntax\nIt’s often useful to create a new instance of a struct that includes most of the values from another instance of the same type, but changes some of them. You can do this using struct update syntax.\nFirst, in Listing 5-6 we show how to create a new User instance in user2 in the regular way.";
    let answer = ask(
        "How do I make a new struct instance that reuses most of the fields of another one?",
        &[hit(&["Creating Instances with Struct Update Syntax"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .ends_with("You can do this using struct update syntax."),
        "{}",
        answer.text()
    );
}

/// Sphinx writes a list under a sentence that introduces it with a colon, each item the rest of
/// that sentence in lower case (Flask's "Jinja Setup"): the item answers, the parameter lines of an
/// API entry do not become items.
#[test]
fn a_lower_case_item_of_a_list_a_colon_introduces_answers() {
    let text = "Jinja Setup\nUnless customized, Jinja2 is configured by Flask as follows:\nautoescaping is enabled for all templates ending in .html, .htm, .xml as well as .xhtml when using render_template().\nautoescaping is enabled for all strings when using render_template_string().\na template has the ability to opt in/out autoescaping with the {% autoescape %} tag.";
    let hits = [hit(&["Templates", "Jinja Setup"], text)];
    let answer = ask("which templates have autoescaping enabled", &hits);
    assert!(
        answer.sentences[0]
            .text
            .starts_with("autoescaping is enabled for all templates ending in .html"),
        "{:?}",
        answer.sentences
    );
    // Without the colon above it, a lower-case line is the tail of a sentence cut wrongly.
    let text = "Jinja Setup\nUnless customized, Jinja2 is configured by Flask as follows.\nautoescaping is enabled for all templates ending in .html, .htm, .xml as well as .xhtml when using render_template().";
    let hits = [hit(&["Templates", "Jinja Setup"], text)];
    let answer = ask("which templates have autoescaping enabled", &hits);
    assert!(
        answer
            .sentences
            .iter()
            .all(|s| !s.text.starts_with("autoescaping")),
        "{:?}",
        answer.sentences
    );
    assert!(!super::lines::is_lowercase_item(
        "args <string[]> array of argument strings."
    ));
}

/// "Defaults to 4093." is three words, but no fragment: it states the default of what the sentence
/// before describes, and is read and quoted with it.
#[test]
fn a_short_default_is_quoted_with_the_sentence_it_completes() {
    assert_eq!(standalone_words("Defaults to 4093."), Some(3));
    assert_eq!(standalone_words("Defaults to nothing."), None);
    let text = "MAX_COOKIE_SIZE\nWarn if cookie headers are larger than this many bytes. Defaults to 4093. Larger cookies may be silently ignored by browsers. Set to 0 to disable the warning.";
    let hits = [hit(
        &["Configuration Handling", "Builtin Configuration Values"],
        text,
    )];
    let answer = ask("How large can cookie headers get before a warning?", &hits);
    assert!(
        answer.sentences[0]
            .text
            .contains("Warn if cookie headers are larger than this many bytes. Defaults to 4093."),
        "{:?}",
        answer.sentences
    );
}

/// The Node.js docs' table of changes under a property, each row one line since Sphinx-style cells
/// keep their rows: a row saying when something changed answers only a version question.
#[test]
fn a_row_of_a_table_of_changes_answers_only_a_version_question() {
    let text = "server.keepAliveTimeout\nVersion | Changes\nv18.0.0 | The keepAliveTimeout option of the http server is supported now.\nv8.0.0 | Added in: v8.0.0\n<number> Timeout in milliseconds. Default: 5000 (5 seconds).\nThe number of milliseconds of inactivity a server needs to wait for additional incoming data before a socket will be destroyed.";
    let hits = [hit(&["HTTP", "server.keepAliveTimeout"], text)];
    let answer = ask(
        "What is the default keepAliveTimeout of an http server?",
        &hits,
    );
    assert!(answer.text().contains("5000"), "{:?}", answer.text());
    assert!(!answer.text().contains("v18.0.0"), "{:?}", answer.text());
    let answer = ask(
        "When was the keepAliveTimeout option of the http server added?",
        &hits,
    );
    assert!(answer.text().contains("v8.0.0"), "{:?}", answer.text());
}

/// Sphinx's parameter lists are prose in lower case: a `?a=b` quoted in one is no code for the
/// sentence above it to introduce ("Return type: str" was quoted with it).
#[test]
fn a_parameter_line_in_lower_case_is_no_code_to_show() {
    let text = "url_for(endpoint, **values)\nGenerate a URL to the given endpoint with the given values.\n_external (Optional[bool]) – If given, prefer the URL to be internal (False) or require it to be external (True). When not in an active request, URLs are external by default.\nvalues (Any) – Values to use for the variable parts of the URL rule. Unknown keys are appended as query string arguments, like ?a=b&c=d.\nReturn type:\nstr";
    let hits = [hit(&["API", "url_for"], text)];
    let answer = ask(
        "how can I make a URL with url_for including query arguments",
        &hits,
    );
    assert!(answer.found(), "{:?}", answer.text());
    assert!(
        !answer.text().contains("Return type"),
        "{:?}",
        answer.text()
    );
}

/// GLib's reference writes a function's declaration GNU style, its return type on a line of its
/// own (`void` above `g_list_free_full (GList *list,`): the description stands under the
/// function's heading, not under `void`.
#[test]
fn a_return_type_on_its_own_line_is_no_term() {
    let text = "g_list_free_full ()\nvoid\ng_list_free_full (GList *list,\n                  GDestroyNotify free_func);\nConvenience method, which frees all the memory used by a GList, and calls free_func on every element's data.";
    let answer = ask(
        "how to free a GList",
        &[hit(&["Doubly-Linked Lists", "g_list_free_full ()"], text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .starts_with("g_list_free_full () … Convenience method"),
        "{:?}",
        answer.sentences
    );
    assert!(lines::returns_into(
        "const gchar *",
        "g_strdup (const gchar *str);"
    ));
    assert!(!lines::returns_into("Example", "print(x)"));
    assert!(!lines::returns_into("Default: none", "foo (bar);"));
    assert!(!lines::returns_into(
        "void",
        "Frees the list (and its data)."
    ));
}

/// Doxygen writes what a function returns in lower case under a "Returns" term: the line is the
/// term's description, a sentence of the entry, not the cut-off tail of one.
#[test]
fn a_description_in_lower_case_under_a_short_term_is_read() {
    let text = "SDL_CreateWindow()\nCreate a window with the specified position, dimensions, and flags.\nReturns\nthe window that was created or NULL on failure; call SDL_GetError() for more information.\nSince\nThis function is available since SDL 2.0.0.";
    let answer = ask(
        "what does SDL_CreateWindow return on failure",
        &[hit(&["Function Documentation", "SDL_CreateWindow()"], text)],
    );
    assert!(
        answer.sentences.iter().any(|s| s
            .text
            .contains("the window that was created or NULL on failure")),
        "{:?}",
        answer.sentences
    );
}

/// Doxygen lays out a function's declaration as a table, a row per parameter, between the
/// function's heading and its description: the description is the function's, quoted after its
/// name.
#[test]
fn a_declaration_laid_out_as_a_table_is_no_table() {
    let text = "SDL_GetPrefPath()\nchar * SDL_GetPrefPath | ( | const char * | org,\nconst char * | app\n) |  |\nGet the user-and-app-specific path where files can be written.\nGet the \"pref dir\". This is meant to be where users can write personal files (preferences and save games, etc) that are specific to your application.";
    let answer = ask(
        "where to store save games per user",
        &[hit(&["Function Documentation", "SDL_GetPrefPath()"], text)],
    );
    assert!(
        answer.sentences[0].text.starts_with("SDL_GetPrefPath() … "),
        "{:?}",
        answer.sentences
    );
    assert!(lines::is_signature_row(
        "SDL_Window * SDL_CreateWindow | ( | const char * | title,"
    ));
    assert!(lines::is_signature_row(
        "int SDL_PollEvent | ( | SDL_Event * | event | ) |"
    ));
    assert!(!lines::is_signature_row("Name | Storage Size | Range"));
    assert!(!lines::is_signature_row("smallint | 2 bytes | ( | x"));
}

/// Doxygen describes a struct's field as a phrase in lower case without a full stop under the
/// field's declaration: the phrase is the answer, quoted under its field.
#[test]
fn a_phrase_under_a_field_describes_it() {
    let text = "refresh_rate\nint SDL_DisplayMode::refresh_rate\nrefresh rate (or zero for unspecified)\nw\nint SDL_DisplayMode::w\nwidth, in screen coordinates";
    let answer = ask(
        "What does a zero refresh rate in SDL_DisplayMode mean?",
        &[hit(&["Field Documentation"], text)],
    );
    assert!(
        answer
            .sentences
            .iter()
            .any(|s| s.text.contains("refresh rate (or zero for unspecified)")),
        "{:?}",
        answer.sentences
    );
}

/// GNU Octave's manual (Texinfo) heads a function's entry with a definition line per form (`: x =
/// inv (A)`, `: [x, rcond] = inv (A)`), each a heading: together they are the entry's term,
/// quoted with its description, which does not name the function.
#[test]
fn texinfo_definition_lines_are_one_term() {
    let text = ": x = inv (A)\n: [x, rcond] = inv (A)\n: […] = inverse (…)\nCompute the inverse of the square matrix A.";
    let headings = [
        "18.2 Basic Matrix Functions",
        ": x = inv (A)",
        ": [x, rcond] = inv (A)",
        ": […] = inverse (…)",
    ];
    let answer = ask(
        "how do I compute the inverse of a matrix",
        &[hit(&headings, text)],
    );
    assert!(
        answer.sentences[0]
            .text
            .starts_with(": x = inv (A)\n: [x, rcond] = inv (A)\n: […] = inverse (…)\nCompute"),
        "{:?}",
        answer.sentences
    );
}

/// The same sentence on two pages: the page whose title names what the sentence does not say
/// ("tomllib") leads, although retrieval ranked it second and a little lower; by the title's words
/// in its support alone it would not.
#[test]
fn a_page_title_naming_the_subject_outweighs_a_small_lead_in_retrieval() {
    let text = "An error is raised on an invalid document.";
    let mut other = hit(&[], text);
    other.title = "Parsers".into();
    let mut titled = hit(&[], text);
    titled.title = "tomllib — Parse TOML files".into();
    titled.score = 0.9;
    let question = "tomllib error for an invalid document";
    let candidates = scored(
        question,
        text,
        &[other, titled],
        &semantic::Meanings::default(),
    );
    let score = |rank: usize| {
        candidates
            .iter()
            .filter(|c| c.hit == rank)
            .map(|c| c.score)
            .fold(f32::MIN, f32::max)
    };
    assert!(score(1) > score(0), "{} vs {}", score(1), score(0));
    // Without what the title adds beyond the support the other page would lead ("tomllib" is one of
    // the question's four terms, which weigh alike in an index of one passage).
    let title_share = 0.25;
    assert!(score(1) - TITLE_RANK_WEIGHT * title_share < score(0));
}

/// A sentence of `hits[hit]` (its whole text) as a candidate scoring `score`.
fn candidate(hits: &[SearchHit], hit: usize, score: f32, gated: bool) -> Candidate {
    let end = hits[hit].text.len();
    Candidate {
        hit,
        start: 0,
        end,
        quote: (0, end),
        lead_in: None,
        term_above: None,
        words: indexer::word_count(&hits[hit].text),
        terms: std::cell::OnceCell::new(),
        quote_terms: std::cell::OnceCell::new(),
        support: 0.5,
        meaning: 0.0,
        score,
        tells_default: false,
        gated,
        entry: None,
    }
}

/// What the relevance gate held back may follow the answer's first sentence when it scores near
/// it, but never lead: for "longest string or blob value allowed" the SQLite limits page's "The
/// maximum number of bytes in a string or BLOB in SQLite is defined by … SQLITE_MAX_LENGTH" now
/// follows the lead from a passage the gate held back. (Stop 55: lexical 279 → 284, hybrid
/// 325 → 327 answers supported over the fifteen sets, first sentences unchanged.)
#[test]
fn held_back_sentences_follow_but_never_lead() {
    let page = |url: &str, text: &str| SearchHit {
        url: url.into(),
        ..hit(&[], text)
    };
    let hits = [
        page(
            "http://docs.example/a.html",
            "Positional-only parameters are placed before a slash in the parameter list.",
        ),
        page(
            "http://docs.example/b.html",
            "A slash in a function signature marks the parameters before it as positional-only.",
        ),
        page(
            "http://docs.example/c.html",
            "Keyword arguments are matched to parameters by name when the function is called.",
        ),
    ];
    // Best first, as the answer sorts them: the held-back b scores above the passed a.
    let candidates = [
        candidate(&hits, 1, 1.0, true),
        candidate(&hits, 0, 0.9, false),
        candidate(&hits, 2, 0.4, true),
    ];
    let chosen: Vec<usize> = choose(&candidates, &hits, &HashSet::new())
        .iter()
        .map(|c| c.hit)
        .collect();
    // a leads; b follows; c scores under 0.7 of the lead and stays out.
    assert_eq!(chosen, [0, 1]);
    // With nothing the gate passed, nothing is chosen: the answer says nothing was found.
    let held = [
        candidate(&hits, 1, 1.0, true),
        candidate(&hits, 2, 0.9, true),
    ];
    assert!(choose(&held, &hits, &HashSet::new()).is_empty());
    // A held-back sentence right before the first sentence in its passage would open the answer's
    // first run: it stays out.
    let text = "Held back sentence that comes first in the passage. The sentence the gate passed comes second.";
    let one = [page("http://docs.example/d.html", text)];
    let split = text.find(" The").expect("two sentences");
    let mut before = candidate(&one, 0, 1.0, true);
    (before.end, before.quote) = (split, (0, split));
    let mut lead = candidate(&one, 0, 0.9, false);
    (lead.start, lead.quote) = (split + 1, (split + 1, text.len()));
    let pair = [before, lead];
    let chosen = choose(&pair, &one, &HashSet::new());
    assert_eq!(chosen.len(), 1);
    assert!(!chosen[0].gated);
}

/// A heading may span lines (rustdoc writes a signature's `where` clause on a line of its own
/// inside it): the sentence under it is its entry's first. And a definition question about
/// `Vec::retain` is answered by `retain`'s entry, not by `retain_mut`'s, whose name holds the word
/// too (and which retrieval ranked first).
#[test]
fn a_heading_over_lines_opens_its_entry_and_an_entry_names_its_own_thing() {
    use super::definition::names_another;
    let mut_entry = "pub fn retain_mut<F>(&mut self, f: F)";
    let entry = "pub fn retain<F>(&mut self, f: F)\nwhere F: FnMut(&T) -> bool,";
    let hits = [
        hit(
            &["Struct Vec", mut_entry],
            &format!("{mut_entry}\nRetains only the elements specified by the predicate, passing a mutable reference to it."),
        ),
        hit(
            &["Struct Vec", "Examples", entry],
            &format!("Examples\nlet mut v = vec![1, 2, 3];\n{entry}\nRetains only the elements specified by the predicate.\nIn other words, remove all elements e for which f(&e) returns false."),
        ),
    ];
    let answer = ask("What does Vec::retain do?", &hits);
    // Quoted under its signature's first line.
    assert_eq!(
        answer.sentences[0].text,
        format!(
            "pub fn retain<F>(&mut self, f: F){QUOTE_GAP}Retains only the elements specified by the predicate."
        ),
        "{}",
        answer.text()
    );
    assert!(names_another("Vec::retain", mut_entry));
    assert!(!names_another("Vec::retain", entry));
    assert!(!names_another(
        "os.path",
        "os.path — Common pathname manipulations"
    ));
    // A subject that is no code name is left to the words.
    assert!(!names_another("a workspace", "Virtual workspace_root"));
}

/// "Such a" past the opening words points back at the sentence before ("The HEAD in such a state
/// is called \"detached\"."); "such as" introduces examples and does not. A value stated of nothing
/// named ("The default is 5432.") is the value of what the sentence before names.
#[test]
fn such_a_and_an_unnamed_value_refer_back() {
    use super::quotes::refers_back;
    assert!(refers_back("The default is 5432."));
    assert!(refers_back("The maximum value is 64 bytes."));
    assert!(!refers_back("The default port is 5432."));
    assert!(refers_back(
        "The HEAD in such a state is called \"detached\"."
    ));
    assert!(!refers_back(
        "Tools for the index, such as git status, are fast."
    ));
}

/// A run that holds a chosen sentence takes its place even when the sentence is quoted under a
/// term the run does not open with: the gitglossary's "detached HEAD" entry is quoted as its three
/// sentences, not its first one alone.
#[test]
fn a_run_replaces_a_sentence_quoted_under_its_term() {
    let text = "detached HEAD\nNormally the HEAD stores the name of a branch. However, Git also allows you to check out an arbitrary commit that is not the tip of any branch. The HEAD in such a state is called \"detached\".";
    let hits = vec![hit(&["Glossary"], text)];
    let found = rescored("what is a detached HEAD", text, &hits, |_, quote| {
        if quote.contains("such a state") {
            1.3
        } else {
            1.7
        }
    });
    let first = text.find("Normally").expect("first sentence");
    let lead = found.first().expect("a candidate");
    assert!(
        lead.term_above.is_some(),
        "the first sentence stands under its term"
    );
    let chosen = choose(&found, &hits, &HashSet::new());
    let quotes: Vec<&str> = chosen.iter().map(|c| &text[c.quote.0..c.quote.1]).collect();
    assert_eq!(quotes, [&text[first..]], "{quotes:?}");
}

/// One or two sentences between two chosen ones of a paragraph are quoted with them, as one run; a
/// longer gap is left to an ellipsis.
#[test]
fn a_sentence_or_two_between_chosen_ones_join_their_run() {
    let text = "The first sentence. The second sentence. The third sentence. The fourth sentence. The fifth sentence.";
    let hits = vec![hit(&["Paragraph"], text)];
    let sentence = |s: &str| sentence_of(&hits, s);
    let (first, third, fourth, fifth) = (
        sentence("The first sentence."),
        sentence("The third sentence."),
        sentence("The fourth sentence."),
        sentence("The fifth sentence."),
    );
    let answer = assemble("q", &hits, vec![&first, &fourth]);
    assert_eq!(answer.sentences.len(), 1, "{}", answer.text());
    let answer = assemble("q", &hits, vec![&first, &third]);
    assert_eq!(
        answer.text(),
        "The first sentence. The second sentence. The third sentence. [1]"
    );
    let answer = assemble("q", &hits, vec![&first, &fifth]);
    assert_eq!(answer.sentences.len(), 2, "{}", answer.text());
    // Never across lines: the line between may be another entry's term.
    let hits = vec![hit(
        &["Entries"],
        "The first sentence.\nterm\nThe third sentence.",
    )];
    let (first, third) = (
        sentence_of(&hits, "The first sentence."),
        sentence_of(&hits, "The third sentence."),
    );
    let answer = assemble("q", &hits, vec![&first, &third]);
    assert_eq!(answer.sentences.len(), 2, "{}", answer.text());
}

/// The sentence `s` of `hits[0]` as a candidate quoting just itself.
fn sentence_of(hits: &[SearchHit], s: &str) -> Candidate {
    let start = hits[0].text.find(s).expect("in the text");
    let end = start + s.len();
    Candidate {
        start,
        end,
        quote: (start, end),
        words: indexer::word_count(s),
        ..candidate(hits, 0, 1.0, false)
    }
}

/// "The default is 5432." is read and quoted with the sentence before it, which says what it is
/// the default of: it answers "postgresql default port" with "Set NUMBER as the default port
/// number for server and clients." (PostgreSQL's installation page, `--with-pgport=NUMBER`).
#[test]
fn an_unnamed_default_is_quoted_with_what_it_is_the_default_of() {
    let text = "--with-pgport=NUMBER\nSet NUMBER as the default port number for server and clients. The default is 5432. The port can always be changed later on.";
    let answer = ask(
        "postgresql default port",
        &[hit(&["17.4. Installation Procedure"], text)],
    );
    let said = answer.text();
    assert!(
        said.contains(
            "Set NUMBER as the default port number for server and clients. The default is 5432."
        ),
        "{said}"
    );
}

#[test]
fn a_declaration_names_the_word_after_its_kind() {
    for (line, name) in [
        (
            "pub struct HashMap<K, V, S = RandomState> { /* private fields */ }",
            "HashMap",
        ),
        (
            "public class LinkedHashSet<E> extends HashSet<E> implements Set<E>, Cloneable",
            "LinkedHashSet",
        ),
        ("public enum Thread.State", "Thread.State"),
        ("public abstract interface Deque<E>", "Deque"),
        ("class asyncio.TaskGroup", "asyncio.TaskGroup"),
        ("pub trait Iterator {", "Iterator"),
    ] {
        assert_eq!(declared_name(line), Some(name), "{line}");
    }
    assert_eq!(
        declared_type("pub struct ReadDir(/* private fields */);"),
        Some("ReadDir")
    );
    assert_eq!(
        declared_type("pub struct LazyLock<T, F = fn() -> T> { /* private fields */ }"),
        Some("LazyLock")
    );
    assert_eq!(
        declared_type("class concurrent.futures.ThreadPoolExecutor(max_workers=None)"),
        None,
        "a call's signature"
    );
    // A kind word in prose, or not followed by a name, declares nothing.
    for line in [
        "The class of errors",
        "Classes and objects",
        "public static void main(String[] args)",
        "struct",
        "Class Methods",
        "Interface Libraries",
        "Record the merge",
    ] {
        assert_eq!(declared_name(line), None, "{line}");
    }
}

/// Rustdoc's page of a type: its heading, a version, the declaration, then its description; the
/// passages that name the type most are its methods'.
#[test]
fn a_type_is_defined_by_the_description_under_its_declaration() {
    let hits = [
        hit(
            &["Implementations"],
            "pub fn new() -> HashMap<K, V, RandomState>\nCreates an empty HashMap.\n\
             pub fn with_capacity(capacity: usize) -> HashMap<K, V, RandomState>\n\
             Creates an empty HashMap with at least the specified capacity.",
        ),
        hit(
            &["Struct HashMap"],
            "Struct HashMap\n1.0.0 ·\npub struct HashMap<K, V, S = RandomState>where\n    \
             K: Eq,{ /* private fields */ }\n\
             A hash map implemented with quadratic probing and SIMD lookup.\n\
             By default, HashMap uses a hashing algorithm selected to provide resistance \
             against HashDoS attacks.",
        ),
    ];
    let said = ask("What is a HashMap?", &hits).text();
    assert!(
        said.starts_with("A hash map implemented with quadratic probing"),
        "{said}"
    );
    // Javadoc's: the declaration names the class among its supertypes, and the summary does not
    // repeat the class's name.
    let hits = [
        hit(
            &["Constructor Summary"],
            "LinkedHashSet(int initialCapacity)\nConstructs a new, empty linked hash set with \
             the specified initial capacity and the default load factor (0.75).",
        ),
        hit(
            &["Class LinkedHashSet<E>"],
            "Class LinkedHashSet<E>\nAll Implemented Interfaces:\nSerializable, Cloneable\n\
             public class LinkedHashSet<E> extends HashSet<E> implements Set<E>, Cloneable, \
             Serializable\nHash table and linked list implementation of the Set interface, \
             with predictable iteration order.",
        ),
    ];
    let said = ask("What is a LinkedHashSet?", &hits).text();
    assert!(
        said.contains("\nHash table and linked list implementation"),
        "{said}"
    );
    assert!(!said.starts_with("LinkedHashSet(int"), "{said}");
}

/// A short sentence under a declaration that names what the thing is opens its entry; a short
/// note does not.
#[test]
fn a_short_summary_opens_its_entry() {
    let hits = [hit(
        &["Struct String"],
        "Struct String\npub struct String { /* private fields */ }\n\
         A UTF-8–encoded, growable string.\n\
         String is the most common string type. It has ownership over the contents of the \
         string, stored in a heap-allocated buffer.",
    )];
    let said = ask("What is a String?", &hits).text();
    assert!(
        said.starts_with("A UTF-8–encoded, growable string."),
        "{said}"
    );
}
