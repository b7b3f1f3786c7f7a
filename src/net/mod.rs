//! Network servers and clients: the HTTP origin for packaged HLS/DASH, live ingest (RTMP, SRT), the registry
//! that ingest publishes into and the origin serves, and live push (`stream`).

pub mod http;
pub mod ingest;
pub(crate) mod libsrt;
pub mod live;
pub mod push;
pub(crate) mod zero_copy;
