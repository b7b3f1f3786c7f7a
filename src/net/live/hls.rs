//! The LL-HLS media playlist of one rendition as a sliding window (pure: no I/O, no clock; names and times are
//! passed in), rendered per RFC 8216bis with partial segments, preload hints and discontinuities.

use super::PlaylistProgress;
use std::collections::VecDeque;
use std::fmt::Write;
use std::time::SystemTime;

/// Durations that shape a live playlist.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiveTiming {
    /// Target segment duration, seconds (segments start at keyframes at or after it).
    pub segment: f64,
    /// Target partial segment duration, seconds.
    pub part: f64,
    /// Complete segments kept in the playlist (older ones are deleted).
    pub window: usize,
}

impl Default for LiveTiming {
    /// 2 s segments, 0.5 s parts, 6 segments: hls.js holds back three parts (1.5 s) behind the live edge.
    fn default() -> Self {
        LiveTiming {
            segment: 2.0,
            part: 0.5,
            window: 6,
        }
    }
}

#[derive(Clone, Debug)]
struct Part {
    name: String,
    duration: f64,
    independent: bool,
}

#[derive(Clone, Debug)]
struct Segment {
    msn: u64,
    parts: Vec<Part>,
    /// Set once complete.
    name: Option<String>,
    discontinuity: bool,
    map: String,
    date: Option<SystemTime>,
}

impl Segment {
    fn duration(&self) -> f64 {
        self.parts.iter().map(|p| p.duration).sum()
    }
}

/// One rendition's live playlist.
#[derive(Debug)]
pub struct MediaPlaylist {
    timing: LiveTiming,
    segments: VecDeque<Segment>,
    next_msn: u64,
    discontinuity_sequence: u64,
    /// Longest segment so far, rounded: `EXT-X-TARGETDURATION` may never be below a listed segment's duration.
    target: u64,
    map: String,
    /// The next segment starts a discontinuity (a publisher came back).
    pending_discontinuity: bool,
    /// Parts are listed for this many newest segments (older ones only as whole segments).
    parts_kept: usize,
    /// Set while a segment is being written (its parts are listed, it has no EXTINF yet).
    open: bool,
    /// No more parts until the next [`MediaPlaylist::begin`]: no preload hint.
    idle: bool,
}

/// What slid out of the window: files to delete.
pub type Removed = Vec<String>;

impl MediaPlaylist {
    pub fn new(timing: LiveTiming) -> Self {
        MediaPlaylist {
            timing,
            segments: VecDeque::new(),
            next_msn: 0,
            discontinuity_sequence: 0,
            target: timing.segment.round().max(1.0) as u64,
            map: String::new(),
            pending_discontinuity: false,
            parts_kept: 3,
            open: false,
            idle: true,
        }
    }

    pub fn timing(&self) -> LiveTiming {
        self.timing
    }

    /// A publisher starts (or comes back): its init segment is `map`. After the first, a discontinuity.
    pub fn begin(&mut self, map: &str) {
        self.pending_discontinuity = !self.segments.is_empty();
        self.map = map.to_string();
        self.idle = false;
    }

    /// The publisher went away: nothing more until the next `begin` (the playlist drops its preload hint).
    pub fn pause(&mut self) {
        self.idle = true;
    }

    /// The name the next part will get (for `EXT-X-PRELOAD-HINT` and for writing it).
    pub fn next_part_name(&self) -> String {
        match self.segments.back() {
            Some(s) if self.open => format!("seg{}.{}.m4s", s.msn, s.parts.len()),
            _ => format!("seg{}.0.m4s", self.next_msn),
        }
    }

    /// Sequence number of the segment the next part belongs to.
    pub fn current_msn(&self) -> u64 {
        match self.segments.back() {
            Some(s) if self.open => s.msn,
            _ => self.next_msn,
        }
    }

