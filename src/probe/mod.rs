//! Media probing: what an input contains (container, streams, codecs, timing), with ffprobe-compatible output.
//!
//! `probe` opens a path, stdin or URL and describes it with the field names and value conventions of
//! `ffprobe -show_format -show_streams -of json`. `packets` and `frames` stream per-packet and per-frame records to
//! a callback without holding the input in memory. `probe_bytes` probes bytes in memory (used by the fuzz target).

mod describe;
mod input;
pub mod model;
mod raw;
mod scan;
mod summary;

pub use input::Source;
pub use model::{Disposition, FormatInfo, FrameRecord, PacketRecord, ProbeReport, SideData, StreamInfo, Tags};
pub use summary::summary;

use crate::error::Result;
use input::Demuxer;

/// Extra work a probe may do beyond reading the headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProbeOptions {
    /// Count packets per stream by demuxing the whole input (`nb_read_packets`; one per frame for video).
    pub count_frames: bool,
    /// Demux the whole input to compute per-stream duration and bit rate where the container has none
    /// (Matroska/WebM, FLV).
    pub accurate: bool,
}

/// Probes one input: its container and streams.
pub fn probe(source: &Source, options: &ProbeOptions) -> Result<ProbeReport> {
    let mut demuxer = Demuxer::open(source)?;
    let name = match source {
        // ffprobe's name for stdin.
        Source::Stdin => "pipe:".to_string(),
        other => other.display_name(),
    };
    finish(&mut demuxer, &name, options)
}

/// Probes bytes held in memory, as if they were a seekable file.
pub fn probe_bytes(data: &[u8], options: &ProbeOptions) -> Result<ProbeReport> {
    let mut demuxer = Demuxer::open_bytes(data)?;
    finish(&mut demuxer, "memory:", options)
}

fn finish(demuxer: &mut Demuxer, name: &str, options: &ProbeOptions) -> Result<ProbeReport> {
    let mut report = describe::describe(demuxer, name);
    if options.count_frames || options.accurate {
        scan::scan(demuxer, &mut report, options.count_frames, options.accurate)?;
    }
    Ok(report)
}

/// Calls `each` with every packet of the input, in file order (ffprobe's `-show_packets`).
pub fn packets(source: &Source, mut each: impl FnMut(PacketRecord) -> Result<()>) -> Result<()> {
    let mut demuxer = Demuxer::open(source)?;
    scan::packets(&mut demuxer, &mut each)
}

/// Decodes the audio and video streams and calls `each` with every frame (ffprobe's `-show_frames`).
pub fn frames(source: &Source, mut each: impl FnMut(FrameRecord) -> Result<()>) -> Result<()> {
    let mut demuxer = Demuxer::open(source)?;
    scan::frames(&mut demuxer, &mut each)
}

/// Packets then frames of in-memory bytes: the whole read path, for fuzzing. Returns how many records were seen.
pub fn exercise_bytes(data: &[u8]) -> Result<usize> {
    let options = ProbeOptions {
        count_frames: true,
        accurate: true,
    };
    let report = probe_bytes(data, &options)?;
    let _ = summary(&report);
    let mut demuxer = Demuxer::open_bytes(data)?;
    let mut n = 0;
    scan::frames(&mut demuxer, &mut |_| {
        n += 1;
        Ok(())
    })?;
    Ok(n)
}
