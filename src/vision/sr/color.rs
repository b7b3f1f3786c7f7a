//! Colour conversion between RGB and BT.601 studio-range YCbCr, the luma the sr benchmarks measure on.
//!
//! Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 on an 8-bit scale, here normalised to [0, 1].

use super::plane::Plane;

/// RGB samples in [0, 1] to (Y, Cb, Cr) in [0, 1] (studio range: Y in [16, 235] / 255).
#[inline]
pub fn rgb_to_ycbcr(r: f32, g: f32, b: f32) -> (f32, f32, f32) {
    let y = (16.0 + 65.481 * r + 128.553 * g + 24.966 * b) / 255.0;
    let cb = (128.0 - 37.797 * r - 74.203 * g + 112.0 * b) / 255.0;
    let cr = (128.0 + 112.0 * r - 93.786 * g - 18.214 * b) / 255.0;
    (y, cb, cr)
}

/// The inverse of [`rgb_to_ycbcr`] (results not clamped).
#[inline]
pub fn ycbcr_to_rgb(y: f32, cb: f32, cr: f32) -> (f32, f32, f32) {
    let y = (y - 16.0 / 255.0) * (255.0 / 219.0);
    let cb = cb - 128.0 / 255.0;
    let cr = cr - 128.0 / 255.0;
    let r = y + 1.596_027 * cr;
    let g = y - 0.391_762 * cb - 0.812_968 * cr;
    let b = y + 2.017_232 * cb;
    (r, g, b)
}

/// Splits interleaved RGB samples (normalised by `max`) into Y, Cb and Cr planes.
pub fn split_ycbcr<T: Copy + Into<f32>>(
    width: usize,
    height: usize,
    rgb: &[T],
    channels: usize,
    max: f32,
) -> [Plane; 3] {
    let n = width * height;
    let (mut y, mut cb, mut cr) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for px in rgb.chunks_exact(channels).take(n) {
        let (a, b, c) = rgb_to_ycbcr(px[0].into() / max, px[1].into() / max, px[2].into() / max);
        y.push(a);
        cb.push(b);
        cr.push(c);
    }
    [
        Plane::from_vec(width, height, y),
        Plane::from_vec(width, height, cb),
        Plane::from_vec(width, height, cr),
    ]
}

/// Luma of an RGB image as the benchmarks define it (on [0, 1]).
pub fn luma<T: Copy + Into<f32>>(width: usize, height: usize, rgb: &[T], channels: usize, max: f32) -> Plane {
    let data = rgb
        .chunks_exact(channels)
        .take(width * height)
        .map(|px| rgb_to_ycbcr(px[0].into() / max, px[1].into() / max, px[2].into() / max).0)
        .collect();
    Plane::from_vec(width, height, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for &(r, g, b) in &[(0.0, 0.0, 0.0), (1.0, 1.0, 1.0), (0.2, 0.7, 0.1), (1.0, 0.0, 0.5)] {
            let (y, cb, cr) = rgb_to_ycbcr(r, g, b);
            let (r2, g2, b2) = ycbcr_to_rgb(y, cb, cr);
            assert!((r - r2).abs() < 1e-4 && (g - g2).abs() < 1e-4 && (b - b2).abs() < 1e-4);
        }
        let (y, _, _) = rgb_to_ycbcr(1.0, 1.0, 1.0);
        assert!((y * 255.0 - 235.0).abs() < 1e-3);
    }
}
