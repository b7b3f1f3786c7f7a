//! `reel transcode` through the binary: every encoder and container round-trips (ffprobe reads it, PSNR against
//! the source, frame count and duration kept), pipes, presets, fan-out, VFR/rotation, bad input, Ctrl-C.

mod common;
use common::*;
use std::path::Path;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn source(dir: &Path) -> std::path::PathBuf {
    make_input(
        dir,
        "src.mp4",
        2.0,
        &[
            "-c:v", "libx264", "-crf", "10", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2",
        ],
    )
}

/// Transcodes `src` to `out` with extra args, checks ffprobe, frames, duration and PSNR.
fn round_trip(src: &Path, out: &Path, args: &[&str], vcodec: Option<&str>, acodec: Option<&str>) {
    let mut a = vec!["transcode", src.to_str().unwrap(), "-o", out.to_str().unwrap(), "-q"];
    a.extend_from_slice(args);
    let o = run_reel(&a);
    assert!(o.status.success(), "{:?}: {}", a, stderr(&o));
    let p = ffprobe(out);
    if let Some(vc) = vcodec {
        let v = stream(&p, "video").expect("video stream");
        assert_eq!(v["codec_name"], vc);
        assert_eq!(video_frames(&p), 50, "frame count for {}", out.display());
        let db = psnr(out, src);
        assert!(db >= 35.0, "{}: psnr {db:.2} dB", out.display());
    }
    if let Some(ac) = acodec {
        let s = stream(&p, "audio").expect("audio stream");
        assert_eq!(s["codec_name"], ac);
    }
    let d = num(&p["format"]["duration"]);
    assert!((d - 2.0).abs() < 0.1, "{}: duration {d}", out.display());
}

#[test]
fn h264_aac_mp4() {
    let d = tmp();
    let src = source(d.path());
    round_trip(&src, &d.path().join("o.mp4"), &[], Some("h264"), Some("aac"));
    // faststart: the moov box comes before mdat.
    let bytes = std::fs::read(d.path().join("o.mp4")).unwrap();
    let moov = bytes.windows(4).position(|w| w == b"moov").unwrap();
    let mdat = bytes.windows(4).position(|w| w == b"mdat").unwrap();
    assert!(moov < mdat, "moov after mdat: not faststart");
}

#[test]
fn hevc_mkv() {
    let d = tmp();
    let src = source(d.path());
    round_trip(
        &src,
        &d.path().join("o.mkv"),
        &[
            "--vcodec",
            "hevc",
            "--speed",
            "ultrafast",
            "--crf",
            "20",
            "--acodec",
            "opus",
        ],
        Some("hevc"),
        Some("opus"),
    );
}

#[test]
fn av1_rav1e_webm() {
    let d = tmp();
    let src = source(d.path());
    round_trip(
        &src,
        &d.path().join("o.webm"),
        &["--vcodec", "av1", "--speed", "10", "--crf", "20"],
        Some("av1"),
        Some("opus"),
    );
}

#[test]
fn vp9_webm() {
    let d = tmp();
    let src = source(d.path());
    round_trip(
        &src,
        &d.path().join("o.webm"),
        &["--speed", "8", "--crf", "20"],
        Some("vp9"),
        Some("opus"),
    );
}

#[test]
fn containers_mpegts_flv_nut_fmp4() {
    let d = tmp();
    let src = source(d.path());
    round_trip(
        &src,
        &d.path().join("o.ts"),
        &["--speed", "ultrafast"],
        Some("h264"),
        Some("aac"),
    );
    round_trip(
        &src,
        &d.path().join("o.flv"),
        &["--speed", "ultrafast"],
        Some("h264"),
        Some("aac"),
    );
    round_trip(
        &src,
        &d.path().join("o.nut"),
        &["--speed", "ultrafast"],
        Some("h264"),
        Some("aac"),
    );
    round_trip(
        &src,
        &d.path().join("o.mp4"),
        &["-f", "fmp4", "--speed", "ultrafast"],
        Some("h264"),
        Some("aac"),
    );
}

