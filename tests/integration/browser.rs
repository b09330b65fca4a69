//! The search page in a real browser: Debian's chromium, headless, driven over WebDriver by
//! chromedriver (`apt-get install chromium chromium-driver`; `.ci/run` does). `CITED_CHROMIUM` and
//! `CITED_CHROMEDRIVER` override where they are.
//!
//! A screenshot of the answer page is saved to `target/tmp/browser/answer.png`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::common::{cited_ok, free_port, serve_dir, Server};
use crate::python_docs::crawled;

/// chromedriver and the chromium it starts, in their own process group (killed together on drop),
/// with a fresh profile.
struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Self {
        use std::os::unix::process::CommandExt;
        let driver_bin =
            std::env::var("CITED_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let chromium =
            std::env::var("CITED_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        assert!(
            Path::new(&chromium).exists(),
            "{chromium} is missing: install it with `apt-get install chromium chromium-driver` (.ci/run does)"
        );
        let port = free_port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {driver_bin} ({e}): `apt-get install chromium-driver`")
            });
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        // chromedriver keeps even HTTP/1.0 connections open: wait for the port, not for a reply.
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1100,1300",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": chromium, "args": args}),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&url)
            .await
            .expect("a chromium session");
        Self {
            client,
            driver,
            _profile: profile,
        }
    }

    async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// Waits for a CSS selector to match, for up to 20 s.
    async fn wait_for(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("`{css}` never appeared: {e}"))
    }

    async fn script<T: serde::de::DeserializeOwned>(&self, js: &str) -> T {
        let value = self
            .client
            .execute(js, vec![])
            .await
            .unwrap_or_else(|e| panic!("script `{js}` failed: {e}"));
        serde_json::from_value(value).expect("script result type")
    }

    async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
        std::fs::create_dir_all(&dir).expect("artifact dir");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("write screenshot");
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: chromedriver and the chromium it started.
        let _ = Command::new("kill")
            .args(["-9", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.wait();
    }
}

