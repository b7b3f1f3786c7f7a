//! `reel serve` through the binary: every header rule of the origin (MIME, ranges, validators, CORS, gzip,
//! Cache-Control), traversal refusals, metrics, the access log and graceful shutdown, on a package ffmpeg makes.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use support::{Server, agent, package, raw_request};

fn header(resp: &ureq::http::Response<ureq::Body>, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn body(resp: ureq::http::Response<ureq::Body>) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = resp.into_body().into_reader().read_to_end(&mut out);
    out
}

#[test]
fn mime_types_and_cache_control() {
    let Some(pkg) = package() else { return };
    let server = Server::start(&pkg.dir, &[]);
    let agent = agent();
    let cases = [
        (
            "vod/hls/master.m3u8",
            "application/vnd.apple.mpegurl",
            "public, max-age=86400",
        ),
        (
            "vod/hls/index.m3u8",
            "application/vnd.apple.mpegurl",
            "public, max-age=86400",
        ),
        (
            "vod/hls/seg_000.ts",
            "video/mp2t",
            "public, max-age=31536000, immutable",
        ),
        ("vod/dash/manifest.mpd", "application/dash+xml", "public, max-age=86400"),
        (
            "vod/dash/init-stream0.m4s",
            "video/iso.segment",
            "public, max-age=31536000, immutable",
        ),
        ("vod/cmaf/video.mp4", "video/mp4", "public, max-age=31536000, immutable"),
        ("vod/cmaf/audio.m4a", "audio/mp4", "public, max-age=31536000, immutable"),
        (
            "vod/subs.vtt",
            "text/vtt; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
        // Live: half the target duration (4 s), so an edge never holds it longer than that.
        ("live/index.m3u8", "application/vnd.apple.mpegurl", "public, max-age=2"),
        ("live/master.m3u8", "application/vnd.apple.mpegurl", "public, max-age=2"),
        ("live/manifest.mpd", "application/dash+xml", "public, max-age=1"),
    ];
    for (path, mime, cache) in cases {
        let resp = agent.get(&server.url(path)).call().expect(path);
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(header(&resp, "content-type"), mime, "{path}");
        assert_eq!(header(&resp, "cache-control"), cache, "{path}");
        assert!(header(&resp, "etag").starts_with('"'), "{path}: strong ETag");
        assert!(!header(&resp, "last-modified").is_empty(), "{path}");
        assert_eq!(header(&resp, "accept-ranges"), "bytes", "{path}");
        assert_eq!(header(&resp, "access-control-allow-origin"), "*", "{path}");
        let expected = std::fs::read(pkg.dir.join(path)).expect("fixture");
        assert_eq!(header(&resp, "content-length"), expected.len().to_string(), "{path}");
        assert_eq!(body(resp), expected, "{path}");
    }
}

#[test]
fn ranges_and_head() {
    let Some(pkg) = package() else { return };
    let seg = std::fs::read(pkg.dir.join("vod/hls/seg_000.ts")).expect("segment");
    let len = seg.len();
    // The in-memory path (default) and the streamed-from-disk path (--cache-mb 0) must agree.
    for flags in [&[][..], &["--cache-mb", "0"][..]] {
        let server = Server::start(&pkg.dir, flags);
        let agent = agent();
        let url = server.url("vod/hls/seg_000.ts");
        let resp = agent.get(&url).header("Range", "bytes=100-199").call().expect("range");
        assert_eq!(resp.status(), 206);
        assert_eq!(header(&resp, "content-range"), format!("bytes 100-199/{len}"));
        assert_eq!(header(&resp, "content-length"), "100");
        assert_eq!(body(resp), &seg[100..200]);

        let resp = agent.get(&url).header("Range", "bytes=-50").call().expect("suffix");
        assert_eq!(resp.status(), 206);
        assert_eq!(body(resp), &seg[len - 50..]);

        let resp = agent
            .get(&url)
            .header("Range", format!("bytes={}-", len - 10))
            .call()
            .expect("open");
        assert_eq!(
            header(&resp, "content-range"),
            format!("bytes {}-{}/{len}", len - 10, len - 1)
        );
        assert_eq!(body(resp), &seg[len - 10..]);

        let resp = agent
            .get(&url)
            .header("Range", format!("bytes={len}-"))
            .call()
            .expect("416");
        assert_eq!(resp.status(), 416);
        assert_eq!(header(&resp, "content-range"), format!("bytes */{len}"));

        // Malformed Range: ignored, whole file.
        let resp = agent.get(&url).header("Range", "bytes=9-1").call().expect("bad range");
        assert_eq!(resp.status(), 200);

        // If-Range with a stale validator: the whole (new) representation.
        let resp = agent
            .get(&url)
            .header("Range", "bytes=0-9")
            .header("If-Range", "\"stale\"")
            .call()
            .expect("if-range");
        assert_eq!(resp.status(), 200);
        assert_eq!(body(resp).len(), len);

        let resp = agent.head(&url).call().expect("head");
        assert_eq!(resp.status(), 200);
        assert_eq!(header(&resp, "content-length"), len.to_string());
        assert_eq!(header(&resp, "content-type"), "video/mp2t");
        assert!(body(resp).is_empty());
    }
    // Several ranges of a cached file: multipart/byteranges.
    let server = Server::start(&pkg.dir, &[]);
    let resp = agent()
        .get(&server.url("vod/hls/seg_000.ts"))
        .header("Range", "bytes=0-3,10-13")
        .call()
        .expect("multi");
    assert_eq!(resp.status(), 206);
    assert!(header(&resp, "content-type").starts_with("multipart/byteranges; boundary="));
    let text = body(resp);
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains(&format!("Content-Range: bytes 0-3/{len}")));
    assert!(text.contains(&format!("Content-Range: bytes 10-13/{len}")));
}

