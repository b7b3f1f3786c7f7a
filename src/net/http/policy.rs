//! What a served file is: its MIME type, whether it may be gzipped, and the Cache-Control a CDN acts on.
//!
//! Segments are immutable (a packager never rewrites a segment under the same name). A playlist or manifest is
//! long-lived when it describes VOD (HLS `EXT-X-ENDLIST` or `EXT-X-PLAYLIST-TYPE:VOD`, DASH `type="static"`) and
//! lives about half a target duration when it is live, so an edge never serves it stale for longer than that.

/// Seconds a VOD playlist or static MPD may be cached: a day (revalidation with the ETag is cheap after that).
pub const VOD_PLAYLIST_MAX_AGE: u64 = 86_400;
/// Seconds a segment may be cached: a year, with `immutable`.
pub const SEGMENT_MAX_AGE: u64 = 31_536_000;
/// Seconds anything else (HTML, JSON, images next to a package) may be cached.
pub const OTHER_MAX_AGE: u64 = 60;

/// The broad kind of a file, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// An HLS playlist (`.m3u8`).
    HlsPlaylist,
    /// A DASH manifest (`.mpd`).
    DashManifest,
    /// A media segment, init segment or subtitle segment: never rewritten under the same name.
    Segment,
    /// Anything else.
    Other,
}

/// MIME type and kind for a file name, by extension (case-insensitive).
pub fn classify(name: &str) -> (&'static str, FileKind) {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "m3u8" => ("application/vnd.apple.mpegurl", FileKind::HlsPlaylist),
        "mpd" => ("application/dash+xml", FileKind::DashManifest),
        "ts" => ("video/mp2t", FileKind::Segment),
        "m4s" => ("video/iso.segment", FileKind::Segment),
        "mp4" | "m4v" | "cmfv" => ("video/mp4", FileKind::Segment),
        "m4a" | "cmfa" => ("audio/mp4", FileKind::Segment),
        "cmft" => ("application/mp4", FileKind::Segment),
        "aac" => ("audio/aac", FileKind::Segment),
        "mp3" => ("audio/mpeg", FileKind::Segment),
        "ac3" => ("audio/ac3", FileKind::Segment),
        "ec3" => ("audio/eac3", FileKind::Segment),
        "webm" => ("video/webm", FileKind::Segment),
        "vtt" | "webvtt" => ("text/vtt; charset=utf-8", FileKind::Segment),
        "ttml" => ("application/ttml+xml", FileKind::Other),
        "key" => ("application/octet-stream", FileKind::Other),
        "html" | "htm" => ("text/html; charset=utf-8", FileKind::Other),
        "json" => ("application/json", FileKind::Other),
        "txt" => ("text/plain; charset=utf-8", FileKind::Other),
        "css" => ("text/css; charset=utf-8", FileKind::Other),
        "js" => ("text/javascript; charset=utf-8", FileKind::Other),
        "xml" => ("application/xml", FileKind::Other),
        "jpg" | "jpeg" => ("image/jpeg", FileKind::Other),
        "png" => ("image/png", FileKind::Other),
        "svg" => ("image/svg+xml", FileKind::Other),
        "webp" => ("image/webp", FileKind::Other),
        _ => ("application/octet-stream", FileKind::Other),
    }
}

/// Whether responses of this kind are gzipped for clients that accept it (text manifests only; media is
/// already compressed and gzipping it would only cost CPU and break byte ranges).
pub fn compressible(kind: FileKind) -> bool {
    matches!(kind, FileKind::HlsPlaylist | FileKind::DashManifest)
}

/// What an HLS playlist says about itself.
#[derive(Clone, Debug, PartialEq)]
pub enum HlsPlaylist {
    /// A multivariant (master) playlist and the playlists it references (relative URIs as written).
    Master { uris: Vec<String> },
    /// A media playlist: ended (VOD or finished event) or still live, and its target duration in seconds.
    Media {
        ended: bool,
        target_duration: f64,
        part_target: Option<f64>,
    },
}

/// Reads just enough of an HLS playlist to choose its caching.
pub fn parse_hls(text: &str) -> HlsPlaylist {
    let mut master = false;
    let mut ended = false;
    let mut target = 0.0;
    let mut part_target = None;
    let mut uris = Vec::new();
    let mut expect_uri = false;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("#EXT-X-STREAM-INF") {
            let _ = rest;
            master = true;
            expect_uri = true;
        } else if line.starts_with("#EXT-X-MEDIA:") || line.starts_with("#EXT-X-I-FRAME-STREAM-INF:") {
            master = true;
            if let Some(uri) = attribute(line, "URI") {
                uris.push(uri.to_string());
            }
        } else if line == "#EXT-X-ENDLIST" || line == "#EXT-X-PLAYLIST-TYPE:VOD" {
            ended = true;
        } else if let Some(v) = line.strip_prefix("#EXT-X-TARGETDURATION:") {
            target = v.trim().parse().unwrap_or(0.0);
        } else if let Some(rest) = line.strip_prefix("#EXT-X-PART-INF:") {
            part_target = attribute(rest, "PART-TARGET").and_then(|v| v.parse::<f64>().ok());
        } else if !line.is_empty() && !line.starts_with('#') && expect_uri {
            uris.push(line.to_string());
            expect_uri = false;
        }
    }
    if master {
        HlsPlaylist::Master { uris }
    } else {
        HlsPlaylist::Media {
            ended,
            target_duration: target,
            part_target,
        }
    }
}

