//! `package`: HLS and DASH (CMAF or MPEG-TS segments) from one decode and one encode per ABR ladder rung.
//!
//! The ladder becomes one graph output per video rung (scaled, encoded with IDR frames forced at every segment
//! boundary) plus one audio output; each output's packets go to a [`segmenter::SegmentSink`] instead of a file
//! muxer. The manifests are written from what the sinks recorded, and the whole package appears under its final
//! name only when complete.

pub mod codecs;
pub mod dash;
pub mod fragment;
pub mod hls;
pub mod segmenter;
pub mod tiles;

use crate::error::{Error, Result};
use crate::graph::spec::{AudioSpec, GraphSpec, InputSpec, OutputSpec, RenditionSpec, VideoSpec};
use crate::graph::{PacketSink, RunControl};
use crate::util::atomic::AtomicPath;
use ffmpeg_next as ff;
use fragment::FragmentFormat;
use segmenter::{SegmentConfig, SegmentSink, Track};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What to package and how.
#[derive(Clone, Debug)]
pub struct PackageOptions {
    /// Inputs: one for an encoded ladder; with `copy`, each input is a rendition.
    pub inputs: Vec<String>,
    pub out_dir: PathBuf,
    /// The ladder and codec settings (a ladder preset merged with `--set`).
    pub spec: GraphSpec,
    pub hls: bool,
    pub dash: bool,
    /// Target segment duration, seconds.
    pub segment: f64,
    pub format: FragmentFormat,
    pub single_file: bool,
    /// Package the inputs' streams as they are.
    pub copy: bool,
    pub threads: usize,
    pub overwrite: bool,
}

/// One rendition in the summary.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RenditionSummary {
    pub name: String,
    pub kind: &'static str,
    pub codecs: String,
    pub width: u32,
    pub height: u32,
    pub average_bit_rate: u64,
    pub peak_bit_rate: u64,
    pub size: u64,
    pub segments: usize,
    pub duration: f64,
}

impl RenditionSummary {
    pub fn of(t: &Track) -> Self {
        RenditionSummary {
            name: t.name.clone(),
            kind: if t.video { "video" } else { "audio" },
            codecs: t.codecs.clone(),
            width: t.width,
            height: t.height,
            average_bit_rate: t.average_bit_rate(),
            peak_bit_rate: t.peak_bit_rate(),
            size: t.total_size(),
            segments: t.segments.len(),
            duration: t.duration_seconds(),
        }
    }
}

/// The result of a package run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PackageSummary {
    pub out_dir: String,
    pub manifests: Vec<String>,
    pub renditions: Vec<RenditionSummary>,
    /// Notes for the user: skipped rungs, misaligned keyframes.
    pub notes: Vec<String>,
    pub interrupted: bool,
}

/// A rung to encode.
#[derive(Clone, Debug)]
struct Rung {
    name: String,
    spec: RenditionSpec,
}

/// Picks the rungs at or below the source height; when none is, one rung at the source height.
fn choose_rungs(renditions: &[RenditionSpec], source_height: u32, notes: &mut Vec<String>) -> Vec<Rung> {
    let mut rungs = Vec::new();
    for r in renditions {
        if source_height > 0 && r.height > source_height {
            notes.push(format!(
                "skipped rung {} ({}p): the source is only {source_height} lines",
                r.name, r.height
            ));
        } else {
            rungs.push(Rung {
                name: r.name.clone(),
                spec: r.clone(),
            });
        }
    }
    if rungs.is_empty()
        && let Some(low) = renditions.iter().min_by_key(|r| r.height)
    {
        let even = source_height & !1;
        notes.push(format!(
            "every rung is above the source: one rendition at the source's {even} lines with {}'s settings",
            low.name
        ));
        rungs.push(Rung {
            name: format!("{even}p"),
            spec: RenditionSpec {
                name: format!("{even}p"),
                height: even,
                ..low.clone()
            },
        });
    }
    rungs
}

pub(crate) fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "rendition name '{name}' must be letters, digits, '-', '_' or '.' (it names a directory and a URL)"
        )))
    }
}

