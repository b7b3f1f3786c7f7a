//! `SrFilter`: super-resolution as a graph video filter (yuv420p and yuv420p10le in, same format out, scaled).
