//! Live DASH for a stream: a dynamic MPD (SegmentTemplate with SegmentTimeline, `$Number$` = the HLS media
//! sequence number) over per-track CMAF segments, since DASH players want audio and video in separate
//! representations (the LL-HLS output muxes them). Pure: times and names are passed in.
//!
//! Each publisher session is a Period: its timestamps restart and its init segment may differ. A Period starts at
//! the wall-clock time its first frame was pushed, measured from `availabilityStartTime` (the first session's
//! first frame), so segment availability times match the wall clock.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write;
use std::time::SystemTime;

/// One segment of a track: its number (= HLS msn), session and media time in the track's timescale.
#[derive(Clone, Debug, PartialEq)]
pub struct DashSegment {
    pub number: u64,
    pub session: u32,
    pub start: u64,
    pub duration: u64,
}

/// A session's start: wall clock of its first frame and that frame's media time (seconds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SessionStart {
    pub wall: SystemTime,
    pub media: f64,
}

/// One track (video or audio) of one rendition.
#[derive(Clone, Debug)]
pub struct DashTrack {
    /// `video` or `audio`.
    pub kind: &'static str,
    /// Representation id, unique in the MPD.
    pub id: String,
    /// Path prefix of its files within the stream directory (`240p/dash-v`).
    pub path: String,
    pub codecs: String,
    pub bandwidth: u64,
    pub width: u32,
    pub height: u32,
    pub frame_rate: Option<f64>,
    pub sample_rate: u32,
    pub channels: u16,
    pub timescale: u64,
    pub segments: VecDeque<DashSegment>,
}

impl DashTrack {
    pub fn init_name(&self, session: u32) -> String {
        format!("{}-init{session}.mp4", self.path)
    }

    pub fn segment_name(&self, number: u64) -> String {
        format!("{}-{number}.m4s", self.path)
    }
}

