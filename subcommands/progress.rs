//! Progress on stderr: an indicatif bar on a terminal, NDJSON events with `--progress json`, nothing otherwise.

use crate::{GlobalOpts, Progress};
use reel::graph::Stats;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub struct Reporter {
    done: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Reporter {
    /// Starts reporting `stats` against an expected total duration (seconds), if known.
    pub fn start(global: &GlobalOpts, stats: Arc<Stats>, total: Option<f64>) -> Self {
        let mode = match global.progress {
            Progress::Auto if global.quiet => Progress::None,
            Progress::Auto if std::io::stderr().is_terminal() => Progress::Bar,
            Progress::Auto => Progress::None,
            m => m,
        };
        let done = Arc::new(AtomicBool::new(false));
        if mode == Progress::None {
            return Self { done, handle: None };
        }
        let flag = done.clone();
        let handle = std::thread::spawn(move || {
            let start = Instant::now();
            let bar = (mode == Progress::Bar).then(|| {
                let len = total.map(|t| (t * 1000.0) as u64).unwrap_or(0);
                let b = if len > 0 {
                    indicatif::ProgressBar::new(len)
                } else {
                    indicatif::ProgressBar::new_spinner()
                };
                b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                if let Ok(style) =
                    indicatif::ProgressStyle::with_template("{bar:30.cyan/blue} {percent:>3}% {msg} eta {eta}")
                {
                    b.set_style(style);
                }
                b
            });
            loop {
                let finished = flag.load(Ordering::SeqCst);
                let elapsed = start.elapsed().as_secs_f64().max(1e-3);
                let frames = stats.frames.load(Ordering::Relaxed);
                let out_s = stats.out_us.load(Ordering::Relaxed).max(0) as f64 / 1e6;
                let bytes = stats.bytes.load(Ordering::Relaxed);
                let fps = frames as f64 / elapsed;
                let speed = out_s / elapsed;
                match &bar {
                    Some(b) => {
                        b.set_position((out_s * 1000.0) as u64);
                        b.set_message(format!(
                            "{frames} frames {fps:.1} fps {speed:.2}x {}",
                            human_bytes(bytes)
                        ));
                    }
                    None => {
                        let eta = total.filter(|_| speed > 0.0).map(|t| ((t - out_s) / speed).max(0.0));
                        let ev = serde_json::json!({
                            "event": if finished { "end" } else { "progress" },
                            "frames": frames,
                            "fps": (fps * 100.0).round() / 100.0,
                            "out_time": (out_s * 1000.0).round() / 1000.0,
                            "total": total,
                            "speed": (speed * 1000.0).round() / 1000.0,
                            "size": bytes,
                            "eta": eta.map(|e| (e * 10.0).round() / 10.0),
                        });
                        eprintln!("{ev}");
                    }
                }
                if finished {
                    if let Some(b) = bar {
                        b.finish_and_clear();
                    }
                    break;
                }
                let wait = if bar.is_some() { 100 } else { 500 };
                for _ in 0..(wait / 50) {
                    if flag.load(Ordering::SeqCst) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        });
        Self {
            done,
            handle: Some(handle),
        }
    }

    /// Stops reporting (prints the final event in JSON mode).
    pub fn finish(mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// 1.2 MB style sizes.
pub fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.2} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} kB", n / 1e3)
    } else {
        format!("{n} B")
    }
}
