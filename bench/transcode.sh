#!/usr/bin/env bash
# Transcode benchmarks: reel against ffmpeg on the same input in one run, printing wall-time, size, PSNR and
# peak-memory ratios (issue 3 targets: 1080p CRF 23 veryfast <= 1.03x wall, size/PSNR within 0.5 %; a
# four-rung ladder faster than four ffmpeg runs and within 1.05x of one ffmpeg `split`; copy within 1.1x).
# Usage: bench/transcode.sh [SECONDS]   (default 10 s of 1080p; longer runs are less noisy)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
OUT=bench/out/transcode
mkdir -p "$OUT"
cargo build --release --quiet
REEL=target/release/reel
SRC=$OUT/src-1080p.mp4
if [ ! -f "$SRC" ]; then
  echo "making a ${SECS}s 1080p H.264 source (testsrc2 with noise, so the encoder has real work)..."
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30,noise=alls=12:allf=t" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$SECS" \
    -c:v libx264 -preset fast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 128k "$SRC"
fi

# wall seconds and peak RSS (kB) of a command
measure() {
  local t0 t1 rss
  t0=$(date +%s.%N)
  rss=$( { /usr/bin/time -f "%M" "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -1 )
  /usr/bin/time -f "%M" -o "$OUT/rss" "$@" >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc) $(cat "$OUT/rss")"
}
# One timed run (time measured around a single execution).
timed() {
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$OUT/rss" "$@" >/dev/null 2>"$OUT/log" || { cat "$OUT/log"; exit 1; }
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc) $(tail -1 "$OUT/rss")"
}
psnr() { ffmpeg -v info -nostats -i "$1" -i "$SRC" -lavfi "[0:v]setpts=PTS-STARTPTS[a];[1:v]setpts=PTS-STARTPTS[b];[a][b]psnr" -f null - 2>&1 | grep -o 'average:[0-9.inf]*' | tail -1 | cut -d: -f2; }
ratio() { echo "scale=3; $1 / $2" | bc; }

echo "== 1080p H.264 CRF 23 veryfast (+ AAC 128k)"
read -r rt rm < <(timed $REEL transcode "$SRC" -o "$OUT/reel.mp4" --crf 23 --speed veryfast --abitrate 128k -y -q)
read -r ft fm < <(timed ffmpeg -v error -y -i "$SRC" -c:v libx264 -crf 23 -preset veryfast -c:a aac -b:a 128k "$OUT/ffmpeg.mp4")
rs=$(stat -c %s "$OUT/reel.mp4"); fs=$(stat -c %s "$OUT/ffmpeg.mp4")
rp=$(psnr "$OUT/reel.mp4"); fp=$(psnr "$OUT/ffmpeg.mp4")
echo "reel   ${rt}s  ${rs} B  PSNR ${rp}  peak ${rm} kB"
echo "ffmpeg ${ft}s  ${fs} B  PSNR ${fp}  peak ${fm} kB"
echo "wall ratio $(ratio "$rt" "$ft")  size ratio $(ratio "$rs" "$fs")  peak-memory ratio $(ratio "$rm" "$fm")"

echo "== four-rung ladder 1080/720/480/360 in one process"
read -r rt _ < <(timed $REEL transcode "$SRC" --speed veryfast --acodec none \
  -o "$OUT/r1080.mp4" --vf scale=-2:1080 -o "$OUT/r720.mp4" --vf scale=-2:720 \
  -o "$OUT/r480.mp4" --vf scale=-2:480 -o "$OUT/r360.mp4" --vf scale=-2:360 -y -q)
t0=$(date +%s.%N)
for h in 1080 720 480 360; do
  ffmpeg -v error -y -i "$SRC" -an -vf "scale=-2:$h" -c:v libx264 -preset veryfast "$OUT/f$h.mp4"
done
t1=$(date +%s.%N); sep=$(echo "$t1 - $t0" | bc)
read -r st _ < <(timed ffmpeg -v error -y -i "$SRC" -filter_complex \
  "[0:v]split=4[a][b][c][d];[a]scale=-2:1080[o1];[b]scale=-2:720[o2];[c]scale=-2:480[o3];[d]scale=-2:360[o4]" \
  -map "[o1]" -c:v libx264 -preset veryfast "$OUT/s1080.mp4" -map "[o2]" -c:v libx264 -preset veryfast "$OUT/s720.mp4" \
  -map "[o3]" -c:v libx264 -preset veryfast "$OUT/s480.mp4" -map "[o4]" -c:v libx264 -preset veryfast "$OUT/s360.mp4")
echo "reel ${rt}s  four ffmpeg runs ${sep}s  one ffmpeg split ${st}s"
echo "ratio vs four runs $(ratio "$rt" "$sep")  ratio vs split $(ratio "$rt" "$st")"

echo "== stream copy mp4 -> mkv"
read -r rt rm < <(timed $REEL transcode "$SRC" -o "$OUT/copy.mkv" --vcodec copy --acodec copy -y -q)
read -r ft fm < <(timed ffmpeg -v error -y -i "$SRC" -c copy "$OUT/copy-ff.mkv")
echo "reel ${rt}s peak ${rm} kB  ffmpeg ${ft}s peak ${fm} kB"
echo "wall ratio $(ratio "$rt" "$ft")  peak-memory ratio $(ratio "$rm" "$fm")"