/// Renders the dynamic MPD of a stream from its tracks and session starts (by session number). An `ended`
/// stream's MPD is its last: no `minimumUpdatePeriod` (players stop reloading) and a
/// `mediaPresentationDuration` at the end of the last segment (players stop there), as DASH-IF IOP ends a live
/// presentation.
pub fn render_mpd(
    tracks: &[&DashTrack],
    sessions: &BTreeMap<u32, SessionStart>,
    segment: f64,
    window: usize,
    now: SystemTime,
    ended: bool,
) -> String {
    let Some(first) = sessions.values().next() else {
        return String::new();
    };
    let ast = first.wall;
    let updates = if ended {
        format!(
            r#"mediaPresentationDuration="PT{:.3}S""#,
            presentation_end(tracks, sessions, ast)
        )
    } else {
        format!(r#"minimumUpdatePeriod="PT{segment:.3}S""#)
    };
    let mut t = String::with_capacity(4096);
    let _ = writeln!(t, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        t,
        r#"<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="dynamic" availabilityStartTime="{}" publishTime="{}" {updates} minBufferTime="PT{segment:.3}S" timeShiftBufferDepth="PT{:.3}S" suggestedPresentationDelay="PT{:.3}S">"#,
        super::hls::iso8601(ast),
        super::hls::iso8601(now),
        segment * window as f64,
        segment * 2.0,
    );
    let mut session_ids: Vec<u32> = tracks
        .iter()
        .flat_map(|tr| tr.segments.iter().map(|s| s.session))
        .collect();
    session_ids.sort_unstable();
    session_ids.dedup();
    for session in session_ids {
        let Some(start) = sessions.get(&session) else { continue };
        let offset = start.wall.duration_since(ast).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        let _ = writeln!(t, r#"  <Period id="p{session}" start="PT{offset:.3}S">"#);
        for kind in ["video", "audio"] {
            let of_kind: Vec<&&DashTrack> = tracks
                .iter()
                .filter(|tr| tr.kind == kind && tr.segments.iter().any(|s| s.session == session))
                .collect();
            if of_kind.is_empty() {
                continue;
            }
            let mime = if kind == "video" { "video/mp4" } else { "audio/mp4" };
            let _ = writeln!(
                t,
                r#"    <AdaptationSet contentType="{kind}" mimeType="{mime}" segmentAlignment="true" startWithSAP="1">"#
            );
            for tr in of_kind {
                let _ = write!(
                    t,
                    r#"      <Representation id="{}" bandwidth="{}" codecs="{}""#,
                    tr.id,
                    tr.bandwidth.max(1),
                    tr.codecs
                );
                if kind == "video" {
                    let _ = write!(t, r#" width="{}" height="{}""#, tr.width, tr.height);
                    if let Some(f) = tr.frame_rate {
                        let _ = write!(t, r#" frameRate="{}""#, (f * 1000.0).round() / 1000.0);
                    }
                } else {
                    let _ = write!(t, r#" audioSamplingRate="{}""#, tr.sample_rate);
                }
                let _ = writeln!(t, ">");
                if kind == "audio" {
                    let _ = writeln!(
                        t,
                        r#"        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="{}"/>"#,
                        tr.channels
                    );
                }
                let segs: Vec<&DashSegment> = tr.segments.iter().filter(|s| s.session == session).collect();
                let pto = (start.media * tr.timescale as f64).round() as u64;
                let _ = writeln!(
                    t,
                    r#"        <SegmentTemplate timescale="{}" presentationTimeOffset="{pto}" startNumber="{}" initialization="{}" media="{}-$Number$.m4s">"#,
                    tr.timescale,
                    segs[0].number,
                    tr.init_name(session),
                    tr.path
                );
                let _ = writeln!(t, "          <SegmentTimeline>");
                let mut expected: Option<u64> = None;
                for s in segs {
                    if expected == Some(s.start) {
                        let _ = writeln!(t, r#"            <S d="{}"/>"#, s.duration);
                    } else {
                        let _ = writeln!(t, r#"            <S t="{}" d="{}"/>"#, s.start, s.duration);
                    }
                    expected = Some(s.start + s.duration);
                }
                let _ = writeln!(
                    t,
                    "          </SegmentTimeline>\n        </SegmentTemplate>\n      </Representation>"
                );
            }
            let _ = writeln!(t, "    </AdaptationSet>");
        }
        let _ = writeln!(t, "  </Period>");
    }
    // The clock players synchronise to: ours, in the manifest (otherwise dash.js asks a time server on the
    // internet).
    let _ = writeln!(
        t,
        r#"  <UTCTiming schemeIdUri="urn:mpeg:dash:utc:direct:2014" value="{}"/>"#,
        super::hls::iso8601(now)
    );
    let _ = writeln!(t, "</MPD>");
    t
}

/// Seconds from `ast` to the end of the latest segment of any track (its Period's start plus its media time
/// past the Period's first frame).
fn presentation_end(tracks: &[&DashTrack], sessions: &BTreeMap<u32, SessionStart>, ast: SystemTime) -> f64 {
    tracks
        .iter()
        .filter_map(|tr| {
            let last = tr.segments.back()?;
            let start = sessions.get(&last.session)?;
            let offset = start.wall.duration_since(ast).map(|d| d.as_secs_f64()).unwrap_or(0.0);
            let end = (last.start + last.duration) as f64 / tr.timescale.max(1) as f64;
            Some(offset + (end - start.media).max(0.0))
        })
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn periods_per_session_and_timelines() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let video = DashTrack {
            kind: "video",
            id: "source".into(),
            path: "source/dash-v".into(),
            codecs: "avc1.64001f".into(),
            bandwidth: 1_000_000,
            width: 640,
            height: 360,
            frame_rate: Some(30.0),
            sample_rate: 0,
            channels: 0,
            timescale: 15360,
            segments: [(3, 0, 0), (4, 0, 30720), (6, 1, 0)]
                .iter()
                .map(|&(number, session, start)| DashSegment {
                    number,
                    session,
                    start,
                    duration: 30720,
                })
                .collect(),
        };
        let sessions = BTreeMap::from([
            (0, SessionStart { wall: t0, media: 0.0 }),
            (
                1,
                SessionStart {
                    wall: t0 + Duration::from_secs(20),
                    media: 0.0,
                },
            ),
        ]);
        let mpd = render_mpd(&[&video], &sessions, 2.0, 6, t0 + Duration::from_secs(30), false);
        assert!(mpd.contains(r#"minimumUpdatePeriod="PT2.000S""#), "{mpd}");
        assert!(!mpd.contains("mediaPresentationDuration"), "{mpd}");
        // Ended: the last MPD ends where session 1's only segment (2 s from its start at 20 s) does.
        let last = render_mpd(&[&video], &sessions, 2.0, 6, t0 + Duration::from_secs(30), true);
        assert!(last.contains(r#"mediaPresentationDuration="PT22.000S""#), "{last}");
        assert!(!last.contains("minimumUpdatePeriod"), "{last}");
        assert!(
            mpd.contains(r#"type="dynamic" availabilityStartTime="2027-01-15T08:00:00.000Z""#),
            "{mpd}"
        );
        assert!(mpd.contains(r#"<Period id="p0" start="PT0.000S">"#), "{mpd}");
        assert!(mpd.contains(r#"<Period id="p1" start="PT20.000S">"#), "{mpd}");
        assert!(
            mpd.contains(
                r#"startNumber="3" initialization="source/dash-v-init0.mp4" media="source/dash-v-$Number$.m4s""#
            ),
            "{mpd}"
        );
        assert!(
            mpd.contains("<S t=\"0\" d=\"30720\"/>\n            <S d=\"30720\"/>"),
            "{mpd}"
        );
        assert!(
            mpd.contains(r#"startNumber="6" initialization="source/dash-v-init1.mp4""#),
            "{mpd}"
        );
        assert!(
            mpd.contains(
                r#"<UTCTiming schemeIdUri="urn:mpeg:dash:utc:direct:2014" value="2027-01-15T08:00:30.000Z"/>"#
            )
        );
    }
}
