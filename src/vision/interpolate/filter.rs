//! The `interpolate` graph filter: changes a yuv420p / yuv420p10le stream to a new constant frame rate,
//! making the in-between frames by motion-compensated interpolation.
//!
//! Output frame n is the picture at time n / fps. Input times come from the frames' `pts`, so
//! variable-frame-rate input is handled; output timestamps are consecutive integers in the time base
//! 1/fps. A stream of N frames lasting D seconds gives round(D * fps) frames (the last input frame lasts
//! until D).

use super::{PairMotion, Quality, Sample, luma_to_f32, to_f32_planes};
use crate::error::{Error, Result};
use crate::node::video_filter::{Emit, VideoFilter, VideoFormat};
use crate::vision::flow::{Plane, Pyramid};
use ffmpeg_next::Rational;
use ffmpeg_next::format::Pixel;
use ffmpeg_next::frame::Video as VideoFrame;

/// The wanted output rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateChange {
    /// A fixed output frame rate (num, den), e.g. (60, 1) or (60000, 1001).
    Fps(i32, i32),
    /// The input's nominal rate times this factor (needs a constant-rate input).
    Factor(u32),
}

/// Settings of the filter (immutable once built).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InterpolateSettings {
    pub rate: RateChange,
    pub quality: Quality,
}

/// The planes of one picture, in the sample type of its pixel format.
#[derive(Clone)]
enum Planes {
    Eight(Vec<Plane<u8>>),
    Ten(Vec<Plane<u16>>),
}

struct Held {
    planes: Planes,
    /// The luma pyramid the flow reads: built once, used by the pair before this frame and the one after.
    pyramid: Pyramid,
    /// The planes as `f32` when the quality warps bilinearly (converted once for both pairs).
    as_f32: Option<Vec<Plane<f32>>>,
    /// Presentation time as an exact fraction of seconds (num, den).
    time: (i128, i128),
}

/// Frame-rate conversion by motion-compensated interpolation.
pub struct InterpolateFilter {
    settings: InterpolateSettings,
    state: Option<State>,
}

struct State {
    input: VideoFormat,
    fps: Rational,
    prev: Option<Held>,
    /// Index of the next output frame (its time is next_out / fps).
    next_out: i64,
    /// Interval between the last two input frames, for the last frame's duration.
    last_interval: Option<(i128, i128)>,
}

impl InterpolateFilter {
    pub fn new(settings: InterpolateSettings) -> Self {
        Self { settings, state: None }
    }

    /// Parses filter options as written after `interpolate=`: `fps=60`, `fps=30000/1001`, `factor=2`,
    /// `quality=fast`, separated by `:`.
    pub fn from_options(options: &str) -> Result<Self> {
        let mut rate = None;
        let mut quality = Quality::default();
        for item in options.split(':').filter(|s| !s.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| Error::InvalidArgument(format!("interpolate: '{item}' is not key=value")))?;
            match key {
                "fps" => {
                    let (n, d) = parse_rate(value)?;
                    rate = Some(RateChange::Fps(n, d));
                }
                "factor" => {
                    let f: u32 =
                        value.parse().ok().filter(|&f| (1..=64).contains(&f)).ok_or_else(|| {
                            Error::InvalidArgument(format!("interpolate: factor '{value}' is not 1..64"))
                        })?;
                    rate = Some(RateChange::Factor(f));
                }
                "quality" => quality = value.parse()?,
                _ => return Err(Error::InvalidArgument(format!("interpolate: unknown option '{key}'"))),
            }
        }
        let rate = rate.ok_or_else(|| Error::InvalidArgument("interpolate: needs fps=RATE or factor=N".into()))?;
        Ok(Self::new(InterpolateSettings { rate, quality }))
    }
}

/// Parses `60`, `29.97`, `30000/1001` into a fraction.
pub fn parse_rate(s: &str) -> Result<(i32, i32)> {
    let bad = || Error::InvalidArgument(format!("'{s}' is not a frame rate (try 60 or 30000/1001)"));
    let (n, d) = if let Some((n, d)) = s.split_once('/') {
        (
            n.trim().parse::<i32>().map_err(|_| bad())?,
            d.trim().parse::<i32>().map_err(|_| bad())?,
        )
    } else if let Ok(n) = s.trim().parse::<i32>() {
        (n, 1)
    } else {
        let f: f64 = s.trim().parse().map_err(|_| bad())?;
        if !(f.is_finite() && f > 0.0 && f < 10_000.0) {
            return Err(bad());
        }
        ((f * 1000.0).round() as i32, 1000)
    };
    if n <= 0 || d <= 0 || n / d > 10_000 {
        return Err(bad());
    }
    Ok((n, d))
}

