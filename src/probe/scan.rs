//! Reading the whole input: packet counts and per-stream duration/bit rate by demuxing, and streamed packet and
//! frame records. Nothing is kept per packet, so memory stays flat whatever the input's length.

use crate::error::Result;
use crate::probe::describe;
use crate::probe::input::Demuxer;
use crate::probe::model::{FrameRecord, PacketRecord, ProbeReport};
use crate::probe::raw::{self, int_field};
use ffmpeg_next::ffi;
use ffmpeg_next::packet::Ref as _;

/// What one pass over the packets of a stream found.
#[derive(Clone, Copy, Debug, Default)]
struct StreamTally {
    packets: u64,
    bytes: u64,
    first_ts: Option<i64>,
    end_ts: Option<i64>,
}

/// Demuxes every packet once; fills `nb_read_packets` when `count` and, when `accurate`, the
/// duration and bit rate of streams whose container left them out.
pub(crate) fn scan(demuxer: &mut Demuxer, report: &mut ProbeReport, count: bool, accurate: bool) -> Result<()> {
    let streams = demuxer.streams();
    let mut tallies = vec![StreamTally::default(); streams.len()];
    let mut pkt = ffmpeg_next::Packet::empty();
    while demuxer.read(&mut pkt)? {
        // SAFETY: a packet just read by av_read_frame.
        let p = unsafe { &*pkt.as_ptr() };
        let Some(t) = usize::try_from(p.stream_index).ok().and_then(|i| tallies.get_mut(i)) else {
            continue;
        };
        t.packets += 1;
        t.bytes += p.size.max(0) as u64;
        let ts = if p.pts != ffi::AV_NOPTS_VALUE { p.pts } else { p.dts };
        if ts != ffi::AV_NOPTS_VALUE {
            t.first_ts = Some(t.first_ts.map_or(ts, |f| f.min(ts)));
            let end = ts.saturating_add(p.duration.max(0));
            t.end_ts = Some(t.end_ts.map_or(end, |e| e.max(end)));
        }
    }
    for ((info, t), st) in report.streams.iter_mut().zip(&tallies).zip(&streams) {
        if count {
            // Counted by demuxing, so these are packets (ffprobe's -count_packets); ffprobe's nb_read_frames
            // counts decoded frames, which differs by the decoder's delay for some audio codecs.
            info.nb_read_packets = Some(t.packets.to_string());
        }
        if !accurate {
            continue;
        }
        // SAFETY: a live stream of the demuxer.
        let tb = unsafe { (**st).time_base };
        let span = match (t.first_ts, t.end_ts) {
            (Some(f), Some(e)) if e > f => Some(e - f),
            _ => None,
        };
        if info.duration.is_none()
            && let Some(span) = span
        {
            info.duration_ts = Some(span);
            info.duration = raw::time_text(span, tb);
        }
        let seconds = info.duration_seconds().filter(|s| *s > 0.0);
        if info.bit_rate.is_none()
            && let Some(seconds) = seconds
        {
            info.bit_rate = Some(((t.bytes as f64 * 8.0 / seconds).round() as u64).to_string());
        }
    }
    Ok(())
}

fn packet_flags(flags: libc::c_int) -> String {
    // ffprobe 5.1 prints two flags: K (keyframe) and D (discard).
    let key = if flags & ffi::AV_PKT_FLAG_KEY != 0 { 'K' } else { '_' };
    let discard = if flags & ffi::AV_PKT_FLAG_DISCARD != 0 {
        'D'
    } else {
        '_'
    };
    format!("{key}{discard}")
}

