//! Remap tables: the per-pixel source positions of a projection change, computed once per geometry and
//! applied to every frame in parallel (rayon over row bands).
//!
//! Why an atlas: interpolation taps near a face edge must read the neighbouring face of the sphere, not the
//! neighbouring pixel of the frame (the pixel right of an equirect's last column is its first column; the
//! pixel above a cube face's top row sits on another face). Each frame, the input faces are copied into an
//! atlas with a border of `PAD` pixels per face, the border filled from the right place on the sphere by a
//! precomputed gather list. Each output pixel then needs only one atlas index and a sub-pixel phase (8 bytes),
//! and its 2x2 or 4x4 taps are plain offsets: no wrapping or face logic per frame, and the table is three to
//! twelve times smaller than storing every tap (as v360 does), which is what bounds speed at 4K.

use super::geometry::{Geometry, mat_vec};
use super::plane::{PlaneMut, PlaneRef, Sample};
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Border width around each face in the atlas: covers the 4x4 kernels' taps (-1..+2) with room to spare.
const PAD: usize = 3;
/// Sub-pixel phases per pixel (8 bits).
const PHASES: usize = 256;
/// Marks an output pixel that shows nothing of the input (filled with the plane's fill value).
const INVALID: u32 = u32::MAX;

/// Interpolation between input samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Interp {
    Nearest,
    #[default]
    Bilinear,
    /// Catmull-Rom cubic (4x4 taps).
    Bicubic,
    /// Lanczos with a = 2 (4x4 taps, the same support as v360's `lanczos`).
    Lanczos,
}

impl Interp {
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "nearest" | "near" => Interp::Nearest,
            "bilinear" | "linear" | "line" => Interp::Bilinear,
            "bicubic" | "cubic" => Interp::Bicubic,
            "lanczos" | "lanc" => Interp::Lanczos,
            other => {
                return Err(Error::InvalidArgument(format!(
                    "unknown interpolation '{other}' (nearest, bilinear, bicubic, lanczos)"
                )));
            }
        })
    }

    /// The name v360 uses for the same kind of kernel.
    pub fn v360_name(self) -> &'static str {
        match self {
            Interp::Nearest => "near",
            Interp::Bilinear => "line",
            Interp::Bicubic => "cubic",
            Interp::Lanczos => "lanc",
        }
    }

    /// Weights of taps at offsets -1, 0, 1, 2 for sub-pixel phase `f` (0..1), normalised to sum 1.
    fn weights4(self, f: f64) -> [f32; 4] {
        let k = |x: f64| -> f64 {
            let x = x.abs();
            match self {
                Interp::Bicubic => {
                    let a = -0.5;
                    if x <= 1.0 {
                        (a + 2.0) * x * x * x - (a + 3.0) * x * x + 1.0
                    } else if x < 2.0 {
                        a * x * x * x - 5.0 * a * x * x + 8.0 * a * x - 4.0 * a
                    } else {
                        0.0
                    }
                }
                _ => {
                    if x < 1e-12 {
                        1.0
                    } else if x < 2.0 {
                        let px = std::f64::consts::PI * x;
                        2.0 * px.sin() * (px / 2.0).sin() / (px * px)
                    } else {
                        0.0
                    }
                }
            }
        };
        let w = [k(1.0 + f), k(f), k(1.0 - f), k(2.0 - f)];
        let sum: f64 = w.iter().sum();
        [
            (w[0] / sum) as f32,
            (w[1] / sum) as f32,
            (w[2] / sum) as f32,
            (w[3] / sum) as f32,
        ]
    }
}

/// One output pixel: the atlas index of its (nearest, or top-left-of-centre) tap and its sub-pixel phases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
struct Entry {
    idx: u32,
    fx: u16,
    fy: u16,
}

