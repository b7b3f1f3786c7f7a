//! Trains the `reel sr` fast model's filters and prepares/checks the quality CNN's (run by `bench/sr/train.sh`).
//!
//! Usage:
//! - `sr_train --out DIR --model fast IMAGE...`: every image is used in its eight rotations/reflections,
//!   shrunk the way the benchmarks shrink theirs (antialiased bicubic, 8-bit rounding), and the filters are
//!   fitted by least squares. Deterministic: no randomness, so no seed is needed.
//! - `sr_train --out DIR --model refine --scales 3,4 IMAGE...`: the earlier quality stage (a same-size
//!   filter bank on the fast output, saved as `quality_x{scale}.bin`), kept for scales without a CNN yet.
//! - `sr_train --out DIR --model cnn-data [--fast WEIGHTS_DIR] IMAGE...`: writes the CNN's training data (see
//!   [`export_cnn_data`]) for `bench/sr/train.py`, with the fast filters read from `WEIGHTS_DIR`
//!   (default `src/vision/sr/weights`, so freshly trained ones are used without a rebuild).
//! - `sr_train --model cnn-parity WEIGHTS.bin PARITY.f32`: runs the Rust network on the sample PyTorch wrote
//!   and fails unless both agree to within 1e-5.
//! - `sr_train --model cnn-speed WEIGHTS.bin WIDTH HEIGHT`: times the network alone on a WIDTHxHEIGHT input
//!   (wall and process CPU time per frame, with the rayon pool `RAYON_NUM_THREADS` gives).

use image::RgbImage;
use reel::vision::sr::Plane;
use reel::vision::sr::cnn::Cnn;
use reel::vision::sr::image::training_pair;
use reel::vision::sr::learned::FilterBank;
use reel::vision::sr::learned::train::{Config, fit, hashing_from_quantiles};
use std::path::PathBuf;
use std::time::Instant;

fn dihedral(img: &RgbImage) -> Vec<RgbImage> {
    use image::imageops::{flip_horizontal, rotate90};
    let mut out = Vec::with_capacity(8);
    let mut cur = img.clone();
    for _ in 0..4 {
        out.push(flip_horizontal(&cur));
        let next = rotate90(&cur);
        out.push(cur);
        cur = next;
    }
    out
}

