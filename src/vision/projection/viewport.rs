//! Head-tracked viewports: flat (perspective) views cut from an equirect frame for one pose at a time,
//! fast enough for a motion-to-photon budget.
//!
//! Why not a remap table per pose: building one costs two inverse trigonometric functions per output pixel
//! (tens of milliseconds at 1080p). Instead the camera-space rays of a coarse grid (one node every `CELL`
//! pixels) are computed once; per pose only the grid nodes are rotated and projected (about 8 000 rays at
//! 1080p), and pixels between nodes interpolate the source position linearly, stepping in 16.16 fixed
//! point. Each cell's centre is also projected exactly; a cell where linear interpolation would miss by more
//! than `MAX_ERROR_PX` (around the poles, where longitude swings) is rendered from exact rays
//! every few pixels along each row (as far apart as keeps that error within bounds, at most `MAX_EXACT_STEP`),
//! with straight lines between them.
//!
//! Per band of cells, each cell's first source position and step are linear functions of the row (32.32 fixed
//! point), so a row is a list of straight lines of 16.16 positions that the sampling kernel
//! ([`super::row_sampler`]) steps along: for 8-bit planes with AVX2, 8 pixels per two gathers. Projections (grid
//! nodes, cell centres, exact rays) use a polynomial atan2 (error far below a hundredth of a pixel).

use super::plane::{PlaneMut, PlaneRef, Sample};
use super::row_sampler::Line;
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::f32::consts::PI;

/// Grid spacing in output luma pixels.
const CELL: usize = 16;
/// Largest tolerated error (input luma pixels) of linear interpolation at a cell centre.
const MAX_ERROR_PX: f32 = 0.2;
/// Largest spacing (output luma pixels) of the exact rays along a row of a cell that is not linear enough: the
/// pixels between two rays step linearly. Per cell the spacing shrinks (by halves, down to one pixel) until the
/// error at the cell's centre of the chord across its middle row (across: as an angle, in equatorial pixels),
/// scaled by the square of spacing / `CELL`, is within `MAX_ERROR_PX`.
const MAX_EXACT_STEP: u8 = 8;

/// Renders perspective viewports from equirect frames of fixed sizes.
#[derive(Debug, Clone)]
pub struct ViewportRenderer {
    out_w: usize,
    out_h: usize,
    src_w: usize,
    src_h: usize,
    tan_x: f32,
    tan_y: f32,
    grid_w: usize,
    grid_h: usize,
    /// Camera-space rays (normalised) at grid nodes (row-major, grid_w x grid_h), then at cell centres.
    node_rays: Vec<[f32; 3]>,
    centre_rays: Vec<[f32; 3]>,
    /// Per pose: normalised equirect positions (s, t) of nodes and whether each cell needs exact rays.
    node_st: Vec<[f32; 2]>,
    /// Per cell: 0 when linear, else the spacing (output luma pixels) of its exact rays along a row.
    cell_exact: Vec<u8>,
}

impl ViewportRenderer {
    /// Renders the viewport of each pose from one 8-bit frame and hands it to `each` (with the pose's index).
    /// Returns each pose's render time in milliseconds (pose to finished viewport; `each` not counted), sorted.
    pub fn render_poses(
        &mut self,
        planes: &[super::Plane<u8>; 3],
        poses: &[Pose],
        mut each: impl FnMut(usize, &[super::Plane<u8>; 3]) -> Result<()>,
    ) -> Result<Vec<f64>> {
        let mut out: [super::Plane<u8>; 3] = std::array::from_fn(|_| super::Plane::new(self.out_w, self.out_h, 0));
        let ins: Vec<_> = planes.iter().map(|p| p.as_ref()).collect();
        let mut times = Vec::with_capacity(poses.len());
        for (i, pose) in poses.iter().enumerate() {
            let mut outs: Vec<_> = out.iter_mut().map(|p| p.as_mut()).collect();
            let started = std::time::Instant::now();
            self.render(pose.yaw, pose.pitch, pose.roll, &ins, &mut outs)?;
            times.push(started.elapsed().as_secs_f64() * 1e3);
            each(i, &out)?;
        }
        times.sort_by(|a, b| a.total_cmp(b));
        Ok(times)
    }
}

