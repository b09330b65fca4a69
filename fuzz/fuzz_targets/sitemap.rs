//! Any bytes as a sitemap (XML, gzip, text, index): parsing never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = crawler::sitemap::parse(data);
});
