//! One pyramid level of DIS: inverse-compositional patch search, then densification into a dense field.
//!
//! Kroeger et al., "Fast Optical Flow using Dense Inverse Search" (ECCV 2016). Patches are zero-mean
//! normalised (robust to brightness changes such as fades); each patch row runs in parallel and propagates
//! the left neighbour's result as a second starting point.

use super::{FlowField, FlowParams, Plane};
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
    candidate: Option<(f32, f32)>,
    params: &FlowParams,
) -> FlowField {
    let (w, h) = (i0.width, i0.height);
    let ps = params.patch_size.clamp(1, MAX_PATCH).min(w).min(h);
    let stride = params.patch_stride.clamp(1, ps);
    let xs = positions(w, ps, stride);
    let ys = positions(h, ps, stride);
    let pad = ps + 2;
    let padded = pad_plane(i1, pad);
    let ctx = Ctx {
        i0,
        gx,
        gy,
        i1,
        ps,
        padded: &padded,
        pad,
    };
    let patch_flows: Vec<Vec<(f32, f32)>> = ys
        .par_iter()
        .map(|&py| {
            let mut row: Vec<(f32, f32)> = Vec::with_capacity(xs.len());
            for &px in &xs {
                let cx = (px + ps / 2).min(w - 1);
                let cy = (py + ps / 2).min(h - 1);
                let own = (init.u[cy * w + cx], init.v[cy * w + cx]);
                let left = row.last().copied();
                row.push(ctx.search(px, py, own, [left, candidate], params.iterations));
            }
            row
        })
        .collect();
    densify(&ctx, &xs, &ys, &patch_flows)
}

/// Bilinear patch of fixed side `N` whose top-left sample is `base` (whole patch inside): constant bounds
/// let the compiler drop the bounds checks and vectorise the rows.
#[inline(always)]
fn sample_interior<const N: usize>(data: &[f32], w: usize, base: usize, wts: [f32; 4], out: &mut [f32]) {
    let [w00, w01, w10, w11] = wts;
    for (j, o) in out.chunks_exact_mut(N).take(N).enumerate() {
        let r0 = &data[base + j * w..][..N + 1];
        let r1 = &data[base + (j + 1) * w..][..N + 1];
        for i in 0..N {
            o[i] = w00 * r0[i] + w01 * r0[i + 1] + w10 * r1[i] + w11 * r1[i + 1];
        }
    }
}

/// [`sample_interior`] for a side known only at run time.
fn sample_interior_any(data: &[f32], w: usize, base: usize, ps: usize, wts: [f32; 4], out: &mut [f32]) {
    let [w00, w01, w10, w11] = wts;
    for (j, o) in out.chunks_exact_mut(ps).take(ps).enumerate() {
        let r0 = &data[base + j * w..][..ps + 1];
        let r1 = &data[base + (j + 1) * w..][..ps + 1];
        for i in 0..ps {
            o[i] = w00 * r0[i] + w01 * r0[i + 1] + w10 * r1[i] + w11 * r1[i + 1];
        }
    }
}

/// Independent accumulators per reduction: f32 sums are not reassociated by the compiler, so one
/// accumulator per lane is what lets these loops run as SIMD.
const LANES: usize = 8;

/// Calls `f(lane, a[k], b[k])` for every k, with lane = k % LANES (slices of equal length).
#[inline(always)]
fn for_lanes(a: &[f32], b: &[f32], mut f: impl FnMut(usize, f32, f32)) {
    let (ac, bc) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for l in 0..LANES {
            f(l, x[l], y[l]);
        }
    }
    for (l, (&x, &y)) in ar.iter().zip(br).enumerate() {
        f(l, x, y);
    }
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
    /// `i1` with its border extended by `pad` samples on every side (see [`pad_plane`]).
    padded: &'a Plane<f32>,
    pad: usize,
}

/// A copy of `p` with `pad` more samples on every side, each repeating the nearest border sample: every
/// patch position [`Ctx::sample_patch`] can ask for then lies inside, and reads the same values a
/// clamped-index (border-extended) bilinear would.
fn pad_plane(p: &Plane<f32>, pad: usize) -> Plane<f32> {
    let (w, h) = (p.width, p.height);
    let pw = w + 2 * pad;
    let mut out = Plane::new(pw, h + 2 * pad);
    for (y, row) in out.data.chunks_exact_mut(pw).enumerate() {
        let src = &p.data[y.saturating_sub(pad).min(h - 1) * w..][..w];
        row[..pad].fill(src[0]);
        row[pad..pad + w].copy_from_slice(src);
        row[pad + w..].fill(src[w - 1]);
    }
    out
}

