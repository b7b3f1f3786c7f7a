//! Network servers: the HTTP origin for packaged HLS/DASH and the registry live ingest publishes into.

pub mod http;
pub mod live;
