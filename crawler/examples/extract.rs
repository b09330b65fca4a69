//! Extraction on HTML files from disk, for checking a change to `crawler::extract`:
//!
//! - `extract fingerprint DIR...` prints a hash of everything extracted from each `.html` file
//!   under the directories (text, sections, links, title…): diff two builds' output to see
//!   which pages an extraction change touches;
//! - `extract trees DIR...` checks the fast parser against html5ever on every page: the same tree,
//!   or the fast path gave the page to html5ever (counts, and every page whose trees differ);
//! - `extract speed DIR N` times parsing alone (html5ever, then cited's parser) and the whole
//!   extraction on the first N pages.
//!
//! `cargo run --release -p crawler --example extract -- speed ~/.rustup/toolchains/*/share/doc/rust/html/std 1500`
use std::hash::{Hash, Hasher};
use std::time::Instant;

/// The first `n` HTML files under `dir`, in path order.
fn files(dir: &str, n: usize) -> Vec<std::path::PathBuf> {
    let mut files = vec![];
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut es: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        es.sort();
        for p in es {
            if p.is_dir() {
                stack.push(p)
            } else if p.extension().is_some_and(|e| e == "html" || e == "htm") {
                files.push(p)
            }
        }
        if files.len() >= n {
            break;
        }
    }
    files.truncate(n);
    files
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = url::Url::parse("http://127.0.0.1/x/y.html").expect("static URL");
    if args.get(1).map(String::as_str) == Some("fingerprint") {
        for dir in &args[2..] {
            for f in files(dir, usize::MAX) {
                let Ok(bytes) = std::fs::read(&f) else {
                    continue;
                };
                let page = String::from_utf8_lossy(&bytes);
                let e = crawler::extract::extract_html(&page, &url);
                let mut h = std::collections::hash_map::DefaultHasher::new();
                format!("{e:?}").hash(&mut h);
                println!("{:016x} {}", h.finish(), f.display());
            }
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("trees") {
        use crawler::extract::parse::{dump, fast};
        let (mut same, mut gave_up, mut differ) = (0, 0, 0);
        for dir in &args[2..] {
            for f in files(dir, usize::MAX) {
                let Ok(bytes) = std::fs::read(&f) else {
                    continue;
                };
                let page = String::from_utf8_lossy(&bytes);
                match fast(&page) {
                    None => {
                        gave_up += 1;
                        if std::env::var_os("SHOW_GIVE_UP").is_some() {
                            println!("gave up {}", f.display());
                        }
                    }
                    Some(tree) if dump(&tree) == dump(&scraper::Html::parse_document(&page)) => {
                        same += 1
                    }
                    Some(_) => {
                        differ += 1;
                        println!("differs {}", f.display());
                    }
                }
            }
        }
        println!("{same} pages the same tree, {gave_up} given to html5ever, {differ} different");
        return;
    }
    let (Some("speed"), Some(dir), Some(n)) = (
        args.get(1).map(String::as_str),
        args.get(2),
        args.get(3).and_then(|n| n.parse().ok()),
    ) else {
        eprintln!("usage: extract fingerprint DIR... | extract trees DIR... | extract speed DIR N");
        std::process::exit(2);
    };
    let pages: Vec<String> = files(dir, n)
        .iter()
        .map(|f| String::from_utf8_lossy(&std::fs::read(f).expect("readable file")).into_owned())
        .collect();
    let bytes: usize = pages.iter().map(|p| p.len()).sum();
    let t = Instant::now();
    for p in &pages {
        std::hint::black_box(scraper::Html::parse_document(p));
    }
    let parse = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for p in &pages {
        std::hint::black_box(crawler::extract::parse::parse(p));
    }
    let fast = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for p in &pages {
        std::hint::black_box(crawler::extract::extract_html(p, &url));
    }
    let all = t.elapsed().as_secs_f64();
    println!(
        "{} pages {:.1} MB: html5ever parse {:.3}s ({:.0} pages/s), cited's parse {:.3}s ({:.0} pages/s), extract {:.3}s ({:.0} pages/s)",
        pages.len(),
        bytes as f64 / 1e6,
        parse,
        pages.len() as f64 / parse,
        fast,
        pages.len() as f64 / fast,
        all,
        pages.len() as f64 / all
    );
}
