//! `reel stitch360`: 360-degree projection conversion, viewports along a head-pose trace, dual-fisheye stitching.

use anyhow::{Context, bail};
use reel::util::atomic::AtomicPath;
use reel::vision::projection::image_io::{self, RgbPlanes};
use reel::vision::projection::{ConvertSettings, Interp, Projection, convert_planes};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input photo (PNG or JPEG).
    pub input: PathBuf,
    /// Output photo (PNG or JPEG); with --pose-trace a directory of numbered PNG viewports.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Input projection: equirect, c3x2 (cubemap), c6x1, c1x6, eac, fisheye, dual-fisheye, perspective.
    #[arg(long, default_value = "equirect", value_name = "PROJ")]
    pub from: String,
    /// Output projection (same names as --from).
    #[arg(long, default_value = "c3x2", value_name = "PROJ")]
    pub to: String,
    /// Turn the view right by this many degrees.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub yaw: f64,
    /// Turn the view up by this many degrees.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub pitch: f64,
    /// Roll the view clockwise by this many degrees.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub roll: f64,
    /// Interpolation: nearest, bilinear, bicubic, lanczos.
    #[arg(long, default_value = "bilinear")]
    pub interp: String,
    /// Field of view of fisheye and dual-fisheye lenses, in degrees (each lens).
    #[arg(long, default_value_t = 180.0, value_name = "DEG")]
    pub fov: f64,
    /// Horizontal field of view of a perspective view, in degrees.
    #[arg(long, default_value_t = 90.0, value_name = "DEG")]
    pub h_fov: f64,
    /// Vertical field of view of a perspective view (default: from --h-fov and the output aspect).
    #[arg(long, value_name = "DEG")]
    pub v_fov: Option<f64>,
    /// Output width (default: keeps the input's angular resolution; 1920 for perspective).
    #[arg(long)]
    pub width: Option<u32>,
    /// Output height (default: keeps the input's angular resolution; 1080 for perspective).
    #[arg(long)]
    pub height: Option<u32>,
}

fn projection(name: &str, args: &Args, aspect: f64) -> anyhow::Result<Projection> {
    Ok(match Projection::parse(name)? {
        Projection::Fisheye { .. } => Projection::Fisheye { fov_deg: args.fov },
        Projection::DualFisheye { .. } => Projection::DualFisheye { fov_deg: args.fov },
        Projection::Perspective { .. } => {
            let v = args
                .v_fov
                .unwrap_or_else(|| (2.0 * ((args.h_fov.to_radians() / 2.0).tan() / aspect).atan()).to_degrees());
            Projection::Perspective {
                h_fov_deg: args.h_fov,
                v_fov_deg: v,
            }
        }
        p => p,
    })
}

pub fn run(args: Args, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    let input = &args.input;
    let is_photo = |p: &Path| {
        p.extension()
            .map(|e| {
                matches!(
                    e.to_string_lossy().to_ascii_lowercase().as_str(),
                    "png" | "jpg" | "jpeg"
                )
            })
            .unwrap_or(false)
    };
    if !is_photo(input) {
        bail!(
            "{}: only PNG and JPEG photos are supported so far (video needs the filter graph)",
            input.display()
        );
    }
    let interp = Interp::parse(&args.interp)?;
    let photo = image_io::load(input).with_context(|| format!("{}", input.display()))?;
    let (in_w, in_h) = photo.size();
    let from = projection(&args.from, &args, in_w as f64 / in_h as f64)?;
    let to_guess = projection(&args.to, &args, 16.0 / 9.0)?;
    let (dw, dh) = to_guess.default_size(&from, in_w as u32, in_h as u32);
    let (out_w, out_h) = (args.width.unwrap_or(dw), args.height.unwrap_or(dh));
    let to = projection(&args.to, &args, out_w as f64 / out_h as f64)?;
    let settings = ConvertSettings {
        from,
        to,
        yaw_deg: args.yaw,
        pitch_deg: args.pitch,
        roll_deg: args.roll,
        interp,
    };
    let started = std::time::Instant::now();
    let converted = match &photo {
        RgbPlanes::U8(p) => RgbPlanes::U8(to3(convert_planes(&settings, p, out_w as usize, out_h as usize, 255)?)?),
        RgbPlanes::U16(p) => RgbPlanes::U16(to3(convert_planes(
            &settings,
            p,
            out_w as usize,
            out_h as usize,
            65535,
        )?)?),
    };
    let elapsed = started.elapsed();
    let out = AtomicPath::new(&args.output, global.overwrite)?;
    image_io::save(out.temp(), &converted).with_context(|| format!("{}", args.output.display()))?;
    out.commit()?;
    if global.json {
        println!(
            "{}",
            serde_json::json!({
                "input": input, "output": args.output, "from": from.name(), "to": to.name(),
                "width": out_w, "height": out_h, "convert_ms": elapsed.as_secs_f64() * 1e3,
            })
        );
    } else if !global.quiet {
        eprintln!(
            "{} ({}) -> {} ({}, {}x{}) in {:.1} ms",
            input.display(),
            from.name(),
            args.output.display(),
            to.name(),
            out_w,
            out_h,
            elapsed.as_secs_f64() * 1e3
        );
    }
    Ok(())
}

fn to3<T>(v: Vec<T>) -> anyhow::Result<[T; 3]> {
    v.try_into().map_err(|_| anyhow::anyhow!("expected three planes"))
}
