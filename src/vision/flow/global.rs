//! Whole-frame translation between two small images by exhaustive search: a starting point for DIS
//! where the motion is larger than the coarsest pyramid level can find from zero (fast pans, whip pans).

use super::Plane;
use rayon::prelude::*;

/// Smallest share of the image two shifted copies must overlap for a shift to be considered.
const MIN_OVERLAP: f32 = 0.4;
/// A shift is only worth trying when it explains the images this much better than no motion.
const GAIN: f32 = 0.8;

/// Widest level the search refines at: enough detail to place a blurred pan to a few pixels.
const FINEST_SEARCH_WIDTH: usize = 160;
/// Candidates from the exhaustive search at the coarsest level kept for refinement.
const CANDIDATES: usize = 8;

/// How badly `i1` shifted by (dx, dy) matches `i0` over their overlap: one minus their zero-mean
/// normalised cross-correlation, so a change of brightness or contrast between the frames (a fade, an
/// exposure change, new content entering) does not move the result. `None` when they overlap too little.
fn shifted_error(i0: &Plane<f32>, i1: &Plane<f32>, dx: isize, dy: isize) -> Option<f32> {
    let (w, h) = (i0.width as isize, i0.height as isize);
    let (x0, x1) = (0.max(-dx), w.min(w - dx));
    let (y0, y1) = (0.max(-dy), h.min(h - dy));
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    let area = ((x1 - x0) * (y1 - y0)) as f32;
    if area < MIN_OVERLAP * (w * h) as f32 {
        return None;
    }
    let (w, x0, x1) = (w as usize, x0 as usize, x1 as usize);
    let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0f32, 0f32, 0f32, 0f32, 0f32);
    for y in y0 as usize..y1 as usize {
        let r0 = &i0.data[y * w + x0..y * w + x1];
        let start = ((y as isize + dy) as usize * w) as isize + x0 as isize + dx;
        let r1 = &i1.data[start as usize..][..x1 - x0];
        for (&a, &b) in r0.iter().zip(r1) {
            sa += a;
            sb += b;
            saa += a * a;
            sbb += b * b;
            sab += a * b;
        }
    }
    let n = area;
    let cov = sab / n - (sa / n) * (sb / n);
    let va = (saa / n - (sa / n).powi(2)).max(0.0);
    let vb = (sbb / n - (sb / n).powi(2)).max(0.0);
    // Flat overlaps say nothing: they score as uncorrelated.
    Some(1.0 - cov / ((va * vb).sqrt() + 1.0))
}

/// The shift (dx, dy), in pixels of `levels0[0]`, that best maps one image onto the other
/// (i0(x, y) ~ i1(x + dx, y + dy)) by normalised cross-correlation over the overlap, up to half the image
/// each way. `levels0` and `levels1` run from fine to coarse, each level half the previous: the search
/// is exhaustive at the coarsest and refines its best candidates on the way up. `None` when the best
/// shift is none, or not clearly better than none.
pub fn translation(levels0: &[&Plane<f32>], levels1: &[&Plane<f32>]) -> Option<(f32, f32)> {
    let coarsest = levels0.len().checked_sub(1)?;
    let (c0, c1) = (levels0[coarsest], levels1[coarsest]);
    let (w, h) = (c0.width, c0.height);
    if w < 4 || h < 4 || levels1.len() != levels0.len() || c1.width != w || c1.height != h {
        return None;
    }
    let (rx, ry) = ((w / 2) as isize, (h / 2) as isize);
    let stride = 2 * rx as usize + 1;
    let errors: Vec<f32> = (-ry..=ry)
        .into_par_iter()
        .flat_map_iter(|dy| (-rx..=rx).map(move |dx| shifted_error(c0, c1, dx, dy).unwrap_or(f32::INFINITY)))
        .collect();
    // Local minima of the error surface, best first.
    let at = |dx: isize, dy: isize| -> f32 {
        if dx.abs() > rx || dy.abs() > ry {
            return f32::INFINITY;
        }
        errors[(dy + ry) as usize * stride + (dx + rx) as usize]
    };
    let mut minima: Vec<(f32, isize, isize)> = (-ry..=ry)
        .flat_map(|dy| (-rx..=rx).map(move |dx| (dx, dy)))
        .filter_map(|(dx, dy)| {
            let e = at(dx, dy);
            let lowest = (-1..=1).all(|j| (-1..=1).all(|i| (i == 0 && j == 0) || at(dx + i, dy + j) >= e));
            (e.is_finite() && lowest).then_some((e, dx, dy))
        })
        .collect();
    minima.sort_by(|a, b| a.0.total_cmp(&b.0));
    minima.truncate(CANDIDATES);
    // Refine each candidate level by level: double it, then try the 3x3 around it.
    let mut candidates: Vec<(f32, isize, isize)> = minima;
    let mut level = coarsest;
    let mut still = at(0, 0);
    while level > 0 && levels0[level - 1].width <= FINEST_SEARCH_WIDTH {
        level -= 1;
        let (l0, l1) = (levels0[level], levels1[level]);
        still = shifted_error(l0, l1, 0, 0).unwrap_or(f32::INFINITY);
        candidates = candidates
            .par_iter()
            .filter_map(|&(_, dx, dy)| {
                (-1..=1)
                    .flat_map(|j| (-1..=1).map(move |i| (2 * dx + i, 2 * dy + j)))
                    .filter_map(|(x, y)| Some((shifted_error(l0, l1, x, y)?, x, y)))
                    .min_by(|a, b| a.0.total_cmp(&b.0))
            })
            .collect();
    }
    let &(e, dx, dy) = candidates.iter().min_by(|a, b| a.0.total_cmp(&b.0))?;
    let scale = (1usize << level) as f32;
    ((dx, dy) != (0, 0) && e < GAIN * still).then_some((dx as f32 * scale, dy as f32 * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene(w: usize, h: usize, ox: isize, oy: isize) -> Plane<f32> {
        let mut p = Plane::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let (sx, sy) = (x as isize - ox, y as isize - oy);
                // Smooth, non-periodic texture.
                p.data[y * w + x] = 128.0
                    + 60.0 * ((sx as f32 * 0.37).sin() * (sy as f32 * 0.23).cos())
                    + 30.0 * ((sx * sx + 3 * sy) as f32 * 0.011).sin();
            }
        }
        p
    }

    #[test]
    fn finds_a_large_shift() {
        let a = scene(48, 27, 0, 0);
        let b = scene(48, 27, 5, -9);
        assert_eq!(translation(&[&a], &[&b]), Some((5.0, -9.0)));
    }

    #[test]
    fn no_motion_gives_none() {
        let a = scene(48, 27, 0, 0);
        assert_eq!(translation(&[&a], &[&a]), None);
    }
}
