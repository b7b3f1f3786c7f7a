//! Variational refinement of a DIS field: a few Jacobi sweeps of a linearised robust energy
//! (L1 brightness constancy + edge-aware total-variation smoothness), as DIS does after densification.
//!
//! Smoothing across image edges is damped so motion boundaries stay sharp; the robust data term
//! keeps occluded pixels from dragging their neighbours.

use super::pyramid::sobel;
use super::{FlowField, FlowParams, Plane};
use rayon::prelude::*;

/// Refines `flow` (from `i0` to `i1`, same size) in place.
pub fn refine(i0: &Plane<f32>, i1: &Plane<f32>, flow: &mut FlowField, params: &FlowParams) {
    let (w, h) = (i0.width, i0.height);
    if w < 3 || h < 3 {
        return;
    }
    let alpha = params.refine_alpha;
    let n = w * h;
    // Linearise the data term around the current flow.
    let mut i1w = Plane::new(w, h);
    i1w.data.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
        for (x, o) in row.iter_mut().enumerate() {
            let k = y * w + x;
            *o = i1.sample(x as f32 + flow.u[k], y as f32 + flow.v[k]);
        }
    });
    let (ix, iy) = sobel(&i1w);
    let iz: Vec<f32> = i1w.data.iter().zip(&i0.data).map(|(a, b)| a - b).collect();
    // Edge-aware neighbour weights to the right and below, from the reference image.
    let edge = |a: f32, b: f32| (-(a - b).abs() / 12.0).exp();
    let mut wr = vec![0f32; n];
    let mut wd = vec![0f32; n];
    wr.par_chunks_mut(w)
        .zip(wd.par_chunks_mut(w))
        .enumerate()
        .for_each(|(y, (r, d))| {
            for x in 0..w {
                let k = y * w + x;
                if x + 1 < w {
                    r[x] = edge(i0.data[k], i0.data[k + 1]);
                }
                if y + 1 < h {
                    d[x] = edge(i0.data[k], i0.data[k + w]);
                }
            }
        });
    let mut du = vec![0f32; n];
    let mut dv = vec![0f32; n];
    let mut ndu = vec![0f32; n];
    let mut ndv = vec![0f32; n];
    let mut psi_s = vec![0f32; n];
    const EPS_S: f32 = 0.05;
    const EPS_D: f32 = 1.0;
    for _ in 0..params.refine_iterations {
        // Smoothness diffusivity from the current total flow (lagged non-linearity).
        psi_s.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
            for (x, o) in row.iter_mut().enumerate() {
                let k = y * w + x;
                let kr = if x + 1 < w { k + 1 } else { k };
                let kd = if y + 1 < h { k + w } else { k };
                let ux = flow.u[kr] + du[kr] - flow.u[k] - du[k];
                let uy = flow.u[kd] + du[kd] - flow.u[k] - du[k];
                let vx = flow.v[kr] + dv[kr] - flow.v[k] - dv[k];
                let vy = flow.v[kd] + dv[kd] - flow.v[k] - dv[k];
                *o = 1.0 / (ux * ux + uy * uy + vx * vx + vy * vy + EPS_S * EPS_S).sqrt();
            }
        });
        ndu.par_chunks_mut(w)
            .zip(ndv.par_chunks_mut(w))
            .enumerate()
            .for_each(|(y, (ru, rv))| {
                for x in 0..w {
                    let k = y * w + x;
                    let (gx, gy) = (ix.data[k], iy.data[k]);
                    let r = iz[k] + gx * du[k] + gy * dv[k];
                    let psi_d = 1.0 / (r * r + EPS_D * EPS_D).sqrt();
                    let (uk, vk) = (flow.u[k], flow.v[k]);
                    let (mut s, mut su, mut sv) = (0.0f32, 0.0f32, 0.0f32);
                    let mut add = |kn: usize, wt: f32| {
                        let wt = wt * 0.5 * (psi_s[k] + psi_s[kn]);
                        s += wt;
                        su += wt * (flow.u[kn] + du[kn] - uk);
                        sv += wt * (flow.v[kn] + dv[kn] - vk);
                    };
                    if x + 1 < w {
                        add(k + 1, wr[k]);
                    }
                    if x > 0 {
                        add(k - 1, wr[k - 1]);
                    }
                    if y + 1 < h {
                        add(k + w, wd[k]);
                    }
                    if y > 0 {
                        add(k - w, wd[k - w]);
                    }
                    let a11 = psi_d * gx * gx + alpha * s;
                    let a12 = psi_d * gx * gy;
                    let a22 = psi_d * gy * gy + alpha * s;
                    let b1 = -psi_d * gx * iz[k] + alpha * su;
                    let b2 = -psi_d * gy * iz[k] + alpha * sv;
                    let det = a11 * a22 - a12 * a12;
                    if det > 1e-9 {
                        ru[x] = (a22 * b1 - a12 * b2) / det;
                        rv[x] = (a11 * b2 - a12 * b1) / det;
                    } else {
                        ru[x] = du[k];
                        rv[x] = dv[k];
                    }
                }
            });
        std::mem::swap(&mut du, &mut ndu);
        std::mem::swap(&mut dv, &mut ndv);
    }
    flow.u.iter_mut().zip(&du).for_each(|(a, b)| *a += b);
    flow.v.iter_mut().zip(&dv).for_each(|(a, b)| *a += b);
}
