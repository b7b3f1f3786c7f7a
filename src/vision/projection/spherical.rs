//! Spherical Video V2 metadata: the `sv3d`/`st3d` boxes in MP4 and the Projection elements in Matroska, which
//! tell players and upload sites that a video is 360. Written by a stream-copy remux, read from any input.
//!
//! FFmpeg 5.1 carries the metadata as AV_PKT_DATA_SPHERICAL (and AV_PKT_DATA_STEREO3D) stream side data: its
//! Matroska muxer writes it always, its MP4 muxer only at `strict=unofficial` (sv3d is Google's extension,
//! not part of ISO/IEC 14496-12), so the remux sets that level; both demuxers read it back.

use crate::error::{Error, Result};
use crate::util::atomic::AtomicPath;
use crate::vision::projection::Projection;
use ffmpeg_next::ffi;
use std::path::{Path, PathBuf};

/// The projections Spherical Video V2 can declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SphericalKind {
    Equirect,
    Cubemap,
}

/// What a stream's spherical metadata says: projection and the initial view (degrees).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SphericalInfo {
    pub kind: SphericalKind,
    pub yaw: f64,
    pub pitch: f64,
    pub roll: f64,
}

impl SphericalKind {
    /// The kind a video in `projection` declares; `None` for projections Spherical Video V2 cannot declare.
    pub fn of(projection: &Projection) -> Option<SphericalKind> {
        match projection {
            Projection::Equirect => Some(SphericalKind::Equirect),
            Projection::Cubemap(_) => Some(SphericalKind::Cubemap),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SphericalKind::Equirect => "equirect",
            SphericalKind::Cubemap => "cubemap",
        }
    }
}

impl SphericalInfo {
    /// The metadata declaring a video in `projection`, with the initial view (yaw, pitch, roll) in degrees.
    pub fn declaring(projection: &Projection, (yaw, pitch, roll): (f64, f64, f64)) -> Result<SphericalInfo> {
        let kind = SphericalKind::of(projection).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "spherical metadata declares equirect or cubemap video, not {}",
                projection.name()
            ))
        })?;
        Ok(SphericalInfo { kind, yaw, pitch, roll })
    }
}

/// A file's spherical metadata as `stitch360 --show-metadata` reports it (JSON with `--json`, else one line).
#[derive(Debug, serde::Serialize)]
pub struct SphericalReport {
    pub input: PathBuf,
    pub spherical: bool,
    pub projection: Option<&'static str>,
    pub yaw: Option<f64>,
    pub pitch: Option<f64>,
    pub roll: Option<f64>,
}

impl SphericalReport {
    pub fn of(input: &Path) -> Result<SphericalReport> {
        let info = read(input)?;
        Ok(SphericalReport {
            input: input.to_path_buf(),
            spherical: info.is_some(),
            projection: info.map(|i| i.kind.name()),
            yaw: info.map(|i| i.yaw),
            pitch: info.map(|i| i.pitch),
            roll: info.map(|i| i.roll),
        })
    }
}

impl std::fmt::Display for SphericalReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.projection, self.yaw, self.pitch, self.roll) {
            (Some(kind), Some(yaw), Some(pitch), Some(roll)) => write!(
                f,
                "{}: spherical {kind} (yaw {yaw}, pitch {pitch}, roll {roll})",
                self.input.display()
            ),
            _ => write!(f, "{}: no spherical metadata", self.input.display()),
        }
    }
}

/// [`inject`] into `output` through a temporary name: an interrupted copy leaves nothing under `output`.
pub fn inject_file(input: &Path, output: &Path, info: &SphericalInfo, overwrite: bool) -> Result<()> {
    let out = AtomicPath::new(output, overwrite)?;
    inject(input, out.temp(), info)?;
    out.commit()
}

fn ff(path: &Path, what: &str, e: ffmpeg_next::Error) -> Error {
    Error::Ffmpeg(format!("{}: {what}: {e}", path.display()))
}

