//! `reel stream` against real peers: nginx with the RTMP module (records what it receives, ffprobe reads it back),
//! srt-live-transmit and ffmpeg as SRT receivers in caller and listener modes, ffmpeg receiving RTP from the SDP
//! reel wrote and recording an RTSP push, recovery when the RTMP server goes away for 5 s while a second
//! destination carries on, and the errors for bad URLs, refused connections and a wrong SRT passphrase.
//! Needs nginx + libnginx-mod-rtmp and srt-tools (scripts/apt-packages.txt); a test whose peer is missing says
//! so and skips.

mod common;
use common::*;
use std::io::Read;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const RTMP_MODULE: &str = "/usr/lib/nginx/modules/ngx_rtmp_module.so";
const STREAM_MODULE: &str = "/usr/lib/nginx/modules/ngx_stream_module.so";

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// A 25 fps H.264/AAC source of `seconds`, keyframes every second (so stream copy can restart quickly).
fn source(dir: &Path, seconds: f64) -> PathBuf {
    make_input(
        dir,
        "src.mp4",
        seconds,
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "25",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ac",
            "2",
        ],
    )
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A free UDP port `p` with `p + 2` free too (RTP: one port per stream).
fn free_udp_port() -> u16 {
    loop {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let p = a.local_addr().unwrap().port();
        if p.is_multiple_of(2) && p < 65000 && UdpSocket::bind(("127.0.0.1", p + 2)).is_ok() {
            return p;
        }
    }
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn nginx_rtmp_available() -> bool {
    let ok = Path::new("/usr/sbin/nginx").exists() && Path::new(RTMP_MODULE).exists();
    if !ok {
        eprintln!(
            "skipping: nginx with the RTMP module is not installed (apt-get install nginx-light libnginx-mod-rtmp)"
        );
    }
    ok
}

fn srt_tools_available() -> bool {
    let ok = have("srt-live-transmit");
    if !ok {
        eprintln!("skipping: srt-live-transmit is not installed (apt-get install srt-tools)");
    }
    ok
}

/// Kills and reaps a child we started (SIGTERM first so ffmpeg and nginx finish their files).
struct Peer(Child);

impl Peer {
    fn stop(&mut self) {
        self.stop_within(Duration::from_secs(10));
    }

    /// SIGTERM, then SIGKILL after `grace` (an ffmpeg blocked reading UDP may not stop by itself).
    fn stop_within(&mut self, grace: Duration) {
        // Already reaped: its pid may belong to someone else by now.
        if let Ok(Some(_)) = self.0.try_wait() {
            return;
        }
        // SAFETY: kill(2) on our own child's pid, not yet reaped.
        unsafe {
            libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + grace;
        while matches!(self.0.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// Waits for the peer to exit by itself.
    fn wait(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// nginx in the foreground with the RTMP module, recording every publish under `dir/rec`.
struct Rtmp {
    peer: Option<Peer>,
    port: u16,
    /// RTMPS: nginx's stream module terminating TLS in front of the RTMP server.
    tls_port: Option<u16>,
    dir: PathBuf,
}

impl Rtmp {
    fn start(dir: &Path, unique: bool) -> Rtmp {
        Self::start_with(dir, unique, false)
    }

    fn start_with(dir: &Path, unique: bool, tls: bool) -> Rtmp {
        let port = free_tcp_port();
        std::fs::create_dir_all(dir.join("rec")).unwrap();
        std::fs::create_dir_all(dir.join("logs")).unwrap();
        let d = dir.display();
        // SAFETY: geteuid has no preconditions.
        let user = if unsafe { libc::geteuid() } == 0 {
            "user root;"
        } else {
            ""
        };
        let conf = format!(
            "load_module {RTMP_MODULE};\n{user}\ndaemon off;\nmaster_process off;\nworker_processes 1;\n\
             error_log {d}/logs/error.log;\npid {d}/nginx.pid;\nevents {{ worker_connections 64; }}\n\
             rtmp {{ server {{ listen 127.0.0.1:{port}; application live {{ live on; record all; \
             record_path {d}/rec; record_unique {}; }} }} }}\n",
            if unique { "on" } else { "off" }
        );
        let mut conf = conf;
        let mut tls_port = None;
        if tls {
            // A self-signed certificate; libavformat's TLS does not verify peers unless asked.
            let st = Command::new("openssl")
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "1",
                    "-subj",
                    "/CN=127.0.0.1",
                ])
                .arg("-keyout")
                .arg(dir.join("key.pem"))
                .arg("-out")
                .arg(dir.join("cert.pem"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .stdin(std::process::Stdio::null())
                .status()
                .expect("openssl");
            assert!(st.success(), "openssl could not make a certificate");
            let tp = free_tcp_port();
            conf = format!(
                "load_module {STREAM_MODULE};\n{conf}stream {{ server {{ listen 127.0.0.1:{tp} ssl; \
                 ssl_certificate {d}/cert.pem; ssl_certificate_key {d}/key.pem; proxy_pass 127.0.0.1:{port}; }} }}\n"
            );
            tls_port = Some(tp);
        }
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let mut r = Rtmp {
            peer: None,
            port,
            tls_port,
            dir: dir.to_path_buf(),
        };
        r.restart();
        r
    }

    fn restart(&mut self) {
        let child = Command::new("/usr/sbin/nginx")
            .arg("-p")
            .arg(&self.dir)
            .arg("-e")
            .arg(self.dir.join("logs/startup.log"))
            .arg("-c")
            .arg(self.dir.join("nginx.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let mut peer = Peer(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = peer.0.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = peer.0.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("nginx exited ({status}): {err}");
            }
            assert!(Instant::now() < deadline, "nginx did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.peer = Some(peer);
    }

    fn stop(&mut self) {
        if let Some(mut p) = self.peer.take() {
            p.stop();
        }
    }

    fn url(&self, name: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{name}", self.port)
    }

    fn url_tls(&self, name: &str) -> String {
        format!(
            "rtmps://127.0.0.1:{}/live/{name}",
            self.tls_port.expect("started with TLS")
        )
    }

    /// Recordings of stream `name`, oldest first.
    fn recordings(&self, name: &str) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.dir.join("rec"))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let f = p.file_name().unwrap().to_string_lossy();
                f == format!("{name}.flv") || f.starts_with(&format!("{name}-"))
            })
            .collect();
        v.sort();
        v
    }
}

fn reel_stream(args: &[&str]) -> Output {
    let mut a = vec!["stream"];
    a.extend_from_slice(args);
    run_reel(&a)
}

/// Waits until a file has stopped growing (the peer finished writing it).
fn settled(path: &Path) {
    let mut last = u64::MAX;
    for _ in 0..50 {
        let n = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if n == last && n > 0 {
            return;
        }
        last = n;
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn check_media(path: &Path, frames: u64, seconds: f64) {
    settled(path);
    let p = ffprobe(path);
    let v = stream(&p, "video").expect("video stream");
    assert_eq!(v["codec_name"], "h264", "{}", path.display());
    assert!(stream(&p, "audio").is_some(), "{}: no audio", path.display());
    assert_eq!(video_frames(&p), frames, "{}: frame count", path.display());
    let d = num(&p["format"]["duration"]);
    assert!((d - seconds).abs() < 0.15, "{}: duration {d}", path.display());
}

#[test]
fn rtmp_tee_to_two_streams_one_encode() {
    if !nginx_rtmp_available() {
        return;
    }
    let d = tmp();
    let src = source(d.path(), 3.0);
    let server = Rtmp::start(&d.path().join("nginx"), false);
    let o = reel_stream(&[
        src.to_str().unwrap(),
        &server.url("a"),
        &server.url("b"),
        "--vbitrate",
        "500k",
        "--gop",
        "1s",
        "--tune",
        "zerolatency",
        "--progress",
        "none",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("75 video frames"), "{err}");
    for name in ["a", "b"] {
        let rec = server.recordings(name);
        assert_eq!(rec.len(), 1, "{name}: {rec:?}");
        check_media(&rec[0], 75, 3.0);
    }
    // One encode: both destinations received the same bytes.
    let a = std::fs::read(&server.recordings("a")[0]).unwrap();
    let b = std::fs::read(&server.recordings("b")[0]).unwrap();
    assert_eq!(a.len(), b.len());
}

#[test]
fn rtmp_copy_push_at_native_rate() {
    if !nginx_rtmp_available() {
        return;
    }
    let d = tmp();
    let src = source(d.path(), 2.0);
    let server = Rtmp::start(&d.path().join("nginx"), false);
    let t = Instant::now();
    let o = reel_stream(&[
        src.to_str().unwrap(),
        &server.url("copy"),
        "--re",
        "--vcodec",
        "copy",
        "--acodec",
        "copy",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let took = t.elapsed().as_secs_f64();
    assert!(took >= 1.8, "--re pushed 2 s of media in {took:.2} s");
    check_media(&server.recordings("copy")[0], 50, 2.0);
}

/// RTMPS: TLS terminated by nginx's stream module in front of the RTMP server; the recording is complete.
#[test]
fn rtmps_push_through_a_tls_front() {
    if !nginx_rtmp_available() {
        return;
    }
    if !Path::new(STREAM_MODULE).exists() || !have("openssl") {
        eprintln!(
            "skipping: nginx's stream module or openssl is missing (apt-get install libnginx-mod-stream openssl)"
        );
        return;
    }
    let d = tmp();
    let src = source(d.path(), 2.0);
    let server = Rtmp::start_with(&d.path().join("nginx"), false, true);
    let o = reel_stream(&[
        src.to_str().unwrap(),
        &server.url_tls("secure"),
        "--vcodec",
        "copy",
        "--acodec",
        "copy",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    check_media(&server.recordings("secure")[0], 50, 2.0);
}

/// srt-live-transmit receiving into a file: listener (reel calls) or caller (reel listens).
fn srt_live_transmit(port: u16, reel_listens: bool, query: &str, out: &Path) -> Peer {
    let url = if reel_listens {
        format!("srt://127.0.0.1:{port}?mode=caller{query}")
    } else {
        format!("srt://:{port}?mode=listener{query}")
    };
    let file = std::fs::File::create(out).unwrap();
    Peer(
        Command::new("srt-live-transmit")
            .args(["-q", "-a:no", &url, "file://con"])
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(Stdio::null())
            .spawn()
            .expect("srt-live-transmit"),
    )
}

#[test]
fn srt_to_srt_live_transmit_caller_and_listener() {
    if !srt_tools_available() {
        return;
    }
    let d = tmp();
    let src = source(d.path(), 3.0);
    // reel calls a listening receiver, with a passphrase, a stream id and a latency.
    let port = free_udp_port();
    let out = d.path().join("listener.ts");
    let mut rx = srt_live_transmit(port, false, "&passphrase=0123456789abcdef&latency=200", &out);
    std::thread::sleep(Duration::from_millis(300));
    let o = reel_stream(&[
        src.to_str().unwrap(),
        &format!("srt://127.0.0.1:{port}?passphrase=0123456789abcdef&latency=200000&streamid=reel-test"),
        "--progress",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        rx.wait(Duration::from_secs(5)),
        "srt-live-transmit did not end with the stream"
    );
    check_media(&out, 75, 3.0);

    // reel listens; the receiver calls (it retries until reel's listener is up).
    let port = free_udp_port();
    let out = d.path().join("caller.ts");
    let reel = std::thread::spawn({
        let src = src.clone();
        move || {
            reel_stream(&[
                src.to_str().unwrap(),
                &format!("srt://:{port}?mode=listener"),
                "--re",
                "--progress",
                "json",
            ])
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    let mut rx = srt_live_transmit(port, true, "", &out);
    let o = reel.join().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // Statistics every second: bit rate, frames, and the round-trip time SRT reports.
    let events: Vec<serde_json::Value> = stderr(&o)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|e: &serde_json::Value| e["event"] == "stream")
        .collect();
    assert!(events.len() >= 2, "{}", stderr(&o));
    let last = &events[events.len() - 1]["destinations"][0];
    assert_eq!(last["state"], "connected", "{last}");
    assert!(last["bitrate"].as_u64().unwrap() > 50_000, "{last}");
    assert!(last["frames"].as_u64().unwrap() > 25, "{last}");
    assert!(last["rtt_ms"].as_f64().is_some(), "no SRT round-trip time: {last}");
    assert!(
        rx.wait(Duration::from_secs(5)),
        "srt-live-transmit did not end with the stream"
    );
    check_media(&out, 75, 3.0);
}

#[test]
fn srt_to_ffmpeg_caller_and_listener_every_frame_delivered() {
    let d = tmp();
    let src = source(d.path(), 3.0);
    // ffmpeg listens, reel calls. The whole file goes out far faster than real time: nothing may be lost at the end.
    let port = free_udp_port();
    let out = d.path().join("ff-listener.ts");
    let mut rx = Peer(
        Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(format!("srt://127.0.0.1:{port}?mode=listener"))
            .args(["-c", "copy", "-f", "mpegts"])
            .arg(&out)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ffmpeg"),
    );
    std::thread::sleep(Duration::from_millis(500));
    let o = reel_stream(&[src.to_str().unwrap(), &format!("srt://127.0.0.1:{port}"), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(rx.wait(Duration::from_secs(10)), "ffmpeg did not end with the stream");
    check_media(&out, 75, 3.0);

    // reel listens, ffmpeg calls.
    let port = free_udp_port();
    let out = d.path().join("ff-caller.ts");
    let reel = std::thread::spawn({
        let src = src.clone();
        move || reel_stream(&[src.to_str().unwrap(), &format!("srt://:{port}?mode=listener"), "-q"])
    });
    std::thread::sleep(Duration::from_millis(500));
    let mut rx = Peer(
        Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(format!("srt://127.0.0.1:{port}?mode=caller"))
            .args(["-c", "copy", "-f", "mpegts"])
            .arg(&out)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ffmpeg"),
    );
    let o = reel.join().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(rx.wait(Duration::from_secs(10)), "ffmpeg did not end with the stream");
    check_media(&out, 75, 3.0);
}

/// Frames an ffmpeg receiver decoded, from its `-f framemd5` output (flushed per packet).
fn md5_frames(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count()
}

#[test]
fn rtp_received_by_ffmpeg_from_the_sdp_reel_wrote() {
    let d = tmp();
    let src = source(d.path(), 3.0);
    let port = free_udp_port();
    let url = format!("rtp://127.0.0.1:{port}");
    let sdp = d.path().join("stream.sdp");
    // A first short push writes the SDP the receiver needs before the real push starts (stream copy: the same
    // parameters every time).
    let o = reel_stream(&[
        src.to_str().unwrap(),
        &url,
        "--sdp",
        sdp.to_str().unwrap(),
        "--vcodec",
        "copy",
        "--acodec",
        "copy",
        "-t",
        "0.2",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&sdp).unwrap();
    assert!(text.contains(&format!("m=video {port} RTP/AVP")), "{text}");
    assert!(text.contains(&format!("m=audio {} RTP/AVP", port + 2)), "{text}");
    assert!(
        text.contains("H264/90000") && text.contains("sprop-parameter-sets"),
        "{text}"
    );

    let md5 = d.path().join("rtp.md5");
    let mut rx = Peer(
        Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-protocol_whitelist", "file,rtp,udp", "-i"])
            .arg(&sdp)
            .args(["-map", "0:v", "-flush_packets", "1", "-f", "framemd5"])
            .arg(&md5)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ffmpeg"),
    );
    std::thread::sleep(Duration::from_millis(700));
    let sdp2 = d.path().join("again.sdp");
    let o = reel_stream(&[
        src.to_str().unwrap(),
        &url,
        "--sdp",
        sdp2.to_str().unwrap(),
        "--vcodec",
        "copy",
        "--acodec",
        "copy",
        "--re",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&sdp2).unwrap(),
        text,
        "the SDP changed between runs"
    );
    std::thread::sleep(Duration::from_millis(700));
    rx.stop_within(Duration::from_secs(1));
    // UDP and ffmpeg's RTP reorder buffer may hold back the last few packets; the rest must be there.
    let n = md5_frames(&md5);
    assert!(n >= 68, "ffmpeg decoded {n} of 75 frames over RTP");
}

#[test]
fn rtsp_push_to_a_recording_server() {
    let d = tmp();
    let src = source(d.path(), 3.0);
    let port = free_tcp_port();
    let url = format!("rtsp://127.0.0.1:{port}/live");
    let md5 = d.path().join("rtsp.md5");
    let mut server = Peer(
        Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-rtsp_flags", "listen", "-i"])
            .arg(&url)
            .args(["-map", "0:v", "-flush_packets", "1", "-f", "framemd5"])
            .arg(&md5)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ffmpeg"),
    );
    // The server may take a moment to listen: retries cover a refused first attempt.
    let o = reel_stream(&[src.to_str().unwrap(), &url, "--re", "--retries", "5", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        server.wait(Duration::from_secs(10)),
        "the RTSP server did not end with the stream"
    );
    let n = md5_frames(&md5);
    assert_eq!(n, 75, "the RTSP server recorded {n} of 75 frames");
}

#[test]
fn rtmp_server_down_for_5_s_reconnects_while_srt_carries_on() {
    if !nginx_rtmp_available() || !srt_tools_available() {
        return;
    }
    let d = tmp();
    let src = source(d.path(), 14.0);
    let mut server = Rtmp::start(&d.path().join("nginx"), true);
    let port = free_udp_port();
    let srt_out = d.path().join("srt.ts");
    let mut rx = srt_live_transmit(port, false, "", &srt_out);
    std::thread::sleep(Duration::from_millis(300));
    let reel = std::thread::spawn({
        let src = src.clone();
        let rtmp = server.url("live");
        move || {
            reel_stream(&[
                src.to_str().unwrap(),
                &rtmp,
                &format!("srt://127.0.0.1:{port}"),
                "--re",
                "--vcodec",
                "copy",
                "--acodec",
                "copy",
                "--retries",
                "20",
                "--retry-max-delay",
                "1s",
                "--timeout",
                "3s",
                "--json",
                "-q",
            ])
        }
    });
    std::thread::sleep(Duration::from_secs(3));
    server.stop();
    std::thread::sleep(Duration::from_secs(5));
    server.restart();
    let o = reel.join().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("--json summary");
    let dests = summary["destinations"].as_array().unwrap();
    assert_eq!(dests[0]["reconnects"], 1, "{summary}");
    assert!(dests[0]["dropped_frames"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(dests[1]["reconnects"], 0, "{summary}");
    assert_eq!(dests[1]["dropped_frames"], 0, "{summary}");
    // The server received the stream again after it came back: a second recording, starting on a keyframe.
    let rec = server.recordings("live");
    assert_eq!(rec.len(), 2, "{rec:?}");
    let first = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_entries",
            "packet=flags",
            "-of",
            "csv=p=0",
        ])
        .args(["-read_intervals", "%+#1"])
        .arg(&rec[1])
        .output()
        .unwrap();
    let first = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.trim_start().starts_with('K'),
        "restarted on a non-keyframe: {first}"
    );
    let p = ffprobe(&rec[1]);
    let after = video_frames(&p);
    assert!(after >= 100, "only {after} frames after the reconnection");
    // The SRT destination was not interrupted: every frame.
    assert!(
        rx.wait(Duration::from_secs(5)),
        "srt-live-transmit did not end with the stream"
    );
    check_media(&srt_out, 350, 14.0);
}

fn one_line_error(o: &Output, starts: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    assert!(lines[0].starts_with(&format!("reel: {starts}")), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_urls_refused_connections_and_wrong_passphrase_fail_fast() {
    let d = tmp();
    let src = source(d.path(), 1.0);
    let s = src.to_str().unwrap();
    for bad in ["ftp://127.0.0.1/x", "rtmp://127.0.0.1", "srt://127.0.0.1", "not-a-url"] {
        let o = reel_stream(&[s, bad]);
        one_line_error(&o, &format!("{bad}: "));
    }
    // A codec the destination's container cannot carry: said before anything connects.
    let url = format!("rtmp://127.0.0.1:{}/live/x", free_tcp_port());
    let o = reel_stream(&[s, &url, "--vcodec", "vp9", "--speed", "8", "-q"]);
    one_line_error(&o, &format!("{url}: vp9 cannot be carried in flv"));
    // Nothing listens on this port: refused at once.
    let port = free_tcp_port();
    let url = format!("rtmp://127.0.0.1:{port}/live/x");
    let t = Instant::now();
    let o = reel_stream(&[s, &url]);
    one_line_error(&o, &format!("{url}: cannot connect: connection refused"));
    assert!(t.elapsed() < Duration::from_secs(5));
    // With retries it tries again, then gives up with the same error.
    let t = Instant::now();
    let o = reel_stream(&[s, &url, "--re", "--retries", "2", "--retry-max-delay", "0.5s", "-q"]);
    one_line_error(&o, &format!("{url}: cannot connect: connection refused"));
    assert!(t.elapsed() >= Duration::from_millis(900), "no backoff between attempts");
    // An SRT caller that gets no answer.
    let url = format!("srt://127.0.0.1:{}", free_udp_port());
    let t = Instant::now();
    let o = reel_stream(&[s, &url, "-q"]);
    one_line_error(&o, &format!("{url}: cannot connect: no answer"));
    assert!(t.elapsed() < Duration::from_secs(8));
    // A listener that never gets a caller: bounded by --timeout.
    let port = free_udp_port();
    let url = format!("srt://:{port}?mode=listener");
    let t = Instant::now();
    let o = reel_stream(&[s, &url, "--timeout", "1s", "-q"]);
    one_line_error(&o, &format!("{url}: cannot connect: timed out"));
    assert!(t.elapsed() < Duration::from_secs(6));
    // A wrong SRT passphrase.
    if !srt_tools_available() {
        return;
    }
    let port = free_udp_port();
    let out = d.path().join("never.ts");
    let _rx = srt_live_transmit(port, false, "&passphrase=the-right-secret", &out);
    std::thread::sleep(Duration::from_millis(300));
    let url = format!("srt://127.0.0.1:{port}?passphrase=a-wrong-secret");
    let t = Instant::now();
    let o = reel_stream(&[s, &url, "--timeout", "3s", "-q"]);
    one_line_error(&o, &format!("{url}: cannot connect: wrong passphrase"));
    assert!(t.elapsed() < Duration::from_secs(8));
}

#[test]
fn udp_and_rist_from_one_encode_to_ffmpeg() {
    let d = tmp();
    let src = source(d.path(), 3.0);
    let (udp, rist) = (free_udp_port(), free_udp_port());
    let receiver = |url: String, md5: &Path| {
        Peer(
            Command::new("ffmpeg")
                .args([
                    "-v",
                    "error",
                    "-y",
                    "-analyzeduration",
                    "300000",
                    "-probesize",
                    "50000",
                    "-i",
                ])
                .arg(url)
                .args(["-map", "0:v", "-flush_packets", "1", "-f", "framemd5"])
                .arg(md5)
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("ffmpeg"),
        )
    };
    let (udp_md5, rist_md5) = (d.path().join("udp.md5"), d.path().join("rist.md5"));
    let mut rx_udp = receiver(format!("udp://127.0.0.1:{udp}"), &udp_md5);
    let mut rx_rist = receiver(format!("rist://@127.0.0.1:{rist}"), &rist_md5);
    std::thread::sleep(Duration::from_millis(700));
    let o = reel_stream(&[
        src.to_str().unwrap(),
        &format!("udp://127.0.0.1:{udp}"),
        &format!("rist://127.0.0.1:{rist}"),
        "--re",
        "--json",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("--json summary");
    for dst in summary["destinations"].as_array().unwrap() {
        assert_eq!(dst["frames"], 75, "{dst}");
        assert_eq!(dst["state"], "finished", "{dst}");
    }
    std::thread::sleep(Duration::from_millis(1500));
    rx_udp.stop_within(Duration::from_secs(1));
    rx_rist.stop_within(Duration::from_secs(1));
    // The receivers are stopped from outside: frames still inside their decoders are not counted.
    for (name, md5) in [("udp", &udp_md5), ("rist", &rist_md5)] {
        let n = md5_frames(md5);
        assert!(n >= 65, "{name}: ffmpeg decoded {n} of 75 frames");
    }
}

#[test]
fn ctrl_c_stops_reading_and_delivers_every_frame_read() {
    if !srt_tools_available() {
        return;
    }
    let d = tmp();
    let src = source(d.path(), 6.0);
    let port = free_udp_port();
    let out = d.path().join("stopped.ts");
    let mut rx = srt_live_transmit(port, false, "", &out);
    std::thread::sleep(Duration::from_millis(300));
    let child = reel()
        .args([
            "stream",
            src.to_str().unwrap(),
            &format!("srt://127.0.0.1:{port}"),
            "--re",
            "--json",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    // SAFETY: kill(2) on our own running child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("--json summary");
    assert_eq!(summary["interrupted"], true, "{summary}");
    let sent = summary["destinations"][0]["frames"].as_u64().unwrap();
    assert!((25..150).contains(&sent), "{summary}");
    assert!(
        rx.wait(Duration::from_secs(5)),
        "srt-live-transmit did not end with the stream"
    );
    settled(&out);
    assert_eq!(
        video_frames(&ffprobe(&out)),
        sent,
        "frames sent and frames received differ"
    );
}
