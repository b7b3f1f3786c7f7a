//! A single-channel image plane of `f32` samples in [0, 1], the working format of every sr stage.

/// One channel (luma, a chroma plane, alpha) as normalised floats, row-major without padding.
#[derive(Clone, Debug, PartialEq)]
pub struct Plane {
    pub width: usize,
    pub height: usize,
    pub data: Vec<f32>,
}

impl Plane {
    /// A plane of zeros.
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            data: vec![0.0; width * height],
        }
    }

    /// Wraps existing samples; `data.len()` must be `width * height`.
    pub fn from_vec(width: usize, height: usize, data: Vec<f32>) -> Self {
        debug_assert_eq!(data.len(), width * height);
        Self { width, height, data }
    }

    /// The sample at (x, y) with coordinates clamped into the plane (edge replication).
    #[inline]
    pub fn clamped(&self, x: isize, y: isize) -> f32 {
        let x = x.clamp(0, self.width as isize - 1) as usize;
        let y = y.clamp(0, self.height as isize - 1) as usize;
        self.data[y * self.width + x]
    }

    /// One row of samples.
    #[inline]
    pub fn row(&self, y: usize) -> &[f32] {
        &self.data[y * self.width..(y + 1) * self.width]
    }

    /// A copy with `pad` samples of edge replication on every side (so filters need no bounds checks).
    pub fn padded(&self, pad: usize) -> Plane {
        let w = self.width + 2 * pad;
        let h = self.height + 2 * pad;
        let mut data = Vec::with_capacity(w * h);
        for y in 0..h {
            let sy = (y as isize - pad as isize).clamp(0, self.height as isize - 1) as usize;
            let row = self.row(sy);
            data.extend(std::iter::repeat_n(row[0], pad));
            data.extend_from_slice(row);
            data.extend(std::iter::repeat_n(row[self.width - 1], pad));
        }
        Plane::from_vec(w, h, data)
    }

    /// Samples clamped to [0, 1].
    pub fn clamp01(&mut self) {
        for v in &mut self.data {
            *v = v.clamp(0.0, 1.0);
        }
    }
}
