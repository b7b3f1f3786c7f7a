//! Multi-band (Laplacian pyramid) blending of two equirect images under a mask (Burt and Adelson, 1983):
//! each frequency band is cross-faded over a width proportional to its scale, so exposure differences fade
//! smoothly while details keep a sharp seam. Rows wrap around in longitude.

use rayon::prelude::*;

/// Pyramid depth for an equirect of `w` x `h`: low bands as wide as the overlap allows, at most 6 levels.
pub fn levels_for(w: usize, h: usize, _ramp: f64, overlap: f64) -> usize {
    // Band k blends over about 2^k pixels; stop where that exceeds the overlap width.
    let overlap_px = (overlap / std::f64::consts::TAU * w as f64).max(2.0);
    let mut levels = 1;
    while levels < 6 && (1usize << (levels + 1)) as f64 <= overlap_px * 2.0 && (h >> levels) >= 8 {
        levels += 1;
    }
    levels
}

#[derive(Clone)]
struct Img {
    w: usize,
    h: usize,
    px: Vec<[f32; 3]>,
}

/// Blurs with [1 4 6 4 1]/16 and keeps every second pixel (wrapping across x, clamping y).
fn reduce(a: &Img) -> Img {
    let (w2, h2) = (a.w.div_ceil(2), a.h.div_ceil(2));
    const K: [f32; 5] = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];
    let mut px = vec![[0.0f32; 3]; w2 * h2];
    px.par_chunks_mut(w2).enumerate().for_each(|(y, row)| {
        for (x, out) in row.iter_mut().enumerate() {
            let mut s = [0.0f32; 3];
            for (j, kj) in K.iter().enumerate() {
                let yy = (2 * y as isize + j as isize - 2).clamp(0, a.h as isize - 1) as usize;
                for (i, ki) in K.iter().enumerate() {
                    let xx = (2 * x as isize + i as isize - 2).rem_euclid(a.w as isize) as usize;
                    let v = a.px[yy * a.w + xx];
                    for c in 0..3 {
                        s[c] += kj * ki * v[c];
                    }
                }
            }
            *out = s;
        }
    });
    Img { w: w2, h: h2, px }
}

/// Upsamples `a` to `w` x `h` (zero insertion and the same filter, times four).
fn expand(a: &Img, w: usize, h: usize) -> Img {
    const K: [f32; 5] = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];
    let mut px = vec![[0.0f32; 3]; w * h];
    px.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
        for (x, out) in row.iter_mut().enumerate() {
            let mut s = [0.0f32; 3];
            for (j, kj) in K.iter().enumerate() {
                let yy = y as isize + j as isize - 2;
                if yy.rem_euclid(2) != 0 {
                    continue;
                }
                let ys = (yy / 2).clamp(0, a.h as isize - 1) as usize;
                for (i, ki) in K.iter().enumerate() {
                    let xx = x as isize + i as isize - 2;
                    if xx.rem_euclid(2) != 0 {
                        continue;
                    }
                    let xs = (xx.div_euclid(2)).rem_euclid(a.w as isize) as usize;
                    let v = a.px[ys * a.w + xs];
                    for c in 0..3 {
                        s[c] += 4.0 * kj * ki * v[c];
                    }
                }
            }
            *out = s;
        }
    });
    Img { w, h, px }
}

/// Blends `a` (where `mask` is 1) and `b` (where it is 0), `w` x `h` pixels, over `levels` bands.
pub fn multiband(a: &[[f32; 3]], b: &[[f32; 3]], mask: &[f32], w: usize, h: usize, levels: usize) -> Vec<[f32; 3]> {
    let mut ga = Img { w, h, px: a.to_vec() };
    let mut gb = Img { w, h, px: b.to_vec() };
    let mut gm = Img {
        w,
        h,
        px: mask.iter().map(|&m| [m, m, m]).collect(),
    };
    let mut bands: Vec<Img> = Vec::new();
    for _ in 1..levels.max(1) {
        let (na, nb, nm) = (reduce(&ga), reduce(&gb), reduce(&gm));
        let (ea, eb) = (expand(&na, ga.w, ga.h), expand(&nb, gb.w, gb.h));
        let px = (0..ga.px.len())
            .into_par_iter()
            .map(|i| {
                let m = gm.px[i][0];
                [0, 1, 2].map(|c| (ga.px[i][c] - ea.px[i][c]) * m + (gb.px[i][c] - eb.px[i][c]) * (1.0 - m))
            })
            .collect();
        bands.push(Img { w: ga.w, h: ga.h, px });
        (ga, gb, gm) = (na, nb, nm);
    }
    let mut out = Img {
        w: ga.w,
        h: ga.h,
        px: (0..ga.px.len())
            .map(|i| {
                let m = gm.px[i][0];
                [0, 1, 2].map(|c| ga.px[i][c] * m + gb.px[i][c] * (1.0 - m))
            })
            .collect(),
    };
    while let Some(band) = bands.pop() {
        let mut up = expand(&out, band.w, band.h);
        up.px.par_iter_mut().zip(&band.px).for_each(|(u, l)| {
            for c in 0..3 {
                u[c] += l[c];
            }
        });
        out = up;
    }
    out.px
}