    /// Lists a part that has just been published under [`MediaPlaylist::next_part_name`]. `date` is the wall
    /// clock of its first frame (used when it opens a segment).
    pub fn add_part(&mut self, duration: f64, independent: bool, date: Option<SystemTime>) -> String {
        let name = self.next_part_name();
        if !self.open {
            self.segments.push_back(Segment {
                msn: self.next_msn,
                parts: Vec::new(),
                name: None,
                discontinuity: std::mem::take(&mut self.pending_discontinuity),
                map: self.map.clone(),
                date,
            });
            self.next_msn += 1;
            self.open = true;
        }
        if let Some(s) = self.segments.back_mut() {
            s.parts.push(Part {
                name: name.clone(),
                duration,
                independent,
            });
        }
        name
    }

    /// The open segment is complete (published under the returned name, the concatenation of its parts).
    /// Returns the segment's name and what slid out of the window.
    pub fn end_segment(&mut self) -> Option<(String, Removed)> {
        if !self.open {
            return None;
        }
        self.open = false;
        let seg = self.segments.back_mut()?;
        let name = format!("seg{}.m4s", seg.msn);
        seg.name = Some(name.clone());
        let d = seg.duration();
        let rounded = d.round() as u64;
        if rounded > self.target {
            tracing::warn!(
                "segment {} lasts {d:.2} s, longer than the target: keyframes are further apart than the segment duration",
                seg.msn
            );
            self.target = rounded;
        }
        let mut removed = Vec::new();
        while self.segments.iter().filter(|s| s.name.is_some()).count() > self.timing.window {
            let Some(old) = self.segments.pop_front() else { break };
            removed.extend(old.parts.into_iter().map(|p| p.name));
            removed.extend(old.name);
            if self.segments.front().is_some_and(|s| s.discontinuity) {
                self.discontinuity_sequence += 1;
            }
        }
        Some((name, removed))
    }

    /// Whether the playlist lists anything yet.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Part target as announced: the configured part duration, raised to the longest part listed.
    fn part_target(&self) -> f64 {
        self.segments
            .iter()
            .flat_map(|s| s.parts.iter().map(|p| p.duration))
            .fold(self.timing.part, f64::max)
    }

    /// The playlist text and how far it has got.
    pub fn render(&self) -> (String, PlaylistProgress) {
        let part_target = self.part_target();
        let mut t = String::with_capacity(2048);
        let _ = writeln!(t, "#EXTM3U");
        let _ = writeln!(t, "#EXT-X-VERSION:9");
        let _ = writeln!(t, "#EXT-X-TARGETDURATION:{}", self.target);
        let _ = writeln!(
            t,
            "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={:.3}",
            part_target * 3.0
        );
        let _ = writeln!(t, "#EXT-X-PART-INF:PART-TARGET={part_target:.3}");
        let first = self.segments.front().map(|s| s.msn).unwrap_or(self.next_msn);
        let _ = writeln!(t, "#EXT-X-MEDIA-SEQUENCE:{first}");
        let _ = writeln!(t, "#EXT-X-DISCONTINUITY-SEQUENCE:{}", self.discontinuity_sequence);
        let with_parts = self.segments.len().saturating_sub(self.parts_kept);
        let mut map: Option<&str> = None;
        for (i, s) in self.segments.iter().enumerate() {
            if s.discontinuity && i > 0 {
                let _ = writeln!(t, "#EXT-X-DISCONTINUITY");
            }
            if map != Some(s.map.as_str()) {
                let _ = writeln!(t, "#EXT-X-MAP:URI=\"{}\"", s.map);
                map = Some(&s.map);
            }
            if let Some(date) = s.date {
                let _ = writeln!(t, "#EXT-X-PROGRAM-DATE-TIME:{}", iso8601(date));
            }
            if i >= with_parts {
                for p in &s.parts {
                    let _ = writeln!(
                        t,
                        "#EXT-X-PART:DURATION={:.5},URI=\"{}\"{}",
                        p.duration,
                        p.name,
                        if p.independent { ",INDEPENDENT=YES" } else { "" }
                    );
                }
            }
            if let Some(name) = &s.name {
                let _ = writeln!(t, "#EXTINF:{:.5},", s.duration());
                let _ = writeln!(t, "{name}");
            }
        }
        if !self.idle {
            let _ = writeln!(t, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"{}\"", self.next_part_name());
        }
        let progress = match self.segments.back() {
            Some(s) if self.open => PlaylistProgress {
                msn: s.msn,
                part: Some(s.parts.len().saturating_sub(1) as u64),
                parts: 0,
            },
            Some(s) => PlaylistProgress {
                msn: s.msn,
                part: None,
                parts: s.parts.len() as u64,
            },
            None => PlaylistProgress::default(),
        };
        (t, progress)
    }

