#!/usr/bin/env bash
# Frame-interpolation benchmark: reel interpolate against ffmpeg minterpolate (mci/aobmc/bidir) and plain
# frame averaging, on the same inputs with the same protocol.
#   triplets: ../shared/vfi/{middlebury_others,ucf101}: middle frame from its neighbours, RGB PSNR vs truth
#   videos:   ../shared/media/{bikes.mp4,shaka-opus-h264.ts}: drop every other frame, interpolate them back,
#             PSNR (YUV, all planes) of the dropped frames only
#   speed:    ms per interpolated frame at 960x540 (2x frame rate) for both tools
# Usage: bench/interpolate.sh [triplets|videos|speed|all] (default all). QUALITY=fast|balanced|best.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
[ -d "$SHARED/vfi" ] || { echo "skip: $SHARED/vfi not found"; exit 0; }
REEL=${REEL:-target/release/reel}
[ -x "$REEL" ] || cargo build --release --quiet
QUALITY=${QUALITY:-balanced}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
MI="minterpolate=mi_mode=mci:mc_mode=aobmc:me_mode=bidir"
what=${1:-all}

# RGB PSNR of two images (ffmpeg's psnr filter on rgb24: the mean over R, G and B).
psnr_rgb() {
  ffmpeg -hide_banner -nostdin -i "$1" -i "$2" \
    -lavfi "[0]format=rgb24[a];[1]format=rgb24[b];[a][b]psnr" -f null - 2>&1 |
    sed -n 's/.*average:\([0-9.inf]*\).*/\1/p'
}
# CPU time (user + sys, ms) of a command: on a shared, loaded machine wall time mostly measures the other
# users; CPU time does not. reel runs on 2 threads, so its CPU time is an upper bound of its 2-core wall
# time; minterpolate is single-threaded, so its CPU time is its wall time on an idle core.
# The wall time of the same run is kept for wall_ms: on an idle 2-core machine it is the issue's "on 2 cores".
cpu_ms() {
  /usr/bin/time -f "%U %S %e" -o "$WORK/time.txt" "$@"
  awk '{printf "%d", ($1 + $2) * 1000}' "$WORK/time.txt"
}
# Wall time (ms) of the last command cpu_ms ran.
wall_ms() { awk '{printf "%d", $3 * 1000}' "$WORK/time.txt"; }
mean() { awk '{s+=$1; n++} END {if (n) printf "%.2f", s/n; else print "nan"}'; }

triplet_set() { # name, then lines "A B GT" on stdin
  local name=$1 i=0 reel_ms=0 mi_ms=0
  : >"$WORK/reel.txt"; : >"$WORK/mi.txt"; : >"$WORK/avg.txt"
  while read -r a b gt; do
    i=$((i + 1))
    reel_ms=$((reel_ms + $(cpu_ms "$REEL" -q interpolate "$a" "$b" -o "$WORK/reel.png" -y --quality "$QUALITY")))
    psnr_rgb "$WORK/reel.png" "$gt" >>"$WORK/reel.txt"
    # minterpolate needs a frame after B to emit the midpoint: the sequence is A, B, B at 1 fps, made 2 fps.
    mkdir -p "$WORK/seq" && cp "$a" "$WORK/seq/0.png" && cp "$b" "$WORK/seq/1.png" && cp "$b" "$WORK/seq/2.png"
    mi_ms=$((mi_ms + $(cpu_ms ffmpeg -hide_banner -nostdin -loglevel error -y -framerate 1 -i "$WORK/seq/%d.png" \
      -vf "$MI:fps=2,select=eq(n\,1)" -frames:v 1 "$WORK/mi.png")))
    psnr_rgb "$WORK/mi.png" "$gt" >>"$WORK/mi.txt"
    ffmpeg -hide_banner -nostdin -loglevel error -y -i "$a" -i "$b" -filter_complex "[0][1]blend=all_mode=average" \
      "$WORK/avg.png"
    psnr_rgb "$WORK/avg.png" "$gt" >>"$WORK/avg.txt"
  done
  printf '%-18s reel %6s dB  minterpolate %6s dB  averaging %6s dB  reel %5d  minterpolate %5d CPU ms/frame (%d triplets, incl. PNG I/O)\n' \
    "$name" "$(mean <"$WORK/reel.txt")" "$(mean <"$WORK/mi.txt")" "$(mean <"$WORK/avg.txt")" \
    $((reel_ms / i)) $((mi_ms / i)) "$i"
}

if [ "$what" = triplets ] || [ "$what" = all ]; then
  for d in "$SHARED"/vfi/middlebury_others/input/*/; do
    n=$(basename "$d")
    echo "$d/frame10.png $d/frame11.png $SHARED/vfi/middlebury_others/gt/$n/frame10i11.png"
  done | triplet_set middlebury_others
  for d in "$SHARED"/vfi/ucf101/*/; do
    echo "$d/frame0.png $d/frame2.png $d/frame1.png"
  done | triplet_set ucf101
fi

