//! `reel analyze-bwe`: step plans over the simulated link (str0m style), the reference comparison with the
//! `goog_cc` crate, pcap replay and the command line's errors and outputs.

mod support {
    pub mod goog_cc_ref;
}

use assert_cmd::Command;
use reel::bwe::gcc::delay::FilterKind;
use reel::bwe::gcc::{Controller, Gcc, GccConfig};
use reel::bwe::sim::{self, LinkConfig, LossModel, QueueLimit, SimConfig, SimResult, TcpVariant};
use reel::bwe::trace::Capacity;
use reel::bwe::{MS, SEC, metrics, scenario};

fn run_with(config: &SimConfig, filter: FilterKind) -> SimResult {
    let gcc = GccConfig {
        filter,
        ..GccConfig::default()
    };
    sim::run(config, &mut |_| Box::new(Gcc::new(gcc)) as Box<dyn Controller>)
}

fn link(capacity: Capacity) -> LinkConfig {
    LinkConfig {
        capacity,
        queue: QueueLimit::Time(300 * MS),
        one_way_delay: 50 * MS,
        jitter: 0,
        loss: LossModel::None,
    }
}

/// The flow's estimate over time: (seconds, bit/s).
fn estimates(r: &SimResult, flow: usize) -> Vec<(f64, f64)> {
    r.samples
        .iter()
        .filter(|s| s.flow == flow)
        .map(|s| (s.time_s, s.target_bps))
        .collect()
}

/// Seconds after `at` until the estimate first drops to `bps` or below.
fn time_to_fall_below(r: &SimResult, flow: usize, at: f64, bps: f64) -> Option<f64> {
    estimates(r, flow)
        .into_iter()
        .find(|&(t, e)| t > at && e <= bps)
        .map(|(t, _)| t - at)
}

