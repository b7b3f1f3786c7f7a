//! Frame synthesis at time t: round-trip consistency, forward splatting of the motion to time t with
//! hole filling, and occlusion-aware bidirectional warping of every plane.

use super::{PairMotion, Sample};
use crate::vision::flow::{FlowField, Plane};
use rayon::prelude::*;

/// Confidence (0..1) of each vector of `f` from how well `g` sends it back (Sundaram et al. 2010).
/// Vectors that leave the image get zero: their target is not visible in the other frame.
pub fn consistency(f: &FlowField, g: &FlowField) -> Vec<f32> {
    let (w, h) = (f.width, f.height);
    let mut conf = vec![0f32; w * h];
    // Sundaram et al.: |F + G|^2 < 0.01 (|F|^2 + |G|^2) + 0.5, made soft.
    let (c0, c1) = (0.5, 0.01);
    conf.par_chunks_mut(w).enumerate().for_each_init(
        || [(); 4].map(|_| vec![0f32; w]),
        |[xs, ys, gus, gvs], (y, row)| {
            let (us, vs) = landing_row(f, y, xs, ys);
            // G where F lands, read in rows (gathers); only the vectors that stay in the image use it.
            sample_grid_row(&g.u, w, h, xs, ys, gus);
            sample_grid_row(&g.v, w, h, xs, ys, gvs);
            for (x, c) in row.iter_mut().enumerate() {
                if !in_image(xs[x], ys[x], w, h) {
                    *c = 0.0;
                    continue;
                }
                let (u, v, gu, gv) = (us[x], vs[x], gus[x], gvs[x]);
                let e = (u + gu).powi(2) + (v + gv).powi(2);
                let tol = c1 * (u * u + v * v + gu * gu + gv * gv) + c0;
                *c = (-e / tol).exp();
            }
        },
    );
    conf
}

/// Where the pixels of row `y` land by `f` (x + u, y + v) into `xs` and `ys` (row length); returns the
/// row's vectors.
fn landing_row<'f>(f: &'f FlowField, y: usize, xs: &mut [f32], ys: &mut [f32]) -> (&'f [f32], &'f [f32]) {
    let w = f.width;
    let (us, vs) = (&f.u[y * w..][..w], &f.v[y * w..][..w]);
    for (x, (((&u, &v), tx), ty)) in us.iter().zip(vs).zip(xs.iter_mut()).zip(ys.iter_mut()).enumerate() {
        (*tx, *ty) = (x as f32 + u, y as f32 + v);
    }
    (us, vs)
}

/// `a` and `b` mixed at time t without motion compensation.
pub fn crossfade<T: Sample>(a: &Plane<T>, b: &Plane<T>, t: f32, max_value: f32) -> Plane<T> {
    if a.width != b.width || a.height != b.height {
        return a.clone();
    }
    let data = a
        .data
        .par_iter()
        .zip(&b.data)
        .map(|(&p, &q)| {
            let (p, q) = (p.to_f32(), q.to_f32());
            T::from_f32(p + t * (q - p), max_value)
        })
        .collect();
    Plane {
        width: a.width,
        height: a.height,
        data,
    }
}

/// How well the flow explains B from A: the mean absolute difference with motion compensation over the
/// pixels whose vector stays in the image, without it over all pixels, and the share of pixels whose
/// vector stays in the image. A pan moves part of A out of B: those pixels have nothing to match.
pub fn compensation_errors(a: &Plane<f32>, b: &Plane<f32>, f: &FlowField) -> (f32, f32, f32) {
    let (w, h) = (a.width, a.height);
    let (comp, stat, seen) = (0..h)
        .into_par_iter()
        .map_init(
            || [(); 3].map(|_| vec![0f32; w]),
            |[xs, ys, bs], y| {
                landing_row(f, y, xs, ys);
                sample_grid_row(&b.data, w, h, xs, ys, bs);
                let (arow, brow) = (&a.data[y * w..][..w], &b.data[y * w..][..w]);
                let (mut c, mut s, mut n) = (0f64, 0f64, 0usize);
                for x in 0..w {
                    s += (arow[x] - brow[x]).abs() as f64;
                    if in_image(xs[x], ys[x], w, h) {
                        c += (arow[x] - bs[x]).abs() as f64;
                        n += 1;
                    }
                }
                (c, s, n)
            },
        )
        .reduce(|| (0.0, 0.0, 0), |p, q| (p.0 + q.0, p.1 + q.1, p.2 + q.2));
    let n = a.data.len().max(1) as f64;
    (
        (comp / seen.max(1) as f64) as f32,
        (stat / n) as f32,
        (seen as f64 / n) as f32,
    )
}

/// How far a position lies outside a `w` x `h` image, in pixels beyond half a pixel past the edge
/// samples (0 inside).
#[inline]
fn outside_by(x: f32, y: f32, w: usize, h: usize) -> f32 {
    let out_x = (-0.5 - x).max(x - (w as f32 - 0.5));
    let out_y = (-0.5 - y).max(y - (h as f32 - 0.5));
    out_x.max(out_y).max(0.0)
}

/// Whether a position lies in a `w` x `h` image (to half a pixel beyond the edge samples).
#[inline]
pub fn in_image(x: f32, y: f32, w: usize, h: usize) -> bool {
    outside_by(x, y, w, h) == 0.0
}

/// The motion (in A -> B units, motion resolution) of the pixel seen at each place at time t.
pub struct MotionAtT {
    pub field: FlowField,
}

/// Weight of a splat from a vector that failed the round trip: enough to fill holes, not to compete.
const UNSURE_WEIGHT: f32 = 0.02;
/// Accumulated splat weight under which a place counts as (partly) a hole.
const HOLE: f32 = 0.3;

