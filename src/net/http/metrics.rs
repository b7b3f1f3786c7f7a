//! Counters for `/metrics` (Prometheus text format 0.0.4): requests by status class, bytes, connections, latency.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram buckets: from a cached segment to a blocked live playlist.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 2.5, 10.0,
];

/// Process-wide counters; updated with relaxed atomics (a scrape need not be a consistent snapshot).
#[derive(Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    bytes_sent: AtomicU64,
    active_connections: AtomicI64,
    connections_total: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_ns: AtomicU64,
}

impl Metrics {
    /// Records one finished request: its status, the body bytes it sends and how long the handler took.
    pub fn record(&self, status: u16, bytes: u64, elapsed: Duration) {
        let class = (status / 100).clamp(1, 5) as usize - 1;
        self.by_class[class].fetch_add(1, Relaxed);
        self.bytes_sent.fetch_add(bytes, Relaxed);
        let secs = elapsed.as_secs_f64();
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS) {
            if secs <= bound {
                bucket.fetch_add(1, Relaxed);
                break;
            }
        }
        self.latency_count.fetch_add(1, Relaxed);
        self.latency_sum_ns
            .fetch_add(elapsed.as_nanos().min(u64::MAX as u128) as u64, Relaxed);
    }

    pub fn connection_opened(&self) {
        self.active_connections.fetch_add(1, Relaxed);
        self.connections_total.fetch_add(1, Relaxed);
    }

    pub fn connection_closed(&self) {
        self.active_connections.fetch_sub(1, Relaxed);
    }

    pub fn cache_hit(&self) {
        self.cache_hits.fetch_add(1, Relaxed);
    }

    pub fn cache_miss(&self) {
        self.cache_misses.fetch_add(1, Relaxed);
    }

    /// Connections open right now.
    pub fn active_connections(&self) -> i64 {
        self.active_connections.load(Relaxed)
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(2048);
        out.push_str("# HELP reel_http_requests_total HTTP requests answered, by status class.\n");
        out.push_str("# TYPE reel_http_requests_total counter\n");
        for (i, c) in self.by_class.iter().enumerate() {
            let _ = writeln!(
                out,
                "reel_http_requests_total{{class=\"{}xx\"}} {}",
                i + 1,
                c.load(Relaxed)
            );
        }
        out.push_str("# HELP reel_http_response_bytes_total Response body bytes sent.\n");
        out.push_str("# TYPE reel_http_response_bytes_total counter\n");
        let _ = writeln!(out, "reel_http_response_bytes_total {}", self.bytes_sent.load(Relaxed));
        out.push_str("# HELP reel_http_active_connections Open client connections.\n");
        out.push_str("# TYPE reel_http_active_connections gauge\n");
        let _ = writeln!(
            out,
            "reel_http_active_connections {}",
            self.active_connections.load(Relaxed)
        );
        out.push_str("# HELP reel_http_connections_total Client connections accepted.\n");
        out.push_str("# TYPE reel_http_connections_total counter\n");
        let _ = writeln!(
            out,
            "reel_http_connections_total {}",
            self.connections_total.load(Relaxed)
        );
        out.push_str("# HELP reel_http_file_cache_total In-memory file cache lookups, by result.\n");
        out.push_str("# TYPE reel_http_file_cache_total counter\n");
        let _ = writeln!(
            out,
            "reel_http_file_cache_total{{result=\"hit\"}} {}",
            self.cache_hits.load(Relaxed)
        );
        let _ = writeln!(
            out,
            "reel_http_file_cache_total{{result=\"miss\"}} {}",
            self.cache_misses.load(Relaxed)
        );
        out.push_str(
            "# HELP reel_http_sendfile_bytes_total Response bytes sent from sealed memory files without a copy.\n",
        );
        out.push_str("# TYPE reel_http_sendfile_bytes_total counter\n");
        let _ = writeln!(
            out,
            "reel_http_sendfile_bytes_total {}",
            crate::net::zero_copy::bytes_sent()
        );
        out.push_str("# HELP reel_http_request_duration_seconds Time to produce the response head.\n");
        out.push_str("# TYPE reel_http_request_duration_seconds histogram\n");
        let mut cumulative = 0;
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS) {
            cumulative += bucket.load(Relaxed);
            let _ = writeln!(
                out,
                "reel_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.latency_count.load(Relaxed);
        let _ = writeln!(out, "reel_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.latency_sum_ns.load(Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "reel_http_request_duration_seconds_sum {sum}");
        let _ = writeln!(out, "reel_http_request_duration_seconds_count {count}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_classes_and_histogram() {
        let m = Metrics::default();
        m.record(200, 100, Duration::from_micros(50));
        m.record(404, 0, Duration::from_millis(3));
        m.record(999, 0, Duration::from_secs(100));
        let text = m.render();
        assert!(text.contains("reel_http_requests_total{class=\"2xx\"} 1"));
        assert!(text.contains("reel_http_requests_total{class=\"4xx\"} 1"));
        assert!(text.contains("reel_http_requests_total{class=\"5xx\"} 1"));
        assert!(text.contains("reel_http_response_bytes_total 100"));
        assert!(text.contains("reel_http_request_duration_seconds_bucket{le=\"0.0001\"} 1"));
        assert!(text.contains("reel_http_request_duration_seconds_bucket{le=\"0.005\"} 2"));
        assert!(text.contains("reel_http_request_duration_seconds_bucket{le=\"+Inf\"} 3"));
    }
}
