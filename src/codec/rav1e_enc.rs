//! AV1 through the rav1e crate (with its `asm` kernels and an explicit thread count), as an `Encoder`.

use super::{Encoder, VideoEncoderConfig};
use crate::error::{Error, Result};
use ff::Rational;
use ffmpeg_next as ff;
use rav1e::prelude::{
    ChromaSampling, Config, Context, EncoderConfig, EncoderStatus, FrameParameters, FrameType, FrameTypeOverride,
    Opaque, SpeedSettings,
};

enum Ctx {
    Eight(Context<u8>),
    Ten(Context<u16>),
}

/// An opened rav1e encoder. Timestamps travel through rav1e as opaque per-frame data.
pub struct Rav1eEncoder {
    ctx: Ctx,
    time_base: Rational,
    width: u32,
    height: u32,
    bit_depth: usize,
    sequence_header: Vec<u8>,
    flushed: bool,
}

impl Rav1eEncoder {
    pub fn open(cfg: &VideoEncoderConfig) -> Result<Self> {
        use ff::format::Pixel;
        let bit_depth = match cfg.pix_fmt {
            Pixel::YUV420P => 8,
            Pixel::YUV420P10LE => 10,
            other => {
                return Err(Error::Negotiation {
                    node: "rav1e".into(),
                    reason: format!(
                        "pixel format {} (want yuv420p or yuv420p10le)",
                        crate::media::pix_fmt_name(other)
                    ),
                });
            }
        };
        let mut enc = EncoderConfig::with_speed_preset(
            cfg.speed
                .as_deref()
                .and_then(|s| s.parse::<u8>().ok())
                .unwrap_or(6)
                .min(10),
        );
        enc.width = cfg.width as usize;
        enc.height = cfg.height as usize;
        enc.bit_depth = bit_depth;
        enc.chroma_sampling = ChromaSampling::Cs420;
        // rav1e's time base is the frame duration; the frames' real timestamps travel as opaque data.
        let fps = cfg
            .frame_rate
            .filter(|r| r.numerator() > 0)
            .unwrap_or(Rational::new(25, 1));
        enc.time_base = rav1e::data::Rational::new(fps.denominator() as u64, fps.numerator() as u64);
        if let Some(b) = cfg.bitrate {
            enc.bitrate = b.min(i32::MAX as u64) as i32;
        } else {
            // CRF on the 0-63 scale other AV1 encoders use, mapped onto rav1e's 0-255 quantizer.
            let crf = cfg.crf.unwrap_or(25.0).clamp(0.0, 63.0);
            enc.quantizer = (crf * 4.0).round() as usize;
        }
        if let Some(g) = cfg.gop_frames {
            enc.min_key_frame_interval = g as u64;
            enc.max_key_frame_interval = g as u64;
        }
        enc.speed_settings = SpeedSettings::from_preset(
            cfg.speed
                .as_deref()
                .and_then(|s| s.parse::<u8>().ok())
                .unwrap_or(6)
                .min(10),
        );
        let threads = if cfg.threads == 0 {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
        } else {
            cfg.threads
        };
        let config = Config::new().with_encoder_config(enc).with_threads(threads);
        let bad = |e: rav1e::config::InvalidConfig| Error::InvalidArgument(format!("rav1e: {e}"));
        let (ctx, sequence_header) = if bit_depth == 8 {
            let c = config.new_context::<u8>().map_err(bad)?;
            let h = c.container_sequence_header();
            (Ctx::Eight(c), h)
        } else {
            let c = config.new_context::<u16>().map_err(bad)?;
            let h = c.container_sequence_header();
            (Ctx::Ten(c), h)
        };
        Ok(Self {
            ctx,
            time_base: cfg.time_base,
            width: cfg.width,
            height: cfg.height,
            bit_depth,
            sequence_header,
            flushed: false,
        })
    }
}

fn params(pts: i64, key: bool) -> FrameParameters {
    FrameParameters {
        frame_type_override: if key {
            FrameTypeOverride::Key
        } else {
            FrameTypeOverride::No
        },
        opaque: Some(Opaque::new(pts)),
        ..Default::default()
    }
}

fn status_error(e: EncoderStatus) -> Error {
    Error::Ffmpeg(format!("rav1e: {e}"))
}

impl Encoder for Rav1eEncoder {
    fn name(&self) -> &str {
        "rav1e"
    }

