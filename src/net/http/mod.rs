//! The HTTP origin: serves a directory of packaged HLS/DASH (and live streams from the [`LiveRegistry`]) with
//! the headers players and CDNs need, a built-in player page, `/metrics`, and graceful shutdown.
//!
//! Routes: `/` the player page; `/_reel/...` its scripts and the package list; `/api/streams` live streams
//! (JSON); `/metrics` Prometheus text; `/live/NAME/FILE` a live stream's files (when NAME is published);
//! everything else a file under the root.

pub mod conditional;
pub mod files;
mod handler;
pub mod metrics;
mod page;
pub mod policy;

use crate::error::{Error, Result};
use crate::net::live::LiveRegistry;
use crate::net::zero_copy::ZeroCopyStream;
use files::FileStore;
use metrics::Metrics;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::net::TcpListener;

/// Receives one record per answered request (the binary decides where access lines go).
pub type AccessLogSink = Arc<dyn Fn(&AccessRecord<'_>) + Send + Sync>;

/// Settings of the origin.
#[derive(Clone)]
pub struct OriginConfig {
    /// The directory served.
    pub root: PathBuf,
    /// Answer directory URLs with an HTML listing (off: 404).
    pub listing: bool,
    /// Total bytes of small files kept in memory.
    pub cache_budget: u64,
    /// Largest file kept in memory; larger files are streamed from disk.
    pub cache_file_max: u64,
    /// Where access records go; `None`: nowhere.
    pub access_log: Option<AccessLogSink>,
    /// Live streams served under `/live/`.
    pub live: Arc<LiveRegistry>,
    /// After a shutdown signal, how long in-flight requests may take before the server stops anyway.
    pub shutdown_grace: Duration,
    /// Worker threads, each with its own event loop and listening socket (`None`: one per core).
    pub workers: Option<usize>,
}

impl OriginConfig {
    /// Defaults: no listing, 256 MiB cache of files up to 16 MiB, no access log, an empty registry, 10 s grace.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        OriginConfig {
            root: root.into(),
            listing: false,
            cache_budget: 256 << 20,
            cache_file_max: 16 << 20,
            access_log: None,
            live: LiveRegistry::new(),
            shutdown_grace: Duration::from_secs(10),
            workers: None,
        }
    }
}

/// One answered request, as the access log sees it. `Display` writes the combined log format plus the time
/// taken in milliseconds.
pub struct AccessRecord<'a> {
    pub time: SystemTime,
    pub peer: SocketAddr,
    pub method: &'a str,
    pub target: &'a str,
    pub version: &'a str,
    pub status: u16,
    pub bytes: u64,
    pub referer: &'a str,
    pub user_agent: &'a str,
    pub elapsed: Duration,
}

impl fmt::Display for AccessRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = |s: &str| {
            if s.is_empty() {
                "-".to_string()
            } else {
                s.escape_default().to_string()
            }
        };
        write!(
            f,
            "{} - - [{}] \"{} {} {}\" {} {} \"{}\" \"{}\" {:.3}ms",
            self.peer.ip(),
            clf_time(self.time),
            self.method,
            self.target.escape_default(),
            self.version,
            self.status,
            self.bytes,
            quoted(self.referer),
            quoted(self.user_agent),
            self.elapsed.as_secs_f64() * 1000.0
        )
    }
}