pub fn config(model: &str, scale: usize) -> Config {
    match model {
        // The earlier quality stage: same-size filters on the fast model's output.
        "refine" => Config {
            scale: 1,
            radius: 3,
            angles: 24,
            strength_bins: 3,
            coherence_bins: 3,
            prior_samples: 30.0,
            sample_stride: 3,
        },
        _ => Config {
            scale,
            radius: 3,
            angles: 24,
            strength_bins: 3,
            coherence_bins: 3,
            prior_samples: 30.0,
            sample_stride: 1,
        },
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut out = PathBuf::from("src/vision/sr/weights");
    let mut model = String::from("fast");
    let mut scales = vec![2usize, 3, 4];
    let mut fast_dir = PathBuf::from("src/vision/sr/weights");
    let mut inputs = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = PathBuf::from(args.next().ok_or("--out needs a directory")?),
            "--model" => model = args.next().ok_or("--model needs a name")?,
            "--fast" => fast_dir = PathBuf::from(args.next().ok_or("--fast needs a directory")?),
            "--scales" => {
                scales = args
                    .next()
                    .ok_or("--scales needs a list")?
                    .split(',')
                    .map(|s| s.parse())
                    .collect::<Result<_, _>>()?
            }
            _ => inputs.push(PathBuf::from(a)),
        }
    }
    if model == "cnn-parity" {
        let [weights, sample] = inputs.as_slice() else {
            return Err("cnn-parity needs WEIGHTS.bin PARITY.f32".into());
        };
        return check_cnn_parity(weights, sample);
    }
    if model == "cnn-speed" {
        let [weights, w, h] = inputs.as_slice() else {
            return Err("cnn-speed needs WEIGHTS.bin WIDTH HEIGHT".into());
        };
        let (w, h) = (w.to_string_lossy().parse()?, h.to_string_lossy().parse()?);
        return time_cnn(weights, w, h);
    }
    let images: Vec<RgbImage> = inputs
        .iter()
        .map(|p| {
            image::open(p)
                .map(|i| i.to_rgb8())
                .map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect::<Result<_, _>>()?;
    match model.as_str() {
        "cnn-data" => return export_cnn_data(&images, &scales, &out, &fast_dir),
        "fast" | "refine" => {}
        other => return Err(format!("unknown --model {other}").into()),
    }
    let augmented: Vec<RgbImage> = images.iter().flat_map(dihedral).collect();
    for scale in scales {
        let started = Instant::now();
        let cfg = config(&model, scale);
        let mut pairs: Vec<_> = augmented.iter().filter_map(|i| training_pair(i, scale)).collect();
        if model == "refine" {
            // Train the refinement on what the fast model (already trained, read from `out`) produces.
            let fast = FilterBank::from_bytes(&std::fs::read(out.join(format!("fast_x{scale}.bin")))?)?;
            for (lr, _) in &mut pairs {
                let mut up = fast.upscale(lr);
                up.clamp01();
                *lr = up;
            }
        }
        let lrs: Vec<_> = pairs.iter().map(|(lr, _)| lr).collect();
        let hashing = hashing_from_quantiles(&lrs, &cfg);
        let bank = fit(&pairs, hashing, &cfg)?;
        // The refinement bank is the quality model's stage at the scales without a trained CNN.
        let name = if model == "refine" { "quality" } else { model.as_str() };
        let path = out.join(format!("{name}_x{scale}.bin"));
        std::fs::write(&path, bank.to_bytes())?;
        let samples: usize = lrs.iter().map(|p| p.width * p.height).sum();
        eprintln!(
            "{}: {} pairs, {samples} samples, {:.1} s",
            path.display(),
            pairs.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Writes the training data of the `quality` CNN (trained by `bench/sr/train.py`) to `out/x{scale}.f32`:
/// per image, `u32` LR width and height, then the LR luma, the `fast` model's output (clamped, the residual's
/// base) and the HR luma, as little-endian `f32` planes. The images are written once; the Python side draws
/// rotations and reflections of its patches.
fn export_cnn_data(
    images: &[RgbImage],
    scales: &[usize],
    out: &std::path::Path,
    fast_dir: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out)?;
    for &scale in scales {
        let fast = FilterBank::from_bytes(&std::fs::read(fast_dir.join(format!("fast_x{scale}.bin")))?)?;
        let mut bytes = Vec::new();
        for img in images {
            let Some((lr, hr)) = training_pair(img, scale) else {
                continue;
            };
            let mut base = fast.upscale(&lr);
            base.clamp01();
            bytes.extend_from_slice(&(lr.width as u32).to_le_bytes());
            bytes.extend_from_slice(&(lr.height as u32).to_le_bytes());
            for plane in [&lr, &base, &hr] {
                for v in &plane.data {
                    bytes.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
        std::fs::write(out.join(format!("x{scale}.f32")), bytes)?;
    }
    Ok(())
}

/// Compares the Rust network with PyTorch's output on the sample `bench/sr/train.py` wrote
/// (`u32` w, h, then the LR plane, the fast output and the expected result as `f32`).
fn check_cnn_parity(weights: &std::path::Path, sample: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let cnn = Cnn::from_bytes(&std::fs::read(weights)?)?;
    let raw = std::fs::read(sample)?;
    let word = |i: usize| u32::from_le_bytes([raw[4 * i], raw[4 * i + 1], raw[4 * i + 2], raw[4 * i + 3]]);
    let (w, h, s) = (word(0) as usize, word(1) as usize, cnn.scale);
    let floats: Vec<f32> = raw[8..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if floats.len() != w * h * (1 + 2 * s * s) {
        return Err("parity sample has the wrong size".into());
    }
    let (lr, rest) = floats.split_at(w * h);
    let (base, expected) = rest.split_at(w * h * s * s);
    let lr = Plane::from_vec(w, h, lr.to_vec());
    let base = Plane::from_vec(w * s, h * s, base.to_vec());
    let ours = cnn.refine(&lr, &base)?;
    let worst = ours
        .data
        .iter()
        .zip(expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    eprintln!("{}: Rust vs PyTorch, largest difference {worst:e}", weights.display());
    if worst > 1e-5 {
        return Err("the Rust network disagrees with PyTorch".into());
    }
    Ok(())
}

/// Process CPU time (user + system) in seconds, from `/proc/self/stat` (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn time_cnn(weights: &std::path::Path, w: usize, h: usize) -> Result<(), Box<dyn std::error::Error>> {
    let cnn = Cnn::from_bytes(&std::fs::read(weights)?)?;
    let s = cnn.scale;
    let lr = Plane::from_vec(w, h, (0..w * h).map(|i| ((i * 7919) % 251) as f32 / 250.0).collect());
    let base = reel::vision::sr::resample::resize(&lr, w * s, h * s, reel::vision::sr::resample::Kernel::Bicubic);
    cnn.refine(&lr, &base)?;
    let frames = 5;
    let (started, cpu) = (Instant::now(), cpu_seconds());
    for _ in 0..frames {
        cnn.refine(&lr, &base)?;
    }
    let wall = started.elapsed().as_secs_f64() / frames as f64;
    let cpu = (cpu_seconds() - cpu) / frames as f64;
    println!(
        "{w}x{h} x{s} ({} parameters, {} threads): {:.1} ms wall, {:.1} ms CPU per frame; {:.1} ms CPU per output megapixel",
        cnn.parameters(),
        rayon::current_num_threads(),
        wall * 1e3,
        cpu * 1e3,
        cpu * 1e3 / ((w * s * h * s) as f64 / 1e6)
    );
    Ok(())
}