#[test]
fn y4m_and_wav() {
    let d = tmp();
    let src = source(d.path());
    round_trip(&src, &d.path().join("o.y4m"), &[], Some("rawvideo"), None);
    let wav = d.path().join("o.wav");
    let o = run_reel(&["transcode", src.to_str().unwrap(), "-o", wav.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = ffprobe(&wav);
    let a = stream(&p, "audio").unwrap();
    assert_eq!(a["codec_name"], "pcm_s16le");
    assert!(
        (num(&a["duration"]) - 2.0).abs() < 0.03,
        "wav duration {}",
        a["duration"]
    );
}

#[test]
fn audio_durations_kept_and_fdk_drained() {
    let d = tmp();
    let src = source(d.path());
    let out = d.path().join("o.mp4");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
        "--speed",
        "ultrafast",
    ]);
    assert!(o.status.success());
    let p = ffprobe(&out);
    let sp = ffprobe(&src);
    let a = num(&stream(&p, "audio").unwrap()["duration"]);
    let sa = num(&stream(&sp, "audio").unwrap()["duration"]);
    // Within one AAC frame (1024 samples at 48 kHz).
    assert!((a - sa).abs() <= 1024.0 / 48000.0 + 1e-3, "audio {a} vs source {sa}");
    let v = num(&stream(&p, "video").unwrap()["duration"]);
    let sv = num(&stream(&sp, "video").unwrap()["duration"]);
    assert!((v - sv).abs() <= 0.04 + 1e-3, "video {v} vs source {sv}");
}

#[test]
fn stream_copy_mp4_to_mkv() {
    let d = tmp();
    let src = source(d.path());
    let out = d.path().join("copy.mkv");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--vcodec",
        "copy",
        "--acodec",
        "copy",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = ffprobe(&out);
    assert_eq!(video_frames(&p), 50);
    assert!(psnr(&out, &src) > 90.0, "copy must be bit-exact");
}

#[test]
fn pipe_in_and_out() {
    let d = tmp();
    let src = make_input(
        d.path(),
        "src.ts",
        2.0,
        &["-c:v", "libx264", "-c:a", "aac", "-f", "mpegts"],
    );
    let input = std::fs::File::open(&src).unwrap();
    let out = reel()
        .args([
            "transcode",
            "-",
            "-o",
            "-",
            "-f",
            "mpegts",
            "--speed",
            "ultrafast",
            "-q",
        ])
        .stdin(input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let piped = d.path().join("piped.ts");
    std::fs::write(&piped, &out.stdout).unwrap();
    let p = ffprobe(&piped);
    assert_eq!(video_frames(&p), 50);
    assert!(stream(&p, "audio").is_some());
}

#[test]
fn fan_out_gives_identical_frames_per_branch() {
    let d = tmp();
    let src = source(d.path());
    let a = d.path().join("a.y4m");
    let b = d.path().join("b.y4m");
    let c = d.path().join("c.mp4");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        a.to_str().unwrap(),
        "-o",
        b.to_str().unwrap(),
        "-o",
        c.to_str().unwrap(),
        "--vf",
        "scale=-2:120",
        "--speed",
        "ultrafast",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let p = ffprobe(&c);
    assert_eq!(stream(&p, "video").unwrap()["height"], 120);
    assert_eq!(stream(&p, "video").unwrap()["width"], 160);
    // The y4m outputs had no per-output filter: source size.
    assert_eq!(stream(&ffprobe(&a), "video").unwrap()["height"], 240);
}

#[test]
fn per_output_options_follow_their_output() {
    let d = tmp();
    let src = source(d.path());
    let a = d.path().join("a.mp4");
    let b = d.path().join("b.mkv");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "--speed",
        "ultrafast",
        "-o",
        a.to_str().unwrap(),
        "-o",
        b.to_str().unwrap(),
        "--vcodec",
        "hevc",
        "--acodec",
        "none",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pa = ffprobe(&a);
    let pb = ffprobe(&b);
    assert_eq!(stream(&pa, "video").unwrap()["codec_name"], "h264");
    assert!(stream(&pa, "audio").is_some());
    assert_eq!(stream(&pb, "video").unwrap()["codec_name"], "hevc");
    assert!(stream(&pb, "audio").is_none());
}

#[test]
fn seek_and_duration() {
    let d = tmp();
    let src = make_input(d.path(), "long.mp4", 4.0, &["-c:v", "libx264", "-c:a", "aac"]);
    let out = d.path().join("cut.mp4");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--ss",
        "1",
        "--duration",
        "2",
        "--speed",
        "ultrafast",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = ffprobe(&out);
    assert_eq!(video_frames(&p), 50);
    let d = num(&p["format"]["duration"]);
    assert!((d - 2.0).abs() < 0.1, "duration {d}");
}

#[test]
fn constant_fps_and_scale_keep_aspect() {
    let d = tmp();
    let src = source(d.path());
    let out = d.path().join("o.mp4");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--vf",
        "scale=-2:180",
        "--fps",
        "10",
        "--speed",
        "ultrafast",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = ffprobe(&out);
    let v = stream(&p, "video").unwrap();
    assert_eq!(v["width"], 240);
    assert_eq!(v["height"], 180);
    assert_eq!(v["r_frame_rate"], "10/1");
    assert_eq!(video_frames(&p), 20);
}

#[test]
fn vfr_input_keeps_its_timing() {
    let d = tmp();
    // Frames at irregular times: drop every third frame of a 25 fps source and keep timestamps.
    let src = make_input(
        d.path(),
        "vfr.mkv",
        2.0,
        &[
            "-vf",
            "select='not(eq(mod(n\\,3)\\,2))'",
            "-fps_mode",
            "vfr",
            "-c:v",
            "libx264",
            "-an",
        ],
    );
    let out = d.path().join("o.mp4");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--speed",
        "ultrafast",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pts = |p: &Path| -> Vec<f64> {
        let o = std::process::Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-select_streams",
                "v",
                "-show_entries",
                "frame=pts_time",
                "-of",
                "csv=p=0",
            ])
            .arg(p)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    };
    let a = pts(&src);
    let b = pts(&out);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 0.002, "timestamps differ: {x} vs {y}");
    }
}

