#!/usr/bin/env bash
# `reel sr` benchmark: luma PSNR on Set5/Set14 (../shared/sr) for bicubic, Lanczos, fast and quality, and video
# throughput of the sr filter against ffmpeg's `scale=flags=lanczos` on the same raw frames.
#
# Protocol: upscale the provided LR image, PSNR on Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 with `scale`
# pixels cropped on every side. Bicubic is our own (MATLAB imresize geometry); published bicubic figures:
# Set5 33.64 / 30.39 / 28.42 dB, Set14 30.22 / 27.53 dB (x2 / x3).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${REEL_SHARED:-../shared}
if [ ! -d "$shared/sr/Set5" ]; then
    echo "bench/sr.sh: $shared/sr not found; skipping" >&2
    exit 0
fi
cargo build --release --example sr_eval --example sr_speed
echo "== quality (dB) and speed (ms per output megapixel, whole image incl. colour conversion)"
target/release/examples/sr_eval "$shared/sr"

echo "== video throughput, same raw frames for reel and ffmpeg (load average now: $(cut -d" " -f1 /proc/loadavg))"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src="$shared/media/shaka-opus-h264.ts" # 1280x720 real footage
frames=${SR_FRAMES:-60}
speed() { # WIDTH HEIGHT SCALE MODEL
    local w=$1 h=$2 s=$3 m=$4 raw="$tmp/$1x$2.yuv"
    [ -f "$raw" ] || ffmpeg -v error -i "$src" -frames:v "$frames" -vf "scale=$w:$h:flags=lanczos" \
        -pix_fmt yuv420p -f rawvideo -y "$raw"
    local ours
    ours=$(target/release/examples/sr_speed "$raw" "$w" "$h" "$s" "$m")
    local start end ff
    start=$(date +%s.%N)
    ffmpeg -v error -threads 2 -filter_threads 2 -f rawvideo -pix_fmt yuv420p -s "${w}x${h}" -i "$raw" \
        -vf "scale=$((w * s)):$((h * s)):flags=lanczos" -f null -
    end=$(date +%s.%N)
    ff=$(echo "$frames / ($end - $start)" | bc -l)
    local fps=${ours##*: }
    fps=${fps%% fps*}
    # CPU time of one-thread runs: what the shared 2-core machine cannot distort much (wall fps can).
    local cpu_reel cpu_ff
    cpu_reel=$( { RAYON_NUM_THREADS=1 /usr/bin/time -f "%U" target/release/examples/sr_speed "$raw" "$w" "$h" "$s" "$m" >/dev/null; } 2>&1 | tail -1)
    cpu_ff=$( { /usr/bin/time -f "%U" ffmpeg -v error -threads 1 -filter_threads 1 -f rawvideo -pix_fmt yuv420p \
        -s "${w}x${h}" -i "$raw" -vf "scale=$((w * s)):$((h * s)):flags=lanczos" -f null - ; } 2>&1 | tail -1)
    printf '%-8s %4dx%-4d x%d  wall: reel %6.2f fps, ffmpeg lanczos %6.2f fps (ratio %.3f)   cpu: reel %6.1f ms/frame, ffmpeg %5.1f ms/frame (ratio %.1fx); 2-core estimate %.1f fps\n' \
        "$m" "$w" "$h" "$s" "$fps" "$ff" "$(echo "$fps / $ff" | bc -l)" \
        "$(echo "$cpu_reel * 1000 / $frames" | bc -l)" "$(echo "$cpu_ff * 1000 / $frames" | bc -l)" \
        "$(echo "$cpu_reel / $cpu_ff" | bc -l)" "$(echo "2 * $frames / $cpu_reel" | bc -l)"
}
speed 1280 720 2 fast
speed 960 540 2 quality
speed 960 540 2 fast
