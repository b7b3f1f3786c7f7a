//! The LL-HLS packager of one rendition: a [`PacketSink`] that cuts the packets it is given into CMAF parts and
//! segments, publishes them into a [`LiveStream`] with the media playlist that lists them, and deletes what
//! slides out of the window.
//!
//! Parts are cut on the timing stream (video when there is one): a part ends before the frame that would take
//! it past the part target, a segment ends before a keyframe once it has reached the segment target. Each packet
//! is held until the next one of its stream arrives so its duration is exact (one frame of delay, ~33 ms).

use super::dash::{DashSegment, DashTrack, SessionStart};
use super::fragment::CmafWriter;
use super::hls::{LiveTiming, MediaPlaylist};
use super::{LivePlaylist, LiveStream};
use crate::error::Result;
use crate::graph::run::{PacketSink, SinkStream};
use bytes::{Bytes, BytesMut};
use ff::Rational;
use ffmpeg_next as ff;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// What a rendition is, for the multivariant playlist.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RenditionInfo {
    /// RFC 6381 codec strings, comma-separated.
    pub codecs: String,
    pub resolution: Option<(u32, u32)>,
    pub frame_rate: Option<f64>,
    /// Peak bit rate of a segment so far (bits/s).
    pub peak_bitrate: u64,
}

/// A rendition's state that outlives one publisher session, so a publisher that comes back continues the same
/// playlist (after an `EXT-X-DISCONTINUITY`).
pub struct Rendition {
    /// Path prefix of its files inside the stream (`720p/`).
    pub prefix: String,
    pub playlist: MediaPlaylist,
    /// Init segments written so far (each session writes a new one: codecs may change).
    inits: u32,
    pub info: RenditionInfo,
    /// Set once a complete segment has been published.
    pub has_segment: bool,
    /// Init segments still served (each listed by some segment in the window); oldest first.
    maps: Vec<String>,
    /// Live DASH: the rendition's tracks as separate CMAF (video, audio).
    pub dash: Vec<DashTrack>,
    /// Bumped on every DASH segment, so the MPD is rewritten only when it changes.
    pub dash_version: u64,
}

impl Rendition {
    pub fn new(prefix: &str, timing: LiveTiming) -> Arc<Mutex<Rendition>> {
        Arc::new(Mutex::new(Rendition {
            prefix: prefix.to_string(),
            playlist: MediaPlaylist::new(timing),
            inits: 0,
            info: RenditionInfo::default(),
            has_segment: false,
            maps: Vec::new(),
            dash: Vec::new(),
            dash_version: 0,
        }))
    }
}

/// Maps output media time to the wall clock at which the publisher sent it (for `EXT-X-PROGRAM-DATE-TIME`).
pub trait MediaClock: Send + Sync {
    /// Wall-clock time at which input media time `seconds` (input timeline) was received.
    fn wall_at(&self, seconds: f64) -> Option<SystemTime>;
}

/// Called after every publish of a rendition (the session rebuilds the multivariant playlist from it).
pub type OnPublished = Arc<dyn Fn() + Send + Sync>;

/// The publisher session a sink belongs to, for DASH periods: its number and the stream's session starts.
#[derive(Clone)]
pub struct DashSession {
    pub number: u32,
    pub starts: Arc<Mutex<std::collections::BTreeMap<u32, SessionStart>>>,
}

/// Where each rendition of a stream has got to (prefix → last msn and part), for `EXT-X-RENDITION-REPORT`: a
/// player switching renditions can then ask the other playlist for the right part at once. Its own lock, never
/// held while a rendition is locked the other way round.
pub type RenditionReports = Arc<Mutex<std::collections::BTreeMap<String, (u64, u64)>>>;

/// Per-track DASH writer state of a sink.
struct DashWriter {
    writer: CmafWriter,
    /// Index into the rendition's `dash` tracks.
    track: usize,
    first: Option<f64>,
    end: f64,
}

