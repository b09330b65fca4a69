//! Helpers for the end-to-end tests: real sites on 127.0.0.1 and the real `cited` binary.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use axum::Router;

/// Debian's `python3.11-doc`: 530 interlinked pages. `.ci/run` installs it.
pub const PYTHON_DOCS: &str = "/usr/share/doc/python3.11/html";
/// Debian's `postgresql-doc-15`: the PostgreSQL manual, 1,167 pages without `<main>`, with
/// navigation tables and a book index. `.ci/run` installs it.
pub const POSTGRES_DOCS: &str = "/usr/share/doc/postgresql-doc-15/html";

/// A Debian documentation package's site at `root`, asserted installed.
fn debian_docs(root: &str, package: &str) -> PathBuf {
    present(
        PathBuf::from(root),
        "index.html",
        &format!("install it with `apt-get install {package}` (.ci/run does)"),
    )
}

/// `dir`, after checking that it holds `file`; else the test fails saying `how` to get it.
pub fn present(dir: PathBuf, file: &str, how: &str) -> PathBuf {
    assert!(
        dir.join(file).exists(),
        "{} is missing: {how}",
        dir.display()
    );
    dir
}

pub fn python_docs() -> PathBuf {
    debian_docs(PYTHON_DOCS, "python3.11-doc")
}

pub fn postgres_docs() -> PathBuf {
    debian_docs(POSTGRES_DOCS, "postgresql-doc-15")
}

/// Debian's git manual (`git-doc`).
pub fn git_manual() -> PathBuf {
    debian_docs("/usr/share/doc/git-doc", "git-doc")
}

/// Debian's SQLite documentation (`sqlite3-doc`).
pub fn sqlite_docs() -> PathBuf {
    debian_docs("/usr/share/doc/sqlite3", "sqlite3-doc")
}

/// Debian's Node.js 18 API documentation (`nodejs-doc`): 65 pages, one of which (`all.html`)
/// holds all the others.
pub fn node_docs() -> PathBuf {
    debian_docs("/usr/share/doc/nodejs/api", "nodejs-doc")
}

/// Debian's Apache HTTP Server 2.4 manual (`apache2-doc`), its English pages: 242 pages, a table
/// of fields (Description, Syntax, Default, …) under every directive's heading.
pub fn apache_docs() -> PathBuf {
    debian_docs("/usr/share/doc/apache2-doc/manual/en", "apache2-doc")
}

/// Debian's Flask 2.2 documentation (`python-flask-doc`): 77 pages, Sphinx with the Pallets theme.
pub fn flask_docs() -> PathBuf {
    debian_docs("/usr/share/doc/python-flask-doc/html", "python-flask-doc")
}

/// Debian's pytest 7.2 documentation (`python-pytest-doc`): 249 pages, Sphinx with the Flask
/// theme, its highlighted source pages (`_modules/`) included.
pub fn pytest_docs() -> PathBuf {
    debian_docs("/usr/share/doc/python-pytest-doc/html", "python-pytest-doc")
}

/// Debian's Postfix 3.7 documentation (`postfix-doc`): guides, the parameter reference and manual
/// pages set in `<pre>`.
pub fn postfix_docs() -> PathBuf {
    debian_docs("/usr/share/doc/postfix/html", "postfix-doc")
}

/// The zsh 5.9 manual as Debian packages it (GNU Texinfo HTML, most of its files redirect stubs).
pub fn zsh_docs() -> PathBuf {
    debian_docs("/usr/share/doc/zsh-common/html", "zsh-doc")
}

/// Debian's CMake 3.25 documentation (`cmake-doc`): Sphinx, 1,936 pages, one per command,
/// variable, property, module and policy.
pub fn cmake_docs() -> PathBuf {
    debian_docs("/usr/share/doc/cmake-data/html", "cmake-doc")
}

/// Debian's SDL 2 API documentation (`libsdl2-doc`): Doxygen, its pages linked only from the
/// scripts that build its menus.
pub fn sdl_docs() -> PathBuf {
    debian_docs("/usr/share/doc/libsdl2-doc/html", "libsdl2-doc")
}

