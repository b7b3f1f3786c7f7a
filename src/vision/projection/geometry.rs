//! Sphere geometry of each 360 projection: frame position <-> unit direction, face by face.
//!
//! Directions use FFmpeg v360's axes: x to the right, y down, z forward (the centre of an equirect frame and
//! the front cube face look along +z). A projection is split into faces (one for equirect, six for cubemaps,
//! two for dual fisheye); a face is a rectangle of the frame with its own local coordinates `s, t` in 0..1
//! (left to right, top to bottom), which may be extended a little beyond 0..1 to fill interpolation borders.

use crate::error::{Error, Result};
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};

/// A direction (not necessarily normalised) in v360's axes: x right, y down, z forward.
pub type Vec3 = [f64; 3];

/// Cubemap face order in every layout (v360's default `rludfb`): right, left, up, down, front, back.
pub const CUBE_FACE_NAMES: [&str; 6] = ["right", "left", "up", "down", "front", "back"];

/// How the six faces of a cubemap are arranged in the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CubeLayout {
    /// Three columns, two rows: right left up / down front back.
    C3x2,
    /// One row: right left up down front back.
    C6x1,
    /// One column, top to bottom: right left up down front back.
    C1x6,
}

impl CubeLayout {
    fn grid(self) -> (u32, u32) {
        match self {
            CubeLayout::C3x2 => (3, 2),
            CubeLayout::C6x1 => (6, 1),
            CubeLayout::C1x6 => (1, 6),
        }
    }
}

/// A projection as the user names it, before the frame size is known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Projection {
    /// Equirectangular: longitude across, latitude down; the centre looks forward.
    Equirect,
    /// Cubemap with faces in v360's default order (right, left, up, down, front, back), none rotated.
    Cubemap(CubeLayout),
    /// Equi-angular cubemap in YouTube's (and v360's) 3x2 layout: top row left, front, right; bottom row
    /// down, back, up, turned by 270, 90 and 270 degrees.
    Eac,
    /// One equidistant fisheye lens looking forward, its image circle inscribed in the frame.
    Fisheye { fov_deg: f64 },
    /// Two equidistant fisheye lenses side by side: front lens on the left half, back lens on the right.
    DualFisheye { fov_deg: f64 },
    /// A flat (rectilinear) viewport looking forward.
    Perspective { h_fov_deg: f64, v_fov_deg: f64 },
}