/// What [`render_trace_to_dir`] did: how many viewports, and the median and 99th-percentile render time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceRender {
    pub poses: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Renders one `w` x `h` perspective viewport (fields of view `h_fov_deg` x `v_fov_deg`) of an 8-bit
/// equirect photo per pose of the CSV head-pose trace at `trace`, as `view_00000.png` ... in the new
/// directory `out_dir` (built under a temporary name and renamed when complete).
pub fn render_trace_to_dir(
    planes: &[super::Plane<u8>; 3],
    trace: &std::path::Path,
    (w, h): (usize, usize),
    (h_fov_deg, v_fov_deg): (f64, f64),
    out_dir: &std::path::Path,
    overwrite: bool,
) -> Result<TraceRender> {
    let text = std::fs::read_to_string(trace).map_err(|e| Error::io(trace, e))?;
    let poses = parse_pose_trace(&text, &trace.display().to_string())?;
    let mut renderer = ViewportRenderer::new(h_fov_deg, v_fov_deg, w, h, planes[0].width, planes[0].height)?;
    let dir = crate::util::atomic::AtomicPath::new(out_dir, overwrite)?;
    std::fs::create_dir(dir.temp()).map_err(|e| Error::io(out_dir, e))?;
    let times = renderer.render_poses(planes, &poses, |i, view| {
        super::image_io::save(
            &dir.temp().join(format!("view_{i:05}.png")),
            &super::image_io::RgbPlanes::U8(view.clone()),
        )
    })?;
    dir.commit()?;
    let pct = |p: f64| {
        times
            .get(((times.len().max(1) - 1) as f64 * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    Ok(TraceRender {
        poses: poses.len(),
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
    })
}

/// Per-pose statistics, for tests and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ViewportStats {
    pub cells: usize,
    pub exact_cells: usize,
}

impl ViewportRenderer {
    /// A renderer of `out_w` x `out_h` viewports with the given fields of view (degrees) from equirect
    /// frames whose first (luma) plane is `src_w` x `src_h`.
    pub fn new(h_fov_deg: f64, v_fov_deg: f64, out_w: usize, out_h: usize, src_w: usize, src_h: usize) -> Result<Self> {
        if !(h_fov_deg > 0.0 && h_fov_deg < 179.0 && v_fov_deg > 0.0 && v_fov_deg < 179.0) {
            return Err(Error::InvalidArgument(format!(
                "viewport field of view {h_fov_deg}x{v_fov_deg} is not in (0, 179)"
            )));
        }
        // Source positions are 16.16 fixed point in i32: sources up to 16384 pixels keep them far from overflow.
        if out_w < 2
            || out_h < 2
            || src_w < 2
            || src_h < 2
            || out_w > 16384
            || out_h > 16384
            || src_w > 16384
            || src_h > 16384
        {
            return Err(Error::InvalidArgument(format!(
                "viewport sizes {out_w}x{out_h} from {src_w}x{src_h}"
            )));
        }
        let tan_x = (h_fov_deg.to_radians() / 2.0).tan() as f32;
        let tan_y = (v_fov_deg.to_radians() / 2.0).tan() as f32;
        let grid_w = out_w.div_ceil(CELL) + 1;
        let grid_h = out_h.div_ceil(CELL) + 1;
        let ray = |x: f32, y: f32| -> [f32; 3] {
            let a = (2.0 * x / out_w as f32 - 1.0) * tan_x;
            let b = (2.0 * y / out_h as f32 - 1.0) * tan_y;
            let n = (a * a + b * b + 1.0).sqrt();
            [a / n, b / n, 1.0 / n]
        };
        let mut node_rays = Vec::with_capacity(grid_w * grid_h);
        for gy in 0..grid_h {
            for gx in 0..grid_w {
                node_rays.push(ray((gx * CELL) as f32, (gy * CELL) as f32));
            }
        }
        let mut centre_rays = Vec::with_capacity((grid_w - 1) * (grid_h - 1));
        for gy in 0..grid_h - 1 {
            for gx in 0..grid_w - 1 {
                centre_rays.push(ray(
                    (gx * CELL) as f32 + CELL as f32 / 2.0,
                    (gy * CELL) as f32 + CELL as f32 / 2.0,
                ));
            }
        }
        Ok(Self {
            out_w,
            out_h,
            src_w,
            src_h,
            tan_x,
            tan_y,
            grid_w,
            grid_h,
            node_st: vec![[0.0; 2]; node_rays.len()],
            cell_exact: vec![0; centre_rays.len()],
            node_rays,
            centre_rays,
        })
    }

    /// Renders the viewport for one pose (degrees: yaw right, pitch up, roll clockwise) into `outputs`,
    /// one per input plane; planes may be subsampled (4:2:0 chroma) as long as they scale alike.
    pub fn render<T: Sample>(
        &mut self,
        yaw_deg: f64,
        pitch_deg: f64,
        roll_deg: f64,
        inputs: &[PlaneRef<'_, T>],
        outputs: &mut [PlaneMut<'_, T>],
    ) -> Result<ViewportStats> {
        if inputs.len() != outputs.len() || inputs.is_empty() {
            return Err(Error::InvalidArgument("viewport: plane counts differ".into()));
        }
        if inputs[0].width != self.src_w || inputs[0].height != self.src_h {
            return Err(Error::InvalidArgument("viewport: input size changed".into()));
        }
        if outputs[0].width != self.out_w || outputs[0].height != self.out_h {
            return Err(Error::InvalidArgument("viewport: output size changed".into()));
        }
        if inputs.iter().any(|p| !p.is_consistent() || p.width < 2 || p.height < 2)
            || outputs.iter().any(|p| !p.is_consistent())
        {
            return Err(Error::InvalidArgument("viewport: inconsistent planes".into()));
        }
        let m = super::geometry::rotation_matrix(yaw_deg, pitch_deg, roll_deg);
        let m: [[f32; 3]; 3] = m.map(|r| r.map(|v| v as f32));
        // Grid nodes: rotate and project (the only per-pose trigonometry besides exact cells).
        let rays = &self.node_rays;
        self.node_st
            .par_chunks_mut(self.grid_w)
            .enumerate()
            .for_each(|(gy, row)| {
                for (gx, st) in row.iter_mut().enumerate() {
                    *st = project(&m, rays[gy * self.grid_w + gx]);
                }
            });
        let (gw, sw, sh) = (self.grid_w, self.src_w as f32, self.src_h as f32);
        let node_st = &self.node_st;
        let centres = &self.centre_rays;
        let (out_w, out_h, tan_x, tan_y) = (self.out_w as f32, self.out_h as f32, self.tan_x, self.tan_y);
        self.cell_exact
            .par_chunks_mut(gw - 1)
            .enumerate()
            .for_each(|(gy, row)| {
                for (gx, exact) in row.iter_mut().enumerate() {
                    let c = corners(node_st, gw, gx, gy);
                    let mid = project(&m, centres[gy * (gw - 1) + gx]);
                    // Corners unwrapped to the first one's side of the seam, as the cell is rendered.
                    let s0 = c[0][0];
                    let pred_s =
                        (s0 + unwrap_near(c[1][0], s0) + unwrap_near(c[2][0], s0) + unwrap_near(c[3][0], s0)) / 4.0;
                    let pred_t = (c[0][1] + c[1][1] + c[2][1] + c[3][1]) / 4.0;
                    let ds = unwrap_near(mid[0], pred_s) - pred_s;
                    let err = (ds * sw).abs().max(((mid[1] - pred_t) * sh).abs());
                    *exact = 0;
                    if err > MAX_ERROR_PX {
                        // The spacing only has to follow the curve along rows: the error of the chord between the
                        // middle row's ends, at the centre. Across, it counts as an angle (in equatorial pixels):
                        // rows near the poles are stretched by 1 / cos(latitude) and hold no finer detail.
                        let yc = (2.0 * ((gy * CELL) as f32 + CELL as f32 / 2.0) / out_h - 1.0) * tan_y;
                        let edge = |x: usize| project(&m, [(2.0 * (x * CELL) as f32 / out_w - 1.0) * tan_x, yc, 1.0]);
                        let (l, r) = (edge(gx), edge(gx + 1));
                        let chord_s = (l[0] + unwrap_near(r[0], l[0])) / 2.0;
                        let chord_t = (l[1] + r[1]) / 2.0;
                        let lat = (mid[1] - 0.5) * PI;
                        let across = (unwrap_near(mid[0], chord_s) - chord_s) * sw * lat.cos();
                        let along = across.abs().max(((mid[1] - chord_t) * sh).abs());
                        let mut step = MAX_EXACT_STEP;
                        while step > 1 && along * (step as f32 / CELL as f32).powi(2) > MAX_ERROR_PX {
                            step /= 2;
                        }
                        *exact = step;
                    }
                }
            });
        let stats = ViewportStats {
            cells: self.cell_exact.len(),
            exact_cells: self.cell_exact.iter().filter(|&&e| e != 0).count(),
        };

        // Pixels: one band of cells (CELL luma rows) per task, every plane.
        let bands = self.grid_h - 1;
        let mut band_planes: Vec<Vec<(PlaneBand, &mut [T])>> = (0..bands).map(|_| Vec::new()).collect();
        for out in outputs.iter_mut() {
            // Rows of this plane per band, proportional to its height.
            let (w, h, stride) = (out.width, out.height, out.stride);
            let mut rest: &mut [T] = out.data;
            let mut y = 0;
            for (b, list) in band_planes.iter_mut().enumerate() {
                let y_end = (((b + 1) * CELL) * h).div_ceil(self.out_h).min(h);
                let rows = y_end.saturating_sub(y);
                let take = (rows * stride).min(rest.len());
                let (head, tail) = rest.split_at_mut(take);
                list.push((
                    PlaneBand {
                        y0: y,
                        rows,
                        w,
                        h,
                        stride,
                    },
                    head,
                ));
                rest = tail;
                y = y_end;
            }
        }
        let this = &*self;
        // Two chroma planes of one size share their positions (same lines, same gather offsets).
        let paired_chroma = inputs.len() == 3
            && (inputs[1].width, inputs[1].height, inputs[1].stride)
                == (inputs[2].width, inputs[2].height, inputs[2].stride);
        band_planes.into_par_iter().enumerate().for_each(|(gy, planes)| {
            let mut planes = planes.into_iter();
            match (planes.next(), planes.next(), planes.next()) {
                (Some((band0, data0)), Some((band1, data1)), Some((band2, data2)))
                    if paired_chroma && band1 == band2 && planes.len() == 0 =>
                {
                    this.render_band(&m, gy, &band0, [&inputs[0]], [data0]);
                    this.render_band(&m, gy, &band1, [&inputs[1], &inputs[2]], [data1, data2]);
                }
                (first, second, third) => {
                    let all = [first, second, third].into_iter().flatten().chain(planes);
                    for (p, (band, data)) in all.enumerate() {
                        this.render_band(&m, gy, &band, [&inputs[p]], [data]);
                    }
                }
            }
        });
        Ok(stats)
    }

    /// Renders the rows of one output plane that lie in grid band `gy`, compiled for AVX2 where the CPU has it
    /// (cell set-up rounds inline, and the 8-bit sampling kernel can inline; the results are the same either
    /// way, as no fused multiply-add is enabled).
    fn render_band<T: Sample, const N: usize>(
        &self,
        m: &[[f32; 3]; 3],
        gy: usize,
        band: &PlaneBand,
        srcs: [&PlaneRef<'_, T>; N],
        outs: [&mut [T]; N],
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (detected just above), the only requirement of the target feature.
            unsafe { self.render_band_avx2(m, gy, band, srcs, outs) };
            return;
        }
        self.render_band_portable(m, gy, band, srcs, outs);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn render_band_avx2<T: Sample, const N: usize>(
        &self,
        m: &[[f32; 3]; 3],
        gy: usize,
        band: &PlaneBand,
        srcs: [&PlaneRef<'_, T>; N],
        outs: [&mut [T]; N],
    ) {
        self.render_band_portable(m, gy, band, srcs, outs);
    }

    #[inline(always)]
    fn render_band_portable<T: Sample, const N: usize>(
        &self,
        m: &[[f32; 3]; 3],
        gy: usize,
        band: &PlaneBand,
        srcs: [&PlaneRef<'_, T>; N],
        mut outs: [&mut [T]; N],
    ) {
        let gw = self.grid_w;
        let PlaneBand { y0, rows, w, h, stride } = *band;
        // Plane scale relative to luma: pixel x of this plane sits at luma x * kx.
        let kx = self.out_w as f64 / w as f64;
        let ky = self.out_h as f64 / h as f64;
        // All planes have this size (the caller pairs only planes of one size).
        let Some(src) = srcs.first() else {
            return;
        };
        let (sw, sh) = (src.width as f64, src.height as f64);
        let cell = CELL as f64;
        // Per cell of this band: the plane's pixel range and, for a linear cell, the source position of its first
        // pixel and the step to the next as linear functions of the row (bilinear interpolation between the
        // corners is linear along a row and, at a fixed column, down the rows), in 32.32 fixed point. Per cell
        // and row only integer adds and shifts remain.
        // A plain loop rather than an iterator chain keeps this inside the function compiled for AVX2 (rounding
        // inline rather than through libm).
        let mut cells: Vec<CellSpan> = Vec::with_capacity(gw - 1);
        for gx in 0..gw - 1 {
            cells.push({
                let begin = ((((gx * CELL) as f64) / kx - 0.5).ceil().max(0.0) as usize).min(w);
                let end = (((((gx + 1) * CELL) as f64) / kx - 0.5).ceil().max(0.0) as usize).min(w);
                // Exact rays' spacing in this plane's pixels (0: linear).
                let exact = match self.cell_exact[gy * (gw - 1) + gx] {
                    0 => 0,
                    step => ((step as f64 / kx) as usize).max(1),
                };
                let c = corners(&self.node_st, gw, gx, gy);
                let s0 = c[0][0];
                let sv = [
                    s0,
                    unwrap_near(c[1][0], s0),
                    unwrap_near(c[2][0], s0),
                    unwrap_near(c[3][0], s0),
                ]
                .map(f64::from);
                let tv = [c[0][1], c[1][1], c[2][1], c[3][1]].map(f64::from);
                // Fraction across the cell of the first pixel's centre, and per pixel of this plane.
                let u0 = ((begin as f64 + 0.5) * kx - (gx * CELL) as f64) / cell;
                let du = kx / cell;
                // (start x, step x, start y, step y) in this plane's pixels at fraction `v` down the cell.
                let line = |v: f64| -> [f64; 4] {
                    let (ls, rs) = (sv[0] + (sv[2] - sv[0]) * v, sv[1] + (sv[3] - sv[1]) * v);
                    let (lt, rt) = (tv[0] + (tv[2] - tv[0]) * v, tv[1] + (tv[3] - tv[1]) * v);
                    [
                        (ls + (rs - ls) * u0) * sw - 0.5,
                        (rs - ls) * du * sw,
                        (lt + (rt - lt) * u0) * sh - 0.5,
                        (rt - lt) * du * sh,
                    ]
                };
                // Fraction down the cell of the band's first row of this plane, and per row.
                let v0 = ((y0 as f64 + 0.5) * ky - (gy * CELL) as f64) / cell;
                let (first, next) = (line(v0), line(v0 + ky / cell));
                let fixed = |v: f64| (v * 4_294_967_296.0) as i64;
                CellSpan {
                    begin,
                    end,
                    exact,
                    skip: 0,
                    at_row: first.map(fixed),
                    per_row: [0, 1, 2, 3].map(|i| fixed(next[i] - first[i])),
                }
            });
        }
        // Each row is a list of straight lines of source positions (one per linear cell, one per pixel of an
        // exact cell) for the sampling kernel, which steps along them itself.
        // Sized for the worst case (every pixel its own line, plus the tail) and filled by index: cheaper than
        // pushing.
        // The buffer lives on with the thread: a fresh one per band would write (and fault in) megabytes per pose.
        let mut lines = LINE_BUFFER.with(|b| b.take());
        if lines.len() < w + cells.len() + 1 {
            lines.resize(w + cells.len() + 1, Line::default());
        }
        // Which columns each cell draws does not depend on the row: a cell starts where the previous one ended
        // (skipping the pixels already drawn), and empty cells drop out. Per row, a linear cell's 32.32 position
        // and step advance by one row's change (wrapping adds: the same values as start + change * row).
        let mut x = 0usize;
        cells.retain_mut(|cell| {
            let begin = cell.begin.max(x);
            if begin >= cell.end {
                return false;
            }
            cell.skip = (begin - cell.begin) as i32;
            cell.begin = begin;
            x = cell.end;
            true
        });
        let tail = x;
        let (tan_x, tan_y) = (self.tan_x, self.tan_y);
        for r in 0..rows {
            let y = y0 + r;
            let rows = outs.each_mut().map(|out| &mut out[r * stride..r * stride + w]);
            let mut count = 0;
            for cell in cells.iter_mut() {
                let (begin, end) = (cell.begin, cell.end);
                if cell.exact != 0 {
                    // Exact rays every `cell.exact` pixels (and at the cell's end), straight lines between them.
                    let ly = (y as f32 + 0.5) * ky as f32;
                    let ray_b = (2.0 * ly / self.out_h as f32 - 1.0) * tan_y;
                    let (kx, out_w, sw, sh) = (kx as f32, self.out_w as f32, sw as f32, sh as f32);
                    let exact_at = |xi: usize| -> [f32; 2] {
                        let lx = (xi as f32 + 0.5) * kx;
                        let ray_a = (2.0 * lx / out_w - 1.0) * tan_x;
                        let st = project(m, [ray_a, ray_b, 1.0]);
                        [st[0] * sw - 0.5, st[1] * sh - 0.5]
                    };
                    let mut xi = begin;
                    let mut p = exact_at(xi);
                    while xi < cell.end {
                        let n = cell.exact.min(cell.end - xi);
                        let q = exact_at(xi + n);
                        // The next node's x within half a turn of this one's (across the seam).
                        let qx = q[0] - ((q[0] - p[0]) / sw).round() * sw;
                        let inv = 1.0 / n as f32;
                        lines[count] = Line {
                            begin: xi,
                            n,
                            x: (p[0] * 65536.0) as i32,
                            dx: ((qx - p[0]) * inv * 65536.0) as i32,
                            y: (p[1] * 65536.0) as i32,
                            dy: ((q[1] - p[1]) * inv * 65536.0) as i32,
                        };
                        count += 1;
                        xi += n;
                        p = q;
                    }
                } else {
                    // 32.32 to 16.16, wrapping (a wild position only samples a wrong pixel).
                    let at = cell.at_row.map(|v| (v >> 16) as i32);
                    let (dx, dy) = (at[1], at[3]);
                    let (mut lx, mut ly) = (at[0], at[2]);
                    if cell.skip != 0 {
                        lx = lx.wrapping_add(dx.wrapping_mul(cell.skip));
                        ly = ly.wrapping_add(dy.wrapping_mul(cell.skip));
                    }
                    lines[count] = Line {
                        begin,
                        n: end - begin,
                        x: lx,
                        dx,
                        y: ly,
                        dy,
                    };
                    count += 1;
                }
                for (v, d) in cell.at_row.iter_mut().zip(cell.per_row) {
                    *v = v.wrapping_add(d);
                }
            }
            if tail < w {
                // The last partial cell rounds away at most a pixel: repeat the last one.
                let (lx, ly) = lines[..count].last().map_or((0, 0), |l| {
                    let k = l.n.saturating_sub(1) as i32;
                    (
                        l.x.wrapping_add(l.dx.wrapping_mul(k)),
                        l.y.wrapping_add(l.dy.wrapping_mul(k)),
                    )
                });
                lines[count] = Line {
                    begin: tail,
                    n: w - tail,
                    x: lx,
                    dx: 0,
                    y: ly,
                    dy: 0,
                };
                count += 1;
            }
            T::sample_lines(srcs, &lines[..count], rows);
        }
        LINE_BUFFER.with(|b| b.replace(lines));
    }
}

thread_local! {
    /// Each rayon worker's row of lines, reused from band to band.
    static LINE_BUFFER: std::cell::Cell<Vec<Line>> = const { std::cell::Cell::new(Vec::new()) };
}

/// One grid cell within a band, for one plane: its pixel columns and where their source positions are.
#[derive(Clone, Copy, Debug)]
struct CellSpan {
    begin: usize,
    end: usize,
    /// Pixels of the cell's first columns that the previous cell already draws (rounding at plane scale).
    skip: i32,
    /// 0, or (where linear interpolation would be off by too much) the spacing, in pixels of the plane, of the
    /// exact rays it is rendered from along each row.
    exact: usize,
    /// Source position (pixels of the plane, 32.32 fixed point) of the first pixel and the step to the next,
    /// x then y: `[start x, step x, start y, step y]` on the current row (the band's first, then advanced), and
    /// its change per row.
    at_row: [i64; 4],
    per_row: [i64; 4],
}

/// The rows of one output plane that one grid band covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PlaneBand {
    y0: usize,
    rows: usize,
    w: usize,
    h: usize,
    stride: usize,
}

#[inline(always)]
fn corners(node_st: &[[f32; 2]], gw: usize, gx: usize, gy: usize) -> [[f32; 2]; 4] {
    let i = gy * gw + gx;
    [node_st[i], node_st[i + 1], node_st[i + gw], node_st[i + gw + 1]]
}

/// `s` shifted by whole turns to lie within half a turn of `reference`.
#[inline(always)]
fn unwrap_near(s: f32, reference: f32) -> f32 {
    let d = s - reference;
    // Round half away from zero without a libm call (|d| < 2).
    s - ((d + 0.5f32.copysign(d)) as i32) as f32
}

/// Rotates a camera ray and returns its normalised equirect position (s across, t down, 0..1).
#[inline(always)]
fn project(m: &[[f32; 3]; 3], r: [f32; 3]) -> [f32; 2] {
    let x = m[0][0] * r[0] + m[0][1] * r[1] + m[0][2] * r[2];
    let y = m[1][0] * r[0] + m[1][1] * r[1] + m[1][2] * r[2];
    let z = m[2][0] * r[0] + m[2][1] * r[1] + m[2][2] * r[2];
    let lon = fast_atan2(x, z);
    let lat = fast_atan2(y, (x * x + z * z).sqrt());
    [lon / (2.0 * PI) + 0.5, lat / PI + 0.5]
}

/// `y.atan2(x)` within 1e-5 radians (a hundredth of a pixel of a 4K equirect, 611 px per radian) at a fraction
/// of libm's cost: a minimax polynomial for atan on [0, 1] and octant symmetry. The sign of zero is ignored
/// (atan2(-0, -1) gives +pi), which only moves a position across the seam, where sampling wraps anyway.
#[inline(always)]
fn fast_atan2(y: f32, x: f32) -> f32 {
    let (ax, ay) = (x.abs(), y.abs());
    let (lo, hi) = (ax.min(ay), ax.max(ay));
    if hi == 0.0 {
        return 0.0;
    }
    let a = lo / hi;
    let q = a * a;
    let mut r = a
        * (0.999_977_26
            + q * (-0.332_623_47 + q * (0.193_543_46 + q * (-0.116_432_87 + q * (0.052_653_32 - q * 0.011_721_2)))));
    if ay > ax {
        r = std::f32::consts::FRAC_PI_2 - r;
    }
    if x < 0.0 {
        r = PI - r;
    }
    if y < 0.0 { -r } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::projection::{ConvertSettings, Interp, Plane, Projection, convert_planes, metrics::psnr};

    /// Renders each pose and checks it against the exact remap (per-pixel rays, bilinear) within 40 dB.
    fn assert_matches_exact_remap<T: Sample>(src: &[Plane<T>], poses: &[(f64, f64, f64)], max: u32) {
        let (w, h) = (320, 180);
        let mut r = ViewportRenderer::new(90.0, 58.7, w, h, 512, 256).unwrap();
        for &(yaw, pitch, roll) in poses {
            let mut out: Vec<Plane<T>> = (0..3).map(|_| Plane::new(w, h, T::default())).collect();
            let ins: Vec<_> = src.iter().map(|p| p.as_ref()).collect();
            let mut outs: Vec<_> = out.iter_mut().map(|p| p.as_mut()).collect();
            r.render(yaw, pitch, roll, &ins, &mut outs).unwrap();
            let exact = convert_planes(
                &ConvertSettings {
                    from: Projection::Equirect,
                    to: Projection::Perspective {
                        h_fov_deg: 90.0,
                        v_fov_deg: 58.7,
                    },
                    yaw_deg: yaw,
                    pitch_deg: pitch,
                    roll_deg: roll,
                    interp: Interp::Bilinear,
                },
                src,
                w,
                h,
                max,
            )
            .unwrap();
            let q = psnr(&out, &exact, max as f64).unwrap();
            assert!(q > 40.0, "pose {yaw} {pitch} {roll}: {q:.1} dB");
        }
    }

    #[test]
    fn matches_the_exact_remap() {
        let src = crate::vision::projection::tests::pattern(512, 256);
        let poses = [
            (0.0, 0.0, 0.0),
            (170.0, 10.0, 5.0),
            (-60.0, 80.0, 0.0),
            (30.0, -89.0, 20.0),
        ];
        assert_matches_exact_remap(&src, &poses, 255);
    }

    #[test]
    fn fast_atan2_is_within_its_bound() {
        let mut worst = 0.0f64;
        for i in 0..20_000 {
            let angle = i as f64 / 20_000.0 * std::f64::consts::TAU - std::f64::consts::PI;
            for radius in [1e-3, 0.7, 1.0, 3.0] {
                let (y, x) = ((angle.sin() * radius) as f32, (angle.cos() * radius) as f32);
                let want = (y as f64).atan2(x as f64);
                let mut err = (fast_atan2(y, x) as f64 - want).abs();
                // +pi and -pi are the same direction.
                err = err.min((err - std::f64::consts::TAU).abs());
                worst = worst.max(err);
            }
        }
        assert!(worst < 1e-5, "worst error {worst:e} rad");
        assert_eq!(fast_atan2(0.0, 0.0), 0.0);
    }

    #[test]
    fn ten_bit_planes_match_the_exact_remap() {
        let src8 = crate::vision::projection::tests::pattern(512, 256);
        let src: Vec<Plane<u16>> = src8
            .iter()
            .map(|p| Plane {
                width: p.width,
                height: p.height,
                stride: p.stride,
                data: p.data.iter().map(|&v| v as u16 * 4).collect(),
            })
            .collect();
        assert_matches_exact_remap(&src, &[(170.0, 10.0, 5.0), (30.0, -89.0, 20.0)], 1023);
    }

    #[test]
    fn pose_traces_parse() {
        let p = parse_pose_trace("time,yaw,pitch,roll\n0,10,-5,0\n# c\n0.5, 20, 0, 3\n", "t.csv").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[1],
            Pose {
                time: 0.5,
                yaw: 20.0,
                pitch: 0.0,
                roll: 3.0
            }
        );
        assert!(
            parse_pose_trace("0,1,2\n", "t.csv")
                .unwrap_err()
                .to_string()
                .contains("line 1")
        );
        assert!(parse_pose_trace("", "t.csv").is_err());
    }
}

/// One head pose of a trace: time in seconds and the view's yaw, pitch and roll in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pose {
    pub time: f64,
    pub yaw: f64,
    pub pitch: f64,
    pub roll: f64,
}

/// Parses a pose trace: CSV lines `time,yaw,pitch,roll` (degrees); an optional header line, blank lines and
/// `#` comments are skipped. `origin` names the trace in errors.
pub fn parse_pose_trace(text: &str, origin: &str) -> Result<Vec<Pose>> {
    let mut poses = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let nums: Option<Vec<f64>> = fields
            .iter()
            .map(|f| f.parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect();
        match nums {
            Some(v) if v.len() == 4 => poses.push(Pose {
                time: v[0],
                yaw: v[1],
                pitch: v[2],
                roll: v[3],
            }),
            None if poses.is_empty() && n == 0 => continue, // header
            _ => {
                return Err(Error::Malformed(format!(
                    "{origin}: line {}: expected time,yaw,pitch,roll",
                    n + 1
                )));
            }
        }
    }
    if poses.is_empty() {
        return Err(Error::Malformed(format!("{origin}: no poses")));
    }
    if poses.len() > 1_000_000 {
        return Err(Error::Limit(format!("{origin}: more than a million poses")));
    }
    Ok(poses)
}
