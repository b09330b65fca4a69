//! Extraction on pages shaped like the real documentation sites'.

use super::*;

fn url() -> Url {
    Url::parse("http://example.com/dir/page.html").expect("valid")
}

/// rustdoc marks its headings with a `§` permalink and return types with a `ⓘ` link, other
/// generators with `#` or a footnote's `↩`: links to the page itself that show a symbol, not text.
#[test]
fn a_symbol_linking_into_the_page_is_no_text() {
    let html = r##"<html><body><main>
        <h2 id="examples"><a class="doc-anchor" href="#examples">§</a>Examples</h2>
        <h4 class="code-header">pub fn into_bytes(self) -&gt; Vec&lt;u8&gt; <a href="#" class="tooltip" data-notable-ty="Vec&lt;u8&gt;">ⓘ</a></h4>
        <p>Converts a <code>String</code> into a byte vector.<a href="#fnref1">↩</a> See <a href="#errors">Errors</a>.</p>
        </main></body></html>"##;
    let e = extract_html(html, &url());
    assert_eq!(
        e.text,
        "Examples\npub fn into_bytes(self) -> Vec<u8>\nConverts a String into a byte vector. See Errors."
    );
}

/// rustdoc folds an item's documentation in a `<details open>` whose `<summary>` says "Expand
/// description": a control, not text, so the signature stands right above the description. A
/// summary that holds a heading (a method's signature) or folds a closed `<details>` is kept.
#[test]
fn the_control_folding_open_details_is_no_text() {
    let html = r##"<html><body><main>
        <pre class="rust item-decl"><code>pub fn create_dir_all&lt;P&gt;(path: P) -&gt; Result&lt;()&gt;</code></pre>
        <details class="toggle top-doc" open><summary class="hideme"><span>Expand description</span></summary>
        <div class="docblock"><p>Recursively create a directory.</p></div></details>
        <details class="toggle method-toggle" open><summary><section id="method.len" class="method"><h4 class="code-header">pub fn len(&amp;self) -&gt; usize</h4></section></summary>
        <div class="docblock"><p>Returns the length.</p></div></details>
        <details><summary>Why?</summary><p>Because.</p></details>
        </main></body></html>"##;
    let e = extract_html(html, &url());
    assert_eq!(
        e.text,
        "pub fn create_dir_all<P>(path: P) -> Result<()>\nRecursively create a directory.\npub fn len(&self) -> usize\nReturns the length.\nWhy?\nBecause."
    );
}

/// The Rust reference names each rule by its id in a link to itself: a permalink, not text. A
/// heading or term that links to itself (mdBook) keeps its words.
#[test]
fn a_block_naming_itself_by_its_id_is_no_text() {
    let html = r##"<html><body><main>
        <h2 id="booleans"><a class="header" href="#booleans">booleans</a></h2>
        <div class="rule" id="r-type.bool.layout"><a class="rule-link" href="#r-type.bool.layout"><span>[type<wbr>.bool<wbr>.layout]</span></a></div>
        <p>An object with the boolean type has a size and alignment of 1 each.</p>
        <dl><dt id="opt-v"><a href="#opt-v">-v</a></dt><dd>Use verbose output.</dd></dl>
        <section id="module-ensurepip"><p>The <a href="#module-ensurepip">ensurepip</a> package bootstraps pip.</p></section>
        </main></body></html>"##;
    let e = extract_html(html, &url());
    assert_eq!(
        e.text,
        "booleans\nAn object with the boolean type has a size and alignment of 1 each.\n-v\nUse verbose output.\nThe ensurepip package bootstraps pip."
    );
}

/// A page that is a listing of code under its title (Sphinx's `_modules/`, rustdoc's `src/`) has
/// no text to index; a listing a paragraph introduces is kept whole.
#[test]
fn a_source_listing_has_no_text() {
    let code = "def f(x):\n    return x + 1\n".repeat(50);
    let listing = format!(
        "<html><body><main><h1>Source code for pkg.mod</h1><pre>{code}</pre></main></body></html>"
    );
    let page = extract_html(&listing, &url());
    assert!(
        page.text.is_empty() && page.sections.is_empty(),
        "{}",
        page.text
    );
    assert!(!page.title.is_empty());
    let introduced = format!(
        "<html><body><main><h1>Analyzer</h1><p>The analyzer is a command-line program that \
         measures how space is used by each table of a database file.</p><pre>{code}</pre></main>\
         </body></html>"
    );
    let page = extract_html(&introduced, &url());
    assert!(page.text.contains("command-line program") && page.text.contains("return x + 1"));
}

