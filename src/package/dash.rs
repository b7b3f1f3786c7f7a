//! The DASH manifest (ISO/IEC 23009-1) for a VOD package: a static MPD, one video and one audio adaptation set.
//!
//! Segments are addressed with SegmentTemplate + SegmentTimeline (live profile), or, for single-file packages, with
//! SegmentBase and the sidx index range (on-demand profile).

use super::segmenter::Track;
use std::fmt::Write;

fn iso_duration(seconds: f64) -> String {
    format!("PT{:.3}S", seconds.max(0.0))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn frame_rate(t: &Track) -> Option<String> {
    t.frame_rate
        .filter(|(n, d)| *n > 0 && *d > 0)
        .map(|(n, d)| if d == 1 { n.to_string() } else { format!("{n}/{d}") })
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a.max(1) } else { gcd(b, a % b) }
}

/// Writes the segment addressing of one representation.
fn addressing(s: &mut String, t: &Track, indent: &str) {
    if let (Some(file), Some((a, b))) = (&t.single_file, t.index_range) {
        let _ = writeln!(s, "{indent}<BaseURL>{}/{}</BaseURL>", esc(&t.name), esc(file));
        let _ = writeln!(
            s,
            "{indent}<SegmentBase timescale=\"{}\" presentationTimeOffset=\"{}\" indexRange=\"{a}-{b}\">",
            t.timescale, t.presentation_offset
        );
        let _ = writeln!(
            s,
            "{indent}  <Initialization range=\"0-{}\"/>",
            t.init_len.saturating_sub(1)
        );
        let _ = writeln!(s, "{indent}</SegmentBase>");
        return;
    }
    let ext = t
        .segments
        .first()
        .and_then(|s| s.file.rsplit_once('.').map(|(_, e)| e.to_string()))
        .unwrap_or_else(|| "m4s".into());
    let _ = writeln!(
        s,
        "{indent}<SegmentTemplate timescale=\"{}\" presentationTimeOffset=\"{}\" initialization=\"{n}/init.mp4\" media=\"{n}/seg_$Number%05d$.{ext}\" startNumber=\"1\">",
        t.timescale,
        t.presentation_offset,
        n = esc(&t.name)
    );
    let _ = writeln!(s, "{indent}  <SegmentTimeline>");
    // Runs of equal durations collapse into one S element with a repeat count.
    let mut i = 0;
    let segs = &t.segments;
    let mut expected = None;
    while i < segs.len() {
        let d = segs[i].duration;
        let mut r = 0;
        while i + r + 1 < segs.len()
            && segs[i + r + 1].duration == d
            && segs[i + r + 1].start == segs[i + r].start + segs[i + r].duration
        {
            r += 1;
        }
        let start = segs[i].start;
        let mut el = String::from("<S");
        if expected != Some(start) {
            let _ = write!(el, " t=\"{start}\"");
        }
        let _ = write!(el, " d=\"{d}\"");
        if r > 0 {
            let _ = write!(el, " r=\"{r}\"");
        }
        el.push_str("/>");
        let _ = writeln!(s, "{indent}    {el}");
        expected = Some(segs[i + r].start + d);
        i += r + 1;
    }
    let _ = writeln!(s, "{indent}  </SegmentTimeline>");
    let _ = writeln!(s, "{indent}</SegmentTemplate>");
}

