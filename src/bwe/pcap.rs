//! Real captures: pcap/pcapng parsing, RTP with transport-wide-cc or abs-send-time extensions, RTCP
//! transport feedback, and a replay of the estimator over what was captured.

use super::gcc::GccConfig;
use crate::error::{Error, Result};

#[derive(Clone, Debug, serde::Serialize)]
pub struct ReplaySample {
    pub time_s: f64,
}
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReplaySummary {}
pub struct Replay {
    pub samples: Vec<ReplaySample>,
    pub summary: ReplaySummary,
}
pub fn replay(_data: &[u8], _config: GccConfig) -> Result<Replay> {
    Err(Error::Unsupported("pcap replay".into()))
}
pub fn series_csv(_s: &[ReplaySample]) -> String {
    String::new()
}
pub fn summary_text(_s: &ReplaySummary) -> String {
    String::new()
}
