//! Dense optical flow between two grey images: DIS (dense inverse search), coarse to fine.
//!
//! The entry point is [`estimate_flow`]; [`flow_between`] reuses pyramids for both directions, with the
//! whole-frame shift [`global_shift`] finds as a start for large pans.
//! Images are `f32` planes on a 0..255 scale whatever the source bit depth.

mod dis;
mod global;
mod pyramid;
mod refine;

pub use pyramid::Pyramid;

/// A single-channel image, row-major, no padding.
#[derive(Clone, Debug, PartialEq)]
pub struct Plane<T> {
    pub width: usize,
    pub height: usize,
    pub data: Vec<T>,
}

impl<T: Copy + Default> Plane<T> {
    /// A plane filled with the default value (zero).
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            data: vec![T::default(); width * height],
        }
    }

    /// Wraps existing samples; `None` when the length does not match.
    pub fn from_vec(width: usize, height: usize, data: Vec<T>) -> Option<Self> {
        (data.len() == width * height).then_some(Self { width, height, data })
    }

    /// A copy mirrored left-right (`horizontal`) and/or top-bottom (`vertical`).
    pub fn flipped(&self, horizontal: bool, vertical: bool) -> Self {
        let (w, h) = (self.width, self.height);
        if w == 0 || h == 0 || self.data.len() != w * h {
            // Nothing to mirror (a level the flow never reads has no samples).
            return self.clone();
        }
        let mut out = Self::new(w, h);
        for (y, row) in out.data.chunks_exact_mut(w).enumerate() {
            let sy = if vertical { h - 1 - y } else { y };
            let src = &self.data[sy * w..][..w];
            if horizontal {
                row.iter_mut().zip(src.iter().rev()).for_each(|(o, s)| *o = *s);
            } else {
                row.copy_from_slice(src);
            }
        }
        out
    }

    /// The sample at (x, y) with coordinates clamped to the image.
    #[inline]
    pub fn at_clamped(&self, x: isize, y: isize) -> T {
        let x = x.clamp(0, self.width as isize - 1) as usize;
        let y = y.clamp(0, self.height as isize - 1) as usize;
        self.data[y * self.width + x]
    }
}

impl Plane<f32> {
    /// Bilinear sample at a real position; outside the image the border is extended.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> f32 {
        bilinear(&self.data, self.width, self.height, x, y)
    }
}

/// Bilinear interpolation in a row-major `f32` buffer, border extended.
#[inline]
pub fn bilinear(data: &[f32], width: usize, height: usize, x: f32, y: f32) -> f32 {
    let maxx = (width - 1) as f32;
    let maxy = (height - 1) as f32;
    let x = x.clamp(0.0, maxx);
    let y = y.clamp(0.0, maxy);
    // x, y >= 0, so truncation is floor; through i32, which converts more cheaply than usize.
    let x0 = x as i32 as usize;
    let y0 = y as i32 as usize;
    let fx = x - x0 as f32;
    let fy = y - y0 as f32;
    let x1 = (x0 + 1).min(width - 1);
    let y1 = (y0 + 1).min(height - 1);
    let r0 = y0 * width;
    let r1 = y1 * width;
    let top = data[r0 + x0] + (data[r0 + x1] - data[r0 + x0]) * fx;
    let bottom = data[r1 + x0] + (data[r1 + x1] - data[r1 + x0]) * fx;
    top + (bottom - top) * fy
}

/// A dense motion field: pixel (x, y) of the first image moves to (x + u, y + v) in the second.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowField {
    pub width: usize,
    pub height: usize,
    pub u: Vec<f32>,
    pub v: Vec<f32>,
}

impl FlowField {
    /// A zero field.
    pub fn zeros(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            u: vec![0.0; width * height],
            v: vec![0.0; width * height],
        }
    }

    /// Bilinear sample of both components at a real position (border extended).
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> (f32, f32) {
        (
            bilinear(&self.u, self.width, self.height, x, y),
            bilinear(&self.v, self.width, self.height, x, y),
        )
    }

    /// Resamples to another size, scaling vectors by the size ratio (used between pyramid levels).
    pub fn resized(&self, width: usize, height: usize) -> FlowField {
        use rayon::prelude::*;
        if width == self.width && height == self.height {
            return self.clone();
        }
        let sx = self.width as f32 / width as f32;
        let sy = self.height as f32 / height as f32;
        // Separable: source columns and weights once per output column, rows once per output row.
        let taps = |len: usize, scale: f32, src: usize| -> Vec<(usize, usize, f32)> {
            (0..len)
                .map(|i| {
                    let f = ((i as f32 + 0.5) * scale - 0.5).clamp(0.0, (src - 1) as f32);
                    let i0 = f as i32 as usize;
                    (i0, (i0 + 1).min(src - 1), f - i0 as f32)
                })
                .collect()
        };
        let cols = taps(width, sx, self.width);
        let rows = taps(height, sy, self.height);
        let sw = self.width;
        let mut out = FlowField::zeros(width, height);
        out.u
            .par_chunks_mut(width)
            .zip(out.v.par_chunks_mut(width))
            .zip(&rows)
            .for_each(|((ur, vr), &(y0, y1, fy))| {
                for (src, dst, scale) in [(&self.u, ur, 1.0 / sx), (&self.v, vr, 1.0 / sy)] {
                    let (r0, r1) = (&src[y0 * sw..][..sw], &src[y1 * sw..][..sw]);
                    for (o, &(x0, x1, fx)) in dst.iter_mut().zip(&cols) {
                        let top = r0[x0] + (r0[x1] - r0[x0]) * fx;
                        let bottom = r1[x0] + (r1[x1] - r1[x0]) * fx;
                        *o = (top + (bottom - top) * fy) * scale;
                    }
                }
            });
        out
    }

    /// Mean end-point error against another field of the same size (for tests and evaluation).
    pub fn mean_endpoint_error(&self, other: &FlowField) -> f32 {
        let n = self.u.len().min(other.u.len()).max(1);
        let sum: f64 = (0..self.u.len().min(other.u.len()))
            .map(|i| {
                let du = self.u[i] - other.u[i];
                let dv = self.v[i] - other.v[i];
                ((du * du + dv * dv) as f64).sqrt()
            })
            .sum();
        (sum / n as f64) as f32
    }
}

