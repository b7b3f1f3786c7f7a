//! Shared helpers for integration tests: run reel, make inputs with ffmpeg's lavfi, measure with ffprobe/ffmpeg.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The reel binary under test.
pub fn reel() -> Command {
    Command::new(env!("CARGO_BIN_EXE_reel"))
}

/// Runs reel with args; returns the output.
pub fn run_reel(args: &[&str]) -> Output {
    reel().args(args).output().expect("run reel")
}

/// Makes a test input with ffmpeg: `lavfi` video (and optional audio) encoded with `codec_args`.
pub fn make_input(dir: &Path, name: &str, seconds: f64, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let t = seconds.to_string();
    // -nostdin: ffmpeg reads keys (q quits) from a stdin that is not a terminal, and on a machine whose
    // /dev/null had become a regular file, it read other processes' output from there.
    let mut args: Vec<&str> = vec![
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        &t,
    ];
    args.extend_from_slice(extra);
    let path = out.to_string_lossy().into_owned();
    args.push(&path);
    let st = Command::new("ffmpeg")
        .args(&args)
        .stdin(std::process::Stdio::null())
        .status()
        .expect("ffmpeg");
    assert!(st.success(), "ffmpeg failed making {name}");
    out
}

/// ffprobe -show_streams -show_format as JSON.
pub fn ffprobe(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_format",
            "-show_streams",
            "-count_frames",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("ffprobe");
    assert!(
        out.status.success(),
        "ffprobe failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe json")
}

/// The first stream of a type in ffprobe JSON.
pub fn stream<'a>(probe: &'a serde_json::Value, kind: &str) -> Option<&'a serde_json::Value> {
    probe["streams"].as_array()?.iter().find(|s| s["codec_type"] == kind)
}

/// Decoded frame count of the video stream.
pub fn video_frames(probe: &serde_json::Value) -> u64 {
    stream(probe, "video")
        .and_then(|s| s["nb_read_frames"].as_str())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A float field that ffprobe writes as a string.
pub fn num(v: &serde_json::Value) -> f64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}

/// Decodes the video of `path` to raw yuv420p frames at `w`x`h`, in decode (display) order.
pub fn raw_frames(path: &Path, w: u32, h: u32) -> Vec<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args([
            "-an",
            "-fps_mode",
            "passthrough",
            "-vf",
            &format!("scale={w}:{h}:flags=bicubic"),
            "-pix_fmt",
            "yuv420p",
            "-f",
            "rawvideo",
            "-",
        ])
        .output()
        .expect("ffmpeg decode");
    assert!(
        out.status.success(),
        "decode {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let size = (w * h * 3 / 2) as usize;
    out.stdout.chunks_exact(size).map(|c| c.to_vec()).collect()
}

/// PSNR (dB) over all planes of two equally sized byte buffers.
pub fn psnr_bytes(a: &[u8], b: &[u8]) -> f64 {
    let mse: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
        .sum::<f64>()
        / a.len().max(1) as f64;
    if mse == 0.0 {
        99.0
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// Average PSNR of `a`'s video frames against `b`'s (frame by frame in order, `a` scaled to `b`'s size).
pub fn psnr(a: &Path, b: &Path) -> f64 {
    let p = ffprobe(b);
    let v = stream(&p, "video").expect("reference video");
    let (w, h) = (
        v["width"].as_u64().unwrap() as u32,
        v["height"].as_u64().unwrap() as u32,
    );
    let fa = raw_frames(a, w, h);
    let fb = raw_frames(b, w, h);
    let n = fa.len().min(fb.len());
    assert!(n > 0, "no frames to compare");
    fa.iter().zip(&fb).map(|(x, y)| psnr_bytes(x, y)).sum::<f64>() / n as f64
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// hls-parser in strict mode on every playlist; skipped (with a message) without node.
pub fn hls_parser_accepts(files: &[PathBuf]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check-hls.mjs");
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/node_modules/hls-parser");
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("skipping hls-parser: node is not installed (apt-get install nodejs npm)");
        return;
    }
    if !modules.exists() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
        let st = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .stdin(std::process::Stdio::null())
            .status();
        assert!(st.is_ok_and(|s| s.success()), "npm ci in tests/browser failed");
    }
    let o = Command::new("node").arg(script).args(files).output().expect("node");
    assert!(
        o.status.success(),
        "hls-parser rejected a playlist: {}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// xmllint against the MPEG DASH schema in ../shared; skipped (with a message) when either is missing.
pub fn mpd_is_schema_valid(mpd: &Path) {
    let xsd = std::env::var("REEL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
        .join("dash/DASH-MPD.xsd");
    if !xsd.exists() {
        eprintln!("skipping the MPD schema check: {} is absent", xsd.display());
        return;
    }
    if Command::new("xmllint").arg("--version").output().is_err() {
        eprintln!("skipping the MPD schema check: xmllint is not installed (apt-get install libxml2-utils)");
        return;
    }
    let o = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(mpd)
        .output()
        .expect("xmllint");
    assert!(o.status.success(), "MPD not schema-valid: {}", stderr(&o));
}