impl MotionAtT {
    /// Splats A's vectors to x + t F and B's (reversed) to x + (1 - t) G, then fills the holes.
    pub fn new(pm: &PairMotion, t: f32) -> Self {
        let (w, h) = (pm.forward.width, pm.forward.height);
        // A's splats and B's into separate sums, one per thread, added afterwards.
        let side = |flow: &FlowField, conf: &[f32], time: f32, sign: f32| {
            let n = w * h;
            let (mut su, mut sv, mut sws) = (vec![0f32; n], vec![0f32; n], vec![0f32; n]);
            let mut splat = |x: f32, y: f32, u: f32, v: f32, wt: f32| {
                if !(x > -1.0 && y > -1.0 && x < w as f32 && y < h as f32) {
                    return;
                }
                let fx = x.floor();
                let fy = y.floor();
                let (ax, ay) = (x - fx, y - fy);
                let (ix, iy) = (fx as isize, fy as isize);
                for (dx, dy, bw) in [
                    (0, 0, (1.0 - ax) * (1.0 - ay)),
                    (1, 0, ax * (1.0 - ay)),
                    (0, 1, (1.0 - ax) * ay),
                    (1, 1, ax * ay),
                ] {
                    let (px, py) = (ix + dx, iy + dy);
                    if px >= 0 && py >= 0 && (px as usize) < w && (py as usize) < h {
                        let k = py as usize * w + px as usize;
                        let ww = wt * bw;
                        su[k] += ww * u;
                        sv[k] += ww * v;
                        sws[k] += ww;
                    }
                }
            };
            for y in 0..h {
                for x in 0..w {
                    let k = y * w + x;
                    let (u, v) = (flow.u[k], flow.v[k]);
                    let wt = conf[k] + UNSURE_WEIGHT;
                    splat(x as f32 + time * u, y as f32 + time * v, sign * u, sign * v, wt);
                }
            }
            (su, sv, sws)
        };
        let ((mut su, mut sv, mut sw), (bu, bv, bw)) = rayon::join(
            || side(&pm.forward, &pm.forward_conf, t, 1.0),
            || side(&pm.backward, &pm.backward_conf, 1.0 - t, -1.0),
        );
        for (acc, add) in [(&mut su, &bu), (&mut sv, &bv), (&mut sw, &bw)] {
            acc.iter_mut().zip(add).for_each(|(a, b)| *a += b);
        }
        let (u, v) = push_pull(&su, &sv, &sw, w, h);
        MotionAtT {
            field: FlowField {
                width: w,
                height: h,
                u,
                v,
            },
        }
    }
}

/// The flow with each vector that failed the round trip and whose content leaves the picture (by its own
/// vector or by the whole-frame `shift`) replaced by what its reliable neighbours say (push-pull
/// weighted by confidence). Nothing could be matched for such content: its vector is a guess, and where
/// it is the only one to reach a place at time t (the edge a pan uncovers), the neighbours' motion is
/// the better guess. Vectors that fail inside the picture (occlusions) are kept: there the splatting
/// weighs them down instead.
pub fn fill_leaving(flow: &FlowField, conf: &[f32], shift: Option<(f32, f32)>) -> FlowField {
    let (w, h) = (flow.width, flow.height);
    let (sx, sy) = shift.unwrap_or((0.0, 0.0));
    let replace: Vec<bool> = (0..w * h)
        .map(|k| {
            let (x, y) = ((k % w) as f32, (k / w) as f32);
            let leaving = !in_image(x + flow.u[k], y + flow.v[k], w, h) || !in_image(x + sx, y + sy, w, h);
            conf[k] < 0.5 && leaving
        })
        .collect();
    if !replace.contains(&true) {
        return flow.clone();
    }
    // Weight 0 below half confidence: many small weights would add up at coarse levels and count as
    // data there.
    let weight: Vec<f32> = conf.iter().map(|&c| (2.0 * c - 1.0).max(0.0)).collect();
    let su: Vec<f32> = flow.u.iter().zip(&weight).map(|(u, c)| u * c).collect();
    let sv: Vec<f32> = flow.v.iter().zip(&weight).map(|(v, c)| v * c).collect();
    let (fu, fv) = push_pull(&su, &sv, &weight, w, h);
    let mut out = flow.clone();
    for (k, _) in replace.iter().enumerate().filter(|(_, r)| **r) {
        out.u[k] = fu[k];
        out.v[k] = fv[k];
    }
    out
}

/// Normalises splatted sums; places with too little weight take the value of the next coarser level.
fn push_pull(su: &[f32], sv: &[f32], sw: &[f32], w: usize, h: usize) -> (Vec<f32>, Vec<f32>) {
    let norm = |s: &[f32]| -> Vec<f32> {
        s.iter()
            .zip(sw)
            .map(|(a, b)| if *b > 1e-6 { a / b } else { 0.0 })
            .collect()
    };
    if (w <= 1 && h <= 1) || sw.iter().all(|&x| x >= HOLE) {
        return (norm(su), norm(sv));
    }
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut csu = vec![0f32; cw * ch];
    let mut csv = vec![0f32; cw * ch];
    let mut csw = vec![0f32; cw * ch];
    for y in 0..h {
        for x in 0..w {
            let (k, c) = (y * w + x, (y / 2) * cw + x / 2);
            csu[c] += su[k];
            csv[c] += sv[k];
            csw[c] += sw[k];
        }
    }
    let (cu, cv) = push_pull(&csu, &csv, &csw, cw, ch);
    let mut u = norm(su);
    let mut v = norm(sv);
    for y in 0..h {
        for x in 0..w {
            let (k, c) = (y * w + x, (y / 2) * cw + x / 2);
            if sw[k] < HOLE {
                let a = sw[k] / HOLE;
                u[k] = a * u[k] + (1.0 - a) * cu[c];
                v[k] = a * v[k] + (1.0 - a) * cv[c];
            }
        }
    }
    (u, v)
}

