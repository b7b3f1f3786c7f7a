//! `reel probe` against ffprobe on every fixture in testdata/ and every file in ../shared/media.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

fn reel() -> Command {
    Command::cargo_bin("reel").expect("the reel binary is built for integration tests")
}

/// The media fixtures: every file in testdata/ except the script and its README.
fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("testdata")
        .expect("testdata/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !matches!(p.extension().and_then(|e| e.to_str()), Some("sh" | "md")))
        .collect();
    files.sort();
    assert!(files.len() >= 9, "testdata/ lost fixtures: {files:?}");
    files
}

/// Files in ../shared/media (or $REEL_SHARED/media), or none (saying so) when the shared data is not there.
fn shared_media() -> Vec<PathBuf> {
    let shared = std::env::var_os("REEL_SHARED").map_or_else(|| PathBuf::from("../shared"), PathBuf::from);
    let dir = shared.join("media");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        eprintln!("skipping {}: not present", dir.display());
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn ffprobe(path: &Path, extra: &[&str]) -> Value {
    let out = Process::new("ffprobe")
        .args(["-v", "error", "-show_format", "-show_streams", "-of", "json"])
        .args(extra)
        .arg(path)
        .output()
        .expect("ffprobe is installed (scripts/bootstrap.sh installs it)");
    assert!(out.status.success(), "ffprobe failed on {}", path.display());
    serde_json::from_slice(&out.stdout).expect("ffprobe prints JSON")
}

fn seconds(v: &Value) -> Option<f64> {
    v.as_str().and_then(|s| s.parse().ok())
}

/// Compares the fields the issue names; durations to the millisecond.
fn assert_same(file: &Path, want: &Value, got: &Value) {
    let name = file.display();
    let (wf, gf) = (&want["format"], &got["format"]);
    for key in ["nb_streams", "format_name", "size", "bit_rate", "nb_programs"] {
        assert_eq!(wf[key], gf[key], "{name}: format.{key}");
    }
    for key in ["duration", "start_time"] {
        match (seconds(&wf[key]), seconds(&gf[key])) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 0.0005, "{name}: format.{key} {a} vs {b}"),
            (a, b) => assert_eq!(a, b, "{name}: format.{key}"),
        }
    }
    let (ws, gs) = (want["streams"].as_array().unwrap(), got["streams"].as_array().unwrap());
    assert_eq!(ws.len(), gs.len(), "{name}: stream count");
    for (w, g) in ws.iter().zip(gs) {
        let i = &w["index"];
        for key in [
            "index",
            "codec_name",
            "codec_type",
            "profile",
            "width",
            "height",
            "pix_fmt",
            "r_frame_rate",
            "avg_frame_rate",
            "time_base",
            "sample_rate",
            "channels",
            "channel_layout",
            "bit_rate",
            "nb_frames",
            "tags",
            "disposition",
            "side_data_list",
        ] {
            assert_eq!(w[key], g[key], "{name}: stream {i} {key}");
        }
        match (seconds(&w["duration"]), seconds(&g["duration"])) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 0.0005, "{name}: stream {i} duration {a} vs {b}"),
            (a, b) => assert_eq!(a, b, "{name}: stream {i} duration"),
        }
    }
}

