//! Mapping request paths to files under the served root, safely, and an in-memory cache of small files.
//!
//! Safety: the path is percent-decoded once, then any `..`, `.`-prefixed segment, NUL or backslash is refused,
//! so `%2e%2e` and `..%2f` cannot climb out. Symlinks are followed only when the file they lead to is inside
//! the root: the resolved path is canonicalised and must start with the canonical root.
//!
//! Speed: files up to a size limit are kept in memory with their validators, precomputed headers and, for
//! playlists and manifests, a gzipped copy. A hit costs no read, and a `stat` (to notice a rewritten file by
//! its device, inode, length and modification time) at most every [`REVALIDATE_PLAYLIST`] for playlists and
//! manifests and [`REVALIDATE_OTHER`] for other files, as nginx's `open_file_cache_valid` does (a `stat` per
//! request costs more than the rest of a small response). Larger files are streamed from disk in chunks.

use super::conditional::{file_etag, gzip_etag};
use super::policy::{self, FileKind, HlsPlaylist};
use crate::net::zero_copy;
use axum::http::HeaderValue;
use bytes::Bytes;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

/// Why a request path was refused before touching the file system.
#[derive(Debug, PartialEq, Eq)]
pub enum PathRejection {
    /// Not valid percent-encoding or UTF-8, or a NUL byte.
    Malformed,
    /// A `..` segment, a hidden (`.`-prefixed) segment or a backslash.
    Forbidden,
}

/// Splits a request path into decoded, checked segments (empty and repeated slashes dropped).
pub fn decode_path(raw: &str) -> Result<Vec<String>, PathRejection> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| PathRejection::Malformed)?;
    if decoded.contains('\0') {
        return Err(PathRejection::Malformed);
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        if segment.is_empty() {
            continue;
        }
        if segment.starts_with('.') || segment.contains('\\') {
            return Err(PathRejection::Forbidden);
        }
        segments.push(segment.to_string());
    }
    Ok(segments)
}

/// A representation held in memory, with every header value it needs built once.
pub struct Representation {
    pub body: Bytes,
    pub gzip: Option<Bytes>,
    pub etag: HeaderValue,
    pub gzip_etag: HeaderValue,
    pub last_modified: SystemTime,
    pub last_modified_value: HeaderValue,
    pub content_type: HeaderValue,
    pub cache_control: HeaderValue,
    pub kind: FileKind,
}

impl Representation {
    /// Builds a representation; `gzip` is made here for compressible kinds.
    pub fn new(body: Bytes, name: &str, modified: SystemTime, cache_control: &str) -> Self {
        let (mime, kind) = policy::classify(name);
        let etag = file_etag(body.len() as u64, modified);
        let gzip = if policy::compressible(kind) {
            gzip_bytes(&body)
        } else {
            None
        };
        Representation {
            gzip_etag: header(&gzip_etag(&etag)),
            etag: header(&etag),
            body,
            gzip,
            last_modified: modified,
            last_modified_value: header(&httpdate::fmt_http_date(modified)),
            content_type: HeaderValue::from_static(mime),
            cache_control: header(cache_control),
            kind,
        }
    }
}

fn header(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn gzip_bytes(data: &[u8]) -> Option<Bytes> {
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 3 + 64), flate2::Compression::new(6));
    encoder.write_all(data).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

/// What identifies one version of one file: a rewrite or rename-over changes at least one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
}

impl FileId {
    fn of(meta: &std::fs::Metadata) -> Self {
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
        }
    }
}

/// How long a cached playlist or manifest is served without checking the file: a live playlist rewritten on
/// disk is seen within this (far less than its max-age, the delay an edge adds anyway).
pub const REVALIDATE_PLAYLIST: Duration = Duration::from_millis(100);
/// The same for segments and other files (segments are immutable; a deleted one may be served this long).
pub const REVALIDATE_OTHER: Duration = Duration::from_secs(1);

