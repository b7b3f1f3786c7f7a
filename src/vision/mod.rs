//! Computer-vision filters (pure compute, parallel with rayon): 360-degree projections and stitching.

pub mod projection;
pub mod stitch;
