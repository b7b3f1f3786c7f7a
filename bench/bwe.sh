#!/usr/bin/env bash
# bench/bwe.sh: the analyze-bwe targets. Builds release, then prints
#  - RFC 8867 5.1 (50 ms one-way delay): utilisation per steady phase (target >= 0.85), queuing delay p95
#    (<= 100 ms), time for the estimate to fall below the new capacity after each drop (<= 2 s);
#  - the Mahimahi LTE traces in ../shared/bwe: utilisation and p95 queuing delay, reel beside the goog_cc
#    reference on the same simulated link;
#  - CPU time for 100 s of simulated 2.5 Mbit/s media (target < 1 s).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin reel --example bwe_reference
REEL=target/release/reel
REF=target/release/examples/bwe_reference

echo "== RFC 8867 5.1, 50 ms one-way delay, 300 ms queue"
"$REEL" --json analyze-bwe --scenario rfc8867-5.1 | jq -r '
  (.phases[] | "phase \(.start_s)-\(.end_s) s  capacity \(.capacity_bps/1000) kbps  steady utilisation \(.steady_utilisation*1000|round/1000)  (target >= 0.85: \(if .steady_utilisation >= 0.85 then "ok" else "MISSED" end))"),
  "queuing delay p95 \(.queue_delay_p95_ms*10|round/10) ms  (target <= 100: \(if .queue_delay_p95_ms <= 100 then "ok" else "MISSED" end))",
  (.changes[] | select(.to_bps < .from_bps) | "drop at \(.at_s) s to \(.to_bps/1000) kbps: estimate below it after \(if .below_new_capacity_s then (.below_new_capacity_s*100|round/100) else "never" end) s  (target <= 2: \(if (.below_new_capacity_s // 99) <= 2 then "ok" else "MISSED" end))")'

echo "-- without reel's capacity probing (--no-capacity-probing, the controller as libwebrtc runs it):"
"$REEL" --json analyze-bwe --scenario rfc8867-5.1 --no-capacity-probing |
  jq -r '"steady utilisation per phase: \([.phases[].steady_utilisation*1000|round/1000] | join(" "))  queuing delay p95 \(.queue_delay_p95_ms*10|round/10) ms"'
echo "-- the same scenario through reel (no capacity probing) and the goog_cc reference (steady part of each phase):"
"$REF" rfc8867-5.1

echo
echo "== Mahimahi LTE traces (60 s each, 50 ms one-way delay, 300 ms queue): reel vs goog_cc reference"
SHARED=${SHARED_DIR:-../shared}/bwe/mahimahi
if [ -d "$SHARED" ]; then
  for t in "$SHARED"/*LTE*; do
    echo "-- $(basename "$t")"
    "$REF" "$t" 60 | grep -v phase
  done
else
  echo "skipped: $SHARED not found"
fi

echo
echo "== CPU time: 100 s of simulated 2.5 Mbit/s media (target < 1 s)"
/usr/bin/time -f "user %U s, system %S s" "$REEL" analyze-bwe --capacity 2.5M --duration 100 >/dev/null
