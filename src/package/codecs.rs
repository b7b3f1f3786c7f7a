//! RFC 6381 `codecs` strings (avc1.64001f, hvc1.1.6.L93.B0, av01.0.08M.08, mp4a.40.2 ...) read from the streams.
//!
//! Video strings come from the decoder configuration records the mp4 muxer writes into the init segment (avcC,
//! hvcC, av1C, vpcC), so they describe exactly what was encoded; AAC's comes from its AudioSpecificConfig.

use ffmpeg_next as ff;

/// The codecs string for one stream, given the CMAF init segment made for it.
pub fn codec_string(params: &ff::codec::Parameters, init: &[u8]) -> Option<String> {
    use ff::codec::Id;
    match params.id() {
        Id::H264 => find_box(init, b"avcC").and_then(avc),
        Id::HEVC => find_box(init, b"hvcC").and_then(hevc),
        Id::AV1 => find_box(init, b"av1C").and_then(av1),
        Id::VP9 => find_box(init, b"vpcC").and_then(vp9),
        Id::AAC => Some(aac(params)),
        Id::MP3 => Some("mp4a.40.34".into()),
        Id::OPUS => Some("Opus".into()),
        Id::FLAC => Some("fLaC".into()),
        Id::AC3 => Some("ac-3".into()),
        Id::EAC3 => Some("ec-3".into()),
        _ => None,
    }
}

/// The codecs string from an Annex B keyframe (H.264 or HEVC streams whose encoder keeps its parameter sets in
/// the bitstream, as for MPEG-TS).
pub fn codec_string_from_annexb(id: ff::codec::Id, data: &[u8]) -> Option<String> {
    for nal in annexb_nals(data) {
        match id {
            ff::codec::Id::H264 if nal.first().map(|b| b & 0x1f) == Some(7) && nal.len() >= 4 => {
                return Some(format!("avc1.{:02x}{:02x}{:02x}", nal[1], nal[2], nal[3]));
            }
            ff::codec::Id::HEVC if nal.first().map(|b| (b >> 1) & 0x3f) == Some(33) => {
                let rbsp = unescape(nal);
                // Two bytes of NAL header, one of ids and sub-layer count, then profile_tier_level: the same
                // 12 bytes an hvcC record carries from its second byte.
                if rbsp.len() >= 15 {
                    let mut rec = vec![1u8];
                    rec.extend_from_slice(&rbsp[3..15]);
                    return hevc(&rec);
                }
            }
            _ => {}
        }
    }
    None
}