/// One video adaptation set (switchable representations); `properties` are descriptor elements placed first.
pub fn video_adaptation_set(videos: &[&Track], id: &str, properties: &str) -> String {
    let mut s = String::new();
    let max_w = videos.iter().map(|v| v.width).max().unwrap_or(0);
    let max_h = videos.iter().map(|v| v.height).max().unwrap_or(0);
    let g = gcd(max_w, max_h);
    let mut attrs = format!(
        "id=\"{id}\" contentType=\"video\" mimeType=\"video/mp4\" segmentAlignment=\"true\" startWithSAP=\"1\" maxWidth=\"{max_w}\" maxHeight=\"{max_h}\" par=\"{}:{}\"",
        max_w / g,
        max_h / g
    );
    if let Some(f) = videos.first().and_then(|v| frame_rate(v))
        && videos.iter().all(|v| frame_rate(v).as_deref() == Some(f.as_str()))
    {
        let _ = write!(attrs, " frameRate=\"{f}\"");
    }
    let _ = writeln!(s, "    <AdaptationSet {attrs}>");
    if !properties.is_empty() {
        let _ = writeln!(s, "      {properties}");
    }
    for v in videos {
        let mut r = format!(
            "id=\"{}\" bandwidth=\"{}\" codecs=\"{}\" width=\"{}\" height=\"{}\" sar=\"1:1\"",
            esc(&v.name),
            v.peak_bit_rate().max(1),
            esc(&v.codecs),
            v.width,
            v.height
        );
        if let Some(f) = frame_rate(v) {
            let _ = write!(r, " frameRate=\"{f}\"");
        }
        let _ = writeln!(s, "      <Representation {r}>");
        addressing(&mut s, v, "        ");
        let _ = writeln!(s, "      </Representation>");
    }
    let _ = writeln!(s, "    </AdaptationSet>");
    s
}

/// The MPD for `videos` (one adaptation set, switchable) and `audio`.
pub fn mpd(videos: &[&Track], audio: Option<&Track>, segment_seconds: f64) -> String {
    let duration = videos
        .iter()
        .chain(audio.iter())
        .map(|t| t.duration_seconds())
        .fold(0.0, f64::max);
    let single = videos.iter().chain(audio.iter()).any(|t| t.single_file.is_some());
    let profile = if single {
        "urn:mpeg:dash:profile:isoff-on-demand:2011"
    } else {
        "urn:mpeg:dash:profile:isoff-live:2011"
    };
    let mut s = String::new();
    let _ = writeln!(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        s,
        "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"{profile}\" type=\"static\" mediaPresentationDuration=\"{}\" minBufferTime=\"{}\">",
        iso_duration(duration),
        iso_duration(segment_seconds.max(1.0))
    );
    let _ = writeln!(s, "  <Period id=\"0\" start=\"PT0S\">");
    if !videos.is_empty() {
        s.push_str(&video_adaptation_set(videos, "0", ""));
    }
    if let Some(a) = audio {
        let _ = writeln!(
            s,
            "    <AdaptationSet id=\"1\" contentType=\"audio\" mimeType=\"audio/mp4\" lang=\"und\" segmentAlignment=\"true\" startWithSAP=\"1\">"
        );
        let _ = writeln!(
            s,
            "      <Representation id=\"{}\" bandwidth=\"{}\" codecs=\"{}\" audioSamplingRate=\"{}\">",
            esc(&a.name),
            a.peak_bit_rate().max(1),
            esc(&a.codecs),
            a.sample_rate
        );
        let _ = writeln!(
            s,
            "        <AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"{}\"/>",
            a.channels.max(1)
        );
        addressing(&mut s, a, "        ");
        let _ = writeln!(s, "      </Representation>");
        let _ = writeln!(s, "    </AdaptationSet>");
    }
    let _ = writeln!(s, "  </Period>");
    let _ = writeln!(s, "</MPD>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::segmenter::Segment;

    #[test]
    fn timeline_collapses_equal_runs() {
        let seg = |start, duration| Segment {
            start,
            duration,
            file: "seg_00001.m4s".into(),
            ..Default::default()
        };
        let t = Track {
            name: "720p".into(),
            timescale: 1000,
            segments: vec![seg(0, 2000), seg(2000, 2000), seg(4000, 2000), seg(6000, 500)],
            ..Default::default()
        };
        let mut s = String::new();
        addressing(&mut s, &t, "");
        assert!(s.contains("<S t=\"0\" d=\"2000\" r=\"2\"/>"), "{s}");
        assert!(s.contains("<S d=\"500\"/>"), "{s}");
    }
}
