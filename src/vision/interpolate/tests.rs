//! Unit tests of flow and interpolation on synthetic sequences with known motion.

use super::*;
use crate::vision::flow::{FlowField, FlowParams, estimate_flow};

/// Smooth, non-periodic texture (two octaves of value noise) defined at any real position.
pub fn texture(x: f32, y: f32, seed: u32) -> f32 {
    fn hash(ix: i32, iy: i32, seed: u32) -> f32 {
        let mut h = (ix as u32).wrapping_mul(0x8da6_b343)
            ^ (iy as u32).wrapping_mul(0xd816_3841)
            ^ seed.wrapping_mul(0xcb1a_b31f);
        h ^= h >> 13;
        h = h.wrapping_mul(0x5bd1_e995);
        h ^= h >> 15;
        (h & 0xffff) as f32 / 65535.0
    }
    fn noise(x: f32, y: f32, cell: f32, seed: u32) -> f32 {
        let (gx, gy) = (x / cell, y / cell);
        let (ix, iy) = (gx.floor(), gy.floor());
        let (fx, fy) = (gx - ix, gy - iy);
        let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
        let (ix, iy) = (ix as i32, iy as i32);
        let top = hash(ix, iy, seed) * (1.0 - sx) + hash(ix + 1, iy, seed) * sx;
        let bottom = hash(ix, iy + 1, seed) * (1.0 - sx) + hash(ix + 1, iy + 1, seed) * sx;
        top * (1.0 - sy) + bottom * sy
    }
    40.0 + 120.0 * noise(x, y, 5.0, seed) + 80.0 * noise(x, y, 17.0, seed + 1)
}

/// Renders a plane from a function of the position.
pub fn render(w: usize, h: usize, f: impl Fn(f32, f32) -> f32) -> Plane<f32> {
    let mut p = Plane::new(w, h);
    for y in 0..h {
        for x in 0..w {
            p.data[y * w + x] = f(x as f32, y as f32);
        }
    }
    p
}

/// Mean end-point error over the interior (a margin of `m` pixels left out: border pixels can move out).
fn interior_epe(f: &FlowField, truth: impl Fn(f32, f32) -> (f32, f32), m: usize) -> f32 {
    let (mut s, mut n) = (0.0, 0.0);
    for y in m..f.height - m {
        for x in m..f.width - m {
            let k = y * f.width + x;
            let (u, v) = truth(x as f32, y as f32);
            s += ((f.u[k] - u).powi(2) + (f.v[k] - v).powi(2)).sqrt();
            n += 1.0;
        }
    }
    s / n
}

fn full_res(mut p: FlowParams) -> FlowParams {
    p.finest_level = 0;
    p
}

#[test]
fn translation_flow_is_accurate() {
    let (dx, dy) = (3.4, -2.2);
    let a = render(96, 80, |x, y| texture(x, y, 1));
    let b = render(96, 80, |x, y| texture(x - dx, y - dy, 1));
    for params in [full_res(FlowParams::fast()), FlowParams::balanced(), FlowParams::best()] {
        let f = estimate_flow(&a, &b, &full_res(params));
        let epe = interior_epe(&f, |_, _| (dx, dy), 8);
        assert!(epe < 0.25, "translation EPE {epe}");
    }
}

#[test]
fn rotation_flow_is_accurate() {
    let angle: f32 = 3.0f32.to_radians();
    let (cx, cy) = (48.0, 40.0);
    let rot = move |x: f32, y: f32, a: f32| {
        let (s, c) = a.sin_cos();
        (cx + c * (x - cx) - s * (y - cy), cy + s * (x - cx) + c * (y - cy))
    };
    let a = render(96, 80, |x, y| texture(x, y, 2));
    // B(p) = A(R^-1 p): the content turns by `angle`, so A's pixel p moves to R p.
    let b = render(96, 80, |x, y| {
        let (sx, sy) = rot(x, y, -angle);
        texture(sx, sy, 2)
    });
    let f = estimate_flow(&a, &b, &FlowParams::best());
    let epe = interior_epe(
        &f,
        |x, y| {
            let (tx, ty) = rot(x, y, angle);
            (tx - x, ty - y)
        },
        10,
    );
    assert!(epe < 0.4, "rotation EPE {epe}");
}

fn psnr(a: &[f32], b: &[f32]) -> f32 {
    let mse = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f32>() / a.len() as f32;
    10.0 * (255.0f32 * 255.0 / mse.max(1e-6)).log10()
}

