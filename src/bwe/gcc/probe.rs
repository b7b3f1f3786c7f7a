//! Start-up probing (libwebrtc's `probe_controller.cc`: clusters at 3x and 6x the start rate, then 2x while
//! results keep coming back above 70 % of the target), the probe-result estimator
//! (`probe_bitrate_estimator.cc`) and the application-limited-region detector (`alr_detector.cc`).

use super::{MS, SEC, Us};
use std::collections::BTreeMap;

/// A cluster of packets the pacer should send back to back at `bitrate_bps`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct ProbeCluster {
    pub id: u32,
    pub bitrate_bps: f64,
    pub min_probes: u32,
    pub min_bytes: i64,
}

const MIN_PROBE_PACKETS: u32 = 5;
const MIN_PROBE_DURATION: Us = 15 * MS;
const FIRST_SCALE: f64 = 3.0;
const SECOND_SCALE: f64 = 6.0;
const FURTHER_SCALE: f64 = 2.0;
const FURTHER_THRESHOLD: f64 = 0.7;
const MAX_WAIT_FOR_RESULT: Us = SEC;
/// Capacity probing: after this long in steady increase without a probe, probe at twice the estimate. 3 s cost
/// utilisation in a full link (each probe burst can trip the overuse detector); 8 s found new capacity too late
/// (RFC 8867 5.1 utilisation per phase at 3/5/8 s: 0.91/0.91/0.83/0.88, 0.93/0.87/0.92/0.90, 0.93/0.81/0.94/0.83).
const CAPACITY_PROBE_INTERVAL: Us = 5 * SEC;
/// Longest wait between capacity probes after repeated wrong raises.
const MAX_CAPACITY_PROBE_INTERVAL: Us = 40 * SEC;
/// A raise from a capacity probe counts as wrong when overuse pulls the estimate back under this factor of the
/// pre-probe estimate within `RAISE_VERDICT_WINDOW`.
const WRONG_RAISE_FACTOR: f64 = 1.15;
const RAISE_VERDICT_WINDOW: Us = 3 * SEC;
const SIGNIFICANT_RAISE: f64 = 1.3;

#[derive(Debug, Clone)]
pub struct ProbeController {
    next_id: u32,
    waiting_since: Option<Us>,
    min_to_probe_further: f64,
    max_bps: f64,
    started: bool,
    pub enabled: bool,
    /// Whether to probe for capacity while the estimate is climbing (not in libwebrtc's default controller).
    pub capacity_probing: bool,
    last_probe: Option<Us>,
    /// Ids of capacity probes: their results may raise the estimate but never lower it.
    capacity_ids: Vec<u32>,
    /// Current wait between capacity probes: doubled after each wrong raise, reset by one that holds.
    capacity_interval: Us,
    /// The last raise a capacity probe made and the estimate before it, until its verdict.
    pending_raise: Option<(Us, f64)>,
    /// Wrong raises in a row; the first is forgiven (see `on_overuse_decrease`).
    wrong_raises: u32,
}

impl ProbeController {
    pub fn new(max_bps: f64, enabled: bool) -> Self {
        Self {
            next_id: 1,
            waiting_since: None,
            min_to_probe_further: f64::INFINITY,
            max_bps,
            started: false,
            enabled,
            capacity_probing: false,
            last_probe: None,
            capacity_ids: Vec::new(),
            capacity_interval: CAPACITY_PROBE_INTERVAL,
            pending_raise: None,
            wrong_raises: 0,
        }
    }

