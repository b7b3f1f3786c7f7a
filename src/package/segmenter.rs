//! The packaging sink: cuts one rendition's packets into segments at the ladder's boundaries and writes them.
//!
//! Video is cut at the first keyframe at or after each boundary (the encoders force IDR frames exactly there, so
//! every rendition cuts at the same instants); audio at the first packet at or after it. What was written is
//! recorded in a shared [`Track`] that the manifest writers read once the run ends.

use super::codecs::codec_string;
use super::fragment::{FragmentFormat, Fragmenter, boxes};
use crate::error::{Error, Result};
use crate::graph::{PacketSink, SinkStream};
use crate::media::NOPTS;
use ff::Rational;
use ffmpeg_next as ff;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One written segment.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Segment {
    /// Start and duration in the track's timescale (presentation time).
    pub start: i64,
    pub duration: i64,
    pub size: u64,
    /// Byte offset in the rendition's single file (0 with one file per segment).
    pub offset: u64,
    /// Bytes from the segment's start that cover its first keyframe (I-frame playlists); 0 for audio.
    pub keyframe_len: u64,
    /// File name, relative to the rendition's directory.
    pub file: String,
}

/// What one rendition ended up with.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Track {
    /// Rendition name: the directory under the package and the DASH Representation id.
    pub name: String,
    pub video: bool,
    pub codecs: String,
    pub width: u32,
    pub height: u32,
    pub frame_rate: Option<(i32, i32)>,
    pub sample_rate: u32,
    pub channels: u32,
    /// Units per second of `start`/`duration`.
    pub timescale: u32,
    /// Media time of the presentation's zero, in `timescale` units (DASH presentationTimeOffset).
    pub presentation_offset: i64,
    /// File holding the init segment (CMAF) and its byte length.
    pub init_file: Option<String>,
    pub init_len: u64,
    /// Single-file mode: the file and the byte range of its sidx box.
    pub single_file: Option<String>,
    pub index_range: Option<(u64, u64)>,
    pub segments: Vec<Segment>,
}

impl Track {
    pub fn duration_seconds(&self) -> f64 {
        self.segments.iter().map(|s| s.duration).sum::<i64>() as f64 / self.timescale.max(1) as f64
    }

    /// Peak bit rate over segments (HLS BANDWIDTH).
    pub fn peak_bit_rate(&self) -> u64 {
        self.segments
            .iter()
            .filter(|s| s.duration > 0)
            .map(|s| (s.size as f64 * 8.0 * self.timescale as f64 / s.duration as f64) as u64)
            .max()
            .unwrap_or(0)
    }

    /// Mean bit rate over the whole track (HLS AVERAGE-BANDWIDTH, DASH bandwidth).
    pub fn average_bit_rate(&self) -> u64 {
        let d = self.duration_seconds();
        if d <= 0.0 {
            return 0;
        }
        (self.segments.iter().map(|s| s.size).sum::<u64>() as f64 * 8.0 / d) as u64
    }

    pub fn total_size(&self) -> u64 {
        self.init_len + self.segments.iter().map(|s| s.size).sum::<u64>()
    }
}

/// How a rendition is segmented.
#[derive(Clone, Debug)]
pub struct SegmentConfig {
    pub name: String,
    /// The rendition's directory (created by the sink).
    pub dir: PathBuf,
    pub format: FragmentFormat,
    /// Target segment duration, seconds.
    pub target: f64,
    pub single_file: bool,
    /// Added to every timestamp (seconds), the same for every rendition of a package, so that no decode time is
    /// negative (B-frame delay, audio priming) and all tracks keep one timeline.
    pub timeline_offset: f64,
}

struct Open {
    start: i64,
    /// The segment's file name (one file per segment).
    file: String,
    keyframe_len: u64,
    packets: u64,
}

/// A [`PacketSink`] writing one rendition's segments.
pub struct SegmentSink {
    cfg: SegmentConfig,
    track: Arc<Mutex<Track>>,
    frag: Option<Fragmenter>,
    in_tb: Rational,
    video: bool,
    current: Option<Open>,
    /// Latest end time seen (pts + duration), input time base.
    end: i64,
    /// Single-file mode: the media bytes, written after the init segment and sidx at the end.
    body: Option<(PathBuf, std::fs::File)>,
    body_len: u64,
    bytes: u64,
    /// Packets before the first keyframe (copied inputs) cannot start a segment.
    skipped: u64,
    /// Set while the codecs string still has to be read from the first keyframe.
    codec_id: Option<ff::codec::Id>,
}

