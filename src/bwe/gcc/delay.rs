//! Delay-based detection: packet groups (inter-arrival), the trendline filter, the Kalman filter of
//! draft-ietf-rmcat-gcc-02, and the adaptive-threshold overuse detector they share.
//!
//! Written from libwebrtc's `inter_arrival_delta.cc`, `trendline_estimator.cc`, `overuse_estimator.cc` and
//! `overuse_detector.cc` (as ported in the `goog_cc` crate); the constants are theirs.

use super::{MS, Us};
use std::collections::VecDeque;

/// What the detector concludes about the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Usage {
    Normal,
    Underusing,
    Overusing,
}

impl Usage {
    pub fn as_str(self) -> &'static str {
        match self {
            Usage::Normal => "normal",
            Usage::Underusing => "underusing",
            Usage::Overusing => "overusing",
        }
    }
}

/// Deltas between two consecutive packet groups.
#[derive(Clone, Copy, Debug)]
pub struct GroupDeltas {
    pub send_delta: Us,
    pub arrival_delta: Us,
    pub size_delta: i64,
    pub arrival_time: Us,
}

#[derive(Clone, Copy, Debug)]
struct Group {
    first_send: Us,
    send: Us,
    first_arrival: Us,
    complete: Us,
    size: i64,
}

/// Groups packets sent within 5 ms of each other (and bursts that arrive back to back) and yields the
/// deltas between consecutive groups.
#[derive(Debug, Default)]
pub struct InterArrival {
    current: Option<Group>,
    prev: Option<Group>,
    consecutive_reordered: u32,
}

/// Packets sent within this time of a group's first packet belong to that group.
pub const SEND_GROUP_LENGTH: Us = 5 * MS;
const BURST_DELTA_THRESHOLD: Us = 5 * MS;
const MAX_BURST_DURATION: Us = 100 * MS;
const ARRIVAL_OFFSET_THRESHOLD: Us = 3_000 * MS;
const REORDERED_RESET_THRESHOLD: u32 = 3;

impl InterArrival {
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Feeds one packet (in arrival order); returns the deltas when a group has just completed.
    pub fn compute(&mut self, send: Us, arrival: Us, size: i64) -> Option<GroupDeltas> {
        let mut out = None;
        let Some(cur) = self.current.as_mut() else {
            self.current = Some(Group {
                first_send: send,
                send,
                first_arrival: arrival,
                complete: arrival,
                size,
            });
            return None;
        };
        if cur.first_send > send {
            return None; // reordered
        }
        let burst = {
            let arrival_delta = arrival - cur.complete;
            let send_delta = send - cur.send;
            send_delta == 0
                || (arrival_delta - send_delta < 0
                    && arrival_delta <= BURST_DELTA_THRESHOLD
                    && arrival - cur.first_arrival < MAX_BURST_DURATION)
        };
        let new_group = !burst && send - cur.first_send > SEND_GROUP_LENGTH;
        if new_group {
            let cur = *cur;
            if let Some(prev) = self.prev {
                let send_delta = cur.send - prev.send;
                let arrival_delta = cur.complete - prev.complete;
                if arrival_delta - send_delta >= ARRIVAL_OFFSET_THRESHOLD {
                    self.reset();
                    return None;
                }
                if arrival_delta < 0 {
                    self.consecutive_reordered += 1;
                    if self.consecutive_reordered >= REORDERED_RESET_THRESHOLD {
                        self.reset();
                    }
                    return None;
                }
                self.consecutive_reordered = 0;
                out = Some(GroupDeltas {
                    send_delta,
                    arrival_delta,
                    size_delta: cur.size - prev.size,
                    arrival_time: cur.complete,
                });
            }
            self.prev = Some(cur);
            self.current = Some(Group {
                first_send: send,
                send,
                first_arrival: arrival,
                complete: arrival,
                size,
            });
            return out;
        }
        cur.send = cur.send.max(send);
        cur.size += size;
        cur.complete = arrival;
        out
    }
}

/// The adaptive threshold (gamma) the modified trend or offset is compared with.
#[derive(Debug, Clone)]
pub struct AdaptiveThreshold {
    pub threshold_ms: f64,
    last_update: Option<Us>,
}

