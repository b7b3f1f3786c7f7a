//! Zero-copy responses: cached file bodies and live segments live in sealed in-memory files, and the connection
//! writer hands their pages to the socket with `sendfile(2)` instead of copying them into socket buffers.
//!
//! Why: on loopback against wrk, copying each response into fresh socket buffers made the client's side of every
//! transfer dearer (it read pages just written on the other core); nginx sends from the page cache. Measured on 2
//! cores: wrk's CPU per response fell by about a sixth, reel's own rose by about a tenth (the splice path costs
//! more than one copy), and segment requests/s went from parity with nginx to above it (docs/serve.md).
//!
//! hyper only ever sees a body as bytes in memory, so the bytes of a sealed body are a read-only mapping of its
//! memory file, registered by address: when hyper asks the connection to write a slice that lies inside such a
//! mapping, [`ZeroCopyStream`] sends that range of the file. Sealing (`F_SEAL_WRITE`, `F_SEAL_SHRINK`) makes the
//! file immutable, so what is sent is always what the ETag describes, even while the file on disk is rewritten.

use bytes::Bytes;
use std::collections::BTreeMap;
use std::io::{IoSlice, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// Bodies smaller than this are plain heap bytes: for them, one copy costs less than the extra system call.
pub const SEAL_MIN: usize = 32 << 10;

/// Live sealed mappings: start address -> (length, memory file descriptor).
static MAPPINGS: RwLock<BTreeMap<usize, (usize, RawFd)>> = RwLock::new(BTreeMap::new());

/// Bytes sent with sendfile since the process started (all origins: the mappings are process-wide too).
static BYTES_SENT: AtomicU64 = AtomicU64::new(0);

/// Response bytes sent from sealed bodies without a copy (for `/metrics`).
pub fn bytes_sent() -> u64 {
    BYTES_SENT.load(Ordering::Relaxed)
}

/// Each sealed body holds a descriptor: at most a quarter of the process's limit go to them, so connections
/// never run out (beyond that, bodies stay on the heap and are copied). Read at each seal (once per segment,
/// not per request), so a limit raised after start counts.
fn sealed_max() -> usize {
    // SAFETY: getrlimit writes one rlimit.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur as usize
    } else {
        1024
    };
    soft / 4
}

/// A sealed memory file and its read-only mapping; owns both.
struct SealedBody {
    ptr: *const u8,
    len: usize,
    fd: OwnedFd,
}

// SAFETY: the mapping is read-only and immutable (sealed) for its whole life; only Drop unmaps it.
unsafe impl Send for SealedBody {}
// SAFETY: as above; shared access is reads of immutable memory.
unsafe impl Sync for SealedBody {}