/// `10/Oct/2000:13:55:36 +0000` (UTC).
fn clf_time(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{:02}/{}/{}:{:02}:{:02}:{:02} +0000",
        day,
        MONTHS[(month - 1).clamp(0, 11) as usize],
        year,
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// State shared by every request.
pub(crate) struct Shared {
    pub files: FileStore,
    pub listing: bool,
    pub access_log: Option<AccessLogSink>,
    pub live: Arc<LiveRegistry>,
    pub metrics: Arc<Metrics>,
}

/// A bound, not yet running origin.
///
/// It runs like nginx: one single-threaded event loop per worker thread, each accepting on its own socket bound
/// to the same address with `SO_REUSEPORT` (the kernel spreads connections). No work stealing and no
/// cross-thread wake-ups on the request path; state shared between workers is read-mostly (file cache) or
/// relaxed atomics (metrics).
pub struct Origin {
    listeners: Vec<std::net::TcpListener>,
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    grace: Duration,
}

impl Origin {
    /// Checks the root and binds one listening socket per worker (default: one per core). Port 0 picks a free
    /// port; see [`Origin::local_addr`].
    pub fn bind(config: OriginConfig, addr: SocketAddr) -> Result<Origin> {
        raise_descriptor_limit();
        let files = FileStore::new(&config.root, config.cache_budget, config.cache_file_max)?;
        let workers = config
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
            .clamp(1, 256);
        let io = |e| Error::io(format!("{addr}"), e);
        let first = reuseport_listener(addr).map_err(io)?;
        let local_addr = first.local_addr().map_err(io)?;
        let mut listeners = vec![first];
        for _ in 1..workers {
            listeners.push(reuseport_listener(local_addr).map_err(io)?);
        }
        if workers > 1 {
            // Best effort: without it the kernel hashes connections over the workers instead.
            if let Err(e) = steer_by_cpu(&listeners[0], workers) {
                tracing::debug!("serve: connections hashed over the workers, not steered by CPU: {e}");
            }
        }
        let shared = Arc::new(Shared {
            files,
            listing: config.listing,
            access_log: config.access_log,
            live: config.live,
            metrics: Arc::new(Metrics::default()),
        });
        Ok(Origin {
            listeners,
            local_addr,
            shared,
            grace: config.shutdown_grace,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The origin's counters (also served at `/metrics`).
    pub fn metrics(&self) -> Arc<Metrics> {
        self.shared.metrics.clone()
    }

    /// Serves until `shutdown` completes (polled on the calling thread, in a runtime with signal and timer
    /// support), then stops accepting, lets in-flight requests finish (up to the grace period) and returns.
    /// Blocks the calling thread.
    pub fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<std::io::Result<()>>();
        let workers = self.listeners.len();
        for (i, listener) in self.listeners.into_iter().enumerate() {
            let shared = self.shared.clone();
            let mut stop = stop_rx.clone();
            let done = done_tx.clone();
            let worker = move || {
                let result = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .and_then(|rt| {
                        rt.block_on(async move {
                            listener.set_nonblocking(true)?;
                            let listener = CountingListener {
                                inner: TcpListener::from_std(listener)?,
                                metrics: shared.metrics.clone(),
                            };
                            let app = axum::Router::new().fallback(handler::handle).with_state(shared);
                            axum::serve(listener, app.into_make_service_with_connect_info::<PeerAddr>())
                                .with_graceful_shutdown(async move {
                                    let _ = stop.wait_for(|s| *s).await;
                                })
                                .await
                        })
                    });
                let _ = done.send(result);
            };
            std::thread::Builder::new()
                .name(format!("reel-http-{i}"))
                .spawn(worker)
                .map_err(Error::IoBare)?;
        }
        drop(done_tx);
        let control = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::IoBare)?;
        let grace = self.grace;
        control
            .block_on(async move {
                let mut finished = 0;
                tokio::select! {
                    () = shutdown => {}
                    // A worker that stops on its own (it should not) stops the origin rather than leave a hole.
                    Some(result) = done_rx.recv() => {
                        finished += 1;
                        result?;
                    }
                }
                let _ = stop_tx.send(true);
                let deadline = tokio::time::Instant::now() + grace;
                while finished < workers {
                    match tokio::time::timeout_at(deadline, done_rx.recv()).await {
                        Ok(Some(result)) => {
                            finished += 1;
                            result?;
                        }
                        // Grace period over (or every worker gone): return; stragglers end with the process.
                        _ => break,
                    }
                }
                Ok::<(), std::io::Error>(())
            })
            .map_err(Error::IoBare)
    }
}

/// Raises the soft limit on open descriptors to the hard limit, as nginx's `worker_rlimit_nofile` and Go's
/// runtime do: each connection and each sealed body takes one, and the usual soft default (1024) would refuse
/// connections long before the machine runs short.
fn raise_descriptor_limit() {
    // SAFETY: getrlimit/setrlimit read and write one rlimit.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                tracing::debug!(
                    "serve: descriptor limit not raised: {}",
                    std::io::Error::last_os_error()
                );
            }
        }
    }
}

/// A listening socket with `SO_REUSEPORT`, so each worker has its own on the same address.
fn reuseport_listener(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    socket.listen(4096)?;
    Ok(socket.into())
}

