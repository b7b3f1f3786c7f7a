//! Send-side Google Congestion Control as libwebrtc's `GoogCcNetworkController` runs it, fed with
//! transport-wide feedback: delay-based estimate (packet groups, trendline or Kalman filter, adaptive
//! threshold, AIMD), acknowledged bit rate, loss-based controller, start-up probing and ALR.
//!
//! Sans-IO: every call takes the current time; nothing here reads a clock.
//!
//! Where this differs from the `goog_cc` crate (libwebrtc's current defaults), on purpose:
//! - loss: the classic controller (2 % / 10 % thresholds) that draft-ietf-rmcat-gcc and the issue describe;
//!   libwebrtc now defaults to LossBasedBweV2, which reacts to loss more smoothly;
//! - throughput: libwebrtc's default robust packet-window estimator, or (`Throughput::Bayesian`) the older
//!   Bayesian `AcknowledgedBitrateEstimator`, which ramps up much more slowly after a capacity increase;
//! - no congestion-window pushback (libwebrtc's default only drops frames with it), no periodic ALR probing
//!   (off by default there too), no network-state estimator;
//! - RTT comes from transport feedback only (as goog_cc with `feedback_only`), with no RTCP receiver reports;
//! - added by reel (on by default, `capacity_probing: false` or `--no-capacity-probing` turns it off): after 5 s
//!   of steady increase, a probe at twice the estimate whose result can only raise it, so grown capacity is
//!   found in a round trip rather than at 8 %/s.

pub mod acked;
pub mod delay;
pub mod loss;
pub mod probe;
pub mod rate;

pub use super::{MS, SEC, Us};
use acked::{AckedBitrate, RobustThroughput};
use delay::{DelayDetector, FilterKind, InterArrival, Usage};
use loss::LossBased;
use probe::{AlrDetector, ProbeCluster, ProbeController, ProbeEstimator};
use rate::{Aimd, RateControlState};
use std::collections::VecDeque;

/// One sent packet, as the sender tells the controller.
#[derive(Clone, Copy, Debug)]
pub struct SentInfo {
    pub send_time: Us,
    pub size: i64,
    /// Transport-wide sequence number.
    pub seq: u64,
    pub probe: Option<ProbeCluster>,
}

/// The fate of one packet, as reported in transport-wide feedback.
#[derive(Clone, Copy, Debug)]
pub struct PacketResult {
    pub send_time: Us,
    pub size: i64,
    /// Arrival time at the receiver (receiver clock; only differences matter); `None` when lost.
    pub recv_time: Option<Us>,
    pub probe: Option<ProbeCluster>,
}

/// One transport-feedback message, with the sender-side time it arrived.
#[derive(Clone, Debug, Default)]
pub struct Feedback {
    pub feedback_time: Us,
    pub packets: Vec<PacketResult>,
}

/// Every internal signal of the estimator at one instant.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Signals {
    pub target_bps: f64,
    pub delay_based_bps: f64,
    pub loss_based_bps: f64,
    pub acked_bps: Option<f64>,
    pub link_capacity_bps: Option<f64>,
    /// The signal compared with the threshold: modified trend (trendline) or scaled offset (Kalman), ms.
    pub trend: f64,
    pub threshold: f64,
    pub usage: Usage,
    pub rate_state: RateControlState,
    pub loss_fraction: f64,
    pub rtt_ms: f64,
    /// The last probe result, in bit/s, if one completed since the previous snapshot.
    pub probe_bps: Option<f64>,
    pub in_alr: bool,
}

/// A congestion controller the simulator can drive: ours, or a reference implementation in tests.
pub trait Controller {
    /// The transport is up; returns the probes to send.
    fn start(&mut self, now: Us) -> Vec<ProbeCluster>;
    fn on_sent(&mut self, sent: SentInfo, now: Us);
    fn on_feedback(&mut self, fb: &Feedback) -> Vec<ProbeCluster>;
    /// Called every 25 ms.
    fn on_process(&mut self, now: Us) -> Vec<ProbeCluster>;
    fn target_bps(&self) -> f64;
    fn pacing_bps(&self) -> f64;
    fn signals(&mut self) -> Signals;
}

/// Settings of the estimator.
#[derive(Clone, Copy, Debug)]
pub struct GccConfig {
    pub start_bps: f64,
    pub min_bps: f64,
    pub max_bps: f64,
    pub filter: FilterKind,
    pub probing: bool,
    /// Probe for capacity while the estimate climbs (reel's addition; off reproduces libwebrtc's controller).
    pub capacity_probing: bool,
    pub throughput: Throughput,
}

/// Which acknowledged-throughput estimator feeds AIMD and the loss controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throughput {
    /// `AcknowledgedBitrateEstimator`'s Bayesian 150 ms windows (draft-ietf-rmcat-gcc, older libwebrtc).
    Bayesian,
    /// libwebrtc's current default, the robust packet-window estimator.
    Robust,
}

