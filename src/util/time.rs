//! Parsing of durations and bit rates as users write them: `2s`, `1.5`, `00:01:30.5`, `500ms`, `3M`, `128k`.

use crate::error::{Error, Result};

/// Parses a duration in seconds: `10`, `2.5s`, `500ms`, `1m30s`, `01:02:03.5`.
pub fn parse_duration(s: &str) -> Result<f64> {
    let t = s.trim();
    let bad = || Error::InvalidArgument(format!("'{s}' is not a duration (try 10, 2.5s, 500ms or 00:01:30)"));
    if t.is_empty() {
        return Err(bad());
    }
    if t.contains(':') {
        let mut total = 0.0;
        for part in t.split(':') {
            let v: f64 = part.parse().map_err(|_| bad())?;
            if v.is_nan() || v < 0.0 {
                return Err(bad());
            }
            total = total * 60.0 + v;
        }
        return Ok(total);
    }
    if let Some(ms) = t.strip_suffix("ms") {
        return ms
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(|v| v / 1000.0)
            .ok_or_else(bad);
    }
    // Units h, m, s, possibly combined (1m30s).
    let mut total = 0.0;
    let mut num = String::new();
    let mut saw_unit = false;
    for c in t.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'h' | 'm' | 's' => {
                let v: f64 = num.parse().map_err(|_| bad())?;
                total += v * match c {
                    'h' => 3600.0,
                    'm' => 60.0,
                    _ => 1.0,
                };
                num.clear();
                saw_unit = true;
            }
            _ => return Err(bad()),
        }
    }
    if !num.is_empty() {
        if saw_unit {
            return Err(bad());
        }
        total = num.parse().map_err(|_| bad())?;
    }
    if !total.is_finite() || total < 0.0 {
        return Err(bad());
    }
    Ok(total)
}

/// Parses a bit rate in bits per second: `3M`, `128k`, `2500000`, `1.5M`.
pub fn parse_bitrate(s: &str) -> Result<u64> {
    let t = s.trim();
    let bad = || Error::InvalidArgument(format!("'{s}' is not a bit rate (try 128k or 3M)"));
    let (num, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1e3),
        Some('M' | 'm') => (&t[..t.len() - 1], 1e6),
        Some('G' | 'g') => (&t[..t.len() - 1], 1e9),
        _ => (t, 1.0),
    };
    let v: f64 = num.parse().map_err(|_| bad())?;
    if !v.is_finite() || v <= 0.0 {
        return Err(bad());
    }
    Ok((v * mult).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s").unwrap(), 2.0);
        assert_eq!(parse_duration("1.5").unwrap(), 1.5);
        assert_eq!(parse_duration("500ms").unwrap(), 0.5);
        assert_eq!(parse_duration("1m30s").unwrap(), 90.0);
        assert_eq!(parse_duration("01:02:03.5").unwrap(), 3723.5);
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("-1").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn bitrates() {
        assert_eq!(parse_bitrate("3M").unwrap(), 3_000_000);
        assert_eq!(parse_bitrate("128k").unwrap(), 128_000);
        assert_eq!(parse_bitrate("1.5M").unwrap(), 1_500_000);
        assert!(parse_bitrate("fast").is_err());
        assert!(parse_bitrate("0").is_err());
    }
}
