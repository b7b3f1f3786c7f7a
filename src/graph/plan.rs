//! The graph builder: validates a `GraphSpec` against the input, resolves codecs, containers and filter chains,
//! and negotiates formats, producing a `Plan` that `run` executes (or `--dry-run` prints).

use super::lavfi::{self, AudioFormat, VideoLavfi};
use super::spec::{AudioSpec, GraphSpec, VideoSpec};
use crate::codec::{self, EncoderKind};
use crate::error::{Error, Result};
use crate::format::{self, Container};
use crate::media;
use crate::node::video_filter::VideoFormat;
use crate::util::time::{parse_bitrate, parse_duration};
use ff::Rational;
use ffmpeg_next as ff;

/// The input as the builder found it.
#[derive(Clone, Debug)]
pub struct InputInfo {
    /// What the user named (path, `-`, URL), for messages.
    pub display: String,
    /// What libavformat opens (`pipe:0` for `-`).
    pub url: String,
    pub format: Option<String>,
    pub container: String,
    pub duration: Option<f64>,
    /// Container start time in microseconds (subtracted so outputs start at zero).
    pub start_us: i64,
    pub video: Option<VideoStreamInfo>,
    pub audio: Option<AudioStreamInfo>,
}

impl InputInfo {
    /// "video h264 and audio aac", "audio opus only": what an output could take from this input.
    pub fn streams_summary(&self) -> String {
        match (&self.video, &self.audio) {
            (Some(v), Some(a)) => format!("video {} and audio {}", v.codec, a.codec),
            (Some(v), None) => format!("video {} only", v.codec),
            (None, Some(a)) => format!("audio {} only", a.codec),
            (None, None) => "no video or audio".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct VideoStreamInfo {
    pub index: usize,
    pub codec: String,
    pub format: VideoFormat,
    /// Display-matrix rotation in degrees (counter-clockwise), if any.
    pub rotation: Option<f64>,
    pub display_matrix: Option<Vec<u8>>,
}

#[derive(Clone, Debug)]
pub struct AudioStreamInfo {
    pub index: usize,
    pub codec: String,
    pub format: AudioFormat,
}

/// Keyframe placement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Gop {
    Seconds(f64),
    Frames(u32),
}

/// One element of a video chain.
#[derive(Clone, Debug)]
pub enum Stage {
    /// A libavfilter chain (ffmpeg syntax).
    Lavfi(String),
    /// One of reel's own filters (sr, interpolate, 360 ...), by name and arguments.
    Native { name: String, args: String },
}

#[derive(Clone, Debug)]
pub struct VideoEncodePlan {
    pub kind: EncoderKind,
    pub stages: Vec<Stage>,
    /// The format the encoder receives (after the chain), as negotiated on the input's format.
    pub output: VideoFormat,
    pub crf: Option<f32>,
    pub bitrate: Option<u64>,
    pub maxrate: Option<u64>,
    pub bufsize: Option<u64>,
    pub speed: Option<String>,
    pub gop: Option<Gop>,
    pub tune: Option<String>,
    pub profile: Option<String>,
    pub options: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Debug)]
pub struct AudioEncodePlan {
    pub kind: EncoderKind,
    /// The libavfilter chain including the final `aresample`/`aformat` converter.
    pub chain: String,
    pub output: AudioFormat,
    pub bitrate: Option<u64>,
    pub options: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Debug)]
pub enum Branch<T> {
    Copy,
    Encode(T),
}

#[derive(Clone, Debug)]
pub struct OutputPlan {
    /// The final path, or `-` for stdout.
    pub path: String,
    pub container: Container,
    pub video: Option<Branch<VideoEncodePlan>>,
    pub audio: Option<Branch<AudioEncodePlan>>,
}

/// A fully resolved pipeline.
#[derive(Clone, Debug)]
pub struct Plan {
    pub input: InputInfo,
    pub seek: Option<f64>,
    pub duration: Option<f64>,
    pub outputs: Vec<OutputPlan>,
    /// Encoder threads per encoder (0: the encoder decides).
    pub threads: usize,
}

