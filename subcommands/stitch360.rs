//! `reel stitch360`: 360-degree projection conversion (photos and video), viewports along a head-pose trace,
//! dual-fisheye stitching, spherical metadata, and tiled viewport-adaptive DASH.

use anyhow::{Context, bail};
use reel::vision::projection::image_io::{self, RgbPlanes};
use reel::vision::projection::photo::{self, PhotoConversion, PhotoReport};
use reel::vision::projection::spherical::{self, SphericalInfo, SphericalKind, SphericalReport};
use reel::vision::projection::viewport::render_trace_to_dir;
use reel::vision::projection::{Interp, Projection};
use reel::vision::stitch::{self, Blend, PhotoStitch, RigParams, StitchOptions};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input photo (PNG or JPEG).
    pub input: PathBuf,
    /// Output photo (PNG or JPEG); with --pose-trace a directory of numbered PNG viewports; with
    /// --inject-metadata a video (.mp4, .mov, .mkv).
    #[arg(short, long, required_unless_present = "show_metadata")]
    pub output: Option<PathBuf>,
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
    /// Head-pose trace (CSV: time,yaw,pitch,roll in degrees): render one perspective viewport per pose
    /// from an equirect input into the output directory (view_00000.png, ...).
    #[arg(long, value_name = "CSV")]
    pub pose_trace: Option<PathBuf>,
    /// Dual-fisheye lens parameters (YAML) for stitching to equirect.
    #[arg(long, value_name = "YAML")]
    pub lens: Option<PathBuf>,
    /// Estimate the lens circles, the back lens's rotation and the gains from the frame itself.
    #[arg(long)]
    pub calibrate: bool,
    /// Write the lens parameters used (after --calibrate) to this YAML file.
    #[arg(long, value_name = "YAML")]
    pub save_lens: Option<PathBuf>,
    /// Seam blending when stitching dual fisheye: none, linear, multiband.
    #[arg(long, default_value = "multiband")]
    pub blend: String,
    /// Copy a video without re-encoding, marking it as 360 (Spherical Video V2: sv3d/st3d in MP4, Projection in
    /// MKV) with the projection of --to (equirect or c3x2) and the initial view of --yaw/--pitch/--roll.
    #[arg(long)]
    pub inject_metadata: bool,
    /// Print a video's spherical metadata.
    #[arg(long, conflicts_with = "inject_metadata")]
    pub show_metadata: bool,
    /// Viewport-adaptive packaging of an equirect video: COLSxROWS tiles, each at the ladder's qualities, plus a
    /// full-sphere base layer, as DASH with SRD descriptors in the -o directory (layout: docs/stitch360-tiles.md).
    #[arg(long, value_name = "COLSxROWS")]
    pub tiles: Option<String>,
    /// With --tiles: the ladder (lowest rung: the base layer; the others: tile qualities, bit rates for the
    /// whole frame). A built-in preset or a YAML file.
    #[arg(long, value_name = "NAME|FILE", default_value = "ladder-h264", requires = "tiles")]
    pub ladder: String,
    /// With --tiles: segment duration.
    #[arg(long, value_name = "TIME", default_value = "2s", requires = "tiles")]
    pub segment: String,
    /// Output container for video (mp4, mkv, y4m ...; needed with `-o -`).
    #[arg(short = 'f', long = "format", value_name = "FORMAT")]
    pub format: Option<String>,
    /// With --tiles: override a ladder key (video.speed=veryfast). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE", requires = "tiles", action = clap::ArgAction::Append)]
    pub set: Vec<String>,
}

