//! Super-resolution: upscale images and video frames by 2, 3 or 4 with learned models.
//!
//! Two tiers share one interface: `fast` (a RAISR-family learned-filter upscaler, [`learned`]) and `quality`
//! (see [`Model::Quality`]). Both work on luma; chroma (and alpha) is upscaled with Lanczos-3, which the eye
//! and the benchmarks barely distinguish from a learned chroma upscale at a third of the cost.
//! Weights are trained by `bench/sr/train.sh` and embedded in the binary.

pub mod color;
pub mod filter;
pub mod image;
pub mod learned;
pub mod plane;
pub mod resample;

use crate::error::{Error, Result};
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
    /// Larger learned filters with finer hashing: slower, sharper.
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

/// The filter bank of a model and scale, parsed once from the embedded weights.
pub fn bank(model: Model, scale: usize) -> Result<&'static FilterBank> {
    check_scale(scale)?;
    static BANKS: OnceLock<Vec<(Model, usize, std::result::Result<FilterBank, String>)>> = OnceLock::new();
    let banks = BANKS.get_or_init(|| {
        WEIGHTS
            .iter()
            .map(|&(m, s, bytes)| (m, s, FilterBank::from_bytes(bytes).map_err(|e| e.to_string())))
            .collect()
    });
    match banks.iter().find(|(m, s, _)| *m == model && *s == scale) {
        Some((_, _, Ok(bank))) => Ok(bank),
        Some((_, _, Err(e))) => Err(Error::Malformed(format!(
            "embedded {} x{scale} weights: {e}",
            model.name()
        ))),
        None => Err(Error::Unsupported(format!(
            "sr model {} has no x{scale} weights",
            model.name()
        ))),
    }
}

/// Upscales a luma plane (values in [0, 1]) by `scale` with `model`; the result is clamped to [0, 1].
pub fn upscale_luma(luma: &Plane, scale: usize, model: Model) -> Result<Plane> {
    check_size(luma.width, luma.height, scale)?;
    let mut out = bank(model, scale)?.upscale(luma);
    out.clamp01();
    Ok(out)
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
