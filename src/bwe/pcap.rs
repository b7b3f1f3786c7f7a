//! Real captures: a pcap/pcapng reader, UDP over Ethernet/SLL/raw IP, RTP with the transport-wide-cc and
//! abs-send-time header extensions, RTCP transport feedback (draft-holmer-rmcat-transport-wide-cc) and
//! RFC 8888 congestion-control feedback, and a replay of the estimator over what was captured.
//!
//! Every parser takes bytes and returns `None`/counts on anything it cannot use: a hostile capture is
//! skipped record by record, never a panic.

use super::gcc::{Controller, Feedback, Gcc, GccConfig, PacketResult, SentInfo};
use super::{MS, SEC, Us};
use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashMap};

/// One captured frame.
#[derive(Clone, Debug)]
pub struct Record<'a> {
    pub time: Us,
    pub link_type: u32,
    pub data: &'a [u8],
}

/// What the reader saw and skipped.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct CaptureCounts {
    pub format: &'static str,
    pub records: u64,
    pub truncated: u64,
    pub unknown_link_type: u64,
    pub not_udp: u64,
    pub not_rtp: u64,
    pub rtp: u64,
    pub rtcp: u64,
    pub transport_feedback: u64,
    pub rfc8888_feedback: u64,
    pub with_twcc: u64,
    pub with_abs_send_time: u64,
}

/// Limits against hostile input.
const MAX_RECORD: usize = 1 << 18;

fn u16be(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]))
}
fn u32be(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(i)?,
        *b.get(i + 1)?,
        *b.get(i + 2)?,
        *b.get(i + 3)?,
    ]))
}
fn u32e(b: &[u8], i: usize, le: bool) -> Option<u32> {
    let a = [*b.get(i)?, *b.get(i + 1)?, *b.get(i + 2)?, *b.get(i + 3)?];
    Some(if le {
        u32::from_le_bytes(a)
    } else {
        u32::from_be_bytes(a)
    })
}
fn u16e(b: &[u8], i: usize, le: bool) -> Option<u16> {
    let a = [*b.get(i)?, *b.get(i + 1)?];
    Some(if le {
        u16::from_le_bytes(a)
    } else {
        u16::from_be_bytes(a)
    })
}

/// Reads every record of a pcap or pcapng capture. Truncated trailing records are counted, not fatal;
/// a file that is not a capture at all is an error.
pub fn read_capture(data: &[u8]) -> Result<(Vec<Record<'_>>, CaptureCounts)> {
    let magic = data
        .get(..4)
        .ok_or_else(|| Error::Malformed("not a pcap or pcapng capture (too short)".into()))?;
    match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0xa1, 0xb2, 0xc3, 0xd4] | [0x4d, 0x3c, 0xb2, 0xa1] | [0xa1, 0xb2, 0x3c, 0x4d] => {
            read_pcap(data)
        }
        [0x0a, 0x0d, 0x0d, 0x0a] => read_pcapng(data),
        _ => Err(Error::Malformed(
            "not a pcap or pcapng capture (unknown magic number)".into(),
        )),
    }
}

fn read_pcap(data: &[u8]) -> Result<(Vec<Record<'_>>, CaptureCounts)> {
    let le = data[0] == 0xd4 || data[0] == 0x4d;
    let nanos = matches!(data[..4], [0x4d, 0x3c, 0xb2, 0xa1] | [0xa1, 0xb2, 0x3c, 0x4d]);
    let mut counts = CaptureCounts {
        format: "pcap",
        ..Default::default()
    };
    let link_type = u32e(data, 20, le).ok_or_else(|| Error::Malformed("truncated pcap header".into()))? & 0x0fff_ffff;
    let mut out = Vec::new();
    let mut i = 24;
    while i < data.len() {
        let (Some(sec), Some(frac), Some(incl)) = (u32e(data, i, le), u32e(data, i + 4, le), u32e(data, i + 8, le))
        else {
            counts.truncated += 1;
            break;
        };
        let incl = incl as usize;
        let start = i + 16;
        if incl > MAX_RECORD || start + incl > data.len() {
            counts.truncated += 1;
            break;
        }
        counts.records += 1;
        let frac_us = if nanos { i64::from(frac) / 1000 } else { i64::from(frac) };
        out.push(Record {
            time: i64::from(sec) * SEC + frac_us,
            link_type,
            data: &data[start..start + incl],
        });
        i = start + incl;
    }
    Ok((out, counts))
}