/// A textured square crossing a static textured background.
fn sprite_scene(t: f32) -> Plane<f32> {
    let (x0, y0) = (20.0 + 12.0 * t, 30.0 + 6.0 * t);
    render(112, 96, move |x, y| {
        if x >= x0 && x < x0 + 32.0 && y >= y0 && y < y0 + 28.0 {
            255.0 - texture(x - x0, y - y0, 7) * 0.8
        } else {
            texture(x, y, 3)
        }
    })
}

#[test]
fn sprite_crossing_background_interpolates_midpoint() {
    let (a, b, truth) = (sprite_scene(0.0), sprite_scene(1.0), sprite_scene(0.5));
    let motion = PairMotion::analyze(&a, &b, Quality::Best);
    assert!(!motion.scene_cut);
    // Flow on the sprite's interior.
    let k = 40 * motion.forward.width + 34;
    assert!((motion.forward.u[k] - 12.0).abs() < 0.5 && (motion.forward.v[k] - 6.0).abs() < 0.5);
    let mid = motion.synthesize(std::slice::from_ref(&a), std::slice::from_ref(&b), 0.5, 255.0);
    let average: Vec<f32> = a.data.iter().zip(&b.data).map(|(x, y)| 0.5 * (x + y)).collect();
    let (p_mid, p_avg) = (psnr(&mid[0].data, &truth.data), psnr(&average, &truth.data));
    assert!(
        p_mid > 30.0 && p_mid > p_avg + 2.0,
        "interpolated {p_mid} dB, averaged {p_avg} dB"
    );
}

#[test]
fn any_time_between_frames() {
    let (a, b) = (sprite_scene(0.0), sprite_scene(1.0));
    let motion = PairMotion::analyze(&a, &b, Quality::Balanced);
    for t in [0.2f32, 0.4, 0.8] {
        let out = motion.synthesize(std::slice::from_ref(&a), std::slice::from_ref(&b), t, 255.0);
        let p = psnr(&out[0].data, &sprite_scene(t).data);
        assert!(p > 26.0, "t = {t}: {p} dB");
    }
}

#[test]
fn scene_cut_is_not_blended() {
    let a = render(96, 80, |x, y| texture(x, y, 11));
    let b = render(96, 80, |x, y| 255.0 - texture(x * 1.7, y * 0.6, 12));
    let motion = PairMotion::analyze(&a, &b, Quality::Fast);
    assert!(motion.scene_cut, "{:?}", motion.stats);
    let early = motion.synthesize(std::slice::from_ref(&a), std::slice::from_ref(&b), 0.4, 255.0);
    let late = motion.synthesize(std::slice::from_ref(&a), std::slice::from_ref(&b), 0.6, 255.0);
    assert_eq!(early[0], a);
    assert_eq!(late[0], b);
}

#[test]
fn fade_is_not_a_cut_and_crossfades() {
    let a = render(96, 80, |x, y| texture(x, y, 5));
    let b = render(96, 80, |x, y| texture(x - 1.0, y, 5) * 0.5);
    let motion = PairMotion::analyze(&a, &b, Quality::Fast);
    assert!(!motion.scene_cut, "{:?}", motion.stats);
    let mid = motion.synthesize(std::slice::from_ref(&a), std::slice::from_ref(&b), 0.5, 255.0);
    let truth = render(96, 80, |x, y| texture(x - 0.5, y, 5) * 0.75);
    let p = psnr(&mid[0].data, &truth.data);
    assert!(p > 30.0, "fade midpoint {p} dB");
}

