//! Vision: compute-heavy image filters (super-resolution, interpolation, 360 projections), pure Rust with rayon.

pub mod flow;
pub mod interpolate;
pub mod projection;
pub mod sr;
pub mod stitch;