fn read_pcapng(data: &[u8]) -> Result<(Vec<Record<'_>>, CaptureCounts)> {
    let mut counts = CaptureCounts {
        format: "pcapng",
        ..Default::default()
    };
    let mut out = Vec::new();
    let mut le = true;
    // Per interface: link type and timestamp units per second.
    let mut interfaces: Vec<(u32, u64)> = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let Some(btype_raw) = data.get(i..i + 4) else {
            counts.truncated += 1;
            break;
        };
        if btype_raw == [0x0a, 0x0d, 0x0d, 0x0a] {
            // Section header: the byte-order magic decides the endianness of the whole section.
            match data.get(i + 8..i + 12) {
                Some([0x4d, 0x3c, 0x2b, 0x1a]) => le = true,
                Some([0x1a, 0x2b, 0x3c, 0x4d]) => le = false,
                _ => {
                    if out.is_empty() && interfaces.is_empty() {
                        return Err(Error::Malformed("not a pcapng capture (bad byte-order magic)".into()));
                    }
                    counts.truncated += 1;
                    break;
                }
            }
            interfaces.clear();
        }
        let (Some(btype), Some(blen)) = (u32e(data, i, le), u32e(data, i + 4, le)) else {
            counts.truncated += 1;
            break;
        };
        let blen = blen as usize;
        if blen < 12 || !blen.is_multiple_of(4) || i + blen > data.len() {
            counts.truncated += 1;
            break;
        }
        let body = &data[i + 8..i + blen - 4];
        match btype {
            1 => {
                let lt = u16e(body, 0, le).map_or(0, u32::from);
                let mut res = 1_000_000u64;
                // Options: look for if_tsresol (9).
                let mut o = 8;
                while let (Some(code), Some(len)) = (u16e(body, o, le), u16e(body, o + 2, le)) {
                    if code == 0 {
                        break;
                    }
                    if code == 9
                        && let Some(&v) = body.get(o + 4)
                    {
                        let e = u32::from(v & 0x7f).min(30);
                        res = if v & 0x80 != 0 {
                            1u64 << e
                        } else {
                            10u64.saturating_pow(e)
                        };
                    }
                    o += 4 + (usize::from(len)).div_ceil(4) * 4;
                }
                interfaces.push((lt, res.max(1)));
            }
            6 => {
                counts.records += 1;
                let (Some(ifid), Some(hi), Some(lo), Some(cap)) = (
                    u32e(body, 0, le),
                    u32e(body, 4, le),
                    u32e(body, 8, le),
                    u32e(body, 12, le),
                ) else {
                    counts.truncated += 1;
                    i += blen;
                    continue;
                };
                let Some(&(lt, res)) = interfaces.get(ifid as usize) else {
                    counts.unknown_link_type += 1;
                    i += blen;
                    continue;
                };
                let cap = cap as usize;
                let Some(pkt) = body.get(20..20 + cap) else {
                    counts.truncated += 1;
                    i += blen;
                    continue;
                };
                let ticks = (u64::from(hi) << 32) | u64::from(lo);
                // Clamped so that differences between any two record times cannot overflow.
                let time = (u128::from(ticks) * 1_000_000 / u128::from(res)).min(1 << 60) as i64;
                out.push(Record {
                    time,
                    link_type: lt,
                    data: pkt,
                });
            }
            3 => {
                counts.records += 1;
                if let (Some(&(lt, _)), Some(len)) = (interfaces.first(), u32e(body, 0, le))
                    && let Some(pkt) = body.get(4..4 + len as usize)
                {
                    out.push(Record {
                        time: out.last().map_or(0, |r: &Record| r.time),
                        link_type: lt,
                        data: pkt,
                    });
                }
            }
            _ => {}
        }
        i += blen;
    }
    Ok((out, counts))
}

/// A UDP datagram's payload, or why not.
pub fn udp_payload(link_type: u32, frame: &[u8]) -> std::result::Result<&[u8], Skip> {
    let ip = match link_type {
        1 => {
            let mut off = 12;
            let mut et = u16be(frame, off).ok_or(Skip::Truncated)?;
            while et == 0x8100 || et == 0x88a8 {
                off += 4;
                et = u16be(frame, off).ok_or(Skip::Truncated)?;
            }
            frame.get(off + 2..).ok_or(Skip::Truncated)?
        }
        101 | 12 | 14 | 228 | 229 => frame,
        113 => frame.get(16..).ok_or(Skip::Truncated)?,
        276 => frame.get(20..).ok_or(Skip::Truncated)?,
        0 | 108 => frame.get(4..).ok_or(Skip::Truncated)?,
        _ => return Err(Skip::UnknownLinkType),
    };
    let version = ip.first().ok_or(Skip::Truncated)? >> 4;
    let (proto, payload) = match version {
        4 => {
            let ihl = usize::from(ip[0] & 0x0f) * 4;
            let total = usize::from(u16be(ip, 2).ok_or(Skip::Truncated)?);
            let frag = u16be(ip, 6).ok_or(Skip::Truncated)?;
            if frag & 0x3fff != 0 {
                return Err(Skip::NotUdp); // fragments: not worth reassembling for RTP
            }
            if ihl < 20 || total < ihl {
                return Err(Skip::Truncated);
            }
            (
                *ip.get(9).ok_or(Skip::Truncated)?,
                ip.get(ihl..total.min(ip.len())).ok_or(Skip::Truncated)?,
            )
        }
        6 => (*ip.get(6).ok_or(Skip::Truncated)?, ip.get(40..).ok_or(Skip::Truncated)?),
        _ => return Err(Skip::NotUdp),
    };
    if proto != 17 {
        return Err(Skip::NotUdp);
    }
    let len = usize::from(u16be(payload, 4).ok_or(Skip::Truncated)?);
    if len < 8 {
        return Err(Skip::Truncated);
    }
    payload.get(8..len.min(payload.len())).ok_or(Skip::Truncated)
}

/// Why a frame was skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    Truncated,
    UnknownLinkType,
    NotUdp,
}

/// An RTP header with its one-byte or two-byte header extensions.
#[derive(Clone, Debug, PartialEq)]
pub struct Rtp {
    pub payload_type: u8,
    pub seq: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    /// (id, data) of each header extension element.
    pub extensions: Vec<(u8, Vec<u8>)>,
    pub size: usize,
}

/// Whether a UDP payload is RTCP (RFC 5761 demultiplexing by payload type 192-223).
pub fn is_rtcp(p: &[u8]) -> bool {
    p.len() >= 8 && p[0] >> 6 == 2 && (192..=223).contains(&p[1])
}

