//! Integration tests of `reel sr` through the binary: shapes, quality against Lanczos, errors and exit codes.

use assert_cmd::Command;
use image::{DynamicImage, Rgb, RgbImage};
use predicates::prelude::*;
use reel::vision::sr::image::{Method, benchmark_luma, training_pair, upscale_image};
use reel::vision::sr::resample::Kernel;
use reel::vision::sr::{Plane, psnr};
use std::path::Path;

fn reel() -> Command {
    Command::cargo_bin("reel").expect("binary builds")
}

/// A made-up scene with what super-resolution is judged on: sharp edges at many angles, thin lines,
/// a smooth gradient and some texture.
fn scene(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let cx = fx - w as f32 * 0.5;
        let cy = fy - h as f32 * 0.5;
        let r = (cx * cx + cy * cy).sqrt();
        let mut v = 40.0 + 120.0 * fx / w as f32;
        if r < w as f32 * 0.3 {
            v = 210.0;
        }
        if (cx * 0.6 + cy * 0.8).abs() < 3.0 || (fx + 2.0 * fy) as u32 % 37 < 5 {
            v = 20.0;
        }
        if x > w * 3 / 4 && (x / 9 + y / 11) % 2 == 0 {
            v = 235.0;
        }
        let g = (v * 0.9 + 10.0).min(255.0);
        Rgb([v as u8, g as u8, (255.0 - v * 0.5) as u8])
    })
}

fn save(img: &DynamicImage, path: &Path) {
    img.save(path).expect("writes fixture");
}

#[test]
fn upscales_shapes_for_every_scale_and_colour_type() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rgb = DynamicImage::ImageRgb8(scene(40, 30));
    let cases = [
        ("rgb.png", rgb.clone()),
        ("grey.png", DynamicImage::ImageLuma8(rgb.to_luma8())),
        ("rgba.png", DynamicImage::ImageRgba8(rgb.to_rgba8())),
        ("deep.png", DynamicImage::ImageRgb16(rgb.to_rgb16())),
        ("photo.jpg", rgb.clone()),
    ];
    for (name, img) in &cases {
        let input = dir.path().join(name);
        save(img, &input);
        for scale in [2u32, 3, 4] {
            let output = dir.path().join(format!("x{scale}-{name}"));
            reel()
                .args(["sr", "-q", "--scale", &scale.to_string()])
                .arg(&input)
                .arg("-o")
                .arg(&output)
                .assert()
                .success();
            let out = image::open(&output).expect("output decodes");
            assert_eq!((out.width(), out.height()), (40 * scale, 30 * scale), "{name} x{scale}");
            if !name.ends_with(".jpg") {
                assert_eq!(out.color(), img.color(), "{name} keeps its colour type");
            }
        }
    }
}

#[test]
fn beats_lanczos_on_a_made_up_scene() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hr = scene(192, 144);
    for (scale, margin) in [(2usize, 0.8), (3, 0.8), (4, 0.4)] {
        // The same degradation as the benchmarks: antialiased bicubic shrink, 8-bit rounding.
        let (lr_luma, hr_luma) = training_pair(&hr, scale).expect("big enough");
        let lr = luma_image(&lr_luma);
        let input = dir.path().join(format!("lr{scale}.png"));
        save(&lr, &input);
        for model in ["fast", "quality"] {
            let output = dir.path().join(format!("sr{scale}-{model}.png"));
            reel()
                .args(["sr", "--scale", &scale.to_string(), "--model", model])
                .arg(&input)
                .arg("-o")
                .arg(&output)
                .assert()
                .success();
            let ours = benchmark_luma(&image::open(&output).expect("decodes"));
            let lanczos =
                benchmark_luma(&upscale_image(&lr, scale, Method::Kernel(Kernel::Lanczos3)).expect("lanczos"));
            let reference = grey_to_benchmark(&hr_luma);
            let p_ours = psnr(&ours, &reference, scale).expect("same size");
            let p_lanczos = psnr(&lanczos, &reference, scale).expect("same size");
            eprintln!("x{scale} {model}: {p_ours:.2} dB, lanczos {p_lanczos:.2} dB");
            assert!(
                p_ours > p_lanczos + margin,
                "x{scale} {model}: {p_ours:.2} dB vs lanczos {p_lanczos:.2} dB"
            );
        }
    }
}

/// A grey 8-bit image whose grey levels are the given luma (so its benchmark luma is that luma again).
fn luma_image(luma: &Plane) -> DynamicImage {
    let buf = image::GrayImage::from_fn(luma.width as u32, luma.height as u32, |x, y| {
        // Grey g has benchmark luma 16 + 219 g / 255: invert that.
        let y_val = luma.data[y as usize * luma.width + x as usize] * 255.0;
        image::Luma([((y_val - 16.0) * 255.0 / 219.0).round().clamp(0.0, 255.0) as u8])
    });
    DynamicImage::ImageLuma8(buf)
}

