//! A packet-level simulator of one bottleneck shared by media flows (each driven by a congestion
//! controller) and TCP-like flows: capacity schedule, drop-tail queue, propagation delay, jitter, random and
//! Gilbert-Elliott loss, a paced media sender and transport-wide feedback every 50-100 ms.
//!
//! It advances in 1 ms ticks but keeps packet times exact to the microsecond: a packet's service starts
//! when the link is free and it has arrived, and lasts its size over the current rate.

use super::gcc::probe::ProbeCluster;
use super::gcc::{Controller, Feedback, PacketResult, SentInfo, Signals};
use super::trace::Capacity;
use super::{MS, Rng, SEC, Us};
use std::collections::VecDeque;

/// How the bottleneck queue is bounded.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub enum QueueLimit {
    /// Bytes that drain in this time at the current capacity.
    Time(Us),
    Bytes(i64),
}

/// Random loss on the forward path, before the bottleneck.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub enum LossModel {
    None,
    Random(f64),
    /// Two-state Markov loss: p = P(good->bad), r = P(bad->good) per packet, and the loss probability in
    /// each state.
    GilbertElliott {
        p: f64,
        r: f64,
        loss_good: f64,
        loss_bad: f64,
    },
}

/// The shared bottleneck.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LinkConfig {
    pub capacity: Capacity,
    pub queue: QueueLimit,
    /// One-way propagation delay (each flow may add its own).
    pub one_way_delay: Us,
    /// Uniform jitter added to each packet's propagation delay; packets stay in order.
    pub jitter: Us,
    pub loss: LossModel,
}

/// TCP congestion avoidance flavour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TcpVariant {
    Reno,
    Cubic,
}

/// What kind of sender a flow is.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub enum FlowKind {
    /// Paced real-time media driven by a congestion controller; `max_bps` caps the encoder.
    Media { max_bps: f64 },
    /// A bulk TCP-like transfer.
    Tcp(TcpVariant),
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct FlowConfig {
    pub name: String,
    pub kind: FlowKind,
    pub start: Us,
    pub stop: Option<Us>,
    /// Intervals [from, to) during which the sender is silent.
    pub pauses: Vec<(Us, Us)>,
    /// Added to the link's one-way delay for this flow (different RTTs).
    pub extra_delay: Us,
}