impl SegmentSink {
    pub fn new(cfg: SegmentConfig, track: Arc<Mutex<Track>>) -> Self {
        SegmentSink {
            cfg,
            track,
            frag: None,
            in_tb: Rational::new(1, 1),
            video: false,
            current: None,
            end: i64::MIN,
            body: None,
            body_len: 0,
            bytes: 0,
            skipped: 0,
            codec_id: None,
        }
    }

    fn io(&self, path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
        let p = path.to_path_buf();
        move |e| Error::io(&p, e)
    }

    fn to_track(&self, t: i64) -> i64 {
        let tb = self.frag.as_ref().map(|f| f.time_base()).unwrap_or(self.in_tb);
        crate::media::rescale(t, self.in_tb, tb)
    }

    /// Ends the open segment at `end` (input time base) and writes it.
    fn close_segment(&mut self, end: i64) -> Result<()> {
        let Some(open) = self.current.take() else { return Ok(()) };
        let start = self.to_track(open.start);
        let duration = self.to_track(end) - start;
        let cmaf_video = self.video && self.cfg.format == FragmentFormat::Cmaf;
        let frag = self.frag.as_mut().expect("started");
        let piece = frag.cut()?;
        let size = piece.size;
        let mut keyframe_len = open.keyframe_len;
        if cmaf_video {
            // Up to the end of the first sample: moof, the mdat header, the keyframe.
            if let Some((_, at, _)) = boxes(piece.bytes).into_iter().find(|(k, _, _)| k == b"mdat") {
                keyframe_len = (at as u64 + 8 + open.keyframe_len).min(size);
            }
        }
        let (file, offset) = if self.body.is_some() {
            let off = self.body_len;
            self.body_len += size;
            (single_name(self.cfg.format).to_string(), off)
        } else {
            (open.file, 0)
        };
        self.bytes += size;
        if let Ok(mut t) = self.track.lock() {
            t.segments.push(Segment {
                start,
                duration: duration.max(0),
                size,
                offset,
                keyframe_len: if self.video { keyframe_len } else { 0 },
                file,
            });
        }
        Ok(())
    }

    /// The timeline offset in the input time base.
    fn shift(&self) -> i64 {
        (self.cfg.timeline_offset / f64::from(self.in_tb)).round() as i64
    }

    fn next_boundary(&self, start: i64) -> i64 {
        // Boundaries count from the presentation's zero, so every rendition and the audio cut at the same times.
        let origin = self.shift();
        let target = (self.cfg.target / f64::from(self.in_tb)).round().max(1.0) as i64;
        // The first boundary after the segment's start (a little slack for timestamps rounded by the encoder).
        let k = (start - origin + target / 1000) / target + 1;
        origin + k * target
    }
}

fn single_name(format: FragmentFormat) -> &'static str {
    match format {
        FragmentFormat::Cmaf => "media.mp4",
        FragmentFormat::Ts => "media.ts",
    }
}

