//! Live ingest: publishers push over RTMP or SRT, each stream under its key; every stream runs through the
//! ordinary graph (stream copy, or decode → ladder → encode) into LL-HLS packagers that publish into the
//! [`LiveRegistry`] the HTTP origin serves.
//!
//! Threads, not tasks: a connection's thread reads the socket (with a timeout: a publisher that stalls is
//! dropped), hands media bytes over a bounded channel to the session thread, which demuxes them with libavformat
//! (flv or mpegts through a custom AVIO) and runs the graph. The bounded channel gives back-pressure: a transcode
//! slower than real time slows the publisher's TCP connection instead of growing memory. A failure in one
//! connection or session ends that one only.

pub mod avio;
pub mod rtmp;
pub mod rtmp_server;
pub mod srt;

use crate::error::{Error, Result};
use crate::graph::plan::{self, BuildOptions};
use crate::graph::run::{self, PacketSink, RunControl};
use crate::graph::spec::{AudioSpec, GraphSpec, OutputSpec, VideoSpec};
use crate::net::live::dash::{SessionStart, render_mpd};
use crate::net::live::hls::LiveTiming;
use crate::net::live::sink::{DashSession, LlHlsSink, MediaClock, OnPublished, Rendition, RenditionReports};
use crate::net::live::{LivePlaylist, LiveRegistry, LiveStream, PlaylistProgress};
use bytes::Bytes;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What each live stream is turned into.
#[derive(Clone, Debug)]
pub enum Transcode {
    /// The publisher's audio and video as they are (one rendition, `source`).
    Copy,
    /// A ladder (a preset's `video.renditions`, or one rendition from its `video`), encoded live.
    Ladder(Box<GraphSpec>),
}

/// Settings of the ingest servers.
#[derive(Clone)]
pub struct IngestConfig {
    pub live: Arc<LiveRegistry>,
    /// Keys allowed to publish; `None`: any well-formed key.
    pub keys: Option<HashSet<String>>,
    pub transcode: Transcode,
    pub timing: LiveTiming,
    /// A publisher that sends nothing for this long is dropped.
    pub stall_timeout: Duration,
    /// Encoder threads per encoder (0: the encoder decides).
    pub threads: usize,
    /// Distinct stream keys kept at once (each holds its window in memory). Past it, a new key replaces the key
    /// without a publisher for the longest (at least a minute), or is refused.
    pub max_streams: usize,
    /// Ingest connections open at once (each has a thread); more are closed at once.
    pub max_connections: usize,
    /// A key whose publisher has been gone this long has ended: its playlists get `EXT-X-ENDLIST`. A publisher
    /// back within it continues the same playlists (after a discontinuity), as one back later does too.
    pub end_after: Duration,
    /// SRT callers must encrypt with this passphrase (10 to 79 bytes); others are refused during the handshake.
    /// `None`: no encryption. Given to [`srt::SrtListener::bind`].
    pub srt_passphrase: Option<String>,
}

impl IngestConfig {
    pub fn new(live: Arc<LiveRegistry>) -> Self {
        IngestConfig {
            live,
            keys: None,
            transcode: Transcode::Copy,
            timing: LiveTiming::default(),
            stall_timeout: Duration::from_secs(10),
            threads: 0,
            max_streams: 64,
            max_connections: 256,
            end_after: Duration::from_secs(30),
            srt_passphrase: None,
        }
    }
}

/// A key's renditions, kept across publisher sessions (a publisher that comes back continues its playlists).
#[derive(Default)]
struct Channel {
    renditions: Mutex<Vec<(String, Arc<Mutex<Rendition>>)>>,
    /// Held by the session publishing now.
    busy: AtomicBool,
    master: Mutex<String>,
    /// Publisher sessions so far (DASH periods) and where each began.
    sessions: std::sync::atomic::AtomicU32,
    session_starts: Arc<Mutex<BTreeMap<u32, SessionStart>>>,
    /// The DASH version last written (sum of the renditions' versions).
    mpd_version: Mutex<u64>,
    /// Since when no publisher has held it (`None` while one does, or before the first).
    idle_since: Mutex<Option<Instant>>,
}

/// A key without a publisher for this long may be forgotten (its playlists removed) to make room for a new key
/// when `max_streams` are kept.
const EVICT_IDLE_AFTER: Duration = Duration::from_secs(60);

