//! Any bytes as a fetched page: decoding and extraction never panic, every section is a slice of the
//! extracted text, sections do not overlap (the first runs found real pages where they did), and
//! every link is http(s); the same bytes read as a script name only pages of the script's origin.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let base = url::Url::parse("http://fuzz.test/dir/page.html").expect("valid base");
    let text = crawler::fetch::decode(data, "text/html");
    let page = crawler::extract::extract_html(&text, &base);
    let mut last = 0;
    for s in &page.sections {
        assert!(last <= s.start && s.start <= s.end && s.end <= page.text.len());
        last = s.end;
        assert!(page.text.is_char_boundary(s.start) && page.text.is_char_boundary(s.end));
    }
    for link in &page.links {
        assert!(matches!(link.scheme(), "http" | "https"));
    }
    for script in &page.scripts {
        assert_eq!(script.origin(), base.origin());
    }
    for link in crawler::extract::script_links(&text, &base) {
        assert_eq!(link.origin(), base.origin());
    }
});
