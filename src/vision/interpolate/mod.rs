//! Motion-compensated frame interpolation: flow both ways, occlusion-aware warping to any time t,
//! scene-cut detection, and the graph filter that changes a stream's frame rate.
//!
//! [`PairMotion::analyze`] looks at two neighbouring frames once (flows, consistency, cut decision);
//! [`PairMotion::synthesize`] then makes a frame at any 0 < t < 1 between them, for every plane of the
//! picture (flow is estimated on luma and applied to chroma at its own resolution).

mod filter;
pub mod stream;
mod synth;
pub mod y4m;

pub use filter::{InterpolateFilter, InterpolateSettings, RateChange, parse_rate};

use crate::error::{Error, Result};
use crate::vision::flow::{FlowField, FlowParams, Plane, Pyramid, flow_between, global_shift};

/// Speed/quality trade-off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Quality {
    /// Flow at quarter resolution: real time at 720p on two cores.
    Fast,
    /// Flow at half resolution with variational refinement.
    #[default]
    Balanced,
    /// `balanced`'s motion and warp four times, on the pair as it is, mirrored left-right, top-bottom and
    /// both, and the four pictures averaged (a geometric self-ensemble, as Lim et al. use for
    /// super-resolution): four times the work for 0.2-0.6 dB, as each run's mistakes differ.
    Best,
}

impl Quality {
    /// The flow settings for this quality.
    pub fn flow_params(self) -> FlowParams {
        match self {
            Quality::Fast => FlowParams::fast(),
            Quality::Balanced | Quality::Best => FlowParams::balanced(),
        }
    }

    /// Whether warping at this quality reads `f32` copies of the planes (see
    /// [`PairMotion::synthesize_with`]): bilinear warping (`fast`) without AVX2 gathers does.
    pub fn warps_from_f32(self) -> bool {
        self == Quality::Fast && !synth::gathers()
    }

    /// The flow settings for pictures `width` luma pixels wide: `balanced` and `best` compute the flow at
    /// full resolution when half resolution would be under 300 pixels wide (small pictures such as
    /// UCF101's 320x240 lose too much detail at half size, and full resolution is cheap there).
    pub fn flow_params_for(self, width: usize) -> FlowParams {
        let mut p = self.flow_params();
        if self != Quality::Fast && width / 2 < 300 {
            p.finest_level = 0;
        }
        p
    }
}

impl std::str::FromStr for Quality {
    type Err = crate::error::Error;
    fn from_str(s: &str) -> crate::error::Result<Self> {
        match s {
            "fast" => Ok(Quality::Fast),
            "balanced" => Ok(Quality::Balanced),
            "best" => Ok(Quality::Best),
            _ => Err(crate::error::Error::InvalidArgument(format!(
                "quality '{s}' is not one of fast, balanced, best"
            ))),
        }
    }
}

/// A pixel sample type of a picture plane: 8-bit or high bit depth in 16-bit words.
pub trait Sample: Copy + Default + Send + Sync + 'static {
    fn to_f32(self) -> f32;
    /// Rounds and clamps to `0..=max`.
    fn from_f32(v: f32, max: f32) -> Self;
}

impl Sample for u8 {
    #[inline]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[inline]
    fn from_f32(v: f32, max: f32) -> Self {
        (v + 0.5).clamp(0.0, max) as u8
    }
}

impl Sample for u16 {
    #[inline]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[inline]
    fn from_f32(v: f32, max: f32) -> Self {
        (v + 0.5).clamp(0.0, max) as u16
    }
}

impl Sample for f32 {
    #[inline]
    fn to_f32(self) -> f32 {
        self
    }
    #[inline]
    fn from_f32(v: f32, max: f32) -> Self {
        v.clamp(0.0, max)
    }
}

/// Converts a luma plane to the 0..255 `f32` scale the flow works on.
pub fn luma_to_f32<T: Sample>(plane: &Plane<T>, max_value: f32) -> Plane<f32> {
    let k = 255.0 / max_value.max(1.0);
    Plane {
        width: plane.width,
        height: plane.height,
        data: plane.data.iter().map(|s| s.to_f32() * k).collect(),
    }
}

