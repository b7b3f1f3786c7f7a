//! Containers: user names to libavformat muxers, default codecs per container, muxer options.

use crate::error::{Error, Result};

/// A resolved output container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    /// The user-facing name (mp4, fmp4, mkv ...).
    pub name: String,
    /// The libavformat muxer name.
    pub muxer: String,
    /// Options for `avformat_write_header` (movflags ...).
    pub options: Vec<(String, String)>,
    /// Default video and audio codecs (None: the container takes no such stream).
    pub default_video: Option<&'static str>,
    pub default_audio: Option<&'static str>,
}

/// Resolves a container from an explicit name or the output file's extension.
pub fn resolve(name: Option<&str>, path: &str) -> Result<Container> {
    let key = match name {
        Some(n) => n.to_ascii_lowercase(),
        None => {
            if path == "-" || path.starts_with("pipe:") {
                return Err(Error::InvalidArgument(
                    "writing to a pipe needs an explicit format".into(),
                ));
            }
            let ext = std::path::Path::new(path)
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            match ext.as_str() {
                "m4a" | "m4v" | "mov" => "mp4".into(),
                "mka" => "mkv".into(),
                "ts" | "m2ts" => "mpegts".into(),
                "m4s" => "fmp4".into(),
                "" => {
                    return Err(Error::InvalidArgument(format!(
                        "{path}: cannot guess the container without an extension"
                    )));
                }
                e => e.to_string(),
            }
        }
    };
    let c =
        |name: &str, muxer: &str, opts: &[(&str, &str)], v: Option<&'static str>, a: Option<&'static str>| Container {
            name: name.into(),
            muxer: muxer.into(),
            options: opts.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            default_video: v,
            default_audio: a,
        };
    Ok(match key.as_str() {
        "mp4" => c("mp4", "mp4", &[("movflags", "+faststart")], Some("h264"), Some("aac")),
        "mov" => c("mov", "mov", &[("movflags", "+faststart")], Some("h264"), Some("aac")),
        "fmp4" | "cmaf" => c(
            "fmp4",
            "mp4",
            &[("movflags", "+frag_keyframe+empty_moov+default_base_moof+cmaf")],
            Some("h264"),
            Some("aac"),
        ),
        "mkv" | "matroska" => c("mkv", "matroska", &[], Some("h264"), Some("aac")),
        "webm" => c("webm", "webm", &[], Some("vp9"), Some("opus")),
        "mpegts" | "ts" => c("mpegts", "mpegts", &[], Some("h264"), Some("aac")),
        "flv" => c("flv", "flv", &[], Some("h264"), Some("aac")),
        "nut" => c("nut", "nut", &[], Some("h264"), Some("aac")),
        "y4m" | "yuv4mpegpipe" => c("y4m", "yuv4mpegpipe", &[], Some("wrapped_avframe"), None),
        "wav" => c("wav", "wav", &[], None, Some("pcm_s16le")),
        "mp3" => c("mp3", "mp3", &[], None, Some("mp3")),
        "ogg" | "opus" => c("ogg", "ogg", &[], None, Some("opus")),
        "flac" => c("flac", "flac", &[], None, Some("flac")),
        other => {
            return Err(Error::Unsupported(format!(
                "unknown container '{other}' (mp4, fmp4, mkv, webm, mpegts, flv, nut, y4m, wav, mov, mp3, ogg, flac)"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_from_extension() {
        assert_eq!(resolve(None, "a.mp4").unwrap().muxer, "mp4");
        assert_eq!(resolve(None, "a.MKV").unwrap().muxer, "matroska");
        assert_eq!(resolve(None, "a.ts").unwrap().muxer, "mpegts");
        assert_eq!(resolve(Some("y4m"), "-").unwrap().muxer, "yuv4mpegpipe");
        assert!(resolve(None, "a.xyz").is_err());
        assert!(resolve(None, "-").is_err());
    }
}
