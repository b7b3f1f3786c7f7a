//! The tee: one encoded output fanned out to every destination, each on its own thread behind a bounded queue.
//!
//! The tee never waits on a destination that is down: its packets are dropped (and counted) until it is back and a
//! video keyframe comes. A connected destination whose queue is full applies back-pressure for a bounded time (a
//! file read as fast as possible goes at the pace of the slowest healthy destination, like ffmpeg's tee); past
//! that, or at once when the input is paced in real time, it is congested and drops until its queue has drained.

use super::output::{Connection, Interrupt, StreamDesc};
use super::{DestState, DestStats, Destination, Protocol, PushOptions, PushStats};
use crate::error::{Error, Result};
use crate::graph::{PacketSink, SinkStream};
use ff::Rational;
use ffmpeg_next as ff;
use ffmpeg_next::packet::{Mut as _, Ref as _};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

enum Item {
    Packet {
        index: usize,
        pkt: ff::Packet,
        tb: Rational,
    },
}

#[derive(Default)]
struct QueueState {
    items: VecDeque<Item>,
    /// No more packets will come: deliver what is queued and close.
    finishing: bool,
}

/// What the tee and a destination's thread share.
struct Shared {
    dest: Destination,
    stats: Arc<DestStats>,
    queue: Mutex<QueueState>,
    /// Signalled when an item is queued or the end comes.
    filled: Condvar,
    /// Signalled when an item is taken.
    drained: Condvar,
    /// The destination must restart at a video keyframe (it dropped something or reconnected).
    need_key: AtomicBool,
    interrupt: Arc<Interrupt>,
}

impl Shared {
    fn clear_queue(&self, video: &[bool]) {
        if let Ok(mut q) = self.queue.lock() {
            for Item::Packet { index, .. } in q.items.drain(..) {
                self.count_drop(video.get(index).copied().unwrap_or(false));
            }
        }
        self.drained.notify_all();
    }

