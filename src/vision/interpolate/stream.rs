//! Runs the interpolate filter over a y4m stream: y4m frames in, FFmpeg frames through
//! [`InterpolateFilter`], y4m frames out. The same path the graph will take, minus decoding.

use super::filter::InterpolateFilter;
use super::y4m;
use crate::error::{Error, Result};
use crate::node::video_filter::{VideoFilter, VideoFormat};
use ffmpeg_next::Rational;
use ffmpeg_next::format::Pixel;
use ffmpeg_next::frame::Video as VideoFrame;
use std::io::{BufRead, Write};

/// Counts of a finished run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamSummary {
    pub frames_in: u64,
    pub frames_out: u64,
    /// Output frame rate (num, den).
    pub rate: (i32, i32),
}

/// Interpolates a whole y4m stream from `input` to `output`. `progress` is called after each input frame.
pub fn interpolate_y4m(
    input: &mut impl BufRead,
    output: &mut impl Write,
    filter: &mut InterpolateFilter,
    mut progress: impl FnMut(u64),
) -> Result<StreamSummary> {
    let header = y4m::read_header(input)?;
    let pix_fmt = if header.bit_depth > 8 {
        Pixel::YUV420P10LE
    } else {
        Pixel::YUV420P
    };
    let format = VideoFormat {
        width: header.width as u32,
        height: header.height as u32,
        pix_fmt,
        time_base: Rational::new(header.rate.1, header.rate.0),
        frame_rate: Some(Rational::new(header.rate.0, header.rate.1)),
        sample_aspect_ratio: Rational::new(0, 1),
    };
    let out_format = filter.configure(&format)?;
    let rate = out_format
        .frame_rate
        .map(|r| (r.numerator(), r.denominator()))
        .ok_or_else(|| Error::Malformed("interpolate: no output rate".into()))?;
    y4m::write_header(output, &header, rate)?;
    let bps = if header.bit_depth > 8 { 2 } else { 1 };
    let mut summary = StreamSummary {
        rate,
        ..Default::default()
    };
    let mut buf = Vec::new();
    let mut out_buf = Vec::new();
    let mut emit = |frame: VideoFrame| -> Result<()> {
        frame_to_bytes(&frame, bps, &mut out_buf);
        y4m::write_frame(output, &out_buf)?;
        summary.frames_out += 1;
        Ok(())
    };
    let mut index = 0i64;
    while y4m::read_frame(input, &header, &mut buf)? {
        let mut frame = VideoFrame::new(pix_fmt, header.width as u32, header.height as u32);
        bytes_to_frame(&buf, bps, &mut frame);
        frame.set_pts(Some(index));
        filter.push(frame, &mut emit)?;
        index += 1;
        progress(index as u64);
    }
    filter.flush(&mut emit)?;
    summary.frames_in = index as u64;
    Ok(summary)
}

fn bytes_to_frame(buf: &[u8], bps: usize, frame: &mut VideoFrame) {
    let mut off = 0;
    for i in 0..3 {
        let (w, h) = (frame.plane_width(i) as usize * bps, frame.plane_height(i) as usize);
        let stride = frame.stride(i);
        let data = frame.data_mut(i);
        for y in 0..h {
            data[y * stride..][..w].copy_from_slice(&buf[off..off + w]);
            off += w;
        }
    }
}

fn frame_to_bytes(frame: &VideoFrame, bps: usize, out: &mut Vec<u8>) {
    out.clear();
    for i in 0..3 {
        let (w, h) = (frame.plane_width(i) as usize * bps, frame.plane_height(i) as usize);
        let stride = frame.stride(i);
        let data = frame.data(i);
        for y in 0..h {
            out.extend_from_slice(&data[y * stride..][..w]);
        }
    }
}
