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
    /// Where the muxer's I/O callback sends bytes; boxed so its address stays put for the callback.
    out: Box<PieceOutput>,
    /// The I/O position where the current piece began.
    piece_start: i64,
    header_written: bool,
}

// SAFETY: the context and its I/O are owned by this value and only touched through `&mut self`.
unsafe impl Send for Fragmenter {}

fn averr(what: &str, code: i32) -> Error {
    Error::Ffmpeg(format!("{what}: {}", ff::Error::from(code).to_string().to_lowercase()))
}

/// Where a piece's bytes go: a file, written as the muxer produces them (one large write at the end of a segment
/// is several times slower: the data has left the cache by then), or memory.
#[derive(Default)]
struct PieceOutput {
    file: Option<std::fs::File>,
    /// Memory mode: the whole piece. File mode: its first `HEAD` bytes, for box parsing.
    data: Vec<u8>,
    written: u64,
    error: Option<std::io::Error>,
}

/// Bytes of each piece kept in memory in file mode: enough for a moof and the mdat header.
const HEAD: usize = 64 * 1024;

/// What a cut hands back.
pub struct Piece<'a> {
    /// The whole piece in memory mode; its first bytes (at least the moof) when it went to a file.
    pub bytes: &'a [u8],
    pub size: u64,
}

/// libavformat's write callback: to the piece's file or memory.
unsafe extern "C" fn append(opaque: *mut libc::c_void, buf: *mut u8, size: libc::c_int) -> libc::c_int {
    if opaque.is_null() || buf.is_null() || size <= 0 {
        return size.max(0);
    }
    // SAFETY: `opaque` is the Fragmenter's boxed PieceOutput, alive as long as the I/O context; `buf` holds
    // `size` bytes.
    let (out, bytes) = unsafe {
        (
            &mut *(opaque as *mut PieceOutput),
            std::slice::from_raw_parts(buf, size as usize),
        )
    };
    match out.file.as_mut() {
        Some(f) => {
            use std::io::Write as _;
            if let Err(e) = f.write_all(bytes) {
                out.error = Some(e);
                return ff::ffi::AVERROR(libc::EIO);
            }
            let keep = HEAD.saturating_sub(out.data.len()).min(bytes.len());
            out.data.extend_from_slice(&bytes[..keep]);
        }
        None => out.data.extend_from_slice(bytes),
    }
    out.written += bytes.len() as u64;
    size
}

