//! The built-in player page at `/`, its vendored scripts (hls.js, dash.js; see assets/player/README.md),
//! the package discovery behind it, and directory listings.

use super::files::Representation;
use super::handler::text_response;
use crate::net::live::LiveStreamInfo;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use std::io::Read;
use std::path::Path;
use std::sync::LazyLock;
use std::time::SystemTime;

const HLS_JS: &[u8] = include_bytes!("../../../assets/player/hls.min.js");
const DASH_JS: &[u8] = include_bytes!("../../../assets/player/dash.all.min.js");
const HLS_LICENSE: &[u8] = include_bytes!("../../../assets/player/hls.js.LICENSE");
const DASH_LICENSE: &[u8] = include_bytes!("../../../assets/player/dashjs.LICENSE.md");

/// Characters escaped in one URL path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'\'')
    .add(b'&');

/// When this process started: the Last-Modified of embedded assets.
static STARTED: LazyLock<SystemTime> = LazyLock::new(SystemTime::now);

/// The player page.
pub(crate) fn index(method: &Method) -> Response {
    text_response(
        method,
        "text/html; charset=utf-8",
        "no-cache",
        Bytes::from_static(INDEX_HTML.as_bytes()),
    )
}

/// An embedded asset under `/_reel/`.
pub(crate) fn asset(method: &Method, headers: &HeaderMap, name: &str) -> Response {
    let (data, file_name) = match name {
        "hls.min.js" => (HLS_JS, "hls.min.js"),
        "dash.all.min.js" => (DASH_JS, "dash.all.min.js"),
        "hls.js.LICENSE" => (HLS_LICENSE, "LICENSE.txt"),
        "dashjs.LICENSE.md" => (DASH_LICENSE, "LICENSE.txt"),
        _ => return super::handler::status_response(StatusCode::NOT_FOUND),
    };
    let rep = Representation::new(Bytes::from_static(data), file_name, *STARTED, "public, max-age=3600");
    super::handler::respond(method, headers, &rep)
}