/// The spherical metadata of the first video stream of `path`, if any.
pub fn read(path: &Path) -> Result<Option<SphericalInfo>> {
    crate::init();
    let ictx = ffmpeg_next::format::input(&path).map_err(|e| ff(path, "open", e))?;
    let Some(stream) = ictx.streams().best(ffmpeg_next::media::Type::Video) else {
        return Ok(None);
    };
    let mut size = 0usize;
    // SAFETY: the stream pointer is valid while `ictx` lives; the returned buffer belongs to the stream.
    let data = unsafe {
        ffi::av_stream_get_side_data(
            stream.as_ptr(),
            ffi::AVPacketSideDataType::AV_PKT_DATA_SPHERICAL,
            &mut size,
        )
    };
    if data.is_null() || size < std::mem::size_of::<ffi::AVSphericalMapping>() {
        return Ok(None);
    }
    // SAFETY: FFmpeg stores an AVSphericalMapping (size checked above) for this side-data type.
    let m = unsafe { std::ptr::read_unaligned(data as *const ffi::AVSphericalMapping) };
    let kind = match m.projection {
        ffi::AVSphericalProjection::AV_SPHERICAL_EQUIRECTANGULAR
        | ffi::AVSphericalProjection::AV_SPHERICAL_EQUIRECTANGULAR_TILE => SphericalKind::Equirect,
        ffi::AVSphericalProjection::AV_SPHERICAL_CUBEMAP => SphericalKind::Cubemap,
    };
    let deg = |v: i32| v as f64 / 65536.0;
    Ok(Some(SphericalInfo {
        kind,
        yaw: deg(m.yaw),
        pitch: deg(m.pitch),
        roll: deg(m.roll),
    }))
}

