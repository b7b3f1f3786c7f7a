//! The probe report as serde data, with ffprobe's field names and value conventions (`-show_format -show_streams`).
//!
//! ffprobe's JSON writer prints some values as numbers (`width`, `channels`, `nb_streams`) and others as strings
//! (`duration` as "10.000000", `bit_rate`, `sample_rate`, `size`, `nb_frames`), and leaves out fields whose value is
//! unknown. These structs do the same, so scripts written against ffprobe can read reel's output unchanged.

use serde::{Deserialize, Serialize};

/// Metadata tags in the order the container stores them.
pub type Tags = serde_json::Map<String, serde_json::Value>;

/// Everything reel knows about one input: its streams and its container, like `ffprobe -show_streams -show_format`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub streams: Vec<StreamInfo>,
    pub format: FormatInfo,
}

/// The container: ffprobe's `format` section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FormatInfo {
    pub filename: String,
    pub nb_streams: u32,
    pub nb_programs: u32,
    pub format_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format_long_name: Option<String>,
    /// Seconds as "%f" text, e.g. "0.000000".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// Seconds as "%f" text, e.g. "2.400000".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// Bytes, as text; absent for pipes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Bits per second, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_rate: Option<String>,
    pub probe_score: i32,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// One stream: ffprobe's `streams[]` entries. Video-only and audio-only fields are absent for the other kinds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamInfo {
    pub index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec_long_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// "video", "audio", "subtitle", "data" or "attachment".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec_type: Option<String>,
    pub codec_tag_string: String,
    pub codec_tag: String,

    // Video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coded_width: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coded_height: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_captions: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub film_grain: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_b_frames: Option<i32>,
    /// "1:1".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_aspect_ratio: Option<String>,
    /// "16:9".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_aspect_ratio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pix_fmt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_space: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_transfer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_primaries: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chroma_location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_order: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refs: Option<i32>,
    /// H.264 only: "true" when the stream is in avcC (length-prefixed) form rather than Annex B.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_avc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nal_length_size: Option<String>,

    // Audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_fmt: Option<String>,
    /// Hz, as text: "48000".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_layout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits_per_sample: Option<i32>,

    /// The container's stream id, "0x100", for containers that have them (MP4, MPEG-TS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// "25/1"; "0/0" when unknown (audio).
    pub r_frame_rate: String,
    pub avg_frame_rate: String,
    pub time_base: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_pts: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ts: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_rate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bit_rate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits_per_raw_sample: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nb_frames: Option<String>,
    /// Frames counted by decoding the whole stream (not filled by reel: it counts packets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nb_read_frames: Option<String>,
    /// Packets counted by demuxing the whole stream (only when asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nb_read_packets: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extradata_size: Option<i32>,
    pub disposition: Disposition,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub side_data_list: Vec<SideData>,
}

/// The stream's disposition flags, each 0 or 1, in ffprobe 5.1's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disposition {
    pub default: u8,
    pub dub: u8,
    pub original: u8,
    pub comment: u8,
    pub lyrics: u8,
    pub karaoke: u8,
    pub forced: u8,
    pub hearing_impaired: u8,
    pub visual_impaired: u8,
    pub clean_effects: u8,
    pub attached_pic: u8,
    pub timed_thumbnails: u8,
    pub captions: u8,
    pub descriptions: u8,
    pub metadata: u8,
    pub dependent: u8,
    pub still_image: u8,
}

/// One entry of a stream's side data: the display matrix (rotation), HDR metadata, or just the type's name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SideData {
    /// "Display Matrix", "Content light level metadata", ...
    pub side_data_type: String,
    /// The 3x3 matrix as ffprobe prints it (a hex-offset dump, one row per line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub displaymatrix: Option<String>,
    /// Degrees counter-clockwise, as ffprobe computes it from the display matrix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<i64>,
    /// Type-specific fields (mastering display primaries, content light levels).
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// One demuxed packet, as ffprobe's `-show_packets` prints it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PacketRecord {
    pub codec_type: String,
    pub stream_index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pts: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pts_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dts: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dts_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_time: Option<String>,
    pub size: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pos: Option<String>,
    /// "K_": K keyframe, D discard.
    pub flags: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub side_data_list: Vec<SideData>,
}

/// One decoded frame, as ffprobe's `-show_frames` prints it (the commonly used fields).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FrameRecord {
    pub media_type: String,
    pub stream_index: u32,
    pub key_frame: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pts: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pts_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkt_dts: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkt_dts_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_effort_timestamp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_effort_timestamp_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkt_duration: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkt_duration_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkt_pos: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkt_size: Option<String>,
    // Video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pix_fmt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_aspect_ratio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pict_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coded_picture_number: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_picture_number: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interlaced_frame: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_field_first: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_pict: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_space: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_primaries: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_transfer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chroma_location: Option<String>,
    // Audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_fmt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nb_samples: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_layout: Option<String>,
}

impl StreamInfo {
    /// Rotation in degrees from the display matrix side data, if the stream has one.
    pub fn rotation(&self) -> Option<i64> {
        self.side_data_list.iter().find_map(|s| s.rotation)
    }

    /// Duration in seconds, parsed from ffprobe's text form.
    pub fn duration_seconds(&self) -> Option<f64> {
        self.duration.as_deref().and_then(|d| d.parse().ok())
    }
}

impl FormatInfo {
    /// Duration in seconds, parsed from ffprobe's text form.
    pub fn duration_seconds(&self) -> Option<f64> {
        self.duration.as_deref().and_then(|d| d.parse().ok())
    }
}
