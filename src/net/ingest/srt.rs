//! The SRT listener: libsrt (the reference implementation, already a dependency of Debian's libavformat) loaded
//! at run time, one listening socket accepting any number of callers, each publishing MPEG-TS under the key in
//! its stream ID (`srt://host:9000?streamid=KEY`, or the access-control form `#!::r=KEY,m=publish`).
//!
//! Why not libavformat's `srt://...?mode=listener`: it accepts one caller and closes the listener. Why not a
//! pure-Rust SRT: libsrt is what publishers (OBS, ffmpeg, hardware encoders) implement against, its listen
//! callback lets us refuse unknown keys during the handshake, and it is on every machine with ffmpeg's libsrt.
//! Loaded at run time ([`crate::net::libsrt`]) so a build or machine without it still serves RTMP (SRT then fails
//! with a message).

use super::{ArrivalClock, Ingest, MediaClock};
use crate::error::{Error, Result};
use crate::net::libsrt::{
    self, Api, SRT_ERROR, SRTO_PASSPHRASE, SRTO_PBKEYLEN, SRTO_RCVSYN, SRTO_RCVTIMEO, SRTO_STREAMID, Socket,
};
use bytes::Bytes;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};

/// Listening sockets, closed by [`shutdown`].
static LISTENERS: Mutex<Vec<c_int>> = Mutex::new(Vec::new());
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Closes every SRT listener and releases libsrt. Call before the process exits: libsrt's static destructor
/// otherwise waits forever for a thread blocked in `srt_accept`.
pub fn shutdown() {
    let Ok(api) = libsrt::started() else { return };
    STOPPING.store(true, Ordering::Release);
    let sockets = std::mem::take(&mut *LISTENERS.lock().unwrap_or_else(|p| p.into_inner()));
    for s in sockets {
        // SAFETY: closing a listening socket we opened; its accept call then returns an error.
        unsafe { (api.close)(s) };
    }
    if let Some(cleanup) = api.cleanup {
        // SAFETY: after every listener is closed; accepted sockets' reads then fail and their threads end.
        unsafe { cleanup() };
    }
}

/// libsrt, started, with the listen callback the listener relies on to refuse keys during the handshake.
fn api() -> Result<&'static Api> {
    let api = libsrt::started()?;
    if api.listen_callback.is_none() {
        return Err(Error::Unsupported("srt: libsrt lacks srt_listen_callback".into()));
    }
    Ok(api)
}

fn last_error(api: &Api) -> String {
    libsrt::last_error(api).unwrap_or_else(|| "unknown error".into())
}

/// Why `passphrase` cannot be an SRT passphrase, if it cannot: libsrt takes 10 to 79 bytes.
pub fn check_passphrase(passphrase: &str) -> Result<()> {
    let n = passphrase.len();
    if !(10..=79).contains(&n) {
        return Err(Error::InvalidArgument(format!(
            "an srt passphrase must be 10 to 79 characters long (this one has {n} bytes)"
        )));
    }
    Ok(())
}

/// The key in an SRT stream ID: the whole ID, or `r=` of the access-control syntax (`#!::r=KEY,m=publish`).
pub fn key_from_streamid(streamid: &str) -> String {
    match streamid.strip_prefix("#!::") {
        Some(fields) => fields
            .split(',')
            .find_map(|kv| kv.strip_prefix("r="))
            .unwrap_or("")
            .to_string(),
        None => streamid.to_string(),
    }
}

/// A bound SRT listener.
pub struct SrtListener {
    socket: Socket,
    addr: SocketAddr,
}

/// What the listen callback needs (leaked: listeners live as long as the process).
struct CallbackState {
    ingest: Arc<Ingest>,
}

