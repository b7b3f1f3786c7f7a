//! The registry of reel's own video filters (those not in libavfilter), by the name used in filter chains.

use super::video_filter::VideoFilter;
use crate::error::{Error, Result};

/// Names of native filters; a chain element with one of these names runs in Rust instead of libavfilter.
pub const NATIVE_VIDEO_FILTERS: &[&str] = &["sr", "360", "viewport", "interpolate"];

/// Whether `name` is one of reel's own video filters.
pub fn is_native_video_filter(name: &str) -> bool {
    NATIVE_VIDEO_FILTERS.contains(&name)
}

/// Creates a native video filter from its chain arguments (`scale=2:model=fast`).
pub fn native_video_filter(name: &str, args: &str) -> Result<Box<dyn VideoFilter>> {
    match name {
        "sr" => {
            use crate::vision::sr::filter::{SrFilter, SrSettings};
            Ok(Box::new(SrFilter::new(SrSettings::parse(args)?)))
        }
        "360" => {
            use crate::vision::projection::filter::{ProjectionFilter, ProjectionFilterSettings};
            Ok(Box::new(ProjectionFilter::new(ProjectionFilterSettings::parse(args)?)))
        }
        "viewport" => {
            use crate::vision::projection::viewport_filter::{ViewportFilter, ViewportSettings};
            Ok(Box::new(ViewportFilter::new(ViewportSettings::parse(args)?)))
        }
        "interpolate" => Ok(Box::new(crate::vision::interpolate::InterpolateFilter::from_options(
            args,
        )?)),
        _ => Err(Error::Unsupported(format!("no native video filter '{name}'"))),
    }
}

/// Parses `key=value:key=value` (or positional values) filter arguments.
pub fn parse_args(args: &str) -> Vec<(Option<String>, String)> {
    args.split(':')
        .filter(|s| !s.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (Some(k.trim().to_string()), v.trim().to_string()),
            None => (None, kv.trim().to_string()),
        })
        .collect()
}