impl PacketSink for SegmentSink {
    fn start(&mut self, streams: Vec<SinkStream>) -> Result<()> {
        let Some(stream) = streams.into_iter().next() else {
            return Err(Error::Malformed(format!("{}: nothing to package", self.cfg.name)));
        };
        std::fs::create_dir_all(&self.cfg.dir).map_err(self.io(&self.cfg.dir.clone()))?;
        self.in_tb = stream.time_base;
        self.video = stream.params.medium() == ff::media::Type::Video;
        let frag = Fragmenter::new(self.cfg.format, &stream)?;
        // The codecs string comes from an mp4 sample entry, also for TS segments.
        let codecs = if self.cfg.format == FragmentFormat::Cmaf {
            codec_string(&stream.params, frag.init())
        } else {
            let probe = Fragmenter::new(FragmentFormat::Cmaf, &stream)?;
            codec_string(&stream.params, probe.init())
        };
        // Without global headers (TS) the parameter sets come with the first keyframe instead.
        let annexb = matches!(stream.params.id(), ff::codec::Id::H264 | ff::codec::Id::HEVC);
        let codecs = match codecs {
            Some(c) => c,
            None if annexb && self.cfg.format == FragmentFormat::Ts => {
                self.codec_id = Some(stream.params.id());
                String::new()
            }
            None => {
                return Err(Error::Unsupported(format!(
                    "{}: no HLS/DASH codecs string for codec {:?}",
                    self.cfg.name,
                    stream.params.id()
                )));
            }
        };
        // SAFETY: reading plain fields of valid codec parameters.
        let (width, height, sample_rate, channels) = unsafe {
            let p = stream.params.as_ptr();
            (
                (*p).width.max(0) as u32,
                (*p).height.max(0) as u32,
                (*p).sample_rate.max(0) as u32,
                (*p).ch_layout.nb_channels.max(0) as u32,
            )
        };
        let tb = frag.time_base();
        let mut init_file = None;
        let init_len = frag.init().len() as u64;
        if self.cfg.format == FragmentFormat::Cmaf && !self.cfg.single_file {
            let path = self.cfg.dir.join("init.mp4");
            std::fs::write(&path, frag.init()).map_err(self.io(&path))?;
            init_file = Some("init.mp4".to_string());
        }
        if self.cfg.single_file {
            let path = self.cfg.dir.join(".media.body");
            let f = std::fs::File::create(&path).map_err(self.io(&path))?;
            self.body = Some((path, f));
        }
        self.bytes += init_len;
        if let Ok(mut t) = self.track.lock() {
            t.name = self.cfg.name.clone();
            t.video = self.video;
            t.codecs = codecs;
            t.width = width;
            t.height = height;
            t.frame_rate = stream.frame_rate.map(|r| (r.numerator(), r.denominator()));
            t.sample_rate = sample_rate;
            t.channels = channels;
            t.timescale = (tb.denominator() / tb.numerator().max(1)) as u32;
            t.presentation_offset = (self.cfg.timeline_offset * t.timescale as f64).round() as i64;
            t.init_file = init_file;
            t.init_len = init_len;
        }
        self.frag = Some(frag);
        Ok(())
    }

    fn write(&mut self, index: usize, pkt: ff::Packet, tb: Rational) -> Result<()> {
        debug_assert_eq!(index, 0);
        let mut pkt = pkt;
        if tb != self.in_tb {
            pkt.rescale_ts(tb, self.in_tb);
        }
        let shift = self.shift();
        if let Some(p) = pkt.pts().filter(|p| *p != NOPTS) {
            pkt.set_pts(Some(p + shift));
        }
        if let Some(d) = pkt.dts().filter(|d| *d != NOPTS) {
            pkt.set_dts(Some(d + shift));
        }
        let pts = match pkt.pts().or(pkt.dts()) {
            Some(p) if p != NOPTS => p,
            _ => self.end.max(0),
        };
        let key = pkt.is_key() || !self.video;
        if self.current.is_none() && !key {
            // A segment must start with a keyframe: copied inputs may begin mid-GOP.
            self.skipped += 1;
            return Ok(());
        }
        if let Some(open) = &self.current
            && key
            && open.packets > 0
            && pts >= self.next_boundary(open.start)
        {
            self.close_segment(pts)?;
        }
        if let Some(id) = self.codec_id
            && key
            && let Some(data) = pkt.data()
        {
            let found = super::codecs::codec_string_from_annexb(id, data).ok_or_else(|| {
                Error::Malformed(format!("{}: no parameter sets in the first keyframe", self.cfg.name))
            })?;
            if let Ok(mut t) = self.track.lock() {
                t.codecs = found;
            }
            self.codec_id = None;
        }
        let size = pkt.size() as u64;
        let duration = pkt.duration().max(0);
        let frag = self
            .frag
            .as_mut()
            .ok_or_else(|| Error::Malformed("packet before stream start".into()))?;
        if self.current.is_none() {
            // The segment's bytes go straight to their file as the muxer produces them.
            let number = self.track.lock().map(|t| t.segments.len()).unwrap_or(0) + 1;
            let file = format!("seg_{number:05}.{}", self.cfg.format.extension());
            let target = match &self.body {
                Some((p, f)) => f.try_clone().map_err(|e| Error::io(p, e))?,
                None => {
                    let p = self.cfg.dir.join(&file);
                    std::fs::File::create(&p).map_err(|e| Error::io(&p, e))?
                }
            };
            frag.piece_to_file(target);
            self.current = Some(Open {
                start: pts,
                file,
                keyframe_len: 0,
                packets: 0,
            });
        }
        let before = frag.position();
        frag.write(pkt, self.in_tb)?;
        let open = self.current.as_mut().expect("opened above");
        if open.packets == 0 && self.video {
            open.keyframe_len = match self.cfg.format {
                FragmentFormat::Cmaf => size,
                // TS writes video packets straight through: the keyframe ends where the buffer now ends.
                FragmentFormat::Ts => frag.position().max(before + size),
            };
        }
        open.packets += 1;
        self.end = self.end.max(pts + duration);
        Ok(())
    }