/// Calls `each` with every packet of the input, in file order.
pub(crate) fn packets(demuxer: &mut Demuxer, each: &mut dyn FnMut(PacketRecord) -> Result<()>) -> Result<()> {
    let streams = demuxer.streams();
    let mut pkt = ffmpeg_next::Packet::empty();
    while demuxer.read(&mut pkt)? {
        // SAFETY: a packet just read by av_read_frame.
        let p = unsafe { &*pkt.as_ptr() };
        let Some(&st) = usize::try_from(p.stream_index).ok().and_then(|i| streams.get(i)) else {
            continue;
        };
        // SAFETY: a live stream of the demuxer.
        let (tb, codec_type) = unsafe { ((*st).time_base, int_field!((*(*st).codecpar).codec_type)) };
        let opt = |v: i64| (v != ffi::AV_NOPTS_VALUE).then_some(v);
        each(PacketRecord {
            codec_type: raw::media_type_name(codec_type).unwrap_or_else(|| "unknown".into()),
            stream_index: p.stream_index as u32,
            pts: opt(p.pts),
            pts_time: raw::time_text(p.pts, tb),
            dts: opt(p.dts),
            dts_time: raw::time_text(p.dts, tb),
            duration: (p.duration != 0).then_some(p.duration),
            duration_time: if p.duration != 0 {
                raw::time_text(p.duration, tb)
            } else {
                None
            },
            size: p.size.to_string(),
            pos: (p.pos >= 0).then(|| p.pos.to_string()),
            flags: packet_flags(p.flags),
            // SAFETY: the packet's own side data array.
            side_data_list: unsafe { describe::side_data(p.side_data, p.side_data_elems) },
        })?;
    }
    Ok(())
}

/// A decoder for one stream, opened on first use.
struct StreamDecoder {
    decoder: ffmpeg_next::decoder::Opened,
    time_base: ffi::AVRational,
}

fn open_decoder(st: *mut ffi::AVStream) -> Option<StreamDecoder> {
    // SAFETY: codecpar is valid for a live stream; the context copies what it needs.
    unsafe {
        let codec = raw::find_decoder(int_field!((*(*st).codecpar).codec_id));
        if codec.is_null() {
            return None;
        }
        let mut ctx = ffmpeg_next::codec::Context::new();
        if ffi::avcodec_parameters_to_context(ctx.as_mut_ptr(), (*st).codecpar) < 0 {
            return None;
        }
        (*ctx.as_mut_ptr()).pkt_timebase = (*st).time_base;
        // ffmpeg-next's `open` passes no codec, and a context made from parameters has none yet.
        if ffi::avcodec_open2(ctx.as_mut_ptr(), codec, std::ptr::null_mut()) < 0 {
            return None;
        }
        let decoder = ffmpeg_next::decoder::Opened(ctx.decoder());
        Some(StreamDecoder {
            decoder,
            time_base: (*st).time_base,
        })
    }
}

fn frame_record(frame: &ffi::AVFrame, stream_index: u32, codec_type: libc::c_int, tb: ffi::AVRational) -> FrameRecord {
    let opt = |v: i64| (v != ffi::AV_NOPTS_VALUE).then_some(v);
    let mut r = FrameRecord {
        media_type: raw::media_type_name(codec_type).unwrap_or_else(|| "unknown".into()),
        stream_index,
        key_frame: frame.key_frame,
        pts: opt(frame.pts),
        pts_time: raw::time_text(frame.pts, tb),
        pkt_dts: opt(frame.pkt_dts),
        pkt_dts_time: raw::time_text(frame.pkt_dts, tb),
        best_effort_timestamp: opt(frame.best_effort_timestamp),
        best_effort_timestamp_time: raw::time_text(frame.best_effort_timestamp, tb),
        pkt_duration: (frame.pkt_duration != 0).then_some(frame.pkt_duration),
        pkt_duration_time: if frame.pkt_duration != 0 {
            raw::time_text(frame.pkt_duration, tb)
        } else {
            None
        },
        pkt_pos: (frame.pkt_pos >= 0).then(|| frame.pkt_pos.to_string()),
        pkt_size: (frame.pkt_size >= 0).then(|| frame.pkt_size.to_string()),
        ..FrameRecord::default()
    };
    // SAFETY: reading enum-typed fields of a valid frame as ints.
    let (pict_type, range, space, primaries, trc, chroma) = unsafe {
        (
            int_field!(frame.pict_type),
            int_field!(frame.color_range),
            int_field!(frame.colorspace),
            int_field!(frame.color_primaries),
            int_field!(frame.color_trc),
            int_field!(frame.chroma_location),
        )
    };
    if codec_type == ffi::AVMediaType::AVMEDIA_TYPE_VIDEO as i32 {
        r.width = Some(frame.width);
        r.height = Some(frame.height);
        r.pix_fmt = raw::pix_fmt_name(frame.format);
        let sar = frame.sample_aspect_ratio;
        r.sample_aspect_ratio = (sar.num != 0).then(|| raw::rational(sar, ':'));
        r.pict_type = Some(raw::picture_type_char(pict_type).to_string());
        r.coded_picture_number = Some(frame.coded_picture_number);
        r.display_picture_number = Some(frame.display_picture_number);
        r.interlaced_frame = Some(frame.interlaced_frame);
        r.top_field_first = Some(frame.top_field_first);
        r.repeat_pict = Some(frame.repeat_pict);
        r.color_range = (range != 0).then(|| raw::color_range_name(range)).flatten();
        r.color_space = (space != 2).then(|| raw::color_space_name(space)).flatten();
        r.color_primaries = (primaries != 2).then(|| raw::color_primaries_name(primaries)).flatten();
        r.color_transfer = (trc != 2).then(|| raw::color_transfer_name(trc)).flatten();
        r.chroma_location = (chroma != 0).then(|| raw::chroma_location_name(chroma)).flatten();
    } else if codec_type == ffi::AVMediaType::AVMEDIA_TYPE_AUDIO as i32 {
        r.sample_fmt = raw::sample_fmt_name(frame.format);
        r.nb_samples = Some(frame.nb_samples);
        r.channels = Some(frame.ch_layout.nb_channels);
        let mut buf = [0 as libc::c_char; 128];
        // SAFETY: describe writes at most buf.len() bytes into buf.
        let ret = unsafe { ffi::av_channel_layout_describe(&frame.ch_layout, buf.as_mut_ptr(), buf.len()) };
        if ret >= 0 && unsafe { int_field!(frame.ch_layout.order) } != 0 {
            buf[buf.len() - 1] = 0;
            // SAFETY: NUL-terminated above.
            r.channel_layout = unsafe { raw::string(buf.as_ptr()) };
        }
    }
    r
}

