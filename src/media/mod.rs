//! Media primitives over ffmpeg-next: cheap frame references, rationals, timestamps, format names.

use ff::Rational;
use ffmpeg_next as ff;

/// `AV_NOPTS_VALUE`: a timestamp that is not set.
pub const NOPTS: i64 = i64::MIN;

/// A new reference to the same frame buffers (no pixel copy), unlike `Clone` which copies the data.
pub fn frame_ref(src: &ff::Frame) -> ff::Frame {
    // SAFETY: both pointers are valid frames; av_frame_ref only adds buffer references.
    unsafe {
        let mut dst = ff::Frame::empty();
        ff::ffi::av_frame_ref(dst.as_mut_ptr(), src.as_ptr());
        dst
    }
}

/// Rescales a timestamp between time bases (NOPTS stays NOPTS).
pub fn rescale(ts: i64, from: Rational, to: Rational) -> i64 {
    if ts == NOPTS {
        return ts;
    }
    // SAFETY: pure arithmetic.
    unsafe { ff::ffi::av_rescale_q(ts, from.into(), to.into()) }
}

/// Seconds of a timestamp in a time base.
pub fn seconds(ts: i64, tb: Rational) -> f64 {
    if ts == NOPTS || tb.denominator() == 0 {
        return 0.0;
    }
    ts as f64 * tb.numerator() as f64 / tb.denominator() as f64
}

/// The libavutil name of a pixel format (`yuv420p`).
pub fn pix_fmt_name(p: ff::format::Pixel) -> String {
    // SAFETY: av_get_pix_fmt_name returns a static string or null.
    unsafe {
        let s = ff::ffi::av_get_pix_fmt_name(p.into());
        if s.is_null() {
            "none".into()
        } else {
            std::ffi::CStr::from_ptr(s).to_string_lossy().into_owned()
        }
    }
}

/// Looks a pixel format up by name.
pub fn pix_fmt_from_name(name: &str) -> Option<ff::format::Pixel> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: valid C string.
    let p = unsafe { ff::ffi::av_get_pix_fmt(c.as_ptr()) };
    if p == ff::ffi::AVPixelFormat::AV_PIX_FMT_NONE {
        None
    } else {
        Some(p.into())
    }
}

/// The libavutil name of a sample format (`fltp`).
pub fn sample_fmt_name(s: ff::format::Sample) -> String {
    // SAFETY: returns a static string or null.
    unsafe {
        let p = ff::ffi::av_get_sample_fmt_name(s.into());
        if p.is_null() {
            "none".into()
        } else {
            std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    }
}

/// A channel layout's name (`stereo`, `5.1`), defaulting an empty layout from the channel count.
pub fn channel_layout_name(layout: u64, channels: i32) -> String {
    let layout = if layout == 0 { default_layout(channels) } else { layout };
    let mut buf = [0 as std::ffi::c_char; 128];
    // SAFETY: buffer and its size are valid; the old bitmask API exists in FFmpeg 5.1.
    #[allow(deprecated)]
    unsafe {
        ff::ffi::av_get_channel_layout_string(buf.as_mut_ptr(), buf.len() as i32, channels, layout);
        std::ffi::CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned()
    }
}

/// The default channel layout bitmask for a channel count.
pub fn default_layout(channels: i32) -> u64 {
    // SAFETY: pure lookup.
    #[allow(deprecated)]
    unsafe {
        ff::ffi::av_get_default_channel_layout(channels) as u64
    }
}

/// Rotation in degrees (counter-clockwise, as ffprobe reports it) from a stream's display matrix, if any.
pub fn stream_rotation(stream: &ff::format::stream::Stream) -> Option<f64> {
    for sd in stream.side_data() {
        if sd.kind() == ff::codec::packet::side_data::Type::DisplayMatrix && sd.data().len() >= 36 {
            // SAFETY: the display matrix is nine 32-bit integers.
            let r = unsafe { ff::ffi::av_display_rotation_get(sd.data().as_ptr() as *const i32) };
            if r.is_finite() {
                return Some(r);
            }
        }
    }
    None
}

/// Formats a rational as `num/den`.
pub fn ratio(r: Rational) -> String {
    format!("{}/{}", r.numerator(), r.denominator())
}
