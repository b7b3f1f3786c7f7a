//! libsrt, loaded once per process at run time: the one table of functions, the socket option numbers and the
//! log routing that SRT push (`net::push::srt`) and the SRT listener (`net::ingest::srt`) share.
//!
//! Not linked: a build or machine without libsrt still pushes (without the SRT extras) and serves RTMP. The copy
//! that libavformat links is taken when it is already in the process, because push reads the state of sockets
//! that copy owns (socket ids mean nothing to another copy); otherwise one of the usual sonames is `dlopen`ed, so
//! the listener works even with a libavformat built without SRT.

use crate::error::{Error, Result};
use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::{Mutex, Once, OnceLock};

pub(crate) type Socket = c_int;

/// What every libsrt call returns on failure.
pub(crate) const SRT_ERROR: c_int = -1;
/// `SRT_SOCKSTATUS::SRTS_CONNECTED`.
pub(crate) const SRTS_CONNECTED: c_int = 5;
// SRT_SOCKOPT values from srt.h (stable across 1.4 and 1.5).
pub(crate) const SRTO_RCVSYN: c_int = 2;
pub(crate) const SRTO_RCVTIMEO: c_int = 14;
pub(crate) const SRTO_SNDDATA: c_int = 19;
pub(crate) const SRTO_PASSPHRASE: c_int = 26;
pub(crate) const SRTO_PBKEYLEN: c_int = 27;
pub(crate) const SRTO_PEERLATENCY: c_int = 44;
pub(crate) const SRTO_STREAMID: c_int = 46;

/// `srt_listen_callback`'s hook: 0 accepts the caller, -1 rejects it during the handshake.
pub(crate) type ListenCallback = unsafe extern "C" fn(
    opaque: *mut c_void,
    ns: Socket,
    hs_version: c_int,
    peer: *const libc::sockaddr,
    streamid: *const c_char,
) -> c_int;

type LogHandler = unsafe extern "C" fn(*mut c_void, c_int, *const c_char, c_int, *const c_char, *const c_char);

/// The libsrt functions reel calls, with the signatures srt.h declares.
pub(crate) struct Api {
    pub startup: unsafe extern "C" fn() -> c_int,
    /// Absent from some builds; without it the library is simply not released at shutdown.
    pub cleanup: Option<unsafe extern "C" fn() -> c_int>,
    pub create_socket: unsafe extern "C" fn() -> Socket,
    pub bind: unsafe extern "C" fn(Socket, *const libc::sockaddr, c_int) -> c_int,
    pub listen: unsafe extern "C" fn(Socket, c_int) -> c_int,
    /// Absent from older releases; only the listener needs it, so push keeps its extras without it.
    pub listen_callback: Option<unsafe extern "C" fn(Socket, ListenCallback, *mut c_void) -> c_int>,
    pub accept: unsafe extern "C" fn(Socket, *mut libc::sockaddr, *mut c_int) -> Socket,
    pub getsockname: unsafe extern "C" fn(Socket, *mut libc::sockaddr, *mut c_int) -> c_int,
    pub getsockstate: unsafe extern "C" fn(Socket) -> c_int,
    pub getsockflag: unsafe extern "C" fn(Socket, c_int, *mut c_void, *mut c_int) -> c_int,
    pub setsockflag: unsafe extern "C" fn(Socket, c_int, *const c_void, c_int) -> c_int,
    pub bstats: unsafe extern "C" fn(Socket, *mut c_void, c_int) -> c_int,
    pub recvmsg: unsafe extern "C" fn(Socket, *mut c_char, c_int) -> c_int,
    pub close: unsafe extern "C" fn(Socket) -> c_int,
    pub getlasterror_str: unsafe extern "C" fn() -> *const c_char,
    setloghandler: Option<unsafe extern "C" fn(*mut c_void, LogHandler)>,
    setloglevel: Option<unsafe extern "C" fn(c_int)>,
}

/// The libsrt in this process, loaded on first use; an [`Error::Unsupported`] saying what to install when there is
/// none.
pub(crate) fn api() -> Result<&'static Api> {
    static API: OnceLock<std::result::Result<Api, String>> = OnceLock::new();
    API.get_or_init(load)
        .as_ref()
        .map_err(|e| Error::Unsupported(e.clone()))
}

/// [`api`] after `srt_startup`, which creating sockets needs (libavformat starts libsrt itself around its own
/// sockets, so push does not call this). Called once; pair it with `cleanup` at exit.
pub(crate) fn started() -> Result<&'static Api> {
    static STARTED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    let api = api()?;
    STARTED
        .get_or_init(|| {
            // SAFETY: srt_startup takes no arguments; it is called once, from here.
            if unsafe { (api.startup)() } < 0 {
                Err("srt: srt_startup failed".to_string())
            } else {
                Ok(())
            }
        })
        .clone()
        .map_err(Error::Unsupported)?;
    Ok(api)
}

