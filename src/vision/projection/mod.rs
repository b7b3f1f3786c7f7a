//! 360-degree projections: equirect, cubemaps (3x2, 6x1, 1x6), EAC, fisheye, dual fisheye and flat
//! perspective views, converted with precomputed remap tables (one per plane size) applied in parallel.
//!
//! Conventions follow FFmpeg's v360 filter: axes x right, y down, z forward; the centre of an equirect frame
//! and the front cube face look forward (yaw 0); cube faces in the order right, left, up, down, front, back.
//! Yaw turns the view right, pitch up, roll clockwise.

pub mod filter;
pub mod geometry;
pub mod image_io;
pub mod metrics;
pub mod photo;
pub mod plane;
pub mod remap;
pub mod row_sampler;
pub mod spherical;
pub mod tiles;
pub mod video;
pub mod viewport;
pub mod viewport_filter;

pub use geometry::{CubeLayout, Geometry, Projection, rotation_matrix};
pub use plane::{Plane, PlaneMut, PlaneRef, Sample};
pub use remap::{Interp, RemapScratch, RemapTable};

use crate::error::{Error, Result};

/// Everything that defines one conversion, independent of the frames.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConvertSettings {
    pub from: Projection,
    pub to: Projection,
    pub yaw_deg: f64,
    pub pitch_deg: f64,
    pub roll_deg: f64,
    pub interp: Interp,
}

/// Remaps whole frames (several planes, possibly of different sizes such as 4:2:0 chroma): one table per
/// distinct pair of input and output plane sizes, built once.
#[derive(Debug)]
pub struct FrameRemapper {
    tables: Vec<RemapTable>,
    /// For every plane: which table renders it.
    plane_table: Vec<usize>,
}

impl FrameRemapper {
    /// `in_planes` and `out_planes` list each plane's size; the first plane's size is the frame size.
    pub fn new(
        settings: &ConvertSettings,
        in_planes: &[(usize, usize)],
        out_planes: &[(usize, usize)],
    ) -> Result<Self> {
        if in_planes.is_empty() || in_planes.len() != out_planes.len() {
            return Err(Error::InvalidArgument("remap: plane lists differ".into()));
        }
        let input = settings.from.geometry(in_planes[0].0 as u32, in_planes[0].1 as u32)?;
        let output = settings.to.geometry(out_planes[0].0 as u32, out_planes[0].1 as u32)?;
        let rot = rotation_matrix(settings.yaw_deg, settings.pitch_deg, settings.roll_deg);
        let mut tables: Vec<RemapTable> = Vec::new();
        let mut plane_table = Vec::new();
        for (&(iw, ih), &(ow, oh)) in in_planes.iter().zip(out_planes) {
            let found = tables
                .iter()
                .position(|t| t.input_size() == (iw, ih) && t.output_size() == (ow, oh));
            let index = match found {
                Some(i) => i,
                None => {
                    tables.push(RemapTable::build(
                        &input,
                        &output,
                        &rot,
                        iw,
                        ih,
                        ow,
                        oh,
                        settings.interp,
                    )?);
                    tables.len() - 1
                }
            };
            plane_table.push(index);
        }
        Ok(Self { tables, plane_table })
    }

