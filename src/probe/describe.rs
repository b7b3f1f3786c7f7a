//! Fills the ffprobe-compatible report from an opened AVFormatContext, field by field as ffprobe 5.1 does.

use crate::probe::input::Demuxer;
use crate::probe::model::{Disposition, FormatInfo, ProbeReport, SideData, StreamInfo, Tags};
use crate::probe::raw::{self, int_field};
use ffmpeg_next::ffi;
use serde_json::Value;

/// libavutil's AVMasteringDisplayMetadata (mastering_display_metadata.h, not in ffmpeg-sys's bindings).
#[repr(C)]
#[derive(Clone, Copy)]
struct MasteringDisplay {
    display_primaries: [[ffi::AVRational; 2]; 3],
    white_point: [ffi::AVRational; 2],
    min_luminance: ffi::AVRational,
    max_luminance: ffi::AVRational,
    has_primaries: libc::c_int,
    has_luminance: libc::c_int,
}

/// Describes the container and every stream.
pub(crate) fn describe(demuxer: &Demuxer, filename: &str) -> ProbeReport {
    let streams = demuxer
        .streams()
        .into_iter()
        .map(|st| describe_stream(demuxer.ctx, st))
        .collect();
    ProbeReport {
        streams,
        format: describe_format(demuxer.ctx, filename),
    }
}

fn tags(dict: *const ffi::AVDictionary) -> Tags {
    // SAFETY: the dictionary belongs to a live context or stream.
    unsafe { raw::dict_entries(dict) }
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}

fn describe_format(ctx: *mut ffi::AVFormatContext, filename: &str) -> FormatInfo {
    let av_time_base_q = ffi::AVRational {
        num: 1,
        den: ffi::AV_TIME_BASE,
    };
    // SAFETY: ctx is an opened, probed context; iformat is set by avformat_open_input.
    unsafe {
        let c = &*ctx;
        let (format_name, format_long_name) = if c.iformat.is_null() {
            (String::from("unknown"), None)
        } else {
            (
                raw::string((*c.iformat).name).unwrap_or_default(),
                raw::string((*c.iformat).long_name),
            )
        };
        let size = if c.pb.is_null() { -1 } else { ffi::avio_size(c.pb) };
        FormatInfo {
            filename: filename.to_string(),
            nb_streams: c.nb_streams,
            nb_programs: c.nb_programs,
            format_name,
            format_long_name,
            start_time: raw::time_text(c.start_time, av_time_base_q),
            duration: raw::time_text(c.duration, av_time_base_q),
            size: (size >= 0).then(|| size.to_string()),
            bit_rate: (c.bit_rate > 0).then(|| c.bit_rate.to_string()),
            probe_score: c.probe_score,
            tags: tags(c.metadata),
        }
    }
}

