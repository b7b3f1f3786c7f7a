//! Dual-fisheye stitching to equirect: lens model, image-circle estimation, vignetting compensation, gain
//! matching, refinement of the relative rotation from the overlap, and seam blending (linear ramp or
//! multi-band), plus a simulator that renders a dual-fisheye frame from an equirect for tests and benches.
//!
//! Lenses are equidistant (image radius proportional to the angle off the axis), the model of consumer
//! dual-fisheye cameras. Lens 0 is the reference: gains and the rotation refinement adjust lens 1 to it.

pub mod blend;
pub mod params;

pub use params::{LensParams, RigParams};

use crate::error::{Error, Result};
use crate::vision::projection::geometry::{Vec3, mat_vec, rotation_matrix, transpose};
use crate::vision::projection::{Plane, Projection};
use rayon::prelude::*;

/// How the two lenses are joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blend {
    /// A hard seam where the lenses' fields meet.
    None,
    /// A linear cross-fade over the overlap.
    Linear,
    /// Laplacian-pyramid blending: low frequencies fade over wide bands, details over narrow ones.
    MultiBand,
}

impl Blend {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "none" => Ok(Blend::None),
            "linear" => Ok(Blend::Linear),
            "multiband" | "multi-band" => Ok(Blend::MultiBand),
            _ => Err(Error::InvalidArgument(format!(
                "unknown blend '{s}' (none, linear, multiband)"
            ))),
        }
    }
}

/// Stitching choices.
#[derive(Clone, Copy, Debug)]
pub struct StitchOptions {
    pub blend: Blend,
    /// Width of the linear ramp in degrees (clamped to the overlap).
    pub ramp_deg: f64,
}

impl Default for StitchOptions {
    fn default() -> Self {
        Self {
            blend: Blend::MultiBand,
            ramp_deg: 8.0,
        }
    }
}

/// How to stitch a dual-fisheye photo (see [`stitch_photo`]).
#[derive(Clone, Debug)]
pub struct PhotoStitch {
    /// Lens parameters; `None`: the nominal rig of a side-by-side frame with `fov` lenses.
    pub lens: Option<RigParams>,
    /// Nominal field of view of each lens, degrees (when `lens` is `None`).
    pub fov: f64,
    /// Estimate circles, back-lens rotation and gains from the photo itself first.
    pub calibrate: bool,
    /// Output equirect size; a missing side keeps the input's angular resolution.
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub options: StitchOptions,
}

/// A stitched photo and the rig it was stitched with (after calibration).
#[derive(Clone, Debug)]
pub struct StitchedPhoto {
    pub planes: [Plane<u8>; 3],
    pub rig: RigParams,
}

/// Stitches an 8-bit side-by-side dual-fisheye photo into an equirect: picks the rig (given, or nominal
/// for the frame's size), calibrates it when asked, sizes the output as [`Projection::default_size`]
/// does unless told, and blends.
pub fn stitch_photo(photo: &[Plane<u8>; 3], job: &PhotoStitch) -> Result<StitchedPhoto> {
    let (w, h) = (photo[0].width as u32, photo[0].height as u32);
    let frame = to_f32(photo);
    let mut rig = job.lens.clone().unwrap_or_else(|| RigParams::nominal(w, h, job.fov));
    if job.calibrate {
        rig = calibrate(&frame, &rig)?;
    }
    let from = Projection::DualFisheye {
        fov_deg: rig.lenses[0].fov,
    };
    let (dw, dh) = Projection::Equirect.default_size(&from, w, h);
    let (ow, oh) = (job.width.unwrap_or(dw), job.height.unwrap_or(dh));
    let out = stitch(&frame, &rig, ow as usize, oh as usize, &job.options)?;
    Ok(StitchedPhoto {
        planes: to_u8(&out),
        rig,
    })
}

/// A lens ready for per-pixel use.
struct Lens {
    world_to_lens: [[f64; 3]; 3],
    lens_to_world: [[f64; 3]; 3],
    cx: f64,
    cy: f64,
    radius: f64,
    half_fov: f64,
    vignetting: [f64; 2],
    gain: [f64; 3],
}

impl Lens {
    fn new(p: &LensParams) -> Self {
        let m = rotation_matrix(p.yaw, p.pitch, p.roll);
        Self {
            world_to_lens: transpose(&m),
            lens_to_world: m,
            cx: p.centre[0],
            cy: p.centre[1],
            radius: p.radius,
            half_fov: p.fov.to_radians() / 2.0,
            vignetting: p.vignetting,
            gain: p.gain,
        }
    }