/// Debian's GNU Octave 7 manual (`octave-doc`): Texinfo, one page per node, its functions defined
/// by lines such as `: x = inv (A)`.
pub fn octave_docs() -> PathBuf {
    debian_docs("/usr/share/doc/octave/octave.html", "octave-doc")
}

/// Debian's Jinja2 3.1 documentation (`python-jinja2-doc`): Sphinx, 15 pages.
pub fn jinja2_docs() -> PathBuf {
    debian_docs("/usr/share/doc/python-jinja2-doc/html", "python-jinja2-doc")
}

/// Debian's GNU Bash reference manual (`bash-doc`): Texinfo, the whole manual on one page,
/// `bashref.html`.
pub fn bash_docs() -> PathBuf {
    present(
        PathBuf::from("/usr/share/doc/bash-doc"),
        "bashref.html",
        "install it with `apt-get install bash-doc` (.ci/run does)",
    )
}

/// Starlette 1.10's documentation, built with MkDocs Material by `scripts/build-starlette-docs`
/// (PyPI) into `target/sites/starlette-1.10`: directory URLs (`/responses/`).
pub fn starlette_docs() -> PathBuf {
    present(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/sites/starlette-1.10"),
        "index.html",
        "build it with scripts/build-starlette-docs (.ci/run does)",
    )
}

/// The Cargo Book shipped with the toolchain that runs the tests.
pub fn cargo_book() -> PathBuf {
    rust_docs("cargo").join("cargo")
}

/// The documentation of the toolchain that runs the tests (`share/doc/rust/html`, its `rust-docs`
/// component), which holds `dir/index.html`: `std` the standard library's API docs, `cargo` the
/// Cargo Book.
pub fn rust_docs(dir: &str) -> PathBuf {
    let out = std::process::Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .expect("run rustc --print sysroot");
    let sysroot = String::from_utf8(out.stdout).expect("utf-8 sysroot");
    let root = PathBuf::from(sysroot.trim()).join("share/doc/rust/html");
    assert!(
        root.join(dir).join("index.html").exists(),
        "{} is missing: the toolchain's rust-docs component (`rustup component add rust-docs`)",
        root.join(dir).display()
    );
    root
}

/// Serves `router` on 127.0.0.1 from a background thread for the rest of the process.
pub fn serve_router(router: Router) -> SocketAddr {
    serve_router_at("127.0.0.1", router)
}

/// Serves `router` on a loopback address of `ip` (any of 127.0.0.0/8).
pub fn serve_router_at(ip: &'static str, router: Router) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
            tx.send(listener.local_addr().expect("addr"))
                .expect("send addr");
            axum::serve(listener, router).await.expect("serve");
        });
    });
    rx.recv().expect("server address")
}

/// Serves a directory of static files on 127.0.0.1.
pub fn serve_dir(dir: &Path) -> SocketAddr {
    serve_router(Router::new().fallback_service(tower_http::services::ServeDir::new(dir)))
}

/// The real all-MiniLM-L6-v2 weights (`scripts/fetch-model`; `CITED_TEST_MODEL_DIR` to use others).
pub fn model_dir() -> PathBuf {
    let dir = std::env::var("CITED_TEST_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/models/all-MiniLM-L6-v2")
        });
    assert!(
        dir.join("model.safetensors").exists(),
        "no model in {}: run scripts/fetch-model",
        dir.display()
    );
    dir
}

pub fn cited_bin() -> &'static str {
    env!("CARGO_BIN_EXE_cited")
}

/// `cited --data-dir DATA`, offline: tests never reach for the Hugging Face hub unless they say so
/// (with `CITED_OFFLINE=0`).
pub fn cited_command(data: &Path) -> Command {
    let mut command = Command::new(cited_bin());
    command
        .env("CITED_OFFLINE", "1")
        .arg("--data-dir")
        .arg(data);
    command
}

