//! Dual-fisheye lens parameters and their YAML file, so a camera is calibrated once and reused.
//!
//! The only YAML in the vision code: src/preset.rs (the crate's YAML module) did not exist on this branch;
//! `from_yaml`/`to_yaml` here can move there unchanged.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One equidistant fisheye lens: where its image circle lies in the frame and where it points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LensParams {
    /// Centre of the image circle, frame pixels (x right, y down; pixel corners at integers).
    pub centre: [f64; 2],
    /// Radius in pixels at which the lens sees `fov / 2` off its axis.
    pub radius: f64,
    /// Field of view across the image circle, degrees (typically 190 to 200).
    pub fov: f64,
    /// Direction of the lens axis and its roll, degrees (the back lens of a dual-fisheye camera: yaw 180).
    #[serde(default)]
    pub yaw: f64,
    #[serde(default)]
    pub pitch: f64,
    #[serde(default)]
    pub roll: f64,
    /// Light fall-off: relative brightness at normalised radius r is 1 + k1 r^2 + k2 r^4 (0 = none).
    #[serde(default)]
    pub vignetting: [f64; 2],
    /// Exposure gain per colour channel that brings this lens to the reference lens (the first).
    #[serde(default = "unit_gain")]
    pub gain: [f64; 3],
}

fn unit_gain() -> [f64; 3] {
    [1.0; 3]
}

/// A dual-fisheye camera: both lenses in one side-by-side frame of `width` x `height`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RigParams {
    pub version: u32,
    pub width: u32,
    pub height: u32,
    pub lenses: Vec<LensParams>,
}

impl RigParams {
    /// Nominal parameters for a side-by-side frame: circles inscribed in each half, front lens on the left,
    /// back lens (yaw 180) on the right.
    pub fn nominal(width: u32, height: u32, fov: f64) -> Self {
        let half = width as f64 / 2.0;
        let radius = half.min(height as f64) / 2.0;
        let lens = |cx: f64, yaw: f64| LensParams {
            centre: [cx, height as f64 / 2.0],
            radius,
            fov,
            yaw,
            pitch: 0.0,
            roll: 0.0,
            vignetting: [0.0; 2],
            gain: [1.0; 3],
        };
        Self {
            version: 1,
            width,
            height,
            lenses: vec![lens(half / 2.0, 0.0), lens(half * 1.5, 180.0)],
        }
    }

    /// Checks values a hand-edited file could get wrong.
    pub fn validate(&self) -> Result<()> {
        if self.version != 1 {
            return Err(Error::Unsupported(format!("lens file version {}", self.version)));
        }
        if self.lenses.len() != 2 {
            return Err(Error::InvalidArgument(format!(
                "{} lenses (a dual-fisheye rig has 2)",
                self.lenses.len()
            )));
        }
        for (i, l) in self.lenses.iter().enumerate() {
            let finite = l
                .centre
                .iter()
                .chain(&l.vignetting)
                .chain(&l.gain)
                .all(|v| v.is_finite())
                && [l.radius, l.fov, l.yaw, l.pitch, l.roll].iter().all(|v| v.is_finite());
            if !finite || l.radius <= 0.0 || !(90.0..=270.0).contains(&l.fov) || l.gain.iter().any(|&g| g <= 0.0) {
                return Err(Error::InvalidArgument(format!(
                    "lens {i}: radius must be positive, fov 90 to 270 degrees, gains positive"
                )));
            }
        }
        Ok(())
    }

    /// Parses YAML (unknown keys are errors naming the line).
    pub fn from_yaml(text: &str, origin: &str) -> Result<Self> {
        let p: Self = crate::preset::parse_yaml(text, origin)?;
        p.validate()
            .map_err(|e| Error::InvalidArgument(format!("{origin}: {e}")))?;
        Ok(p)
    }

    pub fn to_yaml(&self) -> Result<String> {
        crate::preset::render_yaml(self).map_err(|e| Error::InvalidArgument(format!("lens parameters: {e}")))
    }

    /// Writes [`RigParams::to_yaml`] to `path` through a temporary name (nothing under `path` if interrupted).
    pub fn save(&self, path: &Path, overwrite: bool) -> Result<()> {
        let yaml = self.to_yaml()?;
        let file = crate::util::atomic::AtomicPath::new(path, overwrite)?;
        std::fs::write(file.temp(), yaml).map_err(|e| Error::io(path, e))?;
        file.commit()
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_yaml(&text, &path.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_round_trip_and_unknown_keys() {
        let mut p = RigParams::nominal(3840, 1920, 195.0);
        p.lenses[1].gain = [1.1, 0.9, 1.0];
        let text = p.to_yaml().unwrap();
        assert_eq!(RigParams::from_yaml(&text, "t").unwrap(), p);
        let bad = text.replace("radius:", "radiuss:");
        let e = RigParams::from_yaml(&bad, "cam.yaml").unwrap_err().to_string();
        assert!(e.contains("cam.yaml") && e.contains("radiuss"), "{e}");
    }
}