fn describe_stream(ctx: *mut ffi::AVFormatContext, st: *mut ffi::AVStream) -> StreamInfo {
    // SAFETY: `st` is a live stream of `ctx` with codec parameters allocated by libavformat.
    unsafe {
        let s = &*st;
        let par = s.codecpar;
        let codec_id = int_field!((*par).codec_id);
        let codec_type = int_field!((*par).codec_type);
        let (codec_name, codec_long_name) = raw::codec_names(codec_id);
        let has_decoder = !raw::find_decoder(codec_id).is_null();
        let tag = (*par).codec_tag;
        let mut info = StreamInfo {
            index: s.index.max(0) as u32,
            codec_name: Some(codec_name.unwrap_or_else(|| "unknown".into())),
            codec_long_name: Some(codec_long_name.unwrap_or_else(|| "unknown".into())),
            profile: raw::profile_name(codec_id, (*par).profile)
                .or_else(|| ((*par).profile != ffi::FF_PROFILE_UNKNOWN).then(|| (*par).profile.to_string())),
            codec_type: raw::media_type_name(codec_type),
            codec_tag_string: fourcc(tag),
            codec_tag: format!("0x{tag:04x}"),
            ..StreamInfo::default()
        };
        match codec_type {
            t if t == ffi::AVMediaType::AVMEDIA_TYPE_VIDEO as i32 => {
                let (w, h) = ((*par).width, (*par).height);
                info.width = Some(w);
                info.height = Some(h);
                if has_decoder {
                    // ffprobe reads these from a freshly opened decoder, which starts from the stream's size.
                    info.coded_width = Some(w);
                    info.coded_height = Some(h);
                    info.closed_captions = Some(0);
                    info.film_grain = Some(0);
                }
                info.has_b_frames = Some((*par).video_delay);
                let sar = ffi::av_guess_sample_aspect_ratio(ctx, st, std::ptr::null_mut());
                if sar.num != 0 {
                    info.sample_aspect_ratio = Some(raw::rational(sar, ':'));
                    let mut dar = ffi::AVRational { num: 0, den: 0 };
                    ffi::av_reduce(
                        &mut dar.num,
                        &mut dar.den,
                        i64::from(w) * i64::from(sar.num),
                        i64::from(h) * i64::from(sar.den),
                        1024 * 1024,
                    );
                    info.display_aspect_ratio = Some(raw::rational(dar, ':'));
                }
                info.pix_fmt = raw::pix_fmt_name((*par).format);
                info.level = Some((*par).level);
                let range = int_field!((*par).color_range);
                let space = int_field!((*par).color_space);
                let trc = int_field!((*par).color_trc);
                let primaries = int_field!((*par).color_primaries);
                let chroma = int_field!((*par).chroma_location);
                // "Unspecified" is left out, as ffprobe does.
                info.color_range = (range != 0).then(|| raw::color_range_name(range)).flatten();
                info.color_space = (space != 2).then(|| raw::color_space_name(space)).flatten();
                info.color_transfer = (trc != 2).then(|| raw::color_transfer_name(trc)).flatten();
                info.color_primaries = (primaries != 2).then(|| raw::color_primaries_name(primaries)).flatten();
                info.chroma_location = (chroma != 0).then(|| raw::chroma_location_name(chroma)).flatten();
                info.field_order = match int_field!((*par).field_order) {
                    1 => Some("progressive"),
                    2 => Some("tt"),
                    3 => Some("bb"),
                    4 => Some("tb"),
                    5 => Some("bt"),
                    _ => None,
                }
                .map(String::from);
                if has_decoder {
                    info.refs = Some(1);
                }
                if codec_id == ffi::AVCodecID::AV_CODEC_ID_H264 as i32 && has_decoder {
                    // The H.264 decoder exports these two options; ffprobe prints them. They come from avcC.
                    let extradata = extradata(par);
                    let is_avc = extradata.first() == Some(&1);
                    info.is_avc = Some(is_avc.to_string());
                    let nal = if is_avc {
                        extradata.get(4).map_or(0, |b| (b & 3) + 1)
                    } else {
                        0
                    };
                    info.nal_length_size = Some(nal.to_string());
                }
            }
            t if t == ffi::AVMediaType::AVMEDIA_TYPE_AUDIO as i32 => {
                info.sample_fmt = raw::sample_fmt_name((*par).format);
                info.sample_rate = Some((*par).sample_rate.to_string());
                info.channels = Some((*par).ch_layout.nb_channels);
                info.channel_layout = channel_layout(par);
                info.bits_per_sample = Some(raw::bits_per_sample(codec_id));
            }
            t if t == ffi::AVMediaType::AVMEDIA_TYPE_SUBTITLE as i32 => {
                info.width = ((*par).width != 0).then_some((*par).width);
                info.height = ((*par).height != 0).then_some((*par).height);
            }
            _ => {}
        }
        if !(*ctx).iformat.is_null() && (*(*ctx).iformat).flags & ffi::AVFMT_SHOW_IDS != 0 {
            info.id = Some(format!("0x{:x}", s.id));
        }
        info.r_frame_rate = raw::rational(s.r_frame_rate, '/');
        info.avg_frame_rate = raw::rational(s.avg_frame_rate, '/');
        info.time_base = raw::rational(s.time_base, '/');
        info.start_pts = (s.start_time != ffi::AV_NOPTS_VALUE).then_some(s.start_time);
        info.start_time = raw::time_text(s.start_time, s.time_base);
        info.duration_ts = (s.duration != ffi::AV_NOPTS_VALUE).then_some(s.duration);
        info.duration = raw::time_text(s.duration, s.time_base);
        info.bit_rate = ((*par).bit_rate > 0).then(|| (*par).bit_rate.to_string());
        if has_decoder && (*par).bits_per_raw_sample > 0 {
            info.bits_per_raw_sample = Some((*par).bits_per_raw_sample.to_string());
        }
        info.nb_frames = (s.nb_frames != 0).then(|| s.nb_frames.to_string());
        if (*par).extradata_size > 0 {
            info.extradata_size = Some((*par).extradata_size);
        }
        info.disposition = disposition(s.disposition);
        info.tags = tags(s.metadata);
        info.side_data_list = side_data(s.side_data, s.nb_side_data);
        info
    }
}