/// Opens the input far enough to know its streams.
pub fn open_input(display: &str, format: Option<&str>) -> Result<ff::format::context::Input> {
    crate::init();
    let url = if display == "-" {
        "pipe:0".to_string()
    } else {
        display.to_string()
    };
    if display != "-" && !display.contains("://") {
        let p = std::path::Path::new(display);
        if !p.exists() {
            return Err(Error::io(
                p,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
            ));
        }
        if p.is_dir() {
            return Err(Error::io(p, std::io::Error::other("is a directory")));
        }
    }
    let c_url =
        std::ffi::CString::new(url.clone()).map_err(|_| Error::InvalidArgument(format!("{display}: bad name")))?;
    // SAFETY: standard avformat_open_input/find_stream_info sequence; the context is wrapped (and freed) on success
    // and closed on failure.
    unsafe {
        let mut ctx: *mut ff::ffi::AVFormatContext = std::ptr::null_mut();
        let fmt = match format {
            Some(f) => {
                let c = std::ffi::CString::new(f).map_err(|_| Error::InvalidArgument(format!("bad format {f}")))?;
                let p = ff::ffi::av_find_input_format(c.as_ptr());
                if p.is_null() {
                    return Err(Error::Unsupported(format!("unknown input format '{f}'")));
                }
                p
            }
            None => std::ptr::null(),
        };
        let r = ff::ffi::avformat_open_input(&mut ctx, c_url.as_ptr(), fmt, std::ptr::null_mut());
        if r < 0 {
            return Err(Error::Malformed(format!("{display}: {}", av_err(r))));
        }
        let r = ff::ffi::avformat_find_stream_info(ctx, std::ptr::null_mut());
        if r < 0 {
            ff::ffi::avformat_close_input(&mut ctx);
            return Err(Error::Malformed(format!("{display}: {}", av_err(r))));
        }
        Ok(ff::format::context::Input::wrap(ctx))
    }
}

/// libavutil's message for an AVERROR code, lowercase.
pub fn av_err(code: i32) -> String {
    ff::Error::from(code).to_string().to_lowercase()
}

/// Reads what the builder needs from an opened input.
pub fn input_info(display: &str, format: Option<&str>, ictx: &ff::format::context::Input) -> Result<InputInfo> {
    let best_video = ictx.streams().best(ff::media::Type::Video).map(|s| s.index());
    let best_audio = ictx.streams().best(ff::media::Type::Audio).map(|s| s.index());
    let mut video = None;
    let mut audio = None;
    for stream in ictx.streams() {
        let par = stream.parameters();
        // SAFETY: reading codec parameters of a valid stream.
        let raw = unsafe { &*par.as_ptr() };
        let codec = ff::codec::Id::from(raw.codec_id).name().to_string();
        if Some(stream.index()) == best_video {
            // Cover art (attached pictures) is not the video stream.
            if stream
                .disposition()
                .contains(ff::format::stream::Disposition::ATTACHED_PIC)
            {
                continue;
            }
            let fr = stream.avg_frame_rate();
            let fr = if fr.numerator() > 0 { fr } else { stream.rate() };
            let display_matrix = stream
                .side_data()
                .find(|sd| sd.kind() == ff::codec::packet::side_data::Type::DisplayMatrix)
                .map(|sd| sd.data().to_vec());
            video = Some(VideoStreamInfo {
                index: stream.index(),
                codec,
                format: VideoFormat {
                    width: raw.width.max(0) as u32,
                    height: raw.height.max(0) as u32,
                    // SAFETY: the format field of a video stream is an AVPixelFormat.
                    pix_fmt: unsafe { std::mem::transmute::<i32, ff::ffi::AVPixelFormat>(raw.format) }.into(),
                    time_base: stream.time_base(),
                    frame_rate: if fr.numerator() > 0 && fr.denominator() > 0 {
                        Some(fr)
                    } else {
                        None
                    },
                    sample_aspect_ratio: raw.sample_aspect_ratio.into(),
                },
                rotation: media::stream_rotation(&stream),
                display_matrix,
            });
        } else if Some(stream.index()) == best_audio {
            #[allow(deprecated)]
            let (channels, layout) = (raw.channels.max(0) as u16, raw.channel_layout);
            audio = Some(AudioStreamInfo {
                index: stream.index(),
                codec,
                format: AudioFormat {
                    sample_rate: raw.sample_rate.max(0) as u32,
                    channels,
                    channel_layout: layout,
                    // SAFETY: the format field of an audio stream is an AVSampleFormat.
                    sample_fmt: unsafe { std::mem::transmute::<i32, ff::ffi::AVSampleFormat>(raw.format) }.into(),
                    time_base: stream.time_base(),
                },
            });
        }
    }
    let d = ictx.duration();
    // SAFETY: reading a field of an open input context.
    let start = unsafe { (*ictx.as_ptr()).start_time };
    Ok(InputInfo {
        display: display.to_string(),
        url: if display == "-" {
            "pipe:0".into()
        } else {
            display.to_string()
        },
        format: format.map(String::from),
        container: ictx.format().name().to_string(),
        duration: if d > 0 { Some(d as f64 / 1e6) } else { None },
        start_us: if start == media::NOPTS { 0 } else { start },
        video,
        audio,
    })
}

