//! AIMD rate control (libwebrtc's `aimd_rate_control.cc`) and the link-capacity estimate that switches it
//! from multiplicative (8 %/s) to additive increase near the last known capacity.

use super::delay::Usage;
use super::{MS, SEC, Us};

/// Which step the rate controller takes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RateControlState {
    Hold,
    Increase,
    Decrease,
}

impl RateControlState {
    pub fn as_str(self) -> &'static str {
        match self {
            RateControlState::Hold => "hold",
            RateControlState::Increase => "increase",
            RateControlState::Decrease => "decrease",
        }
    }
}

/// Exponential average of the acknowledged rate measured at each overuse, with its deviation (kbps).
#[derive(Debug, Default, Clone)]
pub struct LinkCapacity {
    estimate_kbps: Option<f64>,
    deviation_kbps: f64,
}

impl LinkCapacity {
    fn upper_bound(&self) -> f64 {
        self.estimate_kbps
            .map_or(f64::INFINITY, |e| (e + 3.0 * (e * self.deviation_kbps).sqrt()) * 1000.0)
    }
    fn lower_bound(&self) -> f64 {
        self.estimate_kbps.map_or(0.0, |e| {
            ((e - 3.0 * (e * self.deviation_kbps).sqrt()).max(0.0)) * 1000.0
        })
    }
    fn reset(&mut self) {
        self.estimate_kbps = None;
    }
    fn on_overuse(&mut self, acked_bps: f64) {
        self.update(acked_bps, 0.05);
    }
    fn update(&mut self, sample_bps: f64, alpha: f64) {
        let sample = sample_bps / 1000.0;
        let est = match self.estimate_kbps {
            None => sample,
            Some(e) => (1.0 - alpha) * e + alpha * sample,
        };
        let norm = est.max(1.0);
        let err = est - sample;
        self.deviation_kbps = ((1.0 - alpha) * self.deviation_kbps + alpha * err * err / norm).clamp(0.4, 2.5);
        self.estimate_kbps = Some(est);
    }
    /// The capacity estimate in bit/s, if any overuse has been seen since the last reset.
    pub fn estimate_bps(&self) -> Option<f64> {
        self.estimate_kbps.map(|e| e * 1000.0)
    }
}

/// Additive-increase / multiplicative-decrease controller of the delay-based estimate.
#[derive(Debug, Clone)]
pub struct Aimd {
    pub current_bps: f64,
    pub state: RateControlState,
    pub link: LinkCapacity,
    min_bps: f64,
    max_bps: f64,
    initialized: bool,
    latest_throughput: f64,
    time_last_change: Option<Us>,
    time_last_decrease: Option<Us>,
    time_first_throughput: Option<Us>,
    rtt: Us,
    beta: f64,
}

impl Aimd {
    pub fn new(start_bps: f64, min_bps: f64, max_bps: f64) -> Self {
        Self {
            current_bps: start_bps,
            state: RateControlState::Hold,
            link: LinkCapacity::default(),
            min_bps,
            max_bps,
            initialized: true,
            latest_throughput: 0.0,
            time_last_change: None,
            time_last_decrease: None,
            time_first_throughput: None,
            rtt: 200 * MS,
            beta: 0.85,
        }
    }

    pub fn set_rtt(&mut self, rtt: Us) {
        self.rtt = rtt;
    }

    pub fn valid(&self) -> bool {
        self.initialized
    }

    /// Whether an overuse may reduce the rate again: once per RTT (10-200 ms), or at once when the
    /// throughput has fallen under half the estimate.
    pub fn time_to_reduce_further(&self, now: Us, throughput: f64) -> bool {
        let interval = self.rtt.clamp(10 * MS, 200 * MS);
        if self.time_last_change.is_none_or(|t| now - t >= interval) {
            return true;
        }
        self.initialized && throughput < 0.5 * self.current_bps
    }

    pub fn initial_time_to_reduce_further(&self, now: Us) -> bool {
        self.initialized && self.time_last_decrease.is_none_or(|t| now - t >= 200 * MS)
    }

    pub fn set_estimate(&mut self, bps: f64, now: Us) {
        let prev = self.current_bps;
        self.initialized = true;
        self.current_bps = self.clamp(bps);
        if self.current_bps < prev {
            self.time_last_decrease = Some(now);
        }
        self.time_last_change = Some(now);
    }