/// A plane-sized remap: which input position every output pixel shows, for one input and one output plane
/// size. Immutable once built; share it between threads. Per-frame working memory lives in `RemapScratch`.
#[derive(Clone, Debug)]
pub struct RemapTable {
    interp: Interp,
    in_w: usize,
    in_h: usize,
    out_w: usize,
    out_h: usize,
    atlas_stride: usize,
    /// Per atlas row: the input row copied into it and the input column range, or none (a border row).
    atlas_rows: Vec<Option<(u32, u32, u32)>>,
    /// Border cells: (atlas index, input x, input y), sorted by atlas index; `gather_row_start` indexes it by row.
    gather: Vec<(u32, u32, u32)>,
    gather_row_start: Vec<u32>,
    entries: Vec<Entry>,
    weights: Vec<[f32; 4]>,
}

/// Pixel rectangle of a face in a plane: x0, y0, w, h.
fn face_rects(g: &Geometry, w: usize, h: usize) -> Result<Vec<[usize; 4]>> {
    g.faces()
        .iter()
        .map(|f| {
            let x0 = (f[0] * w as f64).round() as usize;
            let y0 = (f[1] * h as f64).round() as usize;
            let x1 = ((f[0] + f[2]) * w as f64).round() as usize;
            let y1 = ((f[1] + f[3]) * h as f64).round() as usize;
            if x1 <= x0 || y1 <= y0 {
                return Err(Error::InvalidArgument(format!(
                    "plane {w}x{h} is too small for its projection"
                )));
            }
            Ok([x0, y0, x1 - x0, y1 - y0])
        })
        .collect()
}