/// The codec's extradata, empty when there is none.
///
/// # Safety
/// `par` is valid and its extradata pointer/size pair is consistent (libavformat keeps it so).
unsafe fn extradata<'a>(par: *const ffi::AVCodecParameters) -> &'a [u8] {
    // SAFETY: per the contract.
    unsafe {
        if (*par).extradata.is_null() || (*par).extradata_size <= 0 {
            &[]
        } else {
            std::slice::from_raw_parts((*par).extradata, (*par).extradata_size as usize)
        }
    }
}

/// The channel layout as FFmpeg names it ("stereo", "5.1(side)"); None when the order is unspecified.
///
/// # Safety
/// `par` is valid.
unsafe fn channel_layout(par: *const ffi::AVCodecParameters) -> Option<String> {
    // SAFETY: ch_layout is initialised by libavformat; describe writes at most `buf.len()` bytes.
    unsafe {
        let layout = &(*par).ch_layout;
        if int_field!(layout.order) == ffi::AVChannelOrder::AV_CHANNEL_ORDER_UNSPEC as i32 {
            return None;
        }
        let mut buf = [0 as libc::c_char; 128];
        let ret = ffi::av_channel_layout_describe(layout, buf.as_mut_ptr(), buf.len());
        if ret < 0 {
            return None;
        }
        buf[buf.len() - 1] = 0;
        raw::string(buf.as_ptr())
    }
}

/// A codec tag as four printable characters, unprintable bytes as `[n]`, like av_fourcc_make_string.
fn fourcc(tag: u32) -> String {
    tag.to_le_bytes()
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || b" ._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("[{b}]")
            }
        })
        .collect()
}

fn disposition(d: libc::c_int) -> Disposition {
    let f = |flag: libc::c_int| u8::from(d & flag != 0);
    Disposition {
        default: f(ffi::AV_DISPOSITION_DEFAULT),
        dub: f(ffi::AV_DISPOSITION_DUB),
        original: f(ffi::AV_DISPOSITION_ORIGINAL),
        comment: f(ffi::AV_DISPOSITION_COMMENT),
        lyrics: f(ffi::AV_DISPOSITION_LYRICS),
        karaoke: f(ffi::AV_DISPOSITION_KARAOKE),
        forced: f(ffi::AV_DISPOSITION_FORCED),
        hearing_impaired: f(ffi::AV_DISPOSITION_HEARING_IMPAIRED),
        visual_impaired: f(ffi::AV_DISPOSITION_VISUAL_IMPAIRED),
        clean_effects: f(ffi::AV_DISPOSITION_CLEAN_EFFECTS),
        attached_pic: f(ffi::AV_DISPOSITION_ATTACHED_PIC),
        timed_thumbnails: f(ffi::AV_DISPOSITION_TIMED_THUMBNAILS),
        captions: f(ffi::AV_DISPOSITION_CAPTIONS),
        descriptions: f(ffi::AV_DISPOSITION_DESCRIPTIONS),
        metadata: f(ffi::AV_DISPOSITION_METADATA),
        dependent: f(ffi::AV_DISPOSITION_DEPENDENT),
        still_image: f(ffi::AV_DISPOSITION_STILL_IMAGE),
    }
}