/// Bilinear sample of a plane at least 2 x 2 at a position already inside it (0 <= x <= w - 1, same
/// for y). The top-left tap stops one short of the last row and column (the weight of the next one is
/// then 1), so all four taps are in the plane without a clamp each.
#[inline(always)]
pub(super) fn sample_clamped<T: Sample>(p: &Plane<T>, x: f32, y: f32) -> f32 {
    sample_clamped_in(&p.data, p.width, p.height, x, y)
}

/// [`sample_clamped`] in the row-major samples `data` of a `w` x `h` plane.
#[inline(always)]
fn sample_clamped_in<T: Sample>(data: &[T], w: usize, h: usize, x: f32, y: f32) -> f32 {
    let (x0, y0) = ((x as i32).min(w as i32 - 2), (y as i32).min(h as i32 - 2));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let i = y0 as usize * w + x0 as usize;
    let (r0, r1) = (&data[i..i + 2], &data[i + w..i + w + 2]);
    let top = r0[0].to_f32() + (r0[1].to_f32() - r0[0].to_f32()) * fx;
    let bottom = r1[0].to_f32() + (r1[1].to_f32() - r1[0].to_f32()) * fx;
    top + (bottom - top) * fy
}

/// Samples of a plane at positions inside it with AVX2 gathers where the CPU has them (see [`gathers`]):
/// bilinear (as [`sample_clamped`]; 8-bit, 16-bit and `f32` planes at least 2 x 2) or, with `cubic`,
/// Catmull-Rom (as [`sample_cubic`]; 8-bit and 10-bit planes at least 4 x 4, one or two gathers per row
/// of the 4 x 4 taps). `None` where the CPU has no gathers or for a plane they do not handle.
pub(super) fn sample_row_gather<T: Sample>(
    p: &Plane<T>,
    xs: &[f32],
    ys: &[f32],
    out: &mut [f32],
    cubic: bool,
) -> Option<()> {
    #[cfg(target_arch = "x86_64")]
    if gathers() {
        // SAFETY: the CPU has AVX2 and FMA (`gathers`), the target features' only requirement.
        return unsafe {
            if cubic {
                avx2::sample_row_cubic(p, xs, ys, out)
            } else {
                avx2::sample_row(&p.data, p.width, p.height, xs, ys, out)
            }
        };
    }
    let _ = (p, xs, ys, out, cubic);
    None
}

/// Bilinear samples of the row-major `f32` samples `data` of a `w` x `h` grid (a flow component) at
/// positions clamped into it, as [`crate::vision::flow::bilinear`] reads them (to float rounding): with
/// AVX2 gathers where the CPU has them, else one by one.
pub(super) fn sample_grid_row(data: &[f32], w: usize, h: usize, xs: &[f32], ys: &[f32], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if gathers() {
        // SAFETY: the CPU has AVX2 and FMA (`gathers`), the target features' only requirement.
        if unsafe { avx2::sample_row(data, w, h, xs, ys, out) }.is_some() {
            return;
        }
    }
    for ((o, &x), &y) in out.iter_mut().zip(xs).zip(ys) {
        *o = crate::vision::flow::bilinear(data, w, h, x, y);
    }
}

/// Whether [`sample_row_gather`] runs on this CPU (AVX2 and FMA). The scalar loop waits on its loads
/// one pixel at a time; eight gathered at once keep the memory busy.
pub(super) fn gathers() -> bool {
    #[cfg(test)]
    if SCALAR_ONLY.load(std::sync::atomic::Ordering::Relaxed) {
        return false;
    }
    crate::util::simd::has_avx2_fma()
}

