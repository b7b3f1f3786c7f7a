//! Measurement helper for bench/stitch360.sh: times reel's projection conversions and viewports on real
//! frames and computes WS-PSNR, printing one `key=value` line per result for the script to compare with v360.

use reel::vision::projection::image_io::{self, RgbPlanes};
use reel::vision::projection::metrics::ws_psnr;
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
            for _ in 0..frames {
                let ins: Vec<PlaneRef<'_, u8>> = input.iter().map(|p| p.as_ref()).collect();
                let mut outs: Vec<PlaneMut<'_, u8>> = out.iter_mut().map(|p| p.as_mut()).collect();
                let t = Instant::now();
                remapper
                    .apply(&ins, &mut outs, &[0, 0, 0], 255, &mut scratch)
                    .expect("apply");
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
            times.sort_by(|a, b| a.total_cmp(b));
            println!(
                "build_ms={build_ms:.1} frame_ms={:.2} frame_min_ms={:.2}",
                percentile(&times, 0.5),
                times[0]
            );
            if let Some(path) = args.get(8) {
                let planes: [Plane<u8>; 3] = out.try_into().expect("three planes");
                image_io::save(Path::new(path), &RgbPlanes::U8(planes)).expect("save");
            }
        }
        other => panic!("unknown mode {other}"),
    }
}
