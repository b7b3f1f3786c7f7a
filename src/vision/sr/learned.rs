//! The learned-filter upscaler (RAISR family, applied on the low-resolution grid).
//!
//! Every low-resolution pixel is hashed by the local gradient structure (angle, strength and coherence of the
//! smoothed structure tensor) into a bucket; the bucket holds `scale`² linear filters over the pixel's
//! (2r+1)² neighbourhood, one per output sub-pixel position, fitted by least squares on training pairs.
//! Working on the low-resolution grid (instead of on a bicubic pre-upscale, as the original RAISR does) keeps
//! the cost at (2r+1)² multiply-adds per output pixel while containing bicubic as a special case (its weights
//! are one feasible filter), so the fit can only improve on it.
//!
//! Determinism: the output of a pixel depends only on its neighbourhood, so identical frames give identical
//! output (no flicker on static content).

use super::plane::Plane;
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Binomial weights of the structure-tensor smoothing window (5 x 5, separable).
const BLUR: [f32; 5] = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];
/// Border needed by gradients (1) plus the smoothing window (2).
const STRUCTURE_PAD: usize = 3;
const MAGIC: &[u8; 4] = b"RSRF";
const VERSION: u32 = 1;

/// How pixels are hashed into buckets.
#[derive(Clone, Debug, PartialEq)]
pub struct Hashing {
    pub angles: usize,
    /// Ascending thresholds on the gradient strength (sqrt of the larger eigenvalue): `len + 1` bins.
    pub strength_thresholds: Vec<f32>,
    /// Ascending thresholds on the coherence, in [0, 1]: `len + 1` bins.
    pub coherence_thresholds: Vec<f32>,
}

impl Hashing {
    pub fn buckets(&self) -> usize {
        self.angles * (self.strength_thresholds.len() + 1) * (self.coherence_thresholds.len() + 1)
    }

    /// The bucket of a pixel from its smoothed structure tensor [[a, b], [b, c]].
    #[inline]
    pub fn bucket(&self, a: f32, b: f32, c: f32) -> usize {
        let (angle, strength, coherence) = tensor_features(a, b, c);
        let angle_bin = ((angle * self.angles as f32) as usize).min(self.angles - 1);
        let s_bin = self.strength_thresholds.iter().filter(|&&t| strength > t).count();
        let c_bin = self.coherence_thresholds.iter().filter(|&&t| coherence > t).count();
        (angle_bin * (self.strength_thresholds.len() + 1) + s_bin) * (self.coherence_thresholds.len() + 1) + c_bin
    }
}

/// (orientation in [0, 1) of a half turn, strength, coherence) of a structure tensor [[a, b], [b, c]].
#[inline]
pub fn tensor_features(a: f32, b: f32, c: f32) -> (f32, f32, f32) {
    let half_diff = 0.5 * (a - c);
    let root = (half_diff * half_diff + b * b).sqrt();
    let mean = 0.5 * (a + c);
    let l1 = (mean + root).max(0.0);
    let l2 = (mean - root).max(0.0);
    let s1 = l1.sqrt();
    let s2 = l2.sqrt();
    let coherence = (s1 - s2) / (s1 + s2 + 1e-9);
    // The doubled orientation angle is the direction of (a - c, 2b); map it to [0, 1).
    let turn = fast_atan2(2.0 * b, a - c) * (0.5 / std::f32::consts::PI) + 0.5;
    let angle = if turn >= 1.0 { 0.0 } else { turn.max(0.0) };
    (angle, s1, coherence)
}

/// atan2 within about 0.002 rad: a bin is 0.1 rad or more wide, and the libm call would cost more than the filter.
#[inline]
fn fast_atan2(y: f32, x: f32) -> f32 {
    use std::f32::consts::{FRAC_PI_2, PI};
    let ax = x.abs();
    let ay = y.abs();
    let (mn, mx) = if ax < ay { (ax, ay) } else { (ay, ax) };
    if mx == 0.0 {
        return 0.0;
    }
    let t = mn / mx;
    let s = t * t;
    let mut r = ((-0.046_496_473 * s + 0.159_314_22) * s - 0.327_622_77) * s * t + t;
    if ay > ax {
        r = FRAC_PI_2 - r;
    }
    if x < 0.0 {
        r = PI - r;
    }
    if y < 0.0 { -r } else { r }
}

