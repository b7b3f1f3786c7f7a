//! Measurement helper for bench/stitch360.sh: times reel's projection conversions and viewports on real
//! frames and computes WS-PSNR, printing one `key=value` line per result for the script to compare with v360.

use reel::vision::projection::image_io::{self, RgbPlanes};
use reel::vision::projection::metrics::ws_psnr;
use reel::vision::projection::viewport::ViewportRenderer;
use reel::vision::projection::{ConvertSettings, FrameRemapper, Interp, Plane, PlaneMut, PlaneRef, Projection};
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
        // viewport YUV420P W H POSES THREADS: pose-to-1080p-viewport latency over a synthetic head trace.
        "viewport" => {
            let raw = std::fs::read(arg(1)).expect("raw yuv");
            let (w, h): (usize, usize) = (arg(2).parse().expect("w"), arg(3).parse().expect("h"));
            let poses: usize = arg(4).parse().expect("poses");
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
            let v_fov = (2.0 * ((45f64).to_radians().tan() * 9.0 / 16.0).atan()).to_degrees();
            let mut renderer = ViewportRenderer::new(90.0, v_fov, ow, oh, w, h).expect("renderer");
            let mut out = [
                Plane::new(ow, oh, 0u8),
                Plane::new(ow / 2, oh / 2, 128),
                Plane::new(ow / 2, oh / 2, 128),
            ];
            let mut times = Vec::new();
            let mut exact = 0usize;
            for i in 0..poses {
                // A head looking around: sweeping yaw, nodding pitch up to the poles, some roll.
                let t = i as f64 / 60.0;
                let (yaw, pitch, roll) = (t * 70.0 % 360.0 - 180.0, 85.0 * (t * 0.9).sin(), 10.0 * (t * 1.7).sin());
                let mut outs: Vec<PlaneMut<'_, u8>> = out.iter_mut().map(|p| p.as_mut()).collect();
                let t0 = Instant::now();
                let stats = renderer.render(yaw, pitch, roll, &input, &mut outs).expect("render");
                times.push(t0.elapsed().as_secs_f64() * 1e3);
                exact += stats.exact_cells;
            }
            times.sort_by(|a, b| a.total_cmp(b));
            println!(
                "viewport_p50_ms={:.2} viewport_p99_ms={:.2} viewport_max_ms={:.2} exact_cells_per_pose={:.1}",
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                times[times.len() - 1],
                exact as f64 / poses as f64
            );
        }
        other => panic!("unknown mode {other}"),
    }
}