fn load() -> std::result::Result<Api, String> {
    const NAMES: [&CStr; 5] = [
        c"libsrt-gnutls.so.1.5",
        c"libsrt-openssl.so.1.5",
        c"libsrt.so.1.5",
        c"libsrt-gnutls.so.1.4",
        c"libsrt.so.1.4",
    ];
    // The copy already in the process (libavformat's) first: see the module doc. A dlopened one stays loaded.
    // SAFETY: dlsym and dlopen with NUL-terminated names; RTLD_DEFAULT searches the objects already loaded.
    let handle = unsafe {
        if !libc::dlsym(libc::RTLD_DEFAULT, c"srt_startup".as_ptr()).is_null() {
            libc::RTLD_DEFAULT
        } else {
            NAMES
                .iter()
                .map(|n| libc::dlopen(n.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL))
                .find(|h| !h.is_null())
                .ok_or_else(|| "srt: libsrt is not installed (apt-get install libsrt1.5-gnutls)".to_string())?
        }
    };
    // SAFETY: every field's type is the C signature that srt.h declares for the symbol named beside it.
    unsafe {
        Ok(Api {
            startup: need(handle, c"srt_startup")?,
            cleanup: sym(handle, c"srt_cleanup"),
            create_socket: need(handle, c"srt_create_socket")?,
            bind: need(handle, c"srt_bind")?,
            listen: need(handle, c"srt_listen")?,
            listen_callback: sym(handle, c"srt_listen_callback"),
            accept: need(handle, c"srt_accept")?,
            getsockname: need(handle, c"srt_getsockname")?,
            getsockstate: need(handle, c"srt_getsockstate")?,
            getsockflag: need(handle, c"srt_getsockflag")?,
            setsockflag: need(handle, c"srt_setsockflag")?,
            bstats: need(handle, c"srt_bstats")?,
            recvmsg: need(handle, c"srt_recvmsg")?,
            close: need(handle, c"srt_close")?,
            getlasterror_str: need(handle, c"srt_getlasterror_str")?,
            setloghandler: sym(handle, c"srt_setloghandler"),
            setloglevel: sym(handle, c"srt_setloglevel"),
        })
    }
}

/// The function `name` in `handle` as a `T`, if libsrt has it.
///
/// # Safety
/// `T` must be the `unsafe extern "C" fn` type of the C signature of `name`; `handle` must be `RTLD_DEFAULT` or
/// a handle from `dlopen` that is never closed.
unsafe fn sym<T: Copy>(handle: *mut c_void, name: &CStr) -> Option<T> {
    const { assert!(std::mem::size_of::<T>() == std::mem::size_of::<*mut c_void>()) };
    // SAFETY: per the contract; `name` is NUL-terminated, and a non-null result is that function's address, which
    // T (a function pointer of the same size) can hold.
    unsafe {
        let p = libc::dlsym(handle, name.as_ptr());
        (!p.is_null()).then(|| std::mem::transmute_copy::<*mut c_void, T>(&p))
    }
}

/// [`sym`], for a function reel cannot do without.
///
/// # Safety
/// As for [`sym`].
unsafe fn need<T: Copy>(handle: *mut c_void, name: &CStr) -> std::result::Result<T, String> {
    // SAFETY: the caller's contract is sym's.
    unsafe { sym(handle, name) }.ok_or_else(|| format!("srt: libsrt lacks {}", name.to_string_lossy()))
}

/// libsrt's description of the last error on this thread, lowercased (`None` if it gives none).
pub(crate) fn last_error(api: &Api) -> Option<String> {
    // SAFETY: srt_getlasterror_str returns a thread-local NUL-terminated string, or null.
    unsafe {
        let p = (api.getlasterror_str)();
        (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().trim().to_lowercase())
    }
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

/// Routes libsrt's own logging (warnings on stderr by default) to a debug trace, keeping the last message for
/// error reports; once per process, and only when libsrt is there. Call before the first SRT connection.
pub(crate) fn route_logs() {
    static ROUTED: Once = Once::new();
    let Ok(api) = api() else { return };
    ROUTED.call_once(|| {
        if let (Some(set_handler), Some(set_level)) = (api.setloghandler, api.setloglevel) {
            // SAFETY: `log_handler` has the SRT_LOG_HANDLER_FN signature and ignores the null opaque pointer;
            // 4 is LOG_WARNING.
            unsafe {
                set_handler(std::ptr::null_mut(), log_handler);
                set_level(4);
            }
        }
    });
}

/// Takes libsrt's last log message (why a connection was rejected, for instance), if logs are routed here.
pub(crate) fn take_last_message() -> Option<String> {
    LAST_LOG.lock().ok().and_then(|mut l| l.take())
}