/// The smoothed structure tensor (a, b, c) of every pixel of `plane`, each as a plane of the same size.
pub fn structure_tensor(plane: &Plane) -> [Plane; 3] {
    let (w, h) = (plane.width, plane.height);
    let padded = plane.padded(STRUCTURE_PAD);
    let pw = padded.width;
    // Horizontal pass over rows -2..h+2 of the plane: gradient products blurred along x.
    let rows = h + 4;
    let mut horiz = vec![[0.0f32; 3]; rows * w];
    horiz.par_chunks_mut(w).enumerate().for_each(|(r, out)| {
        let py = r + STRUCTURE_PAD - 2;
        let up = padded.row(py - 1);
        let mid = padded.row(py);
        let down = padded.row(py + 1);
        let mut products = vec![[0.0f32; 3]; w + 4];
        for (i, p) in products.iter_mut().enumerate() {
            let px = i + STRUCTURE_PAD - 2;
            let gx = 0.5 * (mid[px + 1] - mid[px - 1]);
            let gy = 0.5 * (down[px] - up[px]);
            *p = [gx * gx, gx * gy, gy * gy];
        }
        for (x, o) in out.iter_mut().enumerate() {
            let mut acc = [0.0f32; 3];
            for (k, wk) in BLUR.iter().enumerate() {
                let p = products[x + k];
                acc[0] += wk * p[0];
                acc[1] += wk * p[1];
                acc[2] += wk * p[2];
            }
            *o = acc;
        }
        debug_assert!(pw >= w + 2 * STRUCTURE_PAD);
    });
    let mut out = [Plane::new(w, h), Plane::new(w, h), Plane::new(w, h)];
    let [a, b, c] = &mut out;
    a.data
        .par_chunks_mut(w)
        .zip(b.data.par_chunks_mut(w))
        .zip(c.data.par_chunks_mut(w))
        .enumerate()
        .for_each(|(y, ((ra, rb), rc))| {
            for x in 0..w {
                let mut acc = [0.0f32; 3];
                for (k, wk) in BLUR.iter().enumerate() {
                    let p = horiz[(y + k) * w + x];
                    acc[0] += wk * p[0];
                    acc[1] += wk * p[1];
                    acc[2] += wk * p[2];
                }
                ra[x] = acc[0];
                rb[x] = acc[1];
                rc[x] = acc[2];
            }
        });
    out
}

/// The bucket of every pixel of `plane`.
pub fn buckets(plane: &Plane, hashing: &Hashing) -> Vec<u16> {
    let [a, b, c] = structure_tensor(plane);
    a.data
        .par_iter()
        .zip(b.data.par_iter())
        .zip(c.data.par_iter())
        .map(|((&a, &b), &c)| hashing.bucket(a, b, c) as u16)
        .collect()
}

/// A trained filter bank for one scale factor.
#[derive(Clone, Debug)]
pub struct FilterBank {
    pub scale: usize,
    /// Filter radius on the low-resolution grid: (2r+1)² taps.
    pub radius: usize,
    pub hashing: Hashing,
    /// `[bucket][sub-pixel (row-major, scale x scale)][tap (row-major)]`.
    pub weights: Vec<f32>,
    /// The same weights with each filter row padded with zeros to a multiple of 8 lanes, for SIMD.
    lanes: Vec<f32>,
    row_stride: usize,
}

impl FilterBank {
    /// Builds a bank from its parts (checks the weight count).
    pub fn new(scale: usize, radius: usize, hashing: Hashing, weights: Vec<f32>) -> Result<Self> {
        let taps = (2 * radius + 1) * (2 * radius + 1);
        let expected = hashing.buckets() * scale * scale * taps;
        if weights.len() != expected || scale < 1 || hashing.angles == 0 {
            return Err(Error::Malformed(format!(
                "sr filter bank: {} weights, expected {expected}",
                weights.len()
            )));
        }
        let side = 2 * radius + 1;
        let row_stride = side.div_ceil(8) * 8;
        let mut lanes = Vec::with_capacity(weights.len() / side * row_stride);
        for row in weights.chunks_exact(side) {
            lanes.extend_from_slice(row);
            lanes.extend(std::iter::repeat_n(0.0, row_stride - side));
        }
        Ok(Self {
            scale,
            radius,
            hashing,
            weights,
            lanes,
            row_stride,
        })
    }

