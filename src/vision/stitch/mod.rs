//! Dual-fisheye stitching.
