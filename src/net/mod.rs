//! Network servers and clients: the HTTP origin for packaged HLS/DASH, the live registry, and live push.

pub mod http;
pub mod live;
pub mod push;