/// Packages one output of the live graph.
pub struct LlHlsSink {
    stream: Arc<LiveStream>,
    rendition: Arc<Mutex<Rendition>>,
    clock: Option<Arc<dyn MediaClock>>,
    /// Added to output seconds to get input seconds (the graph starts outputs at zero).
    input_start: f64,
    on_published: Option<OnPublished>,
    writer: Option<CmafWriter>,
    time_bases: Vec<Rational>,
    timing_stream: usize,
    held: Vec<Option<ff::Packet>>,
    /// Streams whose AAC packets carry ADTS headers (MPEG-TS input), stripped before muxing.
    adts: Vec<bool>,
    started: bool,
    part_start: f64,
    segment_start: f64,
    part_independent: bool,
    frame_duration: f64,
    segment: BytesMut,
    segment_date: Option<SystemTime>,
    bytes: u64,
    finished: bool,
    dash_session: Option<DashSession>,
    dash: Vec<Option<DashWriter>>,
    /// Media time (output seconds) of the first frame packaged in this session.
    first_media: Option<f64>,
    reports: Option<RenditionReports>,
}

impl LlHlsSink {
    pub fn new(
        stream: Arc<LiveStream>,
        rendition: Arc<Mutex<Rendition>>,
        clock: Option<Arc<dyn MediaClock>>,
        input_start: f64,
        on_published: Option<OnPublished>,
    ) -> Self {
        LlHlsSink {
            stream,
            rendition,
            clock,
            input_start,
            on_published,
            writer: None,
            time_bases: Vec::new(),
            timing_stream: 0,
            held: Vec::new(),
            adts: Vec::new(),
            started: false,
            part_start: 0.0,
            segment_start: 0.0,
            part_independent: false,
            frame_duration: 0.0,
            segment: BytesMut::new(),
            segment_date: None,
            bytes: 0,
            finished: false,
            dash_session: None,
            dash: Vec::new(),
            first_media: None,
            reports: None,
        }
    }

    /// Lists the other renditions of the stream in this one's playlist (`EXT-X-RENDITION-REPORT`).
    pub fn with_reports(mut self, reports: RenditionReports) -> Self {
        self.reports = Some(reports);
        self
    }

    /// Also package live DASH (per-track segments) for this publisher session.
    pub fn with_dash(mut self, session: DashSession) -> Self {
        self.dash_session = Some(session);
        self
    }

    /// Ends the DASH segment `number` on every track (at the HLS segment boundary).
    fn cut_dash(&mut self, r: &mut Rendition, number: u64) -> Result<()> {
        let Some(session) = self.dash_session.clone() else {
            return Ok(());
        };
        if let Some(date) = self.segment_date_of_first() {
            let mut starts = session.starts.lock().unwrap_or_else(|p| p.into_inner());
            starts.entry(session.number).or_insert(date);
        }
        let window = r.playlist.timing().window;
        for w in self.dash.iter_mut().flatten() {
            let data = w.writer.fragment()?;
            let Some(first) = w.first.take() else { continue };
            if data.is_empty() {
                continue;
            }
            let track = &mut r.dash[w.track];
            let ts = track.timescale as f64;
            let seconds = (w.end - first).max(1e-3);
            track.bandwidth = track.bandwidth.max((data.len() as f64 * 8.0 / seconds * 1.2) as u64);
            self.stream.put_segment(&track.segment_name(number), data);
            track.segments.push_back(DashSegment {
                number,
                session: session.number,
                start: (first * ts).round() as u64,
                duration: ((w.end * ts).round() as u64).saturating_sub((first * ts).round() as u64),
            });
            while track.segments.len() > window {
                let Some(old) = track.segments.pop_front() else { break };
                self.stream.remove(&track.segment_name(old.number));
                if !track.segments.iter().any(|s| s.session == old.session) {
                    self.stream.remove(&track.init_name(old.session));
                }
            }
        }
        r.dash_version += 1;
        Ok(())
    }

    /// The wall clock and media time of this session's first frame, once known.
    fn segment_date_of_first(&self) -> Option<SessionStart> {
        let clock = self.clock.as_ref()?;
        let media = self.first_media?;
        Some(SessionStart {
            wall: clock.wall_at(media + self.input_start)?,
            media,
        })
    }