#[test]
fn rotated_input_is_turned_upright() {
    let d = tmp();
    let src = d.path().join("rot.mp4");
    let st = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(source(d.path()))
        .args(["-c", "copy", "-metadata:s:v", "rotate=90"])
        .arg(&src)
        .stdin(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let out = d.path().join("up.mp4");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--speed",
        "ultrafast",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = ffprobe(&out);
    let v = stream(&p, "video").unwrap();
    assert_eq!((v["width"].as_u64(), v["height"].as_u64()), (Some(240), Some(320)));
    assert!(v["side_data_list"].is_null(), "no rotation left after autorotate");
    // Stream copy keeps the display matrix instead.
    let copy = d.path().join("copy.mp4");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        copy.to_str().unwrap(),
        "--vcodec",
        "copy",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = ffprobe(&copy);
    let rot = &stream(&p, "video").unwrap()["side_data_list"][0]["rotation"];
    assert_eq!(rot.as_i64().map(|r| r.abs()), Some(90), "{p}");
}

#[test]
fn presets_and_set_override() {
    let d = tmp();
    let src = source(d.path());
    let out = d.path().join("o.mp4");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--preset",
        "web-h264-720p",
        "--set",
        "video.speed=ultrafast",
        "--dry-run",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plan = String::from_utf8_lossy(&o.stdout);
    assert!(plan.contains("libx264") && plan.contains("crf 23"), "{plan}");
    // Flags beat --set, which beats the preset.
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--preset",
        "web-h264-720p",
        "--set",
        "video.crf=30",
        "--crf",
        "18",
        "--dry-run",
    ]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("crf 18"));
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--preset",
        "web-h264-720p",
        "--set",
        "video.crf=30",
        "--dry-run",
    ]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("crf 30"));
    let list = run_reel(&["presets", "list"]);
    let text = String::from_utf8_lossy(&list.stdout);
    for name in [
        "web-h264-720p",
        "web-h264-1080p",
        "av1-archive",
        "hevc-archive",
        "aac-audio",
        "ladder-h264",
    ] {
        assert!(text.contains(name), "{name} missing from presets list");
    }
}

