//! Encoders behind one push/pull contract: libavcodec (x264, x265, libvpx, libopus, aac ...), rav1e, fdk-aac.

#[cfg(feature = "fdk-aac")]
pub mod fdk;
pub mod lavc;
pub mod rav1e_enc;

use crate::error::{Error, Result};
use ff::Rational;
use ffmpeg_next as ff;
use std::collections::BTreeMap;

/// An opened encoder: frames in, packets out, in the encoder's time base.
pub trait Encoder: Send {
    /// The encoder's name for logs (`libx264`, `rav1e`, `fdk-aac`).
    fn name(&self) -> &str;
    /// Sends one frame, or `None` at end of stream to drain.
    fn send(&mut self, frame: Option<&ff::Frame>) -> Result<()>;
    /// Returns the next packet when one is ready.
    fn receive(&mut self) -> Result<Option<ff::Packet>>;
    /// Time base of the packets' timestamps.
    fn time_base(&self) -> Rational;
    /// Codec parameters for the muxer (codec id, size, extradata ...).
    fn parameters(&self) -> Result<ff::codec::Parameters>;
    /// Fixed number of samples per audio frame the encoder wants (0: any).
    fn frame_size(&self) -> u32 {
        0
    }
}

/// Which implementation a codec name maps to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncoderKind {
    /// A libavcodec encoder by its libavcodec name.
    Lavc(String),
    Rav1e,
    #[cfg(feature = "fdk-aac")]
    FdkAac,
}

impl EncoderKind {
    pub fn display_name(&self) -> String {
        match self {
            EncoderKind::Lavc(n) => n.clone(),
            EncoderKind::Rav1e => "rav1e".into(),
            #[cfg(feature = "fdk-aac")]
            EncoderKind::FdkAac => "fdk-aac".into(),
        }
    }
}

/// Maps a user codec name (h264, hevc, av1, vp9, aac, opus ... or a libavcodec encoder name) to an encoder.
pub fn resolve_encoder(name: &str, video: bool) -> Result<EncoderKind> {
    let lavc = match name {
        "h264" | "avc" | "x264" | "libx264" => "libx264",
        "hevc" | "h265" | "x265" | "libx265" => "libx265",
        "av1" | "rav1e" => return Ok(EncoderKind::Rav1e),
        "vp9" => "libvpx-vp9",
        "vp8" => "libvpx",
        #[cfg(feature = "fdk-aac")]
        "aac" | "fdk-aac" | "fdk_aac" => return Ok(EncoderKind::FdkAac),
        #[cfg(not(feature = "fdk-aac"))]
        "aac" => "aac",
        "opus" => "libopus",
        "mp3" => "libmp3lame",
        "pcm" => "pcm_s16le",
        "prores" => "prores_ks",
        other => other,
    };
    let codec = ff::encoder::find_by_name(lavc).ok_or_else(|| {
        Error::Unsupported(format!(
            "unknown {} codec '{name}'",
            if video { "video" } else { "audio" }
        ))
    })?;
    let medium = codec.medium();
    if video && medium != ff::media::Type::Video || !video && medium != ff::media::Type::Audio {
        return Err(Error::InvalidArgument(format!(
            "'{name}' is not a {} codec",
            if video { "video" } else { "audio" }
        )));
    }
    Ok(EncoderKind::Lavc(lavc.to_string()))
}

/// Pixel formats an encoder accepts (empty: any).
pub fn video_formats(kind: &EncoderKind) -> Vec<ff::format::Pixel> {
    use ff::format::Pixel;
    match kind {
        EncoderKind::Rav1e => vec![Pixel::YUV420P, Pixel::YUV420P10LE],
        EncoderKind::Lavc(name) => ff::encoder::find_by_name(name)
            .and_then(|c| c.video().ok())
            .and_then(|v| v.formats().map(|f| f.collect()))
            .unwrap_or_default(),
        #[cfg(feature = "fdk-aac")]
        EncoderKind::FdkAac => vec![],
    }
}

/// What an audio encoder accepts: sample formats, rates (empty: any), max channels.
pub struct AudioCaps {
    pub formats: Vec<ff::format::Sample>,
    pub rates: Vec<u32>,
    pub max_channels: u16,
}

