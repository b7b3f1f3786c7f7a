//! `reel interpolate` through the binary: image pairs, y4m streams (frame counts, rates, 10-bit, scene cuts)
//! and error reporting. Inputs are generated here; pictures are small so the debug build stays quick.

use assert_cmd::Command;
use std::path::Path;

fn reel() -> Command {
    Command::cargo_bin("reel").expect("reel binary")
}

/// Smooth, non-periodic texture (value noise) at any real position.
fn texture(x: f32, y: f32, seed: u32) -> f32 {
    let hash = |ix: i32, iy: i32| {
        let mut h = (ix as u32).wrapping_mul(0x8da6_b343)
            ^ (iy as u32).wrapping_mul(0xd816_3841)
            ^ seed.wrapping_mul(0xcb1a_b31f);
        h ^= h >> 13;
        h = h.wrapping_mul(0x5bd1_e995);
        h ^= h >> 15;
        (h & 0xffff) as f32 / 65535.0
    };
    let noise = |cell: f32| {
        let (gx, gy) = (x / cell, y / cell);
        let (ix, iy) = (gx.floor(), gy.floor());
        let (fx, fy) = (gx - ix, gy - iy);
        let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
        let (ix, iy) = (ix as i32, iy as i32);
        let top = hash(ix, iy) * (1.0 - sx) + hash(ix + 1, iy) * sx;
        let bottom = hash(ix, iy + 1) * (1.0 - sx) + hash(ix + 1, iy + 1) * sx;
        top * (1.0 - sy) + bottom * sy
    };
    30.0 + 130.0 * noise(5.0) + 80.0 * noise(17.0)
}

fn rgb_image(w: u32, h: u32, shift: f32, seed: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        let (x, y) = (x as f32 - shift, y as f32 - 0.5 * shift);
        let r = texture(x, y, seed);
        let g = texture(x, y, seed + 10);
        image::Rgb([r as u8, g as u8, (0.5 * (r + g)) as u8])
    })
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10()
}

#[test]
fn image_pair_midpoint_beats_averaging() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, mid) = (
        dir.path().join("a.png"),
        dir.path().join("b.png"),
        dir.path().join("mid.png"),
    );
    rgb_image(96, 72, 0.0, 1).save(&a).unwrap();
    rgb_image(96, 72, 6.0, 1).save(&b).unwrap();
    reel()
        .args(["interpolate"])
        .arg(&a)
        .arg(&b)
        .arg("-o")
        .arg(&mid)
        .assert()
        .success();
    let out = image::open(&mid).unwrap().to_rgb8();
    let truth = rgb_image(96, 72, 3.0, 1);
    let (ia, ib) = (image::open(&a).unwrap().to_rgb8(), image::open(&b).unwrap().to_rgb8());
    let average: Vec<u8> = ia
        .as_raw()
        .iter()
        .zip(ib.as_raw())
        .map(|(&x, &y)| (x as u16 + y as u16).div_ceil(2) as u8)
        .collect();
    // Leave out a border where content enters the frame.
    let crop = |img: &[u8]| -> Vec<u8> {
        (8..64)
            .flat_map(|y| img[(y * 96 + 8) * 3..(y * 96 + 88) * 3].to_vec())
            .collect()
    };
    let (p, p_avg) = (
        psnr(&crop(out.as_raw()), &crop(truth.as_raw())),
        psnr(&crop(&average), &crop(truth.as_raw())),
    );
    assert!(
        p > 32.0 && p > p_avg + 6.0,
        "interpolated {p:.2} dB, averaged {p_avg:.2} dB"
    );
}

/// Writes a y4m stream of 4:2:0 frames made by `frame(i, x, y)` (luma; chroma is flat).
fn write_y4m(
    path: &Path,
    w: usize,
    h: usize,
    rate: &str,
    n: usize,
    ten_bit: bool,
    frame: impl Fn(usize, f32, f32) -> f32,
) {
    let mut out = format!(
        "YUV4MPEG2 W{w} H{h} F{rate} Ip A1:1 {}\n",
        if ten_bit { "C420p10" } else { "C420jpeg" }
    )
    .into_bytes();
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    for i in 0..n {
        out.extend_from_slice(b"FRAME\n");
        let mut put = |v: f32| {
            if ten_bit {
                out.extend_from_slice(&((v * 4.0).round().clamp(0.0, 1023.0) as u16).to_le_bytes());
            } else {
                out.push(v.round().clamp(0.0, 255.0) as u8);
            }
        };
        for y in 0..h {
            for x in 0..w {
                put(frame(i, x as f32, y as f32));
            }
        }
        for _ in 0..2 * cw * ch {
            put(128.0);
        }
    }
    std::fs::write(path, out).unwrap();
}

/// Header line and frame payloads of a y4m file.
fn read_y4m(path: &Path, frame_bytes: usize) -> (String, Vec<Vec<u8>>) {
    let data = std::fs::read(path).unwrap();
    let nl = data.iter().position(|&c| c == b'\n').unwrap();
    let header = String::from_utf8(data[..nl].to_vec()).unwrap();
    let mut frames = Vec::new();
    let mut pos = nl + 1;
    while pos < data.len() {
        assert_eq!(&data[pos..pos + 6], b"FRAME\n");
        pos += 6;
        frames.push(data[pos..pos + frame_bytes].to_vec());
        pos += frame_bytes;
    }
    (header, frames)
}

