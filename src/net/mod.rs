//! Network servers: the HTTP origin for packaged HLS/DASH, live ingest (RTMP, SRT), and the registry that
//! ingest publishes into and the origin serves.

pub mod http;
pub mod ingest;
pub mod live;