/// Packages the input(s) into `opts.out_dir`.
pub fn package(opts: &PackageOptions, ctl: &RunControl) -> Result<PackageSummary> {
    crate::init();
    if !opts.hls && !opts.dash {
        return Err(Error::InvalidArgument(
            "nothing to write: neither HLS nor DASH asked for".into(),
        ));
    }
    if opts.dash && opts.format == FragmentFormat::Ts {
        return Err(Error::InvalidArgument(
            "DASH needs CMAF segments; use --container cmaf or --hls alone".into(),
        ));
    }
    if !(opts.segment > 0.0 && opts.segment.is_finite()) {
        return Err(Error::InvalidArgument("segment duration must be positive".into()));
    }
    if opts.inputs.is_empty() {
        return Err(Error::InvalidArgument("no input given".into()));
    }
    if opts.inputs.len() > 1 && !opts.copy {
        return Err(Error::InvalidArgument(
            "several inputs are packaged as renditions only with --copy".into(),
        ));
    }
    let out = AtomicPath::new(&opts.out_dir, opts.overwrite)?;
    std::fs::create_dir_all(out.temp()).map_err(|e| Error::io(out.temp(), e))?;
    let mut notes = Vec::new();
    let (video_tracks, audio_track, interrupted) = if opts.copy {
        package_copies(opts, ctl, out.temp(), &mut notes)?
    } else {
        package_ladder(opts, ctl, out.temp(), &mut notes)?
    };
    let videos: Vec<&Track> = video_tracks.iter().collect();
    if videos
        .iter()
        .copied()
        .chain(audio_track.iter())
        .all(|t| t.segments.is_empty())
    {
        return Err(Error::Malformed(format!(
            "{}: nothing was packaged (no decodable frames)",
            opts.inputs.join(", ")
        )));
    }
    let mut manifests = Vec::new();
    let write = |name: &str, text: String| -> Result<()> {
        let p = out.temp().join(name);
        std::fs::write(&p, text).map_err(|e| Error::io(&p, e))
    };
    if opts.hls {
        for t in videos.iter().copied().chain(audio_track.iter()) {
            write(&format!("{}/index.m3u8", t.name), hls::media_playlist(t, opts.format))?;
            if t.video {
                write(
                    &format!("{}/iframes.m3u8", t.name),
                    hls::iframe_playlist(t, opts.format),
                )?;
            }
        }
        write("master.m3u8", hls::multivariant(&videos, audio_track.as_ref()))?;
        manifests.push("master.m3u8".to_string());
    }
    if opts.dash {
        write("manifest.mpd", dash::mpd(&videos, audio_track.as_ref(), opts.segment))?;
        manifests.push("manifest.mpd".to_string());
    }
    let renditions = videos
        .iter()
        .copied()
        .chain(audio_track.iter())
        .map(RenditionSummary::of)
        .collect();
    out.commit()?;
    Ok(PackageSummary {
        out_dir: opts.out_dir.display().to_string(),
        manifests,
        renditions,
        notes,
        interrupted,
    })
}

/// Seconds added to every timestamp: more than any B-frame delay or audio priming, so decode times stay positive
/// (MPEG-TS muxers add a similar 1.4 s). DASH removes it with presentationTimeOffset; HLS players start at the first
/// segment's time.
const TIMELINE_OFFSET: f64 = 1.0;

type Packaged = (Vec<Track>, Option<Track>, bool);

/// Builds the plan for `spec`, sends every output to a segment sink under `dir` (named after the output) and
/// runs it: the tracks in output order and the run's summary.
pub(crate) fn run_segmented(
    opts: &PackageOptions,
    ctl: &RunControl,
    spec: &GraphSpec,
    info: crate::graph::plan::InputInfo,
    input: ff::format::context::Input,
    dir: &Path,
) -> Result<(Vec<Track>, crate::graph::Summary)> {
    let plan = crate::graph::build(spec, info, &crate::graph::BuildOptions { threads: opts.threads })?;
    let mut sinks: Vec<Option<Box<dyn PacketSink>>> = Vec::new();
    let mut tracks = Vec::new();
    for o in &plan.outputs {
        let track = Arc::new(Mutex::new(Track::default()));
        let sink = SegmentSink::new(
            SegmentConfig {
                name: o.path.clone(),
                dir: dir.join(&o.path),
                format: opts.format,
                target: opts.segment,
                single_file: opts.single_file,
                timeline_offset: TIMELINE_OFFSET,
            },
            track.clone(),
        );
        sinks.push(Some(Box::new(sink)));
        tracks.push(track);
    }
    let summary = crate::graph::run::run_with_sinks(&plan, ctl, Some(input), sinks)?;
    // The sinks are gone with the run: each track has one owner again.
    let tracks = tracks
        .into_iter()
        .map(|t| match Arc::try_unwrap(t) {
            Ok(m) => m.into_inner().unwrap_or_default(),
            Err(a) => a.lock().map(|t| t.clone()).unwrap_or_default(),
        })
        .collect();
    Ok((tracks, summary))
}

