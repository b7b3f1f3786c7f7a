//! The loss-based controller (libwebrtc's classic `SendSideBandwidthEstimation`): under 2 % loss it grows
//! 8 % over the minimum of the last second, between 2 and 10 % it holds, above 10 % it cuts by half the loss
//! fraction at most once per 300 ms + RTT. The delay-based estimate caps it.

use super::{MS, SEC, Us};
use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub struct LossBased {
    pub current_bps: f64,
    pub delay_based_limit: f64,
    min_bps: f64,
    max_bps: f64,
    history: VecDeque<(Us, f64)>,
    lost_acc: i64,
    expected_acc: i64,
    /// The last loss fraction in 1/256 units, as RTCP carries it.
    pub fraction_loss_q8: u8,
    has_decreased_since_last_loss: bool,
    last_loss_report: Option<Us>,
    time_last_decrease: Option<Us>,
    first_report: Option<Us>,
    pub rtt: Us,
}

const LOW_LOSS: f64 = 0.02;
const HIGH_LOSS: f64 = 0.1;
const INCREASE_INTERVAL: Us = SEC;
const DECREASE_INTERVAL: Us = 300 * MS;
const START_PHASE: Us = 2 * SEC;
const MAX_FEEDBACK_INTERVAL: Us = 5 * SEC;
const LIMIT_NUM_PACKETS: i64 = 20;

impl LossBased {
    pub fn new(start_bps: f64, min_bps: f64, max_bps: f64) -> Self {
        Self {
            current_bps: start_bps,
            delay_based_limit: f64::INFINITY,
            min_bps,
            max_bps,
            history: VecDeque::new(),
            lost_acc: 0,
            expected_acc: 0,
            fraction_loss_q8: 0,
            has_decreased_since_last_loss: false,
            last_loss_report: None,
            time_last_decrease: None,
            first_report: None,
            rtt: 200 * MS,
        }
    }

    pub fn loss_fraction(&self) -> f64 {
        f64::from(self.fraction_loss_q8) / 256.0
    }

    /// A probe result or a reset sets the rate directly, uncapped by the old delay-based limit.
    pub fn set_send_bitrate(&mut self, bps: f64, now: Us) {
        self.delay_based_limit = f64::INFINITY;
        self.update_target(bps, now);
        self.history.clear();
    }

    pub fn update_delay_based(&mut self, bps: f64, now: Us) {
        self.delay_based_limit = bps;
        self.update_target(self.current_bps, now);
    }

    /// Lost and expected packet counts since the last report.
    pub fn update_packets_lost(&mut self, lost: i64, expected: i64, now: Us) {
        self.first_report.get_or_insert(now);
        if expected <= 0 {
            return;
        }
        self.lost_acc += lost;
        self.expected_acc += expected;
        if self.expected_acc < LIMIT_NUM_PACKETS {
            return;
        }
        self.has_decreased_since_last_loss = false;
        let q8 = (self.lost_acc.max(0) << 8) / self.expected_acc;
        self.fraction_loss_q8 = q8.min(255) as u8;
        self.lost_acc = 0;
        self.expected_acc = 0;
        self.last_loss_report = Some(now);
        self.update(now);
    }

    /// The periodic and per-report update of the loss-based rate.
    pub fn update(&mut self, now: Us) {
        let in_start = self.first_report.is_none_or(|t| now - t < START_PHASE);
        if self.fraction_loss_q8 == 0 && in_start {
            // Trust the delay-based estimate (and probes) while starting up without loss.
            let mut new = self.current_bps;
            if self.delay_based_limit.is_finite() {
                new = new.max(self.delay_based_limit);
            }
            if new != self.current_bps {
                self.history.clear();
                self.history.push_back((now, self.current_bps));
                self.update_target(new, now);
                return;
            }
        }
        while self
            .history
            .front()
            .is_some_and(|(t, _)| now - t + MS > INCREASE_INTERVAL)
        {
            self.history.pop_front();
        }
        while self.history.back().is_some_and(|(_, r)| self.current_bps <= *r) {
            self.history.pop_back();
        }
        self.history.push_back((now, self.current_bps));
        let Some(last_report) = self.last_loss_report else {
            self.update_target(self.current_bps, now);
            return;
        };
        if now - last_report < MAX_FEEDBACK_INTERVAL * 12 / 10 {
            let loss = self.loss_fraction();
            if loss <= LOW_LOSS {
                let min_recent = self.history.front().map_or(self.current_bps, |(_, r)| *r);
                self.update_target(min_recent * 1.08 + 1000.0, now);
                return;
            }
            if loss > HIGH_LOSS
                && !self.has_decreased_since_last_loss
                && self
                    .time_last_decrease
                    .is_none_or(|t| now - t >= DECREASE_INTERVAL + self.rtt)
            {
                self.time_last_decrease = Some(now);
                let new = self.current_bps * f64::from(512 - u32::from(self.fraction_loss_q8)) / 512.0;
                self.has_decreased_since_last_loss = true;
                self.update_target(new, now);
                return;
            }
        }
        self.update_target(self.current_bps, now);
    }

    fn update_target(&mut self, bps: f64, _now: Us) {
        self.current_bps = bps.min(self.delay_based_limit).min(self.max_bps).max(self.min_bps);
    }

    /// The rate the sender should use: the loss-based rate, itself capped by the delay-based one.
    pub fn target_bps(&self) -> f64 {
        self.current_bps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heavy_loss_cuts_by_half_the_loss_fraction() {
        let mut l = LossBased::new(1_000_000.0, 10_000.0, 1e9);
        l.update_packets_lost(0, 100, 0);
        l.update(3 * SEC);
        let before = l.target_bps();
        l.update_packets_lost(20, 100, 3 * SEC + 10 * MS);
        let after = l.target_bps();
        let expect = before * (512.0 - 51.0) / 512.0;
        assert!((after - expect).abs() < 1.0, "{before} {after} {expect}");
    }
}
