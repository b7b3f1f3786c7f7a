#!/usr/bin/env bash
# bench/stitch360.sh: reel stitch360 against ffmpeg's v360 on the same 4K equirect (made from the real cube photo
# ../shared/360/meadow_cube_1x6.jpg): round-trip WS-PSNR per interpolation, per-frame speed of each conversion
# (CPU time per frame, which stays comparable on a shared machine, and wall time at the same thread count),
# head-tracked viewport latency p50/p99, and dual-fisheye stitching quality. Outputs in bench/out/stitch360/.
# REEL_SHARED=/path/to/shared when the repository is not beside shared/; THREADS (2), FRAMES (10);
# ROUNDTRIPS="" skips the round trips on a rerun (the speed part reuses their v360 cubemaps).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${REEL_SHARED:-${SHARED:-../shared}}/360/meadow_cube_1x6.jpg
[ -f "$SRC" ] || { echo "skip: $SRC not found"; exit 0; }
command -v ffmpeg >/dev/null || { echo "skip: ffmpeg not found"; exit 0; }
THREADS=${THREADS:-2}
FRAMES=${FRAMES:-10}
OUT=bench/out/stitch360
mkdir -p "$OUT"
cargo build --release --quiet --bin reel --example stitch360_bench
REEL=target/release/reel
B=target/release/examples/stitch360_bench
q() { ffmpeg -nostdin -loglevel error -y "$@"; }
val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

# The 4K equirect everyone starts from (made by v360 with lanczos from the six real cube faces).
E="$OUT/equirect_4k.png"
[ -f "$E" ] || q -i "$SRC" -vf "v360=input=c1x6:output=e:w=3840:h=1920:interp=lanc" -frames:v 1 "$E"
[ -f "$OUT/equirect_4k.gbrp" ] || q -i "$E" -pix_fmt gbrp -f rawvideo "$OUT/equirect_4k.gbrp"
[ -f "$OUT/equirect_4k.yuv" ] || q -i "$E" -pix_fmt yuv420p -f rawvideo "$OUT/equirect_4k.yuv"

echo "== round trips on a 3840x1920 equirect (WS-PSNR, RGB, dB; higher is better)"
printf "%-8s %-9s %8s %8s\n" via interp reel v360
for via in ${ROUNDTRIPS-c3x2 eac}; do
  for interp in bilinear bicubic lanczos; do
    vi=$(case $interp in bilinear) echo line;; bicubic) echo cubic;; lanczos) echo lanc;; esac)
    $REEL -q -y stitch360 "$E" -o "$OUT/r_$via.png" --from equirect --to $via --interp $interp --width 2880 --height 1920
    $REEL -q -y stitch360 "$OUT/r_$via.png" -o "$OUT/r_${via}_e.png" --from $via --to equirect --interp $interp --width 3840 --height 1920
    q -i "$E" -vf "v360=e:$via:w=2880:h=1920:interp=$vi" "$OUT/f_$via.png"
    q -i "$OUT/f_$via.png" -vf "v360=$via:e:w=3840:h=1920:interp=$vi" "$OUT/f_${via}_e.png"
    r=$($B wspsnr "$E" "$OUT/r_${via}_e.png" | val wspsnr)
    f=$($B wspsnr "$E" "$OUT/f_${via}_e.png" | val wspsnr)
    printf "%-8s %-9s %8s %8s %s\n" $via $interp $r $f "$(awk -v a=$r -v b=$f 'BEGIN{print (a>=b)?"ok":"WORSE"}')"
  done
done

echo "== speed per 4K frame, bilinear, gbrp/RGB planes (ms; ratio reel/v360, <= 1.0 is the target)"
v360_frame() { # from to w h threads -> "cpu_ms wall_ms" per frame (difference of 1 and 1+FRAMES frames)
  local in=$1 w=$3 h=$4 iw ih file
  if [ "$1" = e ]; then iw=3840; ih=1920; file="$OUT/equirect_4k.gbrp"; else iw=2880; ih=1920; file="$OUT/$1.gbrp"; fi
  local res=()
  for n in 0 $FRAMES; do
    local s=$(date +%s.%N)
    local cpu=$( { /usr/bin/time -f "%U %S" ffmpeg -nostdin -loglevel error -threads 1 -filter_threads $5 -f rawvideo -pix_fmt gbrp \
      -s ${iw}x${ih} -stream_loop $n -i "$file" -vf "v360=$1:$2:w=$w:h=$h:interp=line" -f null - ; } 2>&1 | tail -n1 | awk '{print $1+$2}')
    local e=$(date +%s.%N)
    res+=("$cpu" "$(echo "$e - $s" | bc)")
  done
  awk -v c0=${res[0]} -v w0=${res[1]} -v c1=${res[2]} -v w1=${res[3]} -v n=$FRAMES 'BEGIN{printf "%.1f %.1f\n", (c1-c0)*1000/n, (w1-w0)*1000/n}'
}
q -i "$OUT/f_c3x2.png" -pix_fmt gbrp -f rawvideo "$OUT/c3x2.gbrp"
q -i "$OUT/f_eac.png" -pix_fmt gbrp -f rawvideo "$OUT/eac.gbrp"
printf "%-12s %10s %10s %7s %10s %10s %7s\n" conversion reel_cpu v360_cpu ratio reel_wall v360_wall ratio
for conv in "e c3x2 2880 1920" "c3x2 e 3840 1920" "e eac 2880 1920" "eac e 3840 1920"; do
  set -- $conv
  rin="$E"; rfrom=equirect; rto=$2
  if [ "$1" != e ]; then rin="$OUT/f_$1.png"; rfrom=$1; rto=equirect; fi
  line=$(RAYON_NUM_THREADS=$THREADS $B time "$rin" $rfrom $rto $3 $4 bilinear $FRAMES)
  rc=$(echo "$line" | val frame_cpu_ms); rw=$(echo "$line" | val frame_ms)
  read -r vc vw < <(v360_frame $1 $2 $3 $4 $THREADS)
  printf "%-12s %10s %10s %7s %10s %10s %7s\n" "$1->$2" $rc $vc "$(awk -v a=$rc -v b=$vc 'BEGIN{printf "%.2f", a/b}')" \
    $rw $vw "$(awk -v a=$rw -v b=$vw 'BEGIN{printf "%.2f", a/b}')"
done

echo "== viewport: pose -> finished 1080p yuv420p viewport (90 deg) from the 4K equirect, $THREADS threads, 600 poses (target p99 <= 5 ms)"
RAYON_NUM_THREADS=$THREADS $B viewport "$OUT/equirect_4k.yuv" 3840 1920 600

if $B 2>&1 | grep -q stitch || true; then
  echo "== dual-fisheye stitching (WS-PSNR against the true equirect, dB)"
  $B stitch "$E" "$OUT" || echo "stitch bench failed"
fi