pub fn audio_caps(kind: &EncoderKind) -> AudioCaps {
    match kind {
        #[cfg(feature = "fdk-aac")]
        EncoderKind::FdkAac => AudioCaps {
            formats: vec![ff::format::Sample::I16(ff::format::sample::Type::Packed)],
            rates: vec![
                96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000,
            ],
            max_channels: 2,
        },
        EncoderKind::Lavc(name) => {
            let a = ff::encoder::find_by_name(name).and_then(|c| c.audio().ok());
            let formats = a
                .as_ref()
                .and_then(|a| a.formats().map(|f| f.collect()))
                .unwrap_or_default();
            let rates = a
                .as_ref()
                .and_then(|a| a.rates().map(|r| r.map(|x| x as u32).collect()))
                .unwrap_or_default();
            let max_channels = if name == "libopus" || name == "libmp3lame" {
                2
            } else {
                8
            };
            AudioCaps {
                formats,
                rates,
                max_channels,
            }
        }
        EncoderKind::Rav1e => AudioCaps {
            formats: vec![],
            rates: vec![],
            max_channels: 0,
        },
    }
}

/// Everything a video encoder needs to open.
#[derive(Clone, Debug)]
pub struct VideoEncoderConfig {
    pub kind: EncoderKind,
    pub width: u32,
    pub height: u32,
    pub pix_fmt: ff::format::Pixel,
    pub time_base: Rational,
    pub frame_rate: Option<Rational>,
    pub sample_aspect_ratio: Rational,
    pub crf: Option<f32>,
    pub bitrate: Option<u64>,
    pub maxrate: Option<u64>,
    pub bufsize: Option<u64>,
    pub speed: Option<String>,
    /// Keyframe interval in frames (closed GOPs, no scene-cut keyframes).
    pub gop_frames: Option<u32>,
    pub tune: Option<String>,
    pub profile: Option<String>,
    pub options: BTreeMap<String, String>,
    pub global_header: bool,
    pub threads: usize,
}

/// Everything an audio encoder needs to open.
#[derive(Clone, Debug)]
pub struct AudioEncoderConfig {
    pub kind: EncoderKind,
    pub sample_rate: u32,
    pub channels: u16,
    pub channel_layout: u64,
    pub sample_fmt: ff::format::Sample,
    pub bitrate: Option<u64>,
    pub options: BTreeMap<String, String>,
    pub global_header: bool,
}

/// Opens a video encoder.
pub fn open_video(cfg: &VideoEncoderConfig) -> Result<Box<dyn Encoder>> {
    if is_420(cfg.pix_fmt) && (cfg.width % 2 == 1 || cfg.height % 2 == 1) {
        return Err(Error::InvalidArgument(format!(
            "odd dimensions {}x{} cannot be encoded as {} (scale to even sizes, e.g. scale=-2:720)",
            cfg.width,
            cfg.height,
            crate::media::pix_fmt_name(cfg.pix_fmt)
        )));
    }
    match &cfg.kind {
        EncoderKind::Rav1e => Ok(Box::new(rav1e_enc::Rav1eEncoder::open(cfg)?)),
        EncoderKind::Lavc(_) => Ok(Box::new(lavc::LavcEncoder::open_video(cfg)?)),
        #[cfg(feature = "fdk-aac")]
        EncoderKind::FdkAac => Err(Error::InvalidArgument("aac is not a video codec".into())),
    }
}

/// Opens an audio encoder.
pub fn open_audio(cfg: &AudioEncoderConfig) -> Result<Box<dyn Encoder>> {
    match &cfg.kind {
        #[cfg(feature = "fdk-aac")]
        EncoderKind::FdkAac => Ok(Box::new(fdk::FdkAacEncoder::open(cfg)?)),
        EncoderKind::Lavc(_) => Ok(Box::new(lavc::LavcEncoder::open_audio(cfg)?)),
        EncoderKind::Rav1e => Err(Error::InvalidArgument("av1 is not an audio codec".into())),
    }
}

fn is_420(p: ff::format::Pixel) -> bool {
    let name = crate::media::pix_fmt_name(p);
    name.starts_with("yuv420") || name.starts_with("yuvj420") || name == "nv12" || name == "nv21" || name == "p010le"
}
