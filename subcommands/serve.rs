//! `reel serve DIR`: the HTTP origin for packaged HLS/DASH (flags to [`reel::net::http::OriginConfig`]), and
//! live ingest (`--ingest rtmp://...`, `--ingest srt://...`, flags to [`reel::net::ingest::IngestConfig`]).

use anyhow::Context;
use reel::net::http::{AccessLogSink, Origin, OriginConfig};
use reel::net::ingest::rtmp_server::RtmpListener;
use reel::net::ingest::srt::{SrtListener, check_passphrase};
use reel::net::ingest::{Ingest, IngestConfig, Transcode, read_keys};
use reel::net::live::hls::LiveTiming;
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
    /// Accept live publishers: rtmp://ADDR:PORT/APP (publish to rtmp://host:port/APP/KEY) or srt://ADDR:PORT
    /// (publish MPEG-TS with streamid=KEY). Repeat for both. Streams are served at /live/KEY/index.m3u8.
    #[arg(long, value_name = "URL")]
    pub ingest: Vec<String>,
    /// Transcode live streams to this ladder: a built-in preset (ladder-h264 ...) or a YAML file. Default: --copy.
    #[arg(long, value_name = "NAME|FILE", conflicts_with = "copy")]
    pub ladder: Option<String>,
    /// Pass live streams through without transcoding (the publisher's keyframes then set the segment lengths).
    #[arg(long)]
    pub copy: bool,
    /// Only these stream keys may publish: a file with one key a line (# comments).
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// Encrypt SRT ingest with this passphrase (10 to 79 characters): only publishers that give the same one
    /// (srt://HOST:PORT?streamid=KEY&passphrase=SECRET) can connect; others are refused during the handshake.
    /// Read from REEL_SRT_PASSPHRASE when not given, which keeps it out of `ps`.
    #[arg(long, value_name = "SECRET", env = "REEL_SRT_PASSPHRASE", hide_env_values = true)]
    pub srt_passphrase: Option<String>,
    /// Live segment duration in seconds (also the ladder's keyframe interval).
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    pub segment_duration: f64,
    /// Live partial segment (LL-HLS part) duration in seconds.
    #[arg(long, default_value_t = 0.5, value_name = "SECONDS")]
    pub part_duration: f64,
    /// Complete segments kept in a live playlist; older ones are deleted.
    #[arg(long, default_value_t = 6, value_name = "N")]
    pub window: usize,
    /// Drop a publisher that sends nothing for this many seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub stall_timeout: f64,
    /// End a live stream whose publisher has been gone this many seconds: its playlists get EXT-X-ENDLIST, so
    /// players finish and stop reloading (0: as soon as the publisher leaves). A publisher that comes back,
    /// sooner or later, continues the same playlists after a discontinuity.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub end_after: f64,
}

pub fn run(args: Args, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    // Checked before anything is bound: a passphrase that would not apply, or that libsrt would refuse.
    if let Some(passphrase) = &args.srt_passphrase {
        if !args.ingest.iter().any(|u| u.starts_with("srt://")) {
            let msg = "--srt-passphrase applies to SRT ingest: add --ingest srt://ADDR:PORT";
            return Err(crate::Usage(msg.into()).into());
        }
        check_passphrase(passphrase).map_err(|e| crate::Usage(format!("--srt-passphrase: {e}")))?;
    }
    let mut config = OriginConfig::new(&args.dir);
    config.listing = args.listing;
    config.cache_budget = args.cache_mb << 20;
    config.cache_file_max = config.cache_file_max.min(config.cache_budget);
    if !global.quiet {
        config.access_log = Some(access_log_to_stderr());
    }
    let json = global.json;
    config.workers = global.threads;
    let live = config.live.clone();
    let origin = Origin::bind(config, args.listen).with_context(|| format!("{}", args.dir.display()))?;
    let mut ingest_urls = Vec::new();
    if !args.ingest.is_empty() {
        let ingest = Ingest::new(ingest_config(&args, live)?);
        for url in &args.ingest {
            ingest_urls.push(start_ingest(url, &ingest)?);
        }
    } else if args.ladder.is_some() || args.copy || args.keys.is_some() {
        return Err(crate::Usage(
            "--ladder, --copy and --keys apply to live ingest: add --ingest rtmp://... or --ingest srt://...".into(),
        )
        .into());
    }
    // Registered before the address is announced: a client may connect and signal at once.
    let shutdown = crate::signals::shutdown_on_signal();
    let url = format!("http://{}/", origin.local_addr());
    let mut out = std::io::stdout().lock();
    let _ = if json {
        writeln!(out, "{}", serde_json::json!({ "url": url, "ingest": ingest_urls }))
    } else {
        let mut text = url;
        for i in &ingest_urls {
            text.push_str(&format!("\ningest {i}"));
        }
        writeln!(out, "{text}")
    };
    let _ = out.flush();
    drop(out);
    let result = origin.run(shutdown);
    if args.ingest.iter().any(|u| u.starts_with("srt://")) {
        reel::net::ingest::srt::shutdown();
    }
    result.with_context(|| format!("{}", args.dir.display()))
}

