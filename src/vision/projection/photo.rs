//! Photo jobs of `stitch360`: which inputs are photos, reprojecting one (projections and size fitted to
//! it), writing it atomically, and the report of what was done (JSON, or one line).

use super::image_io::{self, RgbPlanes};
use super::{ConvertSettings, Interp, Projection};
use crate::error::Result;
use crate::util::atomic::AtomicPath;
use std::path::{Path, PathBuf};

/// Whether `path` names a photo (PNG or JPEG, by extension) rather than a video.
pub fn is_photo(path: &Path) -> bool {
    path.extension()
        .map(|e| {
            matches!(
                e.to_string_lossy().to_ascii_lowercase().as_str(),
                "png" | "jpg" | "jpeg"
            )
        })
        .unwrap_or(false)
}

/// A reprojection of a photo, as the command line states it: projections before fitting, field-of-view
/// overrides and output size (see [`Projection::fit_conversion`]), view rotation, interpolation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhotoConversion {
    pub from: Projection,
    pub to: Projection,
    /// Field of view, horizontal and vertical field of view overrides, degrees.
    pub fov: (Option<f64>, Option<f64>, Option<f64>),
    pub size: (Option<u32>, Option<u32>),
    pub yaw_deg: f64,
    pub pitch_deg: f64,
    pub roll_deg: f64,
    pub interp: Interp,
}

/// A converted photo, the projections it was fitted to and the conversion's time.
pub struct ConvertedPhoto {
    pub planes: RgbPlanes,
    pub from: Projection,
    pub to: Projection,
    pub convert_ms: f64,
}

impl PhotoConversion {
    /// Reprojects `photo` at its own bit depth.
    pub fn run(&self, photo: &RgbPlanes) -> Result<ConvertedPhoto> {
        let (in_w, in_h) = photo.size();
        let (from, to, out_w, out_h) =
            Projection::fit_conversion(self.from, self.to, self.fov, self.size, (in_w as u32, in_h as u32));
        let settings = ConvertSettings {
            from,
            to,
            yaw_deg: self.yaw_deg,
            pitch_deg: self.pitch_deg,
            roll_deg: self.roll_deg,
            interp: self.interp,
        };
        let started = std::time::Instant::now();
        let planes = photo.convert(&settings, out_w as usize, out_h as usize)?;
        Ok(ConvertedPhoto {
            planes,
            from,
            to,
            convert_ms: started.elapsed().as_secs_f64() * 1e3,
        })
    }
}

/// Writes `planes` to `path` (PNG or JPEG by extension) through a temporary name: an interrupted write
/// leaves nothing under `path`.
pub fn save_atomic(path: &Path, planes: &RgbPlanes, overwrite: bool) -> Result<()> {
    let out = AtomicPath::new(path, overwrite)?;
    image_io::save(out.temp(), planes)?;
    out.commit()
}

/// What a photo job did, as `stitch360` reports it (JSON with `--json`, else one line).
#[derive(Debug, serde::Serialize)]
pub struct PhotoReport {
    pub input: PathBuf,
    pub output: Option<PathBuf>,
    pub from: &'static str,
    pub to: &'static str,
    pub width: usize,
    pub height: usize,
    pub convert_ms: f64,
}

impl PhotoReport {
    pub fn new(
        input: &Path,
        output: Option<&Path>,
        from: &Projection,
        to: &Projection,
        planes: &RgbPlanes,
        ms: f64,
    ) -> Self {
        let (width, height) = planes.size();
        PhotoReport {
            input: input.to_path_buf(),
            output: output.map(Path::to_path_buf),
            from: from.name(),
            to: to.name(),
            width,
            height,
            convert_ms: ms,
        }
    }
}

impl std::fmt::Display for PhotoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}) -> {} ({}, {}x{}) in {:.1} ms",
            self.input.display(),
            self.from,
            self.output.as_deref().unwrap_or(Path::new("-")).display(),
            self.to,
            self.width,
            self.height,
            self.convert_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::projection::plane::Plane;

    #[test]
    fn photos_are_png_or_jpeg_by_extension() {
        for p in ["a.png", "b.JPG", "c.jpeg"] {
            assert!(is_photo(Path::new(p)), "{p}");
        }
        for p in ["a.mp4", "b", "c.png.mkv"] {
            assert!(!is_photo(Path::new(p)), "{p}");
        }
    }

    #[test]
    fn conversion_fits_the_size_and_reports_it() {
        let planes = RgbPlanes::U8(std::array::from_fn(|c| Plane::new(64, 32, c as u8 * 50)));
        let job = PhotoConversion {
            from: Projection::Equirect,
            to: Projection::parse("c3x2").unwrap(),
            fov: (None, None, None),
            size: (Some(48), None),
            yaw_deg: 0.0,
            pitch_deg: 0.0,
            roll_deg: 0.0,
            interp: Interp::parse("nearest").unwrap(),
        };
        let out = job.run(&planes).unwrap();
        assert_eq!(out.planes.size().0, 48);
        let RgbPlanes::U8(p) = &out.planes else {
            panic!("8-bit in, 8-bit out")
        };
        assert!(p[2].data.iter().all(|&v| v == 100), "a flat photo stays flat");
        let report = PhotoReport::new(Path::new("in.png"), None, &out.from, &out.to, &out.planes, 1.5);
        let (w, h) = out.planes.size();
        assert_eq!(
            report.to_string(),
            format!("in.png (equirect) -> - (c3x2, {w}x{h}) in 1.5 ms")
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["to"], "c3x2");
        assert_eq!(json["width"], 48);
    }
}
