//! Ctrl-C handling: the first SIGINT finishes the outputs cleanly; a second one (or SIGTERM) aborts and
//! removes the partial files.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Starts the signal thread; `stop` is set on the first SIGINT.
pub fn install(stop: Arc<AtomicBool>) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        for sig in signals.forever() {
            if sig == SIGINT && !stop.load(Ordering::SeqCst) {
                stop.store(true, Ordering::SeqCst);
                eprintln!("\nreel: stopping: finishing the outputs (press Ctrl-C again to abort)");
            } else {
                reel::util::atomic::remove_all_pending();
                eprintln!("\nreel: aborted; partial outputs removed");
                std::process::exit(130);
            }
        }
    });
}
