//! Fuzz target: the RTP header and header-extension parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = reel::bwe::pcap::parse_rtp(data);
});
