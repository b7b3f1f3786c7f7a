//! Separable resampling (bicubic, Lanczos-3) with MATLAB `imresize` geometry: pixel centres aligned, kernel
//! widened when shrinking (antialiasing) and symmetric edge padding.
//!
//! MATLAB's convention matters because the standard super-resolution benchmarks (Set5, Set14) made their
//! low-resolution images with it and publish bicubic figures from it: our bicubic reproduces them, and the
//! learned models are trained on low-resolution images made the same way.

use super::plane::Plane;
use rayon::prelude::*;

/// An interpolation kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Keys cubic with a = -0.5 (MATLAB's and most tools' "bicubic").
    Bicubic,
    /// Lanczos with three lobes (ffmpeg's `flags=lanczos` default).
    Lanczos3,
}

impl Kernel {
    fn support(self) -> f64 {
        match self {
            Kernel::Bicubic => 2.0,
            Kernel::Lanczos3 => 3.0,
        }
    }

    fn eval(self, x: f64) -> f64 {
        let ax = x.abs();
        match self {
            Kernel::Bicubic => {
                if ax <= 1.0 {
                    1.5 * ax * ax * ax - 2.5 * ax * ax + 1.0
                } else if ax < 2.0 {
                    -0.5 * ax * ax * ax + 2.5 * ax * ax - 4.0 * ax + 2.0
                } else {
                    0.0
                }
            }
            Kernel::Lanczos3 => {
                if ax < 1e-9 {
                    1.0
                } else if ax < 3.0 {
                    let px = std::f64::consts::PI * x;
                    3.0 * px.sin() * (px / 3.0).sin() / (px * px)
                } else {
                    0.0
                }
            }
        }
    }
}

/// For each output index: the first input index, and the weights of consecutive inputs from there
/// (indices already folded into range by symmetric padding, so stored as explicit indices).
struct Taps {
    per_output: usize,
    indices: Vec<usize>,
    weights: Vec<f32>,
}

fn symmetric_index(i: isize, len: usize) -> usize {
    let n = len as isize;
    let period = 2 * n;
    let m = i.rem_euclid(period);
    (if m < n { m } else { period - 1 - m }) as usize
}

fn taps(kernel: Kernel, in_len: usize, out_len: usize) -> Taps {
    let scale = out_len as f64 / in_len as f64;
    // Shrinking widens the kernel by 1/scale so it low-passes (MATLAB's antialiasing).
    let stretch = if scale < 1.0 { scale } else { 1.0 };
    let width = 2.0 * kernel.support() / stretch;
    let per_output = width.ceil() as usize + 2;
    let mut indices = Vec::with_capacity(out_len * per_output);
    let mut weights = Vec::with_capacity(out_len * per_output);
    for o in 0..out_len {
        let u = (o as f64 + 0.5) / scale - 0.5;
        let left = (u - width / 2.0).floor() as isize;
        let mut w: Vec<f64> = (0..per_output)
            .map(|k| {
                let d = u - (left + k as isize) as f64;
                stretch * kernel.eval(d * stretch)
            })
            .collect();
        let sum: f64 = w.iter().sum();
        if sum.abs() > 1e-12 {
            for v in &mut w {
                *v /= sum;
            }
        }
        for (k, v) in w.into_iter().enumerate() {
            indices.push(symmetric_index(left + k as isize, in_len));
            weights.push(v as f32);
        }
    }
    Taps {
        per_output,
        indices,
        weights,
    }
}

/// Resizes a plane to `out_w` x `out_h`. Values are not clamped (a caller converting to integers clamps).
pub fn resize(src: &Plane, out_w: usize, out_h: usize, kernel: Kernel) -> Plane {
    // Horizontal pass first, keeping floats between passes as MATLAB does.
    let hx = taps(kernel, src.width, out_w);
    let mut mid = Plane::new(out_w, src.height);
    mid.data.par_chunks_mut(out_w).enumerate().for_each(|(y, out_row)| {
        let row = src.row(y);
        for (x, out) in out_row.iter_mut().enumerate() {
            let base = x * hx.per_output;
            let mut acc = 0.0f32;
            for k in 0..hx.per_output {
                acc += hx.weights[base + k] * row[hx.indices[base + k]];
            }
            *out = acc;
        }
    });
    let hy = taps(kernel, src.height, out_h);
    let mut dst = Plane::new(out_w, out_h);
    dst.data.par_chunks_mut(out_w).enumerate().for_each(|(y, out_row)| {
        let base = y * hy.per_output;
        for k in 0..hy.per_output {
            let w = hy.weights[base + k];
            if w == 0.0 {
                continue;
            }
            let row = mid.row(hy.indices[base + k]);
            for (o, &v) in out_row.iter_mut().zip(row) {
                *o += w * v;
            }
        }
    });
    dst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_stays_constant() {
        let p = Plane::from_vec(5, 4, vec![0.25; 20]);
        for k in [Kernel::Bicubic, Kernel::Lanczos3] {
            for (w, h) in [(10, 8), (15, 12), (2, 2)] {
                let r = resize(&p, w, h, k);
                assert!(r.data.iter().all(|v| (v - 0.25).abs() < 1e-5));
            }
        }
    }

    #[test]
    fn upscale_by_two_interpolates_a_ramp() {
        // A linear ramp stays linear away from the edges: output centre x maps to input (x + 0.5) / 2 - 0.5.
        let p = Plane::from_vec(8, 1, (0..8).map(|i| i as f32 / 8.0).collect());
        let r = resize(&p, 16, 1, Kernel::Bicubic);
        for x in 4..12 {
            let u = (x as f32 + 0.5) / 2.0 - 0.5;
            assert!((r.data[x] - u / 8.0).abs() < 1e-5, "{x}");
        }
    }

    #[test]
    fn symmetric_padding_mirrors_with_edge_repeat() {
        assert_eq!(symmetric_index(-1, 4), 0);
        assert_eq!(symmetric_index(-2, 4), 1);
        assert_eq!(symmetric_index(4, 4), 3);
        assert_eq!(symmetric_index(5, 4), 2);
    }
}
