//! Trains the `reel sr` learned-filter weights from a list of images (run by `bench/sr/train.sh`).
//!
//! Usage: `sr_train --out DIR --model fast|quality IMAGE...`. Every image is used in its eight
//! rotations/reflections, shrunk the way the benchmarks shrink theirs (antialiased bicubic, 8-bit rounding),
//! and the filters are fitted by least squares. Deterministic: no randomness, so no seed is needed.

use image::RgbImage;
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
        // The refinement stage: same-size filters on the fast model's output.
        "quality" => Config {
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
    let mut inputs = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = PathBuf::from(args.next().ok_or("--out needs a directory")?),
            "--model" => model = args.next().ok_or("--model needs a name")?,
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
    let images: Vec<RgbImage> = inputs
        .iter()
        .map(|p| {
            image::open(p)
                .map(|i| i.to_rgb8())
                .map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect::<Result<_, _>>()?;
    let augmented: Vec<RgbImage> = images.iter().flat_map(dihedral).collect();
    for scale in scales {
        let started = Instant::now();
        let cfg = config(&model, scale);
        let mut pairs: Vec<_> = augmented.iter().filter_map(|i| training_pair(i, scale)).collect();
        if model == "quality" {
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
        let path = out.join(format!("{model}_x{scale}.bin"));
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