/// Tests set this to run the scalar path on CPUs with gathers too.
#[cfg(test)]
pub(super) static SCALAR_ONLY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Plane, Sample};
    use std::any::TypeId;
    use std::arch::x86_64::*;

    /// [`super::sample_row_gather`], bilinear, in the row-major samples `data` of a `w` x `h` plane (8-bit,
    /// 16-bit or `f32`), 8 pixels per step (`None` for other sample types and planes too large for 32-bit
    /// offsets).
    #[target_feature(enable = "avx2,fma")]
    pub fn sample_row<T: Sample>(
        data: &[T],
        w: usize,
        h: usize,
        xs: &[f32],
        ys: &[f32],
        out: &mut [f32],
    ) -> Option<()> {
        let n = out.len().min(xs.len()).min(ys.len());
        // Gather offsets are i32 (in bytes for 8-bit planes).
        if w < 2 || h < 2 || data.len() < w * h || w * h > i32::MAX as usize / 4 {
            return None;
        }
        let p = (data, w, h);
        let kind = TypeId::of::<T>();
        let base = data.as_ptr() as *const i32;
        let byte = _mm256_set1_epi32(0xff);
        let word = _mm256_set1_epi32(0xffff);
        // The taps of 8 pixels whose top-left taps are at element offsets `at` (0 <= x0 <= w - 2,
        // 0 <= y0 <= h - 2), as floats: (top left, top right, bottom left, bottom right).
        if kind == TypeId::of::<u8>() {
            let up = _mm256_set1_epi32(w as i32 - 2);
            rows(p, xs, ys, out, n, move |at| {
                // SAFETY: four bytes from `at` end at (h - 2) w + (w - 2) + 3 <= w h - 1 (w >= 2); four from
                // at + w - 2 (>= 0) end at at + w + 1 <= w h - 1. Both inside the plane.
                let (top, bottom) = unsafe {
                    (
                        _mm256_i32gather_epi32::<1>(base, at),
                        _mm256_i32gather_epi32::<1>(base, _mm256_add_epi32(at, up)),
                    )
                };
                [
                    _mm256_cvtepi32_ps(_mm256_and_si256(top, byte)),
                    _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32::<8>(top), byte)),
                    _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32::<16>(bottom), byte)),
                    _mm256_cvtepi32_ps(_mm256_srli_epi32::<24>(bottom)),
                ]
            })
        } else if kind == TypeId::of::<u16>() {
            let down = _mm256_set1_epi32(w as i32);
            rows(p, xs, ys, out, n, move |at| {
                // SAFETY: two 16-bit samples from `at` and from at + w, the last ending at element
                // (h - 1) w + w - 1 = w h - 1: inside the plane.
                let (top, bottom) = unsafe {
                    (
                        _mm256_i32gather_epi32::<2>(base, at),
                        _mm256_i32gather_epi32::<2>(base, _mm256_add_epi32(at, down)),
                    )
                };
                [
                    _mm256_cvtepi32_ps(_mm256_and_si256(top, word)),
                    _mm256_cvtepi32_ps(_mm256_srli_epi32::<16>(top)),
                    _mm256_cvtepi32_ps(_mm256_and_si256(bottom, word)),
                    _mm256_cvtepi32_ps(_mm256_srli_epi32::<16>(bottom)),
                ]
            })
        } else if kind == TypeId::of::<f32>() {
            let base = base as *const f32;
            rows(p, xs, ys, out, n, move |at| {
                // SAFETY: the last tap is at + w + 1 <= (h - 1) w + w - 1 = w h - 1: inside the plane.
                unsafe {
                    [
                        _mm256_i32gather_ps::<4>(base, at),
                        _mm256_i32gather_ps::<4>(base.add(1), at),
                        _mm256_i32gather_ps::<4>(base.add(w), at),
                        _mm256_i32gather_ps::<4>(base.add(w + 1), at),
                    ]
                }
            })
        } else {
            return None;
        }
        Some(())
    }

    /// [`super::sample_row_gather`] with `cubic`: 8 pixels per step where all their 4 x 4 taps lie inside the plane
    /// (four gathers of four bytes, one per tap row); steps with a tap beyond an edge, and the last few
    /// pixels, take the scalar sample (which extends the border).
    #[target_feature(enable = "avx2,fma")]
    pub fn sample_row_cubic<T: Sample>(p: &Plane<T>, xs: &[f32], ys: &[f32], out: &mut [f32]) -> Option<()> {
        let n = out.len().min(xs.len()).min(ys.len());
        let (w, h) = (p.width, p.height);
        let eight = TypeId::of::<T>() == TypeId::of::<u8>();
        if !(eight || TypeId::of::<T>() == TypeId::of::<u16>())
            || w < 4
            || h < 4
            || p.data.len() < w * h
            || w * h > i32::MAX as usize
        {
            return None;
        }
        let base = p.data.as_ptr() as *const i32;
        // Positions are clamped as the lanes clamp them (`max` drops a NaN) for the scalar samples too.
        let (wm, hm) = ((w - 1) as f32, (h - 1) as f32);
        let (x_max, y_max) = (_mm256_set1_ps(wm), _mm256_set1_ps(hm));
        // Columns inside: 1 <= ix <= w - 3, so taps ix - 1 ..= ix + 2 are in the row. Rows beyond the top or
        // bottom are clamped (border extension, as the scalar sample does).
        let x_hi = _mm256_set1_epi32(w as i32 - 3);
        let row_last = _mm256_set1_epi32(h as i32 - 1);
        let one = _mm256_set1_epi32(1);
        let zero = _mm256_setzero_ps();
        let width = _mm256_set1_epi32(w as i32);
        let (byte, word) = (_mm256_set1_epi32(0xff), _mm256_set1_epi32(0xffff));
        let two_samples = _mm256_set1_epi32(2);
        // The four taps of a row from the element offset `at` of the leftmost, in a row of the plane with
        // 1 <= ix <= w - 3: columns ix - 1 ..= ix + 2, all inside it.
        let row_taps = |at: __m256i| -> [__m256; 4] {
            let taps = if eight {
                // SAFETY: four bytes from `at`, the last at column ix + 2 <= w - 1 (see above).
                let r = unsafe { _mm256_i32gather_epi32::<1>(base, at) };
                [
                    _mm256_and_si256(r, byte),
                    _mm256_and_si256(_mm256_srli_epi32::<8>(r), byte),
                    _mm256_and_si256(_mm256_srli_epi32::<16>(r), byte),
                    _mm256_srli_epi32::<24>(r),
                ]
            } else {
                // SAFETY: two 16-bit samples from `at` and two from at + 2, the last at column
                // ix + 2 <= w - 1 (see above).
                let (l, r) = unsafe {
                    (
                        _mm256_i32gather_epi32::<2>(base, at),
                        _mm256_i32gather_epi32::<2>(base, _mm256_add_epi32(at, two_samples)),
                    )
                };
                [
                    _mm256_and_si256(l, word),
                    _mm256_srli_epi32::<16>(l),
                    _mm256_and_si256(r, word),
                    _mm256_srli_epi32::<16>(r),
                ]
            };
            taps.map(|t| _mm256_cvtepi32_ps(t))
        };
        let (half, one_half, two_half, two) = (
            _mm256_set1_ps(0.5),
            _mm256_set1_ps(1.5),
            _mm256_set1_ps(2.5),
            _mm256_set1_ps(2.0),
        );
        // Catmull-Rom weights of a fraction, in the same terms as the scalar sample.
        let weights = |a: __m256| {
            let a2 = _mm256_mul_ps(a, a);
            let a3 = _mm256_mul_ps(a2, a);
            let neg = |v: __m256| _mm256_sub_ps(zero, v);
            [
                _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(neg(half), a3), a2), _mm256_mul_ps(half, a)),
                _mm256_add_ps(
                    _mm256_sub_ps(_mm256_mul_ps(one_half, a3), _mm256_mul_ps(two_half, a2)),
                    _mm256_set1_ps(1.0),
                ),
                _mm256_add_ps(
                    _mm256_add_ps(_mm256_mul_ps(neg(one_half), a3), _mm256_mul_ps(two, a2)),
                    _mm256_mul_ps(half, a),
                ),
                _mm256_sub_ps(_mm256_mul_ps(half, a3), _mm256_mul_ps(half, a2)),
            ]
        };
        let mut k = 0;
        while k + 8 <= n {
            // SAFETY: k + 8 <= n, so the 8-lane loads and the store stay inside `xs`, `ys` and `out`.
            let (x, y) = unsafe { (_mm256_loadu_ps(xs.as_ptr().add(k)), _mm256_loadu_ps(ys.as_ptr().add(k))) };
            let x = _mm256_min_ps(_mm256_max_ps(x, zero), x_max);
            let y = _mm256_min_ps(_mm256_max_ps(y, zero), y_max);
            let (ix, iy) = (_mm256_cvttps_epi32(x), _mm256_cvttps_epi32(y));
            let outside = _mm256_or_si256(_mm256_cmpgt_epi32(one, ix), _mm256_cmpgt_epi32(ix, x_hi));
            if _mm256_movemask_epi8(outside) != 0 {
                for j in k..k + 8 {
                    out[j] = super::sample_cubic(p, xs[j].max(0.0).min(wm), ys[j].max(0.0).min(hm));
                }
                k += 8;
                continue;
            }
            let wx = weights(_mm256_sub_ps(x, _mm256_cvtepi32_ps(ix)));
            let wy = weights(_mm256_sub_ps(y, _mm256_cvtepi32_ps(iy)));
            let left = _mm256_sub_epi32(ix, one);
            let mut acc = zero;
            for (j, wyj) in wy.into_iter().enumerate() {
                let tap_y = _mm256_add_epi32(iy, _mm256_set1_epi32(j as i32 - 1));
                let tap_y = _mm256_max_epi32(_mm256_min_epi32(tap_y, row_last), _mm256_setzero_si256());
                let at = _mm256_add_epi32(_mm256_mullo_epi32(tap_y, width), left);
                let [t0, t1, t2, t3] = row_taps(at);
                let row = _mm256_add_ps(
                    _mm256_add_ps(_mm256_mul_ps(wx[0], t0), _mm256_mul_ps(wx[1], t1)),
                    _mm256_add_ps(_mm256_mul_ps(wx[2], t2), _mm256_mul_ps(wx[3], t3)),
                );
                acc = _mm256_fmadd_ps(wyj, row, acc);
            }
            // SAFETY: as for the loads.
            unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(k), acc) };
            k += 8;
        }
        for j in k..n {
            out[j] = super::sample_cubic(p, xs[j].max(0.0).min(wm), ys[j].max(0.0).min(hm));
        }
        Some(())
    }

    /// The loop of [`sample_row`] over `n` positions, given how to fetch the 2 x 2 taps of 8 pixels from
    /// their top-left taps' element offsets (0 <= x0 <= w - 2, 0 <= y0 <= h - 2), as floats in the order
    /// top left, top right, bottom left, bottom right.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn rows<T: Sample>(
        (data, w, h): (&[T], usize, usize),
        xs: &[f32],
        ys: &[f32],
        out: &mut [f32],
        n: usize,
        taps: impl Fn(__m256i) -> [__m256; 4],
    ) {
        let (x_last, y_last) = (_mm256_set1_epi32(w as i32 - 2), _mm256_set1_epi32(h as i32 - 2));
        let (x_max, y_max) = (_mm256_set1_ps((w - 1) as f32), _mm256_set1_ps((h - 1) as f32));
        let zero = _mm256_setzero_ps();
        let width = _mm256_set1_epi32(w as i32);
        let mut k = 0;
        while k + 8 <= n {
            // SAFETY: k + 8 <= n, so the 8-lane loads and the store stay inside `xs`, `ys` and `out`.
            let (x, y) = unsafe { (_mm256_loadu_ps(xs.as_ptr().add(k)), _mm256_loadu_ps(ys.as_ptr().add(k))) };
            // Clamped again here (NaN becomes 0): the offsets stay inside the plane whatever was passed.
            let x = _mm256_min_ps(_mm256_max_ps(x, zero), x_max);
            let y = _mm256_min_ps(_mm256_max_ps(y, zero), y_max);
            let x0 = _mm256_min_epi32(_mm256_cvttps_epi32(x), x_last);
            let y0 = _mm256_min_epi32(_mm256_cvttps_epi32(y), y_last);
            let fx = _mm256_sub_ps(x, _mm256_cvtepi32_ps(x0));
            let fy = _mm256_sub_ps(y, _mm256_cvtepi32_ps(y0));
            let [p00, p01, p10, p11] = taps(_mm256_add_epi32(_mm256_mullo_epi32(y0, width), x0));
            let top = _mm256_fmadd_ps(_mm256_sub_ps(p01, p00), fx, p00);
            let bottom = _mm256_fmadd_ps(_mm256_sub_ps(p11, p10), fx, p10);
            let v = _mm256_fmadd_ps(_mm256_sub_ps(bottom, top), fy, top);
            // SAFETY: as for the loads.
            unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(k), v) };
            k += 8;
        }
        // The last few one by one, clamped as the lanes are (`max` drops a NaN).
        let (wm, hm) = ((w - 1) as f32, (h - 1) as f32);
        for k in k..n {
            out[k] = super::sample_clamped_in(data, w, h, xs[k].max(0.0).min(wm), ys[k].max(0.0).min(hm));
        }
    }
}

