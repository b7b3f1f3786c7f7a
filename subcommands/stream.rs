//! `reel stream`: push one input to live destinations (RTMP, SRT, RTP, RTSP, UDP, RIST) from one encode.
//!
//! The graph has one output whose sink is a tee of destinations (`reel::net::push::TeeSink`); every destination
//! recovers on its own. Statistics go to stderr every second (NDJSON with `--progress json`).

use crate::transcode::{EncodeArgs, build_spec};
use crate::{GlobalOpts, Progress};
use anyhow::Context as _;
use clap::ArgMatches;
use reel::graph::spec::{GraphSpec, VideoSpec};
use reel::net::push::{PushOptions, PushStats, TeeSink};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input file, URL, or `-` for stdin.
    pub input: String,
    /// Destinations: rtmp://, rtmps://, srt://, rtp://, rtsp://, udp://, rist:// (several: one encode, a tee).
    #[arg(value_name = "URL", required = true, num_args = 1..)]
    pub urls: Vec<String>,
    /// Read the input at its native rate (live simulation from a file, as ffmpeg -re).
    #[arg(long)]
    pub re: bool,
    /// Reconnection attempts in a row before a destination is given up (0: a failure ends that destination).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retries: u32,
    /// Longest wait between reconnection attempts (the wait doubles from 0.5 s).
    #[arg(long = "retry-max-delay", value_name = "TIME", default_value = "30s")]
    pub retry_max_delay: String,
    /// Longest any network operation (connect, send, close) may block.
    #[arg(long, value_name = "TIME", default_value = "10s")]
    pub timeout: String,
    /// Write the SDP of an rtp:// destination here (it is printed on stdout otherwise).
    #[arg(long, value_name = "FILE")]
    pub sdp: Option<PathBuf>,
    #[command(flatten)]
    pub enc: EncodeArgs,
}

fn seconds(flag: &str, v: &str) -> anyhow::Result<Duration> {
    let s = reel::util::time::parse_duration(v).map_err(|e| crate::Usage(format!("--{flag}: {e}")))?;
    if s.is_nan() || s <= 0.0 {
        return Err(crate::Usage(format!("--{flag}: must be positive")).into());
    }
    Ok(Duration::from_secs_f64(s))
}