#[test]
fn ten_bit_chroma_planes_follow_luma_motion() {
    // 4:2:0 10-bit: luma 96x80, chroma 48x40 carrying the same pattern at half size.
    let luma = |t: f32| render(96, 80, move |x, y| texture(x - 4.0 * t, y, 9) * 4.0);
    let chroma = |t: f32| {
        render(48, 40, move |x, y| {
            texture(2.0 * x + 0.5 - 4.0 * t, 2.0 * y + 0.5, 9) * 4.0
        })
    };
    let to16 = |p: Plane<f32>| Plane {
        width: p.width,
        height: p.height,
        data: p.data.iter().map(|v| v.round() as u16).collect::<Vec<u16>>(),
    };
    let a = vec![to16(luma(0.0)), to16(chroma(0.0))];
    let b = vec![to16(luma(1.0)), to16(chroma(1.0))];
    let motion = PairMotion::analyze(
        &luma_to_f32(&a[0], 1023.0),
        &luma_to_f32(&b[0], 1023.0),
        Quality::Balanced,
    );
    let mid = motion.synthesize(&a, &b, 0.5, 1023.0);
    for (out, truth) in mid.iter().zip([luma(0.5), chroma(0.5)]) {
        let (w, h) = (out.width, out.height);
        let mut err = 0.0;
        let mut n = 0.0;
        for y in 4..h - 4 {
            for x in 4..w - 4 {
                err += (out.data[y * w + x] as f32 - truth.data[y * w + x]).abs();
                n += 1.0;
            }
        }
        assert!(err / n < 6.0, "mean error {} of 1023 on a {w}x{h} plane", err / n);
    }
}

#[test]
fn whip_pan_of_a_third_of_the_frame_is_followed() {
    // A vertical pan of 96 of 256 rows between the frames, with the exposure changing as new content
    // enters: far beyond what the coarsest pyramid level finds from zero motion.
    let (w, h, pan) = (320, 256, 96.0);
    let scene = |t: f32| {
        render(w, h, move |x, y| {
            0.8 * texture(x * 0.5, (y + pan * t) * 0.5, 21) + 20.0 * t
        })
    };
    let (a, b, truth) = (scene(0.0), scene(1.0), scene(0.5));
    let motion = PairMotion::analyze(&a, &b, Quality::Balanced);
    assert!(!motion.scene_cut, "{:?}", motion.stats);
    // B shows A's content 96 rows higher: A's pixels move up.
    let k = 100 * motion.forward.width + motion.forward.width / 2;
    let scale = motion.forward.width as f32 / w as f32;
    assert!(
        (motion.forward.v[k] / scale + pan).abs() < 1.0 && (motion.forward.u[k] / scale).abs() < 1.0,
        "flow ({}, {}) at the centre, want (0, -{pan})",
        motion.forward.u[k] / scale,
        motion.forward.v[k] / scale
    );
    let mid = motion.synthesize(std::slice::from_ref(&a), std::slice::from_ref(&b), 0.5, 255.0);
    let average: Vec<f32> = a.data.iter().zip(&b.data).map(|(x, y)| 0.5 * (x + y)).collect();
    let (p_mid, p_avg) = (psnr(&mid[0].data, &truth.data), psnr(&average, &truth.data));
    assert!(
        p_mid > 30.0 && p_mid > p_avg + 8.0,
        "interpolated {p_mid} dB, averaged {p_avg} dB"
    );
}

#[test]
fn best_averages_the_mirrored_analyses() {
    let (a, b, truth) = (sprite_scene(0.0), sprite_scene(1.0), sprite_scene(0.5));
    let best = PairMotion::analyze(&a, &b, Quality::Best);
    let balanced = PairMotion::analyze(&a, &b, Quality::Balanced);
    assert_eq!(best.mirrored.len(), 3);
    assert!(balanced.mirrored.is_empty());
    // A mirrored analysis sees the sprite move the mirrored way.
    let m = best.mirrored.iter().find(|m| m.horizontal && !m.vertical).unwrap();
    let k = 40 * m.motion.forward.width + (m.motion.forward.width - 1 - 34);
    assert!((m.motion.forward.u[k] + 12.0).abs() < 0.5, "{}", m.motion.forward.u[k]);
    let mid = |m: &PairMotion| m.synthesize(std::slice::from_ref(&a), std::slice::from_ref(&b), 0.5, 255.0);
    let (p_best, p_balanced) = (
        psnr(&mid(&best)[0].data, &truth.data),
        psnr(&mid(&balanced)[0].data, &truth.data),
    );
    assert!(p_best >= p_balanced - 0.1, "best {p_best} dB, balanced {p_balanced} dB");
}

