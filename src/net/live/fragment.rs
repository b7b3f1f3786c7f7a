//! CMAF (fragmented MP4) in memory: libavformat's mp4 muxer writing into dynamic buffers, so the init segment
//! and each fragment come back as bytes. One fragment is one LL-HLS part; a segment is its parts concatenated.
//!
//! movflags `frag_custom` leaves fragmenting to us (`av_write_frame(ctx, NULL)` closes one), `empty_moov` puts the
//! whole `moov` in the init segment, `default_base_moof` and `cmaf` give the CMAF/MSE-friendly box layout, and
//! `skip_trailer` avoids an `mfra` that a live stream has no use for.

use crate::error::{Error, Result};
use crate::graph::plan::av_err;
use crate::graph::run::SinkStream;
use bytes::Bytes;
use ff::Rational;
use ff::packet::Mut;
use ffmpeg_next as ff;
use std::ptr;

/// A running fragmented-MP4 muxer whose output is collected in memory.
pub struct CmafWriter {
    ctx: *mut ff::ffi::AVFormatContext,
    /// Time base of each output stream (set by the muxer when the header is written).
    time_bases: Vec<Rational>,
}

// SAFETY: the context is owned by this value and only touched through `&mut self`.
unsafe impl Send for CmafWriter {}

const MOVFLAGS: &str = "+frag_custom+empty_moov+default_base_moof+cmaf+skip_trailer";

impl CmafWriter {
    /// Creates the muxer for `streams` and returns it with the init segment (`ftyp` + `moov`).
    pub fn new(streams: &[SinkStream]) -> Result<(CmafWriter, Bytes)> {
        crate::init();
        let mut writer = CmafWriter {
            ctx: ptr::null_mut(),
            time_bases: Vec::new(),
        };
        let fmt = c"mp4";
        // SAFETY: allocating an output context and its streams; every pointer is checked; on error `writer`'s
        // Drop frees what was allocated.
        unsafe {
            let r = ff::ffi::avformat_alloc_output_context2(&mut writer.ctx, ptr::null(), fmt.as_ptr(), ptr::null());
            if r < 0 || writer.ctx.is_null() {
                return Err(Error::Ffmpeg(format!(
                    "cmaf: cannot create the mp4 muxer: {}",
                    av_err(r)
                )));
            }
            for s in streams {
                let st = ff::ffi::avformat_new_stream(writer.ctx, ptr::null());
                if st.is_null() {
                    return Err(Error::Limit("cmaf: cannot add a stream".into()));
                }
                if ff::ffi::avcodec_parameters_copy((*st).codecpar, s.params.as_ptr()) < 0 {
                    return Err(Error::Ffmpeg("cmaf: cannot copy codec parameters".into()));
                }
                (*(*st).codecpar).codec_tag = 0;
                (*st).time_base = s.time_base.into();
                if let Some(r) = s.frame_rate.filter(|r| r.numerator() > 0 && r.denominator() > 0) {
                    (*st).avg_frame_rate = r.into();
                }
            }
            writer.open_buffer()?;
            let mut opts = ff::Dictionary::new();
            opts.set("movflags", MOVFLAGS);
            let mut raw = opts.disown();
            let r = ff::ffi::avformat_write_header(writer.ctx, &mut raw);
            ff::ffi::av_dict_free(&mut raw);
            if r < 0 {
                return Err(Error::Ffmpeg(format!(
                    "cmaf: cannot write the init segment: {}",
                    av_err(r)
                )));
            }
            for i in 0..(*writer.ctx).nb_streams as usize {
                let st = *(*writer.ctx).streams.add(i);
                writer.time_bases.push((*st).time_base.into());
            }
        }
        let init = writer.take_buffer()?;
        if init.is_empty() {
            return Err(Error::Ffmpeg("cmaf: the muxer wrote no init segment".into()));
        }
        Ok((writer, init))
    }

    fn open_buffer(&mut self) -> Result<()> {
        // SAFETY: the context is valid; its pb is null here (taken by take_buffer or never set).
        let r = unsafe { ff::ffi::avio_open_dyn_buf(&mut (*self.ctx).pb) };
        if r < 0 {
            return Err(Error::Limit(format!("cmaf: cannot allocate a buffer: {}", av_err(r))));
        }
        Ok(())
    }

    /// Closes the current dynamic buffer, returns its bytes and opens the next.
    fn take_buffer(&mut self) -> Result<Bytes> {
        // SAFETY: pb is the dynamic buffer opened by open_buffer; closing it frees it and hands us its data, which
        // we copy and free.
        let bytes = unsafe {
            let pb = (*self.ctx).pb;
            if pb.is_null() {
                Bytes::new()
            } else {
                ff::ffi::avio_flush(pb);
                let mut data: *mut u8 = ptr::null_mut();
                let len = ff::ffi::avio_close_dyn_buf(pb, &mut data);
                (*self.ctx).pb = ptr::null_mut();
                let out = if len > 0 && !data.is_null() {
                    Bytes::copy_from_slice(std::slice::from_raw_parts(data, len as usize))
                } else {
                    Bytes::new()
                };
                ff::ffi::av_free(data.cast());
                out
            }
        };
        self.open_buffer()?;
        Ok(bytes)
    }

    /// The timescale of stream `index` in the written file (its `mdhd` timescale).
    pub fn timescale(&self, index: usize) -> u64 {
        self.time_bases
            .get(index)
            .map(|tb| u64::from(tb.denominator().unsigned_abs()) / u64::from(tb.numerator().unsigned_abs().max(1)))
            .unwrap_or(1)
    }

    /// Adds a packet (timestamps in `tb`) to the fragment being built. Packets should carry their duration.
    pub fn write(&mut self, index: usize, mut pkt: ff::Packet, tb: Rational) -> Result<()> {
        let Some(&st_tb) = self.time_bases.get(index) else {
            return Err(Error::InvalidArgument(format!("cmaf: no stream {index}")));
        };
        pkt.rescale_ts(tb, st_tb);
        pkt.set_stream(index);
        pkt.set_position(-1);
        // SAFETY: writing a packet we own to an open muxer (av_write_frame does not take ownership).
        let r = unsafe { ff::ffi::av_write_frame(self.ctx, pkt.as_mut_ptr()) };
        if r < 0 {
            return Err(Error::Ffmpeg(format!("cmaf: cannot write a packet: {}", av_err(r))));
        }
        Ok(())
    }

    /// Closes the fragment being built and returns it (`moof` + `mdat`; empty when no packet was written).
    pub fn fragment(&mut self) -> Result<Bytes> {
        // SAFETY: a null packet asks a frag_custom mp4 muxer to flush one fragment.
        let r = unsafe { ff::ffi::av_write_frame(self.ctx, ptr::null_mut()) };
        if r < 0 {
            return Err(Error::Ffmpeg(format!("cmaf: cannot close a fragment: {}", av_err(r))));
        }
        self.take_buffer()
    }
}

impl Drop for CmafWriter {
    fn drop(&mut self) {
        if self.ctx.is_null() {
            return;
        }
        // SAFETY: freeing the dynamic buffer (if open) and the context we allocated; no trailer (skip_trailer, and
        // a live stream that stops has nothing to finalise).
        unsafe {
            let pb = (*self.ctx).pb;
            if !pb.is_null() {
                let mut data: *mut u8 = ptr::null_mut();
                ff::ffi::avio_close_dyn_buf(pb, &mut data);
                ff::ffi::av_free(data.cast());
                (*self.ctx).pb = ptr::null_mut();
            }
            ff::ffi::avformat_free_context(self.ctx);
        }
    }
}
