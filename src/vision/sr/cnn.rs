//! The `quality` model's convolutional network: a small ESPCN/FSRCNN-class CNN on the low-resolution grid
//! that predicts, per low-resolution pixel, the `scale`² sub-pixel corrections to the `fast` model's output.
//!
//! Network (trained by `bench/sr/train.py`, see there): the input has `1 + scale²` channels (the LR luma and
//! the fast output pixel-unshuffled), then conv5x5 → 32 + PReLU, three conv3x3 32 → 32 + PReLU and a
//! conv3x3 32 → `scale²` whose output is pixel-shuffled and added to the fast output. Every convolution is
//! unpadded ("valid"); the input is padded once by the network's radius with edge replication (of LR pixels and
//! of whole unshuffled blocks of the fast output), so the result of a pixel depends only on its neighbourhood:
//! bands of rows are computed independently (in parallel, overlapping by the radius), and identical frames give
//! identical output (no flicker on static content).
//!
//! Weights file (little-endian, PyTorch's own layout so the export needs no reshuffling):
//! `b"RSRC"`, `u32` version (1), `u32` scale, `u32` layer count; per layer `u32` in_channels, out_channels,
//! kernel, has_prelu, then `f32` weight `[out][in][ky][kx]`, `f32` bias `[out]`, `f32` PReLU slopes `[out]`
//! when has_prelu.
//!
//! Inference is a direct convolution, channels-last: for each output pixel the accumulators of all output
//! channels live in registers, and the innermost loop runs over output channels with one fused multiply-add
//! per lane: written with AVX2+FMA intrinsics (chosen at run time; plain code, which LLVM vectorises less
//! well, elsewhere), several pixels sharing each weight load. At x2 on 960x540 that is about 0.39 s of CPU per
//! frame (one AVX2 core; 44 G multiply-adds/s). Every output value is summed in the same order on every path,
//! so the result does not depend on the CPU features or the thread count.
//!
//! Status: the 1000-step training tried so far gains only 0.003 dB on the fast model (Set5 x2), less than the
//! refinement bank, so the embedded `quality` weights are still banks; see `bench/sr/train.sh`.

use super::plane::Plane;
use crate::error::{Error, Result};
use rayon::prelude::*;

const MAGIC: &[u8; 4] = b"RSRC";
const VERSION: u32 = 1;
/// Low-resolution rows per parallel band: larger bands recompute less of the overlap (2 x radius rows per
/// layer), smaller ones balance better; 32 keeps the overlap near 10 % and a 540-row frame in 17 bands.
const BAND_ROWS: usize = 32;

/// One convolution layer, weights rearranged to `[ky][kx][in][out padded to OUT_LANES]`.
#[derive(Clone, Debug)]
struct Layer {
    inputs: usize,
    outputs: usize,
    kernel: usize,
    /// Output channels as stored (a multiple of 8, zero weights beyond `outputs`).
    lanes: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
    /// PReLU slopes (`None` on the last layer).
    slopes: Option<Vec<f32>>,
}

/// A trained network for one scale factor.
#[derive(Clone, Debug)]
pub struct Cnn {
    pub scale: usize,
    layers: Vec<Layer>,
    /// Sum of the kernels' radii: the padding the input needs.
    radius: usize,
}

