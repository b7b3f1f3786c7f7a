//! Runs reel's GCC and the `goog_cc` reference on the same simulated link and prints both summaries:
//! `cargo run --release --example bwe_reference -- SCENARIO|TRACE [SECONDS]` (used by bench/bwe.sh).

#[path = "../tests/support/goog_cc_ref.rs"]
mod goog_cc_ref;

use reel::bwe::gcc::{Controller, Gcc, GccConfig};
use reel::bwe::sim::{FlowKind, LinkConfig, LossModel, QueueLimit};
use reel::bwe::{MS, SEC, metrics, scenario, sim, trace};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(what) = args.next() else {
        eprintln!("usage: bwe_reference SCENARIO|TRACE [SECONDS]");
        std::process::exit(2);
    };
    let secs: Option<i64> = args.next().and_then(|s| s.parse().ok());
    let mut config = match scenario::builtin(&what) {
        Some(c) => c,
        None => match trace::load(std::path::Path::new(&what)) {
            Ok(capacity) => {
                let link = LinkConfig {
                    capacity,
                    queue: QueueLimit::Time(300 * MS),
                    one_way_delay: 50 * MS,
                    jitter: 0,
                    loss: LossModel::None,
                };
                let mut c = scenario::custom(link, 60 * SEC, 0, None);
                // Cellular traces reach tens of Mbit/s: let the encoder follow the estimate up to 20 Mbit/s.
                for f in &mut c.flows {
                    f.kind = FlowKind::Media { max_bps: 20e6 };
                }
                c
            }
            Err(e) => {
                eprintln!("reel: {what}: {e}");
                std::process::exit(1);
            }
        },
    };
    if let Some(s) = secs {
        config.duration = s * SEC;
    }
    // The libwebrtc-faithful controller: without reel's capacity probing, which goog_cc does not have.
    let mut gcc = GccConfig {
        capacity_probing: false,
        ..GccConfig::default()
    };
    if std::env::var_os("BWE_BAYESIAN").is_some() {
        gcc.throughput = reel::bwe::gcc::Throughput::Bayesian;
    }
    let ours = sim::run(&config, &mut |_| Box::new(Gcc::new(gcc)) as Box<dyn Controller>);
    let reference = sim::run(&config, &mut |_| {
        Box::new(goog_cc_ref::Reference::new(gcc.start_bps, gcc.min_bps, gcc.max_bps)) as Box<dyn Controller>
    });
    if std::env::var_os("BWE_DUMP").is_some() {
        // Per-second estimates of flow 0, side by side.
        for (a, b) in ours.samples.iter().zip(&reference.samples).filter(|(a, _)| a.flow == 0) {
            if std::env::var_os("BWE_DUMP").is_some_and(|v| v == "all") || (a.time_s * 20.0).round() as i64 % 20 == 0 {
                println!(
                    "{:>6.1} s capacity {:>6.0} reel {:>6.0} goog_cc {:>6.0} kbps",
                    a.time_s,
                    a.capacity_bps / 1e3,
                    a.target_bps / 1e3,
                    b.target_bps / 1e3
                );
            }
        }
    }
    for (name, r) in [("reel", &ours), ("goog_cc", &reference)] {
        let s = metrics::summarize(r);
        println!(
            "{name:<8} utilisation {:.3}  queuing delay p50 {:.1} ms  p95 {:.1} ms  loss {:.2} %",
            s.link_utilisation,
            s.queue_delay_p50_ms,
            s.queue_delay_p95_ms,
            s.flows.first().map_or(0.0, |f| f.loss_rate * 100.0)
        );
        for p in &s.phases {
            println!(
                "         phase {:>5.1}-{:<5.1} s capacity {:>6.0} kbps utilisation {:.3}",
                p.start_s,
                p.end_s,
                p.capacity_bps / 1000.0,
                p.steady_utilisation
            );
        }
    }
}