const K_UP: f64 = 0.0087;
const K_DOWN: f64 = 0.039;
const MAX_ADAPT_OFFSET_MS: f64 = 15.0;
const THRESHOLD_START_MS: f64 = 12.5;
const OVERUSING_TIME_THRESHOLD_MS: f64 = 10.0;

impl Default for AdaptiveThreshold {
    fn default() -> Self {
        Self {
            threshold_ms: THRESHOLD_START_MS,
            last_update: None,
        }
    }
}

impl AdaptiveThreshold {
    fn update(&mut self, modified: f64, now: Us) {
        let last = *self.last_update.get_or_insert(now);
        // Spikes far above the threshold (a route change, a burst) must not drag it up.
        if modified.abs() > self.threshold_ms + MAX_ADAPT_OFFSET_MS {
            self.last_update = Some(now);
            return;
        }
        let k = if modified.abs() < self.threshold_ms {
            K_DOWN
        } else {
            K_UP
        };
        let dt_ms = ((now - last) as f64 / MS as f64).min(100.0);
        self.threshold_ms += k * (modified.abs() - self.threshold_ms) * dt_ms;
        self.threshold_ms = self.threshold_ms.clamp(6.0, 600.0);
        self.last_update = Some(now);
    }
}

/// The overuse state machine common to both filters: overuse only after 10 ms and two samples above the
/// threshold with a non-decreasing signal.
#[derive(Debug, Clone)]
struct Hypothesis {
    time_over_using_ms: f64,
    over_counter: u32,
    state: Usage,
}

impl Default for Hypothesis {
    fn default() -> Self {
        Self {
            time_over_using_ms: -1.0,
            over_counter: 0,
            state: Usage::Normal,
        }
    }
}

impl Hypothesis {
    fn detect(&mut self, modified: f64, threshold: f64, send_delta_ms: f64, rising: bool) {
        if modified > threshold {
            if self.time_over_using_ms < 0.0 {
                // Assume we have been overusing for half the time since the last sample.
                self.time_over_using_ms = send_delta_ms / 2.0;
            } else {
                self.time_over_using_ms += send_delta_ms;
            }
            self.over_counter += 1;
            if self.time_over_using_ms > OVERUSING_TIME_THRESHOLD_MS && self.over_counter > 1 && rising {
                self.time_over_using_ms = 0.0;
                self.over_counter = 0;
                self.state = Usage::Overusing;
            }
        } else if modified < -threshold {
            self.time_over_using_ms = -1.0;
            self.over_counter = 0;
            self.state = Usage::Underusing;
        } else {
            self.time_over_using_ms = -1.0;
            self.over_counter = 0;
            self.state = Usage::Normal;
        }
    }
}

/// Which delay filter feeds the detector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterKind {
    /// libwebrtc's current trendline (linear regression over 20 groups).
    Trendline,
    /// draft-ietf-rmcat-gcc-02's Kalman filter of the queuing-delay gradient.
    Kalman,
}

/// A delay filter plus the adaptive-threshold detector.
#[derive(Debug)]
pub struct DelayDetector {
    kind: FilterKind,
    threshold: AdaptiveThreshold,
    hypothesis: Hypothesis,
    num_deltas: u32,
    // Trendline state.
    first_arrival: Option<Us>,
    accumulated_delay: f64,
    smoothed_delay: f64,
    history: VecDeque<(f64, f64)>,
    prev_trend: f64,
    // Kalman state: [slope (1/capacity), offset (ms)], covariance, measurement noise.
    slope: f64,
    offset: f64,
    prev_offset: f64,
    e: [[f64; 2]; 2],
    avg_noise: f64,
    var_noise: f64,
    ts_deltas: VecDeque<f64>,
    /// The last signal compared with the threshold (modified trend or scaled offset), in ms.
    pub modified: f64,
    /// The raw trend (slope of the regression) or the Kalman offset estimate in ms.
    pub raw: f64,
}

const TRENDLINE_WINDOW: usize = 20;
const TRENDLINE_SMOOTHING: f64 = 0.9;
const TRENDLINE_GAIN: f64 = 4.0;
const MIN_NUM_DELTAS: u32 = 60;
const DELTA_COUNTER_MAX: u32 = 1000;
const KALMAN_PROCESS_NOISE: [f64; 2] = [1e-13, 1e-3];