/// Steers each new connection to the worker whose index is the CPU that took it in (modulo the worker count),
/// with a classic BPF program on the `SO_REUSEPORT` group. The kernel's default hashes the connection's
/// addresses instead, so a worker often serves a client running on the other core and every response crosses
/// between the cores' caches; taking the CPU keeps a client and its worker together, as nginx's shared accept
/// queue does by waking the worker on the CPU where the connection arrived.
///
/// Only where the CPUs this process may run on reach every worker (CPU number modulo the worker count): with
/// more workers than CPUs, or a CPU set such as {0, 2} for two workers, some workers would get nothing.
#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
fn steer_by_cpu(listener: &std::net::TcpListener, workers: usize) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: an all-zero cpu_set_t is the empty set; sched_getaffinity writes at most its size.
    let mut allowed: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    if unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut allowed) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut reached = vec![false; workers];
    for cpu in 0..libc::CPU_SETSIZE as usize {
        // SAFETY: `cpu` is below CPU_SETSIZE, the set's capacity.
        if unsafe { libc::CPU_ISSET(cpu, &allowed) } {
            reached[cpu % workers] = true;
        }
    }
    if reached.contains(&false) {
        return Err(std::io::Error::other("the allowed CPUs do not reach every worker"));
    }
    let workers = u32::try_from(workers).map_err(std::io::Error::other)?;
    // asm-generic/socket.h (x86-64 and arm64 use the generic numbers); absent from the libc crate for Linux.
    const SO_ATTACH_REUSEPORT_CBPF: libc::c_int = 51;
    let op = |code: u32, k: u32| libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    };
    let mut program = [
        // A = the current CPU; A %= workers; return A (the index of the socket in the group).
        op(
            libc::BPF_LD | libc::BPF_W | libc::BPF_ABS,
            (libc::SKF_AD_OFF + libc::SKF_AD_CPU) as u32,
        ),
        op(libc::BPF_ALU | libc::BPF_MOD | libc::BPF_K, workers),
        op(libc::BPF_RET | libc::BPF_A, 0),
    ];
    let fprog = libc::sock_fprog {
        len: program.len() as u16,
        filter: program.as_mut_ptr(),
    };
    // SAFETY: `fprog` points at `program`, which outlives the call; the kernel copies the program.
    let rc = unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::SOL_SOCKET,
            SO_ATTACH_REUSEPORT_CBPF,
            (&fprog as *const libc::sock_fprog).cast(),
            std::mem::size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))))]
fn steer_by_cpu(_listener: &std::net::TcpListener, _workers: usize) -> std::io::Result<()> {
    Ok(())
}

/// The client's address, for the access log.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PeerAddr(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, CountingListener>> for PeerAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, CountingListener>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

/// Accepts connections, sets TCP_NODELAY and counts open connections for `/metrics`.
struct CountingListener {
    inner: TcpListener,
    metrics: Arc<Metrics>,
}

impl axum::serve::Listener for CountingListener {
    type Io = ZeroCopyStream<OpenConnection>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    self.metrics.connection_opened();
                    return (ZeroCopyStream::new(stream, OpenConnection(self.metrics.clone())), addr);
                }
                // Out of descriptors or a connection reset before accept: back off briefly, keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// Held by a client connection: decrements the open-connection gauge when the connection is dropped.
struct OpenConnection(Arc<Metrics>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.connection_closed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins the calling thread to one CPU; false where that is not allowed.
    #[cfg(target_os = "linux")]
    fn pin_to(cpu: usize) -> bool {
        // SAFETY: an all-zero cpu_set_t is the empty set; `cpu` is below CPU_SETSIZE (checked by the caller).
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
        }
    }

    #[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
    #[test]
    fn connections_go_to_the_worker_of_the_cpu_that_took_them_in() {
        if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
            eprintln!("skip: needs two CPUs");
            return;
        }
        let first = reuseport_listener("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = first.local_addr().unwrap();
        let second = reuseport_listener(addr).unwrap();
        if let Err(e) = steer_by_cpu(&first, 2) {
            // A kernel or sandbox without SO_ATTACH_REUSEPORT_CBPF (Linux < 4.5, seccomp): serving still works.
            eprintln!("skip: steering not available here: {e}");
            return;
        }
        for listener in [&first, &second] {
            listener.set_nonblocking(true).unwrap();
        }
        let accepted = |listener: &std::net::TcpListener| std::iter::from_fn(|| listener.accept().ok()).count();
        for cpu in [0, 1] {
            if !pin_to(cpu) {
                eprintln!("skip: cannot pin to CPU {cpu}");
                return;
            }
            // On loopback the connection is taken in on the connecting thread's CPU.
            let clients: Vec<_> = (0..8).map(|_| std::net::TcpStream::connect(addr).unwrap()).collect();
            std::thread::sleep(Duration::from_millis(50));
            let counts = [accepted(&first), accepted(&second)];
            let mut expected = [0, 0];
            expected[cpu] = clients.len();
            assert_eq!(counts, expected, "client on CPU {cpu}");
        }
    }

    #[test]
    fn clf_dates() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(971_186_136);
        assert_eq!(clf_time(t), "10/Oct/2000:13:55:36 +0000");
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_210_096);
        assert_eq!(clf_time(t), "29/Feb/2024:12:34:56 +0000");
    }
}