/// The ingest side shared by every listener and connection.
pub struct Ingest {
    config: IngestConfig,
    channels: Mutex<HashMap<String, Arc<Channel>>>,
    connections: std::sync::atomic::AtomicUsize,
}

/// Counts an open ingest connection until dropped.
pub struct ConnectionSlot<'a>(&'a Ingest);

impl Drop for ConnectionSlot<'_> {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Reads a key file: one key a line; blank lines and `#` comments ignored.
pub fn read_keys(path: &std::path::Path) -> Result<HashSet<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut keys = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let key = line.trim();
        if key.is_empty() || key.starts_with('#') {
            continue;
        }
        if !valid_key(key) {
            return Err(Error::InvalidArgument(format!(
                "{}: line {}: '{key}' is not a valid stream key (1-64 of A-Z a-z 0-9 _ - .)",
                path.display(),
                n + 1
            )));
        }
        keys.insert(key.to_string());
    }
    Ok(keys)
}

/// Keys become URL path segments: keep them to a safe alphabet.
fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && !key.starts_with('.')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Holds a channel for one session; frees it when dropped.
struct Claim(Arc<Channel>);

impl Drop for Claim {
    fn drop(&mut self) {
        *self.0.idle_since.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        self.0.busy.store(false, Ordering::Release);
    }
}

/// Media time → wall clock of arrival at the ingest, from the earliest-arriving sample relative to its timestamp
/// (a publisher sends in real time, so the minimum of `arrival - timestamp` is the one that waited in no queue).
#[derive(Default)]
pub struct ArrivalClock {
    offset: Mutex<Option<f64>>,
}

impl ArrivalClock {
    /// A sample with timestamp `seconds` arrived now.
    pub fn arrived(&self, seconds: f64) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        if let Ok(mut o) = self.offset.lock() {
            let candidate = now - seconds;
            *o = Some(o.map_or(candidate, |x: f64| x.min(candidate)));
        }
    }
}

impl MediaClock for ArrivalClock {
    fn wall_at(&self, seconds: f64) -> Option<SystemTime> {
        let offset = (*self.offset.lock().ok()?)?;
        let t = offset + seconds;
        (t.is_finite() && t > 0.0).then(|| UNIX_EPOCH + Duration::from_secs_f64(t))
    }
}