impl Ctx<'_> {
    /// Samples the `ps` x `ps` patch of `i1` whose origin is (x, y) (real) into `out`. Every pixel of the
    /// patch has the same fractional position, so the four bilinear weights are computed once; the padded
    /// copy of `i1` makes every patch an interior one (border extended, as a clamped bilinear would).
    #[inline]
    fn sample_patch(&self, x: f32, y: f32, out: &mut [f32]) {
        let (base, ax, ay) = self.patch_origin(x, y);
        let wts = [(1.0 - ax) * (1.0 - ay), ax * (1.0 - ay), (1.0 - ax) * ay, ax * ay];
        let pw = self.padded.width;
        if self.ps == 8 {
            sample_interior::<8>(&self.padded.data, pw, base, wts, out);
        } else {
            sample_interior_any(&self.padded.data, pw, base, self.ps, wts, out);
        }
    }

    /// One row of `out.len()` (at most `ps`) samples of `i1` starting at (x, y), clamped as
    /// [`Ctx::sample_patch`] clamps a patch and interpolated as [`super::bilinear`] does (two lerps and a
    /// third), so a row equals the pixel-by-pixel reads to float rounding of the position.
    #[inline]
    fn sample_patch_row(&self, x: f32, y: f32, out: &mut [f32]) {
        let (base, fx, fy) = self.patch_origin(x, y);
        let pw = self.padded.width;
        let n = out.len();
        let r0 = &self.padded.data[base..][..n + 1];
        let r1 = &self.padded.data[base + pw..][..n + 1];
        for (i, o) in out.iter_mut().enumerate() {
            let top = r0[i] + (r0[i + 1] - r0[i]) * fx;
            let bottom = r1[i] + (r1[i + 1] - r1[i]) * fx;
            *o = top + (bottom - top) * fy;
        }
    }

    /// Index in the padded `i1` of the top-left sample of the patch whose origin is (x, y), and the
    /// fractional position (x, y) every pixel of that patch shares.
    #[inline]
    fn patch_origin(&self, x: f32, y: f32) -> (usize, f32, f32) {
        let ps = self.ps;
        let (w, h) = (self.i1.width, self.i1.height);
        // Far outside positions all read the border: clamping keeps the patch inside the padding
        // (pad >= ps + 1 covers origins from -ps - 1 to w, plus the bilinear's extra sample).
        let x = x.clamp(-(ps as f32) - 1.0, w as f32);
        let y = y.clamp(-(ps as f32) - 1.0, h as f32);
        // Floor through a truncating conversion (f32::floor is a libm call on baseline x86-64).
        let floor = |v: f32| {
            let i = v as i32;
            if (i as f32) > v { i - 1 } else { i }
        };
        let (ix, iy) = (floor(x), floor(y));
        let pad = self.pad as isize;
        let base = (iy as isize + pad) as usize * self.padded.width + (ix as isize + pad) as usize;
        (base, x - ix as f32, y - iy as f32)
    }

    /// Zero-mean sum of squared differences between the template and `i1` displaced by (u, v).
    fn cost(&self, t: &[f32], px: usize, py: usize, u: f32, v: f32, buf: &mut [f32]) -> f32 {
        let n = t.len();
        self.sample_patch(px as f32 + u, py as f32 + v, buf);
        let (mut sum, mut sq) = ([0f32; LANES], [0f32; LANES]);
        for_lanes(buf, t, |l, p, q| {
            let d = p - q;
            sum[l] += d;
            sq[l] += d * d;
        });
        let (sum, sq) = (sum.iter().sum::<f32>(), sq.iter().sum::<f32>());
        sq - sum * sum / n as f32
    }

    /// Inverse-compositional Gauss-Newton search for the patch at (px, py).
    fn search(
        &self,
        px: usize,
        py: usize,
        own: (f32, f32),
        others: [Option<(f32, f32)>; 2],
        iterations: usize,
    ) -> (f32, f32) {
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
        // Start from the best of the coarser level's estimate, the left neighbour's result and the
        // whole-frame shift.
        let mut start = own;
        let mut start_cost = self.cost(t, px, py, own.0, own.1, buf);
        for l in others.into_iter().flatten() {
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
            // Residual (the template sampled where the patch now lands minus the template) against both
            // gradients, in one pass.
            let (mut b1, mut b2) = ([0f32; LANES], [0f32; LANES]);
            let chunks = buf.chunks_exact(LANES).zip(t.chunks_exact(LANES));
            for ((s, q), (gx, gy)) in chunks.zip(tx.chunks_exact(LANES).zip(ty.chunks_exact(LANES))) {
                for l in 0..LANES {
                    let d = s[l] - q[l];
                    b1[l] += gx[l] * d;
                    b2[l] += gy[l] * d;
                }
            }
            let tail = n - n % LANES;
            for k in tail..n {
                let d = buf[k] - t[k];
                b1[k - tail] += tx[k] * d;
                b2[k - tail] += ty[k] * d;
            }
            let (b1, b2) = (b1.iter().sum::<f32>(), b2.iter().sum::<f32>());
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
///
/// Works a pixel row at a time, patch by patch: a patch's vector is the same for all its pixels, so its
/// row of `i1` samples shares one set of bilinear weights and is read contiguously (as in the search),
/// and the sums for each pixel still gather the covering patches in the same order.
fn densify(ctx: &Ctx<'_>, xs: &[usize], ys: &[usize], patches: &[Vec<(f32, f32)>]) -> FlowField {
    let (w, h) = (ctx.i0.width, ctx.i0.height);
    let ps = ctx.ps;
    // Patch rows covering each pixel row.
    let cy: Vec<(usize, usize)> = (0..h)
        .map(|p| (ys.partition_point(|&s| s + ps <= p), ys.partition_point(|&s| s <= p)))
        .collect();
    let mut out = FlowField::zeros(w, h);
    out.u
        .par_chunks_mut(w)
        .zip(out.v.par_chunks_mut(w))
        .enumerate()
        .for_each_init(
            || (vec![0f32; w], vec![0f32; w], vec![0f32; w]),
            |(su, sv, sw), (y, (ur, vr))| {
                su.fill(0.0);
                sv.fill(0.0);
                sw.fill(0.0);
                let (jlo, jhi) = cy[y];
                let row0 = &ctx.i0.data[y * w..][..w];
                let mut samples = [0f32; MAX_PATCH];
                let samples = &mut samples[..ps];
                for prow in &patches[jlo..jhi] {
                    for (&x0, &(u, v)) in xs.iter().zip(prow) {
                        ctx.sample_patch_row(x0 as f32 + u, y as f32 + v, samples);
                        let span = x0..x0 + ps;
                        let (su, sv, sw) = (&mut su[span.clone()], &mut sv[span.clone()], &mut sw[span.clone()]);
                        for ((((&s, &i0v), su), sv), sw) in samples.iter().zip(&row0[span]).zip(su).zip(sv).zip(sw) {
                            let wt = 1.0 / (s - i0v).abs().max(1.0);
                            *su += wt * u;
                            *sv += wt * v;
                            *sw += wt;
                        }
                    }
                }
                for x in 0..w {
                    if sw[x] > 0.0 {
                        ur[x] = su[x] / sw[x];
                        vr[x] = sv[x] / sw[x];
                    }
                }
            },
        );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Densification pixel by pixel, each sample a border-extended bilinear read: what [`densify`]'s
    /// row-wise loop must reproduce.
    fn densify_reference(ctx: &Ctx<'_>, xs: &[usize], ys: &[usize], patches: &[Vec<(f32, f32)>]) -> FlowField {
        let (w, h, ps) = (ctx.i0.width, ctx.i0.height, ctx.ps);
        let mut out = FlowField::zeros(w, h);
        for y in 0..h {
            for x in 0..w {
                let (mut su, mut sv, mut sw) = (0f32, 0f32, 0f32);
                for (j, prow) in patches.iter().enumerate() {
                    for (i, &(u, v)) in prow.iter().enumerate() {
                        if (ys[j]..ys[j] + ps).contains(&y) && (xs[i]..xs[i] + ps).contains(&x) {
                            let d = ctx.i1.sample(x as f32 + u, y as f32 + v) - ctx.i0.data[y * w + x];
                            let wt = 1.0 / d.abs().max(1.0);
                            su += wt * u;
                            sv += wt * v;
                            sw += wt;
                        }
                    }
                }
                out.u[y * w + x] = su / sw;
                out.v[y * w + x] = sv / sw;
            }
        }
        out
    }

    #[test]
    fn row_wise_densification_matches_per_pixel_bilinear() {
        let (w, h) = (37, 23);
        let image = |seed: usize| {
            Plane::from_vec(
                w,
                h,
                (0..w * h).map(|k| ((k * 7919 + seed * 104_729) % 251) as f32).collect(),
            )
            .unwrap()
        };
        let (i0, i1) = (image(1), image(2));
        let zero = Plane::new(w, h);
        for (ps, stride) in [(8, 4), (8, 3), (5, 2)] {
            let pad = ps + 2;
            let padded = pad_plane(&i1, pad);
            let ctx = Ctx {
                i0: &i0,
                gx: &zero,
                gy: &zero,
                i1: &i1,
                ps,
                padded: &padded,
                pad,
            };
            let (xs, ys) = (positions(w, ps, stride), positions(h, ps, stride));
            // Vectors of every kind: small, fractional, reaching past each border, far outside.
            let patches: Vec<Vec<(f32, f32)>> = (0..ys.len())
                .map(|j| {
                    (0..xs.len())
                        .map(|i| {
                            let k = (j * xs.len() + i) as f32;
                            match (j + i) % 4 {
                                0 => ((k * 0.37) % 3.0 - 1.5, (k * 0.61) % 2.0 - 1.0),
                                1 => (-(k % 11.0) - 0.3, (k % 7.0) + 0.6),
                                2 => (w as f32 + k % 5.0, -(h as f32) - 0.25),
                                _ => ((k * 1.3) % 9.0 + 0.5, -((k * 0.7) % 6.0) - 0.1),
                            }
                        })
                        .collect()
                })
                .collect();
            let got = densify(&ctx, &xs, &ys, &patches);
            let want = densify_reference(&ctx, &xs, &ys, &patches);
            for k in 0..w * h {
                for (g, r) in [(got.u[k], want.u[k]), (got.v[k], want.v[k])] {
                    assert!(
                        (g - r).abs() <= 1e-3 * r.abs().max(1.0),
                        "ps {ps} stride {stride} pixel {k}: {g} vs {r}"
                    );
                }
            }
        }
    }
}
