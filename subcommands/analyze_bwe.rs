//! `reel analyze-bwe`: run the GCC bandwidth estimator over a simulated link (RFC 8867 scenario, capacity,
//! steps or trace) or replay it over a packet capture; print RFC 8868 metrics, write series and plots.

use anyhow::{Context, bail};
use reel::bwe::gcc::delay::FilterKind;
use reel::bwe::gcc::{Controller, Gcc, GccConfig, Throughput};
use reel::bwe::sim::{LinkConfig, LossModel, QueueLimit, SimConfig, TcpVariant};
use reel::bwe::{MS, SEC, Us, metrics, output, pcap, scenario, trace};
use reel::util::atomic::AtomicPath;
use reel::util::time::{parse_bitrate, parse_duration};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Estimator {
    /// libwebrtc's GCC with the trendline filter.
    Gcc,
    /// draft-ietf-rmcat-gcc-02: the Kalman filter of the delay gradient.
    GccKalman,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A built-in scenario (see --list-scenarios).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["capacity", "steps", "trace", "pcap"])]
    pub scenario: Option<String>,
    /// List the built-in scenarios and exit.
    #[arg(long)]
    pub list_scenarios: bool,
    /// Constant bottleneck capacity, e.g. 2.5M.
    #[arg(long, value_name = "RATE", conflicts_with_all = ["steps", "trace"])]
    pub capacity: Option<String>,
    /// Capacity steps as SECONDS:RATE pairs, e.g. 0:1M,40:2.5M,60:600k.
    #[arg(long, value_name = "STEPS", conflicts_with = "trace")]
    pub steps: Option<String>,
    /// A capacity trace: Mahimahi, "seconds Mbps" lines or AlphaRTC JSON.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Replay the estimator over a pcap/pcapng capture of RTP (transport-wide-cc or abs-send-time).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// Simulated time (default: the scenario's, or 60 s).
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// One-way propagation delay [default: 50ms; with --scenario, overrides the scenario's].
    #[arg(long, value_name = "DURATION")]
    pub delay: Option<String>,
    /// Uniform jitter added to the propagation delay [default: 0].
    #[arg(long, value_name = "DURATION")]
    pub jitter: Option<String>,
    /// Bottleneck queue: a time (300ms) or a size in bytes (64000B, 64KB) [default: 300ms].
    #[arg(long, value_name = "SIZE")]
    pub queue: Option<String>,
    /// Random loss fraction (0-1).
    #[arg(long, value_name = "FRACTION")]
    pub loss: Option<f64>,
    /// Gilbert-Elliott loss: P(good->bad),P(bad->good)[,loss in bad state], e.g. 0.01,0.3,0.5.
    #[arg(long, value_name = "P,R[,LOSS]", conflicts_with = "loss")]
    pub gilbert: Option<String>,
    /// Extra media flows with the same estimator sharing the bottleneck.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub competing: usize,
    /// A competing bulk TCP flow.
    #[arg(long, value_enum, value_name = "VARIANT")]
    pub tcp: Option<TcpArg>,
    /// The estimator.
    #[arg(long, value_enum, default_value_t = Estimator::Gcc)]
    pub estimator: Estimator,
    /// Acknowledged-throughput estimator: libwebrtc's robust packet window, or the Bayesian 150 ms windows.
    #[arg(long, value_enum, default_value_t = ThroughputArg::Robust)]
    pub throughput: ThroughputArg,
    /// Turn off reel's capacity probing (a probe at twice the estimate after 5 s of steady increase), which
    /// leaves the controller as libwebrtc runs it.
    #[arg(long = "no-capacity-probing")]
    pub no_capacity_probing: bool,
    /// Start bit rate of the estimator.
    #[arg(long, value_name = "RATE", default_value = "300k")]
    pub start_rate: String,
    /// Transport feedback interval (50-100 ms in browsers).
    #[arg(long, value_name = "DURATION", default_value = "50ms")]
    pub feedback_interval: String,
    /// Seed of the simulation's random draws.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the time series: .csv or .json.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write a plot: .svg or .png.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ThroughputArg {
    Robust,
    Bayesian,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TcpArg {
    Reno,
    Cubic,
}