impl DelayDetector {
    pub fn new(kind: FilterKind) -> Self {
        Self {
            kind,
            threshold: AdaptiveThreshold::default(),
            hypothesis: Hypothesis::default(),
            num_deltas: 0,
            first_arrival: None,
            accumulated_delay: 0.0,
            smoothed_delay: 0.0,
            history: VecDeque::with_capacity(TRENDLINE_WINDOW + 1),
            prev_trend: 0.0,
            slope: 8.0 / 512.0,
            offset: 0.0,
            prev_offset: 0.0,
            e: [[100.0, 0.0], [0.0, 1e-1]],
            avg_noise: 0.0,
            var_noise: 50.0,
            ts_deltas: VecDeque::new(),
            modified: 0.0,
            raw: 0.0,
        }
    }

    pub fn state(&self) -> Usage {
        self.hypothesis.state
    }

    pub fn threshold_ms(&self) -> f64 {
        self.threshold.threshold_ms
    }

    /// Feeds the deltas of one completed packet group.
    pub fn update(&mut self, d: &GroupDeltas) {
        match self.kind {
            FilterKind::Trendline => self.update_trendline(d),
            FilterKind::Kalman => self.update_kalman(d),
        }
    }

    fn update_trendline(&mut self, d: &GroupDeltas) {
        let delta_ms = (d.arrival_delta - d.send_delta) as f64 / MS as f64;
        self.num_deltas = (self.num_deltas + 1).min(DELTA_COUNTER_MAX);
        let first = *self.first_arrival.get_or_insert(d.arrival_time);
        self.accumulated_delay += delta_ms;
        self.smoothed_delay =
            TRENDLINE_SMOOTHING * self.smoothed_delay + (1.0 - TRENDLINE_SMOOTHING) * self.accumulated_delay;
        self.history
            .push_back(((d.arrival_time - first) as f64 / MS as f64, self.smoothed_delay));
        if self.history.len() > TRENDLINE_WINDOW {
            self.history.pop_front();
        }
        let mut trend = self.prev_trend;
        if self.history.len() == TRENDLINE_WINDOW {
            trend = linear_fit_slope(&self.history).unwrap_or(trend);
        }
        self.raw = trend;
        let send_delta_ms = d.send_delta as f64 / MS as f64;
        if self.num_deltas < 2 {
            self.hypothesis.state = Usage::Normal;
            return;
        }
        let modified = f64::from(self.num_deltas.min(MIN_NUM_DELTAS)) * trend * TRENDLINE_GAIN;
        self.modified = modified;
        let rising = trend >= self.prev_trend;
        self.hypothesis
            .detect(modified, self.threshold.threshold_ms, send_delta_ms, rising);
        self.prev_trend = trend;
        self.threshold.update(modified, d.arrival_time);
    }

