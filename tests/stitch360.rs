//! Integration tests of `reel stitch360` through the binary: known directions land on known pixels, round
//! trips keep the picture, pose traces render one viewport per pose, dual-fisheye stitching calibrates and
//! saves its lens file, and bad input fails with one line.

use assert_cmd::Command;
use reel::vision::projection::image_io::{self, RgbPlanes};
use reel::vision::projection::metrics::ws_psnr;
use reel::vision::projection::{Plane, Projection};
use reel::vision::stitch::{self, RigParams};
use std::path::Path;

fn reel() -> Command {
    let mut c = Command::cargo_bin("reel").unwrap();
    c.arg("-q");
    c
}

fn save(path: &Path, planes: [Plane<u8>; 3]) {
    image_io::save(path, &RgbPlanes::U8(planes)).unwrap();
}

fn load(path: &Path) -> [Plane<u8>; 3] {
    match image_io::load(path).unwrap() {
        RgbPlanes::U8(p) => p,
        _ => panic!("expected 8-bit"),
    }
}

/// An equirect coloured by direction: front red, right green, back blue, left yellow, up white, down black.
fn compass(w: usize, h: usize) -> [Plane<u8>; 3] {
    let g = Projection::Equirect.geometry(w as u32, h as u32).unwrap();
    let mut p: [Plane<u8>; 3] = std::array::from_fn(|_| Plane::new(w, h, 0));
    for y in 0..h {
        for x in 0..w {
            let d = g.pixel_to_dir(x as f64 + 0.5, y as f64 + 0.5).unwrap();
            let a = d.map(f64::abs);
            let rgb = if a[1] >= a[0] && a[1] >= a[2] {
                if d[1] < 0.0 { [255, 255, 255] } else { [0, 0, 0] }
            } else if a[2] >= a[0] {
                if d[2] > 0.0 { [255, 0, 0] } else { [0, 0, 255] }
            } else if d[0] > 0.0 {
                [0, 255, 0]
            } else {
                [255, 255, 0]
            };
            for c in 0..3 {
                p[c].data[y * w + x] = rgb[c];
            }
        }
    }
    p
}

/// A smooth equirect, continuous across the seam and the poles.
fn smooth(w: usize, h: usize) -> [Plane<u8>; 3] {
    let g = Projection::Equirect.geometry(w as u32, h as u32).unwrap();
    std::array::from_fn(|c| {
        let mut p = Plane::new(w, h, 0u8);
        for y in 0..h {
            for x in 0..w {
                let d = g.pixel_to_dir(x as f64 + 0.5, y as f64 + 0.5).unwrap();
                let v = 128.0 + 60.0 * (3.0 * d[0] + c as f64).sin() + 50.0 * (4.0 * d[1]).cos() * (2.0 * d[2]).sin();
                p.data[y * w + x] = v as u8;
            }
        }
        p
    })
}

fn rgb_at(p: &[Plane<u8>; 3], x: usize, y: usize) -> [u8; 3] {
    [p[0].at(x, y), p[1].at(x, y), p[2].at(x, y)]
}

#[test]
fn cube_faces_land_where_documented() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("e.png"), dir.path().join("c.png"));
    save(&src, compass(256, 128));
    reel()
        .args(["stitch360"])
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .args([
            "--from", "equirect", "--to", "c3x2", "--interp", "nearest", "--width", "192", "--height", "128",
        ])
        .assert()
        .success();
    let c = load(&out);
    // 3x2, face 64 px: right left up / down front back; each face's centre.
    let centre = |col: usize, row: usize| rgb_at(&c, col * 64 + 32, row * 64 + 32);
    assert_eq!(centre(0, 0), [0, 255, 0], "right");
    assert_eq!(centre(1, 0), [255, 255, 0], "left");
    assert_eq!(centre(2, 0), [255, 255, 255], "up");
    assert_eq!(centre(0, 1), [0, 0, 0], "down");
    assert_eq!(centre(1, 1), [255, 0, 0], "front is yaw 0");
    assert_eq!(centre(2, 1), [0, 0, 255], "back");
    // Yaw 90 looks right: the front face now shows green.
    reel()
        .args(["-y", "stitch360"])
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .args([
            "--to", "c3x2", "--interp", "nearest", "--yaw", "90", "--width", "192", "--height", "128",
        ])
        .assert()
        .success();
    assert_eq!(rgb_at(&load(&out), 96, 96), [0, 255, 0]);
}

