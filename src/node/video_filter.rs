//! The video filter contract: what a compute filter (scale, sr, interpolate, 360 ...) implements to run in the graph.
//!
//! Frames are FFmpeg frames (`ffmpeg_next::frame::Video`) so decoders, libavfilter and encoders exchange them
//! without copies. A filter sees its input format once (`configure`), then frames in presentation order, and
//! may emit any number of frames per input (interpolation emits more, a frame-rate reducer fewer).

use crate::error::Result;
use ffmpeg_next::Rational;
use ffmpeg_next::format::Pixel;
use ffmpeg_next::frame::Video as VideoFrame;

/// The format on a video link between two nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VideoFormat {
    pub width: u32,
    pub height: u32,
    pub pix_fmt: Pixel,
    /// Time base of the frames' `pts`.
    pub time_base: Rational,
    /// Nominal frame rate when known (constant-rate streams); `None` for variable frame rate.
    pub frame_rate: Option<Rational>,
    /// Sample (pixel) aspect ratio; 0/1 when unknown.
    pub sample_aspect_ratio: Rational,
}

/// Where a filter sends the frames it produces.
pub type Emit<'a> = dyn FnMut(VideoFrame) -> Result<()> + 'a;

/// A video filter node. Settings come in through the constructor; state is built in `configure`.
pub trait VideoFilter: Send {
    /// A short name for logs, `--dry-run` and error messages (e.g. `sr`, `interpolate`).
    fn name(&self) -> &str;

    /// Pixel formats this filter accepts, best first; the graph inserts a converter when the upstream
    /// format is not among them. An empty list means any format.
    fn accepted_formats(&self) -> Vec<Pixel>;

    /// Called once with the input format (already one of `accepted_formats`); returns the output format.
    fn configure(&mut self, input: &VideoFormat) -> Result<VideoFormat>;

    /// Processes one input frame (its `pts` is in the input time base; output `pts` in the output time base).
    fn push(&mut self, frame: VideoFrame, emit: &mut Emit<'_>) -> Result<()>;

    /// End of stream: emit whatever is still buffered.
    fn flush(&mut self, emit: &mut Emit<'_>) -> Result<()>;
}