/// Catmull-Rom bicubic sample of an integer plane (border extended): sharper than bilinear, so the
/// warped frames keep their detail.
#[inline]
pub(super) fn sample_cubic<T: Sample>(p: &Plane<T>, x: f32, y: f32) -> f32 {
    let (w, h) = (p.width as isize, p.height as isize);
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    // Both are >= 0 after the clamp, so truncation is floor (and avoids a libm call).
    let (ix, iy) = (x as isize, y as isize);
    let (ax, ay) = (x - ix as f32, y - iy as f32);
    let weights = |a: f32| {
        let a2 = a * a;
        let a3 = a2 * a;
        [
            -0.5 * a3 + a2 - 0.5 * a,
            1.5 * a3 - 2.5 * a2 + 1.0,
            -1.5 * a3 + 2.0 * a2 + 0.5 * a,
            0.5 * a3 - 0.5 * a2,
        ]
    };
    let (wx, wy) = (weights(ax), weights(ay));
    let d = &p.data;
    if ix >= 1 && iy >= 1 && ix + 2 < w && iy + 2 < h {
        // Interior: no clamping.
        let base = (iy - 1) as usize * p.width + (ix - 1) as usize;
        let mut acc = 0.0;
        for (j, wyj) in wy.iter().enumerate() {
            let r = &d[base + j * p.width..][..4];
            acc +=
                wyj * (wx[0] * r[0].to_f32() + wx[1] * r[1].to_f32() + wx[2] * r[2].to_f32() + wx[3] * r[3].to_f32());
        }
        return acc;
    }
    let xs = [
        (ix - 1).clamp(0, w - 1) as usize,
        ix.clamp(0, w - 1) as usize,
        (ix + 1).clamp(0, w - 1) as usize,
        (ix + 2).clamp(0, w - 1) as usize,
    ];
    let mut acc = 0.0;
    for (j, wyj) in wy.iter().enumerate() {
        let row = (iy + j as isize - 1).clamp(0, h - 1) as usize * p.width;
        let r = wx[0] * d[row + xs[0]].to_f32()
            + wx[1] * d[row + xs[1]].to_f32()
            + wx[2] * d[row + xs[2]].to_f32()
            + wx[3] * d[row + xs[3]].to_f32();
        acc += wyj * r;
    }
    acc
}

