//! `reel package`: HLS and DASH from one encode of a ladder, checked by ffprobe, npm hls-parser (strict), xmllint
//! against the MPEG DASH schema (from ../shared), and hls.js / dash.js playing in headless Chromium.

mod common;
mod support;

use common::{ffprobe, hls_parser_accepts, mpd_is_schema_valid, psnr, reel, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const LADDER: &str = "version: 1
video:
  codec: h264
  speed: ultrafast
  renditions:
    - { name: 720p, height: 720, bitrate: 2000k }
    - { name: 360p, height: 360, bitrate: 700k, maxrate: 800k, bufsize: 1400k }
    - { name: 180p, height: 180, bitrate: 200k }
audio: { codec: aac, bitrate: 96k }
";

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    source: PathBuf,
    ladder: PathBuf,
}

/// A 640x360 25 fps source with a 48 kHz tone, 8 s, and the test ladder; made once per test binary.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        let source = dir.join("source.mp4");
        let st = Command::new("ffmpeg")
            .args([
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=640x360:rate=25:duration=8",
            ])
            .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=8"])
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-crf",
                "18",
                "-c:a",
                "aac",
                "-shortest",
            ])
            .arg(&source)
            .stdin(std::process::Stdio::null())
            .status()
            .expect("ffmpeg");
        assert!(st.success(), "ffmpeg could not make the source");
        let ladder = dir.join("ladder.yaml");
        std::fs::write(&ladder, LADDER).expect("write ladder");
        Fixture {
            _tmp: tmp,
            dir,
            source,
            ladder,
        }
    })
}

/// Packages the fixture into a fresh directory with extra flags; returns it and the command's stderr.
fn package(name: &str, flags: &[&str]) -> (PathBuf, String) {
    let f = fixture();
    let out = f.dir.join(name);
    let o = reel()
        .arg("package")
        .arg(&f.source)
        .arg("-o")
        .arg(&out)
        .arg("--ladder")
        .arg(&f.ladder)
        .args(flags)
        .output()
        .expect("run reel package");
    assert!(o.status.success(), "reel package {flags:?} failed: {}", stderr(&o));
    (out, stderr(&o))
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// EXTINF durations of a media playlist.
fn extinfs(playlist: &str) -> Vec<f64> {
    playlist
        .lines()
        .filter_map(|l| l.strip_prefix("#EXTINF:"))
        .map(|l| l.trim_end_matches(',').parse().expect("EXTINF number"))
        .collect()
}

fn target_duration(playlist: &str) -> f64 {
    playlist
        .lines()
        .find_map(|l| l.strip_prefix("#EXT-X-TARGETDURATION:"))
        .expect("target duration")
        .parse()
        .expect("number")
}

/// Concatenates a rendition's init segment and media segments into one playable file.
fn joined(rendition: &Path, out: &Path) -> PathBuf {
    let playlist = read(&rendition.join("index.m3u8"));
    let mut bytes = std::fs::read(rendition.join("init.mp4")).unwrap_or_default();
    for line in playlist.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        bytes.extend(std::fs::read(rendition.join(line)).expect("segment"));
    }
    std::fs::write(out, bytes).expect("write joined");
    out.to_path_buf()
}

/// First packet flags of each segment (with its init segment when CMAF): true when it is a keyframe.
fn segments_start_with_keyframes(rendition: &Path) -> bool {
    let playlist = read(&rendition.join("index.m3u8"));
    let init = std::fs::read(rendition.join("init.mp4")).unwrap_or_default();
    for seg in playlist.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let mut bytes = init.clone();
        bytes.extend(std::fs::read(rendition.join(seg)).expect("segment"));
        let tmp = rendition.join(format!(".probe-{seg}"));
        std::fs::write(&tmp, &bytes).expect("write");
        let o = Command::new("ffprobe")
            .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags"])
            .args(["-read_intervals", "%+#1", "-of", "csv=p=0"])
            .arg(&tmp)
            .output()
            .expect("ffprobe");
        let _ = std::fs::remove_file(&tmp);
        if !String::from_utf8_lossy(&o.stdout).trim_start().starts_with('K') {
            return false;
        }
    }
    true
}

