//! AAC through the Fraunhofer FDK encoder (the `fdk-aac` cargo feature), as an `Encoder`.
//!
//! fdk-aac 0.8 has no flush call: at the end we feed the encoder's delay in silence and drain it, and give the
//! last packet a duration that ends exactly where the input ended, so no tail is lost and none is added.

use super::{AudioEncoderConfig, Encoder};
use crate::error::{Error, Result};
use fdk_aac::enc::{AudioObjectType, BitRate, ChannelMode, Encoder as Fdk, EncoderParams, Transport};
use ff::Rational;
use ffmpeg_next as ff;
use std::collections::VecDeque;

pub struct FdkAacEncoder {
    enc: Fdk,
    channels: usize,
    sample_rate: u32,
    frame_len: usize,
    delay: usize,
    config: Vec<u8>,
    /// Interleaved samples not yet consumed by the encoder.
    pending: Vec<i16>,
    out: VecDeque<ff::Packet>,
    /// Samples per channel given to us, and packets produced so far.
    samples_in: i64,
    packets_out: i64,
    first_pts: Option<i64>,
    flushed: bool,
    outbuf: Vec<u8>,
}

fn fdk_error(e: fdk_aac::enc::EncoderError) -> Error {
    Error::Ffmpeg(format!("fdk-aac: {e:?}"))
}

impl FdkAacEncoder {
    pub fn open(cfg: &AudioEncoderConfig) -> Result<Self> {
        let channels = match cfg.channels {
            1 => ChannelMode::Mono,
            2 => ChannelMode::Stereo,
            n => {
                return Err(Error::Unsupported(format!(
                    "fdk-aac encodes mono or stereo, not {n} channels"
                )));
            }
        };
        let bitrate = cfg.bitrate.unwrap_or(if cfg.channels == 1 { 64_000 } else { 128_000 });
        let enc = Fdk::new(EncoderParams {
            bit_rate: BitRate::Cbr(bitrate as u32),
            sample_rate: cfg.sample_rate,
            transport: Transport::Raw,
            channels,
            audio_object_type: AudioObjectType::Mpeg4LowComplexity,
        })
        .map_err(fdk_error)?;
        let info = enc.info().map_err(fdk_error)?;
        let config = info.confBuf[..info.confSize as usize].to_vec();
        Ok(Self {
            channels: cfg.channels as usize,
            sample_rate: cfg.sample_rate,
            frame_len: info.frameLength as usize,
            delay: info.nDelay as usize,
            outbuf: vec![0u8; (info.maxOutBufBytes as usize).max(8192)],
            enc,
            config,
            pending: Vec::new(),
            out: VecDeque::new(),
            samples_in: 0,
            packets_out: 0,
            first_pts: None,
            flushed: false,
        })
    }

    /// Encodes whole frames from `pending`.
    fn encode_pending(&mut self, draining: bool) -> Result<()> {
        let frame = self.frame_len * self.channels;
        while self.pending.len() >= frame || (draining && !self.pending.is_empty()) {
            let n = self.pending.len().min(frame);
            let info = self
                .enc
                .encode(&self.pending[..n], &mut self.outbuf)
                .map_err(fdk_error)?;
            let consumed = info.input_consumed.min(self.pending.len());
            self.pending.drain(..consumed);
            if info.output_size > 0 {
                self.emit(info.output_size);
            }
            if consumed == 0 && info.output_size == 0 {
                break;
            }
        }
        Ok(())
    }

    fn emit(&mut self, size: usize) {
        // Packet k holds samples [k*frame - delay, (k+1)*frame - delay) of the input.
        let start = self.packets_out * self.frame_len as i64 - self.delay as i64;
        self.packets_out += 1;
        if start >= self.samples_in {
            return; // only padding
        }
        let mut pkt = ff::Packet::copy(&self.outbuf[..size]);
        let base = self.first_pts.unwrap_or(0);
        pkt.set_pts(Some(base + start));
        pkt.set_dts(Some(base + start));
        let dur = (self.samples_in - start).min(self.frame_len as i64);
        pkt.set_duration(dur);
        pkt.set_flags(ff::packet::Flags::KEY);
        self.out.push_back(pkt);
    }
}

impl Encoder for FdkAacEncoder {
    fn name(&self) -> &str {
        "fdk-aac"
    }

    fn send(&mut self, frame: Option<&ff::Frame>) -> Result<()> {
        match frame {
            Some(f) => {
                // SAFETY: an interleaved s16 frame (negotiated upstream): one plane of samples*channels i16.
                unsafe {
                    let raw = f.as_ptr();
                    if self.first_pts.is_none() {
                        let p = (*raw).pts;
                        self.first_pts = Some(if p == crate::media::NOPTS { 0 } else { p });
                    }
                    let n = (*raw).nb_samples as usize * self.channels;
                    let data = (*raw).data[0] as *const i16;
                    if data.is_null() {
                        return Err(Error::Malformed("audio frame without samples".into()));
                    }
                    self.pending.extend_from_slice(std::slice::from_raw_parts(data, n));
                    self.samples_in += (*raw).nb_samples as i64;
                }
                self.encode_pending(false)
            }
            None => {
                if self.flushed {
                    return Ok(());
                }
                self.flushed = true;
                // Push the encoder's delay (plus a frame to round up) of silence through it.
                let pad = (self.delay + 2 * self.frame_len) * self.channels;
                self.pending.extend(std::iter::repeat_n(0i16, pad));
                self.encode_pending(true)
            }
        }
    }

    fn receive(&mut self) -> Result<Option<ff::Packet>> {
        Ok(self.out.pop_front())
    }

    fn time_base(&self) -> Rational {
        Rational::new(1, self.sample_rate as i32)
    }

    fn parameters(&self) -> Result<ff::codec::Parameters> {
        let mut p = ff::codec::Parameters::new();
        // SAFETY: filling a fresh AVCodecParameters; extradata allocated with padding by av_mallocz.
        #[allow(deprecated)]
        unsafe {
            let raw = p.as_mut_ptr();
            (*raw).codec_type = ff::ffi::AVMediaType::AVMEDIA_TYPE_AUDIO;
            (*raw).codec_id = ff::ffi::AVCodecID::AV_CODEC_ID_AAC;
            (*raw).profile = 1; // FF_PROFILE_AAC_LOW
            (*raw).sample_rate = self.sample_rate as i32;
            (*raw).channels = self.channels as i32;
            (*raw).channel_layout = crate::media::default_layout(self.channels as i32);
            (*raw).frame_size = self.frame_len as i32;
            (*raw).initial_padding = self.delay as i32;
            (*raw).format = ff::ffi::AVSampleFormat::AV_SAMPLE_FMT_S16 as i32;
            let n = self.config.len();
            let buf = ff::ffi::av_mallocz(n + ff::ffi::AV_INPUT_BUFFER_PADDING_SIZE as usize) as *mut u8;
            if buf.is_null() {
                return Err(Error::Limit("out of memory".into()));
            }
            std::ptr::copy_nonoverlapping(self.config.as_ptr(), buf, n);
            (*raw).extradata = buf;
            (*raw).extradata_size = n as i32;
        }
        Ok(p)
    }

    fn frame_size(&self) -> u32 {
        self.frame_len as u32
    }
}
