//! Thin, UB-free access to the FFmpeg C API pieces the prober needs that ffmpeg-next does not wrap.
//!
//! FFmpeg stores enums (pixel format, colour, codec id) as C ints. Turning an out-of-range int into a Rust enum is
//! undefined behaviour, so these declarations take and return plain `c_int` and the fields are read as `c_int`.

use ffmpeg_next::ffi;
use libc::{c_char, c_int};
use std::ffi::CStr;

unsafe extern "C" {
    fn av_get_pix_fmt_name(pix_fmt: c_int) -> *const c_char;
    fn av_get_sample_fmt_name(sample_fmt: c_int) -> *const c_char;
    fn av_color_range_name(range: c_int) -> *const c_char;
    fn av_color_primaries_name(primaries: c_int) -> *const c_char;
    fn av_color_transfer_name(transfer: c_int) -> *const c_char;
    fn av_color_space_name(space: c_int) -> *const c_char;
    fn av_chroma_location_name(location: c_int) -> *const c_char;
    fn avcodec_profile_name(codec_id: c_int, profile: c_int) -> *const c_char;
    fn avcodec_descriptor_get(codec_id: c_int) -> *const ffi::AVCodecDescriptor;
    fn av_get_media_type_string(media_type: c_int) -> *const c_char;
    fn av_packet_side_data_name(side_data_type: c_int) -> *const c_char;
    fn av_get_bits_per_sample(codec_id: c_int) -> c_int;
    fn avcodec_find_decoder(codec_id: c_int) -> *const ffi::AVCodec;
    fn av_get_picture_type_char(picture_type: c_int) -> c_char;
}

/// Reads an enum-typed C field as the int it is in memory, without ever forming a Rust enum value.
macro_rules! int_field {
    ($place:expr) => {
        // SAFETY: the caller guarantees the pointer is valid; C enums are `int`-sized in FFmpeg's ABI.
        std::ptr::addr_of!($place).cast::<libc::c_int>().read()
    };
}
pub(crate) use int_field;

/// Copies a C string that may be null.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string.
pub(crate) unsafe fn string(p: *const c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: non-null and NUL-terminated per the contract.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}

pub(crate) fn pix_fmt_name(v: c_int) -> Option<String> {
    // SAFETY: FFmpeg returns null for out-of-range values, a static string otherwise.
    unsafe { string(av_get_pix_fmt_name(v)) }
}
pub(crate) fn sample_fmt_name(v: c_int) -> Option<String> {
    // SAFETY: as above.
    unsafe { string(av_get_sample_fmt_name(v)) }
}
pub(crate) fn color_range_name(v: c_int) -> Option<String> {
    // SAFETY: as above.
    unsafe { string(av_color_range_name(v)) }
}
pub(crate) fn color_primaries_name(v: c_int) -> Option<String> {
    // SAFETY: as above.
    unsafe { string(av_color_primaries_name(v)) }
}
pub(crate) fn color_transfer_name(v: c_int) -> Option<String> {
    // SAFETY: as above.
    unsafe { string(av_color_transfer_name(v)) }
}
pub(crate) fn color_space_name(v: c_int) -> Option<String> {
    // SAFETY: as above.
    unsafe { string(av_color_space_name(v)) }
}
pub(crate) fn chroma_location_name(v: c_int) -> Option<String> {
    // SAFETY: as above.
    unsafe { string(av_chroma_location_name(v)) }
}
pub(crate) fn profile_name(codec_id: c_int, profile: c_int) -> Option<String> {
    // SAFETY: returns null for unknown codec/profile pairs.
    unsafe { string(avcodec_profile_name(codec_id, profile)) }
}
/// The codec's short and long names ("h264", "H.264 / AVC / ...").
pub(crate) fn codec_names(codec_id: c_int) -> (Option<String>, Option<String>) {
    // SAFETY: the descriptor is null or a static entry with static strings.
    unsafe {
        let d = avcodec_descriptor_get(codec_id);
        if d.is_null() {
            (None, None)
        } else {
            (string((*d).name), string((*d).long_name))
        }
    }
}
pub(crate) fn media_type_name(v: c_int) -> Option<String> {
    // SAFETY: returns null for unknown types.
    unsafe { string(av_get_media_type_string(v)) }
}
pub(crate) fn side_data_name(v: c_int) -> Option<String> {
    // SAFETY: returns null for unknown types.
    unsafe { string(av_packet_side_data_name(v)) }
}
pub(crate) fn bits_per_sample(codec_id: c_int) -> c_int {
    // SAFETY: a pure lookup.
    unsafe { av_get_bits_per_sample(codec_id) }
}
pub(crate) fn find_decoder(codec_id: c_int) -> *const ffi::AVCodec {
    // SAFETY: a pure lookup; null when there is no decoder.
    unsafe { avcodec_find_decoder(codec_id) }
}
pub(crate) fn picture_type_char(v: c_int) -> char {
    // SAFETY: returns '?' for unknown types.
    (unsafe { av_get_picture_type_char(v) } as u8) as char
}

/// The text of an FFmpeg error code, lowercased to match reel's error style.
pub(crate) fn error_text(code: c_int) -> String {
    let text = ffmpeg_next::Error::from(code).to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => format!("ffmpeg error {code}"),
    }
}

/// Formats a rational as ffprobe does: "num<sep>den".
pub(crate) fn rational(r: ffi::AVRational, sep: char) -> String {
    format!("{}{}{}", r.num, sep, r.den)
}

/// A timestamp in seconds as ffprobe's "%f" text, or None when it is unset.
pub(crate) fn time_text(ts: i64, tb: ffi::AVRational) -> Option<String> {
    if ts == ffi::AV_NOPTS_VALUE || tb.den == 0 {
        None
    } else {
        // ts * av_q2d(tb), exactly as ffprobe computes it, so the last digit rounds the same way.
        Some(format!("{:.6}", ts as f64 * (f64::from(tb.num) / f64::from(tb.den))))
    }
}

/// Iterates a metadata dictionary in storage order.
///
/// # Safety
/// `dict` is null or a valid AVDictionary that outlives the call.
pub(crate) unsafe fn dict_entries(dict: *const ffi::AVDictionary) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut entry: *mut ffi::AVDictionaryEntry = std::ptr::null_mut();
    let empty = c"";
    loop {
        // SAFETY: iterating with the previous entry and IGNORE_SUFFIX visits every entry once.
        entry = unsafe { ffi::av_dict_get(dict, empty.as_ptr(), entry, ffi::AV_DICT_IGNORE_SUFFIX) };
        if entry.is_null() {
            break;
        }
        // SAFETY: entries have NUL-terminated key and value.
        let (k, v) = unsafe { (string((*entry).key), string((*entry).value)) };
        out.push((k.unwrap_or_default(), v.unwrap_or_default()));
    }
    out
}
