//! reel: the engine library behind the `reel` command (probe, transcode, package, serve, stream, ...).
//!
//! No command-line parsing and no terminal output here: the binary in `subcommands/` turns flags into calls.

pub mod bwe;
pub mod codec;
pub mod error;
pub mod format;
pub mod graph;
pub mod media;
pub mod net;
pub mod node;
pub mod package;
pub mod preset;
pub mod probe;
pub mod util;
pub mod version;
pub mod vision;

pub use error::{Error, Result};

/// Initialises the FFmpeg libraries once and keeps their own logging quiet (errors come back to us as values).
pub fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ffmpeg_next::init();
        ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Fatal);
    });
}
