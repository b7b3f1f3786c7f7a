//! deploy/nginx-edge.conf in front of `reel serve`: a segment is a cache HIT the second time, and a live
//! playlist is not served stale beyond its max-age. Needs Debian nginx (nginx-light or nginx-core); skips
//! with a message when it is absent.

mod support;

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Server, agent, package};

fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// nginx in the foreground with the shipped config, rewritten to a temporary prefix and loopback ports.
struct Edge {
    child: Child,
    port: u16,
    /// Holds the config, cache and logs; removed when the edge is dropped.
    _dir: tempfile::TempDir,
}

impl Edge {
    fn start(nginx: &Path, origin: std::net::SocketAddr) -> Edge {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let conf = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx-edge.conf"))
            .expect("deploy/nginx-edge.conf");
        let tmp = dir.path().display().to_string();
        for needle in [
            "listen 8081",
            "server 127.0.0.1:8080",
            "/var/cache/nginx/reel",
            "/var/log/nginx/",
            "/run/",
        ] {
            assert!(
                conf.contains(needle),
                "deploy/nginx-edge.conf no longer contains {needle:?}"
            );
        }
        let mut conf = conf
            .replace("listen 8081 reuseport", &format!("listen 127.0.0.1:{port}"))
            .replace("server 127.0.0.1:8080", &format!("server {origin}"))
            .replace("/var/cache/nginx/reel", &format!("{tmp}/cache"))
            .replace("/var/log/nginx/", &format!("{tmp}/"))
            .replace("/run/", &format!("{tmp}/"))
            .replace("worker_processes auto;", "worker_processes 1;")
            .replace(
                "http {\n",
                &format!(
                    "http {{\n    client_body_temp_path {tmp}/body;\n    proxy_temp_path {tmp}/proxy;\n    \
                 fastcgi_temp_path {tmp}/fastcgi;\n    uwsgi_temp_path {tmp}/uwsgi;\n    scgi_temp_path {tmp}/scgi;\n"
                ),
            );
        // As root, nginx would run its workers as "nobody", who cannot write the private temporary directory.
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            conf = format!("user root;\n{conf}");
        }
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write conf");
        let child = Command::new(nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("startup.log"))
            .arg("-c")
            .arg(&conf_path)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let mut edge = Edge { child, port, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = edge.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = edge.child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("nginx exited ({status}): {err}");
            }
            assert!(Instant::now() < deadline, "nginx did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        edge
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{}", self.port, path)
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        // SIGTERM to the master: it stops its workers too (SIGKILL would leave them orphaned and running).
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn get(url: &str) -> (u16, String, String, Vec<u8>) {
    let resp = agent().get(url).call().expect(url);
    let status = resp.status().as_u16();
    let h = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (cache, control) = (h("x-cache-status"), h("cache-control"));
    let mut body = Vec::new();
    let _ = resp.into_body().into_reader().read_to_end(&mut body);
    (status, cache, control, body)
}

#[test]
fn edge_caches_segments_and_expires_live_playlists() {
    let Some(nginx) = nginx_binary() else {
        eprintln!("skipping: nginx is not installed (apt-get install nginx-light)");
        return;
    };
    let Some(pkg) = package() else { return };
    let origin = Server::start(&pkg.dir, &[]);
    let edge = Edge::start(&nginx, origin.addr());

    // A segment: MISS, then HIT with the same bytes and the origin's Cache-Control passed on.
    let expected = std::fs::read(pkg.dir.join("vod/hls/seg_002.ts")).expect("segment");
    let (status, cache, control, body) = get(&edge.url("vod/hls/seg_002.ts"));
    assert_eq!((status, cache.as_str()), (200, "MISS"));
    assert_eq!(control, "public, max-age=31536000, immutable");
    assert_eq!(body, expected);
    let (status, cache, _, body) = get(&edge.url("vod/hls/seg_002.ts"));
    assert_eq!((status, cache.as_str()), (200, "HIT"));
    assert_eq!(body, expected);

    // A live playlist (target 2 s: max-age=1): cached while fresh, refetched once max-age has passed.
    let live = pkg.dir.join("live/edge.m3u8");
    let v1 = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n#EXTINF:2,\nseg1.ts\n";
    std::fs::write(&live, v1).expect("write");
    let fetched = Instant::now();
    let (_, cache, control, body) = get(&edge.url("live/edge.m3u8"));
    assert_eq!(cache, "MISS");
    assert_eq!(control, "public, max-age=1");
    assert_eq!(body, v1.as_bytes());
    let v2 = format!("{v1}#EXTINF:2,\nseg2.ts\n");
    std::fs::write(&live, &v2).expect("rewrite");
    // nginx counts freshness in whole seconds: max-age 1 s is over 2 s after the fetch at the latest.
    std::thread::sleep(Duration::from_millis(2100).saturating_sub(fetched.elapsed()));
    let (_, cache, _, body) = get(&edge.url("live/edge.m3u8"));
    assert_ne!(cache, "HIT", "an expired live playlist was served from the cache");
    assert_eq!(
        String::from_utf8_lossy(&body),
        v2,
        "the edge served a live playlist older than its max-age"
    );
}