/// The value of `NAME=value` or `NAME="value"` in an attribute list.
fn attribute<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = line;
    while let Some(pos) = rest.find(name) {
        let before_ok = pos == 0 || matches!(rest.as_bytes()[pos - 1], b',' | b':' | b' ');
        let after = &rest[pos + name.len()..];
        if before_ok && let Some(value) = after.strip_prefix('=') {
            if let Some(quoted) = value.strip_prefix('"') {
                return quoted.split('"').next();
            }
            return value.split(',').next();
        }
        rest = after;
    }
    None
}

/// Whether a DASH manifest is live (`type="dynamic"`) and, when it says, its minimum update period in seconds.
pub fn parse_mpd(text: &str) -> (bool, Option<f64>) {
    let head = text.find("<MPD").map(|i| &text[i..]).unwrap_or(text);
    let head = head.split('>').next().unwrap_or(head);
    let dynamic = xml_attribute(head, "type") == Some("dynamic");
    let period = xml_attribute(head, "minimumUpdatePeriod").and_then(parse_iso_duration);
    (dynamic, period)
}

fn xml_attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    while let Some(pos) = rest.find(name) {
        let before_ok = pos > 0 && rest.as_bytes()[pos - 1].is_ascii_whitespace();
        let after = rest[pos + name.len()..].trim_start();
        if before_ok && let Some(v) = after.strip_prefix('=') {
            let v = v.trim_start();
            let quote = v.chars().next()?;
            if quote == '"' || quote == '\'' {
                return v[1..].split(quote).next();
            }
        }
        rest = &rest[pos + name.len()..];
    }
    None
}

/// Parses the ISO 8601 durations DASH uses (`PT2S`, `PT1M30.5S`, `P1DT2H`).
pub fn parse_iso_duration(s: &str) -> Option<f64> {
    let s = s.trim().strip_prefix('P')?;
    let (date, time) = s.split_once('T').unwrap_or((s, ""));
    let mut total = 0.0;
    for (part, units) in [
        (date, &[('D', 86_400.0)][..]),
        (time, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)][..]),
    ] {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
            } else {
                let scale = units.iter().find(|(u, _)| *u == c)?.1;
                total += number.parse::<f64>().ok()? * scale;
                number.clear();
            }
        }
        if !number.is_empty() {
            return None;
        }
    }
    Some(total)
}

/// `Cache-Control` for a live playlist refreshed every `target` seconds: half of it, at least one second
/// (max-age is whole seconds, and 0 would make every edge request go to the origin).
pub fn live_cache_control(target: f64) -> String {
    let half = if target.is_finite() {
        (target / 2.0).floor() as u64
    } else {
        1
    };
    format!("public, max-age={}", half.max(1))
}

/// `Cache-Control` for a VOD playlist or static manifest.
pub fn vod_cache_control() -> String {
    format!("public, max-age={VOD_PLAYLIST_MAX_AGE}")
}

/// `Cache-Control` for a segment.
pub fn segment_cache_control() -> String {
    format!("public, max-age={SEGMENT_MAX_AGE}, immutable")
}

/// `Cache-Control` for anything else.
pub fn other_cache_control() -> String {
    format!("public, max-age={OTHER_MAX_AGE}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types_for_streaming_files() {
        assert_eq!(classify("a/b.M3U8").0, "application/vnd.apple.mpegurl");
        assert_eq!(classify("x.mpd").0, "application/dash+xml");
        assert_eq!(classify("seg_001.ts").0, "video/mp2t");
        assert_eq!(classify("chunk-1.m4s"), ("video/iso.segment", FileKind::Segment));
        assert_eq!(classify("noext").1, FileKind::Other);
    }

    #[test]
    fn hls_playlists_are_classified() {
        let vod = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n";
        assert_eq!(
            parse_hls(vod),
            HlsPlaylist::Media {
                ended: true,
                target_duration: 4.0,
                part_target: None
            }
        );
        let live = "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-PART-INF:PART-TARGET=1.002\n#EXTINF:6,\na.ts\n";
        assert_eq!(
            parse_hls(live),
            HlsPlaylist::Media {
                ended: false,
                target_duration: 6.0,
                part_target: Some(1.002)
            }
        );
        let master = "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",URI=\"audio/index.m3u8\"\n\
                      #EXT-X-STREAM-INF:BANDWIDTH=1000\nv0/index.m3u8\n";
        assert_eq!(
            parse_hls(master),
            HlsPlaylist::Master {
                uris: vec!["audio/index.m3u8".into(), "v0/index.m3u8".into()]
            }
        );
        assert_eq!(live_cache_control(6.0), "public, max-age=3");
        assert_eq!(live_cache_control(1.0), "public, max-age=1");
    }

    #[test]
    fn mpd_type_and_period() {
        let live = r#"<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" minimumUpdatePeriod="PT4S">"#;
        assert_eq!(parse_mpd(live), (true, Some(4.0)));
        let vod = r#"<MPD type="static" mediaPresentationDuration="PT1M2.5S"><Period/></MPD>"#;
        assert_eq!(parse_mpd(vod), (false, None));
        assert_eq!(parse_iso_duration("PT1M2.5S"), Some(62.5));
        assert_eq!(parse_iso_duration("P1DT1H"), Some(90_000.0));
        assert_eq!(parse_iso_duration("garbage"), None);
    }
}
