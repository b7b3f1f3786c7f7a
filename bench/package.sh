#!/usr/bin/env bash
# Packaging benchmarks (issue 4): reel package against ffmpeg's hls muxer on the same 1080p input, in one run.
#  1. --copy packaging of an encoded 1080p file vs `ffmpeg -c copy -f hls` (fMP4 segments): wall ratio <= 1.0.
#  2. The default ladder (ladder-h264: 1080/720/480/360 + AAC) vs one ffmpeg process with -filter_complex split
#     and its hls muxer making the same rungs at the same rates: wall ratio <= 1.0, PSNR per rung at its bit rate.
# Usage: bench/package.sh [SECONDS]   (default 10 s of 1080p30)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
OUT=bench/out/package
mkdir -p "$OUT"
cargo build --release --quiet
REEL=target/release/reel
SRC=$OUT/src-1080p-${SECS}s.mp4
if [ ! -f "$SRC" ]; then
  echo "making a ${SECS}s 1080p30 H.264 source (testsrc2 with noise, so the encoder has real work)..."
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30,noise=alls=12:allf=t" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$SECS" \
    -c:v libx264 -preset fast -crf 20 -g 60 -keyint_min 60 -sc_threshold 0 -pix_fmt yuv420p \
    -c:a aac -b:a 128k "$SRC"
fi

now() { date +%s.%N; }
ratio() { echo "scale=3; $1 / $2" | bc; }
# Best of N wall times of a command (copy runs are short: take the least disturbed one).
best_of() {
  local n=$1 best="" t0 t1 d
  shift
  for _ in $(seq "$n"); do
    t0=$(now); "$@" >/dev/null 2>"$OUT/log" || { cat "$OUT/log"; exit 1; }; t1=$(now)
    d=$(echo "$t1 - $t0" | bc)
    if [ -z "$best" ] || [ "$(echo "$d < $best" | bc)" = 1 ]; then best=$d; fi
  done
  echo "$best"
}

echo "== --copy packaging of the encoded 1080p file (HLS, fMP4 segments of 2 s; best of 5)"
reel_copy() { rm -rf "$OUT/rcopy"; $REEL package "$SRC" --copy --hls -o "$OUT/rcopy" -q; }
ff_copy() {
  rm -rf "$OUT/fcopy"; mkdir -p "$OUT/fcopy"
  ffmpeg -v error -y -i "$SRC" -c copy -f hls -hls_time 2 -hls_playlist_type vod -hls_segment_type fmp4 \
    -hls_fmp4_init_filename init.mp4 -hls_segment_filename "$OUT/fcopy/seg_%05d.m4s" "$OUT/fcopy/index.m3u8"
}
rc=$(best_of 5 reel_copy)
fc=$(best_of 5 ff_copy)
echo "reel ${rc}s  ffmpeg ${fc}s  ratio $(ratio "$rc" "$fc")"

echo "== default ladder (1080/720/480/360 + AAC), one process each, HLS with fMP4 segments"
t0=$(now)
rm -rf "$OUT/rladder"
$REEL package "$SRC" --hls -o "$OUT/rladder" -q
t1=$(now); rt=$(echo "$t1 - $t0" | bc)
rm -rf "$OUT/fladder"; mkdir -p "$OUT/fladder"
t0=$(now)
ffmpeg -v error -y -i "$SRC" -filter_complex \
  "[0:v]split=4[a][b][c][d];[a]scale=-2:1080[v0];[b]scale=-2:720[v1];[c]scale=-2:480[v2];[d]scale=-2:360[v3]" \
  -map "[v0]" -map "[v1]" -map "[v2]" -map "[v3]" -map 0:a \
  -c:v libx264 -preset veryfast -force_key_frames "expr:gte(t,n_forced*2)" -sc_threshold 0 \
  -b:v:0 5000k -maxrate:v:0 5350k -bufsize:v:0 7500k -b:v:1 2800k -maxrate:v:1 3000k -bufsize:v:1 4200k \
  -b:v:2 1400k -maxrate:v:2 1500k -bufsize:v:2 2100k -b:v:3 800k -maxrate:v:3 856k -bufsize:v:3 1200k \
  -c:a aac -b:a 128k -ac 2 -ar 48000 \
  -f hls -hls_time 2 -hls_playlist_type vod -hls_segment_type fmp4 -master_pl_name master.m3u8 \
  -hls_fmp4_init_filename "init_%v.mp4" -hls_segment_filename "$OUT/fladder/seg_%v_%05d.m4s" \
  -var_stream_map "v:0,agroup:aud v:1,agroup:aud v:2,agroup:aud v:3,agroup:aud a:0,agroup:aud,default:yes" \
  "$OUT/fladder/stream_%v.m3u8"
t1=$(now); ft=$(echo "$t1 - $t0" | bc)
echo "reel ${rt}s  ffmpeg ${ft}s  ratio $(ratio "$rt" "$ft")"

# PSNR of a rendition (its init segment and segments joined) against the source scaled to its size.
psnr() {
  local file=$1 w h
  IFS=x read -r w h < <(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$file")
  ffmpeg -v info -nostats -i "$file" -i "$SRC" -lavfi \
    "[0:v]setpts=PTS-STARTPTS[a];[1:v]scale=$w:$h:flags=bicubic,setpts=PTS-STARTPTS[b];[a][b]psnr" -f null - 2>&1 |
    grep -o 'average:[0-9.inf]*' | tail -1 | cut -d: -f2
}
kbps() { echo "$(stat -c %s "$1") * 8 / $SECS / 1000" | bc; }
echo "rung   reel kb/s  reel PSNR   ffmpeg kb/s  ffmpeg PSNR"
i=0
for rung in 1080p 720p 480p 360p; do
  cat "$OUT/rladder/$rung/init.mp4" "$OUT"/rladder/$rung/seg_*.m4s > "$OUT/r-$rung.mp4"
  cat "$OUT/fladder/init_$i.mp4" "$OUT"/fladder/seg_${i}_*.m4s > "$OUT/f-$rung.mp4"
  printf "%-6s %9s  %9s   %11s  %11s\n" "$rung" "$(kbps "$OUT/r-$rung.mp4")" "$(psnr "$OUT/r-$rung.mp4")" \
    "$(kbps "$OUT/f-$rung.mp4")" "$(psnr "$OUT/f-$rung.mp4")"
  i=$((i + 1))
done