impl AsRef<[u8]> for SealedBody {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes until Drop.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for SealedBody {
    fn drop(&mut self) {
        // Unregister first: once unmapped, the address range may be reused by another mapping.
        if let Ok(mut map) = MAPPINGS.write() {
            map.remove(&(self.ptr as usize));
        }
        // SAFETY: `ptr`/`len` are the mapping made in `sealed`, unmapped once, here.
        unsafe {
            libc::munmap(self.ptr as *mut libc::c_void, self.len);
        }
        // `fd` closes after this.
    }
}

/// Copies `data` into a new sealed memory file and returns its bytes, which [`ZeroCopyStream`] sends without
/// copying. Returns `data` itself where it is small or memory files are not available.
pub fn sealed(data: Bytes) -> Bytes {
    if data.len() < SEAL_MIN {
        return data;
    }
    match seal(&data) {
        Ok(body) => Bytes::from_owner(body),
        Err(e) => {
            tracing::debug!("serve: body kept on the heap, not in a memory file: {e}");
            data
        }
    }
}

fn seal(data: &[u8]) -> std::io::Result<SealedBody> {
    let last_error = std::io::Error::last_os_error;
    if MAPPINGS.read().map_or(0, |map| map.len()) >= sealed_max() {
        return Err(std::io::Error::other(
            "a quarter of the descriptor limit is in sealed bodies",
        ));
    }
    // SAFETY: the name is a NUL-terminated literal.
    let raw = unsafe { libc::memfd_create(c"reel-body".as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
    if raw < 0 {
        return Err(last_error());
    }
    // SAFETY: `raw` is a new descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let mut file = std::fs::File::from(fd.try_clone()?);
    file.write_all(data)?;
    drop(file);
    let seals = libc::F_SEAL_WRITE | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;
    // SAFETY: plain fcntl on a descriptor we own.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals) } != 0 {
        return Err(last_error());
    }
    // SAFETY: maps `data.len()` bytes of a file of that length, read-only; checked against MAP_FAILED.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            data.len(),
            libc::PROT_READ,
            libc::MAP_SHARED,
            fd.as_raw_fd(),
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(last_error());
    }
    let body = SealedBody {
        ptr: ptr as *const u8,
        len: data.len(),
        fd,
    };
    MAPPINGS
        .write()
        .map_err(|_| std::io::Error::other("mapping registry poisoned"))?
        .insert(ptr as usize, (body.len, body.fd.as_raw_fd()));
    Ok(body)
}

/// The memory file and offset holding `slice`, when it lies wholly inside a sealed mapping.
///
/// The descriptor stays valid while the caller holds `slice`: the mapping (and its file) cannot be dropped while
/// bytes of it are borrowed.
fn locate(slice: &[u8]) -> Option<(RawFd, u64)> {
    if slice.is_empty() {
        return None;
    }
    let start = slice.as_ptr() as usize;
    let map = MAPPINGS.read().ok()?;
    let (&base, &(len, fd)) = map.range(..=start).next_back()?;
    (start + slice.len() <= base + len).then_some((fd, (start - base) as u64))
}

/// A client connection that sends sealed bodies with `sendfile(2)` and everything else as a TCP stream does;
/// `guard` lives as long as the connection (the origin's open-connection count).
pub struct ZeroCopyStream<G> {
    inner: TcpStream,
    _guard: G,
}

impl<G: Unpin> ZeroCopyStream<G> {
    pub fn new(inner: TcpStream, guard: G) -> Self {
        ZeroCopyStream { inner, _guard: guard }
    }

    /// Sends up to `len` bytes of memory file `fd` from `offset`.
    fn poll_sendfile(&self, cx: &mut Context<'_>, fd: RawFd, offset: u64, len: usize) -> Poll<std::io::Result<usize>> {
        let socket = self.inner.as_raw_fd();
        loop {
            ready!(self.inner.poll_write_ready(cx))?;
            let sent = self.inner.try_io(Interest::WRITABLE, || {
                let mut off = offset as libc::off_t;
                // SAFETY: both descriptors are open (the caller holds the mapping's bytes); `off` is ours.
                let n = unsafe { libc::sendfile(socket, fd, &mut off, len.min(1 << 30)) };
                if n < 0 {
                    Err(std::io::Error::last_os_error())
                } else {
                    BYTES_SENT.fetch_add(n as u64, Ordering::Relaxed);
                    Ok(n as usize)
                }
            });
            match sent {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                result => return Poll::Ready(result),
            }
        }
    }