fn ingest_config(args: &Args, live: Arc<reel::net::live::LiveRegistry>) -> anyhow::Result<IngestConfig> {
    let mut config = IngestConfig::new(live);
    if !(args.segment_duration >= 0.5 && args.part_duration >= 0.1 && args.part_duration <= args.segment_duration) {
        return Err(crate::Usage(
            "--segment-duration must be at least 0.5 s and --part-duration between 0.1 s and the segment duration"
                .into(),
        )
        .into());
    }
    config.timing = LiveTiming {
        segment: args.segment_duration,
        part: args.part_duration,
        window: args.window.max(2),
    };
    if !(args.stall_timeout > 0.0 && args.stall_timeout <= 3600.0) {
        return Err(crate::Usage("--stall-timeout must be between 0 and 3600 seconds".into()).into());
    }
    config.stall_timeout = std::time::Duration::from_secs_f64(args.stall_timeout);
    if !(args.end_after >= 0.0 && args.end_after <= 86400.0) {
        return Err(crate::Usage("--end-after must be between 0 and 86400 seconds".into()).into());
    }
    config.end_after = std::time::Duration::from_secs_f64(args.end_after);
    if let Some(path) = &args.keys {
        config.keys = Some(read_keys(path)?);
    }
    config.srt_passphrase = args.srt_passphrase.clone();
    if let Some(ladder) = &args.ladder {
        let source = reel::preset::load(ladder)?;
        config.transcode = Transcode::Ladder(Box::new(reel::preset::parse(&source)?));
    }
    Ok(config)
}

/// Binds one `--ingest` URL and starts accepting; returns the URL publishers use (with the bound port).
fn start_ingest(url: &str, ingest: &Arc<Ingest>) -> anyhow::Result<String> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| {
        crate::Usage(format!(
            "--ingest {url}: expected rtmp://ADDR:PORT/APP or srt://ADDR:PORT"
        ))
    })?;
    if scheme != "rtmp" && scheme != "srt" {
        return Err(crate::Usage(format!("--ingest {url}: unknown scheme '{scheme}' (rtmp or srt)")).into());
    }
    let (hostport, path) = rest.split_once('/').unwrap_or((rest, ""));
    let addr: SocketAddr = std::net::ToSocketAddrs::to_socket_addrs(hostport)
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| {
            crate::Usage(format!(
                "--ingest {url}: '{hostport}' is not HOST:PORT (e.g. 0.0.0.0:1935)"
            ))
        })?;
    match scheme {
        "rtmp" => {
            let app = if path.is_empty() {
                "live"
            } else {
                path.trim_end_matches('/')
            };
            let listener = RtmpListener::bind(addr, app)?;
            let bound = listener.local_addr().unwrap_or(addr);
            listener.spawn(ingest.clone())?;
            Ok(format!("rtmp://{bound}/{app}/KEY"))
        }
        "srt" => {
            if !path.is_empty() {
                return Err(crate::Usage(format!(
                    "--ingest {url}: an srt:// ingest takes no path (publishers give the key as streamid)"
                ))
                .into());
            }
            let listener = SrtListener::bind(addr, ingest.config().srt_passphrase.as_deref())?;
            let bound = listener.local_addr();
            listener.spawn(ingest.clone())?;
            Ok(format!("srt://{bound}?streamid=KEY"))
        }
        other => Err(crate::Usage(format!("--ingest {url}: unknown scheme '{other}' (rtmp or srt)")).into()),
    }
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