    pub fn taps(&self) -> usize {
        (2 * self.radius + 1) * (2 * self.radius + 1)
    }

    /// Serialises the bank: a small header, the thresholds, then the weights as i16 with one f32 step.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        for v in [
            VERSION,
            self.scale as u32,
            self.radius as u32,
            self.hashing.angles as u32,
            self.hashing.strength_thresholds.len() as u32,
            self.hashing.coherence_thresholds.len() as u32,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for t in self
            .hashing
            .strength_thresholds
            .iter()
            .chain(&self.hashing.coherence_thresholds)
        {
            out.extend_from_slice(&t.to_le_bytes());
        }
        let max = self.weights.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let step = if max > 0.0 { max / 32767.0 } else { 1.0 };
        out.extend_from_slice(&step.to_le_bytes());
        for w in &self.weights {
            out.extend_from_slice(&((w / step).round() as i16).to_le_bytes());
        }
        out
    }

    /// Parses what [`FilterBank::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = |why: &str| Error::Malformed(format!("sr filter bank: {why}"));
        let mut at = 0usize;
        let mut take = |n: usize| -> Result<&[u8]> {
            let s = bytes.get(at..at + n).ok_or_else(|| bad("truncated"))?;
            at += n;
            Ok(s)
        };
        if take(4)? != MAGIC {
            return Err(bad("bad magic"));
        }
        let mut u32s = [0u32; 6];
        for v in &mut u32s {
            *v = u32::from_le_bytes(take(4)?.try_into().map_err(|_| bad("truncated"))?);
        }
        let [version, scale, radius, angles, n_s, n_c] = u32s.map(|v| v as usize);
        if version != VERSION as usize || !(1..=8).contains(&scale) || radius > 8 || angles > 64 || n_s > 16 || n_c > 16
        {
            return Err(bad("unsupported header"));
        }
        let mut f32_at = |n: usize| -> Result<Vec<f32>> {
            (0..n)
                .map(|_| Ok(f32::from_le_bytes(take(4)?.try_into().map_err(|_| bad("truncated"))?)))
                .collect()
        };
        let strength_thresholds = f32_at(n_s)?;
        let coherence_thresholds = f32_at(n_c)?;
        let step = f32_at(1)?[0];
        let hashing = Hashing {
            angles,
            strength_thresholds,
            coherence_thresholds,
        };
        let count = hashing.buckets() * scale * scale * (2 * radius + 1) * (2 * radius + 1);
        let raw = bytes.get(at..at + 2 * count).ok_or_else(|| bad("truncated weights"))?;
        if bytes.len() != at + 2 * count {
            return Err(bad("trailing bytes"));
        }
        let weights = raw
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]) as f32 * step)
            .collect();
        Self::new(scale, radius, hashing, weights)
    }

    /// Upscales a plane by the bank's scale factor. The output is not clamped.
    pub fn upscale(&self, lr: &Plane) -> Plane {
        let s = self.scale;
        let r = self.radius;
        let (w, h) = (lr.width, lr.height);
        let buckets = buckets(lr, &self.hashing);
        // Pad so that every 8-lane load of a filter row stays inside the row.
        let pad = r.max(1);
        let padded = pad_right(lr, pad, self.row_stride);
        let out_w = w * s;
        let mut out = Plane::new(out_w, h * s);
        out.data
            .par_chunks_mut(out_w * s)
            .enumerate()
            .for_each(|(y, band)| self.upscale_row(&padded, pad, y, &buckets[y * w..(y + 1) * w], band));
        out
    }

    fn upscale_row(&self, padded: &Plane, pad: usize, y: usize, buckets: &[u16], band: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU supports the features the function was compiled for.
                unsafe { self.upscale_row_avx2(padded, pad, y, buckets, band) };
                return;
            }
        }
        self.upscale_row_generic(padded, pad, y, buckets, band);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn upscale_row_avx2(&self, padded: &Plane, pad: usize, y: usize, buckets: &[u16], band: &mut [f32]) {
        self.upscale_row_generic(padded, pad, y, buckets, band);
    }

    #[inline(always)]
    fn upscale_row_generic(&self, padded: &Plane, pad: usize, y: usize, buckets: &[u16], band: &mut [f32]) {
        let s = self.scale;
        let r = self.radius;
        let side = 2 * r + 1;
        let stride = self.row_stride;
        let chunks = stride / 8;
        let pw = padded.width;
        let out_w = buckets.len() * s;
        let filter_len = side * stride;
        let bucket_len = s * s * filter_len;
        // Rows y-r..=y+r of the plane are rows y+pad-r.. of the padded copy.
        let first_row = (y + pad - r) * pw;
        for (x, &bucket) in buckets.iter().enumerate() {
            let base = first_row + x + pad - r;
            let bank = &self.lanes[bucket as usize * bucket_len..(bucket as usize + 1) * bucket_len];
            for sub in 0..s * s {
                let filter = &bank[sub * filter_len..(sub + 1) * filter_len];
                let mut acc = [0.0f32; 8];
                for row in 0..side {
                    let src = &padded.data[base + row * pw..base + row * pw + stride];
                    let wrow = &filter[row * stride..(row + 1) * stride];
                    for c in 0..chunks {
                        let src8: &[f32; 8] = src[c * 8..c * 8 + 8].try_into().unwrap_or(&[0.0; 8]);
                        let w8: &[f32; 8] = wrow[c * 8..c * 8 + 8].try_into().unwrap_or(&[0.0; 8]);
                        for l in 0..8 {
                            acc[l] = src8[l].mul_add(w8[l], acc[l]);
                        }
                    }
                }
                let sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
                band[(sub / s) * out_w + x * s + sub % s] = sum;
            }
        }
    }
}