#[test]
fn brightness_is_matched_on_what_both_frames_show() {
    // A pan of 40 rows: the rows leaving at the top are dark, the rows entering at the bottom bright. The
    // overlap is the same content at the same exposure, so nothing needs matching; the whole frames'
    // statistics would call it a brightening.
    let scene = |y: f32| {
        if y < 40.0 {
            20.0
        } else if y >= 120.0 {
            230.0
        } else {
            0.0
        }
    };
    let a = render(64, 120, |x, y| {
        scene(y) + texture(x, y, 31) * if y < 40.0 { 0.1 } else { 0.5 }
    });
    let b = render(64, 120, |x, y| {
        let sy = y + 40.0;
        scene(sy) + texture(x, sy, 31) * if sy < 40.0 { 0.1 } else { 0.5 }
    });
    assert!(brightness_match(&a, &b, None).is_some());
    assert_eq!(brightness_match(&a, &b, Some((0.0, -40.0))), None);
}

#[test]
fn compensation_is_measured_on_pixels_that_stay_in_view() {
    let a = render(80, 60, |x, y| texture(x, y, 33));
    let b = render(80, 60, |x, y| texture(x + 20.0, y, 33));
    // A's pixel x is B's pixel x - 20: the left 20 columns of A leave the picture.
    let mut f = FlowField::zeros(80, 60);
    f.u.iter_mut().for_each(|u| *u = -20.0);
    let (compensated, still, visible) = synth::compensation_errors(&a, &b, &f);
    assert!(compensated < 0.5, "compensated error {compensated}");
    assert!(still > 5.0, "static error {still}");
    assert!((visible - 60.0 / 80.0).abs() < 0.02, "visible share {visible}");
}

#[test]
fn cut_rules_on_measured_pairs() {
    let stats = |compensated_error, consistent_fraction, histogram_distance| PairStats {
        compensated_error,
        static_error: 40.0,
        consistent_fraction,
        histogram_distance,
    };
    // bikes.mp4 frames 74/76 (a new shot whose flow maps partly onto the old one), and a 64x48 cut from
    // the y4m test: cuts.
    assert!(is_scene_cut(&stats(27.4, 0.56, 0.31)));
    assert!(is_scene_cut(&stats(19.8, 0.51, 0.65)));
    // shaka-opus-h264.ts whip pans (new content entering changes the histogram), and bikes' fastest motion:
    // not cuts.
    assert!(!is_scene_cut(&stats(2.1, 0.99, 0.48)));
    assert!(!is_scene_cut(&stats(3.9, 0.91, 0.22)));
    assert!(!is_scene_cut(&stats(13.0, 0.29, 0.10)));
}

#[test]
fn contradictory_motion_leans_on_the_unmoved_crossfade() {
    let (w, h) = (40, 30);
    let motion = |back: f32| {
        let mut forward = FlowField::zeros(w, h);
        forward.u.iter_mut().for_each(|u| *u = 3.0);
        let mut backward = FlowField::zeros(w, h);
        backward.u.iter_mut().for_each(|u| *u = back);
        PairMotion {
            width: w,
            height: h,
            forward_conf: vec![1.0; w * h],
            backward_conf: vec![1.0; w * h],
            forward,
            backward,
            scene_cut: false,
            // A pair whose vectors all pass the round trip elsewhere: the base share.
            stats: PairStats {
                consistent_fraction: 1.0,
                ..PairStats::default()
            },
            cubic: true,
            mirrored: Vec::new(),
        }
    };
    let interior = |pm: &PairMotion| {
        let at_t = synth::MotionAtT::new(pm, 0.5);
        let map = synth::BlendMap::new(pm, &at_t, 0.5);
        let k = (h / 2) * w + w / 2;
        map.unmoved()[k]
    };
    // B -> A undoes A -> B: the warp is trusted.
    assert!(interior(&motion(-3.0)) < 0.01);
    // Both say "right": whatever the motion at t, one frame's flow contradicts it, and the splat of the
    // two leaves a motion neither agrees with.
    let share = interior(&motion(3.0));
    assert!(share > 0.2 && share <= synth::STATIC_SHARE, "unmoved share {share}");
}

/// Held by the tests that switch [`synth::SCALAR_ONLY`] or need the gathers on, so they do not run
/// while another one has switched them off.
fn gather_mode() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// [`gather_mode`] for a test of the gathers themselves; `None` (the test skips) on a CPU without them.
fn gathers_held() -> Option<std::sync::MutexGuard<'static, ()>> {
    let held = gather_mode();
    if synth::gathers() {
        Some(held)
    } else {
        eprintln!("skip: this CPU has no AVX2 gathers");
        None
    }
}

