//! `reel transcode`: decode, filter, encode and mux, configured by flags, a YAML preset and `--set`.
//!
//! Options before the first `-o` apply to every output; options after an `-o OUT` apply to that output only,
//! so `reel transcode in.mkv --crf 20 -o a.mp4 -o b.webm --vcodec vp9` writes two files from one decode.

use crate::GlobalOpts;
use anyhow::Context as _;
use clap::ArgMatches;
use reel::graph::spec::{AudioSpec, GraphSpec, InputSpec, OutputSpec, VideoSpec};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input file, URL, or `-` for stdin.
    pub input: String,
    /// Output file, or `-` for stdout (needs -f). Repeat for several outputs from one decode.
    #[arg(short = 'o', long = "output", value_name = "OUT", required = true, action = clap::ArgAction::Append)]
    pub outputs: Vec<String>,
    /// Container: mp4, fmp4, mkv, webm, mpegts, flv, nut, y4m, wav (default: from the extension).
    #[arg(short = 'f', long = "format", value_name = "FORMAT", action = clap::ArgAction::Append)]
    pub format: Vec<String>,
    #[command(flatten)]
    pub enc: EncodeArgs,
}

/// The encoding, filtering, range and preset options `transcode` and `stream` share.
#[derive(clap::Args, Debug)]
pub struct EncodeArgs {
    /// Video codec: h264, hevc, av1, vp9, copy, none, or a libavcodec encoder name.
    #[arg(long, value_name = "CODEC", action = clap::ArgAction::Append)]
    pub vcodec: Vec<String>,
    /// Constant quality (x264/x265/libvpx CRF; AV1 on the 0-63 scale).
    #[arg(long, value_name = "N", action = clap::ArgAction::Append)]
    pub crf: Vec<f32>,
    /// Target video bit rate (e.g. 3M).
    #[arg(long, value_name = "RATE", action = clap::ArgAction::Append)]
    pub vbitrate: Vec<String>,
    /// Maximum video bit rate (VBV).
    #[arg(long, value_name = "RATE", action = clap::ArgAction::Append)]
    pub maxrate: Vec<String>,
    /// VBV buffer size.
    #[arg(long, value_name = "SIZE", action = clap::ArgAction::Append)]
    pub bufsize: Vec<String>,
    /// Encoder speed: x264/x265 preset (ultrafast..veryslow) or 0..10 (rav1e, libvpx).
    #[arg(long, value_name = "SPEED", action = clap::ArgAction::Append)]
    pub speed: Vec<String>,
    /// Keyframe interval: seconds (2s) or frames (48); closed GOPs without scene-cut keyframes.
    #[arg(long, value_name = "GOP", action = clap::ArgAction::Append)]
    pub gop: Vec<String>,
    /// Encoder tune (film, animation, zerolatency ...).
    #[arg(long, value_name = "TUNE", action = clap::ArgAction::Append)]
    pub tune: Vec<String>,
    /// Codec profile (baseline, main, high ...).
    #[arg(long, value_name = "PROFILE", action = clap::ArgAction::Append)]
    pub profile: Vec<String>,
    /// Output pixel format (yuv420p, yuv420p10le ...).
    #[arg(long = "pix-fmt", value_name = "FMT", action = clap::ArgAction::Append)]
    pub pix_fmt: Vec<String>,
    /// Video filters, ffmpeg syntax: "scale=-2:720,fps=30" (any libavfilter filter).
    #[arg(long, value_name = "CHAIN", action = clap::ArgAction::Append)]
    pub vf: Vec<String>,
    /// Constant output frame rate (variable frame rate is kept otherwise).
    #[arg(long, value_name = "RATE", action = clap::ArgAction::Append)]
    pub fps: Vec<String>,
    /// Extra encoder option, KEY=VALUE (libavcodec AVOption, e.g. x264-params=aq-mode=3). Repeatable.
    #[arg(long = "vopt", value_name = "KEY=VALUE", action = clap::ArgAction::Append)]
    pub vopt: Vec<String>,
    /// Audio codec: aac, opus, mp3, flac, pcm, copy, none, or a libavcodec encoder name.
    #[arg(long, value_name = "CODEC", action = clap::ArgAction::Append)]
    pub acodec: Vec<String>,
    /// Audio bit rate (e.g. 128k).
    #[arg(long, value_name = "RATE", action = clap::ArgAction::Append)]
    pub abitrate: Vec<String>,
    /// Audio sample rate.
    #[arg(long, value_name = "HZ", action = clap::ArgAction::Append)]
    pub ar: Vec<u32>,
    /// Audio channels.
    #[arg(long, value_name = "N", action = clap::ArgAction::Append)]
    pub ac: Vec<u16>,
    /// Audio filters, ffmpeg syntax: "volume=0.5,loudnorm".
    #[arg(long, value_name = "CHAIN", action = clap::ArgAction::Append)]
    pub af: Vec<String>,
    /// Start position in the input (seconds or hh:mm:ss.ms).
    #[arg(long, value_name = "TIME")]
    pub ss: Option<String>,
    /// How much to transcode from the start position.
    #[arg(short = 't', long, value_name = "TIME")]
    pub duration: Option<String>,
    /// Input format, when it cannot be guessed (pipes).
    #[arg(long = "input-format", value_name = "FORMAT")]
    pub input_format: Option<String>,
    /// Keep the picture as stored instead of rotating it upright from the display matrix.
    #[arg(long = "no-autorotate")]
    pub no_autorotate: bool,
    /// A preset: built-in name (`reel presets list`) or a YAML file.
    #[arg(long, value_name = "NAME|FILE")]
    pub preset: Option<String>,
    /// Override a preset key: video.crf=20, audio.bitrate=96k, outputs.1.video.codec=av1. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE", action = clap::ArgAction::Append)]
    pub set: Vec<String>,
    /// Print the resolved graph and exit.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Write the resolved graph as Graphviz DOT.
    #[arg(long = "graph-dot", value_name = "FILE")]
    pub graph_dot: Option<PathBuf>,
}