/// A link from an entry to its source listing is not the entry's text.
#[test]
fn a_link_to_the_source_is_no_text() {
    let sphinx = "<main><dl><dt id=\"f\">pytest_sessionfinish(session, exitstatus)<a class=\"reference internal\" href=\"_modules/x.html\"><span class=\"viewcode-link\"><span class=\"pre\">[source]</span></span></a></dt><dd><p>Called after the run.</p></dd></dl></main>";
    let page = extract_html(sphinx, &url());
    assert!(!page.text.contains("[source]"), "{}", page.text);
    assert!(page
        .text
        .contains("pytest_sessionfinish(session, exitstatus)"));
    let rustdoc = "<main><h2>Methods</h2><p><a class=\"src rightside\" href=\"../src/a.rs.html\">Source</a>Constructs a new, empty vector.</p></main>";
    let page = extract_html(rustdoc, &url());
    assert!(!page.text.contains("Source"), "{}", page.text);
}

#[test]
fn prefers_main_and_drops_boilerplate() {
    let html = r##"<html><head><title> Guide  Page </title><style>p{}</style></head><body>
        <nav><a href="/nav.html">Nav</a> menu text</nav>
        <main><h1>Install<a class="headerlink" href="#x">¶</a></h1><p>Run   the <b>installer</b>.</p>
        <h2>Linux</h2><p>Use apt.</p><script>evil()</script></main>
        <footer>Copyright</footer></body></html>"##;
    let e = extract_html(html, &url());
    assert_eq!(e.title, "Guide Page");
    assert_eq!(e.text, "Install\nRun the installer.\nLinux\nUse apt.");
    assert_eq!(e.sections.len(), 2);
    assert_eq!(
        &e.text[e.sections[0].start..e.sections[0].end],
        "Install\nRun the installer."
    );
    assert_eq!(
        e.sections[1].heading_path,
        vec!["Install".to_string(), "Linux".to_string()]
    );
    assert_eq!(
        &e.text[e.sections[1].start..e.sections[1].end],
        "Linux\nUse apt."
    );
    assert_eq!(e.links[0].as_str(), "http://example.com/nav.html");
}

#[test]
fn body_fallback_skips_header_footer_and_handles_robots_meta() {
    let html = r#"<html><head><meta name="robots" content="NOINDEX, nofollow">
        <link rel="canonical" href="/canon.html"></head><body><header>Site</header>
        <p>Body text.</p><a href="/x">x</a><footer>foot</footer></body></html>"#;
    let e = extract_html(html, &url());
    assert_eq!(e.text, "Body text.\nx");
    assert!(e.noindex && e.nofollow);
    assert!(e.links.is_empty());
    assert_eq!(
        e.canonical.expect("canonical").as_str(),
        "http://example.com/canon.html"
    );
}

#[test]
fn nofollow_links_and_bad_hrefs_are_skipped() {
    let html = r#"<body><a rel="nofollow" href="/a">a</a><a href="javascript:alert(1)">j</a>
        <a href="b.html#top">b</a><a href="b.html">b again</a><a href="mailto:x@y.z">m</a></body>"#;
    let e = extract_html(html, &url());
    let links: Vec<_> = e.links.iter().map(Url::as_str).collect();
    assert_eq!(links, vec!["http://example.com/dir/b.html"]);
}

#[test]
fn malformed_and_deep_html_do_not_panic() {
    let e = extract_html("<p>unclosed <b>bold <i>both</p></div></span>text", &url());
    assert!(e.text.contains("unclosed bold both"));
    let deep = "<div>".repeat(3_000) + "deep" + &"</div>".repeat(3_000);
    let _ = extract_html(&deep, &url());
}