    /// Where world direction `d` appears in the frame: (x, y, normalised radius, angular margin to the edge
    /// of the field of view in radians; negative outside).
    fn project(&self, d: Vec3) -> (f64, f64, f64, f64) {
        let l = mat_vec(&self.world_to_lens, d);
        let h = (l[0] * l[0] + l[1] * l[1]).sqrt();
        let theta = h.atan2(l[2]);
        let r = theta / self.half_fov;
        let (ux, uy) = if h > 0.0 { (l[0] / h, l[1] / h) } else { (0.0, 0.0) };
        (
            self.cx + ux * r * self.radius,
            self.cy + uy * r * self.radius,
            r,
            self.half_fov - theta,
        )
    }

    /// The world direction seen at frame position (x, y) and its normalised radius.
    fn unproject(&self, x: f64, y: f64) -> (Vec3, f64) {
        let (dx, dy) = (x - self.cx, y - self.cy);
        let rp = (dx * dx + dy * dy).sqrt();
        let r = rp / self.radius;
        let theta = r * self.half_fov;
        let (ux, uy) = if rp > 0.0 { (dx / rp, dy / rp) } else { (0.0, 0.0) };
        let st = theta.sin();
        (mat_vec(&self.lens_to_world, [st * ux, st * uy, theta.cos()]), r)
    }

    /// Relative brightness of the lens at normalised radius r.
    fn falloff(&self, r: f64) -> f64 {
        let r2 = r * r;
        (1.0 + self.vignetting[0] * r2 + self.vignetting[1] * r2 * r2).max(0.05)
    }
}

/// Bilinear RGB sample of f32 planes, clamped at the edges.
fn sample_rgb(planes: &[Plane<f32>; 3], x: f64, y: f64) -> [f32; 3] {
    let (w, h) = (planes[0].width, planes[0].height);
    let x = (x - 0.5).clamp(0.0, (w - 1) as f64);
    let y = (y - 0.5).clamp(0.0, (h - 1) as f64);
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
    let mut out = [0.0; 3];
    for (c, p) in planes.iter().enumerate() {
        let s = p.stride;
        let top = p.data[y0 * s + x0] * (1.0 - fx) + p.data[y0 * s + x1] * fx;
        let bot = p.data[y1 * s + x0] * (1.0 - fx) + p.data[y1 * s + x1] * fx;
        out[c] = top * (1.0 - fy) + bot * fy;
    }
    out
}

/// Bilinear sample of an equirect (f32 planes) in direction `d`, wrapping in longitude.
fn sample_equirect(planes: &[Plane<f32>; 3], d: Vec3) -> [f32; 3] {
    let (w, h) = (planes[0].width, planes[0].height);
    let lon = d[0].atan2(d[2]);
    let lat = d[1].atan2((d[0] * d[0] + d[2] * d[2]).sqrt());
    let x = (lon / std::f64::consts::TAU + 0.5) * w as f64 - 0.5;
    let y = ((lat / std::f64::consts::PI + 0.5) * h as f64 - 0.5).clamp(0.0, (h - 1) as f64);
    let x0f = x.floor();
    let fx = (x - x0f) as f32;
    let x0 = (x0f as i64).rem_euclid(w as i64) as usize;
    let x1 = (x0 + 1) % w;
    let y0 = y.floor() as usize;
    let y1 = (y0 + 1).min(h - 1);
    let fy = (y - y0 as f64) as f32;
    let mut out = [0.0; 3];
    for (c, p) in planes.iter().enumerate() {
        let s = p.stride;
        let top = p.data[y0 * s + x0] * (1.0 - fx) + p.data[y0 * s + x1] * fx;
        let bot = p.data[y1 * s + x0] * (1.0 - fx) + p.data[y1 * s + x1] * fx;
        out[c] = top * (1.0 - fy) + bot * fy;
    }
    out
}

/// 8-bit planes to f32.
pub fn to_f32(p: &[Plane<u8>; 3]) -> [Plane<f32>; 3] {
    p.clone().map(|p| Plane {
        width: p.width,
        height: p.height,
        stride: p.stride,
        data: p.data.iter().map(|&v| v as f32).collect(),
    })
}

