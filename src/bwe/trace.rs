//! Capacity schedules for the bottleneck: constant, steps, and traces read from Mahimahi delivery-opportunity
//! files, "seconds Mbps" files and AlphaRTC JSON patterns (which may also carry loss, RTT and jitter).

use super::{MS, SEC, Us};
use crate::error::{Error, Result};

/// One constant-rate stretch of a schedule.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Segment {
    pub start: Us,
    pub bps: f64,
    /// Random loss for this stretch (fraction), when the trace sets it.
    pub loss: Option<f64>,
    /// Round-trip propagation delay for this stretch, when the trace sets it.
    pub rtt: Option<Us>,
    pub jitter: Option<Us>,
}

/// How the bottleneck serves bytes over time.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum Capacity {
    /// Piecewise-constant rate; with `period` the schedule repeats.
    Rate { segments: Vec<Segment>, period: Option<Us> },
    /// Mahimahi: each entry (ms) is an opportunity to deliver 1500 bytes; the trace repeats.
    Opportunities { times_ms: Vec<u64>, period_ms: u64 },
}

/// Bytes per Mahimahi delivery opportunity.
pub const MAHIMAHI_MTU: f64 = 1500.0;

impl Capacity {
    pub fn constant(bps: f64) -> Self {
        Capacity::Rate {
            segments: vec![seg(0, bps)],
            period: None,
        }
    }

    /// Steps: `(start, bps)` pairs.
    pub fn steps(steps: &[(Us, f64)]) -> Self {
        Capacity::Rate {
            segments: steps.iter().map(|&(t, b)| seg(t, b)).collect(),
            period: None,
        }
    }

    fn segment_at(&self, t: Us) -> Option<&Segment> {
        let Capacity::Rate { segments, period } = self else {
            return None;
        };
        let t = match period {
            Some(p) if *p > 0 => t.rem_euclid(*p),
            _ => t,
        };
        let i = segments.partition_point(|s| s.start <= t);
        segments.get(i.saturating_sub(1))
    }

    /// The nominal rate at time `t` (for Mahimahi, averaged over the surrounding 500 ms).
    pub fn bps_at(&self, t: Us) -> f64 {
        match self {
            Capacity::Rate { .. } => self.segment_at(t).map_or(0.0, |s| s.bps),
            Capacity::Opportunities { .. } => {
                let from = (t - 250 * MS).max(0);
                self.bytes_between(from, from + 500 * MS) * 8.0 / 0.5
            }
        }
    }

    /// Extra path properties of the segment in force at `t`.
    pub fn segment_props(&self, t: Us) -> (Option<f64>, Option<Us>, Option<Us>) {
        self.segment_at(t)
            .map_or((None, None, None), |s| (s.loss, s.rtt, s.jitter))
    }

    /// Bytes the link can serve in [from, to).
    pub fn bytes_between(&self, from: Us, to: Us) -> f64 {
        match self {
            Capacity::Rate { .. } => {
                // Integrate over segment boundaries; ticks are short so one or two segments at most.
                let mut t = from;
                let mut bytes = 0.0;
                while t < to {
                    let bps = self.bps_at(t);
                    let next = self.next_change(t).min(to);
                    bytes += bps / 8.0 * (next - t) as f64 / SEC as f64;
                    t = next;
                }
                bytes
            }
            Capacity::Opportunities { times_ms, period_ms } => {
                if times_ms.is_empty() || *period_ms == 0 {
                    return 0.0;
                }
                let count = |t_us: Us| -> f64 {
                    // Opportunities strictly before t_us (ms resolution).
                    let ms = (t_us.max(0) as u64).div_ceil(MS as u64);
                    let (laps, rem) = (ms / period_ms, ms % period_ms);
                    let within = times_ms.partition_point(|&x| x < rem) as u64;
                    (laps * times_ms.len() as u64 + within) as f64
                };
                (count(to) - count(from)) * MAHIMAHI_MTU
            }
        }
    }

    fn next_change(&self, t: Us) -> Us {
        let Capacity::Rate { segments, period } = self else {
            return Us::MAX;
        };
        let (base, local) = match period {
            Some(p) if *p > 0 => (t - t.rem_euclid(*p), t.rem_euclid(*p)),
            _ => (0, t),
        };
        let i = segments.partition_point(|s| s.start <= local);
        match segments.get(i) {
            Some(s) => base + s.start,
            None => match period {
                Some(p) if *p > 0 => base + p,
                _ => Us::MAX,
            },
        }
    }

    /// Times at which the nominal capacity changes within [0, until) (for convergence metrics).
    pub fn changes(&self, until: Us) -> Vec<Us> {
        match self {
            Capacity::Rate { .. } => {
                let mut out = Vec::new();
                let mut t = 0;
                loop {
                    let n = self.next_change(t);
                    if n >= until || n <= t {
                        break;
                    }
                    if (self.bps_at(n) - self.bps_at(t)).abs() > 1.0 {
                        out.push(n);
                    }
                    t = n;
                }
                out
            }
            Capacity::Opportunities { .. } => Vec::new(),
        }
    }
}

fn seg(start: Us, bps: f64) -> Segment {
    Segment {
        start,
        bps,
        loss: None,
        rtt: None,
        jitter: None,
    }
}

/// Reads a trace file, guessing the format from its content: JSON (AlphaRTC), one integer per line
/// (Mahimahi), or two numbers per line ("seconds Mbps").
pub fn load(path: &std::path::Path) -> Result<Capacity> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse(&text)
}

