#!/usr/bin/env bash
# bench/probe.sh: time `reel probe --json` (one run, all files) against ffprobe (one run per file, same fields).
#
# Inputs: testdata/ fixtures and ../shared/media (or $REEL_SHARED/media; skipped, saying so, when absent). Prints both times and the
# ratio reel/ffprobe (target <= 1.0). Each side runs ROUNDS times (default 5) and the best round counts.
set -euo pipefail
cd "$(dirname "$0")/.."
REEL=${REEL:-target/release/reel}
ROUNDS=${ROUNDS:-5}
[ -x "$REEL" ] || cargo build --release --locked

files=()
for f in testdata/*; do
    case "$f" in *.sh | *.md) continue ;; esac
    files+=("$f")
done
SHARED=${REEL_SHARED:-../shared}
if [ -d "$SHARED/media" ]; then
    for f in "$SHARED"/media/*; do [ -f "$f" ] && files+=("$f"); done
else
    echo "bench: $SHARED/media not present, timing testdata only"
fi

now() { date +%s.%N; }
best() { sort -g | head -1; }

reel_times=()
ffprobe_times=()
for _ in $(seq "$ROUNDS"); do
    t0=$(now)
    "$REEL" --json probe "${files[@]}" > /dev/null
    t1=$(now)
    for f in "${files[@]}"; do
        ffprobe -v error -show_format -show_streams -of json "$f" > /dev/null
    done
    t2=$(now)
    reel_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
    ffprobe_times+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')")
done
reel_best=$(printf '%s\n' "${reel_times[@]}" | best)
ffprobe_best=$(printf '%s\n' "${ffprobe_times[@]}" | best)
ratio=$(awk -v a="$reel_best" -v b="$ffprobe_best" 'BEGIN { print a / b }')
printf 'files: %d, rounds: %d (best round counts)\n' "${#files[@]}" "$ROUNDS"
printf 'reel probe --json (one run): %.3f s\n' "$reel_best"
printf 'ffprobe (one run per file):  %.3f s\n' "$ffprobe_best"
printf 'ratio reel/ffprobe: %.2f (target <= 1.0)\n' "$ratio"