/// f32 planes to 8-bit, rounded and clamped.
pub fn to_u8(p: &[Plane<f32>; 3]) -> [Plane<u8>; 3] {
    p.clone().map(|p| Plane {
        width: p.width,
        height: p.height,
        stride: p.stride,
        data: p.data.iter().map(|&v| (v + 0.5).clamp(0.0, 255.0) as u8).collect(),
    })
}

fn check_frame(frame: &[Plane<f32>; 3], rig: &RigParams) -> Result<()> {
    rig.validate()?;
    let (w, h) = (frame[0].width, frame[0].height);
    if w < 4 || h < 2 || frame.iter().any(|p| p.width != w || p.height != h) {
        return Err(Error::InvalidArgument(
            "dual-fisheye frame planes differ in size".into(),
        ));
    }
    if (w as u32, h as u32) != (rig.width, rig.height) {
        return Err(Error::InvalidArgument(format!(
            "frame is {w}x{h} but the lens parameters are for {}x{}",
            rig.width, rig.height
        )));
    }
    Ok(())
}

/// Renders what a dual-fisheye camera with `rig` would record of the scene `equirect`: each lens's image
/// circle in the frame, darkened by its vignetting and divided by its gain (so that the stitcher's gain
/// brings it back); black outside the circles.
pub fn simulate(equirect: &[Plane<f32>; 3], rig: &RigParams) -> Result<[Plane<f32>; 3]> {
    rig.validate()?;
    let (w, h) = (rig.width as usize, rig.height as usize);
    let lenses: Vec<Lens> = rig.lenses.iter().map(Lens::new).collect();
    let mut rows = vec![[0.0f32; 3]; w * h];
    rows.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
        for (x, px) in row.iter_mut().enumerate() {
            let lens = &lenses[if x < w / 2 { 0 } else { 1 }];
            let (d, r) = lens.unproject(x as f64 + 0.5, y as f64 + 0.5);
            if r > 1.0 {
                continue;
            }
            let v = sample_equirect(equirect, d);
            let k = lens.falloff(r);
            for c in 0..3 {
                px[c] = (v[c] as f64 * k / lens.gain[c]) as f32;
            }
        }
    });
    Ok(split(&rows, w, h))
}

fn split(rows: &[[f32; 3]], w: usize, h: usize) -> [Plane<f32>; 3] {
    std::array::from_fn(|c| Plane {
        width: w,
        height: h,
        stride: w,
        data: rows.iter().map(|p| p[c]).collect(),
    })
}

/// Per output pixel of an equirect: each lens's corrected colour (vignetting and gain undone) and angular
/// margin (negative where the lens does not see that direction).
struct Warped {
    colour: [Vec<[f32; 3]>; 2],
    margin: [Vec<f32>; 2],
    width: usize,
    height: usize,
}

fn warp(frame: &[Plane<f32>; 3], rig: &RigParams, w: usize, h: usize) -> Result<Warped> {
    let eq = Projection::Equirect.geometry(w as u32, h as u32)?;
    let lenses: Vec<Lens> = rig.lenses.iter().map(Lens::new).collect();
    let mut colour = [vec![[0.0f32; 3]; w * h], vec![[0.0f32; 3]; w * h]];
    let mut margin = [vec![-1.0f32; w * h], vec![-1.0f32; w * h]];
    for (i, lens) in lenses.iter().enumerate() {
        colour[i]
            .par_chunks_mut(w)
            .zip(margin[i].par_chunks_mut(w))
            .enumerate()
            .for_each(|(y, (crow, mrow))| {
                for x in 0..w {
                    let Some(d) = eq.pixel_to_dir(x as f64 + 0.5, y as f64 + 0.5) else {
                        continue;
                    };
                    let (px, py, r, m) = lens.project(d);
                    mrow[x] = m as f32;
                    if m < -0.02 {
                        continue;
                    }
                    let v = sample_rgb(frame, px, py);
                    let k = lens.falloff(r.min(1.0));
                    for c in 0..3 {
                        crow[x][c] = (v[c] as f64 * lens.gain[c] / k) as f32;
                    }
                }
            });
    }
    Ok(Warped {
        colour,
        margin,
        width: w,
        height: h,
    })
}