#[test]
fn round_trips_keep_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("e.png");
    let orig = smooth(256, 128);
    save(&src, orig.clone());
    for via in ["eac", "c6x1", "c1x6"] {
        let (mid, back) = (
            dir.path().join(format!("{via}.png")),
            dir.path().join(format!("{via}_e.png")),
        );
        reel()
            .arg("stitch360")
            .arg(&src)
            .arg("-o")
            .arg(&mid)
            .args(["--to", via, "--interp", "lanczos"])
            .assert()
            .success();
        reel()
            .arg("stitch360")
            .arg(&mid)
            .arg("-o")
            .arg(&back)
            .args([
                "--from", via, "--to", "equirect", "--interp", "lanczos", "--width", "256", "--height", "128",
            ])
            .assert()
            .success();
        let q = ws_psnr(&orig, &load(&back), 255.0).unwrap();
        assert!(q > 38.0, "{via}: {q:.2} dB");
    }
}

#[test]
fn pose_trace_renders_one_viewport_per_pose() {
    let dir = tempfile::tempdir().unwrap();
    let (src, trace, views) = (
        dir.path().join("e.png"),
        dir.path().join("poses.csv"),
        dir.path().join("views"),
    );
    save(&src, compass(256, 128));
    std::fs::write(&trace, "time,yaw,pitch,roll\n0,0,0,0\n0.1,180,0,0\n0.2,0,89,10\n").unwrap();
    reel()
        .arg("stitch360")
        .arg(&src)
        .arg("-o")
        .arg(&views)
        .args(["--to", "perspective", "--width", "160", "--height", "90"])
        .arg("--pose-trace")
        .arg(&trace)
        .assert()
        .success();
    let v: Vec<[Plane<u8>; 3]> = (0..3).map(|i| load(&views.join(format!("view_{i:05}.png")))).collect();
    assert_eq!(rgb_at(&v[0], 80, 45), [255, 0, 0]);
    assert_eq!(rgb_at(&v[1], 80, 45), [0, 0, 255]);
    assert_eq!(rgb_at(&v[2], 80, 45), [255, 255, 255]);
}

#[test]
fn stitches_dual_fisheye_and_saves_the_calibration() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out, lens) = (
        dir.path().join("df.png"),
        dir.path().join("e.png"),
        dir.path().join("lens.yaml"),
    );
    let truth = smooth(256, 128);
    let mut cam = RigParams::nominal(384, 192, 195.0);
    cam.lenses[1].gain = [0.9; 3];
    let frame = stitch::simulate(&stitch::to_f32(&truth), &cam).unwrap();
    save(&src, stitch::to_u8(&frame));
    reel()
        .arg("stitch360")
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .args([
            "--from",
            "dual-fisheye",
            "--to",
            "equirect",
            "--fov",
            "195",
            "--calibrate",
            "--width",
            "256",
        ])
        .args(["--height", "128", "--blend", "linear", "--save-lens"])
        .arg(&lens)
        .assert()
        .success();
    let rig = RigParams::load(&lens).unwrap();
    assert!((rig.lenses[1].gain[0] - 0.9).abs() < 0.03, "{:?}", rig.lenses[1].gain);
    let q = ws_psnr(&truth, &load(&out), 255.0).unwrap();
    assert!(q > 30.0, "{q:.2} dB");
}

#[test]
fn bad_input_fails_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = reel()
        .arg("stitch360")
        .arg(dir.path().join("missing.png"))
        .arg("-o")
        .arg(dir.path().join("o.png"))
        .assert()
        .failure()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let msg = String::from_utf8_lossy(&out);
    assert!(
        msg.starts_with("reel: ") && msg.contains("missing.png") && msg.lines().count() == 1,
        "{msg}"
    );
    reel()
        .arg("stitch360")
        .arg(dir.path().join("x.png"))
        .arg("-o")
        .arg(dir.path().join("o.png"))
        .args(["--to", "sphere"])
        .assert()
        .failure();
}

