//! Image pyramids (2x2 box downsampling) with per-level Sobel gradients, shared by both flow directions.

use super::{FlowParams, Plane};
use rayon::prelude::*;

/// An image pyramid: `levels[0]` is the full image, each next level half the size (levels finer than
/// the finest one the flow uses keep their size but no samples).
#[derive(Clone, Debug)]
pub struct Pyramid {
    pub levels: Vec<Plane<f32>>,
    grad_x: Vec<Plane<f32>>,
    grad_y: Vec<Plane<f32>>,
}

impl Pyramid {
    /// How many levels DIS uses for an image of this size: the coarsest level is a few patches wide.
    pub fn levels_for(width: usize, height: usize, params: &FlowParams) -> usize {
        let side = width.max(height) as f32 / (4.0 * params.patch_size as f32);
        let coarsest = if side > 1.0 { (side.log2() + 0.5) as usize } else { 0 };
        // Never go below a few pixels on the short side.
        let mut max_levels = 1;
        let (mut w, mut h) = (width, height);
        while w / 2 >= 4 && h / 2 >= 4 {
            w /= 2;
            h /= 2;
            max_levels += 1;
        }
        (coarsest.max(params.finest_level) + 1).min(max_levels)
    }

    /// Builds `count` levels and gradients for the levels from `finest` down.
    pub fn new(image: &Plane<f32>, count: usize, finest: usize) -> Self {
        let mut p = Self::levels_only(image, count, finest);
        p.compute_gradients(finest);
        p
    }

    /// Builds `count` levels without gradients (call [`Pyramid::compute_gradients`] before matching).
    /// Levels finer than `finest` are not kept (empty samples, true sizes): the flow never reads them.
    pub fn levels_only(image: &Plane<f32>, count: usize, finest: usize) -> Self {
        let count = count.max(1);
        let finest = finest.min(count - 1);
        let hollow = |p: &Plane<f32>| Plane {
            width: p.width,
            height: p.height,
            data: Vec::new(),
        };
        let mut levels = Vec::with_capacity(count);
        levels.push(if finest == 0 { image.clone() } else { hollow(image) });
        let mut last: Option<Plane<f32>> = None;
        for i in 1..count {
            let next = downsample(last.as_ref().unwrap_or(image));
            if let Some(p) = last.take() {
                levels.push(if i > finest { p } else { hollow(&p) });
            }
            last = Some(next);
        }
        levels.extend(last);
        Self {
            levels,
            grad_x: Vec::new(),
            grad_y: Vec::new(),
        }
    }

    /// The pyramid of the mirrored image (each kept level mirrored, gradients from `finest` recomputed).
    pub fn flipped(&self, horizontal: bool, vertical: bool, finest: usize) -> Self {
        let levels = self.levels.iter().map(|l| l.flipped(horizontal, vertical)).collect();
        let mut p = Self {
            levels,
            grad_x: Vec::new(),
            grad_y: Vec::new(),
        };
        p.compute_gradients(finest);
        p
    }

    /// Applies `v * gain + offset` to every kept level (brightness matching; gradients come after).
    pub fn adjust(&mut self, gain: f32, offset: f32) {
        for l in &mut self.levels {
            l.data.iter_mut().for_each(|v| *v = *v * gain + offset);
        }
    }

    /// Computes the gradients of the levels from `finest` down (the others get empty planes).
    pub fn compute_gradients(&mut self, finest: usize) {
        (self.grad_x, self.grad_y) = self
            .levels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                if i >= finest && !l.data.is_empty() {
                    sobel(l)
                } else {
                    (Plane::new(0, 0), Plane::new(0, 0))
                }
            })
            .unzip();
    }

    /// Horizontal and vertical gradients of a level (empty planes below the finest level).
    pub fn gradients(&self, level: usize) -> (&Plane<f32>, &Plane<f32>) {
        (&self.grad_x[level], &self.grad_y[level])
    }
}

/// Halves an image with a 2x2 box filter (odd last rows and columns are dropped).
pub fn downsample(p: &Plane<f32>) -> Plane<f32> {
    let w = (p.width / 2).max(1);
    let h = (p.height / 2).max(1);
    let mut out = Plane::new(w, h);
    out.data.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
        let y0 = (2 * y).min(p.height - 1);
        let y1 = (2 * y + 1).min(p.height - 1);
        let r0 = &p.data[y0 * p.width..(y0 + 1) * p.width];
        let r1 = &p.data[y1 * p.width..(y1 + 1) * p.width];
        for (x, o) in row.iter_mut().enumerate() {
            let x0 = (2 * x).min(p.width - 1);
            let x1 = (2 * x + 1).min(p.width - 1);
            *o = 0.25 * (r0[x0] + r0[x1] + r1[x0] + r1[x1]);
        }
    });
    out
}

/// Sobel gradients normalised to units per pixel, border extended.
pub fn sobel(p: &Plane<f32>) -> (Plane<f32>, Plane<f32>) {
    let (w, h) = (p.width, p.height);
    let mut gx = Plane::new(w, h);
    let mut gy = Plane::new(w, h);
    gx.data
        .par_chunks_mut(w)
        .zip(gy.data.par_chunks_mut(w))
        .enumerate()
        .for_each(|(y, (rx, ry))| {
            let up = &p.data[y.saturating_sub(1) * w..][..w];
            let mid = &p.data[y * w..][..w];
            let down = &p.data[(y + 1).min(h - 1) * w..][..w];
            for x in 0..w {
                let xl = x.saturating_sub(1);
                let xr = (x + 1).min(w - 1);
                rx[x] = ((up[xr] - up[xl]) + 2.0 * (mid[xr] - mid[xl]) + (down[xr] - down[xl])) * 0.125;
                ry[x] = ((down[xl] - up[xl]) + 2.0 * (down[x] - up[x]) + (down[xr] - up[xr])) * 0.125;
            }
        });
    (gx, gy)
}