unsafe extern "C" fn on_caller(
    opaque: *mut c_void,
    _ns: Socket,
    _hs_version: c_int,
    _peer: *const libc::sockaddr,
    streamid: *const c_char,
) -> c_int {
    // SAFETY: opaque is the leaked CallbackState; streamid is NUL-terminated or null.
    let state = unsafe { &*(opaque as *const CallbackState) };
    let id = if streamid.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(streamid) }.to_string_lossy().into_owned()
    };
    match state.ingest.check_key(&key_from_streamid(&id)) {
        Ok(()) => 0,
        Err(reason) => {
            tracing::warn!("srt: caller refused: {reason}");
            -1
        }
    }
}

impl SrtListener {
    /// Binds `addr` ([`SrtListener::spawn`] starts listening). With a passphrase, callers must encrypt with the same one: libsrt refuses
    /// any other caller during the handshake (a wrong passphrase, or none), before the listen callback runs.
    pub fn bind(addr: SocketAddr, passphrase: Option<&str>) -> Result<SrtListener> {
        let api = api()?;
        if let Some(p) = passphrase {
            check_passphrase(p)?;
        }
        let (storage, len) = sockaddr(addr);
        // SAFETY: creating, configuring and binding a libsrt socket: the passphrase is passed as a pointer and its
        // length, the key length as a 4-byte int, the sockaddr with its `len` bytes.
        unsafe {
            let s = (api.create_socket)();
            if s == SRT_ERROR {
                return Err(Error::Ffmpeg(format!("srt://{addr}: {}", last_error(api))));
            }
            if let Some(p) = passphrase {
                // Key length 0 is libsrt's default: the publisher (the sender) picks AES-128, -192 or -256, and
                // the listener, as receiver, follows (AES-128 when neither side sets one). Accepted sockets
                // inherit both options.
                let keylen: c_int = 0;
                if (api.setsockflag)(s, SRTO_PASSPHRASE, p.as_ptr().cast(), p.len() as c_int) == SRT_ERROR
                    || (api.setsockflag)(s, SRTO_PBKEYLEN, (&raw const keylen).cast(), 4) == SRT_ERROR
                {
                    let e = last_error(api);
                    (api.close)(s);
                    return Err(Error::Unsupported(format!(
                        "srt://{addr}: libsrt refused the passphrase: {e}"
                    )));
                }
            }
            // Bound only: [`SrtListener::spawn`] listens once the key check is installed, so no caller is
            // accepted without it.
            if (api.bind)(s, (&raw const storage).cast(), len) == SRT_ERROR {
                let e = last_error(api);
                (api.close)(s);
                return Err(Error::io(
                    format!("srt://{addr}"),
                    std::io::Error::new(std::io::ErrorKind::AddrInUse, e),
                ));
            }
            // The bound address (port 0 picks a free one).
            let mut bound: libc::sockaddr_storage = std::mem::zeroed();
            let mut blen = std::mem::size_of::<libc::sockaddr_storage>() as c_int;
            let addr = if (api.getsockname)(s, (&raw mut bound).cast(), &mut blen) != SRT_ERROR {
                from_sockaddr(&bound).unwrap_or(addr)
            } else {
                addr
            };
            Ok(SrtListener { socket: s, addr })
        }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Installs the key check, starts listening, and accepts callers on a background thread for as long as the
    /// process runs.
    pub fn spawn(self, ingest: Arc<Ingest>) -> Result<()> {
        let api = api()?;
        let state = Box::into_raw(Box::new(CallbackState { ingest: ingest.clone() }));
        if let Some(listen_callback) = api.listen_callback {
            // SAFETY: the callback state is leaked, so it outlives the listening socket.
            unsafe { listen_callback(self.socket, on_caller, state.cast()) };
        }
        // SAFETY: listening on the socket `bind` bound; on failure it is closed here, once.
        unsafe {
            if (api.listen)(self.socket, 16) == SRT_ERROR {
                let e = last_error(api);
                (api.close)(self.socket);
                return Err(Error::io(
                    format!("srt://{}", self.addr),
                    std::io::Error::new(std::io::ErrorKind::AddrInUse, e),
                ));
            }
        }
        let listener = self.socket;
        LISTENERS.lock().unwrap_or_else(|p| p.into_inner()).push(listener);
        std::thread::Builder::new()
            .name("reel-srt-accept".into())
            .spawn(move || {
                loop {
                    // SAFETY: sockaddr_storage is large enough for any peer address.
                    let mut peer: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
                    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as c_int;
                    let s = unsafe { (api.accept)(listener, (&raw mut peer).cast(), &mut len) };
                    if s == SRT_ERROR {
                        if STOPPING.load(Ordering::Acquire) {
                            return;
                        }
                        tracing::warn!("srt: accept: {}", last_error(api));
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        continue;
                    }
                    let peer = from_sockaddr(&peer)
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "?".into());
                    let ingest = ingest.clone();
                    let spawned = std::thread::Builder::new()
                        .name(format!("reel-srt-{peer}"))
                        .spawn(move || {
                            match ingest.connection_slot() {
                                None => tracing::warn!("srt {peer}: dropped: too many ingest connections"),
                                Some(_slot) => {
                                    if let Err(e) = serve_caller(api, &ingest, s, &peer) {
                                        tracing::warn!("srt {peer}: dropped: {e}");
                                    }
                                }
                            }
                            // SAFETY: closing the accepted socket once.
                            unsafe { (api.close)(s) };
                        });
                    if spawned.is_err() {
                        unsafe { (api.close)(s) };
                    }
                }
            })
            .map_err(Error::IoBare)?;
        Ok(())
    }
}