/// Options the CLI passes beside the spec.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    pub threads: usize,
}

/// Builds the plan for `spec` on an opened input.
pub fn build(spec: &GraphSpec, info: InputInfo, opts: &BuildOptions) -> Result<Plan> {
    let input = spec.input.clone().unwrap_or_default();
    let outputs = spec.resolved_outputs();
    if outputs.iter().any(|o| o.path.is_none()) {
        return Err(Error::InvalidArgument("no output given".into()));
    }
    if info.video.is_none() && info.audio.is_none() {
        return Err(Error::Malformed(format!(
            "{}: no video or audio stream found",
            info.display
        )));
    }
    let autorotate = input.autorotate.unwrap_or(true);
    let mut plans = Vec::new();
    for out in outputs {
        let path = out.path.clone().unwrap_or_default();
        let container = format::resolve(out.format.as_deref(), &path)?;
        let video = match (&info.video, container.default_video) {
            (Some(v), Some(default)) => plan_video(
                out.video.as_ref().unwrap_or(&VideoSpec::default()),
                v,
                default,
                autorotate,
                &path,
            )?,
            (Some(_), None) => None,
            (None, _) => None,
        };
        let audio = match (&info.audio, container.default_audio) {
            (Some(a), Some(default)) => {
                plan_audio(out.audio.as_ref().unwrap_or(&AudioSpec::default()), a, default, &path)?
            }
            _ => None,
        };
        if video.is_none() && audio.is_none() {
            return Err(Error::InvalidArgument(format!(
                "{path}: nothing to write (the input has {}; this output takes none of it)",
                info.streams_summary()
            )));
        }
        plans.push(OutputPlan {
            path,
            container,
            video,
            audio,
        });
    }
    Ok(Plan {
        input: info,
        seek: input.seek,
        duration: input.duration,
        outputs: plans,
        threads: opts.threads,
    })
}

/// `none` drops the stream and `copy` passes it through (filters make no sense there); `None` means encode.
fn copy_or_none<T>(codec: &str, filters: Option<&str>, medium: &str, path: &str) -> Result<Option<Option<Branch<T>>>> {
    match codec {
        "none" => Ok(Some(None)),
        "copy" if filters.is_some_and(|f| !f.trim().is_empty()) => Err(Error::InvalidArgument(format!(
            "{path}: {medium} filters cannot be used with copy"
        ))),
        "copy" => Ok(Some(Some(Branch::Copy))),
        _ => Ok(None),
    }
}