/// Found by fuzzing real Python-docs pages: a heading-like element inside another (here a
/// `<dt id>` inside a `<dt id>`) made the outer section start before the inner one had ended.
#[test]
fn nested_headings_never_make_sections_overlap() {
    let html = r#"<main><h1>Top</h1><p>Intro text here.</p><dl><dt id="outer">Outer <dl><dt id="inner">Inner term</dt></dl> tail</dt>
        <dd><p>Body paragraph text.</p></dd></dl><h2>Heading <dt id="x">Inner</dt> more</h2><p>More body.</p><h2>Next</h2><p>Last.</p></main>"#;
    let e = extract_html(html, &url());
    assert!(e.sections.len() >= 3, "{:?}", e.sections);
    let mut last = 0;
    for s in &e.sections {
        assert!(last <= s.start && s.start <= s.end, "{:?}", e.sections);
        last = s.end;
    }
}

#[test]
fn dt_with_id_opens_a_subsection() {
    let html = r#"<main><h1>Functions</h1><dl><dt id="zip">zip(*iterables)</dt><dd><p>Iterate in parallel.</p></dd>
        <dt>no id</dt><dd>plain</dd></dl><h2>Next</h2><p>x</p></main>"#;
    let e = extract_html(html, &url());
    let paths: Vec<_> = e
        .sections
        .iter()
        .map(|s| (s.level, s.heading_path.join("/")))
        .collect();
    assert_eq!(
        paths,
        vec![
            (1, "Functions".into()),
            (2, "Functions/zip(*iterables)".into()),
            (2, "Functions/Next".into())
        ]
    );
    let zip = &e.sections[1];
    assert_eq!(
        &e.text[zip.start..zip.end],
        "zip(*iterables)\nIterate in parallel.\nno id\nplain"
    );
}

/// A paragraph that is one bold phrase titles the rest of its parent (the SQLite manual's limits
/// are list items opening with `<p><b>Maximum Number Of Columns</b></p>`): a section one level
/// below the page's heading, which ends with the list item. Bold inside a sentence, a bold
/// sentence, or a table's caption (DocBook's `<p class="title">`) titles no section.
#[test]
fn a_bold_paragraph_titles_the_rest_of_its_parent() {
    let html = r#"<main><h1>Limits</h1><p>Intro.</p><ol>
        <li><a name="max_length"></a><p><b>Maximum length of a string or BLOB</b></p><p>The default is 1 billion.</p></li>
        <li><p><b>Maximum Number Of Columns</b></p><p>The default setting is 2000.</p></li></ol>
        <p>After the <b>list</b>.</p><p><b>This is a bold sentence.</b></p><p>Last.</p>
        <div class="table"><p class="title"><strong>Table 8.2. Numeric Types</strong></p>
        <div class="table-contents"><table><tr><td>bigint</td><td>8 bytes</td></tr></table></div></div></main>"#;
    let e = extract_html(html, &url());
    let sections: Vec<_> = e
        .sections
        .iter()
        .map(|s| (s.level, s.heading_path.join("/"), &e.text[s.start..s.end]))
        .collect();
    assert_eq!(
        sections,
        vec![
            (1, "Limits".into(), "Limits\nIntro."),
            (
                2,
                "Limits/Maximum length of a string or BLOB".into(),
                "Maximum length of a string or BLOB\nThe default is 1 billion."
            ),
            (
                2,
                "Limits/Maximum Number Of Columns".into(),
                "Maximum Number Of Columns\nThe default setting is 2000."
            ),
            (
                1,
                "Limits".into(),
                "After the list.\nThis is a bold sentence.\nLast.\nTable 8.2. Numeric Types\nbigint | 8 bytes"
            ),
        ]
    );
}

/// Found by fuzzing with Rust-docs pages: a heading with no text of its own at the very end
/// opened its section at the end of the text, and trimming the trailing line break left that
/// start past the end (a slice panic).
#[test]
fn an_empty_heading_at_the_end_does_not_panic() {
    for html in [
        "<main><p>Body text.</p><h2></h2></main>",
        "<main><p>Body text.</p><h2> </h2><br></main>",
        "<main><h1>T</h1><p>é</p><dl><dt id=x></dt></dl></main>",
    ] {
        let e = extract_html(html, &url());
        for s in &e.sections {
            assert!(s.start <= s.end && s.end <= e.text.len(), "{html}: {s:?}");
            assert!(e.text.is_char_boundary(s.start) && e.text.is_char_boundary(s.end));
        }
    }
}

