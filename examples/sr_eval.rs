//! Evaluates the sr methods on Set5/Set14 (`../shared/sr`): luma PSNR with the border cropped, and speed.
//!
//! Usage: `sr_eval [ROOT] [--methods bicubic,lanczos,fast,quality] [--scales 2,3,4]`. Prints a table.

use reel::vision::sr::image::{Method, benchmark_luma, upscale_image};
use reel::vision::sr::resample::Kernel;
use reel::vision::sr::{Model, psnr};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut root = PathBuf::from("../shared/sr");
    let mut methods = vec!["bicubic".to_string(), "lanczos".into(), "fast".into(), "quality".into()];
    let mut scales = vec![2usize, 3, 4];
    while let Some(a) = args.next() {
        match a.as_str() {
            "--methods" => methods = args.next().ok_or("list")?.split(',').map(String::from).collect(),
            "--scales" => {
                scales = args
                    .next()
                    .ok_or("list")?
                    .split(',')
                    .map(|s| s.parse())
                    .collect::<Result<_, _>>()?
            }
            _ => root = PathBuf::from(a),
        }
    }
    print!("{:<6} {:>5}", "set", "scale");
    for m in &methods {
        print!(" {m:>9} {:>8}", "ms/MP");
    }
    println!();
    for set in ["Set5", "Set14"] {
        for &scale in &scales {
            let dir = root.join(set).join(format!("image_SRF_{scale}"));
            let mut lrs: Vec<PathBuf> = match std::fs::read_dir(&dir) {
                Ok(d) => d.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(_) => continue,
            };
            lrs.retain(|p| p.to_string_lossy().ends_with("_LR.png"));
            lrs.sort();
            print!("{set:<6} {scale:>5}");
            for m in &methods {
                let method = match m.as_str() {
                    "bicubic" => Method::Kernel(Kernel::Bicubic),
                    "lanczos" => Method::Kernel(Kernel::Lanczos3),
                    other => Method::Model(other.parse::<Model>()?),
                };
                let (mut total, mut secs, mut mpix) = (0.0, 0.0, 0.0);
                for lr_path in &lrs {
                    let hr_path = PathBuf::from(lr_path.to_string_lossy().replace("_LR.png", "_HR.png"));
                    let lr = image::open(lr_path)?;
                    let hr = image::open(&hr_path)?;
                    let t = Instant::now();
                    let up = upscale_image(&lr, scale, method)?;
                    secs += t.elapsed().as_secs_f64();
                    mpix += (up.width() * up.height()) as f64 / 1e6;
                    let (mut a, mut b) = (benchmark_luma(&up), benchmark_luma(&hr));
                    let w = a.width.min(b.width);
                    let h = a.height.min(b.height);
                    a = crop(&a, w, h);
                    b = crop(&b, w, h);
                    total += psnr(&a, &b, scale)?;
                }
                print!(" {:>9.2} {:>8.1}", total / lrs.len() as f64, secs * 1000.0 / mpix);
            }
            println!();
        }
    }
    Ok(())
}

fn crop(p: &reel::vision::sr::Plane, w: usize, h: usize) -> reel::vision::sr::Plane {
    let data = (0..h).flat_map(|y| p.row(y)[..w].to_vec()).collect();
    reel::vision::sr::Plane::from_vec(w, h, data)
}
