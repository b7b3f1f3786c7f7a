//! Fuzz target: arbitrary bytes through the whole probe path (open, describe, scan, decode every frame).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Errors are the expected outcome for most inputs; a crash, hang or panic is the bug.
    let _ = reel::probe::exercise_bytes(data);
});
