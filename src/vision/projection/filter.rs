//! `ProjectionFilter`: the 360 projection conversion as a graph video filter (`--vf 360=from=equirect:to=c3x2`).
//!
//! Planar 8-bit and 10-bit YUV and GBR frames; the remap tables are built once in `configure` (one for luma,
//! one for subsampled chroma) and applied to every frame.

use super::plane::{PlaneMut, PlaneRef, Sample};
use super::{ConvertSettings, FrameRemapper, Interp, Projection, RemapScratch};
use crate::error::{Error, Result};
use crate::node::video_filter::{Emit, VideoFilter, VideoFormat};
use ffmpeg_next::format::Pixel;
use ffmpeg_next::frame::Video as VideoFrame;

/// Settings of the filter (immutable), as parsed from `360=from=...:to=...` options.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectionFilterSettings {
    pub convert: ConvertSettings,
    /// Output size; `None` keeps the input's angular resolution.
    pub size: Option<(u32, u32)>,
}

impl ProjectionFilterSettings {
    /// Parses `key=value` options separated by `:`: from, to, yaw, pitch, roll, interp, fov, h_fov, v_fov, w, h.
    pub fn parse(options: &str) -> Result<Self> {
        let mut from = Projection::Equirect;
        let mut to = Projection::Cubemap(super::CubeLayout::C3x2);
        let (mut yaw, mut pitch, mut roll) = (0.0, 0.0, 0.0);
        let mut interp = Interp::Bilinear;
        let (mut fov, mut h_fov, mut v_fov) = (None, None, None);
        let (mut w, mut h) = (None, None);
        for kv in options.split(':').filter(|s| !s.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| Error::InvalidArgument(format!("360: '{kv}' is not key=value")))?;
            let num = |v: &str| -> Result<f64> {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| Error::InvalidArgument(format!("360: {k}='{v}' is not a number")))
            };
            match k {
                "from" | "input" => from = Projection::parse(v)?,
                "to" | "output" => to = Projection::parse(v)?,
                "yaw" => yaw = num(v)?,
                "pitch" => pitch = num(v)?,
                "roll" => roll = num(v)?,
                "interp" => interp = Interp::parse(v)?,
                "fov" => fov = Some(num(v)?),
                "h_fov" => h_fov = Some(num(v)?),
                "v_fov" => v_fov = Some(num(v)?),
                "w" => w = Some(num(v)? as u32),
                "h" => h = Some(num(v)? as u32),
                _ => return Err(Error::InvalidArgument(format!("360: unknown option '{k}'"))),
            }
        }
        let size = match (w, h) {
            (Some(w), Some(h)) => Some((w, h)),
            (None, None) => None,
            _ => return Err(Error::InvalidArgument("360: give both w and h, or neither".into())),
        };
        // Without a size the output's aspect is not known here; perspective defaults assume 16:9.
        let aspect = size.map_or(16.0 / 9.0, |(w, h)| w as f64 / h.max(1) as f64);
        Ok(Self {
            convert: ConvertSettings {
                from: from.with_fov(fov, h_fov, v_fov, aspect),
                to: to.with_fov(fov, h_fov, v_fov, aspect),
                yaw_deg: yaw,
                pitch_deg: pitch,
                roll_deg: roll,
                interp,
            },
            size,
        })
    }
}

/// Pixel formats the filter handles: (format, log2 chroma subsampling x, y, bit depth, is YUV).
const FORMATS: &[(Pixel, u32, u32, u32, bool)] = &[
    (Pixel::YUV420P, 1, 1, 8, true),
    (Pixel::YUVJ420P, 1, 1, 8, true),
    (Pixel::YUV444P, 0, 0, 8, true),
    (Pixel::GBRP, 0, 0, 8, false),
    (Pixel::YUV420P10LE, 1, 1, 10, true),
    (Pixel::YUV444P10LE, 0, 0, 10, true),
    (Pixel::GBRP10LE, 0, 0, 10, false),
];

struct State {
    remapper: FrameRemapper,
    output: VideoFormat,
    depth: u32,
    fill: [u16; 3],
    scratch8: Vec<RemapScratch<u8>>,
    scratch16: Vec<RemapScratch<u16>>,
}

/// The 360 projection filter.
pub struct ProjectionFilter {
    settings: ProjectionFilterSettings,
    state: Option<State>,
}

impl ProjectionFilter {
    pub fn new(settings: ProjectionFilterSettings) -> Self {
        Self { settings, state: None }
    }
}