/// Directories that hold something playable: multivariant HLS playlists and DASH manifests (or, in a directory
/// without a multivariant playlist, its media playlists), plus the live streams. JSON for the page.
pub(crate) fn packages_json(root: &Path, live: &[LiveStreamInfo]) -> Vec<u8> {
    let mut packages = Vec::new();
    let mut budget = 20_000usize;
    walk(root, root, 0, &mut budget, &mut packages);
    packages.sort_by(|a: &serde_json::Value, b| a["dir"].as_str().cmp(&b["dir"].as_str()));
    let live: Vec<_> = live
        .iter()
        .map(|s| {
            serde_json::json!({
                "name": s.name,
                "url": format!("/live/{}/{}", utf8_percent_encode(&s.name, SEGMENT), s.entry),
                "dash": s.dash.as_ref().map(|d| format!("/live/{}/{d}", utf8_percent_encode(&s.name, SEGMENT))),
                "publisher": s.publisher,
                "codecs": s.codecs,
                "live": s.live,
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "packages": packages, "live": live })).unwrap_or_default()
}

fn url_of(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut url = String::new();
    for c in rel.components() {
        url.push('/');
        url.extend(utf8_percent_encode(&c.as_os_str().to_string_lossy(), SEGMENT));
    }
    if url.is_empty() { "/".to_string() } else { url }
}

fn walk(root: &Path, dir: &Path, depth: usize, budget: &mut usize, out: &mut Vec<serde_json::Value>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut masters = Vec::new();
    let mut media = Vec::new();
    let mut dash = Vec::new();
    let mut subdirs = Vec::new();
    for entry in entries.flatten() {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        // file_type does not follow symlinks: linked directories are not walked (they may lead out of the root).
        let Ok(kind) = entry.file_type() else { continue };
        let path = entry.path();
        if kind.is_dir() {
            subdirs.push(path);
        } else if kind.is_file() {
            let lower = name.to_ascii_lowercase();
            if lower.ends_with(".mpd") {
                dash.push(url_of(root, &path));
            } else if lower.ends_with(".m3u8") {
                let mut head = String::new();
                let _ = std::fs::File::open(&path).map(|f| f.take(64 * 1024).read_to_string(&mut head));
                if head.contains("#EXT-X-STREAM-INF") {
                    masters.push(url_of(root, &path));
                } else {
                    media.push(url_of(root, &path));
                }
            }
        }
    }
    let hls = if masters.is_empty() { media } else { masters };
    if !hls.is_empty() || !dash.is_empty() {
        let (mut hls, mut dash) = (hls, dash);
        hls.sort();
        dash.sort();
        out.push(serde_json::json!({ "dir": url_of(root, dir), "hls": hls, "dash": dash }));
    }
    if depth < 8 {
        subdirs.sort();
        for sub in subdirs {
            walk(root, &sub, depth + 1, budget, out);
        }
    }
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// An HTML listing of a directory (only when listing is enabled); hidden entries are left out.
pub(crate) fn listing(dir: &Path) -> String {
    let mut names: Vec<(String, bool)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .take(10_000)
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    let is_dir = e.path().is_dir();
                    (!name.starts_with('.')).then_some((name, is_dir))
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut html = String::from("<!doctype html><meta charset=\"utf-8\"><title>Index</title><ul>\n");
    html.push_str("<li><a href=\"../\">../</a></li>\n");
    for (name, is_dir) in names {
        let slash = if is_dir { "/" } else { "" };
        html.push_str(&format!(
            "<li><a href=\"{}{slash}\">{}{slash}</a></li>\n",
            utf8_percent_encode(&name, SEGMENT),
            escape_html(&name)
        ));
    }
    html.push_str("</ul>\n");
    html
}

const INDEX_HTML: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>reel serve</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:980px;padding:0 1em;color:#222}
video{width:100%;max-height:60vh;background:#000}
#status{color:#555;font-size:.9em;min-height:1.2em;margin:.3em 0 1em}
li{margin:.35em 0} button{margin-left:.6em;cursor:pointer} code{background:#f3f3f3;padding:0 .3em}
footer{margin-top:2em;font-size:.8em;color:#777}
</style>
<script src="/_reel/hls.min.js"></script>
<script src="/_reel/dash.all.min.js"></script>
</head><body>
<h1>reel serve</h1>
<video id="video" controls muted playsinline></video>
<div id="status">Pick something to play.</div>
<h2>Packages</h2><ul id="packages"><li>Loading…</li></ul>
<h2>Live streams</h2><ul id="live"><li>None yet.</li></ul>
<footer>Players: <a href="https://github.com/video-dev/hls.js">hls.js</a>
(<a href="/_reel/hls.js.LICENSE">Apache-2.0</a>) and
<a href="https://github.com/Dash-Industry-Forum/dash.js">dash.js</a>
(<a href="/_reel/dashjs.LICENSE.md">BSD-3-Clause</a>), served from this binary.
Metrics: <a href="/metrics">/metrics</a>.</footer>
<script>
"use strict";
const video = document.getElementById("video");
const statusLine = document.getElementById("status");
let hls = null, dash = null;
window.reel = { playing: null, errors: [] };
function stop() {
  if (hls) { hls.destroy(); hls = null; }
  if (dash) { (dash.destroy || dash.reset).call(dash); dash = null; }
  video.removeAttribute("src"); video.load();
}
function fail(message) { window.reel.errors.push(message); statusLine.textContent = "Error: " + message; }
function play(url) {
  stop();
  window.reel.playing = url;
  statusLine.textContent = "Playing " + url;
  if (/\.mpd(\?|$)/i.test(url)) {
    dash = dashjs.MediaPlayer().create();
    window.reel.dash = dash;
    dash.on(dashjs.MediaPlayer.events.ERROR, e => fail("dash.js: " + JSON.stringify(e.error || e)));
    dash.initialize(video, url, true);
    window.reel.dash = dash;
  } else if (window.Hls && Hls.isSupported()) {
    // Low-latency mode follows LL-HLS parts and blocking reloads; a slight speed-up (at most 1.1x, inaudible)
    // brings a live stream that started late back to the server's PART-HOLD-BACK.
    hls = new Hls({ lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.1 });
    window.reel.hls = hls;
    hls.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) fail("hls.js: " + d.type + " " + d.details); });
    hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => {}));
    hls.loadSource(url);
    hls.attachMedia(video);
    window.reel.hls = hls;
  } else {
    video.src = url;
    video.play().catch(() => {});
  }
  history.replaceState(null, "", "?play=" + encodeURIComponent(url));
}
function entry(label, links) {
  const li = document.createElement("li");
  const code = document.createElement("code"); code.textContent = label; li.append(code);
  for (const [kind, url] of links) {
    const b = document.createElement("button"); b.textContent = kind; b.title = url;
    b.onclick = () => play(url); li.append(b);
  }
  return li;
}
fetch("/_reel/api/packages").then(r => r.json()).then(data => {
  const list = document.getElementById("packages"); list.textContent = "";
  for (const p of data.packages) {
    const links = p.hls.map(u => ["HLS " + u.split("/").pop(), u]).concat(p.dash.map(u => ["DASH " + u.split("/").pop(), u]));
    list.append(entry(p.dir, links));
  }
  if (!data.packages.length) list.textContent = "No .m3u8 or .mpd found under the served directory.";
  const live = document.getElementById("live");
  if (data.live.length) live.textContent = "";
  for (const s of data.live) {
    const links = [["HLS", s.url]].concat(s.dash ? [["DASH", s.dash]] : []);
    live.append(entry(s.name + (s.codecs ? " (" + s.codecs + ")" : "") + (s.live ? "" : " (no publisher now)"), links));
  }
}).catch(e => fail("cannot list packages: " + e));
const wanted = new URLSearchParams(location.search).get("play");
if (wanted) play(wanted);
</script>
</body></html>
"#;