/// Stitches a side-by-side dual-fisheye frame (RGB, f32 0..255) into a `w` x `h` equirect.
pub fn stitch(
    frame: &[Plane<f32>; 3],
    rig: &RigParams,
    w: usize,
    h: usize,
    opts: &StitchOptions,
) -> Result<[Plane<f32>; 3]> {
    check_frame(frame, rig)?;
    if w < 8 || h < 4 || w > 1 << 15 || h > 1 << 15 {
        return Err(Error::InvalidArgument(format!("equirect size {w}x{h}")));
    }
    let warped = warp(frame, rig, w, h)?;
    let overlap = rig.lenses.iter().map(|l| l.fov).fold(f64::INFINITY, f64::min) - 180.0;
    let ramp = opts.ramp_deg.min(overlap.max(0.0)).max(0.0).to_radians() as f32;
    // Weight of lens 0: from the signed angle to the seam (half the margin difference).
    let weight0 = |i: usize, hard: bool| -> f32 {
        let (m0, m1) = (warped.margin[0][i], warped.margin[1][i]);
        if m1 < 0.0 {
            return 1.0;
        }
        if m0 < 0.0 {
            return 0.0;
        }
        let a = (m0 - m1) / 2.0;
        if hard || ramp <= 0.0 {
            if a >= 0.0 { 1.0 } else { 0.0 }
        } else {
            (a / ramp + 0.5).clamp(0.0, 1.0)
        }
    };
    let n = w * h;
    let out_rows: Vec<[f32; 3]> = match opts.blend {
        Blend::None | Blend::Linear => (0..n)
            .into_par_iter()
            .map(|i| {
                let t = weight0(i, opts.blend == Blend::None);
                let (a, b) = (warped.colour[0][i], warped.colour[1][i]);
                [0, 1, 2].map(|c| a[c] * t + b[c] * (1.0 - t))
            })
            .collect(),
        Blend::MultiBand => {
            // Each lens's image everywhere (the other lens fills where it sees nothing), a hard mask, and
            // the pyramids do the rest.
            let mask: Vec<f32> = (0..n).into_par_iter().map(|i| weight0(i, true)).collect();
            let fill = |own: usize| -> Vec<[f32; 3]> {
                (0..n)
                    .into_par_iter()
                    .map(|i| {
                        if warped.margin[own][i] >= -0.01 {
                            warped.colour[own][i]
                        } else {
                            warped.colour[1 - own][i]
                        }
                    })
                    .collect()
            };
            let levels = blend::levels_for(w, h, ramp as f64, overlap.to_radians());
            blend::multiband(&fill(0), &fill(1), &mask, warped.width, warped.height, levels)
        }
    };
    Ok(split(&out_rows, w, h))
}

/// Estimates each lens's image circle (centre and radius) from a side-by-side frame: the boundary of the
/// bright disc in each half, fitted by least squares. `fov` cannot be seen from the circle and is given.
pub fn estimate_circles(frame: &[Plane<f32>; 3], fov: f64) -> Result<RigParams> {
    let (w, h) = (frame[0].width, frame[0].height);
    let mut rig = RigParams::nominal(w as u32, h as u32, fov);
    let bright = |x: usize, y: usize| frame.iter().map(|p| p.at(x, y)).fold(0.0f32, f32::max) > 10.0;
    for (i, lens) in rig.lenses.iter_mut().enumerate() {
        let (x0, x1) = (i * w / 2, (i + 1) * w / 2);
        let mut pts: Vec<(f64, f64)> = Vec::new();
        for y in 0..h {
            if let Some(l) = (x0..x1).find(|&x| bright(x, y)) {
                let r = (x0..x1).rev().find(|&x| bright(x, y)).unwrap_or(l);
                if l > x0 {
                    pts.push((l as f64, y as f64 + 0.5));
                }
                if r + 1 < x1 {
                    pts.push((r as f64 + 1.0, y as f64 + 0.5));
                }
            }
        }
        for x in x0..x1 {
            if let Some(t) = (0..h).find(|&y| bright(x, y)) {
                let b = (0..h).rev().find(|&y| bright(x, y)).unwrap_or(t);
                if t > 0 {
                    pts.push((x as f64 + 0.5, t as f64));
                }
                if b + 1 < h {
                    pts.push((x as f64 + 0.5, b as f64 + 1.0));
                }
            }
        }
        let mut fit = fit_circle(&pts).ok_or_else(|| {
            Error::Malformed(format!(
                "lens {i}: no image circle found (is this a dual-fisheye frame?)"
            ))
        })?;
        // Drop boundary points far from the first fit (dark scene content at the rim), fit again.
        let keep: Vec<(f64, f64)> = pts
            .iter()
            .copied()
            .filter(|&(x, y)| (((x - fit.0).powi(2) + (y - fit.1).powi(2)).sqrt() - fit.2).abs() < 3.0)
            .collect();
        if keep.len() >= 8 {
            fit = fit_circle(&keep).unwrap_or(fit);
        }
        lens.centre = [fit.0, fit.1];
        lens.radius = fit.2;
    }
    Ok(rig)
}