/// Edge-replicating padding of `pad` on every side plus enough extra columns on the right that a
/// `stride`-wide load starting at any filter window stays in the row.
fn pad_right(plane: &Plane, pad: usize, stride: usize) -> Plane {
    let extra = stride.saturating_sub(2 * pad + 1);
    let p = plane.padded(pad);
    if extra == 0 {
        return p;
    }
    let w = p.width + extra;
    let mut data = Vec::with_capacity(w * p.height);
    for y in 0..p.height {
        let row = p.row(y);
        data.extend_from_slice(row);
        data.extend(std::iter::repeat_n(row[row.len() - 1], extra));
    }
    Plane::from_vec(w, p.height, data)
}

/// Least-squares training of a [`FilterBank`].
pub mod train {
    use super::*;

    /// Training settings.
    #[derive(Clone, Debug)]
    pub struct Config {
        pub scale: usize,
        pub radius: usize,
        pub angles: usize,
        pub strength_bins: usize,
        pub coherence_bins: usize,
        /// Shrinkage of each bucket's filter towards the all-bucket filter, in samples' worth of evidence.
        pub prior_samples: f64,
        /// Use one pixel in `sample_stride` (on a diagonal lattice) to bound the training time.
        pub sample_stride: usize,
    }

    /// Normal equations per bucket: `Q = Σ p pᵀ` (shared by the sub-pixel positions) and `V = Σ p t` per position.
    struct Normal {
        taps: usize,
        subs: usize,
        q: Vec<f64>,
        v: Vec<f64>,
        count: Vec<u64>,
    }

    impl Normal {
        fn new(buckets: usize, taps: usize, subs: usize) -> Self {
            Self {
                taps,
                subs,
                q: vec![0.0; buckets * taps * taps],
                v: vec![0.0; buckets * subs * taps],
                count: vec![0; buckets],
            }
        }

        fn merge(mut self, other: Normal) -> Normal {
            self.q.iter_mut().zip(&other.q).for_each(|(a, b)| *a += b);
            self.v.iter_mut().zip(&other.v).for_each(|(a, b)| *a += b);
            self.count.iter_mut().zip(&other.count).for_each(|(a, b)| *a += b);
            self
        }
    }