impl Ingest {
    pub fn new(config: IngestConfig) -> Arc<Ingest> {
        Arc::new(Ingest {
            config,
            channels: Mutex::new(HashMap::new()),
            connections: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    pub fn config(&self) -> &IngestConfig {
        &self.config
    }

    /// Why `key` may not publish, if it may not.
    pub fn check_key(&self, key: &str) -> std::result::Result<(), String> {
        if !valid_key(key) {
            return Err(format!("'{}' is not a valid stream key", key.escape_default()));
        }
        if let Some(keys) = &self.config.keys
            && !keys.contains(key)
        {
            return Err(format!("unknown stream key '{key}'"));
        }
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if !channels.contains_key(key) && channels.len() >= self.config.max_streams {
            // Make room by forgetting the key idle the longest, if it has been idle long enough.
            let oldest = channels
                .iter()
                .filter(|(_, c)| !c.busy.load(Ordering::Acquire))
                .filter_map(|(k, c)| Some((k.clone(), (*c.idle_since.lock().ok()?)?)))
                .min_by_key(|(_, since)| *since)
                .filter(|(_, since)| since.elapsed() >= EVICT_IDLE_AFTER);
            let Some((old, _)) = oldest else {
                return Err(format!("too many streams ({} kept)", self.config.max_streams));
            };
            channels.remove(&old);
            self.config.live.remove(&old);
            tracing::info!("forgot idle stream {old} to make room for {key}");
        }
        Ok(())
    }

    /// Takes a connection slot; `None` when `max_connections` are open.
    pub fn connection_slot(&self) -> Option<ConnectionSlot<'_>> {
        let before = self.connections.fetch_add(1, Ordering::AcqRel);
        let slot = ConnectionSlot(self);
        (before < self.config.max_connections).then_some(slot)
    }

    /// Takes the channel for `key`, waiting briefly for a previous session of the same key to wind down (a
    /// publisher that reconnects at once). `None`: someone is publishing it.
    fn claim(&self, key: &str) -> Option<Claim> {
        let channel = self
            .channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.to_string())
            .or_default()
            .clone();
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            if channel
                .busy
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                *channel.idle_since.lock().unwrap_or_else(|p| p.into_inner()) = None;
                return Some(Claim(channel));
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs one publisher's session: demuxes `format` (flv, mpegts) from `rx`, runs the graph into LL-HLS
    /// packagers, returns when the publisher is gone (the sender dropped) and everything is flushed.
    pub fn run_session(
        self: &Arc<Self>,
        key: &str,
        publisher: &str,
        format: &str,
        rx: Receiver<Bytes>,
        clock: Option<Arc<dyn MediaClock>>,
    ) -> Result<()> {
        let Some(claim) = self.claim(key) else {
            return Err(Error::InvalidArgument(format!("{key} is already being published")));
        };
        let stream = self.config.live.publish(key);
        stream.set_entry("index.m3u8");
        stream.set_details(publisher, "");
        stream.set_connected(true);
        let result = self.session(&claim.0, &stream, key, publisher, format, rx, clock);
        stream.set_connected(false);
        let channel = claim.0.clone();
        drop(claim);
        self.end_when_idle(channel, stream);
        result
    }

    /// Ends `stream`'s playlists once its channel has had no publisher for [`IngestConfig::end_after`].
    fn end_when_idle(&self, channel: Arc<Channel>, stream: Arc<LiveStream>) {
        let Some(since) = *channel.idle_since.lock().unwrap_or_else(|p| p.into_inner()) else {
            return;
        };
        let (wait, timing) = (self.config.end_after, self.config.timing);
        let ended = move || {
            // Nobody has claimed the key since this session let go of it.
            let idle = *channel.idle_since.lock().unwrap_or_else(|p| p.into_inner());
            if !channel.busy.load(Ordering::Acquire) && idle == Some(since) {
                stream.end_playlists();
                let renditions: Vec<_> = (channel.renditions.lock().unwrap_or_else(|p| p.into_inner()))
                    .iter()
                    .map(|(_, r)| r.clone())
                    .collect();
                publish_mpd(&channel, &stream, &renditions, timing, true);
                tracing::info!(
                    "stream {} ended: no publisher for {:.0} s",
                    stream.name(),
                    wait.as_secs_f64()
                );
            }
        };
        if wait.is_zero() {
            ended();
        } else {
            std::thread::spawn(move || {
                std::thread::sleep(wait);
                ended();
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn session(
        &self,
        channel: &Arc<Channel>,
        stream: &Arc<LiveStream>,
        key: &str,
        publisher: &str,
        format: &str,
        rx: Receiver<Bytes>,
        clock: Option<Arc<dyn MediaClock>>,
    ) -> Result<()> {
        let label = format!("{key} ({publisher})");
        let ctl = RunControl::default();
        let input = avio::open(rx, format, &label, ctl.stop.clone())?;
        let info = plan::input_info(&label, Some(format), &input)?;
        stream.set_details(publisher, &describe_input(&info));
        let spec = self.spec_for(&info);
        let plan = plan::build(
            &spec,
            info.clone(),
            &BuildOptions {
                threads: self.config.threads,
            },
        )?;
        let names: Vec<String> = plan.outputs.iter().map(|o| o.path.clone()).collect();
        let renditions: Vec<Arc<Mutex<Rendition>>> = {
            let mut known = channel.renditions.lock().unwrap_or_else(|p| p.into_inner());
            names
                .iter()
                .map(|name| match known.iter().find(|(n, _)| n == name) {
                    Some((_, r)) => r.clone(),
                    None => {
                        let r = Rendition::new(&format!("{name}/"), self.config.timing);
                        known.push((name.clone(), r.clone()));
                        r
                    }
                })
                .collect()
        };
        let dash = DashSession {
            number: channel.sessions.fetch_add(1, Ordering::AcqRel),
            starts: channel.session_starts.clone(),
        };
        let on_published: OnPublished = {
            let (channel, stream, renditions, timing) =
                (channel.clone(), stream.clone(), renditions.clone(), self.config.timing);
            Arc::new(move || publish_master(&channel, &stream, &renditions, timing))
        };
        let input_start = info.start_us as f64 / 1e6;
        let reports = RenditionReports::default();
        let sinks: Vec<Option<Box<dyn PacketSink>>> = renditions
            .iter()
            .map(|r| {
                Some(Box::new(
                    LlHlsSink::new(
                        stream.clone(),
                        r.clone(),
                        clock.clone(),
                        input_start,
                        Some(on_published.clone()),
                    )
                    .with_dash(dash.clone())
                    .with_reports(reports.clone()),
                ) as Box<dyn PacketSink>)
            })
            .collect();
        tracing::info!(
            "{}: publishing {} as {}",
            label,
            describe_input(&info),
            names.join(", ")
        );
        let summary = run::run_with_sinks(&plan, &ctl, Some(input), sinks)?;
        for w in summary.warnings {
            tracing::warn!("{w}");
        }
        Ok(())
    }

    /// The graph for one stream: stream copy, or the ladder's renditions no taller than the input (at least one).
    fn spec_for(&self, info: &plan::InputInfo) -> GraphSpec {
        let fmp4 = Some("fmp4".to_string());
        match &self.config.transcode {
            Transcode::Copy => GraphSpec {
                outputs: vec![OutputSpec {
                    path: Some("source".into()),
                    format: fmp4,
                    video: Some(VideoSpec {
                        codec: Some("copy".into()),
                        ..Default::default()
                    }),
                    audio: Some(AudioSpec {
                        codec: Some("copy".into()),
                        ..Default::default()
                    }),
                }],
                ..Default::default()
            },
            Transcode::Ladder(ladder) => {
                let mut base = ladder.video.clone().unwrap_or_default();
                // Live defaults: no B-frames or lookahead (each costs latency), keyframes on segment boundaries.
                if base.tune.is_none() && matches!(base.codec.as_deref(), None | Some("h264" | "libx264")) {
                    base.tune = Some("zerolatency".into());
                }
                if base.gop.is_none() {
                    base.gop = Some(format!("{}s", self.config.timing.segment));
                }
                let renditions = std::mem::take(&mut base.renditions);
                let input_height = info.video.as_ref().map(|v| v.format.height).unwrap_or(0);
                let mut chosen: Vec<_> = renditions
                    .iter()
                    .filter(|r| input_height == 0 || r.height <= input_height)
                    .cloned()
                    .collect();
                if chosen.is_empty()
                    && let Some(smallest) = renditions.iter().min_by_key(|r| r.height)
                {
                    chosen.push(smallest.clone());
                }
                let mut outputs: Vec<OutputSpec> = chosen
                    .into_iter()
                    .map(|r| {
                        let mut v = base.clone();
                        v.height = Some(r.height);
                        v.bitrate = r.bitrate.or(v.bitrate);
                        v.maxrate = r.maxrate.or(v.maxrate);
                        v.bufsize = r.bufsize.or(v.bufsize);
                        v.crf = r.crf.or(v.crf);
                        OutputSpec {
                            path: Some(r.name),
                            format: fmp4.clone(),
                            video: Some(v),
                            audio: ladder.audio.clone(),
                        }
                    })
                    .collect();
                if outputs.is_empty() {
                    outputs.push(OutputSpec {
                        path: Some("main".into()),
                        format: fmp4,
                        video: Some(base),
                        audio: ladder.audio.clone(),
                    });
                }
                GraphSpec {
                    outputs,
                    ..Default::default()
                }
            }
        }
    }
}

/// `h264 1280x720 30 fps, aac 48000 Hz 2 ch`
fn describe_input(info: &plan::InputInfo) -> String {
    let mut parts = Vec::new();
    if let Some(v) = &info.video {
        let mut s = format!("{} {}x{}", v.codec, v.format.width, v.format.height);
        if let Some(r) = v.format.frame_rate {
            let _ = write!(
                s,
                " {:.3} fps",
                f64::from(r.numerator()) / f64::from(r.denominator().max(1))
            );
        }
        parts.push(s.replace(".000 fps", " fps"));
    }
    if let Some(a) = &info.audio {
        parts.push(format!(
            "{} {} Hz {} ch",
            a.codec, a.format.sample_rate, a.format.channels
        ));
    }
    parts.join(", ")
}

/// Writes the stream's multivariant playlist once every rendition has a segment (its bandwidth is measured), and
/// the DASH manifest whenever a DASH segment was added.
fn publish_master(channel: &Channel, stream: &LiveStream, renditions: &[Arc<Mutex<Rendition>>], timing: LiveTiming) {
    publish_mpd(channel, stream, renditions, timing, false);
    let mut text = String::from("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    for r in renditions {
        let r = r.lock().unwrap_or_else(|p| p.into_inner());
        if !r.has_segment {
            return;
        }
        // Measured peak of a segment, with a margin for segments to come.
        let bandwidth = (r.info.peak_bitrate as f64 * 1.2) as u64;
        let _ = write!(
            text,
            "#EXT-X-STREAM-INF:BANDWIDTH={},CODECS=\"{}\"",
            bandwidth.max(1),
            r.info.codecs
        );
        if let Some((w, h)) = r.info.resolution {
            let _ = write!(text, ",RESOLUTION={w}x{h}");
        }
        if let Some(f) = r.info.frame_rate {
            let _ = write!(text, ",FRAME-RATE={f:.3}");
        }
        let _ = writeln!(text, "\n{}index.m3u8", r.prefix);
    }
    let mut last = channel.master.lock().unwrap_or_else(|p| p.into_inner());
    if *last == text {
        return;
    }
    last.clone_from(&text);
    stream.put_playlist(
        "index.m3u8",
        LivePlaylist {
            text: Bytes::from(text),
            progress: PlaylistProgress::default(),
            target_duration: timing.segment,
            ended: false,
        },
    );
}

/// Rewrites `manifest.mpd` (live DASH over the renditions' per-track segments) when a segment was added, or
/// (`ended`) for the last time when the publisher has gone for good.
fn publish_mpd(
    channel: &Channel,
    stream: &LiveStream,
    renditions: &[Arc<Mutex<Rendition>>],
    timing: LiveTiming,
    ended: bool,
) {
    let known = channel.renditions.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let guards: Vec<_> = known
        .iter()
        .map(|(_, r)| r.lock().unwrap_or_else(|p| p.into_inner()))
        .collect();
    let version: u64 = guards.iter().map(|r| r.dash_version).sum();
    let mut last = channel.mpd_version.lock().unwrap_or_else(|p| p.into_inner());
    if (version == *last && !ended) || renditions.is_empty() {
        return;
    }
    let tracks: Vec<_> = guards
        .iter()
        .flat_map(|r| r.dash.iter())
        .filter(|t| !t.segments.is_empty())
        .collect();
    let starts = channel.session_starts.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let text = render_mpd(
        &tracks,
        &starts,
        timing.segment,
        timing.window,
        SystemTime::now(),
        ended,
    );
    if text.is_empty() {
        return;
    }
    *last = version;
    stream.put_playlist(
        "manifest.mpd",
        LivePlaylist {
            text: Bytes::from(text),
            progress: PlaylistProgress::default(),
            target_duration: timing.segment,
            ended,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_idle_keys_make_room() {
        let mut config = IngestConfig::new(LiveRegistry::new());
        config.max_streams = 1;
        config.keys = Some(["a", "b"].iter().map(|k| k.to_string()).collect());
        let ingest = Ingest::new(config);
        assert!(ingest.check_key("c").is_err_and(|e| e.contains("unknown stream key")));
        assert!(ingest.check_key("../x").is_err_and(|e| e.contains("not a valid")));
        assert!(ingest.check_key("a").is_ok());
        let claim = ingest.claim("a").expect("free");
        assert!(ingest.claim("a").is_none(), "one publisher per key");
        assert!(ingest.check_key("b").is_err_and(|e| e.contains("too many streams")));
        drop(claim);
        assert!(ingest.check_key("b").is_err(), "idle for less than a minute");
        let a = ingest.channels.lock().expect("lock")["a"].clone();
        *a.idle_since.lock().expect("lock") = Instant::now().checked_sub(Duration::from_secs(61));
        assert!(ingest.check_key("b").is_ok());
        assert!(!ingest.channels.lock().expect("lock").contains_key("a"));
    }

    #[test]
    fn key_files() {
        let file = tempfile::NamedTempFile::new().expect("temp");
        std::fs::write(file.path(), "# publishers\ncam1\n\n  cam-2.b  \n").expect("write");
        let keys = read_keys(file.path()).expect("keys");
        assert_eq!(keys.len(), 2);
        assert!(keys.contains("cam-2.b"));
        std::fs::write(file.path(), "ok\nnot/ok\n").expect("write");
        let err = read_keys(file.path()).expect_err("bad key").to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
