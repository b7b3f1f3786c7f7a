//! RFC 8868 metrics from a simulation: per-flow utilisation, queuing delay percentiles and loss, per-phase
//! link utilisation, time to converge after each capacity change, and Jain's fairness index.

use super::sim::{FlowKind, SimResult};
use super::{SEC, Us};

#[derive(Clone, Debug, serde::Serialize)]
pub struct FlowSummary {
    pub name: String,
    pub kind: String,
    pub avg_recv_bps: f64,
    /// Delivered bits over the capacity while the flow was active.
    pub utilisation: f64,
    pub queue_delay_p50_ms: f64,
    pub queue_delay_p95_ms: f64,
    pub loss_rate: f64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct PhaseSummary {
    pub start_s: f64,
    pub end_s: f64,
    pub capacity_bps: f64,
    /// All flows' delivered bits over capacity, measured from 5 s into the phase to its end.
    pub steady_utilisation: f64,
    pub queue_delay_p95_ms: f64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ChangeSummary {
    pub at_s: f64,
    pub from_bps: f64,
    pub to_bps: f64,
    /// For a drop: seconds until the sum of media estimates is at or below the new capacity.
    pub below_new_capacity_s: Option<f64>,
    /// Seconds until the sum of media estimates enters 80-110 % of the capacity and stays 2 s.
    pub converge_s: Option<f64>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Summary {
    pub duration_s: f64,
    pub flows: Vec<FlowSummary>,
    pub phases: Vec<PhaseSummary>,
    pub changes: Vec<ChangeSummary>,
    /// Jain's index over every flow's average rate while active (1 = perfectly fair).
    pub jain_fairness: Option<f64>,
    pub link_utilisation: f64,
    pub queue_delay_p50_ms: f64,
    pub queue_delay_p95_ms: f64,
}

/// The p-th percentile (0-100) by nearest rank; 0 for no data.
pub fn percentile(values: &mut [f32], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    f64::from(values[rank.clamp(1, values.len()) - 1])
}

/// Jain's fairness index of the rates.
pub fn jain(rates: &[f64]) -> Option<f64> {
    let sum: f64 = rates.iter().sum();
    let sq: f64 = rates.iter().map(|r| r * r).sum();
    (rates.len() > 1 && sq > 0.0).then(|| sum * sum / (rates.len() as f64 * sq))
}

pub fn summarize(r: &SimResult) -> Summary {
    let dt = r.sample_interval as f64 / SEC as f64;
    let n = r.flow_names.len();
    let mut flows = Vec::new();
    let mut active_rates = Vec::new();
    for i in 0..n {
        let own: Vec<_> = r.samples.iter().filter(|s| s.flow == i).collect();
        // Active: from the first sample with traffic to the last.
        let first = own.iter().position(|s| s.send_bps > 0.0);
        let last = own.iter().rposition(|s| s.send_bps > 0.0);
        let (mut bits, mut cap, mut secs) = (0.0, 0.0, 0.0);
        if let (Some(a), Some(b)) = (first, last) {
            for s in &own[a..=b] {
                bits += s.recv_bps * dt;
                cap += s.capacity_bps * dt;
                secs += dt;
            }
        }
        let avg = if secs > 0.0 { bits / secs } else { 0.0 };
        active_rates.push(avg);
        let st = &r.stats[i];
        let mut d: Vec<f32> = st.delays.iter().map(|x| x.1).collect();
        flows.push(FlowSummary {
            name: r.flow_names[i].clone(),
            kind: match r.flow_kinds[i] {
                FlowKind::Media { .. } => "media".into(),
                FlowKind::Tcp(v) => format!(
                    "tcp-{}",
                    if v == super::sim::TcpVariant::Cubic {
                        "cubic"
                    } else {
                        "reno"
                    }
                ),
            },
            avg_recv_bps: avg,
            utilisation: if cap > 0.0 { bits / cap } else { 0.0 },
            queue_delay_p50_ms: percentile(&mut d, 50.0),
            queue_delay_p95_ms: percentile(&mut d, 95.0),
            loss_rate: if st.sent_packets > 0 {
                st.lost_packets as f64 / st.sent_packets as f64
            } else {
                0.0
            },
        });
    }
    // Phases between capacity changes.
    let mut bounds: Vec<Us> = vec![0];
    bounds.extend(r.capacity_changes.iter().copied());
    bounds.push(r.duration);
    let mut phases = Vec::new();
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        let from = (a + 5 * SEC).min(b);
        let in_phase = |t: f64| t > from as f64 / SEC as f64 && t <= b as f64 / SEC as f64;
        let (mut bits, mut cap) = (0.0, 0.0);
        let mut caps = Vec::new();
        for s in r.samples.iter().filter(|s| in_phase(s.time_s)) {
            bits += s.recv_bps * dt;
            if s.flow == 0 {
                cap += s.capacity_bps * dt;
                caps.push(s.capacity_bps);
            }
        }
        let mut d: Vec<f32> = r
            .stats
            .iter()
            .flat_map(|st| st.delays.iter())
            .filter(|x| x.0 >= from && x.0 < b)
            .map(|x| x.1)
            .collect();
        phases.push(PhaseSummary {
            start_s: a as f64 / SEC as f64,
            end_s: b as f64 / SEC as f64,
            capacity_bps: if caps.is_empty() {
                0.0
            } else {
                caps.iter().sum::<f64>() / caps.len() as f64
            },
            steady_utilisation: if cap > 0.0 { bits / cap } else { 0.0 },
            queue_delay_p95_ms: percentile(&mut d, 95.0),
        });
    }
    // Convergence after each change, on the sum of media estimates.
    let media: Vec<usize> = (0..n)
        .filter(|&i| matches!(r.flow_kinds[i], FlowKind::Media { .. }))
        .collect();
    let mut times: Vec<f64> = Vec::new();
    let mut sums: Vec<f64> = Vec::new();
    let mut caps: Vec<f64> = Vec::new();
    for s in r.samples.iter().filter(|s| s.flow == 0) {
        times.push(s.time_s);
        caps.push(s.capacity_bps);
    }
    sums.resize(times.len(), 0.0);
    // Samples are recorded time-major, one per flow.
    for (k, s) in r.samples.iter().enumerate() {
        if media.contains(&s.flow) && s.send_bps > 0.0 && n > 0 && k / n < sums.len() {
            sums[k / n] += s.target_bps;
        }
    }
    let mut changes = Vec::new();
    for (ci, &c) in r.capacity_changes.iter().enumerate() {
        let at = c as f64 / SEC as f64;
        let end = r.capacity_changes.get(ci + 1).map_or(r.duration, |&x| x) as f64 / SEC as f64;
        let idx: Vec<usize> = (0..times.len()).filter(|&k| times[k] > at && times[k] <= end).collect();
        let before = times.iter().rposition(|t| *t <= at).map_or(0.0, |k| caps[k]);
        let to = idx.first().map_or(0.0, |&k| caps[k]);
        let below = if to < before {
            idx.iter().find(|&&k| sums[k] <= to).map(|&k| times[k] - at)
        } else {
            None
        };
        let hold = (2.0 / dt).round() as usize;
        let ok = |k: usize| sums[k] >= 0.8 * caps[k] && sums[k] <= 1.1 * caps[k];
        let converge = idx
            .iter()
            .enumerate()
            .find(|&(j, _)| j + hold <= idx.len() && idx[j..j + hold].iter().all(|&k| ok(k)))
            .map(|(_, &k)| times[k] - at);
        changes.push(ChangeSummary {
            at_s: at,
            from_bps: before,
            to_bps: to,
            below_new_capacity_s: below,
            converge_s: converge,
        });
    }
    let total_bits: f64 = r.samples.iter().map(|s| s.recv_bps * dt).sum();
    let total_cap: f64 = r
        .samples
        .iter()
        .filter(|s| s.flow == 0)
        .map(|s| s.capacity_bps * dt)
        .sum();
    let mut all: Vec<f32> = r.stats.iter().flat_map(|st| st.delays.iter().map(|x| x.1)).collect();
    Summary {
        duration_s: r.duration as f64 / SEC as f64,
        flows,
        phases,
        changes,
        jain_fairness: jain(&active_rates),
        link_utilisation: if total_cap > 0.0 { total_bits / total_cap } else { 0.0 },
        queue_delay_p50_ms: percentile(&mut all, 50.0),
        queue_delay_p95_ms: percentile(&mut all, 95.0),
    }
}

/// The summary as readable text.
pub fn to_text(s: &Summary) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:.0} s, link utilisation {:.2}, queuing delay p50 {:.1} ms p95 {:.1} ms{}",
        s.duration_s,
        s.link_utilisation,
        s.queue_delay_p50_ms,
        s.queue_delay_p95_ms,
        s.jain_fairness
            .map_or(String::new(), |j| format!(", Jain's fairness {j:.3}"))
    );
    let _ = writeln!(
        o,
        "{:<20} {:>6} {:>10} {:>6} {:>9} {:>9} {:>7}",
        "flow", "kind", "avg kbps", "util", "p50 ms", "p95 ms", "loss %"
    );
    for f in &s.flows {
        let _ = writeln!(
            o,
            "{:<20} {:>6} {:>10.0} {:>6.2} {:>9.1} {:>9.1} {:>7.2}",
            f.name,
            f.kind.split('-').next().unwrap_or(""),
            f.avg_recv_bps / 1000.0,
            f.utilisation,
            f.queue_delay_p50_ms,
            f.queue_delay_p95_ms,
            f.loss_rate * 100.0
        );
    }
    if s.phases.len() > 1 {
        let _ = writeln!(o, "phases (steady part: from 5 s after the change):");
        for p in &s.phases {
            let _ = writeln!(
                o,
                "  {:>6.1}-{:<6.1} s  capacity {:>7.0} kbps  utilisation {:.2}  queuing p95 {:.1} ms",
                p.start_s,
                p.end_s,
                p.capacity_bps / 1000.0,
                p.steady_utilisation,
                p.queue_delay_p95_ms
            );
        }
    }
    for c in &s.changes {
        let f = |x: Option<f64>| x.map_or("never".to_string(), |v| format!("{v:.2} s"));
        let _ = writeln!(
            o,
            "  change at {:.1} s: {:.0} -> {:.0} kbps; below new capacity after {}; converged after {}",
            c.at_s,
            c.from_bps / 1000.0,
            c.to_bps / 1000.0,
            if c.to_bps < c.from_bps {
                f(c.below_new_capacity_s)
            } else {
                "-".into()
            },
            f(c.converge_s)
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jain_and_percentiles() {
        assert_eq!(jain(&[1.0, 1.0, 1.0]), Some(1.0));
        let j = jain(&[1.0, 0.0]).unwrap_or(0.0);
        assert!((j - 0.5).abs() < 1e-9);
        let mut v: Vec<f32> = (1..=100).map(|x| x as f32).collect();
        assert_eq!(percentile(&mut v, 95.0), 95.0);
    }
}