impl VideoFilter for InterpolateFilter {
    fn name(&self) -> &str {
        "interpolate"
    }

    fn accepted_formats(&self) -> Vec<Pixel> {
        vec![Pixel::YUV420P, Pixel::YUV420P10LE]
    }

    fn configure(&mut self, input: &VideoFormat) -> Result<VideoFormat> {
        if !matches!(input.pix_fmt, Pixel::YUV420P | Pixel::YUV420P10LE) {
            return Err(Error::Negotiation {
                node: "interpolate".into(),
                reason: format!("pixel format {:?} is not yuv420p or yuv420p10le", input.pix_fmt),
            });
        }
        if input.width == 0
            || input.height == 0
            || input.time_base.numerator() <= 0
            || input.time_base.denominator() <= 0
        {
            return Err(Error::Malformed(
                "interpolate: empty picture or invalid time base".into(),
            ));
        }
        let fps = match self.settings.rate {
            RateChange::Fps(n, d) => Rational::new(n, d),
            RateChange::Factor(f) => match input.frame_rate {
                Some(r) if r.numerator() > 0 && r.denominator() > 0 => {
                    Rational::new(r.numerator().saturating_mul(f as i32), r.denominator())
                }
                _ => {
                    return Err(Error::Unsupported(
                        "interpolate: a rate factor needs a constant input frame rate; give a target fps".into(),
                    ));
                }
            },
        };
        let output = VideoFormat {
            frame_rate: Some(fps),
            time_base: Rational::new(fps.denominator(), fps.numerator()),
            ..*input
        };
        self.state = Some(State {
            input: *input,
            fps,
            prev: None,
            next_out: 0,
            last_interval: None,
        });
        Ok(output)
    }

    fn push(&mut self, frame: VideoFrame, emit: &mut Emit<'_>) -> Result<()> {
        let quality = self.settings.quality;
        let state = self
            .state
            .as_mut()
            .ok_or_else(|| Error::InvalidArgument("interpolate: push before configure".into()))?;
        let time = match frame.pts().or_else(|| frame.timestamp()) {
            Some(pts) => (
                pts as i128 * state.input.time_base.numerator() as i128,
                state.input.time_base.denominator() as i128,
            ),
            None => match (&state.prev, state.input.frame_rate) {
                (Some(p), Some(r)) => add(p.time, (r.denominator() as i128, r.numerator() as i128)),
                (None, _) => (0, 1),
                _ => return Err(Error::Malformed("interpolate: frame without timestamp".into())),
            },
        };
        let held = Held {
            time,
            ..hold(&frame, &state.input, quality)?
        };
        let Some(prev) = state.prev.take() else {
            state.next_out = ceil_index(time, state.fps);
            state.prev = Some(held);
            return Ok(());
        };
        if cmp(time, prev.time) != std::cmp::Ordering::Greater {
            // Out-of-order or duplicate timestamp: keep the earlier frame, drop this one.
            tracing::warn!("interpolate: dropping a frame whose timestamp does not increase");
            state.prev = Some(prev);
            return Ok(());
        }
        let mut motion: Option<PairMotion> = None;
        while cmp(out_time(state.next_out, state.fps), time) == std::cmp::Ordering::Less {
            let tn = out_time(state.next_out, state.fps);
            let t = fraction(sub(tn, prev.time)) / fraction(sub(time, prev.time));
            let planes = if t <= 1e-6 {
                prev.planes.clone()
            } else {
                let m = motion.get_or_insert_with(|| {
                    let m = PairMotion::analyze_pyramids(&prev.pyramid, &held.pyramid, quality);
                    tracing::debug!(out = state.next_out, cut = m.scene_cut, stats = ?m.stats, "interpolate: pair");
                    m
                });
                let pre = match (&prev.as_f32, &held.as_f32) {
                    (Some(a), Some(b)) if m.reads_f32() => Some((&a[..], &b[..])),
                    _ => None,
                };
                match (&prev.planes, &held.planes) {
                    (Planes::Eight(a), Planes::Eight(b)) => {
                        Planes::Eight(m.synthesize_with(a, b, pre, t as f32, 255.0))
                    }
                    (Planes::Ten(a), Planes::Ten(b)) => Planes::Ten(m.synthesize_with(a, b, pre, t as f32, 1023.0)),
                    _ => return Err(Error::Malformed("interpolate: pixel format changed mid-stream".into())),
                }
            };
            emit(make_frame(&planes, &state.input, state.next_out)?)?;
            state.next_out += 1;
        }
        state.last_interval = Some(sub(time, prev.time));
        state.prev = Some(held);
        Ok(())
    }

