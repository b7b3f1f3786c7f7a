//! The pipeline graph shared by every subcommand: spec (data model), builder (plan), runtime, and helpers.

pub mod lavfi;
pub mod plan;
pub mod run;
pub mod spec;

pub use plan::{BuildOptions, Plan, build};
pub use run::{PacketSink, RunControl, SinkStream, Stats, Summary, run, run_with_input, run_with_sinks};
pub use spec::GraphSpec;