/// Decodes every audio and video stream and calls `each` with every frame, in decode order. Packets the decoder
/// rejects are skipped (as ffprobe does); streams without a decoder give no frames.
pub(crate) fn frames(demuxer: &mut Demuxer, each: &mut dyn FnMut(FrameRecord) -> Result<()>) -> Result<()> {
    let streams = demuxer.streams();
    let mut decoders: Vec<Option<StreamDecoder>> = streams.iter().map(|_| None).collect();
    let mut tried = vec![false; streams.len()];
    let mut pkt = ffmpeg_next::Packet::empty();
    let mut frame = ffmpeg_next::frame::Video::empty();
    let mut drain = |dec: &mut StreamDecoder,
                     index: u32,
                     codec_type: libc::c_int,
                     frame: &mut ffmpeg_next::frame::Frame|
     -> Result<()> {
        while dec.decoder.receive_frame(frame).is_ok() {
            // SAFETY: a frame the decoder just returned.
            let f = unsafe { &*frame.as_ptr() };
            each(frame_record(f, index, codec_type, dec.time_base))?;
        }
        Ok(())
    };
    let codec_types: Vec<libc::c_int> =
        // SAFETY: live streams.
        streams.iter().map(|&st| unsafe { int_field!((*(*st).codecpar).codec_type) }).collect();
    let wanted = |t: libc::c_int| {
        t == ffi::AVMediaType::AVMEDIA_TYPE_VIDEO as i32 || t == ffi::AVMediaType::AVMEDIA_TYPE_AUDIO as i32
    };
    while demuxer.read(&mut pkt)? {
        let Some(i) = Some(pkt.stream()).filter(|&i| i < streams.len()) else {
            continue;
        };
        if !wanted(codec_types[i]) {
            continue;
        }
        if !tried[i] {
            tried[i] = true;
            decoders[i] = open_decoder(streams[i]);
        }
        let Some(dec) = decoders[i].as_mut() else { continue };
        if dec.decoder.send_packet(&pkt).is_err() {
            continue;
        }
        drain(dec, i as u32, codec_types[i], &mut frame)?;
    }
    for (i, dec) in decoders.iter_mut().enumerate() {
        if let Some(dec) = dec
            && dec.decoder.send_eof().is_ok()
        {
            drain(dec, i as u32, codec_types[i], &mut frame)?;
        }
    }
    Ok(())
}
