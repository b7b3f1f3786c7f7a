//! Still images: upscale a decoded `image::DynamicImage` (8- or 16-bit, grey or colour, with or without alpha).

use super::color::{luma, split_ycbcr, ycbcr_to_rgb};
use super::plane::Plane;
use super::resample::{Kernel, resize};
use super::{Model, check_size, upscale_chroma, upscale_luma};
use crate::error::Result;
use image::{DynamicImage, Rgb32FImage, RgbImage, Rgba32FImage};

/// How an image is upscaled: a learned model on luma, or a classic kernel on every channel (baselines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Model(Model),
    Kernel(Kernel),
}

/// Upscales an image by `scale`, keeping its colour type and bit depth.
pub fn upscale_image(img: &DynamicImage, scale: usize, method: Method) -> Result<DynamicImage> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    check_size(w, h, scale)?;
    let (ow, oh) = (w * scale, h * scale);
    let color = img.color();
    let has_alpha = color.has_alpha();
    let grey = !color.has_color();
    let rgba = img.to_rgba32f();
    let samples = rgba.as_raw();
    let up_luma = |p: &Plane| -> Result<Plane> {
        match method {
            Method::Model(m) => upscale_luma(p, scale, m),
            Method::Kernel(k) => {
                let mut out = resize(p, ow, oh, k);
                out.clamp01();
                Ok(out)
            }
        }
    };
    let up_other = |p: &Plane| -> Plane {
        match method {
            Method::Model(_) => upscale_chroma(p, ow, oh),
            Method::Kernel(k) => {
                let mut out = resize(p, ow, oh, k);
                out.clamp01();
                out
            }
        }
    };
    let alpha = has_alpha.then(|| {
        let a = Plane::from_vec(w, h, samples.chunks_exact(4).map(|p| p[3]).collect());
        up_other(&a)
    });
    let mut out = vec![0.0f32; ow * oh * 4];
    if grey {
        let g = Plane::from_vec(w, h, samples.chunks_exact(4).map(|p| p[0]).collect());
        let g = up_luma(&g)?;
        for (o, v) in out.chunks_exact_mut(4).zip(&g.data) {
            o[..3].fill(*v);
        }
    } else if let Method::Kernel(k) = method {
        // Baselines resample R, G and B directly, as the published bicubic figures do.
        for c in 0..3 {
            let p = Plane::from_vec(w, h, samples.chunks_exact(4).map(|px| px[c]).collect());
            let mut up = resize(&p, ow, oh, k);
            up.clamp01();
            for (o, v) in out.chunks_exact_mut(4).zip(&up.data) {
                o[c] = *v;
            }
        }
    } else {
        let [y, cb, cr] = split_ycbcr(w, h, samples, 4, 1.0);
        let y = up_luma(&y)?;
        let cb = up_other(&cb);
        let cr = up_other(&cr);
        for (i, o) in out.chunks_exact_mut(4).enumerate() {
            let (r, g, b) = ycbcr_to_rgb(y.data[i], cb.data[i], cr.data[i]);
            o[0] = r.clamp(0.0, 1.0);
            o[1] = g.clamp(0.0, 1.0);
            o[2] = b.clamp(0.0, 1.0);
        }
    }
    match &alpha {
        Some(a) => out.chunks_exact_mut(4).zip(&a.data).for_each(|(o, v)| o[3] = *v),
        None => out.chunks_exact_mut(4).for_each(|o| o[3] = 1.0),
    }
    let buf = Rgba32FImage::from_raw(ow as u32, oh as u32, out)
        .ok_or_else(|| crate::error::Error::Limit("sr output buffer".into()))?;
    let wide = DynamicImage::ImageRgba32F(buf);
    let sixteen = matches!(
        img,
        DynamicImage::ImageLuma16(_)
            | DynamicImage::ImageLumaA16(_)
            | DynamicImage::ImageRgb16(_)
            | DynamicImage::ImageRgba16(_)
            | DynamicImage::ImageRgb32F(_)
            | DynamicImage::ImageRgba32F(_)
    );
    Ok(match (grey, has_alpha, sixteen) {
        (true, false, false) => DynamicImage::ImageLuma8(wide.to_luma8()),
        (true, true, false) => DynamicImage::ImageLumaA8(wide.to_luma_alpha8()),
        (false, false, false) => DynamicImage::ImageRgb8(wide.to_rgb8()),
        (false, true, false) => DynamicImage::ImageRgba8(wide.to_rgba8()),
        (true, false, true) => DynamicImage::ImageLuma16(wide.to_luma16()),
        (true, true, true) => DynamicImage::ImageLumaA16(wide.to_luma_alpha16()),
        (false, false, true) => DynamicImage::ImageRgb16(wide.to_rgb16()),
        (false, true, true) => DynamicImage::ImageRgba16(wide.to_rgba16()),
    })
}

/// Benchmark luma of an image (Y of BT.601 studio range, from 8-bit RGB).
pub fn benchmark_luma(img: &DynamicImage) -> Plane {
    let rgb = img.to_rgb8();
    luma(rgb.width() as usize, rgb.height() as usize, rgb.as_raw(), 3, 255.0)
}

/// A training pair as the benchmarks make theirs: the high-resolution image cropped to a multiple of
/// `scale`, shrunk with antialiased bicubic and rounded to 8 bits; returns (low-res luma, high-res luma).
pub fn training_pair(hr: &RgbImage, scale: usize) -> Option<(Plane, Plane)> {
    let w = hr.width() as usize / scale * scale;
    let h = hr.height() as usize / scale * scale;
    if w < scale * super::MIN_SIDE || h < scale * super::MIN_SIDE {
        return None;
    }
    let cropped = image::imageops::crop_imm(hr, 0, 0, w as u32, h as u32).to_image();
    let hr_luma = luma(w, h, cropped.as_raw(), 3, 255.0);
    let (lw, lh) = (w / scale, h / scale);
    let mut lr = vec![0.0f32; lw * lh * 3];
    for c in 0..3 {
        let p = Plane::from_vec(
            w,
            h,
            cropped
                .as_raw()
                .iter()
                .skip(c)
                .step_by(3)
                .map(|&v| v as f32 / 255.0)
                .collect(),
        );
        let small = resize(&p, lw, lh, Kernel::Bicubic);
        for (o, v) in lr.chunks_exact_mut(3).zip(&small.data) {
            o[c] = (v.clamp(0.0, 1.0) * 255.0).round() / 255.0;
        }
    }
    let lr_luma = luma(lw, lh, &lr, 3, 1.0);
    Some((lr_luma, hr_luma))
}

/// An RGB image as floats (for callers that want [`Rgb32FImage`] without the alpha channel).
pub fn to_rgb32f(img: &DynamicImage) -> Rgb32FImage {
    img.to_rgb32f()
}
