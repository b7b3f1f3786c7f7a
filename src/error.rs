//! The library's error type: one enum for every failure the engine reports.

use std::path::PathBuf;

/// Every error the engine returns. Messages are lowercase, without a trailing period, and never name a CLI flag.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    IoBare(#[from] std::io::Error),
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("limit exceeded: {0}")]
    Limit(String),
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{node}: cannot negotiate formats: {reason}")]
    Negotiation { node: String, reason: String },
    #[error("{0}")]
    Ffmpeg(String),
    #[error("interrupted")]
    Interrupted,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<ffmpeg_next::Error> for Error {
    fn from(e: ffmpeg_next::Error) -> Self {
        Error::Ffmpeg(e.to_string().to_lowercase())
    }
}