#[test]
fn conditional_get() {
    let Some(pkg) = package() else { return };
    let server = Server::start(&pkg.dir, &[]);
    let agent = agent();
    let url = server.url("vod/hls/seg_001.ts");
    let first = agent.get(&url).call().expect("get");
    let etag = header(&first, "etag");
    let modified = header(&first, "last-modified");
    let resp = agent.get(&url).header("If-None-Match", &etag).call().expect("inm");
    assert_eq!(resp.status(), 304);
    assert_eq!(header(&resp, "etag"), etag);
    assert_eq!(header(&resp, "cache-control"), "public, max-age=31536000, immutable");
    assert!(body(resp).is_empty());
    let resp = agent
        .get(&url)
        .header("If-None-Match", "\"other\", W/".to_string() + &etag)
        .call()
        .expect("list");
    assert_eq!(resp.status(), 304);
    let resp = agent
        .get(&url)
        .header("If-None-Match", "\"other\"")
        .call()
        .expect("mismatch");
    assert_eq!(resp.status(), 200);
    let resp = agent
        .get(&url)
        .header("If-Modified-Since", &modified)
        .call()
        .expect("ims");
    assert_eq!(resp.status(), 304);
    let resp = agent
        .get(&url)
        .header("If-Modified-Since", "Thu, 01 Jan 1998 00:00:00 GMT")
        .call()
        .expect("old");
    assert_eq!(resp.status(), 200);
    // If-None-Match wins over If-Modified-Since.
    let resp = agent
        .get(&url)
        .header("If-None-Match", "\"other\"")
        .header("If-Modified-Since", &modified)
        .call()
        .expect("both");
    assert_eq!(resp.status(), 200);

    // A rewritten playlist gets a new ETag (the cache notices the change).
    let live = pkg.dir.join("live/rewrite.m3u8");
    std::fs::write(&live, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n").expect("write");
    let url = server.url("live/rewrite.m3u8");
    let before = header(&agent.get(&url).call().expect("get"), "etag");
    std::fs::write(
        &live,
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n",
    )
    .expect("write");
    // The origin looks at a cached playlist's file again at most every 100 ms.
    std::thread::sleep(Duration::from_millis(250));
    let resp = agent
        .get(&url)
        .header("If-None-Match", &before)
        .call()
        .expect("changed");
    assert_eq!(resp.status(), 200);
    assert_ne!(header(&resp, "etag"), before);
    assert!(String::from_utf8_lossy(&body(resp)).contains("b.ts"));
}

#[test]
fn gzip_only_for_playlists_and_manifests() {
    let Some(pkg) = package() else { return };
    let server = Server::start(&pkg.dir, &[]);
    let agent = agent();
    for path in ["vod/hls/index.m3u8", "vod/dash/manifest.mpd"] {
        let resp = agent
            .get(&server.url(path))
            .header("Accept-Encoding", "gzip, br")
            .call()
            .expect(path);
        assert_eq!(header(&resp, "content-encoding"), "gzip", "{path}");
        assert_eq!(header(&resp, "vary"), "Accept-Encoding", "{path}");
        let gz_etag = header(&resp, "etag");
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&body(resp)[..])
            .read_to_end(&mut plain)
            .expect("gunzip");
        assert_eq!(plain, std::fs::read(pkg.dir.join(path)).expect("fixture"), "{path}");
        let identity = agent.get(&server.url(path)).call().expect(path);
        assert_eq!(header(&identity, "content-encoding"), "", "{path}");
        assert_ne!(
            header(&identity, "etag"),
            gz_etag,
            "{path}: each representation has its own tag"
        );
        let resp = agent
            .get(&server.url(path))
            .header("Accept-Encoding", "gzip")
            .header("If-None-Match", &gz_etag)
            .call();
        assert_eq!(resp.expect(path).status(), 304);
    }
    let resp = agent
        .get(&server.url("vod/hls/seg_000.ts"))
        .header("Accept-Encoding", "gzip")
        .call()
        .expect("ts");
    assert_eq!(header(&resp, "content-encoding"), "");
    assert_eq!(header(&resp, "vary"), "");
}