# PSNR (RGB) of the odd frames of $1 against those of $2, leaving out the last one (nothing after it), two
# ways: ffmpeg's average (the PSNR of the mean squared error over all those frames, which the worst frames,
# such as scene cuts, dominate) and the mean of the frames' own PSNRs (each dropped frame counted as one
# triplet, as in the triplet sets; identical frames count as 60 dB).
psnr_dropped() {
  local n=$3
  ffmpeg -hide_banner -nostdin -i "$1" -i "$2" -lavfi \
    "[0]select='mod(n\,2)*lt(n\,$((n - 1)))',format=rgb24[a];[1]select='mod(n\,2)*lt(n\,$((n - 1)))',format=rgb24[b];[a][b]psnr=stats_file=$WORK/psnr.log" \
    -f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p' | tr -d '\n'
  printf ' dB pooled, %s dB per-frame mean' "$(sed -n 's/.*psnr_avg:\([0-9.inf]*\).*/\1/p' "$WORK/psnr.log" |
    awk '{v = ($1 == "inf" || $1 > 60) ? 60 : $1; s += v; n++} END {printf "%.2f", s / n}')"
}

video() { # name, source, extra ffmpeg filter for the source ("null" for none), frames to use
  local name=$1 src=$2 vf=$3 frames=$4
  ffmpeg -hide_banner -nostdin -loglevel error -y -i "$src" -an -vf "$vf" -pix_fmt yuv420p -frames:v "$frames" \
    -f yuv4mpegpipe "$WORK/orig.y4m"
  local n; n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$WORK/orig.y4m")
  local rate; rate=$(head -c 200 "$WORK/orig.y4m" | head -1 | sed -n 's/.* F\([0-9]*:[0-9]*\).*/\1/p' | tr : /)
  ffmpeg -hide_banner -nostdin -loglevel error -y -i "$WORK/orig.y4m" -vf framestep=2 -f yuv4mpegpipe "$WORK/half.y4m"
  local half; half=$(( (n + 1) / 2 ))
  local reel_ms mi_ms copy_ms
  reel_ms=$(cpu_ms "$REEL" -q --threads 2 interpolate "$WORK/half.y4m" -o "$WORK/reel.y4m" -y --factor 2 --quality "$QUALITY")
  reel_wall=$(wall_ms)
  mi_ms=$(cpu_ms ffmpeg -hide_banner -nostdin -loglevel error -y -i "$WORK/half.y4m" -vf "$MI:fps=$rate" \
    -f yuv4mpegpipe "$WORK/mi.y4m")
  mi_wall=$(wall_ms)
  # Plain y4m copy time, so the per-frame numbers are interpolation only.
  copy_ms=$(cpu_ms ffmpeg -hide_banner -nostdin -loglevel error -y -i "$WORK/half.y4m" -vf "fps=$rate" \
    -f yuv4mpegpipe "$WORK/copy.y4m")
  copy_wall=$(wall_ms)
  local made=$(( n - half ))
  printf '%-18s reel %s  minterpolate %s  reel %5d  minterpolate %5d CPU ms/frame, %5d / %5d wall ms/frame (%d frames made, %s)\n' \
    "$name" "$(psnr_dropped "$WORK/reel.y4m" "$WORK/orig.y4m" "$n")" "$(psnr_dropped "$WORK/mi.y4m" "$WORK/orig.y4m" "$n")" \
    $(( (reel_ms - copy_ms) / made )) $(( (mi_ms - copy_ms) / made )) \
    $(( (reel_wall - copy_wall) / made )) $(( (mi_wall - copy_wall) / made )) "$made" "$(head -1 "$WORK/orig.y4m" | cut -d' ' -f2,3)"
  # The ratios the issue's speed target is about (interpolation only: the y4m copy time taken out of both).
  awk -v rc=$((reel_ms - copy_ms)) -v mc=$((mi_ms - copy_ms)) -v rw=$((reel_wall - copy_wall)) -v mw=$((mi_wall - copy_wall)) \
    -v name="$name" 'BEGIN {printf "%-18s reel runs %.1fx minterpolate'"'"'s speed by wall time on 2 cores, %.1fx by CPU time\n",
      name, mw / (rw > 0 ? rw : 1), mc / (rc > 0 ? rc : 1)}'
  rm -f "$WORK"/*.y4m
}

if [ "$what" = videos ] || [ "$what" = all ]; then
  video bikes "$SHARED/media/bikes.mp4" null 250
  video shaka-opus-h264 "$SHARED/media/shaka-opus-h264.ts" null 120
fi

if [ "$what" = speed ] || [ "$what" = all ]; then
  # 960x540, 2x: the issue's speed target (>= 10x faster than minterpolate per frame).
  video shaka-960x540 "$SHARED/media/shaka-opus-h264.ts" scale=960:540 60
  # 720p30 -> 60 in fast mode must run faster than real time: 30 input frames in under a second.
  ffmpeg -hide_banner -nostdin -loglevel error -y -i "$SHARED/media/shaka-opus-h264.ts" -an -frames:v 90 -r 30 \
    -pix_fmt yuv420p -f yuv4mpegpipe "$WORK/in720.y4m"
  ms=$(cpu_ms "$REEL" -q --threads 2 interpolate "$WORK/in720.y4m" -o "$WORK/out720.y4m" -y --factor 2 --quality fast)
  wall=$(wall_ms)
  echo "720p30->60 fast: $wall ms wall, $ms CPU ms for 3.0 s of video on 2 threads ($(awk "BEGIN {printf \"%.2f\", 3000 / $wall}")x real time; $(awk "BEGIN {printf \"%.2f\", 3000 / $ms}")x even on 1 core)"
fi