#[test]
fn json_matches_ffprobe_on_fixtures_and_shared_media() {
    let mut files = fixtures();
    files.extend(shared_media());
    // One reel run for all files (they are probed in parallel and printed in order).
    let out = reel().arg("--json").arg("probe").args(&files).output().unwrap();
    assert!(
        out.status.success(),
        "reel failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let got = got.as_array().expect("several inputs give an array");
    assert_eq!(got.len(), files.len());
    for (file, g) in files.iter().zip(got) {
        assert_eq!(g["format"]["filename"], file.display().to_string());
        assert_same(file, &ffprobe(file, &[]), g);
    }
}

#[test]
fn whole_documents_equal_ffprobe() {
    // Not only the named fields: every field ffprobe prints for these files, in the same order.
    let mut files = fixtures();
    files.extend(shared_media());
    for file in files {
        let out = reel().args(["--json", "probe"]).arg(&file).output().unwrap();
        assert!(out.status.success());
        let mut got: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut want = ffprobe(&file, &[]);
        got["format"]["filename"] = Value::Null;
        want["format"]["filename"] = Value::Null;
        assert_eq!(
            serde_json::to_string_pretty(&want).unwrap(),
            serde_json::to_string_pretty(&got).unwrap(),
            "{}",
            file.display()
        );
    }
}

#[test]
fn rotation_comes_from_the_display_matrix() {
    let out = reel()
        .args(["--json", "probe", "testdata/rotated.mp4"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sd = &v["streams"][0]["side_data_list"][0];
    assert_eq!(sd["side_data_type"], "Display Matrix");
    assert_eq!(sd["rotation"], 90);
    reel()
        .args(["probe", "testdata/rotated.mp4"])
        .assert()
        .success()
        .stdout(predicates::str::contains("rotation 90"));
}

#[test]
fn readable_summary_names_codecs_sizes_and_rates() {
    let out = reel()
        .args(["probe", "testdata/av.mp4", "testdata/vfr.mp4"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let av = text.find("testdata/av.mp4").unwrap();
    let vfr = text.find("testdata/vfr.mp4").unwrap();
    assert!(av < vfr, "printed in input order:\n{text}");
    for want in [
        "h264 (High)",
        "320x240",
        "yuv420p",
        "25 fps",
        "aac (LC)",
        "48000 Hz",
        "2 channels (stereo)",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(text.contains("variable"), "vfr.mp4 is variable frame rate:\n{text}");
}

#[test]
fn accurate_fills_matroska_stream_durations_and_bit_rates() {
    for file in ["testdata/av.mkv", "testdata/av.webm"] {
        let plain: Value =
            serde_json::from_slice(&reel().args(["--json", "probe", file]).output().unwrap().stdout).unwrap();
        assert!(
            plain["streams"][0]["duration"].is_null(),
            "{file}: Matroska has no stream duration"
        );
        let out = reel().args(["--json", "probe", "--accurate", file]).output().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let format_duration = seconds(&v["format"]["duration"]).unwrap();
        for s in v["streams"].as_array().unwrap() {
            let d = seconds(&s["duration"]).expect("duration filled");
            assert!(
                (d - format_duration).abs() < 0.05,
                "{file}: stream {} lasts {d}, file {format_duration}",
                s["index"]
            );
            let rate: f64 = s["bit_rate"].as_str().unwrap().parse().unwrap();
            assert!(rate > 10_000.0 && rate < 1_000_000.0, "{file}: bit rate {rate}");
        }
    }
}

#[test]
fn count_frames_agrees_with_ffprobe() {
    for file in fixtures() {
        let out = reel()
            .args(["--json", "probe", "--count-frames"])
            .arg(&file)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let want = ffprobe(&file, &["-count_packets"]);
        for (w, g) in want["streams"]
            .as_array()
            .unwrap()
            .iter()
            .zip(v["streams"].as_array().unwrap())
        {
            assert_eq!(
                w["nb_read_packets"],
                g["nb_read_packets"],
                "{} stream {}",
                file.display(),
                w["index"]
            );
        }
    }
}

fn ndjson(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn show_packets_streams_ffprobe_packet_records() {
    let mut files = fixtures();
    files.extend(shared_media());
    for file in files {
        let out = reel().args(["probe", "--show-packets"]).arg(&file).output().unwrap();
        assert!(out.status.success());
        let got = ndjson(&out.stdout);
        let want = Process::new("ffprobe")
            .args(["-v", "error", "-show_packets", "-of", "json"])
            .arg(&file)
            .output()
            .unwrap();
        let want: Value = serde_json::from_slice(&want.stdout).unwrap();
        let want = want["packets"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{}", file.display());
        for (w, g) in want.iter().zip(&got) {
            assert_eq!(w, g, "{}", file.display());
        }
    }
}

#[test]
fn show_frames_decodes_every_frame() {
    let out = reel()
        .args(["probe", "--show-frames", "testdata/av.mp4"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let frames = ndjson(&out.stdout);
    let video = frames.iter().filter(|f| f["media_type"] == "video").count();
    let audio = frames.iter().filter(|f| f["media_type"] == "audio").count();
    let want = ffprobe(Path::new("testdata/av.mp4"), &["-count_frames"]);
    assert_eq!(
        video.to_string(),
        want["streams"][0]["nb_read_frames"].as_str().unwrap()
    );
    assert_eq!(
        audio.to_string(),
        want["streams"][1]["nb_read_frames"].as_str().unwrap()
    );
    let first_video = frames.iter().find(|f| f["media_type"] == "video").unwrap();
    assert_eq!(first_video["width"], 320);
    assert_eq!(first_video["pict_type"], "I");
}

#[test]
fn stdin_and_urls_are_inputs() {
    let data = std::fs::read("testdata/av.mp4").unwrap();
    let out = reel()
        .args(["--json", "probe", "-"])
        .write_stdin(data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"]["filename"], "pipe:");
    assert_eq!(v["streams"][0]["codec_name"], "h264");
    assert_eq!(v["streams"][1]["sample_rate"], "48000");

    let url = format!("file:{}", std::fs::canonicalize("testdata/tone.wav").unwrap().display());
    let out = reel().args(["--json", "probe", &url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["streams"][0]["codec_name"], "pcm_s16le");
}

#[test]
fn recursive_probes_media_and_reports_other_files() {
    let out = reel()
        .args(["probe", "--recursive", "--ndjson", "testdata"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "non-media files found by a walk are notes, not failures"
    );
    assert_eq!(ndjson(&out.stdout).len(), fixtures().len());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("testdata/generate.sh: skipped, not media"), "{err}");
    assert!(err.contains("testdata/README.md: skipped, not media"), "{err}");
}

#[test]
fn library_probes_bytes_in_memory() {
    let data = std::fs::read("testdata/av.webm").unwrap();
    let report = reel::probe::probe_bytes(&data, &reel::probe::ProbeOptions::default()).unwrap();
    assert_eq!(report.format.format_name, "matroska,webm");
    assert_eq!(report.streams[0].codec_name.as_deref(), Some("vp9"));
    assert_eq!(report.streams[1].codec_name.as_deref(), Some("opus"));
    assert!(reel::probe::probe_bytes(b"", &Default::default()).is_err());
    assert!(
        reel::probe::probe_bytes(&data[..data.len() / 10], &Default::default()).is_ok_and(|r| r.streams.len() <= 2)
    );
    assert!(reel::probe::exercise_bytes(&data).unwrap() > 50);
}
