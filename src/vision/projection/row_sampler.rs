//! Bilinear sampling of one output row along straight lines of source positions (16.16 fixed point), the inner
//! loop of head-tracked viewports: an exact-integer scalar kernel for every sample type, and for 8-bit planes an
//! AVX2 kernel that gives bit-identical results (16-byte row loads and byte shuffles where 8 pixels' taps lie
//! close together, as they do almost everywhere in a viewport; two gathers per 8 pixels elsewhere).
//!
//! Positions wrap across the equirect seam (x) and clamp at the poles (y). Weights are the position's fraction
//! in 1/256 steps, so the blend is pure integer arithmetic and the same on every path.

use super::plane::{PlaneRef, Sample};

/// A stretch of an output row whose source positions step linearly: `n` pixels from column `begin`, the first
/// sampled at (`x`, `y`) and each next one (`dx`, `dy`) further (16.16 fixed point, pixel centres at integers).
/// Positions are computed with wrapping arithmetic: a wild line samples wrong pixels, never out of bounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Line {
    pub begin: usize,
    pub n: usize,
    pub x: i32,
    pub dx: i32,
    pub y: i32,
    pub dy: i32,
}

/// Bilinear samples of `src` along `lines` into `out` (a line that does not fit in `out` is skipped).
pub fn sample_lines_scalar<T: Sample>(src: &PlaneRef<'_, T>, lines: &[Line], out: &mut [T]) {
    for line in lines {
        if let Some(run) = out.get_mut(line.begin..line.begin.saturating_add(line.n)) {
            sample_line_scalar(src, line, 0, run);
        }
    }
}

/// Samples `run` (pixels `from..` of `line`).
#[inline(always)]
fn sample_line_scalar<T: Sample>(src: &PlaneRef<'_, T>, line: &Line, from: usize, run: &mut [T]) {
    let (w, h, s, d) = (src.width, src.height, src.stride, src.data);
    let mut fx = line_start_x(line, w).wrapping_add(line.dx.wrapping_mul(from as i32));
    let mut fy = line.y.wrapping_add(line.dy.wrapping_mul(from as i32));
    for px in run {
        let (x, y) = (fx >> 16, fy >> 16);
        // Away from the seam and the last row (the common case) all four taps are plain neighbours.
        *px = if x >= 0 && y >= 0 && (x as usize) + 1 < w && (y as usize) + 1 < h {
            let i = y as usize * s + x as usize;
            match (d.get(i..i + 2), d.get(i + s..i + s + 2)) {
                (Some(top), Some(bottom)) => T::blend4([top[0], top[1], bottom[0], bottom[1]], weights(fx, fy)),
                _ => sample_wrapped(src, fx, fy),
            }
        } else {
            sample_wrapped(src, fx, fy)
        };
        fx = fx.wrapping_add(line.dx);
        fy = fy.wrapping_add(line.dy);
    }
}

/// The line's first x, shifted by whole turns into the plane (0..width): sampling wraps with that period, so
/// nothing changes but lines that start beyond the seam (unwrapped cell corners) stay off the slow path.
#[inline(always)]
fn line_start_x(line: &Line, width: usize) -> i32 {
    let turn = (width as i64) << 16;
    if turn == 0 || (0..turn).contains(&(line.x as i64)) {
        return line.x;
    }
    (line.x as i64).rem_euclid(turn) as i32
}

/// The four bilinear weights (summing to 65536) of a 16.16 position's fractions, in 1/256 steps.
#[inline(always)]
fn weights(fx: i32, fy: i32) -> [u32; 4] {
    let (ax, ay) = (((fx >> 8) & 0xff) as u32, ((fy >> 8) & 0xff) as u32);
    [(256 - ax) * (256 - ay), ax * (256 - ay), (256 - ax) * ay, ax * ay]
}

