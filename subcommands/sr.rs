//! `reel sr`: upscale an image or a video by 2, 3 or 4 with a learned super-resolution model.
//!
//! Images (PNG, JPEG) go through the image path; anything else is decoded as video, run through the `sr`
//! graph filter (`--vf sr=scale=2:model=fast` in `reel transcode` is the same thing) and re-encoded, with the
//! audio copied.

use anyhow::Context;
use reel::util::atomic::AtomicPath;
use reel::vision::sr::Model;
use reel::vision::sr::image::{Method, upscale_image};
use std::path::PathBuf;

/// The model tier, as typed on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    /// Learned filters (RAISR family): real-time for video.
    Fast,
    /// Fast plus a learned refinement pass: about twice the time, a little sharper.
    Quality,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The image (PNG, JPEG) or video to upscale.
    pub input: PathBuf,
    /// Where to write the result; the format follows the extension (.png, .jpg, .mp4, .mkv ...).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Upscaling factor.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(2..=4), value_name = "N")]
    pub scale: u8,
    /// Which model upscales the luma (chroma always uses Lanczos).
    #[arg(long, value_enum, default_value_t = ModelArg::Fast)]
    pub model: ModelArg,
}

fn is_image(path: &std::path::Path) -> bool {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    matches!(ext.as_deref(), Some("png" | "jpg" | "jpeg"))
}

pub fn run(args: Args, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    if !is_image(&args.input) {
        return run_video(args, global);
    }
    let input = args.input.display().to_string();
    let img = image::ImageReader::open(&args.input)
        .and_then(|r| r.with_guessed_format())
        .with_context(|| input.clone())?
        .decode()
        .with_context(|| input.clone())?;
    let model = model_of(args.model);
    let started = std::time::Instant::now();
    let up = upscale_image(&img, args.scale as usize, Method::Model(model)).with_context(|| input.clone())?;
    let elapsed = started.elapsed();
    let output = args.output.display().to_string();
    let format = image::ImageFormat::from_path(&args.output).with_context(|| output.clone())?;
    let target = AtomicPath::new(&args.output, global.overwrite).with_context(|| output.clone())?;
    // JPEG has no alpha or 16-bit samples: drop them rather than fail.
    let up = if format == image::ImageFormat::Jpeg {
        image::DynamicImage::ImageRgb8(up.to_rgb8())
    } else {
        up
    };
    up.save_with_format(target.temp(), format)
        .with_context(|| output.clone())?;
    target.commit().with_context(|| output.clone())?;
    if global.json {
        println!(
            "{}",
            serde_json::json!({
                "input": input,
                "output": output,
                "model": model.name(),
                "scale": args.scale,
                "width": up.width(),
                "height": up.height(),
                "seconds": elapsed.as_secs_f64(),
            })
        );
    } else {
        tracing::info!(
            "{input}: {}x{} in {:.2} s",
            up.width(),
            up.height(),
            elapsed.as_secs_f64()
        );
    }
    Ok(())
}

fn model_of(arg: ModelArg) -> Model {
    match arg {
        ModelArg::Fast => Model::Fast,
        ModelArg::Quality => Model::Quality,
    }
}

/// Video: decode, `sr` filter (after a conversion to a format it takes), encode with the defaults, copy audio.
fn run_video(args: Args, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    let input = args.input.display().to_string();
    let output = args.output.display().to_string();
    let filters = format!(
        "format=pix_fmts=yuv420p|yuv420p10le,sr=scale={}:model={}",
        args.scale,
        model_of(args.model).name()
    );
    crate::filter_video::run(&input, &output, filters, global)
}