#[test]
fn factor_two_doubles_frames_and_rate() {
    let dir = tempfile::tempdir().unwrap();
    let (inp, out) = (dir.path().join("in.y4m"), dir.path().join("out.y4m"));
    write_y4m(&inp, 64, 48, "25:1", 10, false, |i, x, y| {
        texture(x - 2.0 * i as f32, y, 3)
    });
    reel()
        .args(["interpolate"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .args(["--factor", "2", "--quality", "fast"])
        .assert()
        .success();
    let (header, frames) = read_y4m(&out, 64 * 48 * 3 / 2);
    assert!(header.contains(" F50:1"), "{header}");
    assert_eq!(frames.len(), 20);
    // Input frames come through untouched at even positions.
    let (_, input) = read_y4m(&inp, 64 * 48 * 3 / 2);
    for (i, f) in input.iter().enumerate() {
        assert_eq!(&frames[2 * i], f, "frame {i}");
    }
}

#[test]
fn fps_24_to_60_gives_the_exact_frame_count_in_10_bit() {
    let dir = tempfile::tempdir().unwrap();
    let (inp, out) = (dir.path().join("in.y4m"), dir.path().join("out.y4m"));
    // 12 frames at 24 fps last 0.5 s: 30 frames at 60 fps.
    write_y4m(&inp, 48, 32, "24:1", 12, true, |i, x, y| {
        texture(x - 1.5 * i as f32, y, 4)
    });
    reel()
        .args(["interpolate"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .args(["--fps", "60"])
        .assert()
        .success();
    let (header, frames) = read_y4m(&out, 48 * 32 * 3);
    assert!(header.contains(" F60:1") && header.contains("C420p10"), "{header}");
    assert_eq!(frames.len(), 30);
}

#[test]
fn scene_cut_repeats_a_neighbour_instead_of_blending() {
    let dir = tempfile::tempdir().unwrap();
    let (inp, out) = (dir.path().join("in.y4m"), dir.path().join("out.y4m"));
    write_y4m(&inp, 64, 48, "25:1", 8, false, |i, x, y| {
        if i < 4 {
            texture(x - i as f32, y, 5)
        } else {
            255.0 - texture(1.7 * x, 0.6 * y + i as f32, 6)
        }
    });
    reel()
        .args(["interpolate"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .args(["--factor", "4", "--quality", "fast"])
        .assert()
        .success();
    let bytes = 64 * 48 * 3 / 2;
    let (_, frames) = read_y4m(&out, bytes);
    let (_, input) = read_y4m(&inp, bytes);
    assert_eq!(frames.len(), 32);
    // Between input 3 (output 12) and input 4 (output 16): nearest frame only.
    for (k, want) in [(13, 3), (14, 3), (15, 4)] {
        assert_eq!(frames[k], input[want], "output frame {k}");
    }
}

#[test]
fn bad_input_is_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("bad.y4m");
    std::fs::write(&inp, b"not a stream\n").unwrap();
    let out = dir.path().join("out.y4m");
    let assert = reel()
        .args(["interpolate"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .args(["--factor", "2"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.starts_with("reel: ") && stderr.contains("bad.y4m") && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn stream_without_rate_flags_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("in.y4m");
    write_y4m(&inp, 16, 16, "25:1", 2, false, |_, x, y| x + y);
    reel()
        .args(["interpolate"])
        .arg(&inp)
        .arg("-o")
        .arg(dir.path().join("o.y4m"))
        .assert()
        .code(2);
}

/// Duration (s) of the first stream of a kind, by ffprobe.
fn stream_info(path: &Path, kind: &str) -> (f64, u64) {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", kind, "-count_frames", "-show_entries"])
        .args(["stream=duration,nb_read_frames", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.trim().split(',');
    let duration = parts.next().and_then(|d| d.parse().ok()).unwrap_or(0.0);
    let frames = parts.next().and_then(|d| d.parse().ok()).unwrap_or(0);
    (duration, frames)
}

#[test]
fn video_to_60_fps_keeps_audio() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/media/realshort.mp4");
    if !src.exists() {
        eprintln!("skip: {} not found", src.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    reel()
        .args(["interpolate"])
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .args(["--fps", "60", "--quality", "fast"])
        .assert()
        .success();
    let (in_audio, _) = stream_info(&src, "a");
    let (out_audio, _) = stream_info(&out, "a");
    assert!(
        (in_audio - out_audio).abs() < 0.03,
        "audio {in_audio} s -> {out_audio} s"
    );
    // 36 frames at 30000/1001 last 1.2 s: 72 frames at 60 fps.
    let (_, frames) = stream_info(&out, "v");
    assert_eq!(frames, 72);
}

#[test]
fn transcode_vf_interpolate_doubles_frames() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/media/realshort.mp4");
    if !src.exists() {
        eprintln!("skip: {} not found", src.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mkv");
    reel()
        .args(["transcode"])
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .args(["--vf", "interpolate=factor=2:quality=fast"])
        .assert()
        .success();
    assert_eq!(stream_info(&out, "v").1, 72);
}