/// The PostgreSQL manual's pages have no `<main>`: their "Prev Up Home Next" tables are page
/// furniture by class, a chapter's table of contents and the book index are lists of links.
#[test]
fn navigation_tables_and_link_lists_are_not_text() {
    let html = r#"<body><div class="navheader"><table><tr><th>19.5. Shutting Down</th></tr>
        <tr><td><a href="a.html">Prev</a></td><td><a href="b.html">Up</a></td><th>Chapter 19</th>
        <td><a href="index.html">Home</a></td><td><a href="c.html">Next</a></td></tr></table></div>
        <div class="sect1"><h2>19.5. Shutting Down the Server</h2><p>There are several ways to
        shut down the <a href="x.html">database server</a>.</p>
        <div class="toc"><dl><dt><a href="s1.html">19.5.1. Smart</a></dt><dt><a href="s2.html">19.5.2. Fast</a></dt></dl></div>
        <ul><li><a href="1.html">One page</a></li><li><a href="2.html">Two page</a></li><li><a href="3.html">Three</a> x</li></ul>
        <p>Use <span class="menuselection">File → Quit</span> to stop.</p></div>
        <div class="navfooter"><a href="a.html">Prev</a> <a href="b.html">Up</a></div></body>"#;
    let e = extract_html(html, &url());
    assert_eq!(
        e.text,
        "19.5. Shutting Down the Server\nThere are several ways to shut down the database server.\nUse File → Quit to stop."
    );
    // Links are still followed.
    assert!(e.links.iter().any(|l| l.as_str().ends_with("/s2.html")));
    assert!(e.links.iter().any(|l| l.as_str().ends_with("/3.html")));
}

/// A list of links that a paragraph introduces with a colon is what the paragraph says: content,
/// not a link bar (the Cargo book's fields to fill in before publishing, each a link to its entry).
#[test]
fn a_link_list_a_paragraph_introduces_is_text() {
    let html = r#"<main><h2>Before publishing</h2><p>Make sure you have filled out the following fields:</p>
        <ul><li><a href="m.html#license"><code>license</code> or <code>license-file</code></a></li>
        <li><a href="m.html#description"><code>description</code></a></li>
        <li><a href="m.html#homepage"><code>homepage</code></a></li></ul>
        <p>See also:</p><p>Related pages.</p>
        <ul><li><a href="1.html">One page</a></li><li><a href="2.html">Two page</a></li><li><a href="3.html">Three</a></li></ul></main>"#;
    let e = extract_html(html, &url());
    assert_eq!(
        e.text,
        "Before publishing\nMake sure you have filled out the following fields:\nlicense or license-file\ndescription\nhomepage\nSee also:\nRelated pages."
    );
}

/// Javadoc links the types of a signature to their pages: three links in one line of code are the
/// entry's term, not a link bar. A table of contents whose links hold code is still a link list.
#[test]
fn links_inside_code_are_code_not_a_link_list() {
    let html = r##"<main><h2>Constructor Summary</h2>
        <div class="col-constructor-name"><code><a href="#init(java.util.Collection)">ArrayList</a>(<a href="Collection.html">Collection</a>&lt;? extends <a href="ArrayList.html">E</a>&gt;&nbsp;c)</code></div>
        <div class="col-last"><div class="block">Constructs a list containing the elements of the specified collection.</div></div>
        <ul><li><a href="p.html"><code>os.path</code></a></li><li><a href="q.html"><code>os.stat</code></a></li><li><a href="r.html"><code>os.walk</code></a></li></ul></main>"##;
    let e = extract_html(html, &url());
    assert_eq!(
        e.text,
        "Constructor Summary\nArrayList(Collection<? extends E> c)\nConstructs a list containing the elements of the specified collection."
    );
}

#[test]
fn a_furniture_block_that_wraps_a_heading_is_kept() {
    let html = r#"<main><div class="section-header"><h2>Install</h2></div><p>Run it.</p>
        <div class="footer">Copyright</div></main>"#;
    let e = extract_html(html, &url());
    assert_eq!(e.text, "Install\nRun it.");
    assert_eq!(e.sections[0].heading_path, vec!["Install".to_string()]);
}

