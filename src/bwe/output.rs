//! Writing results: the time series as CSV or JSON, and a hand-written SVG plot (rates over time, queuing
//! delay, the detector's trend against its threshold).

use super::pcap::ReplaySample;
use super::sim::{FlowKind, Sample, SimResult};
use std::fmt::Write;

/// The CSV header of the series.
pub const CSV_HEADER: &str = "time_s,flow,capacity_bps,target_bps,send_bps,recv_bps,queue_delay_ms,loss,delay_based_bps,loss_based_bps,acked_bps,trend,threshold,usage,rate_state,rtt_ms,probe_bps,in_alr";

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{x:.0}"))
}

pub fn series_csv(samples: &[Sample]) -> String {
    let mut o = String::with_capacity(samples.len() * 120);
    o.push_str(CSV_HEADER);
    o.push('\n');
    for s in samples {
        let _ = write!(
            o,
            "{:.3},{},{:.0},{:.0},{:.0},{:.0},{:.2},{:.4}",
            s.time_s, s.flow, s.capacity_bps, s.target_bps, s.send_bps, s.recv_bps, s.queue_delay_ms, s.loss
        );
        match &s.signals {
            Some(g) => {
                let _ = writeln!(
                    o,
                    ",{:.0},{:.0},{},{:.3},{:.3},{},{},{:.1},{},{}",
                    g.delay_based_bps,
                    g.loss_based_bps,
                    opt(g.acked_bps),
                    g.trend,
                    g.threshold,
                    g.usage.as_str(),
                    g.rate_state.as_str(),
                    g.rtt_ms,
                    opt(g.probe_bps),
                    u8::from(g.in_alr)
                );
            }
            None => o.push_str(",,,,,,,,,,\n"),
        }
    }
    o
}

pub fn series_json(samples: &[Sample]) -> String {
    serde_json::to_string(samples).unwrap_or_else(|_| "[]".into())
}

const COLORS: [&str; 6] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