/// The filters that rotate a picture upright, as ffmpeg's autorotation inserts them.
fn rotation_filters(rotation: f64) -> Option<&'static str> {
    let r = rotation.rem_euclid(360.0);
    if (r - 90.0).abs() < 1.0 {
        Some("transpose=cclock")
    } else if (r - 180.0).abs() < 1.0 {
        Some("hflip,vflip")
    } else if (r - 270.0).abs() < 1.0 {
        Some("transpose=clock")
    } else {
        None
    }
}

/// Our names for common filters that libavfilter spells differently.
fn translate_filter(f: &str) -> String {
    match lavfi::filter_name(f) {
        "deinterlace" => f.replacen("deinterlace", "bwdif", 1),
        "resample" => f.replacen("resample", "aresample", 1),
        _ => f.to_string(),
    }
}

fn plan_video(
    spec: &VideoSpec,
    v: &VideoStreamInfo,
    default_codec: &str,
    autorotate: bool,
    path: &str,
) -> Result<Option<Branch<VideoEncodePlan>>> {
    let codec = spec.codec.as_deref().unwrap_or(default_codec);
    if let Some(choice) = copy_or_none(codec, spec.filters.as_deref(), "video", path)? {
        return Ok(choice);
    }
    let kind = codec::resolve_encoder(codec, true)?;
    // The chain: autorotation, user filters, constant frame rate, then the encoder's formats.
    let mut elements: Vec<String> = Vec::new();
    if autorotate && let Some(r) = v.rotation.and_then(rotation_filters) {
        elements.extend(r.split(',').map(String::from));
    }
    if let Some(f) = &spec.filters {
        elements.extend(lavfi::split_chain(f).iter().map(|s| translate_filter(s)));
    }
    if let Some(h) = spec.height {
        elements.push(format!("scale=-2:{h}"));
    }
    if let Some(fps) = &spec.fps {
        elements.push(format!("fps={fps}"));
    }
    let formats = codec::video_formats(&kind);
    let format_filter = match &spec.pix_fmt {
        Some(p) => {
            let pf = media::pix_fmt_from_name(p)
                .ok_or_else(|| Error::InvalidArgument(format!("unknown pixel format '{p}'")))?;
            if !formats.is_empty() && !formats.contains(&pf) {
                return Err(Error::Negotiation {
                    node: kind.display_name(),
                    reason: format!("encoder does not take pixel format {p}"),
                });
            }
            Some(format!("format={p}"))
        }
        None if formats.is_empty() => None,
        None => Some(format!(
            "format=pix_fmts={}",
            formats
                .iter()
                .map(|f| media::pix_fmt_name(*f))
                .collect::<Vec<_>>()
                .join("|")
        )),
    };
    // Split at native filters; each libavfilter run becomes one stage.
    let mut stages = Vec::new();
    let mut run: Vec<String> = Vec::new();
    for e in elements {
        let name = lavfi::filter_name(&e).to_string();
        if crate::node::registry::is_native_video_filter(&name) {
            let args = e.split_once('=').map(|(_, a)| a.to_string()).unwrap_or_default();
            // Negotiation: convert to a format the native filter takes, as libavfilter inserts `scale`.
            let accepted = crate::node::registry::native_video_filter(&name, &args)?.accepted_formats();
            if !accepted.is_empty() {
                run.push(format!(
                    "format=pix_fmts={}",
                    accepted
                        .iter()
                        .map(|f| media::pix_fmt_name(*f))
                        .collect::<Vec<_>>()
                        .join("|")
                ));
            }
            if !run.is_empty() {
                stages.push(Stage::Lavfi(std::mem::take(&mut run).join(",")));
            }
            stages.push(Stage::Native { name, args });
        } else {
            run.push(e);
        }
    }
    if let Some(f) = format_filter {
        run.push(f);
    }
    if !run.is_empty() || stages.is_empty() {
        stages.push(Stage::Lavfi(run.join(",")));
    }
    // Negotiate on the input's format now, so bad filters and impossible formats fail before any output
    // (a pipe may not tell the format before decoding: then the runtime negotiates on the first frame).
    let known = v.format.width > 0 && v.format.height > 0 && v.format.pix_fmt != ff::format::Pixel::None;
    let output = if known {
        negotiate_video(&stages, &v.format)?
    } else {
        v.format
    };
    let gop = spec.gop.as_deref().map(parse_gop).transpose()?;
    let rate = |s: &Option<String>| s.as_deref().map(parse_bitrate).transpose();
    Ok(Some(Branch::Encode(VideoEncodePlan {
        kind,
        stages,
        output,
        crf: spec.crf,
        bitrate: rate(&spec.bitrate)?,
        maxrate: rate(&spec.maxrate)?,
        bufsize: rate(&spec.bufsize)?,
        speed: spec.speed.clone(),
        gop,
        tune: spec.tune.clone(),
        profile: spec.profile.clone(),
        options: spec.options.clone(),
    })))
}

