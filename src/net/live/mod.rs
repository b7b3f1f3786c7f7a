//! The live stream registry: live ingest publishes playlists and segments here, the HTTP origin serves them.
//!
//! Everything a live stream needs is held in memory (an LL-HLS origin answers parts within milliseconds and
//! deletes them seconds later; the disk adds nothing). A publisher owns a [`LiveStream`] and calls
//! [`LiveStream::put_segment`] for each segment or partial segment, then [`LiveStream::put_playlist`] with the
//! playlist that lists it, and [`LiveStream::remove`] for what slides out of the window. Readers of a playlist
//! may block on `_HLS_msn`/`_HLS_part` (RFC 8216bis §6.2.5.2) through [`LiveStream::wait_playlist`], and readers
//! of a preload-hinted part block through [`LiveStream::wait_file`] until it is published.
//!
//! The LL-HLS packager that fills a stream from a running graph is [`sink::LlHlsSink`].

pub mod dash;
pub mod fragment;
pub mod hls;
pub mod sink;

use bytes::Bytes;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

/// Where a playlist has got to: the last segment it lists and, while that segment is still being written, the
/// last partial segment of it listed so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PlaylistProgress {
    /// Media sequence number of the newest segment the playlist lists (complete or in progress).
    pub msn: u64,
    /// Index of the newest listed part of segment `msn` while it is in progress; `None` when it is complete.
    pub part: Option<u64>,
    /// How many parts segment `msn` has when it is complete (0: unknown or none).
    pub parts: u64,
}

impl PlaylistProgress {
    /// Whether a playlist at this progress satisfies a blocking request for `msn` (and `part`). A part index past
    /// the last part of a complete segment means part 0 of the next one (RFC 8216bis §6.2.5.2).
    pub fn satisfies(&self, msn: u64, part: Option<u64>) -> bool {
        if self.msn != msn {
            return self.msn > msn;
        }
        match (self.part, part) {
            (None, Some(want)) => self.parts == 0 || want < self.parts,
            (None, None) => true,
            (Some(_), None) => false,
            (Some(have), Some(want)) => have >= want,
        }
    }
}

/// A live playlist (HLS media or multivariant playlist, or a dynamic MPD) with what the origin needs to serve it.
#[derive(Clone, Debug)]
pub struct LivePlaylist {
    pub text: Bytes,
    pub progress: PlaylistProgress,
    /// `EXT-X-TARGETDURATION` (or the MPD's minimum update period), seconds: sets max-age and blocking timeout.
    pub target_duration: f64,
    /// The stream has ended (`EXT-X-ENDLIST`): blocking reloads return at once.
    pub ended: bool,
}

/// One file of a live stream as served.
#[derive(Clone, Debug)]
pub enum LiveFile {
    Playlist(LivePlaylist),
    Segment(Bytes),
}

/// A snapshot of a stream for listings and `/api/streams`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LiveStreamInfo {
    pub name: String,
    /// The playlist a player should open, relative to the stream's directory.
    pub entry: String,
    /// The DASH manifest, when the stream has one.
    pub dash: Option<String>,
    pub publisher: String,
    pub codecs: String,
    pub started_unix: u64,
    pub files: usize,
    /// A publisher is connected now.
    pub live: bool,
    /// The publisher left for good: the playlists are ended (`EXT-X-ENDLIST`).
    pub ended: bool,
    /// Seconds since the current publisher connected (0 when none is).
    pub uptime_s: f64,
    /// Received bit rate of the publisher over the last few seconds (bits/s, container overhead included).
    pub bitrate: u64,
    /// Players reading the stream: distinct client connections that fetched one of its playlists in the last
    /// 6 s (an estimate: a player that reconnects is counted twice for a moment).
    pub viewers: usize,
}

/// Received bytes over a short window, for a bit rate.
#[derive(Default)]
struct RateMeter {
    since: Option<Instant>,
    bytes: u64,
    rate: u64,
}

const VIEWER_TTL: Duration = Duration::from_secs(6);
const RATE_WINDOW: Duration = Duration::from_secs(2);

#[derive(Default)]
struct StreamFiles {
    files: HashMap<String, (LiveFile, SystemTime)>,
    hinted: HashSet<String>,
}

/// One live stream: its files, and a version counter that wakes blocked readers on every change.
pub struct LiveStream {
    name: String,
    entry: RwLock<String>,
    details: RwLock<(String, String)>,
    started: SystemTime,
    files: RwLock<StreamFiles>,
    version: tokio::sync::watch::Sender<u64>,
    connected: AtomicBool,
    session_started: Mutex<Option<Instant>>,
    rate: Mutex<RateMeter>,
    viewers: Mutex<HashMap<SocketAddr, Instant>>,
    /// Its playlists carry `EXT-X-ENDLIST` (until a publisher comes back).
    ended: AtomicBool,
}

