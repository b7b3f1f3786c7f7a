//! Opening an input for probing: a file path, stdin, a URL libavformat knows, or bytes in memory (custom AVIOContext).

use crate::error::{Error, Result};
use crate::probe::raw;
use ffmpeg_next::ffi;
use ffmpeg_next::packet::Mut as _;
use libc::{c_int, c_void};
use std::ffi::CString;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Where a probe reads from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A local file.
    Path(PathBuf),
    /// Standard input (a pipe: not seekable).
    Stdin,
    /// A URL libavformat opens itself (`http://`, `file:`, `pipe:`...).
    Url(String),
}

impl Source {
    /// Interprets a command-line argument: `-` is stdin, `scheme:...` with a protocol libavformat knows is a URL
    /// (unless a file of that name exists), anything else is a path.
    pub fn from_arg(arg: &str) -> Source {
        if arg == "-" {
            return Source::Stdin;
        }
        if !Path::new(arg).exists() && is_url(arg) {
            return Source::Url(arg.to_string());
        }
        Source::Path(PathBuf::from(arg))
    }

    /// The name used in messages and in `format.filename`.
    pub fn display_name(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::Stdin => "-".to_string(),
            Source::Url(u) => u.clone(),
        }
    }

    /// What libavformat is asked to open.
    fn url(&self) -> Result<CString> {
        let s = match self {
            Source::Path(p) => {
                let meta = std::fs::metadata(p).map_err(Error::IoBare)?;
                if meta.is_dir() {
                    return Err(Error::InvalidArgument("is a directory".into()));
                }
                if meta.is_file() && meta.len() == 0 {
                    return Err(Error::Malformed("empty file".into()));
                }
                // "file:" keeps names with a colon from being read as a protocol.
                format!("file:{}", p.display())
            }
            Source::Stdin => "pipe:0".to_string(),
            Source::Url(u) => u.clone(),
        };
        CString::new(s).map_err(|_| Error::InvalidArgument("name contains a NUL byte".into()))
    }
}

/// True when `arg` starts with a protocol scheme that libavformat can open.
fn is_url(arg: &str) -> bool {
    let Some((scheme, _)) = arg.split_once(':') else {
        return false;
    };
    // One-letter schemes are Windows drive letters, not protocols.
    if scheme.len() < 2 || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
        return false;
    }
    let Ok(c) = CString::new(arg) else { return false };
    // SAFETY: a pure lookup on a NUL-terminated string.
    !unsafe { ffi::avio_find_protocol_name(c.as_ptr()) }.is_null()
}

/// An opened, probed AVFormatContext (after `avformat_find_stream_info`), closed on drop.
pub(crate) struct Demuxer {
    pub(crate) ctx: *mut ffi::AVFormatContext,
    /// Our own AVIOContext for in-memory input: freed after the format context, which does not own it.
    io: Option<MemoryIo>,
}

impl Demuxer {
    /// Opens a source and reads enough to know its streams.
    pub(crate) fn open(source: &Source) -> Result<Demuxer> {
        crate::init();
        let url = source.url()?;
        let demuxer = Demuxer::open_url(&url, None)?;
        if let Source::Path(p) = source {
            demuxer.check_not_truncated(p)?;
        }
        Ok(demuxer)
    }

    /// Opens bytes held in memory (seekable), as a fuzzer or an embedding program supplies them.
    pub(crate) fn open_bytes(data: &[u8]) -> Result<Demuxer> {
        crate::init();
        if data.is_empty() {
            return Err(Error::Malformed("empty input".into()));
        }
        let io = MemoryIo::new(data.to_vec())?;
        Demuxer::open_url(c"memory:", Some(io))
    }