impl Cnn {
    /// Parses a weights file (format in the module documentation) and checks that the layers chain up.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = |why: &str| Error::Malformed(format!("sr cnn weights: {why}"));
        let mut reader = Reader { rest: bytes };
        if reader.take(4).ok_or_else(|| bad("truncated"))? != MAGIC {
            return Err(bad("bad magic"));
        }
        let mut word = || reader.u32().ok_or_else(|| bad("truncated"));
        let (version, scale, count) = (word()?, word()?, word()?);
        if version != VERSION as usize || !(1..=8).contains(&scale) || !(1..=16).contains(&count) {
            return Err(bad("unsupported header"));
        }
        let mut layers = Vec::with_capacity(count);
        for i in 0..count {
            let mut word = || reader.u32().ok_or_else(|| bad("truncated"));
            let (inputs, outputs, kernel, prelu) = (word()?, word()?, word()?, word()? != 0);
            if !(1..=256).contains(&inputs) || !(1..=256).contains(&outputs) || kernel % 2 == 0 || kernel > 9 {
                return Err(bad("unsupported layer shape"));
            }
            if prelu == (i + 1 == count) {
                return Err(bad("PReLU expected on every layer but the last"));
            }
            let weight_count = outputs * inputs * kernel * kernel;
            let n = weight_count + outputs * (1 + prelu as usize);
            let values: Vec<f32> = reader
                .take(4 * n)
                .ok_or_else(|| bad("truncated"))?
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            let (torch_weights, rest) = values.split_at(weight_count);
            layers.push(Layer::from_torch(inputs, outputs, kernel, torch_weights, rest, prelu));
        }
        if !reader.rest.is_empty() {
            return Err(bad("trailing bytes"));
        }
        Self::new(scale, layers).map_err(|e| bad(&e))
    }

    fn new(scale: usize, layers: Vec<Layer>) -> std::result::Result<Self, String> {
        let first = layers.first().ok_or("no layers")?;
        if first.inputs != 1 + scale * scale {
            return Err(format!(
                "first layer takes {} channels, expected {}",
                first.inputs,
                1 + scale * scale
            ));
        }
        if layers.last().map(|l| l.outputs) != Some(scale * scale) {
            return Err("last layer must output scale² channels".into());
        }
        for pair in layers.windows(2) {
            if pair[0].outputs != pair[1].inputs {
                return Err("layer channel counts do not chain".into());
            }
            if !matches!(pair[0].lanes, 8 | 16 | 32) {
                return Err("hidden layers wider than 32 channels are not supported".into());
            }
        }
        if !matches!(layers[layers.len() - 1].lanes, 8 | 16 | 32) {
            return Err("too many output channels".into());
        }
        let radius = layers.iter().map(|l| l.kernel / 2).sum();
        Ok(Self { scale, layers, radius })
    }

    /// Number of trained parameters (weights, biases and PReLU slopes).
    pub fn parameters(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.outputs * (l.inputs * l.kernel * l.kernel + 1 + l.slopes.is_some() as usize))
            .sum()
    }

    /// `base` (the fast model's output for `lr`, `scale` times its size) plus the network's correction,
    /// clamped to [0, 1].
    pub fn refine(&self, lr: &Plane, base: &Plane) -> Result<Plane> {
        let s = self.scale;
        if base.width != lr.width * s || base.height != lr.height * s {
            return Err(Error::InvalidArgument(
                "sr cnn: base is not scale times the input".into(),
            ));
        }
        let (w, h) = (lr.width, lr.height);
        let out_w = w * s;
        let mut out = Plane::new(out_w, h * s);
        out.data
            .par_chunks_mut(out_w * s * BAND_ROWS)
            .enumerate()
            .for_each_init(Scratch::default, |scratch, (band, rows)| {
                let y0 = band * BAND_ROWS;
                let y1 = (y0 + BAND_ROWS).min(h);
                self.band(lr, base, y0, y1, scratch, rows);
            });
        Ok(out)
    }

    /// Computes output rows `y0..y1` (low-resolution) into `rows`, the matching high-resolution rows.
    fn band(&self, lr: &Plane, base: &Plane, y0: usize, y1: usize, scratch: &mut Scratch, rows: &mut [f32]) {
        let s = self.scale;
        let r = self.radius as isize;
        let channels = 1 + s * s;
        // The network input over rows y0-r..y1+r and columns -r..w+r, edge-replicated.
        let (mut in_w, mut in_h) = (lr.width + 2 * self.radius, y1 - y0 + 2 * self.radius);
        let input = &mut scratch.a;
        input.clear();
        input.resize(in_w * in_h * channels, 0.0);
        for (iy, row) in input.chunks_exact_mut(in_w * channels).enumerate() {
            let y = (y0 as isize + iy as isize - r).clamp(0, lr.height as isize - 1) as usize;
            for (ix, px) in row.chunks_exact_mut(channels).enumerate() {
                let x = (ix as isize - r).clamp(0, lr.width as isize - 1) as usize;
                px[0] = lr.data[y * lr.width + x];
                for dy in 0..s {
                    let brow = &base.data[(y * s + dy) * base.width..];
                    px[1 + dy * s..1 + (dy + 1) * s].copy_from_slice(&brow[x * s..x * s + s]);
                }
            }
        }
        let (mut src, mut dst) = (&mut scratch.a, &mut scratch.b);
        let mut src_channels = channels;
        for layer in &self.layers {
            let (out_w, out_h) = (in_w + 1 - layer.kernel, in_h + 1 - layer.kernel);
            dst.clear();
            dst.resize(out_w * out_h * layer.lanes, 0.0);
            layer.forward(src, in_w, src_channels, dst, out_w, out_h);
            (in_w, in_h) = (out_w, out_h);
            src_channels = layer.lanes;
            std::mem::swap(&mut src, &mut dst);
        }
        // `src` now holds the correction: (y1-y0) x w pixels of `lanes` channels, the first s² used.
        let lanes = src_channels;
        let out_w = lr.width * s;
        for y in 0..y1 - y0 {
            for x in 0..lr.width {
                let res = &src[(y * lr.width + x) * lanes..];
                for dy in 0..s {
                    let o = (y * s + dy) * out_w + x * s;
                    let b = ((y0 + y) * s + dy) * out_w + x * s;
                    for dx in 0..s {
                        rows[o + dx] = (base.data[b + dx] + res[dy * s + dx]).clamp(0.0, 1.0);
                    }
                }
            }
        }
    }
}

