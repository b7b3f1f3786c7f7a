//! Quality measures for 360 frames: WS-PSNR (weighted to spherical uniformity) for equirect, plain PSNR.

use super::plane::{Plane, Sample};
use crate::error::{Error, Result};

/// WS-PSNR (JVET-G1003) between two equirect images given as planes of equal sizes: squared errors weighted
/// by the cosine of each row's latitude, so that the stretched poles count as much as the area they cover.
/// `max` is the peak sample value (255 for 8-bit). Returns infinity for identical images.
pub fn ws_psnr<T: Sample>(a: &[Plane<T>], b: &[Plane<T>], max: f64) -> Result<f64> {
    psnr_weighted(a, b, max, |y, h| {
        ((y as f64 + 0.5 - h as f64 / 2.0) * std::f64::consts::PI / h as f64).cos()
    })
}

/// PSNR over all planes with equal weights.
pub fn psnr<T: Sample>(a: &[Plane<T>], b: &[Plane<T>], max: f64) -> Result<f64> {
    psnr_weighted(a, b, max, |_, _| 1.0)
}

fn psnr_weighted<T: Sample>(
    a: &[Plane<T>],
    b: &[Plane<T>],
    max: f64,
    weight: impl Fn(usize, usize) -> f64,
) -> Result<f64> {
    if a.len() != b.len() || a.is_empty() {
        return Err(Error::InvalidArgument("psnr: plane counts differ".into()));
    }
    let (mut err, mut total) = (0.0f64, 0.0f64);
    for (pa, pb) in a.iter().zip(b) {
        if pa.width != pb.width || pa.height != pb.height {
            return Err(Error::InvalidArgument(format!(
                "psnr: sizes differ ({}x{} and {}x{})",
                pa.width, pa.height, pb.width, pb.height
            )));
        }
        for y in 0..pa.height {
            let w = weight(y, pa.height);
            let ra = &pa.data[y * pa.stride..y * pa.stride + pa.width];
            let rb = &pb.data[y * pb.stride..y * pb.stride + pb.width];
            let row: f64 = ra
                .iter()
                .zip(rb)
                .map(|(&x, &y)| {
                    let d = x.to_f32() as f64 - y.to_f32() as f64;
                    d * d
                })
                .sum();
            err += w * row;
            total += w * pa.width as f64;
        }
    }
    if total == 0.0 {
        return Err(Error::InvalidArgument("psnr: empty images".into()));
    }
    let mse = err / total;
    Ok(if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (max * max / mse).log10()
    })
}