pub fn parse_rtp(p: &[u8]) -> Option<Rtp> {
    if p.len() < 12 || p[0] >> 6 != 2 || is_rtcp(p) {
        return None;
    }
    let cc = usize::from(p[0] & 0x0f);
    let mut off = 12 + 4 * cc;
    let mut extensions = Vec::new();
    if p[0] & 0x10 != 0 {
        let profile = u16be(p, off)?;
        let words = usize::from(u16be(p, off + 2)?);
        let ext = p.get(off + 4..off + 4 + 4 * words)?;
        off += 4 + 4 * words;
        let mut i = 0;
        if profile == 0xBEDE {
            while i < ext.len() {
                let b = ext[i];
                if b == 0 {
                    i += 1;
                    continue;
                }
                let id = b >> 4;
                if id == 15 {
                    break;
                }
                let len = usize::from(b & 0x0f) + 1;
                extensions.push((id, ext.get(i + 1..i + 1 + len)?.to_vec()));
                i += 1 + len;
            }
        } else if profile & 0xfff0 == 0x1000 {
            while i < ext.len() {
                let id = ext[i];
                if id == 0 {
                    i += 1;
                    continue;
                }
                let len = usize::from(*ext.get(i + 1)?);
                extensions.push((id, ext.get(i + 2..i + 2 + len)?.to_vec()));
                i += 2 + len;
            }
        }
    }
    if off > p.len() {
        return None;
    }
    Some(Rtp {
        payload_type: p[1] & 0x7f,
        seq: u16be(p, 2)?,
        timestamp: u32be(p, 4)?,
        ssrc: u32be(p, 8)?,
        extensions,
        size: p.len(),
    })
}

/// One packet's status in a feedback message: its transport-wide sequence number and arrival time
/// (receiver clock, microseconds) or `None` when reported lost.
pub type FeedbackEntry = (u16, Option<Us>);

/// An RTCP feedback message reel understands.
#[derive(Clone, Debug, PartialEq)]
pub enum RtcpFeedback {
    /// Transport-wide congestion control feedback (PT 205, FMT 15).
    TransportCc(Vec<FeedbackEntry>),
    /// RFC 8888 (PT 205, FMT 11): per SSRC, RTP sequence numbers with arrival times.
    Ccfb(Vec<(u32, u16, Option<Us>)>),
}

/// Parses every feedback message of a compound RTCP packet; other RTCP is ignored.
pub fn parse_rtcp(p: &[u8]) -> Vec<RtcpFeedback> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= p.len() {
        let (Some(&b0), Some(&pt), Some(words)) = (p.get(i), p.get(i + 1), u16be(p, i + 2)) else {
            break;
        };
        if b0 >> 6 != 2 {
            break;
        }
        let len = 4 * (usize::from(words) + 1);
        let Some(pkt) = p.get(i..i + len) else { break };
        let fmt = b0 & 0x1f;
        if pt == 205 && fmt == 15 {
            if let Some(f) = parse_transport_cc(pkt) {
                out.push(RtcpFeedback::TransportCc(f));
            }
        } else if pt == 205
            && fmt == 11
            && let Some(f) = parse_ccfb(pkt)
        {
            out.push(RtcpFeedback::Ccfb(f));
        }
        i += len;
    }
    out
}

fn parse_transport_cc(p: &[u8]) -> Option<Vec<FeedbackEntry>> {
    let base = u16be(p, 12)?;
    let count = usize::from(u16be(p, 14)?);
    let reference = (u32be(p, 16)? >> 8) as i64;
    // Reference time is a signed 24-bit count of 64 ms; arrival times are only compared, so keep it simple.
    let mut t = reference * 64 * MS;
    let mut statuses: Vec<u8> = Vec::with_capacity(count);
    let mut i = 20;
    while statuses.len() < count {
        let chunk = u16be(p, i)?;
        i += 2;
        if chunk & 0x8000 == 0 {
            let sym = ((chunk >> 13) & 0x3) as u8;
            let run = usize::from(chunk & 0x1fff);
            statuses.extend(std::iter::repeat_n(sym, run.min(count - statuses.len())));
        } else if chunk & 0x4000 == 0 {
            for k in (0..14).rev() {
                if statuses.len() < count {
                    statuses.push(((chunk >> k) & 1) as u8);
                }
            }
        } else {
            for k in (0..7).rev() {
                if statuses.len() < count {
                    statuses.push(((chunk >> (2 * k)) & 3) as u8);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(count);
    for (k, s) in statuses.iter().enumerate() {
        let seq = base.wrapping_add(k as u16);
        match s {
            1 => {
                t += i64::from(*p.get(i)?) * 250;
                i += 1;
                out.push((seq, Some(t)));
            }
            2 => {
                t += i64::from(u16be(p, i)? as i16) * 250;
                i += 2;
                out.push((seq, Some(t)));
            }
            _ => out.push((seq, None)),
        }
    }
    Some(out)
}

fn parse_ccfb(p: &[u8]) -> Option<Vec<(u32, u16, Option<Us>)>> {
    // Header (4) + sender SSRC (4), report blocks, then the 32-bit report timestamp (NTP middle bits).
    let ts_off = p.len().checked_sub(4)?;
    let report_ts = i64::from(u32be(p, ts_off)?);
    let report_us = report_ts * SEC / 65536;
    let mut out = Vec::new();
    let mut i = 8;
    while i + 8 <= ts_off {
        let ssrc = u32be(p, i)?;
        let begin = u16be(p, i + 4)?;
        let n = usize::from(u16be(p, i + 6)?);
        i += 8;
        for k in 0..n {
            let v = u16be(p, i + 2 * k)?;
            let seq = begin.wrapping_add(k as u16);
            if v & 0x8000 != 0 {
                let ato = i64::from(v & 0x1fff);
                out.push((ssrc, seq, Some(report_us - ato * SEC / 1024)));
            } else {
                out.push((ssrc, seq, None));
            }
        }
        i += 2 * n + if n.is_multiple_of(2) { 0 } else { 2 };
    }
    Some(out)
}

/// One step of a replay.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReplaySample {
    pub time_s: f64,
    pub estimate_bps: f64,
    pub sent_bps: f64,
    pub received_bps: f64,
    pub trend: f64,
    pub threshold: f64,
    pub usage: &'static str,
    pub loss: f64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ReplaySummary {
    pub counts: CaptureCounts,
    /// "sender-feedback" (RTCP transport feedback matched to sent packets), "sender-feedback-rfc8888" (RFC 8888
    /// congestion-control feedback matched by SSRC and sequence number) or "receiver" (arrival times
    /// from the capture, send times from abs-send-time or RTP timestamps).
    pub mode: &'static str,
    pub twcc_extension_id: Option<u8>,
    pub abs_send_time_extension_id: Option<u8>,
    pub duration_s: f64,
    pub packets_used: u64,
    pub mean_estimate_bps: f64,
    pub final_estimate_bps: f64,
    pub mean_received_bps: f64,
}

pub struct Replay {
    pub samples: Vec<ReplaySample>,
    pub summary: ReplaySummary,
}

/// Guesses which one-byte extension id carries `len`-byte values that mostly increase packet to packet.
fn guess_extension(rtps: &[(Us, Rtp)], len: usize, step_max: u32) -> Option<u8> {
    let mut score: HashMap<u8, (u32, u32, Option<u32>)> = HashMap::new();
    for (_, r) in rtps {
        for (id, d) in &r.extensions {
            if d.len() != len {
                continue;
            }
            let v = d.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b));
            let e = score.entry(*id).or_insert((0, 0, None));
            if let Some(prev) = e.2 {
                let diff = v.wrapping_sub(prev) & ((1u32 << (8 * len as u32)) - 1);
                if diff > 0 && diff <= step_max {
                    e.0 += 1;
                }
                e.1 += 1;
            }
            e.2 = Some(v);
        }
    }
    score
        .into_iter()
        .filter(|(_, (good, total, _))| *total >= 1 && *good * 10 >= *total * 8)
        .max_by_key(|(id, (good, _, _))| (*good, u8::MAX - id))
        .map(|(id, _)| id)
}

fn ext_value(r: &Rtp, id: Option<u8>) -> Option<u32> {
    let id = id?;
    let (_, d) = r.extensions.iter().find(|(i, _)| *i == id)?;
    Some(d.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)))
}