    fn update_kalman(&mut self, d: &GroupDeltas) {
        let t_delta = d.arrival_delta as f64 / MS as f64;
        let ts_delta = d.send_delta as f64 / MS as f64;
        let fs_delta = d.size_delta as f64;
        self.ts_deltas.push_back(ts_delta);
        if self.ts_deltas.len() > 60 {
            self.ts_deltas.pop_front();
        }
        let min_frame_period = self.ts_deltas.iter().copied().fold(f64::INFINITY, f64::min);
        self.num_deltas = (self.num_deltas + 1).min(DELTA_COUNTER_MAX);
        let state = self.hypothesis.state;
        self.e[0][0] += KALMAN_PROCESS_NOISE[0];
        self.e[1][1] += KALMAN_PROCESS_NOISE[1];
        if (state == Usage::Overusing && self.offset < self.prev_offset)
            || (state == Usage::Underusing && self.offset > self.prev_offset)
        {
            self.e[1][1] += 10.0 * KALMAN_PROCESS_NOISE[1];
        }
        let h = [fs_delta, 1.0];
        let eh = [
            self.e[0][0] * h[0] + self.e[0][1] * h[1],
            self.e[1][0] * h[0] + self.e[1][1] * h[1],
        ];
        let residual = t_delta - ts_delta - self.slope * h[0] - self.offset;
        let max_residual = 3.0 * self.var_noise.sqrt();
        let clipped = residual.clamp(-max_residual, max_residual);
        if state == Usage::Normal {
            // Noise is only learnt in the stable state, so queue build-up is not mistaken for noise.
            let alpha: f64 = if self.num_deltas > 300 { 0.002 } else { 0.01 };
            let beta = (1.0 - alpha).powf(min_frame_period * 30.0 / 1000.0);
            self.avg_noise = beta * self.avg_noise + (1.0 - beta) * clipped;
            self.var_noise = beta * self.var_noise + (1.0 - beta) * (self.avg_noise - clipped).powi(2);
            self.var_noise = self.var_noise.max(1.0);
        }
        let denom = self.var_noise + h[0] * eh[0] + h[1] * eh[1];
        let k = [eh[0] / denom, eh[1] / denom];
        let ikh = [[1.0 - k[0] * h[0], -k[0] * h[1]], [-k[1] * h[0], 1.0 - k[1] * h[1]]];
        let e = self.e;
        self.e[0][0] = e[0][0] * ikh[0][0] + e[1][0] * ikh[0][1];
        self.e[0][1] = e[0][1] * ikh[0][0] + e[1][1] * ikh[0][1];
        self.e[1][0] = e[0][0] * ikh[1][0] + e[1][0] * ikh[1][1];
        self.e[1][1] = e[0][1] * ikh[1][0] + e[1][1] * ikh[1][1];
        self.prev_offset = self.offset;
        self.slope += k[0] * residual;
        self.offset += k[1] * residual;
        if !self.offset.is_finite() || !self.slope.is_finite() {
            *self = Self::new(FilterKind::Kalman);
            return;
        }
        self.raw = self.offset;
        if self.num_deltas < 2 {
            return;
        }
        let modified = f64::from(self.num_deltas.min(MIN_NUM_DELTAS)) * self.offset;
        self.modified = modified;
        let rising = self.offset >= self.prev_offset;
        self.hypothesis
            .detect(modified, self.threshold.threshold_ms, ts_delta, rising);
        self.threshold.update(modified, d.arrival_time);
    }
}

fn linear_fit_slope(points: &VecDeque<(f64, f64)>) -> Option<f64> {
    let n = points.len() as f64;
    let (sx, sy) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let (num, den) = points.iter().fold((0.0, 0.0), |(nu, de), (x, y)| {
        (nu + (x - mx) * (y - my), de + (x - mx) * (x - mx))
    });
    (den != 0.0).then(|| num / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(det: &mut DelayDetector, ia: &mut InterArrival, extra_per_group_us: i64) -> Vec<Usage> {
        let mut states = Vec::new();
        let mut arrival = 0;
        for i in 0..200i64 {
            let send = i * 10 * MS;
            arrival += 10 * MS + extra_per_group_us;
            if let Some(d) = ia.compute(send, arrival, 1200) {
                det.update(&d);
                states.push(det.state());
            }
        }
        states
    }

    #[test]
    fn growing_delay_is_overuse_and_steady_delay_is_normal() {
        for kind in [FilterKind::Trendline, FilterKind::Kalman] {
            let mut ia = InterArrival::default();
            let mut det = DelayDetector::new(kind);
            let states = feed(&mut det, &mut ia, 2 * MS);
            assert!(states.contains(&Usage::Overusing), "{kind:?}");
            let mut ia = InterArrival::default();
            let mut det = DelayDetector::new(kind);
            let states = feed(&mut det, &mut ia, 0);
            assert!(states.iter().all(|s| *s == Usage::Normal), "{kind:?}");
        }
    }

    #[test]
    fn packets_within_five_ms_form_one_group() {
        let mut ia = InterArrival::default();
        assert!(ia.compute(0, 50 * MS, 100).is_none());
        assert!(ia.compute(2 * MS, 52 * MS, 100).is_none());
        assert!(ia.compute(10 * MS, 60 * MS, 100).is_none()); // closes group 1, no previous group
        assert!(ia.compute(20 * MS, 70 * MS, 100).is_some());
    }
}
