//! SRT socket statistics and the wait for acknowledgement at close, through the libsrt that libavformat links.
//!
//! libavformat's `srt://` protocol keeps its SRT socket private and closes it without waiting for the receiver
//! to acknowledge what is still in flight (live mode has no linger), which is how ffmpeg loses the last frames of
//! an SRT push. The socket id sits in the protocol's private context (`SRTContext { class, fd, .. }`, behind
//! `URLContext { av_class, prot, priv_data, .. }`); we read it there and check it with `srt_getsockstate`, so a
//! different layout only turns these extras off. The libsrt functions come from [`crate::net::libsrt`], which
//! takes the copy libavformat loaded; when libavformat was built without SRT nothing here is used.

use crate::net::libsrt::{self, SRTO_PEERLATENCY, SRTO_SNDDATA, SRTS_CONNECTED};
use std::ffi::{c_int, c_void};

// Offsets in `struct CBytePerfMon` of libsrt 1.4/1.5 (checked against srt.h 1.5.1): msRTT (double), byteMSS (int).
const PERF_SIZE: usize = 496;
const PERF_RTT: usize = 328;
const PERF_MSS: usize = 360;

/// The SRT socket behind an output opened on an `srt://` URL, if it can be found and is connected.
///
/// # Safety
/// `pb` must be null or an AVIOContext opened by `avio_open2` on an `srt://` URL and still open.
pub(crate) unsafe fn socket_of(pb: *mut ffmpeg_next::ffi::AVIOContext) -> Option<c_int> {
    let api = libsrt::api().ok()?;
    if pb.is_null() {
        return None;
    }
    // SAFETY: per the contract, `opaque` of a protocol-backed AVIOContext is its URLContext, whose third field is
    // `priv_data`; the SRT protocol's private context starts with a class pointer and the socket id.
    unsafe {
        let url_ctx = (*pb).opaque as *const *mut c_void;
        if url_ctx.is_null() {
            return None;
        }
        let priv_data = *url_ctx.add(2);
        if priv_data.is_null() {
            return None;
        }
        let fd = *(priv_data as *const u8)
            .add(std::mem::size_of::<*const c_void>())
            .cast::<c_int>();
        ((api.getsockstate)(fd) == SRTS_CONNECTED).then_some(fd)
    }
}

/// Round-trip time in microseconds.
pub(crate) fn rtt_us(fd: c_int) -> Option<i64> {
    let api = libsrt::api().ok()?;
    let mut perf = [0u8; 1024];
    // SAFETY: `perf` is larger than CBytePerfMon; libsrt fills it for a valid socket or returns -1.
    let r = unsafe { (api.bstats)(fd, perf.as_mut_ptr().cast(), 0) };
    if r < 0 {
        return None;
    }
    let mss = i32::from_ne_bytes(perf[PERF_MSS..PERF_MSS + 4].try_into().ok()?);
    if !(76..=65536).contains(&mss) || PERF_RTT + 8 > PERF_SIZE {
        // Not the layout we know: report nothing rather than a wrong figure.
        return None;
    }
    let rtt = f64::from_ne_bytes(perf[PERF_RTT..PERF_RTT + 8].try_into().ok()?);
    (rtt.is_finite() && rtt >= 0.0).then_some((rtt * 1000.0) as i64)
}

/// Packets sent but not yet acknowledged by the receiver.
pub(crate) fn unacknowledged(fd: c_int) -> Option<i32> {
    let api = libsrt::api().ok()?;
    // SAFETY: reading an int socket option.
    unsafe {
        if (api.getsockstate)(fd) != SRTS_CONNECTED {
            return None;
        }
        let mut v: c_int = 0;
        let mut len = std::mem::size_of::<c_int>() as c_int;
        ((api.getsockflag)(fd, SRTO_SNDDATA, (&mut v as *mut c_int).cast(), &mut len) == 0).then_some(v)
    }
}

/// The receiver's latency (TSBPD delay): how long it holds a packet before handing it on.
pub(crate) fn peer_latency(fd: c_int) -> Option<std::time::Duration> {
    let api = libsrt::api().ok()?;
    let mut v: c_int = 0;
    let mut len = std::mem::size_of::<c_int>() as c_int;
    // SAFETY: reading an int socket option.
    let r = unsafe { (api.getsockflag)(fd, SRTO_PEERLATENCY, (&mut v as *mut c_int).cast(), &mut len) };
    (r == 0 && v >= 0).then(|| std::time::Duration::from_millis(v as u64))
}

/// libsrt's description of the last error on this thread (e.g. why a connection attempt failed).
pub(crate) fn last_error() -> Option<String> {
    let m = libsrt::last_error(libsrt::api().ok()?)?;
    (!m.is_empty() && m != "success").then_some(m)
}