/// The largest share of the unmoved crossfade (A and B at the output pixel's own place) in a pixel where
/// neither frame's flow agrees with the motion at t. There the warp is a guess, and a wrong guess costs
/// more squared error than the blur of a crossfade (minterpolate's block blending wins on such frames for
/// the same reason). Measured, balanced: +0.1 dB on the triplet sets, +0.2 on bikes, +0.3 on shaka.
pub(super) const STATIC_SHARE: f32 = 0.3;
/// How much more of it a pair gets per unit of its share of vectors failing the round trip (+0.04-0.08 dB
/// on bikes and shaka in every quality).
const STATIC_SHARE_CHAOS: f32 = 0.3;

/// Per motion-grid pixel: the motion at time t, B's share of the blend, and the unmoved crossfade's share.
pub struct BlendMap {
    width: usize,
    height: usize,
    u: Vec<f32>,
    v: Vec<f32>,
    alpha: Vec<f32>,
    unmoved: Vec<f32>,
}

impl BlendMap {
    /// Decides at the motion resolution, once for all planes, where each output pixel comes from in A
    /// and in B and how much of each to take. A side's weight drops when its own flow at the sampled place
    /// disagrees with the motion at t: that place is hidden in that frame. Where both disagree, part of the
    /// picture is the unmoved crossfade ([`STATIC_SHARE`]).
    pub fn new(pm: &PairMotion, motion: &MotionAtT, t: f32) -> Self {
        let field = &motion.field;
        let (w, h) = (field.width, field.height);
        // Motion-grid pixels to luma pixels, for tolerances in luma pixels.
        let sl = pm.width as f32 / w as f32;
        let sl2 = sl * sl;
        // One luma pixel of disagreement, more for large motion (vectors are less precise there).
        let (tol0, tol1) = (1.0, 0.02);
        let mut alpha = vec![0f32; w * h];
        let mut unmoved = vec![0f32; w * h];
        // A pair whose vectors mostly fail the round trip (fast, tangled motion) gets more of it.
        let share = STATIC_SHARE + STATIC_SHARE_CHAOS * (1.0 - pm.stats.consistent_fraction.clamp(0.0, 1.0));
        let (fw, bw) = (&pm.forward, &pm.backward);
        alpha
            .par_chunks_mut(w)
            .zip(unmoved.par_chunks_mut(w))
            .enumerate()
            .for_each_init(
                || [(); 8].map(|_| vec![0f32; w]),
                |scratch, (y, (row, unmoved_row))| {
                    let [xa, ya, xb, yb, fu, fv, gu, gv] = scratch;
                    let (mus, mvs) = (&field.u[y * w..][..w], &field.v[y * w..][..w]);
                    let my = y as f32;
                    // Where each output place comes from in A and goes to in B, in vectorised loops; the
                    // flows there are read in rows (gathers).
                    for (x, (((((&mu, &mv), xa), ya), xb), yb)) in mus
                        .iter()
                        .zip(mvs)
                        .zip(xa.iter_mut())
                        .zip(ya.iter_mut())
                        .zip(xb.iter_mut())
                        .zip(yb.iter_mut())
                        .enumerate()
                    {
                        let mx = x as f32;
                        (*xa, *ya) = (mx - t * mu, my - t * mv);
                        (*xb, *yb) = (mx + (1.0 - t) * mu, my + (1.0 - t) * mv);
                    }
                    sample_grid_row(&fw.u, w, h, xa, ya, fu);
                    sample_grid_row(&fw.v, w, h, xa, ya, fv);
                    sample_grid_row(&bw.u, w, h, xb, yb, gu);
                    sample_grid_row(&bw.v, w, h, xb, yb, gv);
                    for (x, (o, still)) in row.iter_mut().zip(unmoved_row.iter_mut()).enumerate() {
                        let (mu, mv) = (mus[x], mvs[x]);
                        let e0 = ((fu[x] - mu).powi(2) + (fv[x] - mv).powi(2)) * sl2;
                        let e1 = ((gu[x] + mu).powi(2) + (gv[x] + mv).powi(2)) * sl2;
                        let tol = tol0 + tol1 * (mu * mu + mv * mv) * sl2;
                        // A place whose source lies outside a frame (content entering or leaving at the
                        // border) is not in that frame at all: border extension there would paint a smear.
                        let inside_a = inside(xa[x], ya[x], w, h);
                        let inside_b = inside(xb[x], yb[x], w, h);
                        let (ra, rb) = ((-e0 / tol).exp() * inside_a, (-e1 / tol).exp() * inside_b);
                        let w0 = (1.0 - t) * (ra + 1e-3);
                        let w1 = t * (rb + 1e-3);
                        *o = w1 / (w0 + w1);
                        *still = share * (1.0 - ra.max(rb));
                    }
                },
            );
        BlendMap {
            width: w,
            height: h,
            u: field.u.clone(),
            v: field.v.clone(),
            alpha,
            unmoved,
        }
    }
}