#[test]
fn spherical_metadata_is_written_and_read_back() {
    let have_ffmpeg = std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_ffmpeg {
        eprintln!("skip: ffmpeg not found (needed to make the input clip)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("in.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=128x64:rate=5",
            "-t",
            "0.4",
        ])
        .args(["-c:v", "mpeg4"])
        .arg(&src)
        .stdin(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(made.success());
    for (name, to) in [("out.mp4", "equirect"), ("out.mkv", "c3x2")] {
        let out = dir.path().join(name);
        reel()
            .arg("stitch360")
            .arg(&src)
            .arg("-o")
            .arg(&out)
            .args(["--inject-metadata", "--to", to, "--yaw", "30"])
            .assert()
            .success();
        let shown = reel()
            .args(["--json", "stitch360"])
            .arg(&out)
            .arg("--show-metadata")
            .assert()
            .success();
        let v: serde_json::Value = serde_json::from_slice(&shown.get_output().stdout).unwrap();
        assert_eq!(v["spherical"], true, "{name}: {v}");
        assert_eq!(v["projection"], if to == "equirect" { "equirect" } else { "cubemap" });
        assert_eq!(v["yaw"], 30.0);
        if name.ends_with(".mp4") {
            let bytes = std::fs::read(&out).unwrap();
            assert!(bytes.windows(4).any(|w| w == b"sv3d") && bytes.windows(4).any(|w| w == b"st3d"));
        }
    }
    let plain = reel()
        .args(["--json", "stitch360"])
        .arg(&src)
        .arg("--show-metadata")
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&plain.get_output().stdout).unwrap();
    assert_eq!(v["spherical"], false);
}

#[test]
fn video_runs_through_the_graph_filter() {
    let have_ffmpeg = std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_ffmpeg {
        eprintln!("skip: ffmpeg not found (needed to make the input clip)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("e.mp4"), dir.path().join("c.mp4"));
    let made = std::process::Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=128x64:rate=10",
            "-t",
            "0.5",
        ])
        .args(["-c:v", "mpeg4", "-pix_fmt", "yuv420p"])
        .arg(&src)
        .stdin(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(made.success());
    reel()
        .arg("transcode")
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .args(["--vf", "360=from=equirect:to=c3x2:w=96:h=64"])
        .assert()
        .success();
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "96,64");
    // A video given to stitch360 itself runs the same filter (the output already exists: -y needed).
    let failed = reel().arg("stitch360").arg(&src).arg("-o").arg(&out).assert().failure();
    assert!(String::from_utf8_lossy(&failed.get_output().stderr).contains("already exists"));
}

/// Decodes a tiled package's representation (init segment + media segments joined) to luma frames at `w`x`h`.
fn tile_luma(dir: &Path, w: usize, h: usize) -> Vec<Vec<u8>> {
    let mut bytes = std::fs::read(dir.join("init.mp4")).expect("init segment");
    let mut segs: Vec<_> = std::fs::read_dir(dir)
        .expect("tile dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "m4s"))
        .collect();
    segs.sort();
    for s in segs {
        bytes.extend(std::fs::read(s).expect("segment"));
    }
    let joined = dir.join("joined.mp4");
    std::fs::write(&joined, bytes).expect("write");
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&joined)
        .args([
            "-vf",
            &format!("scale={w}:{h}:flags=bicubic"),
            "-pix_fmt",
            "gray",
            "-f",
            "rawvideo",
            "-",
        ])
        .output()
        .expect("ffmpeg");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout.chunks_exact(w * h).map(|c| c.to_vec()).collect()
}