/// Luma (BT.601) of an RGB picture given as three planes, on the 0..255 scale.
pub fn luma_from_rgb<T: Sample>(r: &Plane<T>, g: &Plane<T>, b: &Plane<T>, max_value: f32) -> Plane<f32> {
    let k = 255.0 / max_value.max(1.0);
    let data = r
        .data
        .iter()
        .zip(&g.data)
        .zip(&b.data)
        .map(|((r, g), b)| (0.299 * r.to_f32() + 0.587 * g.to_f32() + 0.114 * b.to_f32()) * k)
        .collect();
    Plane {
        width: r.width,
        height: r.height,
        data,
    }
}

/// Measurements of a frame pair that decide how to interpolate it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PairStats {
    /// Mean absolute luma difference after motion compensation, over the pixels whose vector stays in the
    /// image (0..255 scale, brightness-normalised).
    pub compensated_error: f32,
    /// Mean absolute luma difference without motion compensation (brightness-normalised).
    pub static_error: f32,
    /// Fraction of the pixels whose vector stays in the image whose forward and backward vectors agree.
    pub consistent_fraction: f32,
    /// Difference of the luma histograms (0 = same, 1 = disjoint), before brightness normalisation.
    pub histogram_distance: f32,
}

/// What is known about two neighbouring frames A (t = 0) and B (t = 1).
#[derive(Clone, Debug)]
pub struct PairMotion {
    /// Luma size.
    pub width: usize,
    pub height: usize,
    /// Flow A -> B and B -> A at the motion resolution.
    pub forward: FlowField,
    pub backward: FlowField,
    /// Per-pixel confidence (0..1) of `forward` and `backward` from the round-trip check.
    pub forward_conf: Vec<f32>,
    pub backward_conf: Vec<f32>,
    /// A scene cut between A and B: never blend, repeat the nearest frame.
    pub scene_cut: bool,
    pub stats: PairStats,
    /// Bicubic (sharper, slower) rather than bilinear sampling when warping.
    pub cubic: bool,
    /// For `best`: the same analysis of the mirrored pair, each warped on its own and averaged in.
    pub mirrored: Vec<MirroredMotion>,
}

/// The motion of a pair mirrored left-right and/or top-bottom (see [`Quality::Best`]).
#[derive(Clone, Debug)]
pub struct MirroredMotion {
    pub horizontal: bool,
    pub vertical: bool,
    pub motion: PairMotion,
}

impl PairMotion {
    /// Estimates motion between two luma planes (0..255 scale, same size).
    pub fn analyze(a: &Plane<f32>, b: &Plane<f32>, quality: Quality) -> PairMotion {
        let (pa, pb) = rayon::join(|| Self::pyramid(a, quality), || Self::pyramid(b, quality));
        Self::analyze_pyramids(&pa, &pb, quality)
    }

    /// The pyramid (with gradients) [`PairMotion::analyze_pyramids`] wants for a luma plane at this
    /// quality. A stream builds it once per frame: each frame is B of one pair and A of the next.
    pub fn pyramid(luma: &Plane<f32>, quality: Quality) -> Pyramid {
        let params = quality.flow_params_for(luma.width);
        let levels = Pyramid::levels_for(luma.width, luma.height, &params);
        Pyramid::new(luma, levels, params.finest_level.min(levels - 1))
    }

    /// [`PairMotion::analyze`] from the frames' pyramids (made by [`PairMotion::pyramid`]).
    pub fn analyze_pyramids(pa: &Pyramid, pb: &Pyramid, quality: Quality) -> PairMotion {
        use rayon::prelude::*;
        let mut motion = Self::analyze_one(pa, pb, quality);
        if quality == Quality::Best && !motion.scene_cut {
            let finest = quality.flow_params_for(motion.width).finest_level;
            motion.mirrored = [(true, false), (false, true), (true, true)]
                .par_iter()
                .map(|&(horizontal, vertical)| MirroredMotion {
                    horizontal,
                    vertical,
                    motion: Self::analyze_one(
                        &pa.flipped(horizontal, vertical, finest),
                        &pb.flipped(horizontal, vertical, finest),
                        quality,
                    ),
                })
                .collect();
        }
        motion
    }

