//! Built-in test scenarios from RFC 8867 (section numbers as names) and the builder for custom links.

use super::sim::{FlowConfig, FlowKind, LinkConfig, LossModel, QueueLimit, SimConfig, TcpVariant};
use super::trace::Capacity;
use super::{MS, SEC, Us};

/// A named built-in scenario.
pub struct ScenarioInfo {
    pub name: &'static str,
    pub description: &'static str,
}

pub const SCENARIOS: &[ScenarioInfo] = &[
    ScenarioInfo {
        name: "rfc8867-5.1",
        description: "variable capacity, one flow: 1 Mbps 0-40 s, 2.5 Mbps 40-60 s, 0.6 Mbps 60-80 s, 1 Mbps 80-100 s",
    },
    ScenarioInfo {
        name: "rfc8867-5.2",
        description: "variable capacity, two flows: 4, 2, 3.5, 1 Mbps for 25 s each",
    },
    ScenarioInfo {
        name: "rfc8867-5.4",
        description: "three flows joining at 0, 20 and 40 s on 3.5 Mbps, 120 s",
    },
    ScenarioInfo {
        name: "rfc8867-5.5",
        description: "round-trip fairness: five flows, one-way delays 10-150 ms, joining 10 s apart, 4 Mbps, 300 s",
    },
    ScenarioInfo {
        name: "rfc8867-5.6",
        description: "one media flow against a long TCP (CUBIC) flow on 2 Mbps, 120 s",
    },
    ScenarioInfo {
        name: "rfc8867-5.8",
        description: "two flows on 3.5 Mbps; the second pauses 40-60 s and resumes, 120 s",
    },
];

/// Media flows may use up to this rate (RFC 8868 leaves it to the codec; high enough not to cap utilisation).
pub const MEDIA_MAX_BPS: f64 = 4_000_000.0;

fn media(name: &str, start: Us, stop: Option<Us>) -> FlowConfig {
    FlowConfig {
        name: name.into(),
        kind: FlowKind::Media { max_bps: MEDIA_MAX_BPS },
        start,
        stop,
        pauses: Vec::new(),
        extra_delay: 0,
    }
}

fn link(capacity: Capacity, one_way_delay: Us) -> LinkConfig {
    LinkConfig {
        capacity,
        queue: QueueLimit::Time(300 * MS),
        one_way_delay,
        jitter: 0,
        loss: LossModel::None,
    }
}

fn config(link: LinkConfig, flows: Vec<FlowConfig>, duration: Us) -> SimConfig {
    SimConfig {
        link,
        flows,
        duration,
        seed: 1,
        feedback_interval: 50 * MS,
        sample_interval: 50 * MS,
    }
}

/// The scenario called `name`, or `None`.
pub fn builtin(name: &str) -> Option<SimConfig> {
    let s = SEC;
    let name = name.strip_prefix("rfc8867-").unwrap_or(name);
    Some(match name {
        "5.1" => config(
            link(
                Capacity::steps(&[(0, 1e6), (40 * s, 2.5e6), (60 * s, 0.6e6), (80 * s, 1e6)]),
                50 * MS,
            ),
            vec![media("media-1", 0, None)],
            100 * s,
        ),
        "5.2" => config(
            link(
                Capacity::steps(&[(0, 4e6), (25 * s, 2e6), (50 * s, 3.5e6), (75 * s, 1e6)]),
                50 * MS,
            ),
            vec![media("media-1", 0, None), media("media-2", 0, None)],
            100 * s,
        ),
        "5.4" => config(
            link(Capacity::constant(3.5e6), 50 * MS),
            vec![
                media("media-1", 0, None),
                media("media-2", 20 * s, None),
                media("media-3", 40 * s, None),
            ],
            120 * s,
        ),
        "5.5" => {
            let delays = [10, 25, 50, 100, 150];
            let flows = delays
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let mut f = media(&format!("media-{}-owd{d}ms", i + 1), i as Us * 10 * s, None);
                    f.extra_delay = d * MS;
                    f
                })
                .collect();
            config(link(Capacity::constant(4e6), 0), flows, 300 * s)
        }
        "5.6" => config(
            link(Capacity::constant(2e6), 50 * MS),
            vec![
                media("media-1", 0, None),
                FlowConfig {
                    name: "tcp-cubic".into(),
                    kind: FlowKind::Tcp(TcpVariant::Cubic),
                    start: 5 * s,
                    stop: None,
                    pauses: Vec::new(),
                    extra_delay: 0,
                },
            ],
            120 * s,
        ),
        "5.8" => {
            let mut second = media("media-2", 0, None);
            second.pauses.push((40 * s, 60 * s));
            config(
                link(Capacity::constant(3.5e6), 50 * MS),
                vec![media("media-1", 0, None), second],
                120 * s,
            )
        }
        _ => return None,
    })
}

/// A single media flow over a custom link (what the command line builds when no scenario is named).
pub fn custom(link: LinkConfig, duration: Us, competing_media: usize, tcp: Option<TcpVariant>) -> SimConfig {
    let mut flows = vec![media("media-1", 0, None)];
    for i in 0..competing_media {
        flows.push(media(&format!("media-{}", i + 2), 0, None));
    }
    if let Some(v) = tcp {
        flows.push(FlowConfig {
            name: format!("tcp-{}", if v == TcpVariant::Cubic { "cubic" } else { "reno" }),
            kind: FlowKind::Tcp(v),
            start: 0,
            stop: None,
            pauses: Vec::new(),
            extra_delay: 0,
        });
    }
    config(link, flows, duration)
}
