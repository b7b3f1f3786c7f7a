//! Photos in and out: PNG or JPEG files as RGB planes (8-bit, or 16-bit for 16-bit PNGs).

use super::plane::Plane;
use super::{ConvertSettings, convert_planes};
use crate::error::{Error, Result};
use std::path::Path;

/// An RGB photo as three planes.
#[derive(Clone, Debug, PartialEq)]
pub enum RgbPlanes {
    U8([Plane<u8>; 3]),
    U16([Plane<u16>; 3]),
}

impl RgbPlanes {
    pub fn size(&self) -> (usize, usize) {
        match self {
            RgbPlanes::U8(p) => (p[0].width, p[0].height),
            RgbPlanes::U16(p) => (p[0].width, p[0].height),
        }
    }

    /// The photo reprojected by `settings` to `out_w` x `out_h`, at its own bit depth.
    pub fn convert(&self, settings: &ConvertSettings, out_w: usize, out_h: usize) -> Result<RgbPlanes> {
        fn three<T>(planes: Vec<Plane<T>>) -> Result<[Plane<T>; 3]> {
            planes
                .try_into()
                .map_err(|_| Error::InvalidArgument("expected three planes".into()))
        }
        Ok(match self {
            RgbPlanes::U8(p) => RgbPlanes::U8(three(convert_planes(settings, p, out_w, out_h, 255)?)?),
            RgbPlanes::U16(p) => RgbPlanes::U16(three(convert_planes(settings, p, out_w, out_h, 65535)?)?),
        })
    }
}

/// Reads a PNG or JPEG file (format from its contents); alpha is dropped.
pub fn load(path: &Path) -> Result<RgbPlanes> {
    let reader = image::ImageReader::open(path)
        .map_err(|e| Error::io(path, e))?
        .with_guessed_format()
        .map_err(|e| Error::io(path, e))?;
    let mut reader = reader;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(2 << 30);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| Error::Malformed(format!("{}: {e}", path.display())))?;
    let sixteen = matches!(
        img.color(),
        image::ColorType::Rgb16 | image::ColorType::Rgba16 | image::ColorType::L16 | image::ColorType::La16
    );
    if sixteen {
        let rgb = img.to_rgb16();
        let (w, h) = (rgb.width() as usize, rgb.height() as usize);
        Ok(RgbPlanes::U16(split(rgb.as_raw(), w, h)))
    } else {
        let rgb = img.to_rgb8();
        let (w, h) = (rgb.width() as usize, rgb.height() as usize);
        Ok(RgbPlanes::U8(split(rgb.as_raw(), w, h)))
    }
}

fn split<T: super::plane::Sample>(raw: &[T], w: usize, h: usize) -> [Plane<T>; 3] {
    let mut planes = [
        Plane::new(w, h, T::default()),
        Plane::new(w, h, T::default()),
        Plane::new(w, h, T::default()),
    ];
    for (i, px) in raw.chunks_exact(3).enumerate() {
        for c in 0..3 {
            planes[c].data[i] = px[c];
        }
    }
    planes
}

fn interleave<T: super::plane::Sample>(p: &[Plane<T>; 3]) -> Vec<T> {
    let (w, h) = (p[0].width, p[0].height);
    let mut raw = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            for plane in p {
                raw.push(plane.at(x, y));
            }
        }
    }
    raw
}

/// Writes a PNG or JPEG (chosen by the extension; JPEG at quality 95). 16-bit planes need PNG.
pub fn save(path: &Path, planes: &RgbPlanes) -> Result<()> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let (w, h) = planes.size();
    let io_err = |e: image::ImageError| match e {
        image::ImageError::IoError(io) => Error::io(path, io),
        other => Error::Unsupported(format!("{}: {other}", path.display())),
    };
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut out = std::io::BufWriter::new(file);
    match (ext.as_str(), planes) {
        ("jpg" | "jpeg", RgbPlanes::U8(p)) => {
            let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95);
            image::ImageEncoder::write_image(enc, &interleave(p), w as u32, h as u32, image::ExtendedColorType::Rgb8)
                .map_err(io_err)?;
        }
        ("png", RgbPlanes::U8(p)) => {
            let enc = image::codecs::png::PngEncoder::new_with_quality(
                &mut out,
                image::codecs::png::CompressionType::Fast,
                image::codecs::png::FilterType::Adaptive,
            );
            image::ImageEncoder::write_image(enc, &interleave(p), w as u32, h as u32, image::ExtendedColorType::Rgb8)
                .map_err(io_err)?;
        }
        ("png", RgbPlanes::U16(p)) => {
            let raw = interleave(p);
            let bytes: Vec<u8> = raw.iter().flat_map(|v| v.to_ne_bytes()).collect();
            let enc = image::codecs::png::PngEncoder::new(&mut out);
            image::ImageEncoder::write_image(enc, &bytes, w as u32, h as u32, image::ExtendedColorType::Rgb16)
                .map_err(io_err)?;
        }
        _ => {
            return Err(Error::Unsupported(format!(
                "{}: photos are written as .png or .jpg (16-bit only as .png)",
                path.display()
            )));
        }
    }
    std::io::Write::flush(&mut out).map_err(|e| Error::io(path, e))?;
    Ok(())
}