#[test]
fn ladder_package_is_complete_and_valid() {
    let (out, log) = package("ladder", &[]);
    assert!(
        log.contains("skipped rung 720p"),
        "the skipped rung is not reported: {log}"
    );
    for f in [
        "master.m3u8",
        "manifest.mpd",
        "360p/index.m3u8",
        "360p/iframes.m3u8",
        "360p/init.mp4",
        "180p/index.m3u8",
        "audio/index.m3u8",
        "audio/init.mp4",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    assert!(!out.join("720p").exists());
    let master = read(&out.join("master.m3u8"));
    for needle in [
        "#EXT-X-INDEPENDENT-SEGMENTS",
        "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\"",
        "RESOLUTION=640x360",
        "RESOLUTION=320x180",
        "FRAME-RATE=25.000",
        "AVERAGE-BANDWIDTH=",
        "mp4a.40.2",
        "#EXT-X-I-FRAME-STREAM-INF:",
    ] {
        assert!(master.contains(needle), "master playlist lacks {needle}:\n{master}");
    }
    // Exact RFC 6381 strings: what ffprobe reads as profile and level from the stream.
    let rendition = joined(&out.join("360p"), &out.join("360p.mp4"));
    let probe = ffprobe(&rendition);
    let v = common::stream(&probe, "video").expect("video");
    let level = v["level"].as_i64().unwrap();
    assert!(
        master.contains(&format!("avc1.42c0{level:02x}")) || master.contains(&format!("avc1.4240{level:02x}")),
        "codecs string does not match the stream (level {level}):\n{master}"
    );
    // Peak bandwidth (video + audio) is at least the average, and near the 700k + 96k asked for.
    let bw: Vec<(u64, u64)> = master
        .lines()
        .filter(|l| l.starts_with("#EXT-X-STREAM-INF:"))
        .map(|l| {
            let get = |k: &str| -> u64 {
                l.split([':', ','])
                    .find_map(|p| p.strip_prefix(k))
                    .and_then(|x| x.parse().ok())
                    .unwrap()
            };
            (get("BANDWIDTH="), get("AVERAGE-BANDWIDTH="))
        })
        .collect();
    assert_eq!(bw.len(), 2);
    assert!(bw.iter().all(|(peak, avg)| peak >= avg), "{bw:?}");
    assert!((600_000..1_400_000).contains(&bw[0].1), "360p average bandwidth {bw:?}");

    // Media playlists: target duration per the rules, segments aligned across renditions, keyframes first.
    let mut video_timelines = Vec::new();
    for r in ["360p", "180p", "audio"] {
        let p = read(&out.join(r).join("index.m3u8"));
        assert!(
            p.contains("#EXT-X-ENDLIST") && p.contains("#EXT-X-MAP:URI=\"init.mp4\""),
            "{r}:\n{p}"
        );
        let durations = extinfs(&p);
        let longest = durations.iter().cloned().fold(0.0, f64::max);
        let target = target_duration(&p);
        assert!(
            target >= longest - 0.001,
            "{r}: target {target} below a segment of {longest}"
        );
        assert!(
            target <= longest.round().max(longest.ceil()),
            "{r}: target {target} for {longest}"
        );
        let total: f64 = durations.iter().sum();
        assert!(
            (total - 8.0).abs() < 0.1,
            "{r}: {total} s of segments for an 8 s source"
        );
        if r != "audio" {
            assert!(
                segments_start_with_keyframes(&out.join(r)),
                "{r}: a segment does not start with a keyframe"
            );
            video_timelines.push(durations);
        }
    }
    assert_eq!(
        video_timelines[0], video_timelines[1],
        "renditions cut at different times"
    );
    assert_eq!(video_timelines[0], vec![2.0, 2.0, 2.0, 2.0]);

    // The I-frame playlist addresses the first keyframe of each segment by byte range.
    let iframes = read(&out.join("360p/iframes.m3u8"));
    assert!(iframes.contains("#EXT-X-I-FRAMES-ONLY") && iframes.matches("#EXT-X-BYTERANGE:").count() == 4);

    // ffprobe opens the multivariant playlist; durations of video and audio agree with the source.
    let p = ffprobe(&out.join("master.m3u8"));
    let duration = common::num(&p["format"]["duration"]);
    assert!((duration - 8.0).abs() <= 2.0, "package duration {duration}");
    let audio = joined(&out.join("audio"), &out.join("audio.mp4"));
    let pa = ffprobe(&audio);
    let a_frames = common::stream(&pa, "audio").unwrap()["nb_read_frames"]
        .as_str()
        .unwrap()
        .parse::<f64>()
        .unwrap();
    assert!(
        (a_frames * 1024.0 / 48000.0 - 8.0).abs() < 2.0,
        "audio lasts {} s",
        a_frames * 1024.0 / 48000.0
    );
    assert_eq!(common::video_frames(&probe), 200, "360p frame count");

    // Quality: the 360p rung against the source.
    let q = psnr(&rendition, &fixture().source);
    assert!(q > 30.0, "360p rung PSNR {q:.2} dB");

    hls_parser_accepts(&[
        out.join("master.m3u8"),
        out.join("360p/index.m3u8"),
        out.join("360p/iframes.m3u8"),
        out.join("180p/index.m3u8"),
        out.join("audio/index.m3u8"),
    ]);
    let mpd = read(&out.join("manifest.mpd"));
    for needle in [
        "type=\"static\"",
        "<SegmentTimeline>",
        "codecs=\"mp4a.40.2\"",
        "frameRate=\"25\"",
        "contentType=\"audio\"",
    ] {
        assert!(mpd.contains(needle), "MPD lacks {needle}:\n{mpd}");
    }
    mpd_is_schema_valid(&out.join("manifest.mpd"));
    let pd = ffprobe(&out.join("manifest.mpd"));
    assert!((common::num(&pd["format"]["duration"]) - 8.0).abs() <= 2.0);
}

#[test]
fn ts_segments_and_single_file_byte_ranges() {
    let (ts, _) = package("ts", &["--container", "ts"]);
    assert!(!ts.join("manifest.mpd").exists(), "a TS package has no MPD");
    assert!(ts.join("360p/seg_00001.ts").exists());
    let master = read(&ts.join("master.m3u8"));
    assert!(
        master.contains("avc1.42c01e") || master.contains("avc1.4240"),
        "{master}"
    );
    assert!(segments_start_with_keyframes(&ts.join("360p")));
    let p = ffprobe(&ts.join("master.m3u8"));
    assert!((common::num(&p["format"]["duration"]) - 8.0).abs() <= 2.0);
    hls_parser_accepts(&[
        ts.join("master.m3u8"),
        ts.join("360p/index.m3u8"),
        ts.join("360p/iframes.m3u8"),
    ]);

    let (sf, _) = package("single", &["--single-file"]);
    let playlist = read(&sf.join("360p/index.m3u8"));
    assert!(
        playlist.contains("#EXT-X-MAP:URI=\"media.mp4\",BYTERANGE="),
        "{playlist}"
    );
    assert_eq!(playlist.matches("#EXT-X-BYTERANGE:").count(), 4);
    // Byte ranges tile the file after the init segment and the sidx, with no gap.
    let ranges: Vec<(u64, u64)> = playlist
        .lines()
        .filter_map(|l| l.strip_prefix("#EXT-X-BYTERANGE:"))
        .map(|r| {
            let (n, o) = r.split_once('@').unwrap();
            (n.parse().unwrap(), o.parse().unwrap())
        })
        .collect();
    for w in ranges.windows(2) {
        assert_eq!(w[0].1 + w[0].0, w[1].1, "byte ranges are not contiguous: {ranges:?}");
    }
    let size = std::fs::metadata(sf.join("360p/media.mp4")).unwrap().len();
    let last = ranges.last().unwrap();
    assert_eq!(last.0 + last.1, size);
    let mpd = read(&sf.join("manifest.mpd"));
    assert!(mpd.contains("<SegmentBase") && mpd.contains("indexRange=") && mpd.contains("isoff-on-demand"));
    mpd_is_schema_valid(&sf.join("manifest.mpd"));
    // The single file plays on its own, whole.
    let p = ffprobe(&sf.join("360p/media.mp4"));
    assert_eq!(common::video_frames(&p), 200);
    hls_parser_accepts(&[
        sf.join("master.m3u8"),
        sf.join("360p/index.m3u8"),
        sf.join("360p/iframes.m3u8"),
    ]);
}

#[test]
fn players_reach_five_seconds_and_switch_renditions() {
    let browser = match std::env::var("CHROMIUM") {
        Ok(b) => b,
        Err(_) if Path::new("/usr/bin/chromium").exists() => "/usr/bin/chromium".into(),
        Err(_) => {
            eprintln!("skipping: chromium is not installed (apt-get install chromium)");
            return;
        }
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("skipping: node is not installed");
        return;
    }
    if !dir.join("node_modules/playwright-core").exists() {
        let st = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .stdin(std::process::Stdio::null())
            .status();
        assert!(st.is_ok_and(|s| s.success()), "npm ci in tests/browser failed");
    }
    let (root, _) = package("play", &[]);
    let (single, _) = package("play-single", &["--single-file", "--hls"]);
    let (ts, _) = package("play-ts", &["--container", "ts"]);
    let served = fixture().dir.clone();
    let server = support::Server::start(&served, &[]);
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    let cases = [
        format!("/{}/master.m3u8", name(&root)),
        format!("/{}/manifest.mpd", name(&root)),
        format!("/{}/master.m3u8", name(&single)),
        format!("/{}/master.m3u8", name(&ts)),
    ];
    for media in &cases {
        let o = Command::new("node")
            .arg(dir.join("play.mjs"))
            .args([&server.url(""), media.as_str(), "5", "60", "switch"])
            .env("CHROMIUM", &browser)
            .output()
            .expect("node");
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{media}: no 5 s of playback with a rendition switch: {stdout} {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let r: serde_json::Value = serde_json::from_str(stdout.trim()).expect("play.mjs JSON");
        assert!(r["currentTime"].as_f64().unwrap_or(0.0) >= 5.0, "{r}");
        assert_ne!(r["switched"]["from"], r["switched"]["to"], "{r}");
    }
}

#[test]
fn copy_packages_encoded_renditions_and_reports_misaligned_keyframes() {
    let f = fixture();
    let encode = |name: &str, height: u32, gop: u32| -> PathBuf {
        let out = f.dir.join(name);
        let st = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(&f.source)
            .args([
                "-vf",
                &format!("scale=-2:{height}"),
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
            ])
            .args([
                "-g",
                &gop.to_string(),
                "-keyint_min",
                &gop.to_string(),
                "-sc_threshold",
                "0",
            ])
            .args(["-c:a", "copy"])
            .arg(&out)
            .stdin(std::process::Stdio::null())
            .status()
            .expect("ffmpeg");
        assert!(st.success());
        out
    };
    let high = encode("copy-360.mp4", 360, 50);
    let low = encode("copy-180.mp4", 180, 50);
    let out = f.dir.join("copied");
    let o = reel()
        .arg("package")
        .arg(&high)
        .arg(&low)
        .arg("--copy")
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("do not line up"), "{}", stderr(&o));
    let master = read(&out.join("master.m3u8"));
    assert!(
        master.contains("360p/index.m3u8") && master.contains("180p/index.m3u8"),
        "{master}"
    );
    assert_eq!(extinfs(&read(&out.join("360p/index.m3u8"))), vec![2.0; 4]);
    // Copied, not re-encoded: the same bytes of video come back out.
    let joined_high = joined(&out.join("360p"), &f.dir.join("copied-360.mp4"));
    assert!(psnr(&joined_high, &high) > 60.0, "copy changed the pictures");
    mpd_is_schema_valid(&out.join("manifest.mpd"));

    let odd = encode("copy-odd.mp4", 180, 37);
    let out2 = f.dir.join("copied-odd");
    let o = reel()
        .arg("package")
        .arg(&high)
        .arg(&odd)
        .arg("--copy")
        .arg("-o")
        .arg(&out2)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("keyframes do not line up"), "{}", stderr(&o));
}