    fn seconds(&self, index: usize, ts: i64) -> f64 {
        let tb = self.time_bases[index];
        ts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator().max(1))
    }

    /// Closes the fragment being built as a part (and the segment with it when `end_segment`), and publishes.
    fn cut(&mut self, next_start: f64, end_segment: bool) -> Result<()> {
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        let data = writer.fragment()?;
        let duration = (next_start - self.part_start).max(0.0);
        let rendition = self.rendition.clone();
        let mut r = rendition.lock().unwrap_or_else(|p| p.into_inner());
        if !data.is_empty() {
            if self.segment.is_empty() {
                self.segment_date = self
                    .clock
                    .as_ref()
                    .and_then(|c| c.wall_at(self.part_start + self.input_start));
            }
            let name = r.playlist.next_part_name();
            self.stream.put_segment(&format!("{}{name}", r.prefix), data.clone());
            r.playlist.add_part(duration, self.part_independent, self.segment_date);
            self.segment.extend_from_slice(&data);
            self.bytes += data.len() as u64;
        }
        let number = r.playlist.current_msn();
        if end_segment && let Some((name, removed)) = r.playlist.end_segment() {
            self.cut_dash(&mut r, number)?;
            let seg = std::mem::take(&mut self.segment).freeze();
            let seconds = (next_start - self.segment_start).max(0.001);
            let rate = (seg.len() as f64 * 8.0 / seconds) as u64;
            r.info.peak_bitrate = r.info.peak_bitrate.max(rate);
            r.has_segment = true;
            self.stream.put_segment(&format!("{}{name}", r.prefix), seg);
            for old in removed {
                self.stream.remove(&format!("{}{old}", r.prefix));
            }
            self.segment_start = next_start;
        }
        self.publish_playlist(&mut r);
        drop(r);
        if let Some(f) = &self.on_published {
            f();
        }
        Ok(())
    }

    fn publish_playlist(&self, r: &mut Rendition) {
        let (mut text, progress) = r.playlist.render();
        if let Some(reports) = &self.reports {
            let mut reports = reports.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(last) = progress.part.or(progress.parts.checked_sub(1)) {
                reports.insert(r.prefix.clone(), (progress.msn, last));
            }
            for (prefix, (msn, part)) in reports.iter().filter(|(p, _)| **p != r.prefix) {
                text.push_str(&format!(
                    "#EXT-X-RENDITION-REPORT:URI=\"../{prefix}index.m3u8\",LAST-MSN={msn},LAST-PART={part}\n"
                ));
            }
        }
        // Init segments no longer listed by any segment in the window are deleted.
        while r.maps.len() > 1 && !text.contains(&format!("\"{}\"", r.maps[0])) {
            let old = r.maps.remove(0);
            self.stream.remove(&format!("{}{old}", r.prefix));
        }
        self.stream.put_playlist(
            &format!("{}index.m3u8", r.prefix),
            LivePlaylist {
                text: Bytes::from(text),
                progress,
                target_duration: r.playlist.target_duration(),
                ended: false,
            },
        );
        let next = format!("{}{}", r.prefix, r.playlist.next_part_name());
        if self.finished {
            // Nothing more is coming from this session: requests blocked on the hint get 404 now.
            self.stream.remove(&next);
        } else {
            self.stream.hint(&next);
        }
    }

    /// Writes a held packet, giving it a duration from the packet that follows it.
    fn release(&mut self, index: usize, next_dts: Option<i64>) -> Result<()> {
        let Some(mut pkt) = self.held[index].take() else {
            return Ok(());
        };
        if pkt.duration() <= 0 {
            let d = match (next_dts, pkt.dts()) {
                (Some(n), Some(d)) if n > d => n - d,
                _ => {
                    let tb = self.time_bases[index];
                    (self.frame_duration * f64::from(tb.denominator()) / f64::from(tb.numerator().max(1))).round()
                        as i64
                }
            };
            pkt.set_duration(d.max(1));
        }
        let tb = self.time_bases[index];
        if let Some(Some(d)) = self.dash.get_mut(index) {
            if let Some(dts) = pkt.dts() {
                let start = dts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator().max(1));
                let end =
                    (dts + pkt.duration()) as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator().max(1));
                d.first.get_or_insert(start);
                d.end = d.end.max(end);
            }
            d.writer.write(0, pkt.clone(), tb)?;
        }
        if let Some(w) = self.writer.as_mut() {
            w.write(index, pkt, tb)?;
        }
        Ok(())
    }
}

