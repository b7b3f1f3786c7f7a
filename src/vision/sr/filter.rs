//! `SrFilter`: super-resolution as a graph video filter (yuv420p and yuv420p10le in, same format out, scaled).
//!
//! Luma goes through the learned model, the two chroma planes through Lanczos-3. Each frame is processed on
//! its own (no temporal state), so a static scene gives bit-identical output frames: no flicker.

use super::plane::Plane;
use super::{Model, check_scale, check_size, load_weights, upscale_chroma, upscale_luma};
use crate::error::{Error, Result};
use crate::node::video_filter::{Emit, VideoFilter, VideoFormat};
use ffmpeg_next::format::Pixel;
use ffmpeg_next::frame::Video as VideoFrame;
use rayon::prelude::*;

/// Settings of the `sr` filter (`sr=scale=2:model=fast`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SrSettings {
    /// Upscaling factor: 2, 3 or 4 (default 2).
    pub scale: usize,
    /// Model tier (default fast).
    pub model: Model,
}

impl Default for SrSettings {
    fn default() -> Self {
        Self {
            scale: 2,
            model: Model::Fast,
        }
    }
}

impl SrSettings {
    /// Parses filter options `key=value` separated by `:` (`scale=2:model=quality`); unknown keys are errors.
    pub fn parse(options: &str) -> Result<Self> {
        let mut s = Self::default();
        for item in options.split(':').filter(|i| !i.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| Error::InvalidArgument(format!("sr: option '{item}' is not key=value")))?;
            match key {
                "scale" => {
                    s.scale = value
                        .parse()
                        .map_err(|_| Error::InvalidArgument(format!("sr: scale '{value}' is not a number")))?;
                    check_scale(s.scale)?;
                }
                "model" => s.model = value.parse()?,
                other => {
                    return Err(Error::InvalidArgument(format!(
                        "sr: unknown option '{other}' (expected scale or model)"
                    )));
                }
            }
        }
        Ok(s)
    }
}

/// The super-resolution video filter.
pub struct SrFilter {
    settings: SrSettings,
    state: Option<State>,
}

struct State {
    output: VideoFormat,
    max: f32,
}

impl SrFilter {
    pub fn new(settings: SrSettings) -> Self {
        Self { settings, state: None }
    }

    /// Upscales one frame (already checked to have the configured format and size).
    pub fn upscale_frame(&self, frame: &VideoFrame) -> Result<VideoFrame> {
        let state = self
            .state
            .as_ref()
            .ok_or_else(|| Error::InvalidArgument("sr: frame pushed before configure".into()))?;
        let out_fmt = &state.output;
        let s = self.settings.scale;
        let ten_bit = out_fmt.pix_fmt == Pixel::YUV420P10LE;
        let mut out = VideoFrame::new(out_fmt.pix_fmt, out_fmt.width, out_fmt.height);
        for i in 0..3 {
            let plane = read_plane(frame, i, ten_bit, state.max);
            let (ow, oh) = (out.plane_width(i) as usize, out.plane_height(i) as usize);
            let up = if i == 0 {
                upscale_luma(&plane, s, self.settings.model)?
            } else {
                upscale_chroma(&plane, ow, oh)
            };
            write_plane(&mut out, i, &up, ten_bit, state.max);
        }
        out.set_pts(frame.pts());
        out.set_kind(frame.kind());
        out.set_color_space(frame.color_space());
        out.set_color_range(frame.color_range());
        out.set_color_primaries(frame.color_primaries());
        out.set_color_transfer_characteristic(frame.color_transfer_characteristic());
        Ok(out)
    }
}

fn read_plane(frame: &VideoFrame, index: usize, ten_bit: bool, max: f32) -> Plane {
    let (w, h) = (frame.plane_width(index) as usize, frame.plane_height(index) as usize);
    let stride = frame.stride(index);
    let data = frame.data(index);
    let mut out = Plane::new(w, h);
    out.data.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
        let src = &data[y * stride..];
        if ten_bit {
            for (x, o) in row.iter_mut().enumerate() {
                *o = u16::from_le_bytes([src[2 * x], src[2 * x + 1]]) as f32 / max;
            }
        } else {
            for (o, &v) in row.iter_mut().zip(src) {
                *o = v as f32 / max;
            }
        }
    });
    out
}

fn write_plane(frame: &mut VideoFrame, index: usize, plane: &Plane, ten_bit: bool, max: f32) {
    let stride = frame.stride(index);
    let w = plane.width;
    frame
        .data_mut(index)
        .par_chunks_mut(stride)
        .zip(plane.data.par_chunks(w))
        .for_each(|(dst, src)| {
            if ten_bit {
                for (x, &v) in src.iter().enumerate() {
                    // Clamped first, so adding a half and truncating rounds (and avoids a libm call per sample).
                    let q = ((v * max).clamp(0.0, max) + 0.5) as u16;
                    dst[2 * x..2 * x + 2].copy_from_slice(&q.to_le_bytes());
                }
            } else {
                for (d, &v) in dst.iter_mut().zip(src) {
                    *d = ((v * max).clamp(0.0, max) + 0.5) as u8;
                }
            }
        });
}

