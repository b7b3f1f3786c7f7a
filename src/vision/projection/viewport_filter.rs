//! `ViewportFilter`: head-tracked viewports as a graph video filter (`--vf viewport=trace=poses.csv:w=1920:h=1080`).
//!
//! Each equirect frame is rendered as the flat view that the pose trace looks at, at the frame's time (the last
//! pose at or before it), with [`ViewportRenderer`]: no table is rebuilt per pose.

use super::filter::{frame_planes, frame_planes_mut};
use super::viewport::{Pose, ViewportRenderer, parse_pose_trace};
use crate::error::{Error, Result};
use crate::node::video_filter::{Emit, VideoFilter, VideoFormat};
use ffmpeg_next::format::Pixel;
use ffmpeg_next::frame::Video as VideoFrame;

/// Settings, parsed from `trace=FILE:w=1920:h=1080:h_fov=90[:v_fov=..]`.
#[derive(Clone, Debug)]
pub struct ViewportSettings {
    pub poses: Vec<Pose>,
    pub width: u32,
    pub height: u32,
    pub h_fov: f64,
    /// Defaults to the field of view that keeps square pixels.
    pub v_fov: Option<f64>,
}

impl ViewportSettings {
    pub fn parse(options: &str) -> Result<Self> {
        let (mut trace, mut w, mut h, mut h_fov, mut v_fov) = (None, 1920u32, 1080u32, 90.0f64, None);
        for kv in options.split(':').filter(|s| !s.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| Error::InvalidArgument(format!("viewport: '{kv}' is not key=value")))?;
            let num = |v: &str| -> Result<f64> {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x > 0.0)
                    .ok_or_else(|| Error::InvalidArgument(format!("viewport: {k}='{v}' is not a positive number")))
            };
            match k {
                "trace" => trace = Some(v.to_string()),
                "w" => w = num(v)? as u32,
                "h" => h = num(v)? as u32,
                "h_fov" | "fov" => h_fov = num(v)?,
                "v_fov" => v_fov = Some(num(v)?),
                _ => return Err(Error::InvalidArgument(format!("viewport: unknown option '{k}'"))),
            }
        }
        let trace =
            trace.ok_or_else(|| Error::InvalidArgument("viewport: needs trace=FILE (time,yaw,pitch,roll)".into()))?;
        let text = std::fs::read_to_string(&trace).map_err(|e| Error::io(&trace, e))?;
        let mut poses = parse_pose_trace(&text, &trace)?;
        poses.sort_by(|a, b| a.time.total_cmp(&b.time));
        Ok(Self {
            poses,
            width: w & !1,
            height: h & !1,
            h_fov,
            v_fov,
        })
    }

    /// The pose in effect at `t` seconds: the last one at or before it (the first before the trace starts).
    fn pose_at(&self, t: f64) -> Pose {
        let i = self.poses.partition_point(|p| p.time <= t);
        self.poses[i.saturating_sub(1)]
    }
}

/// The viewport filter.
pub struct ViewportFilter {
    settings: ViewportSettings,
    renderer: Option<ViewportRenderer>,
    input: Option<VideoFormat>,
    output: Option<VideoFormat>,
    first_pts: Option<i64>,
}

impl ViewportFilter {
    pub fn new(settings: ViewportSettings) -> Self {
        Self {
            settings,
            renderer: None,
            input: None,
            output: None,
            first_pts: None,
        }
    }
}

const FORMATS: &[Pixel] = &[Pixel::YUV420P, Pixel::YUVJ420P, Pixel::YUV444P, Pixel::YUV420P10LE];

impl VideoFilter for ViewportFilter {
    fn name(&self) -> &str {
        "viewport"
    }

    fn accepted_formats(&self) -> Vec<Pixel> {
        FORMATS.to_vec()
    }

    fn configure(&mut self, input: &VideoFormat) -> Result<VideoFormat> {
        if !FORMATS.contains(&input.pix_fmt) {
            return Err(Error::Negotiation {
                node: "viewport".into(),
                reason: format!("pixel format {:?} is not planar YUV", input.pix_fmt),
            });
        }
        let s = &self.settings;
        let v_fov = s
            .v_fov
            .unwrap_or_else(|| super::geometry::perspective_v_fov(s.h_fov, s.width as f64 / s.height as f64));
        self.renderer = Some(ViewportRenderer::new(
            s.h_fov,
            v_fov,
            s.width as usize,
            s.height as usize,
            input.width as usize,
            input.height as usize,
        )?);
        let output = VideoFormat {
            width: s.width,
            height: s.height,
            sample_aspect_ratio: ffmpeg_next::Rational(1, 1),
            ..*input
        };
        self.input = Some(*input);
        self.output = Some(output);
        Ok(output)
    }

    fn push(&mut self, frame: VideoFrame, emit: &mut Emit<'_>) -> Result<()> {
        let (Some(input), Some(out_fmt), Some(renderer)) = (self.input, self.output, self.renderer.as_mut()) else {
            return Err(Error::InvalidArgument("viewport: frame before configure".into()));
        };
        let pts = frame.pts().unwrap_or(0);
        let first = *self.first_pts.get_or_insert(pts);
        let t = (pts - first) as f64 * f64::from(input.time_base);
        let pose = self.settings.pose_at(t);
        let mut out = VideoFrame::new(out_fmt.pix_fmt, out_fmt.width, out_fmt.height);
        out.set_pts(frame.pts());
        if out_fmt.pix_fmt == Pixel::YUV420P10LE {
            let ins = frame_planes::<u16>(&frame)?;
            let mut outs = frame_planes_mut::<u16>(&mut out)?;
            renderer.render(pose.yaw, pose.pitch, pose.roll, &ins, &mut outs)?;
        } else {
            let ins = frame_planes::<u8>(&frame)?;
            let mut outs = frame_planes_mut::<u8>(&mut out)?;
            renderer.render(pose.yaw, pose.pitch, pose.roll, &ins, &mut outs)?;
        }
        emit(out)
    }

    fn flush(&mut self, _emit: &mut Emit<'_>) -> Result<()> {
        Ok(())
    }
}