    /// The analysis of one pair as it is.
    fn analyze_one(pa: &Pyramid, pb: &Pyramid, quality: Quality) -> PairMotion {
        let (width, height) = (pa.levels[0].width, pa.levels[0].height);
        let params = quality.flow_params_for(width);
        let finest = params.finest_level.min(pa.levels.len() - 1);
        // Statistics at the motion resolution: the same decisions for a fraction of the passes.
        let histogram_distance = histogram_distance(&pa.levels[finest], &pb.levels[finest]);
        // A pan (found whatever the brightness) decides which parts of A and B show the same things.
        let shift = global_shift(pa, pb, &params);
        // Match B's brightness to A's so fades do not look like motion (and not like cuts): on a copy, as
        // B's own pyramid serves the next pair too.
        let adjusted = brightness_match(&pa.levels[finest], &pb.levels[finest], shift).map(|(gain, offset)| {
            let mut p = pb.clone();
            p.adjust(gain, offset);
            p.compute_gradients(finest);
            p
        });
        let pb = adjusted.as_ref().unwrap_or(pb);
        let back_shift = shift.map(|(dx, dy)| (-dx, -dy));
        let (forward, backward) = rayon::join(
            || flow_between(pa, pb, &params, shift),
            || flow_between(pb, pa, &params, back_shift),
        );
        let forward_conf = synth::consistency(&forward, &backward);
        let backward_conf = synth::consistency(&backward, &forward);
        let la = &pa.levels[finest];
        let lb = &pb.levels[finest];
        let (compensated_error, static_error, visible) = synth::compensation_errors(la, lb, &forward);
        // Of the pixels still in view in B (vectors leaving the image have no partner to agree with).
        let consistent = forward_conf.iter().filter(|&&c| c > 0.5).count() as f32;
        let consistent_fraction = consistent / (visible * forward_conf.len() as f32).max(1.0);
        let forward = synth::fill_leaving(&forward, &forward_conf, shift);
        let backward = synth::fill_leaving(&backward, &backward_conf, back_shift);
        let stats = PairStats {
            compensated_error,
            static_error,
            consistent_fraction,
            histogram_distance,
        };
        PairMotion {
            width,
            height,
            forward,
            backward,
            forward_conf,
            backward_conf,
            scene_cut: is_scene_cut(&stats),
            stats,
            cubic: quality != Quality::Fast,
            mirrored: Vec::new(),
        }
    }

    /// Makes the planes of the frame at time `t` (0 < t < 1) between A and B. Planes may have any size
    /// (chroma is subsampled); each is warped with the flow scaled to it. `max_value` is the largest sample.
    pub fn synthesize<T: Sample>(&self, a: &[Plane<T>], b: &[Plane<T>], t: f32, max_value: f32) -> Vec<Plane<T>> {
        self.synthesize_with(a, b, None, t, max_value)
    }

    /// Whether [`PairMotion::synthesize_with`] can use `f32` copies of the planes (bilinear warping
    /// without AVX2 gathers, which read the planes as they are).
    pub fn reads_f32(&self) -> bool {
        !self.cubic && !synth::gathers()
    }