/// Unwraps a 16-bit sequence number to 64 bits relative to the last one seen.
fn unwrap16(last: &mut Option<i64>, v: u16) -> i64 {
    let out = match *last {
        None => i64::from(v),
        Some(l) => {
            let d = i64::from(v.wrapping_sub(l as u16) as i16);
            l + d
        }
    };
    *last = Some(out);
    out
}

/// Replays GCC over a capture.
pub fn replay(data: &[u8], config: GccConfig) -> Result<Replay> {
    let (records, mut counts) = read_capture(data)?;
    let mut rtps: Vec<(Us, Rtp)> = Vec::new();
    let mut feedbacks: Vec<(Us, RtcpFeedback)> = Vec::new();
    for rec in &records {
        let payload = match udp_payload(rec.link_type, rec.data) {
            Ok(p) => p,
            Err(Skip::Truncated) => {
                counts.truncated += 1;
                continue;
            }
            Err(Skip::UnknownLinkType) => {
                counts.unknown_link_type += 1;
                continue;
            }
            Err(Skip::NotUdp) => {
                counts.not_udp += 1;
                continue;
            }
        };
        if is_rtcp(payload) {
            counts.rtcp += 1;
            for f in parse_rtcp(payload) {
                match &f {
                    RtcpFeedback::TransportCc(_) => counts.transport_feedback += 1,
                    RtcpFeedback::Ccfb(_) => counts.rfc8888_feedback += 1,
                }
                feedbacks.push((rec.time, f));
            }
        } else if let Some(r) = parse_rtp(payload) {
            counts.rtp += 1;
            rtps.push((rec.time, r));
        } else {
            counts.not_rtp += 1;
        }
    }
    if rtps.is_empty() {
        return Err(Error::Malformed(format!(
            "no RTP packets in the capture ({} records, {} not UDP, {} not RTP, {} truncated, {} unknown link type)",
            counts.records, counts.not_udp, counts.not_rtp, counts.truncated, counts.unknown_link_type
        )));
    }
    let twcc_id = guess_extension(&rtps, 2, 64);
    let abs_id = guess_extension(&rtps, 3, 1 << 18);
    for (_, r) in &rtps {
        if ext_value(r, twcc_id).is_some() {
            counts.with_twcc += 1;
        }
        if ext_value(r, abs_id).is_some() {
            counts.with_abs_send_time += 1;
        }
    }
    let t0 = rtps
        .first()
        .map_or(0, |r| r.0)
        .min(feedbacks.first().map_or(Us::MAX, |f| f.0));
    let mut gcc = Gcc::new(config);
    let mut samples = Vec::new();
    let mut packets_used = 0u64;
    // Sender-side: RTCP transport feedback about packets seen leaving.
    let sent_by_twcc: BTreeMap<u16, (Us, i64)> = rtps
        .iter()
        .filter_map(|(t, r)| Some((ext_value(r, twcc_id)? as u16, (*t - t0, r.size as i64 + 28))))
        .collect();
    // RFC 8888 feedback names packets by SSRC and RTP sequence number.
    let sent_by_rtp: BTreeMap<(u32, u16), (Us, i64)> = rtps
        .iter()
        .map(|(t, r)| ((r.ssrc, r.seq), (*t - t0, r.size as i64 + 28)))
        .collect();
    let twcc_matched = feedbacks.iter().any(|(_, f)| match f {
        RtcpFeedback::TransportCc(v) => v.iter().any(|(s, a)| a.is_some() && sent_by_twcc.contains_key(s)),
        RtcpFeedback::Ccfb(_) => false,
    });
    let ccfb_matched = !twcc_matched
        && feedbacks.iter().any(|(_, f)| match f {
            RtcpFeedback::Ccfb(v) => v
                .iter()
                .any(|(ssrc, seq, a)| a.is_some() && sent_by_rtp.contains_key(&(*ssrc, *seq))),
            RtcpFeedback::TransportCc(_) => false,
        });
    let matched = twcc_matched || ccfb_matched;
    let mut recv_window: Vec<(Us, i64)> = Vec::new();
    let mut sent_window: Vec<(Us, i64)> = Vec::new();
    let mut push_sample = |gcc: &mut Gcc, now: Us, recv: &[(Us, i64)], sent: &[(Us, i64)]| {
        let rate = |w: &[(Us, i64)]| -> f64 {
            w.iter()
                .filter(|(t, _)| *t > now - 500 * MS && *t <= now)
                .map(|x| x.1)
                .sum::<i64>() as f64
                * 8.0
                / 0.5
        };
        let s = gcc.signals();
        samples.push(ReplaySample {
            time_s: now as f64 / SEC as f64,
            estimate_bps: s.target_bps,
            sent_bps: rate(sent),
            received_bps: rate(recv),
            trend: s.trend,
            threshold: s.threshold,
            usage: s.usage.as_str(),
            loss: s.loss_fraction,
        });
    };
    let mode;
    gcc.start(0);
    if matched {
        mode = if twcc_matched {
            "sender-feedback"
        } else {
            "sender-feedback-rfc8888"
        };
        let sent = if twcc_matched {
            sent_by_twcc.values().copied().collect::<Vec<_>>()
        } else {
            sent_by_rtp.values().copied().collect()
        };
        sent_window.extend(sent);
        sent_window.sort_unstable();
        let mut next_sent = 0usize;
        for (ft, f) in &feedbacks {
            // Each report as (send time, size, arrival) of the packets it names that the capture saw leave.
            // RFC 8888 arrival times are on the receiver's clock: only their differences matter to GCC.
            let named: Vec<((Us, i64), Option<Us>)> = match f {
                RtcpFeedback::TransportCc(entries) if twcc_matched => entries
                    .iter()
                    .filter_map(|(s, a)| Some((*sent_by_twcc.get(s)?, *a)))
                    .collect(),
                RtcpFeedback::Ccfb(entries) if ccfb_matched => entries
                    .iter()
                    .filter_map(|(ssrc, seq, a)| Some((*sent_by_rtp.get(&(*ssrc, *seq))?, *a)))
                    .collect(),
                _ => continue,
            };
            let now = ft - t0;
            while next_sent < sent_window.len() && sent_window[next_sent].0 <= now {
                let (t, size) = sent_window[next_sent];
                gcc.on_sent(
                    SentInfo {
                        send_time: t,
                        size,
                        seq: next_sent as u64,
                        probe: None,
                    },
                    t,
                );
                next_sent += 1;
            }
            let packets: Vec<PacketResult> = named
                .into_iter()
                .map(|((t, size), a)| PacketResult {
                    send_time: t,
                    size,
                    recv_time: a,
                    probe: None,
                })
                .collect();
            packets_used += packets.len() as u64;
            for p in &packets {
                if let Some(a) = p.recv_time {
                    recv_window.push((now - (now - a).clamp(0, 0), p.size));
                }
            }
            gcc.on_process(now);
            gcc.on_feedback(&Feedback {
                feedback_time: now,
                packets,
            });
            push_sample(&mut gcc, now, &recv_window, &sent_window);
        }
    } else {
        mode = "receiver";
        // Send times: abs-send-time (6.18 fixed-point seconds, wraps every 64 s), else RTP timestamps at
        // 90 kHz per SSRC. Arrival times: the capture's.
        let mut last_abs: Option<(u32, i64)> = None;
        let mut rtp_base: HashMap<u32, (u32, i64, Us)> = HashMap::new();
        let mut seq_last: Option<i64> = None;
        let mut pending: Vec<PacketResult> = Vec::new();
        let mut next_feedback = 0;
        for (t, r) in &rtps {
            let arrival = t - t0;
            let send = if let Some(v) = ext_value(r, abs_id) {
                let (prev, acc) = last_abs.unwrap_or((v, 0));
                let d = i64::from(v.wrapping_sub(prev) & 0xff_ffff);
                let d = if d > 0x80_0000 { d - 0x100_0000 } else { d };
                let acc = acc.saturating_add(d);
                last_abs = Some((v, acc));
                acc.saturating_mul(SEC) / (1 << 18)
            } else {
                let e = rtp_base.entry(r.ssrc).or_insert((r.timestamp, 0, arrival));
                let d = i64::from(r.timestamp.wrapping_sub(e.0) as i32);
                e.0 = r.timestamp;
                e.1 = e.1.saturating_add(d);
                e.2.saturating_add(e.1.saturating_mul(SEC) / 90_000)
            };
            let _ = unwrap16(&mut seq_last, ext_value(r, twcc_id).map_or(r.seq, |v| v as u16));
            let size = r.size as i64 + 28;
            gcc.on_sent(
                SentInfo {
                    send_time: send,
                    size,
                    seq: packets_used,
                    probe: None,
                },
                send,
            );
            pending.push(PacketResult {
                send_time: send,
                size,
                recv_time: Some(arrival),
                probe: None,
            });
            recv_window.push((arrival, size));
            packets_used += 1;
            if arrival - next_feedback > 10 * SEC {
                // A jump in the capture's clock: skip the silent stretch instead of stepping through it.
                next_feedback = arrival - arrival.rem_euclid(50 * MS);
            }
            while arrival >= next_feedback {
                let now = next_feedback;
                next_feedback += 50 * MS;
                gcc.on_process(now);
                if !pending.is_empty() {
                    let packets = std::mem::take(&mut pending);
                    gcc.on_feedback(&Feedback {
                        feedback_time: now,
                        packets,
                    });
                }
                push_sample(&mut gcc, now, &recv_window, &sent_window);
                recv_window.retain(|(x, _)| *x > now - SEC);
            }
        }
    }
    let duration = samples.last().map_or(0.0, |s| s.time_s);
    let n = samples.len().max(1) as f64;
    let summary = ReplaySummary {
        counts,
        mode,
        twcc_extension_id: twcc_id,
        abs_send_time_extension_id: abs_id,
        duration_s: duration,
        packets_used,
        mean_estimate_bps: samples.iter().map(|s| s.estimate_bps).sum::<f64>() / n,
        final_estimate_bps: samples.last().map_or(0.0, |s| s.estimate_bps),
        mean_received_bps: samples.iter().map(|s| s.received_bps).sum::<f64>() / n,
    };
    Ok(Replay { samples, summary })
}

