//! One pyramid level of DIS: inverse-compositional patch search, then densification into a dense field.
//!
//! Kroeger et al., "Fast Optical Flow using Dense Inverse Search" (ECCV 2016). Patches are zero-mean
//! normalised (robust to brightness changes such as fades); each patch row runs in parallel and propagates
//! the left neighbour's result as a second starting point.

use super::{FlowField, FlowParams, Plane, bilinear};
use rayon::prelude::*;

/// Largest patch side supported (keeps per-patch scratch on the stack).
pub const MAX_PATCH: usize = 16;

/// Computes the flow at one level from `i0` to `i1`, starting from `init` (same size as the level).
pub fn level_flow(
    i0: &Plane<f32>,
    gx: &Plane<f32>,
    gy: &Plane<f32>,
    i1: &Plane<f32>,
    init: &FlowField,
    params: &FlowParams,
) -> FlowField {
    let (w, h) = (i0.width, i0.height);
    let ps = params.patch_size.clamp(1, MAX_PATCH).min(w).min(h);
    let stride = params.patch_stride.clamp(1, ps);
    let xs = positions(w, ps, stride);
    let ys = positions(h, ps, stride);
    let ctx = Ctx { i0, gx, gy, i1, ps };
    let patch_flows: Vec<Vec<(f32, f32)>> = ys
        .par_iter()
        .map(|&py| {
            let mut row: Vec<(f32, f32)> = Vec::with_capacity(xs.len());
            for &px in &xs {
                let cx = (px + ps / 2).min(w - 1);
                let cy = (py + ps / 2).min(h - 1);
                let own = (init.u[cy * w + cx], init.v[cy * w + cx]);
                let left = row.last().copied();
                row.push(ctx.search(px, py, own, left, params.iterations));
            }
            row
        })
        .collect();
    densify(&ctx, &xs, &ys, &patch_flows)
}

/// Patch origins along one axis: every `stride` pixels, plus one flush with the far border.
fn positions(len: usize, ps: usize, stride: usize) -> Vec<usize> {
    let last = len - ps;
    let mut v: Vec<usize> = (0..=last).step_by(stride).collect();
    if v.last() != Some(&last) {
        v.push(last);
    }
    v
}

struct Ctx<'a> {
    i0: &'a Plane<f32>,
    gx: &'a Plane<f32>,
    gy: &'a Plane<f32>,
    i1: &'a Plane<f32>,
    ps: usize,
}