    fn flush(&mut self, emit: &mut Emit<'_>) -> Result<()> {
        let Some(state) = self.state.as_mut() else {
            return Ok(());
        };
        let Some(prev) = state.prev.take() else {
            return Ok(());
        };
        // The last frame lasts one input interval (or one nominal frame).
        let duration = match (state.last_interval, state.input.frame_rate) {
            (_, Some(r)) if r.numerator() > 0 => (r.denominator() as i128, r.numerator() as i128),
            (Some(d), _) => d,
            _ => (state.fps.denominator() as i128, state.fps.numerator() as i128),
        };
        let end = add(prev.time, duration);
        while cmp(out_time(state.next_out, state.fps), end) == std::cmp::Ordering::Less {
            emit(make_frame(&prev.planes, &state.input, state.next_out)?)?;
            state.next_out += 1;
        }
        Ok(())
    }
}

fn add(a: (i128, i128), b: (i128, i128)) -> (i128, i128) {
    (a.0 * b.1 + b.0 * a.1, a.1 * b.1)
}

fn sub(a: (i128, i128), b: (i128, i128)) -> (i128, i128) {
    (a.0 * b.1 - b.0 * a.1, a.1 * b.1)
}

fn cmp(a: (i128, i128), b: (i128, i128)) -> std::cmp::Ordering {
    (a.0 * b.1).cmp(&(b.0 * a.1))
}

fn fraction(a: (i128, i128)) -> f64 {
    a.0 as f64 / a.1 as f64
}

/// Time of output frame n: n / fps.
fn out_time(n: i64, fps: Rational) -> (i128, i128) {
    (n as i128 * fps.denominator() as i128, fps.numerator() as i128)
}

/// The first output index whose time is at or after `time`.
fn ceil_index(time: (i128, i128), fps: Rational) -> i64 {
    let num = time.0 * fps.numerator() as i128;
    let den = time.1 * fps.denominator() as i128;
    let q = num.div_euclid(den);
    (if num.rem_euclid(den) == 0 { q } else { q + 1 }) as i64
}

/// Copies a frame's planes out of FFmpeg's padded buffers and prepares what its pairs will read.
fn hold(frame: &VideoFrame, format: &VideoFormat, quality: Quality) -> Result<Held> {
    if frame.width() != format.width || frame.height() != format.height || frame.format() != format.pix_fmt {
        return Err(Error::Malformed(
            "interpolate: frame size or format changed mid-stream".into(),
        ));
    }
    let ten = format.pix_fmt == Pixel::YUV420P10LE;
    let mut eight = Vec::new();
    let mut sixteen = Vec::new();
    for i in 0..3 {
        let (w, h) = (frame.plane_width(i) as usize, frame.plane_height(i) as usize);
        let stride = frame.stride(i);
        let data = frame.data(i);
        let bytes = if ten { 2 } else { 1 };
        if data.len() < stride * h.saturating_sub(1) + w * bytes {
            return Err(Error::Malformed("interpolate: short frame buffer".into()));
        }
        if ten {
            let mut p = Plane::<u16>::new(w, h);
            for y in 0..h {
                let row = &data[y * stride..][..2 * w];
                for (x, o) in p.data[y * w..][..w].iter_mut().enumerate() {
                    *o = u16::from_le_bytes([row[2 * x], row[2 * x + 1]]).min(1023);
                }
            }
            sixteen.push(p);
        } else {
            let mut p = Plane::<u8>::new(w, h);
            for y in 0..h {
                p.data[y * w..][..w].copy_from_slice(&data[y * stride..][..w]);
            }
            eight.push(p);
        }
    }
    let f32_copies = quality.warps_from_f32();
    let (planes, luma, as_f32) = if ten {
        let (luma, as_f32) = rayon::join(
            || luma_to_f32(&sixteen[0], 1023.0),
            || f32_copies.then(|| to_f32_planes(&sixteen)),
        );
        (Planes::Ten(sixteen), luma, as_f32)
    } else {
        let (luma, as_f32) = rayon::join(
            || luma_to_f32(&eight[0], 255.0),
            || f32_copies.then(|| to_f32_planes(&eight)),
        );
        (Planes::Eight(eight), luma, as_f32)
    };
    Ok(Held {
        planes,
        pyramid: PairMotion::pyramid(&luma, quality),
        as_f32,
        time: (0, 1),
    })
}