pub fn series_csv(s: &[ReplaySample]) -> String {
    use std::fmt::Write;
    let mut o = String::from("time_s,estimate_bps,sent_bps,received_bps,trend,threshold,usage,loss\n");
    for x in s {
        let _ = writeln!(
            o,
            "{:.3},{:.0},{:.0},{:.0},{:.3},{:.3},{},{:.4}",
            x.time_s, x.estimate_bps, x.sent_bps, x.received_bps, x.trend, x.threshold, x.usage, x.loss
        );
    }
    o
}

pub fn summary_text(s: &ReplaySummary) -> String {
    let c = &s.counts;
    format!(
        "{} capture: {} records, {} RTP, {} RTCP ({} transport-cc, {} RFC 8888 feedback)\n\
         skipped: {} not UDP, {} not RTP, {} truncated, {} unknown link type\n\
         extensions: transport-wide-cc id {}, abs-send-time id {}\n\
         replay ({}): {:.1} s, {} packets; estimate mean {:.0} kbps, final {:.0} kbps; received mean {:.0} kbps\n",
        c.format,
        c.records,
        c.rtp,
        c.rtcp,
        c.transport_feedback,
        c.rfc8888_feedback,
        c.not_udp,
        c.not_rtp,
        c.truncated,
        c.unknown_link_type,
        s.twcc_extension_id.map_or("none".into(), |v| v.to_string()),
        s.abs_send_time_extension_id.map_or("none".into(), |v| v.to_string()),
        s.mode,
        s.duration_s,
        s.packets_used,
        s.mean_estimate_bps / 1000.0,
        s.final_estimate_bps / 1000.0,
        s.mean_received_bps / 1000.0
    )
}

