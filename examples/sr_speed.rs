//! Measures `SrFilter` throughput on raw yuv420p frames (as `bench/sr.sh` feeds it), frames per second.
//!
//! Usage: `sr_speed RAW.yuv WIDTH HEIGHT SCALE MODEL`. Reads every frame, upscales it, prints one line.

use ffmpeg_next::Rational;
use ffmpeg_next::format::Pixel;
use ffmpeg_next::frame::Video as VideoFrame;
use reel::node::video_filter::{VideoFilter, VideoFormat};
use reel::vision::sr::filter::{SrFilter, SrSettings};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() != 5 {
        return Err("usage: sr_speed RAW.yuv WIDTH HEIGHT SCALE MODEL".into());
    }
    let raw = std::fs::read(&a[0])?;
    let (w, h): (usize, usize) = (a[1].parse()?, a[2].parse()?);
    let settings = SrSettings::parse(&format!("scale={}:model={}", a[3], a[4]))?;
    let mut filter = SrFilter::new(settings);
    filter.configure(&VideoFormat {
        width: w as u32,
        height: h as u32,
        pix_fmt: Pixel::YUV420P,
        time_base: Rational::new(1, 25),
        frame_rate: Some(Rational::new(25, 1)),
        sample_aspect_ratio: Rational::new(1, 1),
    })?;
    let frame_len = w * h * 3 / 2;
    let mut frames = Vec::new();
    for (n, chunk) in raw.chunks_exact(frame_len).enumerate() {
        let mut f = VideoFrame::new(Pixel::YUV420P, w as u32, h as u32);
        let mut at = 0;
        for p in 0..3 {
            let (pw, ph) = (f.plane_width(p) as usize, f.plane_height(p) as usize);
            let stride = f.stride(p);
            let data = f.data_mut(p);
            for y in 0..ph {
                data[y * stride..y * stride + pw].copy_from_slice(&chunk[at..at + pw]);
                at += pw;
            }
        }
        f.set_pts(Some(n as i64));
        frames.push(f);
    }
    let count = frames.len();
    let started = Instant::now();
    let mut produced = 0usize;
    for f in frames {
        filter.push(f, &mut |_| {
            produced += 1;
            Ok(())
        })?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{count} frames {w}x{h} x{} {}: {:.2} fps ({produced} out)",
        a[3],
        a[4],
        count as f64 / secs
    );
    Ok(())
}