#[test]
fn preset_with_unknown_key_names_file_line_and_key() {
    let d = tmp();
    let src = source(d.path());
    let preset = d.path().join("bad.yaml");
    std::fs::write(&preset, "version: 1\nvideo:\n  codec: h264\n  crff: 20\n").unwrap();
    let out = d.path().join("o.mp4");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--preset",
        preset.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.starts_with("reel: ") && e.contains("bad.yaml") && e.contains("line 4") && e.contains("crff"),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(!out.exists());
}

#[test]
fn graph_dot_and_dry_run() {
    let d = tmp();
    let src = source(d.path());
    let dot = d.path().join("g.dot");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        "/nonexistent-dir-but-dry/x.mp4",
        "--dry-run",
        "--graph-dot",
        dot.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&dot).unwrap();
    assert!(text.starts_with("digraph") && text.contains("vdec") && text.contains("libx264"));
}

fn expect_error(args: &[&str], code: i32, needle: &str) {
    let o = run_reel(args);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {e}");
    assert!(e.contains(needle), "{args:?}: {e}");
    assert!(!e.contains("panicked") && !e.contains("RUST_BACKTRACE"), "{e}");
}

#[test]
fn bad_input_gives_clear_errors_and_no_output() {
    let d = tmp();
    let src = source(d.path());
    let s = src.to_str().unwrap();
    let out = d.path().join("o.mp4");
    let o = out.to_str().unwrap();
    expect_error(
        &["transcode", s, "-o", o, "--vcodec", "h266"],
        1,
        "unknown video codec 'h266'",
    );
    expect_error(
        &["transcode", s, "-o", &format!("{o}.xyz")],
        1,
        "unknown container 'xyz'",
    );
    expect_error(&["transcode", s, "-o", o, "--vf", "scale=-2:"], 1, "filter 'scale=-2:'");
    expect_error(&["transcode", s, "-o", o, "--vf", "nosuchfilter=3"], 1, "nosuchfilter");
    expect_error(
        &["transcode", s, "-o", o, "--vf", "scale=319:239"],
        1,
        "odd dimensions 319x239",
    );
    expect_error(
        &["transcode", s, "-o", "/no/such/dir/o.mp4"],
        1,
        "output directory does not exist",
    );
    expect_error(&["transcode", "/no/such/input.mp4", "-o", o], 1, "/no/such/input.mp4");
    expect_error(&["transcode", s, "-o", o, "--crf", "abc"], 2, "abc");
    expect_error(&["transcode", s], 2, "--output");
    expect_error(
        &["transcode", s, "-o", o, "--vcodec", "copy", "--vf", "scale=-2:120"],
        1,
        "video filters cannot be used with copy",
    );
    expect_error(
        &["transcode", s, "-o", o, "--acodec", "copy", "--af", "volume=0.5"],
        1,
        "audio filters cannot be used with copy",
    );
    assert!(!out.exists(), "no output under the final name after errors");
    // Leftover temporary files are cleaned up too.
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // An existing output is kept without -y.
    std::fs::write(&out, b"keep").unwrap();
    expect_error(&["transcode", s, "-o", o], 1, "already exists");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep");
}

