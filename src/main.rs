//! The `cited` binary: parse arguments, install logging, start the runtime, dispatch.

use tracing_subscriber::EnvFilter;

fn main() -> std::process::ExitCode {
    let cli = match cited::cli::parse_args() {
        Ok(cli) => cli,
        Err(e) => match e.downcast::<clap::Error>() {
            // Usage errors, --help and --version, as clap prints them.
            Ok(clap_error) => clap_error.exit(),
            Err(e) => {
                eprintln!("error: {e:#}");
                return std::process::ExitCode::from(2);
            }
        },
    };
    if matches!(cli.command, cited::cli::Command::Crawl(_)) {
        one_malloc_arena_per_core();
    }
    // qdrant-edge warns about process-wide flags that only a Qdrant server sets; they do not apply.
    let default = match cli.verbose {
        0 => "warn,qdrant_edge=error",
        1 => "info,qdrant_edge=error",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cited::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if let Some(hint) = cited::cli::hint(&e) {
                eprintln!("hint: {hint}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

/// glibc gives each thread that allocates its own arena, up to eight per core, and every arena keeps
/// what it freed. Crawling the Rust docs (large pages parsed on blocking threads) held 266 MB resident
/// for 41 MB of live heap; with one arena per core it holds 82–85 MB at the same speed. Only for
/// `crawl`: under 32 concurrent answer requests the shared arenas cost `serve` 10–15% of its req/s.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena_per_core() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let arenas = i32::try_from(cores).unwrap_or(i32::MAX);
    // SAFETY: mallopt only sets a tuning value; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena_per_core() {}