/// Which output each occurrence of an option belongs to: None for options before the first `-o` (all outputs).
/// Without `-o` outputs (`stream`), every option is shared.
fn owners(m: &ArgMatches, id: &str, per_output: bool) -> Vec<Option<usize>> {
    let outs: Vec<usize> = if per_output {
        m.indices_of("outputs").map(|i| i.collect()).unwrap_or_default()
    } else {
        Vec::new()
    };
    m.indices_of(id)
        .map(|idx| idx.map(|i| outs.iter().rposition(|o| *o < i)).collect())
        .unwrap_or_default()
}

/// Builds the spec: preset < --set < flags.
pub fn spec_from_args(args: &Args, m: &ArgMatches) -> anyhow::Result<GraphSpec> {
    build_spec(
        &args.enc,
        &args.input,
        &args.outputs,
        &args.format,
        m,
        true,
        GraphSpec::default(),
    )
}

/// Builds a spec from the shared encoding options: `defaults` < preset < `--set` < flags. With `per_output`, an
/// option after `-o OUT` applies to that output only (`transcode`); otherwise every option is shared.
pub fn build_spec(
    args: &EncodeArgs,
    input_path: &str,
    output_paths: &[String],
    formats: &[String],
    m: &ArgMatches,
    per_output: bool,
    defaults: GraphSpec,
) -> anyhow::Result<GraphSpec> {
    let preset = args.preset.as_deref().map(reel::preset::load).transpose()?;
    let mut spec = reel::preset::merge(preset.as_ref(), &args.set).map_err(|e| {
        if args.set.is_empty() {
            anyhow::anyhow!(e)
        } else {
            anyhow::anyhow!("--set: {e}")
        }
    })?;
    // Built-in defaults of the calling subcommand sit under the preset.
    if let Some(mut v) = defaults.video {
        if let Some(pv) = &spec.video {
            v.merge(pv);
        }
        spec.video = Some(v);
    }
    if let Some(mut a) = defaults.audio {
        if let Some(pa) = &spec.audio {
            a.merge(pa);
        }
        spec.audio = Some(a);
    }
    let n = output_paths.len();
    let preset_outputs = std::mem::take(&mut spec.outputs);
    let mut outputs: Vec<OutputSpec> = (0..n)
        .map(|i| {
            let mut o = preset_outputs.get(i).cloned().unwrap_or_default();
            o.path = Some(output_paths[i].clone());
            o
        })
        .collect();
    // Preset outputs beyond the `-o`s given are written too, under the paths the preset names.
    for extra in preset_outputs.iter().skip(n) {
        match &extra.path {
            Some(_) => outputs.push(extra.clone()),
            None => anyhow::bail!(
                "the preset lists {} outputs; give a path for each with -o",
                preset_outputs.len()
            ),
        }
    }
    let mut shared_v = VideoSpec::default();
    let mut shared_a = AudioSpec::default();
    let mut per_v: Vec<VideoSpec> = vec![VideoSpec::default(); outputs.len()];
    let mut per_a: Vec<AudioSpec> = vec![AudioSpec::default(); outputs.len()];
    macro_rules! assign {
        ($field:ident, $id:literal, $target:ident, $shared:ident, $per:ident, $conv:expr) => {
            for (value, owner) in args.$field.iter().zip(owners(m, $id, per_output)) {
                let v = $conv(value)?;
                match owner {
                    None => $shared.$target = Some(v),
                    Some(k) => $per[k].$target = Some(v),
                }
            }
        };
    }
    let s = |x: &String| -> anyhow::Result<String> { Ok(x.clone()) };
    assign!(vcodec, "vcodec", codec, shared_v, per_v, s);
    assign!(crf, "crf", crf, shared_v, per_v, |x: &f32| -> anyhow::Result<f32> {
        Ok(*x)
    });
    assign!(vbitrate, "vbitrate", bitrate, shared_v, per_v, s);
    assign!(maxrate, "maxrate", maxrate, shared_v, per_v, s);
    assign!(bufsize, "bufsize", bufsize, shared_v, per_v, s);
    assign!(speed, "speed", speed, shared_v, per_v, s);
    assign!(gop, "gop", gop, shared_v, per_v, s);
    assign!(tune, "tune", tune, shared_v, per_v, s);
    assign!(profile, "profile", profile, shared_v, per_v, s);
    assign!(pix_fmt, "pix_fmt", pix_fmt, shared_v, per_v, s);
    assign!(vf, "vf", filters, shared_v, per_v, s);
    assign!(fps, "fps", fps, shared_v, per_v, s);
    assign!(acodec, "acodec", codec, shared_a, per_a, s);
    assign!(abitrate, "abitrate", bitrate, shared_a, per_a, s);
    assign!(
        ar,
        "ar",
        sample_rate,
        shared_a,
        per_a,
        |x: &u32| -> anyhow::Result<u32> { Ok(*x) }
    );
    assign!(ac, "ac", channels, shared_a, per_a, |x: &u16| -> anyhow::Result<u16> {
        Ok(*x)
    });
    assign!(af, "af", filters, shared_a, per_a, s);
    for (value, owner) in args.vopt.iter().zip(owners(m, "vopt", per_output)) {
        let (k, v) = value
            .split_once('=')
            .ok_or_else(|| crate::Usage(format!("--vopt '{value}' is not KEY=VALUE")))?;
        let target = match owner {
            None => &mut shared_v,
            Some(i) => &mut per_v[i],
        };
        target.options.insert(k.to_string(), v.to_string());
    }
    if per_output {
        for (value, owner) in formats.iter().zip(owners(m, "format", per_output)) {
            match owner {
                None => spec.format = Some(value.clone()),
                Some(k) => outputs[k].format = Some(value.clone()),
            }
        }
    } else if let Some(f) = formats.last() {
        spec.format = Some(f.clone());
    }
    // A single output takes its options wherever they stand on the line.
    let mut v = spec.video.take().unwrap_or_default();
    v.merge(&shared_v);
    let mut a = spec.audio.take().unwrap_or_default();
    a.merge(&shared_a);
    spec.video = Some(v);
    spec.audio = Some(a);
    for (k, o) in outputs.iter_mut().enumerate() {
        let mut ov = o.video.take().unwrap_or_default();
        ov.merge(&per_v[k]);
        o.video = Some(ov);
        let mut oa = o.audio.take().unwrap_or_default();
        oa.merge(&per_a[k]);
        o.audio = Some(oa);
    }
    spec.outputs = outputs;
    let mut input = spec.input.take().unwrap_or_default();
    input = InputSpec {
        path: Some(input_path.to_string()),
        format: args.input_format.clone().or(input.format),
        seek: match &args.ss {
            Some(t) => Some(reel::util::time::parse_duration(t).map_err(|e| crate::Usage(format!("--ss: {e}")))?),
            None => input.seek,
        },
        duration: match &args.duration {
            Some(t) => Some(reel::util::time::parse_duration(t).map_err(|e| crate::Usage(format!("--duration: {e}")))?),
            None => input.duration,
        },
        autorotate: if args.no_autorotate {
            Some(false)
        } else {
            input.autorotate
        },
    };
    spec.input = Some(input);
    Ok(spec)
}