/// Settings of the DIS estimator. The presets follow OpenCV's DIS presets, retuned for interpolation.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowParams {
    /// Finest pyramid level computed (0 = full resolution, 1 = half ...); the result is at that level.
    pub finest_level: usize,
    /// Side of the square patches matched by inverse search.
    pub patch_size: usize,
    /// Distance between neighbouring patches (smaller = denser, slower, more robust).
    pub patch_stride: usize,
    /// Gauss-Newton iterations per patch.
    pub iterations: usize,
    /// Variational refinement iterations per level (0 = off).
    pub refine_iterations: usize,
    /// Smoothness weight of the variational refinement.
    pub refine_alpha: f32,
}

impl FlowParams {
    /// Quarter resolution, sparse patches, no refinement: for real-time use.
    pub fn fast() -> Self {
        Self {
            finest_level: 2,
            patch_size: 8,
            patch_stride: 4,
            iterations: 12,
            refine_iterations: 0,
            refine_alpha: 20.0,
        }
    }

    /// Half resolution with refinement.
    pub fn balanced() -> Self {
        Self {
            finest_level: 1,
            patch_size: 8,
            patch_stride: 3,
            iterations: 16,
            refine_iterations: 3,
            refine_alpha: 20.0,
        }
    }

    /// Full resolution, dense patches, refinement.
    pub fn best() -> Self {
        Self {
            finest_level: 0,
            patch_size: 8,
            patch_stride: 3,
            iterations: 25,
            refine_iterations: 8,
            refine_alpha: 20.0,
        }
    }
}

/// Estimates the flow from `i0` to `i1` (same size) at `params.finest_level`'s resolution.
pub fn estimate_flow(i0: &Plane<f32>, i1: &Plane<f32>, params: &FlowParams) -> FlowField {
    let levels = Pyramid::levels_for(i0.width, i0.height, params);
    let p0 = Pyramid::new(i0, levels, params.finest_level);
    let p1 = Pyramid::new(i1, levels, params.finest_level);
    let shift = global_shift(&p0, &p1, params);
    flow_between(&p0, &p1, params, shift)
}

/// The whole-frame translation from `p0` to `p1` (in pixels of the finest level the flow uses), when
/// one explains the pair clearly better than no motion: see [`global::translation`].
pub fn global_shift(p0: &Pyramid, p1: &Pyramid, params: &FlowParams) -> Option<(f32, f32)> {
    let finest = params.finest_level.min(p0.levels.len().saturating_sub(1));
    let (l0, l1): (Vec<_>, Vec<_>) = p0.levels[finest..].iter().zip(&p1.levels[finest..]).unzip();
    global::translation(&l0, &l1)
}

/// Coarse-to-fine DIS between two pyramids built with the same levels; the result is at the finest level.
/// `shift` (from [`global_shift`], in finest-level pixels) is offered to every patch as one more place
/// to start: it finds pans larger than the coarsest level can follow from zero.
pub fn flow_between(p0: &Pyramid, p1: &Pyramid, params: &FlowParams, shift: Option<(f32, f32)>) -> FlowField {
    let finest = params.finest_level.min(p0.levels.len().saturating_sub(1));
    let coarsest = p0.levels.len() - 1;
    let mut flow: Option<FlowField> = None;
    for level in (finest..=coarsest).rev() {
        let i0 = &p0.levels[level];
        let i1 = &p1.levels[level];
        let init = match flow.take() {
            Some(f) => f.resized(i0.width, i0.height),
            None => FlowField::zeros(i0.width, i0.height),
        };
        let (gx, gy) = p0.gradients(level);
        let scale = (1usize << (level - finest)) as f32;
        let candidate = shift.map(|(dx, dy)| (dx / scale, dy / scale));
        let mut f = dis::level_flow(i0, gx, gy, i1, &init, candidate, params);
        if params.refine_iterations > 0 {
            refine::refine(i0, i1, &mut f, params);
        }
        flow = Some(f);
    }
    flow.unwrap_or_else(|| FlowField::zeros(p0.levels[finest].width, p0.levels[finest].height))
}
