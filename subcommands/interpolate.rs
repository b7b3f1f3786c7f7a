//! `reel interpolate`: motion-compensated frame interpolation, for an image pair, a y4m stream, or any
//! video (decoded, run through the `interpolate` graph filter, re-encoded, audio copied; the same as
//! `reel transcode IN -o OUT --vf interpolate=fps=60`).

use anyhow::{Context, bail};
use reel::util::atomic::AtomicPath;
use reel::vision::interpolate::{InterpolateFilter, InterpolateSettings, Quality, RateChange, interpolate_rgb8};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Two images (A.png B.png: writes the picture between them), one y4m stream (`-` for stdin), or a video.
    #[arg(required = true, num_args = 1..=2, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output image or y4m stream (`-` for stdout).
    #[arg(short, long, value_name = "OUTPUT")]
    pub output: PathBuf,
    /// Time of the image to make between A (0) and B (1).
    #[arg(long, default_value_t = 0.5, value_name = "T")]
    pub t: f32,
    /// Output frame rate of a stream (60, 30000/1001).
    #[arg(long, value_name = "RATE", conflicts_with = "factor")]
    pub fps: Option<String>,
    /// Multiply the stream's frame rate by N.
    #[arg(long, value_name = "N")]
    pub factor: Option<u32>,
    /// Speed/quality trade-off.
    #[arg(long, value_enum, default_value_t = QualityArg::Balanced)]
    pub quality: QualityArg,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum QualityArg {
    /// Flow at quarter resolution, bilinear warping: faster than real time at 720p30 -> 60 on 2 cores.
    Fast,
    /// Flow at half resolution (full below 600 px wide) with variational refinement, bicubic warping.
    Balanced,
    /// `balanced` on the pair and its three mirror images, averaged: about 0.4 dB more, four times slower.
    Best,
}

impl From<QualityArg> for Quality {
    fn from(q: QualityArg) -> Self {
        match q {
            QualityArg::Fast => Quality::Fast,
            QualityArg::Balanced => Quality::Balanced,
            QualityArg::Best => Quality::Best,
        }
    }
}

pub fn run(args: Args, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    if args.inputs.len() == 2 {
        return run_images(&args, global);
    }
    let rate = match (&args.fps, args.factor) {
        (Some(f), _) => {
            let (n, d) = reel::vision::interpolate::parse_rate(f).map_err(|e| crate::Usage(e.to_string()))?;
            RateChange::Fps(n, d)
        }
        (None, Some(n)) if (1..=64).contains(&n) => RateChange::Factor(n),
        (None, Some(_)) => return Err(crate::Usage("--factor must be 1..64".into()).into()),
        (None, None) => return Err(crate::Usage("a stream needs --fps RATE or --factor N".into()).into()),
    };
    let mut filter = InterpolateFilter::new(InterpolateSettings {
        rate,
        quality: args.quality.into(),
    });
    let input = &args.inputs[0];
    let is_y4m = |p: &Path| p.as_os_str() == "-" || p.extension().is_some_and(|e| e.eq_ignore_ascii_case("y4m"));
    if !is_y4m(input) {
        return run_video(&args, rate, global);
    }
    // Every made frame allocates and frees frame-sized buffers: keep them in the heap (10 % of the CPU).
    // Only on this path, where no FFmpeg demuxer runs: two transcode tests failed under load once each
    // while transcode did the same, and the cause is not known.
    reel::util::memory::retain_freed_memory();
    let mut reader: Box<dyn std::io::BufRead + Send> = if input.as_os_str() == "-" {
        Box::new(std::io::BufReader::with_capacity(1 << 20, std::io::stdin()))
    } else {
        let f = std::fs::File::open(input).with_context(|| input.display().to_string())?;
        Box::new(std::io::BufReader::with_capacity(1 << 20, f))
    };
    let progress = |_n: u64| {};
    if args.output.as_os_str() == "-" {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout());
        let s = reel::vision::interpolate::stream::interpolate_y4m(&mut reader, &mut out, &mut filter, progress)
            .with_context(|| input.display().to_string())?;
        std::io::Write::flush(&mut out)?;
        report(&s, global);
        return Ok(());
    }
    let atomic = AtomicPath::new(&args.output, global.overwrite)?;
    let file = std::fs::File::create(atomic.temp()).with_context(|| args.output.display().to_string())?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let s = reel::vision::interpolate::stream::interpolate_y4m(&mut reader, &mut out, &mut filter, progress)
        .with_context(|| input.display().to_string())?;
    std::io::Write::flush(&mut out).with_context(|| args.output.display().to_string())?;
    drop(out);
    atomic.commit()?;
    report(&s, global);
    Ok(())
}

fn report(s: &reel::vision::interpolate::stream::StreamSummary, global: &crate::GlobalOpts) {
    if global.json {
        println!(
            "{{\"frames_in\":{},\"frames_out\":{},\"fps\":\"{}/{}\"}}",
            s.frames_in, s.frames_out, s.rate.0, s.rate.1
        );
    } else {
        tracing::info!(
            "{} frames in, {} frames out at {}/{} fps",
            s.frames_in,
            s.frames_out,
            s.rate.0,
            s.rate.1
        );
    }
}

fn load_rgb(path: &Path) -> anyhow::Result<image::RgbImage> {
    Ok(image::open(path).with_context(|| path.display().to_string())?.to_rgb8())
}

fn run_images(args: &Args, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&args.t) {
        bail!(crate::Usage("--t must be between 0 and 1".into()));
    }
    let a = load_rgb(&args.inputs[0])?;
    let b = load_rgb(&args.inputs[1])?;
    if a.dimensions() != b.dimensions() {
        bail!(
            "{}: size {}x{} differs from {}x{}",
            args.inputs[1].display(),
            b.width(),
            b.height(),
            a.width(),
            a.height()
        );
    }
    let (w, h) = a.dimensions();
    let start = std::time::Instant::now();
    let mid = interpolate_rgb8(
        a.as_raw(),
        b.as_raw(),
        w as usize,
        h as usize,
        args.t,
        args.quality.into(),
    )?;
    let elapsed = start.elapsed();
    tracing::info!("interpolated {w}x{h} in {:.1} ms", elapsed.as_secs_f64() * 1e3);
    let img = image::RgbImage::from_raw(w, h, mid).context("internal: output size")?;
    let atomic = AtomicPath::new(&args.output, global.overwrite)?;
    let format = image::ImageFormat::from_path(&args.output).unwrap_or(image::ImageFormat::Png);
    img.save_with_format(atomic.temp(), format)
        .with_context(|| args.output.display().to_string())?;
    atomic.commit()?;
    if global.json {
        println!(
            "{{\"width\":{w},\"height\":{h},\"ms\":{:.3}}}",
            elapsed.as_secs_f64() * 1e3
        );
    }
    Ok(())
}

/// Video: decode, `interpolate` filter (after a conversion to a format it takes), encode, copy audio.
fn run_video(args: &Args, rate: RateChange, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    let input = args.inputs[0].display().to_string();
    let output = args.output.display().to_string();
    let rate = match rate {
        RateChange::Fps(n, d) => format!("fps={n}/{d}"),
        RateChange::Factor(f) => format!("factor={f}"),
    };
    let quality = match args.quality {
        QualityArg::Fast => "fast",
        QualityArg::Balanced => "balanced",
        QualityArg::Best => "best",
    };
    let filters = format!("format=pix_fmts=yuv420p|yuv420p10le,interpolate={rate}:quality={quality}");
    crate::filter_video::run(&input, &output, filters, global)
}
