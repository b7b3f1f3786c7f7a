//! libavcodec encoders (libx264, libx265, libvpx, libopus, aac, flac, pcm ...) behind the `Encoder` contract.

use super::{AudioEncoderConfig, Encoder, VideoEncoderConfig};
use crate::error::{Error, Result};
use ff::Rational;
use ffmpeg_next as ff;

/// An opened libavcodec encoder.
pub struct LavcEncoder {
    name: String,
    encoder: ff::encoder::Encoder,
    time_base: Rational,
    frame_size: u32,
}

fn open_error(name: &str, e: ff::Error) -> Error {
    Error::Ffmpeg(format!("cannot open encoder {name}: {}", e.to_string().to_lowercase()))
}

impl LavcEncoder {
    pub fn open_video(cfg: &VideoEncoderConfig) -> Result<Self> {
        let super::EncoderKind::Lavc(name) = &cfg.kind else {
            return Err(Error::InvalidArgument("not a libavcodec encoder".into()));
        };
        let codec = ff::encoder::find_by_name(name).ok_or_else(|| Error::Unsupported(format!("encoder {name}")))?;
        let mut ctx = ff::codec::Context::new_with_codec(codec).encoder().video()?;
        ctx.set_width(cfg.width);
        ctx.set_height(cfg.height);
        ctx.set_format(cfg.pix_fmt);
        ctx.set_time_base(cfg.time_base);
        ctx.set_frame_rate(cfg.frame_rate);
        if cfg.sample_aspect_ratio.numerator() > 0 {
            ctx.set_aspect_ratio(cfg.sample_aspect_ratio);
        }
        let mut opts = ff::Dictionary::new();
        let x26x = name == "libx264" || name == "libx265";
        let vpx = name.starts_with("libvpx");
        if let Some(b) = cfg.bitrate {
            ctx.set_bit_rate(b as usize);
        }
        // SAFETY: plain field writes on an unopened codec context.
        unsafe {
            let raw = ctx.as_mut_ptr();
            if let Some(m) = cfg.maxrate {
                (*raw).rc_max_rate = m as i64;
            }
            if let Some(b) = cfg.bufsize.or(cfg.maxrate.map(|m| m * 2)) {
                (*raw).rc_buffer_size = b.min(i32::MAX as u64) as i32;
            }
            if let Some(g) = cfg.gop_frames {
                (*raw).gop_size = g as i32;
                (*raw).keyint_min = g as i32;
            }
            if cfg.global_header {
                (*raw).flags |= ff::ffi::AV_CODEC_FLAG_GLOBAL_HEADER as i32;
            }
            (*raw).thread_count = cfg.threads as i32;
        }
        if x26x {
            if cfg.bitrate.is_none() {
                opts.set(
                    "crf",
                    &cfg.crf
                        .unwrap_or(if name == "libx265" { 28.0 } else { 23.0 })
                        .to_string(),
                );
            }
            if let Some(s) = &cfg.speed {
                opts.set("preset", s);
            }
            if let Some(t) = &cfg.tune {
                opts.set("tune", t);
            }
            if let Some(p) = &cfg.profile {
                opts.set("profile", p);
            }
            if cfg.gop_frames.is_some() {
                if name == "libx264" {
                    opts.set("sc_threshold", "0");
                    opts.set("forced-idr", "1");
                } else {
                    let g = cfg.gop_frames.unwrap_or(0);
                    opts.set("forced-idr", "1");
                    let extra = format!("keyint={g}:min-keyint={g}:scenecut=0:open-gop=0");
                    opts.set("x265-params", &extra);
                }
            }
            if name == "libx265" && !cfg.options.contains_key("x265-params") && cfg.gop_frames.is_none() {
                opts.set("x265-params", "log-level=error");
            }
        } else if vpx {
            if cfg.bitrate.is_none() {
                opts.set("crf", &cfg.crf.unwrap_or(32.0).to_string());
                opts.set("b", "0");
            }
            let cpu_used = cfg.speed.as_deref().and_then(|s| s.parse::<i32>().ok()).unwrap_or(4);
            opts.set("cpu-used", &cpu_used.to_string());
            opts.set("deadline", "good");
            opts.set("row-mt", "1");
        } else if let Some(q) = cfg.crf {
            // Generic constant quality: qscale for mpeg4/mjpeg style encoders.
            opts.set("q", &q.to_string());
        }
        for (k, v) in &cfg.options {
            opts.set(k, v);
        }
        let encoder = ctx.open_as_with(codec, opts).map_err(|e| open_error(name, e))?;
        let time_base = encoder.time_base();
        Ok(Self {
            name: name.clone(),
            encoder: unwrap_video(encoder),
            time_base,
            frame_size: 0,
        })
    }