pub fn run(args: Args, global: &GlobalOpts, m: &ArgMatches) -> anyhow::Result<()> {
    if args.outputs.iter().filter(|o| *o == "-").count() > 1 {
        return Err(crate::Usage("only one output can go to stdout".into()).into());
    }
    let spec = spec_from_args(&args, m)?;
    let input_spec = spec.input.clone().unwrap_or_default();
    let ictx = reel::graph::plan::open_input(&args.input, input_spec.format.as_deref())?;
    let info = reel::graph::plan::input_info(&args.input, input_spec.format.as_deref(), &ictx)?;
    let plan = reel::graph::build(
        &spec,
        info,
        &reel::graph::BuildOptions {
            threads: global.threads.unwrap_or(0),
        },
    )?;
    if let Some(dot) = &args.enc.graph_dot {
        std::fs::write(dot, plan.to_dot()).with_context(|| dot.display().to_string())?;
    }
    if args.enc.dry_run {
        print!("{}", plan.describe());
        return Ok(());
    }
    let ctl = reel::graph::RunControl {
        overwrite: global.overwrite,
        ..Default::default()
    };
    crate::signals::install(ctl.stop.clone());
    let total = plan
        .duration
        .or(plan.input.duration.map(|d| d - plan.seek.unwrap_or(0.0)));
    let progress = crate::progress::Reporter::start(global, ctl.stats.clone(), total);
    let result = reel::graph::run_with_input(&plan, &ctl, Some(ictx));
    progress.finish();
    let summary = result?;
    if global.json && !args.outputs.iter().any(|o| o == "-") {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else if !global.quiet {
        for o in &summary.outputs {
            eprintln!(
                "wrote {}: {} video frames, {:.2} s, {}, {} kb/s",
                o.path,
                o.video_frames,
                o.duration,
                crate::progress::human_bytes(o.size),
                o.bit_rate / 1000
            );
        }
        if summary.corrupt_packets > 0 {
            eprintln!(
                "warning: {} corrupt packets or frames were skipped",
                summary.corrupt_packets
            );
        }
        for w in &summary.warnings {
            eprintln!("warning: {w}");
        }
        if summary.interrupted {
            eprintln!("stopped early on request; the outputs are complete up to that point");
        }
    }
    Ok(())
}