impl Default for GccConfig {
    fn default() -> Self {
        Self {
            start_bps: 300_000.0,
            min_bps: 30_000.0,
            max_bps: 20_000_000.0,
            filter: FilterKind::Trendline,
            probing: true,
            capacity_probing: true,
            // libwebrtc's default: with it reel tracks the goog_cc reference within 1 % on RFC 8867 5.1.
            throughput: Throughput::Robust,
        }
    }
}

/// The whole controller.
#[derive(Debug)]
pub struct Gcc {
    config: GccConfig,
    inter_arrival: InterArrival,
    detector: DelayDetector,
    aimd: Aimd,
    acked: AckedBitrate,
    robust: RobustThroughput,
    loss: LossBased,
    probes: ProbeController,
    probe_estimator: ProbeEstimator,
    alr: AlrDetector,
    previously_in_alr: bool,
    feedback_max_rtts: VecDeque<Us>,
    rtt: Us,
    lost_since_update: i64,
    expected_since_update: i64,
    next_loss_update: Option<Us>,
    last_seen_packet: Option<Us>,
    last_probe_result: Option<f64>,
    /// When the delay-based rate control last entered the increase state (capacity probing).
    increasing_since: Option<Us>,
}

/// libwebrtc paces at 2.5 times the target so encoder overshoots drain quickly.
pub const PACING_FACTOR: f64 = 2.5;
const LOSS_UPDATE_INTERVAL: Us = SEC;
const STREAM_TIMEOUT: Us = 2 * SEC;
/// A probe far below the throughput is not trusted to drop below 85 % of that throughput.
const PROBE_DROP_THROUGHPUT_FRACTION: f64 = 0.85;

impl Gcc {
    pub fn new(config: GccConfig) -> Self {
        let congestion_min: f64 = 5_000.0;
        Self {
            config,
            inter_arrival: InterArrival::default(),
            detector: DelayDetector::new(config.filter),
            aimd: Aimd::new(config.start_bps, congestion_min.max(config.min_bps), config.max_bps),
            acked: AckedBitrate::default(),
            robust: RobustThroughput::default(),
            loss: LossBased::new(config.start_bps, config.min_bps, config.max_bps),
            probes: {
                let mut p = ProbeController::new(config.max_bps, config.probing);
                p.capacity_probing = config.capacity_probing;
                p
            },
            probe_estimator: ProbeEstimator::default(),
            alr: AlrDetector::new(config.start_bps),
            previously_in_alr: false,
            feedback_max_rtts: VecDeque::new(),
            rtt: 200 * MS,
            lost_since_update: 0,
            expected_since_update: 0,
            next_loss_update: None,
            last_seen_packet: None,
            last_probe_result: None,
            increasing_since: None,
        }
    }

    fn acked_bps(&self) -> Option<f64> {
        match self.config.throughput {
            Throughput::Bayesian => self.acked.bitrate_bps(),
            Throughput::Robust => self.robust.bitrate_bps(),
        }
    }

    fn after_target_change(&mut self, now: Us) -> Vec<ProbeCluster> {
        let target = self.loss.target_bps();
        self.alr.set_target(target);
        self.probes.on_estimate(target, now)
    }
}

impl Controller for Gcc {
    fn start(&mut self, now: Us) -> Vec<ProbeCluster> {
        self.probes.start(self.config.start_bps, now)
    }

    fn on_sent(&mut self, sent: SentInfo, now: Us) {
        self.alr.on_bytes_sent(sent.size, now.max(sent.send_time));
    }

