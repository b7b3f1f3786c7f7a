//! hls.js and dash.js (vendored, served by the page at `/`) play `reel serve`'s VOD package in headless Chromium
//! past 5 s. Runs tests/browser/play.mjs; skips with a message when node or chromium is not installed.
//! CI: `apt-get install chromium nodejs npm` (playwright-core comes from tests/browser/package-lock.json).

mod support;

use std::path::Path;
use std::process::Command;
use support::{Server, package};

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn chromium() -> Option<String> {
    std::env::var("CHROMIUM").ok().or_else(|| {
        Path::new("/usr/bin/chromium")
            .exists()
            .then(|| "/usr/bin/chromium".into())
    })
}

#[test]
fn hls_and_dash_play_past_five_seconds_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("skipping: chromium is not installed (apt-get install chromium)");
        return;
    };
    if !available("node") {
        eprintln!("skipping: node is not installed (apt-get install nodejs npm)");
        return;
    }
    let Some(pkg) = package() else { return };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !dir.join("node_modules/playwright-core").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .stdin(std::process::Stdio::null())
            .status();
        assert!(status.is_ok_and(|s| s.success()), "npm ci in tests/browser failed");
    }
    let server = Server::start(&pkg.dir, &[]);
    for media in ["/vod/hls/master.m3u8", "/vod/dash/manifest.mpd"] {
        let out = Command::new("node")
            .arg(dir.join("play.mjs"))
            .args([&server.url(""), media, "5", "60"])
            .env("CHROMIUM", &browser)
            .output()
            .expect("run node");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{media} did not reach 5 s of playback: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let result: serde_json::Value = serde_json::from_str(stdout.trim()).expect("play.mjs JSON");
        assert!(result["currentTime"].as_f64().unwrap_or(0.0) >= 5.0, "{result}");
    }
}