    /// Thresholds at the 1/n, 2/n, ... quantiles of the strength and coherence over the training inputs.
    pub fn hashing_from_quantiles(lrs: &[&Plane], cfg: &Config) -> Hashing {
        let mut strengths = Vec::new();
        let mut coherences = Vec::new();
        for lr in lrs {
            let [a, b, c] = structure_tensor(lr);
            for i in (0..a.data.len()).step_by(5) {
                let (_, s, c) = tensor_features(a.data[i], b.data[i], c.data[i]);
                strengths.push(s);
                coherences.push(c);
            }
        }
        let quantiles = |v: &mut Vec<f32>, bins: usize| -> Vec<f32> {
            v.sort_by(|a, b| a.total_cmp(b));
            (1..bins)
                .map(|k| v.get(k * v.len() / bins).copied().unwrap_or(0.0))
                .collect()
        };
        Hashing {
            angles: cfg.angles,
            strength_thresholds: quantiles(&mut strengths, cfg.strength_bins),
            coherence_thresholds: quantiles(&mut coherences, cfg.coherence_bins),
        }
    }

    /// Fits a bank on (low-resolution, high-resolution) luma pairs; `hr` is exactly `scale` times `lr`.
    pub fn fit(pairs: &[(Plane, Plane)], hashing: Hashing, cfg: &Config) -> Result<FilterBank> {
        let s = cfg.scale;
        let r = cfg.radius;
        let side = 2 * r + 1;
        let taps = side * side;
        let nb = hashing.buckets();
        for (lr, hr) in pairs {
            if hr.width != lr.width * s || hr.height != lr.height * s {
                return Err(Error::InvalidArgument(
                    "training pair sizes do not match the scale".into(),
                ));
            }
        }
        // Fixed groups summed in a fixed order: the floating-point sums, hence the weights, are the same on
        // every run whatever the thread count.
        let groups: Vec<Normal> = pairs
            .par_chunks(8)
            .map(|group| {
                let mut acc = Normal::new(nb, taps, s * s);
                for (lr, hr) in group {
                    accumulate(&mut acc, lr, hr, &hashing, s, r, cfg.sample_stride.max(1));
                }
                acc
            })
            .collect();
        let normal = groups.into_iter().fold(Normal::new(nb, taps, s * s), Normal::merge);
        solve(&normal, nb, hashing, cfg)
    }

    fn accumulate(acc: &mut Normal, lr: &Plane, hr: &Plane, hashing: &Hashing, s: usize, r: usize, stride: usize) {
        let buckets = buckets(lr, hashing);
        let taps = acc.taps;
        let subs = acc.subs;
        let mut patch = vec![0.0f64; taps];
        // Skip the border where padding, not image, fills the window.
        let margin = r + 1;
        if lr.width <= 2 * margin || lr.height <= 2 * margin {
            return;
        }
        for y in margin..lr.height - margin {
            for x in margin..lr.width - margin {
                if (x + y) % stride != 0 {
                    continue;
                }
                let mut k = 0;
                for dy in 0..2 * r + 1 {
                    let row = lr.row(y + dy - r);
                    for dx in 0..2 * r + 1 {
                        patch[k] = row[x + dx - r] as f64;
                        k += 1;
                    }
                }
                let b = buckets[y * lr.width + x] as usize;
                acc.count[b] += 1;
                let q = &mut acc.q[b * taps * taps..(b + 1) * taps * taps];
                // Upper triangle only; mirrored when solving.
                for i in 0..taps {
                    let pi = patch[i];
                    let qrow = &mut q[i * taps..(i + 1) * taps];
                    for j in i..taps {
                        qrow[j] += pi * patch[j];
                    }
                }
                for sub in 0..subs {
                    let t = hr.data[(y * s + sub / s) * hr.width + x * s + sub % s] as f64;
                    let v = &mut acc.v[(b * subs + sub) * taps..(b * subs + sub + 1) * taps];
                    for i in 0..taps {
                        v[i] += patch[i] * t;
                    }
                }
            }
        }
    }

