//! Runs one input through a video filter chain into one output on the shared graph (audio copied): the video
//! path of `sr`, `interpolate` and other filter-shaped subcommands.

use anyhow::Context as _;
use reel::graph::spec::{AudioSpec, GraphSpec, InputSpec, OutputSpec, VideoSpec};

/// Decodes `input`, applies `filters` (ffmpeg syntax, reel's own filters included), encodes with the container's
/// defaults, copies the audio, and writes `output`.
pub fn run(input: &str, output: &str, filters: String, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    let spec = GraphSpec {
        input: Some(InputSpec {
            path: Some(input.to_string()),
            ..Default::default()
        }),
        video: Some(VideoSpec {
            filters: Some(filters),
            ..Default::default()
        }),
        audio: Some(AudioSpec {
            codec: Some("copy".into()),
            ..Default::default()
        }),
        outputs: vec![OutputSpec {
            path: Some(output.to_string()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let ictx = reel::graph::plan::open_input(input, None)?;
    let info = reel::graph::plan::input_info(input, None, &ictx)?;
    let plan = reel::graph::build(
        &spec,
        info,
        &reel::graph::BuildOptions {
            threads: global.threads.unwrap_or(0),
        },
    )
    .with_context(|| input.to_string())?;
    let ctl = reel::graph::RunControl {
        overwrite: global.overwrite,
        ..Default::default()
    };
    crate::signals::install(ctl.stop.clone());
    let progress = crate::progress::Reporter::start(global, ctl.stats.clone(), plan.input.duration);
    let result = reel::graph::run_with_input(&plan, &ctl, Some(ictx));
    progress.finish();
    let summary = result?;
    if global.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else if !global.quiet {
        for o in &summary.outputs {
            eprintln!("wrote {}: {} video frames, {:.2} s", o.path, o.video_frames, o.duration);
        }
    }
    Ok(())
}