    /// Renders all output planes; `fill` per plane where the output shows nothing; `max` the largest sample.
    pub fn apply<T: Sample>(
        &self,
        inputs: &[PlaneRef<'_, T>],
        outputs: &mut [PlaneMut<'_, T>],
        fill: &[T],
        max: u32,
        scratch: &mut Vec<RemapScratch<T>>,
    ) -> Result<()> {
        if inputs.len() != self.plane_table.len() || outputs.len() != inputs.len() || fill.len() != inputs.len() {
            return Err(Error::InvalidArgument("remap: wrong number of planes".into()));
        }
        scratch.resize_with(self.tables.len(), RemapScratch::new);
        let mut outs: Vec<Option<PlaneMut<'_, T>>> = outputs
            .iter_mut()
            .map(|o| {
                Some(PlaneMut {
                    width: o.width,
                    height: o.height,
                    stride: o.stride,
                    data: &mut *o.data,
                })
            })
            .collect();
        for (t, (table, scr)) in self.tables.iter().zip(scratch.iter_mut()).enumerate() {
            let planes: Vec<usize> = (0..inputs.len()).filter(|&p| self.plane_table[p] == t).collect();
            let ins: Vec<PlaneRef<'_, T>> = planes.iter().map(|&p| inputs[p]).collect();
            let mut os: Vec<PlaneMut<'_, T>> = planes.iter().filter_map(|&p| outs[p].take()).collect();
            let fills: Vec<T> = planes.iter().map(|&p| fill[p]).collect();
            table.apply(&ins, &mut os, &fills, max, scr)?;
        }
        Ok(())
    }
}

/// Converts owned planes of one size (an RGB photo) and returns the output planes.
pub fn convert_planes<T: Sample>(
    settings: &ConvertSettings,
    planes: &[Plane<T>],
    out_w: usize,
    out_h: usize,
    max: u32,
) -> Result<Vec<Plane<T>>> {
    let first = planes
        .first()
        .ok_or_else(|| Error::InvalidArgument("no planes".into()))?;
    let in_sizes: Vec<(usize, usize)> = planes.iter().map(|p| (p.width, p.height)).collect();
    if in_sizes.iter().any(|&s| s != (first.width, first.height)) {
        return Err(Error::InvalidArgument("planes of different sizes".into()));
    }
    let out_sizes = vec![(out_w, out_h); planes.len()];
    let remapper = FrameRemapper::new(settings, &in_sizes, &out_sizes)?;
    let mut outs: Vec<Plane<T>> = planes.iter().map(|_| Plane::new(out_w, out_h, T::default())).collect();
    let ins: Vec<PlaneRef<'_, T>> = planes.iter().map(|p| p.as_ref()).collect();
    let mut out_refs: Vec<PlaneMut<'_, T>> = outs.iter_mut().map(|p| p.as_mut()).collect();
    let fill = vec![T::default(); planes.len()];
    remapper.apply(&ins, &mut out_refs, &fill, max, &mut Vec::new())?;
    Ok(outs)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::metrics::ws_psnr;
    use super::*;

    /// A smooth equirect test pattern (continuous across the seam and at the poles, as a real photo is).
    pub fn pattern(w: usize, h: usize) -> Vec<Plane<u8>> {
        let g = Projection::Equirect.geometry(w as u32, h as u32).unwrap();
        (0..3)
            .map(|c| {
                let mut p = Plane::new(w, h, 0u8);
                for y in 0..h {
                    for x in 0..w {
                        let d = g.pixel_to_dir(x as f64 + 0.5, y as f64 + 0.5).unwrap();
                        let v = 128.0
                            + 60.0 * (3.0 * d[0] + c as f64).sin()
                            + 50.0 * (4.0 * d[1] - c as f64).cos() * (2.0 * d[2]).sin();
                        p.data[y * w + x] = v.round().clamp(0.0, 255.0) as u8;
                    }
                }
                p
            })
            .collect()
    }

    fn round_trip(to: Projection, interp: Interp) -> f64 {
        let src = pattern(256, 128);
        let there = ConvertSettings {
            from: Projection::Equirect,
            to,
            yaw_deg: 0.0,
            pitch_deg: 0.0,
            roll_deg: 0.0,
            interp,
        };
        let (w, h) = to.default_size(&Projection::Equirect, 256, 128);
        let mid = convert_planes(&there, &src, w as usize, h as usize, 255).unwrap();
        let back = ConvertSettings {
            from: to,
            to: Projection::Equirect,
            ..there
        };
        let out = convert_planes(&back, &mid, 256, 128, 255).unwrap();
        ws_psnr(&src, &out, 255.0).unwrap()
    }

    #[test]
    fn round_trips_keep_the_image() {
        for to in [
            Projection::Cubemap(CubeLayout::C3x2),
            Projection::Cubemap(CubeLayout::C6x1),
            Projection::Cubemap(CubeLayout::C1x6),
            Projection::Eac,
        ] {
            for interp in [Interp::Bilinear, Interp::Bicubic, Interp::Lanczos] {
                let q = round_trip(to, interp);
                assert!(q > 38.0, "{to:?} {interp:?}: {q:.2} dB");
            }
            assert!(round_trip(to, Interp::Nearest) > 30.0);
        }
        // Dual fisheye at 190 degrees keeps the whole sphere.
        assert!(round_trip(Projection::DualFisheye { fov_deg: 190.0 }, Interp::Bicubic) > 35.0);
    }

    #[test]
    fn yaw_turns_an_equirect_by_columns() {
        let src = pattern(64, 32);
        let s = ConvertSettings {
            from: Projection::Equirect,
            to: Projection::Equirect,
            yaw_deg: 90.0,
            pitch_deg: 0.0,
            roll_deg: 0.0,
            interp: Interp::Nearest,
        };
        let out = convert_planes(&s, &src, 64, 32, 255).unwrap();
        // Looking 90 degrees right: output column x shows input column x + w/4.
        for y in [3, 16, 28] {
            for x in [0, 10, 40, 63] {
                assert_eq!(out[1].at(x, y), src[1].at((x + 16) % 64, y));
            }
        }
    }

    #[test]
    fn ten_bit_planes_convert() {
        let src: Vec<Plane<u16>> = pattern(128, 64)
            .into_iter()
            .map(|p| Plane {
                width: p.width,
                height: p.height,
                stride: p.stride,
                data: p.data.iter().map(|&v| v as u16 * 4).collect(),
            })
            .collect();
        let s = ConvertSettings {
            from: Projection::Equirect,
            to: Projection::Eac,
            yaw_deg: 0.0,
            pitch_deg: 0.0,
            roll_deg: 0.0,
            interp: Interp::Lanczos,
        };
        let mid = convert_planes(&s, &src, 96, 64, 1023).unwrap();
        assert!(mid.iter().all(|p| p.data.iter().all(|&v| v <= 1023)));
        let back = ConvertSettings {
            from: Projection::Eac,
            to: Projection::Equirect,
            ..s
        };
        let out = convert_planes(&back, &mid, 128, 64, 1023).unwrap();
        assert!(ws_psnr(&src, &out, 1023.0).unwrap() > 34.0);
    }
}