pub fn run(args: Args, global: &GlobalOpts, m: &ArgMatches) -> anyhow::Result<()> {
    let opts = PushOptions {
        retries: args.retries,
        retry_max_delay: seconds("retry-max-delay", &args.retry_max_delay)?,
        timeout: seconds("timeout", &args.timeout)?,
        realtime: args.re,
        sdp: args.sdp.clone(),
        ..Default::default()
    };
    let tee = TeeSink::new(&args.urls, opts)?;
    // Live defaults under any preset: keyframes every 2 s (a reconnected destination restarts at one), a fast
    // x264 preset.
    let defaults = GraphSpec {
        video: Some(VideoSpec {
            gop: Some("2s".into()),
            speed: Some("veryfast".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let label = if args.urls.len() == 1 {
        args.urls[0].clone()
    } else {
        format!("tee of {} destinations", args.urls.len())
    };
    // The container decides whether the encoder puts codec headers out of band; FLV, RTSP and RTP want that, and
    // MPEG-TS repeats them in band from the out-of-band copy, so one encode serves every destination.
    let container = if tee.global_header() { "flv" } else { "mpegts" };
    let spec = build_spec(
        &args.enc,
        &args.input,
        std::slice::from_ref(&label),
        &[container.to_string()],
        m,
        false,
        defaults,
    )?;
    if spec.outputs.len() > 1 {
        return Err(crate::Usage(format!(
            "the preset lists {} outputs; stream pushes one encode to every destination",
            spec.outputs.len()
        ))
        .into());
    }
    let input_spec = spec.input.clone().unwrap_or_default();
    let ictx = reel::graph::plan::open_input(&args.input, input_spec.format.as_deref())?;
    let info = reel::graph::plan::input_info(&args.input, input_spec.format.as_deref(), &ictx)?;
    let mut plan = reel::graph::build(
        &spec,
        info,
        &reel::graph::BuildOptions {
            threads: global.threads.unwrap_or(0),
        },
    )?;
    // The graph's one output is the tee; each destination brings its own muxer (listed below in --dry-run).
    plan.outputs[0].container.name = "live push".into();
    if let Some(dot) = &args.enc.graph_dot {
        std::fs::write(dot, plan.to_dot()).with_context(|| dot.display().to_string())?;
    }
    if args.enc.dry_run {
        print!("{}", plan.describe());
        for u in &args.urls {
            println!("  -> {u}");
        }
        return Ok(());
    }
    let ctl = reel::graph::RunControl {
        realtime: args.re,
        ..Default::default()
    };
    crate::signals::install(ctl.stop.clone());
    let stats = tee.stats();
    let print_sdp = args.sdp.is_none() && args.urls.iter().any(|u| u.to_ascii_lowercase().starts_with("rtp://"));
    let reporter = Reporter::start(global, stats.clone(), tee.sdp(), print_sdp);
    let started = Instant::now();
    let result = reel::graph::run_with_sinks(&plan, &ctl, Some(ictx), vec![Some(Box::new(tee))]);
    reporter.finish();
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            // With several destinations, say how each one fared before the error that ends the run.
            if stats.len() > 1 && !global.quiet {
                print_summary(&stats);
            }
            return Err(e.into());
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    if global.json {
        let dests: Vec<_> = stats.iter().map(|s| dest_json(s, None)).collect();
        let doc = serde_json::json!({
            "input": args.input,
            "duration": (elapsed * 1000.0).round() / 1000.0,
            "interrupted": summary.interrupted,
            "destinations": dests,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else if !global.quiet {
        print_summary(&stats);
        for w in &summary.warnings {
            eprintln!("warning: {w}");
        }
        if summary.interrupted {
            eprintln!("stopped early on request; every frame read was delivered");
        }
    }
    Ok(())
}

fn print_summary(stats: &PushStats) {
    for s in stats.iter() {
        eprintln!(
            "pushed {}: {}, {} video frames, {}, {} dropped frames, {} reconnects",
            s.url,
            s.state().as_str(),
            s.frames.load(Ordering::Relaxed),
            crate::progress::human_bytes(s.bytes.load(Ordering::Relaxed)),
            s.dropped_frames.load(Ordering::Relaxed),
            s.reconnects.load(Ordering::Relaxed)
        );
    }
}

fn dest_json(s: &reel::net::push::DestStats, bitrate: Option<f64>) -> serde_json::Value {
    let mut v = serde_json::json!({
        "url": s.url,
        "state": s.state().as_str(),
        "bytes": s.bytes.load(Ordering::Relaxed),
        "frames": s.frames.load(Ordering::Relaxed),
        "packets": s.packets.load(Ordering::Relaxed),
        "dropped_frames": s.dropped_frames.load(Ordering::Relaxed),
        "dropped_packets": s.dropped_packets.load(Ordering::Relaxed),
        "reconnects": s.reconnects.load(Ordering::Relaxed),
        "rtt_ms": s.rtt_ms().map(|r| (r * 1000.0).round() / 1000.0),
    });
    if let Some(b) = bitrate {
        v["bitrate"] = serde_json::json!(b.round() as u64);
    }
    if let Some(e) = s.last_error() {
        v["error"] = serde_json::json!(e);
    }
    v
}

/// Prints per-destination statistics every second (text or NDJSON), and the SDP once it is known.
struct Reporter {
    done: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Reporter {
    fn start(global: &GlobalOpts, stats: PushStats, sdp: Arc<Mutex<Option<String>>>, print_sdp: bool) -> Reporter {
        let mode = match global.progress {
            _ if global.quiet => Progress::None,
            Progress::Auto | Progress::Bar => Progress::Bar,
            m => m,
        };
        let done = Arc::new(AtomicBool::new(false));
        if mode == Progress::None && !print_sdp {
            return Reporter { done, handle: None };
        }
        let flag = done.clone();
        let handle = std::thread::spawn(move || {
            let start = Instant::now();
            let mut last: Vec<u64> = vec![0; stats.len()];
            let mut last_t = Instant::now();
            let mut sdp_printed = !print_sdp;
            loop {
                let mut waited = Duration::ZERO;
                while waited < Duration::from_secs(1) && !flag.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(50));
                    waited += Duration::from_millis(50);
                    if !sdp_printed && let Some(text) = sdp.lock().ok().and_then(|s| s.clone()) {
                        println!("{}", text.trim_end());
                        sdp_printed = true;
                    }
                }
                if flag.load(Ordering::SeqCst) {
                    if !sdp_printed && let Some(text) = sdp.lock().ok().and_then(|s| s.clone()) {
                        println!("{}", text.trim_end());
                    }
                    break;
                }
                let dt = last_t.elapsed().as_secs_f64().max(1e-3);
                last_t = Instant::now();
                let rates: Vec<f64> = stats
                    .iter()
                    .zip(last.iter_mut())
                    .map(|(s, l)| {
                        let b = s.bytes.load(Ordering::Relaxed);
                        let r = b.saturating_sub(*l) as f64 * 8.0 / dt;
                        *l = b;
                        r
                    })
                    .collect();
                let t = start.elapsed().as_secs_f64();
                match mode {
                    Progress::Json => {
                        let dests: Vec<_> = stats.iter().zip(&rates).map(|(s, r)| dest_json(s, Some(*r))).collect();
                        let ev = serde_json::json!({
                            "event": "stream",
                            "time": (t * 10.0).round() / 10.0,
                            "destinations": dests,
                        });
                        eprintln!("{ev}");
                    }
                    Progress::None => {}
                    _ => {
                        for (s, r) in stats.iter().zip(&rates) {
                            eprintln!(
                                "[{t:6.1}s] {}: {} {:.2} Mb/s, {} frames, {} dropped, {} reconnects{}",
                                s.url,
                                s.state().as_str(),
                                r / 1e6,
                                s.frames.load(Ordering::Relaxed),
                                s.dropped_frames.load(Ordering::Relaxed),
                                s.reconnects.load(Ordering::Relaxed),
                                s.rtt_ms()
                                    .map(|r| format!(", rtt {r:.1} ms"))
                                    .or_else(|| s.last_error().map(|e| format!(" ({e})")))
                                    .unwrap_or_default()
                            );
                        }
                    }
                }
            }
        });
        Reporter {
            done,
            handle: Some(handle),
        }
    }

    fn finish(mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
