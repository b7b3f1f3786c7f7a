//! Small utilities shared by every part of the engine: atomic output files, time parsing.

pub mod atomic;
pub mod memory;
pub mod simd;
pub mod time;