    pub fn open_audio(cfg: &AudioEncoderConfig) -> Result<Self> {
        let super::EncoderKind::Lavc(name) = &cfg.kind else {
            return Err(Error::InvalidArgument("not a libavcodec encoder".into()));
        };
        let codec = ff::encoder::find_by_name(name).ok_or_else(|| Error::Unsupported(format!("encoder {name}")))?;
        let mut ctx = ff::codec::Context::new_with_codec(codec).encoder().audio()?;
        ctx.set_rate(cfg.sample_rate as i32);
        ctx.set_format(cfg.sample_fmt);
        ctx.set_channel_layout(ff::ChannelLayout::from_bits_truncate(cfg.channel_layout));
        #[allow(deprecated)]
        ctx.set_channels(cfg.channels as i32);
        ctx.set_time_base(Rational::new(1, cfg.sample_rate as i32));
        if let Some(b) = cfg.bitrate {
            ctx.set_bit_rate(b as usize);
        } else if name == "aac" || name == "libopus" || name == "libmp3lame" {
            ctx.set_bit_rate(128_000);
        }
        // SAFETY: field write on an unopened codec context.
        unsafe {
            if cfg.global_header {
                (*ctx.as_mut_ptr()).flags |= ff::ffi::AV_CODEC_FLAG_GLOBAL_HEADER as i32;
            }
        }
        let mut opts = ff::Dictionary::new();
        for (k, v) in &cfg.options {
            opts.set(k, v);
        }
        let encoder = ctx.open_as_with(codec, opts).map_err(|e| open_error(name, e))?;
        let frame_size = encoder.frame_size();
        let time_base = Rational::new(1, cfg.sample_rate as i32);
        // SAFETY: reading the opened context's capabilities.
        let variable = unsafe {
            let c = (*encoder.as_ptr()).codec;
            !c.is_null() && ((*c).capabilities as u32 & ff::ffi::AV_CODEC_CAP_VARIABLE_FRAME_SIZE) != 0
        };
        Ok(Self {
            name: name.clone(),
            encoder: unwrap_audio(encoder),
            time_base,
            frame_size: if variable { 0 } else { frame_size },
        })
    }
}

fn unwrap_video(e: ff::encoder::video::Encoder) -> ff::encoder::Encoder {
    e.0.0
}

fn unwrap_audio(e: ff::encoder::audio::Encoder) -> ff::encoder::Encoder {
    e.0.0
}

impl Encoder for LavcEncoder {
    fn name(&self) -> &str {
        &self.name
    }

    fn send(&mut self, frame: Option<&ff::Frame>) -> Result<()> {
        match frame {
            Some(f) => self
                .encoder
                .send_frame(f)
                .map_err(|e| Error::Ffmpeg(format!("{}: {e}", self.name))),
            None => self
                .encoder
                .send_eof()
                .map_err(|e| Error::Ffmpeg(format!("{}: {e}", self.name))),
        }
    }

    fn receive(&mut self) -> Result<Option<ff::Packet>> {
        let mut pkt = ff::Packet::empty();
        match self.encoder.receive_packet(&mut pkt) {
            Ok(()) => Ok(Some(pkt)),
            Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => Ok(None),
            Err(ff::Error::Eof) => Ok(None),
            Err(e) => Err(Error::Ffmpeg(format!("{}: {e}", self.name))),
        }
    }

    fn time_base(&self) -> Rational {
        self.time_base
    }

    fn parameters(&self) -> Result<ff::codec::Parameters> {
        let mut p = ff::codec::Parameters::new();
        // SAFETY: both pointers are valid; copies fields and extradata.
        let r = unsafe { ff::ffi::avcodec_parameters_from_context(p.as_mut_ptr(), self.encoder.as_ptr()) };
        if r < 0 {
            return Err(Error::Ffmpeg(format!("{}: cannot read codec parameters", self.name)));
        }
        Ok(p)
    }

    fn frame_size(&self) -> u32 {
        self.frame_size
    }
}
