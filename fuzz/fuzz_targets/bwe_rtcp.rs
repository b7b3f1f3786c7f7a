//! Fuzz target: compound RTCP with transport-wide-cc and RFC 8888 feedback.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = reel::bwe::pcap::parse_rtcp(data);
});
