//! A libavformat input over bytes that arrive on a channel (from an RTMP or SRT connection): a custom AVIO
//! context (ffmpeg-next's `StreamIo`) whose reads block on the channel, so the ordinary demuxers (flv, mpegts)
//! and the whole graph run on a stream the ingest server received.

use crate::error::{Error, Result};
use crate::graph::plan::av_err;
use bytes::Bytes;
use ffmpeg_next as ff;
use std::io::Read;
use std::os::raw::c_int;
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// Chunks from the connection; end of stream when the sender goes away or `stop` is set.
struct Feed {
    rx: Receiver<Bytes>,
    current: Bytes,
    stop: Arc<AtomicBool>,
}

impl Read for Feed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            if self.stop.load(Ordering::Relaxed) {
                return Ok(0);
            }
            match self.rx.recv_timeout(Duration::from_millis(200)) {
                Ok(b) => self.current = b,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return Ok(0),
            }
        }
        let n = self.current.len().min(buf.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

/// Opens `format` (a demuxer name: flv, mpegts) on the chunks arriving on `rx` and reads until its streams are
/// known. `stop` makes reading end (as at end of stream). `display` names the input in messages.
pub fn open(
    rx: Receiver<Bytes>,
    format: &str,
    display: &str,
    stop: Arc<AtomicBool>,
) -> Result<ff::format::context::Input> {
    crate::init();
    let fmt_name =
        std::ffi::CString::new(format).map_err(|_| Error::InvalidArgument(format!("bad format {format}")))?;
    let mut io = ff::format::context::StreamIo::from_read(Feed {
        rx,
        current: Bytes::new(),
        stop,
    })
    .map_err(|e| Error::Ffmpeg(format!("{display}: {}", e.to_string().to_lowercase())))?;
    // SAFETY: the format context gets the StreamIo's AVIO with CUSTOM_IO set; on success both are owned by the
    // wrapped Input (which closes the context before freeing the AVIO); on failure avformat_open_input frees the
    // context and `io` frees the AVIO when dropped.
    unsafe {
        let mut ctx = ff::ffi::avformat_alloc_context();
        if ctx.is_null() {
            return Err(Error::Limit("cannot allocate an input context".into()));
        }
        (*ctx).pb = io.as_mut_ptr();
        (*ctx).flags |= ff::ffi::AVFMT_FLAG_CUSTOM_IO as c_int;
        // A live stream's parameters are in its first second; waiting for the default 5 s only delays the start.
        (*ctx).max_analyze_duration = 2_000_000;
        let input_format = ff::ffi::av_find_input_format(fmt_name.as_ptr());
        if input_format.is_null() {
            ff::ffi::avformat_free_context(ctx);
            return Err(Error::Unsupported(format!("no {format} demuxer in this ffmpeg")));
        }
        let r = ff::ffi::avformat_open_input(&mut ctx, ptr::null(), input_format, ptr::null_mut());
        if r < 0 {
            return Err(Error::Malformed(format!("{display}: {}", av_err(r))));
        }
        let r = ff::ffi::avformat_find_stream_info(ctx, ptr::null_mut());
        if r < 0 {
            ff::ffi::avformat_close_input(&mut ctx);
            return Err(Error::Malformed(format!("{display}: {}", av_err(r))));
        }
        Ok(ff::format::context::Input::wrap_with_custom_io(ctx, io))
    }
}