    fn clamp(&self, bps: f64) -> f64 {
        bps.max(self.min_bps).min(self.max_bps)
    }

    /// One detector verdict with the acknowledged rate; returns the new estimate.
    pub fn update(&mut self, usage: Usage, throughput: Option<f64>, now: Us) -> f64 {
        if !self.initialized {
            match self.time_first_throughput {
                None if throughput.is_some() => self.time_first_throughput = Some(now),
                Some(t) if now - t > 5 * SEC => {
                    if let Some(tp) = throughput {
                        self.current_bps = tp;
                        self.initialized = true;
                    }
                }
                _ => {}
            }
        }
        let throughput_bps = throughput.unwrap_or(self.latest_throughput);
        if let Some(t) = throughput {
            self.latest_throughput = t;
        }
        if !self.initialized && usage != Usage::Overusing {
            return self.current_bps;
        }
        match usage {
            Usage::Normal => {
                if self.state == RateControlState::Hold {
                    self.time_last_change = Some(now);
                    self.state = RateControlState::Increase;
                }
            }
            Usage::Overusing => self.state = RateControlState::Decrease,
            Usage::Underusing => self.state = RateControlState::Hold,
        }
        let mut new_bps = None;
        match self.state {
            RateControlState::Hold => {}
            RateControlState::Increase => {
                if throughput_bps > self.link.upper_bound() {
                    self.link.reset();
                }
                // Never run far ahead of what is actually delivered.
                let limit = 1.5 * throughput_bps + 10_000.0;
                if self.current_bps < limit {
                    let since = self.time_last_change.map_or(0, |t| now - t);
                    let increased = if self.link.estimate_bps().is_some() {
                        self.current_bps + self.near_max_increase_bps_per_s() * since as f64 / SEC as f64
                    } else {
                        let secs = (since as f64 / SEC as f64).min(1.0);
                        let alpha = 1.08f64.powf(secs);
                        self.current_bps + (self.current_bps * (alpha - 1.0)).max(1000.0)
                    };
                    new_bps = Some(increased.min(limit));
                }
                self.time_last_change = Some(now);
            }
            RateControlState::Decrease => {
                let mut decreased = throughput_bps * self.beta;
                if decreased > 5_000.0 {
                    decreased -= 5_000.0;
                }
                if decreased > self.current_bps
                    && let Some(cap) = self.link.estimate_bps()
                {
                    decreased = self.beta * cap;
                }
                if decreased < self.current_bps {
                    new_bps = Some(decreased);
                }
                if throughput_bps < self.link.lower_bound() {
                    self.link.reset();
                }
                self.initialized = true;
                self.link.on_overuse(throughput_bps);
                self.state = RateControlState::Hold;
                self.time_last_change = Some(now);
                self.time_last_decrease = Some(now);
            }
        }
        self.current_bps = self.clamp(new_bps.unwrap_or(self.current_bps));
        self.current_bps
    }

    /// About one packet per response time (RTT + 100 ms, doubled), the additive step near capacity.
    fn near_max_increase_bps_per_s(&self) -> f64 {
        let frame_bits = self.current_bps / 30.0;
        let packets_per_frame = (frame_bits / (1200.0 * 8.0)).ceil().max(1.0);
        let avg_packet_bits = frame_bits / packets_per_frame;
        let response_s = 2.0 * (self.rtt + 100 * MS) as f64 / SEC as f64;
        (avg_packet_bits / response_s).max(4000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overuse_backs_off_to_085_of_throughput() {
        let mut a = Aimd::new(1_000_000.0, 5_000.0, 1e9);
        let r = a.update(Usage::Overusing, Some(800_000.0), SEC);
        assert!((r - (0.85 * 800_000.0 - 5_000.0)).abs() < 1.0, "{r}");
        assert_eq!(a.state, RateControlState::Hold);
    }

    #[test]
    fn multiplicative_increase_is_8_percent_per_second() {
        let mut a = Aimd::new(1_000_000.0, 5_000.0, 1e9);
        a.update(Usage::Normal, Some(1_000_000.0), 0);
        let r = a.update(Usage::Normal, Some(1_000_000.0), SEC);
        assert!((1_075_000.0..1_085_000.0).contains(&r), "{r}");
    }
}
