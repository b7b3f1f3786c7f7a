//! The runtime: demux, decode, filter, encode and mux as threads joined by bounded queues.
//!
//! One decoder per input stream feeds every branch that needs it (fan-out by frame reference, no copies).
//! Bounded queues give back-pressure, so memory stays flat whatever the input length. A stop request ends the
//! demuxer, and everything downstream drains and finishes a valid file, as ffmpeg does on `q`.

use super::lavfi::{AudioFormat, AudioLavfi, VideoLavfi};
use super::plan::{AudioEncodePlan, Branch, Gop, Plan, Stage, VideoEncodePlan};
use crate::codec::{self, AudioEncoderConfig, Encoder, VideoEncoderConfig};
use crate::error::{Error, Result};
use crate::media::{self, NOPTS};
use crate::node::video_filter::{VideoFilter, VideoFormat};
use crate::util::atomic::AtomicPath;
use ff::Rational;
use ffmpeg_next as ff;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Live counters a progress display polls.
#[derive(Debug, Default)]
pub struct Stats {
    /// Video frames encoded for the first output.
    pub frames: AtomicU64,
    /// Output time written so far (first output), microseconds.
    pub out_us: AtomicI64,
    /// Bytes written (all outputs).
    pub bytes: AtomicU64,
    /// Corrupt packets or frames skipped.
    pub corrupt: AtomicU64,
}

/// How a caller steers a run.
#[derive(Clone, Debug, Default)]
pub struct RunControl {
    /// Set to stop reading input; the outputs are then finished normally.
    pub stop: Arc<AtomicBool>,
    pub stats: Arc<Stats>,
    /// Overwrite existing outputs.
    pub overwrite: bool,
}

/// What one output ended up with.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OutputSummary {
    pub path: String,
    pub size: u64,
    pub duration: f64,
    pub video_frames: u64,
    pub bit_rate: u64,
}

/// The result of a run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Summary {
    pub outputs: Vec<OutputSummary>,
    pub corrupt_packets: u64,
    pub interrupted: bool,
    pub warnings: Vec<String>,
}

enum MuxMsg {
    Ready {
        slot: usize,
        params: ff::codec::Parameters,
        tb: Rational,
        matrix: Option<Vec<u8>>,
        rate: Option<Rational>,
    },
    Absent {
        slot: usize,
    },
    Packet {
        slot: usize,
        pkt: ff::Packet,
        tb: Rational,
    },
}

/// A stream the muxer can add: codec parameters, packet time base, display matrix.
type ReadyStream = (ff::codec::Parameters, Rational, Option<Vec<u8>>, Option<Rational>);

// Small queues keep memory near ffmpeg's (high-bit-rate packets are large) while still decoupling the threads.
const PACKET_QUEUE: usize = 16;
const FRAME_QUEUE: usize = 8;

/// Runs a plan to completion, opening its input.
pub fn run(plan: &Plan, ctl: &RunControl) -> Result<Summary> {
    run_with_input(plan, ctl, None)
}

/// Runs a plan on an input the caller already opened (stdin can only be opened once).
pub fn run_with_input(plan: &Plan, ctl: &RunControl, opened: Option<ff::format::context::Input>) -> Result<Summary> {
    run_with_sinks(plan, ctl, opened, Vec::new())
}

