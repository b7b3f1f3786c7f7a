//! Live ingest through the binary with real peers: ffmpeg publishes over RTMP and SRT (several streams at once),
//! `reel serve` packages LL-HLS, and plain HTTP checks the playlists, parts, blocking reloads, headers, the
//! sliding window and `/api/streams`; a refused key, garbage, a stalled publisher and a reconnect; an SRT
//! passphrase that refuses publishers without it; a live ladder; live DASH; and hls.js and dash.js in headless
//! Chromium play a live stream for 10 s each without a stall.
//! Needs ffmpeg (with libsrt, as Debian's is); the browser case also chromium and node (skips without them).

mod common;

use common::{hls_parser_accepts, mpd_is_schema_valid};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

/// The tests that need real-time CPU (a live transcode, a browser) run alone, the others side by side: on a
/// 2-core machine, chromium playing at the live edge beside three ffmpeg publishers and their servers stalled
/// now and then (2 runs in 7), and a stall caused by the test harness is not the server's.
static CPU: RwLock<()> = RwLock::new(());

/// Taken by a test that needs real-time CPU: waits until no other test runs.
fn heavy() -> std::sync::RwLockWriteGuard<'static, ()> {
    CPU.write().unwrap_or_else(|p| p.into_inner())
}

/// Taken by every other test: they run side by side, never beside a heavy one. `None` (skip the test) where
/// ffmpeg cannot make the clip.
fn light() -> Option<std::sync::RwLockReadGuard<'static, ()>> {
    clip()?;
    Some(CPU.read().unwrap_or_else(|p| p.into_inner()))
}