fn mean_estimate(r: &SimResult, flow: usize, from: f64, to: f64) -> f64 {
    let v: Vec<f64> = estimates(r, flow)
        .into_iter()
        .filter(|&(t, _)| t > from && t <= to)
        .map(|x| x.1)
        .collect();
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

#[test]
fn capacity_drop_to_1_mbps_estimate_below_1_2_within_2_s() {
    for filter in [FilterKind::Trendline, FilterKind::Kalman] {
        // 2.5 Mbps for 20 s, then 1 Mbps.
        let c = scenario::custom(link(Capacity::steps(&[(0, 2.5e6), (20 * SEC, 1e6)])), 30 * SEC, 0, None);
        let r = run_with(&c, filter);
        // Start-up: the estimate reaches 80 % of 2.5 Mbps before the drop.
        assert!(
            mean_estimate(&r, 0, 15.0, 20.0) > 0.8 * 2.5e6,
            "{filter:?} ramp: {}",
            mean_estimate(&r, 0, 15.0, 20.0)
        );
        let t = time_to_fall_below(&r, 0, 20.0, 1.2e6);
        assert!(
            t.is_some_and(|t| t <= 2.0),
            "{filter:?}: fell below 1.2 Mbps after {t:?} s"
        );
        // Afterwards it settles near the new capacity, not far under it.
        let m = mean_estimate(&r, 0, 25.0, 30.0);
        assert!((0.6e6..=1.1e6).contains(&m), "{filter:?}: mean estimate 25-30 s {m}");
    }
}

#[test]
fn rfc8867_5_1_phases() {
    let c = scenario::builtin("rfc8867-5.1").unwrap_or_else(|| panic!("scenario"));
    let r = run_with(&c, FilterKind::Trendline);
    let s = metrics::summarize(&r);
    // Phase 1 (1 Mbps): start-up probing then steady near capacity.
    assert!(s.phases[0].steady_utilisation >= 0.85, "{:?}", s.phases[0]);
    // 2.5 -> 0.6 Mbps at 60 s: the estimate falls below 0.72 Mbps (1.2 x) within 2 s.
    let t = time_to_fall_below(&r, 0, 60.0, 0.72e6);
    assert!(t.is_some_and(|t| t <= 2.0), "after {t:?} s");
    // Low delay overall.
    assert!(s.queue_delay_p95_ms <= 100.0, "p95 {}", s.queue_delay_p95_ms);
}

#[test]
fn random_loss_above_10_percent_cuts_the_estimate() {
    let mut l = link(Capacity::constant(2e6));
    l.loss = LossModel::Random(0.2);
    let r = run_with(&scenario::custom(l, 20 * SEC, 0, None), FilterKind::Trendline);
    // 20 % loss: the loss-based controller keeps the rate far under the 2 Mbps capacity.
    let m = mean_estimate(&r, 0, 10.0, 20.0);
    assert!(m < 1.0e6, "mean estimate with 20 % loss {m}");
    let lossless = run_with(
        &scenario::custom(link(Capacity::constant(2e6)), 20 * SEC, 0, None),
        FilterKind::Trendline,
    );
    assert!(mean_estimate(&lossless, 0, 10.0, 20.0) > 1.5e6);
}

#[test]
fn gilbert_elliott_loss_is_bursty_and_deterministic() {
    let mut l = link(Capacity::constant(2e6));
    l.loss = LossModel::GilbertElliott {
        p: 0.01,
        r: 0.3,
        loss_good: 0.0,
        loss_bad: 1.0,
    };
    let c = scenario::custom(l, 10 * SEC, 0, None);
    let a = metrics::summarize(&run_with(&c, FilterKind::Trendline));
    let b = metrics::summarize(&run_with(&c, FilterKind::Trendline));
    // Stationary loss 0.01 / (0.01 + 0.3) = 3.2 %.
    assert!((0.01..0.07).contains(&a.flows[0].loss_rate), "{}", a.flows[0].loss_rate);
    assert_eq!(a.flows[0].loss_rate, b.flows[0].loss_rate);
}

#[test]
fn two_flows_share_fairly() {
    // RFC 8867 5.2 shortened to its first 25 s phase (4 Mbps).
    let mut c = scenario::builtin("rfc8867-5.2").unwrap_or_else(|| panic!("scenario"));
    c.duration = 25 * SEC;
    let s = metrics::summarize(&run_with(&c, FilterKind::Trendline));
    // Over a 25 s horizon GCC flows are not yet equal (the later ramp-up lags); 0.88 measured.
    assert!(s.jain_fairness.is_some_and(|j| j >= 0.85), "{:?}", s.jain_fairness);
    assert!(s.link_utilisation >= 0.6, "{}", s.link_utilisation);
}

#[test]
fn paused_flow_resumes() {
    // RFC 8867 5.8 shortened: the second flow pauses 40-60 s; check it sends again after 60 s.
    let mut c = scenario::builtin("rfc8867-5.8").unwrap_or_else(|| panic!("scenario"));
    c.duration = 70 * SEC;
    let r = run_with(&c, FilterKind::Trendline);
    let sent = |from: f64, to: f64| -> f64 {
        r.samples
            .iter()
            .filter(|s| s.flow == 1 && s.time_s > from && s.time_s <= to)
            .map(|s| s.send_bps)
            .sum()
    };
    assert_eq!(sent(41.0, 59.0), 0.0);
    assert!(sent(61.0, 70.0) > 0.0);
}

#[test]
fn media_keeps_a_share_against_tcp() {
    let c = scenario::custom(link(Capacity::constant(2e6)), 40 * SEC, 0, Some(TcpVariant::Reno));
    let s = metrics::summarize(&run_with(&c, FilterKind::Trendline));
    // Delay-based GCC yields to loss-based TCP (RFC 8867 5.6 expects starvation to be avoided).
    assert!(s.flows[0].avg_recv_bps > 50_000.0, "{:?}", s.flows[0]);
    assert!(s.link_utilisation > 0.8, "{}", s.link_utilisation);
}

#[test]
fn mahimahi_trace_is_served() {
    // Two opportunities per ms: 24 Mbit/s; the media flow is capped at 4 Mbit/s by the encoder.
    let cap = reel::bwe::trace::parse("1\n1\n").unwrap_or_else(|e| panic!("{e}"));
    let r = run_with(&scenario::custom(link(cap), 20 * SEC, 0, None), FilterKind::Trendline);
    assert!(
        mean_estimate(&r, 0, 10.0, 20.0) > 3.0e6,
        "{}",
        mean_estimate(&r, 0, 10.0, 20.0)
    );
}

/// The target on RFC 8867 5.1: utilisation of at least 0.85 in every steady phase, which needs the
/// capacity probes (libwebrtc's controller, and ours without them, ramp at 8 %/s and reach about 0.78 after the
/// 1 -> 2.5 Mbit/s and 0.6 -> 1 Mbit/s steps), with queuing delay p95 within 100 ms.
#[test]
fn rfc8867_5_1_utilisation_target_with_capacity_probing() {
    let c = scenario::builtin("rfc8867-5.1").unwrap_or_else(|| panic!("scenario"));
    let s = metrics::summarize(&run_with(&c, FilterKind::Trendline));
    for p in &s.phases {
        assert!(p.steady_utilisation >= 0.85, "{:?}", s.phases);
    }
    assert!(s.queue_delay_p95_ms <= 100.0, "{}", s.queue_delay_p95_ms);
}

/// Capacity probes measure the bottleneck, not this flow's share of it: with competitors their raises are wrong,
/// and probing backs off after two in a row. RFC 8867 5.4 (three flows joining) kept its queuing delay p95 at
/// 107 ms before the back-off and 65 ms with it.
#[test]
fn capacity_probing_backs_off_when_flows_compete() {
    let c = scenario::builtin("rfc8867-5.4").unwrap_or_else(|| panic!("scenario"));
    let s = metrics::summarize(&run_with(&c, FilterKind::Trendline));
    assert!(s.queue_delay_p95_ms <= 80.0, "{}", s.queue_delay_p95_ms);
    assert!(s.link_utilisation >= 0.85, "{}", s.link_utilisation);
}

/// Reference comparison: the same simulated packets and feedback through the `goog_cc` crate (libwebrtc's
/// GoogCC ported). RFC 8867 5.1 after the first 5 s: each one-second mean of the two estimates stays within
/// 10 % of the other. goog_cc runs with LossBasedBweV2 off, i.e. with the classic loss controller reel
/// implements: with libwebrtc's default V2 the two differ by 11 % for one second after the 60 s drop, where
/// the drop-tail losses make the classic controller cut once more and V2 does not.
#[test]
fn reference_goog_cc_agrees_on_rfc8867_5_1() {
    let c = scenario::builtin("rfc8867-5.1").unwrap_or_else(|| panic!("scenario"));
    // Capacity probing is reel's addition (libwebrtc does not probe while the estimate climbs): off here.
    let gcc = GccConfig {
        capacity_probing: false,
        ..GccConfig::default()
    };
    let ours = sim::run(&c, &mut |_| Box::new(Gcc::new(gcc)) as Box<dyn Controller>);
    let reference = sim::run(&c, &mut |_| {
        Box::new(support::goog_cc_ref::Reference::with_loss_v2(
            gcc.start_bps,
            gcc.min_bps,
            gcc.max_bps,
            false,
        )) as Box<dyn Controller>
    });
    // Every one-second mean of the estimate from 5 s to the end: within 10 % of the reference's.
    let mut worst: (f64, f64) = (0.0, 0.0);
    for t in 5..100 {
        let (a, b) = (t as f64, t as f64 + 1.0);
        let (x, y) = (mean_estimate(&ours, 0, a, b), mean_estimate(&reference, 0, a, b));
        let dev = (x - y).abs() / y;
        if dev > worst.1 {
            worst = (a, dev);
        }
    }
    assert!(
        worst.1 <= 0.10,
        "largest deviation {:.1} % at {} s",
        worst.1 * 100.0,
        worst.0
    );
}

fn reel() -> Command {
    Command::cargo_bin("reel").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn cli_lists_scenarios() {
    let out = reel()
        .args(["analyze-bwe", "--list-scenarios"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "rfc8867-5.1",
        "rfc8867-5.2",
        "rfc8867-5.4",
        "rfc8867-5.5",
        "rfc8867-5.6",
        "rfc8867-5.8",
    ] {
        assert!(text.contains(name), "{name} missing");
    }
}

#[test]
fn cli_errors() {
    let out = reel()
        .args(["analyze-bwe", "--scenario", "nope"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let out = reel()
        .args(["analyze-bwe", "--capacity", "fast"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bogus = dir.path().join("notes.pcap");
    std::fs::write(&bogus, "just some text, not a capture").unwrap_or_else(|e| panic!("{e}"));
    let out = reel()
        .args(["analyze-bwe", "--pcap"])
        .arg(&bogus)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("reel: ") && err.contains("notes.pcap") && err.contains("not a pcap"),
        "{err}"
    );
    let out = reel()
        .args(["analyze-bwe", "--trace", "/nonexistent/trace"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("reel: /nonexistent/trace: "));
}

#[test]
fn cli_writes_series_plot_and_json_summary() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let csv = dir.path().join("s.csv");
    let svg = dir.path().join("p.svg");
    let out = reel()
        .args([
            "--json",
            "analyze-bwe",
            "--steps",
            "0:2M,10:800k",
            "--duration",
            "15",
            "-o",
        ])
        .arg(&csv)
        .arg("--plot")
        .arg(&svg)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["changes"][0]["at_s"], 10.0);
    assert!(v["flows"][0]["queue_delay_p95_ms"].is_number());
    let text = std::fs::read_to_string(&csv).unwrap_or_default();
    assert!(text.starts_with("time_s,flow,capacity_bps,target_bps"));
    assert_eq!(text.lines().count(), 1 + 15 * 20);
    let plot = std::fs::read_to_string(&svg).unwrap_or_default();
    assert!(plot.starts_with("<svg") && plot.contains("Queuing delay") && plot.contains("threshold"));
    let png = dir.path().join("p.png");
    let out = reel()
        .args(["analyze-bwe", "--capacity", "1M", "--duration", "5", "--plot"])
        .arg(&png)
        .output();
    assert!(out.is_ok_and(|o| o.status.success()));
    let img = image::open(&png).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((img.width(), img.height()), (1100, 860));
}

#[test]
fn cli_same_seed_same_series() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut outs = Vec::new();
    for (i, seed) in ["7", "7", "8"].iter().enumerate() {
        let p = dir.path().join(format!("{i}.csv"));
        let ok = reel()
            .args([
                "analyze-bwe",
                "--capacity",
                "1M",
                "--jitter",
                "5ms",
                "--loss",
                "0.01",
                "--duration",
                "5",
            ])
            .args(["--seed", seed, "-o"])
            .arg(&p)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(ok.status.success());
        outs.push(std::fs::read(&p).unwrap_or_default());
    }
    assert_eq!(outs[0], outs[1]);
    assert_ne!(outs[0], outs[2]);
}

#[test]
fn cli_replays_a_capture() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = dir.path().join("rx.pcap");
    let mut cap = reel::bwe::pcap::synth::receiver_capture(10 * MS, 700_000.0, 6);
    // A truncated last record must be counted and skipped.
    cap.truncate(cap.len() - 50);
    std::fs::write(&p, &cap).unwrap_or_else(|e| panic!("{e}"));
    let svg = dir.path().join("replay.svg");
    let csv = dir.path().join("replay.csv");
    let out = reel()
        .args(["--json", "analyze-bwe", "--pcap"])
        .arg(&p)
        .arg("--plot")
        .arg(&svg)
        .arg("-o")
        .arg(&csv)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["counts"]["truncated"], 1);
    assert_eq!(v["mode"], "receiver");
    let fin = v["final_estimate_bps"].as_f64().unwrap_or(0.0);
    assert!(fin > 100_000.0 && fin < 1_200_000.0, "{fin}");
    let plot = std::fs::read_to_string(&svg).unwrap_or_default();
    assert!(plot.contains("received") && plot.contains("estimate"));
    let series = std::fs::read_to_string(&csv).unwrap_or_default();
    assert!(series.starts_with("time_s,estimate_bps,sent_bps,received_bps"));
    assert!(series.lines().count() > 100);
}