/// Runs a plan whose outputs may go to caller-provided sinks: `sinks[n]`, when present and `Some`, receives output
/// `n`'s packets instead of a file muxer (the sink then owns naming and atomicity of what it writes).
pub fn run_with_sinks(
    plan: &Plan,
    ctl: &RunControl,
    opened: Option<ff::format::context::Input>,
    sinks: Vec<Option<Box<dyn PacketSink>>>,
) -> Result<Summary> {
    crate::init();
    let mut sinks = sinks;
    sinks.resize_with(plan.outputs.len(), || None);
    // Reserve every file output first: a missing directory or an existing file fails before any work.
    let mut targets = Vec::new();
    for (o, sink) in plan.outputs.iter().zip(&sinks) {
        if o.path == "-" || sink.is_some() {
            targets.push(None);
        } else {
            targets.push(Some(AtomicPath::new(std::path::Path::new(&o.path), ctl.overwrite)?));
        }
    }
    let sink_bytes: Vec<Arc<AtomicU64>> = plan.outputs.iter().map(|_| Arc::new(AtomicU64::new(0))).collect();
    let mut ictx = match opened {
        Some(i) => i,
        None => super::plan::open_input(&plan.input.display, plan.input.format.as_deref())?,
    };
    let vinfo = plan.input.video.clone();
    let ainfo = plan.input.audio.clone();
    // Time subtracted from every timestamp so outputs start at zero (or at the seek point).
    let offset_us = plan.input.start_us + plan.seek.map(|s| (s * 1e6) as i64).unwrap_or(0);
    if plan.seek.is_some() {
        // SAFETY: seeking an open input context; any stream, timestamps in AV_TIME_BASE.
        let r = unsafe { ff::ffi::avformat_seek_file(ictx.as_mut_ptr(), -1, i64::MIN, offset_us, offset_us, 0) };
        if r < 0 {
            tracing::warn!("{}: cannot seek, reading from the start", plan.input.display);
        }
    }
    let end_us = plan.duration.map(|d| (d * 1e6) as i64);
    let warnings = std::sync::Mutex::new(Vec::<String>::new());

    let result: Result<Vec<u64>> = std::thread::scope(|scope| {
        let mut mux_txs = Vec::new();
        let mut mux_handles = Vec::new();
        for ((n, o), sink) in plan.outputs.iter().enumerate().zip(sinks.iter_mut()) {
            let (tx, rx) = sync_channel::<MuxMsg>(PACKET_QUEUE);
            mux_txs.push(tx);
            let url = match &targets[n] {
                Some(t) => t.temp().to_string_lossy().into_owned(),
                None => "pipe:1".to_string(),
            };
            let slots = o.video.is_some() as usize + o.audio.is_some() as usize;
            let stats = if n == 0 { Some(ctl.stats.clone()) } else { None };
            let byte_stats = ctl.stats.clone();
            let container = o.container.clone();
            let path = o.path.clone();
            let given = sink.take();
            let written = sink_bytes[n].clone();
            mux_handles.push(scope.spawn(move || {
                let sink: Box<dyn PacketSink> = match given {
                    Some(s) => s,
                    None => Box::new(FileMuxer::new(&path, &url, &container)?),
                };
                mux_thread(&path, slots, rx, sink, stats, byte_stats, written)
            }));
        }
        let global_header: Vec<bool> = plan
            .outputs
            .iter()
            .map(|o| muxer_wants_global_header(&o.container.muxer))
            .collect();

        // Video: decoder + one branch per encoding output.
        let mut vbranch_txs = Vec::new();
        let mut branch_handles = Vec::new();
        let mut video_copy: Vec<(usize, usize)> = Vec::new(); // (output, slot)
        let mut audio_copy: Vec<(usize, usize)> = Vec::new();
        let mut abranch_txs = Vec::new();
        for (n, o) in plan.outputs.iter().enumerate() {
            let vslot = 0;
            let aslot = o.video.is_some() as usize;
            match (&o.video, &vinfo) {
                (Some(Branch::Encode(vp)), Some(vi)) => {
                    let (tx, rx) = sync_channel::<ff::Frame>(FRAME_QUEUE);
                    vbranch_txs.push(tx);
                    let mux = mux_txs[n].clone();
                    let stats = if n == 0 { Some(ctl.stats.clone()) } else { None };
                    let gh = global_header[n];
                    let threads = plan.threads;
                    let in_fmt = vi.format;
                    let end = end_us.map(|e| media::rescale(e, Rational::new(1, 1_000_000), vi.format.time_base));
                    branch_handles
                        .push(scope.spawn(move || video_branch(vp, in_fmt, end, rx, mux, vslot, gh, threads, stats)));
                }
                (Some(Branch::Copy), Some(_)) => video_copy.push((n, vslot)),
                _ => {}
            }
            match (&o.audio, &ainfo) {
                (Some(Branch::Encode(ap)), Some(ai)) => {
                    let in_tb = ai.format.time_base;
                    let (tx, rx) = sync_channel::<ff::Frame>(FRAME_QUEUE * 4);
                    abranch_txs.push(tx);
                    let mux = mux_txs[n].clone();
                    let gh = global_header[n];
                    let end = end_us;
                    branch_handles.push(scope.spawn(move || audio_branch(ap, in_tb, end, rx, mux, aslot, gh)));
                }
                (Some(Branch::Copy), Some(_)) => audio_copy.push((n, aslot)),
                _ => {}
            }
        }

        // Copied streams are ready from the start.
        for (streams, info_idx) in [
            (&video_copy, vinfo.as_ref().map(|v| v.index)),
            (&audio_copy, ainfo.as_ref().map(|a| a.index)),
        ] {
            let Some(idx) = info_idx else { continue };
            let Some(stream) = ictx.stream(idx) else { continue };
            for (n, slot) in streams.iter() {
                let mut params = stream.parameters();
                // SAFETY: clearing the codec tag so the output container picks its own.
                unsafe { (*params.as_mut_ptr()).codec_tag = 0 };
                let matrix = if Some(idx) == vinfo.as_ref().map(|v| v.index) {
                    vinfo.as_ref().and_then(|v| v.display_matrix.clone())
                } else {
                    None
                };
                let _ = mux_txs[*n].send(MuxMsg::Ready {
                    slot: *slot,
                    params,
                    tb: stream.time_base(),
                    matrix,
                    rate: Some(stream.avg_frame_rate()).filter(|r| r.numerator() > 0),
                });
            }
        }

        let mut vdec_tx = None;
        if let (false, Some(vi)) = (vbranch_txs.is_empty(), &vinfo) {
            let (tx, rx) = sync_channel::<ff::Packet>(PACKET_QUEUE);
            vdec_tx = Some(tx);
            let params = ictx
                .stream(vi.index)
                .map(|s| s.parameters())
                .ok_or_else(|| Error::Malformed("video stream vanished".into()))?;
            let tb = vi.format.time_base;
            let offset = media::rescale(offset_us, Rational::new(1, 1_000_000), tb);
            let stats = ctl.stats.clone();
            let txs = std::mem::take(&mut vbranch_txs);
            let threads = plan.threads;
            branch_handles.push(scope.spawn(move || decode_thread(params, tb, true, offset, rx, txs, threads, stats)));
        }
        let mut adec_tx = None;
        if let (false, Some(ai)) = (abranch_txs.is_empty(), &ainfo) {
            let (tx, rx) = sync_channel::<ff::Packet>(PACKET_QUEUE * 4);
            adec_tx = Some(tx);
            let params = ictx
                .stream(ai.index)
                .map(|s| s.parameters())
                .ok_or_else(|| Error::Malformed("audio stream vanished".into()))?;
            let tb = ai.format.time_base;
            let offset = media::rescale(offset_us, Rational::new(1, 1_000_000), tb);
            let stats = ctl.stats.clone();
            let txs = std::mem::take(&mut abranch_txs);
            branch_handles.push(scope.spawn(move || decode_thread(params, tb, false, offset, rx, txs, 1, stats)));
        }

        // Demux on this thread.
        let demux_result = demux(
            &mut ictx,
            plan,
            ctl,
            offset_us,
            end_us,
            vdec_tx,
            adec_tx,
            &video_copy,
            &audio_copy,
            &mux_txs,
            &warnings,
        );
        drop(mux_txs);
        // The first real error wins over the `Interrupted` that other threads see when a queue closes.
        let mut first_err: Option<Error> = demux_result.err();
        let mut interrupted = false;
        let mut keep = |first_err: &mut Option<Error>, e: Error| {
            if matches!(e, Error::Interrupted) {
                interrupted = true;
            } else if first_err.is_none() {
                *first_err = Some(e);
            }
        };
        for h in branch_handles {
            match h.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => keep(&mut first_err, e),
                Err(_) => first_err = first_err.or(Some(Error::Ffmpeg("a pipeline thread panicked".into()))),
            }
        }
        let mut frames = Vec::new();
        for h in mux_handles {
            match h.join() {
                Ok(Ok(f)) => frames.push(f),
                Ok(Err(e)) => keep(&mut first_err, e),
                Err(_) => first_err = first_err.or(Some(Error::Ffmpeg("a muxer thread panicked".into()))),
            }
        }
        match first_err {
            Some(e) => Err(e),
            None if interrupted => Err(Error::Interrupted),
            None => Ok(frames),
        }
    });
    let frames = result?;
    let mut outputs = Vec::new();
    for (n, (o, t)) in plan.outputs.iter().zip(targets).enumerate() {
        let size = t
            .as_ref()
            .and_then(|t| std::fs::metadata(t.temp()).ok())
            .map(|m| m.len())
            .unwrap_or_else(|| sink_bytes[n].load(Ordering::Relaxed));
        if let Some(t) = t {
            t.commit()?;
        }
        let duration = if n == 0 {
            ctl.stats.out_us.load(Ordering::Relaxed) as f64 / 1e6
        } else {
            plan.duration.or(plan.input.duration).unwrap_or(0.0)
        };
        outputs.push(OutputSummary {
            path: o.path.clone(),
            size,
            duration,
            video_frames: frames.get(n).copied().unwrap_or(0),
            bit_rate: if duration > 0.0 {
                (size as f64 * 8.0 / duration) as u64
            } else {
                0
            },
        });
    }
    Ok(Summary {
        outputs,
        corrupt_packets: ctl.stats.corrupt.load(Ordering::Relaxed),
        interrupted: ctl.stop.load(Ordering::Relaxed),
        warnings: warnings.into_inner().unwrap_or_default(),
    })
}