    /// [`PairMotion::synthesize`] with, optionally, the planes of A and B already converted to `f32` (as
    /// by [`to_f32_planes`]; used when [`PairMotion::reads_f32`]), so a stream converts each frame once.
    pub fn synthesize_with<T: Sample>(
        &self,
        a: &[Plane<T>],
        b: &[Plane<T>],
        as_f32: Option<PlanesF32<'_>>,
        t: f32,
        max_value: f32,
    ) -> Vec<Plane<T>> {
        let t = t.clamp(0.0, 1.0);
        if self.scene_cut || t <= 0.0 || t >= 1.0 {
            // At exactly t = 0.5 keep the earlier frame, as minterpolate does.
            return if t <= 0.5 { a.to_vec() } else { b.to_vec() };
        }
        if self.stats.consistent_fraction < CHAOTIC_FRACTION {
            // Almost no vector survives the round trip: any warp would invent structure; a crossfade
            // (as for a fade) is the safer picture.
            return a
                .iter()
                .zip(b)
                .map(|(pa, pb)| synth::crossfade(pa, pb, t, max_value))
                .collect();
        }
        let own = self.warp(a, b, as_f32, t, max_value);
        if self.mirrored.is_empty() {
            return own;
        }
        // Each mirrored analysis warps the mirrored planes; mirrored back, the pictures are averaged.
        let flip = |planes: &[Plane<T>], m: &MirroredMotion| -> Vec<Plane<T>> {
            planes.iter().map(|p| p.flipped(m.horizontal, m.vertical)).collect()
        };
        let others: Vec<Vec<Plane<T>>> = {
            use rayon::prelude::*;
            self.mirrored
                .par_iter()
                .map(|m| flip(&m.motion.warp(&flip(a, m), &flip(b, m), None, t, max_value), m))
                .collect()
        };
        let n = (others.len() + 1) as f32;
        own.into_iter()
            .enumerate()
            .map(|(i, mut plane)| {
                for (k, o) in plane.data.iter_mut().enumerate() {
                    let sum = others
                        .iter()
                        .fold(o.to_f32(), |acc, planes| acc + planes[i].data[k].to_f32());
                    *o = T::from_f32(sum / n, max_value);
                }
                plane
            })
            .collect()
    }

    /// The motion-compensated picture at `t` from this analysis alone.
    fn warp<T: Sample>(
        &self,
        a: &[Plane<T>],
        b: &[Plane<T>],
        as_f32: Option<PlanesF32<'_>>,
        t: f32,
        max_value: f32,
    ) -> Vec<Plane<T>> {
        let field = synth::MotionAtT::new(self, t);
        let map = synth::BlendMap::new(self, &field, t);
        a.iter()
            .zip(b)
            .enumerate()
            .map(|(i, (pa, pb))| {
                let pre = as_f32.and_then(|(fa, fb)| Some((fa.get(i)?, fb.get(i)?)));
                synth::warp_blend(&map, pa, pb, t, max_value, self.cubic, pre)
            })
            .collect()
    }
}

/// A's and B's planes as `f32` (see [`PairMotion::synthesize_with`]).
pub type PlanesF32<'a> = (&'a [Plane<f32>], &'a [Plane<f32>]);

/// The planes' samples as `f32`, for [`PairMotion::synthesize_with`].
pub fn to_f32_planes<T: Sample>(planes: &[Plane<T>]) -> Vec<Plane<f32>> {
    use rayon::prelude::*;
    planes.par_iter().map(synth::to_f32_plane).collect()
}

/// Interpolates between two interleaved 8-bit RGB images of the same size: the picture at time `t`.
pub fn interpolate_rgb8(a: &[u8], b: &[u8], width: usize, height: usize, t: f32, quality: Quality) -> Result<Vec<u8>> {
    let n = width * height;
    if width == 0 || height == 0 || a.len() != 3 * n || b.len() != 3 * n {
        return Err(Error::InvalidArgument("images differ in size or are empty".into()));
    }
    let split = |img: &[u8]| -> Vec<Plane<u8>> {
        (0..3)
            .map(|c| Plane {
                width,
                height,
                data: img.iter().skip(c).step_by(3).copied().collect(),
            })
            .collect()
    };
    let (pa, pb) = (split(a), split(b));
    let la = luma_from_rgb(&pa[0], &pa[1], &pa[2], 255.0);
    let lb = luma_from_rgb(&pb[0], &pb[1], &pb[2], 255.0);
    let motion = PairMotion::analyze(&la, &lb, quality);
    let mid = motion.synthesize(&pa, &pb, t, 255.0);
    let mut out = vec![0u8; 3 * n];
    for (c, p) in mid.iter().enumerate() {
        for (k, &v) in p.data.iter().enumerate() {
            out[3 * k + c] = v;
        }
    }
    Ok(out)
}