impl Ctx<'_> {
    /// Samples the `ps` x `ps` patch of `i1` whose origin is (x, y) (real) into `out`.
    #[inline]
    fn sample_patch(&self, x: f32, y: f32, out: &mut [f32]) {
        let ps = self.ps;
        let (w, h) = (self.i1.width, self.i1.height);
        let fx0 = x.floor();
        let fy0 = y.floor();
        if fx0 >= 0.0 && fy0 >= 0.0 && fx0 + (ps as f32) < (w as f32) && fy0 + (ps as f32) < (h as f32) {
            // Whole patch inside: the bilinear weights are the same for every pixel.
            let (ax, ay) = (x - fx0, y - fy0);
            let (w00, w01, w10, w11) = ((1.0 - ax) * (1.0 - ay), ax * (1.0 - ay), (1.0 - ax) * ay, ax * ay);
            let (x0, y0) = (fx0 as usize, fy0 as usize);
            for j in 0..ps {
                let r0 = &self.i1.data[(y0 + j) * w + x0..][..ps + 1];
                let r1 = &self.i1.data[(y0 + j + 1) * w + x0..][..ps + 1];
                let o = &mut out[j * ps..][..ps];
                for i in 0..ps {
                    o[i] = w00 * r0[i] + w01 * r0[i + 1] + w10 * r1[i] + w11 * r1[i + 1];
                }
            }
        } else {
            for j in 0..ps {
                for i in 0..ps {
                    out[j * ps + i] = bilinear(&self.i1.data, w, h, x + i as f32, y + j as f32);
                }
            }
        }
    }

    /// Zero-mean sum of squared differences between the template and `i1` displaced by (u, v).
    fn cost(&self, t: &[f32], px: usize, py: usize, u: f32, v: f32, buf: &mut [f32]) -> f32 {
        let n = t.len();
        self.sample_patch(px as f32 + u, py as f32 + v, buf);
        let mut sum = 0.0;
        let mut sq = 0.0;
        for k in 0..n {
            let d = buf[k] - t[k];
            sum += d;
            sq += d * d;
        }
        sq - sum * sum / n as f32
    }

    /// Inverse-compositional Gauss-Newton search for the patch at (px, py).
    fn search(&self, px: usize, py: usize, own: (f32, f32), left: Option<(f32, f32)>, iterations: usize) -> (f32, f32) {
        let ps = self.ps;
        let n = ps * ps;
        let w = self.i0.width;
        let mut t = [0f32; MAX_PATCH * MAX_PATCH];
        let mut tx = [0f32; MAX_PATCH * MAX_PATCH];
        let mut ty = [0f32; MAX_PATCH * MAX_PATCH];
        let mut buf = [0f32; MAX_PATCH * MAX_PATCH];
        let (t, tx, ty, buf) = (&mut t[..n], &mut tx[..n], &mut ty[..n], &mut buf[..n]);
        let (mut mx, mut my) = (0.0, 0.0);
        for j in 0..ps {
            let off = (py + j) * w + px;
            t[j * ps..][..ps].copy_from_slice(&self.i0.data[off..off + ps]);
            tx[j * ps..][..ps].copy_from_slice(&self.gx.data[off..off + ps]);
            ty[j * ps..][..ps].copy_from_slice(&self.gy.data[off..off + ps]);
        }
        for k in 0..n {
            mx += tx[k];
            my += ty[k];
        }
        mx /= n as f32;
        my /= n as f32;
        let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
        for k in 0..n {
            tx[k] -= mx;
            ty[k] -= my;
            sxx += tx[k] * tx[k];
            sxy += tx[k] * ty[k];
            syy += ty[k] * ty[k];
        }
        // Start from the better of the coarser level's estimate and the left neighbour's result.
        let mut start = own;
        let mut start_cost = self.cost(t, px, py, own.0, own.1, buf);
        if let Some(l) = left {
            let c = self.cost(t, px, py, l.0, l.1, buf);
            if c < start_cost {
                start = l;
                start_cost = c;
            }
        }
        // A small ridge keeps textureless patches from shooting off.
        let reg = 1e-2 * n as f32;
        let (sxx, syy) = (sxx + reg, syy + reg);
        let det = sxx * syy - sxy * sxy;
        if det <= 1e-6 {
            return start;
        }
        let (mut u, mut v) = start;
        for _ in 0..iterations {
            self.sample_patch(px as f32 + u, py as f32 + v, buf);
            let (mut b1, mut b2) = (0.0, 0.0);
            for k in 0..n {
                let d = buf[k] - t[k];
                b1 += tx[k] * d;
                b2 += ty[k] * d;
            }
            let du = (syy * b1 - sxy * b2) / det;
            let dv = (sxx * b2 - sxy * b1) / det;
            u -= du;
            v -= dv;
            if du * du + dv * dv < 1e-4 {
                break;
            }
        }
        let moved = (u - start.0).powi(2) + (v - start.1).powi(2);
        if !u.is_finite() || !v.is_finite() || moved > (ps * ps) as f32 {
            return start;
        }
        if self.cost(t, px, py, u, v, buf) > start_cost {
            return start;
        }
        (u, v)
    }
}

/// Blends the patch flows into a dense field: each pixel averages the patches covering it, weighted by
/// how well each patch's vector explains that pixel.
fn densify(ctx: &Ctx<'_>, xs: &[usize], ys: &[usize], patches: &[Vec<(f32, f32)>]) -> FlowField {
    let (w, h) = (ctx.i0.width, ctx.i0.height);
    let ps = ctx.ps;
    let cover = |len: usize, pos: &[usize]| -> Vec<(usize, usize)> {
        (0..len)
            .map(|p| {
                let lo = pos.partition_point(|&s| s + ps <= p);
                let hi = pos.partition_point(|&s| s <= p);
                (lo, hi)
            })
            .collect()
    };
    let cx = cover(w, xs);
    let cy = cover(h, ys);
    let mut out = FlowField::zeros(w, h);
    out.u
        .par_chunks_mut(w)
        .zip(out.v.par_chunks_mut(w))
        .enumerate()
        .for_each(|(y, (ur, vr))| {
            let (jlo, jhi) = cy[y];
            let row0 = &ctx.i0.data[y * w..][..w];
            for x in 0..w {
                let (ilo, ihi) = cx[x];
                let (mut su, mut sv, mut sw) = (0.0f32, 0.0f32, 0.0f32);
                let i0v = row0[x];
                for prow in &patches[jlo..jhi] {
                    for &(u, v) in &prow[ilo..ihi] {
                        let d = ctx.i1.sample(x as f32 + u, y as f32 + v) - i0v;
                        let wt = 1.0 / d.abs().max(1.0);
                        su += wt * u;
                        sv += wt * v;
                        sw += wt;
                    }
                }
                if sw > 0.0 {
                    ur[x] = su / sw;
                    vr[x] = sv / sw;
                }
            }
        });
    out
}