#[test]
fn cors_preflight_and_exposed_headers() {
    let Some(pkg) = package() else { return };
    let server = Server::start(&pkg.dir, &[]);
    let resp = agent()
        .options(&server.url("vod/hls/seg_000.ts"))
        .header("Origin", "https://player.example")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "range, if-none-match")
        .call()
        .expect("preflight");
    assert_eq!(resp.status(), 204);
    assert_eq!(header(&resp, "access-control-allow-origin"), "*");
    assert!(header(&resp, "access-control-allow-methods").contains("GET"));
    assert_eq!(header(&resp, "access-control-allow-headers"), "range, if-none-match");
    let resp = agent()
        .get(&server.url("vod/hls/seg_000.ts"))
        .header("Origin", "https://player.example")
        .call();
    let expose = header(&resp.expect("get"), "access-control-expose-headers");
    for name in ["Content-Length", "Content-Range", "Accept-Ranges", "ETag"] {
        assert!(expose.contains(name), "{name} exposed: {expose}");
    }
}

#[test]
fn paths_outside_the_root_are_refused() {
    let Some(pkg) = package() else { return };
    let server = Server::start(&pkg.dir, &[]);
    for (target, want) in [
        ("/../outside.txt", "403"),
        ("/vod/../../outside.txt", "403"),
        ("/%2e%2e/outside.txt", "403"),
        ("/vod/%2E%2E/%2e%2e/outside.txt", "403"),
        ("/vod/..%2f..%2foutside.txt", "403"),
        ("/escape.txt", "403"),
        ("/escape-dir/outside.txt", "403"),
        ("/.hidden", "403"),
        ("/vod/%00", "400"),
        ("/%ff%fe", "400"),
        ("/does/not/exist.ts", "404"),
        ("/vod/", "404"),
        ("/vod", "404"),
    ] {
        let reply = raw_request(
            server.addr(),
            &format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        );
        let status = reply.split(' ').nth(1).unwrap_or("");
        assert_eq!(status, want, "{target}: {}", reply.lines().next().unwrap_or(""));
        assert!(!reply.contains("outside secret"), "{target} leaked the file");
    }
    // Not GET/HEAD/OPTIONS: 405 with Allow. Garbage request lines: 400, and the server keeps serving.
    let reply = raw_request(
        server.addr(),
        "DELETE /vod/hls/index.m3u8 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(reply.starts_with("HTTP/1.1 405"), "{reply}");
    assert!(reply.to_ascii_lowercase().contains("allow: get, head, options"));
    let reply = raw_request(server.addr(), "\x01\x02garbage\r\n\r\n");
    assert!(reply.starts_with("HTTP/1.1 400") || reply.is_empty(), "{reply}");
    assert_eq!(
        agent()
            .get(&server.url("vod/hls/index.m3u8"))
            .call()
            .expect("still up")
            .status(),
        200
    );
}

#[test]
fn listing_only_when_asked() {
    let Some(pkg) = package() else { return };
    let server = Server::start(&pkg.dir, &["--listing"]);
    let resp = agent().get(&server.url("vod/hls/")).call().expect("listing");
    assert_eq!(resp.status(), 200);
    let html = String::from_utf8_lossy(&body(resp)).to_string();
    assert!(html.contains("seg_000.ts") && html.contains("index.m3u8"), "{html}");
    let reply = raw_request(
        server.addr(),
        "GET /vod HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(
        reply.starts_with("HTTP/1.1 301") && reply.to_ascii_lowercase().contains("location: /vod/"),
        "{reply}"
    );
    // The listing never offers what is refused.
    let resp = agent().get(&server.url("")).call().expect("page");
    assert!(header(&resp, "content-type").starts_with("text/html"));
}

#[test]
fn player_page_lists_packages_and_embeds_players() {
    let Some(pkg) = package() else { return };
    let server = Server::start(&pkg.dir, &[]);
    let agent = agent();
    let page = String::from_utf8_lossy(&body(agent.get(&server.url("")).call().expect("page"))).to_string();
    assert!(page.contains("/_reel/hls.min.js") && page.contains("/_reel/dash.all.min.js"));
    for asset in ["hls.min.js", "dash.all.min.js", "hls.js.LICENSE", "dashjs.LICENSE.md"] {
        let resp = agent.get(&server.url(&format!("_reel/{asset}"))).call().expect(asset);
        assert_eq!(resp.status(), 200, "{asset}");
        assert!(body(resp).len() > 500, "{asset}");
    }
    let json =
        String::from_utf8_lossy(&body(agent.get(&server.url("_reel/api/packages")).call().expect("api"))).to_string();
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    let packages = value["packages"].as_array().expect("packages");
    let hls: Vec<&str> = packages
        .iter()
        .flat_map(|p| p["hls"].as_array().into_iter().flatten())
        .filter_map(|u| u.as_str())
        .collect();
    let dash: Vec<&str> = packages
        .iter()
        .flat_map(|p| p["dash"].as_array().into_iter().flatten())
        .filter_map(|u| u.as_str())
        .collect();
    assert!(hls.contains(&"/vod/hls/master.m3u8"), "{json}");
    assert!(
        !hls.contains(&"/vod/hls/index.m3u8"),
        "media playlists behind a master are not listed: {json}"
    );
    assert!(dash.contains(&"/vod/dash/manifest.mpd"), "{json}");
    let streams = body(agent.get(&server.url("api/streams")).call().expect("streams"));
    assert_eq!(String::from_utf8_lossy(&streams), "[]");
}

/// Cached segments go out with sendfile from sealed memory files: whole and in ranges, over kept-alive
/// connections from several clients at once, the bytes are the file's, and `/metrics` counts them.
#[test]
fn cached_segments_are_sent_without_a_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data: Vec<u8> = (0..700_001u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(dir.path().join("seg.ts"), &data).expect("write");
    let server = Server::start(dir.path(), &[]);
    let url = server.url("seg.ts");
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            let data = data.clone();
            std::thread::spawn(move || {
                let agent = agent();
                for _ in 0..5 {
                    let resp = agent.get(&url).call().expect("get");
                    assert_eq!(resp.status(), 200);
                    assert!(body(resp) == data, "whole body differs");
                    let resp = agent
                        .get(&url)
                        .header("Range", "bytes=123457-654320")
                        .call()
                        .expect("range");
                    assert_eq!(resp.status(), 206);
                    assert!(body(resp) == data[123_457..=654_320], "range differs");
                }
            })
        })
        .collect();
    for client in clients {
        client.join().expect("client");
    }
    let text = String::from_utf8_lossy(&body(agent().get(&server.url("metrics")).call().expect("metrics"))).to_string();
    let sent: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("reel_http_sendfile_bytes_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    // The first request may fill the cache from the file; every later one is sent from memory files.
    assert!(sent >= 19 * 700_001, "{text}");
}

