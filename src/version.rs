//! Build information for `reel --version`: linked FFmpeg libraries, cargo features, and the build's licence.

/// Cargo features enabled in this build, comma separated (recorded by build.rs).
pub const FEATURES: &str = env!("REEL_FEATURES");

/// Formats an FFmpeg `AV_VERSION_INT` as `major.minor.micro`.
fn av_version(v: u32) -> String {
    format!("{}.{}.{}", v >> 16, (v >> 8) & 0xff, v & 0xff)
}

/// Versions of the FFmpeg libraries this process is linked against (at run time, not build time).
pub fn ffmpeg_libraries() -> Vec<(&'static str, String)> {
    // SAFETY: these functions only return a constant integer.
    unsafe {
        vec![
            ("libavcodec", av_version(ffmpeg_next::ffi::avcodec_version())),
            ("libavformat", av_version(ffmpeg_next::ffi::avformat_version())),
            ("libavfilter", av_version(ffmpeg_next::ffi::avfilter_version())),
            ("libavutil", av_version(ffmpeg_next::ffi::avutil_version())),
            ("libswscale", av_version(ffmpeg_next::ffi::swscale_version())),
            ("libswresample", av_version(ffmpeg_next::ffi::swresample_version())),
        ]
    }
}

/// The licence of this build: libx264 (linked through libavcodec) makes it GPL; fdk-aac makes it not redistributable.
pub fn licence() -> &'static str {
    if cfg!(feature = "fdk-aac") {
        "GPL-2.0-or-later with the FDK AAC codec: NOT redistributable (rebuild with --no-default-features for a redistributable GPL build)"
    } else {
        "GPL-2.0-or-later (libx264 is linked through libavcodec): redistributable under the GPL"
    }
}

/// The full text printed by `reel --version`.
pub fn long_version() -> String {
    let mut s = String::from(env!("CARGO_PKG_VERSION"));
    for (name, v) in ffmpeg_libraries() {
        s.push_str(&format!("\n{name} {v}"));
    }
    let features = if FEATURES.is_empty() { "none" } else { FEATURES };
    s.push_str(&format!("\nfeatures: {features}"));
    s.push_str(&format!("\nlicence: {}", licence()));
    s
}