/// Why a blocking read did not produce the file.
#[derive(Debug, PartialEq, Eq)]
pub enum WaitError {
    /// No such file, and none expected.
    NotFound,
    /// The request asks for more than two segments ahead (RFC 8216bis says answer 400 at once).
    TooFarAhead,
    /// Waited for as long as allowed (answer 503).
    TimedOut,
}

impl LiveStream {
    fn new(name: &str) -> Self {
        LiveStream {
            name: name.to_string(),
            entry: RwLock::new("index.m3u8".to_string()),
            details: RwLock::new((String::new(), String::new())),
            started: SystemTime::now(),
            files: RwLock::new(StreamFiles::default()),
            version: tokio::sync::watch::channel(0).0,
            connected: AtomicBool::new(false),
            session_started: Mutex::new(None),
            rate: Mutex::new(RateMeter::default()),
            viewers: Mutex::new(HashMap::new()),
            ended: AtomicBool::new(false),
        }
    }

    /// A publisher connected (`true`) or went away (`false`).
    pub fn set_connected(&self, connected: bool) {
        self.connected.store(connected, Ordering::Relaxed);
        if connected {
            self.ended.store(false, Ordering::Relaxed);
        }
        if let Ok(mut s) = self.session_started.lock() {
            *s = connected.then(Instant::now);
        }
        if let Ok(mut r) = self.rate.lock() {
            *r = RateMeter::default();
        }
    }

    /// Counts bytes received from the publisher.
    pub fn record_ingest(&self, bytes: usize) {
        let Ok(mut r) = self.rate.lock() else { return };
        let now = Instant::now();
        let since = *r.since.get_or_insert(now);
        r.bytes += bytes as u64;
        let elapsed = now.duration_since(since);
        if elapsed >= RATE_WINDOW {
            r.rate = (r.bytes as f64 * 8.0 / elapsed.as_secs_f64()) as u64;
            r.bytes = 0;
            r.since = Some(now);
        }
    }

    /// Notes a client connection reading one of the stream's playlists.
    pub fn record_viewer(&self, peer: SocketAddr) {
        let Ok(mut v) = self.viewers.lock() else { return };
        let now = Instant::now();
        v.insert(peer, now);
        if v.len() > 64 {
            v.retain(|_, seen| now.duration_since(*seen) < VIEWER_TTL);
        }
    }