struct CachedFile {
    id: FileId,
    rep: Arc<Representation>,
    /// When the file was last seen unchanged, in milliseconds since the store's epoch.
    checked_ms: AtomicU64,
}

/// A file too large for the cache, opened and checked, to be streamed.
pub struct LargeFile {
    pub file: std::fs::File,
    pub len: u64,
    pub etag: HeaderValue,
    pub last_modified: SystemTime,
    pub last_modified_value: HeaderValue,
    pub content_type: HeaderValue,
    pub cache_control: HeaderValue,
}

/// The result of looking a request up on disk.
pub enum Lookup {
    Memory(Arc<Representation>),
    Stream(LargeFile),
    /// A directory inside the root (canonical path); the caller decides whether to list it.
    Directory(PathBuf),
    NotFound,
    /// The path exists but resolves outside the root (a symlink out of the tree).
    Outside,
}

/// The served directory and the cache of its small files.
pub struct FileStore {
    root: PathBuf,
    cache: RwLock<HashMap<PathBuf, CachedFile>>,
    cached_bytes: Mutex<u64>,
    budget: u64,
    file_max: u64,
    epoch: Instant,
}

/// Largest playlist read to decide its caching when it is too big for the cache.
const PLAYLIST_READ_MAX: u64 = 4 << 20;