impl Projection {
    /// Parses a projection name: equirect (e), cubemap|c3x2, c6x1, c1x6, eac, fisheye, dual-fisheye
    /// (dfisheye), perspective (flat). Field-of-view settings take their defaults; override them afterwards.
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "equirect" | "e" | "equirectangular" => Projection::Equirect,
            "cubemap" | "c3x2" | "cubemap3x2" => Projection::Cubemap(CubeLayout::C3x2),
            "c6x1" | "cubemap6x1" => Projection::Cubemap(CubeLayout::C6x1),
            "c1x6" | "cubemap1x6" => Projection::Cubemap(CubeLayout::C1x6),
            "eac" => Projection::Eac,
            "fisheye" => Projection::Fisheye { fov_deg: 180.0 },
            "dual-fisheye" | "dfisheye" => Projection::DualFisheye { fov_deg: 180.0 },
            "perspective" | "flat" | "rectilinear" => Projection::Perspective {
                h_fov_deg: 90.0,
                v_fov_deg: perspective_v_fov(90.0, 16.0 / 9.0),
            },
            other => {
                return Err(Error::InvalidArgument(format!(
                    "unknown projection '{other}' (equirect, cubemap, c3x2, c6x1, c1x6, eac, fisheye, dual-fisheye, perspective)"
                )));
            }
        })
    }

    /// This projection with field-of-view settings overridden where given: `fov` for fisheye lenses, `h_fov` and
    /// `v_fov` for a perspective view. A perspective view given `h_fov` but not `v_fov` gets the vertical field
    /// that keeps square pixels at output `aspect` (width / height).
    pub fn with_fov(self, fov: Option<f64>, h_fov: Option<f64>, v_fov: Option<f64>, aspect: f64) -> Projection {
        match self {
            Projection::Fisheye { fov_deg } => Projection::Fisheye {
                fov_deg: fov.unwrap_or(fov_deg),
            },
            Projection::DualFisheye { fov_deg } => Projection::DualFisheye {
                fov_deg: fov.unwrap_or(fov_deg),
            },
            Projection::Perspective { h_fov_deg, v_fov_deg } => {
                let h = h_fov.unwrap_or(h_fov_deg);
                let v = v_fov.unwrap_or(if h_fov.is_some() {
                    perspective_v_fov(h, aspect)
                } else {
                    v_fov_deg
                });
                Projection::Perspective {
                    h_fov_deg: h,
                    v_fov_deg: v,
                }
            }
            p => p,
        }
    }

    /// `from` and `to` fitted to a picture of `in_w` x `in_h`, with the field-of-view overrides of
    /// [`Projection::with_fov`], and the output size: `width`/`height` where given, else `to`'s
    /// [`Projection::default_size`] for this input. `from` takes the input's aspect; a perspective `to`
    /// takes the aspect of the size it ends up with.
    pub fn fit_conversion(
        from: Projection,
        to: Projection,
        fov: (Option<f64>, Option<f64>, Option<f64>),
        (width, height): (Option<u32>, Option<u32>),
        (in_w, in_h): (u32, u32),
    ) -> (Projection, Projection, u32, u32) {
        let (f, h_fov, v_fov) = fov;
        let from = from.with_fov(f, h_fov, v_fov, in_w as f64 / in_h.max(1) as f64);
        // The default size depends on `to`'s fields, which may depend on the size: guess 16:9 first.
        let guess = to.with_fov(f, h_fov, v_fov, 16.0 / 9.0);
        let (dw, dh) = guess.default_size(&from, in_w, in_h);
        let (w, h) = (width.unwrap_or(dw), height.unwrap_or(dh));
        let to = to.with_fov(f, h_fov, v_fov, w as f64 / h.max(1) as f64);
        (from, to, w, h)
    }

    /// A short name, as `parse` accepts it.
    pub fn name(&self) -> &'static str {
        match self {
            Projection::Equirect => "equirect",
            Projection::Cubemap(CubeLayout::C3x2) => "c3x2",
            Projection::Cubemap(CubeLayout::C6x1) => "c6x1",
            Projection::Cubemap(CubeLayout::C1x6) => "c1x6",
            Projection::Eac => "eac",
            Projection::Fisheye { .. } => "fisheye",
            Projection::DualFisheye { .. } => "dual-fisheye",
            Projection::Perspective { .. } => "perspective",
        }
    }

    /// The output frame size that keeps about the angular resolution of an input of this size in
    /// projection `from` (pixels per radian at the centre), rounded to even numbers.
    pub fn default_size(&self, from: &Projection, in_w: u32, in_h: u32) -> (u32, u32) {
        let ppr = from.pixels_per_radian(in_w, in_h);
        let even = |x: f64| ((x / 2.0).round().max(1.0) * 2.0) as u32;
        match self {
            Projection::Equirect => (even(ppr * 2.0 * PI), even(ppr * PI)),
            Projection::Cubemap(l) => {
                let face = even(ppr * FRAC_PI_2) as f64;
                let (c, r) = l.grid();
                (even(face * c as f64), even(face * r as f64))
            }
            Projection::Eac => {
                let face = even(ppr * FRAC_PI_2) as f64;
                (even(face * 3.0), even(face * 2.0))
            }
            Projection::Fisheye { fov_deg } => {
                let d = even(ppr * fov_deg.to_radians());
                (d, d)
            }
            Projection::DualFisheye { fov_deg } => {
                let d = even(ppr * fov_deg.to_radians());
                (2 * d, d)
            }
            Projection::Perspective { .. } => (1920, 1080),
        }
    }

    fn pixels_per_radian(&self, w: u32, h: u32) -> f64 {
        let (w, h) = (w as f64, h as f64);
        match self {
            Projection::Equirect => w / (2.0 * PI),
            Projection::Cubemap(l) => {
                let (c, _) = l.grid();
                w / c as f64 / FRAC_PI_2
            }
            Projection::Eac => w / 3.0 / FRAC_PI_2,
            Projection::Fisheye { fov_deg } => w.min(h) / fov_deg.to_radians(),
            Projection::DualFisheye { fov_deg } => (w / 2.0).min(h) / fov_deg.to_radians(),
            Projection::Perspective { h_fov_deg, .. } => w / 2.0 / (h_fov_deg.to_radians() / 2.0).tan(),
        }
    }

    /// Resolves the projection for a frame of `width` x `height` pixels.
    pub fn geometry(&self, width: u32, height: u32) -> Result<Geometry> {
        if width == 0 || height == 0 {
            return Err(Error::InvalidArgument("empty frame".into()));
        }
        let fov_ok = |f: f64, max: f64| f.is_finite() && f > 0.0 && f <= max;
        match *self {
            Projection::Fisheye { fov_deg } | Projection::DualFisheye { fov_deg } if !fov_ok(fov_deg, 360.0) => {
                return Err(Error::InvalidArgument(format!(
                    "fisheye field of view {fov_deg} is not in (0, 360]"
                )));
            }
            Projection::Perspective { h_fov_deg, v_fov_deg }
                if !fov_ok(h_fov_deg, 179.0) || !fov_ok(v_fov_deg, 179.0) =>
            {
                return Err(Error::InvalidArgument(format!(
                    "perspective field of view {h_fov_deg}x{v_fov_deg} is not in (0, 179]"
                )));
            }
            _ => {}
        }
        let faces = match self {
            Projection::Equirect | Projection::Fisheye { .. } | Projection::Perspective { .. } => {
                vec![[0.0, 0.0, 1.0, 1.0]]
            }
            Projection::DualFisheye { .. } => vec![[0.0, 0.0, 0.5, 1.0], [0.5, 0.0, 0.5, 1.0]],
            Projection::Cubemap(l) => {
                let (c, r) = l.grid();
                (0..6)
                    .map(|i| {
                        let (cx, cy) = (i % c, i / c);
                        [
                            cx as f64 / c as f64,
                            cy as f64 / r as f64,
                            1.0 / c as f64,
                            1.0 / r as f64,
                        ]
                    })
                    .collect()
            }
            Projection::Eac => {
                // Face index (r l u d f b) -> grid cell (column, row).
                const CELLS: [(u32, u32); 6] = [(2, 0), (0, 0), (2, 1), (0, 1), (1, 0), (1, 1)];
                CELLS
                    .iter()
                    .map(|&(cx, cy)| [cx as f64 / 3.0, cy as f64 / 2.0, 1.0 / 3.0, 0.5])
                    .collect()
            }
        };
        Ok(Geometry {
            projection: *self,
            width,
            height,
            faces,
        })
    }
}

