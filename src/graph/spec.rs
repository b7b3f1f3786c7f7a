//! `GraphSpec`: the plain data model of a pipeline that flags and YAML presets both produce.
//!
//! Every field is optional so that layers (built-in defaults < preset < `--set` < flags) can be merged; the
//! builder fills what is still missing with documented defaults.

use serde::{Deserialize, Serialize};

/// A whole pipeline: one input, one or more outputs. Presets may give `video`/`audio` at the top level as
/// shorthand for every output's settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphSpec {
    /// Preset format version (1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// What the preset is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<InputSpec>,
    /// Settings shared by every output (an output's own settings win).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioSpec>,
    /// Output container options shared by every output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<OutputSpec>,
    /// Packaging settings (used by `package`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageSpec>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// Path, `-` for stdin, or a URL libavformat opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Demuxer name when it cannot be guessed (pipes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Start position in seconds (accurate: frames before it are decoded and dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seek: Option<f64>,
    /// How many seconds to read from the start position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// Rotate video upright according to the display matrix (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autorotate: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Output path or `-` for stdout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Container: mp4, fmp4, mkv, webm, mpegts, flv, nut, y4m, wav (guessed from the extension by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioSpec>,
}

/// Video encoding and filtering settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoSpec {
    /// h264, hevc, av1, vp9, copy, none (or any libavcodec encoder name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    /// Constant-quality factor (x264/x265 CRF, rav1e quantizer mapped, libvpx CRF).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crf: Option<f32>,
    /// Target average bit rate (e.g. 3M).
    #[serde(
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub bitrate: Option<String>,
    #[serde(
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub maxrate: Option<String>,
    #[serde(
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub bufsize: Option<String>,
    /// Encoder speed: x264 preset name (ultrafast..placebo) or 0..10 (rav1e speed, libvpx cpu-used).
    #[serde(
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub speed: Option<String>,
    /// Keyframe interval: `2s` (seconds) or `48` (frames). Closed GOPs, no scene-cut keyframes in between.
    #[serde(
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub gop: Option<String>,
    /// x264/x265 tune (film, animation, zerolatency, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tune: Option<String>,
    /// Codec profile (high, main, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Output pixel format (yuv420p, yuv420p10le, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pix_fmt: Option<String>,
    /// Filter chain, ffmpeg syntax: `scale=-2:720,fps=30`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<String>,
    /// Constant output frame rate (variable-frame-rate input keeps its timing otherwise).
    #[serde(
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub fps: Option<String>,
    /// Output height for ladder rungs (width follows the aspect ratio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Extra encoder options (libavcodec AVOptions, e.g. `x264-params: "aq-mode=3"`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub options: std::collections::BTreeMap<String, String>,
    /// ABR ladder rungs (package).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renditions: Vec<RenditionSpec>,
}

/// One rung of an ABR ladder.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenditionSpec {
    pub name: String,
    pub height: u32,
    #[serde(
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub bitrate: Option<String>,
    #[serde(
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub maxrate: Option<String>,
    #[serde(
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub bufsize: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crf: Option<f32>,
}

/// Audio encoding and filtering settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioSpec {
    /// aac, opus, mp3, flac, pcm, copy, none (or any libavcodec encoder name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    #[serde(
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub bitrate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<u16>,
    /// Filter chain, ffmpeg syntax: `volume=0.5,loudnorm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<String>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub options: std::collections::BTreeMap<String, String>,
}

/// Packaging settings for `package`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hls: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dash: Option<bool>,
    #[serde(
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub segment: Option<String>,
    /// cmaf or ts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

impl VideoSpec {
    /// Overlays `other` on `self`: every field `other` sets wins.
    pub fn merge(&mut self, other: &VideoSpec) {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f.clone(); } )* };
        }
        take!(
            codec, crf, bitrate, maxrate, bufsize, speed, gop, tune, profile, pix_fmt, filters, fps, height
        );
        for (k, v) in &other.options {
            self.options.insert(k.clone(), v.clone());
        }
        if !other.renditions.is_empty() {
            self.renditions = other.renditions.clone();
        }
    }
}

impl AudioSpec {
    /// Overlays `other` on `self`: every field `other` sets wins.
    pub fn merge(&mut self, other: &AudioSpec) {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f.clone(); } )* };
        }
        take!(codec, bitrate, sample_rate, channels, filters);
        for (k, v) in &other.options {
            self.options.insert(k.clone(), v.clone());
        }
    }
}

impl GraphSpec {
    /// The effective settings of every output: the top-level `video`/`audio`/`format` under each output's own.
    /// A spec without `outputs` has one implicit output.
    pub fn resolved_outputs(&self) -> Vec<OutputSpec> {
        let base = if self.outputs.is_empty() {
            vec![OutputSpec::default()]
        } else {
            self.outputs.clone()
        };
        base.into_iter()
            .map(|o| {
                let mut video = self.video.clone().unwrap_or_default();
                if let Some(v) = &o.video {
                    video.merge(v);
                }
                let mut audio = self.audio.clone().unwrap_or_default();
                if let Some(a) = &o.audio {
                    audio.merge(a);
                }
                OutputSpec {
                    path: o.path,
                    format: o.format.or_else(|| self.format.clone()),
                    video: Some(video),
                    audio: Some(audio),
                }
            })
            .collect()
    }
}

/// Accepts a YAML string or a bare number/bool for a text setting (`speed: 8`, `gop: 48`, `bitrate: 3000000`),
/// so presets and `--set video.speed=10` need no quoting.
fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Int(i64),
        Float(f64),
        Bool(bool),
    }
    Ok(Option::<Scalar>::deserialize(d)?.map(|s| match s {
        Scalar::Text(t) => t,
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Bool(b) => b.to_string(),
    }))
}