/// Runs `cited --data-dir DATA ARGS…` (a `chat`), typing `input` into it, and returns what it
/// printed (asserting that it exited cleanly).
pub fn chat(data: &Path, args: &[&str], input: &[u8]) -> String {
    use std::io::Write;
    let mut child = cited_command(data)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("chat");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write");
    let out = child.wait_with_output().expect("chat output");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `cited --data-dir DATA ARGS…` to completion.
pub fn cited(data: &Path, args: &[&str]) -> Output {
    cited_command(data).args(args).output().expect("run cited")
}

/// Runs cited and returns its stdout, failing the test with stderr if it failed.
pub fn cited_ok(data: &Path, args: &[&str]) -> String {
    let out = cited(data, args);
    assert!(
        out.status.success(),
        "cited {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// `cited crawl SEED` without politeness delays (a loopback site), 4 requests per host, at most
/// `pages` pages, plus `flags`; returns its stdout.
pub fn crawl_fast(data: &Path, seed: &str, pages: &str, flags: &[&str]) -> String {
    let mut args = vec![
        "crawl",
        seed,
        "--delay-ms",
        "0",
        "--per-host",
        "4",
        "--max-pages",
        pages,
    ];
    args.extend_from_slice(flags);
    cited_ok(data, &args)
}

pub fn cited_json<T: serde::de::DeserializeOwned>(data: &Path, args: &[&str]) -> T {
    let out = cited_ok(data, args);
    serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("cited {args:?} printed invalid JSON ({e}): {out}"))
}

/// A `cited serve` child process, killed on drop.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub fn start(data: &Path) -> Self {
        Self::start_with(data, &[])
    }

    /// Starts `cited serve` with extra flags.
    pub fn start_with(data: &Path, flags: &[&str]) -> Self {
        Self::start_with_env(data, flags, &[])
    }

    /// Starts `cited serve` with extra flags and environment variables.
    pub fn start_with_env(data: &Path, flags: &[&str], env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let child = cited_command(data)
            .envs(env.iter().copied())
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .args(flags)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start cited serve");
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if http_ok(&format!("{}/healthz", server.base)) {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("cited serve did not come up");
    }
}

impl Server {
    /// The server's resident memory now and at its peak (VmRSS, VmHWM), in MB.
    pub fn memory_mb(&self) -> (f64, f64) {
        let pid = self.child.id();
        (proc_mb(pid, "VmRSS"), proc_mb(pid, "VmHWM"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Returns true if a plain GET of `url` answers 200 (a blocking probe, no runtime needed).
pub fn http_ok(url: &str) -> bool {
    use std::io::{Read, Write};
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let Ok(mut stream) = std::net::TcpStream::connect(host) else {
        return false;
    };
    let _ = write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
    let mut buf = String::new();
    let _ = stream.read_to_string(&mut buf);
    buf.starts_with("HTTP/1.1 200") || buf.starts_with("HTTP/1.0 200")
}

/// Runs `cited ARGS` on `data` and kills it with SIGKILL after `wait_ms`.
pub fn run_and_kill(data: &Path, args: &[&str], wait_ms: u64) {
    let mut child = cited_command(data)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start cited");
    std::thread::sleep(Duration::from_millis(wait_ms));
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
}

/// How many kills the kill loops make: `CITED_KILLS` (8 by default; the long runs use 50).
pub fn kills() -> u64 {
    std::env::var("CITED_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(8)
}

/// Pseudo-random kill moments in `from..to` milliseconds, the same sequence on every run.
pub fn kill_moments(from: u64, to: u64) -> impl FnMut() -> u64 {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        from + (state >> 33) % (to - from)
    }
}

/// `cited --data-dir DATA ARGS…` with every file it writes limited to `kib` KiB (`ulimit -f`; the
/// write that would pass the limit fails with EFBIG, as a write on a full disk fails with ENOSPC).
pub fn cited_with_file_limit(data: &Path, kib: u64, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {}; exec \"$0\" \"$@\"",
            kib * 2
        ))
        .arg(cited_bin())
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("CITED_OFFLINE", "1")
        .output()
        .expect("run cited under a file-size limit")
}

/// A memory figure of a running process from `/proc/PID/status` (`VmRSS`, `VmHWM`…), in MB; 0 once
/// it is gone.
pub fn proc_mb(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
