//! Head-tracked viewports: flat (perspective) views cut from an equirect frame for one pose at a time,
//! fast enough for a motion-to-photon budget.
//!
//! Why not a remap table per pose: building one costs two inverse trigonometric functions per output pixel
//! (tens of milliseconds at 1080p). Instead the camera-space rays of a coarse grid (one node every `CELL`
//! pixels) are computed once; per pose only the grid nodes are rotated and projected (about 8 000 rays at
//! 1080p), and pixels between nodes interpolate the source position linearly, stepping in 16.16 fixed
//! point. Each cell's centre is also projected exactly; a cell where linear interpolation would miss by more
//! than `MAX_ERROR_PX` (around the poles, where longitude swings) is rendered with exact per-pixel rays.

use super::plane::{PlaneMut, PlaneRef, Sample};
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::f32::consts::PI;

/// Grid spacing in output luma pixels.
const CELL: usize = 16;
/// Largest tolerated error (input luma pixels) of linear interpolation at a cell centre.
const MAX_ERROR_PX: f32 = 0.2;

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
    cell_exact: Vec<bool>,
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
        if out_w < 2 || out_h < 2 || src_w < 2 || src_h < 2 || out_w > 16384 || out_h > 16384 {
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
            cell_exact: vec![false; centre_rays.len()],
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
        self.cell_exact
            .par_chunks_mut(gw - 1)
            .enumerate()
            .for_each(|(gy, row)| {
                for (gx, exact) in row.iter_mut().enumerate() {
                    let c = corners(node_st, gw, gx, gy);
                    let mid = project(&m, centres[gy * (gw - 1) + gx]);
                    let pred_s = (c[0][0] + c[1][0] + c[2][0] + c[3][0]) / 4.0;
                    let pred_t = (c[0][1] + c[1][1] + c[2][1] + c[3][1]) / 4.0;
                    let ds = unwrap_near(mid[0], pred_s) - pred_s;
                    *exact = (ds * sw).abs() > MAX_ERROR_PX || ((mid[1] - pred_t) * sh).abs() > MAX_ERROR_PX;
                }
            });
        let stats = ViewportStats {
            cells: self.cell_exact.len(),
            exact_cells: self.cell_exact.iter().filter(|&&e| e).count(),
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
        band_planes.into_par_iter().enumerate().for_each(|(gy, planes)| {
            for (p, (band, data)) in planes.into_iter().enumerate() {
                this.render_band(&m, gy, &band, &inputs[p], data);
            }
        });
        Ok(stats)
    }

    /// Renders the rows of one output plane that lie in grid band `gy`.
    fn render_band<T: Sample>(
        &self,
        m: &[[f32; 3]; 3],
        gy: usize,
        band: &PlaneBand,
        src: &PlaneRef<'_, T>,
        out: &mut [T],
    ) {
        let gw = self.grid_w;
        let PlaneBand { y0, rows, w, h, stride } = *band;
        // Plane scale relative to luma: pixel x of this plane sits at luma x * kx.
        let kx = self.out_w as f32 / w as f32;
        let ky = self.out_h as f32 / h as f32;
        let (sw, sh) = (src.width as f32, src.height as f32);
        let (swi, shi) = (src.width as i32, src.height as i32);
        // Per cell of this band (constant over its rows): the plane's pixel range and the unwrapped corners.
        // Hoisted out of the row loop: per cell and row only a few multiply-adds remain.
        let cells: Vec<CellSpan> = (0..gw - 1)
            .map(|gx| {
                let begin = ((((gx * CELL) as f32) / kx - 0.5).ceil().max(0.0) as usize).min(w);
                let end = (((((gx + 1) * CELL) as f32) / kx - 0.5).ceil().max(0.0) as usize).min(w);
                let exact = self.cell_exact[gy * (gw - 1) + gx];
                let c = corners(&self.node_st, gw, gx, gy);
                let s0 = c[0][0];
                let sv = [
                    s0,
                    unwrap_near(c[1][0], s0),
                    unwrap_near(c[2][0], s0),
                    unwrap_near(c[3][0], s0),
                ];
                let tv = [c[0][1], c[1][1], c[2][1], c[3][1]];
                CellSpan {
                    begin,
                    end,
                    exact,
                    s: sv,
                    t: tv,
                }
            })
            .collect();
        for r in 0..rows {
            let y = y0 + r;
            let row = &mut out[r * stride..r * stride + w];
            // Luma position of this row's pixel centres, and where it falls in the band's cells.
            let ly = (y as f32 + 0.5) * ky;
            let fy = ((ly - (gy * CELL) as f32) / CELL as f32).clamp(0.0, 1.0);
            let mut x = 0usize;
            for (gx, cell) in cells.iter().enumerate() {
                let CellSpan {
                    begin,
                    end: x_end,
                    exact,
                    s: sv,
                    t: tv,
                } = *cell;
                let begin = begin.max(x);
                if begin >= x_end {
                    continue;
                }
                if exact {
                    for (xi, px) in row.iter_mut().enumerate().take(x_end).skip(begin) {
                        let lx = (xi as f32 + 0.5) * kx;
                        let a = (2.0 * lx / self.out_w as f32 - 1.0) * self.tan_x;
                        let b = (2.0 * ly / self.out_h as f32 - 1.0) * self.tan_y;
                        let st = project(m, [a, b, 1.0]);
                        *px = sample(src, st[0] * sw - 0.5, st[1] * sh - 0.5, swi, shi);
                    }
                    x = x_end;
                    continue;
                }
                let left_s = sv[0] + (sv[2] - sv[0]) * fy;
                let right_s = sv[1] + (sv[3] - sv[1]) * fy;
                let left_t = tv[0] + (tv[2] - tv[0]) * fy;
                let right_t = tv[1] + (tv[3] - tv[1]) * fy;
                // Source position (pixels of this plane, 16.16 fixed point) at luma x, stepping per pixel.
                let lx0 = (gx * CELL) as f32;
                let at = |lx: f32| -> (f32, f32) {
                    let f = (lx - lx0) / CELL as f32;
                    (
                        (left_s + (right_s - left_s) * f) * sw - 0.5,
                        (left_t + (right_t - left_t) * f) * sh - 0.5,
                    )
                };
                let (sx0, sy0) = at((begin as f32 + 0.5) * kx);
                let (sx1, sy1) = at((begin as f32 + 1.5) * kx);
                let mut fxp = (sx0 * 65536.0) as i64;
                let mut fyp = (sy0 * 65536.0) as i64;
                let dx = ((sx1 - sx0) * 65536.0) as i64;
                let dy = ((sy1 - sy0) * 65536.0) as i64;
                let n = (x_end - begin) as i64;
                let inside = |fx: i64, fy: i64| {
                    let (x, y) = (fx >> 16, fy >> 16);
                    x >= 0 && x < swi as i64 - 1 && y >= 0 && y < shi as i64 - 1
                };
                // The path is a straight line: when both ends stay clear of the seam and the poles, so does
                // every pixel between, and the wrapping and clamping can go.
                if inside(fxp, fyp) && inside(fxp + dx * (n - 1), fyp + dy * (n - 1)) {
                    let (d, s) = (src.data, src.stride);
                    for px in &mut row[begin..x_end] {
                        let i = (fyp >> 16) as usize * s + (fxp >> 16) as usize;
                        debug_assert!(i + s + 1 < d.len());
                        // SAFETY: 0 <= x < width - 1 and 0 <= y < height - 1 at both ends of the line (checked
                        // above), hence at every point of it, and the plane holds `height` rows `stride` apart.
                        let p = unsafe {
                            [
                                *d.get_unchecked(i),
                                *d.get_unchecked(i + 1),
                                *d.get_unchecked(i + s),
                                *d.get_unchecked(i + s + 1),
                            ]
                        };
                        let (ax, ay) = (((fxp >> 8) & 0xff) as u32, ((fyp >> 8) & 0xff) as u32);
                        *px = T::blend4(p, [(256 - ax) * (256 - ay), ax * (256 - ay), (256 - ax) * ay, ax * ay]);
                        fxp += dx;
                        fyp += dy;
                    }
                } else {
                    for px in &mut row[begin..x_end] {
                        *px = sample_fixed(src, fxp, fyp, swi, shi);
                        fxp += dx;
                        fyp += dy;
                    }
                }
                x = x_end;
            }
            if x < w {
                // The last partial cell rounds away at most a pixel: repeat the last one.
                let last = if x > 0 { row[x - 1] } else { T::default() };
                row[x..].iter_mut().for_each(|p| *p = last);
            }
        }
    }
}