    fn bytes(&self) -> u64 {
        self.bytes
    }

    fn finish(&mut self) -> Result<()> {
        if self.skipped > 0 {
            tracing::warn!(
                "{}: skipped {} packets before the first keyframe",
                self.cfg.name,
                self.skipped
            );
        }
        let end = self.end;
        self.close_segment(end)?;
        if let Some((body_path, f)) = self.body.take() {
            drop(f);
            let frag = self.frag.as_ref().expect("started");
            let name = single_name(self.cfg.format);
            let path = self.cfg.dir.join(name);
            let mut out = std::io::BufWriter::new(std::fs::File::create(&path).map_err(self.io(&path))?);
            let init = frag.init().to_vec();
            out.write_all(&init).map_err(self.io(&path))?;
            let mut index_range = None;
            let mut shift = init.len() as u64;
            if self.cfg.format == FragmentFormat::Cmaf {
                let sidx = {
                    let t = self.track.lock().map_err(|_| Error::Malformed("track lock".into()))?;
                    sidx_box(&t)
                };
                index_range = Some((init.len() as u64, init.len() as u64 + sidx.len() as u64 - 1));
                out.write_all(&sidx).map_err(self.io(&path))?;
                shift += sidx.len() as u64;
            }
            let mut body = std::fs::File::open(&body_path).map_err(self.io(&body_path))?;
            std::io::copy(&mut body, &mut out).map_err(self.io(&path))?;
            out.flush().map_err(self.io(&path))?;
            let _ = std::fs::remove_file(&body_path);
            if let Ok(mut t) = self.track.lock() {
                for s in t.segments.iter_mut() {
                    s.offset += shift;
                }
                t.single_file = Some(name.to_string());
                t.index_range = index_range;
                if self.cfg.format == FragmentFormat::Cmaf {
                    t.init_file = Some(name.to_string());
                }
            }
        }
        Ok(())
    }
}

/// A version-1 `sidx` box indexing every segment (DASH SegmentBase@indexRange, one reference per segment).
fn sidx_box(track: &Track) -> Vec<u8> {
    let mut b = Vec::new();
    let n = track.segments.len();
    let size = 12 + 4 + 4 + 8 + 8 + 2 + 2 + 12 * n;
    b.extend_from_slice(&(size as u32).to_be_bytes());
    b.extend_from_slice(b"sidx");
    b.extend_from_slice(&[1, 0, 0, 0]);
    b.extend_from_slice(&1u32.to_be_bytes()); // reference_ID: the only track
    b.extend_from_slice(&track.timescale.to_be_bytes());
    let first = track.segments.first().map(|s| s.start.max(0)).unwrap_or(0) as u64;
    b.extend_from_slice(&first.to_be_bytes());
    b.extend_from_slice(&0u64.to_be_bytes()); // first_offset: media follows the sidx directly
    b.extend_from_slice(&0u16.to_be_bytes());
    b.extend_from_slice(&(n as u16).to_be_bytes());
    for s in &track.segments {
        b.extend_from_slice(&((s.size as u32) & 0x7fff_ffff).to_be_bytes());
        b.extend_from_slice(&(s.duration as u32).to_be_bytes());
        // starts_with_SAP = 1, SAP type 1.
        b.extend_from_slice(&0x9000_0000u32.to_be_bytes());
    }
    b
}