    /// Target duration as announced, seconds.
    pub fn target_duration(&self) -> f64 {
        self.target as f64
    }
}

/// `2026-11-25T20:30:00.123Z`
pub fn iso8601(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn segment(p: &mut MediaPlaylist, parts: usize) -> (String, Removed) {
        for i in 0..parts {
            p.add_part(0.5, i == 0, None);
        }
        p.end_segment().expect("open segment")
    }

    #[test]
    fn parts_hints_and_window() {
        let mut p = MediaPlaylist::new(LiveTiming {
            segment: 2.0,
            part: 0.5,
            window: 3,
        });
        p.begin("init0.mp4");
        assert_eq!(p.next_part_name(), "seg0.0.m4s");
        assert_eq!(
            p.add_part(0.5, true, Some(SystemTime::UNIX_EPOCH + Duration::from_millis(1500))),
            "seg0.0.m4s"
        );
        let (text, progress) = p.render();
        assert_eq!(
            progress,
            PlaylistProgress {
                msn: 0,
                part: Some(0),
                parts: 0
            }
        );
        assert!(
            text.contains("#EXT-X-PART:DURATION=0.50000,URI=\"seg0.0.m4s\",INDEPENDENT=YES\n"),
            "{text}"
        );
        assert!(
            text.contains("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg0.1.m4s\"\n"),
            "{text}"
        );
        assert!(
            text.contains("#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:01.500Z\n"),
            "{text}"
        );
        assert!(text.contains("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500\n"));
        for _ in 0..3 {
            p.add_part(0.5, false, None);
        }
        assert_eq!(p.end_segment().map(|s| s.0), Some("seg0.m4s".into()));
        let (text, progress) = p.render();
        assert_eq!(
            progress,
            PlaylistProgress {
                msn: 0,
                part: None,
                parts: 4
            }
        );
        assert!(
            text.contains("#EXTINF:2.00000,\nseg0.m4s\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg1.0.m4s\""),
            "{text}"
        );
        for _ in 1..3 {
            assert!(segment(&mut p, 4).1.is_empty());
        }
        let (name, removed) = segment(&mut p, 4);
        assert_eq!(name, "seg3.m4s");
        assert_eq!(
            removed,
            ["seg0.0.m4s", "seg0.1.m4s", "seg0.2.m4s", "seg0.3.m4s", "seg0.m4s"]
        );
        let (text, _) = p.render();
        assert!(text.contains("#EXT-X-MEDIA-SEQUENCE:1\n"), "{text}");
        assert!(text.contains("#EXT-X-MAP:URI=\"init0.mp4\"\n"), "{text}");
        // Parts are listed only for the newest segments: with two kept, seg1 is listed whole.
        p.parts_kept = 2;
        let (text, _) = p.render();
        assert!(!text.contains("seg1.0.m4s") && text.contains("seg2.0.m4s"), "{text}");
    }

    #[test]
    fn reconnect_is_a_discontinuity_with_a_new_map() {
        let mut p = MediaPlaylist::new(LiveTiming {
            segment: 2.0,
            part: 0.5,
            window: 2,
        });
        p.begin("init0.mp4");
        segment(&mut p, 4);
        p.pause();
        assert!(!p.render().0.contains("PRELOAD-HINT"));
        p.begin("init1.mp4");
        segment(&mut p, 4);
        let (text, _) = p.render();
        assert!(
            text.contains("seg0.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init1.mp4\"\n"),
            "{text}"
        );
        segment(&mut p, 4);
        let (text, _) = p.render();
        assert!(text.contains("#EXT-X-DISCONTINUITY-SEQUENCE:1\n"), "{text}");
        assert!(!text.contains("#EXT-X-DISCONTINUITY\n"), "{text}");
        // A long segment (sparse keyframes) raises the target duration.
        for _ in 0..7 {
            p.add_part(0.5, false, None);
        }
        p.end_segment();
        assert!(p.render().0.contains("#EXT-X-TARGETDURATION:4\n"));
    }
}
