//! The human-readable summary of a probe report: one header line for the container, one line per stream.

use crate::probe::model::{ProbeReport, StreamInfo};
use std::fmt::Write;

/// Renders the report as a few readable lines (no trailing newline after the last one).
pub fn summary(report: &ProbeReport) -> String {
    let f = &report.format;
    let mut out = String::new();
    let _ = write!(out, "{}: {}", f.filename, f.format_name);
    if let Some(long) = &f.format_long_name {
        let _ = write!(out, " ({long})");
    }
    let mut parts = Vec::new();
    match f.duration_seconds() {
        Some(d) => parts.push(format!("duration {} ({d:.3} s)", clock(d))),
        None => parts.push("duration unknown".to_string()),
    }
    if let Some(b) = f.bit_rate.as_deref().and_then(|b| b.parse::<f64>().ok()) {
        parts.push(format!("bit rate {}", kbps(b)));
    }
    if let Some(size) = f.size.as_deref().and_then(|s| s.parse::<u64>().ok()) {
        parts.push(format!("size {}", bytes(size)));
    }
    parts.push(format!(
        "{} stream{}",
        f.nb_streams,
        if f.nb_streams == 1 { "" } else { "s" }
    ));
    let _ = write!(out, "\n  {}", parts.join(", "));
    for s in &report.streams {
        let _ = write!(out, "\n  {}", stream_line(s));
    }
    out
}

fn stream_line(s: &StreamInfo) -> String {
    let kind = s.codec_type.as_deref().unwrap_or("unknown");
    let mut codec = s.codec_name.clone().unwrap_or_else(|| "unknown".into());
    if let Some(p) = &s.profile {
        codec.push_str(&format!(" ({p})"));
    }
    let mut parts = vec![codec];
    match kind {
        "video" => {
            if let (Some(w), Some(h)) = (s.width, s.height) {
                let mut dims = format!("{w}x{h}");
                if let (Some(sar), Some(dar)) = (&s.sample_aspect_ratio, &s.display_aspect_ratio)
                    && sar != "1:1"
                {
                    dims.push_str(&format!(" (SAR {sar}, DAR {dar})"));
                }
                parts.push(dims);
            }
            if let Some(p) = &s.pix_fmt {
                parts.push(p.clone());
            }
            parts.push(frame_rate(s));
            if let Some(colour) = colour(s) {
                parts.push(colour);
            }
            if let Some(r) = s.rotation().filter(|r| *r != 0) {
                parts.push(format!("rotation {r}°"));
            }
        }
        "audio" => {
            if let Some(r) = &s.sample_rate {
                parts.push(format!("{r} Hz"));
            }
            if let Some(c) = s.channels {
                let layout = s
                    .channel_layout
                    .as_deref()
                    .map(|l| format!(" ({l})"))
                    .unwrap_or_default();
                parts.push(format!("{c} channel{}{layout}", if c == 1 { "" } else { "s" }));
            }
            if let Some(f) = &s.sample_fmt {
                parts.push(f.clone());
            }
        }
        _ => {}
    }
    if let Some(b) = s.bit_rate.as_deref().and_then(|b| b.parse::<f64>().ok()) {
        parts.push(kbps(b));
    }
    if let Some(d) = s.duration_seconds() {
        parts.push(format!("{d:.3} s"));
    }
    if let Some(lang) = s.tags.get("language").and_then(|l| l.as_str()).filter(|l| *l != "und") {
        parts.push(format!("language {lang}"));
    }
    if let Some(n) = &s.nb_read_packets {
        parts.push(format!("{n} packets"));
    }
    let default = if s.disposition.default == 1 { " [default]" } else { "" };
    format!("#{} {kind}: {}{default}", s.index, parts.join(", "))
}

/// "25 fps", or the average with the base rate for variable frame rate video.
fn frame_rate(s: &StreamInfo) -> String {
    let avg = ratio(&s.avg_frame_rate);
    let base = ratio(&s.r_frame_rate);
    match (avg, base) {
        (Some(a), Some(b)) if (a - b).abs() > 0.01 => format!("{} fps average (variable, base {})", fps(a), fps(b)),
        (Some(a), _) => format!("{} fps", fps(a)),
        (None, Some(b)) => format!("{} fps", fps(b)),
        (None, None) => "frame rate unknown".to_string(),
    }
}

/// Colour description, with HDR named when the transfer function says so.
fn colour(s: &StreamInfo) -> Option<String> {
    let hdr = match s.color_transfer.as_deref() {
        Some("smpte2084") => Some("HDR10/PQ"),
        Some("arib-std-b67") => Some("HLG"),
        _ => None,
    };
    let known: Vec<&str> = [&s.color_primaries, &s.color_transfer, &s.color_space]
        .iter()
        .filter_map(|v| v.as_deref())
        .collect();
    if known.is_empty() && s.color_range.is_none() {
        return None;
    }
    let mut text = format!(
        "colour {}",
        if known.is_empty() {
            "unspecified".into()
        } else {
            known.join("/")
        }
    );
    if let Some(r) = &s.color_range {
        text.push_str(&format!(" {r}"));
    }
    if let Some(h) = hdr {
        text.push_str(&format!(" ({h})"));
    }
    Some(text)
}

fn ratio(text: &str) -> Option<f64> {
    let (n, d) = text.split_once('/')?;
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    (n > 0.0 && d > 0.0).then(|| n / d)
}

fn fps(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn kbps(bits: f64) -> String {
    format!("{:.0} kb/s", bits / 1000.0)
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

fn clock(seconds: f64) -> String {
    let ms = (seconds * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_and_rates_read_well() {
        assert_eq!(clock(3725.5), "01:02:05.500");
        assert_eq!(fps(25.0), "25");
        assert_eq!(fps(30000.0 / 1001.0), "29.97");
        assert_eq!(ratio("0/0"), None);
        assert_eq!(bytes(1536), "1.5 KiB");
    }
}