fn grey_to_benchmark(luma: &Plane) -> Plane {
    benchmark_luma(&luma_image(luma))
}

#[test]
fn too_small_image_is_a_one_line_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("tiny.png");
    save(&DynamicImage::ImageRgb8(scene(5, 5)), &input);
    reel()
        .args(["sr"])
        .arg(&input)
        .arg("-o")
        .arg(dir.path().join("out.png"))
        .assert()
        .code(1)
        .stderr(
            predicate::str::starts_with("reel: ")
                .and(predicate::str::contains("tiny.png: "))
                .and(predicate::str::contains("too small")),
        )
        .stderr(predicate::function(|s: &str| s.lines().count() == 1));
    assert!(!dir.path().join("out.png").exists());
}

#[test]
fn bad_scale_and_model_are_usage_errors() {
    for args in [["--scale", "5"], ["--scale", "1"], ["--model", "best"]] {
        reel()
            .args(["sr", "in.png", "-o", "out.png"])
            .args(args)
            .assert()
            .code(2);
    }
}

#[test]
fn missing_input_and_existing_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.png");
    reel()
        .args(["sr"])
        .arg(&missing)
        .arg("-o")
        .arg(dir.path().join("o.png"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.png"));
    let input = dir.path().join("in.png");
    save(&DynamicImage::ImageRgb8(scene(16, 16)), &input);
    let out = dir.path().join("o.png");
    std::fs::write(&out, b"keep").expect("writes");
    reel().args(["sr"]).arg(&input).arg("-o").arg(&out).assert().code(1);
    assert_eq!(std::fs::read(&out).expect("reads"), b"keep");
    reel()
        .args(["sr", "-y"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(image::open(&out).expect("decodes").width(), 32);
}

/// Runs ffmpeg with `args`; `None` (and a note) when ffmpeg is not installed, so the test can skip.
fn ffmpeg(args: &[&str]) -> Option<std::process::Output> {
    match std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "ffmpeg {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(out)
        }
        Err(_) => {
            eprintln!("ffmpeg not found; skipping");
            None
        }
    }
}

fn probe(path: &Path) -> String {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,width,height,pix_fmt,nb_read_frames",
        ])
        .args(["-count_frames", "-of", "compact"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn video_is_upscaled_with_audio_passed_through() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.mkv");
    let src = input.to_string_lossy().to_string();
    if ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x48:rate=10",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        "1",
        "-pix_fmt",
        "yuv420p10le",
        "-c:v",
        "ffv1",
        "-c:a",
        "flac",
        &src,
    ])
    .is_none()
    {
        return;
    }
    let output = dir.path().join("out.mkv");
    reel()
        .args(["sr", "-q", "--scale", "3"])
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .assert()
        .success();
    let info = probe(&output);
    assert!(info.contains("width=192|height=144"), "{info}");
    assert!(info.contains("codec_type=audio"), "{info}");
    assert!(info.contains("nb_read_frames=10"), "{info}");
}

#[test]
fn static_video_stays_static() {
    let dir = tempfile::tempdir().expect("tempdir");
    let still = dir.path().join("still.png");
    save(&DynamicImage::ImageRgb8(scene(48, 32)), &still);
    let input = dir.path().join("static.mkv");
    let (still_s, input_s) = (still.to_string_lossy().to_string(), input.to_string_lossy().to_string());
    if ffmpeg(&[
        "-loop",
        "1",
        "-i",
        &still_s,
        "-frames:v",
        "6",
        "-pix_fmt",
        "yuv420p",
        "-c:v",
        "ffv1",
        &input_s,
    ])
    .is_none()
    {
        return;
    }
    let output = dir.path().join("up.mkv");
    reel()
        .args([
            "transcode",
            "-q",
            "--vcodec",
            "ffv1",
            "--vf",
            "sr=scale=2:model=quality",
        ])
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .assert()
        .success();
    let out = ffmpeg(&["-i", &output.to_string_lossy(), "-f", "framemd5", "-"]).expect("ffmpeg ran before");
    let text = String::from_utf8_lossy(&out.stdout);
    let hashes: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit(',').next().map(str::trim))
        .collect();
    assert_eq!(hashes.len(), 6, "{text}");
    assert!(hashes.iter().all(|h| *h == hashes[0]), "frames differ: {text}");
    assert!(probe(&output).contains("width=96|height=64"));
}
