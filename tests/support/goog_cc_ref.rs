//! The reference: the `goog_cc` crate (a direct port of libwebrtc's GoogCC) behind reel's `Controller`
//! trait, so the simulator can drive both with the same packets and feedback.

use goog_cc::network_control::{NetworkControllerConfig, NetworkControllerInterface};
use goog_cc::transport::{
    NetworkAvailability, NetworkControlUpdate, PacedPacketInfo, PacketResult as RefResult, ProcessInterval, SentPacket,
    StreamsConfig, TargetRateConstraints, TransportPacketsFeedback,
};
use goog_cc::units::{DataRate, DataSize, Timestamp};
use goog_cc::{GoogCcConfig, GoogCcNetworkController};
use reel::bwe::Us;
use reel::bwe::gcc::delay::Usage;
use reel::bwe::gcc::probe::ProbeCluster;
use reel::bwe::gcc::rate::RateControlState;
use reel::bwe::gcc::{Controller, Feedback, SentInfo, Signals};

pub struct Reference {
    ctl: GoogCcNetworkController,
    target_bps: f64,
    pacing_bps: f64,
    start_bps: f64,
}

fn ts(t: Us) -> Timestamp {
    // goog_cc asserts on times at or below zero in places; shift the clock by 1 s.
    Timestamp::from_micros(t + 1_000_000)
}

fn pacing_info(p: &Option<ProbeCluster>) -> PacedPacketInfo {
    match p {
        Some(c) => PacedPacketInfo::new(c.id as i32, i64::from(c.min_probes), c.min_bytes),
        None => PacedPacketInfo::default(),
    }
}

impl Reference {
    /// libwebrtc's defaults (LossBasedBweV2 on).
    #[allow(dead_code)]
    pub fn new(start_bps: f64, min_bps: f64, max_bps: f64) -> Self {
        Self::with_loss_v2(start_bps, min_bps, max_bps, true)
    }

    /// With `loss_v2` false, goog_cc falls back to the classic loss controller reel implements.
    pub fn with_loss_v2(start_bps: f64, min_bps: f64, max_bps: f64, loss_v2: bool) -> Self {
        let constraints = TargetRateConstraints {
            at_time: ts(0),
            min_data_rate: Some(DataRate::from_bits_per_sec(min_bps as i64)),
            max_data_rate: Some(DataRate::from_bits_per_sec(max_bps as i64)),
            starting_rate: Some(DataRate::from_bits_per_sec(start_bps as i64)),
        };
        let mut config = NetworkControllerConfig {
            constraints,
            stream_based_config: StreamsConfig {
                at_time: ts(0),
                ..Default::default()
            },
            ..Default::default()
        };
        config.field_trials.loss_based_bwe_v2.enabled = loss_v2;
        let ctl = GoogCcNetworkController::new(config, GoogCcConfig { feedback_only: true });
        Self {
            ctl,
            target_bps: start_bps,
            pacing_bps: start_bps * 2.5,
            start_bps,
        }
    }

    fn apply(&mut self, u: NetworkControlUpdate) -> Vec<ProbeCluster> {
        if let Some(t) = u.target_rate {
            self.target_bps = t.target_rate.bps() as f64;
        }
        if let Some(p) = u.pacer_config {
            let us = p.time_window.us();
            if us > 0 {
                self.pacing_bps = p.data_window.bytes() as f64 * 8.0 * 1e6 / us as f64;
            }
        }
        u.probe_cluster_configs
            .iter()
            .map(|c| {
                let bps = c.target_data_rate.bps() as f64;
                ProbeCluster {
                    id: c.id as u32,
                    bitrate_bps: bps,
                    min_probes: c.target_probe_count.max(1) as u32,
                    min_bytes: (bps * c.target_duration.us() as f64 / 8e6) as i64,
                }
            })
            .collect()
    }
}

impl Controller for Reference {
    fn start(&mut self, now: Us) -> Vec<ProbeCluster> {
        let u = self.ctl.on_network_availability(NetworkAvailability {
            at_time: ts(now),
            network_available: true,
        });
        let mut probes = self.apply(u);
        let u = self.ctl.on_process_interval(ProcessInterval {
            at_time: ts(now),
            pacer_queue: None,
        });
        probes.extend(self.apply(u));
        let _ = self.start_bps;
        probes
    }

    fn on_sent(&mut self, sent: SentInfo, _now: Us) {
        let p = SentPacket {
            send_time: ts(sent.send_time),
            size: DataSize::from_bytes(sent.size),
            pacing_info: pacing_info(&sent.probe),
            sequence_number: sent.seq as i64,
            ..Default::default()
        };
        let u = self.ctl.on_sent_packet(p);
        self.apply(u);
    }

    fn on_feedback(&mut self, fb: &Feedback) -> Vec<ProbeCluster> {
        let packet_feedbacks = fb
            .packets
            .iter()
            .enumerate()
            .map(|(i, p)| RefResult {
                sent_packet: SentPacket {
                    send_time: ts(p.send_time),
                    size: DataSize::from_bytes(p.size),
                    pacing_info: pacing_info(&p.probe),
                    sequence_number: i as i64,
                    ..Default::default()
                },
                receive_time: p.recv_time.map_or(Timestamp::plus_infinity(), ts),
                ..Default::default()
            })
            .collect();
        let msg = TransportPacketsFeedback {
            feedback_time: ts(fb.feedback_time),
            packet_feedbacks,
            ..Default::default()
        };
        let u = self.ctl.on_transport_packets_feedback(msg);
        self.apply(u)
    }

    fn on_process(&mut self, now: Us) -> Vec<ProbeCluster> {
        let u = self.ctl.on_process_interval(ProcessInterval {
            at_time: ts(now),
            pacer_queue: None,
        });
        self.apply(u)
    }

    fn target_bps(&self) -> f64 {
        self.target_bps
    }

    fn pacing_bps(&self) -> f64 {
        self.pacing_bps
    }

    fn signals(&mut self) -> Signals {
        Signals {
            target_bps: self.target_bps,
            delay_based_bps: self.target_bps,
            loss_based_bps: self.target_bps,
            acked_bps: None,
            link_capacity_bps: None,
            trend: 0.0,
            threshold: 0.0,
            usage: Usage::Normal,
            rate_state: RateControlState::Hold,
            loss_fraction: 0.0,
            rtt_ms: 0.0,
            probe_bps: None,
            in_alr: false,
        }
    }
}
