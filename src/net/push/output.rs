//! One connection of a destination: its libavformat output context(s), opened, written and closed with every
//! network wait bounded by a deadline that libavformat's interrupt callback enforces.

use super::{Destination, Protocol, srt};
use crate::error::{Error, Result};
use crate::net::libsrt;
use ff::Rational;
use ffmpeg_next as ff;
use ffmpeg_next::packet::Mut as _;
use std::ffi::{CString, c_int, c_void};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

/// What the interrupt callback reads: a hard abort, and the deadline of the operation in progress.
#[derive(Debug)]
pub(crate) struct Interrupt {
    pub abort: AtomicBool,
    deadline_us: AtomicI64,
}

impl Interrupt {
    pub fn new() -> Arc<Interrupt> {
        Arc::new(Interrupt {
            abort: AtomicBool::new(false),
            deadline_us: AtomicI64::new(i64::MAX),
        })
    }

    /// The next blocking operation may take `d` at most.
    pub fn arm(&self, d: Duration) {
        let now = now_us();
        self.deadline_us
            .store(now.saturating_add(d.as_micros() as i64), Ordering::Relaxed);
    }

    fn fired(&self) -> bool {
        self.abort.load(Ordering::Relaxed) || now_us() > self.deadline_us.load(Ordering::Relaxed)
    }
}

fn now_us() -> i64 {
    // SAFETY: a monotonic clock read.
    unsafe { ff::ffi::av_gettime_relative() }
}

unsafe extern "C" fn interrupt_cb(opaque: *mut c_void) -> c_int {
    // SAFETY: `opaque` is the `Interrupt` the connection holds an `Arc` to for as long as its contexts live.
    let i = unsafe { &*(opaque as *const Interrupt) };
    i.fired() as c_int
}

/// One stream as the encoder (or the input, for stream copy) delivers it.
pub(crate) struct StreamDesc {
    pub params: ff::codec::Parameters,
    pub time_base: Rational,
    pub frame_rate: Option<Rational>,
}

/// An open connection: one output context, or one per stream for RTP.
pub(crate) struct Connection {
    url: String,
    ctxs: Vec<*mut ff::ffi::AVFormatContext>,
    /// For each input stream: (context, stream index in it, its time base).
    route: Vec<(usize, i32, Rational)>,
    interrupt: Arc<Interrupt>,
    timeout: Duration,
    /// Packet bytes written where the muxer has no byte-counting AVIOContext (RTSP).
    payload: u64,
    srt_fd: Option<c_int>,
    /// Contexts whose header was written (their trailer closes a session, e.g. RTSP TEARDOWN).
    headers: usize,
    finished: bool,
}

// SAFETY: the contexts are owned by this value and used from one thread at a time.
unsafe impl Send for Connection {}

/// `url: what: why`, with a timeout of our interrupt callback named as such.
fn net_err(url: &str, what: &str, code: c_int, interrupt: &Interrupt, timeout: Duration) -> Error {
    tracing::debug!("{url}: {what}: libav error {code}");
    let why = if code == ff::ffi::AVERROR_EXIT && !interrupt.abort.load(Ordering::Relaxed) {
        format!("timed out after {} s", timeout.as_secs_f64())
    } else if code == ff::ffi::AVERROR_EXIT {
        "interrupted".to_string()
    } else if url.starts_with("srt")
        && let Some(m) = libsrt::take_last_message().filter(|m| m.contains("passphrase"))
    {
        if m.contains("Incorrect passphrase") || m.contains("BADSECRET") {
            "wrong passphrase (rejected by the peer)".to_string()
        } else {
            format!(
                "rejected by the peer ({})",
                m.rsplit(": ").next().unwrap_or(&m).to_lowercase()
            )
        }
    } else if url.starts_with("srt")
        && (code == ff::ffi::AVERROR_UNKNOWN || code == ff::ffi::AVERROR(libc::EIO))
        && let Some(m) = srt::last_error()
    {
        // "connection setup failure: connection timed out" and the like.
        m
    } else if code == ff::ffi::AVERROR_UNKNOWN || code == ff::ffi::AVERROR(libc::EIO) {
        // libavformat's SRT and RTSP layers say no more than this; the common causes are named.
        "connection failed (refused, rejected by the peer, or a wrong passphrase)".to_string()
    } else {
        crate::graph::plan::av_err(code)
    };
    if what.is_empty() {
        Error::Ffmpeg(format!("{url}: {why}"))
    } else {
        Error::Ffmpeg(format!("{url}: {what}: {why}"))
    }
}