/// Copies `input` to `output` (container from the output's extension: .mp4, .mov, .mkv) without re-encoding,
/// adding spherical metadata (and mono `st3d`) to every video stream.
pub fn inject(input: &Path, output: &Path, info: &SphericalInfo) -> Result<()> {
    crate::init();
    let mut ictx = ffmpeg_next::format::input(&input).map_err(|e| ff(input, "open", e))?;
    let mut octx = ffmpeg_next::format::output(&output).map_err(|e| ff(output, "create", e))?;
    let mut mapping = Vec::new();
    let mut time_bases = Vec::new();
    // A packet without a duration (common for video from encoders) gets one frame period: the last sample's
    // duration decides whether mp4's edit list still covers it.
    let mut frame_periods = Vec::new();
    let mut next = 0usize;
    for ist in ictx.streams() {
        let medium = ist.parameters().medium();
        time_bases.push(ist.time_base());
        let rate = ist.avg_frame_rate();
        frame_periods.push(if rate.numerator() > 0 && rate.denominator() > 0 {
            ffmpeg_next::Rational::new(rate.denominator(), rate.numerator())
        } else {
            ffmpeg_next::Rational::new(0, 1)
        });
        if !matches!(
            medium,
            ffmpeg_next::media::Type::Video | ffmpeg_next::media::Type::Audio | ffmpeg_next::media::Type::Subtitle
        ) {
            mapping.push(None);
            continue;
        }
        mapping.push(Some(next));
        next += 1;
        let mut ost = octx
            .add_stream(ffmpeg_next::encoder::find(ffmpeg_next::codec::Id::None))
            .map_err(|e| ff(output, "add stream", e))?;
        ost.set_parameters(ist.parameters());
        // Same time base as the input: timestamps copy exactly, and the muxer's edit list keeps the last frame.
        ost.set_time_base(ist.time_base());
        // SAFETY: plain field writes and side-data calls on the stream this context owns; on success
        // av_stream_add_side_data takes ownership of the buffer, on failure we free it.
        unsafe {
            (*ost.parameters().as_mut_ptr()).codec_tag = 0;
            if medium == ffmpeg_next::media::Type::Video {
                let mut size = 0usize;
                let m = ffi::av_spherical_alloc(&mut size);
                if m.is_null() {
                    return Err(Error::Ffmpeg("out of memory".into()));
                }
                (*m).projection = match info.kind {
                    SphericalKind::Equirect => ffi::AVSphericalProjection::AV_SPHERICAL_EQUIRECTANGULAR,
                    SphericalKind::Cubemap => ffi::AVSphericalProjection::AV_SPHERICAL_CUBEMAP,
                };
                let fixed = |d: f64| (d * 65536.0).round() as i32;
                (*m).yaw = fixed(info.yaw.clamp(-180.0, 180.0));
                (*m).pitch = fixed(info.pitch.clamp(-90.0, 90.0));
                (*m).roll = fixed(info.roll.clamp(-180.0, 180.0));
                let st = ost.as_mut_ptr();
                if ffi::av_stream_add_side_data(
                    st,
                    ffi::AVPacketSideDataType::AV_PKT_DATA_SPHERICAL,
                    m as *mut u8,
                    size,
                ) < 0
                {
                    ffi::av_free(m as *mut _);
                    return Err(Error::Ffmpeg(format!(
                        "{}: cannot attach spherical metadata",
                        output.display()
                    )));
                }
                let s3d = ffi::av_stereo3d_alloc();
                if !s3d.is_null() {
                    (*s3d).type_ = ffi::AVStereo3DType::AV_STEREO3D_2D;
                    if ffi::av_stream_add_side_data(
                        st,
                        ffi::AVPacketSideDataType::AV_PKT_DATA_STEREO3D,
                        s3d as *mut u8,
                        std::mem::size_of::<ffi::AVStereo3D>(),
                    ) < 0
                    {
                        ffi::av_free(s3d as *mut _);
                    }
                }
            }
        }
    }
    octx.set_metadata(ictx.metadata().to_owned());
    // SAFETY: a plain field of the output context: sv3d is written only at `unofficial` compliance.
    unsafe {
        (*octx.as_mut_ptr()).strict_std_compliance = ffi::FF_COMPLIANCE_UNOFFICIAL;
    }
    octx.write_header().map_err(|e| ff(output, "write header", e))?;
    for (stream, mut packet) in ictx.packets() {
        let i = stream.index();
        let Some(Some(o)) = mapping.get(i).copied() else {
            continue;
        };
        let otb = octx
            .stream(o)
            .map(|s| s.time_base())
            .ok_or_else(|| Error::Ffmpeg("lost stream".into()))?;
        if packet.duration() == 0 && frame_periods[i].numerator() > 0 {
            let d = crate::media::rescale(1, frame_periods[i], time_bases[i]);
            packet.set_duration(d);
        }
        packet.rescale_ts(time_bases[i], otb);
        packet.set_position(-1);
        packet.set_stream(o);
        packet
            .write_interleaved(&mut octx)
            .map_err(|e| ff(output, "write", e))?;
    }
    octx.write_trailer().map_err(|e| ff(output, "write trailer", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_equirect_and_cubemap_can_be_declared() {
        let info = SphericalInfo::declaring(&Projection::parse("c3x2").unwrap(), (30.0, 0.0, 0.0)).unwrap();
        assert_eq!((info.kind, info.yaw), (SphericalKind::Cubemap, 30.0));
        let refused = SphericalInfo::declaring(&Projection::parse("eac").unwrap(), (0.0, 0.0, 0.0)).unwrap_err();
        assert!(
            refused
                .to_string()
                .starts_with("spherical metadata declares equirect or cubemap video, not "),
            "{refused}"
        );
    }

    #[test]
    fn a_report_reads_as_one_line() {
        let mut report = SphericalReport {
            input: PathBuf::from("a.mp4"),
            spherical: true,
            projection: Some("equirect"),
            yaw: Some(30.0),
            pitch: Some(-5.5),
            roll: Some(0.0),
        };
        assert_eq!(
            report.to_string(),
            "a.mp4: spherical equirect (yaw 30, pitch -5.5, roll 0)"
        );
        report.projection = None;
        assert_eq!(report.to_string(), "a.mp4: no spherical metadata");
    }
}