/// One grid cell within a band, for one plane: its pixel columns and its corners' source positions.
#[derive(Clone, Copy, Debug)]
struct CellSpan {
    begin: usize,
    end: usize,
    exact: bool,
    /// Corner longitudes (unwrapped around the first) and latitudes, normalised: top-left, top-right,
    /// bottom-left, bottom-right.
    s: [f32; 4],
    t: [f32; 4],
}

/// The rows of one output plane that one grid band covers.
#[derive(Clone, Copy, Debug)]
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
    let lon = x.atan2(z);
    let lat = y.atan2((x * x + z * z).sqrt());
    [lon / (2.0 * PI) + 0.5, lat / PI + 0.5]
}

/// Bilinear sample at fixed-point position (16.16), wrapping across the equirect seam, clamping at the poles.
#[inline(always)]
fn sample_fixed<T: Sample>(src: &PlaneRef<'_, T>, fx: i64, fy: i64, w: i32, h: i32) -> T {
    let mut x0 = (fx >> 16) as i32;
    let y0 = (fy >> 16) as i32;
    let ax = ((fx >> 8) & 0xff) as u32;
    let ay = ((fy >> 8) & 0xff) as u32;
    if x0 < 0 || x0 >= w {
        x0 = x0.rem_euclid(w);
    }
    let x1 = if x0 + 1 >= w { 0 } else { x0 + 1 };
    let (ya, yb) = (y0.clamp(0, h - 1) as usize, (y0 + 1).clamp(0, h - 1) as usize);
    let s = src.stride;
    let (x0, x1) = (x0 as usize, x1 as usize);
    let d = src.data;
    debug_assert!(yb * s + x1 < d.len() && ya * s + x0 < d.len());
    // SAFETY: x0, x1 < w and ya, yb < h by the wrapping and clamping above, and `render` checked that the
    // plane holds h rows of w samples `stride` apart (`is_consistent`), and w, h are the plane's own.
    let p = unsafe {
        [
            *d.get_unchecked(ya * s + x0),
            *d.get_unchecked(ya * s + x1),
            *d.get_unchecked(yb * s + x0),
            *d.get_unchecked(yb * s + x1),
        ]
    };
    let w4 = [(256 - ax) * (256 - ay), ax * (256 - ay), (256 - ax) * ay, ax * ay];
    T::blend4(p, w4)
}

#[inline(always)]
fn sample<T: Sample>(src: &PlaneRef<'_, T>, x: f32, y: f32, w: i32, h: i32) -> T {
    sample_fixed(src, (x * 65536.0) as i64, (y * 65536.0) as i64, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::projection::{ConvertSettings, Interp, Projection, convert_planes, metrics::psnr};

    #[test]
    fn matches_the_exact_remap() {
        let src = crate::vision::projection::tests::pattern(512, 256);
        let (w, h) = (320, 180);
        let mut r = ViewportRenderer::new(90.0, 58.7, w, h, 512, 256).unwrap();
        for &(yaw, pitch, roll) in &[
            (0.0, 0.0, 0.0),
            (170.0, 10.0, 5.0),
            (-60.0, 80.0, 0.0),
            (30.0, -89.0, 20.0),
        ] {
            let mut out: Vec<crate::vision::projection::Plane<u8>> =
                (0..3).map(|_| crate::vision::projection::Plane::new(w, h, 0)).collect();
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
                &src,
                w,
                h,
                255,
            )
            .unwrap();
            let q = psnr(&out, &exact, 255.0).unwrap();
            assert!(q > 40.0, "pose {yaw} {pitch} {roll}: {q:.1} dB");
        }
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
