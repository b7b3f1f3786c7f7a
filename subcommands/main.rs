//! The `reel` binary: global flags, subcommand dispatch, error printing and exit codes.
//!
//! Each subcommand lives in its own file with `Args` (clap derive) and `run`; this file only wires them up.

mod analyze_bwe;
mod completions;
mod filter_video;
mod interpolate;
mod logging;
mod package;
mod presets;
mod probe;
mod progress;
mod serve;
mod signals;
mod sr;
mod stitch360;
mod stream;
mod transcode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

/// How progress is reported on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Progress {
    /// A bar when stderr is a terminal, nothing otherwise.
    Auto,
    /// Always a bar.
    Bar,
    /// NDJSON progress events on stderr, for machines.
    Json,
    /// No progress output.
    None,
}

/// Flags every subcommand understands.
#[derive(clap::Args, Clone, Debug)]
pub struct GlobalOpts {
    /// More log output on stderr (repeat for more: -vv); errors show their cause chain.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Machine-readable JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// Progress reporting on stderr.
    #[arg(long, value_enum, default_value_t = Progress::Auto, global = true, value_name = "MODE")]
    pub progress: Progress,
    /// Worker threads (default: all cores).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// Overwrite existing outputs without asking.
    #[arg(short = 'y', long = "overwrite", global = true)]
    pub overwrite: bool,
}

#[derive(Parser, Debug)]
#[command(
    name = "reel",
    version,
    long_version = long_version(),
    about = "A command-line media toolkit: inspect, transcode, package, serve and stream media",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show what media files contain: container, streams, codecs, timing (ffprobe-compatible JSON with --json).
    Probe(probe::Args),
    /// Decode, filter, encode and mux (x264, x265, rav1e AV1, libvpx, AAC, Opus ...), by flags or YAML presets.
    Transcode(Box<transcode::Args>),
    /// Package an ABR ladder as HLS and DASH (CMAF or MPEG-TS segments) from one decode, or package encoded inputs.
    Package(Box<package::Args>),
    /// Push live to RTMP, SRT, RTP, RTSP, UDP or RIST destinations from one encode; each recovers on its own.
    Stream(Box<stream::Args>),
    /// List and show the built-in YAML presets.
    Presets(presets::Args),
    /// Run WebRTC bandwidth estimation (GCC) over a simulated link or a packet capture.
    AnalyzeBwe(Box<analyze_bwe::Args>),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff).
    Man(completions::ManArgs),
    /// Serve packaged HLS/DASH over HTTP (origin for players and CDN edges), with a player page.
    Serve(serve::Args),
    /// Super-resolution: upscale images or video by 2, 3 or 4 with learned models (fast, quality).
    Sr(sr::Args),
    /// Convert 360-degree projections (equirect, cubemap, EAC, fisheye, perspective) and stitch dual fisheye.
    Stitch360(Box<stitch360::Args>),
    /// Make in-between frames by motion-compensated interpolation (image pair or y4m stream).
    Interpolate(interpolate::Args),
}

fn long_version() -> &'static str {
    reel::init();
    Box::leak(reel::version::long_version().into_boxed_str())
}

/// The clap command, for completions and man pages.
pub fn command() -> clap::Command {
    Cli::command()
}

fn main() -> ExitCode {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|c| (c, m)));
    let (cli, matches) = match parsed {
        Ok(x) => x,
        Err(e) => {
            // clap prints help and version on stdout (exit 0) and usage errors on stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    logging::init(&cli.global);
    if let Some(n) = cli.global.threads {
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
    reel::init();
    let result = match cli.command {
        Command::Probe(args) => probe::run(args, &cli.global),
        Command::Transcode(args) => {
            let sub = matches.subcommand_matches("transcode").cloned().unwrap_or_default();
            transcode::run(*args, &cli.global, &sub)
        }
        Command::Package(args) => package::run(*args, &cli.global),
        Command::Stream(args) => {
            let sub = matches.subcommand_matches("stream").cloned().unwrap_or_default();
            stream::run(*args, &cli.global, &sub)
        }
        Command::Presets(args) => presets::run(args, &cli.global),
        Command::AnalyzeBwe(args) => analyze_bwe::run(*args, &cli.global),
        Command::Completions(args) => completions::run_completions(args),
        Command::Man(args) => completions::run_man(args),
        Command::Serve(args) => serve::run(args, &cli.global),
        Command::Sr(args) => sr::run(args, &cli.global),
        Command::Stitch360(args) => stitch360::run(*args, &cli.global),
        Command::Interpolate(args) => interpolate::run(args, &cli.global),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report_error(&e),
    }
}

/// Prints `reel: <what>: <why>` on one line and picks the exit code. A closed stdout pipe is not an error.
fn report_error(e: &anyhow::Error) -> ExitCode {
    if let Some(code) = e.downcast_ref::<Exit>() {
        return ExitCode::from(code.0);
    }
    for cause in e.chain() {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return ExitCode::SUCCESS;
        }
    }
    let msg = error_line(e.chain().map(|c| c.to_string()));
    eprintln!("reel: {}", msg.replace('\n', " "));
    let usage = e.chain().any(|c| c.downcast_ref::<Usage>().is_some());
    ExitCode::from(if usage { 2 } else { 1 })
}

/// Joins an error's chain (outermost first) with ": ", leaving out what the neighbour already says: the
/// library's errors print their cause (`path: No such file ...` over the io error itself), and a context
/// naming the path over an error that starts with the same path adds nothing.
fn error_line(chain: impl Iterator<Item = String>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in chain {
        match parts.last_mut() {
            Some(last) if last.ends_with(&cause) => {}
            Some(last) if cause.starts_with(last.as_str()) => *last = cause,
            _ => parts.push(cause),
        }
    }
    parts.join(": ")
}

/// An error that is the user's invocation's fault: exit code 2.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// Exit with a given code after the subcommand already reported what went wrong (e.g. a batch with failures).
#[derive(Debug)]
pub struct Exit(pub u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for Exit {}

#[cfg(test)]
mod tests {
    use super::error_line;

    #[test]
    fn error_lines_say_each_thing_once() {
        let line = |parts: &[&str]| error_line(parts.iter().map(|s| s.to_string()));
        // A library io error that prints its cause, under a context naming the same path.
        assert_eq!(
            line(&["a.png", "a.png: No such file (os error 2)", "No such file (os error 2)"]),
            "a.png: No such file (os error 2)"
        );
        // Contexts that add something stay.
        assert_eq!(
            line(&["encoding out.mp4", "libx264: bad option"]),
            "encoding out.mp4: libx264: bad option"
        );
        assert_eq!(line(&["only"]), "only");
    }
}