    fn on_feedback(&mut self, fb: &Feedback) -> Vec<ProbeCluster> {
        if fb.packets.is_empty() {
            return Vec::new();
        }
        let now = fb.feedback_time;
        let mut received: Vec<&PacketResult> = fb.packets.iter().filter(|p| p.recv_time.is_some()).collect();
        received.sort_by_key(|p| (p.recv_time, p.send_time));
        // Round-trip time from this report (as goog_cc does with feedback only).
        if let Some(max_recv) = received.iter().filter_map(|p| p.recv_time).max() {
            let mut max_rtt = Us::MIN;
            let mut min_rtt = Us::MAX;
            for p in &received {
                let rtt = now - p.send_time;
                let pending = max_recv - p.recv_time.unwrap_or(max_recv);
                max_rtt = max_rtt.max(rtt);
                min_rtt = min_rtt.min(rtt - pending);
            }
            self.feedback_max_rtts.push_back(max_rtt);
            if self.feedback_max_rtts.len() > 32 {
                self.feedback_max_rtts.pop_front();
            }
            let mean = self.feedback_max_rtts.iter().sum::<Us>() / self.feedback_max_rtts.len() as Us;
            self.aimd.set_rtt(mean.max(0));
            self.rtt = min_rtt.max(0);
            self.loss.rtt = self.rtt;
        }
        self.expected_since_update += fb.packets.len() as i64;
        self.lost_since_update += (fb.packets.len() - received.len()) as i64;
        if self.next_loss_update.is_none_or(|t| now > t) {
            self.next_loss_update = Some(now + LOSS_UPDATE_INTERVAL);
            self.loss
                .update_packets_lost(self.lost_since_update, self.expected_since_update, now);
            self.lost_since_update = 0;
            self.expected_since_update = 0;
        }
        let in_alr = self.alr.start.is_some();
        if self.previously_in_alr && !in_alr {
            self.acked.set_alr_ended(now);
        }
        self.previously_in_alr = in_alr;
        for p in &received {
            if let Some(r) = p.recv_time {
                self.acked.update(r, p.size, in_alr);
                self.robust.update(p.send_time, r, p.size);
            }
        }
        let acked = self.acked_bps();
        let mut probe_bps = None;
        let mut capacity_probe = false;
        for p in &received {
            if let (Some(c), Some(r)) = (p.probe, p.recv_time)
                && let Some(res) = self.probe_estimator.handle(&c, p.send_time, r, p.size)
            {
                probe_bps = Some(res);
                capacity_probe = self.probes.is_capacity_probe(c.id);
            }
        }
        if probe_bps.is_some() {
            probe_bps = self.probe_estimator.take_last();
            if let (Some(p), Some(a)) = (probe_bps, acked) {
                let limit = self.aimd.current_bps.min(a * PROBE_DROP_THROUGHPUT_FRACTION);
                probe_bps = Some(p.max(limit));
            }
            self.last_probe_result = probe_bps;
            // A capacity probe only ever raises the estimate.
            if capacity_probe && probe_bps.is_some_and(|p| p <= self.aimd.current_bps) {
                probe_bps = None;
            }
        }
        // Delay-based part.
        if let Some(last) = self.last_seen_packet
            && received
                .first()
                .and_then(|p| p.recv_time)
                .is_some_and(|r| r - last > STREAM_TIMEOUT)
        {
            self.inter_arrival.reset();
            self.detector = DelayDetector::new(self.config.filter);
        }
        for p in &received {
            let Some(r) = p.recv_time else { continue };
            self.last_seen_packet = Some(r);
            if let Some(d) = self.inter_arrival.compute(p.send_time, r, p.size) {
                self.detector.update(&d);
            }
        }
        let usage = self.detector.state();
        let mut updated = None;
        let mut from_probe = false;
        if usage == Usage::Overusing {
            match acked {
                Some(a) if self.aimd.time_to_reduce_further(now, a) => {
                    let bps = self.aimd.update(usage, Some(a), now);
                    self.probes.on_overuse_decrease(bps, now);
                    updated = Some(bps);
                }
                None if self.aimd.valid() && self.aimd.initial_time_to_reduce_further(now) => {
                    // Overuse before any throughput is known: halve every 200 ms.
                    let half = self.aimd.current_bps / 2.0;
                    self.aimd.set_estimate(half, now);
                    updated = Some(self.aimd.current_bps);
                }
                _ => {}
            }
        } else if let Some(p) = probe_bps {
            if capacity_probe {
                self.probes.on_capacity_raise(self.aimd.current_bps, p, now);
            }
            self.aimd.set_estimate(p, now);
            updated = Some(self.aimd.current_bps);
            from_probe = true;
        } else {
            updated = Some(self.aimd.update(usage, acked, now));
        }
        if let Some(bps) = updated {
            if from_probe {
                self.loss.set_send_bitrate(bps, now);
            }
            self.loss.update_delay_based(bps, now);
        }
        if self.aimd.state == rate::RateControlState::Increase && usage == Usage::Normal {
            self.increasing_since.get_or_insert(now);
        } else {
            self.increasing_since = None;
        }
        let mut probes = self.after_target_change(now);
        if let Some(since) = self.increasing_since
            && self.loss.target_bps() >= self.aimd.current_bps * 0.95
        {
            probes.extend(self.probes.on_steady_increase(self.aimd.current_bps, since, now));
        }
        probes
    }

    fn on_process(&mut self, now: Us) -> Vec<ProbeCluster> {
        self.probes.process(now);
        self.loss.update(now);
        self.after_target_change(now)
    }

    fn target_bps(&self) -> f64 {
        self.loss.target_bps()
    }

    fn pacing_bps(&self) -> f64 {
        self.target_bps() * PACING_FACTOR
    }

    fn signals(&mut self) -> Signals {
        Signals {
            target_bps: self.loss.target_bps(),
            delay_based_bps: self.aimd.current_bps,
            loss_based_bps: self.loss.current_bps,
            acked_bps: self.acked_bps(),
            link_capacity_bps: self.aimd.link.estimate_bps(),
            trend: self.detector.modified,
            threshold: self.detector.threshold_ms(),
            usage: self.detector.state(),
            rate_state: self.aimd.state,
            loss_fraction: self.loss.loss_fraction(),
            rtt_ms: self.rtt as f64 / MS as f64,
            probe_bps: self.last_probe_result.take(),
            in_alr: self.alr.start.is_some(),
        }
    }
}