    fn open_url(url: &std::ffi::CStr, io: Option<MemoryIo>) -> Result<Demuxer> {
        // SAFETY: standard avformat life cycle; on failure avformat_open_input frees the context (not our AVIO).
        unsafe {
            let mut ctx = ffi::avformat_alloc_context();
            if ctx.is_null() {
                return Err(Error::Ffmpeg("out of memory".into()));
            }
            if let Some(io) = &io {
                (*ctx).pb = io.avio;
                (*ctx).flags |= ffi::AVFMT_FLAG_CUSTOM_IO;
            }
            let mut opts: *mut ffi::AVDictionary = std::ptr::null_mut();
            // As ffprobe does: find every program of an MPEG-TS, not only those in the first PAT.
            ffi::av_dict_set(
                &mut opts,
                c"scan_all_pmts".as_ptr(),
                c"1".as_ptr(),
                ffi::AV_DICT_DONT_OVERWRITE,
            );
            let ret = ffi::avformat_open_input(&mut ctx, url.as_ptr(), std::ptr::null(), &mut opts);
            ffi::av_dict_free(&mut opts);
            if ret < 0 {
                return Err(open_error(ret));
            }
            let demuxer = Demuxer { ctx, io };
            let ret = ffi::avformat_find_stream_info(ctx, std::ptr::null_mut());
            if ret < 0 {
                return Err(open_error(ret));
            }
            if (*ctx).nb_streams == 0 {
                return Err(Error::Malformed("no streams found".into()));
            }
            Ok(demuxer)
        }
    }

    /// A file whose index points past its end was cut short (an interrupted download or copy). The demuxer would
    /// open it happily and fail later; saying so now is more useful.
    fn check_not_truncated(&self, path: &Path) -> Result<()> {
        let Ok(size) = std::fs::metadata(path).map(|m| m.len() as i64) else {
            return Ok(());
        };
        for st in self.streams() {
            // SAFETY: `st` is a live stream of this context; the index entry pointer is valid until the next read.
            unsafe {
                let n = ffi::avformat_index_get_entries_count(st);
                if n <= 0 {
                    continue;
                }
                let e = ffi::avformat_index_get_entry(st, n - 1);
                if e.is_null() {
                    continue;
                }
                let end = (*e).pos.saturating_add((*e).size() as i64);
                if (*e).pos >= 0 && end > size {
                    return Err(Error::Malformed(format!(
                        "truncated: stream {} runs to byte {end} but the file has {size} bytes",
                        (*st).index
                    )));
                }
            }
        }
        Ok(())
    }

    /// The streams, in index order.
    pub(crate) fn streams(&self) -> Vec<*mut ffi::AVStream> {
        // SAFETY: `streams` holds `nb_streams` valid pointers while the context lives.
        unsafe {
            let n = (*self.ctx).nb_streams as usize;
            if n == 0 || (*self.ctx).streams.is_null() {
                return Vec::new();
            }
            std::slice::from_raw_parts((*self.ctx).streams, n).to_vec()
        }
    }

    /// Reads the next packet into `pkt`; Ok(false) at the end of the input.
    pub(crate) fn read(&mut self, pkt: &mut ffmpeg_next::Packet) -> Result<bool> {
        // SAFETY: the packet is a valid, owned AVPacket; av_read_frame unreferences nothing it does not own.
        let ret = unsafe {
            ffi::av_packet_unref(pkt.as_mut_ptr());
            ffi::av_read_frame(self.ctx, pkt.as_mut_ptr())
        };
        if ret == ffi::AVERROR_EOF {
            Ok(false)
        } else if ret < 0 {
            Err(Error::Malformed(raw::error_text(ret)))
        } else {
            Ok(true)
        }
    }
}

impl Drop for Demuxer {
    fn drop(&mut self) {
        // SAFETY: the context came from avformat_open_input; the custom AVIO (if any) is freed after it.
        unsafe { ffi::avformat_close_input(&mut self.ctx) };
        self.io.take();
    }
}

fn open_error(ret: c_int) -> Error {
    if ret == ffi::AVERROR(libc::ENOENT) {
        Error::IoBare(std::io::Error::from(std::io::ErrorKind::NotFound))
    } else if ret == ffi::AVERROR_INVALIDDATA {
        Error::Malformed("not a recognised media format".into())
    } else {
        Error::Ffmpeg(raw::error_text(ret))
    }
}

/// An AVIOContext reading from a byte buffer we own.
struct MemoryIo {
    avio: *mut ffi::AVIOContext,
    state: *mut Cursor<Vec<u8>>,
}