/// Any choice of one quality per tile, placed where its SRD says, rebuilds the whole frame.
#[test]
fn tiled_package_reassembles_into_the_full_frame() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("eq.mp4");
    let st = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1440x720:rate=25:duration=2",
        ])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-crf", "12"])
        .arg(&src)
        .stdin(std::process::Stdio::null())
        .status()
        .expect("ffmpeg");
    assert!(st.success());
    let out = tmp.path().join("tiles");
    let o = Command::cargo_bin("reel")
        .unwrap()
        .arg("stitch360")
        .arg(&src)
        .args(["--tiles", "3x2", "--set", "video.speed=ultrafast", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mpd = std::fs::read_to_string(out.join("manifest.mpd")).unwrap();
    // The ladder's 1080p rung is above the source: tiles at 720p and 480p, the base layer at 360p.
    assert!(mpd.contains("value=\"0,0,0,3,2,3,2\""), "{mpd}");
    for (row, col) in [(0, 0), (0, 2), (1, 1)] {
        assert!(mpd.contains(&format!("value=\"0,{col},{row},1,1,3,2\"")), "{mpd}");
        assert!(mpd.contains(&format!("tile_{row}_{col}/720p/init.mp4")), "{mpd}");
    }
    // The whole frame as the source had it, luma.
    let reference = {
        let o = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(&src)
            .args(["-pix_fmt", "gray", "-f", "rawvideo", "-"])
            .output()
            .unwrap();
        o.stdout
            .chunks_exact(1440 * 720)
            .map(|c| c.to_vec())
            .collect::<Vec<_>>()
    };
    // A mix: high quality where a viewer might look (left half), low elsewhere.
    let (tw, th) = (480, 360);
    let mut assembled = vec![vec![0u8; 1440 * 720]; reference.len()];
    for row in 0..2 {
        for col in 0..3 {
            let quality = if col == 0 { "720p" } else { "480p" };
            let frames = tile_luma(&out.join(format!("tile_{row}_{col}/{quality}")), tw, th);
            assert_eq!(frames.len(), reference.len(), "tile {row},{col} frame count");
            for (f, frame) in frames.iter().enumerate() {
                for y in 0..th {
                    let dst = (row * th + y) * 1440 + col * tw;
                    assembled[f][dst..dst + tw].copy_from_slice(&frame[y * tw..(y + 1) * tw]);
                }
            }
        }
    }
    let mut total = 0.0;
    for (a, b) in assembled.iter().zip(&reference) {
        let mse = a
            .iter()
            .zip(b)
            .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
            .sum::<f64>()
            / a.len() as f64;
        total += 10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10();
    }
    let psnr = total / reference.len() as f64;
    assert!(psnr > 28.0, "reassembled frame PSNR {psnr:.2} dB");
}

/// Video goes through the shared graph: a conversion keeps every frame and the audio and writes the spherical
/// metadata; a pose trace renders a viewport video; `-o - -f y4m` streams.
#[test]
fn video_conversion_viewports_and_pipes() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("eq.mp4");
    let st = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=768x384:rate=25:duration=2",
        ])
        .args(["-f", "lavfi", "-i", "sine=duration=2:sample_rate=48000"])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest"])
        .arg(&src)
        .stdin(std::process::Stdio::null())
        .status()
        .expect("ffmpeg");
    assert!(st.success());
    let reel = || Command::cargo_bin("reel").unwrap();
    let cube = tmp.path().join("cube.mp4");
    reel()
        .arg("stitch360")
        .arg(&src)
        .args(["--to", "c3x2", "-o"])
        .arg(&cube)
        .assert()
        .success();
    let o = reel()
        .arg("stitch360")
        .arg(&cube)
        .arg("--show-metadata")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("spherical cubemap"),
        "{o:?}"
    );
    let probe = |p: &Path| -> String {
        let o = std::process::Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-count_frames",
                "-show_entries",
                "stream=codec_type,width,height,nb_read_frames",
            ])
            .args(["-of", "compact"])
            .arg(p)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let p = probe(&cube);
    assert!(p.contains("width=576|height=384|nb_read_frames=50"), "{p}");
    assert!(p.contains("codec_type=audio"), "{p}");

    let poses = tmp.path().join("poses.csv");
    std::fs::write(&poses, "time,yaw,pitch,roll\n0,0,0,0\n1,120,30,10\n").unwrap();
    let view = tmp.path().join("view.mp4");
    reel()
        .arg("stitch360")
        .arg(&src)
        .args([
            "--to",
            "perspective",
            "--width",
            "320",
            "--height",
            "180",
            "--pose-trace",
        ])
        .arg(&poses)
        .arg("-o")
        .arg(&view)
        .assert()
        .success();
    let p = probe(&view);
    assert!(p.contains("width=320|height=180|nb_read_frames=50"), "{p}");
    // The view turns at 1 s: frames before and after differ, frames within a pose hold still.
    let frames = {
        let o = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(&view)
            .args(["-pix_fmt", "gray", "-f", "rawvideo", "-"])
            .output()
            .unwrap();
        o.stdout.chunks_exact(320 * 180).map(|c| c.to_vec()).collect::<Vec<_>>()
    };
    let diff =
        |a: &[u8], b: &[u8]| a.iter().zip(b).map(|(x, y)| (*x as f64 - *y as f64).abs()).sum::<f64>() / a.len() as f64;
    assert!(diff(&frames[10], &frames[40]) > 10.0, "the viewport did not turn");

    let o = reel()
        .arg("stitch360")
        .arg(&src)
        .args(["--to", "equirect", "--yaw", "90", "-o", "-", "-f", "y4m"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(
        o.stdout.starts_with(b"YUV4MPEG2 W768 H384"),
        "{:?}",
        &o.stdout[..40.min(o.stdout.len())]
    );
}