impl FileStore {
    /// `root` must exist; it is canonicalised here. `budget`: total cached bytes; `file_max`: largest cached file.
    pub fn new(root: &Path, budget: u64, file_max: u64) -> crate::Result<Self> {
        let root = root.canonicalize().map_err(|e| crate::Error::io(root, e))?;
        if !root.is_dir() {
            return Err(crate::Error::InvalidArgument(format!(
                "{}: not a directory",
                root.display()
            )));
        }
        Ok(FileStore {
            root,
            cache: RwLock::default(),
            cached_bytes: Mutex::new(0),
            budget,
            file_max,
            epoch: Instant::now(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The cached representation when the file on disk is still the one cached (checked with one `stat`, at
    /// most every revalidation interval; no read). `None` means "not cached, call [`FileStore::load`]".
    pub fn lookup_cached(&self, segments: &[String]) -> Option<Lookup> {
        let path = self.join(segments);
        let now_ms = self.epoch.elapsed().as_millis() as u64;
        {
            let cache = self.cache.read().ok()?;
            if let Some(entry) = cache.get(&path) {
                let window = match entry.rep.kind {
                    FileKind::HlsPlaylist | FileKind::DashManifest => REVALIDATE_PLAYLIST,
                    _ => REVALIDATE_OTHER,
                };
                if now_ms.saturating_sub(entry.checked_ms.load(Ordering::Relaxed)) < window.as_millis() as u64 {
                    return Some(Lookup::Memory(entry.rep.clone()));
                }
            }
        }
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(_) => return Some(Lookup::NotFound),
        };
        if meta.is_dir() {
            return None;
        }
        let cache = self.cache.read().ok()?;
        match cache.get(&path) {
            Some(entry) if entry.id == FileId::of(&meta) => {
                entry.checked_ms.store(now_ms, Ordering::Relaxed);
                Some(Lookup::Memory(entry.rep.clone()))
            }
            _ => None,
        }
    }

    /// Resolves, checks and (for small files) reads and caches a file. Blocking: run it off the async threads.
    pub fn load(&self, segments: &[String]) -> Lookup {
        let path = self.join(segments);
        let Ok(canonical) = path.canonicalize() else {
            return Lookup::NotFound;
        };
        if !canonical.starts_with(&self.root) {
            return Lookup::Outside;
        }
        let Ok(mut file) = std::fs::File::open(&canonical) else {
            return Lookup::NotFound;
        };
        let Ok(meta) = file.metadata() else {
            return Lookup::NotFound;
        };
        if meta.is_dir() {
            return Lookup::Directory(canonical);
        }
        if !meta.is_file() {
            return Lookup::NotFound;
        }
        let name = segments.last().map(String::as_str).unwrap_or("");
        let (_, kind) = policy::classify(name);
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let len = meta.len();
        if len <= self.file_max || (kind != FileKind::Segment && kind != FileKind::Other && len <= PLAYLIST_READ_MAX) {
            let mut data = Vec::with_capacity(len as usize);
            if file.read_to_end(&mut data).is_err() {
                return Lookup::NotFound;
            }
            // A file being rewritten in place may have changed length since the stat: tag what was read.
            let id = FileId {
                len: data.len() as u64,
                ..FileId::of(&meta)
            };
            let cache_control = self.cache_control(kind, &data, &canonical);
            // Segments and other media go out with sendfile from a sealed memory file; playlists and manifests
            // (small, often gzipped, rewritten live) stay on the heap.
            let body = match kind {
                FileKind::Segment | FileKind::Other => zero_copy::sealed(Bytes::from(data)),
                _ => Bytes::from(data),
            };
            let rep = Arc::new(Representation::new(body, name, modified, &cache_control));
            if id.len <= self.file_max {
                let checked_ms = AtomicU64::new(self.epoch.elapsed().as_millis() as u64);
                self.insert(
                    path,
                    CachedFile {
                        id,
                        rep: rep.clone(),
                        checked_ms,
                    },
                );
            }
            return Lookup::Memory(rep);
        }
        let cache_control = match kind {
            FileKind::Segment => policy::segment_cache_control(),
            _ => policy::other_cache_control(),
        };
        Lookup::Stream(LargeFile {
            file,
            len,
            etag: header(&file_etag(len, modified)),
            last_modified: modified,
            last_modified_value: header(&httpdate::fmt_http_date(modified)),
            content_type: HeaderValue::from_static(policy::classify(name).0),
            cache_control: header(&cache_control),
        })
    }

    fn join(&self, segments: &[String]) -> PathBuf {
        let mut path = self.root.clone();
        path.extend(segments);
        path
    }

    fn insert(&self, path: PathBuf, entry: CachedFile) {
        let size = entry.rep.body.len() as u64 + entry.rep.gzip.as_ref().map_or(0, |g| g.len() as u64);
        let (Ok(mut cache), Ok(mut used)) = (self.cache.write(), self.cached_bytes.lock()) else {
            return;
        };
        if let Some(old) = cache.remove(&path) {
            *used -= old.rep.body.len() as u64 + old.rep.gzip.as_ref().map_or(0, |g| g.len() as u64);
        }
        // Over budget: drop arbitrary entries (hash order) until it fits; a hot file comes back on its next miss.
        while *used + size > self.budget {
            let Some(victim) = cache.keys().next().cloned() else {
                break;
            };
            if let Some(old) = cache.remove(&victim) {
                *used -= old.rep.body.len() as u64 + old.rep.gzip.as_ref().map_or(0, |g| g.len() as u64);
            }
        }
        if *used + size <= self.budget {
            *used += size;
            cache.insert(path, entry);
        }
    }

    /// Cache-Control by kind; playlists and manifests by what they say (VOD or live).
    fn cache_control(&self, kind: FileKind, data: &[u8], canonical: &Path) -> String {
        match kind {
            FileKind::Segment => policy::segment_cache_control(),
            FileKind::Other => policy::other_cache_control(),
            FileKind::DashManifest => match policy::parse_mpd(&String::from_utf8_lossy(data)) {
                (true, period) => policy::live_cache_control(period.unwrap_or(2.0)),
                (false, _) => policy::vod_cache_control(),
            },
            FileKind::HlsPlaylist => match policy::parse_hls(&String::from_utf8_lossy(data)) {
                HlsPlaylist::Media { ended: true, .. } => policy::vod_cache_control(),
                HlsPlaylist::Media {
                    ended: false,
                    target_duration,
                    part_target,
                } => policy::live_cache_control(part_target.map_or(target_duration, |p| p * 2.0)),
                HlsPlaylist::Master { uris } => self.master_cache_control(&uris, canonical),
            },
        }
    }

    /// A multivariant playlist is as cacheable as the media playlists it lists: VOD when all of them have
    /// ended, live (shortest half target) otherwise, including when one cannot be read.
    fn master_cache_control(&self, uris: &[String], master: &Path) -> String {
        let dir = master.parent().unwrap_or(&self.root);
        let mut live_target: Option<f64> = None;
        for uri in uris {
            let uri = uri.split(['?', '#']).next().unwrap_or("");
            let media = if uri.contains("://") || uri.starts_with('/') {
                None
            } else {
                dir.join(uri)
                    .canonicalize()
                    .ok()
                    .filter(|p| p.starts_with(&self.root))
                    .and_then(|p| std::fs::File::open(p).ok())
                    .and_then(|f| {
                        let mut text = String::new();
                        f.take(PLAYLIST_READ_MAX)
                            .read_to_string(&mut text)
                            .ok()
                            .map(|_| policy::parse_hls(&text))
                    })
            };
            match media {
                Some(HlsPlaylist::Media { ended: true, .. }) => {}
                Some(HlsPlaylist::Media { target_duration, .. }) => {
                    live_target = Some(live_target.map_or(target_duration, |t: f64| t.min(target_duration)))
                }
                _ => live_target = Some(live_target.map_or(2.0, |t: f64| t.min(2.0))),
            }
        }
        match live_target {
            None => policy::vod_cache_control(),
            Some(t) => policy::live_cache_control(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused() {
        assert_eq!(decode_path("/a/b.ts"), Ok(vec!["a".to_string(), "b.ts".to_string()]));
        assert_eq!(decode_path("//a///b"), Ok(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(decode_path("/../etc/passwd"), Err(PathRejection::Forbidden));
        assert_eq!(
            decode_path("/a/%2e%2e/%2E%2E/etc/passwd"),
            Err(PathRejection::Forbidden)
        );
        assert_eq!(decode_path("/a/..%2f..%2fetc"), Err(PathRejection::Forbidden));
        assert_eq!(decode_path("/.git/config"), Err(PathRejection::Forbidden));
        assert_eq!(decode_path("/a\\..\\b"), Err(PathRejection::Forbidden));
        assert_eq!(decode_path("/a%00b"), Err(PathRejection::Malformed));
        assert_eq!(decode_path("/%ff"), Err(PathRejection::Malformed));
    }

    #[test]
    fn symlink_out_of_root_is_refused_and_cache_notices_rewrites() {
        let outside = tempfile::tempdir().expect("tempdir");
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("secret.ts"), b"secret").expect("write");
        std::os::unix::fs::symlink(outside.path().join("secret.ts"), root.path().join("link.ts")).expect("link");
        std::fs::write(root.path().join("a.ts"), b"first").expect("write");
        let store = FileStore::new(root.path(), 1 << 20, 1 << 16).expect("store");
        assert!(matches!(store.load(&["link.ts".into()]), Lookup::Outside));
        assert!(store.lookup_cached(&["a.ts".into()]).is_none());
        assert!(matches!(store.load(&["a.ts".into()]), Lookup::Memory(r) if r.body.as_ref() == b"first"));
        assert!(matches!(store.lookup_cached(&["a.ts".into()]), Some(Lookup::Memory(_))));
        std::fs::write(root.path().join("b.ts"), b"second!").expect("write");
        std::fs::rename(root.path().join("b.ts"), root.path().join("a.ts")).expect("rename");
        std::thread::sleep(REVALIDATE_OTHER + Duration::from_millis(50));
        assert!(store.lookup_cached(&["a.ts".into()]).is_none());
    }
}
