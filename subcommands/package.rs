//! `reel package`: an ABR ladder as HLS and DASH (CMAF or MPEG-TS segments) from one decode.

use crate::GlobalOpts;
use reel::package::fragment::FragmentFormat;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input file or URL; with --copy, one or more already-encoded inputs, each becoming a rendition.
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    /// Output directory (must not exist unless -y).
    #[arg(short = 'o', long = "output", value_name = "OUTDIR", required = true)]
    pub output: std::path::PathBuf,
    /// The ladder: a built-in preset (ladder-h264, ladder-hevc, ladder-av1) or a YAML file.
    #[arg(long, value_name = "NAME|FILE", default_value = "ladder-h264")]
    pub ladder: String,
    /// Write HLS (with --dash: both; with neither: what the ladder says, by default both).
    #[arg(long)]
    pub hls: bool,
    /// Write DASH.
    #[arg(long)]
    pub dash: bool,
    /// Target segment duration (default 2s).
    #[arg(long, value_name = "TIME")]
    pub segment: Option<String>,
    /// Segment container: cmaf (fragmented MP4, shared by HLS and DASH) or ts (MPEG-TS, HLS only).
    #[arg(long, value_name = "cmaf|ts")]
    pub container: Option<String>,
    /// Package the inputs as they are encoded (no re-encode); keyframe alignment is checked.
    #[arg(long)]
    pub copy: bool,
    /// One file per rendition addressed by byte ranges (EXT-X-BYTERANGE, DASH SegmentBase with a sidx).
    #[arg(long = "single-file")]
    pub single_file: bool,
    /// Override a ladder key: video.speed=fast, video.renditions.0.bitrate=4M, audio.bitrate=96k. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE", action = clap::ArgAction::Append)]
    pub set: Vec<String>,
}

pub fn run(args: Args, global: &GlobalOpts) -> anyhow::Result<()> {
    let ladder = reel::preset::load(&args.ladder)?;
    let spec = reel::preset::merge(Some(&ladder), &args.set).map_err(|e| {
        if args.set.is_empty() {
            anyhow::anyhow!(e)
        } else {
            anyhow::anyhow!("--set: {e}")
        }
    })?;
    let pkg = spec.package.clone().unwrap_or_default();
    let (hls, dash) = if args.hls || args.dash {
        (args.hls, args.dash)
    } else {
        (pkg.hls.unwrap_or(true), pkg.dash.unwrap_or(true))
    };
    let segment_text = args.segment.clone().or(pkg.segment).unwrap_or_else(|| "2s".into());
    let segment =
        reel::util::time::parse_duration(&segment_text).map_err(|e| crate::Usage(format!("--segment: {e}")))?;
    let format = match args.container.clone().or(pkg.container).as_deref().unwrap_or("cmaf") {
        "cmaf" | "fmp4" | "mp4" => FragmentFormat::Cmaf,
        "ts" | "mpegts" => FragmentFormat::Ts,
        other => return Err(crate::Usage(format!("--container: '{other}' is not cmaf or ts")).into()),
    };
    // A TS package is HLS-only unless DASH was asked for by flag (which then fails with the reason).
    let dash = dash && (format == FragmentFormat::Cmaf || args.dash);
    let opts = reel::package::PackageOptions {
        inputs: args.inputs.clone(),
        out_dir: args.output.clone(),
        spec,
        hls,
        dash,
        segment,
        format,
        single_file: args.single_file,
        copy: args.copy,
        threads: global.threads.unwrap_or(0),
        overwrite: global.overwrite,
    };
    let ctl = reel::graph::RunControl {
        overwrite: global.overwrite,
        ..Default::default()
    };
    crate::signals::install(ctl.stop.clone());
    // The total for the progress bar; stdin and network inputs can only be opened once.
    let reopenable = |i: &str| i != "-" && !i.contains("://");
    let total = if args.copy || !reopenable(&args.inputs[0]) {
        None
    } else {
        reel::graph::plan::open_input(&args.inputs[0], None)
            .and_then(|i| reel::graph::plan::input_info(&args.inputs[0], None, &i))
            .ok()
            .and_then(|i| i.duration)
    };
    let progress = crate::progress::Reporter::start(global, ctl.stats.clone(), total);
    let result = reel::package::package(&opts, &ctl);
    progress.finish();
    let summary = result?;
    if global.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    if global.quiet {
        return Ok(());
    }
    for n in &summary.notes {
        eprintln!("note: {n}");
    }
    eprintln!(
        "{:<10} {:<6} {:<24} {:>10} {:>10} {:>10} {:>9}",
        "rendition", "kind", "codecs", "resolution", "avg kb/s", "peak kb/s", "size"
    );
    for r in &summary.renditions {
        let res = if r.kind == "video" {
            format!("{}x{}", r.width, r.height)
        } else {
            "-".into()
        };
        eprintln!(
            "{:<10} {:<6} {:<24} {:>10} {:>10} {:>10} {:>9}",
            r.name,
            r.kind,
            r.codecs,
            res,
            r.average_bit_rate / 1000,
            r.peak_bit_rate / 1000,
            crate::progress::human_bytes(r.size)
        );
    }
    eprintln!("wrote {}: {}", summary.out_dir, summary.manifests.join(", "));
    if summary.interrupted {
        eprintln!("stopped early on request; the package is complete up to that point");
    }
    Ok(())
}