/// One drawing primitive; the plot is a list of these, rendered to SVG or rasterised to PNG.
#[derive(Clone, Debug)]
enum Prim {
    Path {
        pts: Vec<(f64, f64)>,
        color: &'static str,
        width: f64,
        dash: bool,
    },
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
    },
    Text {
        x: f64,
        y: f64,
        size: f64,
        anchor: Anchor,
        color: &'static str,
        bold: bool,
        vertical: bool,
        text: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Anchor {
    Start,
    Middle,
    End,
}

struct Panel {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    t_max: f64,
    y_min: f64,
    y_max: f64,
}

fn text(x: f64, y: f64, size: f64, anchor: Anchor, text: String) -> Prim {
    Prim::Text {
        x,
        y,
        size,
        anchor,
        color: "#000",
        bold: false,
        vertical: false,
        text,
    }
}

impl Panel {
    fn px(&self, t: f64) -> f64 {
        self.x + self.w * (t / self.t_max.max(1e-9))
    }
    fn py(&self, v: f64) -> f64 {
        let f = ((v - self.y_min) / (self.y_max - self.y_min).max(1e-9)).clamp(-0.02, 1.02);
        self.y + self.h * (1.0 - f)
    }
    fn axes(&self, o: &mut Vec<Prim>, title: &str, unit: &str) {
        o.push(Prim::Rect {
            x: self.x,
            y: self.y,
            w: self.w,
            h: self.h,
        });
        o.push(Prim::Text {
            x: self.x,
            y: self.y - 8.0,
            size: 14.0,
            anchor: Anchor::Start,
            color: "#000",
            bold: true,
            vertical: false,
            text: title.into(),
        });
        o.push(Prim::Text {
            x: self.x - 52.0,
            y: self.y + self.h / 2.0,
            size: 12.0,
            anchor: Anchor::Middle,
            color: "#000",
            bold: false,
            vertical: true,
            text: unit.into(),
        });
        for k in 0..=4 {
            let v = self.y_min + (self.y_max - self.y_min) * f64::from(k) / 4.0;
            let y = self.py(v);
            o.push(Prim::Path {
                pts: vec![(self.x, y), (self.x + self.w, y)],
                color: "#ddd",
                width: 1.0,
                dash: false,
            });
            o.push(text(self.x - 4.0, y + 4.0, 11.0, Anchor::End, tick_label(v)));
        }
        let step = nice_step(self.t_max / 10.0);
        let mut t = 0.0;
        while t <= self.t_max + 1e-9 {
            let x = self.px(t);
            o.push(Prim::Path {
                pts: vec![(x, self.y + self.h), (x, self.y + self.h + 4.0)],
                color: "#444",
                width: 1.0,
                dash: false,
            });
            o.push(text(x, self.y + self.h + 16.0, 11.0, Anchor::Middle, tick_label(t)));
            t += step;
        }
    }
    fn line(&self, o: &mut Vec<Prim>, pts: &[(f64, f64)], color: &'static str, width: f64, dash: bool, label: &str) {
        let Some(&(t, v)) = pts.last() else { return };
        o.push(Prim::Path {
            pts: pts.iter().map(|&(t, v)| (self.px(t), self.py(v))).collect(),
            color,
            width,
            dash,
        });
        // End-of-line labels: move down past any label already placed at the right edge of this panel.
        let x = self.px(t) + 4.0;
        let mut y = self.py(v) + 4.0;
        let taken: Vec<f64> = o
            .iter()
            .filter_map(|p| match p {
                Prim::Text { x: lx, y: ly, .. } if (*lx - x).abs() < 1.0 => Some(*ly),
                _ => None,
            })
            .collect();
        while taken.iter().any(|ly| (ly - y).abs() < 12.0) {
            y += 12.0;
        }
        o.push(Prim::Text {
            x,
            y,
            size: 11.0,
            anchor: Anchor::Start,
            color,
            bold: false,
            vertical: false,
            text: label.into(),
        });
    }
}

fn nice_step(raw: f64) -> f64 {
    let raw = raw.max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if raw <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

fn tick_label(v: f64) -> String {
    if v.abs() >= 100.0 || v == v.round() {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

const PLOT_W: f64 = 1100.0;
const PLOT_H: f64 = 860.0;

/// The plot's primitives: rates (capacity, estimate, sending rate), queuing delay, trend vs threshold.
fn plot(r: &SimResult, title: &str) -> Vec<Prim> {
    let (w, h) = (PLOT_W, PLOT_H);
    let t_max = r.duration as f64 / 1e6;
    let n = r.flow_names.len();
    let flow0: Vec<&Sample> = r.samples.iter().filter(|s| s.flow == 0).collect();
    let rate_max = r
        .samples
        .iter()
        .map(|s| s.capacity_bps.max(s.target_bps).max(s.send_bps))
        .fold(0.0, f64::max)
        .min(flow0.iter().map(|s| s.capacity_bps).fold(0.0, f64::max) * 2.0 + 1e5)
        / 1e6
        * 1.1;
    let delay_max = (r.samples.iter().map(|s| s.queue_delay_ms).fold(0.0, f64::max) * 1.1).max(10.0);
    let mut o = Vec::new();
    o.push(text(w / 2.0, 24.0, 16.0, Anchor::Middle, title.into()));
    let left = 80.0;
    let pw = w - left - 170.0;
    let rates = Panel {
        x: left,
        y: 60.0,
        w: pw,
        h: 340.0,
        t_max,
        y_min: 0.0,
        y_max: rate_max.max(0.1),
    };
    rates.axes(
        &mut o,
        "Rates: capacity (grey), estimate (solid), sending rate (dashed)",
        "Mbit/s",
    );
    let cap: Vec<(f64, f64)> = flow0.iter().map(|s| (s.time_s, s.capacity_bps / 1e6)).collect();
    rates.line(&mut o, &cap, "#888", 3.0, false, "capacity");
    for i in 0..n {
        let c = COLORS[i % COLORS.len()];
        let own: Vec<&Sample> = r.samples.iter().filter(|s| s.flow == i).collect();
        let name = &r.flow_names[i];
        // The sending rate over 500 ms windows: 50 ms samples of 30 fps video are too jumpy to read.
        let k = ((0.5 / (r.sample_interval as f64 / 1e6)).round() as usize).max(1);
        let send: Vec<(f64, f64)> = own
            .chunks(k)
            .map(|w| {
                (
                    w[w.len() - 1].time_s,
                    w.iter().map(|s| s.send_bps).sum::<f64>() / w.len() as f64 / 1e6,
                )
            })
            .collect();
        rates.line(&mut o, &send, c, 1.0, true, &format!("{name} sent"));
        if matches!(r.flow_kinds[i], FlowKind::Media { .. }) {
            let est: Vec<(f64, f64)> = own.iter().map(|s| (s.time_s, s.target_bps / 1e6)).collect();
            rates.line(&mut o, &est, c, 2.0, false, &format!("{name} estimate"));
        }
    }
    let delay = Panel {
        x: left,
        y: 450.0,
        w: pw,
        h: 160.0,
        t_max,
        y_min: 0.0,
        y_max: delay_max,
    };
    delay.axes(&mut o, "Queuing delay at the bottleneck", "ms");
    for i in 0..n {
        let pts: Vec<(f64, f64)> = r
            .samples
            .iter()
            .filter(|s| s.flow == i)
            .map(|s| (s.time_s, s.queue_delay_ms))
            .collect();
        delay.line(&mut o, &pts, COLORS[i % COLORS.len()], 1.2, false, &r.flow_names[i]);
    }
    let sig: Vec<(f64, f64, f64)> = flow0
        .iter()
        .filter_map(|s| s.signals.as_ref().map(|g| (s.time_s, g.trend, g.threshold)))
        .collect();
    let tmax = sig.iter().map(|x| x.1.abs().max(x.2)).fold(10.0, f64::max).min(200.0) * 1.1;
    let trend = Panel {
        x: left,
        y: 660.0,
        w: pw,
        h: 160.0,
        t_max,
        y_min: -tmax,
        y_max: tmax,
    };
    trend.axes(
        &mut o,
        &format!("{}: detector trend against threshold", r.flow_names[0]),
        "ms",
    );
    let tr: Vec<(f64, f64)> = sig.iter().map(|x| (x.0, x.1)).collect();
    let up: Vec<(f64, f64)> = sig.iter().map(|x| (x.0, x.2)).collect();
    let down: Vec<(f64, f64)> = sig.iter().map(|x| (x.0, -x.2)).collect();
    trend.line(&mut o, &up, "#d62728", 1.2, true, "+threshold");
    trend.line(&mut o, &down, "#2ca02c", 1.2, true, "-threshold");
    trend.line(&mut o, &tr, "#1f77b4", 1.2, false, "modified trend");
    o.push(text(left + pw / 2.0, h - 8.0, 12.0, Anchor::Middle, "time (s)".into()));
    o
}

/// The plot as an SVG document.
pub fn plot_svg(r: &SimResult, title: &str) -> String {
    render_svg(plot(r, title))
}

/// The replay of a capture as an SVG document.
pub fn replay_svg(samples: &[ReplaySample], title: &str) -> String {
    render_svg(replay_plot(samples, title))
}

/// The replay of a capture as PNG bytes.
pub fn replay_png(samples: &[ReplaySample], title: &str) -> crate::error::Result<Vec<u8>> {
    render_png(replay_plot(samples, title))
}

/// A replay: received (grey) and sent (dashed) rates with the estimate; trend against threshold below.
fn replay_plot(samples: &[ReplaySample], title: &str) -> Vec<Prim> {
    let t_max = samples.last().map_or(1.0, |s| s.time_s).max(1.0);
    let rate_max = samples
        .iter()
        .map(|s| s.estimate_bps.max(s.received_bps).max(s.sent_bps))
        .fold(0.0, f64::max)
        / 1e6
        * 1.1;
    let mut o = vec![text(PLOT_W / 2.0, 24.0, 16.0, Anchor::Middle, title.into())];
    let (left, pw) = (80.0, PLOT_W - 250.0);
    let rates = Panel {
        x: left,
        y: 60.0,
        w: pw,
        h: 440.0,
        t_max,
        y_min: 0.0,
        y_max: rate_max.max(0.1),
    };
    rates.axes(
        &mut o,
        "Rates: received (grey), estimate (solid), sent (dashed)",
        "Mbit/s",
    );
    let pts =
        |f: &dyn Fn(&ReplaySample) -> f64| -> Vec<(f64, f64)> { samples.iter().map(|s| (s.time_s, f(s))).collect() };
    rates.line(&mut o, &pts(&|s| s.received_bps / 1e6), "#888", 3.0, false, "received");
    if samples.iter().any(|s| s.sent_bps > 0.0) {
        rates.line(&mut o, &pts(&|s| s.sent_bps / 1e6), "#d62728", 1.0, true, "sent");
    }
    rates.line(
        &mut o,
        &pts(&|s| s.estimate_bps / 1e6),
        "#1f77b4",
        2.0,
        false,
        "estimate",
    );
    let tmax = samples
        .iter()
        .map(|s| s.trend.abs().max(s.threshold))
        .fold(10.0, f64::max)
        .min(200.0)
        * 1.1;
    let trend = Panel {
        x: left,
        y: 560.0,
        w: pw,
        h: 250.0,
        t_max,
        y_min: -tmax,
        y_max: tmax,
    };
    trend.axes(&mut o, "Detector trend against threshold", "ms");
    trend.line(&mut o, &pts(&|s| s.threshold), "#d62728", 1.2, true, "+threshold");
    trend.line(&mut o, &pts(&|s| -s.threshold), "#2ca02c", 1.2, true, "-threshold");
    trend.line(&mut o, &pts(&|s| s.trend), "#1f77b4", 1.2, false, "modified trend");
    o.push(text(
        left + pw / 2.0,
        PLOT_H - 8.0,
        12.0,
        Anchor::Middle,
        "time (s)".into(),
    ));
    o
}

fn render_svg(prims: Vec<Prim>) -> String {
    let mut o = String::new();
    let (w, h) = (PLOT_W, PLOT_H);
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif">"#
    );
    let _ = writeln!(o, r#"<rect width="100%" height="100%" fill="white"/>"#);
    for p in prims {
        match p {
            Prim::Path {
                pts,
                color,
                width,
                dash,
            } => {
                let mut d = String::new();
                for (i, (x, y)) in pts.iter().enumerate() {
                    let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
                }
                let _ = writeln!(
                    o,
                    r#"<path d="{d}" fill="none" stroke="{color}" stroke-width="{width}"{}/>"#,
                    if dash { r#" stroke-dasharray="5,3""# } else { "" }
                );
            }
            Prim::Rect { x, y, w, h } => {
                let _ = writeln!(
                    o,
                    r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="none" stroke="#444"/>"##
                );
            }
            Prim::Text {
                x,
                y,
                size,
                anchor,
                color,
                bold,
                vertical,
                text,
            } => {
                let anchor = match anchor {
                    Anchor::Start => "start",
                    Anchor::Middle => "middle",
                    Anchor::End => "end",
                };
                let _ = writeln!(
                    o,
                    r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" fill="{color}" text-anchor="{anchor}"{}{}>{}</text>"#,
                    if bold { r#" font-weight="bold""# } else { "" },
                    if vertical {
                        format!(r#" transform="rotate(-90 {x:.1} {y:.1})""#)
                    } else {
                        String::new()
                    },
                    escape(&text)
                );
            }
        }
    }
    o.push_str("</svg>\n");
    o
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The plot rasterised to PNG bytes: our own line drawing and a built-in 5x7 bitmap font, so no font files
/// or rendering stack are needed (`image` only encodes the PNG).
pub fn plot_png(r: &SimResult, title: &str) -> crate::error::Result<Vec<u8>> {
    render_png(plot(r, title))
}

fn render_png(prims: Vec<Prim>) -> crate::error::Result<Vec<u8>> {
    let (w, h) = (PLOT_W as u32, PLOT_H as u32);
    let mut img = image::RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
    for p in prims {
        match p {
            Prim::Path {
                pts,
                color,
                width,
                dash,
            } => {
                let c = parse_color(color);
                let mut along = 0.0;
                for seg in pts.windows(2) {
                    draw_line(&mut img, seg[0], seg[1], c, width, dash, &mut along);
                }
            }
            Prim::Rect { x, y, w, h } => {
                let c = parse_color("#444");
                let mut a = 0.0;
                for (p, q) in [
                    ((x, y), (x + w, y)),
                    ((x + w, y), (x + w, y + h)),
                    ((x + w, y + h), (x, y + h)),
                    ((x, y + h), (x, y)),
                ] {
                    draw_line(&mut img, p, q, c, 1.0, false, &mut a);
                }
            }
            Prim::Text {
                x,
                y,
                size,
                anchor,
                color,
                bold,
                vertical,
                text,
            } => {
                draw_text(&mut img, x, y, size, anchor, parse_color(color), bold, vertical, &text);
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| crate::error::Error::Malformed(e.to_string()))?;
    Ok(out.into_inner())
}

fn parse_color(c: &str) -> image::Rgb<u8> {
    let hex = c.trim_start_matches('#');
    let v = u32::from_str_radix(hex, 16).unwrap_or(0);
    if hex.len() == 3 {
        let (r, g, b) = ((v >> 8) & 0xf, (v >> 4) & 0xf, v & 0xf);
        image::Rgb([(r * 17) as u8, (g * 17) as u8, (b * 17) as u8])
    } else {
        image::Rgb([(v >> 16) as u8, (v >> 8) as u8, v as u8])
    }
}

fn put(img: &mut image::RgbImage, x: i64, y: i64, c: image::Rgb<u8>) {
    if x >= 0 && y >= 0 && (x as u32) < img.width() && (y as u32) < img.height() {
        img.put_pixel(x as u32, y as u32, c);
    }
}

fn draw_line(
    img: &mut image::RgbImage,
    a: (f64, f64),
    b: (f64, f64),
    c: image::Rgb<u8>,
    width: f64,
    dash: bool,
    along: &mut f64,
) {
    let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
    let steps = (len * 2.0).ceil().clamp(1.0, 20_000.0) as usize;
    let half = ((width - 1.0) / 2.0).round().max(0.0) as i64;
    for k in 0..=steps {
        let f = k as f64 / steps as f64;
        let d = *along + f * len;
        if dash && d % 8.0 >= 5.0 {
            continue;
        }
        let (x, y) = (
            (a.0 + f * (b.0 - a.0)).round() as i64,
            (a.1 + f * (b.1 - a.1)).round() as i64,
        );
        for dx in -half..=half {
            for dy in -half..=half {
                put(img, x + dx, y + dy, c);
            }
        }
    }
    *along += len;
}

/// 5x7 glyphs, one byte per row (low five bits, leftmost pixel in bit 4).
fn glyph(ch: char) -> [u8; 7] {
    match ch.to_ascii_uppercase() {
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        'D' => [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04],
        'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        '.' => [0, 0, 0, 0, 0, 0x0C, 0x0C],
        ',' => [0, 0, 0, 0, 0x0C, 0x04, 0x08],
        ':' => [0, 0x0C, 0x0C, 0, 0x0C, 0x0C, 0],
        '-' => [0, 0, 0, 0x1F, 0, 0, 0],
        '+' => [0, 0x04, 0x04, 0x1F, 0x04, 0x04, 0],
        '/' => [0, 0x01, 0x02, 0x04, 0x08, 0x10, 0],
        '(' => [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
        ')' => [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
        '_' => [0, 0, 0, 0, 0, 0, 0x1F],
        '%' => [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
        '=' => [0, 0, 0x1F, 0, 0x1F, 0, 0],
        _ => [0; 7],
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_text(
    img: &mut image::RgbImage,
    x: f64,
    y: f64,
    size: f64,
    anchor: Anchor,
    c: image::Rgb<u8>,
    bold: bool,
    vertical: bool,
    text: &str,
) {
    let scale = if size >= 13.0 { 2 } else { 1 };
    let advance = 6 * scale;
    let width = (text.chars().count() as i64) * advance;
    let offset = match anchor {
        Anchor::Start => 0,
        Anchor::Middle => width / 2,
        Anchor::End => width,
    };
    for (i, ch) in text.chars().enumerate() {
        let g = glyph(ch);
        for (row, bits) in g.iter().enumerate() {
            for col in 0..5 {
                if bits & (0x10 >> col) == 0 {
                    continue;
                }
                for sx in 0..scale {
                    for sy in 0..scale {
                        // Glyph pixel in text space: along the baseline u, up from it v.
                        let u = i as i64 * advance + col * scale + sx - offset;
                        let v = (6 - row as i64) * scale + sy;
                        let (px, py) = if vertical {
                            (x as i64 - v, y as i64 - u)
                        } else {
                            (x as i64 + u, y as i64 - v)
                        };
                        put(img, px, py, c);
                        if bold {
                            put(img, px + 1, py, c);
                        }
                    }
                }
            }
        }
    }
}