fn annexb_nals(data: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= data.len() {
        if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut nals = Vec::new();
    for (k, &s) in starts.iter().enumerate() {
        let mut end = starts.get(k + 1).map(|n| n - 3).unwrap_or(data.len());
        while end > s && data[end - 1] == 0 {
            end -= 1;
        }
        nals.push(&data[s..end]);
    }
    nals
}

/// Removes emulation-prevention bytes (00 00 03 -> 00 00).
fn unescape(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

/// The payload of the first box of type `kind` anywhere in `data` (sample entries nest it deep in moov).
fn find_box<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    let at = data.windows(4).position(|w| w == kind)?;
    if at < 4 {
        return None;
    }
    let size = u32::from_be_bytes(data[at - 4..at].try_into().ok()?) as usize;
    let end = (at - 4).checked_add(size)?;
    if size < 8 || end > data.len() {
        return None;
    }
    Some(&data[at + 4..end])
}

fn avc(c: &[u8]) -> Option<String> {
    (c.len() >= 4).then(|| format!("avc1.{:02x}{:02x}{:02x}", c[1], c[2], c[3]))
}

fn hevc(c: &[u8]) -> Option<String> {
    if c.len() < 13 {
        return None;
    }
    let space = ["", "A", "B", "C"][(c[1] >> 6) as usize];
    let tier = if c[1] & 0x20 != 0 { 'H' } else { 'L' };
    let profile = c[1] & 0x1f;
    // The compatibility flags are written in reverse bit order, leading zeros dropped.
    let compat = u32::from_be_bytes(c[2..6].try_into().ok()?).reverse_bits();
    let mut s = format!("hvc1.{space}{profile}.{compat:X}.{tier}{}", c[12]);
    let constraints = &c[6..12];
    let last = constraints.iter().rposition(|&b| b != 0);
    if let Some(last) = last {
        for b in &constraints[..=last] {
            s.push_str(&format!(".{b:X}"));
        }
    } else {
        s.push_str(".B0");
    }
    Some(s)
}

fn av1(c: &[u8]) -> Option<String> {
    if c.len() < 3 {
        return None;
    }
    let profile = c[1] >> 5;
    let level = c[1] & 0x1f;
    let tier = if c[2] & 0x80 != 0 { 'H' } else { 'M' };
    let high = c[2] & 0x40 != 0;
    let twelve = c[2] & 0x20 != 0;
    let depth = match (high, twelve) {
        (true, true) => 12,
        (true, false) => 10,
        _ => 8,
    };
    Some(format!("av01.{profile}.{level:02}{tier}.{depth:02}"))
}

fn vp9(c: &[u8]) -> Option<String> {
    // vpcC is a full box: 4 bytes of version and flags first.
    if c.len() < 7 {
        return None;
    }
    let depth = c[6] >> 4;
    Some(format!("vp09.{:02}.{:02}.{depth:02}", c[4], c[5]))
}

fn aac(params: &ff::codec::Parameters) -> String {
    // SAFETY: reading the extradata bytes of valid codec parameters.
    let asc = unsafe {
        let raw = params.as_ptr();
        if (*raw).extradata.is_null() || (*raw).extradata_size < 2 {
            &[][..]
        } else {
            std::slice::from_raw_parts((*raw).extradata, (*raw).extradata_size as usize)
        }
    };
    let object_type = match asc.first().map(|b| b >> 3) {
        // 31 escapes to 32 + the next six bits.
        Some(31) if asc.len() >= 2 => 32 + (((asc[0] & 7) << 3) | (asc[1] >> 5)),
        Some(0) | None => 2,
        Some(t) => t,
    };
    format!("mp4a.40.{object_type}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avc_from_record() {
        assert_eq!(avc(&[1, 0x64, 0x00, 0x1f, 0xff]).unwrap(), "avc1.64001f");
    }

    #[test]
    fn hevc_main_profile_level_3_1() {
        // Main profile, compat flags 0x60000000 (bits 1 and 2), progressive + frame-only constraints, level 93.
        let rec = [1, 0x01, 0x60, 0, 0, 0, 0xb0, 0, 0, 0, 0, 0, 93];
        assert_eq!(hevc(&rec).unwrap(), "hvc1.1.6.L93.B0");
    }

    #[test]
    fn av1_main_10_bit() {
        // seq_profile 0, level 8 (4.0), main tier, high bit depth.
        assert_eq!(av1(&[0x81, 0x08, 0x40, 0]).unwrap(), "av01.0.08M.10");
        assert_eq!(av1(&[0x81, 0x05, 0x00, 0]).unwrap(), "av01.0.05M.08");
    }

    #[test]
    fn annexb_sps_gives_avc_string() {
        let data = [
            0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1f, 0xac, 0, 0, 1, 0x68, 0xee,
        ];
        assert_eq!(
            codec_string_from_annexb(ff::codec::Id::H264, &data).unwrap(),
            "avc1.64001f"
        );
    }

    #[test]
    fn box_search_reads_payload() {
        let mut data = vec![0, 0, 0, 12];
        data.extend_from_slice(b"avcC");
        data.extend_from_slice(&[1, 0x42, 0xc0, 0x1e]);
        assert_eq!(find_box(&data, b"avcC").unwrap(), &[1, 0x42, 0xc0, 0x1e]);
        assert!(find_box(&data, b"hvcC").is_none());
    }
}