/// A 60 s 320x240 clip with a keyframe every second (2 s segments when copied), made once.
fn clip() -> Option<&'static Path> {
    static CLIP: OnceLock<Option<(tempfile::TempDir, PathBuf)>> = OnceLock::new();
    CLIP.get_or_init(|| {
        if Command::new("ffmpeg").arg("-version").output().is_err() {
            eprintln!("skipping: ffmpeg is not installed (apt-get install ffmpeg)");
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("clip.mp4");
        let ok = Command::new("ffmpeg")
            .args(["-loglevel", "error", "-nostdin", "-y"])
            .args(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"])
            .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
            .args([
                "-t",
                "40",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
            ])
            .args([
                "-g",
                "25",
                "-keyint_min",
                "25",
                "-sc_threshold",
                "0",
                "-c:a",
                "aac",
                "-b:a",
                "64k",
            ])
            .arg(&path)
            .stdin(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "ffmpeg could not make the clip");
        Some((dir, path))
    })
    .as_ref()
    .map(|(_, p)| p.as_path())
}

/// `reel serve` with RTMP and SRT ingest on ephemeral ports.
struct LiveServer {
    child: Child,
    base: String,
    rtmp: String,
    srt: String,
    log: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl LiveServer {
    fn start(flags: &[&str]) -> LiveServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_reel"))
            .args(["--json", "serve"])
            .arg(dir.path())
            .args(["--listen", "127.0.0.1:0"])
            .args(["--ingest", "rtmp://127.0.0.1:0/live", "--ingest", "srt://127.0.0.1:0"])
            .args(flags)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn reel serve");
        let log = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("startup line");
        let v: serde_json::Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|_| panic!("reel serve printed {line:?}: {}", log.lock().unwrap()));
        let ingest: Vec<String> = v["ingest"]
            .as_array()
            .expect("ingest URLs")
            .iter()
            .map(|u| u.as_str().unwrap_or("").to_string())
            .collect();
        let base = v["url"].as_str().expect("url").trim_end_matches('/').to_string();
        let rtmp = ingest[0].trim_end_matches("/KEY").to_string();
        let srt = ingest[1].trim_end_matches("?streamid=KEY").to_string();
        LiveServer {
            child,
            base,
            rtmp,
            srt,
            log,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn log(&self) -> String {
        self.log.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// ffmpeg publishing the clip in real time (`-re`, stream copy) to `key` over RTMP or SRT.
    fn push(&self, srt: bool, key: &str, seconds: u32) -> Child {
        let url = if srt {
            format!("{}?streamid={key}", self.srt)
        } else {
            format!("{}/{key}", self.rtmp)
        };
        push_to(&url, seconds)
    }

    /// Polls `path` until `done` holds for its body (panics after `secs`).
    fn wait_for(&self, path: &str, secs: u64, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let (status, _, body) = get(&self.url(path));
            if status == 200 && done(&body) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "{path}: not ready after {secs} s (status {status}): {body}\nserver log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// ffmpeg publishing the clip in real time (`-re`, stream copy) to `url`: MPEG-TS for `srt://`, FLV otherwise.
fn push_to(url: &str, seconds: u32) -> Child {
    let format = if url.starts_with("srt://") { "mpegts" } else { "flv" };
    Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-nostdin",
            "-re",
            "-t",
            &seconds.to_string(),
            "-i",
        ])
        .arg(clip().expect("clip"))
        .args(["-c", "copy", "-f", format, url])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ffmpeg")
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build(),
    )
}

/// Status, headers (lowercase names) and body as text.
fn get(url: &str) -> (u16, Vec<(String, String)>, String) {
    let Ok(mut resp) = agent().get(url).call() else {
        return (0, Vec::new(), String::new());
    };
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let mut body = Vec::new();
    let _ = resp.body_mut().as_reader().read_to_end(&mut body);
    (
        resp.status().as_u16(),
        headers,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// The playlist's `EXT-X-MEDIA-SEQUENCE`.
fn media_sequence(playlist: &str) -> u64 {
    playlist
        .lines()
        .find_map(|l| l.strip_prefix("#EXT-X-MEDIA-SEQUENCE:"))
        .and_then(|n| n.parse().ok())
        .expect("sequence")
}

fn complete_segments(playlist: &str) -> usize {
    playlist.matches("#EXTINF").count()
}

/// The newest part listed: (media sequence number, part index) from its `segMSN.PART.m4s` name.
fn last_part(playlist: &str) -> (u64, u64) {
    let uri = playlist
        .lines()
        .rfind(|l| l.starts_with("#EXT-X-PART:"))
        .and_then(|l| l.split("URI=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .expect("a part");
    let mut it = uri.trim_start_matches("seg").trim_end_matches(".m4s").split('.');
    let msn = it.next().and_then(|s| s.parse().ok()).expect("msn");
    let part = it.next().and_then(|s| s.parse().ok()).expect("part");
    (msn, part)
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn rtmp_and_srt_publishers_at_once_become_ll_hls() {
    let Some(_cpu) = light() else { return };
    let server = LiveServer::start(&["--copy", "--window", "3"]);
    let rtmp = server.push(false, "cam1", 30);
    let srt = server.push(true, "cam2", 30);
    for key in ["cam1", "cam2"] {
        server.wait_for(&format!("/live/{key}/source/index.m3u8"), 40, |p| {
            complete_segments(p) >= 2
        });
    }

    // Multivariant playlist: one variant with RFC 6381 codecs and resolution.
    let (status, headers, master) = get(&server.url("/live/cam1/index.m3u8"));
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "application/vnd.apple.mpegurl");
    assert!(
        master.contains("CODECS=\"avc1.") && master.contains(",mp4a.40.2\"") && master.contains("RESOLUTION=320x240"),
        "{master}"
    );
    assert!(master.contains("\nsource/index.m3u8\n"), "{master}");

    for key in ["cam1", "cam2"] {
        let path = format!("/live/{key}/source/index.m3u8");
        let (status, headers, playlist) = get(&server.url(&path));
        assert_eq!(status, 200, "{key}");
        assert_eq!(header(&headers, "content-type"), "application/vnd.apple.mpegurl");
        // Half the 2 s target duration: no edge keeps a live playlist longer than that.
        assert_eq!(header(&headers, "cache-control"), "public, max-age=1", "{key}");
        for tag in [
            "#EXT-X-TARGETDURATION:2\n",
            "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=",
            "#EXT-X-PART-INF:PART-TARGET=0.5",
            "#EXT-X-MAP:URI=\"init0.mp4\"",
            "#EXT-X-PART:DURATION=",
            "INDEPENDENT=YES",
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"",
            "#EXT-X-PROGRAM-DATE-TIME:",
            "#EXTINF:2.0",
        ] {
            assert!(playlist.contains(tag), "{key}: no {tag} in\n{playlist}");
        }

        // Parts and segments are immutable CMAF; init + a segment is a playable file.
        let (msn, part) = last_part(&playlist);
        let (status, headers, _) = get(&server.url(&format!("/live/{key}/source/seg{msn}.{part}.m4s")));
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-type"), "video/iso.segment");
        assert_eq!(header(&headers, "cache-control"), "public, max-age=31536000, immutable");
        let seg_line = playlist
            .lines()
            .find(|l| l.starts_with("seg") && !l.contains(".m4s.") && l.ends_with(".m4s"))
            .expect("a complete segment");
        let mut bytes = ureq_bytes(&server.url(&format!("/live/{key}/source/init0.mp4")));
        bytes.extend(ureq_bytes(&server.url(&format!("/live/{key}/source/{seg_line}"))));
        let file = tempfile::Builder::new().suffix(".mp4").tempfile().expect("temp");
        std::fs::write(file.path(), &bytes).expect("write");
        let probe = Command::new("ffprobe")
            .args(["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0"])
            .arg(file.path())
            .output()
            .expect("ffprobe");
        let streams = String::from_utf8_lossy(&probe.stdout).to_string();
        assert!(streams.contains("h264") && streams.contains("aac"), "{key}: {streams}");

        // Blocking reload: ask for the part after the newest (past a complete segment's last part, that is part 0
        // of the next segment); the answer comes when it is published.
        let started = Instant::now();
        let (status, headers, newer) = get(&server.url(&format!("{path}?_HLS_msn={msn}&_HLS_part={}", part + 1)));
        assert_eq!(status, 200, "{key}: blocking reload");
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
        assert!(header(&headers, "cache-control").starts_with("public, max-age="));
        let (new_msn, new_part) = last_part(&newer);
        assert!((new_msn, new_part) > (msn, part), "{key}: {newer}");

        // The preload-hinted part is answered as soon as it exists.
        let hinted = newer
            .lines()
            .find_map(|l| l.strip_prefix("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\""))
            .and_then(|s| s.strip_suffix('"'))
            .expect("hint")
            .to_string();
        let (status, _, _) = get(&server.url(&format!("/live/{key}/source/{hinted}")));
        assert_eq!(status, 200, "{key}: hinted part {hinted}");
    }

    // Live DASH over the same stream: a dynamic MPD whose segments exist, with separate audio and video.
    let (status, headers, mpd) = get(&server.url("/live/cam2/manifest.mpd"));
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "application/dash+xml");
    assert_eq!(header(&headers, "cache-control"), "public, max-age=1");
    assert!(
        mpd.contains(r#"type="dynamic""#) && mpd.contains("<SegmentTimeline>"),
        "{mpd}"
    );
    assert!(
        mpd.contains(r#"contentType="video""#) && mpd.contains(r#"contentType="audio""#),
        "{mpd}"
    );
    let start = mpd
        .split("startNumber=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("startNumber");
    for file in [
        format!("dash-v-{start}.m4s"),
        format!("dash-a-{start}.m4s"),
        "dash-v-init0.mp4".into(),
    ] {
        assert_eq!(
            get(&server.url(&format!("/live/cam2/source/{file}"))).0,
            200,
            "{file}: {mpd}"
        );
    }

    // /api/streams: both publishers, their codecs, a bit rate, uptime and viewers.
    let (_, headers, body) = get(&server.url("/api/streams"));
    assert_eq!(header(&headers, "content-type"), "application/json");
    let streams: serde_json::Value = serde_json::from_str(&body).expect("json");
    let find = |name: &str| {
        streams
            .as_array()
            .and_then(|a| a.iter().find(|s| s["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("{name} not in {body}"))
    };
    for (name, scheme) in [("cam1", "rtmp://"), ("cam2", "srt://")] {
        let s = find(name);
        assert_eq!(s["live"], true, "{s}");
        assert!(s["publisher"].as_str().unwrap_or("").starts_with(scheme), "{s}");
        assert!(s["codecs"].as_str().unwrap_or("").contains("h264 320x240"), "{s}");
        assert!(s["codecs"].as_str().unwrap_or("").contains("aac"), "{s}");
        assert!(s["bitrate"].as_u64().unwrap_or(0) > 10_000, "{s}");
        assert!(s["uptime_s"].as_f64().unwrap_or(0.0) > 1.0, "{s}");
        assert!(s["viewers"].as_u64().unwrap_or(0) >= 1, "{s}");
    }

    // Sliding window of 3 segments: the oldest are gone from the playlist and from the server.
    let playlist = server.wait_for("/live/cam1/source/index.m3u8", 30, |p| {
        p.contains("#EXT-X-MEDIA-SEQUENCE:") && !p.contains("#EXT-X-MEDIA-SEQUENCE:0\n") && complete_segments(p) == 3
    });
    assert!(!playlist.contains("\nseg0.m4s"), "{playlist}");
    assert_eq!(get(&server.url("/live/cam1/source/seg0.m4s")).0, 404);
    assert_eq!(get(&server.url("/live/cam1/source/seg0.0.m4s")).0, 404);
    stop(rtmp);
    stop(srt);
}

fn ureq_bytes(url: &str) -> Vec<u8> {
    let mut resp = agent().get(url).call().expect(url);
    let mut out = Vec::new();
    let _ = resp.body_mut().as_reader().read_to_end(&mut out);
    out
}

#[test]
fn refused_keys_garbage_and_stalls_drop_one_connection_and_a_reconnect_continues() {
    let Some(_cpu) = light() else { return };
    let keys = tempfile::NamedTempFile::new().expect("keys");
    std::fs::write(keys.path(), "# allowed publishers\ncam1\n").expect("write keys");
    let server = LiveServer::start(&[
        "--copy",
        "--keys",
        keys.path().to_str().expect("path"),
        "--stall-timeout",
        "2",
    ]);
    let publisher = server.push(false, "cam1", 30);

    // Unknown keys: refused over RTMP (error status) and SRT (rejected in the handshake).
    for srt in [false, true] {
        let out = server.push(srt, "intruder", 5).wait_with_output().expect("ffmpeg");
        assert!(!out.status.success(), "srt={srt}: an unknown key was accepted");
    }
    assert!(
        server.log().contains("unknown stream key 'intruder'"),
        "{}",
        server.log()
    );

    // Garbage on the RTMP port: that connection is dropped with a log line.
    let rtmp_addr = server
        .rtmp
        .trim_start_matches("rtmp://")
        .trim_end_matches("/live")
        .to_string();
    let mut garbage = TcpStream::connect(&rtmp_addr).expect("connect");
    garbage.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
    garbage.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let mut reply = Vec::new();
    let _ = garbage.read_to_end(&mut reply);
    // A valid handshake version, then a chunk that claims a 16 MiB message.
    let mut oversized = TcpStream::connect(&rtmp_addr).expect("connect");
    let mut hello = vec![3u8];
    hello.extend(std::iter::repeat_n(0u8, 1536 * 2));
    hello.extend([0x06, 0, 0, 0, 0xff, 0xff, 0xff, 9, 1, 0, 0, 0]);
    oversized.write_all(&hello).expect("send");
    oversized
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let _ = oversized.read_to_end(&mut reply);

    server.wait_for("/live/cam1/source/index.m3u8", 40, |p| complete_segments(p) >= 2);
    let log = server.log();
    assert!(log.contains("rtmp handshake: version 71"), "{log}");
    assert!(log.contains("rtmp: message of 16777215 bytes"), "{log}");

    // A publisher that stalls (SIGSTOP) is dropped after the stall timeout; the server keeps serving.
    // SAFETY: signalling our own child.
    unsafe { libc::kill(publisher.id() as libc::pid_t, libc::SIGSTOP) };
    let deadline = Instant::now() + Duration::from_secs(15);
    while !server.log().contains("stalled publisher") {
        assert!(Instant::now() < deadline, "stall not detected: {}", server.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    stop(publisher);
    server.wait_for("/api/streams", 10, |b| b.contains("\"live\":false"));
    let before = get(&server.url("/live/cam1/source/index.m3u8")).2;
    assert!(
        !before.contains("PRELOAD-HINT"),
        "a gone publisher leaves no hint: {before}"
    );

    // The same key again: the playlist continues after a discontinuity, with a new init segment.
    let again = server.push(false, "cam1", 30);
    let playlist = server.wait_for("/live/cam1/source/index.m3u8", 40, |p| {
        p.contains("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init1.mp4\"") && p.contains("PRELOAD-HINT")
    });
    assert!(
        media_sequence(&playlist) >= media_sequence(&before),
        "{before}\n{playlist}"
    );
    assert_eq!(get(&server.url("/live/cam1/source/init1.mp4")).0, 200);
    // In DASH the new session is a new Period.
    server.wait_for("/live/cam1/manifest.mpd", 20, |m| m.contains(r#"<Period id="p1""#));
    stop(again);
}

#[test]
fn a_publisher_gone_for_good_ends_the_playlist_and_one_coming_back_revives_it() {
    let Some(_cpu) = light() else { return };
    let server = LiveServer::start(&["--copy", "--end-after", "1"]);
    let playlist_path = "/live/cam3/source/index.m3u8";
    let first = server.push(false, "cam3", 4);
    let out = first.wait_with_output().expect("ffmpeg");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ended = server.wait_for(playlist_path, 15, |p| p.contains("#EXT-X-ENDLIST"));
    assert!(!ended.contains("PRELOAD-HINT"), "{ended}");
    assert!(complete_segments(&ended) >= 1, "{ended}");
    server.wait_for("/api/streams", 5, |b| b.contains("\"ended\":true"));
    // DASH ends the same way: the last MPD says where the presentation ends and asks for no more updates.
    let mpd = server.wait_for("/live/cam3/manifest.mpd", 5, |m| {
        m.contains("mediaPresentationDuration")
    });
    assert!(!mpd.contains("minimumUpdatePeriod"), "{mpd}");
    // A blocking reload past the end returns the ended playlist at once (no 3-target-duration hold).
    let next = media_sequence(&ended) + complete_segments(&ended) as u64;
    let asked = Instant::now();
    let (status, headers, body) = get(&server.url(&format!("{playlist_path}?_HLS_msn={next}")));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("#EXT-X-ENDLIST"), "{body}");
    assert!(asked.elapsed() < Duration::from_secs(2), "held {:?}", asked.elapsed());
    // Cached as live, not as VOD: a publisher that comes back revives it.
    assert_eq!(header(&headers, "cache-control"), "public, max-age=1");

    // Back after the end: the same playlist goes on, live again, after a discontinuity.
    let again = server.push(false, "cam3", 30);
    let revived = server.wait_for(playlist_path, 30, |p| {
        p.contains("#EXT-X-DISCONTINUITY\n") && p.contains("PRELOAD-HINT")
    });
    assert!(!revived.contains("#EXT-X-ENDLIST"), "{revived}");
    server.wait_for("/api/streams", 5, |b| b.contains("\"ended\":false"));
    server.wait_for("/live/cam3/manifest.mpd", 10, |m| {
        m.contains("minimumUpdatePeriod") && !m.contains("mediaPresentationDuration")
    });
    stop(again);
}

#[test]
fn an_srt_passphrase_admits_only_publishers_that_give_it() {
    let Some(_cpu) = light() else { return };
    let secret = "correct-horse-battery";
    let server = LiveServer::start(&["--copy", "--srt-passphrase", secret]);

    // No passphrase, or a wrong one: libsrt refuses the caller during the handshake, so ffmpeg fails to connect.
    for query in ["", "&passphrase=wrong-horse-battery"] {
        let url = format!("{}?streamid=intruder{query}", server.srt);
        let out = push_to(&url, 3).wait_with_output().expect("ffmpeg");
        assert!(!out.status.success(), "{url} was accepted");
    }

    // The right passphrase: the stream is packaged as usual.
    let publisher = push_to(&format!("{}?streamid=cam1&passphrase={secret}", server.srt), 30);
    server.wait_for("/live/cam1/source/index.m3u8", 30, |p| complete_segments(p) >= 1);
    let streams = get(&server.url("/api/streams")).2;
    assert!(!streams.contains("intruder"), "{streams}");
    stop(publisher);
}

#[test]
fn ladder_transcodes_live_to_renditions_with_aligned_segments() {
    if clip().is_none() {
        return;
    }
    let _cpu = heavy();
    let ladder = tempfile::Builder::new().suffix(".yaml").tempfile().expect("ladder");
    std::fs::write(
        ladder.path(),
        "version: 1\nvideo:\n  codec: h264\n  speed: ultrafast\n  renditions:\n    - { name: 240p, height: 240, bitrate: 300k }\n    - { name: 144p, height: 144, bitrate: 120k }\n    - { name: 1080p, height: 1080, bitrate: 5000k }\naudio: { codec: aac, bitrate: 64k, channels: 2, sample_rate: 48000 }\n",
    )
    .expect("write ladder");
    let server = LiveServer::start(&["--ladder", ladder.path().to_str().expect("path")]);
    let publisher = server.push(false, "ladder", 30);
    let saved = tempfile::tempdir().expect("tempdir");
    let master = server.wait_for("/live/ladder/index.m3u8", 60, |m| m.contains("144p/index.m3u8"));
    // Renditions taller than the 240-line input are left out.
    assert!(
        master.contains("RESOLUTION=320x240") && master.contains("RESOLUTION=192x144") && !master.contains("1080p"),
        "{master}"
    );
    for r in ["240p", "144p"] {
        let playlist = server.wait_for(&format!("/live/ladder/{r}/index.m3u8"), 60, |p| {
            complete_segments(p) >= 2
        });
        // Keyframes every segment duration: every segment lasts 2 s whatever the publisher's GOP.
        for d in playlist.lines().filter_map(|l| l.strip_prefix("#EXTINF:")) {
            let d: f64 = d.trim_end_matches(',').parse().expect("duration");
            assert!((d - 2.0).abs() < 0.05, "{r}: segment of {d} s\n{playlist}");
        }
        let other = if r == "240p" { "144p" } else { "240p" };
        assert!(
            playlist.contains(&format!(
                "#EXT-X-RENDITION-REPORT:URI=\"../{other}/index.m3u8\",LAST-MSN="
            )),
            "{playlist}"
        );
        std::fs::write(saved.path().join(format!("{r}.m3u8")), &playlist).expect("save");
    }
    // Strict parsers: hls-parser (RFC 8216 with the LL-HLS tags) and the MPEG DASH schema.
    std::fs::write(saved.path().join("master.m3u8"), &master).expect("save");
    let mpd = server.wait_for("/live/ladder/manifest.mpd", 30, |m| {
        m.matches("<Representation").count() >= 4
    });
    std::fs::write(saved.path().join("manifest.mpd"), &mpd).expect("save");
    stop(publisher);
    hls_parser_accepts(&["master.m3u8", "240p.m3u8", "144p.m3u8"].map(|f| saved.path().join(f)));
    mpd_is_schema_valid(&saved.path().join("manifest.mpd"));
}

#[test]
fn hls_js_and_dash_js_play_a_live_stream_for_ten_seconds_without_a_stall() {
    if clip().is_none() {
        return;
    }
    let browser = std::env::var("CHROMIUM").ok().or_else(|| {
        Path::new("/usr/bin/chromium")
            .exists()
            .then(|| "/usr/bin/chromium".into())
    });
    let Some(browser) = browser else {
        eprintln!("skipping: chromium is not installed (apt-get install chromium)");
        return;
    };
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("skipping: node is not installed (apt-get install nodejs npm)");
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !dir.join("node_modules/playwright-core").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .stdin(std::process::Stdio::null())
            .status();
        assert!(status.is_ok_and(|s| s.success()), "npm ci in tests/browser failed");
    }
    let _cpu = heavy();
    let server = LiveServer::start(&["--copy"]);
    let publisher = server.push(false, "show", 60);
    server.wait_for("/live/show/index.m3u8", 40, |m| m.contains("STREAM-INF"));
    server.wait_for("/live/show/manifest.mpd", 20, |m| m.contains("SegmentTimeline"));
    // hls.js (LL-HLS) and dash.js (live DASH) one after the other, on the same live stream.
    for media in ["/live/show/index.m3u8", "/live/show/manifest.mpd"] {
        let out = Command::new("node")
            .arg(dir.join("live.mjs"))
            .args([&format!("{}/", server.base), media, "10", "45"])
            .env("CHROMIUM", &browser)
            .output()
            .expect("run node");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{media}: live playback did not reach 10 s without a stall: {stdout} {}\nserver log:\n{}",
            String::from_utf8_lossy(&out.stderr),
            server.log()
        );
        let result: serde_json::Value = serde_json::from_str(stdout.trim()).expect("live.mjs JSON");
        eprintln!("live playback: {result}");
        assert_eq!(result["stalls"], 0, "{result}");
        assert!(result["played"].as_f64().unwrap_or(0.0) >= 10.0, "{result}");
    }
    stop(publisher);
}