    /// A capacity probe raised the estimate from `before_bps`.
    ///
    /// Why a verdict: a probe burst measures the bottleneck's rate, which is the capacity only when no other flow
    /// shares the link. With competitors it overstates this flow's share, the raise fills the queue and overuse
    /// takes it back (RFC 8867 5.2 and 5.4 lost tens of milliseconds of p95 delay to that). Such a raise backs
    /// the probing off exponentially; one that holds means free capacity, and probing returns to its pace.
    /// Raises of less than `SIGNIFICANT_RAISE` are not judged: in a link this flow fills alone, a probe finds the
    /// capacity a little above the estimate and the usual sawtooth takes it back, which says nothing of competitors.
    pub fn on_capacity_raise(&mut self, before_bps: f64, after_bps: f64, now: Us) {
        if after_bps > before_bps * SIGNIFICANT_RAISE {
            self.pending_raise = Some((now, before_bps));
        }
    }

    /// The delay-based estimate after an overuse decrease.
    ///
    /// One wrong raise in a row is forgiven: a flow alone on a link whose capacity just grew also sees one (the
    /// queue built in the old capacity drains late and overuse cuts the first raise back; RFC 8867 5.1 at 40 s).
    pub fn on_overuse_decrease(&mut self, estimate_bps: f64, now: Us) {
        if let Some((at, before)) = self.pending_raise
            && now - at <= RAISE_VERDICT_WINDOW
            && estimate_bps < before * WRONG_RAISE_FACTOR
        {
            self.wrong_raises += 1;
            if self.wrong_raises >= 2 {
                self.capacity_interval = (self.capacity_interval * 2).min(MAX_CAPACITY_PROBE_INTERVAL);
            }
            self.pending_raise = None;
        }
    }

    /// The wait before the next capacity probe (for the observable signals and tests).
    pub fn capacity_interval(&self) -> Us {
        self.capacity_interval
    }

    fn settle_raise(&mut self, now: Us) {
        if self
            .pending_raise
            .is_some_and(|(at, _)| now - at > RAISE_VERDICT_WINDOW)
        {
            self.capacity_interval = CAPACITY_PROBE_INTERVAL;
            self.wrong_raises = 0;
            self.pending_raise = None;
        }
    }

    /// A capacity probe when the delay-based rate has been increasing for a while: a link whose capacity grew is
    /// found in one round trip instead of at the 8 %/s multiplicative increase. Results only ever raise the
    /// estimate (see `is_capacity_probe`), so a probe into a full link costs a 15 ms burst and nothing else.
    pub fn on_steady_increase(&mut self, estimate_bps: f64, increasing_since: Us, now: Us) -> Vec<ProbeCluster> {
        if !self.enabled || !self.capacity_probing || !self.started || self.waiting_since.is_some() {
            return Vec::new();
        }
        self.settle_raise(now);
        let quiet_since = self.last_probe.map_or(increasing_since, |l| l.max(increasing_since));
        if now - quiet_since < self.capacity_interval || estimate_bps * FURTHER_SCALE > self.max_bps {
            return Vec::new();
        }
        let out = self.initiate(&[estimate_bps * FURTHER_SCALE], now);
        self.capacity_ids.extend(out.iter().map(|c| c.id));
        if self.capacity_ids.len() > 16 {
            self.capacity_ids.remove(0);
        }
        out
    }

    pub fn is_capacity_probe(&self, id: u32) -> bool {
        self.capacity_ids.contains(&id)
    }

    fn cluster(&mut self, bitrate_bps: f64) -> ProbeCluster {
        let id = self.next_id;
        self.next_id += 1;
        let min_bytes = (bitrate_bps * MIN_PROBE_DURATION as f64 / SEC as f64 / 8.0) as i64;
        ProbeCluster {
            id,
            bitrate_bps,
            min_probes: MIN_PROBE_PACKETS,
            min_bytes,
        }
    }

    fn initiate(&mut self, rates: &[f64], now: Us) -> Vec<ProbeCluster> {
        let mut out = Vec::new();
        let mut last = 0.0;
        for &r in rates {
            let r = r.min(self.max_bps);
            if r <= last {
                break;
            }
            last = r;
            out.push(self.cluster(r));
        }
        if out.is_empty() {
            self.waiting_since = None;
        } else {
            self.waiting_since = Some(now);
            self.last_probe = Some(now);
            self.min_to_probe_further = last * FURTHER_THRESHOLD;
        }
        out
    }