#[cfg(test)]
mod live_tests {
    //! The live routes end to end: a registry stream served over HTTP, with blocking playlist reloads.

    use super::*;
    use crate::net::live::{LivePlaylist, PlaylistProgress};
    use bytes::Bytes;

    fn playlist(msn: u64) -> LivePlaylist {
        let mut text = format!(
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:{}\n",
            msn.saturating_sub(2)
        );
        for n in msn.saturating_sub(2)..=msn {
            text.push_str(&format!("#EXTINF:2.0,\nseg{n}.m4s\n"));
        }
        LivePlaylist {
            text: Bytes::from(text),
            progress: PlaylistProgress {
                msn,
                part: None,
                parts: 0,
            },
            target_duration: 2.0,
            ended: false,
        }
    }

    fn get(url: &str) -> (u16, String, String) {
        let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
        let mut resp = agent.get(url).call().expect(url);
        let cache = resp
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        (resp.status().as_u16(), cache, body)
    }

    #[test]
    fn live_stream_served_with_blocking_reload() {
        let root = tempfile::tempdir().expect("tempdir");
        let registry = LiveRegistry::new();
        let stream = registry.publish("cam");
        stream.set_details("127.0.0.1:50000", "avc1.64001f,mp4a.40.2");
        stream.put_segment("seg4.m4s", Bytes::from_static(b"segment four"));
        stream.put_playlist("index.m3u8", playlist(4));
        let mut config = OriginConfig::new(root.path());
        config.live = registry.clone();
        config.workers = Some(2);
        let origin = Origin::bind(config, "127.0.0.1:0".parse().expect("addr")).expect("bind");
        let base = format!("http://{}", origin.local_addr());
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = std::thread::spawn(move || {
            origin.run(async {
                let _ = stop_rx.await;
            })
        });

        let (status, cache, body) = get(&format!("{base}/live/cam/index.m3u8"));
        assert_eq!((status, cache.as_str()), (200, "public, max-age=1"));
        assert!(body.contains("seg4.m4s"));
        let (status, cache, body) = get(&format!("{base}/live/cam/seg4.m4s"));
        assert_eq!(
            (status, cache.as_str(), body.as_str()),
            (200, "public, max-age=31536000, immutable", "segment four")
        );
        assert_eq!(get(&format!("{base}/live/cam/seg9.m4s")).0, 404);
        assert_eq!(
            get(&format!("{base}/live/cam/index.m3u8?_HLS_msn=9")).0,
            400,
            "too far ahead"
        );
        assert_eq!(
            get(&format!("{base}/live/cam/index.m3u8?_HLS_part=1")).0,
            400,
            "part without msn"
        );

        // A reader blocked on segment 5 gets the playlist that lists it as soon as it is published.
        let publisher = stream.clone();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            publisher.put_segment("seg5.m4s", Bytes::from_static(b"segment five"));
            publisher.put_playlist("index.m3u8", playlist(5));
        });
        let (status, _, body) = get(&format!("{base}/live/cam/index.m3u8?_HLS_msn=5"));
        assert_eq!(status, 200);
        assert!(body.contains("seg5.m4s"), "{body}");
        let _ = writer.join();

        let (_, _, streams) = get(&format!("{base}/api/streams"));
        assert!(
            streams.contains("\"name\":\"cam\"") && streams.contains("avc1.64001f"),
            "{streams}"
        );
        let (_, _, packages) = get(&format!("{base}/_reel/api/packages"));
        assert!(packages.contains("/live/cam/index.m3u8"), "{packages}");

        // A large segment is sealed when published and sent without a copy, byte for byte.
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        stream.put_segment("seg6.m4s", Bytes::from(big.clone()));
        let sent_before = crate::net::zero_copy::bytes_sent();
        let mut resp = ureq::get(&format!("{base}/live/cam/seg6.m4s"))
            .call()
            .expect("large segment");
        let got = resp.body_mut().read_to_vec().expect("body");
        assert!(got == big, "the large segment's bytes differ");
        assert!(crate::net::zero_copy::bytes_sent() - sent_before >= big.len() as u64);

        let _ = stop_tx.send(());
        assert!(matches!(server.join(), Ok(Ok(()))));
    }
}