impl VideoFilter for SrFilter {
    fn name(&self) -> &str {
        "sr"
    }

    fn accepted_formats(&self) -> Vec<Pixel> {
        vec![Pixel::YUV420P, Pixel::YUV420P10LE]
    }

    fn configure(&mut self, input: &VideoFormat) -> Result<VideoFormat> {
        let negotiation = |reason: String| Error::Negotiation {
            node: "sr".into(),
            reason,
        };
        let max = match input.pix_fmt {
            Pixel::YUV420P => 255.0,
            Pixel::YUV420P10LE => 1023.0,
            other => {
                return Err(negotiation(format!(
                    "pixel format {other:?} (expected yuv420p or yuv420p10le)"
                )));
            }
        };
        check_size(input.width as usize, input.height as usize, self.settings.scale)
            .map_err(|e| negotiation(e.to_string()))?;
        // Load the weights now so a broken build fails at configure, not mid-stream.
        load_weights(self.settings.model, self.settings.scale)?;
        let s = self.settings.scale as u32;
        let output = VideoFormat {
            width: input.width * s,
            height: input.height * s,
            ..*input
        };
        self.state = Some(State { output, max });
        Ok(output)
    }

    fn push(&mut self, frame: VideoFrame, emit: &mut Emit<'_>) -> Result<()> {
        let out = self.upscale_frame(&frame)?;
        emit(out)
    }

    fn flush(&mut self, _emit: &mut Emit<'_>) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ffmpeg_next::Rational;

    fn format(pix_fmt: Pixel, width: u32, height: u32) -> VideoFormat {
        VideoFormat {
            width,
            height,
            pix_fmt,
            time_base: Rational::new(1, 25),
            frame_rate: Some(Rational::new(25, 1)),
            sample_aspect_ratio: Rational::new(1, 1),
        }
    }

    fn test_frame(pix_fmt: Pixel, w: u32, h: u32, pts: i64) -> VideoFrame {
        let mut f = VideoFrame::new(pix_fmt, w, h);
        let ten = pix_fmt == Pixel::YUV420P10LE;
        for i in 0..3 {
            let stride = f.stride(i);
            let (pw, ph) = (f.plane_width(i) as usize, f.plane_height(i) as usize);
            let data = f.data_mut(i);
            for y in 0..ph {
                for x in 0..pw {
                    let v = ((x * 7 + y * 13 + (x * y) % 17) % 200 + 20) as u16;
                    if ten {
                        data[y * stride + 2 * x..y * stride + 2 * x + 2].copy_from_slice(&(v * 4).to_le_bytes());
                    } else {
                        data[y * stride + x] = v as u8;
                    }
                }
            }
        }
        f.set_pts(Some(pts));
        f
    }

    #[test]
    fn parses_options() {
        assert_eq!(
            SrSettings::parse("scale=3:model=quality").ok(),
            Some(SrSettings {
                scale: 3,
                model: Model::Quality
            })
        );
        assert!(SrSettings::parse("scale=5").is_err());
        assert!(SrSettings::parse("scale=x").is_err());
        assert!(SrSettings::parse("size=2").is_err());
        assert!(SrSettings::parse("model=best").is_err());
    }

    #[test]
    fn shapes_timestamps_and_no_flicker() {
        for pix_fmt in [Pixel::YUV420P, Pixel::YUV420P10LE] {
            let mut filter = SrFilter::new(SrSettings::default());
            let out_fmt = filter.configure(&format(pix_fmt, 34, 22)).expect("configures");
            assert_eq!((out_fmt.width, out_fmt.height, out_fmt.pix_fmt), (68, 44, pix_fmt));
            let mut frames = Vec::new();
            for pts in 0..3 {
                filter
                    .push(test_frame(pix_fmt, 34, 22, pts), &mut |f| {
                        frames.push(f);
                        Ok(())
                    })
                    .expect("pushes");
            }
            assert_eq!(frames.len(), 3);
            for (i, f) in frames.iter().enumerate() {
                assert_eq!((f.width(), f.height(), f.format()), (68, 44, pix_fmt));
                assert_eq!(f.pts(), Some(i as i64));
                for p in 0..3 {
                    // Identical input frames give identical output: a static scene does not flicker.
                    let rows = f.plane_height(p) as usize;
                    let len = f.plane_width(p) as usize * if pix_fmt == Pixel::YUV420P10LE { 2 } else { 1 };
                    for y in 0..rows {
                        let a = &f.data(p)[y * f.stride(p)..y * f.stride(p) + len];
                        let b = &frames[0].data(p)[y * frames[0].stride(p)..y * frames[0].stride(p) + len];
                        assert_eq!(a, b);
                    }
                }
            }
        }
    }

    #[test]
    fn rejects_bad_formats_and_sizes() {
        let mut filter = SrFilter::new(SrSettings::default());
        assert!(filter.configure(&format(Pixel::RGB24, 64, 64)).is_err());
        assert!(filter.configure(&format(Pixel::YUV420P, 4, 64)).is_err());
    }
}