/// Runs format negotiation along the stages on a given input format and returns the final format.
pub fn negotiate_video(stages: &[Stage], input: &VideoFormat) -> Result<VideoFormat> {
    let mut fmt = *input;
    for s in stages {
        fmt = match s {
            Stage::Lavfi(chain) => VideoLavfi::new(chain, &fmt)?.out,
            Stage::Native { name, args } => {
                let mut f = crate::node::registry::native_video_filter(name, args)?;
                f.configure(&fmt)?
            }
        };
    }
    Ok(fmt)
}

/// `2s` (seconds) or `48` (frames).
pub fn parse_gop(s: &str) -> Result<Gop> {
    let t = s.trim();
    if let Ok(n) = t.parse::<u32>() {
        if n == 0 {
            return Err(Error::InvalidArgument("gop of 0 frames".into()));
        }
        return Ok(Gop::Frames(n));
    }
    let secs = parse_duration(t)?;
    if secs <= 0.0 {
        return Err(Error::InvalidArgument(format!("gop '{s}' must be positive")));
    }
    Ok(Gop::Seconds(secs))
}

fn plan_audio(
    spec: &AudioSpec,
    a: &AudioStreamInfo,
    default_codec: &str,
    path: &str,
) -> Result<Option<Branch<AudioEncodePlan>>> {
    let codec = spec.codec.as_deref().unwrap_or(default_codec);
    if let Some(choice) = copy_or_none(codec, spec.filters.as_deref(), "audio", path)? {
        return Ok(choice);
    }
    let kind = codec::resolve_encoder(codec, false)?;
    let caps = codec::audio_caps(&kind);
    let want_rate = spec.sample_rate.unwrap_or(a.format.sample_rate);
    let rate = if caps.rates.is_empty() || caps.rates.contains(&want_rate) {
        want_rate
    } else if spec.sample_rate.is_some() {
        return Err(Error::Negotiation {
            node: kind.display_name(),
            reason: format!("encoder does not take {want_rate} Hz"),
        });
    } else {
        // The closest supported rate at or above the input's, else the highest.
        caps.rates
            .iter()
            .copied()
            .filter(|r| *r >= want_rate)
            .min()
            .unwrap_or_else(|| caps.rates.iter().copied().max().unwrap_or(48000))
    };
    let want_ch = spec.channels.unwrap_or(a.format.channels.max(1));
    if spec.channels.is_some() && want_ch > caps.max_channels {
        return Err(Error::Negotiation {
            node: kind.display_name(),
            reason: format!("encoder takes at most {} channels", caps.max_channels),
        });
    }
    let channels = want_ch.min(caps.max_channels).max(1);
    let layout = media::default_layout(channels as i32);
    let sample_fmt = if caps.formats.is_empty() || caps.formats.contains(&a.format.sample_fmt) {
        a.format.sample_fmt
    } else {
        caps.formats[0]
    };
    let mut elements: Vec<String> = Vec::new();
    if let Some(f) = &spec.filters {
        elements.extend(lavfi::split_chain(f).iter().map(|s| translate_filter(s)));
    }
    elements.push(format!(
        "aresample={rate},aformat=sample_fmts={}:sample_rates={rate}:channel_layouts=0x{layout:x}",
        media::sample_fmt_name(sample_fmt)
    ));
    let chain = elements.join(",");
    // Validate the chain on the input format now.
    lavfi::AudioLavfi::new(&chain, &a.format, 0)?;
    Ok(Some(Branch::Encode(AudioEncodePlan {
        kind,
        chain,
        output: AudioFormat {
            sample_rate: rate,
            channels,
            channel_layout: layout,
            sample_fmt,
            time_base: Rational::new(1, rate as i32),
        },
        bitrate: spec.bitrate.as_deref().map(parse_bitrate).transpose()?,
        options: spec.options.clone(),
    })))
}