/// The gathered rows (8-bit, 16-bit and `f32` planes) sample what the scalar bilinear samples, at
/// positions on every edge and corner, beyond them, and NaN, for row lengths that leave a tail.
#[test]
fn gathered_rows_match_scalar_samples() {
    let Some(_mode) = gathers_held() else { return };
    let (w, h) = (13, 7);
    let bytes: Vec<u8> = (0..w * h).map(|k| ((k * 37 + 11) % 256) as u8).collect();
    let eight = Plane::from_vec(w, h, bytes.clone()).unwrap();
    let ten = Plane::from_vec(w, h, bytes.iter().map(|&b| b as u16 * 4 + 3).collect()).unwrap();
    let float = Plane::from_vec(w, h, bytes.iter().map(|&b| b as f32 * 0.5).collect()).unwrap();
    let (wm, hm) = ((w - 1) as f32, (h - 1) as f32);
    let mut xs = vec![
        0.0,
        wm,
        wm,
        0.0,
        3.25,
        11.9,
        12.0,
        0.5,
        -3.0,
        40.0,
        f32::NAN,
        6.75,
        2.0,
        wm - 0.01,
    ];
    let mut ys = vec![
        0.0,
        0.0,
        hm,
        hm,
        5.5,
        6.0,
        2.75,
        6.99,
        1.0,
        -2.0,
        3.0,
        f32::NAN,
        100.0,
        hm - 0.01,
    ];
    for k in 0..23 {
        xs.push((k as f32 * 0.731) % wm);
        ys.push((k as f32 * 0.377) % hm);
    }
    // Sixteen positions whose bicubic taps all lie inside (two whole gathered steps from index 40), then
    // eight whose columns do but whose rows reach beyond the top or bottom (gathered, rows clamped).
    xs.extend([0.0, 0.0, 0.0]);
    ys.extend([0.0, 0.0, 0.0]);
    for k in 0..16 {
        xs.push(1.0 + (k as f32 * 0.613) % (wm - 3.0));
        ys.push(1.0 + (k as f32 * 0.291) % (hm - 3.0));
    }
    for k in 0..8 {
        xs.push(1.5 + k as f32);
        ys.push([0.0, 0.4, hm, hm - 0.3, 0.99, hm - 1.2, 5.01, 1.0][k]);
    }
    // The scalar sample takes positions already inside the plane (NaN as 0), as the warp passes them.
    let inside = |v: f32, max: f32| if v.is_nan() { 0.0 } else { v.clamp(0.0, max) };
    fn check<T: Sample>(p: &Plane<T>, xs: &[f32], ys: &[f32], scalar: impl Fn(usize) -> f32) {
        for n in [xs.len(), 8, 9, 3] {
            let mut out = vec![-1.0; n];
            assert!(synth::sample_row_gather(p, &xs[..n], &ys[..n], &mut out, false).is_some());
            for (k, &v) in out.iter().enumerate() {
                let want = scalar(k);
                assert!(
                    (v - want).abs() < 1e-3 * want.abs().max(1.0),
                    "n {n} at {k} ({}, {}): {v} vs {want}",
                    xs[k],
                    ys[k]
                );
            }
        }
    }
    let at = |k: usize| (inside(xs[k], wm), inside(ys[k], hm));
    check(&eight, &xs, &ys, |k| synth::sample_clamped(&eight, at(k).0, at(k).1));
    check(&ten, &xs, &ys, |k| synth::sample_clamped(&ten, at(k).0, at(k).1));
    check(&float, &xs, &ys, |k| synth::sample_clamped(&float, at(k).0, at(k).1));
    // Bicubic (8-bit and 16-bit): steps whose columns are inside gathered, steps with a tap beyond the left
    // or right edge sampled one by one.
    fn check_cubic<T: Sample>(p: &Plane<T>, xs: &[f32], ys: &[f32], at: impl Fn(usize) -> (f32, f32)) {
        for n in [xs.len(), 8, 16, 9, 3] {
            let mut out = vec![-1.0; n];
            assert!(synth::sample_row_gather(p, &xs[..n], &ys[..n], &mut out, true).is_some());
            for (k, &v) in out.iter().enumerate() {
                let want = synth::sample_cubic(p, at(k).0, at(k).1);
                assert!(
                    (v - want).abs() < 1e-3 * want.abs().max(1.0),
                    "cubic n {n} at {k}: {v} vs {want}"
                );
            }
        }
    }
    check_cubic(&eight, &xs, &ys, at);
    check_cubic(&ten, &xs, &ys, at);
    assert!(synth::sample_row_gather(&float, &xs, &ys, &mut vec![0.0; xs.len()], true).is_none());
}