/// Video: the conversion (or the viewports of a pose trace) on the shared graph, with spherical metadata.
fn run_video(args: &Args, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    use reel::vision::projection::video;
    let to = Projection::parse(&args.to)?;
    let size = match (args.width, args.height) {
        (Some(w), Some(h)) => Some((w, h)),
        (None, None) => None,
        _ => bail!("give both --width and --height, or neither"),
    };
    let (chain, spherical) = match &args.pose_trace {
        Some(trace) => {
            if Projection::parse(&args.from)? != Projection::Equirect || !matches!(to, Projection::Perspective { .. }) {
                bail!("--pose-trace renders perspective viewports (--to perspective) from equirect input");
            }
            let size = (args.width.unwrap_or(1920), args.height.unwrap_or(1080));
            (video::viewport_chain(trace, size, args.h_fov, args.v_fov)?, None)
        }
        None => (
            video::conversion_chain(
                &args.from,
                &args.to,
                (args.yaw, args.pitch, args.roll),
                &args.interp,
                args.fov,
                args.h_fov,
                args.v_fov,
                size,
            ),
            SphericalKind::of(&to),
        ),
    };
    let job = video::Video360 {
        input: args.input.display().to_string(),
        output: output(args)?.to_path_buf(),
        format: args.format.clone(),
        chain,
        spherical,
        threads: global.threads.unwrap_or(0),
    };
    let ctl = reel::graph::RunControl {
        overwrite: global.overwrite,
        ..Default::default()
    };
    crate::signals::install(ctl.stop.clone());
    let progress = crate::progress::Reporter::start(global, ctl.stats.clone(), None);
    let result = video::run(&job, &ctl);
    progress.finish();
    let (summary, tagged) = result?;
    if global.json && job.output.as_os_str() != "-" {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else if !global.quiet
        && let Some(o) = summary.outputs.first()
    {
        eprintln!(
            "wrote {}: {} video frames, {:.2} s{}",
            job.output.display(),
            o.video_frames,
            o.duration,
            if tagged { ", with spherical metadata" } else { "" }
        );
    }
    Ok(())
}

/// `--tiles`: the tiled DASH package.
fn run_tiles(args: &Args, tiles: &str, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    let grid = reel::package::tiles::TileGrid::parse(tiles).map_err(|e| crate::Usage(format!("--tiles: {e}")))?;
    let ladder = reel::preset::load(&args.ladder)?;
    let spec = reel::preset::merge(Some(&ladder), &args.set)?;
    let segment =
        reel::util::time::parse_duration(&args.segment).map_err(|e| crate::Usage(format!("--segment: {e}")))?;
    let opts = reel::package::PackageOptions {
        inputs: vec![args.input.display().to_string()],
        out_dir: output(args)?.to_path_buf(),
        spec,
        hls: false,
        dash: true,
        segment,
        format: reel::package::fragment::FragmentFormat::Cmaf,
        single_file: false,
        copy: false,
        threads: global.threads.unwrap_or(0),
        overwrite: global.overwrite,
    };
    let ctl = reel::graph::RunControl {
        overwrite: global.overwrite,
        ..Default::default()
    };
    crate::signals::install(ctl.stop.clone());
    let progress = crate::progress::Reporter::start(global, ctl.stats.clone(), None);
    let result = reel::package::tiles::package_tiles(&opts, grid, &ctl);
    progress.finish();
    let summary = result?;
    if global.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else if !global.quiet {
        for n in &summary.notes {
            eprintln!("note: {n}");
        }
        let tiles = summary
            .renditions
            .iter()
            .filter(|r| r.name.starts_with("tile_"))
            .count();
        let bytes: u64 = summary.renditions.iter().map(|r| r.size).sum();
        eprintln!(
            "wrote {}: manifest.mpd, a base layer and {tiles} tile representations ({} in all)",
            summary.out_dir,
            crate::progress::human_bytes(bytes)
        );
    }
    Ok(())
}

fn output(args: &Args) -> anyhow::Result<&Path> {
    args.output
        .as_deref()
        .ok_or_else(|| crate::Usage("an output is needed (-o)".into()).into())
}

/// The video paths: show or inject spherical metadata.
fn run_metadata(args: &Args, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    let input = &args.input;
    if args.show_metadata {
        let report = SphericalReport::of(input)?;
        if global.json {
            println!("{}", serde_json::to_string(&report)?);
        } else {
            println!("{report}");
        }
        return Ok(());
    }
    let info = SphericalInfo::declaring(&Projection::parse(&args.to)?, (args.yaw, args.pitch, args.roll))?;
    let out_path = output(args)?;
    spherical::inject_file(input, out_path, &info, global.overwrite).with_context(|| format!("{}", input.display()))?;
    if !global.quiet {
        eprintln!("{} -> {} (spherical {})", input.display(), out_path.display(), args.to);
    }
    Ok(())
}

fn projection(name: &str, args: &Args, aspect: f64) -> anyhow::Result<Projection> {
    Ok(Projection::parse(name)?.with_fov(Some(args.fov), Some(args.h_fov), args.v_fov, aspect))
}

pub fn run(args: Args, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    let input = &args.input;
    if args.inject_metadata || args.show_metadata {
        return run_metadata(&args, global);
    }
    if let Some(tiles) = &args.tiles {
        return run_tiles(&args, tiles, global);
    }
    if !photo::is_photo(input) {
        return run_video(&args, global);
    }
    let interp = Interp::parse(&args.interp)?;
    let image = image_io::load(input)?;
    let from = Projection::parse(&args.from)?;
    let to = Projection::parse(&args.to)?;
    if let Some(trace) = &args.pose_trace {
        if from != Projection::Equirect || !matches!(to, Projection::Perspective { .. }) {
            return Err(crate::Usage(
                "--pose-trace renders perspective views (--to perspective) of an equirect input".into(),
            )
            .into());
        }
        return run_pose_trace(&args, global, &image, trace);
    }
    let stitching = args.lens.is_some() || args.calibrate || args.save_lens.is_some();
    if matches!(from, Projection::DualFisheye { .. }) && to == Projection::Equirect {
        return run_stitch(&args, global, &image);
    } else if stitching {
        return Err(crate::Usage(
            "--lens, --calibrate and --save-lens stitch dual-fisheye (--from dual-fisheye --to equirect)".into(),
        )
        .into());
    }
    let job = PhotoConversion {
        from,
        to,
        fov: (Some(args.fov), Some(args.h_fov), args.v_fov),
        size: (args.width, args.height),
        yaw_deg: args.yaw,
        pitch_deg: args.pitch,
        roll_deg: args.roll,
        interp,
    };
    let done = job.run(&image)?;
    write_photo(&args, global, &done.planes)?;
    report(&args, global, &done.from, &done.to, &done.planes, done.convert_ms);
    Ok(())
}

fn write_photo(args: &Args, global: &crate::GlobalOpts, image: &RgbPlanes) -> anyhow::Result<()> {
    let path = output(args)?;
    photo::save_atomic(path, image, global.overwrite).with_context(|| format!("{}", path.display()))
}

fn report(args: &Args, global: &crate::GlobalOpts, from: &Projection, to: &Projection, image: &RgbPlanes, ms: f64) {
    let report = PhotoReport::new(&args.input, args.output.as_deref(), from, to, image, ms);
    if global.json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else if !global.quiet {
        eprintln!("{report}");
    }
}

/// Renders one viewport per pose of the trace into the output directory.
fn run_pose_trace(args: &Args, global: &crate::GlobalOpts, photo: &RgbPlanes, trace: &Path) -> anyhow::Result<()> {
    let RgbPlanes::U8(planes) = photo else {
        bail!("{}: pose traces need an 8-bit photo", args.input.display());
    };
    let (w, h) = (
        args.width.unwrap_or(1920) as usize,
        args.height.unwrap_or(1080) as usize,
    );
    let Projection::Perspective { h_fov_deg, v_fov_deg } = projection("perspective", args, w as f64 / h as f64)? else {
        unreachable!("perspective parses to itself")
    };
    let out_dir = output(args)?;
    let done = render_trace_to_dir(planes, trace, (w, h), (h_fov_deg, v_fov_deg), out_dir, global.overwrite)?;
    if global.json {
        println!(
            "{}",
            serde_json::json!({"output": out_dir, "poses": done.poses, "render_p50_ms": done.p50_ms, "render_p99_ms": done.p99_ms})
        );
    } else if !global.quiet {
        eprintln!(
            "{} viewports {}x{} -> {} (render p50 {:.2} ms, p99 {:.2} ms)",
            done.poses,
            w,
            h,
            out_dir.display(),
            done.p50_ms,
            done.p99_ms
        );
    }
    Ok(())
}

/// Stitches a side-by-side dual-fisheye photo into an equirect.
fn run_stitch(args: &Args, global: &crate::GlobalOpts, photo: &RgbPlanes) -> anyhow::Result<()> {
    let RgbPlanes::U8(planes) = photo else {
        bail!("{}: stitching needs an 8-bit photo", args.input.display());
    };
    let lens = match &args.lens {
        Some(p) => Some(RigParams::load(p)?),
        None => None,
    };
    let job = PhotoStitch {
        lens,
        fov: args.fov,
        calibrate: args.calibrate,
        width: args.width,
        height: args.height,
        options: StitchOptions {
            blend: Blend::parse(&args.blend)?,
            ..StitchOptions::default()
        },
    };
    let started = std::time::Instant::now();
    let out = stitch::stitch_photo(planes, &job).with_context(|| format!("{}", args.input.display()))?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    if let Some(p) = &args.save_lens {
        out.rig.save(p, global.overwrite)?;
    }
    let from = Projection::DualFisheye {
        fov_deg: out.rig.lenses[0].fov,
    };
    let image = RgbPlanes::U8(out.planes);
    write_photo(args, global, &image)?;
    report(args, global, &from, &Projection::Equirect, &image, ms);
    Ok(())
}