impl PacketSink for LlHlsSink {
    fn start(&mut self, streams: Vec<SinkStream>) -> Result<()> {
        let mut streams = streams;
        self.adts = streams.iter_mut().map(|s| add_aac_config(&mut s.params)).collect();
        self.time_bases = streams.iter().map(|s| s.time_base).collect();
        self.held = streams.iter().map(|_| None).collect();
        self.timing_stream = streams
            .iter()
            .position(|s| s.params.medium() == ff::media::Type::Video)
            .unwrap_or(0);
        let (writer, init) = CmafWriter::new(&streams)?;
        let mut info = RenditionInfo::default();
        let mut codecs = Vec::new();
        for s in &streams {
            codecs.push(codec_string(&s.params, &init));
            // SAFETY: reading dimensions of valid codec parameters.
            let (w, h) = unsafe { ((*s.params.as_ptr()).width, (*s.params.as_ptr()).height) };
            if s.params.medium() == ff::media::Type::Video && w > 0 && h > 0 {
                info.resolution = Some((w as u32, h as u32));
                info.frame_rate = s
                    .frame_rate
                    .filter(|r| r.numerator() > 0 && r.denominator() > 0)
                    .map(|r| f64::from(r.numerator()) / f64::from(r.denominator()));
            }
        }
        info.codecs = codecs.join(",");
        self.writer = Some(writer);
        let mut r = self.rendition.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(session) = self.dash_session.clone() {
            self.dash = Vec::new();
            for s in &streams {
                let video = s.params.medium() == ff::media::Type::Video;
                if !video && s.params.medium() != ff::media::Type::Audio {
                    self.dash.push(None);
                    continue;
                }
                let (writer, init) = CmafWriter::new(std::slice::from_ref(s))?;
                let kind = if video { "video" } else { "audio" };
                let name = r.prefix.trim_end_matches('/').to_string();
                let track = match r.dash.iter().position(|t| t.kind == kind) {
                    Some(i) => i,
                    None => {
                        let path = format!("{}dash-{}", r.prefix, if video { "v" } else { "a" });
                        r.dash.push(DashTrack {
                            kind,
                            id: if video { name.clone() } else { format!("{name}-audio") },
                            path,
                            codecs: String::new(),
                            bandwidth: 0,
                            width: 0,
                            height: 0,
                            frame_rate: None,
                            sample_rate: 0,
                            channels: 0,
                            timescale: 1,
                            segments: Default::default(),
                        });
                        r.dash.len() - 1
                    }
                };
                // SAFETY: reading fields of valid codec parameters.
                let (w, h, rate) = unsafe {
                    let p = &*s.params.as_ptr();
                    (p.width, p.height, p.sample_rate)
                };
                #[allow(deprecated)]
                // SAFETY: as above.
                let channels = unsafe { (*s.params.as_ptr()).channels };
                let t = &mut r.dash[track];
                t.codecs = codec_string(&s.params, &init);
                t.width = w.max(0) as u32;
                t.height = h.max(0) as u32;
                t.frame_rate = s
                    .frame_rate
                    .filter(|r| r.numerator() > 0 && r.denominator() > 0)
                    .map(|r| f64::from(r.numerator()) / f64::from(r.denominator()));
                t.sample_rate = rate.max(0) as u32;
                t.channels = channels.max(0) as u16;
                t.timescale = writer.timescale(0);
                self.stream.put_segment(&t.init_name(session.number), init);
                self.dash.push(Some(DashWriter {
                    writer,
                    track,
                    first: None,
                    end: 0.0,
                }));
            }
        }
        let map = format!("init{}.mp4", r.inits);
        r.inits += 1;
        self.stream.put_segment(&format!("{}{map}", r.prefix), init);
        r.maps.push(map.clone());
        info.peak_bitrate = r.info.peak_bitrate;
        r.info = info;
        r.playlist.begin(&map);
        Ok(())
    }

    fn write(&mut self, index: usize, pkt: ff::Packet, tb: Rational) -> Result<()> {
        if index >= self.time_bases.len() {
            return Ok(());
        }
        let mut pkt = pkt;
        if self.adts[index] {
            pkt = strip_adts(pkt);
        }
        if tb != self.time_bases[index] {
            pkt.rescale_ts(tb, self.time_bases[index]);
        }
        let Some(dts) = pkt.dts().or(pkt.pts()) else {
            return Ok(());
        };
        let t = self.seconds(index, dts);
        if index == self.timing_stream {
            if !self.started {
                // Parts start at a keyframe: drop what comes before the first one.
                if !pkt.is_key() {
                    return Ok(());
                }
                self.started = true;
                self.first_media = Some(t);
                self.part_start = t;
                self.segment_start = t;
                self.part_independent = true;
            } else {
                let previous = self.held[index].as_ref().and_then(|p| p.dts());
                if let Some(p) = previous {
                    let d = self.seconds(index, dts - p);
                    if d > 0.0 {
                        self.frame_duration = d;
                    }
                }
                self.release(index, Some(dts))?;
                let timing = self.rendition.lock().map(|r| r.playlist.timing()).unwrap_or_default();
                // Within half a frame of the target counts as reached (timestamps in ms jitter by one).
                let eps = self.frame_duration / 2.0;
                let segment_due = pkt.is_key() && t - self.segment_start + eps >= timing.segment;
                let part_due = t - self.part_start + eps >= timing.part;
                if segment_due || part_due {
                    self.cut(t, segment_due)?;
                    self.part_start = t;
                    self.part_independent = pkt.is_key();
                }
            }
        } else {
            if !self.started {
                return Ok(());
            }
            self.release(index, Some(dts))?;
        }
        self.held[index] = Some(pkt);
        Ok(())
    }

