//! Cuts one elementary stream into independently addressable pieces: CMAF (fragmented MP4) or MPEG-TS.
//!
//! libavformat does the muxing (its mp4 muxer in `frag_custom` mode, its mpegts muxer); we point the muxer at an
//! in-memory buffer and take the bytes out at every cut, so the caller decides where segments (or LL-HLS parts) end
//! and where their bytes go. This is how ffmpeg's own dash muxer drives movenc.

use crate::error::{Error, Result};
use crate::graph::SinkStream;
use ff::Rational;
use ff::packet::Mut as _;
use ffmpeg_next as ff;
use std::ffi::CString;

/// The segment container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum FragmentFormat {
    /// Fragmented MP4 per CMAF: an init segment, then moof+mdat fragments.
    Cmaf,
    /// MPEG-TS: self-contained segments (PAT/PMT repeated at every cut).
    Ts,
}

impl FragmentFormat {
    pub fn extension(self) -> &'static str {
        match self {
            FragmentFormat::Cmaf => "m4s",
            FragmentFormat::Ts => "ts",
        }
    }
}

/// A muxer for one stream whose output is taken out in pieces.
pub struct Fragmenter {
    ctx: *mut ff::ffi::AVFormatContext,
    format: FragmentFormat,
    /// The muxer's stream time base (the mp4 track timescale), fixed by the header.
    time_base: Rational,
    init: Vec<u8>,
    /// Whether the context's I/O is a dynamic buffer we still have to close.
    open: bool,
    header_written: bool,
}

// SAFETY: the context is owned by this value and only touched through `&mut self`.
unsafe impl Send for Fragmenter {}

fn averr(what: &str, code: i32) -> Error {
    Error::Ffmpeg(format!("{what}: {}", ff::Error::from(code).to_string().to_lowercase()))
}

impl Fragmenter {
    /// Opens a muxer for `stream` and writes its header (the CMAF init segment).
    pub fn new(format: FragmentFormat, stream: &SinkStream) -> Result<Self> {
        crate::init();
        let muxer = CString::new(match format {
            FragmentFormat::Cmaf => "mp4",
            FragmentFormat::Ts => "mpegts",
        })
        .expect("static name");
        let mut ctx = std::ptr::null_mut();
        // SAFETY: allocating an output context by muxer name; checked for null below.
        let r = unsafe {
            ff::ffi::avformat_alloc_output_context2(&mut ctx, std::ptr::null_mut(), muxer.as_ptr(), std::ptr::null())
        };
        if r < 0 || ctx.is_null() {
            return Err(averr("cannot open a segment muxer", r));
        }
        let mut me = Fragmenter {
            ctx,
            format,
            time_base: stream.time_base,
            init: Vec::new(),
            open: false,
            header_written: false,
        };
        // SAFETY: adding one stream to the fresh context and copying the encoder's parameters into it.
        unsafe {
            let st = ff::ffi::avformat_new_stream(ctx, std::ptr::null());
            if st.is_null() {
                return Err(Error::Limit("cannot add a stream to the segment muxer".into()));
            }
            let r = ff::ffi::avcodec_parameters_copy((*st).codecpar, stream.params.as_ptr());
            if r < 0 {
                return Err(averr("cannot copy codec parameters", r));
            }
            let par = (*st).codecpar;
            (*par).codec_tag = 0;
            // Apple players want HEVC as hvc1 (parameter sets in the sample entry only).
            if format == FragmentFormat::Cmaf && (*par).codec_id == ff::ffi::AVCodecID::AV_CODEC_ID_HEVC {
                (*par).codec_tag = u32::from_le_bytes(*b"hvc1");
            }
            (*st).time_base = stream.time_base.into();
            if let Some(r) = stream.frame_rate.filter(|r| r.numerator() > 0 && r.denominator() > 0) {
                (*st).avg_frame_rate = r.into();
                (*st).r_frame_rate = r.into();
            }
        }
        me.open_buffer()?;
        let mut opts = ff::Dictionary::new();
        match format {
            FragmentFormat::Cmaf => {
                // Fragments only when we ask; moov up front; tfdt-based addressing; no mfra (nobody seeks in it).
                // `frag_discont` makes tfdt carry our timestamps as they are instead of restarting the track at
                // zero, so renditions and audio share one timeline (the caller keeps timestamps non-negative).
                opts.set(
                    "movflags",
                    "+frag_custom+empty_moov+default_base_moof+skip_trailer+frag_discont",
                );
                opts.set("avoid_negative_ts", "disabled");
                // With edit lists (or the `cmaf` movflag) movenc puts the first pts, not dts, in tfdt, which delays
                // B-frame video by its reorder depth against the audio.
                opts.set("use_editlist", "0");
            }
            FragmentFormat::Ts => {
                // Keep our timestamps: segments of one rendition must continue each other.
                opts.set("mpegts_copyts", "1");
            }
        }
        // SAFETY: writing the header into our dynamic buffer; the disowned dictionary is ours to free afterwards.
        let r = unsafe {
            let mut raw_opts = opts.disown();
            let r = ff::ffi::avformat_write_header(ctx, &mut raw_opts);
            if !raw_opts.is_null() {
                let left = ff::Dictionary::own(raw_opts);
                for (k, v) in left.iter() {
                    tracing::warn!("segment muxer ignored option {k}={v}");
                }
                raw_opts = std::ptr::null_mut();
            }
            ff::ffi::av_dict_free(&mut raw_opts);
            r
        };
        if r < 0 {
            return Err(averr("cannot start the segment muxer", r));
        }
        me.header_written = true;
        // SAFETY: the stream exists; the header fixed its time base.
        me.time_base = unsafe { (*(*(*ctx).streams)).time_base.into() };
        me.init = match format {
            FragmentFormat::Cmaf => me.take_buffer()?,
            FragmentFormat::Ts => {
                // mpegts writes its tables with the first packet; nothing useful is buffered yet.
                let _ = me.take_buffer()?;
                Vec::new()
            }
        };
        me.open_buffer()?;
        me.resend_headers();
        Ok(me)
    }