/// Builds an FFmpeg frame from planes, with `pts` in the output time base.
fn make_frame(planes: &Planes, format: &VideoFormat, pts: i64) -> Result<VideoFrame> {
    let mut frame = VideoFrame::new(format.pix_fmt, format.width, format.height);
    fn copy<T: Sample>(frame: &mut VideoFrame, planes: &[Plane<T>], write: impl Fn(T, &mut [u8])) -> Result<()> {
        let bytes = std::mem::size_of::<T>();
        for (i, p) in planes.iter().enumerate() {
            let stride = frame.stride(i);
            let data = frame.data_mut(i);
            if data.len() < stride * p.height.saturating_sub(1) + p.width * bytes {
                return Err(Error::Malformed("interpolate: output frame buffer too small".into()));
            }
            for y in 0..p.height {
                let row = &mut data[y * stride..][..p.width * bytes];
                for (x, &s) in p.data[y * p.width..][..p.width].iter().enumerate() {
                    write(s, &mut row[x * bytes..][..bytes]);
                }
            }
        }
        Ok(())
    }
    match planes {
        Planes::Eight(p) => copy(&mut frame, p, |s, o| o[0] = s)?,
        Planes::Ten(p) => copy(&mut frame, p, |s, o| o.copy_from_slice(&s.to_le_bytes()))?,
    }
    frame.set_pts(Some(pts));
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(frame_rate: Option<Rational>) -> VideoFormat {
        VideoFormat {
            width: 32,
            height: 24,
            pix_fmt: Pixel::YUV420P,
            time_base: Rational::new(1, 1000),
            frame_rate,
            sample_aspect_ratio: Rational::new(1, 1),
        }
    }

    fn frame(pts: i64, shade: u8) -> VideoFrame {
        let mut f = VideoFrame::new(Pixel::YUV420P, 32, 24);
        for i in 0..3 {
            let stride = f.stride(i);
            let (w, h) = (f.plane_width(i) as usize, f.plane_height(i) as usize);
            let data = f.data_mut(i);
            for y in 0..h {
                for x in 0..w {
                    data[y * stride + x] = shade.wrapping_add(((x * 7 + y * 13) % 50) as u8);
                }
            }
        }
        f.set_pts(Some(pts));
        f
    }

    /// Runs the filter over frames at the given input times (ms) and returns the output pts.
    fn run(options: &str, frame_rate: Option<Rational>, times_ms: &[i64]) -> Vec<i64> {
        let mut filter = InterpolateFilter::from_options(options).unwrap();
        filter.configure(&format(frame_rate)).unwrap();
        let mut out = Vec::new();
        let mut emit = |f: VideoFrame| -> Result<()> {
            out.push(f.pts().unwrap());
            Ok(())
        };
        for (i, &t) in times_ms.iter().enumerate() {
            filter.push(frame(t, (i * 3) as u8), &mut emit).unwrap();
        }
        filter.flush(&mut emit).unwrap();
        out
    }

    fn consecutive(pts: &[i64]) -> bool {
        pts.windows(2).all(|w| w[1] == w[0] + 1)
    }

    #[test]
    fn factor_two_on_constant_rate() {
        let times: Vec<i64> = (0..10).map(|i| i * 40).collect();
        let pts = run("factor=2:quality=fast", Some(Rational::new(25, 1)), &times);
        assert_eq!(pts, (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn variable_rate_input_follows_timestamps() {
        // 0.28 s of video (the last frame lasts as long as the interval before it): 14 frames at 50 fps.
        let pts = run("fps=50:quality=fast", None, &[0, 40, 100, 120, 200]);
        assert_eq!(pts.len(), 14);
        assert!(consecutive(&pts) && pts[0] == 0, "{pts:?}");
    }

    #[test]
    fn late_start_and_duplicate_timestamps() {
        // Starts at 1 s; a repeated timestamp is dropped, not allowed to break monotonicity.
        let pts = run(
            "fps=30000/1001:quality=fast",
            Some(Rational::new(24, 1)),
            &[1000, 1041, 1041, 1083, 1125],
        );
        assert!(consecutive(&pts), "{pts:?}");
        assert_eq!(pts[0], 30); // ceil(1.0 s * 29.97)
    }

    #[test]
    fn options_are_validated() {
        assert!(InterpolateFilter::from_options("").is_err());
        assert!(InterpolateFilter::from_options("fps=0").is_err());
        assert!(InterpolateFilter::from_options("factor=2:speed=9").is_err());
        let mut f = InterpolateFilter::from_options("factor=2").unwrap();
        assert!(f.configure(&format(None)).is_err(), "a factor needs a nominal rate");
    }
}