/// A person types a question, watches the answer stream in, reads a citation's passage from the
/// keyboard, and follows it to the exact passage on the source page.
#[tokio::test]
#[allow(
    clippy::too_many_lines,
    reason = "one user session end to end, step by step in the order a person acts"
)]
async fn a_person_asks_reads_a_citation_and_follows_it() {
    let (data, site) = crawled();
    let server = Server::start(data);
    let browser = Browser::start().await;
    let c = &browser.client;
    c.goto(&format!("{}/", server.base))
        .await
        .expect("open page");
    let input = browser.wait_for("input[name=q]").await;
    input
        .send_keys("What is the global interpreter lock?\u{e007}")
        .await
        .expect("type the question and press Enter");

    // Results at once, the answer streamed in with citation markers; the URL is shareable.
    browser.wait_for(".hit").await;
    browser.wait_for("#answer[aria-busy=false]").await;
    let url = c.current_url().await.expect("url");
    assert!(
        url.as_str()
            .contains("q=What+is+the+global+interpreter+lock"),
        "shareable URL: {url}"
    );
    let answer = browser
        .wait_for("#answer-text")
        .await
        .text()
        .await
        .expect("answer text");
    assert!(
        answer.contains("only one thread executes Python bytecode at a time"),
        "answer: {answer}"
    );
    let markers = c.find_all(Locator::Css(".marker")).await.expect("markers");
    assert!(!markers.is_empty(), "the answer cites its sources");
    let cards = c
        .find_all(Locator::Css("#sources .card"))
        .await
        .expect("cards");
    assert!(!cards.is_empty(), "source cards");
    let shot = browser.screenshot("answer.png").await;
    eprintln!("screenshot of the answer page: {}", shot.display());

    // From the keyboard: Tab from the search box reaches the first citation marker, whose passage
    // then shows; it is the quote of the source it cites.
    let mut reached = false;
    for _ in 0..12 {
        c.active_element()
            .await
            .expect("focus")
            .send_keys("\u{e004}")
            .await
            .expect("Tab");
        let on_marker: bool = browser
            .script("return document.activeElement.classList.contains('marker')")
            .await;
        if on_marker {
            reached = true;
            break;
        }
    }
    assert!(reached, "a citation marker is reachable with Tab");
    let pop = c
        .find(Locator::Css(".marker:focus + .pop"))
        .await
        .expect("the focused marker's passage");
    assert!(
        pop.is_displayed().await.expect("displayed"),
        "passage shown on focus"
    );
    let passage = pop.text().await.expect("passage text");
    let first_quote = cards[0]
        .find(Locator::Css(".card-quote"))
        .await
        .expect("card quote")
        .text()
        .await
        .expect("quote");
    assert!(
        passage.contains(first_quote.trim_matches(|c| c == '"' || c == '“' || c == '”')),
        "marker passage {passage:?} is the source's quote {first_quote:?}"
    );
    browser.screenshot("citation.png").await;

    // Enter follows the citation to the passage on the crawled site.
    let href: String = browser.script("return document.activeElement.href").await;
    assert!(
        href.starts_with(site.as_str()),
        "links to the crawled site: {href}"
    );
    assert!(
        href.contains("#:~:text="),
        "deep link to the passage: {href}"
    );
    c.active_element()
        .await
        .expect("focus")
        .send_keys("\u{e007}")
        .await
        .expect("Enter");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = c.current_url().await.expect("url");
        if now.as_str().starts_with(site.as_str()) {
            let page_path = href.split('#').next().unwrap_or_default();
            assert_eq!(now.as_str().split('#').next(), Some(page_path));
            break;
        }
        assert!(Instant::now() < deadline, "the citation was not followed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.close().await;
}

/// A crawled page full of markup, scripts and `javascript:` links is shown as text and runs
/// nothing, in the streamed page and in the server-rendered one.
#[tokio::test]
async fn a_hostile_page_runs_nothing() {
    let site = tempfile::tempdir().expect("site");
    std::fs::write(
        site.path().join("index.html"),
        "<html><head><title>Shop</title></head><body><h1>Shop</h1>\
         <p>See <a href=\"gadgets.html\">our gadgets</a>.</p></body></html>",
    )
    .expect("index");
    std::fs::write(
        site.path().join("gadgets.html"),
        r#"<html><head><title>&lt;script&gt;window.__xss=1&lt;/script&gt; Gadgets</title>
<script>window.__xss = "the page's own script ran";</script></head>
<body><h1>Gadgets &lt;img src=x onerror="window.__xss=2"&gt;</h1>
<p>The flux capacitor costs 88 dollars &lt;img src=x onerror="window.__xss=3"&gt; in our shop.</p>
<p>The flux capacitor ships with a &lt;script&gt;window.__xss=4&lt;/script&gt; warning label.</p>
<p><a href="javascript:window.__xss=5">Flux capacitor discount</a>
<a href="JaVaScRiPt:window.__xss=6">flux capacitor coupon</a></p>
<iframe src="javascript:parent.__xss=7"></iframe>
</body></html>"#,
    )
    .expect("hostile page");
    let addr = serve_dir(site.path());
    let data = tempfile::tempdir().expect("data");
    cited_ok(
        data.path(),
        &[
            "crawl",
            &format!("http://{addr}/index.html"),
            "--delay-ms",
            "0",
        ],
    );
    let server = Server::start(data.path());
    let browser = Browser::start().await;
    let c = &browser.client;
    let q = "How+much+does+the+flux+capacitor+cost%3F";
    for suffix in ["", "&static=1"] {
        c.goto(&format!("{}/?q={q}{suffix}", server.base))
            .await
            .expect("open page");
        browser.wait_for(".hit").await;
        if suffix.is_empty() {
            browser.wait_for("#answer[aria-busy=false]").await;
            browser.wait_for(".marker").await;
        }
        let body = c
            .find(Locator::Css("body"))
            .await
            .expect("body")
            .text()
            .await
            .expect("text");
        assert!(
            body.contains("88 dollars"),
            "the answer is shown{suffix}: {body}"
        );
        assert!(
            body.contains("<img src=x onerror="),
            "markup in crawled text is shown as text{suffix}: {body}"
        );
        let xss: serde_json::Value = browser.script("return window.__xss ?? null").await;
        assert_eq!(xss, serde_json::Value::Null, "crawled text ran{suffix}");
        let injected: u64 = browser
            .script("return document.querySelectorAll('img, iframe, object, embed').length")
            .await;
        assert_eq!(injected, 0, "elements injected from crawled text{suffix}");
        let scripts: u64 = browser
            .script("return document.querySelectorAll('script').length")
            .await;
        assert!(scripts <= 1, "only cited's own script{suffix}");
        let bad_links: Vec<String> = browser
            .script(
                "return Array.from(document.querySelectorAll('[href]')).map(a => a.getAttribute('href'))\
                 .filter(h => !/^(https?:\\/\\/|\\/|#)/i.test(h))",
            )
            .await;
        assert!(
            bad_links.is_empty(),
            "links that are not http(s){suffix}: {bad_links:?}"
        );
        // Hovering and focusing the citations runs nothing either.
        let focused: u64 = browser
            .script(
                "const links = document.querySelectorAll('.marker, .hit a, .card a');\
                 links.forEach(e => { e.focus(); e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})); });\
                 return links.length",
            )
            .await;
        assert!(focused > 0, "nothing to focus{suffix}");
        let xss: serde_json::Value = browser.script("return window.__xss ?? null").await;
        assert_eq!(
            xss,
            serde_json::Value::Null,
            "crawled text ran on focus{suffix}"
        );
    }
    browser.screenshot("hostile.png").await;
    browser.close().await;
}