fn serve_caller(api: &'static Api, ingest: &Arc<Ingest>, s: Socket, peer: &str) -> Result<()> {
    let mut id = vec![0u8; 600];
    let mut len = id.len() as c_int;
    let timeout_ms = ingest.config().stall_timeout.as_millis().min(i32::MAX as u128) as c_int;
    let yes: c_int = 1;
    // SAFETY: reading and setting options of an accepted socket with correctly sized buffers.
    unsafe {
        (api.getsockflag)(s, SRTO_STREAMID, id.as_mut_ptr().cast(), &mut len);
        (api.setsockflag)(s, SRTO_RCVSYN, (&raw const yes).cast(), 4);
        (api.setsockflag)(s, SRTO_RCVTIMEO, (&raw const timeout_ms).cast(), 4);
    }
    id.truncate(len.clamp(0, 600) as usize);
    let key = key_from_streamid(&String::from_utf8_lossy(&id));
    ingest.check_key(&key).map_err(Error::InvalidArgument)?;
    tracing::info!("srt {peer}: publishing {key}");
    let stream = ingest.config().live.publish(&key);
    let (tx, rx) = sync_channel::<Bytes>(512);
    let clock = Arc::new(ArrivalClock::default());
    let session = {
        let (ingest, key, clock) = (ingest.clone(), key.clone(), clock.clone() as Arc<dyn MediaClock>);
        let publisher = format!("srt://{peer}");
        std::thread::Builder::new()
            .name(format!("reel-live-{key}"))
            .spawn(
                move || match ingest.run_session(&key, &publisher, "mpegts", rx, Some(clock)) {
                    Ok(()) => tracing::info!("{key}: publisher {publisher} ended"),
                    Err(e) => tracing::warn!("{key}: session ended: {e}"),
                },
            )
            .map_err(Error::IoBare)?
    };
    let mut buf = vec![0u8; 1500];
    let result = loop {
        // SAFETY: receiving one message into a buffer of the given size.
        let n = unsafe { (api.recvmsg)(s, buf.as_mut_ptr().cast(), buf.len() as c_int) };
        if n == SRT_ERROR {
            let e = last_error(api);
            break if e.contains("connection") && e.contains("lost") || e.contains("broken") {
                Ok(())
            } else {
                Err(Error::Malformed(format!("{key}: {e}")))
            };
        }
        if n <= 0 {
            break Ok(());
        }
        let data = &buf[..n as usize];
        stream.record_ingest(data.len());
        if let Some(pts) = first_pes_pts(data) {
            clock.arrived(pts as f64 / 90_000.0);
        }
        if tx.send(Bytes::copy_from_slice(data)).is_err() {
            break Err(Error::Malformed(format!("{key}: the session stopped")));
        }
    };
    drop(tx);
    let _ = session.join();
    result
}