impl Connection {
    /// Connects and writes the stream headers.
    pub fn open(
        dest: &Destination,
        streams: &[StreamDesc],
        interrupt: Arc<Interrupt>,
        timeout: Duration,
    ) -> Result<Connection> {
        crate::init();
        if dest.protocol == Protocol::Srt {
            libsrt::route_logs();
            let _ = libsrt::take_last_message();
        }
        let mut conn = Connection {
            url: dest.url.clone(),
            ctxs: Vec::new(),
            route: Vec::new(),
            interrupt,
            timeout,
            payload: 0,
            srt_fd: None,
            headers: 0,
            finished: false,
        };
        // (URL to open, input streams it carries)
        let targets: Vec<(String, Vec<usize>)> = if dest.protocol == Protocol::Rtp {
            (0..streams.len())
                .map(|i| Ok((dest.with_port_offset(2 * i as u16)?, vec![i])))
                .collect::<Result<_>>()?
        } else {
            vec![(open_url(dest), (0..streams.len()).collect())]
        };
        conn.route = vec![(0, 0, Rational::new(1, 1)); streams.len()];
        for (url, carried) in targets {
            conn.open_one(dest, &url, &carried, streams)?;
        }
        if dest.protocol == Protocol::Srt {
            // SAFETY: the context's pb was opened on an srt:// URL and is open.
            conn.srt_fd = unsafe { srt::socket_of((*conn.ctxs[0]).pb) };
            tracing::debug!("{}: srt socket {:?}", conn.url, conn.srt_fd);
        }
        Ok(conn)
    }

    fn open_one(&mut self, dest: &Destination, url: &str, carried: &[usize], streams: &[StreamDesc]) -> Result<()> {
        let muxer = CString::new(dest.protocol.muxer()).map_err(|_| Error::InvalidArgument("muxer".into()))?;
        let c_url = CString::new(url).map_err(|_| Error::InvalidArgument(format!("{}: bad URL", self.url)))?;
        let k = self.ctxs.len();
        // SAFETY: the standard libavformat output sequence; the context is stored in `self.ctxs` right after it
        // is allocated, so `Drop` frees it on every later error.
        unsafe {
            let mut ctx: *mut ff::ffi::AVFormatContext = std::ptr::null_mut();
            let r = ff::ffi::avformat_alloc_output_context2(&mut ctx, std::ptr::null(), muxer.as_ptr(), c_url.as_ptr());
            if r < 0 || ctx.is_null() {
                return Err(net_err(&self.url, "", r, &self.interrupt, self.timeout));
            }
            self.ctxs.push(ctx);
            (*ctx).interrupt_callback = ff::ffi::AVIOInterruptCB {
                callback: Some(interrupt_cb),
                opaque: Arc::as_ptr(&self.interrupt) as *mut c_void,
            };
            for (n, &i) in carried.iter().enumerate() {
                let s = &streams[i];
                let st = ff::ffi::avformat_new_stream(ctx, std::ptr::null());
                if st.is_null() {
                    return Err(Error::Limit(format!("{}: cannot add a stream", self.url)));
                }
                if ff::ffi::avcodec_parameters_copy((*st).codecpar, s.params.as_ptr()) < 0 {
                    return Err(Error::Ffmpeg(format!("{}: cannot copy codec parameters", self.url)));
                }
                (*(*st).codecpar).codec_tag = 0;
                (*st).time_base = s.time_base.into();
                if let Some(r) = s.frame_rate.filter(|r| r.numerator() > 0 && r.denominator() > 0) {
                    (*st).avg_frame_rate = r.into();
                    (*st).r_frame_rate = r.into();
                }
                self.route[i] = (k, n as i32, s.time_base);
            }
            self.interrupt.arm(self.timeout);
            let started = std::time::Instant::now();
            if (*(*ctx).oformat).flags & ff::ffi::AVFMT_NOFILE == 0 {
                let r = ff::ffi::avio_open2(
                    &mut (*ctx).pb,
                    c_url.as_ptr(),
                    ff::ffi::AVIO_FLAG_WRITE,
                    &(*ctx).interrupt_callback,
                    std::ptr::null_mut(),
                );
                if r < 0 {
                    // libavformat's SRT layer reports every failed handshake as EIO; a caller that waited out
                    // libsrt's connect timeout (3 s by default) got no answer at all.
                    if dest.protocol == Protocol::Srt
                        && r == ff::ffi::AVERROR(libc::EIO)
                        && started.elapsed() >= Duration::from_millis(2900)
                        && !url.contains("mode=listener")
                    {
                        return Err(Error::Ffmpeg(format!(
                            "{}: cannot connect: no answer (connection timed out)",
                            self.url
                        )));
                    }
                    return Err(net_err(&self.url, "cannot connect", r, &self.interrupt, self.timeout));
                }
            }
            let mut opts = ff::Dictionary::new();
            match dest.protocol {
                Protocol::Rtsp => opts.set("rtsp_transport", "tcp"),
                Protocol::Rtmp => opts.set("flvflags", "no_duration_filesize"),
                _ => {}
            }
            let mut raw = opts.disown();
            self.interrupt.arm(self.timeout);
            let r = ff::ffi::avformat_write_header(ctx, &mut raw);
            ff::ffi::av_dict_free(&mut raw);
            if r < 0 {
                let what = if dest.protocol == Protocol::Rtsp {
                    "cannot connect"
                } else {
                    "cannot start the stream"
                };
                return Err(net_err(&self.url, what, r, &self.interrupt, self.timeout));
            }
            self.headers += 1;
            for (n, &i) in carried.iter().enumerate() {
                let st = *(*ctx).streams.add(n);
                self.route[i].2 = (*st).time_base.into();
            }
        }
        Ok(())
    }