/// Algebraic (Kasa) circle fit: (cx, cy, r).
fn fit_circle(pts: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
    if pts.len() < 8 {
        return None;
    }
    let n = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let (mut suu, mut svv, mut suv, mut suuu, mut svvv, mut suvv, mut svuu) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for &(x, y) in pts {
        let (u, v) = (x - mx, y - my);
        suu += u * u;
        svv += v * v;
        suv += u * v;
        suuu += u * u * u;
        svvv += v * v * v;
        suvv += u * v * v;
        svuu += v * u * u;
    }
    let det = suu * svv - suv * suv;
    if det.abs() < 1e-9 {
        return None;
    }
    let b1 = 0.5 * (suuu + suvv);
    let b2 = 0.5 * (svvv + svuu);
    let uc = (b1 * svv - b2 * suv) / det;
    let vc = (suu * b2 - suv * b1) / det;
    let r = (uc * uc + vc * vc + (suu + svv) / n).sqrt();
    r.is_finite().then_some((uc + mx, vc + my, r))
}

/// Overlap samples on a coarse equirect: directions both lenses see.
fn overlap_dirs(rig: &RigParams, step_deg: f64, min_margin_deg: f64) -> Vec<Vec3> {
    let lenses: Vec<Lens> = rig.lenses.iter().map(Lens::new).collect();
    let mut dirs = Vec::new();
    let n_lat = (180.0 / step_deg) as usize;
    for j in 0..n_lat {
        let lat = ((j as f64 + 0.5) * step_deg - 90.0).to_radians();
        let n_lon = ((360.0 / step_deg) * lat.cos()).max(1.0) as usize;
        for i in 0..n_lon {
            let lon = ((i as f64 + 0.5) / n_lon as f64 * 360.0 - 180.0).to_radians();
            let d = [lat.cos() * lon.sin(), lat.sin(), lat.cos() * lon.cos()];
            // Keep away from each lens's rim, where the black outside the circle bleeds in (more so blurred).
            if lenses.iter().all(|l| l.project(d).3 > min_margin_deg.to_radians()) {
                dirs.push(d);
            }
        }
    }
    dirs
}

/// Mean corrected colours of both lenses over the overlap samples.
fn overlap_colours(frame: &[Plane<f32>; 3], rig: &RigParams, dirs: &[Vec3]) -> Vec<([f32; 3], [f32; 3])> {
    let lenses: Vec<Lens> = rig.lenses.iter().map(Lens::new).collect();
    dirs.par_iter()
        .map(|&d| {
            let c = |l: &Lens| {
                let (x, y, r, _) = l.project(d);
                let v = sample_rgb(frame, x, y);
                let k = l.falloff(r);
                [0, 1, 2].map(|c| (v[c] as f64 * l.gain[c] / k) as f32)
            };
            (c(&lenses[0]), c(&lenses[1]))
        })
        .collect()
}

/// Sets lens 1's gains so its overlap matches lens 0 (per channel, ignoring clipped and very dark samples).
pub fn match_gains(frame: &[Plane<f32>; 3], rig: &mut RigParams) -> Result<[f64; 3]> {
    check_frame(frame, rig)?;
    let dirs = overlap_dirs(rig, degrees_per_pixel(rig), 0.3);
    let cols = overlap_colours(frame, rig, &dirs);
    let mut ratio = [1.0; 3];
    for (c, r) in ratio.iter_mut().enumerate() {
        let (mut s0, mut s1) = (0.0f64, 0.0f64);
        for (a, b) in &cols {
            if (4.0..250.0).contains(&a[c]) && (4.0..250.0).contains(&b[c]) {
                s0 += a[c] as f64;
                s1 += b[c] as f64;
            }
        }
        if s1 > 0.0 && s0 > 0.0 {
            *r = s0 / s1;
        }
    }
    for (g, r) in rig.lenses[1].gain.iter_mut().zip(ratio) {
        *g *= r;
    }
    Ok(ratio)
}

