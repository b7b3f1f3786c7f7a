//! Super-resolution: upscale images and video frames by 2, 3 or 4 with learned models.
//!
//! Two tiers share one interface: `fast` (a RAISR-family learned-filter upscaler, [`learned`]) and `quality`
//! (the fast output corrected by a second stage, [`QualityStage`]: a same-size learned-filter bank on the
//! high-resolution grid, or a small CNN ([`cnn`]) where its weights file is one; the CNN trained so far, 1000
//! steps, did not beat the bank, so the embedded weights are still banks at every scale). Both work on luma; chroma (and
//! alpha) is upscaled with Lanczos-3, which the eye and the benchmarks barely distinguish from a learned
//! chroma upscale at a fraction of the cost. Weights are trained by `bench/sr/train.sh` and embedded in the
//! binary.

pub mod cnn;
pub mod color;
pub mod filter;
pub mod image;
pub mod learned;
pub mod plane;
pub mod resample;

use crate::error::{Error, Result};
use cnn::Cnn;
use learned::FilterBank;
pub use plane::Plane;
use std::sync::OnceLock;

/// The smallest input side we upscale: the models' windows need some real pixels around each one.
pub const MIN_SIDE: usize = 8;
/// The largest output side (a guard against absurd allocations from hostile headers).
pub const MAX_OUTPUT_SIDE: usize = 32768;

/// Which model upscales the luma.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    /// Learned filters hashed by local gradient structure: about 50 multiply-adds per output pixel.
    Fast,
    /// The fast model followed by a second bank of learned filters on the high-resolution grid that
    /// corrects what the first left (ringing, jaggies): about three times the cost, sharper. (Or by a small
    /// CNN, where the embedded weights are one: see [`QualityStage`].)
    Quality,
}

impl Model {
    pub fn name(self) -> &'static str {
        match self {
            Model::Fast => "fast",
            Model::Quality => "quality",
        }
    }
}

impl std::str::FromStr for Model {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "fast" => Ok(Model::Fast),
            "quality" => Ok(Model::Quality),
            other => Err(Error::InvalidArgument(format!(
                "unknown sr model '{other}' (expected fast or quality)"
            ))),
        }
    }
}

/// The embedded weights files: (model, scale, bytes). `bench/sr/train.sh` regenerates them.
pub const WEIGHTS: &[(Model, usize, &[u8])] = &[
    (Model::Fast, 2, include_bytes!("weights/fast_x2.bin")),
    (Model::Fast, 3, include_bytes!("weights/fast_x3.bin")),
    (Model::Fast, 4, include_bytes!("weights/fast_x4.bin")),
    (Model::Quality, 2, include_bytes!("weights/quality_x2.bin")),
    (Model::Quality, 3, include_bytes!("weights/quality_x3.bin")),
    (Model::Quality, 4, include_bytes!("weights/quality_x4.bin")),
];

/// Checks a scale factor: 2, 3 or 4.
pub fn check_scale(scale: usize) -> Result<()> {
    if (2..=4).contains(&scale) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "unsupported sr scale {scale} (expected 2, 3 or 4)"
        )))
    }
}

/// Checks that an input of this size can be upscaled by `scale`.
pub fn check_size(width: usize, height: usize, scale: usize) -> Result<()> {
    check_scale(scale)?;
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(Error::InvalidArgument(format!(
            "image too small for sr: {width}x{height} (at least {MIN_SIDE}x{MIN_SIDE})"
        )));
    }
    if width * scale > MAX_OUTPUT_SIDE || height * scale > MAX_OUTPUT_SIDE {
        return Err(Error::Limit(format!(
            "sr output {}x{} is larger than {MAX_OUTPUT_SIDE} pixels a side",
            width * scale,
            height * scale
        )));
    }
    Ok(())
}

/// An embedded weights file after parsing (the error kept as text so the table can be static).
enum Parsed {
    Fast(FilterBank),
    Quality(QualityStage),
    Failed(String),
}