    /// The session description of the outputs (RTP).
    pub fn sdp(&mut self) -> Option<String> {
        let mut buf = vec![0u8; 16384];
        // SAFETY: the contexts are valid and have written their headers; the buffer size is passed.
        let r = unsafe {
            ff::ffi::av_sdp_create(
                self.ctxs.as_mut_ptr(),
                self.ctxs.len() as c_int,
                buf.as_mut_ptr().cast(),
                buf.len() as c_int,
            )
        };
        if r < 0 {
            return None;
        }
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        Some(String::from_utf8_lossy(&buf[..end]).into_owned())
    }

    /// Writes one packet of input stream `index`, timestamps in `tb`.
    pub fn write(&mut self, index: usize, mut pkt: ff::Packet, tb: Rational) -> Result<()> {
        let Some(&(k, si, st_tb)) = self.route.get(index) else {
            return Ok(());
        };
        pkt.rescale_ts(tb, st_tb);
        pkt.set_stream(si as usize);
        pkt.set_position(-1);
        self.payload += pkt.size() as u64;
        self.interrupt.arm(self.timeout);
        // SAFETY: writing a packet we own to an open context (the muxer takes its reference).
        let r = unsafe { ff::ffi::av_interleaved_write_frame(self.ctxs[k], pkt.as_mut_ptr()) };
        if r < 0 {
            return Err(net_err(&self.url, "connection lost", r, &self.interrupt, self.timeout));
        }
        Ok(())
    }

    /// Bytes handed to the transport so far on this connection.
    pub fn bytes(&self) -> u64 {
        let mut total = 0u64;
        let mut any_pb = false;
        for &ctx in &self.ctxs {
            // SAFETY: reading the position of an open AVIOContext.
            unsafe {
                let pb = (*ctx).pb;
                if !pb.is_null() {
                    any_pb = true;
                    total += ff::ffi::avio_seek(pb, 0, libc::SEEK_CUR).max(0) as u64;
                }
            }
        }
        if any_pb { total } else { self.payload }
    }

    pub fn rtt_us(&self) -> Option<i64> {
        self.srt_fd.and_then(srt::rtt_us)
    }