/// The PTS of the first PES header that starts in these TS packets (90 kHz), for the arrival clock.
fn first_pes_pts(data: &[u8]) -> Option<u64> {
    for p in data.chunks_exact(188) {
        if p[0] != 0x47 || p[1] & 0x40 == 0 {
            continue;
        }
        let mut i = 4;
        match (p[3] >> 4) & 3 {
            1 => {}
            3 => i += 1 + usize::from(p[4]),
            _ => continue,
        }
        let pes = p.get(i..)?;
        if pes.len() < 14 || pes[..3] != [0, 0, 1] || pes[7] & 0x80 == 0 {
            continue;
        }
        let b = &pes[9..14];
        let pts = (u64::from(b[0] >> 1) & 7) << 30
            | u64::from(b[1]) << 22
            | (u64::from(b[2]) >> 1) << 15
            | u64::from(b[3]) << 7
            | u64::from(b[4]) >> 1;
        return Some(pts);
    }
    None
}

fn sockaddr(addr: SocketAddr) -> (libc::sockaddr_storage, c_int) {
    // SAFETY: an all-zero sockaddr_storage is valid; we fill the family-specific prefix.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_in fits in sockaddr_storage.
            unsafe { std::ptr::write((&raw mut storage).cast(), sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_in6 fits in sockaddr_storage.
            unsafe { std::ptr::write((&raw mut storage).cast(), sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as c_int)
}

fn from_sockaddr(s: &libc::sockaddr_storage) -> Option<SocketAddr> {
    // SAFETY: reinterpreting the storage according to its family field.
    unsafe {
        match c_int::from(s.ss_family) {
            libc::AF_INET => {
                let a = &*(s as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>();
                Some(SocketAddr::from((
                    a.sin_addr.s_addr.to_ne_bytes(),
                    u16::from_be(a.sin_port),
                )))
            }
            libc::AF_INET6 => {
                let a = &*(s as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>();
                Some(SocketAddr::from((a.sin6_addr.s6_addr, u16::from_be(a.sin6_port))))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passphrase_lengths() {
        assert!(super::check_passphrase("0123456789").is_ok());
        assert!(super::check_passphrase(&"x".repeat(79)).is_ok());
        for bad in ["", "012345678", &"x".repeat(80)] {
            let e = super::check_passphrase(bad).expect_err("a bad length").to_string();
            assert!(e.contains("10 to 79 characters"), "{e}");
        }
    }

    #[test]
    fn keys_from_stream_ids() {
        assert_eq!(super::key_from_streamid("cam1"), "cam1");
        assert_eq!(super::key_from_streamid("#!::r=cam2,m=publish"), "cam2");
        assert_eq!(super::key_from_streamid("#!::m=publish"), "");
    }

    #[test]
    fn pts_of_a_pes_header() {
        let mut p = vec![0xffu8; 188];
        p[..4].copy_from_slice(&[0x47, 0x41, 0x00, 0x10]);
        // PES: start code, stream id, length, flags, PTS only, header length 5, PTS = 900000 (10 s).
        let pts: u64 = 900_000;
        let b = [
            0x21 | (((pts >> 30) as u8 & 7) << 1),
            (pts >> 22) as u8,
            (((pts >> 15) as u8) << 1) | 1,
            (pts >> 7) as u8,
            ((pts as u8) << 1) | 1,
        ];
        p[4..13].copy_from_slice(&[0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 5]);
        p[13..18].copy_from_slice(&b);
        assert_eq!(super::first_pes_pts(&p), Some(pts));
    }
}
