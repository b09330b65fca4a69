//! `cited serve` under load and abuse, from this separate process: sustained concurrency far past
//! the answer cap while slow clients, header floods, oversized queries and SSE streams nobody reads
//! hold connections open. Nothing may fail but the deliberate 503s, memory must stay flat, and the
//! server must answer normally afterwards. `CITED_LOAD_SECS` sets the load's length (10 s by
//! default; the long run in README uses 300).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::Server;
use crate::python_docs::crawled;

const QUESTIONS: &[&str] = &[
    "What is the global interpreter lock?",
    "How do I sort a list of dictionaries by a key?",
    "What is a decorator?",
    "What does the with statement do?",
    "How do I read a file line by line?",
    "What is a generator?",
];

/// Clients sending requests without pause (the server evaluates 2 at once).
const CLIENTS: usize = 32;

/// Opens `n` connections that send the start of a request, then a header byte every second, never
/// finishing it (slowloris), until `stop`. Returns how many were opened and how many the server
/// closed.
fn slow_clients(
    addr: &str,
    n: usize,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<(usize, usize)> {
    let addr = addr.to_string();
    std::thread::spawn(move || {
        let mut conns: Vec<(TcpStream, bool)> = (0..n)
            .filter_map(|_| TcpStream::connect(&addr).ok())
            .map(|c| (c, false))
            .collect();
        for (c, _) in &mut conns {
            let _ = c.write_all(b"GET /api/search?q=slow HTTP/1.1\r\nHost: x\r\n");
        }
        while !stop.load(Ordering::Relaxed) {
            for (c, closed) in &mut conns {
                *closed |= c.write_all(b"X").is_err();
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        (
            conns.len(),
            conns.iter().filter(|(_, closed)| *closed).count(),
        )
    })
}

/// Opens `n` answer streams and reads only their first bytes; held until `stop`.
fn idle_streams(addr: &str, n: usize, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<usize> {
    let addr = addr.to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for i in 0..n {
            let Ok(mut c) = TcpStream::connect(&addr) else {
                continue;
            };
            let q = QUESTIONS[i % QUESTIONS.len()].replace(' ', "+");
            let _ = write!(
                c,
                "GET /api/answer/stream?q={q} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"
            );
            let mut first = [0u8; 16];
            let _ = c.set_read_timeout(Some(Duration::from_secs(10)));
            if c.read(&mut first).is_ok_and(|k| k > 0) {
                held.push(c);
            }
        }
        let opened = held.len();
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
        }
        opened
    })
}

/// Sends one raw request and returns the status code of the reply (0 if the server closed the
/// connection without one).
fn raw_status(addr: &str, request: &[u8]) -> u16 {
    let Ok(mut c) = TcpStream::connect(addr) else {
        return 0;
    };
    let _ = c.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = c.write_all(request);
    let mut head = [0u8; 12];
    match c.read_exact(&mut head) {
        Ok(()) => std::str::from_utf8(&head[9..12])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        Err(_) => 0,
    }
}

#[derive(Default)]
struct Tally {
    ok: u64,
    busy: u64,
    other: Vec<String>,
    latencies_ms: Vec<f64>,
}

#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one user session end to end, step by step in the order a person acts"
)]
fn serve_holds_under_load_and_abuse() {
    let (data, _) = crawled();
    let server = Server::start_with(
        data,
        &["--max-concurrent", "2", "--header-timeout-secs", "3"],
    );
    let addr = server.base.trim_start_matches("http://").to_string();
    let secs: u64 = std::env::var("CITED_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);

    // Warm up, then note the memory the load starts from.
    let client = reqwest::blocking::Client::new();
    for q in QUESTIONS {
        let r = client
            .get(format!("{}/api/answer", server.base))
            .query(&[("q", q)])
            .send()
            .expect("warm-up");
        assert_eq!(r.status(), 200);
    }
    let (rss_start, _) = server.memory_mb();

    // Abuse that holds connections for the whole run.
    let stop = Arc::new(AtomicBool::new(false));
    let slow = slow_clients(&addr, 300, stop.clone());
    let streams = idle_streams(&addr, 100, stop.clone());

    // Sustained load: answers and searches without pause.
    let tally = Arc::new(Mutex::new(Tally::default()));
    let until = Instant::now() + Duration::from_secs(secs);
    let workers: Vec<_> = (0..CLIENTS)
        .map(|w| {
            let (tally, base) = (tally.clone(), server.base.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(60))
                    .build()
                    .expect("client");
                let mut i = w;
                while Instant::now() < until {
                    let route = if i % 3 == 0 { "search" } else { "answer" };
                    let started = Instant::now();
                    let outcome = client
                        .get(format!("{base}/api/{route}"))
                        .query(&[("q", QUESTIONS[i % QUESTIONS.len()])])
                        .send();
                    let ms = started.elapsed().as_secs_f64() * 1000.0;
                    let mut t = tally.lock().expect("tally");
                    match outcome.map(|r| r.status().as_u16()) {
                        Ok(200) => {
                            t.ok += 1;
                            t.latencies_ms.push(ms);
                        }
                        Ok(503) => t.busy += 1,
                        Ok(s) => t.other.push(format!("{route}: status {s}")),
                        Err(e) => t.other.push(format!("{route}: {e}")),
                    }
                    i += 1;
                }
            })
        })
        .collect();

    // Meanwhile: oversized queries and header floods get a 4xx, never a 5xx.
    let mut refusals = Vec::new();
    for size in [2_000usize, 100_000, 1_000_000] {
        let q = "a".repeat(size);
        let status = raw_status(
            &addr,
            format!("GET /api/answer?q={q} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        refusals.push((format!("query of {size} bytes"), status));
    }
    let mut flood = String::from("GET /api/search?q=x HTTP/1.1\r\nHost: x\r\n");
    for i in 0..10_000 {
        flood.push_str(&format!("X-Flood-{i}: {}\r\n", "v".repeat(20)));
    }
    flood.push_str("Connection: close\r\n\r\n");
    refusals.push(("10,000 headers".into(), raw_status(&addr, flood.as_bytes())));
    let huge_header = format!(
        "GET /api/search?q=x HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "v".repeat(1_000_000)
    );
    refusals.push((
        "a 1 MB header".into(),
        raw_status(&addr, huge_header.as_bytes()),
    ));

    // Memory while the load runs, once a second.
    let mut rss = vec![rss_start];
    while Instant::now() < until {
        std::thread::sleep(Duration::from_secs(1));
        rss.push(server.memory_mb().0);
    }
    for w in workers {
        w.join().expect("worker");
    }
    let (rss_end, rss_peak) = server.memory_mb();

    // Still answering normally with every abusive connection open.
    let after = client
        .get(format!("{}/api/answer", server.base))
        .query(&[("q", QUESTIONS[0])])
        .send()
        .expect("answer after the load");
    assert_eq!(after.status(), 200);
    stop.store(true, Ordering::Relaxed);
    let ((slow_open, slow_closed), streams_open) =
        (slow.join().expect("slow"), streams.join().expect("streams"));

    let mut t = tally.lock().expect("tally");
    t.latencies_ms.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        t.latencies_ms
            .get(
                ((t.latencies_ms.len() as f64 * p) as usize)
                    .min(t.latencies_ms.len().saturating_sub(1)),
            )
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{secs} s, {CLIENTS} clients (cap 2), {slow_open} slowloris connections ({slow_closed} closed by the server) and {streams_open} unread answer streams: \
         {} ok ({:.0}/s), {} deliberate 503s, {} other failures; p50 {:.0} ms, p99 {:.0} ms; \
         RSS {rss_start:.0} MB before, {rss_end:.0} MB after, peak {rss_peak:.0} MB; samples {rss:.0?}; refusals {refusals:?}",
        t.ok,
        t.ok as f64 / secs as f64,
        t.busy,
        t.other.len(),
        pct(0.5),
        pct(0.99),
    );
    assert!(
        t.other.is_empty(),
        "failures: {:?}",
        &t.other[..t.other.len().min(10)]
    );
    assert!(t.ok > 0);
    for (what, status) in &refusals {
        assert!(
            (400..500).contains(status) || *status == 0,
            "{what}: status {status}"
        );
    }
    assert!(
        slow_open >= 250 && streams_open >= 90,
        "{slow_open} {streams_open}"
    );
    // Flat: the last samples no higher than the first plus a margin for caches warming up.
    let late = rss[rss.len() * 2 / 3..].iter().copied().fold(0.0, f64::max);
    assert!(late < rss_start * 1.5 + 100.0, "memory grew: {rss:.0?}");
}