fn muxer_wants_global_header(muxer: &str) -> bool {
    let Ok(c) = std::ffi::CString::new(muxer) else {
        return false;
    };
    // SAFETY: looking a muxer up by name; reading its flags.
    unsafe {
        let f = ff::ffi::av_guess_format(c.as_ptr(), std::ptr::null(), std::ptr::null());
        !f.is_null() && ((*f).flags & ff::ffi::AVFMT_GLOBALHEADER) != 0
    }
}

#[allow(clippy::too_many_arguments)]
fn demux(
    ictx: &mut ff::format::context::Input,
    plan: &Plan,
    ctl: &RunControl,
    offset_us: i64,
    end_us: Option<i64>,
    vdec: Option<SyncSender<ff::Packet>>,
    adec: Option<SyncSender<ff::Packet>>,
    video_copy: &[(usize, usize)],
    audio_copy: &[(usize, usize)],
    mux: &[SyncSender<MuxMsg>],
    warnings: &std::sync::Mutex<Vec<String>>,
) -> Result<()> {
    let vidx = plan.input.video.as_ref().map(|v| v.index);
    let aidx = plan.input.audio.as_ref().map(|a| a.index);
    let us = Rational::new(1, 1_000_000);
    let mut video_done = vidx.is_none() || (vdec.is_none() && video_copy.is_empty());
    let mut audio_done = aidx.is_none() || (adec.is_none() && audio_copy.is_empty());
    // Stream copy starts at a keyframe at or after the seek point.
    let mut copy_started = plan.seek.is_none();
    let mut vdec = vdec;
    let mut adec = adec;
    loop {
        if ctl.stop.load(Ordering::Relaxed) || (video_done && audio_done) {
            break;
        }
        let mut pkt = ff::Packet::empty();
        match pkt.read(ictx) {
            Ok(()) => {}
            Err(ff::Error::Eof) => break,
            Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => continue,
            Err(e) => {
                let msg = format!(
                    "{}: input ended early ({})",
                    plan.input.display,
                    e.to_string().to_lowercase()
                );
                tracing::warn!("{msg}");
                if let Ok(mut w) = warnings.lock() {
                    w.push(msg);
                }
                break;
            }
        }
        let idx = pkt.stream();
        let is_video = Some(idx) == vidx;
        let is_audio = Some(idx) == aidx;
        if !is_video && !is_audio {
            continue;
        }
        let Some(stream) = ictx.stream(idx) else { continue };
        let tb = stream.time_base();
        let ts = pkt.pts().or(pkt.dts()).unwrap_or(NOPTS);
        if let (Some(end), true) = (end_us, ts != NOPTS) {
            // Read a little past the end so decoders with reordering deliver every frame before it.
            let t = media::rescale(ts, tb, us) - offset_us;
            if t > end + 500_000 {
                if is_video {
                    video_done = true;
                } else {
                    audio_done = true;
                }
                continue;
            }
        }
        let copies = if is_video { video_copy } else { audio_copy };
        if !copies.is_empty() {
            let t = if ts == NOPTS {
                0
            } else {
                media::rescale(ts, tb, us) - offset_us
            };
            if !copy_started && is_video && pkt.is_key() && t >= -1000 {
                copy_started = true;
            }
            let in_range = end_us.is_none_or(|e| t < e);
            if (copy_started || vidx.is_none() || video_copy.is_empty()) && t >= -1000 && in_range {
                let off = media::rescale(offset_us, us, tb);
                for (n, slot) in copies {
                    let mut p = share(&pkt);
                    if let Some(x) = p.pts() {
                        p.set_pts(Some(x - off));
                    }
                    if let Some(x) = p.dts() {
                        p.set_dts(Some(x - off));
                    }
                    let _ = mux[*n].send(MuxMsg::Packet {
                        slot: *slot,
                        pkt: p,
                        tb,
                    });
                }
            }
        }
        let dec = if is_video { &mut vdec } else { &mut adec };
        if let Some(tx) = dec
            && tx.send(pkt).is_err()
        {
            // The decoder stopped (an error downstream); the join reports why.
            *dec = None;
            if is_video {
                video_done = video_copy.is_empty();
            } else {
                audio_done = audio_copy.is_empty();
            }
        }
    }
    Ok(())
}