pub fn parse(text: &str) -> Result<Capacity> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return parse_alphartc(trimmed);
    }
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if lines.is_empty() {
        return Err(Error::Malformed("empty trace".into()));
    }
    if lines[0].split_whitespace().count() == 1 {
        parse_mahimahi(&lines)
    } else {
        parse_seconds_mbps(&lines)
    }
}

fn parse_mahimahi(lines: &[&str]) -> Result<Capacity> {
    let mut times = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let t: u64 = l
            .parse()
            .map_err(|_| Error::Malformed(format!("line {}: not a Mahimahi timestamp: {l:?}", i + 1)))?;
        if times.last().is_some_and(|&p| t < p) {
            return Err(Error::Malformed(format!("line {}: timestamps go backwards", i + 1)));
        }
        times.push(t);
    }
    // Mahimahi repeats the trace with a period of its last timestamp.
    let period_ms = times.last().copied().unwrap_or(0).max(1);
    Ok(Capacity::Opportunities {
        times_ms: times,
        period_ms,
    })
}

fn parse_seconds_mbps(lines: &[&str]) -> Result<Capacity> {
    let mut segments: Vec<Segment> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let mut it = l.split_whitespace();
        let (Some(a), Some(b)) = (it.next(), it.next()) else {
            return Err(Error::Malformed(format!("line {}: expected \"seconds Mbps\"", i + 1)));
        };
        let (Ok(s), Ok(m)) = (a.parse::<f64>(), b.parse::<f64>()) else {
            return Err(Error::Malformed(format!(
                "line {}: expected \"seconds Mbps\": {l:?}",
                i + 1
            )));
        };
        if !(s.is_finite() && m.is_finite() && s >= 0.0 && m >= 0.0) {
            return Err(Error::Malformed(format!("line {}: bad value", i + 1)));
        }
        let start = (s * SEC as f64) as Us;
        if segments.last().is_some_and(|p| start < p.start) {
            return Err(Error::Malformed(format!("line {}: time goes backwards", i + 1)));
        }
        segments.push(seg(start, m * 1e6));
    }
    Ok(Capacity::Rate { segments, period: None })
}

#[derive(serde::Deserialize)]
struct AlphaFile {
    uplink: AlphaLink,
}

#[derive(serde::Deserialize)]
struct AlphaLink {
    #[serde(default)]
    trace_pattern: Vec<AlphaPattern>,
}

#[derive(serde::Deserialize)]
struct AlphaPattern {
    duration: f64,
    capacity: f64,
    loss: Option<f64>,
    rtt: Option<f64>,
    jitter: Option<f64>,
}

/// AlphaRTC patterns: duration (ms), capacity (kbps), loss (fraction), rtt and jitter (ms); the pattern
/// repeats, as the challenge's gym replays it.
fn parse_alphartc(text: &str) -> Result<Capacity> {
    let f: AlphaFile = serde_json::from_str(text).map_err(|e| Error::Malformed(format!("AlphaRTC trace: {e}")))?;
    let mut segments = Vec::new();
    let mut t = 0;
    for p in &f.uplink.trace_pattern {
        if !(p.duration.is_finite() && p.duration > 0.0 && p.capacity.is_finite() && p.capacity >= 0.0) {
            return Err(Error::Malformed("AlphaRTC trace: bad duration or capacity".into()));
        }
        segments.push(Segment {
            start: t,
            bps: p.capacity * 1000.0,
            loss: p.loss.filter(|l| l.is_finite()).map(|l| l.clamp(0.0, 1.0)),
            rtt: p
                .rtt
                .filter(|r| r.is_finite() && *r > 0.0)
                .map(|r| (r * MS as f64) as Us),
            jitter: p
                .jitter
                .filter(|j| j.is_finite() && *j > 0.0)
                .map(|j| (j * MS as f64) as Us),
        });
        t = t.saturating_add((p.duration * MS as f64) as Us);
    }
    if segments.is_empty() {
        return Err(Error::Malformed("AlphaRTC trace: no trace_pattern".into()));
    }
    Ok(Capacity::Rate {
        segments,
        period: Some(t),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mahimahi_one_per_ms_is_12_mbps() {
        let c = parse("1\n").unwrap_or_else(|_| Capacity::constant(0.0));
        assert!((c.bps_at(5 * SEC) - 12e6).abs() < 1e5, "{}", c.bps_at(5 * SEC));
    }

    #[test]
    fn seconds_mbps_and_alphartc() {
        let c = parse("0 1.5\n2 0.5\n").unwrap_or_else(|_| Capacity::constant(0.0));
        assert_eq!(c.bps_at(SEC), 1.5e6);
        assert_eq!(c.bps_at(3 * SEC), 0.5e6);
        assert_eq!(c.changes(10 * SEC), vec![2 * SEC]);
        let j = r#"{"uplink":{"trace_pattern":[{"duration":500,"capacity":1000,"loss":0.2,"rtt":100,"jitter":0}]}}"#;
        let c = parse(j).unwrap_or_else(|_| Capacity::constant(0.0));
        assert_eq!(c.bps_at(SEC), 1e6);
        assert_eq!(c.segment_props(0), (Some(0.2), Some(100 * MS), None));
        assert!(parse("hello world\n").is_err());
    }
}