fn is_none(codec: &Option<String>) -> bool {
    codec.as_deref() == Some("none")
}

/// One decode, one scaled and encoded branch per rung, one audio encode.
fn package_ladder(opts: &PackageOptions, ctl: &RunControl, dir: &Path, notes: &mut Vec<String>) -> Result<Packaged> {
    let input = &opts.inputs[0];
    let mut spec = opts.spec.clone();
    let in_spec = spec.input.clone().unwrap_or_default();
    let ictx = crate::graph::plan::open_input(input, in_spec.format.as_deref())?;
    let info = crate::graph::plan::input_info(input, in_spec.format.as_deref(), &ictx)?;
    let mut video = spec.video.take().unwrap_or_default();
    let audio = spec.audio.take().unwrap_or_default();
    if video.codec.as_deref() == Some("copy") || audio.codec.as_deref() == Some("copy") {
        return Err(Error::InvalidArgument("stream copy in a ladder: use --copy".into()));
    }
    let renditions = std::mem::take(&mut video.renditions);
    if renditions.is_empty() && info.video.is_some() && !is_none(&video.codec) {
        return Err(Error::InvalidArgument(
            "the ladder has no video renditions (video.renditions)".into(),
        ));
    }
    // Keyframes at every segment boundary, in every rung: a GOP that divides the segment, else the segment.
    let gop_ok = match video.gop.as_deref().map(crate::graph::plan::parse_gop).transpose()? {
        Some(crate::graph::plan::Gop::Seconds(g)) => {
            let n = opts.segment / g;
            (n - n.round()).abs() < 1e-6 && n >= 1.0 - 1e-6
        }
        _ => false,
    };
    if !gop_ok {
        if video.gop.is_some() {
            notes.push(format!(
                "GOP set to the segment duration ({} s) so every segment starts with an IDR frame",
                opts.segment
            ));
        }
        video.gop = Some(format!("{}s", opts.segment));
    }
    let source_height = info
        .video
        .as_ref()
        .map(|v| {
            let turned = v
                .rotation
                .map(|r| ((r.abs() / 90.0).round() as i64) % 2 == 1)
                .unwrap_or(false);
            if turned { v.format.width } else { v.format.height }
        })
        .unwrap_or(0);
    let rungs = if info.video.is_some() && !is_none(&video.codec) {
        choose_rungs(&renditions, source_height, notes)
    } else {
        Vec::new()
    };
    let mut outputs = Vec::new();
    let container = match opts.format {
        FragmentFormat::Cmaf => "fmp4",
        FragmentFormat::Ts => "mpegts",
    };
    for r in &rungs {
        check_name(&r.name)?;
        outputs.push(OutputSpec {
            path: Some(r.name.clone()),
            format: Some(container.into()),
            video: Some(VideoSpec {
                height: Some(r.spec.height),
                bitrate: r.spec.bitrate.clone(),
                maxrate: r.spec.maxrate.clone(),
                bufsize: r.spec.bufsize.clone(),
                crf: r.spec.crf,
                ..Default::default()
            }),
            audio: Some(AudioSpec {
                codec: Some("none".into()),
                ..Default::default()
            }),
        });
    }
    let with_audio = info.audio.is_some() && !is_none(&audio.codec);
    if with_audio {
        outputs.push(OutputSpec {
            path: Some("audio".into()),
            format: Some(container.into()),
            video: Some(VideoSpec {
                codec: Some("none".into()),
                ..Default::default()
            }),
            audio: None,
        });
    }
    if outputs.is_empty() {
        return Err(Error::Malformed(format!(
            "{input}: no video or audio stream to package"
        )));
    }
    spec.video = Some(video);
    spec.audio = Some(audio);
    spec.outputs = outputs;
    spec.input = Some(InputSpec {
        path: Some(input.clone()),
        ..in_spec
    });
    let (mut all, summary) = run_segmented(opts, ctl, &spec, info, ictx, dir)?;
    notes.extend(summary.warnings);
    let audio_track = if with_audio { all.pop() } else { None };
    Ok((all, audio_track, summary.interrupted))
}