impl RemapTable {
    /// Builds the table that renders `output` (a plane of `out_w` x `out_h`) from `input` (a plane of
    /// `in_w` x `in_h`), where `rotation` maps an output direction to the input direction it shows.
    /// The plane sizes may differ from the geometries' frame sizes (chroma planes): positions scale.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        input: &Geometry,
        output: &Geometry,
        rotation: &[[f64; 3]; 3],
        in_w: usize,
        in_h: usize,
        out_w: usize,
        out_h: usize,
        interp: Interp,
    ) -> Result<Self> {
        if in_w == 0 || in_h == 0 || out_w == 0 || out_h == 0 {
            return Err(Error::InvalidArgument("empty plane".into()));
        }
        let limit = 1usize << 15;
        if in_w > limit || in_h > limit || out_w > limit || out_h > limit {
            return Err(Error::Limit(format!("planes larger than {limit} pixels a side")));
        }
        let in_rects = face_rects(input, in_w, in_h)?;
        let out_rects = face_rects(output, out_w, out_h)?;
        let atlas_stride = in_rects.iter().map(|r| r[2]).max().unwrap_or(0) + 2 * PAD;
        // Atlas origin (row of the face's top-left pixel, after the border) of every face.
        let mut origins = Vec::with_capacity(in_rects.len());
        let mut atlas_rows = Vec::new();
        for r in &in_rects {
            origins.push(atlas_rows.len() + PAD);
            atlas_rows.extend(std::iter::repeat_n(None, PAD));
            for y in 0..r[3] {
                atlas_rows.push(Some(((r[1] + y) as u32, r[0] as u32, r[2] as u32)));
            }
            atlas_rows.extend(std::iter::repeat_n(None, PAD));
        }
        if (atlas_rows.len() * atlas_stride) as u64 >= INVALID as u64 {
            return Err(Error::Limit("input too large for a remap table".into()));
        }

        // Border cells: where on the sphere each one lies, and the nearest input pixel there.
        let mut gather = Vec::new();
        for (f, r) in in_rects.iter().enumerate() {
            let (rw, rh) = (r[2] as isize, r[3] as isize);
            let p = PAD as isize;
            for j in -p..rh + p {
                for i in -p..rw + p {
                    if (0..rw).contains(&i) && (0..rh).contains(&j) {
                        continue;
                    }
                    let clamp_here = || {
                        (
                            (r[0] as isize + i.clamp(0, rw - 1)) as u32,
                            (r[1] as isize + j.clamp(0, rh - 1)) as u32,
                        )
                    };
                    let s = (i as f64 + 0.5) / rw as f64;
                    let t = (j as f64 + 0.5) / rh as f64;
                    let src = input
                        .face_to_dir(f, s, t)
                        .and_then(|d| input.dir_to_face(d))
                        .map(|(f2, s2, t2)| {
                            let r2 = in_rects[f2];
                            let x = ((s2 * r2[2] as f64).floor() as isize).clamp(0, r2[2] as isize - 1);
                            let y = ((t2 * r2[3] as f64).floor() as isize).clamp(0, r2[3] as isize - 1);
                            ((r2[0] as isize + x) as u32, (r2[1] as isize + y) as u32)
                        })
                        .unwrap_or_else(clamp_here);
                    let ai = (origins[f] as isize + j) as usize * atlas_stride + (p + i) as usize;
                    gather.push((ai as u32, src.0, src.1));
                }
            }
        }
        gather.sort_unstable_by_key(|g| g.0);
        let mut gather_row_start = vec![0u32; atlas_rows.len() + 1];
        for g in &gather {
            gather_row_start[g.0 as usize / atlas_stride + 1] += 1;
        }
        for i in 1..gather_row_start.len() {
            gather_row_start[i] += gather_row_start[i - 1];
        }

        // Output pixels: which face of the output each lies on.
        let mut row_faces: Vec<Vec<(usize, usize, usize)>> = vec![Vec::new(); out_h];
        for (f, r) in out_rects.iter().enumerate() {
            for row in row_faces.iter_mut().skip(r[1]).take(r[3]) {
                row.push((f, r[0], r[2]));
            }
        }
        let mut entries = vec![
            Entry {
                idx: INVALID,
                fx: 0,
                fy: 0
            };
            out_w * out_h
        ];
        let nearest = interp == Interp::Nearest;
        entries.par_chunks_mut(out_w).enumerate().for_each(|(y, row)| {
            for &(f, x0, fw) in &row_faces[y] {
                let r = out_rects[f];
                let t = (y - r[1]) as f64 + 0.5;
                let t = t / r[3] as f64;
                let x1 = (x0 + fw).min(out_w);
                for (x, slot) in row.iter_mut().enumerate().take(x1).skip(x0) {
                    let s = (x - x0) as f64 + 0.5;
                    let s = s / fw as f64;
                    let Some(d) = output.face_to_dir(f, s, t) else { continue };
                    let d = mat_vec(rotation, d);
                    let Some((fi, si, ti)) = input.dir_to_face(d) else {
                        continue;
                    };
                    let ir = in_rects[fi];
                    let sx = si * ir[2] as f64 - 0.5;
                    let sy = ti * ir[3] as f64 - 0.5;
                    if !sx.is_finite() || !sy.is_finite() {
                        continue;
                    }
                    let (ix, iy, fx, fy) = if nearest {
                        (sx.round() as isize, sy.round() as isize, 0, 0)
                    } else {
                        let (fx0, fy0) = (sx.floor(), sy.floor());
                        let mut ix = fx0 as isize;
                        let mut iy = fy0 as isize;
                        let mut fx = ((sx - fx0) * PHASES as f64).round() as usize;
                        let mut fy = ((sy - fy0) * PHASES as f64).round() as usize;
                        if fx == PHASES {
                            ix += 1;
                            fx = 0;
                        }
                        if fy == PHASES {
                            iy += 1;
                            fy = 0;
                        }
                        (ix, iy, fx as u16, fy as u16)
                    };
                    // Keep every tap (-1..+2) inside the face's border.
                    let p = PAD as isize;
                    let ix = ix.clamp(1 - p, ir[2] as isize + p - 3);
                    let iy = iy.clamp(1 - p, ir[3] as isize + p - 3);
                    let idx = (origins[fi] as isize + iy) as usize * atlas_stride + (p + ix) as usize;
                    *slot = Entry {
                        idx: idx as u32,
                        fx,
                        fy,
                    };
                }
            }
        });
        let weights = match interp {
            Interp::Bicubic | Interp::Lanczos => {
                (0..PHASES).map(|p| interp.weights4(p as f64 / PHASES as f64)).collect()
            }
            _ => Vec::new(),
        };
        Ok(Self {
            interp,
            in_w,
            in_h,
            out_w,
            out_h,
            atlas_stride,
            atlas_rows,
            gather,
            gather_row_start,
            entries,
            weights,
        })
    }

    pub fn input_size(&self) -> (usize, usize) {
        (self.in_w, self.in_h)
    }

    pub fn output_size(&self) -> (usize, usize) {
        (self.out_w, self.out_h)
    }

    /// Whether output pixel (x, y) shows part of the input.
    pub fn is_covered(&self, x: usize, y: usize) -> bool {
        self.entries.get(y * self.out_w + x).is_some_and(|e| e.idx != INVALID)
    }

    /// Renders every output plane from the input plane of the same index (all share this table's sizes).
    /// `fill` is written where the output shows nothing; `max` is the largest valid sample (1023 for
    /// 10-bit). `scratch` holds the per-frame atlases; keep it between frames to avoid reallocation.
    pub fn apply<T: Sample>(
        &self,
        inputs: &[PlaneRef<'_, T>],
        outputs: &mut [PlaneMut<'_, T>],
        fill: &[T],
        max: u32,
        scratch: &mut RemapScratch<T>,
    ) -> Result<()> {
        if inputs.len() != outputs.len() || fill.len() < inputs.len() || inputs.is_empty() {
            return Err(Error::InvalidArgument("remap: plane counts differ".into()));
        }
        for p in inputs {
            if p.width != self.in_w || p.height != self.in_h || !p.is_consistent() {
                return Err(Error::InvalidArgument(format!(
                    "remap: input plane {}x{} does not match the table's {}x{}",
                    p.width, p.height, self.in_w, self.in_h
                )));
            }
        }
        for p in outputs.iter() {
            if p.width != self.out_w || p.height != self.out_h || !p.is_consistent() {
                return Err(Error::InvalidArgument(format!(
                    "remap: output plane {}x{} does not match the table's {}x{}",
                    p.width, p.height, self.out_w, self.out_h
                )));
            }
        }
        let atlas_len = self.atlas_rows.len() * self.atlas_stride;
        scratch.atlases.resize_with(inputs.len(), Vec::new);
        for (atlas, input) in scratch.atlases.iter_mut().zip(inputs) {
            atlas.resize(atlas_len, T::default());
            self.fill_atlas(input, atlas);
        }
        let atlases: Vec<&[T]> = scratch.atlases.iter().map(|a| a.as_slice()).collect();

        // Bands of rows, each band holding its slice of every output plane.
        const BAND: usize = 16;
        let strides: Vec<usize> = outputs.iter().map(|o| o.stride).collect();
        let mut bands: Vec<Vec<&mut [T]>> = Vec::new();
        for out in outputs.iter_mut() {
            for (b, chunk) in out.data.chunks_mut(out.stride * BAND).enumerate() {
                if bands.len() <= b {
                    bands.push(Vec::new());
                }
                bands[b].push(chunk);
            }
        }
        let maxf = max.min(T::TYPE_MAX) as f32;
        bands.into_par_iter().enumerate().for_each(|(b, mut planes)| {
            let y0 = b * BAND;
            let y1 = (y0 + BAND).min(self.out_h);
            for y in y0..y1 {
                let entries = &self.entries[y * self.out_w..(y + 1) * self.out_w];
                let mut rows: Vec<&mut [T]> = planes
                    .iter_mut()
                    .zip(&strides)
                    .map(|(p, &s)| {
                        let off = (y - y0) * s;
                        &mut p[off..off + self.out_w]
                    })
                    .collect();
                self.render_row(entries, &atlases, &mut rows, fill, maxf);
            }
        });
        Ok(())
    }

    fn fill_atlas<T: Sample>(&self, input: &PlaneRef<'_, T>, atlas: &mut [T]) {
        let stride = self.atlas_stride;
        atlas.par_chunks_mut(stride).enumerate().for_each(|(row, dst)| {
            if let Some((y, x0, w)) = self.atlas_rows[row] {
                let start = y as usize * input.stride + x0 as usize;
                dst[PAD..PAD + w as usize].copy_from_slice(&input.data[start..start + w as usize]);
            }
            let g0 = self.gather_row_start[row] as usize;
            let g1 = self.gather_row_start[row + 1] as usize;
            let base = row * stride;
            for &(ai, x, y) in &self.gather[g0..g1] {
                dst[ai as usize - base] = input.data[y as usize * input.stride + x as usize];
            }
        });
    }

    #[inline(always)]
    fn render_row<T: Sample>(&self, entries: &[Entry], atlases: &[&[T]], rows: &mut [&mut [T]], fill: &[T], maxf: f32) {
        let s = self.atlas_stride;
        match self.interp {
            Interp::Nearest => {
                for (x, e) in entries.iter().enumerate() {
                    for (p, row) in rows.iter_mut().enumerate() {
                        row[x] = if e.idx == INVALID {
                            fill[p]
                        } else {
                            atlases[p][e.idx as usize]
                        };
                    }
                }
            }
            Interp::Bilinear => {
                for (x, e) in entries.iter().enumerate() {
                    if e.idx == INVALID {
                        for (p, row) in rows.iter_mut().enumerate() {
                            row[x] = fill[p];
                        }
                        continue;
                    }
                    let (fx, fy) = (e.fx as u32, e.fy as u32);
                    let w = [(256 - fx) * (256 - fy), fx * (256 - fy), (256 - fx) * fy, fx * fy];
                    let i = e.idx as usize;
                    for (p, row) in rows.iter_mut().enumerate() {
                        let a = atlases[p];
                        debug_assert!(i + s + 1 < a.len());
                        // SAFETY: `build` clamps every entry so that its 2x2 taps lie inside the atlas, and
                        // `apply` sized each atlas to exactly `atlas_rows.len() * atlas_stride`.
                        let q = unsafe {
                            [
                                *a.get_unchecked(i),
                                *a.get_unchecked(i + 1),
                                *a.get_unchecked(i + s),
                                *a.get_unchecked(i + s + 1),
                            ]
                        };
                        row[x] = T::blend4(q, w);
                    }
                }
            }
            Interp::Bicubic | Interp::Lanczos => {
                for (x, e) in entries.iter().enumerate() {
                    if e.idx == INVALID {
                        for (p, row) in rows.iter_mut().enumerate() {
                            row[x] = fill[p];
                        }
                        continue;
                    }
                    let wx = self.weights[e.fx as usize];
                    let wy = self.weights[e.fy as usize];
                    let top = e.idx as usize - s - 1;
                    for (p, row) in rows.iter_mut().enumerate() {
                        let a = atlases[p];
                        debug_assert!(top + 3 * s + 3 < a.len());
                        let mut acc = 0.0f32;
                        for (j, wyj) in wy.iter().enumerate() {
                            let o = top + j * s;
                            // SAFETY: `build` clamps every entry so that its 4x4 taps lie inside the atlas, and
                            // `apply` sized each atlas to exactly `atlas_rows.len() * atlas_stride`.
                            let r = unsafe {
                                [
                                    a.get_unchecked(o).to_f32(),
                                    a.get_unchecked(o + 1).to_f32(),
                                    a.get_unchecked(o + 2).to_f32(),
                                    a.get_unchecked(o + 3).to_f32(),
                                ]
                            };
                            let h = wx[0] * r[0] + wx[1] * r[1] + wx[2] * r[2] + wx[3] * r[3];
                            acc += wyj * h;
                        }
                        row[x] = T::from_f32(acc, maxf);
                    }
                }
            }
        }
    }
}

/// Per-frame working memory of `RemapTable::apply` (the padded atlases), reused between frames.
#[derive(Debug, Default)]
pub struct RemapScratch<T> {
    atlases: Vec<Vec<T>>,
}

impl<T> RemapScratch<T> {
    pub fn new() -> Self {
        Self { atlases: Vec::new() }
    }
}