/// Stream or packet side data; the display matrix gets its dump and rotation, HDR metadata its values, skip
/// samples their counts, as ffprobe prints them.
///
/// # Safety
/// `list` is null or holds `count` entries, each with `size` readable bytes at `data`.
pub(crate) unsafe fn side_data(list: *const ffi::AVPacketSideData, count: libc::c_int) -> Vec<SideData> {
    if list.is_null() || count <= 0 {
        return Vec::new();
    }
    // SAFETY: per the contract.
    let entries = unsafe { std::slice::from_raw_parts(list, count as usize) };
    entries
        .iter()
        .map(|sd| {
            // SAFETY: see above.
            let kind = unsafe { int_field!(sd.type_) };
            let bytes: &[u8] = if sd.data.is_null() {
                &[]
            } else {
                unsafe { std::slice::from_raw_parts(sd.data, sd.size) }
            };
            let mut out = SideData {
                side_data_type: raw::side_data_name(kind).unwrap_or_else(|| "unknown".into()),
                ..SideData::default()
            };
            if kind == ffi::AVPacketSideDataType::AV_PKT_DATA_DISPLAYMATRIX as i32 && bytes.len() >= 36 {
                let m: Vec<i32> = bytes[..36]
                    .chunks_exact(4)
                    .map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                let mut dump = String::from("\n");
                for (row, vals) in m.chunks(3).enumerate() {
                    dump.push_str(&format!("{row:08x}:  {:11} {:11} {:11}\n", vals[0], vals[1], vals[2]));
                }
                out.displaymatrix = Some(dump);
                // SAFETY: the matrix has nine int32 values, copied to an aligned array.
                let rotation = unsafe { ffi::av_display_rotation_get(m.as_ptr()) };
                out.rotation = Some(if rotation.is_finite() { rotation as i64 } else { 0 });
            } else if kind == ffi::AVPacketSideDataType::AV_PKT_DATA_CONTENT_LIGHT_LEVEL as i32 && bytes.len() >= 8 {
                let max_content = u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                let max_average = u32::from_ne_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
                out.fields.insert("max_content".into(), max_content.into());
                out.fields.insert("max_average".into(), max_average.into());
            } else if kind == ffi::AVPacketSideDataType::AV_PKT_DATA_MASTERING_DISPLAY_METADATA as i32
                && bytes.len() >= std::mem::size_of::<MasteringDisplay>()
            {
                // SAFETY: the size was checked; read_unaligned copes with any alignment.
                let md = unsafe { std::ptr::read_unaligned(sd.data as *const MasteringDisplay) };
                let q = |r: ffi::AVRational| Value::String(raw::rational(r, '/'));
                if md.has_primaries != 0 {
                    for (name, i) in [("red", 0), ("green", 1), ("blue", 2)] {
                        out.fields.insert(format!("{name}_x"), q(md.display_primaries[i][0]));
                        out.fields.insert(format!("{name}_y"), q(md.display_primaries[i][1]));
                    }
                    out.fields.insert("white_point_x".into(), q(md.white_point[0]));
                    out.fields.insert("white_point_y".into(), q(md.white_point[1]));
                }
                if md.has_luminance != 0 {
                    out.fields.insert("min_luminance".into(), q(md.min_luminance));
                    out.fields.insert("max_luminance".into(), q(md.max_luminance));
                }
            } else if kind == ffi::AVPacketSideDataType::AV_PKT_DATA_MPEGTS_STREAM_ID as i32 && !bytes.is_empty() {
                out.fields.insert("id".into(), bytes[0].into());
            } else if kind == ffi::AVPacketSideDataType::AV_PKT_DATA_SKIP_SAMPLES as i32 && bytes.len() >= 10 {
                let le32 = |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
                out.fields.insert("skip_samples".into(), le32(0).into());
                out.fields.insert("discard_padding".into(), le32(4).into());
                out.fields.insert("skip_reason".into(), bytes[8].into());
                out.fields.insert("discard_reason".into(), bytes[9].into());
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourcc_prints_like_ffmpeg() {
        assert_eq!(fourcc(u32::from_le_bytes(*b"avc1")), "avc1");
        assert_eq!(fourcc(0), "[0][0][0][0]");
    }

    #[test]
    fn disposition_flags_map_to_fields() {
        let d = disposition(ffi::AV_DISPOSITION_DEFAULT | ffi::AV_DISPOSITION_FORCED);
        assert_eq!((d.default, d.forced, d.dub), (1, 1, 0));
    }
}