/// What corrects the fast output in the `quality` model at one scale.
pub enum QualityStage {
    /// The CNN of [`cnn`] (weights file magic `RSRC`): what `bench/sr/train.sh` trains and ships.
    Cnn(Cnn),
    /// A second learned-filter bank on the high-resolution grid (`RSRF`, scale 1) that refines the fast output
    /// (`SR_CNN_SCALES="" bench/sr/train.sh` trains these instead of the CNN, in about a minute).
    Refine(FilterBank),
}

/// The parsed embedded weights of a model and scale (parsed once, on first use).
fn parsed(model: Model, scale: usize) -> Result<&'static Parsed> {
    check_scale(scale)?;
    static PARSED: OnceLock<Vec<(Model, usize, Parsed)>> = OnceLock::new();
    let table = PARSED.get_or_init(|| {
        WEIGHTS
            .iter()
            .map(|&(m, s, bytes)| {
                let parsed = match m {
                    Model::Fast => FilterBank::from_bytes(bytes).map(Parsed::Fast),
                    Model::Quality if bytes.starts_with(b"RSRF") => {
                        FilterBank::from_bytes(bytes).map(|b| Parsed::Quality(QualityStage::Refine(b)))
                    }
                    Model::Quality => Cnn::from_bytes(bytes).map(|c| Parsed::Quality(QualityStage::Cnn(c))),
                };
                (m, s, parsed.unwrap_or_else(|e| Parsed::Failed(e.to_string())))
            })
            .collect()
    });
    match table.iter().find(|(m, s, _)| *m == model && *s == scale) {
        Some((_, _, Parsed::Failed(e))) => Err(Error::Malformed(format!(
            "embedded {} x{scale} weights: {e}",
            model.name()
        ))),
        Some((_, _, parsed)) => Ok(parsed),
        None => Err(Error::Unsupported(format!(
            "sr model {} has no x{scale} weights",
            model.name()
        ))),
    }
}

/// The `fast` model's filter bank for a scale.
pub fn fast_bank(scale: usize) -> Result<&'static FilterBank> {
    match parsed(Model::Fast, scale)? {
        Parsed::Fast(bank) => Ok(bank),
        _ => Err(Error::Malformed("embedded fast weights are not a filter bank".into())),
    }
}

/// The `quality` model's correction stage for a scale.
pub fn quality_stage(scale: usize) -> Result<&'static QualityStage> {
    match parsed(Model::Quality, scale)? {
        Parsed::Quality(stage) => Ok(stage),
        _ => Err(Error::Malformed(
            "embedded quality weights are not a correction stage".into(),
        )),
    }
}

/// Parses the weights a model needs at a scale (so a broken build fails early, not mid-stream).
pub fn load_weights(model: Model, scale: usize) -> Result<()> {
    fast_bank(scale)?;
    if model == Model::Quality {
        quality_stage(scale)?;
    }
    Ok(())
}

/// Upscales a luma plane (values in [0, 1]) by `scale` with `model`; the result is clamped to [0, 1].
pub fn upscale_luma(luma: &Plane, scale: usize, model: Model) -> Result<Plane> {
    check_size(luma.width, luma.height, scale)?;
    let mut fast = fast_bank(scale)?.upscale(luma);
    fast.clamp01();
    match model {
        Model::Fast => Ok(fast),
        Model::Quality => match quality_stage(scale)? {
            QualityStage::Cnn(cnn) => cnn.refine(luma, &fast),
            QualityStage::Refine(bank) => {
                let mut out = bank.upscale(&fast);
                out.clamp01();
                Ok(out)
            }
        },
    }
}

/// Upscales a chroma or alpha plane with Lanczos-3, clamped to [0, 1].
pub fn upscale_chroma(plane: &Plane, out_w: usize, out_h: usize) -> Plane {
    let mut out = resample::resize(plane, out_w, out_h, resample::Kernel::Lanczos3);
    out.clamp01();
    out
}