/// Photometric disagreement of the lenses over the overlap, insensitive to gain (each side normalised by
/// its mean): what the rotation refinement minimises.
fn overlap_cost(frame: &[Plane<f32>; 3], rig: &RigParams, dirs: &[Vec3]) -> f64 {
    let cols = overlap_colours(frame, rig, dirs);
    let lum = |v: &[f32; 3]| (v[0] + v[1] + v[2]) as f64 / 3.0;
    let n = cols.len().max(1) as f64;
    let m0 = cols.iter().map(|(a, _)| lum(a)).sum::<f64>() / n;
    let m1 = cols.iter().map(|(_, b)| lum(b)).sum::<f64>() / n;
    if m0 <= 0.0 || m1 <= 0.0 {
        return f64::INFINITY;
    }
    cols.iter()
        .map(|(a, b)| (lum(a) / m0 - lum(b) / m1).powi(2))
        .sum::<f64>()
        / n
}

/// Calibrates a rig from one side-by-side frame: lens circles (centres, radii) from the image, then the relative
/// rotation from the overlap (within 3 degrees) and the gains. Field of view, vignetting and the nominal
/// orientation come from `guess`, which the image cannot tell.
pub fn calibrate(frame: &[Plane<f32>; 3], guess: &RigParams) -> Result<RigParams> {
    let mut rig = estimate_circles(frame, guess.lenses[0].fov)?;
    for (l, g) in rig.lenses.iter_mut().zip(&guess.lenses) {
        l.fov = g.fov;
        l.vignetting = g.vignetting;
        l.yaw = g.yaw;
        l.pitch = g.pitch;
        l.roll = g.roll;
    }
    refine_rotation(frame, &mut rig, 3.0)?;
    match_gains(frame, &mut rig)?;
    Ok(rig)
}

/// Refines lens 1's yaw, pitch and roll (within `max_deg` of the start) so the overlap agrees best with
/// lens 0. Texture decorrelates a few pixels off the optimum, so the search runs coarse to fine: an
/// exhaustive lattice on a heavily blurred frame, then coordinate descent with shrinking steps on lighter
/// blurs and the frame itself. Returns the cost before and after (full resolution).
pub fn refine_rotation(frame: &[Plane<f32>; 3], rig: &mut RigParams, max_deg: f64) -> Result<(f64, f64)> {
    check_frame(frame, rig)?;
    let px = degrees_per_pixel(rig);
    let dirs_full = overlap_dirs(rig, px, 0.3);
    if dirs_full.len() < 100 {
        return Err(Error::InvalidArgument(
            "the lenses barely overlap: nothing to refine from".into(),
        ));
    }
    let cost_before = overlap_cost(frame, rig, &dirs_full);
    let start = rig.lenses[1].clone();
    let max_deg = max_deg.clamp(0.0, 10.0);
    let within = |l: &LensParams| {
        [(l.yaw - start.yaw), (l.pitch - start.pitch), (l.roll - start.roll)]
            .iter()
            .all(|o| o.abs() <= max_deg + 1e-9)
    };
    let with = |base: &RigParams, d: [f64; 3]| {
        let mut t = base.clone();
        t.lenses[1].yaw += d[0];
        t.lenses[1].pitch += d[1];
        t.lenses[1].roll += d[2];
        t
    };
    // Blur radius in pixels for about 1.5 degrees, and lattice step about half that.
    let coarse_r = ((1.5 / px).round() as usize).clamp(1, 64);
    let coarse = box_blur(frame, coarse_r);
    let dirs = overlap_dirs(
        rig,
        (coarse_r as f64 * px / 2.0).max(px),
        0.3 + 1.5 * coarse_r as f64 * px,
    );
    let lattice = (coarse_r as f64 * px / 2.0).clamp(0.1, 1.0);
    let n = (max_deg / lattice).floor() as i32;
    let mut best = (overlap_cost(&coarse, rig, &dirs), rig.clone());
    let mut candidates = Vec::new();
    for a in -n..=n {
        for b in -n..=n {
            for c in -n..=n {
                candidates.push([a as f64 * lattice, b as f64 * lattice, c as f64 * lattice]);
            }
        }
    }
    let found = candidates
        .par_iter()
        .map(|d| {
            let t = with(rig, *d);
            (overlap_cost(&coarse, &t, &dirs), t)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0));
    if let Some(f) = found
        && f.0 < best.0
    {
        best = f;
    }
    *rig = best.1;
    // Finer stages: coordinate descent.
    let mid_r = (coarse_r / 4).max(1);
    let mid = box_blur(frame, mid_r);
    // (image, first step, last step, sampling grid, rim margin), degrees.
    type Stage<'a> = (&'a [Plane<f32>; 3], f64, f64, f64, f64);
    let stages: [Stage<'_>; 2] = [
        (
            &mid,
            lattice / 2.0,
            px / 4.0,
            (mid_r as f64 * px).max(px),
            0.3 + 1.5 * mid_r as f64 * px,
        ),
        (frame, px, px / 16.0, px, 0.3),
    ];
    for (img, mut step, min_step, grid, margin) in stages {
        let dirs = overlap_dirs(rig, grid, margin);
        let mut best = overlap_cost(img, rig, &dirs);
        while step >= min_step {
            let mut improved = false;
            for axis in 0..3 {
                for sign in [-1.0, 1.0] {
                    let mut d = [0.0; 3];
                    d[axis] = sign * step;
                    let trial = with(rig, d);
                    if !within(&trial.lenses[1]) {
                        continue;
                    }
                    let c = overlap_cost(img, &trial, &dirs);
                    if c < best {
                        best = c;
                        *rig = trial;
                        improved = true;
                    }
                }
            }
            if !improved {
                step /= 2.0;
            }
        }
    }
    let dirs_after = overlap_dirs(rig, px, 0.3);
    Ok((cost_before, overlap_cost(frame, rig, &dirs_after)))
}

