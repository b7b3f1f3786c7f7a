//! The acknowledged bit-rate estimator: a Bayesian estimate of the receive rate over 150 ms windows
//! (500 ms for the first), as libwebrtc's `bitrate_estimator.cc` computes it.

use super::{MS, Us};

#[derive(Debug, Clone)]
pub struct AckedBitrate {
    sum_bytes: i64,
    current_window: Us,
    prev_time: Option<Us>,
    estimate_kbps: Option<f64>,
    var: f64,
    alr_ended: Option<Us>,
}

impl Default for AckedBitrate {
    fn default() -> Self {
        Self {
            sum_bytes: 0,
            current_window: 0,
            prev_time: None,
            estimate_kbps: None,
            var: 50.0,
            alr_ended: None,
        }
    }
}

const INITIAL_WINDOW: Us = 500 * MS;
const WINDOW: Us = 150 * MS;
const UNCERTAINTY_SCALE: f64 = 10.0;
const UNCERTAINTY_SCALE_IN_ALR: f64 = 20.0;

impl AckedBitrate {
    /// The rate in bit/s, once a first window has been measured.
    pub fn bitrate_bps(&self) -> Option<f64> {
        self.estimate_kbps.map(|k| k * 1000.0)
    }

    /// After application-limited periods the rate may jump: widen the uncertainty.
    pub fn set_alr_ended(&mut self, now: Us) {
        self.alr_ended = Some(now);
    }

    /// One acknowledged packet, in receive-time order.
    pub fn update(&mut self, receive: Us, bytes: i64, in_alr: bool) {
        if self.alr_ended.take().is_some() {
            self.var += 200.0;
        }
        let window = if self.estimate_kbps.is_none() {
            INITIAL_WINDOW
        } else {
            WINDOW
        };
        let Some(sample) = self.update_window(receive, bytes, window) else {
            return;
        };
        let Some(est) = self.estimate_kbps else {
            self.estimate_kbps = Some(sample);
            return;
        };
        let scale = if in_alr {
            UNCERTAINTY_SCALE_IN_ALR
        } else {
            UNCERTAINTY_SCALE
        };
        let sample_uncertainty = scale * (est - sample).abs() / est.max(1e-3);
        let sample_var = sample_uncertainty * sample_uncertainty;
        let pred_var = self.var + 5.0;
        let new = (sample_var * est + pred_var * sample) / (sample_var + pred_var);
        self.estimate_kbps = Some(new.max(0.0));
        self.var = sample_var * pred_var / (sample_var + pred_var);
    }

