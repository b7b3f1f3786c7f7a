//! Signal handling. Batch commands: the first SIGINT finishes the outputs cleanly; a second one (or SIGTERM)
//! aborts and removes the partial files. Servers: the first SIGINT or SIGTERM starts a graceful shutdown; a
//! second one exits at once.

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

/// Registers SIGINT and SIGTERM now (so a signal that arrives before the server's event loop first polls is not
/// lost, nor fatal) and returns a future that completes on the first of them. A second signal exits at once.
pub fn shutdown_on_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(mut signals) => {
            std::thread::spawn(move || {
                let mut first = Some(tx);
                for _ in signals.forever() {
                    match first.take() {
                        Some(tx) => {
                            let _ = tx.send(());
                        }
                        None => {
                            eprintln!("reel: stopped without waiting for open requests");
                            std::process::exit(130);
                        }
                    }
                }
            });
        }
        Err(e) => {
            eprintln!("reel: warning: signals not handled, the server stops only when killed: {e}");
            std::mem::forget(tx);
        }
    }
    async move {
        // The sender only goes away by completing; a missing handler leaves this pending forever.
        let _ = rx.await;
    }
}