impl Plan {
    /// A readable description of the resolved graph (`--dry-run`).
    pub fn describe(&self) -> String {
        let mut s = String::new();
        let i = &self.input;
        s.push_str(&format!("input {} ({})", i.display, i.container));
        if let Some(d) = i.duration {
            s.push_str(&format!(", {d:.3} s"));
        }
        s.push('\n');
        if let Some(v) = &i.video {
            s.push_str(&format!(
                "  video #{}: {} {}x{} {}{}\n",
                v.index,
                v.codec,
                v.format.width,
                v.format.height,
                media::pix_fmt_name(v.format.pix_fmt),
                v.rotation.map(|r| format!(", rotation {r}")).unwrap_or_default()
            ));
        }
        if let Some(a) = &i.audio {
            s.push_str(&format!(
                "  audio #{}: {} {} Hz {} ch {}\n",
                a.index,
                a.codec,
                a.format.sample_rate,
                a.format.channels,
                media::sample_fmt_name(a.format.sample_fmt)
            ));
        }
        if self.seek.is_some() || self.duration.is_some() {
            s.push_str(&format!(
                "  range: from {:.3} s, {}\n",
                self.seek.unwrap_or(0.0),
                self.duration
                    .map(|d| format!("{d:.3} s"))
                    .unwrap_or("to the end".into())
            ));
        }
        for o in &self.outputs {
            s.push_str(&format!(
                "output {} ({} via {})\n",
                o.path, o.container.name, o.container.muxer
            ));
            match &o.video {
                Some(Branch::Copy) => s.push_str("  video: decode skipped -> copy -> mux\n"),
                Some(Branch::Encode(v)) => {
                    s.push_str("  video: decode");
                    for st in &v.stages {
                        match st {
                            Stage::Lavfi(c) => s.push_str(&format!(" -> filter [{c}]")),
                            Stage::Native { name, args } => s.push_str(&format!(" -> {name} [{args}]")),
                        }
                    }
                    s.push_str(&format!(
                        " -> encode {} {}x{} {}{}{} -> mux\n",
                        v.kind.display_name(),
                        v.output.width,
                        v.output.height,
                        media::pix_fmt_name(v.output.pix_fmt),
                        match (v.bitrate, v.crf) {
                            (Some(b), _) => format!(" {} kb/s", b / 1000),
                            (None, Some(c)) => format!(" crf {c}"),
                            _ => String::new(),
                        },
                        v.gop
                            .map(|g| match g {
                                Gop::Seconds(x) => format!(" gop {x} s"),
                                Gop::Frames(n) => format!(" gop {n} frames"),
                            })
                            .unwrap_or_default()
                    ));
                }
                None => {}
            }
            match &o.audio {
                Some(Branch::Copy) => s.push_str("  audio: copy -> mux\n"),
                Some(Branch::Encode(a)) => s.push_str(&format!(
                    "  audio: decode -> filter [{}] -> encode {} {} Hz {} ch{} -> mux\n",
                    a.chain,
                    a.kind.display_name(),
                    a.output.sample_rate,
                    a.output.channels,
                    a.bitrate.map(|b| format!(" {} kb/s", b / 1000)).unwrap_or_default()
                )),
                None => {}
            }
        }
        s
    }