/// A server holds a descriptor per connection and per sealed body: it starts by raising its soft limit to the
/// hard one, as nginx (`worker_rlimit_nofile`) and Go's runtime do.
#[test]
fn serve_raises_its_descriptor_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -Sn 256 && exec "$0" serve "$1" --listen 127.0.0.1:0"#)
        .arg(env!("CARGO_BIN_EXE_reel"))
        .arg(dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("bound address");
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("http://"), "{line}");
    let Some(row) = limits.lines().find(|l| l.starts_with("Max open files")) else {
        eprintln!("skip: no /proc limits here");
        return;
    };
    let fields: Vec<&str> = row.split_whitespace().collect();
    let (soft, hard) = (fields[3], fields[4]);
    if hard == "256" {
        eprintln!("skip: the hard limit is 256");
        return;
    }
    assert_eq!(soft, hard, "{row}");
}

#[test]
fn metrics_access_log_and_graceful_shutdown() {
    let Some(pkg) = package() else { return };
    let mut server = Server::start(&pkg.dir, &["--cache-mb", "0"]);
    let agent = agent();
    for _ in 0..3 {
        agent.get(&server.url("vod/hls/index.m3u8")).call().expect("get");
    }
    let _ = agent.get(&server.url("nope.ts")).call().expect("404");
    let text = String::from_utf8_lossy(&body(agent.get(&server.url("metrics")).call().expect("metrics"))).to_string();
    assert!(text.contains("reel_http_requests_total{class=\"2xx\"} 3"), "{text}");
    assert!(text.contains("reel_http_requests_total{class=\"4xx\"} 1"), "{text}");
    // This request's connection is open; one the client just dropped may not be noticed closed yet.
    let active: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("reel_http_active_connections "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    assert!((1..=3).contains(&active), "{text}");
    assert!(text.contains("reel_http_request_duration_seconds_count 4"), "{text}");
    assert!(text.contains("reel_http_response_bytes_total "), "{text}");

    // A large response in flight when SIGTERM arrives is finished, then the process exits 0.
    let big_len = std::fs::metadata(pkg.dir.join("big.mp4")).expect("big").len();
    let mut conn = TcpStream::connect(server.addr()).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    conn.write_all(b"GET /big.mp4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut first = [0u8; 4096];
    let n = conn.read(&mut first).expect("first bytes");
    assert!(n > 0);
    server.terminate();
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest).expect("rest");
    let mut all = first[..n].to_vec();
    all.extend_from_slice(&rest);
    let head_end = all.windows(4).position(|w| w == b"\r\n\r\n").expect("head") + 4;
    assert_eq!(
        (all.len() - head_end) as u64,
        big_len,
        "the in-flight body arrived whole"
    );
    let (code, stderr) = server.wait();
    assert_eq!(code, Some(0), "exit status; stderr: {stderr}");
    assert!(
        stderr.contains("\"GET /vod/hls/index.m3u8 HTTP/1.1\" 200 "),
        "access log: {stderr}"
    );
    assert!(
        stderr.contains("\"GET /nope.ts HTTP/1.1\" 404 "),
        "access log: {stderr}"
    );
}

#[test]
fn quiet_silences_the_access_log() {
    let Some(pkg) = package() else { return };
    let mut server = Server::start_with_global(&pkg.dir, &[], &["-q"]);
    agent().get(&server.url("vod/hls/index.m3u8")).call().expect("get");
    server.terminate();
    let (code, stderr) = server.wait();
    assert_eq!(code, Some(0));
    assert!(!stderr.contains("GET /"), "{stderr}");
}

#[test]
fn a_signal_as_soon_as_the_address_is_announced_stops_it_cleanly() {
    // The handlers are in place before the address is printed: a supervisor that stops the server the moment
    // it is up gets a clean exit, never death by signal.
    let Some(pkg) = package() else { return };
    for _ in 0..10 {
        let mut server = Server::start(&pkg.dir, &[]);
        server.terminate();
        let (code, stderr) = server.wait();
        assert_eq!(code, Some(0), "stderr: {stderr}");
    }
}

#[test]
fn a_second_signal_stops_it_without_waiting_for_open_requests() {
    let Some(pkg) = package() else { return };
    let mut server = Server::start(&pkg.dir, &[]);
    // A 24 MB response the client stops reading: the graceful shutdown would wait its whole grace (10 s).
    let mut conn = TcpStream::connect(server.addr()).expect("connect");
    conn.write_all(b"GET /big.mp4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut first = [0u8; 4096];
    assert!(conn.read(&mut first).expect("first bytes") > 0);
    server.terminate();
    // Apart, so the two are not merged into one pending signal.
    std::thread::sleep(Duration::from_millis(300));
    server.terminate();
    let (code, stderr) = server.wait();
    assert_eq!(code, Some(130), "stderr: {stderr}");
    assert!(stderr.contains("stopped without waiting for open requests"), "{stderr}");
    drop(conn);
}

#[test]
fn bad_directory_is_an_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(["serve", "/nonexistent/reel-serve-dir", "--listen", "127.0.0.1:0"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("reel: /nonexistent/reel-serve-dir"), "{stderr}");
}
