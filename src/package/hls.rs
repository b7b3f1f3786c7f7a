//! HLS playlists (RFC 8216) for a VOD package: multivariant, media and I-frame playlists.

use super::fragment::FragmentFormat;
use super::segmenter::Track;
use std::fmt::Write;

/// EXT-X-TARGETDURATION: the longest segment rounded to the nearest second, raised when that would fall below any
/// segment's duration (RFC 8216 4.3.3.1: EXTINF rounded must not exceed it; we also never let it undercut one).
pub fn target_duration(track: &Track) -> u64 {
    let ts = track.timescale.max(1) as f64;
    let longest = track
        .segments
        .iter()
        .map(|s| s.duration as f64 / ts)
        .fold(0.0, f64::max);
    let rounded = longest.round();
    // A millisecond of slack for timestamps rounded by the timescale.
    let t = if rounded + 0.001 < longest {
        longest.ceil()
    } else {
        rounded
    };
    t.max(1.0) as u64
}

fn version(format: FragmentFormat, single_file: bool) -> u32 {
    // 7: EXT-X-MAP in a media playlist without I-frames only; byte ranges need 4; I-frames only needs 4.
    if format == FragmentFormat::Cmaf || single_file {
        7
    } else {
        4
    }
}

/// The media playlist of one rendition (paths relative to its directory).
pub fn media_playlist(track: &Track, format: FragmentFormat) -> String {
    let ts = track.timescale.max(1) as f64;
    let mut s = String::new();
    let single = track.single_file.is_some();
    let _ = writeln!(s, "#EXTM3U");
    let _ = writeln!(s, "#EXT-X-VERSION:{}", version(format, single));
    let _ = writeln!(s, "#EXT-X-TARGETDURATION:{}", target_duration(track));
    let _ = writeln!(s, "#EXT-X-MEDIA-SEQUENCE:0");
    let _ = writeln!(s, "#EXT-X-PLAYLIST-TYPE:VOD");
    let _ = writeln!(s, "#EXT-X-INDEPENDENT-SEGMENTS");
    write_map(&mut s, track);
    for seg in &track.segments {
        let _ = writeln!(s, "#EXTINF:{:.6},", seg.duration as f64 / ts);
        if single {
            let _ = writeln!(s, "#EXT-X-BYTERANGE:{}@{}", seg.size, seg.offset);
        }
        let _ = writeln!(s, "{}", seg.file);
    }
    let _ = writeln!(s, "#EXT-X-ENDLIST");
    s
}

fn write_map(s: &mut String, track: &Track) {
    if let Some(init) = &track.init_file {
        if track.single_file.is_some() {
            let _ = writeln!(s, "#EXT-X-MAP:URI=\"{init}\",BYTERANGE=\"{}@0\"", track.init_len);
        } else {
            let _ = writeln!(s, "#EXT-X-MAP:URI=\"{init}\"");
        }
    }
}

/// The I-frame playlist of a video rendition: one entry per segment, the byte range of its first keyframe.
pub fn iframe_playlist(track: &Track, format: FragmentFormat) -> String {
    let ts = track.timescale.max(1) as f64;
    let mut s = String::new();
    let _ = writeln!(s, "#EXTM3U");
    let _ = writeln!(s, "#EXT-X-VERSION:{}", version(format, true));
    let _ = writeln!(s, "#EXT-X-TARGETDURATION:{}", target_duration(track));
    let _ = writeln!(s, "#EXT-X-MEDIA-SEQUENCE:0");
    let _ = writeln!(s, "#EXT-X-PLAYLIST-TYPE:VOD");
    let _ = writeln!(s, "#EXT-X-I-FRAMES-ONLY");
    write_map(&mut s, track);
    for seg in &track.segments {
        let _ = writeln!(s, "#EXTINF:{:.6},", seg.duration as f64 / ts);
        let _ = writeln!(s, "#EXT-X-BYTERANGE:{}@{}", seg.keyframe_len.max(1), seg.offset);
        let _ = writeln!(s, "{}", seg.file);
    }
    let _ = writeln!(s, "#EXT-X-ENDLIST");
    s
}

/// Peak bit rate of a track's I-frames (EXT-X-I-FRAME-STREAM-INF BANDWIDTH).
fn iframe_peak(track: &Track) -> u64 {
    let ts = track.timescale.max(1) as f64;
    track
        .segments
        .iter()
        .filter(|s| s.duration > 0)
        .map(|s| (s.keyframe_len as f64 * 8.0 * ts / s.duration as f64) as u64)
        .max()
        .unwrap_or(0)
}

fn frame_rate(track: &Track) -> Option<f64> {
    track
        .frame_rate
        .filter(|(n, d)| *n > 0 && *d > 0)
        .map(|(n, d)| n as f64 / d as f64)
}

/// The multivariant playlist. Each video track's playlist is at `NAME/index.m3u8`; audio is one group.
pub fn multivariant(videos: &[&Track], audio: Option<&Track>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "#EXTM3U");
    let _ = writeln!(s, "#EXT-X-VERSION:7");
    let _ = writeln!(s, "#EXT-X-INDEPENDENT-SEGMENTS");
    if let Some(a) = audio {
        let _ = writeln!(
            s,
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"{}\",LANGUAGE=\"und\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"{}\",URI=\"{}/index.m3u8\"",
            a.name,
            a.channels.max(1),
            a.name
        );
    }
    let (apeak, aavg, acodec) = audio
        .map(|a| (a.peak_bit_rate(), a.average_bit_rate(), Some(a.codecs.as_str())))
        .unwrap_or((0, 0, None));
    for v in videos {
        let codecs = match acodec {
            Some(a) => format!("{},{a}", v.codecs),
            None => v.codecs.clone(),
        };
        let mut line = format!(
            "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"{codecs}\",RESOLUTION={}x{}",
            v.peak_bit_rate() + apeak,
            v.average_bit_rate() + aavg,
            v.width,
            v.height
        );
        if let Some(f) = frame_rate(v) {
            let _ = write!(line, ",FRAME-RATE={f:.3}");
        }
        if audio.is_some() {
            line.push_str(",AUDIO=\"audio\"");
        }
        let _ = writeln!(s, "{line}");
        let _ = writeln!(s, "{}/index.m3u8", v.name);
    }
    for v in videos {
        let _ = writeln!(
            s,
            "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH={},CODECS=\"{}\",RESOLUTION={}x{},URI=\"{}/iframes.m3u8\"",
            iframe_peak(v).max(1),
            v.codecs,
            v.width,
            v.height,
            v.name
        );
    }
    // Audio-only packages: the audio playlist is the one variant.
    if videos.is_empty()
        && let Some(a) = audio
    {
        let _ = writeln!(
            s,
            "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"{}\"",
            a.peak_bit_rate(),
            a.average_bit_rate(),
            a.codecs
        );
        let _ = writeln!(s, "{}/index.m3u8", a.name);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::segmenter::Segment;

    fn track(durations: &[i64]) -> Track {
        Track {
            timescale: 1000,
            segments: durations
                .iter()
                .map(|d| Segment {
                    duration: *d,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn target_duration_rounds_and_never_undercuts() {
        assert_eq!(target_duration(&track(&[2000, 2000, 1500])), 2);
        assert_eq!(target_duration(&track(&[2000, 2400])), 3);
        assert_eq!(target_duration(&track(&[2000, 2001])), 2);
        assert_eq!(target_duration(&track(&[300])), 1);
    }
}