/// Reads a weights file front to back.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            return None;
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Some(head)
    }

    fn u32(&mut self) -> Option<usize> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
}

/// Per-thread feature-map buffers, reused across bands.
#[derive(Default)]
struct Scratch {
    a: Vec<f32>,
    b: Vec<f32>,
}

impl Layer {
    fn from_torch(inputs: usize, outputs: usize, kernel: usize, torch: &[f32], rest: &[f32], prelu: bool) -> Self {
        let lanes = outputs.div_ceil(8) * 8;
        let mut weights = vec![0.0; kernel * kernel * inputs * lanes];
        for o in 0..outputs {
            for i in 0..inputs {
                for ky in 0..kernel {
                    for kx in 0..kernel {
                        weights[((ky * kernel + kx) * inputs + i) * lanes + o] =
                            torch[((o * inputs + i) * kernel + ky) * kernel + kx];
                    }
                }
            }
        }
        let pad = |v: &[f32]| {
            let mut p = v.to_vec();
            p.resize(lanes, 0.0);
            p
        };
        Self {
            inputs,
            outputs,
            kernel,
            lanes,
            weights,
            bias: pad(&rest[..outputs]),
            slopes: prelu.then(|| pad(&rest[outputs..2 * outputs])),
        }
    }

    /// Valid convolution of `src` (`in_w` wide, `in_c` channels per pixel) into `dst` (`out_w` x `out_h`,
    /// `lanes` channels per pixel), then PReLU.
    fn forward(&self, src: &[f32], in_w: usize, in_c: usize, dst: &mut [f32], out_w: usize, out_h: usize) {
        assert!(
            src.len() >= (out_h + self.kernel - 1) * in_w * in_c
                && in_w + 1 - self.kernel >= out_w
                && in_c == self.inputs
                && dst.len() >= out_w * out_h * self.lanes
                && self.weights.len() == self.kernel * self.kernel * in_c * self.lanes
        );
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU has the features; the sizes were checked above.
                unsafe {
                    match self.lanes {
                        8 => avx2::forward::<1, 6>(self, src, in_w, dst, out_w, out_h),
                        16 => avx2::forward::<2, 4>(self, src, in_w, dst, out_w, out_h),
                        _ => avx2::forward::<4, 3>(self, src, in_w, dst, out_w, out_h),
                    }
                }
                return;
            }
        }
        self.forward_generic::<4>(src, in_w, in_c, dst, out_w, out_h);
    }

    #[inline(always)]
    fn forward_generic<const P: usize>(
        &self,
        src: &[f32],
        in_w: usize,
        in_c: usize,
        dst: &mut [f32],
        out_w: usize,
        out_h: usize,
    ) {
        match self.lanes {
            8 => self.rows::<8, P>(src, in_w, in_c, dst, out_w, out_h),
            16 => self.rows::<16, P>(src, in_w, in_c, dst, out_w, out_h),
            _ => self.rows::<32, P>(src, in_w, in_c, dst, out_w, out_h),
        }
    }

    #[inline(always)]
    fn rows<const L: usize, const P: usize>(
        &self,
        src: &[f32],
        in_w: usize,
        in_c: usize,
        dst: &mut [f32],
        out_w: usize,
        out_h: usize,
    ) {
        let bias: &[f32; L] = self.bias[..L].try_into().expect("bias padded to the lanes");
        for y in 0..out_h {
            let window = &src[y * in_w * in_c..(y + self.kernel) * in_w * in_c];
            let out_row = &mut dst[y * out_w * L..(y + 1) * out_w * L];
            let mut x = 0;
            while x + P <= out_w {
                let acc = self.pixels::<L, P>(window, in_w, in_c, x, bias);
                self.store::<L, P>(&acc, &mut out_row[x * L..(x + P) * L]);
                x += P;
            }
            while x < out_w {
                let acc = self.pixels::<L, 1>(window, in_w, in_c, x, bias);
                self.store::<L, 1>(&acc, &mut out_row[x * L..(x + 1) * L]);
                x += 1;
            }
        }
    }

    /// The pre-activation outputs of `P` neighbouring pixels starting at column `x`: each weight vector is
    /// loaded once for all `P`.
    #[inline(always)]
    fn pixels<const L: usize, const P: usize>(
        &self,
        window: &[f32],
        in_w: usize,
        in_c: usize,
        x: usize,
        bias: &[f32; L],
    ) -> [[f32; L]; P] {
        let k = self.kernel;
        let mut acc = [*bias; P];
        for ky in 0..k {
            for kx in 0..k {
                let start = (ky * in_w + x + kx) * in_c;
                let src = &window[start..start + P * in_c];
                let taps = &self.weights[(ky * k + kx) * in_c * L..(ky * k + kx + 1) * in_c * L];
                for (c, w) in taps.chunks_exact(L).enumerate() {
                    let w: &[f32; L] = w.try_into().expect("chunks of L");
                    for (p, acc) in acc.iter_mut().enumerate() {
                        let v = src[p * in_c + c];
                        for l in 0..L {
                            acc[l] = v.mul_add(w[l], acc[l]);
                        }
                    }
                }
            }
        }
        acc
    }

    #[inline(always)]
    fn store<const L: usize, const P: usize>(&self, acc: &[[f32; L]; P], out: &mut [f32]) {
        match &self.slopes {
            Some(slopes) => {
                let slopes: &[f32; L] = slopes[..L].try_into().expect("slopes padded to the lanes");
                for (p, a) in acc.iter().enumerate() {
                    for l in 0..L {
                        out[p * L + l] = if a[l] >= 0.0 { a[l] } else { a[l] * slopes[l] };
                    }
                }
            }
            None => out.copy_from_slice(acc.as_flattened()),
        }
    }
}

