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
}