/// One client address holds at most `--max-connections-per-ip` connections: the rest are closed as
/// they arrive, and the slots come back when its connections close. The test's connections come
/// from 127.0.0.2, an address no other client of the server uses: the start-up health probe's
/// connection from 127.0.0.1 may still hold a slot there when the test begins.
#[test]
fn one_address_cannot_hold_more_connections_than_its_cap() {
    let (data, _) = crawled();
    let server = Server::start_with(data, &["--max-connections-per-ip", "20"]);
    let addr: std::net::SocketAddr = server
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("server address");
    let conns: Vec<TcpStream> = (0..30)
        .map(|_| connect_from_second_loopback(addr))
        .collect();
    let mut closed = 0;
    for mut c in &conns {
        c.set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        let mut buf = [0u8; 1];
        if matches!(c.read(&mut buf), Ok(0)) {
            closed += 1;
        }
    }
    assert_eq!(
        closed, 10,
        "connections past the cap are closed, the others held"
    );
    drop(conns);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut c = connect_from_second_loopback(addr);
        c.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut reply = Vec::new();
        let answered = c
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .and_then(|()| c.read_to_end(&mut reply))
            .is_ok()
            && reply.starts_with(b"HTTP/1.1 200");
        if answered {
            break;
        }
        assert!(Instant::now() < deadline, "slots were not freed");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A connection to `addr` from 127.0.0.2 (Linux routes all of 127/8 to loopback).
fn connect_from_second_loopback(addr: std::net::SocketAddr) -> TcpStream {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    let from: std::net::SocketAddr = "127.0.0.2:0".parse().expect("source address");
    socket.bind(&from.into()).expect("bind 127.0.0.2");
    socket.connect(&addr.into()).expect("connect");
    socket.into()
}

/// A client that pipelines requests and never reads their replies is dropped once the replies stop
/// moving for `--write-timeout-secs`; it held its connection (and megabytes of queued replies)
/// forever before.
#[test]
fn a_client_that_never_reads_is_dropped_after_the_write_timeout() {
    let (data, _) = crawled();
    // A header timeout longer than the test, so that only the write timeout can close it.
    let server = Server::start_with(
        data,
        &["--write-timeout-secs", "2", "--header-timeout-secs", "120"],
    );
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut conn = TcpStream::connect(&addr).expect("connect");
    // The OpenAPI document is tens of KB: a few hundred replies fill any socket buffer.
    let request = b"GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut sent = 0;
    conn.set_write_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    for _ in 0..2000 {
        if conn.write_all(request).is_err() {
            break;
        }
        sent += 1;
    }
    assert!(sent > 100, "requests sent: {sent}");
    // The server blocks on a full buffer, waits its write timeout, and closes.
    std::thread::sleep(Duration::from_secs(6));
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let started = Instant::now();
    let mut buf = vec![0u8; 1 << 20];
    let ended = loop {
        match conn.read(&mut buf) {
            Ok(0) => break true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    assert!(
        ended,
        "the connection was still open {:?} after draining",
        started.elapsed()
    );
    // The server is fine.
    let ok = reqwest::blocking::get(format!("{}/api/search?q=decorator", server.base))
        .is_ok_and(|r| r.status() == 200);
    assert!(ok);
}