/// The overlap disagreement `refine_rotation` minimises, at full resolution (for diagnostics).
pub fn overlap_error(frame: &[Plane<f32>; 3], rig: &RigParams) -> Result<f64> {
    check_frame(frame, rig)?;
    let dirs = overlap_dirs(rig, degrees_per_pixel(rig), 0.3);
    Ok(overlap_cost(frame, rig, &dirs))
}

/// Angle that one frame pixel spans near the lens rim (the sampling step for overlap statistics).
fn degrees_per_pixel(rig: &RigParams) -> f64 {
    rig.lenses
        .iter()
        .map(|l| l.fov / 2.0 / l.radius)
        .fold(0.0, f64::max)
        .max(0.02)
}

/// Separable box blur of radius `r` with running sums (constant cost per pixel whatever the radius).
fn box_blur(frame: &[Plane<f32>; 3], r: usize) -> [Plane<f32>; 3] {
    frame.clone().map(|p| {
        let (w, h) = (p.width, p.height);
        let blur_line = |get: &dyn Fn(usize) -> f32, n: usize, out: &mut dyn FnMut(usize, f32)| {
            let mut sum = 0.0f64;
            let (mut lo, mut hi) = (0usize, 0usize); // window [lo, hi)
            for i in 0..n {
                let (a, b) = (i.saturating_sub(r), (i + r + 1).min(n));
                while hi < b {
                    sum += get(hi) as f64;
                    hi += 1;
                }
                while lo < a {
                    sum -= get(lo) as f64;
                    lo += 1;
                }
                out(i, (sum / (b - a) as f64) as f32);
            }
        };
        let mut tmp = vec![0.0f32; w * h];
        tmp.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
            let src = &p.data[y * p.stride..y * p.stride + w];
            blur_line(&|i| src[i], w, &mut |i, v| row[i] = v);
        });
        let mut cols = vec![0.0f32; w * h];
        // Columns, transposed into `cols` (column-major) so each task owns one column.
        cols.par_chunks_mut(h).enumerate().for_each(|(x, col)| {
            blur_line(&|j| tmp[j * w + x], h, &mut |j, v| col[j] = v);
        });
        let mut out = vec![0.0f32; w * h];
        out.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
            for (x, v) in row.iter_mut().enumerate() {
                *v = cols[x * h + y];
            }
        });
        Plane {
            width: w,
            height: h,
            stride: w,
            data: out,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::projection::metrics::ws_psnr;

    /// A textured sphere (features every ten degrees or so, enough to align on).
    fn scene(w: usize, h: usize) -> [Plane<f32>; 3] {
        let g = Projection::Equirect.geometry(w as u32, h as u32).unwrap();
        std::array::from_fn(|c| {
            let mut p = Plane {
                width: w,
                height: h,
                stride: w,
                data: vec![0.0f32; w * h],
            };
            for y in 0..h {
                for x in 0..w {
                    let d = g.pixel_to_dir(x as f64 + 0.5, y as f64 + 0.5).unwrap();
                    let v = 120.0
                        + 45.0 * (9.0 * d[0] + 2.0 * c as f64).sin() * (7.0 * d[1]).cos()
                        + 35.0 * (11.0 * d[2] + 5.0 * d[0] - c as f64).sin()
                        + 25.0 * (8.0 * d[1] + 6.0 * d[2]).cos();
                    p.data[y * w + x] = v as f32;
                }
            }
            p
        })
    }

    #[test]
    fn a_photo_stitches_at_its_own_angular_resolution_unless_sized() {
        let truth = scene(384, 192);
        let cam = RigParams::nominal(384, 192, 190.0);
        let photo = to_u8(&simulate(&truth, &cam).unwrap());
        let job = PhotoStitch {
            lens: Some(cam.clone()),
            fov: 180.0,
            calibrate: false,
            width: None,
            height: None,
            options: StitchOptions::default(),
        };
        let out = stitch_photo(&photo, &job).unwrap();
        let from = Projection::DualFisheye { fov_deg: 190.0 };
        let (w, h) = Projection::Equirect.default_size(&from, 384, 192);
        assert_eq!((out.planes[0].width, out.planes[0].height), (w as usize, h as usize));
        assert_eq!(out.rig, cam);
        let sized = stitch_photo(
            &photo,
            &PhotoStitch {
                width: Some(256),
                height: Some(128),
                ..job
            },
        )
        .unwrap();
        assert_eq!((sized.planes[0].width, sized.planes[0].height), (256, 128));
    }

    #[test]
    fn stitches_a_simulated_camera() {
        let truth = scene(384, 192);
        let mut cam = RigParams::nominal(384, 192, 195.0);
        cam.lenses[0].centre = [97.0, 95.5];
        cam.lenses[0].radius = 90.0;
        cam.lenses[1].centre = [288.5, 97.0];
        cam.lenses[1].radius = 91.0;
        cam.lenses[1].yaw = 180.8;
        cam.lenses[1].pitch = 0.6;
        cam.lenses[1].roll = -0.5;
        cam.lenses[1].gain = [0.87, 0.87, 0.87];
        for l in &mut cam.lenses {
            l.vignetting = [-0.25, 0.0];
        }
        let frame = simulate(&truth, &cam).unwrap();
        // Calibrate from the frame alone: circles, then vignetting (known here), gains and rotation.
        let mut rig = estimate_circles(&frame, 195.0).unwrap();
        for (e, t) in rig.lenses.iter().zip(&cam.lenses) {
            assert!(
                (e.centre[0] - t.centre[0]).abs() < 1.0 && (e.centre[1] - t.centre[1]).abs() < 1.0,
                "{e:?}"
            );
            assert!((e.radius - t.radius).abs() < 1.0, "{e:?}");
        }
        for l in &mut rig.lenses {
            l.vignetting = [-0.25, 0.0];
        }
        let (before, after) = refine_rotation(&frame, &mut rig, 3.0).unwrap();
        assert!(after < before, "{before} -> {after}");
        let l = &rig.lenses[1];
        assert!(
            (l.yaw - 180.8).abs() < 0.3 && (l.pitch - 0.6).abs() < 0.3 && (l.roll + 0.5).abs() < 0.3,
            "{l:?}"
        );
        match_gains(&frame, &mut rig).unwrap();
        assert!((rig.lenses[1].gain[0] - 0.87).abs() < 0.03, "{:?}", rig.lenses[1].gain);
        for blend in [Blend::None, Blend::Linear, Blend::MultiBand] {
            let out = stitch(&frame, &rig, 384, 192, &StitchOptions { blend, ramp_deg: 8.0 }).unwrap();
            let q = ws_psnr(&to_u8(&out), &to_u8(&truth), 255.0).unwrap();
            assert!(q > 30.0, "{blend:?}: {q:.2} dB");
        }
    }
}