#[test]
fn content_words_keep_a_block_and_the_root_is_never_dropped() {
    let html = r#"<main class="nav-layout"><div class="main-header"><h1>Title</h1></div>
        <div class="sidebar-content"><p>Kept text.</p></div></main>"#;
    let e = extract_html(html, &url());
    assert_eq!(e.text, "Title\nKept text.");
}

#[test]
fn a_table_row_is_one_line() {
    let html = r#"<main><table><tr><th>Name</th><th>Size</th></tr>
        <tr><td>bigint</td> <td>8 bytes</td></tr><tr><td><p>lpad</p><p>Pads.</p></td><td>x</td></tr></table></main>"#;
    let e = extract_html(html, &url());
    assert_eq!(e.text, "Name | Size\nbigint | 8 bytes\nlpad\nPads.\nx");
}

/// Sphinx (docutils) wraps each cell's text in a `<p>`: the row is still one line.
#[test]
fn a_cell_that_is_one_paragraph_stays_in_its_row() {
    let html = r#"<main><table><thead><tr><th class="head"><p>Operation</p></th>
        <th class="head"><p>Result</p></th></tr></thead><tbody>
        <tr><td><p><code>x or y</code></p></td>
        <td><p>if <em>x</em> is false, then <em>y</em>, else <em>x</em></p></td></tr>
        <tr><td><p>path</p></td><td><p>like <code>string</code> but also accepts slashes</p></td></tr>
        </tbody></table></main>"#;
    let e = extract_html(html, &url());
    assert_eq!(
        e.text,
        "Operation | Result\nx or y | if x is false, then y, else x\npath | like string but also accepts slashes"
    );
}

#[test]
fn pre_keeps_lines() {
    let e = extract_html(
        "<main><p>Example:</p><pre>a = 1\n\n  b = 2\n</pre><p>After.</p></main>",
        &url(),
    );
    assert_eq!(e.text, "Example:\na = 1\n  b = 2\nAfter.");
}

/// A manual page rendered to HTML (the whole page one `<pre>`, as Postfix ships `postqueue(1)`):
/// its paragraphs read as text, a capitals line at the margin opens a section, an option's term
/// goes on a line above what describes it, a word hyphenated at a line's end is whole again, and
/// the running head is left out.
#[test]
fn a_manual_page_set_in_pre_reads_as_text() {
    let description = "The postqueue command implements the Postfix user interface for queue \
        management. It implements operations that are traditionally available via the sendmail \
        command. See the postsuper command for queue operations that need privileges. ";
    let mut page = String::from(
        "<html><head><title>Postfix manual - postqueue(1)</title></head><body><pre>\n\
         POSTQUEUE(1)                                                      POSTQUEUE(1)\n\n\
         <b>NAME</b>\n       postqueue - Postfix queue control\n\n<b>DESCRIPTION</b>\n",
    );
    for line in textwrap_lines(&description.repeat(4), 70) {
        page.push_str(&format!("       {line}\n"));
    }
    page.push_str(
        "\n       <b>-f</b>     Flush the queue: attempt to deliver all queued mail. This is the\n\
         \x20             traditional way to retry every deferred message at once, for delet-\n\
         \x20             ing nothing.\n\n\
         \x20      <b>-c</b> <i>config_dir</i>\n\
         \x20             The main.cf configuration file is in the named directory.\n\
         </pre></body></html>",
    );
    let e = extract_html(&page, &url());
    let lines: Vec<&str> = e.text.lines().collect();
    assert_eq!(lines[0], "NAME");
    assert_eq!(lines[1], "postqueue - Postfix queue control");
    assert_eq!(lines[2], "DESCRIPTION");
    assert!(lines[3].starts_with("The postqueue command implements the Postfix user interface for queue management. It implements"), "{}", lines[3]);
    assert!(!e.text.contains("POSTQUEUE(1)"), "{}", e.text);
    assert!(!e.text.contains("  "), "{}", e.text);
    let f = lines.iter().position(|l| *l == "-f").expect(&e.text);
    assert_eq!(
        lines[f + 1],
        "Flush the queue: attempt to deliver all queued mail. This is the traditional way to retry every deferred message at once, for deleting nothing."
    );
    let c = lines
        .iter()
        .position(|l| *l == "-c config_dir")
        .expect(&e.text);
    assert_eq!(
        lines[c + 1],
        "The main.cf configuration file is in the named directory."
    );
    let heading = |h: &str| {
        e.sections
            .iter()
            .any(|s| s.heading_path.last().map(String::as_str) == Some(h))
    };
    assert!(
        heading("NAME") && heading("DESCRIPTION"),
        "{:?}",
        e.sections
    );
}

