//! Any bytes as a fetched page: decoding and extraction never panic, every section is a slice of the
//! extracted text, and every link is http(s). (Sections are not checked for overlap: the first runs
//! found real pages whose sections overlap by a heading's length; see README, Reliability.)
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let base = url::Url::parse("http://fuzz.test/dir/page.html").expect("valid base");
    let text = crawler::fetch::decode(data, "text/html");
    let page = crawler::extract::extract_html(&text, &base);
    for s in &page.sections {
        assert!(s.start <= s.end && s.end <= page.text.len());
        assert!(page.text.is_char_boundary(s.start) && page.text.is_char_boundary(s.end));
    }
    for link in &page.links {
        assert!(matches!(link.scheme(), "http" | "https"));
    }
});