impl FlowConfig {
    fn active(&self, t: Us) -> bool {
        t >= self.start && self.stop.is_none_or(|s| t < s) && !self.pauses.iter().any(|&(a, b)| t >= a && t < b)
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct SimConfig {
    pub link: LinkConfig,
    pub flows: Vec<FlowConfig>,
    pub duration: Us,
    pub seed: u64,
    /// Interval between transport-wide feedback messages.
    pub feedback_interval: Us,
    /// Interval between recorded samples.
    pub sample_interval: Us,
}

/// One recorded sample of one flow.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Sample {
    pub time_s: f64,
    pub flow: usize,
    pub capacity_bps: f64,
    /// The controller's target (media) or cwnd / RTT (TCP).
    pub target_bps: f64,
    pub send_bps: f64,
    pub recv_bps: f64,
    pub queue_delay_ms: f64,
    pub loss: f64,
    pub signals: Option<Signals>,
}

/// Per-packet records kept for the metrics.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct FlowStats {
    /// (departure time, queuing delay in ms) of every delivered packet.
    pub delays: Vec<(Us, f32)>,
    pub sent_packets: u64,
    pub lost_packets: u64,
    pub delivered_bytes: u64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct SimResult {
    pub samples: Vec<Sample>,
    pub stats: Vec<FlowStats>,
    pub capacity_changes: Vec<Us>,
    pub duration: Us,
    pub sample_interval: Us,
    pub flow_names: Vec<String>,
    pub flow_kinds: Vec<FlowKind>,
}

#[derive(Clone, Copy, Debug)]
struct Packet {
    flow: usize,
    seq: u64,
    size: i64,
    sent: Us,
    queued: Us,
}

#[derive(Debug, Default)]
struct Counters {
    sent_bytes: i64,
    recv_bytes: i64,
    sent_packets: u64,
    lost_packets: u64,
    delay_sum_ms: f64,
    delay_n: u64,
}

/// Transport-wide feedback in flight: (sequence number, arrival time or lost).
type Report = Vec<(u64, Option<Us>)>;

struct SentRecord {
    send_time: Us,
    size: i64,
    probe: Option<ProbeCluster>,
}

struct ActiveProbe {
    cluster: ProbeCluster,
    bytes: i64,
    packets: u32,
}

struct Media {
    ctl: Box<dyn Controller>,
    max_bps: f64,
    next_frame: Us,
    pacer: VecDeque<i64>,
    next_send: Us,
    probe: Option<ActiveProbe>,
    pending_probes: VecDeque<ProbeCluster>,
    history: VecDeque<SentRecord>,
    history_base: u64,
    next_seq: u64,
    started: bool,
    // Receiver side.
    to_receiver: VecDeque<(Us, u64)>,
    received: Vec<(u64, Us)>,
    next_report_seq: u64,
    next_feedback: Us,
    feedback_in_flight: VecDeque<(Us, Report)>,
    next_process: Us,
}

struct Tcp {
    variant: TcpVariant,
    cwnd: f64,
    ssthresh: f64,
    inflight: i64,
    next_seq: u64,
    /// (time the sender learns, delivered?) for each packet.
    acks: VecDeque<(Us, bool)>,
    last_reduction: Us,
    srtt: Us,
    w_max: f64,
    epoch_start: Option<Us>,
}

const TCP_MSS: i64 = 1500;
const MEDIA_PACKET: i64 = 1200;
const PADDING_PACKET: i64 = 1000;
const TICK: Us = MS;

enum Sender {
    Media(Box<Media>),
    Tcp(Tcp),
}

/// Builds a controller for a media flow; called once per flow.
pub type ControllerFactory<'a> = dyn FnMut(usize) -> Box<dyn Controller> + 'a;

/// Runs a whole simulation.
pub fn run(config: &SimConfig, make_controller: &mut ControllerFactory) -> SimResult {
    let mut rng = Rng::new(config.seed);
    let n = config.flows.len();
    let mut senders: Vec<Sender> = config
        .flows
        .iter()
        .enumerate()
        .map(|(i, f)| match f.kind {
            FlowKind::Media { max_bps } => Sender::Media(Box::new(Media {
                ctl: make_controller(i),
                max_bps,
                next_frame: f.start,
                pacer: VecDeque::new(),
                next_send: 0,
                probe: None,
                pending_probes: VecDeque::new(),
                history: VecDeque::new(),
                history_base: 0,
                next_seq: 0,
                started: false,
                to_receiver: VecDeque::new(),
                received: Vec::new(),
                next_report_seq: 0,
                next_feedback: f.start + config.feedback_interval,
                feedback_in_flight: VecDeque::new(),
                next_process: f.start,
            })),
            FlowKind::Tcp(variant) => Sender::Tcp(Tcp {
                variant,
                cwnd: 10.0,
                ssthresh: f64::INFINITY,
                inflight: 0,
                next_seq: 0,
                acks: VecDeque::new(),
                last_reduction: Us::MIN / 2,
                srtt: 2 * (config.link.one_way_delay + f.extra_delay),
                w_max: 0.0,
                epoch_start: None,
            }),
        })
        .collect();
    let mut queue: VecDeque<Packet> = VecDeque::new();
    let mut queue_bytes: i64 = 0;
    let mut link_free_at: Us = 0;
    let mut opportunity_credit: f64 = 0.0;
    let mut ge_bad = false;
    let mut last_recv: Vec<Us> = vec![0; n];
    let mut counters: Vec<Counters> = (0..n).map(|_| Counters::default()).collect();
    let mut stats: Vec<FlowStats> = (0..n).map(|_| FlowStats::default()).collect();
    let mut samples = Vec::new();
    let mut next_sample = config.sample_interval;
    let mut outgoing: Vec<Packet> = Vec::new();
    let mut delivered: Vec<(Packet, Us)> = Vec::new();

    let mut t: Us = 0;
    while t < config.duration {
        let t_end = t + TICK;
        let (seg_loss, seg_rtt, seg_jitter) = config.link.capacity.segment_props(t);
        let base_owd = seg_rtt.map_or(config.link.one_way_delay, |r| r / 2);
        outgoing.clear();
        // Senders.
        for (i, s) in senders.iter_mut().enumerate() {
            let fc = &config.flows[i];
            let active = fc.active(t);
            match s {
                Sender::Media(m) => media_send(m, i, active, t, t_end, &mut rng, &mut outgoing),
                Sender::Tcp(tcp) => {
                    if active {
                        while (tcp.inflight as f64) < tcp.cwnd.floor().max(1.0) {
                            outgoing.push(Packet {
                                flow: i,
                                seq: tcp.next_seq,
                                size: TCP_MSS,
                                sent: t,
                                queued: t,
                            });
                            tcp.next_seq += 1;
                            tcp.inflight += 1;
                        }
                    }
                }
            }
        }
        outgoing.sort_by_key(|p| p.sent);
        // Forward-path loss, then the drop-tail queue.
        for p in outgoing.iter() {
            counters[p.flow].sent_bytes += p.size;
            counters[p.flow].sent_packets += 1;
            stats[p.flow].sent_packets += 1;
            let lost = match (seg_loss, config.link.loss) {
                (Some(l), _) => rng.chance(l),
                (None, LossModel::None) => false,
                (None, LossModel::Random(l)) => rng.chance(l),
                (
                    None,
                    LossModel::GilbertElliott {
                        p: pgb,
                        r,
                        loss_good,
                        loss_bad,
                    },
                ) => {
                    ge_bad = if ge_bad { !rng.chance(r) } else { rng.chance(pgb) };
                    rng.chance(if ge_bad { loss_bad } else { loss_good })
                }
            };
            let limit = match config.link.queue {
                QueueLimit::Bytes(b) => b,
                QueueLimit::Time(d) => {
                    (config.link.capacity.bps_at(p.sent) / 8.0 * d as f64 / SEC as f64).max(3000.0) as i64
                }
            };
            if lost || queue_bytes + p.size > limit {
                counters[p.flow].lost_packets += 1;
                stats[p.flow].lost_packets += 1;
                on_lost(&mut senders[p.flow], p, base_owd + config.flows[p.flow].extra_delay);
                continue;
            }
            queue_bytes += p.size;
            queue.push_back(*p);
        }
        // The bottleneck serves the queue.
        delivered.clear();
        match &config.link.capacity {
            Capacity::Rate { .. } => {
                while let Some(head) = queue.front() {
                    let start = link_free_at.max(head.queued);
                    if start >= t_end {
                        break;
                    }
                    let bps = config.link.capacity.bps_at(start);
                    if bps < 1.0 {
                        // Outage: wait for the next tick (the schedule may change).
                        link_free_at = t_end;
                        break;
                    }
                    let finish = start + (head.size as f64 * 8.0 * SEC as f64 / bps) as Us;
                    let p = *head;
                    queue.pop_front();
                    queue_bytes -= p.size;
                    link_free_at = finish;
                    delivered.push((p, start - p.queued));
                }
            }
            Capacity::Opportunities { .. } => {
                let bytes = config.link.capacity.bytes_between(t, t_end);
                if queue.is_empty() {
                    opportunity_credit = 0.0;
                } else {
                    opportunity_credit += bytes;
                }
                while let Some(head) = queue.front() {
                    if head.queued > t || (head.size as f64) > opportunity_credit {
                        break;
                    }
                    let p = *head;
                    queue.pop_front();
                    queue_bytes -= p.size;
                    opportunity_credit -= p.size as f64;
                    delivered.push((p, t - p.queued));
                }
                if queue.is_empty() {
                    opportunity_credit = 0.0;
                }
            }
        }
        // Propagation to the receivers.
        for &(p, qdelay) in &delivered {
            let departure = p.queued + qdelay;
            let jitter = seg_jitter.unwrap_or(config.link.jitter);
            let j = if jitter > 0 {
                (rng.uniform() * jitter as f64) as Us
            } else {
                0
            };
            let owd = base_owd + config.flows[p.flow].extra_delay;
            let arrival = (departure + owd + j).max(last_recv[p.flow]);
            last_recv[p.flow] = arrival;
            let qms = qdelay as f64 / MS as f64;
            counters[p.flow].recv_bytes += p.size;
            counters[p.flow].delay_sum_ms += qms;
            counters[p.flow].delay_n += 1;
            stats[p.flow].delays.push((departure, qms as f32));
            stats[p.flow].delivered_bytes += p.size as u64;
            match &mut senders[p.flow] {
                Sender::Media(m) => m.to_receiver.push_back((arrival, p.seq)),
                Sender::Tcp(tcp) => tcp.acks.push_back((arrival + owd, true)),
            }
        }
        // Receivers, feedback and controllers.
        for (i, s) in senders.iter_mut().enumerate() {
            let owd = base_owd + config.flows[i].extra_delay;
            match s {
                Sender::Media(m) => media_receive_and_control(m, t_end, owd, config.feedback_interval),
                Sender::Tcp(tcp) => tcp_on_acks(tcp, t_end),
            }
        }
        t = t_end;
        if t >= next_sample {
            next_sample += config.sample_interval;
            let cap = if matches!(config.link.capacity, Capacity::Opportunities { .. }) {
                config.link.capacity.bytes_between(t - config.sample_interval, t) * 8.0 * SEC as f64
                    / config.sample_interval as f64
            } else {
                config.link.capacity.bps_at(t - 1)
            };
            let secs = config.sample_interval as f64 / SEC as f64;
            let queue_now_ms = {
                let bps = config.link.capacity.bps_at(t).max(1.0);
                queue_bytes as f64 * 8.0 / bps * 1000.0
            };
            for (i, s) in senders.iter_mut().enumerate() {
                let c = std::mem::take(&mut counters[i]);
                let (target, signals) = match s {
                    Sender::Media(m) => {
                        let sig = m.ctl.signals();
                        (sig.target_bps, Some(sig))
                    }
                    Sender::Tcp(tcp) => (
                        tcp.cwnd * TCP_MSS as f64 * 8.0 * SEC as f64 / tcp.srtt.max(MS) as f64,
                        None,
                    ),
                };
                samples.push(Sample {
                    time_s: t as f64 / SEC as f64,
                    flow: i,
                    capacity_bps: cap,
                    target_bps: target,
                    send_bps: c.sent_bytes as f64 * 8.0 / secs,
                    recv_bps: c.recv_bytes as f64 * 8.0 / secs,
                    queue_delay_ms: if c.delay_n > 0 {
                        c.delay_sum_ms / c.delay_n as f64
                    } else {
                        queue_now_ms
                    },
                    loss: if c.sent_packets > 0 {
                        c.lost_packets as f64 / c.sent_packets as f64
                    } else {
                        0.0
                    },
                    signals,
                });
            }
        }
    }
    SimResult {
        samples,
        stats,
        capacity_changes: config.link.capacity.changes(config.duration),
        duration: config.duration,
        sample_interval: config.sample_interval,
        flow_names: config.flows.iter().map(|f| f.name.clone()).collect(),
        flow_kinds: config.flows.iter().map(|f| f.kind).collect(),
    }
}

fn media_send(m: &mut Media, flow: usize, active: bool, t: Us, t_end: Us, rng: &mut Rng, out: &mut Vec<Packet>) {
    if !active {
        m.pacer.clear();
        m.probe = None;
        m.pending_probes.clear();
        return;
    }
    if !m.started {
        m.started = true;
        m.next_send = t;
        m.next_frame = t;
        let probes = m.ctl.start(t);
        m.pending_probes.extend(probes);
    }
    // The encoder: 30 frames/s at the target, a little noisy, never above the media's maximum.
    while m.next_frame < t_end {
        let rate = m.ctl.target_bps().min(m.max_bps);
        let frame_bytes = (rate / 8.0 / 30.0 * (0.9 + 0.2 * rng.uniform())).max(100.0) as i64;
        let packets = ((frame_bytes + MEDIA_PACKET - 1) / MEDIA_PACKET).max(1);
        let (base, rem) = (frame_bytes / packets, frame_bytes % packets);
        for k in 0..packets {
            m.pacer.push_back(base + i64::from(k < rem));
        }
        m.next_frame += SEC / 30;
    }
    // The pacer: probes first (media, then padding), else media at the pacing rate.
    m.next_send = m.next_send.max(t);
    while m.next_send < t_end {
        if m.probe.is_none()
            && let Some(c) = m.pending_probes.pop_front()
        {
            m.probe = Some(ActiveProbe {
                cluster: c,
                bytes: 0,
                packets: 0,
            });
        }
        let (size, probe, rate) = if let Some(p) = &mut m.probe {
            let size = m.pacer.pop_front().unwrap_or(PADDING_PACKET);
            p.bytes += size;
            p.packets += 1;
            let c = p.cluster;
            if p.bytes >= c.min_bytes && p.packets >= c.min_probes {
                m.probe = None;
            }
            (size, Some(c), c.bitrate_bps)
        } else if let Some(size) = m.pacer.pop_front() {
            (size, None, m.ctl.pacing_bps())
        } else {
            break;
        };
        let send = m.next_send;
        let seq = m.next_seq;
        m.next_seq += 1;
        m.history.push_back(SentRecord {
            send_time: send,
            size,
            probe,
        });
        m.ctl.on_sent(
            SentInfo {
                send_time: send,
                size,
                seq,
                probe,
            },
            send,
        );
        out.push(Packet {
            flow,
            seq,
            size,
            sent: send,
            queued: send,
        });
        m.next_send = send + (size as f64 * 8.0 * SEC as f64 / rate.max(1000.0)) as Us;
    }
}

fn on_lost(s: &mut Sender, p: &Packet, owd: Us) {
    if let Sender::Tcp(tcp) = s {
        // Detected by duplicate ACKs about one round trip later.
        tcp.acks.push_back((p.sent + 2 * owd, false));
    }
}

fn media_receive_and_control(m: &mut Media, t_end: Us, owd: Us, interval: Us) {
    while let Some(&(arr, seq)) = m.to_receiver.front() {
        if arr >= t_end {
            break;
        }
        m.to_receiver.pop_front();
        m.received.push((seq, arr));
    }
    if t_end >= m.next_feedback {
        m.next_feedback += interval;
        if let Some(max_seq) = m.received.iter().map(|r| r.0).max() {
            let mut report: Vec<(u64, Option<Us>)> = (m.next_report_seq..=max_seq).map(|s| (s, None)).collect();
            for &(seq, arr) in &m.received {
                if seq >= m.next_report_seq {
                    report[(seq - m.next_report_seq) as usize].1 = Some(arr);
                }
            }
            m.received.clear();
            m.next_report_seq = max_seq + 1;
            m.feedback_in_flight.push_back((t_end + owd, report));
        }
    }
    while let Some((at, _)) = m.feedback_in_flight.front() {
        if *at > t_end {
            break;
        }
        let Some((at, report)) = m.feedback_in_flight.pop_front() else {
            break;
        };
        let packets: Vec<PacketResult> = report
            .iter()
            .filter_map(|&(seq, recv)| {
                let idx = seq.checked_sub(m.history_base)? as usize;
                let rec = m.history.get(idx)?;
                Some(PacketResult {
                    send_time: rec.send_time,
                    size: rec.size,
                    recv_time: recv,
                    probe: rec.probe,
                })
            })
            .collect();
        // Forget history that has been reported.
        if let Some(&(last, _)) = report.last() {
            while m.history_base <= last && !m.history.is_empty() {
                m.history.pop_front();
                m.history_base += 1;
            }
        }
        let probes = m.ctl.on_feedback(&Feedback {
            feedback_time: at,
            packets,
        });
        m.pending_probes.extend(probes);
    }
    while m.next_process <= t_end {
        let probes = m.ctl.on_process(m.next_process);
        m.pending_probes.extend(probes);
        m.next_process += 25 * MS;
    }
}

fn tcp_on_acks(tcp: &mut Tcp, t_end: Us) {
    // Losses are pushed out of order (ahead in time); serve every event that is due.
    let mut due: Vec<(Us, bool)> = Vec::new();
    tcp.acks.retain(|&(at, ok)| {
        if at < t_end {
            due.push((at, ok));
            false
        } else {
            true
        }
    });
    due.sort_by_key(|e| e.0);
    for (at, ok) in due {
        tcp.inflight = (tcp.inflight - 1).max(0);
        if ok {
            if tcp.cwnd < tcp.ssthresh {
                tcp.cwnd += 1.0;
            } else {
                match tcp.variant {
                    TcpVariant::Reno => tcp.cwnd += 1.0 / tcp.cwnd,
                    TcpVariant::Cubic => {
                        let epoch = *tcp.epoch_start.get_or_insert(at);
                        let k = (tcp.w_max * 0.3 / 0.4).cbrt();
                        let el = (at - epoch) as f64 / SEC as f64;
                        let target = 0.4 * (el - k).powi(3) + tcp.w_max;
                        // Never slower than Reno would be (the TCP-friendly region).
                        let reno = tcp.cwnd + 1.0 / tcp.cwnd;
                        tcp.cwnd = if target > tcp.cwnd {
                            tcp.cwnd + (target - tcp.cwnd) / tcp.cwnd
                        } else {
                            reno
                        };
                    }
                }
            }
        } else if at - tcp.last_reduction > tcp.srtt {
            tcp.last_reduction = at;
            tcp.w_max = tcp.cwnd;
            let beta = if tcp.variant == TcpVariant::Cubic { 0.7 } else { 0.5 };
            tcp.cwnd = (tcp.cwnd * beta).max(2.0);
            tcp.ssthresh = tcp.cwnd;
            tcp.epoch_start = None;
        }
        tcp.cwnd = tcp.cwnd.min(10_000.0);
    }
}