    /// The graph in Graphviz DOT.
    pub fn to_dot(&self) -> String {
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let mut d = String::from("digraph reel {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
        d.push_str(&format!("  demux [label=\"demux\\n{}\"];\n", esc(&self.input.display)));
        let any_video_decode = self.outputs.iter().any(|o| matches!(o.video, Some(Branch::Encode(_))));
        let any_audio_decode = self.outputs.iter().any(|o| matches!(o.audio, Some(Branch::Encode(_))));
        if let (true, Some(v)) = (any_video_decode, &self.input.video) {
            d.push_str(&format!(
                "  vdec [label=\"decode {}\"];\n  demux -> vdec;\n",
                esc(&v.codec)
            ));
        }
        if let (true, Some(a)) = (any_audio_decode, &self.input.audio) {
            d.push_str(&format!(
                "  adec [label=\"decode {}\"];\n  demux -> adec;\n",
                esc(&a.codec)
            ));
        }
        for (n, o) in self.outputs.iter().enumerate() {
            d.push_str(&format!(
                "  mux{n} [label=\"mux {}\\n{}\"];\n",
                esc(&o.container.name),
                esc(&o.path)
            ));
            match &o.video {
                Some(Branch::Copy) => d.push_str(&format!("  demux -> mux{n} [label=\"video copy\"];\n")),
                Some(Branch::Encode(v)) => {
                    let mut prev = "vdec".to_string();
                    for (k, st) in v.stages.iter().enumerate() {
                        let label = match st {
                            Stage::Lavfi(c) => format!("filter\\n{}", esc(c)),
                            Stage::Native { name, args } => format!("{}\\n{}", esc(name), esc(args)),
                        };
                        d.push_str(&format!("  v{n}f{k} [label=\"{label}\"];\n  {prev} -> v{n}f{k};\n"));
                        prev = format!("v{n}f{k}");
                    }
                    d.push_str(&format!(
                        "  venc{n} [label=\"encode {}\"];\n  {prev} -> venc{n};\n  venc{n} -> mux{n};\n",
                        esc(&v.kind.display_name())
                    ));
                }
                None => {}
            }
            match &o.audio {
                Some(Branch::Copy) => d.push_str(&format!("  demux -> mux{n} [label=\"audio copy\"];\n")),
                Some(Branch::Encode(a)) => d.push_str(&format!(
                    "  a{n}f [label=\"filter\\n{}\"];\n  adec -> a{n}f;\n  aenc{n} [label=\"encode {}\"];\n  a{n}f -> aenc{n};\n  aenc{n} -> mux{n};\n",
                    esc(&a.chain),
                    esc(&a.kind.display_name())
                )),
                None => {}
            }
        }
        d.push_str("}\n");
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::format::Pixel;

    fn video(pix_fmt: Pixel, w: u32, h: u32) -> VideoFormat {
        VideoFormat {
            width: w,
            height: h,
            pix_fmt,
            time_base: Rational::new(1, 25),
            frame_rate: Some(Rational::new(25, 1)),
            sample_aspect_ratio: Rational::new(1, 1),
        }
    }

    fn stream(pix_fmt: Pixel) -> VideoStreamInfo {
        VideoStreamInfo {
            index: 0,
            codec: "h264".into(),
            format: video(pix_fmt, 640, 360),
            rotation: None,
            display_matrix: None,
        }
    }

    fn encode_plan(b: Option<Branch<VideoEncodePlan>>) -> VideoEncodePlan {
        match b {
            Some(Branch::Encode(p)) => p,
            _ => panic!("expected an encode branch"),
        }
    }

    #[test]
    fn converter_inserted_where_encoder_and_input_disagree() {
        crate::init();
        // rav1e takes 4:2:0 only: a 4:4:4 input is converted.
        let spec = VideoSpec {
            codec: Some("av1".into()),
            ..Default::default()
        };
        let p = encode_plan(plan_video(&spec, &stream(Pixel::YUV444P), "h264", true, "o.mkv").unwrap());
        assert_eq!(p.output.pix_fmt, Pixel::YUV420P);
        // x264 takes 4:4:4 itself: no conversion (as ffmpeg keeps the source format).
        let spec = VideoSpec {
            codec: Some("h264".into()),
            ..Default::default()
        };
        let p = encode_plan(plan_video(&spec, &stream(Pixel::YUV444P), "h264", true, "o.mp4").unwrap());
        assert_eq!(p.output.pix_fmt, Pixel::YUV444P);
        // RGB into x264: the closest format it takes.
        let p = encode_plan(plan_video(&spec, &stream(Pixel::RGB24), "h264", true, "o.mp4").unwrap());
        assert_ne!(p.output.pix_fmt, Pixel::RGB24);
    }

    #[test]
    fn scale_keeps_aspect_and_rotation_swaps_sizes() {
        crate::init();
        let spec = VideoSpec {
            filters: Some("scale=-2:180".into()),
            ..Default::default()
        };
        let p = encode_plan(plan_video(&spec, &stream(Pixel::YUV420P), "h264", true, "o.mp4").unwrap());
        assert_eq!((p.output.width, p.output.height), (320, 180));
        let mut rotated = stream(Pixel::YUV420P);
        rotated.rotation = Some(90.0);
        let p = encode_plan(plan_video(&VideoSpec::default(), &rotated, "h264", true, "o.mp4").unwrap());
        assert_eq!((p.output.width, p.output.height), (360, 640));
        let p = encode_plan(plan_video(&VideoSpec::default(), &rotated, "h264", false, "o.mp4").unwrap());
        assert_eq!((p.output.width, p.output.height), (640, 360));
    }

    #[test]
    fn audio_rate_and_channels_negotiated_per_encoder() {
        crate::init();
        let a = AudioStreamInfo {
            index: 1,
            codec: "aac".into(),
            format: AudioFormat {
                sample_rate: 44100,
                channels: 6,
                channel_layout: 0,
                sample_fmt: ff::format::Sample::F32(ff::format::sample::Type::Planar),
                time_base: Rational::new(1, 44100),
            },
        };
        let spec = AudioSpec {
            codec: Some("opus".into()),
            ..Default::default()
        };
        let Some(Branch::Encode(p)) = plan_audio(&spec, &a, "aac", "o.webm").unwrap() else {
            panic!()
        };
        assert_eq!(p.output.sample_rate, 48000, "opus runs at 48 kHz");
        assert_eq!(p.output.channels, 2, "libopus here takes at most stereo");
        assert!(p.chain.contains("aresample=48000"));
        let spec = AudioSpec {
            codec: Some("flac".into()),
            ..Default::default()
        };
        let Some(Branch::Encode(p)) = plan_audio(&spec, &a, "aac", "o.mkv").unwrap() else {
            panic!()
        };
        assert_eq!((p.output.sample_rate, p.output.channels), (44100, 6));
        let spec = AudioSpec {
            codec: Some("opus".into()),
            sample_rate: Some(44100),
            ..Default::default()
        };
        assert!(
            plan_audio(&spec, &a, "aac", "o.webm").is_err(),
            "an explicit rate the encoder lacks is an error"
        );
    }

    #[test]
    fn gop_parses_seconds_and_frames() {
        assert_eq!(parse_gop("2s").unwrap(), Gop::Seconds(2.0));
        assert_eq!(parse_gop("48").unwrap(), Gop::Frames(48));
        assert!(parse_gop("0").is_err());
        assert!(parse_gop("fast").is_err());
    }
}
