//! Measurement helper for bench/stitch360.sh: times reel's projection conversions and viewports on real
//! frames and computes WS-PSNR, printing one `key=value` line per result for the script to compare with v360.

use reel::vision::projection::image_io::{self, RgbPlanes};
use reel::vision::projection::metrics::ws_psnr;
use reel::vision::projection::viewport::ViewportRenderer;
use reel::vision::projection::{ConvertSettings, FrameRemapper, Interp, Plane, PlaneMut, PlaneRef, Projection};
use reel::vision::stitch::{self, Blend, RigParams, StitchOptions};
use std::path::Path;
use std::time::Instant;

fn rgb8(path: &str) -> Vec<Plane<u8>> {
    match image_io::load(Path::new(path)) {
        Ok(RgbPlanes::U8(p)) => p.to_vec(),
        Ok(_) => panic!("{path}: expected an 8-bit image"),
        Err(e) => panic!("{path}: {e}"),
    }
}

/// CPU seconds used by the whole process so far (all threads): comparable under a loaded machine.
fn cpu_seconds() -> f64 {
    let mut u = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    let u = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, u.as_mut_ptr());
        u.assume_init()
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn save3(path: &Path, planes: &[Plane<u8>; 3]) {
    image_io::save(path, &RgbPlanes::U8(planes.clone())).expect("save");
}