    /// Writes `bufs` with MSG_MORE: a sealed body follows, so the kernel may put both in the same packets.
    fn poll_send_more(&self, cx: &mut Context<'_>, bufs: &[IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
        let socket = self.inner.as_raw_fd();
        loop {
            ready!(self.inner.poll_write_ready(cx))?;
            let sent = self.inner.try_io(Interest::WRITABLE, || {
                // SAFETY: an all-zero msghdr is valid (no address, no control data).
                let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
                // IoSlice is ABI-compatible with iovec on Unix; sendmsg only reads them.
                msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
                msg.msg_iovlen = bufs.len().min(libc::UIO_MAXIOV as usize) as _;
                // SAFETY: `msg` points at `bufs`, which outlive the call.
                let n = unsafe { libc::sendmsg(socket, &msg, libc::MSG_MORE | libc::MSG_NOSIGNAL) };
                if n < 0 {
                    Err(std::io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            match sent {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                result => return Poll::Ready(result),
            }
        }
    }
}

/// Errors after which `sendfile` will not work on this pair of descriptors: copy instead.
fn sendfile_unsupported(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP))
}

impl<G: Unpin> AsyncRead for ZeroCopyStream<G> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<G: Unpin> AsyncWrite for ZeroCopyStream<G> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let Some(first) = bufs.iter().position(|b| !b.is_empty()) else {
            return Poll::Ready(Ok(0));
        };
        let bufs = &bufs[first..];
        if let Some((fd, offset)) = locate(&bufs[0]) {
            return match ready!(self.poll_sendfile(cx, fd, offset, bufs[0].len())) {
                Err(e) if sendfile_unsupported(&e) => Pin::new(&mut self.inner).poll_write(cx, &bufs[0]),
                result => Poll::Ready(result),
            };
        }
        // Plain slices up to the next sealed one (hyper's headers before a body).
        match bufs.iter().position(|b| locate(b).is_some()) {
            Some(sealed_at) => self.poll_send_more(cx, &bufs[..sealed_at]),
            None => Pin::new(&mut self.inner).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn sealed_bodies_are_found_by_address_and_forgotten_when_dropped() {
        let data = pattern(SEAL_MIN * 3 + 17);
        let body = sealed(Bytes::from(data.clone()));
        assert_eq!(&body[..], &data[..]);
        let (fd, offset) = locate(&body).expect("a sealed body is registered");
        assert_eq!(offset, 0);
        // A range of it (a Range response's slice) is found at its offset in the same file.
        let part = body.slice(1000..5000);
        assert_eq!(locate(&part), Some((fd, 1000)));
        // The memory file holds the same bytes.
        let mut read_back = vec![0u8; 4000];
        // SAFETY: reads into a buffer of the given length from a descriptor the body keeps open.
        let n = unsafe { libc::pread(fd, read_back.as_mut_ptr().cast(), read_back.len(), 1000) };
        assert_eq!(n, 4000);
        assert_eq!(read_back, data[1000..5000]);
        // Nobody can change it: the file is sealed against writes.
        // SAFETY: a one-byte write from a live buffer.
        let written = unsafe { libc::pwrite(fd, [0u8].as_ptr().cast(), 1, 0) };
        assert_eq!(written, -1, "a sealed body must refuse writes");
        let start = body.as_ptr() as usize;
        drop((body, part));
        assert!(!MAPPINGS.read().unwrap().contains_key(&start));
    }

    #[test]
    fn small_and_heap_bodies_are_copied() {
        let small = sealed(Bytes::from(pattern(SEAL_MIN - 1)));
        assert_eq!(&small[..], &pattern(SEAL_MIN - 1)[..]);
        assert_eq!(locate(&small), None);
        let heap = pattern(SEAL_MIN * 2);
        assert_eq!(locate(&heap), None);
        assert_eq!(locate(&[]), None);
    }

    /// A slow reader with a small receive buffer makes every sendfile partial and every write wait: the bytes
    /// that arrive, over one kept-alive connection with the next response's headers after the body, are still
    /// exactly the body's.
    #[test]
    fn partial_sends_deliver_the_exact_body() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let data = pattern(1 << 20);
        let body = sealed(Bytes::from(data.clone()));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = std::thread::spawn(move || {
                let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
                socket.set_recv_buffer_size(4096).unwrap();
                socket.connect(&addr.into()).unwrap();
                let mut stream: std::net::TcpStream = socket.into();
                let mut got = Vec::new();
                let mut chunk = [0u8; 1500];
                loop {
                    match std::io::Read::read(&mut stream, &mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got.extend_from_slice(&chunk[..n]),
                    }
                }
                got
            });
            let (socket, _) = listener.accept().await.unwrap();
            let sent_before = bytes_sent();
            let mut stream = ZeroCopyStream::new(socket, ());
            for _ in 0..2 {
                let header = b"HEAD\n";
                let mut bufs = [IoSlice::new(header), IoSlice::new(&body)];
                let mut slices = &mut bufs[..];
                while !slices.is_empty() {
                    let n = stream.write_vectored(slices).await.unwrap();
                    IoSlice::advance_slices(&mut slices, n);
                }
            }
            stream.write_all(b"END").await.unwrap();
            stream.shutdown().await.unwrap();
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest).await;
            let got = client.join().unwrap();
            let mut expected = Vec::new();
            for _ in 0..2 {
                expected.extend_from_slice(b"HEAD\n");
                expected.extend_from_slice(&data);
            }
            expected.extend_from_slice(b"END");
            assert!(
                bytes_sent() - sent_before >= 2 * data.len() as u64,
                "the bodies went out with sendfile"
            );
            assert_eq!(got.len(), expected.len());
            assert!(got == expected, "bytes differ");
        });
    }
}
