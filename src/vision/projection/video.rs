//! 360 video on the shared graph: a projection conversion (`360` filter) or head-tracked viewports along a pose
//! trace (`viewport` filter), then Spherical Video V2 metadata in the output when it is equirect or cubemap in a
//! container that carries it (MP4/MOV/MKV).

use super::spherical::{self, SphericalInfo, SphericalKind};
use crate::error::{Error, Result};
use crate::graph::spec::{GraphSpec, InputSpec, OutputSpec, VideoSpec};
use crate::graph::{RunControl, Summary};
use crate::util::atomic::AtomicPath;
use std::path::{Path, PathBuf};

/// What to make of a 360 video.
#[derive(Clone, Debug)]
pub struct Video360 {
    pub input: String,
    /// Output path, or `-` (then `format` is needed).
    pub output: PathBuf,
    pub format: Option<String>,
    /// The video filter chain: from [`conversion_chain`] or [`viewport_chain`].
    pub chain: String,
    /// The output's projection, when it should be declared in spherical metadata.
    pub spherical: Option<SphericalKind>,
    pub threads: usize,
}

/// The `360` filter chain for a conversion (`size` as output width and height).
#[allow(clippy::too_many_arguments)]
pub fn conversion_chain(
    from: &str,
    to: &str,
    (yaw, pitch, roll): (f64, f64, f64),
    interp: &str,
    fov: f64,
    h_fov: f64,
    v_fov: Option<f64>,
    size: Option<(u32, u32)>,
) -> String {
    let mut c =
        format!("360=from={from}:to={to}:yaw={yaw}:pitch={pitch}:roll={roll}:interp={interp}:fov={fov}:h_fov={h_fov}");
    if let Some(v) = v_fov {
        c.push_str(&format!(":v_fov={v}"));
    }
    if let Some((w, h)) = size {
        c.push_str(&format!(":w={w}:h={h}"));
    }
    c
}

/// The `viewport` filter chain for a pose trace.
pub fn viewport_chain(trace: &Path, (w, h): (u32, u32), h_fov: f64, v_fov: Option<f64>) -> Result<String> {
    let trace = trace.display().to_string();
    if trace.contains(':') {
        return Err(Error::InvalidArgument(format!(
            "pose trace '{trace}': the path must not contain ':'"
        )));
    }
    let mut c = format!("viewport=trace={trace}:w={w}:h={h}:h_fov={h_fov}");
    if let Some(v) = v_fov {
        c.push_str(&format!(":v_fov={v}"));
    }
    Ok(c)
}

/// Runs the job; returns the graph's summary and whether spherical metadata was written.
pub fn run(job: &Video360, ctl: &RunControl) -> Result<(Summary, bool)> {
    let out = &job.output;
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let tag = job.spherical.filter(|_| {
        out.as_os_str() != "-" && job.format.is_none() && matches!(ext.as_str(), "mp4" | "mov" | "m4v" | "mkv")
    });
    // With metadata, the graph writes a stage file that is then copied into place with the metadata added.
    let final_out = tag.map(|_| AtomicPath::new(out, ctl.overwrite)).transpose()?;
    let encode_to = match &final_out {
        Some(_) => {
            let name = out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.with_file_name(format!(".{name}.reel-{}.stage.{ext}", std::process::id()))
        }
        None => out.clone(),
    };
    let spec = GraphSpec {
        input: Some(InputSpec {
            path: Some(job.input.clone()),
            ..Default::default()
        }),
        video: Some(VideoSpec {
            filters: Some(job.chain.clone()),
            ..Default::default()
        }),
        outputs: vec![OutputSpec {
            path: Some(encode_to.display().to_string()),
            format: job.format.clone(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let ictx = crate::graph::plan::open_input(&job.input, None)?;
    let info = crate::graph::plan::input_info(&job.input, None, &ictx)?;
    let plan = crate::graph::build(&spec, info, &crate::graph::BuildOptions { threads: job.threads })?;
    let summary = crate::graph::run_with_input(&plan, ctl, Some(ictx))?;
    if let (Some(kind), Some(final_out)) = (tag, final_out) {
        let info = SphericalInfo {
            kind,
            yaw: 0.0,
            pitch: 0.0,
            roll: 0.0,
        };
        let r = spherical::inject(&encode_to, final_out.temp(), &info);
        let _ = std::fs::remove_file(&encode_to);
        r?;
        final_out.commit()?;
    }
    Ok((summary, tag.is_some()))
}
