//! Bandwidth estimation: the GCC estimator, a packet-level link simulator, RFC 8867 scenarios, capacity
//! traces, RFC 8868 metrics, series/plot output and a pcap replay of real captures.
//!
//! Sans-IO throughout: time is an input (microseconds as `i64`), randomness comes from a seeded generator,
//! so every run is reproducible.

pub mod gcc;
pub mod metrics;
pub mod output;
pub mod pcap;
pub mod scenario;
pub mod sim;
pub mod trace;

/// Time in microseconds.
pub type Us = i64;
pub const MS: Us = 1_000;
pub const SEC: Us = 1_000_000;

/// SplitMix64: a tiny, well-distributed generator; enough for loss and jitter draws and keeps the crate
/// free of a rand dependency.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.uniform() < p
    }
}