/// One bilinear sample at a 16.16 position, wrapping across the equirect seam and clamping at the poles;
/// a plane that is not consistent (too short for its size) reads as zero where it is missing.
pub fn sample_wrapped<T: Sample>(src: &PlaneRef<'_, T>, fx: i32, fy: i32) -> T {
    let (w, h) = (src.width.max(1) as i64, src.height.max(1) as i64);
    let x0 = ((fx >> 16) as i64).rem_euclid(w);
    let x1 = if x0 + 1 >= w { 0 } else { x0 + 1 };
    let y0 = (fy >> 16) as i64;
    let (ya, yb) = (y0.clamp(0, h - 1), (y0 + 1).clamp(0, h - 1));
    let s = src.stride as i64;
    let at = |x: i64, y: i64| src.data.get((y * s + x) as usize).copied().unwrap_or_default();
    T::blend4([at(x0, ya), at(x1, ya), at(x0, yb), at(x1, yb)], weights(fx, fy))
}

/// [`sample_lines_scalar`] for 8-bit planes, with the AVX2 kernel where the CPU has it; `N` planes of the same
/// size and stride (the two chroma planes) share the positions' arithmetic.
pub fn sample_lines_u8<const N: usize>(srcs: [&PlaneRef<'_, u8>; N], lines: &[Line], outs: [&mut [u8]; N]) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (detected just above), the only requirement of the target feature.
        unsafe { avx2::sample_lines_u8(srcs, lines, outs) };
        return;
    }
    for (src, out) in srcs.into_iter().zip(outs) {
        sample_lines_scalar(src, lines, out);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Line, PlaneRef, sample_line_scalar, sample_lines_scalar};
    use std::arch::x86_64::*;

    /// AVX2 version of [`super::sample_lines_scalar`] for `N` 8-bit planes of one size, bit-identical to it.
    /// Runs of 8 pixels whose four taps all lie inside the plane (not at the seam, not on the last row) and within
    /// 16 columns and 7 rows of each other load those rows and pick the taps with byte shuffles; other runs
    /// inside the plane take two gathers of four bytes per plane; the rest, and the last few pixels of a line, go
    /// to the scalar kernel.
    #[target_feature(enable = "avx2")]
    pub fn sample_lines_u8<const N: usize>(srcs: [&PlaneRef<'_, u8>; N], lines: &[Line], mut outs: [&mut [u8]; N]) {
        let Some(src) = srcs.first().copied() else {
            return;
        };
        // Gather offsets are i32: larger planes (and inconsistent ones) take the scalar path, as do planes whose
        // sizes differ (one offset per pixel serves them all).
        if srcs.iter().any(|p| {
            !p.is_consistent()
                || p.data.len() > i32::MAX as usize
                || (p.width, p.height, p.stride) != (src.width, src.height, src.stride)
        }) || src.width < 4
            || src.height < 2
        {
            for (src, out) in srcs.into_iter().zip(outs) {
                sample_lines_scalar(src, lines, out);
            }
            return;
        }
        let (w, h, s) = (src.width as i32, src.height as i32, src.stride as i32);
        // A gather reads four bytes from x: x + 3 < w keeps them inside the row (on the last row inside the
        // data, whose length may end right after that row's `width` samples), y + 1 < h the row below.
        let x_last = _mm256_set1_epi32(w - 4);
        let y_last = _mm256_set1_epi32(h - 2);
        let stride = _mm256_set1_epi32(s);
        let frac_mask = _mm256_set1_epi32(0xff);
        let one = _mm256_set1_epi32(256);
        let round = _mm256_set1_epi32(32768);
        let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let one_px = _mm256_set1_epi32(1);
        // Bytes 0 and 1 of every 32-bit lane (the tap and its right neighbour) to two 16-bit lanes.
        let pair = _mm256_setr_epi8(
            0, -1, 1, -1, 4, -1, 5, -1, 8, -1, 9, -1, 12, -1, 13, -1, 0, -1, 1, -1, 4, -1, 5, -1, 8, -1, 9, -1, 12, -1,
            13, -1,
        );
        // The low byte of every 32-bit lane to the front of its 128-bit half, then both halves' to the front.
        let low_bytes = _mm256_setr_epi8(
            0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1,
            -1, -1, -1, -1,
        );
        let halves = _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1);
        let bases = srcs.map(|p| p.data.as_ptr());
        for line in lines {
            let (begin, end) = (line.begin, line.begin.saturating_add(line.n));
            if outs.iter().any(|out| end > out.len()) {
                continue;
            }
            let n = end - begin;
            let start_x = super::line_start_x(line, src.width);
            // Positions of the next 8 pixels, advanced 8 steps at a time.
            let mut fx = _mm256_add_epi32(
                _mm256_set1_epi32(start_x),
                _mm256_mullo_epi32(lanes, _mm256_set1_epi32(line.dx)),
            );
            let mut fy = _mm256_add_epi32(
                _mm256_set1_epi32(line.y),
                _mm256_mullo_epi32(lanes, _mm256_set1_epi32(line.dy)),
            );
            let (dx8, dy8) = (
                _mm256_set1_epi32(line.dx.wrapping_mul(8)),
                _mm256_set1_epi32(line.dy.wrapping_mul(8)),
            );
            // The same positions as scalars, for lanes 0 and 7.
            let (mut sx, mut sy) = (start_x, line.y);
            let (dx7, dy7) = (line.dx.wrapping_mul(7), line.dy.wrapping_mul(7));
            let (dx8s, dy8s) = (line.dx.wrapping_mul(8), line.dy.wrapping_mul(8));
            let mut k = 0;
            while k + 8 <= n {
                let (x, y) = (_mm256_srai_epi32::<16>(fx), _mm256_srai_epi32::<16>(fy));
                // Unsigned x <= w - 4 and y <= h - 2 (negative values are huge unsigned).
                let ok_x = _mm256_cmpeq_epi32(_mm256_max_epu32(x, x_last), x_last);
                let ok_y = _mm256_cmpeq_epi32(_mm256_max_epu32(y, y_last), y_last);
                let inside = _mm256_movemask_epi8(_mm256_and_si256(ok_x, ok_y)) == -1;
                // The eight positions lie on a line, so their extremes are at its ends (pixels k and k + 7).
                let (x_a, x_b) = (sx >> 16, sx.wrapping_add(dx7) >> 16);
                let (y_a, y_b) = (sy >> 16, sy.wrapping_add(dy7) >> 16);
                let (x_min, x_max) = (x_a.min(x_b), x_a.max(x_b));
                let (y_min, y_max) = (y_a.min(y_b), y_a.max(y_b));
                if !inside {
                    for (src, out) in srcs.iter().zip(outs.iter_mut()) {
                        sample_line_scalar(src, line, k, &mut out[begin + k..begin + k + 8]);
                    }
                } else if x_max - x_min <= 14 && y_max - y_min <= 5 && x_min + 16 <= w {
                    // Compact: every tap lies in 16 bytes of rows y_min..=y_max + 1 (at most seven), so row loads
                    // and byte shuffles replace the gathers. Byte pair i of `pick` is (x_i - x_min, x_i - x_min + 1);
                    // lane i of `row` is y_i - y_min, the row (of those loaded) of its top taps.
                    let rel = _mm256_sub_epi32(x, _mm256_set1_epi32(x_min));
                    let pairs = _mm256_add_epi32(rel, _mm256_slli_epi32::<8>(_mm256_add_epi32(rel, one_px)));
                    let row = _mm256_sub_epi32(y, _mm256_set1_epi32(y_min));
                    // Packed per 128-bit half to [pairs 0-3, row 0-3 | pairs 4-7, row 4-7], then reordered.
                    let packed = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(pairs, row));
                    let pick = _mm256_castsi256_si128(packed);
                    let row = _mm256_extracti128_si256::<1>(packed);
                    let ax = _mm256_and_si256(_mm256_srai_epi32::<8>(fx), frac_mask);
                    let ay = _mm256_and_si256(_mm256_srai_epi32::<8>(fy), frac_mask);
                    let wx = _mm256_or_si256(_mm256_sub_epi32(one, ax), _mm256_slli_epi32::<16>(ax));
                    let wy = _mm256_sub_epi32(one, ay);
                    let at = y_min as usize * s as usize + x_min as usize;
                    let (span, s) = ((y_max - y_min) as usize, s as usize);
                    for (base, out) in bases.iter().zip(outs.iter_mut()) {
                        // SAFETY: 0 <= x_min, x_min + 16 <= w, and the rows read are y_min..=y_max + 1, at most
                        // h - 1 (every lane has y <= h - 2, checked above), so each 16-byte load ends at or before
                        // (h - 1) * s + w, inside every consistent plane's data.
                        let load = |j: usize| unsafe {
                            _mm_shuffle_epi8(_mm_loadu_si128(base.add(at + j * s) as *const __m128i), pick)
                        };
                        // Lanes whose top row is j or later take row j on top and row j + 1 below. Spans of 0 and
                        // 1 (nearly level lines, the common case) take three rows without a branch: the third
                        // repeats the second when no lane needs it.
                        let (t0, t1) = (load(0), load(1));
                        let t2 = load((span + 1).min(2));
                        let later = _mm_cmpgt_epi16(row, _mm_setzero_si128());
                        let mut top = _mm_blendv_epi8(t0, t1, later);
                        let mut bottom = _mm_blendv_epi8(t1, t2, later);
                        if span > 1 {
                            let mut row_j = t2;
                            for j in 2..=span {
                                let next = load(j + 1);
                                let later = _mm_cmpgt_epi16(row, _mm_set1_epi16(j as i16 - 1));
                                top = _mm_blendv_epi8(top, row_j, later);
                                bottom = _mm_blendv_epi8(bottom, next, later);
                                row_j = next;
                            }
                        }
                        let top = _mm256_madd_epi16(_mm256_cvtepu8_epi16(top), wx);
                        let bottom = _mm256_madd_epi16(_mm256_cvtepu8_epi16(bottom), wx);
                        let sum = _mm256_add_epi32(_mm256_mullo_epi32(top, wy), _mm256_mullo_epi32(bottom, ay));
                        let result = _mm256_srli_epi32::<16>(_mm256_add_epi32(sum, round));
                        let packed = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(result, low_bytes), halves);
                        let bytes = _mm_cvtsi128_si64(_mm256_castsi256_si128(packed)).to_le_bytes();
                        out[begin + k..begin + k + 8].copy_from_slice(&bytes);
                    }
                } else {
                    let index = _mm256_add_epi32(_mm256_mullo_epi32(y, stride), x);
                    let ax = _mm256_and_si256(_mm256_srai_epi32::<8>(fx), frac_mask);
                    let ay = _mm256_and_si256(_mm256_srai_epi32::<8>(fy), frac_mask);
                    // 16-bit weight pairs (256 - ax, ax): one multiply-add blends a row's two taps.
                    let wx = _mm256_or_si256(_mm256_sub_epi32(one, ax), _mm256_slli_epi32::<16>(ax));
                    let wy = _mm256_sub_epi32(one, ay);
                    for (base, out) in bases.iter().zip(outs.iter_mut()) {
                        // SAFETY: every lane satisfies 0 <= x <= w - 4 and 0 <= y <= h - 2 (checked above), so the
                        // four bytes read at y * s + x and at (y + 1) * s + x end at or before (h - 1) * s + w - 1,
                        // inside every (consistent, same-sized) plane's data; the offsets fit i32 because the data
                        // lengths do.
                        let (top, bottom) = unsafe {
                            (
                                _mm256_i32gather_epi32::<1>(*base as *const i32, index),
                                _mm256_i32gather_epi32::<1>(base.add(s as usize) as *const i32, index),
                            )
                        };
                        let top = _mm256_madd_epi16(_mm256_shuffle_epi8(top, pair), wx);
                        let bottom = _mm256_madd_epi16(_mm256_shuffle_epi8(bottom, pair), wx);
                        // At most 65280 * 256 per product: no overflow of 32-bit lanes.
                        let sum = _mm256_add_epi32(_mm256_mullo_epi32(top, wy), _mm256_mullo_epi32(bottom, ay));
                        let result = _mm256_srli_epi32::<16>(_mm256_add_epi32(sum, round));
                        let packed = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(result, low_bytes), halves);
                        let bytes = _mm_cvtsi128_si64(_mm256_castsi256_si128(packed)).to_le_bytes();
                        out[begin + k..begin + k + 8].copy_from_slice(&bytes);
                    }
                }
                fx = _mm256_add_epi32(fx, dx8);
                fy = _mm256_add_epi32(fy, dy8);
                sx = sx.wrapping_add(dx8s);
                sy = sy.wrapping_add(dy8s);
                k += 8;
            }
            if k < n {
                for (src, out) in srcs.iter().zip(outs.iter_mut()) {
                    sample_line_scalar(src, line, k, &mut out[begin + k..end]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::projection::Plane;

    /// A deterministic pseudo-random sequence (xorshift), for positions and pixels.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn the_fast_kernel_matches_the_scalar_one_everywhere() {
        let (w, h) = (67, 31);
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut plane = Plane::new(w, h, 0u8);
        plane.data.iter_mut().for_each(|p| *p = xorshift(&mut seed) as u8);
        let src = plane.as_ref();
        // A second plane of the same size, sampled together with the first (as the two chroma planes are).
        let mut other = Plane::new(w, h, 0u8);
        other.data.iter_mut().for_each(|p| *p = xorshift(&mut seed) as u8);
        let jitter = |seed: &mut u64, span: f64| (xorshift(seed) % 1_000_000) as f64 / 1e6 * span;
        // Lines inside the plane, across the seam, beyond the poles and right at the last row and column, of
        // every length around the vector width, packed into rows of 200 pixels.
        for row in 0..200 {
            let mut lines = Vec::new();
            let mut begin = 0;
            while begin < 200 {
                let n = (1 + (xorshift(&mut seed) % 40) as usize).min(200 - begin);
                let (x0, y0) = match xorshift(&mut seed) % 4 {
                    0 => (2.0, 2.0),
                    1 => (w as f64 - 6.0, h as f64 - 3.0),
                    2 => (-3.0, -2.0),
                    _ => ((w - 1) as f64, (h - 1) as f64),
                };
                let (sx, sy) = (x0 + jitter(&mut seed, 3.0), y0 + jitter(&mut seed, 1.5));
                // Vertical steps from nearly flat to steep (taps over up to 5 rows per 8 pixels, and beyond).
                let dy_span = [0.2, 0.6, 1.2, 2.0][(xorshift(&mut seed) % 4) as usize];
                let (dx, dy) = (jitter(&mut seed, 1.2) - 0.3, jitter(&mut seed, dy_span) - dy_span / 2.0);
                lines.push(Line {
                    begin,
                    n,
                    x: (sx * 65536.0) as i32,
                    dx: (dx * 65536.0) as i32,
                    y: (sy * 65536.0) as i32,
                    dy: (dy * 65536.0) as i32,
                });
                begin += n;
            }
            let mut fast = vec![0u8; 200];
            let mut slow = vec![1u8; 200];
            sample_lines_u8([&src], &lines, [&mut fast]);
            sample_lines_scalar(&src, &lines, &mut slow);
            assert_eq!(fast, slow, "row {row}");
            let (mut fast_a, mut fast_b, mut slow_b) = (vec![0u8; 200], vec![0u8; 200], vec![1u8; 200]);
            sample_lines_u8([&src, &other.as_ref()], &lines, [&mut fast_a, &mut fast_b]);
            sample_lines_scalar(&other.as_ref(), &lines, &mut slow_b);
            assert_eq!((fast_a, fast_b), (slow.clone(), slow_b), "row {row}, two planes");
            for line in &lines {
                for k in 0..line.n {
                    let (fx, fy) = (line.x + line.dx * k as i32, line.y + line.dy * k as i32);
                    assert_eq!(slow[line.begin + k], sample_wrapped(&src, fx, fy), "row {row}");
                }
            }
        }
    }

    #[test]
    fn wraps_across_the_seam_and_clamps_at_the_poles() {
        let mut plane = Plane::new(4, 2, 0u8);
        plane.data.copy_from_slice(&[10, 20, 30, 40, 50, 60, 70, 80]);
        let src = plane.as_ref();
        let half = 1 << 15;
        // Halfway between the last column and the first.
        assert_eq!(sample_wrapped(&src, (3 << 16) + half, 0), 25);
        assert_eq!(sample_wrapped(&src, -half, 0), 25);
        // Above the top row and below the bottom one: clamped.
        assert_eq!(sample_wrapped(&src, 0, -(5 << 16)), 10);
        assert_eq!(sample_wrapped(&src, 1 << 16, 7 << 16), 60);
        let mut out = [0u8; 3];
        let line = Line {
            begin: 0,
            n: 3,
            x: 0,
            dx: half,
            y: half,
            dy: 0,
        };
        sample_lines_scalar(&src, &[line], &mut out);
        assert_eq!(out, [30, 35, 40]);
    }
}