/// Builders of small synthetic captures, for tests and fuzzing seeds.
pub mod synth {
    use super::Us;

    /// A classic pcap file (microsecond, little-endian, Ethernet) holding the given UDP payloads.
    pub fn pcap(packets: &[(Us, Vec<u8>)]) -> Vec<u8> {
        let mut o = Vec::new();
        o.extend_from_slice(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
        o.extend_from_slice(&[0; 8]);
        o.extend_from_slice(&65535u32.to_le_bytes());
        o.extend_from_slice(&1u32.to_le_bytes());
        for (t, payload) in packets {
            let frame = ethernet_udp(payload);
            o.extend_from_slice(&((t / 1_000_000) as u32).to_le_bytes());
            o.extend_from_slice(&((t % 1_000_000) as u32).to_le_bytes());
            o.extend_from_slice(&(frame.len() as u32).to_le_bytes());
            o.extend_from_slice(&(frame.len() as u32).to_le_bytes());
            o.extend_from_slice(&frame);
        }
        o
    }

    /// Ethernet + IPv4 + UDP around a payload.
    pub fn ethernet_udp(payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        let total = (20 + 8 + payload.len()) as u16;
        f.extend_from_slice(&[0x45, 0, (total >> 8) as u8, total as u8, 0, 0, 0x40, 0, 64, 17, 0, 0]);
        f.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        let ulen = (8 + payload.len()) as u16;
        f.extend_from_slice(&[0x13, 0x88, 0x13, 0x89, (ulen >> 8) as u8, ulen as u8, 0, 0]);
        f.extend_from_slice(payload);
        f
    }

    /// An RTP packet of `size` bytes with one-byte extensions: transport-wide seq (id 5) and
    /// abs-send-time (id 3).
    pub fn rtp(seq: u16, twcc: u16, send_time: Us, size: usize) -> Vec<u8> {
        let mut p = vec![0x90, 96];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&((send_time / 11) as u32).to_be_bytes());
        p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
        p.extend_from_slice(&[0xBE, 0xDE, 0, 2]);
        let abs = ((send_time as i128 * (1 << 18) / 1_000_000) as u32) & 0xff_ffff;
        p.extend_from_slice(&[0x32, (abs >> 16) as u8, (abs >> 8) as u8, abs as u8]);
        p.extend_from_slice(&[0x51, (twcc >> 8) as u8, twcc as u8, 0]);
        p.resize(size.max(p.len()), 0);
        p
    }