/// Lines of at most `width` characters from `text`'s words.
fn textwrap_lines(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("one line");
        if !last.is_empty() && last.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

/// In a page of prose a `<pre>` block stays line by line, however much it reads as text: there
/// it is an example, a table set in columns or a session.
#[test]
fn a_wordy_pre_block_in_a_page_of_prose_keeps_its_lines() {
    let block: String = (0..12)
        .map(|i| {
            format!("   Note {i}: any user on the local system may connect to any database.\n")
        })
        .collect();
    let page = format!(
        "<html><body><main><h1>The pg_hba.conf File</h1><p>Client authentication is controlled \
         by a configuration file, which traditionally is named pg_hba.conf.</p><pre>{block}</pre></main></body></html>"
    );
    let e = extract_html(&page, &url());
    let kept: Vec<&str> = block.lines().map(str::trim_end).collect();
    assert!(e.text.contains(&kept.join("\n")), "{}", e.text);
}

/// Older HTML marks an entry's anchor with `<a name>` inside its `<dt>` (Postfix's
/// `postconf(5)`): the entry opens a section, as a `<dt id>` does.
#[test]
fn a_term_holding_a_named_anchor_opens_a_section() {
    let html = r#"<html><body><h1>Postfix Configuration Parameters</h1><dl>
        <dt><b><a name="message_size_limit">message_size_limit</a> (default: 10240000)</b></dt>
        <dd><p>The maximal size in bytes of a message, including envelope information.</p></dd>
        <dt><b><a href="other.html">not_an_entry</a></b></dt><dd><p>Linked, not anchored.</p></dd>
        </dl></body></html>"#;
    let e = extract_html(html, &url());
    let paths: Vec<&Vec<String>> = e.sections.iter().map(|s| &s.heading_path).collect();
    assert!(
        paths.iter().any(|p| p.last().map(String::as_str) == Some("message_size_limit (default: 10240000)")),
        "{paths:?}"
    );
    assert!(
        !paths
            .iter()
            .any(|p| p.iter().any(|h| h.contains("not_an_entry"))),
        "{paths:?}"
    );
}

/// What a page hides inside a `<pre>` block until pointed at is not its text: HAProxy's keyword
/// links open a menu of the sections the keyword appears in. A highlighted comment stays.
#[test]
fn a_menu_hidden_in_a_pre_block_is_no_text() {
    let html = r##"<html><body><main><p>The maxconn setting limits connections.</p><pre class="text">The "<span class="dropdown"><a class="dropdown-toggle" href="#">maxconn<span class="caret"></span></a><ul class="dropdown-menu"><li class="dropdown-header">This keyword is available in sections :</li><li><a href="#3.2-maxconn">Performance tuning</a></li></ul></span>" parameter specifies the maximal number of concurrent connections.
<span class="hljs-comment"># keep me</span></pre></main></body></html>"##;
    let e = extract_html(html, &url());
    assert!(
        e.text.contains("The \"maxconn\" parameter specifies the maximal number of concurrent connections.\n# keep me"),
        "{}",
        e.text
    );
}

/// Prose wrapped at a fixed width in a `<pre>` block of a page of prose (HAProxy's manual, git's
/// technical notes) reads as text, its sentences whole; a table set in columns with a hanging
/// indent, and a console session, keep their lines.
#[test]
fn prose_wrapped_in_pre_reads_as_text() {
    let wrapped = "Set the maximum time to wait for a connection attempt to a server to\n\
        succeed. If the server is located on the same LAN as HAProxy, the connection\n\
        should be immediate (less than a few milliseconds). Anyway, it is a good\n\
        practice to cover one or several TCP packet losses by specifying timeouts\n\
        that are slightly above multiples of 3 seconds.";
    let page = format!(
        "<html><body><main><h1>timeout connect</h1><p>A keyword of the defaults section.</p><pre class=\"text\">{wrapped}</pre></main></body></html>"
    );
    let e = extract_html(&page, &url());
    assert!(
        e.text.contains("Set the maximum time to wait for a connection attempt to a server to succeed. If the server"),
        "{}",
        e.text
    );
    let table = "Field       Meaning\n\
        <XY>        A 2 character field containing the staged and\n\
        \x20           unstaged XY values described in the short format,\n\
        \x20           with unchanged indicated by a dot rather than\n\
        \x20           a space character and the staged changes kept.\n\
        <sub>       A 4 character field describing the submodule state\n\
        \x20           and whether it has new commits or local changes.";
    let session = "sqlite> the track table contains a row that refers to the artist and\n\
        sqlite> deleting the artist record fails because the track table holds it\n\
        sqlite> so the foreign key constraint keeps the two tables consistent here\n\
        sqlite> which is what an application wants from its database in the end.";
    for block in [table, session] {
        let escaped = block.replace('<', "&lt;").replace('>', "&gt;");
        let page = format!(
            "<html><body><main><h1>Status</h1><p>The output reads as follows.</p><pre>{escaped}</pre></main></body></html>"
        );
        let e = extract_html(&page, &url());
        assert!(e.text.contains(block), "{}", e.text);
    }
}

#[test]
fn a_meta_refresh_is_a_redirect_only_when_it_moves_on_at_once() {
    let base = Url::parse("http://docs.test/html/Aliasing.html").expect("valid");
    let to = |content: &str| refresh_target(content, &base).map(|u| u.to_string());
    let grammar = Some("http://docs.test/html/Shell-Grammar.html".to_string());
    assert_eq!(to("0; url=Shell-Grammar.html#Aliasing"), grammar);
    assert_eq!(to("0;URL='Shell-Grammar.html'"), grammar);
    assert_eq!(to("2, url = \"Shell-Grammar.html\""), grammar);
    assert_eq!(to("5; /new"), Some("http://docs.test/new".to_string()));
    for reload_or_late in [
        "30",
        "0",
        "0; url=",
        "600; url=Shell-Grammar.html",
        "-1; url=x",
        "soon; url=x",
    ] {
        assert_eq!(to(reload_or_late), None, "{reload_or_late}");
    }
    let page = r#"<html><head><meta http-equiv="refresh" content="0; url=Aliasing.html"></head>
        <body><p>Refreshing to itself is no redirect.</p></body></html>"#;
    assert_eq!(extract_html(page, &base).refresh, None);
}

#[test]
fn a_page_names_its_own_origins_scripts() {
    let url = Url::parse("http://docs.test/api/index.html").expect("valid");
    let out = extract_html(
        r#"<html><head><script src="menudata.js"></script><script src="/static/nav.js"></script>
        <script src="https://cdn.example.com/jquery.js"></script><script>inline()</script></head>
        <body><p>Text.</p></body></html>"#,
        &url,
    );
    let scripts: Vec<&str> = out.scripts.iter().map(Url::as_str).collect();
    assert_eq!(
        scripts,
        [
            "http://docs.test/api/menudata.js",
            "http://docs.test/static/nav.js"
        ]
    );
}

#[test]
fn a_script_links_the_pages_its_literals_name() {
    let url = Url::parse("http://docs.test/api/navtreedata.js").expect("valid");
    let js = r#"var NAVTREE = [ [ "Main Page", "index.html", [ [ "Files", 'files.html', null ],
        [ "Window", `group__video.html#ga1`, "struct_s_d_l___rect.html" ] ] ] ];
        var NAVTREEINDEX = { "annotated.html":[5,0], "../guide/start.htm":[1] };
        var html = "<a href='x.html'>x</a>"; var re = /a.html/; f("no spaces.html", "a.js", "javascript:x.html",
        "https://other.example/page.html", "text/html", ".html");"#;
    let links: Vec<String> = script_links(js, &url)
        .iter()
        .map(|u| {
            u.as_str()
                .trim_start_matches("http://docs.test")
                .to_string()
        })
        .collect();
    assert_eq!(
        links,
        [
            "/api/index.html",
            "/api/files.html",
            "/api/group__video.html",
            "/api/struct_s_d_l___rect.html",
            "/api/annotated.html",
            "/guide/start.htm",
        ]
    );
}

