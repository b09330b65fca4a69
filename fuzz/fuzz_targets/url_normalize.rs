//! Any string as a link: normalising never panics, yields http(s) only, and is idempotent.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let base = url::Url::parse("http://fuzz.test/a/b.html?x=1").expect("valid base");
    for base in [None, Some(&base)] {
        if let Ok(url) = crawler::normalize(data, base) {
            assert!(matches!(url.scheme(), "http" | "https"));
            let again = crawler::normalize(url.as_str(), None).expect("a normal URL parses");
            assert_eq!(again, url, "normalising twice changed {data:?}");
        }
    }
});