/// Each input's video is a rendition as encoded; the first input with audio gives the audio.
fn package_copies(opts: &PackageOptions, ctl: &RunControl, dir: &Path, notes: &mut Vec<String>) -> Result<Packaged> {
    let mut videos = Vec::new();
    let mut audio: Option<Track> = None;
    let mut interrupted = false;
    let mut used = std::collections::HashSet::new();
    for input in &opts.inputs {
        let ictx = crate::graph::plan::open_input(input, None)?;
        let info = crate::graph::plan::input_info(input, None, &ictx)?;
        let want_audio = audio.is_none() && info.audio.is_some();
        let mut outputs = Vec::new();
        let container = match opts.format {
            FragmentFormat::Cmaf => "fmp4",
            FragmentFormat::Ts => "mpegts",
        };
        let mut name = None;
        if let Some(v) = &info.video {
            let mut n = format!("{}p", v.format.height);
            let mut k = 2;
            while used.contains(&n) {
                n = format!("{}p-{k}", v.format.height);
                k += 1;
            }
            used.insert(n.clone());
            outputs.push(OutputSpec {
                path: Some(n.clone()),
                format: Some(container.into()),
                video: Some(VideoSpec {
                    codec: Some("copy".into()),
                    ..Default::default()
                }),
                audio: Some(AudioSpec {
                    codec: Some("none".into()),
                    ..Default::default()
                }),
            });
            name = Some(n);
        }
        if want_audio {
            outputs.push(OutputSpec {
                path: Some("audio".into()),
                format: Some(container.into()),
                video: Some(VideoSpec {
                    codec: Some("none".into()),
                    ..Default::default()
                }),
                audio: Some(AudioSpec {
                    codec: Some("copy".into()),
                    ..Default::default()
                }),
            });
        }
        if outputs.is_empty() {
            notes.push(format!(
                "{input}: no video, and audio was taken from an earlier input; skipped"
            ));
            continue;
        }
        let spec = GraphSpec {
            input: Some(InputSpec {
                path: Some(input.clone()),
                ..Default::default()
            }),
            outputs,
            ..Default::default()
        };
        let (mut got, summary) = run_segmented(opts, ctl, &spec, info, ictx, dir)?;
        interrupted |= summary.interrupted;
        notes.extend(summary.warnings);
        if want_audio {
            audio = got.pop();
        }
        if name.is_some()
            && let Some(v) = got.pop()
        {
            videos.push(v);
        }
        if interrupted {
            break;
        }
    }
    // Highest rung first, as in the ladder presets.
    videos.sort_by(|a, b| b.height.cmp(&a.height).then(b.peak_bit_rate().cmp(&a.peak_bit_rate())));
    notes.extend(keyframe_misalignment(&videos));
    Ok((videos, audio, interrupted))
}

/// Where the renditions' segment boundaries (their keyframes) differ, in words.
fn keyframe_misalignment(videos: &[Track]) -> Vec<String> {
    let mut notes = Vec::new();
    let Some(reference) = videos.first() else { return notes };
    let secs = |t: &Track, i: usize| t.segments[i].start as f64 / t.timescale.max(1) as f64;
    for v in &videos[1..] {
        if v.segments.len() != reference.segments.len() {
            notes.push(format!(
                "keyframes do not line up: {} has {} segments, {} has {}; players may stall when switching",
                reference.name,
                reference.segments.len(),
                v.name,
                v.segments.len()
            ));
            continue;
        }
        let frame = v.frame_rate.map(|(n, d)| d as f64 / n.max(1) as f64).unwrap_or(0.04);
        if let Some(i) = (0..v.segments.len()).find(|&i| (secs(v, i) - secs(reference, i)).abs() > frame / 2.0) {
            notes.push(format!(
                "keyframes do not line up: segment {} starts at {:.3} s in {} but at {:.3} s in {}",
                i + 1,
                secs(reference, i),
                reference.name,
                secs(v, i),
                v.name
            ));
        }
    }
    notes
}