/// A new reference to a packet's data, without the copy `Packet::clone` makes (muxers only read packet data).
fn share(pkt: &ff::Packet) -> ff::Packet {
    use ff::packet::{Mut as _, Ref as _};
    let mut out = ff::Packet::empty();
    // SAFETY: av_packet_ref on a valid source into an empty packet; on failure `out` stays empty.
    let r = unsafe { ff::ffi::av_packet_ref(out.as_mut_ptr(), pkt.as_ptr()) };
    if r < 0 { pkt.clone() } else { out }
}

#[allow(clippy::too_many_arguments)]
fn decode_thread(
    params: ff::codec::Parameters,
    tb: Rational,
    video: bool,
    offset: i64,
    rx: Receiver<ff::Packet>,
    txs: Vec<SyncSender<ff::Frame>>,
    threads: usize,
    stats: Arc<Stats>,
) -> Result<()> {
    let mut ctx = ff::codec::Context::from_parameters(params)?;
    // SAFETY: threading and packet time base on an unopened context.
    unsafe {
        let raw = ctx.as_mut_ptr();
        (*raw).thread_count = threads as i32;
        (*raw).thread_type = ff::ffi::FF_THREAD_FRAME | ff::ffi::FF_THREAD_SLICE;
        (*raw).pkt_timebase = tb.into();
    }
    let mut dec = if video {
        ctx.decoder().video()?.0
    } else {
        ctx.decoder().audio()?.0
    };
    let mut alive: Vec<bool> = vec![true; txs.len()];
    let drain = |dec: &mut ff::decoder::Opened, alive: &mut Vec<bool>| -> Result<bool> {
        loop {
            // SAFETY: an empty frame for the decoder to fill.
            let mut f = unsafe { ff::Frame::empty() };
            match dec.receive_frame(&mut f) {
                Ok(()) => {
                    // SAFETY: reading/writing timestamp fields of a decoded frame.
                    unsafe {
                        let raw = f.as_mut_ptr();
                        let ts = (*raw).best_effort_timestamp;
                        (*raw).pts = if ts == NOPTS { NOPTS } else { ts - offset };
                        (*raw).pict_type = ff::ffi::AVPictureType::AV_PICTURE_TYPE_NONE;
                    }
                    for (i, tx) in txs.iter().enumerate() {
                        if alive[i] && tx.send(media::frame_ref(&f)).is_err() {
                            alive[i] = false;
                        }
                    }
                    if !alive.iter().any(|a| *a) {
                        return Ok(false);
                    }
                }
                Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => return Ok(true),
                Err(ff::Error::Eof) => return Ok(true),
                Err(ff::Error::InvalidData) => {
                    stats.corrupt.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    for pkt in rx {
        match dec.send_packet(&pkt) {
            Ok(()) => {}
            Err(ff::Error::InvalidData) | Err(ff::Error::Bug) => {
                stats.corrupt.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => {}
            Err(e) => {
                stats.corrupt.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("decode error: {e}");
                continue;
            }
        }
        if !drain(&mut dec, &mut alive)? {
            return Ok(());
        }
    }
    let _ = dec.send_eof();
    drain(&mut dec, &mut alive)?;
    Ok(())
}

/// Forces keyframes at segment boundaries when the GOP is given in seconds.
struct KeyframeClock {
    every: Option<f64>,
    next: f64,
}

impl KeyframeClock {
    fn key_at(&mut self, t: f64) -> bool {
        match self.every {
            Some(g) if t + 1e-6 >= self.next => {
                while self.next <= t + 1e-6 {
                    self.next += g;
                }
                true
            }
            _ => false,
        }
    }
}

enum VideoStage {
    Lavfi(VideoLavfi),
    Native(Box<dyn VideoFilter>),
}

struct VideoSink<'a> {
    plan: &'a VideoEncodePlan,
    fmt: Option<VideoFormat>,
    enc: Option<Box<dyn Encoder>>,
    mux: SyncSender<MuxMsg>,
    slot: usize,
    global_header: bool,
    threads: usize,
    end: Option<f64>,
    clock: KeyframeClock,
    stats: Option<Arc<Stats>>,
    last_pts: i64,
}

impl VideoSink<'_> {
    fn consume(&mut self, frame: ff::Frame) -> Result<()> {
        let Some(fmt) = self.fmt else { return Ok(()) };
        let mut frame = frame;
        let t = media::seconds(frame.pts().unwrap_or(0), fmt.time_base);
        if self.end.is_some_and(|e| t >= e - 1e-9) || t < -1e-6 {
            return Ok(());
        }
        if self.enc.is_none() {
            let (gop_frames, every) = match self.plan.gop {
                Some(Gop::Frames(n)) => (Some(n), None),
                Some(Gop::Seconds(s)) => {
                    let fps = fmt
                        .frame_rate
                        .map(|r| r.numerator() as f64 / r.denominator().max(1) as f64)
                        .unwrap_or(25.0);
                    (Some((s * fps).round().max(1.0) as u32), Some(s))
                }
                None => (None, None),
            };
            self.clock = KeyframeClock { every, next: 0.0 };
            let cfg = VideoEncoderConfig {
                kind: self.plan.kind.clone(),
                width: fmt.width,
                height: fmt.height,
                pix_fmt: fmt.pix_fmt,
                time_base: fmt.time_base,
                frame_rate: fmt.frame_rate,
                sample_aspect_ratio: fmt.sample_aspect_ratio,
                crf: self.plan.crf,
                bitrate: self.plan.bitrate,
                maxrate: self.plan.maxrate,
                bufsize: self.plan.bufsize,
                speed: self.plan.speed.clone(),
                gop_frames,
                tune: self.plan.tune.clone(),
                profile: self.plan.profile.clone(),
                options: self.plan.options.clone(),
                global_header: self.global_header,
                threads: self.threads,
            };
            let enc = codec::open_video(&cfg)?;
            let params = enc.parameters()?;
            self.mux
                .send(MuxMsg::Ready {
                    slot: self.slot,
                    params,
                    tb: enc.time_base(),
                    matrix: None,
                    rate: fmt.frame_rate,
                })
                .map_err(|_| Error::Interrupted)?;
            self.enc = Some(enc);
        }
        // Strictly increasing timestamps: drop duplicates the encoder would reject.
        let pts = frame.pts().unwrap_or(self.last_pts + 1);
        if pts <= self.last_pts {
            return Ok(());
        }
        self.last_pts = pts;
        // SAFETY: setting the picture type field of a frame we own.
        unsafe {
            (*frame.as_mut_ptr()).pict_type = if self.clock.key_at(t) {
                ff::ffi::AVPictureType::AV_PICTURE_TYPE_I
            } else {
                ff::ffi::AVPictureType::AV_PICTURE_TYPE_NONE
            };
        }
        if let Some(enc) = self.enc.as_mut() {
            enc.send(Some(&frame))?;
        }
        self.drain()?;
        if let Some(s) = &self.stats {
            s.frames.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    fn drain(&mut self) -> Result<()> {
        let Some(enc) = self.enc.as_mut() else { return Ok(()) };
        let tb = enc.time_base();
        // Encoders leave packet durations unset; muxers then drop the last frame's duration.
        let frame_dur = self
            .fmt
            .and_then(|f| f.frame_rate)
            .filter(|r| r.numerator() > 0)
            .map(|r| media::rescale(1, r.invert(), tb))
            .unwrap_or(0);
        while let Some(mut pkt) = enc.receive()? {
            if pkt.duration() <= 0 && frame_dur > 0 {
                pkt.set_duration(frame_dur);
            }
            self.mux
                .send(MuxMsg::Packet {
                    slot: self.slot,
                    pkt,
                    tb,
                })
                .map_err(|_| Error::Interrupted)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        match self.enc.as_mut() {
            Some(enc) => {
                enc.send(None)?;
                self.drain()
            }
            None => self
                .mux
                .send(MuxMsg::Absent { slot: self.slot })
                .map_err(|_| Error::Interrupted),
        }
    }
}

fn push_stages(stages: &mut [VideoStage], frame: Option<ff::Frame>, sink: &mut VideoSink<'_>) -> Result<()> {
    let Some((first, rest)) = stages.split_first_mut() else {
        return match frame {
            Some(f) => sink.consume(f),
            None => Ok(()),
        };
    };
    let mut outs: Vec<ff::Frame> = Vec::new();
    match first {
        VideoStage::Lavfi(g) => g.push(frame.as_ref(), &mut outs)?,
        VideoStage::Native(n) => {
            let mut emit = |f: ff::frame::Video| {
                outs.push(media::frame_ref(&f));
                Ok(())
            };
            match &frame {
                Some(f) => n.push(ff::frame::Video::from(media::frame_ref(f)), &mut emit)?,
                None => n.flush(&mut emit)?,
            }
        }
    }
    for o in outs {
        push_stages(rest, Some(o), sink)?;
    }
    if frame.is_none() {
        push_stages(rest, None, sink)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn video_branch(
    plan: &VideoEncodePlan,
    in_fmt: VideoFormat,
    end: Option<i64>,
    rx: Receiver<ff::Frame>,
    mux: SyncSender<MuxMsg>,
    slot: usize,
    global_header: bool,
    threads: usize,
    stats: Option<Arc<Stats>>,
) -> Result<()> {
    let mut stages: Vec<VideoStage> = Vec::new();
    let mut built_for: Option<(u32, u32, i32)> = None;
    let mut sink = VideoSink {
        plan,
        fmt: None,
        enc: None,
        mux,
        slot,
        global_header,
        threads,
        end: end.map(|e| media::seconds(e, in_fmt.time_base)),
        clock: KeyframeClock { every: None, next: 0.0 },
        stats,
        last_pts: i64::MIN,
    };
    for frame in rx {
        // SAFETY: reading size and format of a decoded frame.
        let key = unsafe {
            let r = frame.as_ptr();
            ((*r).width as u32, (*r).height as u32, (*r).format)
        };
        if built_for != Some(key) {
            if built_for.is_some() {
                // The input changed size or format mid-stream: drain the old chain, build a new one.
                push_stages(&mut stages, None, &mut sink)?;
            }
            let mut fmt = in_fmt;
            fmt.width = key.0;
            fmt.height = key.1;
            // SAFETY: the frame's format field is an AVPixelFormat.
            fmt.pix_fmt = unsafe { std::mem::transmute::<i32, ff::ffi::AVPixelFormat>(key.2) }.into();
            stages.clear();
            for st in &plan.stages {
                match st {
                    Stage::Lavfi(chain) => {
                        let g = VideoLavfi::new(chain, &fmt)?;
                        fmt = g.out;
                        stages.push(VideoStage::Lavfi(g));
                    }
                    Stage::Native { name, args } => {
                        let mut f = crate::node::registry::native_video_filter(name, args)?;
                        fmt = f.configure(&fmt)?;
                        stages.push(VideoStage::Native(f));
                    }
                }
            }
            if let Some(old) = sink.fmt
                && (old.width, old.height, old.pix_fmt) != (fmt.width, fmt.height, fmt.pix_fmt)
                && sink.enc.is_some()
            {
                return Err(Error::Unsupported(format!(
                    "the video changed from {}x{} to {}x{} mid-stream (add a scale filter to keep one size)",
                    old.width, old.height, fmt.width, fmt.height
                )));
            }
            sink.fmt = Some(fmt);
            built_for = Some(key);
        }
        push_stages(&mut stages, Some(frame), &mut sink)?;
    }
    push_stages(&mut stages, None, &mut sink)?;
    sink.finish()
}

fn audio_branch(
    plan: &AudioEncodePlan,
    in_tb: Rational,
    end_us: Option<i64>,
    rx: Receiver<ff::Frame>,
    mux: SyncSender<MuxMsg>,
    slot: usize,
    global_header: bool,
) -> Result<()> {
    let cfg = AudioEncoderConfig {
        kind: plan.kind.clone(),
        sample_rate: plan.output.sample_rate,
        channels: plan.output.channels,
        channel_layout: plan.output.channel_layout,
        sample_fmt: plan.output.sample_fmt,
        bitrate: plan.bitrate,
        options: plan.options.clone(),
        global_header,
    };
    let mut enc: Option<Box<dyn Encoder>> = None;
    let mut graph: Option<AudioLavfi> = None;
    let mut built_for: Option<(u32, u16, i32)> = None;
    let end_samples = end_us.map(|e| (e as f64 / 1e6 * plan.output.sample_rate as f64).round() as i64);
    let mut outs = Vec::new();
    let enc_tb = Rational::new(1, plan.output.sample_rate as i32);
    let mut next_pts: Option<i64> = None;
    let mut send = |enc: &mut Box<dyn Encoder>, graph_tb: Rational, frames: &mut Vec<ff::Frame>| -> Result<()> {
        for mut f in frames.drain(..) {
            // SAFETY: timestamp and sample-count fields of a frame we own.
            unsafe {
                let r = f.as_mut_ptr();
                let pts = if (*r).pts == NOPTS {
                    next_pts.unwrap_or(0)
                } else {
                    media::rescale((*r).pts, graph_tb, enc_tb)
                };
                if let Some(es) = end_samples {
                    if pts >= es {
                        continue;
                    }
                    let keep = (es - pts).min((*r).nb_samples as i64);
                    (*r).nb_samples = keep as i32;
                }
                if pts + ((*r).nb_samples as i64) <= 0 {
                    continue;
                }
                (*r).pts = pts;
                next_pts = Some(pts + (*r).nb_samples as i64);
            }
            enc.send(Some(&f))?;
            while let Some(pkt) = enc.receive()? {
                mux.send(MuxMsg::Packet { slot, pkt, tb: enc_tb })
                    .map_err(|_| Error::Interrupted)?;
            }
        }
        Ok(())
    };
    for frame in rx {
        // SAFETY: reading format fields of a decoded audio frame.
        #[allow(deprecated)]
        let (rate, channels, layout, fmt) = unsafe {
            let r = frame.as_ptr();
            (
                (*r).sample_rate as u32,
                (*r).channels as u16,
                (*r).channel_layout,
                (*r).format,
            )
        };
        let key = (rate, channels, fmt);
        if built_for != Some(key) {
            if let (Some(g), Some(e)) = (graph.as_mut(), enc.as_mut()) {
                g.push(None, &mut outs)?;
                let tb = g.out_tb;
                send(e, tb, &mut outs)?;
            }
            if enc.is_none() {
                let e = codec::open_audio(&cfg)?;
                mux.send(MuxMsg::Ready {
                    slot,
                    params: e.parameters()?,
                    tb: e.time_base(),
                    matrix: None,
                    rate: None,
                })
                .map_err(|_| Error::Interrupted)?;
                enc = Some(e);
            }
            let input = AudioFormat {
                sample_rate: rate,
                channels,
                channel_layout: layout,
                // SAFETY: the frame's format field is an AVSampleFormat.
                sample_fmt: unsafe { std::mem::transmute::<i32, ff::ffi::AVSampleFormat>(fmt) }.into(),
                time_base: Rational::new(1, rate.max(1) as i32),
            };
            let fs = enc.as_ref().map(|e| e.frame_size()).unwrap_or(0);
            graph = Some(AudioLavfi::new(&plan.chain, &input, fs)?);
            built_for = Some(key);
        }
        let mut frame = frame;
        // Audio frames go into the graph in samples (1/rate), whatever the stream's time base was.
        // SAFETY: timestamp field of a frame we own.
        unsafe {
            let r = frame.as_mut_ptr();
            if (*r).pts != NOPTS {
                (*r).pts = media::rescale((*r).pts, in_tb, Rational::new(1, rate.max(1) as i32));
            }
        }
        if let (Some(g), Some(e)) = (graph.as_mut(), enc.as_mut()) {
            g.push(Some(&frame), &mut outs)?;
            let tb = g.out_tb;
            send(e, tb, &mut outs)?;
        }
    }
    match (graph.as_mut(), enc.as_mut()) {
        (Some(g), Some(e)) => {
            g.push(None, &mut outs)?;
            let tb = g.out_tb;
            send(e, tb, &mut outs)?;
            e.send(None)?;
            while let Some(pkt) = e.receive()? {
                mux.send(MuxMsg::Packet { slot, pkt, tb: enc_tb })
                    .map_err(|_| Error::Interrupted)?;
            }
            Ok(())
        }
        _ => mux.send(MuxMsg::Absent { slot }).map_err(|_| Error::Interrupted),
    }
}

/// One stream of an output, as its encoder (or the input, for stream copy) hands it over.
pub struct SinkStream {
    pub params: ff::codec::Parameters,
    /// Time base of the packets that will arrive for this stream.
    pub time_base: Rational,
    /// Display matrix side data to carry (rotation).
    pub display_matrix: Option<Vec<u8>>,
    pub frame_rate: Option<Rational>,
}

/// Where an output's packets go. A file muxer by default; the packager and network pushers bring their own.
///
/// The runtime calls `start` once every stream of the output is known (video first, then audio), then `write` for
/// each packet in increasing dts per stream, then `finish` once. Errors end the run.
pub trait PacketSink: Send {
    fn start(&mut self, streams: Vec<SinkStream>) -> Result<()>;
    /// A packet of stream `index` (its position in `start`'s list), timestamps in `tb`.
    fn write(&mut self, index: usize, pkt: ff::Packet, tb: Rational) -> Result<()>;
    /// Bytes written so far, for progress.
    fn bytes(&self) -> u64;
    fn finish(&mut self) -> Result<()>;
}

/// The default sink: one libavformat muxer writing a file (or stdout).
struct FileMuxer {
    path: String,
    container: crate::format::Container,
    octx: ff::format::context::Output,
    /// Output stream index for each `start` stream.
    stream_index: Vec<usize>,
}

impl FileMuxer {
    fn new(path: &str, url: &str, container: &crate::format::Container) -> Result<Self> {
        let octx = ff::format::output_as(url, &container.muxer).map_err(|e| out_err(path, e))?;
        Ok(FileMuxer {
            path: path.to_string(),
            container: container.clone(),
            octx,
            stream_index: Vec::new(),
        })
    }
}

fn out_err(path: &str, e: ff::Error) -> Error {
    match e {
        // A reader that closed our stdout early (`| head`) is not an error worth a message.
        ff::Error::Other { errno } if errno == libc::EPIPE => Error::IoBare(std::io::ErrorKind::BrokenPipe.into()),
        e => Error::Ffmpeg(format!("{path}: {}", e.to_string().to_lowercase())),
    }
}

impl PacketSink for FileMuxer {
    fn start(&mut self, streams: Vec<SinkStream>) -> Result<()> {
        self.stream_index = open_streams(&mut self.octx, streams, &self.container, &self.path)?;
        Ok(())
    }

    fn write(&mut self, index: usize, mut pkt: ff::Packet, tb: Rational) -> Result<()> {
        let si = self.stream_index[index];
        let Some(st_tb) = self.octx.stream(si).map(|s| s.time_base()) else {
            return Ok(());
        };
        pkt.rescale_ts(tb, st_tb);
        pkt.set_stream(si);
        pkt.set_position(-1);
        pkt.write_interleaved(&mut self.octx)
            .map_err(|e| out_err(&self.path, e))
    }

    fn bytes(&self) -> u64 {
        // SAFETY: reading the byte position of the output's I/O context.
        unsafe {
            let pb = (*self.octx.as_ptr()).pb;
            if pb.is_null() {
                0
            } else {
                ff::ffi::avio_seek(pb, 0, libc::SEEK_CUR).max(0) as u64
            }
        }
    }

    fn finish(&mut self) -> Result<()> {
        self.octx.write_trailer().map_err(|e| out_err(&self.path, e))
    }
}

/// Collects an output's streams, then forwards packets to its sink with increasing dts per stream.
fn mux_thread(
    path: &str,
    slots: usize,
    rx: Receiver<MuxMsg>,
    mut sink: Box<dyn PacketSink>,
    stats: Option<Arc<Stats>>,
    byte_stats: Arc<Stats>,
    written: Arc<AtomicU64>,
) -> Result<u64> {
    let mut ready: Vec<Option<ReadyStream>> = (0..slots).map(|_| None).collect();
    let mut absent = vec![false; slots];
    let mut pending: Vec<(usize, ff::Packet, Rational)> = Vec::new();
    let mut slot_index: Vec<Option<usize>> = vec![None; slots];
    let mut slot_video = vec![false; slots];
    let mut started = false;
    let mut video_frames = 0u64;
    let us = Rational::new(1, 1_000_000);
    let mut last_dts: Vec<i64> = vec![i64::MIN; slots];
    let mut write = |sink: &mut Box<dyn PacketSink>,
                     slot_index: &[Option<usize>],
                     slot_video: &[bool],
                     slot: usize,
                     mut pkt: ff::Packet,
                     tb: Rational,
                     video_frames: &mut u64|
     -> Result<()> {
        let Some(index) = slot_index[slot] else { return Ok(()) };
        // Muxers require increasing dts; repair the rare encoder or input that violates it.
        if let Some(d) = pkt.dts() {
            if d <= last_dts[slot] && last_dts[slot] != i64::MIN {
                let fixed = last_dts[slot] + 1;
                pkt.set_dts(Some(fixed));
                if pkt.pts().is_some_and(|p| p < fixed) {
                    pkt.set_pts(Some(fixed));
                }
            }
            last_dts[slot] = pkt.dts().unwrap_or(d);
        }
        if slot == 0 && slot_video[slot] {
            *video_frames += 1;
        }
        if let (Some(s), Some(ts)) = (&stats, pkt.pts().or(pkt.dts())) {
            let t = media::rescale(ts + pkt.duration(), tb, us);
            s.out_us.fetch_max(t, Ordering::Relaxed);
        }
        sink.write(index, pkt, tb)
    };
    let start = |sink: &mut Box<dyn PacketSink>,
                 ready: &mut [Option<ReadyStream>],
                 slot_index: &mut [Option<usize>],
                 slot_video: &mut [bool]|
     -> Result<()> {
        let mut streams = Vec::new();
        for (slot, r) in ready.iter_mut().enumerate() {
            let Some((params, tb, matrix, rate)) = r.take() else {
                continue;
            };
            slot_index[slot] = Some(streams.len());
            slot_video[slot] = params.medium() == ff::media::Type::Video;
            streams.push(SinkStream {
                params,
                time_base: tb,
                display_matrix: matrix,
                frame_rate: rate,
            });
        }
        sink.start(streams)
    };
    let mut size_seen = 0u64;
    for msg in rx.iter() {
        match msg {
            MuxMsg::Ready {
                slot,
                params,
                tb,
                matrix,
                rate,
            } => ready[slot] = Some((params, tb, matrix, rate)),
            MuxMsg::Absent { slot } => absent[slot] = true,
            MuxMsg::Packet { slot, pkt, tb } => {
                if started {
                    write(&mut sink, &slot_index, &slot_video, slot, pkt, tb, &mut video_frames)?;
                } else {
                    pending.push((slot, pkt, tb));
                }
            }
        }
        if !started && (0..slots).all(|s| ready[s].is_some() || absent[s]) {
            if (0..slots).all(|s| absent[s]) {
                return Err(Error::Malformed(format!(
                    "{path}: no frames were decoded from the input"
                )));
            }
            start(&mut sink, &mut ready, &mut slot_index, &mut slot_video)?;
            started = true;
            for (slot, pkt, tb) in pending.drain(..) {
                write(&mut sink, &slot_index, &slot_video, slot, pkt, tb, &mut video_frames)?;
            }
        }
        let pos = sink.bytes();
        if pos > size_seen {
            byte_stats.bytes.fetch_add(pos - size_seen, Ordering::Relaxed);
            size_seen = pos;
        }
    }
    if !started {
        if (0..slots).any(|s| ready[s].is_some()) {
            start(&mut sink, &mut ready, &mut slot_index, &mut slot_video)?;
            for (slot, pkt, tb) in pending.drain(..) {
                write(&mut sink, &slot_index, &slot_video, slot, pkt, tb, &mut video_frames)?;
            }
        } else {
            return Err(Error::Malformed(format!(
                "{path}: nothing was encoded (the input has no decodable frames)"
            )));
        }
    }
    sink.finish()?;
    written.store(sink.bytes(), Ordering::Relaxed);
    Ok(video_frames)
}

fn open_streams(
    octx: &mut ff::format::context::Output,
    streams: Vec<SinkStream>,
    container: &crate::format::Container,
    path: &str,
) -> Result<Vec<usize>> {
    let mut indices = Vec::new();
    for SinkStream {
        params,
        time_base: tb,
        display_matrix: matrix,
        frame_rate: rate,
    } in streams
    {
        // SAFETY: adding a stream to an output context that has not written its header; copying parameters.
        unsafe {
            let st = ff::ffi::avformat_new_stream(octx.as_mut_ptr(), std::ptr::null());
            if st.is_null() {
                return Err(Error::Limit(format!("{path}: cannot add a stream")));
            }
            if ff::ffi::avcodec_parameters_copy((*st).codecpar, params.as_ptr()) < 0 {
                return Err(Error::Ffmpeg(format!("{path}: cannot copy codec parameters")));
            }
            (*(*st).codecpar).codec_tag = 0;
            (*st).time_base = tb.into();
            if let Some(r) = rate.filter(|r| r.numerator() > 0 && r.denominator() > 0) {
                (*st).avg_frame_rate = r.into();
                (*st).r_frame_rate = r.into();
                // Y4M has no timestamps: its header rate is the stream time base.
                if container.muxer == "yuv4mpegpipe" {
                    (*st).time_base = r.invert().into();
                }
            }
            if let Some(m) = matrix {
                let sd = ff::ffi::av_stream_new_side_data(
                    st,
                    ff::ffi::AVPacketSideDataType::AV_PKT_DATA_DISPLAYMATRIX,
                    m.len(),
                );
                if !sd.is_null() {
                    std::ptr::copy_nonoverlapping(m.as_ptr(), sd, m.len());
                }
            }
            indices.push((*st).index as usize);
        }
    }
    let mut opts = ff::Dictionary::new();
    for (k, v) in &container.options {
        opts.set(k, v);
    }
    octx.write_header_with(opts)
        .map_err(|e| Error::Ffmpeg(format!("{path}: cannot write header: {}", e.to_string().to_lowercase())))?;
    Ok(indices)
}
