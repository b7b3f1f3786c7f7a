//! Pushing one encode to live destinations: RTMP(S), SRT, RTP, RTSP, UDP and RIST, each on its own thread.
//!
//! [`TeeSink`] is a [`crate::graph::PacketSink`]: the graph runs one output whose packets the tee fans out to a
//! [`Destination`] per URL. Every destination owns a libavformat muxer on its own thread behind a bounded queue,
//! so a destination that stalls or drops never blocks the others: while it is down its packets are dropped (and
//! counted), it reconnects with exponential backoff, and it restarts at the next video keyframe. Every network wait
//! is bounded by a timeout through libavformat's interrupt callback.

mod output;
mod srt;
mod tee;

pub use tee::TeeSink;

use crate::error::{Error, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

/// The transport a destination URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `rtmp://` and `rtmps://`: FLV over RTMP.
    Rtmp,
    /// `srt://`: MPEG-TS over SRT (caller, listener or rendezvous mode, from the URL's `mode`).
    Srt,
    /// `rtp://host:port`: one RTP session per stream, on `port`, `port + 2`, ...
    Rtp,
    /// `rtsp://`: ANNOUNCE and RECORD to a server.
    Rtsp,
    /// `udp://`: MPEG-TS over UDP.
    Udp,
    /// `rist://`: MPEG-TS over RIST.
    Rist,
}

impl Protocol {
    /// The libavformat muxer this protocol carries.
    pub fn muxer(self) -> &'static str {
        match self {
            Protocol::Rtmp => "flv",
            Protocol::Rtp => "rtp",
            Protocol::Rtsp => "rtsp",
            Protocol::Srt | Protocol::Udp | Protocol::Rist => "mpegts",
        }
    }

    /// Whether the muxer wants codec headers out of band (the encoder then sets `GLOBAL_HEADER`).
    pub fn global_header(self) -> bool {
        matches!(self, Protocol::Rtmp | Protocol::Rtsp | Protocol::Rtp)
    }
}

/// A parsed destination URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// The URL as the user wrote it (for messages and statistics).
    pub url: String,
    pub protocol: Protocol,
}

impl Destination {
    /// Parses and checks a destination URL: a known scheme and a host (or, for SRT/UDP/RTP listeners, a port).
    pub fn parse(url: &str) -> Result<Destination> {
        let bad = |why: &str| Error::InvalidArgument(format!("{url}: {why}"));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("not a URL (rtmp://, rtmps://, srt://, rtp://, rtsp://, udp://, rist://)"))?;
        let protocol = match scheme.to_ascii_lowercase().as_str() {
            "rtmp" | "rtmps" => Protocol::Rtmp,
            "srt" => Protocol::Srt,
            "rtp" => Protocol::Rtp,
            "rtsp" => Protocol::Rtsp,
            "udp" => Protocol::Udp,
            "rist" => Protocol::Rist,
            other => {
                return Err(bad(&format!(
                    "unsupported protocol '{other}' (rtmp, rtmps, srt, rtp, rtsp, udp, rist)"
                )));
            }
        };
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        let (host, port) = split_host_port(authority);
        let listener = rest.contains("mode=listener") || rest.contains("listen=1");
        if host.is_empty() && !listener {
            return Err(bad("no host"));
        }
        if let Some(p) = port
            && p.parse::<u16>().map_or(true, |p| p == 0)
        {
            return Err(bad(&format!("bad port '{p}'")));
        }
        if port.is_none() && matches!(protocol, Protocol::Srt | Protocol::Rtp | Protocol::Udp | Protocol::Rist) {
            return Err(bad("no port"));
        }
        if protocol == Protocol::Rtmp && rest[authority.len()..].trim_matches('/').is_empty() {
            return Err(bad("no application/stream path"));
        }
        Ok(Destination {
            url: url.to_string(),
            protocol,
        })
    }

    /// The host and port of an `rtp://` URL with the port moved by `offset` (one port pair per stream).
    pub(crate) fn with_port_offset(&self, offset: u16) -> Result<String> {
        let (scheme, rest) = self.url.split_once("://").unwrap_or(("rtp", &self.url));
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (host, port) = split_host_port(&rest[..end]);
        let port: u16 = port
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| Error::InvalidArgument(format!("{}: no port", self.url)))?;
        let port = port
            .checked_add(offset)
            .ok_or_else(|| Error::InvalidArgument(format!("{}: port out of range", self.url)))?;
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        Ok(format!("{scheme}://{host}:{port}{}", &rest[end..]))
    }
}

/// `host:port`, `[v6]:port` or `host`.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if let Some(r) = authority.strip_prefix('[') {
        let (h, p) = r.split_once(']').unwrap_or((r, ""));
        return (h, p.strip_prefix(':'));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    }
}