    /// A transport-wide feedback RTCP packet (two-bit status vectors, two-byte deltas).
    pub fn transport_cc(base: u16, arrivals: &[Option<Us>], fb_count: u8) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&1u32.to_be_bytes());
        body.extend_from_slice(&0x1234_5678u32.to_be_bytes());
        body.extend_from_slice(&base.to_be_bytes());
        body.extend_from_slice(&(arrivals.len() as u16).to_be_bytes());
        let reference = arrivals.iter().flatten().next().copied().unwrap_or(0) / 64_000;
        body.extend_from_slice(&(((reference as u32) << 8) | u32::from(fb_count)).to_be_bytes());
        for chunk in arrivals.chunks(7) {
            let mut v: u16 = 0xC000;
            for (k, a) in chunk.iter().enumerate() {
                if a.is_some() {
                    v |= 2 << (2 * (6 - k));
                }
            }
            body.extend_from_slice(&v.to_be_bytes());
        }
        let mut t = reference * 64_000;
        for a in arrivals.iter().flatten() {
            let d = ((a - t) / 250).clamp(-32768, 32767) as i16;
            t += i64::from(d) * 250;
            body.extend_from_slice(&d.to_be_bytes());
        }
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        let words = (body.len() / 4) as u16;
        let mut p = vec![0x80 | 15, 205];
        p.extend_from_slice(&words.to_be_bytes());
        p.extend_from_slice(&body);
        p
    }

    /// An RFC 8888 congestion-control feedback packet for one SSRC: arrival times (receiver clock) of
    /// sequence numbers `begin..`, reported at `report_time`.
    pub fn ccfb(ssrc: u32, begin: u16, arrivals: &[Option<Us>], report_time: Us) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&1u32.to_be_bytes());
        body.extend_from_slice(&ssrc.to_be_bytes());
        body.extend_from_slice(&begin.to_be_bytes());
        body.extend_from_slice(&(arrivals.len() as u16).to_be_bytes());
        for a in arrivals {
            let v: u16 = match a {
                // Received, ECN not-ECT, arrival time offset in 1/1024 s before the report.
                Some(t) => 0x8000 | (((report_time - t) * 1024 / 1_000_000).clamp(0, 0x1ffe) as u16),
                None => 0,
            };
            body.extend_from_slice(&v.to_be_bytes());
        }
        if arrivals.len() % 2 == 1 {
            body.extend_from_slice(&[0, 0]);
        }
        body.extend_from_slice(&((report_time * 65536 / 1_000_000) as u32).to_be_bytes());
        let words = (body.len() / 4) as u16;
        let mut p = vec![0x80 | 11, 205];
        p.extend_from_slice(&words.to_be_bytes());
        p.extend_from_slice(&body);
        p
    }

    /// A receiver-side capture: 1200-byte packets every `interval` through a bottleneck of `capacity_bps`
    /// with 40 ms propagation delay, for `secs` seconds.
    pub fn receiver_capture(interval: Us, capacity_bps: f64, secs: i64) -> Vec<u8> {
        let mut out = Vec::new();
        let mut free = 0i64;
        let mut t = 0;
        let mut seq = 0u16;
        while t < secs * 1_000_000 {
            let size = 1200;
            let start = free.max(t);
            free = start + ((size as f64 + 28.0) * 8.0 * 1e6 / capacity_bps) as i64;
            out.push((1_000_000 + free + 40_000, rtp(seq, seq, t, size)));
            seq = seq.wrapping_add(1);
            t += interval;
        }
        pcap(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtp_extensions_and_feedback_round_trip() {
        let p = synth::rtp(7, 300, 1_000_000, 200);
        let r = parse_rtp(&p);
        assert!(
            r.as_ref().is_some_and(|r| r.seq == 7 && r.extensions.len() == 2),
            "{r:?}"
        );
        let fb = synth::transport_cc(10, &[Some(64_000), None, Some(70_000)], 1);
        let parsed = parse_rtcp(&fb);
        assert_eq!(
            parsed,
            vec![RtcpFeedback::TransportCc(vec![
                (10, Some(64_000)),
                (11, None),
                (12, Some(70_000))
            ])]
        );
    }

    #[test]
    fn receiver_capture_replays_and_sees_the_bottleneck() {
        // 960 kbit/s offered into 600 kbit/s: delay grows, the estimator must notice.
        let cap = synth::receiver_capture(10 * MS, 600_000.0, 8);
        let r = replay(&cap, GccConfig::default());
        let r = r.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.summary.mode, "receiver");
        assert_eq!(r.summary.abs_send_time_extension_id, Some(3));
        assert_eq!(r.summary.twcc_extension_id, Some(5));
        assert!(r.samples.iter().any(|s| s.usage == "overusing"));
    }

    #[test]
    fn sender_capture_with_transport_feedback_replays() {
        // Sender side: RTP leaving every 10 ms (960 kbit/s) into 600 kbit/s; feedback every 100 ms.
        let mut recs: Vec<(Us, Vec<u8>)> = Vec::new();
        let mut free = 0;
        let mut arrivals = Vec::new();
        for i in 0..500u16 {
            let t = i64::from(i) * 10 * MS;
            recs.push((1_000_000 + t, synth::rtp(i, i, t, 1200)));
            free = free.max(t) + (1228.0 * 8.0 * 1e6 / 600_000.0) as Us;
            arrivals.push(free + 40 * MS);
        }
        let mut base = 0usize;
        let mut fb_time = 100 * MS;
        while base < arrivals.len() {
            let n = arrivals[base..].iter().take_while(|a| **a <= fb_time).count();
            if n > 0 {
                let v: Vec<Option<Us>> = arrivals[base..base + n].iter().map(|a| Some(*a)).collect();
                recs.push((1_000_000 + fb_time + 40 * MS, synth::transport_cc(base as u16, &v, 0)));
                base += n;
            }
            fb_time += 100 * MS;
        }
        recs.sort_by_key(|r| r.0);
        let r = replay(&synth::pcap(&recs), GccConfig::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.summary.mode, "sender-feedback");
        assert!(r.summary.counts.transport_feedback > 10);
        assert!(r.samples.iter().any(|s| s.usage == "overusing"));
        assert!(
            r.summary.final_estimate_bps < 900_000.0,
            "{}",
            r.summary.final_estimate_bps
        );
    }

    #[test]
    fn sender_capture_with_rfc8888_feedback_replays() {
        // The same link as above, reported with RFC 8888 every 100 ms from a receiver clock 5 s ahead.
        let mut recs: Vec<(Us, Vec<u8>)> = Vec::new();
        let mut free = 0;
        let mut arrivals = Vec::new();
        for i in 0..500u16 {
            let t = i64::from(i) * 10 * MS;
            recs.push((1_000_000 + t, synth::rtp(i, i, t, 1200)));
            free = free.max(t) + (1228.0 * 8.0 * 1e6 / 600_000.0) as Us;
            arrivals.push(free + 40 * MS);
        }
        let mut base = 0usize;
        let mut fb_time = 100 * MS;
        while base < arrivals.len() {
            let n = arrivals[base..].iter().take_while(|a| **a <= fb_time).count();
            if n > 0 {
                let v: Vec<Option<Us>> = arrivals[base..base + n].iter().map(|a| Some(*a + 5 * SEC)).collect();
                let report = synth::ccfb(0x1234_5678, base as u16, &v, fb_time + 5 * SEC);
                recs.push((1_000_000 + fb_time + 40 * MS, report));
                base += n;
            }
            fb_time += 100 * MS;
        }
        recs.sort_by_key(|r| r.0);
        let r = replay(&synth::pcap(&recs), GccConfig::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.summary.mode, "sender-feedback-rfc8888");
        assert!(r.summary.counts.rfc8888_feedback > 10);
        assert!(r.samples.iter().any(|s| s.usage == "overusing"));
        assert!(
            r.summary.final_estimate_bps < 900_000.0,
            "{}",
            r.summary.final_estimate_bps
        );
    }

    #[test]
    fn pcapng_with_nanosecond_resolution() {
        fn block(t: u32, body: &[u8]) -> Vec<u8> {
            let len = (12 + body.len()) as u32;
            let mut b = t.to_le_bytes().to_vec();
            b.extend_from_slice(&len.to_le_bytes());
            b.extend_from_slice(body);
            b.extend_from_slice(&len.to_le_bytes());
            b
        }
        let mut shb = vec![0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0];
        shb.extend_from_slice(&[0xff; 8]);
        let mut d = block(0x0a0d_0d0a, &shb);
        // Interface: Ethernet, if_tsresol = 9 (nanoseconds).
        let mut idb = vec![1, 0, 0, 0, 0, 0, 0, 0];
        idb.extend_from_slice(&[9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
        d.extend(block(1, &idb));
        let frame = synth::ethernet_udp(&synth::rtp(1, 1, 0, 100));
        let ns: u64 = 1_500_000_000;
        let mut epb = 0u32.to_le_bytes().to_vec();
        epb.extend_from_slice(&((ns >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ns as u32).to_le_bytes());
        epb.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        epb.extend_from_slice(&frame);
        while !epb.len().is_multiple_of(4) {
            epb.push(0);
        }
        d.extend(block(6, &epb));
        let (recs, counts) = read_capture(&d).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((counts.format, recs.len()), ("pcapng", 1));
        assert_eq!(recs[0].time, 1_500_000);
        let p = udp_payload(recs[0].link_type, recs[0].data).unwrap_or_default();
        assert_eq!(parse_rtp(p).map(|r| r.seq), Some(1));
    }

    /// A deterministic stand-in for the fuzz targets: mutated captures, RTP and RTCP never panic.
    #[test]
    fn mutated_inputs_never_panic() {
        let mut rng = crate::bwe::Rng::new(42);
        let mut base = synth::receiver_capture(20 * MS, 500_000.0, 1);
        let fb = synth::transport_cc(0, &[Some(1000), None, Some(9000), Some(12_000)], 3);
        base.extend_from_slice(&synth::pcap(&[(2_000_000, fb.clone())])[24..]);
        for round in 0..400 {
            let mut d = base.clone();
            let flips = 1 + (rng.next_u64() % 16) as usize;
            for _ in 0..flips {
                let i = (rng.next_u64() as usize) % d.len();
                d[i] = rng.next_u64() as u8;
            }
            if round % 7 == 0 {
                d.truncate((rng.next_u64() as usize) % d.len());
            }
            let _ = replay(&d, GccConfig::default());
            let start = (rng.next_u64() as usize) % d.len();
            let _ = parse_rtp(&d[start..]);
            let _ = parse_rtcp(&d[start..]);
            let mut f = fb.clone();
            let i = (rng.next_u64() as usize) % f.len();
            f[i] = rng.next_u64() as u8;
            let _ = parse_rtcp(&f);
        }
    }

    #[test]
    fn garbage_is_an_error_and_truncation_is_counted() {
        assert!(read_capture(b"hello, this is not a capture").is_err());
        let cap = synth::receiver_capture(10 * MS, 600_000.0, 1);
        let cut = &cap[..cap.len() - 100];
        let (recs, counts) = read_capture(cut).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(counts.truncated, 1);
        assert_eq!(recs.len() as u64, counts.records);
    }
}