/// A projection resolved for a frame size: faces as rectangles of the frame and the mappings to directions.
#[derive(Clone, Debug)]
pub struct Geometry {
    projection: Projection,
    width: u32,
    height: u32,
    /// Face rectangles as fractions of the frame: x, y, w, h.
    faces: Vec<[f64; 4]>,
}

/// EAC face rotations (quarter turns, v360's `rotate_cube_face` convention) in face order r l u d f b.
const EAC_ROT: [u8; 6] = [0, 0, 3, 3, 0, 1];

impl Geometry {
    pub fn projection(&self) -> &Projection {
        &self.projection
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// Face rectangles as fractions of the frame (x, y, w, h).
    pub fn faces(&self) -> &[[f64; 4]] {
        &self.faces
    }

    /// The direction seen at local position `s, t` of `face` (values a little outside 0..1 extend the face),
    /// or `None` where the projection shows nothing (outside a fisheye's image circle).
    pub fn face_to_dir(&self, face: usize, s: f64, t: f64) -> Option<Vec3> {
        let (a, b) = (2.0 * s - 1.0, 2.0 * t - 1.0);
        match self.projection {
            Projection::Equirect => {
                let lon = a * PI;
                let lat = b * FRAC_PI_2;
                Some([lat.cos() * lon.sin(), lat.sin(), lat.cos() * lon.cos()])
            }
            Projection::Cubemap(_) => Some(cube_face_dir(face, a, b)),
            Projection::Eac => {
                let (ea, eb) = unrotate(EAC_ROT[face], a, b);
                Some(cube_face_dir(face, (ea * FRAC_PI_4).tan(), (eb * FRAC_PI_4).tan()))
            }
            Projection::Fisheye { fov_deg } => {
                let aspect = self.width as f64 / self.height as f64;
                fisheye_dir(a, b, aspect, fov_deg)
            }
            Projection::DualFisheye { fov_deg } => {
                let aspect = self.width as f64 / 2.0 / self.height as f64;
                let d = fisheye_dir(a, b, aspect, fov_deg)?;
                // The back lens looks along -z: a half turn about the vertical axis.
                Some(if face == 0 { d } else { [-d[0], d[1], -d[2]] })
            }
            Projection::Perspective { h_fov_deg, v_fov_deg } => {
                let tx = (h_fov_deg.to_radians() / 2.0).tan();
                let ty = (v_fov_deg.to_radians() / 2.0).tan();
                Some(normalize([a * tx, b * ty, 1.0]))
            }
        }
    }

    /// The face and local position `s, t` (0..1) where direction `d` appears, or `None` where the
    /// projection does not see it (behind a perspective view, outside a fisheye's field of view).
    pub fn dir_to_face(&self, d: Vec3) -> Option<(usize, f64, f64)> {
        let to_st = |a: f64, b: f64| ((a + 1.0) * 0.5, (b + 1.0) * 0.5);
        match self.projection {
            Projection::Equirect => {
                let lon = d[0].atan2(d[2]);
                let r = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
                if r == 0.0 {
                    return None;
                }
                let lat = (d[1] / r).clamp(-1.0, 1.0).asin();
                let (s, t) = to_st(lon / PI, lat / FRAC_PI_2);
                Some((0, s, t))
            }
            Projection::Cubemap(_) => {
                let (f, a, b) = cube_dir_face(d)?;
                let (s, t) = to_st(a, b);
                Some((f, s, t))
            }
            Projection::Eac => {
                let (f, a, b) = cube_dir_face(d)?;
                let (ea, eb) = (a.atan() / FRAC_PI_4, b.atan() / FRAC_PI_4);
                let (ra, rb) = rotate(EAC_ROT[f], ea, eb);
                let (s, t) = to_st(ra, rb);
                Some((f, s, t))
            }
            Projection::Fisheye { fov_deg } => {
                let aspect = self.width as f64 / self.height as f64;
                let (a, b) = fisheye_pos(d, aspect, fov_deg)?;
                let (s, t) = to_st(a, b);
                Some((0, s, t))
            }
            Projection::DualFisheye { fov_deg } => {
                let aspect = self.width as f64 / 2.0 / self.height as f64;
                let (face, local) = if d[2] >= 0.0 { (0, d) } else { (1, [-d[0], d[1], -d[2]]) };
                let (a, b) = fisheye_pos(local, aspect, fov_deg)?;
                let (s, t) = to_st(a, b);
                Some((face, s, t))
            }
            Projection::Perspective { h_fov_deg, v_fov_deg } => {
                if d[2] <= 0.0 {
                    return None;
                }
                let tx = (h_fov_deg.to_radians() / 2.0).tan();
                let ty = (v_fov_deg.to_radians() / 2.0).tan();
                let (a, b) = (d[0] / d[2] / tx, d[1] / d[2] / ty);
                if a.abs() > 1.0 || b.abs() > 1.0 {
                    return None;
                }
                let (s, t) = to_st(a, b);
                Some((0, s, t))
            }
        }
    }

    /// The direction seen at the centre of frame pixel (x, y) (integer coordinates = pixel corners).
    pub fn pixel_to_dir(&self, x: f64, y: f64) -> Option<Vec3> {
        let (u, v) = (x / self.width as f64, y / self.height as f64);
        let face = self
            .faces
            .iter()
            .position(|r| u >= r[0] && u < r[0] + r[2] && v >= r[1] && v < r[1] + r[3])?;
        let r = self.faces[face];
        self.face_to_dir(face, (u - r[0]) / r[2], (v - r[1]) / r[3])
    }

    /// The frame position (pixel units, integer = pixel corner) where direction `d` appears.
    pub fn dir_to_pixel(&self, d: Vec3) -> Option<(f64, f64)> {
        let (face, s, t) = self.dir_to_face(d)?;
        let r = self.faces[face];
        Some((
            (r[0] + s * r[2]) * self.width as f64,
            (r[1] + t * r[3]) * self.height as f64,
        ))
    }
}

fn normalize(v: Vec3) -> Vec3 {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    if n == 0.0 { v } else { [v[0] / n, v[1] / n, v[2] / n] }
}

/// Cube face `face` (r l u d f b) at plane coordinates a (right), b (down) in -1..1: the same table as v360.
fn cube_face_dir(face: usize, a: f64, b: f64) -> Vec3 {
    match face {
        0 => [1.0, b, -a],
        1 => [-1.0, b, a],
        2 => [a, -1.0, b],
        3 => [a, 1.0, -b],
        4 => [a, b, 1.0],
        _ => [-a, b, -1.0],
    }
}

/// The inverse of `cube_face_dir`: the face that `d` crosses and the plane coordinates there.
fn cube_dir_face(d: Vec3) -> Option<(usize, f64, f64)> {
    let (ax, ay, az) = (d[0].abs(), d[1].abs(), d[2].abs());
    if ax >= ay && ax >= az {
        if ax == 0.0 {
            return None;
        }
        if d[0] > 0.0 {
            Some((0, -d[2] / ax, d[1] / ax))
        } else {
            Some((1, d[2] / ax, d[1] / ax))
        }
    } else if ay >= az {
        if d[1] < 0.0 {
            Some((2, d[0] / ay, d[2] / ay))
        } else {
            Some((3, d[0] / ay, -d[2] / ay))
        }
    } else if d[2] > 0.0 {
        Some((4, d[0] / az, d[1] / az))
    } else {
        Some((5, -d[0] / az, d[1] / az))
    }
}

/// Face coordinates -> layout coordinates for `quarter_turns` (v360's `rotate_cube_face`).
fn rotate(quarter_turns: u8, a: f64, b: f64) -> (f64, f64) {
    match quarter_turns & 3 {
        0 => (a, b),
        1 => (-b, a),
        2 => (-a, -b),
        _ => (b, -a),
    }
}

/// Layout coordinates -> face coordinates: the inverse of `rotate`.
fn unrotate(quarter_turns: u8, a: f64, b: f64) -> (f64, f64) {
    match quarter_turns & 3 {
        0 => (a, b),
        1 => (b, -a),
        2 => (-a, -b),
        _ => (-b, a),
    }
}

/// Equidistant fisheye looking along +z, image circle inscribed in a face of the given aspect (w/h):
/// position (a, b) in -1..1 of the face -> direction.
fn fisheye_dir(a: f64, b: f64, aspect: f64, fov_deg: f64) -> Option<Vec3> {
    // Normalise to the circle: radius 1 at the edge of the inscribed circle.
    let (px, py) = if aspect >= 1.0 {
        (a * aspect, b)
    } else {
        (a, b / aspect)
    };
    let r = (px * px + py * py).sqrt();
    let half = fov_deg.to_radians() / 2.0;
    let theta = r * half;
    if theta > PI {
        return None;
    }
    if r == 0.0 {
        return Some([0.0, 0.0, 1.0]);
    }
    let st = theta.sin();
    Some([st * px / r, st * py / r, theta.cos()])
}

/// The inverse of `fisheye_dir`; `None` outside the field of view.
fn fisheye_pos(d: Vec3, aspect: f64, fov_deg: f64) -> Option<(f64, f64)> {
    let h = (d[0] * d[0] + d[1] * d[1]).sqrt();
    let theta = h.atan2(d[2]);
    let half = fov_deg.to_radians() / 2.0;
    if theta > half + 1e-9 {
        return None;
    }
    let r = theta / half;
    let (px, py) = if h > 0.0 {
        (d[0] / h * r, d[1] / h * r)
    } else {
        (0.0, 0.0)
    };
    Some(if aspect >= 1.0 {
        (px / aspect, py)
    } else {
        (px, py * aspect)
    })
}

/// Rotation for a view turned by yaw (to the right), pitch (up) and roll (clockwise), in degrees: maps an
/// output direction to the input direction it shows (yaw applied last, about the vertical axis).
/// The vertical field of view (degrees) of a perspective view with horizontal field `h_fov_deg` and square
/// pixels at `aspect` (width / height).
pub fn perspective_v_fov(h_fov_deg: f64, aspect: f64) -> f64 {
    (2.0 * ((h_fov_deg.to_radians() / 2.0).tan() / aspect).atan()).to_degrees()
}

pub fn rotation_matrix(yaw_deg: f64, pitch_deg: f64, roll_deg: f64) -> [[f64; 3]; 3] {
    let (sy, cy) = yaw_deg.to_radians().sin_cos();
    let (sp, cp) = pitch_deg.to_radians().sin_cos();
    let (sr, cr) = roll_deg.to_radians().sin_cos();
    let ry = [[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]];
    let rx = [[1.0, 0.0, 0.0], [0.0, cp, -sp], [0.0, sp, cp]];
    let rz = [[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]];
    mat_mul(&mat_mul(&ry, &rx), &rz)
}

/// 3x3 matrix product.
pub fn mat_mul(a: &[[f64; 3]; 3], b: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut m = [[0.0; 3]; 3];
    for (i, row) in m.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    m
}

/// Matrix times vector.
pub fn mat_vec(m: &[[f64; 3]; 3], v: Vec3) -> Vec3 {
    [
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    ]
}

/// The transpose (the inverse, for a rotation).
pub fn transpose(m: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut t = [[0.0; 3]; 3];
    for (i, row) in m.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            t[j][i] = *v;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_fit_the_picture() {
        // A perspective view of a given size keeps square pixels; unsized, it gets its default size.
        let (from, to, w, h) = Projection::fit_conversion(
            Projection::Equirect,
            Projection::parse("perspective").unwrap(),
            (None, Some(90.0), None),
            (Some(1000), Some(500)),
            (4096, 2048),
        );
        assert_eq!((from, w, h), (Projection::Equirect, 1000, 500));
        let Projection::Perspective { v_fov_deg, .. } = to else {
            panic!("{to:?}")
        };
        assert!((v_fov_deg - perspective_v_fov(90.0, 2.0)).abs() < 1e-9, "{v_fov_deg}");
        // A fisheye input takes the lens field given; the output size follows its angular resolution.
        let (from, to, w, h) = Projection::fit_conversion(
            Projection::parse("fisheye").unwrap(),
            Projection::Equirect,
            (Some(200.0), None, None),
            (None, None),
            (1024, 1024),
        );
        assert_eq!(from, Projection::Fisheye { fov_deg: 200.0 });
        assert_eq!((w, h), to.default_size(&from, 1024, 1024));
    }

    #[test]
    fn field_of_view_overrides() {
        let flat = Projection::parse("perspective").unwrap();
        // 90 degrees across at 16:9: 58.7 degrees down.
        let Projection::Perspective { v_fov_deg, .. } = flat else {
            panic!()
        };
        assert!((v_fov_deg - 58.715).abs() < 1e-3, "{v_fov_deg}");
        // A new horizontal field alone: the vertical one follows it at the given aspect.
        let wide = flat.with_fov(None, Some(120.0), None, 2.0);
        assert_eq!(
            wide,
            Projection::Perspective {
                h_fov_deg: 120.0,
                v_fov_deg: perspective_v_fov(120.0, 2.0)
            }
        );
        assert!((perspective_v_fov(90.0, 1.0) - 90.0).abs() < 1e-9);
        // Both given: both kept; nothing given: unchanged; fisheye takes `fov` only.
        let both = flat.with_fov(Some(200.0), Some(100.0), Some(50.0), 1.0);
        assert_eq!(
            both,
            Projection::Perspective {
                h_fov_deg: 100.0,
                v_fov_deg: 50.0
            }
        );
        assert_eq!(flat.with_fov(None, None, None, 4.0), flat);
        let lens = Projection::parse("fisheye").unwrap();
        assert_eq!(
            lens.with_fov(Some(195.0), Some(100.0), None, 1.0),
            Projection::Fisheye { fov_deg: 195.0 }
        );
        assert_eq!(
            Projection::Equirect.with_fov(Some(195.0), None, None, 1.0),
            Projection::Equirect
        );
    }

    fn close(a: Vec3, b: Vec3) -> bool {
        let (a, b) = (normalize(a), normalize(b));
        (0..3).all(|i| (a[i] - b[i]).abs() < 1e-9)
    }

    #[test]
    fn known_directions_map_to_known_pixels() {
        let e = Projection::Equirect.geometry(400, 200).unwrap();
        // Forward is the centre of an equirect frame; right is three quarters across; up is the top row.
        let (x, y) = e.dir_to_pixel([0.0, 0.0, 1.0]).unwrap();
        assert!((x - 200.0).abs() < 1e-9 && (y - 100.0).abs() < 1e-9);
        let (x, _) = e.dir_to_pixel([1.0, 0.0, 0.0]).unwrap();
        assert!((x - 300.0).abs() < 1e-9);
        let (_, y) = e.dir_to_pixel([0.0, -1.0, 0.0]).unwrap();
        assert!(y.abs() < 1e-9);
        // The front of a cubemap (yaw 0) is the centre of face 4: middle of the bottom row in 3x2.
        let c = Projection::Cubemap(CubeLayout::C3x2).geometry(300, 200).unwrap();
        let (x, y) = c.dir_to_pixel([0.0, 0.0, 1.0]).unwrap();
        assert!((x - 150.0).abs() < 1e-9 && (y - 150.0).abs() < 1e-9);
        // Right face centre: first cell; up: third cell of the top row.
        let (x, y) = c.dir_to_pixel([1.0, 0.0, 0.0]).unwrap();
        assert!((x - 50.0).abs() < 1e-9 && (y - 50.0).abs() < 1e-9);
        let (x, y) = c.dir_to_pixel([0.0, -1.0, 0.0]).unwrap();
        assert!((x - 250.0).abs() < 1e-9 && (y - 50.0).abs() < 1e-9);
        // EAC: front is the middle of the top row.
        let eac = Projection::Eac.geometry(300, 200).unwrap();
        let (x, y) = eac.dir_to_pixel([0.0, 0.0, 1.0]).unwrap();
        assert!((x - 150.0).abs() < 1e-9 && (y - 50.0).abs() < 1e-9);
        // Dual fisheye: forward is the centre of the left half, backward the centre of the right half.
        let df = Projection::DualFisheye { fov_deg: 190.0 }.geometry(400, 200).unwrap();
        let (x, y) = df.dir_to_pixel([0.0, 0.0, 1.0]).unwrap();
        assert!((x - 100.0).abs() < 1e-9 && (y - 100.0).abs() < 1e-9);
        let (x, _) = df.dir_to_pixel([0.0, 0.0, -1.0]).unwrap();
        assert!((x - 300.0).abs() < 1e-9);
    }

    #[test]
    fn every_projection_inverts() {
        let projections = [
            Projection::Equirect,
            Projection::Cubemap(CubeLayout::C3x2),
            Projection::Cubemap(CubeLayout::C6x1),
            Projection::Cubemap(CubeLayout::C1x6),
            Projection::Eac,
            Projection::Fisheye { fov_deg: 200.0 },
            Projection::DualFisheye { fov_deg: 195.0 },
            Projection::Perspective {
                h_fov_deg: 100.0,
                v_fov_deg: 70.0,
            },
        ];
        for p in projections {
            let g = p.geometry(600, 400).unwrap();
            for &(x, y) in &[(10.5, 20.5), (299.5, 199.5), (450.25, 333.75), (590.5, 390.5)] {
                let Some(d) = g.pixel_to_dir(x, y) else { continue };
                let back = g.dir_to_pixel(d);
                // Fisheye corners outside the image circle map to directions beyond the field of view.
                let fisheye = matches!(p, Projection::Fisheye { .. } | Projection::DualFisheye { .. });
                if back.is_none() && fisheye {
                    continue;
                }
                let (bx, by) = back.unwrap_or((f64::NAN, f64::NAN));
                let back = g.pixel_to_dir(bx, by).unwrap_or([f64::NAN; 3]);
                assert!(close(d, back), "{p:?} at ({x},{y}) -> ({bx},{by})");
            }
        }
    }

    #[test]
    fn rotation_turns_the_view() {
        let m = rotation_matrix(90.0, 0.0, 0.0);
        assert!(close(mat_vec(&m, [0.0, 0.0, 1.0]), [1.0, 0.0, 0.0]));
        let m = rotation_matrix(0.0, 90.0, 0.0);
        assert!(close(mat_vec(&m, [0.0, 0.0, 1.0]), [0.0, -1.0, 0.0]));
        let m = rotation_matrix(0.0, 0.0, 90.0);
        assert!(close(mat_vec(&m, [1.0, 0.0, 0.0]), [0.0, 1.0, 0.0]));
    }
}