    fn viewer_count(&self) -> usize {
        let now = Instant::now();
        self.viewers
            .lock()
            .map(|v| {
                v.values()
                    .filter(|seen| now.duration_since(**seen) < VIEWER_TTL)
                    .count()
            })
            .unwrap_or(0)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Names the playlist a player should open (default `index.m3u8`).
    pub fn set_entry(&self, entry: &str) {
        if let Ok(mut e) = self.entry.write() {
            *e = entry.to_string();
        }
    }

    /// Describes the publisher (address) and its input codecs, for listings.
    pub fn set_details(&self, publisher: &str, codecs: &str) {
        if let Ok(mut d) = self.details.write() {
            *d = (publisher.to_string(), codecs.to_string());
        }
    }

    /// Publishes a segment or partial segment (immutable once published). One large enough is copied into a
    /// sealed memory file here, once, so that every viewer's copy goes out with `sendfile` (see
    /// [`crate::net::zero_copy`]).
    pub fn put_segment(&self, name: &str, data: Bytes) {
        let data = crate::net::zero_copy::sealed(data);
        self.change(|f| {
            f.hinted.remove(name);
            f.files
                .insert(name.to_string(), (LiveFile::Segment(data), SystemTime::now()));
        });
    }

    /// Publishes a new version of a playlist; wakes readers blocked on it.
    pub fn put_playlist(&self, name: &str, playlist: LivePlaylist) {
        self.change(|f| {
            f.files
                .insert(name.to_string(), (LiveFile::Playlist(playlist), SystemTime::now()));
        });
    }

    /// Announces a file that will be published soon (an `EXT-X-PRELOAD-HINT`): requests for it block until then.
    pub fn hint(&self, name: &str) {
        self.change(|f| {
            f.hinted.insert(name.to_string());
        });
    }

    /// Removes a file that slid out of the window.
    pub fn remove(&self, name: &str) {
        self.change(|f| {
            f.files.remove(name);
            f.hinted.remove(name);
        });
    }

    /// The publisher has gone for good: every media playlist gets `EXT-X-ENDLIST` (players play to its end
    /// and stop reloading; blocked reloads return at once), the multivariant playlist stays as it is. A
    /// publisher that comes back later republishes the playlists, live again, after a discontinuity.
    pub fn end_playlists(&self) {
        self.change(|f| {
            for (file, at) in f.files.values_mut() {
                let LiveFile::Playlist(p) = file else { continue };
                if p.ended || !p.text.starts_with(b"#EXTM3U") || contains(&p.text, b"#EXT-X-STREAM-INF") {
                    continue;
                }
                let mut text = p.text.to_vec();
                text.extend_from_slice(b"#EXT-X-ENDLIST\n");
                p.text = Bytes::from(text);
                p.ended = true;
                *at = SystemTime::now();
            }
        });
        self.ended.store(true, Ordering::Relaxed);
    }

    fn change(&self, edit: impl FnOnce(&mut StreamFiles)) {
        if let Ok(mut files) = self.files.write() {
            edit(&mut files);
        }
        self.version.send_modify(|v| *v += 1);
    }

    /// The file as it is now, with when it was published.
    pub fn get(&self, name: &str) -> Option<(LiveFile, SystemTime)> {
        self.files.read().ok()?.files.get(name).cloned()
    }

    fn is_hinted(&self, name: &str) -> bool {
        self.files.read().map(|f| f.hinted.contains(name)).unwrap_or(false)
    }

    /// Waits until playlist `name` reaches segment `msn` (and `part`), up to three target durations.
    pub async fn wait_playlist(
        &self,
        name: &str,
        msn: u64,
        part: Option<u64>,
    ) -> Result<(LivePlaylist, SystemTime), WaitError> {
        let mut version = self.version.subscribe();
        let started = tokio::time::Instant::now();
        loop {
            let Some((LiveFile::Playlist(p), at)) = self.get(name) else {
                return Err(WaitError::NotFound);
            };
            if p.ended || p.progress.satisfies(msn, part) {
                return Ok((p, at));
            }
            if msn > p.progress.msn.saturating_add(2) {
                return Err(WaitError::TooFarAhead);
            }
            let limit = started + blocking_timeout(p.target_duration);
            match tokio::time::timeout_at(limit, version.changed()).await {
                Ok(Ok(())) => continue,
                _ => return Err(WaitError::TimedOut),
            }
        }
    }

    /// Returns a published file, waiting (up to `max_wait`) when it is preload-hinted but not there yet.
    pub async fn wait_file(&self, name: &str, max_wait: Duration) -> Result<(LiveFile, SystemTime), WaitError> {
        let mut version = self.version.subscribe();
        let deadline = tokio::time::Instant::now() + max_wait;
        loop {
            if let Some(found) = self.get(name) {
                return Ok(found);
            }
            if !self.is_hinted(name) {
                return Err(WaitError::NotFound);
            }
            match tokio::time::timeout_at(deadline, version.changed()).await {
                Ok(Ok(())) => continue,
                _ => return Err(WaitError::TimedOut),
            }
        }
    }

    pub fn info(&self) -> LiveStreamInfo {
        let (publisher, codecs) = self.details.read().map(|d| d.clone()).unwrap_or_default();
        LiveStreamInfo {
            name: self.name.clone(),
            entry: self.entry.read().map(|e| e.clone()).unwrap_or_default(),
            dash: self.get("manifest.mpd").map(|_| "manifest.mpd".to_string()),
            publisher,
            codecs,
            started_unix: self
                .started
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            files: self.files.read().map(|f| f.files.len()).unwrap_or(0),
            live: self.connected.load(Ordering::Relaxed),
            ended: self.ended.load(Ordering::Relaxed),
            uptime_s: self
                .session_started
                .lock()
                .ok()
                .and_then(|s| *s)
                .map(|s| (s.elapsed().as_secs_f64() * 10.0).round() / 10.0)
                .unwrap_or(0.0),
            bitrate: self.rate.lock().map(|r| r.rate).unwrap_or(0),
            viewers: self.viewer_count(),
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// How long a blocking playlist request is held: three target durations (RFC 8216bis), within 1..=60 s.
fn blocking_timeout(target_duration: f64) -> Duration {
    let secs = target_duration * 3.0;
    Duration::from_secs_f64(if secs.is_finite() { secs.clamp(1.0, 60.0) } else { 6.0 })
}

/// All live streams by name (the publishing key); served under `/live/NAME/`.
#[derive(Default)]
pub struct LiveRegistry {
    streams: RwLock<BTreeMap<String, Arc<LiveStream>>>,
}

impl LiveRegistry {
    pub fn new() -> Arc<Self> {
        Arc::new(LiveRegistry::default())
    }

    /// The stream called `name`, created when new (a publisher that comes back gets its old stream).
    pub fn publish(&self, name: &str) -> Arc<LiveStream> {
        let mut streams = match self.streams.write() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        streams
            .entry(name.to_string())
            .or_insert_with(|| Arc::new(LiveStream::new(name)))
            .clone()
    }

    pub fn get(&self, name: &str) -> Option<Arc<LiveStream>> {
        self.streams.read().ok()?.get(name).cloned()
    }

    /// Forgets a stream (its files stop being served).
    pub fn remove(&self, name: &str) {
        if let Ok(mut s) = self.streams.write() {
            s.remove(name);
        }
    }

    pub fn list(&self) -> Vec<LiveStreamInfo> {
        self.streams
            .read()
            .map(|s| s.values().map(|s| s.info()).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn playlist(msn: u64, part: Option<u64>) -> LivePlaylist {
        LivePlaylist {
            text: Bytes::from(format!("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:{msn}\n")),
            progress: PlaylistProgress { msn, part, parts: 0 },
            target_duration: 1.0,
            ended: false,
        }
    }

    #[test]
    fn progress_satisfies_blocking_requests() {
        let p = PlaylistProgress {
            msn: 5,
            part: Some(2),
            parts: 0,
        };
        assert!(p.satisfies(4, None));
        assert!(p.satisfies(5, Some(2)));
        assert!(!p.satisfies(5, Some(3)));
        assert!(!p.satisfies(5, None));
        assert!(
            PlaylistProgress {
                msn: 5,
                part: None,
                parts: 0
            }
            .satisfies(5, Some(9))
        );
        let complete = PlaylistProgress {
            msn: 5,
            part: None,
            parts: 4,
        };
        assert!(complete.satisfies(5, Some(3)));
        assert!(
            !complete.satisfies(5, Some(4)),
            "past the last part: part 0 of segment 6"
        );
    }

    #[tokio::test]
    async fn ending_marks_media_playlists_and_releases_blocked_readers() {
        let registry = LiveRegistry::new();
        let stream = registry.publish("cam");
        stream.put_playlist("source/index.m3u8", playlist(3, None));
        let master = LivePlaylist {
            text: Bytes::from_static(b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nsource/index.m3u8\n"),
            ..playlist(0, None)
        };
        stream.put_playlist("index.m3u8", master);
        let reader = stream.clone();
        let blocked = tokio::spawn(async move { reader.wait_playlist("source/index.m3u8", 4, None).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        stream.end_playlists();
        let (p, _) = tokio::time::timeout(Duration::from_secs(1), blocked)
            .await
            .expect("released at once")
            .expect("task")
            .expect("playlist");
        assert!(p.ended && p.text.ends_with(b"#EXT-X-ENDLIST\n"));
        let Some((LiveFile::Playlist(m), _)) = stream.get("index.m3u8") else {
            panic!("master")
        };
        assert!(!m.ended && !contains(&m.text, b"ENDLIST"));
        assert!(registry.list()[0].ended);
        // Ending twice adds nothing; a publisher coming back clears the flag.
        stream.end_playlists();
        let Some((LiveFile::Playlist(p), _)) = stream.get("source/index.m3u8") else {
            panic!("media")
        };
        assert_eq!(p.text.windows(14).filter(|w| w == b"#EXT-X-ENDLIST").count(), 1);
        stream.set_connected(true);
        assert!(!registry.list()[0].ended);
    }

    #[tokio::test]
    async fn blocked_reader_wakes_on_publish() {
        let registry = LiveRegistry::new();
        let stream = registry.publish("cam");
        stream.put_playlist("index.m3u8", playlist(3, Some(0)));
        assert_eq!(
            stream.wait_playlist("index.m3u8", 9, None).await.err(),
            Some(WaitError::TooFarAhead)
        );
        let writer = stream.clone();
        let task = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            writer.put_playlist("index.m3u8", playlist(3, Some(1)));
            writer.put_playlist("index.m3u8", playlist(4, Some(0)));
        });
        let (p, _) = stream.wait_playlist("index.m3u8", 4, Some(0)).await.expect("playlist");
        assert_eq!(
            p.progress,
            PlaylistProgress {
                msn: 4,
                part: Some(0),
                parts: 0
            }
        );
        let _ = task.await;
        assert_eq!(registry.list().len(), 1);
    }

    #[tokio::test]
    async fn hinted_part_blocks_until_published() {
        let stream = LiveRegistry::new().publish("cam");
        assert!(matches!(
            stream.wait_file("p1.m4s", Duration::from_millis(10)).await,
            Err(WaitError::NotFound)
        ));
        stream.hint("p1.m4s");
        let writer = stream.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            writer.put_segment("p1.m4s", Bytes::from_static(b"part"));
        });
        let (file, _) = stream.wait_file("p1.m4s", Duration::from_secs(5)).await.expect("part");
        assert!(matches!(file, LiveFile::Segment(b) if b.as_ref() == b"part"));
    }
}
