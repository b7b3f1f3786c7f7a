//! Pipeline nodes: the contracts between the graph and its sources, decoders, filters, encoders and sinks.

pub mod registry;
pub mod video_filter;