    fn update_window(&mut self, now: Us, bytes: i64, window: Us) -> Option<f64> {
        if self.prev_time.is_some_and(|p| now < p) {
            self.prev_time = None;
            self.sum_bytes = 0;
            self.current_window = 0;
        }
        if let Some(prev) = self.prev_time {
            self.current_window += now - prev;
            if now - prev > window {
                self.sum_bytes = 0;
                self.current_window %= window;
            }
        }
        self.prev_time = Some(now);
        let mut sample = None;
        if self.current_window >= window {
            sample = Some(8.0 * self.sum_bytes as f64 / (window as f64 / MS as f64));
            self.current_window -= window;
            self.sum_bytes = 0;
        }
        self.sum_bytes += bytes;
        sample
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_1mbps_is_measured() {
        let mut a = AckedBitrate::default();
        // 1 Mbit/s: 1250 bytes every 10 ms.
        for i in 0..300 {
            a.update(i * 10 * MS, 1250, false);
        }
        let r = a.bitrate_bps().unwrap_or(0.0);
        assert!((r - 1_000_000.0).abs() < 20_000.0, "{r}");
    }

    #[test]
    fn robust_follows_a_rate_change_within_a_second() {
        let mut a = RobustThroughput::default();
        for i in 0..200 {
            a.update(i * 10 * MS, 50 * MS + i * 10 * MS, 1250);
        }
        let r = a.bitrate_bps().unwrap_or(0.0);
        assert!((r - 1_000_000.0).abs() < 20_000.0, "{r}");
        // Twice the rate from 2 s on: after one more second the window holds only the new rate.
        for i in 0..200 {
            let t = 2_000 * MS + i * 5 * MS;
            a.update(t, 50 * MS + t, 1250);
        }
        let r = a.bitrate_bps().unwrap_or(0.0);
        assert!((r - 2_000_000.0).abs() < 40_000.0, "{r}");
    }
}

/// libwebrtc's default throughput estimator today (`robust_throughput_estimator.cc`): the rate over a
/// window of the last 20+ acknowledged packets (at least 1 s, at most 500 packets or 5 s), the smaller of
/// send and receive rate, with the largest receive gap replaced by the second largest so one stall does not
/// drag the rate down. It follows rate changes faster than the Bayesian windows above.
#[derive(Debug, Clone, Default)]
pub struct RobustThroughput {
    /// (send time, receive time, size), ordered by receive time.
    window: std::collections::VecDeque<(Us, Us, i64)>,
    latest_discarded_send: Option<Us>,
}

const ROBUST_WINDOW_PACKETS: usize = 20;
const ROBUST_MAX_WINDOW_PACKETS: usize = 500;
const ROBUST_WINDOW: Us = 1_000 * MS;
const ROBUST_MAX_WINDOW: Us = 5_000 * MS;
const ROBUST_REQUIRED_PACKETS: usize = 10;

impl RobustThroughput {
    pub fn update(&mut self, send: Us, receive: Us, size: i64) {
        // Insert in receive-time order (reordering is rare: walk back from the end).
        let pos = self.window.iter().rposition(|p| p.1 <= receive).map_or(0, |i| i + 1);
        self.window.insert(pos, (send, receive, size));
        if self.window.back().is_some_and(|b| b.1 - receive > 1_000 * MS) {
            // Severe reordering or a clock jump: start over.
            self.window.clear();
            self.latest_discarded_send = None;
        }
        while self.outside() {
            if let Some(f) = self.window.pop_front() {
                self.latest_discarded_send = Some(self.latest_discarded_send.map_or(f.0, |d| d.max(f.0)));
            }
        }
    }

    fn outside(&self) -> bool {
        let (Some(f), Some(b)) = (self.window.front(), self.window.back()) else {
            return false;
        };
        let span = b.1 - f.1;
        self.window.len() > ROBUST_MAX_WINDOW_PACKETS
            || span > ROBUST_MAX_WINDOW
            || (self.window.len() > ROBUST_WINDOW_PACKETS && span > ROBUST_WINDOW)
    }

    pub fn bitrate_bps(&self) -> Option<f64> {
        if self.window.len() < ROBUST_REQUIRED_PACKETS {
            return None;
        }
        let (mut largest, mut second) = (0, 0);
        for w in self.window.iter().collect::<Vec<_>>().windows(2) {
            let gap = w[1].1 - w[0].1;
            if gap > largest {
                second = largest;
                largest = gap;
            } else if gap > second {
                second = gap;
            }
        }
        let (first_recv, first_recv_size) = self.window.front().map(|p| (p.1, p.2))?;
        let last_recv = self.window.back().map(|p| p.1)?;
        let recv_size: i64 = self.window.iter().map(|p| p.2).sum::<i64>() - first_recv_size;
        let recv_span = ((last_recv - first_recv) - largest + second).max(MS);
        let recv_rate = recv_size as f64 * 8.0 * 1e6 / recv_span as f64;
        let counted: Vec<&(Us, Us, i64)> = self
            .window
            .iter()
            .filter(|p| self.latest_discarded_send.is_none_or(|d| p.0 >= d))
            .collect();
        if counted.len() < ROBUST_REQUIRED_PACKETS {
            return Some(recv_rate);
        }
        let first_send = counted.iter().map(|p| p.0).min()?;
        let (last_send, last_send_size) = counted.iter().map(|p| (p.0, p.2)).max_by_key(|p| p.0)?;
        let send_size: i64 = counted.iter().map(|p| p.2).sum::<i64>() - last_send_size;
        let send_rate = send_size as f64 * 8.0 * 1e6 / (last_send - first_send).max(MS) as f64;
        Some(send_rate.min(recv_rate))
    }
}