/// How destinations behave on failure and how long network waits may take.
#[derive(Clone, Debug)]
pub struct PushOptions {
    /// Reconnection attempts in a row after a failure before a destination is given up (0: never reconnect).
    pub retries: u32,
    /// The longest wait between two attempts (the wait doubles from 0.5 s up to this).
    pub retry_max_delay: Duration,
    /// Longest time any single network operation (connect, write, close) may block.
    pub timeout: Duration,
    /// Packets held per destination before it counts as congested.
    pub queue: usize,
    /// The input is paced in real time: a full queue means the destination fell behind and drops at once
    /// instead of applying back-pressure.
    pub realtime: bool,
    /// Where to write the SDP of `rtp://` destinations.
    pub sdp: Option<std::path::PathBuf>,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            retries: 0,
            retry_max_delay: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
            queue: 512,
            realtime: false,
            sdp: None,
        }
    }
}

/// The state of a destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DestState {
    Connecting,
    Connected,
    Reconnecting,
    Failed,
    Finished,
}

impl DestState {
    fn from_u8(v: u8) -> DestState {
        match v {
            0 => DestState::Connecting,
            1 => DestState::Connected,
            2 => DestState::Reconnecting,
            3 => DestState::Failed,
            _ => DestState::Finished,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DestState::Connecting => "connecting",
            DestState::Connected => "connected",
            DestState::Reconnecting => "reconnecting",
            DestState::Failed => "failed",
            DestState::Finished => "finished",
        }
    }
}

/// Live counters of one destination, shared with whoever reports them.
#[derive(Debug)]
pub struct DestStats {
    pub url: String,
    state: AtomicU8,
    /// Bytes handed to the transport (container overhead included).
    pub bytes: AtomicU64,
    /// Packets delivered to the muxer.
    pub packets: AtomicU64,
    /// Video frames delivered to the muxer.
    pub frames: AtomicU64,
    /// Video frames dropped while the destination was down or behind.
    pub dropped_frames: AtomicU64,
    /// Packets (audio and video) dropped while the destination was down or behind.
    pub dropped_packets: AtomicU64,
    /// Successful reconnections after a failure.
    pub reconnects: AtomicU64,
    /// Round-trip time in microseconds where the protocol reports it (SRT), else -1.
    pub rtt_us: AtomicI64,
    /// The last failure, for reports.
    pub last_error: std::sync::Mutex<Option<String>>,
}

impl DestStats {
    fn new(url: &str) -> Self {
        DestStats {
            url: url.to_string(),
            state: AtomicU8::new(0),
            bytes: AtomicU64::new(0),
            packets: AtomicU64::new(0),
            frames: AtomicU64::new(0),
            dropped_frames: AtomicU64::new(0),
            dropped_packets: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            rtt_us: AtomicI64::new(-1),
            last_error: std::sync::Mutex::new(None),
        }
    }

    pub fn state(&self) -> DestState {
        DestState::from_u8(self.state.load(Ordering::SeqCst))
    }

    fn set_state(&self, s: DestState) {
        self.state.store(s as u8, Ordering::SeqCst);
    }

    /// Round-trip time in milliseconds, where known.
    pub fn rtt_ms(&self) -> Option<f64> {
        let v = self.rtt_us.load(Ordering::Relaxed);
        (v >= 0).then(|| v as f64 / 1000.0)
    }

    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }
}

/// Statistics of every destination of a push, in the order the URLs were given.
pub type PushStats = Arc<Vec<Arc<DestStats>>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_destinations() {
        assert_eq!(
            Destination::parse("rtmp://127.0.0.1:1935/live/key").unwrap().protocol,
            Protocol::Rtmp
        );
        assert_eq!(
            Destination::parse("srt://:9000?mode=listener").unwrap().protocol,
            Protocol::Srt
        );
        assert_eq!(Destination::parse("rtp://[::1]:5004").unwrap().protocol, Protocol::Rtp);
        for bad in [
            "http://x/y",
            "rtmp://",
            "rtmp://host",
            "srt://host",
            "srt://host:0",
            "srt://host:99999",
            "udp://:5000",
            "nonsense",
        ] {
            assert!(Destination::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rtp_ports_per_stream() {
        let d = Destination::parse("rtp://127.0.0.1:5004?ttl=2").unwrap();
        assert_eq!(d.with_port_offset(2).unwrap(), "rtp://127.0.0.1:5006?ttl=2");
        let d = Destination::parse("rtp://[::1]:5004").unwrap();
        assert_eq!(d.with_port_offset(0).unwrap(), "rtp://[::1]:5004");
    }
}
