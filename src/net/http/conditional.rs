//! Conditional requests and byte ranges (RFC 9110 §13 and §14): ETag comparison, If-Modified-Since, Range.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A satisfiable byte range, inclusive start, exclusive end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

impl ByteRange {
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// The `Content-Range` value for this range of a `total`-byte representation.
    pub fn content_range(&self, total: u64) -> String {
        format!("bytes {}-{}/{}", self.start, self.end - 1, total)
    }
}

/// The outcome of a `Range` header against a representation of a known length.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable Range header (absent, not `bytes=`, or malformed): send the whole representation.
    Full,
    /// One or more satisfiable ranges, in the order asked.
    Ranges(Vec<ByteRange>),
    /// Well formed but nothing in it overlaps the representation: 416.
    Unsatisfiable,
}

/// Most ranges accepted in one request; more is treated as no Range at all (a cheap defence against
/// requests that ask for thousands of tiny overlapping ranges).
pub const MAX_RANGES: usize = 16;

/// Parses a `Range` header value against a representation of `len` bytes.
pub fn parse_range(value: &str, len: u64) -> RangeRequest {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeRequest::Full;
    };
    let mut ranges = Vec::new();
    let mut count = 0;
    for part in spec.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        count += 1;
        if count > MAX_RANGES {
            return RangeRequest::Full;
        }
        let Some((first, last)) = part.split_once('-') else {
            return RangeRequest::Full;
        };
        let (first, last) = (first.trim(), last.trim());
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if first.is_empty() {
            // Suffix range: the last N bytes.
            if !all_digits(last) {
                return RangeRequest::Full;
            }
            let Ok(n) = last.parse::<u64>() else {
                return RangeRequest::Full;
            };
            if n > 0 && len > 0 {
                ranges.push(ByteRange {
                    start: len.saturating_sub(n),
                    end: len,
                });
            }
            continue;
        }
        if !all_digits(first) || !(last.is_empty() || all_digits(last)) {
            return RangeRequest::Full;
        }
        let Ok(start) = first.parse::<u64>() else {
            return RangeRequest::Full;
        };
        let end_inclusive = if last.is_empty() {
            u64::MAX
        } else {
            // Larger than u64: clamp, it is still a valid range.
            last.parse::<u64>().unwrap_or(u64::MAX)
        };
        if end_inclusive < start {
            return RangeRequest::Full;
        }
        if start < len {
            ranges.push(ByteRange {
                start,
                end: end_inclusive.saturating_add(1).min(len),
            });
        }
    }
    if count == 0 {
        return RangeRequest::Full;
    }
    if ranges.is_empty() {
        RangeRequest::Unsatisfiable
    } else {
        RangeRequest::Ranges(ranges)
    }
}

/// Whether an `If-None-Match` value matches `etag` (weak comparison, as RFC 9110 §13.1.2 asks).
pub fn if_none_match(value: &str, etags: &[&str]) -> bool {
    let value = value.trim();
    if value == "*" {
        return true;
    }
    value.split(',').map(|t| t.trim()).any(|tag| {
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        etags.iter().any(|e| e.strip_prefix("W/").unwrap_or(e) == tag)
    })
}

/// Whether the representation is unmodified since an `If-Modified-Since` date (second resolution).
pub fn not_modified_since(value: &str, modified: SystemTime) -> bool {
    match httpdate::parse_http_date(value.trim()) {
        Ok(since) => whole_seconds(modified) <= whole_seconds(since),
        Err(_) => false,
    }
}

/// Whether an `If-Range` value still designates this representation (strong ETag or exact date).
pub fn if_range_matches(value: &str, etag: &str, modified: SystemTime) -> bool {
    let value = value.trim();
    if value.starts_with('"') {
        return value == etag && !etag.starts_with("W/");
    }
    match httpdate::parse_http_date(value) {
        Ok(date) => whole_seconds(date) == whole_seconds(modified),
        Err(_) => false,
    }
}

fn whole_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs()
}

/// Whether `Accept-Encoding` allows gzip (present with a non-zero q, or `*` with a non-zero q).
pub fn accepts_gzip(value: &str) -> bool {
    let mut star = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
            })
            .next()
            .unwrap_or(1.0);
        if coding == "gzip" || coding == "x-gzip" {
            return q > 0.0;
        }
        if coding == "*" {
            star = Some(q > 0.0);
        }
    }
    star.unwrap_or(false)
}

/// A strong ETag from what changes when a file is rewritten: its length and modification time.
pub fn file_etag(len: u64, modified: SystemTime) -> String {
    let since = modified.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    format!("\"{:x}-{:x}{:08x}\"", len, since.as_secs(), since.subsec_nanos())
}

/// The ETag of the gzipped representation of the same file: a different representation needs its own tag.
pub fn gzip_etag(etag: &str) -> String {
    match etag.strip_suffix('"') {
        Some(inner) => format!("{inner}-gz\""),
        None => format!("{etag}-gz"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u64, end: u64) -> ByteRange {
        ByteRange { start, end }
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), RangeRequest::Ranges(vec![r(0, 10)]));
        assert_eq!(parse_range("bytes=90-", 100), RangeRequest::Ranges(vec![r(90, 100)]));
        assert_eq!(parse_range("bytes=-10", 100), RangeRequest::Ranges(vec![r(90, 100)]));
        assert_eq!(parse_range("bytes=-1000", 100), RangeRequest::Ranges(vec![r(0, 100)]));
        assert_eq!(
            parse_range("bytes=50-1000", 100),
            RangeRequest::Ranges(vec![r(50, 100)])
        );
        assert_eq!(
            parse_range("bytes=0-0,5-6", 100),
            RangeRequest::Ranges(vec![r(0, 1), r(5, 7)])
        );
        assert_eq!(parse_range("bytes=100-", 100), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 100), RangeRequest::Full);
        assert_eq!(parse_range("bytes=a-b", 100), RangeRequest::Full);
        assert_eq!(parse_range("items=0-1", 100), RangeRequest::Full);
        assert_eq!(
            parse_range("bytes=0-99999999999999999999999", 100),
            RangeRequest::Ranges(vec![r(0, 100)])
        );
        assert_eq!(
            parse_range(&format!("bytes={}", vec!["0-1"; 20].join(",")), 100),
            RangeRequest::Full
        );
    }

    #[test]
    fn validators() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let tag = file_etag(10, t);
        assert!(if_none_match(&tag, &[&tag]));
        assert!(if_none_match(&format!("\"x\", W/{tag}"), &[&tag]));
        assert!(!if_none_match("\"x\"", &[&tag]));
        assert!(if_none_match("*", &[&tag]));
        let date = httpdate::fmt_http_date(t);
        assert!(not_modified_since(&date, t + Duration::from_millis(500)));
        assert!(!not_modified_since(&date, t + Duration::from_secs(1)));
        assert!(!not_modified_since("yesterday", t));
        assert!(if_range_matches(&tag, &tag, t));
        assert!(if_range_matches(&date, &tag, t));
        assert!(!if_range_matches("\"other\"", &tag, t));
        assert_eq!(gzip_etag("\"a-b\""), "\"a-b-gz\"");
    }

    #[test]
    fn accept_encoding() {
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1, *;q=0.5"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip(""));
    }
}