#[test]
fn hevc_and_av1_ladders_carry_their_codec_strings() {
    let f = fixture();
    // A small source keeps the AV1 and HEVC encodes short: 1 s at 192x108 (rav1e's generic code is compiled into
    // the unoptimised test binary, so debug-build AV1 encodes are about 30x slower than release).
    let small = f.dir.join("small.mp4");
    let st = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=192x108:rate=25:duration=1",
        ])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=1"])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest"])
        .arg(&small)
        .stdin(std::process::Stdio::null())
        .status()
        .expect("ffmpeg");
    assert!(st.success());
    for (ladder, prefix, speed) in [("ladder-hevc", "hvc1.1.", "ultrafast"), ("ladder-av1", "av01.0.", "10")] {
        let out = f.dir.join(ladder);
        let o = reel()
            .arg("package")
            .arg(&small)
            .args(["--ladder", ladder, "--set", &format!("video.speed={speed}"), "-o"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{ladder}: {}", stderr(&o));
        let master = read(&out.join("master.m3u8"));
        assert!(master.contains(prefix), "{ladder}: {master}");
        mpd_is_schema_valid(&out.join("manifest.mpd"));
        let p = ffprobe(&out.join("manifest.mpd"));
        assert!((common::num(&p["format"]["duration"]) - 1.0).abs() <= 0.5, "{ladder}");
    }
}

#[test]
fn bad_ladders_and_existing_outputs_are_clear_errors() {
    let f = fixture();
    let bad = f.dir.join("bad-ladder.yaml");
    std::fs::write(&bad, LADDER.replace("bitrate: 200k", "bitrat: 200k")).unwrap();
    let o = reel()
        .arg("package")
        .arg(&f.source)
        .arg("--ladder")
        .arg(&bad)
        .arg("-o")
        .arg(f.dir.join("x"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.starts_with("reel: ") && e.contains("bitrat") && e.lines().count() == 1,
        "{e}"
    );
    assert!(!f.dir.join("x").exists());

    let (out, _) = package("exists", &["--hls"]);
    let o = reel()
        .arg("package")
        .arg(&f.source)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));

    let o = reel()
        .arg("package")
        .arg(&f.source)
        .args(["--container", "ts", "--dash", "-o"])
        .arg(f.dir.join("y"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("DASH needs CMAF"), "{}", stderr(&o));
}

#[test]
fn an_aborted_run_leaves_no_package() {
    let f = fixture();
    let out = f.dir.join("aborted");
    // A slow encode (veryslow 360p) so the run is still going when it is killed.
    let mut child = reel()
        .arg("package")
        .arg(&f.source)
        .args(["--set", "video.speed=veryslow", "-o"])
        .arg(&out)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert!(!out.exists(), "a half package appeared under the final name");
    let leftovers: Vec<_> = std::fs::read_dir(&f.dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".aborted"))
        .collect();
    assert!(leftovers.is_empty(), "temporary package left behind");
}

/// Stdin can be opened only once: the package is made without the progress bar's duration probe.
#[test]
fn stdin_input_is_packaged() {
    let f = fixture();
    let out = f.dir.join("from-stdin");
    // The bundled clip (320x240, its moov first so a pipe can be read): the 180p rung of the test ladder.
    let clip = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/av.mp4");
    let o = reel()
        .args(["package", "-", "--hls", "-o"])
        .arg(&out)
        .arg("--ladder")
        .arg(&f.ladder)
        .stdin(std::fs::File::open(clip).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!extinfs(&read(&out.join("180p/index.m3u8"))).is_empty());
}
