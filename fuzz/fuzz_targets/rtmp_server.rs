//! Fuzz target: the RTMP server state machine (handshake, chunk stream, AMF0 commands) fed arbitrary bytes after a
//! valid handshake, in pieces of varying size, accepting every publish.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reel::net::ingest::rtmp::{Connection, Event};

fuzz_target!(|data: &[u8]| {
    let mut conn = Connection::new();
    let mut hello = vec![3u8];
    hello.extend(std::iter::repeat_n(0u8, 1536 * 2));
    if conn.receive(&hello).is_err() {
        return;
    }
    // The first byte picks the piece size, so chunk boundaries fall everywhere.
    let (size, rest) = match data.split_first() {
        Some((s, r)) => (usize::from(*s).max(1), r),
        None => return,
    };
    for piece in rest.chunks(size) {
        match conn.receive(piece) {
            Ok(events) => {
                for e in events {
                    if let Event::PublishRequested { key, .. } = e {
                        conn.accept_publish(&key);
                    }
                }
                let _ = conn.take_output();
            }
            Err(_) => return,
        }
    }
});