    fn count_drop(&self, video: bool) {
        self.stats.dropped_packets.fetch_add(1, Ordering::Relaxed);
        if video {
            self.stats.dropped_frames.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn fail(&self, e: &Error) {
        if let Ok(mut l) = self.stats.last_error.lock() {
            *l = Some(e.to_string());
        }
    }
}

struct Dest {
    shared: Arc<Shared>,
    handle: Option<std::thread::JoinHandle<Result<()>>>,
    /// Tee-side: the queue overflowed; drop until it has drained to half.
    congested: bool,
}

/// A [`PacketSink`] that pushes one output to several destinations at once.
pub struct TeeSink {
    dests: Vec<Dest>,
    opts: PushOptions,
    stats: PushStats,
    /// Whether each stream (in `start` order) is video.
    video: Vec<bool>,
    has_video: bool,
    /// The SDP of `rtp://` destinations, once written.
    sdp: Arc<Mutex<Option<String>>>,
}

impl TeeSink {
    /// A tee to `urls`; nothing connects until the graph starts the sink.
    pub fn new(urls: &[String], opts: PushOptions) -> Result<TeeSink> {
        if urls.is_empty() {
            return Err(Error::InvalidArgument("no destination given".into()));
        }
        let mut dests = Vec::new();
        for u in urls {
            let dest = Destination::parse(u)?;
            let stats = Arc::new(DestStats::new(u));
            dests.push(Dest {
                shared: Arc::new(Shared {
                    dest,
                    stats,
                    queue: Mutex::new(QueueState::default()),
                    filled: Condvar::new(),
                    drained: Condvar::new(),
                    need_key: AtomicBool::new(false),
                    interrupt: Interrupt::new(),
                }),
                handle: None,
                congested: false,
            });
        }
        if dests.iter().filter(|d| d.shared.dest.protocol == Protocol::Rtp).count() > 1 && opts.sdp.is_some() {
            return Err(Error::InvalidArgument(
                "one SDP file describes one rtp:// destination; give a single rtp:// URL".into(),
            ));
        }
        let stats = Arc::new(dests.iter().map(|d| d.shared.stats.clone()).collect());
        Ok(TeeSink {
            dests,
            opts,
            stats,
            video: Vec::new(),
            has_video: false,
            sdp: Arc::new(Mutex::new(None)),
        })
    }

    /// Live statistics of every destination.
    pub fn stats(&self) -> PushStats {
        self.stats.clone()
    }

    /// Where the SDP of an `rtp://` destination appears once it is connected.
    pub fn sdp(&self) -> Arc<Mutex<Option<String>>> {
        self.sdp.clone()
    }

    /// Whether any destination wants codec headers out of band (then the encoder must produce them).
    pub fn global_header(&self) -> bool {
        self.dests.iter().any(|d| d.shared.dest.protocol.global_header())
    }

    /// Stops every destination now, without delivering what is queued (a second Ctrl-C).
    pub fn abort(&self) {
        for d in &self.dests {
            d.shared.interrupt.abort.store(true, Ordering::Relaxed);
        }
    }

    fn alive(&self) -> bool {
        self.dests
            .iter()
            .any(|d| !matches!(d.shared.stats.state(), DestState::Failed | DestState::Finished))
    }

    /// The first failure of a destination, for the run's error.
    fn first_error(&self) -> Option<Error> {
        self.dests
            .iter()
            .find_map(|d| d.shared.stats.last_error())
            .map(Error::Ffmpeg)
    }
}

impl PacketSink for TeeSink {
    fn start(&mut self, streams: Vec<SinkStream>) -> Result<()> {
        self.video = streams
            .iter()
            .map(|s| s.params.medium() == ff::media::Type::Video)
            .collect();
        self.has_video = self.video.iter().any(|v| *v);
        let descs = || -> Vec<StreamDesc> {
            streams
                .iter()
                .map(|s| StreamDesc {
                    params: s.params.clone(),
                    time_base: s.time_base,
                    frame_rate: s.frame_rate,
                })
                .collect()
        };
        // Every destination must be able to carry every stream before any of them connects.
        for d in &self.dests {
            super::output::check_codecs(&d.shared.dest, &descs())?;
        }
        for d in &mut self.dests {
            let descs = descs();
            let shared = d.shared.clone();
            let opts = self.opts.clone();
            let video = self.video.clone();
            let sdp = self.sdp.clone();
            let name = format!("push {}", d.shared.dest.url);
            d.handle = Some(
                std::thread::Builder::new()
                    .name(name.chars().take(15).collect())
                    .spawn(move || worker(shared, descs, opts, video, sdp))
                    .map_err(Error::IoBare)?,
            );
        }
        Ok(())
    }

    fn write(&mut self, index: usize, pkt: ff::Packet, tb: Rational) -> Result<()> {
        let video = self.video.get(index).copied().unwrap_or(false);
        let key = video && pkt.is_key();
        // Back-pressure on a healthy destination is bounded; a paced (live) input never waits long.
        let patience = if self.opts.realtime {
            Duration::from_millis(200).min(self.opts.timeout)
        } else {
            self.opts.timeout
        };
        let cap = self.opts.queue.max(2);
        for d in &mut self.dests {
            let sh = &d.shared;
            let state = sh.stats.state();
            match state {
                DestState::Failed | DestState::Finished => continue,
                DestState::Reconnecting => {
                    sh.need_key.store(true, Ordering::Relaxed);
                    sh.count_drop(video);
                    continue;
                }
                DestState::Connecting | DestState::Connected => {}
            }
            if sh.need_key.load(Ordering::SeqCst) {
                if key || !self.has_video {
                    sh.need_key.store(false, Ordering::SeqCst);
                } else {
                    sh.count_drop(video);
                    continue;
                }
            }
            let Ok(mut q) = sh.queue.lock() else { continue };
            if d.congested {
                if q.items.len() <= cap / 2 {
                    d.congested = false;
                } else {
                    drop(q);
                    sh.need_key.store(true, Ordering::Relaxed);
                    sh.count_drop(video);
                    continue;
                }
            }
            let deadline = Instant::now() + patience;
            while q.items.len() >= cap {
                let now = Instant::now();
                if now >= deadline || matches!(sh.stats.state(), DestState::Reconnecting | DestState::Failed) {
                    break;
                }
                q = match sh
                    .drained
                    .wait_timeout(q, (deadline - now).min(Duration::from_millis(50)))
                {
                    Ok((q, _)) => q,
                    Err(p) => p.into_inner().0,
                };
            }
            if q.items.len() >= cap {
                drop(q);
                d.congested = true;
                sh.need_key.store(true, Ordering::Relaxed);
                sh.count_drop(video);
                continue;
            }
            // A new reference to the same data: no copy per destination.
            let mut p = ff::Packet::empty();
            // SAFETY: referencing a valid packet into an empty one.
            if unsafe { ff::ffi::av_packet_ref(p.as_mut_ptr(), pkt.as_ptr()) } < 0 {
                return Err(Error::Limit("out of memory".into()));
            }
            q.items.push_back(Item::Packet { index, pkt: p, tb });
            drop(q);
            sh.filled.notify_one();
        }
        if !self.alive() {
            return Err(self
                .first_error()
                .unwrap_or_else(|| Error::Ffmpeg("every destination failed".into())));
        }
        Ok(())
    }

    fn bytes(&self) -> u64 {
        self.stats.iter().map(|s| s.bytes.load(Ordering::Relaxed)).sum()
    }

    fn finish(&mut self) -> Result<()> {
        for d in &self.dests {
            if let Ok(mut q) = d.shared.queue.lock() {
                q.finishing = true;
            }
            d.shared.filled.notify_all();
        }
        let mut first: Option<Error> = None;
        for d in &mut self.dests {
            if let Some(h) = d.handle.take() {
                let r = h.join().unwrap_or_else(|_| {
                    Err(Error::Ffmpeg(format!(
                        "{}: the push thread panicked",
                        d.shared.dest.url
                    )))
                });
                if let Err(e) = r
                    && first.is_none()
                {
                    first = Some(e);
                }
            }
        }
        match first {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Drop for TeeSink {
    fn drop(&mut self) {
        // A run that ended in an error never called `finish`: stop the threads without delivering.
        if self.dests.iter().any(|d| d.handle.is_some()) {
            self.abort();
            for d in &self.dests {
                if let Ok(mut q) = d.shared.queue.lock() {
                    q.finishing = true;
                    q.items.clear();
                }
                d.shared.filled.notify_all();
            }
            for d in &mut self.dests {
                if let Some(h) = d.handle.take() {
                    let _ = h.join();
                }
            }
        }
    }
}

/// How one attempt at delivering ended.
enum Ended {
    /// Every packet was delivered and the stream closed.
    Done,
    /// The connection broke.
    Lost(Error),
}

/// A destination's thread: connect, deliver, reconnect with backoff, finish.
fn worker(
    sh: Arc<Shared>,
    streams: Vec<StreamDesc>,
    opts: PushOptions,
    video: Vec<bool>,
    sdp: Arc<Mutex<Option<String>>>,
) -> Result<()> {
    let first_delay = Duration::from_millis(500);
    let mut delay = first_delay;
    let mut attempts_left = opts.retries;
    let mut ever_connected = false;
    let mut first_attempt = true;
    let mut bytes_before = 0u64;
    loop {
        if sh.interrupt.abort.load(Ordering::Relaxed) {
            sh.stats.set_state(DestState::Failed);
            return Err(Error::Interrupted);
        }
        let e = match Connection::open(&sh.dest, &streams, sh.interrupt.clone(), opts.timeout) {
            Ok(mut conn) => {
                if sh.dest.protocol == Protocol::Rtp
                    && let Some(text) = conn.sdp()
                {
                    if let Some(path) = &opts.sdp {
                        std::fs::write(path, &text).map_err(|e| Error::io(path, e))?;
                    }
                    if let Ok(mut s) = sdp.lock() {
                        *s = Some(text);
                    }
                }
                if ever_connected {
                    sh.stats.reconnects.fetch_add(1, Ordering::Relaxed);
                    tracing::info!("{}: reconnected", sh.dest.url);
                }
                if !first_attempt {
                    // Something was dropped before this connection: it must start on a keyframe. Set before the
                    // state says connected, so the tee cannot slip a packet in between.
                    sh.need_key.store(true, Ordering::SeqCst);
                }
                first_attempt = false;
                ever_connected = true;
                sh.stats.set_state(DestState::Connected);
                delay = first_delay;
                attempts_left = opts.retries;
                let ended = deliver(&sh, &mut conn, &video, bytes_before);
                bytes_before = sh.stats.bytes.load(Ordering::Relaxed);
                match ended {
                    Ended::Done => {
                        sh.stats.set_state(DestState::Finished);
                        sh.stats.rtt_us.store(-1, Ordering::Relaxed);
                        return Ok(());
                    }
                    Ended::Lost(e) => e,
                }
            }
            Err(e) => {
                first_attempt = false;
                e
            }
        };
        // Down: drop what is queued (the tee drops the rest) and try again, or give up.
        sh.stats.rtt_us.store(-1, Ordering::Relaxed);
        let finishing = sh.queue.lock().map(|q| q.finishing).unwrap_or(true);
        if attempts_left == 0 || sh.interrupt.abort.load(Ordering::Relaxed) || (finishing && !ever_connected) {
            sh.fail(&e);
            sh.stats.set_state(DestState::Failed);
            sh.clear_queue(&video);
            return Err(e);
        }
        if finishing {
            // The input ended while this destination was down: what it missed is gone; report that.
            let e = Error::Ffmpeg(format!("{}: disconnected when the input ended ({e})", sh.dest.url));
            sh.fail(&e);
            sh.stats.set_state(DestState::Failed);
            sh.clear_queue(&video);
            return Err(e);
        }
        attempts_left -= 1;
        tracing::warn!("{e}; retrying in {:.1} s", delay.as_secs_f64());
        if let Ok(mut l) = sh.stats.last_error.lock() {
            // Kept for the statistics line, cleared once connected again.
            *l = None;
        }
        sh.stats.set_state(DestState::Reconnecting);
        sh.need_key.store(true, Ordering::Relaxed);
        sh.clear_queue(&video);
        // Wait, but wake up early when the input ends (one last attempt is made then) or on abort.
        let until = Instant::now() + delay;
        while Instant::now() < until && !sh.interrupt.abort.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
            // Packets arriving meanwhile are dropped by the tee; keep the queue empty.
            sh.clear_queue(&video);
        }
        delay = (delay * 2).min(opts.retry_max_delay.max(first_delay));
    }
}

/// Delivers queued packets until the input ends (then finishes the stream) or the connection breaks.
fn deliver(sh: &Shared, conn: &mut Connection, video: &[bool], bytes_before: u64) -> Ended {
    let mut last_stats = Instant::now() - Duration::from_secs(1);
    loop {
        let item = {
            let Ok(mut q) = sh.queue.lock() else {
                return Ended::Lost(Error::Ffmpeg("queue poisoned".into()));
            };
            loop {
                if let Some(it) = q.items.pop_front() {
                    break Some(it);
                }
                if q.finishing {
                    break None;
                }
                q = match sh.filled.wait_timeout(q, Duration::from_millis(250)) {
                    Ok((q, _)) => q,
                    Err(_) => return Ended::Lost(Error::Ffmpeg("queue poisoned".into())),
                };
                if last_stats.elapsed() >= Duration::from_secs(1) {
                    // Refresh the RTT while idle too.
                    if let Some(r) = conn.rtt_us() {
                        sh.stats.rtt_us.store(r, Ordering::Relaxed);
                    }
                    last_stats = Instant::now();
                }
            }
        };
        sh.drained.notify_all();
        let Some(Item::Packet { index, pkt, tb }) = item else {
            // The input ended and the queue is empty: close the stream cleanly.
            return match conn.finish() {
                Ok(()) => {
                    sh.stats.bytes.store(bytes_before + conn.bytes(), Ordering::Relaxed);
                    Ended::Done
                }
                Err(e) => Ended::Lost(e),
            };
        };
        let is_video = video.get(index).copied().unwrap_or(false);
        if let Err(e) = conn.write(index, pkt, tb) {
            return Ended::Lost(e);
        }
        sh.stats.packets.fetch_add(1, Ordering::Relaxed);
        if is_video {
            sh.stats.frames.fetch_add(1, Ordering::Relaxed);
        }
        sh.stats.bytes.store(bytes_before + conn.bytes(), Ordering::Relaxed);
        if last_stats.elapsed() >= Duration::from_secs(1) {
            if let Some(r) = conn.rtt_us() {
                sh.stats.rtt_us.store(r, Ordering::Relaxed);
            }
            last_stats = Instant::now();
        }
    }
}