fn usage(msg: String) -> anyhow::Error {
    anyhow::Error::new(crate::Usage(msg))
}

fn dur(s: &str, what: &str) -> anyhow::Result<Us> {
    let secs = parse_duration(s).map_err(|e| usage(format!("--{what}: {e}")))?;
    Ok((secs * SEC as f64) as Us)
}

fn rate(s: &str, what: &str) -> anyhow::Result<f64> {
    Ok(parse_bitrate(s).map_err(|e| usage(format!("--{what}: {e}")))? as f64)
}

fn write_out(path: &Path, data: &[u8], overwrite: bool) -> anyhow::Result<()> {
    let out = AtomicPath::new(path, overwrite).with_context(|| path.display().to_string())?;
    std::fs::write(out.temp(), data).with_context(|| path.display().to_string())?;
    out.commit().with_context(|| path.display().to_string())?;
    Ok(())
}

pub fn run(args: Args, global: &crate::GlobalOpts) -> anyhow::Result<()> {
    if args.list_scenarios {
        for s in scenario::SCENARIOS {
            println!("{:<14} {}", s.name, s.description);
        }
        return Ok(());
    }
    // Check output names before spending time on a run.
    let ext = |p: &PathBuf| p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if let Some(o) = &args.output
        && !matches!(ext(o).as_deref(), Some("csv" | "json"))
    {
        bail!(usage(format!("-o: {}: use a .csv or .json name", o.display())));
    }
    if let Some(p) = &args.plot
        && !matches!(ext(p).as_deref(), Some("svg" | "png"))
    {
        bail!(usage(format!("--plot: {}: use an .svg or .png name", p.display())));
    }
    let filter = match args.estimator {
        Estimator::Gcc => FilterKind::Trendline,
        Estimator::GccKalman => FilterKind::Kalman,
    };
    let throughput = match args.throughput {
        ThroughputArg::Robust => Throughput::Robust,
        ThroughputArg::Bayesian => Throughput::Bayesian,
    };
    let gcc = GccConfig {
        throughput,
        filter,
        start_bps: rate(&args.start_rate, "start-rate")?,
        capacity_probing: !args.no_capacity_probing,
        ..GccConfig::default()
    };
    if let Some(p) = &args.pcap {
        let data = std::fs::read(p).with_context(|| p.display().to_string())?;
        let replay = pcap::replay(&data, gcc).with_context(|| p.display().to_string())?;
        if let Some(o) = &args.output {
            let text = if ext(o).as_deref() == Some("json") {
                serde_json::to_string(&replay.samples)?
            } else {
                pcap::series_csv(&replay.samples)
            };
            write_out(o, text.as_bytes(), global.overwrite)?;
        }
        if let Some(plot) = &args.plot {
            let title = format!("replay of {}", p.display());
            let bytes = if ext(plot).as_deref() == Some("png") {
                output::replay_png(&replay.samples, &title).with_context(|| plot.display().to_string())?
            } else {
                output::replay_svg(&replay.samples, &title).into_bytes()
            };
            write_out(plot, &bytes, global.overwrite)?;
        }
        if global.json {
            println!("{}", serde_json::to_string_pretty(&replay.summary)?);
        } else {
            print!("{}", pcap::summary_text(&replay.summary));
        }
        return Ok(());
    }
    let queue = match args.queue.as_deref() {
        None => None,
        Some(q) => Some(if let Some(b) = q.strip_suffix("KB") {
            QueueLimit::Bytes(
                b.trim()
                    .parse::<i64>()
                    .map_err(|_| usage(format!("--queue: bad size '{}'", q)))?
                    * 1000,
            )
        } else if let Some(b) = q.strip_suffix('B') {
            QueueLimit::Bytes(
                b.trim()
                    .parse()
                    .map_err(|_| usage(format!("--queue: bad size '{}'", q)))?,
            )
        } else {
            QueueLimit::Time(dur(q, "queue")?)
        }),
    };
    let loss = match (&args.loss, &args.gilbert) {
        (Some(l), _) if (0.0..=1.0).contains(l) => LossModel::Random(*l),
        (Some(_), _) => bail!(usage("--loss: must be between 0 and 1".into())),
        (None, Some(g)) => {
            let v: Vec<f64> = g
                .split(',')
                .map(|x| x.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| usage(format!("--gilbert: '{g}' is not P,R[,LOSS]")))?;
            if v.len() < 2 || v.iter().any(|x| !(0.0..=1.0).contains(x)) {
                bail!(usage(format!("--gilbert: '{g}' is not P,R[,LOSS] with values in 0-1")));
            }
            LossModel::GilbertElliott {
                p: v[0],
                r: v[1],
                loss_good: 0.0,
                loss_bad: v.get(2).copied().unwrap_or(1.0),
            }
        }
        (None, None) => LossModel::None,
    };
    let loss_given = args.loss.is_some() || args.gilbert.is_some();
    let delay = args.delay.as_deref().map(|d| dur(d, "delay")).transpose()?;
    let jitter = args.jitter.as_deref().map(|d| dur(d, "jitter")).transpose()?;
    let mut config: SimConfig = if let Some(name) = &args.scenario {
        let mut c = scenario::builtin(name)
            .ok_or_else(|| usage(format!("--scenario: unknown scenario '{name}' (see --list-scenarios)")))?;
        if let Some(q) = queue {
            c.link.queue = q;
        }
        if let Some(d) = delay {
            c.link.one_way_delay = d;
        }
        if let Some(j) = jitter {
            c.link.jitter = j;
        }
        if loss_given {
            c.link.loss = loss;
        }
        c
    } else {
        let capacity = if let Some(t) = &args.trace {
            trace::load(t).with_context(|| t.display().to_string())?
        } else if let Some(s) = &args.steps {
            let mut steps = Vec::new();
            for part in s.split(',') {
                let (t, r) = part
                    .split_once(':')
                    .ok_or_else(|| usage(format!("--steps: '{part}' is not SECONDS:RATE")))?;
                steps.push((dur(t, "steps")?, rate(r, "steps")?));
            }
            trace::Capacity::steps(&steps)
        } else {
            trace::Capacity::constant(rate(args.capacity.as_deref().unwrap_or("2.5M"), "capacity")?)
        };
        let link = LinkConfig {
            capacity,
            queue: queue.unwrap_or(QueueLimit::Time(300 * MS)),
            one_way_delay: delay.unwrap_or(50 * MS),
            jitter: jitter.unwrap_or(0),
            loss,
        };
        let tcp = args.tcp.map(|t| {
            if t == TcpArg::Reno {
                TcpVariant::Reno
            } else {
                TcpVariant::Cubic
            }
        });
        scenario::custom(link, 60 * SEC, args.competing, tcp)
    };
    if let Some(d) = &args.duration {
        config.duration = dur(d, "duration")?.max(MS);
    }
    config.seed = args.seed;
    config.feedback_interval = dur(&args.feedback_interval, "feedback-interval")?.clamp(5 * MS, SEC);
    let result = reel::bwe::sim::run(&config, &mut |_| Box::new(Gcc::new(gcc)) as Box<dyn Controller>);
    let summary = metrics::summarize(&result);
    if let Some(o) = &args.output {
        let text = match ext(o).as_deref() {
            Some("json") => output::series_json(&result.samples),
            Some("csv") => output::series_csv(&result.samples),
            _ => bail!(usage(format!("-o: {}: use a .csv or .json name", o.display()))),
        };
        write_out(o, text.as_bytes(), global.overwrite)?;
    }
    if let Some(p) = &args.plot {
        let title = args.scenario.clone().unwrap_or_else(|| "analyze-bwe".into());
        match ext(p).as_deref() {
            Some("svg") => write_out(p, output::plot_svg(&result, &title).as_bytes(), global.overwrite)?,
            Some("png") => {
                let png = output::plot_png(&result, &title).with_context(|| p.display().to_string())?;
                write_out(p, &png, global.overwrite)?
            }
            _ => bail!(usage(format!("--plot: {}: use an .svg or .png name", p.display()))),
        }
    }
    if global.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", metrics::to_text(&summary));
    }
    Ok(())
}
