//! SRT socket statistics and the wait for acknowledgement at close, through the libsrt that libavformat links.
//!
//! libavformat's `srt://` protocol keeps its SRT socket private and closes it without waiting for the receiver
//! to acknowledge what is still in flight (live mode has no linger), which is how ffmpeg loses the last frames of
//! an SRT push. The socket id sits in the protocol's private context (`SRTContext { class, fd, .. }`, behind
//! `URLContext { av_class, prot, priv_data, .. }`); we read it there and check it with `srt_getsockstate`, so a
//! different layout only turns these extras off. The libsrt functions are looked up at run time with `dlsym`
//! in the already-loaded libsrt; when libavformat was built without SRT nothing here is used.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::Mutex;
use std::sync::OnceLock;

type GetSockState = unsafe extern "C" fn(c_int) -> c_int;
type GetSockFlag = unsafe extern "C" fn(c_int, c_int, *mut c_void, *mut c_int) -> c_int;
type BStats = unsafe extern "C" fn(c_int, *mut c_void, c_int) -> c_int;

type LogHandler = unsafe extern "C" fn(*mut c_void, c_int, *const c_char, c_int, *const c_char, *const c_char);
type SetLogHandler = unsafe extern "C" fn(*mut c_void, LogHandler);
type SetLogLevel = unsafe extern "C" fn(c_int);

struct Api {
    sockstate: GetSockState,
    sockflag: GetSockFlag,
    bstats: BStats,
}

const SRTS_CONNECTED: c_int = 5;
const SRTO_SNDDATA: c_int = 19;
const SRTO_PEERLATENCY: c_int = 44;
// Offsets in `struct CBytePerfMon` of libsrt 1.4/1.5 (checked against srt.h 1.5.1): msRTT (double), byteMSS (int).
const PERF_SIZE: usize = 496;
const PERF_RTT: usize = 328;
const PERF_MSS: usize = 360;

fn api() -> Option<&'static Api> {
    static API: OnceLock<Option<Api>> = OnceLock::new();
    API.get_or_init(|| {
        let sym = |name: &[u8]| {
            // SAFETY: looking up a NUL-terminated symbol name in the objects already loaded into the process.
            let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr().cast()) };
            (!p.is_null()).then_some(p)
        };
        let (a, b, c) = (
            sym(b"srt_getsockstate\0")?,
            sym(b"srt_getsockflag\0")?,
            sym(b"srt_bstats\0")?,
        );
        // SAFETY: the symbols are libsrt's functions with these C signatures (srt.h). libsrt logs warnings to
        // stderr by itself; its messages go to our handler instead (kept for error messages, logged at debug).
        unsafe {
            if let (Some(h), Some(l)) = (sym(b"srt_setloghandler\0"), sym(b"srt_setloglevel\0")) {
                std::mem::transmute::<*mut c_void, SetLogHandler>(h)(std::ptr::null_mut(), log_handler);
                std::mem::transmute::<*mut c_void, SetLogLevel>(l)(4);
            }
            Some(Api {
                sockstate: std::mem::transmute::<*mut c_void, GetSockState>(a),
                sockflag: std::mem::transmute::<*mut c_void, GetSockFlag>(b),
                bstats: std::mem::transmute::<*mut c_void, BStats>(c),
            })
        }
    })
    .as_ref()
}

/// The SRT socket behind an output opened on an `srt://` URL, if it can be found and is connected.
///
/// # Safety
/// `pb` must be null or an AVIOContext opened by `avio_open2` on an `srt://` URL and still open.
pub(crate) unsafe fn socket_of(pb: *mut ffmpeg_next::ffi::AVIOContext) -> Option<c_int> {
    let api = api()?;
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
        ((api.sockstate)(fd) == SRTS_CONNECTED).then_some(fd)
    }
}

/// Round-trip time in microseconds.
pub(crate) fn rtt_us(fd: c_int) -> Option<i64> {
    let api = api()?;
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
    let api = api()?;
    // SAFETY: reading an int socket option.
    unsafe {
        if (api.sockstate)(fd) != SRTS_CONNECTED {
            return None;
        }
        let mut v: c_int = 0;
        let mut len = std::mem::size_of::<c_int>() as c_int;
        ((api.sockflag)(fd, SRTO_SNDDATA, (&mut v as *mut c_int).cast(), &mut len) == 0).then_some(v)
    }
}

/// The receiver's latency (TSBPD delay): how long it holds a packet before handing it on.
pub(crate) fn peer_latency(fd: c_int) -> Option<std::time::Duration> {
    let api = api()?;
    let mut v: c_int = 0;
    let mut len = std::mem::size_of::<c_int>() as c_int;
    // SAFETY: reading an int socket option.
    let r = unsafe { (api.sockflag)(fd, SRTO_PEERLATENCY, (&mut v as *mut c_int).cast(), &mut len) };
    (r == 0 && v >= 0).then(|| std::time::Duration::from_millis(v as u64))
}

static LAST_LOG: Mutex<Option<String>> = Mutex::new(None);

unsafe extern "C" fn log_handler(
    _opaque: *mut c_void,
    _level: c_int,
    _file: *const c_char,
    _line: c_int,
    _area: *const c_char,
    message: *const c_char,
) {
    if message.is_null() {
        return;
    }
    // SAFETY: libsrt passes a NUL-terminated message.
    let m = unsafe { CStr::from_ptr(message) }.to_string_lossy().trim().to_string();
    tracing::debug!("libsrt: {m}");
    if let Ok(mut l) = LAST_LOG.lock() {
        *l = Some(m);
    }
}

/// Routes libsrt's own logging away from stderr (call before the first SRT connection).
pub(crate) fn quiet() {
    let _ = api();
}

/// Takes libsrt's last log message (why a connection was rejected, for instance).
pub(crate) fn take_last_message() -> Option<String> {
    LAST_LOG.lock().ok().and_then(|mut l| l.take())
}

/// libsrt's description of the last error on this thread (e.g. why a connection attempt failed).
pub(crate) fn last_error() -> Option<String> {
    api()?;
    // SAFETY: looking up `const char* srt_getlasterror_str(void)`; it returns a thread-local string (or null).
    unsafe {
        let p = libc::dlsym(libc::RTLD_DEFAULT, c"srt_getlasterror_str".as_ptr());
        if p.is_null() {
            return None;
        }
        let f = std::mem::transmute::<*mut c_void, unsafe extern "C" fn() -> *const c_char>(p);
        let s = f();
        if s.is_null() {
            return None;
        }
        let m = CStr::from_ptr(s).to_string_lossy().trim().to_lowercase();
        (!m.is_empty() && m != "success").then_some(m)
    }
}
