//! Any text as a page: cited's fast HTML parser builds exactly the tree html5ever builds, or gives
//! the page to html5ever (its fast path must never build a different tree).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(fast) = crawler::extract::parse::fast(text) {
        let expected = scraper::Html::parse_document(text);
        assert_eq!(
            crawler::extract::parse::dump(&fast),
            crawler::extract::parse::dump(&expected)
        );
    }
});