    fn solve(normal: &Normal, nb: usize, hashing: Hashing, cfg: &Config) -> Result<FilterBank> {
        let taps = normal.taps;
        let subs = normal.subs;
        let full = |b: usize| -> Vec<f64> {
            let q = &normal.q[b * taps * taps..(b + 1) * taps * taps];
            let mut m = vec![0.0; taps * taps];
            for i in 0..taps {
                for j in i..taps {
                    m[i * taps + j] = q[i * taps + j];
                    m[j * taps + i] = q[i * taps + j];
                }
            }
            m
        };
        // The all-bucket filter: the prior every bucket shrinks towards.
        let mut q_all = vec![0.0; taps * taps];
        let mut v_all = vec![0.0; subs * taps];
        for b in 0..nb {
            q_all.iter_mut().zip(full(b)).for_each(|(a, q)| *a += q);
            v_all
                .iter_mut()
                .zip(&normal.v[b * subs * taps..(b + 1) * subs * taps])
                .for_each(|(a, v)| *a += v);
        }
        let total: u64 = normal.count.iter().sum();
        if total == 0 {
            return Err(Error::InvalidArgument("no training samples".into()));
        }
        let mean_diag = (0..taps).map(|i| q_all[i * taps + i]).sum::<f64>() / taps as f64 / total as f64;
        let mut global = Vec::with_capacity(subs * taps);
        for sub in 0..subs {
            let mut q = q_all.clone();
            for i in 0..taps {
                q[i * taps + i] += 1e-6 * mean_diag * total as f64;
            }
            global.extend(cholesky_solve(&mut q, &v_all[sub * taps..(sub + 1) * taps], taps)?);
        }
        let mu = cfg.prior_samples * mean_diag;
        let mut weights = Vec::with_capacity(nb * subs * taps);
        for b in 0..nb {
            for sub in 0..subs {
                let mut q = full(b);
                let mut rhs: Vec<f64> = normal.v[(b * subs + sub) * taps..(b * subs + sub + 1) * taps].to_vec();
                for i in 0..taps {
                    q[i * taps + i] += mu;
                    rhs[i] += mu * global[sub * taps + i];
                }
                weights.extend(cholesky_solve(&mut q, &rhs, taps)?.into_iter().map(|w| w as f32));
            }
        }
        FilterBank::new(cfg.scale, cfg.radius, hashing, weights)
    }

    /// Solves `a x = b` for symmetric positive definite `a` (overwritten by its factor).
    fn cholesky_solve(a: &mut [f64], b: &[f64], n: usize) -> Result<Vec<f64>> {
        for j in 0..n {
            let mut d = a[j * n + j];
            for k in 0..j {
                d -= a[j * n + k] * a[j * n + k];
            }
            if d <= 0.0 {
                return Err(Error::InvalidArgument("training matrix not positive definite".into()));
            }
            let d = d.sqrt();
            a[j * n + j] = d;
            for i in j + 1..n {
                let mut v = a[i * n + j];
                for k in 0..j {
                    v -= a[i * n + k] * a[j * n + k];
                }
                a[i * n + j] = v / d;
            }
        }
        let mut y = b.to_vec();
        for i in 0..n {
            for k in 0..i {
                y[i] -= a[i * n + k] * y[k];
            }
            y[i] /= a[i * n + i];
        }
        for i in (0..n).rev() {
            for k in i + 1..n {
                y[i] -= a[k * n + i] * y[k];
            }
            y[i] /= a[i * n + i];
        }
        Ok(y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atan2_is_close() {
        for i in 0..360 {
            let t = (i as f32).to_radians() - std::f32::consts::PI + 0.001;
            let (y, x) = (t.sin() * 3.0, t.cos() * 3.0);
            assert!((fast_atan2(y, x) - y.atan2(x)).abs() < 0.003, "{t}");
        }
    }

    #[test]
    fn bytes_round_trip() {
        let hashing = Hashing {
            angles: 2,
            strength_thresholds: vec![0.1],
            coherence_thresholds: vec![],
        };
        let weights: Vec<f32> = (0..2 * 2 * 4 * 9).map(|i| (i as f32 - 30.0) / 50.0).collect();
        let bank = FilterBank::new(2, 1, hashing, weights).expect("valid");
        let back = FilterBank::from_bytes(&bank.to_bytes()).expect("parses");
        assert_eq!(back.hashing, bank.hashing);
        for (a, b) in back.weights.iter().zip(&bank.weights) {
            assert!((a - b).abs() < 1e-4);
        }
        assert!(FilterBank::from_bytes(&bank.to_bytes()[..20]).is_err());
    }
}