    fn send(&mut self, frame: Option<&ff::Frame>) -> Result<()> {
        let Some(frame) = frame else {
            if !self.flushed {
                match &mut self.ctx {
                    Ctx::Eight(c) => c.flush(),
                    Ctx::Ten(c) => c.flush(),
                }
                self.flushed = true;
            }
            return Ok(());
        };
        // SAFETY: reading plane pointers/strides of a valid video frame.
        let (pts, key, planes) = unsafe {
            let f = frame.as_ptr();
            let pts = (*f).pts;
            let key = (*f).pict_type == ff::ffi::AVPictureType::AV_PICTURE_TYPE_I;
            let mut planes = Vec::with_capacity(3);
            for i in 0..3 {
                let h = if i == 0 { self.height } else { self.height.div_ceil(2) } as usize;
                let stride = (*f).linesize[i] as usize;
                let ptr = (*f).data[i];
                if ptr.is_null() {
                    return Err(Error::Malformed("frame without planes".into()));
                }
                planes.push((std::slice::from_raw_parts(ptr, stride * h), stride));
            }
            (pts, key, planes)
        };
        let bytes = if self.bit_depth > 8 { 2 } else { 1 };
        macro_rules! push {
            ($c:expr) => {{
                let mut f = $c.new_frame();
                for (i, (data, stride)) in planes.iter().enumerate() {
                    f.planes[i].copy_from_raw_u8(data, *stride, bytes);
                }
                $c.send_frame((f, Some(params(pts, key)))).map_err(status_error)
            }};
        }
        match &mut self.ctx {
            Ctx::Eight(c) => push!(c),
            Ctx::Ten(c) => push!(c),
        }
    }

    fn receive(&mut self) -> Result<Option<ff::Packet>> {
        loop {
            let r = match &mut self.ctx {
                Ctx::Eight(c) => c.receive_packet().map(|p| (p.data, p.frame_type, p.opaque)),
                Ctx::Ten(c) => c.receive_packet().map(|p| (p.data, p.frame_type, p.opaque)),
            };
            match r {
                Ok((data, frame_type, opaque)) => {
                    let pts = opaque
                        .and_then(|o| o.downcast::<i64>().ok())
                        .map(|b| *b)
                        .unwrap_or(crate::media::NOPTS);
                    let mut pkt = ff::Packet::copy(&data);
                    pkt.set_pts(Some(pts));
                    pkt.set_dts(Some(pts));
                    if frame_type == FrameType::KEY {
                        pkt.set_flags(ff::packet::Flags::KEY);
                    }
                    return Ok(Some(pkt));
                }
                Err(EncoderStatus::Encoded) => continue,
                Err(EncoderStatus::NeedMoreData) | Err(EncoderStatus::LimitReached) => return Ok(None),
                Err(e) => return Err(status_error(e)),
            }
        }
    }

    fn time_base(&self) -> Rational {
        self.time_base
    }

    fn parameters(&self) -> Result<ff::codec::Parameters> {
        let mut p = ff::codec::Parameters::new();
        // SAFETY: filling a freshly allocated AVCodecParameters; extradata is allocated with av_mallocz
        // (with the required padding) so libavformat can free it.
        unsafe {
            let raw = p.as_mut_ptr();
            (*raw).codec_type = ff::ffi::AVMediaType::AVMEDIA_TYPE_VIDEO;
            (*raw).codec_id = ff::ffi::AVCodecID::AV_CODEC_ID_AV1;
            (*raw).width = self.width as i32;
            (*raw).height = self.height as i32;
            (*raw).format = if self.bit_depth > 8 {
                ff::ffi::AVPixelFormat::AV_PIX_FMT_YUV420P10LE as i32
            } else {
                ff::ffi::AVPixelFormat::AV_PIX_FMT_YUV420P as i32
            };
            let n = self.sequence_header.len();
            let buf = ff::ffi::av_mallocz(n + ff::ffi::AV_INPUT_BUFFER_PADDING_SIZE as usize) as *mut u8;
            if buf.is_null() {
                return Err(Error::Limit("out of memory".into()));
            }
            std::ptr::copy_nonoverlapping(self.sequence_header.as_ptr(), buf, n);
            (*raw).extradata = buf;
            (*raw).extradata_size = n as i32;
        }
        Ok(p)
    }
}