/// PSNR in dB between two planes in [0, 1], ignoring `border` pixels on every side (the sr benchmark protocol).
pub fn psnr(a: &Plane, b: &Plane, border: usize) -> Result<f64> {
    if a.width != b.width || a.height != b.height {
        return Err(Error::InvalidArgument(format!(
            "psnr of different sizes: {}x{} and {}x{}",
            a.width, a.height, b.width, b.height
        )));
    }
    if a.width <= 2 * border || a.height <= 2 * border {
        return Err(Error::InvalidArgument("psnr border larger than the image".into()));
    }
    let mut se = 0.0f64;
    let mut n = 0usize;
    for y in border..a.height - border {
        for x in border..a.width - border {
            let d = (a.data[y * a.width + x] - b.data[y * b.width + x]) as f64;
            se += d * d;
            n += 1;
        }
    }
    let mse = se / n as f64;
    Ok(if mse <= 0.0 { 99.0 } else { 10.0 * (1.0 / mse).log10() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SHA-256 (FIPS 180-4), here only to check the embedded weights against `weights/SHA256SUMS`.
    fn sha256(data: &[u8]) -> String {
        const K: [u32; 64] = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
            0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
            0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
            0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
            0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
            0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
            0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
            0xc67178f2,
        ];
        let mut h: [u32; 8] = [
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
        ];
        let mut msg = data.to_vec();
        msg.push(0x80);
        while msg.len() % 64 != 56 {
            msg.push(0);
        }
        msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
        for block in msg.chunks_exact(64) {
            let mut w = [0u32; 64];
            for (i, c) in block.chunks_exact(4).enumerate() {
                w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
            }
            for i in 16..64 {
                let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
                let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
            }
            let mut v = h;
            for i in 0..64 {
                let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
                let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
                let t1 = v[7]
                    .wrapping_add(s1)
                    .wrapping_add(ch)
                    .wrapping_add(K[i])
                    .wrapping_add(w[i]);
                let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
                let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
                let t2 = s0.wrapping_add(maj);
                v = [
                    t1.wrapping_add(t2),
                    v[0],
                    v[1],
                    v[2],
                    v[3].wrapping_add(t1),
                    v[4],
                    v[5],
                    v[6],
                ];
            }
            for (a, b) in h.iter_mut().zip(v) {
                *a = a.wrapping_add(b);
            }
        }
        h.iter().map(|x| format!("{x:08x}")).collect()
    }

    #[test]
    fn sha256_known_answer() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn embedded_weights_match_their_checksums() {
        let sums = include_str!("weights/SHA256SUMS");
        for &(model, scale, bytes) in WEIGHTS {
            let name = format!("{}_x{scale}.bin", model.name());
            let line = sums
                .lines()
                .find(|l| l.ends_with(&name))
                .unwrap_or_else(|| panic!("{name} missing from SHA256SUMS"));
            assert_eq!(line.split_whitespace().next(), Some(sha256(bytes).as_str()), "{name}");
            assert!(load_weights(model, scale).is_ok(), "{name} parses");
        }
    }

    #[test]
    fn rejects_bad_scales_and_sizes() {
        assert!(check_scale(1).is_err() && check_scale(5).is_err() && check_scale(3).is_ok());
        assert!(check_size(7, 100, 2).is_err());
        assert!(check_size(100_000, 8, 4).is_err());
        assert!(upscale_luma(&Plane::new(4, 4), 2, Model::Fast).is_err());
    }

    #[test]
    fn upscale_keeps_flat_areas_flat_and_beats_bicubic_on_edges() {
        // A disc: the learned filters must reproduce flat areas exactly and do better than bicubic on its edge.
        let hr = ::image::RgbImage::from_fn(96, 96, |x, y| {
            let d = ((x as f32 - 47.3).powi(2) + (y as f32 - 45.1).powi(2)).sqrt();
            let v = if d < 30.0 { 200 } else { 50 };
            ::image::Rgb([v, v, v])
        });
        let (lr, hr) = image::training_pair(&hr, 2).expect("pair");
        for model in [Model::Fast, Model::Quality] {
            let up = upscale_luma(&lr, 2, model).expect("upscales");
            let bicubic = resample::resize(&lr, 96, 96, resample::Kernel::Bicubic);
            let ours = psnr(&up, &hr, 2).expect("psnr");
            let base = psnr(&bicubic, &hr, 2).expect("psnr");
            assert!(ours > base + 1.0, "{ours} vs {base}");
            assert!((up.data[0] - hr.data[0]).abs() < 1.0 / 255.0);
        }
    }
}