/// Fraction of round-trip-consistent vectors under which a pair that is not a cut is crossfaded rather
/// than warped (fast, chaotic motion: flashes, explosions, whip pans). On the first seconds of
/// shaka-opus-h264.ts this gains 0.2-0.4 dB; no triplet of the test sets comes near it.
const CHAOTIC_FRACTION: f32 = 0.1;

/// A cut: even after motion compensation the frames disagree, and their flows disagree with each other,
/// or the residue is too large for any motion, or smaller but with the picture's tones changed as well (a
/// new shot can hold a shape the old one's flow maps onto consistently, most of all in small pictures).
/// No real motion in the test sets leaves more than 13 after compensation, and the pans that change the
/// histogram most (0.48) leave under 5.
fn is_scene_cut(s: &PairStats) -> bool {
    (s.compensated_error > 14.0 && s.consistent_fraction < 0.5 && s.histogram_distance > 0.15)
        || (s.compensated_error > 20.0 && s.histogram_distance > 0.15)
        || (s.compensated_error > 12.0 && s.histogram_distance > 0.4)
        || (s.compensated_error > 30.0 && s.consistent_fraction < 0.3)
}

/// L1 distance of 32-bin luma histograms, halved so it lies in 0..1.
fn histogram_distance(a: &Plane<f32>, b: &Plane<f32>) -> f32 {
    let hist = |p: &Plane<f32>| {
        let mut h = [0f32; 32];
        for &v in &p.data {
            h[((v.clamp(0.0, 255.0) as usize) >> 3).min(31)] += 1.0;
        }
        let n = p.data.len().max(1) as f32;
        h.map(|c| c / n)
    };
    let (ha, hb) = (hist(a), hist(b));
    0.5 * ha.iter().zip(&hb).map(|(x, y)| (x - y).abs()).sum::<f32>()
}

/// The gain and offset that give B A's mean and contrast (`None` when they already agree; gain 1 when
/// either is nearly flat). With a whole-frame `shift` (A to B, in these planes' pixels) only the part of
/// each frame the other also shows counts: in a pan, what enters or leaves the picture is not a change
/// of brightness.
fn brightness_match(a: &Plane<f32>, b: &Plane<f32>, shift: Option<(f32, f32)>) -> Option<(f32, f32)> {
    let (w, h) = (a.width, a.height);
    let (dx, dy) = shift.map_or((0, 0), |(x, y)| (x.round() as isize, y.round() as isize));
    // A's overlap; B's is the same rectangle moved by (dx, dy).
    let (x0, x1) = (0.max(-dx), (w as isize).min(w as isize - dx));
    let (y0, y1) = (0.max(-dy), (h as isize).min(h as isize - dy));
    if x1 <= x0 || y1 <= y0 || b.width != w || b.height != h {
        return None;
    }
    let stats = |p: &Plane<f32>, ox: isize, oy: isize| {
        let (mut s, mut s2, mut n) = (0f64, 0f64, 0f64);
        for y in (y0 + oy) as usize..(y1 + oy) as usize {
            for &v in &p.data[y * w + (x0 + ox) as usize..y * w + (x1 + ox) as usize] {
                s += v as f64;
                s2 += (v * v) as f64;
                n += 1.0;
            }
        }
        let mean = s / n.max(1.0);
        let var = (s2 / n.max(1.0) - mean * mean).max(0.0);
        (mean as f32, var.sqrt() as f32)
    };
    let (ma, sa) = stats(a, 0, 0);
    let (mb, sb) = stats(b, dx, dy);
    if (ma - mb).abs() < 1.0 && (sa - sb).abs() < 1.0 {
        return None;
    }
    let gain = if sb > 2.0 && sa > 2.0 {
        (sa / sb).clamp(0.25, 4.0)
    } else {
        1.0
    };
    Some((gain, ma - mb * gain))
}

#[cfg(test)]
mod tests;