#[cfg(test)]
impl BlendMap {
    /// The unmoved crossfade's share per motion-grid pixel.
    pub(super) fn unmoved(&self) -> &[f32] {
        &self.unmoved
    }
}

/// 1 for a position inside a `w` x `h` grid (half a pixel of slack), falling to 0 a pixel beyond it.
#[inline]
fn inside(x: f32, y: f32, w: usize, h: usize) -> f32 {
    (1.0 - outside_by(x, y, w, h)).max(0.0)
}

/// Output rows per parallel task of [`warp_blend`] (amortises the per-task row buffers).
const WARP_ROWS: usize = 16;

/// One map row (u, v, alpha) upsampled horizontally to the plane's width.
struct WideRow {
    index: usize,
    u: Vec<f32>,
    v: Vec<f32>,
    alpha: Vec<f32>,
    unmoved: Vec<f32>,
}

impl WideRow {
    fn new(width: usize) -> Self {
        Self {
            index: usize::MAX,
            u: vec![0.0; width],
            v: vec![0.0; width],
            alpha: vec![0.0; width],
            unmoved: vec![0.0; width],
        }
    }

    /// Fills with map row `index` resampled through the column taps.
    fn fill(&mut self, map: &BlendMap, index: usize, cols: &[(usize, usize, f32)]) {
        let mw = map.width;
        for (dst, src) in [
            (&mut self.u, &map.u),
            (&mut self.v, &map.v),
            (&mut self.alpha, &map.alpha),
            (&mut self.unmoved, &map.unmoved),
        ] {
            let r = &src[index * mw..][..mw];
            for (d, &(x0, x1, fx)) in dst.iter_mut().zip(cols) {
                *d = r[x0] + (r[x1] - r[x0]) * fx;
            }
        }
        self.index = index;
    }
}

/// Warps A back along -t M and B forward along (1 - t) M and blends them as the map says, with the map's
/// share of A and B at the pixel's own place.
///
/// The map (motion resolution) is upsampled separably: each map row once per task horizontally, then
/// per output row vertically, in contiguous loops; the per-pixel work left is the two frame samples.
pub fn warp_blend<T: Sample>(
    map: &BlendMap,
    a: &Plane<T>,
    b: &Plane<T>,
    t: f32,
    max_value: f32,
    cubic: bool,
    as_f32: Option<(&Plane<f32>, &Plane<f32>)>,
) -> Plane<T> {
    let (pw, ph) = (a.width, a.height);
    if pw == 0 || ph == 0 || b.width != pw || b.height != ph {
        return a.clone();
    }
    // The bilinear path reads 2 x 2 taps without clamping each; the bicubic one clamps every tap.
    if cubic || pw < 2 || ph < 2 {
        return warp_planes(map, a, b, t, max_value, true);
    }
    // With gathers the integer planes are read as they are: a quarter of the memory of f32 copies.
    if gathers() {
        return warp_planes(map, a, b, t, max_value, false);
    }
    // Bilinear warping reads each sample about twice per side: converting the planes to f32 once is
    // cheaper than converting four integers per read (a stream converts each frame once, for all pairs).
    if let Some((fa, fb)) = as_f32.filter(|(fa, fb)| fa.data.len() == pw * ph && fb.data.len() == pw * ph) {
        return warp_planes(map, fa, fb, t, max_value, false);
    }
    let (fa, fb) = rayon::join(|| to_f32_plane(a), || to_f32_plane(b));
    warp_planes(map, &fa, &fb, t, max_value, false)
}

/// A plane's samples as `f32`.
pub fn to_f32_plane<T: Sample>(p: &Plane<T>) -> Plane<f32> {
    Plane {
        width: p.width,
        height: p.height,
        data: p.data.iter().map(|s| s.to_f32()).collect(),
    }
}