#[test]
fn corrupt_packets_are_skipped_with_a_warning() {
    let d = tmp();
    let src = make_input(
        d.path(),
        "src.ts",
        2.0,
        &["-c:v", "libx264", "-c:a", "aac", "-f", "mpegts"],
    );
    let mut bytes = std::fs::read(&src).unwrap();
    // Garble a stretch in the middle (whole TS packets keep the demuxer in sync).
    let mid = bytes.len() / 2 / 188 * 188;
    for b in &mut bytes[mid + 4..mid + 188 * 6] {
        *b = 0x5a;
    }
    let bad = d.path().join("bad.ts");
    std::fs::write(&bad, &bytes).unwrap();
    let out = d.path().join("o.mp4");
    let o = run_reel(&[
        "transcode",
        bad.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--speed",
        "ultrafast",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = ffprobe(&out);
    assert!(video_frames(&p) >= 40, "most frames survive");
}

#[test]
fn truncated_input_is_a_clear_error_or_a_short_output() {
    let d = tmp();
    let src = source(d.path());
    let bytes = std::fs::read(&src).unwrap();
    // mp4 with faststart cut at 60 %: the index is there, the data ends early.
    let cut = d.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
    let out = d.path().join("o.mp4");
    let o = run_reel(&[
        "transcode",
        cut.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--speed",
        "ultrafast",
    ]);
    let e = stderr(&o);
    assert!(!e.contains("panicked"), "{e}");
    if o.status.success() {
        assert!(e.contains("warning"), "a short input is reported: {e}");
        assert!(ffprobe(&out)["format"]["duration"].is_string());
    } else {
        assert_eq!(o.status.code(), Some(1));
        assert!(e.starts_with("reel: "), "{e}");
        assert!(!out.exists());
    }
}

/// Starts a deliberately slow encode, so a signal arrives mid-run.
fn slow_transcode(src: &Path, out: &Path) -> std::process::Child {
    reel()
        .args([
            "transcode",
            src.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--speed",
            "veryslow",
            "-q",
        ])
        .args(["--threads", "1"])
        .spawn()
        .unwrap()
}

#[test]
fn sigint_finishes_a_valid_file_and_second_sigint_removes_it() {
    let d = tmp();
    let src = make_input(
        d.path(),
        "long.mp4",
        20.0,
        &["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"],
    );
    let out = d.path().join("o.mp4");
    let mut child = slow_transcode(&src, &out);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let st = child.wait().unwrap();
    assert!(st.success(), "first Ctrl-C finishes cleanly");
    let p = ffprobe(&out);
    let frames = video_frames(&p);
    assert!(frames > 0 && frames < 500, "partial but valid: {frames} frames");

    let out2 = d.path().join("o2.mp4");
    let mut child = slow_transcode(&src, &out2);
    std::thread::sleep(std::time::Duration::from_millis(1000));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    std::thread::sleep(std::time::Duration::from_millis(50));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let st = child.wait().unwrap();
    assert!(!st.success());
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("o2"))
        .collect();
    assert!(leftovers.is_empty() || !out2.exists(), "{leftovers:?}");
    assert!(leftovers.is_empty(), "temporary file removed on abort: {leftovers:?}");
}

#[test]
fn preset_outputs_fan_out_from_one_decode() {
    let d = tmp();
    let src = source(d.path());
    let small = d.path().join("small.mp4");
    let preset = d.path().join("two.yaml");
    std::fs::write(
        &preset,
        format!(
            "version: 1\nvideo: {{ speed: ultrafast }}\noutputs:\n  - {{ video: {{ codec: h264 }} }}\n  - path: {}\n    video: {{ codec: h264, filters: \"scale=-2:120\" }}\n    audio: {{ codec: none }}\n",
            small.display()
        ),
    )
    .unwrap();
    let big = d.path().join("big.mkv");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        big.to_str().unwrap(),
        "--preset",
        preset.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pb = ffprobe(&big);
    let ps = ffprobe(&small);
    assert_eq!(stream(&pb, "video").unwrap()["height"], 240);
    assert_eq!(stream(&ps, "video").unwrap()["height"], 120);
    assert!(stream(&ps, "audio").is_none());
    assert_eq!(video_frames(&ps), 50);
}

#[test]
fn progress_json_emits_ndjson_events_on_stderr() {
    let d = tmp();
    let src = source(d.path());
    let out = d.path().join("o.mp4");
    let o = run_reel(&[
        "transcode",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--progress",
        "json",
        "--speed",
        "ultrafast",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let events: Vec<serde_json::Value> = stderr(&o)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let last = events.iter().rev().find(|e| e["event"] == "end").expect("an end event");
    assert_eq!(last["frames"], 50);
    assert!(last["size"].as_u64().unwrap_or(0) > 0);
    assert!(o.stdout.is_empty(), "stdout carries no progress");
}

#[test]
fn an_output_that_takes_nothing_says_what_the_input_has() {
    let d = tmp();
    let wav = make_input(d.path(), "tone.wav", 0.5, &["-vn"]);
    let out = d.path().join("o.mp4");
    let o = run_reel(&[
        "transcode",
        wav.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--acodec",
        "none",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("nothing to write") && e.contains("audio pcm_s16le only"),
        "{e}"
    );
    assert!(!out.exists());
}