/// The AVX2 + FMA kernel: `P` pixels x `V` vectors of 8 output channels of accumulators in registers, one
/// broadcast per input value and pixel, one weight load per 8 channels shared by the `P` pixels. Each lane sums
/// in the same order as [`Layer::pixels`] with the same fused multiply-adds, so the results are identical.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::Layer;
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU must support AVX2 and FMA, and the sizes must be as [`Layer::forward`] asserts.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn forward<const V: usize, const P: usize>(
        layer: &Layer,
        src: &[f32],
        in_w: usize,
        dst: &mut [f32],
        out_w: usize,
        out_h: usize,
    ) {
        let lanes = 8 * V;
        let in_c = layer.inputs;
        for y in 0..out_h {
            let mut x = 0;
            // SAFETY (both calls): rows y..y+kernel and columns x..x+P+kernel-1 are inside `src`, and pixels
            // x..x+P of row y inside `dst`, by the caller's size checks.
            unsafe {
                let row = src.as_ptr().add(y * in_w * in_c);
                let out = dst.as_mut_ptr().add(y * out_w * lanes);
                while x + P <= out_w {
                    block::<V, P>(layer, row.add(x * in_c), in_w, out.add(x * lanes));
                    x += P;
                }
                while x < out_w {
                    block::<V, 1>(layer, row.add(x * in_c), in_w, out.add(x * lanes));
                    x += 1;
                }
            }
        }
    }

    // Explicit indices: the accumulator grid is the register blocking, clearer as [pixel][vector].
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    unsafe fn block<const V: usize, const P: usize>(layer: &Layer, src: *const f32, in_w: usize, out: *mut f32) {
        let (k, in_c, lanes) = (layer.kernel, layer.inputs, 8 * V);
        // SAFETY: pointers stay inside the buffers as `forward` documents; the weights hold k*k*in_c*lanes.
        unsafe {
            let bias = layer.bias.as_ptr();
            let mut acc = [[_mm256_setzero_ps(); V]; P];
            for a in acc.iter_mut() {
                for (v, a) in a.iter_mut().enumerate() {
                    *a = _mm256_loadu_ps(bias.add(v * 8));
                }
            }
            let weights = layer.weights.as_ptr();
            for ky in 0..k {
                for kx in 0..k {
                    let s = src.add((ky * in_w + kx) * in_c);
                    let w = weights.add((ky * k + kx) * in_c * lanes);
                    for c in 0..in_c {
                        let mut b = [_mm256_setzero_ps(); P];
                        for (p, b) in b.iter_mut().enumerate() {
                            *b = _mm256_broadcast_ss(&*s.add(p * in_c + c));
                        }
                        for v in 0..V {
                            let wv = _mm256_loadu_ps(w.add(c * lanes + v * 8));
                            for p in 0..P {
                                acc[p][v] = _mm256_fmadd_ps(b[p], wv, acc[p][v]);
                            }
                        }
                    }
                }
            }
            match &layer.slopes {
                Some(slopes) => {
                    let zero = _mm256_setzero_ps();
                    for (p, a) in acc.iter().enumerate() {
                        for (v, &a) in a.iter().enumerate() {
                            let scaled = _mm256_mul_ps(a, _mm256_loadu_ps(slopes.as_ptr().add(v * 8)));
                            let keep = _mm256_cmp_ps::<_CMP_GE_OQ>(a, zero);
                            _mm256_storeu_ps(out.add(p * lanes + v * 8), _mm256_blendv_ps(scaled, a, keep));
                        }
                    }
                }
                None => {
                    for (p, a) in acc.iter().enumerate() {
                        for (v, &a) in a.iter().enumerate() {
                            _mm256_storeu_ps(out.add(p * lanes + v * 8), a);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layer as PyTorch holds it: (inputs, outputs, kernel, weight OIHW, bias, PReLU slopes).
    type TorchLayer = (usize, usize, usize, Vec<f32>, Vec<f32>, Option<Vec<f32>>);

    /// Deterministic pseudo-random values in [-amplitude, amplitude].
    fn values(seed: &mut u64, n: usize, amplitude: f32) -> Vec<f32> {
        (0..n)
            .map(|_| {
                *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((*seed >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * amplitude
            })
            .collect()
    }

    fn tiny_net(scale: usize) -> Vec<TorchLayer> {
        let mut seed = 7;
        // 32-wide hidden layers as in the shipped architecture; 4 or 9 outputs exercise the 8 and 16 lanes.
        let shapes = [(1 + scale * scale, 32, 5), (32, 32, 3), (32, scale * scale, 3)];
        shapes
            .iter()
            .enumerate()
            .map(|(i, &(inputs, outputs, kernel))| {
                // Scaled by the fan-in so activations stay near 1 and the output is mostly not clamped.
                let fan_in = (inputs * kernel * kernel) as f32;
                let w = values(&mut seed, outputs * inputs * kernel * kernel, 1.0 / fan_in.sqrt());
                let b = values(&mut seed, outputs, 0.1);
                let slopes = (i + 1 < shapes.len()).then(|| values(&mut seed, outputs, 0.5));
                (inputs, outputs, kernel, w, b, slopes)
            })
            .collect()
    }

    fn to_bytes(scale: usize, layers: &[TorchLayer]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        for v in [VERSION, scale as u32, layers.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for (i, o, k, w, b, p) in layers {
            for v in [*i, *o, *k, p.is_some() as usize] {
                out.extend_from_slice(&(v as u32).to_le_bytes());
            }
            for v in w.iter().chain(b).chain(p.iter().flatten()) {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out
    }

    /// The network computed the plain way (planar, f64, clamped indexing for the padding).
    fn reference(scale: usize, layers: &[TorchLayer], lr: &Plane, base: &Plane) -> Vec<f32> {
        let radius: usize = layers.iter().map(|l| l.2 / 2).sum();
        let (mut w, mut h) = (lr.width + 2 * radius, lr.height + 2 * radius);
        let mut maps: Vec<Vec<f64>> = (0..1 + scale * scale)
            .map(|c| {
                let mut m = vec![0.0; w * h];
                for y in 0..h {
                    for x in 0..w {
                        let ly = (y as isize - radius as isize).clamp(0, lr.height as isize - 1);
                        let lx = (x as isize - radius as isize).clamp(0, lr.width as isize - 1);
                        m[y * w + x] = if c == 0 {
                            lr.clamped(lx, ly) as f64
                        } else {
                            let (dy, dx) = ((c - 1) / scale, (c - 1) % scale);
                            base.clamped(lx * scale as isize + dx as isize, ly * scale as isize + dy as isize) as f64
                        };
                    }
                }
                m
            })
            .collect();
        for (inputs, outputs, k, wt, b, slopes) in layers {
            let (ow, oh) = (w + 1 - k, h + 1 - k);
            let mut next = vec![vec![0.0f64; ow * oh]; *outputs];
            for (o, plane) in next.iter_mut().enumerate() {
                for y in 0..oh {
                    for x in 0..ow {
                        let mut acc = b[o] as f64;
                        for (i, map) in maps.iter().enumerate().take(*inputs) {
                            for ky in 0..*k {
                                for kx in 0..*k {
                                    acc += wt[((o * inputs + i) * k + ky) * k + kx] as f64 * map[(y + ky) * w + x + kx];
                                }
                            }
                        }
                        if let Some(s) = slopes
                            && acc < 0.0
                        {
                            acc *= s[o] as f64;
                        }
                        plane[y * ow + x] = acc;
                    }
                }
            }
            (maps, w, h) = (next, ow, oh);
        }
        let ow = lr.width * scale;
        let mut out = vec![0.0; ow * lr.height * scale];
        for (i, v) in out.iter_mut().enumerate() {
            let (y, x) = (i / ow, i % ow);
            let c = (y % scale) * scale + x % scale;
            let res = maps[c][(y / scale) * w + x / scale];
            *v = (base.data[i] as f64 + res).clamp(0.0, 1.0) as f32;
        }
        out
    }

    fn sample(w: usize, h: usize, scale: usize) -> (Plane, Plane) {
        let lr = Plane::from_vec(w, h, (0..w * h).map(|i| (i * 37 % 101) as f32 / 100.0).collect());
        let base = super::super::resample::resize(&lr, w * scale, h * scale, super::super::resample::Kernel::Bicubic);
        (lr, base)
    }

    #[test]
    fn matches_the_plain_computation_across_bands() {
        for scale in [2, 3] {
            let layers = tiny_net(scale);
            let cnn = Cnn::from_bytes(&to_bytes(scale, &layers)).expect("parses");
            assert_eq!(
                cnn.parameters(),
                layers
                    .iter()
                    .map(|l| l.3.len() + l.4.len() + l.5.as_ref().map_or(0, Vec::len))
                    .sum::<usize>()
            );
            // Taller than one band, and a width that leaves a remainder after the pixel blocks.
            let (lr, base) = sample(13, BAND_ROWS + 5, scale);
            let ours = cnn.refine(&lr, &base).expect("runs");
            let expected = reference(scale, &layers, &lr, &base);
            let worst = ours
                .data
                .iter()
                .zip(&expected)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-5, "x{scale}: {worst}");
            let inside = ours
                .data
                .iter()
                .zip(&base.data)
                .filter(|&(&o, &b)| o > 0.01 && o < 0.99 && (o - b).abs() > 1e-3);
            assert!(
                inside.count() > ours.data.len() / 2,
                "x{scale}: a real correction, mostly unclamped"
            );
            assert_eq!(ours, cnn.refine(&lr, &base).expect("runs"), "deterministic");
        }
    }

    #[test]
    fn simd_and_plain_kernels_agree_exactly() {
        let cnn = Cnn::from_bytes(&to_bytes(2, &tiny_net(2))).expect("parses");
        let mut seed = 3;
        let (in_w, in_h) = (15, 6);
        for layer in &cnn.layers {
            let src = values(&mut seed, in_w * in_h * layer.inputs, 1.0);
            let (out_w, out_h) = (in_w + 1 - layer.kernel, in_h + 1 - layer.kernel);
            let mut fast = vec![0.0; out_w * out_h * layer.lanes];
            let mut plain = fast.clone();
            layer.forward(&src, in_w, layer.inputs, &mut fast, out_w, out_h);
            layer.forward_generic::<4>(&src, in_w, layer.inputs, &mut plain, out_w, out_h);
            assert_eq!(fast, plain);
        }
    }

    #[test]
    fn rejects_malformed_weights() {
        let layers = tiny_net(2);
        let bytes = to_bytes(2, &layers);
        assert!(Cnn::from_bytes(&bytes[..bytes.len() - 4]).is_err());
        assert!(Cnn::from_bytes(&[bytes.as_slice(), &[0]].concat()).is_err());
        assert!(Cnn::from_bytes(b"RSRF").is_err());
        // A scale that does not match the channel counts.
        assert!(Cnn::from_bytes(&to_bytes(3, &layers)).is_err());
        let (lr, base) = sample(10, 10, 2);
        let cnn = Cnn::from_bytes(&bytes).expect("parses");
        assert!(cnn.refine(&lr, &Plane::new(19, 20)).is_err());
        assert!(cnn.refine(&lr, &base).is_ok());
    }
}