/// Doxygen shows a header's source line by line with its numbers, in `<div>`s: a listing whose
/// comments repeat the documentation pages, stored without text, whatever tooltips follow it. A
/// numbered list or a table of status codes is text.
#[test]
fn a_source_shown_with_its_line_numbers_is_a_listing() {
    let listing: String = (1..=40)
        .map(|n| match n % 3 {
            // A line of code runs into its number in the extracted text (`40extern "C" {`).
            0 => format!("<div class=\"line\"><span class=\"lineno\">{n}</span><span>extern int f{n}(void);</span></div>"),
            _ => format!("<div class=\"line\"><span class=\"lineno\">{n}</span> * comment line {n} says what the code does</div>"),
        })
        .collect();
    // Under it, a tooltip per linked name, shown only under the pointer: hidden text, not lines
    // of the listing.
    let tooltips: String = (1..=15)
        .map(|n| format!("<div class=\"ttc\" id=\"a{n}\"><div class=\"ttname\"><a href=\"#f{n}\">f{n}</a></div><div class=\"ttdeci\">int f{n}(void)</div><div class=\"ttdef\"><b>Definition:</b> x.h:{n}</div></div>"))
        .collect();
    let page = extract_html(
        &format!("<html><body><div class=\"contents\"><div class=\"fragment\">{listing}</div>{tooltips}</div></body></html>"),
        &url(),
    );
    assert!(page.text.is_empty(), "{}", page.text);
    let page = extract_html(
        &format!("<html><body><p>Call f1 to start.</p>{tooltips}</body></html>"),
        &url(),
    );
    assert_eq!(page.text, "Call f1 to start.");
    let list: String = (1..=40)
        .map(|n| format!("<p>{n}. Step {n} of the guide.</p>"))
        .collect();
    let page = extract_html(&format!("<html><body>{list}</body></html>"), &url());
    assert!(page.text.contains("Step 7 of the guide"));
    let rows: String = (200..240)
        .map(|n| format!("<tr><td>{n}</td><td>Status {n}</td></tr>"))
        .collect();
    let page = extract_html(
        &format!("<html><body><table>{rows}</table></body></html>"),
        &url(),
    );
    assert!(page.text.contains("Status 204"), "{}", page.text);
}