/// Flow components read a row at a time (gathered where the CPU can, else one by one) equal the
/// border-extended bilinear read of [`crate::vision::flow::bilinear`], inside and beyond every edge.
#[test]
fn grid_rows_match_bilinear_reads() {
    let _mode = gather_mode();
    let (w, h) = (19, 11);
    let grid: Vec<f32> = (0..w * h).map(|k| ((k * 53 + 7) % 97) as f32 * 0.25 - 9.0).collect();
    let mut xs = vec![0.0, (w - 1) as f32, -4.0, 30.0, 18.6, 0.4, 7.25, -0.2];
    let mut ys = vec![0.0, (h - 1) as f32, 3.5, -1.0, 12.0, 10.9, 0.75, 5.0];
    for k in 0..29 {
        xs.push((k as f32 * 1.731) % 24.0 - 2.0);
        ys.push((k as f32 * 0.917) % 15.0 - 2.0);
    }
    for scalar in [false, true] {
        synth::SCALAR_ONLY.store(scalar, std::sync::atomic::Ordering::Relaxed);
        for n in [xs.len(), 8, 5] {
            let mut out = vec![f32::NAN; n];
            synth::sample_grid_row(&grid, w, h, &xs[..n], &ys[..n], &mut out);
            for k in 0..n {
                let want = crate::vision::flow::bilinear(&grid, w, h, xs[k], ys[k]);
                assert!(
                    (out[k] - want).abs() <= 1e-4 * want.abs().max(1.0),
                    "scalar {scalar} n {n} at ({}, {}): {} vs {want}",
                    xs[k],
                    ys[k],
                    out[k]
                );
            }
        }
    }
    synth::SCALAR_ONLY.store(false, std::sync::atomic::Ordering::Relaxed);
}

/// `fast` warps the 8-bit and 10-bit planes as they are with gathers, and from `f32` copies without:
/// both give the same picture to one code value.
#[test]
fn gathered_and_scalar_warps_agree() {
    let Some(_mode) = gathers_held() else { return };
    let luma = |t: f32| render(96, 80, move |x, y| texture(x - 5.0 * t, y + 2.0 * t, 4));
    let chroma = |t: f32| render(48, 40, move |x, y| texture(2.0 * x - 5.0 * t, 2.0 * y + 2.0 * t, 5));
    let motion = PairMotion::analyze(&luma(0.0), &luma(1.0), Quality::Fast);
    fn both<T: Sample>(m: &PairMotion, a: &[Plane<T>], b: &[Plane<T>], max: f32) -> (Vec<Plane<T>>, Vec<Plane<T>>) {
        let gathered = m.synthesize(a, b, 0.4, max);
        synth::SCALAR_ONLY.store(true, std::sync::atomic::Ordering::Relaxed);
        let (fa, fb) = (to_f32_planes(a), to_f32_planes(b));
        let scalar = m.synthesize_with(a, b, Some((&fa, &fb)), 0.4, max);
        synth::SCALAR_ONLY.store(false, std::sync::atomic::Ordering::Relaxed);
        (gathered, scalar)
    }
    let quantise = |p: Plane<f32>, k: f32| p.data.iter().map(|v| (v * k).round() as u32).collect::<Vec<u32>>();
    let frames = |t: f32| [luma(t), chroma(t)];
    let eight = |t: f32| {
        frames(t)
            .map(|p| Plane::from_vec(p.width, p.height, quantise(p, 1.0).iter().map(|&v| v as u8).collect()).unwrap())
    };
    let ten = |t: f32| {
        frames(t)
            .map(|p| Plane::from_vec(p.width, p.height, quantise(p, 4.0).iter().map(|&v| v as u16).collect()).unwrap())
    };
    let (g8, s8) = both(&motion, &eight(0.0), &eight(1.0), 255.0);
    let (g10, s10) = both(&motion, &ten(0.0), &ten(1.0), 1023.0);
    for (g, s) in g8.iter().zip(&s8) {
        assert!(g.data.iter().zip(&s.data).all(|(x, y)| x.abs_diff(*y) <= 1));
    }
    for (g, s) in g10.iter().zip(&s10) {
        assert!(g.data.iter().zip(&s.data).all(|(x, y)| x.abs_diff(*y) <= 1));
    }
}
