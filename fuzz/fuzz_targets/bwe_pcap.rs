//! Fuzz target: the pcap/pcapng reader, link-layer/IP/UDP decoding and the whole estimator replay.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((records, _)) = reel::bwe::pcap::read_capture(data) {
        for r in &records {
            let _ = reel::bwe::pcap::udp_payload(r.link_type, r.data);
        }
    }
    let _ = reel::bwe::pcap::replay(data, reel::bwe::gcc::GccConfig::default());
});