/// Doxygen closes every member's documentation with where it is defined ("Definition at line 58
/// of file SDL_video.h."), a link into the source listing like Sphinx's `[source]`: not text.
#[test]
fn doxygen_source_locations_are_no_text() {
    let page = extract_html(
        r#"<html><body><div class="contents"><h2>refresh_rate</h2>
        <div class="memdoc"><p>refresh rate (or zero for unspecified)</p>
        <p class="definition">Definition at line <a class="el" href="../dc/d64/_s_d_l__video_8h_source.html#l00058">58</a> of file <a class="el" href="../dc/d64/_s_d_l__video_8h.html">SDL_video.h</a>.</p>
        </div></div></body></html>"#,
        &url(),
    );
    assert!(page.text.contains("zero for unspecified"), "{}", page.text);
    assert!(!page.text.contains("Definition at line"), "{}", page.text);
}

/// Links to one page under several fragments are one link, normalised once; a `nofollow` link does
/// not hide a later link to the same page that may be followed; an `<area>` links like an `<a>`.
#[test]
fn links_are_one_per_page_in_document_order() {
    let html = r##"<body><main>
        <a href="other.html#method.push">push</a> <a href="other.html#method.pop">pop</a>
        <a href="#here">here</a> <a rel="NoFollow" href="/private">p</a>
        <map><area href="/private#x"></map> <a href=" other.html ">again</a>
        </main></body>"##;
    let e = extract_html(html, &url());
    let links: Vec<&str> = e.links.iter().map(Url::as_str).collect();
    assert_eq!(
        links,
        [
            "http://example.com/dir/other.html",
            "http://example.com/dir/page.html",
            "http://example.com/private",
        ]
    );
}

/// Class and id words mark furniture whatever their case; a content word among the classes keeps
/// the block.
#[test]
fn furniture_words_are_read_in_any_case() {
    let html = r#"<body><main>
        <div class="NavBar"><p>Home</p></div>
        <div id="SideBar"><p>Index</p></div>
        <div class="Sidebar MainContent"><p>Kept.</p></div>
        <p>Body text.</p>
        </main></body>"#;
    let e = extract_html(html, &url());
    assert_eq!(e.text, "Kept.\nBody text.");
}
