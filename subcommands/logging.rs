//! Log set-up: `tracing` to stderr, level from -v/-q (or RUST_LOG), no timestamps unless -vv.

use crate::GlobalOpts;
use tracing_subscriber::EnvFilter;

/// Installs the stderr logger for this process.
pub fn init(global: &GlobalOpts) {
    let level = if global.quiet {
        "error"
    } else {
        match global.verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    let filter =
        EnvFilter::try_from_env("REEL_LOG").unwrap_or_else(|_| EnvFilter::new(format!("reel={level},{level}")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(global.verbose >= 2);
    if global.verbose >= 2 {
        builder.init();
    } else {
        builder.without_time().init();
    }
}