/// [`warp_blend`] reading samples of type `S` and writing type `T` (planes already checked).
fn warp_planes<S: Sample, T: Sample>(
    map: &BlendMap,
    a: &Plane<S>,
    b: &Plane<S>,
    t: f32,
    max_value: f32,
    cubic: bool,
) -> Plane<T> {
    let (pw, ph) = (a.width, a.height);
    let (mw, mh) = (map.width, map.height);
    let mut out = Plane::<T>::new(pw, ph);
    let kx = mw as f32 / pw as f32;
    let ky = mh as f32 / ph as f32;
    // Per output column: the two map columns around it and the weight of the right one.
    let cols: Vec<(usize, usize, f32)> = (0..pw)
        .map(|x| {
            let mx = ((x as f32 + 0.5) * kx - 0.5).clamp(0.0, (mw - 1) as f32);
            let x0 = mx as i32 as usize;
            (x0, (x0 + 1).min(mw - 1), mx - x0 as f32)
        })
        .collect();
    // Map vectors are in map pixels: scale to plane pixels and to each side's time.
    let (sa_x, sa_y) = (-t / kx, -t / ky);
    let (sb_x, sb_y) = ((1.0 - t) / kx, (1.0 - t) / ky);
    let xs: Vec<f32> = (0..pw).map(|x| x as f32).collect();
    let (wmax, hmax) = ((pw - 1) as f32, (ph - 1) as f32);

    out.data
        .par_chunks_mut(pw * WARP_ROWS)
        .enumerate()
        .for_each(|(chunk, rows)| {
            crate::util::simd::wide(
                #[inline(always)]
                || {
                    let (mut top, mut bottom) = (WideRow::new(pw), WideRow::new(pw));
                    let mut coords = [
                        vec![0f32; pw],
                        vec![0f32; pw],
                        vec![0f32; pw],
                        vec![0f32; pw],
                        vec![0f32; pw],
                        vec![0f32; pw],
                    ];
                    let mut samples = [vec![0f32; pw], vec![0f32; pw]];
                    for (r, row) in rows.chunks_mut(pw).enumerate() {
                        let y = chunk * WARP_ROWS + r;
                        let my = ((y as f32 + 0.5) * ky - 0.5).clamp(0.0, (mh - 1) as f32);
                        let y0 = my as i32 as usize;
                        let y1 = (y0 + 1).min(mh - 1);
                        let fy = my - y0 as f32;
                        if top.index != y0 {
                            if bottom.index == y0 {
                                std::mem::swap(&mut top, &mut bottom);
                            } else {
                                top.fill(map, y0, &cols);
                            }
                        }
                        if bottom.index != y1 {
                            bottom.fill(map, y1, &cols);
                        }
                        let yf = y as f32;
                        let [ax, ay, bx, by, al, unm] = &mut coords;
                        // Same-length slices, so the loop below has no bounds checks and vectorises.
                        let (ax, ay, bx, by, al, unm) = (
                            &mut ax[..pw],
                            &mut ay[..pw],
                            &mut bx[..pw],
                            &mut by[..pw],
                            &mut al[..pw],
                            &mut unm[..pw],
                        );
                        let (tu, tv, ta, xs) = (&top.u[..pw], &top.v[..pw], &top.alpha[..pw], &xs[..pw]);
                        let (bu, bv, ba) = (&bottom.u[..pw], &bottom.v[..pw], &bottom.alpha[..pw]);
                        let (tn, bn) = (&top.unmoved[..pw], &bottom.unmoved[..pw]);
                        for x in 0..pw {
                            let u = tu[x] + (bu[x] - tu[x]) * fy;
                            let v = tv[x] + (bv[x] - tv[x]) * fy;
                            al[x] = ta[x] + (ba[x] - ta[x]) * fy;
                            unm[x] = tn[x] + (bn[x] - tn[x]) * fy;
                            // Border extension by clamping here, where it vectorises.
                            ax[x] = (xs[x] + sa_x * u).max(0.0).min(wmax);
                            ay[x] = (yf + sa_y * v).max(0.0).min(hmax);
                            bx[x] = (xs[x] + sb_x * u).max(0.0).min(wmax);
                            by[x] = (yf + sb_y * v).max(0.0).min(hmax);
                        }
                        let (ax, ay, bx, by, al, unm) = (&ax[..], &ay[..], &bx[..], &by[..], &al[..], &unm[..]);
                        // The unmoved crossfade reads the output pixel's own place in A and B.
                        let arow = &a.data[y * pw..][..pw];
                        let brow = &b.data[y * pw..][..pw];
                        // The samples alone, in their own loops (gathers, or scalar taps that do not
                        // vectorise); the blend below vectorises.
                        let [va, vb] = &mut samples;
                        let (va, vb) = (&mut va[..pw], &mut vb[..pw]);
                        for (p, xs, ys, out) in [(a, ax, ay, &mut *va), (b, bx, by, &mut *vb)] {
                            if sample_row_gather(p, xs, ys, out, cubic).is_none() {
                                for x in 0..pw {
                                    out[x] = if cubic {
                                        sample_cubic(p, xs[x], ys[x])
                                    } else {
                                        sample_clamped(p, xs[x], ys[x])
                                    };
                                }
                            }
                        }
                        let (va, vb) = (&va[..], &vb[..]);
                        for (x, o) in row.iter_mut().enumerate() {
                            let m = va[x] + al[x] * (vb[x] - va[x]);
                            let st = arow[x].to_f32() + t * (brow[x].to_f32() - arow[x].to_f32());
                            *o = T::from_f32(m + unm[x] * (st - m), max_value);
                        }
                    }
                },
            )
        });
    out
}