    /// Ends the stream: trailers, flush, and (SRT) waits until the receiver acknowledged everything sent.
    pub fn finish(&mut self) -> Result<()> {
        self.finished = true;
        for &ctx in &self.ctxs {
            self.interrupt.arm(self.timeout);
            // SAFETY: an open context that wrote its header.
            let r = unsafe { ff::ffi::av_write_trailer(ctx) };
            if r < 0 {
                return Err(net_err(
                    &self.url,
                    "cannot finish the stream",
                    r,
                    &self.interrupt,
                    self.timeout,
                ));
            }
            // SAFETY: flushing an open AVIOContext.
            unsafe {
                if !(*ctx).pb.is_null() {
                    ff::ffi::avio_flush((*ctx).pb);
                    let e = (*(*ctx).pb).error;
                    if e < 0 {
                        return Err(net_err(
                            &self.url,
                            "cannot finish the stream",
                            e,
                            &self.interrupt,
                            self.timeout,
                        ));
                    }
                }
            }
        }
        if let Some(fd) = self.srt_fd {
            let start = std::time::Instant::now();
            while let Some(n) = srt::unacknowledged(fd) {
                tracing::debug!("{}: {n} packets unacknowledged", self.url);
                if n <= 0 {
                    break;
                }
                if start.elapsed() > self.timeout {
                    return Err(Error::Ffmpeg(format!(
                        "{}: {n} packets were not acknowledged within {} s",
                        self.url,
                        self.timeout.as_secs_f64()
                    )));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            // Acknowledged is not yet delivered: the receiver holds each packet for its latency before handing it
            // on, and drops what it still holds when the connection closes. Stay connected until it has played out.
            let hold = srt::peer_latency(fd).unwrap_or(Duration::from_millis(120));
            let rtt = Duration::from_micros(self.rtt_us().unwrap_or(0).max(0) as u64);
            std::thread::sleep((hold + rtt * 2 + Duration::from_millis(50)).min(self.timeout));
        }
        Ok(())
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Closing may talk to the peer (RTMP deleteStream, RTSP TEARDOWN): bounded like everything else.
        self.interrupt.arm(self.timeout.min(Duration::from_secs(2)));
        for (k, ctx) in self.ctxs.drain(..).enumerate() {
            // SAFETY: each context was allocated by avformat_alloc_output_context2 and is freed once here; its pb
            // was opened by avio_open2 unless the muxer opens its own I/O.
            unsafe {
                let own_io = (*(*ctx).oformat).flags & ff::ffi::AVFMT_NOFILE != 0;
                if own_io && k < self.headers && !self.finished {
                    // A muxer with its own connection (RTSP) only closes it in its trailer.
                    ff::ffi::av_write_trailer(ctx);
                }
                if !own_io {
                    ff::ffi::avio_closep(&mut (*ctx).pb);
                }
                ff::ffi::avformat_free_context(ctx);
            }
        }
    }
}

/// The URL libavformat opens: MPEG-TS over UDP in 7-packet datagrams unless the user chose otherwise.
fn open_url(dest: &Destination) -> String {
    let url = &dest.url;
    if dest.protocol == Protocol::Udp && !url.contains("pkt_size=") {
        let sep = if url.contains('?') { '&' } else { '?' };
        return format!("{url}{sep}pkt_size=1316");
    }
    url.clone()
}

/// Checks that the destination's container can carry every stream, before anything connects.
pub(crate) fn check_codecs(dest: &Destination, streams: &[StreamDesc]) -> Result<()> {
    let muxer = CString::new(dest.protocol.muxer()).map_err(|_| Error::InvalidArgument("muxer".into()))?;
    // SAFETY: looking a muxer up by name and asking it about codec ids.
    unsafe {
        let f = ff::ffi::av_guess_format(muxer.as_ptr(), std::ptr::null(), std::ptr::null());
        if f.is_null() {
            return Err(Error::Unsupported(format!(
                "{}: this FFmpeg has no {} muxer",
                dest.url,
                dest.protocol.muxer()
            )));
        }
        for s in streams {
            let id = (*s.params.as_ptr()).codec_id;
            // 0: known not to fit; negative: the muxer cannot tell (RTP), which is left to the header.
            if ff::ffi::avformat_query_codec(f, id, ff::ffi::FF_COMPLIANCE_NORMAL) == 0 {
                return Err(Error::Unsupported(format!(
                    "{}: {} cannot be carried in {}",
                    dest.url,
                    ff::codec::Id::from(id).name(),
                    dest.protocol.muxer()
                )));
            }
        }
    }
    Ok(())
}