/// WS-PSNR over the band of columns within 10 degrees of the seam meridians (longitude -90 and +90).
fn seam_ws_psnr(a: &[Plane<u8>; 3], b: &[Plane<u8>; 3]) -> f64 {
    let (w, h) = (a[0].width, a[0].height);
    let band = w / 36;
    let (mut err, mut total) = (0.0f64, 0.0f64);
    for y in 0..h {
        let wt = ((y as f64 + 0.5 - h as f64 / 2.0) * std::f64::consts::PI / h as f64).cos();
        for centre in [w / 4, 3 * w / 4] {
            for x in centre - band..centre + band {
                for c in 0..3 {
                    let d = a[c].at(x, y) as f64 - b[c].at(x, y) as f64;
                    err += wt * d * d;
                    total += wt;
                }
            }
        }
    }
    10.0 * (255.0f64 * 255.0 / (err / total).max(1e-12)).log10()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_else(|| panic!("missing argument {i}"));
    match arg(0).as_str() {
        // wspsnr A B: WS-PSNR of two equirect images.
        "wspsnr" => {
            let (a, b) = (rgb8(&arg(1)), rgb8(&arg(2)));
            println!("wspsnr={:.3}", ws_psnr(&a, &b, 255.0).expect("sizes"));
        }
        // time IN FROM TO W H INTERP FRAMES [OUT]: per-frame conversion time (median) after building tables.
        "time" => {
            let input = rgb8(&arg(1));
            let from = Projection::parse(&arg(2)).expect("from");
            let to = Projection::parse(&arg(3)).expect("to");
            let (w, h): (usize, usize) = (arg(4).parse().expect("w"), arg(5).parse().expect("h"));
            let interp = Interp::parse(&arg(6)).expect("interp");
            let frames: usize = arg(7).parse().expect("frames");
            let settings = ConvertSettings {
                from,
                to,
                yaw_deg: 0.0,
                pitch_deg: 0.0,
                roll_deg: 0.0,
                interp,
            };
            let sizes_in = vec![(input[0].width, input[0].height); 3];
            let t0 = Instant::now();
            let remapper = FrameRemapper::new(&settings, &sizes_in, &[(w, h); 3]).expect("tables");
            let build_ms = t0.elapsed().as_secs_f64() * 1e3;
            let mut out: Vec<Plane<u8>> = (0..3).map(|_| Plane::new(w, h, 0)).collect();
            let mut scratch = Vec::new();
            let mut times = Vec::new();
            let cpu0 = cpu_seconds();
            for _ in 0..frames {
                let ins: Vec<PlaneRef<'_, u8>> = input.iter().map(|p| p.as_ref()).collect();
                let mut outs: Vec<PlaneMut<'_, u8>> = out.iter_mut().map(|p| p.as_mut()).collect();
                let t = Instant::now();
                remapper
                    .apply(&ins, &mut outs, &[0, 0, 0], 255, &mut scratch)
                    .expect("apply");
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
            let cpu_ms = (cpu_seconds() - cpu0) * 1e3 / frames as f64;
            times.sort_by(|a, b| a.total_cmp(b));
            println!(
                "build_ms={build_ms:.1} frame_ms={:.2} frame_min_ms={:.2} frame_cpu_ms={cpu_ms:.2}",
                percentile(&times, 0.5),
                times[0]
            );
            if let Some(path) = args.get(8) {
                let planes: [Plane<u8>; 3] = out.try_into().expect("three planes");
                image_io::save(Path::new(path), &RgbPlanes::U8(planes)).expect("save");
            }
        }
        // viewport YUV420P W H POSES [STEP]: pose-to-1080p-viewport latency over a synthetic head trace (threads
        // from RAYON_NUM_THREADS); STEP > 1 renders every STEP-th pose of a POSES * STEP trace, a short but
        // representative run for instruction counts (callgrind).
        "viewport" => {
            let raw = std::fs::read(arg(1)).expect("raw yuv");
            let (w, h): (usize, usize) = (arg(2).parse().expect("w"), arg(3).parse().expect("h"));
            let poses: usize = arg(4).parse().expect("poses");
            let step: usize = args.get(5).map_or(1, |s| s.parse().expect("step"));
            let (cw, ch) = (w / 2, h / 2);
            assert!(raw.len() >= w * h + 2 * cw * ch, "short yuv file");
            let input = [
                PlaneRef {
                    width: w,
                    height: h,
                    stride: w,
                    data: &raw[..w * h],
                },
                PlaneRef {
                    width: cw,
                    height: ch,
                    stride: cw,
                    data: &raw[w * h..w * h + cw * ch],
                },
                PlaneRef {
                    width: cw,
                    height: ch,
                    stride: cw,
                    data: &raw[w * h + cw * ch..w * h + 2 * cw * ch],
                },
            ];
            let (ow, oh) = (1920, 1080);
            let v_fov = reel::vision::projection::geometry::perspective_v_fov(90.0, 16.0 / 9.0);
            let mut renderer = ViewportRenderer::new(90.0, v_fov, ow, oh, w, h).expect("renderer");
            let mut out = [
                Plane::new(ow, oh, 0u8),
                Plane::new(ow / 2, oh / 2, 128),
                Plane::new(ow / 2, oh / 2, 128),
            ];
            let mut times = Vec::new();
            let mut exact = 0usize;
            let cpu0 = cpu_seconds();
            for i in 0..poses {
                // A head looking around: sweeping yaw, nodding pitch up to the poles, some roll.
                let t = (i * step) as f64 / 60.0;
                let (yaw, pitch, roll) = (t * 70.0 % 360.0 - 180.0, 85.0 * (t * 0.9).sin(), 10.0 * (t * 1.7).sin());
                let mut outs: Vec<PlaneMut<'_, u8>> = out.iter_mut().map(|p| p.as_mut()).collect();
                let t0 = Instant::now();
                let stats = renderer.render(yaw, pitch, roll, &input, &mut outs).expect("render");
                times.push(t0.elapsed().as_secs_f64() * 1e3);
                exact += stats.exact_cells;
            }
            // CPU time per pose over all threads: on a shared machine wall-clock percentiles include waiting
            // for a core; CPU / threads is what the pose costs on dedicated cores.
            let cpu_ms = (cpu_seconds() - cpu0) * 1e3 / poses as f64;
            times.sort_by(|a, b| a.total_cmp(b));
            println!(
                "viewport_p50_ms={:.2} viewport_p99_ms={:.2} viewport_max_ms={:.2} cpu_ms_per_pose={cpu_ms:.2} exact_cells_per_pose={:.1}",
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                times[times.len() - 1],
                exact as f64 / poses as f64
            );
        }
        // stitch EQUIRECT OUTDIR: simulate a miscalibrated dual-fisheye camera, calibrate, stitch, compare.
        "stitch" => {
            let truth8 = rgb8(&arg(1));
            let out_dir = Path::new(&args[2]);
            let truth: [Plane<u8>; 3] = truth8.try_into().expect("three planes");
            let truth_f = stitch::to_f32(&truth);
            let (w, h) = (truth[0].width, truth[0].height);
            // The camera: 195-degree lenses, circles a little off-centre, back lens misaligned by about a
            // degree, 30% light fall-off at the rim, back lens 12% darker.
            let mut cam = RigParams::nominal(w as u32, h as u32, 195.0);
            cam.lenses[0].centre = [w as f64 * 0.25 + 3.0, h as f64 * 0.5 - 2.0];
            cam.lenses[0].radius = h as f64 * 0.48;
            cam.lenses[1].centre = [w as f64 * 0.75 - 2.5, h as f64 * 0.5 + 1.5];
            cam.lenses[1].radius = h as f64 * 0.485;
            cam.lenses[1].yaw = 180.7;
            cam.lenses[1].pitch = -0.5;
            cam.lenses[1].roll = 0.6;
            cam.lenses[1].gain = [1.0 / 0.88; 3];
            for l in &mut cam.lenses {
                l.vignetting = [-0.3, 0.0];
            }
            let t = Instant::now();
            let frame = stitch::simulate(&truth_f, &cam).expect("simulate");
            let sim_ms = t.elapsed().as_secs_f64() * 1e3;
            save3(&out_dir.join("dual_fisheye.png"), &stitch::to_u8(&frame));
            let measure = |name: &str, rig: &RigParams, blend: Blend| -> [Plane<u8>; 3] {
                let t = Instant::now();
                let out = stitch::stitch(&frame, rig, w, h, &StitchOptions { blend, ramp_deg: 8.0 }).expect("stitch");
                let ms = t.elapsed().as_secs_f64() * 1e3;
                let out8 = stitch::to_u8(&out);
                let all = ws_psnr(&out8, &truth, 255.0).expect("psnr");
                let seam = seam_ws_psnr(&out8, &truth);
                println!("stitch_{name}: wspsnr={all:.2} seam_band_wspsnr={seam:.2} stitch_ms={ms:.0}");
                out8
            };
            // Nominal parameters: what an uncalibrated stitch gives (vignetting not known either).
            let nominal = RigParams::nominal(w as u32, h as u32, 195.0);
            measure("nominal_none", &nominal, Blend::None);
            let t = Instant::now();
            let mut rig = stitch::estimate_circles(&frame, 195.0).expect("circles");
            for l in &mut rig.lenses {
                l.vignetting = [-0.3, 0.0];
            }
            let (c0, c1) = stitch::refine_rotation(&frame, &mut rig, 3.0).expect("refine");
            let gains = stitch::match_gains(&frame, &mut rig).expect("gains");
            let cal_ms = t.elapsed().as_secs_f64() * 1e3;
            let mut truer = rig.clone();
            truer.lenses[1].yaw = cam.lenses[1].yaw;
            truer.lenses[1].pitch = cam.lenses[1].pitch;
            truer.lenses[1].roll = cam.lenses[1].roll;
            println!(
                "overlap error at the true rotation {:.4}, found {:.4}",
                stitch::overlap_error(&frame, &truer).expect("e"),
                stitch::overlap_error(&frame, &rig).expect("e")
            );
            if std::env::var_os("STITCH_TRUE").is_some() {
                measure("true_params_none", &cam, Blend::None);
            }
            let l1 = &rig.lenses[1];
            println!(
                "calibration: centres ({:.1},{:.1}) ({:.1},{:.1}) radii {:.1} {:.1} (true {:.1} {:.1}); lens 1 yaw/pitch/roll {:.2}/{:.2}/{:.2} (true 180.70/-0.50/0.60); gain {:.3} (true {:.3}); overlap cost {c0:.4} -> {c1:.4}; {cal_ms:.0} ms",
                rig.lenses[0].centre[0],
                rig.lenses[0].centre[1],
                l1.centre[0],
                l1.centre[1],
                rig.lenses[0].radius,
                l1.radius,
                cam.lenses[0].radius,
                cam.lenses[1].radius,
                l1.yaw,
                l1.pitch,
                l1.roll,
                gains[1],
                cam.lenses[1].gain[1]
            );
            std::fs::write(out_dir.join("lenses.yaml"), rig.to_yaml().expect("yaml")).expect("write yaml");
            // Without gain matching the exposure step shows at the seam: what blending is for.
            let mut nogain = rig.clone();
            nogain.lenses[1].gain = [1.0; 3];
            for (name, blend) in [
                ("nogain_none", Blend::None),
                ("nogain_linear", Blend::Linear),
                ("nogain_multiband", Blend::MultiBand),
            ] {
                measure(name, &nogain, blend);
            }
            let hard = measure("calibrated_none", &rig, Blend::None);
            measure("calibrated_linear", &rig, Blend::Linear);
            let multi = measure("calibrated_multiband", &rig, Blend::MultiBand);
            // The seam region (the lenses meet at longitude -90): truth | hard seam | multi-band.
            let (cx, cy, half) = (w / 4, h / 2, (h / 4).min(256));
            let crop = |p: &[Plane<u8>; 3], dx: usize, out: &mut [Plane<u8>; 3]| {
                for c in 0..3 {
                    for y in 0..2 * half {
                        for x in 0..2 * half {
                            out[c].data[y * 6 * half + dx + x] = p[c].at(cx - half + x, cy - half + y);
                        }
                    }
                }
            };
            let mut seam: [Plane<u8>; 3] = std::array::from_fn(|_| Plane::new(6 * half, 2 * half, 0));
            crop(&truth, 0, &mut seam);
            crop(&hard, 2 * half, &mut seam);
            crop(&multi, 4 * half, &mut seam);
            save3(&out_dir.join("seam_truth_hard_multiband.png"), &seam);
            println!("simulate_ms={sim_ms:.0}");
        }
        other => panic!("unknown mode {other}"),
    }
}
