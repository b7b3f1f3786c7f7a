//! Image planes (one component each: Y, U, V or R, G, B) of 8-bit or 16-bit samples, owned or borrowed.

/// A sample type the remapper handles: 8-bit, or up to 16-bit (10-bit video lives in `u16`).
pub trait Sample: Copy + Send + Sync + Default + PartialEq + std::fmt::Debug + 'static {
    /// The largest value the type holds.
    const TYPE_MAX: u32;
    fn to_f32(self) -> f32;
    fn to_u32(self) -> u32;
    /// Rounds and clamps to 0..=max.
    fn from_f32(v: f32, max: f32) -> Self;
    /// Bilinear blend of four samples with weights that sum to 65536.
    fn blend4(p: [Self; 4], w: [u32; 4]) -> Self;
    /// Bilinear samples along straight lines of 16.16 fixed-point source positions into one output row,
    /// wrapping across the equirect seam and clamping at the poles ([`super::row_sampler`]); types may bring
    /// faster kernels.
    /// `N` planes of one size (the two chroma planes) may share the positions' arithmetic.
    fn sample_lines<const N: usize>(
        srcs: [&PlaneRef<'_, Self>; N],
        lines: &[super::row_sampler::Line],
        outs: [&mut [Self]; N],
    ) {
        for (src, out) in srcs.into_iter().zip(outs) {
            super::row_sampler::sample_lines_scalar(src, lines, out);
        }
    }
}

impl Sample for u8 {
    const TYPE_MAX: u32 = 255;
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[inline(always)]
    fn to_u32(self) -> u32 {
        self as u32
    }
    #[inline(always)]
    fn from_f32(v: f32, max: f32) -> Self {
        (v + 0.5).clamp(0.0, max) as u8
    }
    #[inline(always)]
    fn blend4(p: [Self; 4], w: [u32; 4]) -> Self {
        // 255 * 65536 < 2^32: no overflow.
        ((p[0] as u32 * w[0] + p[1] as u32 * w[1] + p[2] as u32 * w[2] + p[3] as u32 * w[3] + 32768) >> 16) as u8
    }
    #[inline]
    fn sample_lines<const N: usize>(
        srcs: [&PlaneRef<'_, Self>; N],
        lines: &[super::row_sampler::Line],
        outs: [&mut [Self]; N],
    ) {
        super::row_sampler::sample_lines_u8(srcs, lines, outs);
    }
}

impl Sample for u16 {
    const TYPE_MAX: u32 = 65535;
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[inline(always)]
    fn to_u32(self) -> u32 {
        self as u32
    }
    #[inline(always)]
    fn from_f32(v: f32, max: f32) -> Self {
        (v + 0.5).clamp(0.0, max) as u16
    }
    #[inline(always)]
    fn blend4(p: [Self; 4], w: [u32; 4]) -> Self {
        let s = p[0] as u64 * w[0] as u64
            + p[1] as u64 * w[1] as u64
            + p[2] as u64 * w[2] as u64
            + p[3] as u64 * w[3] as u64;
        ((s + 32768) >> 16) as u16
    }
}

/// An owned plane, rows `stride` samples apart.
#[derive(Clone, Debug, PartialEq)]
pub struct Plane<T> {
    pub width: usize,
    pub height: usize,
    pub stride: usize,
    pub data: Vec<T>,
}

impl<T: Sample> Plane<T> {
    /// A plane filled with `value`.
    pub fn new(width: usize, height: usize, value: T) -> Self {
        Self {
            width,
            height,
            stride: width,
            data: vec![value; width * height],
        }
    }

    pub fn as_ref(&self) -> PlaneRef<'_, T> {
        PlaneRef {
            width: self.width,
            height: self.height,
            stride: self.stride,
            data: &self.data,
        }
    }

    pub fn as_mut(&mut self) -> PlaneMut<'_, T> {
        PlaneMut {
            width: self.width,
            height: self.height,
            stride: self.stride,
            data: &mut self.data,
        }
    }
}

impl<T: Copy> Plane<T> {
    /// The sample at (x, y); callers keep x, y in range.
    pub fn at(&self, x: usize, y: usize) -> T {
        self.data[y * self.stride + x]
    }
}

/// A borrowed plane (for example an FFmpeg frame's data with its line size).
#[derive(Clone, Copy, Debug)]
pub struct PlaneRef<'a, T> {
    pub width: usize,
    pub height: usize,
    pub stride: usize,
    pub data: &'a [T],
}

/// A borrowed writable plane.
#[derive(Debug)]
pub struct PlaneMut<'a, T> {
    pub width: usize,
    pub height: usize,
    pub stride: usize,
    pub data: &'a mut [T],
}

impl<T> PlaneRef<'_, T> {
    /// Whether `data` holds `height` rows of `width` samples `stride` apart.
    pub fn is_consistent(&self) -> bool {
        self.width <= self.stride
            && (self.height == 0 || (self.height - 1) * self.stride + self.width <= self.data.len())
    }
}

impl<T> PlaneMut<'_, T> {
    /// Whether `data` holds `height` rows of `width` samples `stride` apart.
    pub fn is_consistent(&self) -> bool {
        self.width <= self.stride
            && (self.height == 0 || (self.height - 1) * self.stride + self.width <= self.data.len())
    }
}