    fn bytes(&self) -> u64 {
        self.bytes
    }

    fn finish(&mut self) -> Result<()> {
        if self.finished {
            return Ok(());
        }
        let end = self.held[..]
            .get(self.timing_stream)
            .and_then(|p| p.as_ref())
            .and_then(|p| p.dts())
            .map(|d| self.seconds(self.timing_stream, d) + self.frame_duration);
        for i in 0..self.held.len() {
            self.release(i, None)?;
        }
        self.finished = true;
        if self.started {
            self.cut(end.unwrap_or(self.part_start), true)?;
        }
        let mut r = self.rendition.lock().unwrap_or_else(|p| p.into_inner());
        r.playlist.pause();
        self.publish_playlist(&mut r);
        Ok(())
    }
}

impl Drop for LlHlsSink {
    /// A session that failed midway still leaves a playlist without a preload hint for a part that never comes.
    fn drop(&mut self) {
        if !self.finished {
            self.finished = true;
            let mut r = self.rendition.lock().unwrap_or_else(|p| p.into_inner());
            r.playlist.pause();
            self.publish_playlist(&mut r);
        }
    }
}

/// The RFC 6381 string of a stream (read from the init segment made for it), or the codec's name when unknown.
fn codec_string(params: &ff::codec::Parameters, init: &[u8]) -> String {
    crate::package::codecs::codec_string(params, init).unwrap_or_else(|| params.id().name().to_string())
}

/// AAC from MPEG-TS comes as ADTS without an AudioSpecificConfig, but an MP4 init segment (written before the
/// first packet) needs one: build it from the stream's profile, rate and channels. Returns whether the packets
/// carry ADTS headers (to strip).
fn add_aac_config(params: &mut ff::codec::Parameters) -> bool {
    // SAFETY: reading and (when absent) setting extradata of codec parameters we own; the buffer comes from
    // av_mallocz with the padding libavcodec requires.
    unsafe {
        let p = &mut *params.as_mut_ptr();
        if p.codec_id != ff::ffi::AVCodecID::AV_CODEC_ID_AAC || p.extradata_size > 0 {
            return false;
        }
        const RATES: [i32; 13] = [
            96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
        ];
        let Some(rate_index) = RATES.iter().position(|&r| r == p.sample_rate) else {
            return true;
        };
        let object_type = if p.profile >= 0 { p.profile as u16 + 1 } else { 2 };
        #[allow(deprecated)]
        let channels = p.channels.clamp(1, 7) as u16;
        let config = (object_type << 11) | ((rate_index as u16) << 7) | (channels << 3);
        let data = ff::ffi::av_mallocz(2 + ff::ffi::AV_INPUT_BUFFER_PADDING_SIZE as usize) as *mut u8;
        if data.is_null() {
            return true;
        }
        *data = (config >> 8) as u8;
        *data.add(1) = config as u8;
        p.extradata = data;
        p.extradata_size = 2;
        true
    }
}

/// The raw AAC frame of an ADTS packet (7-byte header, 9 with CRC); other packets unchanged.
fn strip_adts(pkt: ff::Packet) -> ff::Packet {
    let Some(data) = pkt.data() else { return pkt };
    if data.len() < 9 || data[0] != 0xff || data[1] & 0xf0 != 0xf0 {
        return pkt;
    }
    let header = if data[1] & 1 == 1 { 7 } else { 9 };
    let mut out = ff::Packet::copy(&data[header..]);
    out.set_pts(pkt.pts());
    out.set_dts(pkt.dts());
    out.set_duration(pkt.duration());
    out.set_flags(pkt.flags());
    out
}