const IO_BUFFER: usize = 64 * 1024;

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
            out: Box::default(),
            piece_start: 0,
            header_written: false,
        };
        // SAFETY: an I/O context writing through `append` into `me.out` (whose heap address never changes);
        // the buffer is av_malloc'ed as avio_alloc_context requires and freed in Drop.
        unsafe {
            let buf = ff::ffi::av_malloc(IO_BUFFER) as *mut u8;
            if buf.is_null() {
                return Err(Error::Limit("cannot allocate a segment buffer".into()));
            }
            let opaque = &mut *me.out as *mut PieceOutput as *mut libc::c_void;
            let pb = ff::ffi::avio_alloc_context(buf, IO_BUFFER as i32, 1, opaque, None, Some(append), None);
            if pb.is_null() {
                ff::ffi::av_free(buf as *mut libc::c_void);
                return Err(Error::Limit("cannot allocate a segment buffer".into()));
            }
            (*ctx).pb = pb;
            (*ctx).flags |= ff::ffi::AVFMT_FLAG_CUSTOM_IO;
        }
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
        // SAFETY: writing the header; the disowned dictionary is ours to free afterwards.
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
        let header = me.take_piece()?.bytes.to_vec();
        // mpegts writes its tables with the first packet (and again at every cut): its header bytes are not kept.
        if format == FragmentFormat::Cmaf {
            me.init = header;
        }
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

    /// Sends the next piece's bytes to `file` (written as they come) instead of memory. Call before its first
    /// packet; the file is closed at the cut.
    pub fn piece_to_file(&mut self, file: std::fs::File) {
        self.out.file = Some(file);
    }

    /// Muxes one packet whose timestamps are in `tb` into the current piece.
    pub fn write(&mut self, mut pkt: ff::Packet, tb: Rational) -> Result<()> {
        pkt.rescale_ts(tb, self.time_base);
        pkt.set_stream(0);
        pkt.set_position(-1);
        // SAFETY: the packet is valid and the context is open; av_write_frame does not take ownership.
        let r = unsafe { ff::ffi::av_write_frame(self.ctx, pkt.as_mut_ptr()) };
        if r < 0 {
            return Err(self
                .io_error()
                .unwrap_or_else(|| averr("cannot write a packet to a segment", r)));
        }
        Ok(())
    }

    fn io_error(&mut self) -> Option<Error> {
        self.out
            .error
            .take()
            .map(|e| Error::Ffmpeg(format!("cannot write a segment: {}", e.to_string().to_lowercase())))
    }

    /// Bytes written into the current piece so far (the muxer may still hold back the last packet's data).
    pub fn position(&self) -> u64 {
        // SAFETY: reading the position of our I/O context.
        let at = unsafe { ff::ffi::avio_seek((*self.ctx).pb, 0, libc::SEEK_CUR) };
        (at - self.piece_start).max(0) as u64
    }

    /// Ends the current piece (one moof+mdat for CMAF); its bytes (or their head, for a file) stay valid until
    /// the next call.
    pub fn cut(&mut self) -> Result<Piece<'_>> {
        // SAFETY: a null packet asks a flushing muxer to write out what it holds.
        let r = unsafe { ff::ffi::av_write_frame(self.ctx, std::ptr::null_mut()) };
        if r < 0 {
            return Err(self.io_error().unwrap_or_else(|| averr("cannot finish a segment", r)));
        }
        self.resend_headers();
        self.take_piece()
    }

    /// Flushes the I/O buffer, closes the piece's file, and hands out what was written since the last piece.
    fn take_piece(&mut self) -> Result<Piece<'_>> {
        // SAFETY: flushing our own I/O context pushes its buffer through `append`.
        self.piece_start = unsafe {
            ff::ffi::avio_flush((*self.ctx).pb);
            ff::ffi::avio_seek((*self.ctx).pb, 0, libc::SEEK_CUR)
        };
        if let Some(e) = self.io_error() {
            return Err(e);
        }
        self.out.file = None;
        let size = std::mem::take(&mut self.out.written);
        let n = self.out.data.len();
        // Keep the capacity (no allocation or page faults per piece). The bytes stay readable: the returned slice
        // borrows `self`, so nothing can append before it is gone.
        // SAFETY: length 0 exposes no uninitialised memory; the slice covers bytes written above.
        let bytes = unsafe {
            self.out.data.set_len(0);
            std::slice::from_raw_parts(self.out.data.as_ptr(), n)
        };
        Ok(Piece { bytes, size })
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
}

impl Drop for Fragmenter {
    fn drop(&mut self) {
        // SAFETY: the trailer releases the muxer's state (movenc frees its tracks there; its bytes are not wanted,
        // every piece was cut already). Then the I/O context and its buffer, then the format context.
        unsafe {
            if self.header_written {
                ff::ffi::av_write_trailer(self.ctx);
            }
            let mut pb = (*self.ctx).pb;
            if !pb.is_null() {
                ff::ffi::av_freep(&mut (*pb).buffer as *mut *mut u8 as *mut libc::c_void);
                ff::ffi::avio_context_free(&mut pb);
                (*self.ctx).pb = std::ptr::null_mut();
            }
            ff::ffi::avformat_free_context(self.ctx);
        }
    }
}

/// Walks top-level ISO BMFF boxes: (type, offset, size) for each box whose header lies in `data`.
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
        if size < 8 {
            break;
        }
        // A box whose body runs past `data` (a piece kept only by its head) is still reported.
        out.push((kind, at, size));
        at += size;
    }
    out
}
