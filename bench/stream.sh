#!/usr/bin/env bash
# Push benchmarks: CPU time (user + system) of `reel stream --re` against `ffmpeg -re` for the same push to a real
# RTMP server (nginx + the RTMP module), one after the other on the same input; issue 6 target: ratio <= 1.0.
#   copy push:      H.264/AAC stream copy to FLV over RTMP
#   transcode push: 720p30 H.264 3 Mb/s CBR-ish (veryfast, 2 s GOP) + MP3 128k 44.1 kHz (the same libmp3lame on both sides)
# Usage: bench/stream.sh            (60 s input; STREAM_BENCH_SECONDS=10 bench/stream.sh for a shorter run)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${STREAM_BENCH_SECONDS:-60}
OUT=bench/out/stream
mkdir -p "$OUT"
cargo build --release --quiet
REEL=target/release/reel
MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
[ -f "$MODULE" ] || { echo "needs nginx and libnginx-mod-rtmp (scripts/apt-packages.txt)"; exit 1; }

SRC=$OUT/src-720p-${SECS}s.mp4
if [ ! -f "$SRC" ]; then
  echo "making a ${SECS} s 720p30 H.264/AAC source..."
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=30,noise=alls=8:allf=t" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$SECS" \
    -c:v libx264 -preset veryfast -crf 20 -g 60 -pix_fmt yuv420p -c:a aac -b:a 128k "$SRC"
fi

# A private nginx RTMP server on a free port, live only (no recording: the disk is not what we measure).
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NGX=$(mktemp -d)
USER_LINE=""
[ "$(id -u)" -eq 0 ] && USER_LINE="user root;"
cat > "$NGX/nginx.conf" <<EOF
load_module $MODULE;
$USER_LINE
daemon off;
master_process off;
worker_processes 1;
error_log $NGX/error.log;
pid $NGX/nginx.pid;
events { worker_connections 64; }
rtmp { server { listen 127.0.0.1:$PORT; application live { live on; } } }
EOF
/usr/sbin/nginx -p "$NGX" -e "$NGX/startup.log" -c "$NGX/nginx.conf" &
NGINX_PID=$!
trap 'kill $NGINX_PID 2>/dev/null || true; wait $NGINX_PID 2>/dev/null || true; rm -rf "$NGX"' EXIT
for _ in $(seq 50); do
  (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done
URL=rtmp://127.0.0.1:$PORT/live

# CPU seconds (user + system) of one command; its wall time goes to $OUT/wall.
cpu() {
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$OUT/time" "$@" >/dev/null 2>"$OUT/log" || { cat "$OUT/log"; exit 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc > "$OUT/wall"
  read -r u s < <(tail -1 "$OUT/time")
  echo "$u + $s" | bc
}
ratio() { echo "scale=3; $1 / $2" | bc; }

echo "== copy push (${SECS} s, --re)"
rc=$(cpu $REEL stream "$SRC" "$URL/reel-copy" --re --vcodec copy --acodec copy -q)
rw=$(cat "$OUT/wall")
fc=$(cpu ffmpeg -v error -re -i "$SRC" -c copy -f flv "$URL/ff-copy")
fw=$(cat "$OUT/wall")
echo "reel   cpu ${rc}s (wall ${rw}s)"
echo "ffmpeg cpu ${fc}s (wall ${fw}s)"
echo "copy push CPU ratio $(ratio "$rc" "$fc")"

echo "== transcode push (${SECS} s, --re): H.264 3 Mb/s veryfast, GOP 2 s, MP3 128k"
rc=$(cpu $REEL stream "$SRC" "$URL/reel-enc" --re --vcodec h264 --vbitrate 3M --maxrate 3M --bufsize 6M \
  --gop 2s --speed veryfast --acodec mp3 --abitrate 128k --ar 44100 -q)
rw=$(cat "$OUT/wall")
fc=$(cpu ffmpeg -v error -re -i "$SRC" -c:v libx264 -preset veryfast -b:v 3M -maxrate 3M -bufsize 6M \
  -g 60 -keyint_min 60 -sc_threshold 0 -c:a libmp3lame -b:a 128k -ar 44100 -f flv "$URL/ff-enc")
fw=$(cat "$OUT/wall")
echo "reel   cpu ${rc}s (wall ${rw}s)"
echo "ffmpeg cpu ${fc}s (wall ${fw}s)"
echo "transcode push CPU ratio $(ratio "$rc" "$fc")"