const IO_BUFFER_SIZE: usize = 32 * 1024;

impl MemoryIo {
    fn new(data: Vec<u8>) -> Result<MemoryIo> {
        let state = Box::into_raw(Box::new(Cursor::new(data)));
        // SAFETY: the buffer is allocated with av_malloc as avio requires; callbacks get `state` back as opaque.
        unsafe {
            let buffer = ffi::av_malloc(IO_BUFFER_SIZE) as *mut u8;
            if buffer.is_null() {
                drop(Box::from_raw(state));
                return Err(Error::Ffmpeg("out of memory".into()));
            }
            let avio = ffi::avio_alloc_context(
                buffer,
                IO_BUFFER_SIZE as c_int,
                0,
                state.cast(),
                Some(memory_read),
                None,
                Some(memory_seek),
            );
            if avio.is_null() {
                ffi::av_free(buffer.cast());
                drop(Box::from_raw(state));
                return Err(Error::Ffmpeg("out of memory".into()));
            }
            Ok(MemoryIo { avio, state })
        }
    }
}

impl Drop for MemoryIo {
    fn drop(&mut self) {
        // SAFETY: avio may have replaced its buffer; free the current one, then the context, then our state.
        unsafe {
            if !self.avio.is_null() {
                ffi::av_freep(std::ptr::addr_of_mut!((*self.avio).buffer).cast());
                ffi::avio_context_free(&mut self.avio);
            }
            drop(Box::from_raw(self.state));
        }
    }
}

unsafe extern "C" fn memory_read(opaque: *mut c_void, buf: *mut u8, size: c_int) -> c_int {
    if opaque.is_null() || buf.is_null() || size <= 0 {
        return ffi::AVERROR(libc::EINVAL);
    }
    // SAFETY: opaque is the Cursor given to avio_alloc_context; buf has room for `size` bytes.
    let (cursor, out) = unsafe {
        (
            &mut *(opaque as *mut Cursor<Vec<u8>>),
            std::slice::from_raw_parts_mut(buf, size as usize),
        )
    };
    match cursor.read(out) {
        Ok(0) => ffi::AVERROR_EOF,
        Ok(n) => n as c_int,
        Err(_) => ffi::AVERROR(libc::EIO),
    }
}

unsafe extern "C" fn memory_seek(opaque: *mut c_void, offset: i64, whence: c_int) -> i64 {
    if opaque.is_null() {
        return ffi::AVERROR(libc::EINVAL) as i64;
    }
    // SAFETY: opaque is the Cursor given to avio_alloc_context.
    let cursor = unsafe { &mut *(opaque as *mut Cursor<Vec<u8>>) };
    let len = cursor.get_ref().len() as i64;
    if whence & ffi::AVSEEK_SIZE != 0 {
        return len;
    }
    let target = match whence & !ffi::AVSEEK_FORCE {
        libc::SEEK_SET => Some(offset),
        libc::SEEK_CUR => (cursor.position() as i64).checked_add(offset),
        libc::SEEK_END => len.checked_add(offset),
        _ => None,
    };
    match target {
        Some(t) if t >= 0 => match cursor.seek(SeekFrom::Start(t as u64)) {
            Ok(p) => p as i64,
            Err(_) => ffi::AVERROR(libc::EIO) as i64,
        },
        _ => ffi::AVERROR(libc::EINVAL) as i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_become_sources() {
        crate::init();
        assert_eq!(Source::from_arg("-"), Source::Stdin);
        assert_eq!(
            Source::from_arg("http://example.com/a.ts"),
            Source::Url("http://example.com/a.ts".into())
        );
        assert_eq!(Source::from_arg("clip.mp4"), Source::Path("clip.mp4".into()));
        // A drive letter or an unknown scheme is a path.
        assert_eq!(Source::from_arg("c:clip.mp4"), Source::Path("c:clip.mp4".into()));
        assert_eq!(Source::from_arg("nosuchproto:x"), Source::Path("nosuchproto:x".into()));
    }
}
