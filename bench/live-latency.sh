#!/usr/bin/env bash
# bench/live-latency.sh: live latency of `reel serve --ingest` on loopback, LL-HLS, two measures:
#
#  1. push → part available: ffmpeg publishes a 30 fps clip in real time (-re) over RTMP; a client does LL-HLS
#     blocking reloads (_HLS_msn/_HLS_part) and, each time a new part is listed, computes the wall clock minus
#     the time the part's last frame was pushed (its segment's EXT-X-PROGRAM-DATE-TIME, which reel sets from the
#     arrival time of the pushed frames, plus the durations of the parts before it in the segment).
#  2. glass-to-glass in a browser: hls.js (low-latency mode) in headless Chromium plays the stream; latency is
#     the wall clock minus hls.playingDate (the push time of the frame on screen, by the same PDT mapping). Then
#     dash.js plays the live MPD; its getCurrentLiveLatency() uses the MPD's availability times, which reel also
#     maps to push times.
#
# Both use reel's mapping from media time to push time (the minimum over received frames of arrival time minus
# timestamp: exact for a publisher that sends in real time, as ffmpeg -re and live encoders do). The decoder and
# compositor delay of the browser after the frame reaches the video element is not included.
#
#   bench/live-latency.sh                # --copy, 2 s segments, 0.5 s parts, 20 s of playback
#   MODE="--ladder ladder-h264" bench/live-latency.sh
#   PLAY=30 PART=0.333 bench/live-latency.sh
# Needs ffmpeg and python3; the browser measure also node, chromium and tests/browser/node_modules (npm ci).
set -euo pipefail

cd "$(dirname "$0")/.."
REEL=${REEL:-target/release/reel}
MODE=${MODE:---copy}
PLAY=${PLAY:-20}
PART=${PART:-0.5}
SEGMENT=${SEGMENT:-2}
[ -x "$REEL" ] || cargo build --release --quiet

work=$(mktemp -d)
reel_pid=""
push_pid=""
cleanup() {
    [ -n "$push_pid" ] && kill "$push_pid" 2>/dev/null || true
    [ -n "$reel_pid" ] && kill "$reel_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ffmpeg -loglevel error -nostdin -y -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440 \
    -t $((PLAY * 2 + 70)) -c:v libx264 -preset ultrafast -b:v 2M -g 30 -c:a aac -b:a 96k "$work/clip.mp4"
mkdir -p "$work/www"
# shellcheck disable=SC2086
"$REEL" -q --json serve "$work/www" --listen 127.0.0.1:0 --ingest rtmp://127.0.0.1:0/live $MODE \
    --segment-duration "$SEGMENT" --part-duration "$PART" > "$work/reel.json" &
reel_pid=$!
for _ in $(seq 100); do [ -s "$work/reel.json" ] && break; sleep 0.05; done
BASE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/reel.json")
RTMP=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ingest"][0].replace("/KEY", "/bench"))' "$work/reel.json")
ffmpeg -loglevel error -nostdin -re -i "$work/clip.mp4" -c copy -f flv "$RTMP" 2>/dev/null &
push_pid=$!
echo "live latency: reel serve $MODE, ${SEGMENT} s segments, ${PART} s parts, 1280x720 30 fps pushed over RTMP"

python3 - "$BASE" "$PLAY" <<'PY'
import sys, time, re, urllib.request, datetime, statistics
base, seconds = sys.argv[1].rstrip("/"), float(sys.argv[2])
deadline = time.time() + 60
while True:
    try:
        # The first (highest) variant of the multivariant playlist.
        master = urllib.request.urlopen(base + "/live/bench/index.m3u8", timeout=10).read().decode()
        variant = [l for l in master.splitlines() if l and not l.startswith("#")][0]
        url = base + "/live/bench/" + variant
        text = urllib.request.urlopen(url, timeout=10).read().decode()
        if "#EXT-X-PART:" in text:
            break
    except Exception:
        pass
    if time.time() > deadline:
        sys.exit("no live playlist after 60 s")
    time.sleep(0.2)
print(f"measured on {url.split('/live/bench/')[1]}")

def newest(text):
    """(msn, part index, push time of the newest part's last frame) from a playlist."""
    seg_date, parts, msn = None, [], None
    for line in text.splitlines():
        if line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            seg_date = datetime.datetime.fromisoformat(line.split(":", 1)[1].replace("Z", "+00:00")).timestamp()
            parts = []
        elif line.startswith("#EXT-X-PART:"):
            d = float(re.search(r"DURATION=([0-9.]+)", line).group(1))
            m = re.search(r'URI="seg(\d+)\.(\d+)\.m4s"', line)
            parts.append(d)
            msn, idx = int(m.group(1)), int(m.group(2))
    return msn, idx, seg_date + sum(parts)

delays = []
msn, idx, _ = newest(text)
end = time.time() + seconds
while time.time() < end:
    want = f"{url}?_HLS_msn={msn}&_HLS_part={idx + 1}"
    text = urllib.request.urlopen(want, timeout=20).read().decode()
    got = time.time()
    m, i, pushed = newest(text)
    if (m, i) > (msn, idx):
        delays.append(got - pushed)
        msn, idx = m, i
delays.sort()
q = lambda p: delays[min(len(delays) - 1, int(p * len(delays)))]
print(f"push -> part listed (blocking reload), {len(delays)} parts: median {statistics.median(delays):.3f} s, "
      f"p90 {q(0.9):.3f} s, max {delays[-1]:.3f} s")
PY

if command -v node >/dev/null && [ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -d tests/browser/node_modules/playwright-core ]; then
    for media in index.m3u8 manifest.mpd; do
        out=$(node tests/browser/live.mjs "$BASE" "/live/bench/$media" "$PLAY" $((PLAY + 60)) || true)
        python3 - "$out" "$media" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
g = r.get("glassToGlass", {})
player = "hls.js (LL-HLS)" if sys.argv[2].endswith(".m3u8") else "dash.js (live DASH, whole segments)"
print(f"glass-to-glass in {player}: median {g.get('median')} s, p90 {g.get('p90')} s, max {g.get('max')} s "
      f"over {g.get('samples')} samples; played {r.get('played', 0):.1f} s with {r.get('stalls')} stalls")
PY
    done
else
    echo "glass-to-glass: skipped (needs node, chromium and npm ci in tests/browser)"
fi
