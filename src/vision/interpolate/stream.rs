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
    input: &mut (impl BufRead + Send),
    output: &mut (impl Write + Send),
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
    // Three stages on their own threads: reading and unpacking y4m, the filter (which runs its heavy work on
    // the rayon pool), packing and writing y4m. Bounded queues keep a couple of frames in flight, so reading
    // and writing overlap the analysis instead of idling the pool between frames.
    let (width, height) = (header.width as u32, header.height as u32);
    let (frames_tx, frames_rx) = std::sync::mpsc::sync_channel::<VideoFrame>(2);
    let (out_tx, out_rx) = std::sync::mpsc::sync_channel::<VideoFrame>(4);
    let (frames_in, frames_out) = std::thread::scope(|scope| -> Result<(i64, u64)> {
        let reader = scope.spawn(move || -> Result<()> {
            let mut buf = Vec::new();
            let mut index = 0i64;
            while y4m::read_frame(input, &header, &mut buf)? {
                let mut frame = VideoFrame::new(pix_fmt, width, height);
                bytes_to_frame(&buf, bps, &mut frame);
                frame.set_pts(Some(index));
                index += 1;
                if frames_tx.send(frame).is_err() {
                    break; // the filter stopped (an error): it reports why
                }
            }
            Ok(())
        });
        let writer = scope.spawn(move || -> Result<u64> {
            let mut out_buf = Vec::new();
            let mut count = 0u64;
            for frame in out_rx {
                frame_to_bytes(&frame, bps, &mut out_buf);
                y4m::write_frame(output, &out_buf)?;
                count += 1;
            }
            Ok(count)
        });
        let filtered = (|| -> Result<i64> {
            let mut emit = |frame: VideoFrame| -> Result<()> {
                out_tx
                    .send(frame)
                    .map_err(|_| Error::Malformed("interpolate: output writer stopped".into()))
            };
            let mut index = 0i64;
            for frame in frames_rx.iter() {
                filter.push(frame, &mut emit)?;
                index += 1;
                progress(index as u64);
            }
            filter.flush(&mut emit)?;
            Ok(index)
        })();
        drop(out_tx);
        drop(frames_rx);
        let read = reader
            .join()
            .map_err(|_| Error::Malformed("interpolate: reader panicked".into()))?;
        let written = writer
            .join()
            .map_err(|_| Error::Malformed("interpolate: writer panicked".into()))?;
        // A write error explains a stopped filter better than the filter's own error, and a read error
        // explains a short stream.
        let written = written?;
        let index = filtered?;
        read?;
        Ok((index, written))
    })?;
    summary.frames_in = frames_in as u64;
    summary.frames_out = frames_out;
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
