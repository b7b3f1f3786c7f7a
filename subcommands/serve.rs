//! `reel serve DIR`: the HTTP origin for packaged HLS/DASH (flags to [`reel::net::http::OriginConfig`]).

use anyhow::Context;
use reel::net::http::{AccessLogSink, OriginConfig, serve_blocking};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

/// Serve a directory of HLS/DASH packages over HTTP, with a player page at `/`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The directory to serve (what `reel package` wrote).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Address and port to listen on (port 0 picks a free one; the URL is printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// Answer directory URLs with an HTML listing.
    #[arg(long)]
    pub listing: bool,
    /// Memory for caching small files, in MiB (0 streams every file from disk).
    #[arg(long, default_value_t = 256, value_name = "MIB")]
    pub cache_mb: u64,
}

pub fn run(args: Args, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    let mut config = OriginConfig::new(&args.dir);
    config.listing = args.listing;
    config.cache_budget = args.cache_mb << 20;
    config.cache_file_max = config.cache_file_max.min(config.cache_budget);
    if !global.quiet {
        config.access_log = Some(access_log_to_stderr());
    }
    let json = global.json;
    config.workers = global.threads;
    serve_blocking(config, args.listen, |addr| {
        let url = format!("http://{addr}/");
        let mut out = std::io::stdout().lock();
        let _ = if json {
            writeln!(out, "{}", serde_json::json!({ "url": url }))
        } else {
            writeln!(out, "{url}")
        };
        let _ = out.flush();
    })
    .with_context(|| format!("{}", args.dir.display()))
}

/// Access lines go to stderr from a writer thread, so a slow terminal never holds up a response. The queue is
/// bounded: when stderr cannot keep up, lines are dropped (and counted) rather than memory growing.
fn access_log_to_stderr() -> AccessLogSink {
    let (tx, rx) = mpsc::sync_channel::<String>(65_536);
    let dropped = Arc::new(AtomicU64::new(0));
    let dropped_by_writer = dropped.clone();
    std::thread::spawn(move || {
        let stderr = std::io::stderr();
        while let Ok(line) = rx.recv() {
            let mut err = stderr.lock();
            let _ = writeln!(err, "{line}");
            while let Ok(line) = rx.try_recv() {
                let _ = writeln!(err, "{line}");
            }
            let lost = dropped_by_writer.swap(0, Ordering::Relaxed);
            if lost > 0 {
                let _ = writeln!(err, "reel: {lost} access log lines dropped (stderr too slow)");
            }
        }
    });
    Arc::new(move |record| {
        if tx.try_send(record.to_string()).is_err() {
            dropped.fetch_add(1, Ordering::Relaxed);
        }
    })
}
