//! RFC 6381 codec strings (`avc1.64001f`, `mp4a.40.2`) for a multivariant playlist's `CODECS`, read from codec
//! parameters (an H.264 decoder configuration record or Annex B SPS, an AAC AudioSpecificConfig).

use ffmpeg_next as ff;

/// The codec string of one stream; a conservative generic one when the parameters do not say more.
pub fn rfc6381(params: &ff::codec::Parameters) -> String {
    // SAFETY: reading fields and extradata of valid codec parameters.
    let (id, extradata, profile) = unsafe {
        let p = &*params.as_ptr();
        let extra = if p.extradata.is_null() || p.extradata_size <= 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(p.extradata, p.extradata_size as usize)
        };
        (p.codec_id, extra, p.profile)
    };
    use ff::ffi::AVCodecID::*;
    match id {
        AV_CODEC_ID_H264 => avc(extradata).unwrap_or_else(|| "avc1.640028".into()),
        AV_CODEC_ID_HEVC => "hvc1.1.6.L120.90".into(),
        AV_CODEC_ID_AV1 => "av01.0.08M.08".into(),
        AV_CODEC_ID_AAC => {
            // The audio object type: the first five bits of the AudioSpecificConfig, else the profile (+1).
            let aot = extradata
                .first()
                .map(|b| b >> 3)
                .filter(|&a| a > 0 && a < 31)
                .map(u32::from)
                .unwrap_or(if profile >= 0 { profile as u32 + 1 } else { 2 });
            format!("mp4a.40.{aot}")
        }
        AV_CODEC_ID_MP3 => "mp4a.40.34".into(),
        AV_CODEC_ID_OPUS => "opus".into(),
        AV_CODEC_ID_AC3 => "ac-3".into(),
        _ => ff::codec::Id::from(id).name().to_string(),
    }
}

/// `avc1.PPCCLL` from an avcC record (starts with 1) or from the first SPS in Annex B extradata.
fn avc(extradata: &[u8]) -> Option<String> {
    let sps = if extradata.first() == Some(&1) && extradata.len() >= 4 {
        &extradata[1..4]
    } else {
        let mut i = 0;
        loop {
            let start = extradata.get(i..)?.windows(3).position(|w| w == [0, 0, 1])? + i + 3;
            if extradata.get(start).map(|b| b & 0x1f) == Some(7) {
                break extradata.get(start + 1..start + 4)?;
            }
            i = start;
        }
    };
    Some(format!("avc1.{:02x}{:02x}{:02x}", sps[0], sps[1], sps[2]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn avc_from_avcc_and_annex_b() {
        assert_eq!(super::avc(&[1, 0x64, 0x00, 0x1f, 0xff]).as_deref(), Some("avc1.64001f"));
        assert_eq!(
            super::avc(&[0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0x99, 0, 0, 1, 0x68]).as_deref(),
            Some("avc1.42c01e")
        );
        assert_eq!(super::avc(&[0, 0, 1, 0x68, 1]), None);
    }
}