fn plane_sizes(w: u32, h: u32, sx: u32, sy: u32) -> Vec<(usize, usize)> {
    let (cw, ch) = ((w as usize).div_ceil(1 << sx), (h as usize).div_ceil(1 << sy));
    vec![(w as usize, h as usize), (cw, ch), (cw, ch)]
}

impl VideoFilter for ProjectionFilter {
    fn name(&self) -> &str {
        "360"
    }

    fn accepted_formats(&self) -> Vec<Pixel> {
        FORMATS.iter().map(|f| f.0).collect()
    }

    fn configure(&mut self, input: &VideoFormat) -> Result<VideoFormat> {
        let &(_, sx, sy, depth, yuv) =
            FORMATS
                .iter()
                .find(|f| f.0 == input.pix_fmt)
                .ok_or_else(|| Error::Negotiation {
                    node: "360".into(),
                    reason: format!("pixel format {:?} is not planar 8/10-bit YUV or GBR", input.pix_fmt),
                })?;
        let c = &self.settings.convert;
        let (w, h) = self
            .settings
            .size
            .unwrap_or_else(|| c.to.default_size(&c.from, input.width, input.height));
        // Subsampled chroma needs even sizes.
        let (w, h) = (w.max(2) & !((1 << sx) - 1), h.max(2) & !((1 << sy) - 1));
        let remapper = FrameRemapper::new(
            c,
            &plane_sizes(input.width, input.height, sx, sy),
            &plane_sizes(w, h, sx, sy),
        )?;
        let output = VideoFormat {
            width: w,
            height: h,
            sample_aspect_ratio: ffmpeg_next::Rational(1, 1),
            ..*input
        };
        let fill = if yuv {
            [16u16 << (depth - 8), 128 << (depth - 8), 128 << (depth - 8)]
        } else {
            [0; 3]
        };
        self.state = Some(State {
            remapper,
            output,
            depth,
            fill,
            scratch8: Vec::new(),
            scratch16: Vec::new(),
        });
        Ok(output)
    }

    fn push(&mut self, frame: VideoFrame, emit: &mut Emit<'_>) -> Result<()> {
        let state = self
            .state
            .as_mut()
            .ok_or_else(|| Error::InvalidArgument("360: frame before configure".into()))?;
        let out_fmt = state.output;
        let mut out = VideoFrame::new(out_fmt.pix_fmt, out_fmt.width, out_fmt.height);
        out.set_pts(frame.pts());
        if frame.format() != out_fmt.pix_fmt {
            return Err(Error::InvalidArgument(format!(
                "360: frame format {:?} changed",
                frame.format()
            )));
        }
        if state.depth == 8 {
            remap_frame::<u8>(state, &frame, &mut out)?;
        } else {
            remap_frame::<u16>(state, &frame, &mut out)?;
        }
        emit(out)
    }

    fn flush(&mut self, _emit: &mut Emit<'_>) -> Result<()> {
        Ok(())
    }
}

/// Views a byte plane as samples of `T` (FFmpeg's plane buffers are aligned for any sample type).
fn cast<T: Sample>(bytes: &[u8]) -> Result<&[T]> {
    // SAFETY: u8 and u16 have no invalid bit patterns; alignment is checked through the prefix.
    let (pre, mid, _) = unsafe { bytes.align_to::<T>() };
    if !pre.is_empty() {
        return Err(Error::Unsupported("360: unaligned frame buffer".into()));
    }
    Ok(mid)
}

fn cast_mut<T: Sample>(bytes: &mut [u8]) -> Result<&mut [T]> {
    // SAFETY: as in `cast`.
    let (pre, mid, _) = unsafe { bytes.align_to_mut::<T>() };
    if !pre.is_empty() {
        return Err(Error::Unsupported("360: unaligned frame buffer".into()));
    }
    Ok(mid)
}

trait Scratch: Sample {
    fn scratch(state: &mut State) -> &mut Vec<RemapScratch<Self>>;
    fn from_u16(v: u16) -> Self;
}

impl Scratch for u8 {
    fn scratch(state: &mut State) -> &mut Vec<RemapScratch<u8>> {
        &mut state.scratch8
    }
    fn from_u16(v: u16) -> Self {
        v.min(255) as u8
    }
}

impl Scratch for u16 {
    fn scratch(state: &mut State) -> &mut Vec<RemapScratch<u16>> {
        &mut state.scratch16
    }
    fn from_u16(v: u16) -> Self {
        v
    }
}

