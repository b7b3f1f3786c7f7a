//! Helpers for the `reel serve` tests: a package made by ffmpeg, a server process on an ephemeral port, clients.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A served tree: an HLS+DASH VOD package, live-like playlists, a large file, and things that must be refused.
pub struct Package {
    pub dir: PathBuf,
    _tmp: tempfile::TempDir,
}

/// The package, made once per test binary; `None` (with a message) when ffmpeg is not installed.
pub fn package() -> Option<&'static Package> {
    static PACKAGE: OnceLock<Option<Package>> = OnceLock::new();
    PACKAGE.get_or_init(make_package).as_ref()
}

fn ffmpeg(args: &[&str], cwd: &Path) -> bool {
    Command::new("ffmpeg")
        .args(["-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .current_dir(cwd)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn make_package() -> Option<Package> {
    if Command::new("ffmpeg").arg("-version").output().is_err() {
        eprintln!("skipping: ffmpeg is not installed (apt-get install ffmpeg)");
        return None;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("root");
    let outside = tmp.path().join("outside");
    for d in ["vod/hls", "vod/dash", "vod/cmaf", "live"] {
        std::fs::create_dir_all(dir.join(d)).expect("mkdir");
    }
    std::fs::create_dir_all(&outside).expect("mkdir");
    let source = [
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        "10",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-g",
        "50",
        "-keyint_min",
        "50",
        "-sc_threshold",
        "0",
        "-c:a",
        "aac",
        "-b:a",
        "64k",
    ];
    let mut hls = source.to_vec();
    hls.extend([
        "-f",
        "hls",
        "-hls_time",
        "2",
        "-hls_playlist_type",
        "vod",
        "-master_pl_name",
        "master.m3u8",
        "-hls_segment_filename",
        "vod/hls/seg_%03d.ts",
        "vod/hls/index.m3u8",
    ]);
    let mut dash = source.to_vec();
    dash.extend(["-f", "dash", "-seg_duration", "2", "vod/dash/manifest.mpd"]);
    assert!(ffmpeg(&hls, &dir), "ffmpeg could not make the HLS package");
    assert!(ffmpeg(&dash, &dir), "ffmpeg could not make the DASH package");
    let write = |p: &str, data: &[u8]| std::fs::write(dir.join(p), data).expect("write");
    write("vod/cmaf/video.mp4", b"\0\0\0\x18ftypiso6 not really a movie");
    write("vod/cmaf/audio.m4a", b"\0\0\0\x18ftypiso6 not really audio");
    write("vod/subs.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n");
    write(
        "live/index.m3u8",
        b"#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:4.0,\nseg7.ts\n#EXTINF:4.0,\nseg8.ts\n",
    );
    write(
        "live/master.m3u8",
        b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000\nindex.m3u8\n",
    );
    write(
        "live/manifest.mpd",
        br#"<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" minimumUpdatePeriod="PT2S" availabilityStartTime="2024-01-01T00:00:00Z"><Period id="0"/></MPD>"#,
    );
    write(".hidden", b"hidden");
    // 24 MiB of incompressible bytes: larger than the socket buffers, so a response is still in flight.
    let mut big = Vec::with_capacity(24 << 20);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while big.len() < 24 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        big.extend_from_slice(&x.to_le_bytes());
    }
    write("big.mp4", &big);
    std::fs::write(outside.join("outside.txt"), b"outside secret").expect("write");
    std::os::unix::fs::symlink(outside.join("outside.txt"), dir.join("escape.txt")).expect("symlink");
    std::os::unix::fs::symlink(&outside, dir.join("escape-dir")).expect("symlink");
    Some(Package { dir, _tmp: tmp })
}

/// A `reel serve` process on an ephemeral loopback port.
pub struct Server {
    child: Option<Child>,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
    stderr_thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(dir: &Path, flags: &[&str]) -> Server {
        Self::start_with_global(dir, flags, &[])
    }

    pub fn start_with_global(dir: &Path, flags: &[&str], global: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reel"))
            .args(global)
            .arg("serve")
            .arg(dir)
            .args(["--listen", "127.0.0.1:0"])
            .args(flags)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn reel serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        let stderr_thread = std::thread::spawn(move || {
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
            .expect("bound address");
        let addr = line
            .trim()
            .strip_prefix("http://")
            .and_then(|s| s.strip_suffix('/'))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "reel serve printed {line:?}; stderr: {}",
                    stderr.lock().map(|s| s.clone()).unwrap_or_default()
                )
            });
        Server {
            child: Some(child),
            addr,
            stderr,
            stderr_thread: Some(stderr_thread),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.pid() as libc::pid_t, libc::SIGTERM);
        }
    }

    /// Waits (up to 30 s) for the process to exit: its exit code and everything it wrote on stderr.
    pub fn wait(&mut self) -> (Option<i32>, String) {
        let mut code = None;
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                match child.try_wait() {
                    Ok(Some(status)) => {
                        code = status.code();
                        break;
                    }
                    Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                    _ => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                }
            }
        }
        if let Some(t) = self.stderr_thread.take() {
            let _ = t.join();
        }
        (code, self.stderr.lock().map(|s| s.clone()).unwrap_or_default())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A client that returns 4xx/5xx as responses, sends no Accept-Encoding of its own and does not decompress.
pub fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build())
}

/// Sends bytes as they are (no client-side path normalisation) and returns the whole reply.
pub fn raw_request(addr: SocketAddr, request: &str) -> String {
    let mut conn = TcpStream::connect(addr).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    conn.write_all(request.as_bytes()).expect("send");
    let mut reply = Vec::new();
    let _ = conn.read_to_end(&mut reply);
    String::from_utf8_lossy(&reply).to_string()
}
