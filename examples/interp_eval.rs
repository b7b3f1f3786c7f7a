//! Quick interpolation evaluation for tuning: PSNR and time of `PairMotion` on triplets or on a y4m clip
//! with every other frame dropped (the protocol of `bench/interpolate.sh`, without ffmpeg in the loop).
//!
//! Usage: `interp_eval QUALITY triplets DIR...` (each DIR holds frame0/1/2.png or a middlebury input
//! folder whose truth is under ../../gt/NAME/frame10i11.png), or `interp_eval QUALITY video CLIP.y4m`.
//! Prints mean RGB PSNR and wall / CPU milliseconds per interpolated frame.

use reel::vision::flow::Plane;
use reel::vision::interpolate::{PairMotion, Quality, luma_from_rgb, luma_to_f32, y4m};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Process CPU time (user + system) in milliseconds.
fn cpu_ms() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn rgb_planes(img: &image::RgbImage) -> Vec<Plane<u8>> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    (0..3)
        .map(|c| Plane {
            width: w,
            height: h,
            data: img.as_raw().iter().skip(c).step_by(3).copied().collect(),
        })
        .collect()
}

/// Squared error sum and sample count over RGB planes.
fn sq_err(a: &[Plane<u8>], b: &[Plane<u8>]) -> (f64, f64) {
    let mut s = 0f64;
    let mut n = 0f64;
    for (p, q) in a.iter().zip(b) {
        for (x, y) in p.data.iter().zip(&q.data) {
            let d = *x as f64 - *y as f64;
            s += d * d;
        }
        n += p.data.len() as f64;
    }
    (s, n)
}

fn psnr(mse: f64) -> f64 {
    10.0 * (255.0f64 * 255.0 / mse.max(1e-10)).log10()
}

fn triplets(quality: Quality, dirs: &[PathBuf]) -> Result<(), Box<dyn std::error::Error>> {
    let mut total = 0.0;
    let (mut wall, mut cpu) = (0.0, 0.0);
    for d in dirs {
        let (a, b, gt) = if d.join("frame0.png").exists() {
            (d.join("frame0.png"), d.join("frame2.png"), d.join("frame1.png"))
        } else {
            let name = d.file_name().ok_or("bad dir")?;
            let gt = d.join("../../gt").join(name).join("frame10i11.png");
            (d.join("frame10.png"), d.join("frame11.png"), gt)
        };
        let load = |p: &Path| -> Result<Vec<Plane<u8>>, Box<dyn std::error::Error>> {
            Ok(rgb_planes(&image::open(p)?.to_rgb8()))
        };
        let (pa, pb, pg) = (load(&a)?, load(&b)?, load(&gt)?);
        let (t0, c0) = (Instant::now(), cpu_ms());
        let la = luma_from_rgb(&pa[0], &pa[1], &pa[2], 255.0);
        let lb = luma_from_rgb(&pb[0], &pb[1], &pb[2], 255.0);
        let m = PairMotion::analyze(&la, &lb, quality);
        let mid = m.synthesize(&pa, &pb, 0.5, 255.0);
        wall += t0.elapsed().as_secs_f64() * 1e3;
        cpu += cpu_ms() - c0;
        let (s, n) = sq_err(&mid, &pg);
        let p = psnr(s / n);
        if std::env::var_os("VERBOSE").is_some() {
            println!("{:<40} {p:.2}", d.display());
        }
        total += p;
    }
    let n = dirs.len() as f64;
    println!(
        "{:.2} dB  {:.1} ms wall  {:.1} ms CPU per frame ({} triplets)",
        total / n,
        wall / n,
        cpu / n,
        dirs.len()
    );
    Ok(())
}

/// BT.601 limited-range YUV 4:2:0 to RGB planes (as ffmpeg's default conversion to rgb24).
fn yuv_to_rgb(y: &Plane<u8>, u: &Plane<u8>, v: &Plane<u8>) -> Vec<Plane<u8>> {
    let (w, h) = (y.width, y.height);
    let mut out = vec![Plane::<u8>::new(w, h), Plane::new(w, h), Plane::new(w, h)];
    for j in 0..h {
        for i in 0..w {
            let yy = 1.164 * (y.data[j * w + i] as f32 - 16.0);
            let k = (j / 2) * u.width + i / 2;
            let (cb, cr) = (u.data[k] as f32 - 128.0, v.data[k] as f32 - 128.0);
            let rgb = [yy + 1.596 * cr, yy - 0.392 * cb - 0.813 * cr, yy + 2.017 * cb];
            for c in 0..3 {
                out[c].data[j * w + i] = (rgb[c] + 0.5).clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

fn video(quality: Quality, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut r = std::io::BufReader::new(std::fs::File::open(path)?);
    let header = y4m::read_header(&mut r)?;
    let (w, h) = (header.width, header.height);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut frames: Vec<Vec<Plane<u8>>> = Vec::new();
    let mut buf = Vec::new();
    while y4m::read_frame(&mut r, &header, &mut buf)? {
        let y = Plane::from_vec(w, h, buf[..w * h].to_vec()).ok_or("size")?;
        let u = Plane::from_vec(cw, ch, buf[w * h..][..cw * ch].to_vec()).ok_or("size")?;
        let v = Plane::from_vec(cw, ch, buf[w * h + cw * ch..][..cw * ch].to_vec()).ok_or("size")?;
        frames.push(vec![y, u, v]);
    }
    let (mut s, mut n) = (0f64, 0f64);
    let (mut wall, mut cpu, mut count, mut analysis) = (0.0, 0.0, 0, 0.0);
    let mut k = 0;
    while k + 2 < frames.len() {
        let (a, truth, b) = (&frames[k], &frames[k + 1], &frames[k + 2]);
        let (t0, c0) = (Instant::now(), cpu_ms());
        let la = luma_to_f32(&a[0], 255.0);
        let lb = luma_to_f32(&b[0], 255.0);
        let m = PairMotion::analyze(&la, &lb, quality);
        analysis += t0.elapsed().as_secs_f64() * 1e3;
        let mid = m.synthesize(a, b, 0.5, 255.0);
        wall += t0.elapsed().as_secs_f64() * 1e3;
        cpu += cpu_ms() - c0;
        count += 1;
        let (e, c) = sq_err(
            &yuv_to_rgb(&mid[0], &mid[1], &mid[2]),
            &yuv_to_rgb(&truth[0], &truth[1], &truth[2]),
        );
        if std::env::var_os("INTERP_EVAL_FRAMES").is_some() {
            println!(
                "frame {} {:.2} dB cut={} {:?}",
                k + 1,
                psnr(e / c),
                m.scene_cut,
                m.stats
            );
        }
        s += e;
        n += c;
        k += 2;
    }
    let c = count.max(1) as f64;
    println!(
        "{:.2} dB  {:.1} ms wall ({:.1} analysis)  {:.1} ms CPU per frame ({count} frames, {w}x{h})",
        psnr(s / n),
        wall / c,
        analysis / c,
        cpu / c
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // As `reel interpolate` does.
    reel::util::memory::retain_freed_memory();
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() < 3 {
        return Err("usage: interp_eval QUALITY triplets DIR... | interp_eval QUALITY video CLIP.y4m".into());
    }
    let quality: Quality = a[0].parse()?;
    match a[1].as_str() {
        "triplets" => triplets(quality, &a[2..].iter().map(PathBuf::from).collect::<Vec<_>>()),
        "video" => video(quality, Path::new(&a[2])),
        _ => Err("mode is triplets or video".into()),
    }
}