    /// Called once the transport is up: the initial exponential probes.
    pub fn start(&mut self, start_bps: f64, now: Us) -> Vec<ProbeCluster> {
        if !self.enabled || self.started {
            return Vec::new();
        }
        self.started = true;
        self.initiate(&[start_bps * FIRST_SCALE, start_bps * SECOND_SCALE], now)
    }

    /// A new estimate: probe further while each result reaches 70 % of the last probe.
    pub fn on_estimate(&mut self, bps: f64, now: Us) -> Vec<ProbeCluster> {
        let Some(since) = self.waiting_since else {
            return Vec::new();
        };
        if now - since > MAX_WAIT_FOR_RESULT {
            self.waiting_since = None;
            return Vec::new();
        }
        if bps > self.min_to_probe_further {
            return self.initiate(&[bps * FURTHER_SCALE], now);
        }
        Vec::new()
    }

    pub fn process(&mut self, now: Us) {
        if self.waiting_since.is_some_and(|s| now - s > MAX_WAIT_FOR_RESULT) {
            self.waiting_since = None;
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Aggregate {
    first_send: Us,
    last_send: Us,
    first_receive: Us,
    last_receive: Us,
    size_last_send: i64,
    size_first_receive: i64,
    size_total: i64,
    num: u32,
}

/// Turns the feedback of probe packets into a rate: the smaller of send and receive rate, or 95 % of the
/// receive rate when it is clearly below the send rate (the link is saturated).
#[derive(Debug, Default, Clone)]
pub struct ProbeEstimator {
    clusters: BTreeMap<u32, Aggregate>,
    last: Option<f64>,
}

impl ProbeEstimator {
    pub fn handle(&mut self, cluster: &ProbeCluster, send: Us, receive: Us, size: i64) -> Option<f64> {
        self.clusters.retain(|_, c| receive - c.last_receive < SEC);
        let c = self.clusters.entry(cluster.id).or_insert(Aggregate {
            first_send: Us::MAX,
            last_send: Us::MIN,
            first_receive: Us::MAX,
            last_receive: Us::MIN,
            ..Default::default()
        });
        if send < c.first_send {
            c.first_send = send;
        }
        if send > c.last_send {
            c.last_send = send;
            c.size_last_send = size;
        }
        if receive < c.first_receive {
            c.first_receive = receive;
            c.size_first_receive = size;
        }
        if receive > c.last_receive {
            c.last_receive = receive;
        }
        c.size_total += size;
        c.num += 1;
        if f64::from(c.num) < f64::from(cluster.min_probes) * 0.8
            || (c.size_total as f64) < cluster.min_bytes as f64 * 0.8
        {
            return None;
        }
        let send_interval = c.last_send - c.first_send;
        let recv_interval = c.last_receive - c.first_receive;
        if send_interval <= 0 || send_interval > SEC || recv_interval <= 0 || recv_interval > SEC {
            return None;
        }
        let send_rate = (c.size_total - c.size_last_send) as f64 * 8.0 * SEC as f64 / send_interval as f64;
        let recv_rate = (c.size_total - c.size_first_receive) as f64 * 8.0 * SEC as f64 / recv_interval as f64;
        if recv_rate / send_rate > 2.0 {
            return None;
        }
        let mut res = send_rate.min(recv_rate);
        if recv_rate < 0.9 * send_rate {
            res = 0.95 * recv_rate;
        }
        self.last = Some(res);
        Some(res)
    }

    pub fn take_last(&mut self) -> Option<f64> {
        self.last.take()
    }
}

/// Application-limited region: the sender uses well under its target (budget of 65 % of the target rate
/// over 500 ms above 80 % unused starts it, under 50 % ends it).
#[derive(Debug, Clone)]
pub struct AlrDetector {
    bytes_remaining: f64,
    target_bps: f64,
    last_send: Option<Us>,
    pub start: Option<Us>,
}

const ALR_USAGE_RATIO: f64 = 0.65;
const ALR_START_RATIO: f64 = 0.80;
const ALR_STOP_RATIO: f64 = 0.50;
const ALR_WINDOW: Us = 500 * MS;

impl AlrDetector {
    pub fn new(target_bps: f64) -> Self {
        Self {
            bytes_remaining: 0.0,
            target_bps,
            last_send: None,
            start: None,
        }
    }

    pub fn set_target(&mut self, bps: f64) {
        self.target_bps = bps;
    }

    fn max_bytes(&self) -> f64 {
        self.target_bps * ALR_USAGE_RATIO / 8.0 * ALR_WINDOW as f64 / SEC as f64
    }

    pub fn on_bytes_sent(&mut self, bytes: i64, now: Us) {
        let Some(last) = self.last_send.replace(now) else {
            return;
        };
        let max = self.max_bytes();
        let delta = (now - last).min(ALR_WINDOW);
        self.bytes_remaining = (self.bytes_remaining - bytes as f64).max(-max);
        self.bytes_remaining =
            (self.bytes_remaining + self.target_bps * ALR_USAGE_RATIO / 8.0 * delta as f64 / SEC as f64).min(max);
        let ratio = if max > 0.0 { self.bytes_remaining / max } else { 0.0 };
        if ratio > ALR_START_RATIO && self.start.is_none() {
            self.start = Some(now);
        } else if ratio < ALR_STOP_RATIO {
            self.start = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_probing_backs_off_after_two_wrong_raises_and_recovers() {
        let mut p = ProbeController::new(10e6, true);
        p.capacity_probing = true;
        // A small raise is not judged; the first wrong raise is forgiven.
        p.on_capacity_raise(1e6, 1.1e6, 0);
        p.on_overuse_decrease(0.9e6, SEC);
        assert_eq!(p.capacity_interval(), CAPACITY_PROBE_INTERVAL);
        p.on_capacity_raise(1e6, 2e6, 10 * SEC);
        p.on_overuse_decrease(1e6, 11 * SEC);
        assert_eq!(p.capacity_interval(), CAPACITY_PROBE_INTERVAL);
        p.on_capacity_raise(1e6, 2e6, 20 * SEC);
        p.on_overuse_decrease(1e6, 21 * SEC);
        assert_eq!(p.capacity_interval(), 2 * CAPACITY_PROBE_INTERVAL);
        for i in 0..5 {
            p.on_capacity_raise(1e6, 2e6, (30 + 10 * i) * SEC);
            p.on_overuse_decrease(1e6, (31 + 10 * i) * SEC);
        }
        assert_eq!(p.capacity_interval(), MAX_CAPACITY_PROBE_INTERVAL);
        // A raise that holds past the verdict window restores the pace.
        p.on_capacity_raise(1e6, 2e6, 100 * SEC);
        p.on_overuse_decrease(1.8e6, 101 * SEC);
        p.settle_raise(104 * SEC);
        assert_eq!(p.capacity_interval(), CAPACITY_PROBE_INTERVAL);
    }

    #[test]
    fn saturated_probe_reports_95_percent_of_receive_rate() {
        let mut e = ProbeEstimator::default();
        let c = ProbeCluster {
            id: 1,
            bitrate_bps: 2_000_000.0,
            min_probes: 5,
            min_bytes: 3750,
        };
        let mut res = None;
        // Sent at 2 Mbit/s (1000 bytes per 4 ms), received at 1 Mbit/s (one per 8 ms).
        for i in 0..6 {
            res = e.handle(&c, i * 4 * MS, 100 * MS + i * 8 * MS, 1000);
        }
        let r = res.unwrap_or(0.0);
        assert!((r - 950_000.0).abs() < 1.0, "{r}");
    }
}
