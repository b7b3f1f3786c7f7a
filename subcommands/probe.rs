//! `reel probe INPUT...`: what media files contain, as a readable summary or ffprobe-compatible JSON.

use anyhow::Context as _;
use rayon::prelude::*;
use reel::probe::{ProbeOptions, ProbeReport, Source};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "With --json the output uses ffprobe's field names (-show_format -show_streams -of json).\n\
Inputs: a path, '-' for stdin, or a URL libavformat opens (http://..., file:...)."
)]
pub struct Args {
    /// Files, directories (with --recursive), '-' for stdin, or URLs.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// One compact JSON object per input per line, for batches (instead of --json's single document).
    #[arg(long)]
    pub ndjson: bool,
    /// Probe every file below the given directories; files that are not media are reported and skipped.
    #[arg(short, long)]
    pub recursive: bool,
    /// Print every packet as one JSON object per line (ffprobe's -show_packets fields).
    #[arg(long)]
    pub show_packets: bool,
    /// Decode and print every frame as one JSON object per line (ffprobe's -show_frames fields).
    #[arg(long)]
    pub show_frames: bool,
    /// Count packets per stream by demuxing the whole input (nb_read_packets; one per frame for video).
    #[arg(long)]
    pub count_frames: bool,
    /// Read the whole input to compute per-stream duration and bit rate where the container has none (MKV, WebM).
    #[arg(long)]
    pub accurate: bool,
}

/// One thing to probe, and whether failing to probe it is an error (a named input) or a note (found by --recursive).
struct Item {
    name: String,
    source: Source,
    found_in_directory: bool,
    /// Why this input cannot be probed at all, known before trying (a directory without --recursive).
    refused: Option<&'static str>,
}

pub fn run(args: Args, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    let mut failed = false;
    let mut items = Vec::new();
    for arg in &args.inputs {
        let is_dir = arg != "-" && Path::new(arg).is_dir();
        if is_dir && args.recursive {
            walk(Path::new(arg), &mut items);
            continue;
        }
        let refused = is_dir.then_some("is a directory (use --recursive to probe the files in it)");
        let source = Source::from_arg(arg);
        items.push(Item {
            name: arg.clone(),
            source,
            found_in_directory: false,
            refused,
        });
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.show_packets || args.show_frames {
        for item in &items {
            if let Some(why) = item.refused {
                eprintln!("reel: {}: {why}", item.name);
                failed = true;
                continue;
            }
            if let Err(e) = stream_records(item, &args, &mut out) {
                if is_broken_pipe(&e) {
                    return Ok(());
                }
                eprintln!("reel: {}: {}", item.name, reason(&e));
                failed = true;
            }
        }
        out.flush()?;
        return finish(failed);
    }
    let options = ProbeOptions {
        count_frames: args.count_frames,
        accurate: args.accurate,
    };
    let results: Vec<Result<ProbeReport, String>> = items
        .par_iter()
        .map(|item| match item.refused {
            Some(why) => Err(why.to_string()),
            None => reel::probe::probe(&item.source, &options).map_err(|e| reason(&e)),
        })
        .collect();
    let mut reports = Vec::new();
    for (item, result) in items.iter().zip(results) {
        match result {
            Ok(report) => reports.push(report),
            Err(e) if item.found_in_directory => eprintln!("reel: {}: skipped, not media: {e}", item.name),
            Err(e) => {
                eprintln!("reel: {}: {e}", item.name);
                failed = true;
            }
        }
    }
    let single = args.inputs.len() == 1 && !args.recursive;
    if args.ndjson {
        for r in &reports {
            serde_json::to_writer(&mut out, r)?;
            out.write_all(b"\n")?;
        }
    } else if global.json {
        match (&reports[..], single) {
            ([one], true) => serde_json::to_writer_pretty(&mut out, one)?,
            (_, true) => {}
            (all, false) => serde_json::to_writer_pretty(&mut out, all)?,
        }
        if !(single && reports.is_empty()) {
            out.write_all(b"\n")?;
        }
    } else {
        for (i, r) in reports.iter().enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            writeln!(out, "{}", reel::probe::summary(r))?;
        }
    }
    out.flush().context("stdout")?;
    finish(failed)
}

fn finish(failed: bool) -> anyhow::Result<()> {
    if failed { Err(crate::Exit(1).into()) } else { Ok(()) }
}

/// Streams packet and/or frame records of one input as NDJSON.
fn stream_records(item: &Item, args: &Args, out: &mut impl Write) -> reel::Result<()> {
    let mut line = |v: &dyn erased::Record| -> reel::Result<()> {
        v.write(out)
            .and_then(|()| out.write_all(b"\n"))
            .map_err(reel::Error::IoBare)
    };
    if args.show_packets {
        reel::probe::packets(&item.source, |p| line(&p))?;
    }
    if args.show_frames {
        reel::probe::frames(&item.source, |f| line(&f))?;
    }
    Ok(())
}

/// A record written as one line of JSON, whatever its type.
mod erased {
    pub trait Record {
        fn write(&self, out: &mut dyn std::io::Write) -> std::io::Result<()>;
    }
    impl<T: serde::Serialize> Record for T {
        fn write(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
            serde_json::to_writer(out, self).map_err(std::io::Error::from)
        }
    }
}

/// Every file below `dir`, sorted, directories after files at each level; symlinked directories are not followed.
fn walk(dir: &Path, items: &mut Vec<Item>) {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            eprintln!("reel: {}: {e}", dir.display());
            return;
        }
    };
    entries.sort();
    let (dirs, files): (Vec<PathBuf>, Vec<PathBuf>) = entries
        .into_iter()
        .partition(|p| p.symlink_metadata().is_ok_and(|m| m.is_dir()));
    for f in files {
        if f.is_file() {
            let name = f.display().to_string();
            items.push(Item {
                name,
                source: Source::Path(f),
                found_in_directory: true,
                refused: None,
            });
        }
    }
    for d in dirs {
        walk(&d, items);
    }
}

/// The reason part of `reel: <file>: <reason>`: lowercase, without Rust's "(os error N)".
fn reason(e: &reel::Error) -> String {
    match e {
        reel::Error::IoBare(io) => match io.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".into(),
            std::io::ErrorKind::PermissionDenied => "permission denied".into(),
            _ => io.to_string(),
        },
        other => other.to_string(),
    }
}

fn is_broken_pipe(e: &reel::Error) -> bool {
    matches!(e, reel::Error::IoBare(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
}