/// The first three planes of a planar frame as sample views.
pub(crate) fn frame_planes<T: Sample>(input: &VideoFrame) -> Result<Vec<PlaneRef<'_, T>>> {
    let size = std::mem::size_of::<T>();
    (0..3)
        .map(|i| {
            Ok(PlaneRef {
                width: input.plane_width(i) as usize,
                height: input.plane_height(i) as usize,
                stride: input.stride(i) / size,
                data: cast::<T>(input.data(i))?,
            })
        })
        .collect()
}

/// The first three planes of a freshly allocated planar frame as independent mutable sample views.
pub(crate) fn frame_planes_mut<T: Sample>(out: &mut VideoFrame) -> Result<Vec<PlaneMut<'_, T>>> {
    let size = std::mem::size_of::<T>();
    let dims: Vec<(usize, usize, usize)> = (0..3)
        .map(|i| {
            (
                out.plane_width(i) as usize,
                out.plane_height(i) as usize,
                out.stride(i) / size,
            )
        })
        .collect();
    let mut bufs: Vec<&mut [u8]> = Vec::new();
    {
        let frame_ptr = unsafe { out.as_mut_ptr() };
        for (i, &(_, h, stride)) in dims.iter().enumerate() {
            let len = stride * size * h;
            // SAFETY: the three planes of a freshly allocated frame are disjoint buffers of at least
            // linesize * height bytes each.
            let ptr = unsafe { (*frame_ptr).data[i] };
            if ptr.is_null() {
                return Err(Error::Ffmpeg("output frame allocation failed".into()));
            }
            bufs.push(unsafe { std::slice::from_raw_parts_mut(ptr, len) });
        }
    }
    bufs.into_iter()
        .zip(&dims)
        .map(|(b, &(w, h, s))| {
            Ok(PlaneMut {
                width: w,
                height: h,
                stride: s,
                data: cast_mut::<T>(b)?,
            })
        })
        .collect()
}

fn remap_frame<T: Scratch>(state: &mut State, input: &VideoFrame, out: &mut VideoFrame) -> Result<()> {
    let ins = frame_planes::<T>(input)?;
    let mut outs = frame_planes_mut::<T>(out)?;
    let fill: Vec<T> = state.fill.iter().map(|&v| T::from_u16(v)).collect();
    let max = (1u32 << state.depth) - 1;
    // Take the scratch out of the state so the remapper can be borrowed alongside it.
    let mut scratch = std::mem::take(T::scratch(state));
    let r = state.remapper.apply(&ins, &mut outs, &fill, max, &mut scratch);
    *T::scratch(state) = scratch;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_converts_yuv420p_frames() {
        crate::init();
        let settings = ProjectionFilterSettings::parse("from=equirect:to=c3x2:interp=bilinear:w=96:h=64").unwrap();
        let mut f = ProjectionFilter::new(settings);
        let input = VideoFormat {
            width: 128,
            height: 64,
            pix_fmt: Pixel::YUV420P,
            time_base: ffmpeg_next::Rational(1, 25),
            frame_rate: Some(ffmpeg_next::Rational(25, 1)),
            sample_aspect_ratio: ffmpeg_next::Rational(1, 1),
        };
        let out = f.configure(&input).unwrap();
        assert_eq!((out.width, out.height), (96, 64));
        let mut frame = VideoFrame::new(Pixel::YUV420P, 128, 64);
        for i in 0..3 {
            let s = frame.stride(i);
            let (w, h) = (frame.plane_width(i) as usize, frame.plane_height(i) as usize);
            let d = frame.data_mut(i);
            for y in 0..h {
                for x in 0..w {
                    d[y * s + x] = if i == 0 { 200 } else { 100 };
                }
            }
        }
        frame.set_pts(Some(7));
        let mut got = Vec::new();
        f.push(frame, &mut |fr| {
            got.push(fr);
            Ok(())
        })
        .unwrap();
        assert_eq!(got.len(), 1);
        let o = &got[0];
        assert_eq!((o.width(), o.height(), o.pts()), (96, 64, Some(7)));
        // A flat input stays flat in every plane.
        assert!(o.data(0)[..96].iter().all(|&v| v == 200));
        assert!(o.data(1)[..48].iter().all(|&v| v == 100));
        assert!(ProjectionFilterSettings::parse("from=nope").is_err());
        assert!(ProjectionFilterSettings::parse("w=10").is_err());
    }
}
