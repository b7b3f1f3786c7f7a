//! Writing results: the time series as CSV or JSON, and a hand-written SVG plot (rates over time, queuing
//! delay, the detector's trend against its threshold).

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

struct Panel {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    t_max: f64,
    y_min: f64,
    y_max: f64,
}

impl Panel {
    fn px(&self, t: f64) -> f64 {
        self.x + self.w * (t / self.t_max.max(1e-9))
    }
    fn py(&self, v: f64) -> f64 {
        let f = ((v - self.y_min) / (self.y_max - self.y_min).max(1e-9)).clamp(-0.02, 1.02);
        self.y + self.h * (1.0 - f)
    }
    fn axes(&self, o: &mut String, title: &str, unit: &str) {
        let _ = writeln!(
            o,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#444"/>"##,
            self.x, self.y, self.w, self.h
        );
        let _ = writeln!(
            o,
            r#"<text x="{:.1}" y="{:.1}" font-size="14" font-weight="bold">{title}</text>"#,
            self.x,
            self.y - 8.0
        );
        let _ = writeln!(
            o,
            r#"<text x="{:.1}" y="{:.1}" font-size="12" transform="rotate(-90 {:.1} {:.1})" text-anchor="middle">{unit}</text>"#,
            self.x - 48.0,
            self.y + self.h / 2.0,
            self.x - 48.0,
            self.y + self.h / 2.0
        );
        for k in 0..=4 {
            let v = self.y_min + (self.y_max - self.y_min) * f64::from(k) / 4.0;
            let y = self.py(v);
            let _ = writeln!(
                o,
                r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
                self.x,
                self.x + self.w,
                self.x - 4.0,
                y + 4.0,
                tick_label(v)
            );
        }
        let step = nice_step(self.t_max / 10.0);
        let mut t = 0.0;
        while t <= self.t_max + 1e-9 {
            let x = self.px(t);
            let _ = writeln!(
                o,
                r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#444"/><text x="{x:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"##,
                self.y + self.h,
                self.y + self.h + 4.0,
                self.y + self.h + 16.0,
                tick_label(t)
            );
            t += step;
        }
    }
    fn line(&self, o: &mut String, pts: &[(f64, f64)], color: &str, width: f64, dash: bool, label: &str) {
        if pts.is_empty() {
            return;
        }
        let mut d = String::new();
        for (i, (t, v)) in pts.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { "L" },
                self.px(*t),
                self.py(*v)
            );
        }
        let _ = writeln!(
            o,
            r#"<path d="{d}" fill="none" stroke="{color}" stroke-width="{width}"{}/>"#,
            if dash { r#" stroke-dasharray="5,3""# } else { "" }
        );
        if let Some(&(t, v)) = pts.last() {
            let _ = writeln!(
                o,
                r#"<text x="{:.1}" y="{:.1}" font-size="11" fill="{color}">{label}</text>"#,
                self.px(t) + 4.0,
                self.py(v) + 4.0
            );
        }
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

/// The plot as an SVG document.
pub fn plot_svg(r: &SimResult, title: &str) -> String {
    let (w, h) = (1100.0, 860.0);
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
    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif">"#
    );
    let _ = writeln!(o, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        o,
        r#"<text x="{:.0}" y="24" font-size="16" text-anchor="middle">{}</text>"#,
        w / 2.0,
        escape(title)
    );
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
        let send: Vec<(f64, f64)> = own.iter().map(|s| (s.time_s, s.send_bps / 1e6)).collect();
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
        &format!("{}: detector trend against threshold", escape(&r.flow_names[0])),
        "ms",
    );
    let tr: Vec<(f64, f64)> = sig.iter().map(|x| (x.0, x.1)).collect();
    let up: Vec<(f64, f64)> = sig.iter().map(|x| (x.0, x.2)).collect();
    let down: Vec<(f64, f64)> = sig.iter().map(|x| (x.0, -x.2)).collect();
    trend.line(&mut o, &up, "#d62728", 1.2, true, "+threshold");
    trend.line(&mut o, &down, "#2ca02c", 1.2, true, "-threshold");
    trend.line(&mut o, &tr, "#1f77b4", 1.2, false, "modified trend");
    let _ = writeln!(
        o,
        r#"<text x="{:.0}" y="{:.0}" font-size="12" text-anchor="middle">time (s)</text>"#,
        left + pw / 2.0,
        h - 8.0
    );
    o.push_str("</svg>\n");
    o
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