    /// The CMAF initialization segment (ftyp + moov); empty for MPEG-TS.
    pub fn init(&self) -> &[u8] {
        &self.init
    }

    pub fn format(&self) -> FragmentFormat {
        self.format
    }

    /// The time base of the muxed stream (the mp4 track timescale).
    pub fn time_base(&self) -> Rational {
        self.time_base
    }

    /// Muxes one packet whose timestamps are in `tb` into the current piece.
    pub fn write(&mut self, mut pkt: ff::Packet, tb: Rational) -> Result<()> {
        pkt.rescale_ts(tb, self.time_base);
        pkt.set_stream(0);
        pkt.set_position(-1);
        // SAFETY: the packet is valid and the context is open; av_write_frame does not take ownership.
        let r = unsafe { ff::ffi::av_write_frame(self.ctx, pkt.as_mut_ptr()) };
        if r < 0 {
            return Err(averr("cannot write a packet to a segment", r));
        }
        Ok(())
    }

    /// Bytes written into the current piece so far (the muxer may still hold back the last packet's data).
    pub fn position(&self) -> u64 {
        // SAFETY: the context's I/O is our dynamic buffer while `open`.
        unsafe {
            let pb = (*self.ctx).pb;
            if pb.is_null() {
                0
            } else {
                ff::ffi::avio_seek(pb, 0, libc::SEEK_CUR).max(0) as u64
            }
        }
    }

    /// Ends the current piece (one moof+mdat for CMAF) and returns its bytes.
    pub fn cut(&mut self) -> Result<Vec<u8>> {
        // SAFETY: a null packet asks a flushing muxer to write out what it holds.
        let r = unsafe { ff::ffi::av_write_frame(self.ctx, std::ptr::null_mut()) };
        if r < 0 {
            return Err(averr("cannot finish a segment", r));
        }
        let bytes = self.take_buffer()?;
        self.open_buffer()?;
        self.resend_headers();
        Ok(bytes)
    }

    fn resend_headers(&mut self) {
        if self.format == FragmentFormat::Ts {
            // Every TS segment must be decodable alone: PAT and PMT at its start.
            let (k, v) = (c"mpegts_flags", c"+resend_headers");
            // SAFETY: setting a private option of the open mpegts muxer (it clears the flag once used).
            unsafe {
                ff::ffi::av_opt_set(
                    (*self.ctx).priv_data,
                    k.as_ptr(),
                    v.as_ptr(),
                    ff::ffi::AV_OPT_SEARCH_CHILDREN,
                )
            };
        }
    }

    fn open_buffer(&mut self) -> Result<()> {
        // SAFETY: giving the context a fresh dynamic buffer as its I/O.
        let r = unsafe { ff::ffi::avio_open_dyn_buf(&mut (*self.ctx).pb) };
        if r < 0 {
            return Err(averr("cannot allocate a segment buffer", r));
        }
        self.open = true;
        Ok(())
    }

    fn take_buffer(&mut self) -> Result<Vec<u8>> {
        if !self.open {
            return Ok(Vec::new());
        }
        self.open = false;
        // SAFETY: closing our dynamic buffer hands us its bytes, which we copy and free.
        unsafe {
            let mut buf: *mut u8 = std::ptr::null_mut();
            let n = ff::ffi::avio_close_dyn_buf((*self.ctx).pb, &mut buf);
            (*self.ctx).pb = std::ptr::null_mut();
            let out = if n > 0 && !buf.is_null() {
                std::slice::from_raw_parts(buf, n as usize).to_vec()
            } else {
                Vec::new()
            };
            ff::ffi::av_free(buf as *mut libc::c_void);
            Ok(out)
        }
    }
}

impl Drop for Fragmenter {
    fn drop(&mut self) {
        // The trailer releases the muxer's state (movenc frees its tracks there); its bytes are not wanted:
        // every piece was cut already, and `skip_trailer` leaves out the mfra.
        if !self.open {
            let _ = self.open_buffer();
        }
        if self.header_written {
            // SAFETY: the header was written, so the trailer may be.
            unsafe { ff::ffi::av_write_trailer(self.ctx) };
        }
        let _ = self.take_buffer();
        // SAFETY: freeing the context we allocated; its pb is already closed.
        unsafe { ff::ffi::avformat_free_context(self.ctx) };
    }
}

/// Walks top-level ISO BMFF boxes: (type, offset, size) for each complete box in `data`.
pub fn boxes(data: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 8 <= data.len() {
        let mut size = u32::from_be_bytes(data[at..at + 4].try_into().expect("4 bytes")) as usize;
        let kind: [u8; 4] = data[at + 4..at + 8].try_into().expect("4 bytes");
        if size == 1 && at + 16 <= data.len() {
            size = u64::from_be_bytes(data[at + 8..at + 16].try_into().expect("8 bytes")) as usize;
        } else if size == 0 {
            size = data.len() - at;
        }
        if size < 8 || at + size > data.len() {
            break;
        }
        out.push((kind, at, size));
        at += size;
    }
    out
}
