//! Computer-vision building blocks (pure compute, parallel with rayon): optical flow, frame interpolation.

pub mod flow;
pub mod interpolate;
