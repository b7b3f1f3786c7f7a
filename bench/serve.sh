#!/usr/bin/env bash
# bench/serve.sh: wrk on loopback against `reel serve` and nginx serving the same packaged directory.
#
# Prints, for the same segment (and a playlist) and the same connection count: requests/s of each, the ratio
# reel/nginx, p99 latency; then 1,000 concurrent connections against reel (errors must be 0); then a soak
# (default 60 s) with reel's memory (RSS and sealed bodies) at its start and end. Needs wrk, nginx (nginx-light) and ffmpeg.
#
#   bench/serve.sh                      # defaults: 10 s runs, 100 connections, 60 s soak
#   DURATION=20s CONNS=200 SOAK=120 bench/serve.sh
#   LIVE=0 bench/serve.sh               # without the live glass-to-glass latency run
#
# Two layouts (LAYOUT=shared|split|both, default both):
#   shared: both servers get every core (reel NPROC worker threads, nginx NPROC worker processes) and wrk runs
#           beside them on the same cores. wrk then takes about half the machine, so the figure mixes the
#           server's cost with the client's cost of receiving from it.
#   split:  the servers are pinned to the first half of the cores (at least one), with that many workers, and
#           wrk to the rest: the server's own cost per request decides its rate.
# Access logging is off for both (reel -q, nginx access_log off): this measures serving, not log writing.
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-100}
SOAK=${SOAK:-60}
NPROC=${NPROC:-$(nproc)}
WRK_THREADS=${WRK_THREADS:-$NPROC}
REEL=${REEL:-target/release/reel}

for tool in wrk ffmpeg; do
    command -v "$tool" >/dev/null || { echo "bench/serve.sh: $tool is not installed (apt-get install $tool)" >&2; exit 1; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "bench/serve.sh: nginx is not installed (apt-get install nginx-light)" >&2; exit 1; }
if [ ! -x "$REEL" ]; then
    echo "building $REEL ..." >&2
    cargo build --release --quiet
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d)
reel_pid=""
nginx_pid=""
cleanup() {
    [ -n "$reel_pid" ] && kill "$reel_pid" 2>/dev/null || true
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The package: 720p H.264 + AAC, 2 s HLS segments (about 250 KB each, a typical segment size).
mkdir -p "$work/pkg/vod"
ffmpeg -loglevel error -nostdin -y -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440 \
    -t 8 -c:v libx264 -preset ultrafast -b:v 1M -g 60 -c:a aac -b:a 96k \
    -f hls -hls_time 2 -hls_playlist_type vod -hls_segment_filename "$work/pkg/vod/seg_%03d.ts" "$work/pkg/vod/index.m3u8"
SEGMENT=vod/seg_001.ts
PLAYLIST=vod/index.m3u8
echo "segment: $SEGMENT, $(stat -c %s "$work/pkg/$SEGMENT") bytes; playlist: $(stat -c %s "$work/pkg/$PLAYLIST") bytes"

LAYOUT=${LAYOUT:-both}
NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx"

# Starts reel and nginx with $2 workers each, pinned to CPU list $1 (empty: not pinned); sets reel_pid,
# nginx_pid, REEL_URL and NGINX_URL.
start_servers() {
    local cpus=$1 workers=$2 pin=()
    [ -n "$cpus" ] && pin=(taskset -c "$cpus")
    rm -f "$work/reel.url"
    "${pin[@]}" "$REEL" -q --threads "$workers" serve "$work/pkg" --listen 127.0.0.1:0 > "$work/reel.url" &
    reel_pid=$!
    for _ in $(seq 100); do [ -s "$work/reel.url" ] && break; sleep 0.05; done
    REEL_URL=$(head -1 "$work/reel.url")

    # nginx, tuned as one would for static media: sendfile, open file cache, no access log.
    cat > "$work/nginx/nginx.conf" <<CONF
worker_processes $workers;
worker_rlimit_nofile 65536;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    open_file_cache max=10000 inactive=60s;
    client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
    types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; video/iso.segment m4s; application/dash+xml mpd; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $work/pkg;
        etag on;
        location / { add_header Cache-Control "public, max-age=31536000, immutable"; }
    }
}
CONF
    "${pin[@]}" "$NGINX" -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
    nginx_pid=$!
    NGINX_URL="http://127.0.0.1:$NGINX_PORT/"
    for _ in $(seq 100); do curl -sf -o /dev/null "$NGINX_URL$PLAYLIST" && break; sleep 0.05; done
    curl -sf -o /dev/null "$REEL_URL$SEGMENT" && curl -sf -o /dev/null "$NGINX_URL$SEGMENT"
}

stop_servers() {
    kill "$reel_pid" "$nginx_pid" 2>/dev/null || true
    wait "$reel_pid" "$nginx_pid" 2>/dev/null || true
    reel_pid=""; nginx_pid=""
}

# Runs wrk; prints "requests/s p99 errors".
run_wrk() {
    local url=$1 conns=$2 duration=$3 out
    out=$("${WRK_PIN[@]}" wrk -t"$WRK_THREADS" -c"$conns" -d"$duration" --latency "$url")
    local rps p99 errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4+$6+$8+$10}' <<<"$out")
    errors=${errors:-0}
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
    echo "$rps $p99 $((errors + ${non2xx:-0}))"
}

# CPU time (user + system, clock ticks) of the given processes: what serving cost, whatever else the machine runs.
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
TICK_MS=$(( 1000 / $(getconf CLK_TCK) ))
nginx_workers() { pgrep -P "$nginx_pid" | tr '\n' ' '; }
# Runs wrk against a server whose processes are $2..: prints "requests/s p99 errors cpu-ms-per-1000-requests".
run_measured() {
    local url=$1; shift
    local before after out requests
    before=$(cpu_ticks "$@")
    out=$("${WRK_PIN[@]}" wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --latency "$url")
    after=$(cpu_ticks "$@")
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    local rps p99 errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4+$6+$8+$10}' <<<"$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
    echo "$rps $p99 $(( ${errors:-0} + ${non2xx:-0} )) $(( (after - before) * TICK_MS * 1000 / (requests > 0 ? requests : 1) ))"
}

# reel's memory: its RSS plus the sealed memory files its cached segments are sent from (shared memory that is
# never mapped in by reading, so RSS alone would not show it).
rss_kb() {
    local rss sealed=0 fd
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status")
    for fd in /proc/"$1"/fd/*; do
        case $(readlink "$fd" 2>/dev/null) in
            /memfd:reel-body*) sealed=$((sealed + $(stat -L -c %s "$fd" 2>/dev/null || echo 0))) ;;
        esac
    done
    echo $((rss + sealed / 1024))
}

# wrk prints latencies as 850.00us, 3.21ms or 1.20s: to milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# The machine may be shared: alternate nginx and reel for ROUNDS rounds and report medians. Requests/s moves
# with whatever else runs; the servers' own CPU time per 1000 requests does much less. $1 names the layout.
ROUNDS=${ROUNDS:-3}
compare() {
    printf '\n%s layout: %s\n' "$1" "$2"
    printf '%-12s %-6s %14s %14s %8s %16s   (median of %s rounds of %s, %s connections)\n' \
        file server "requests/s" "p99 (ms)" errors "CPU ms/1000 req" "$ROUNDS" "$DURATION" "$CONNS"
    for target in "$SEGMENT" "$PLAYLIST"; do
        # Warm both (page cache, reel's file cache, nginx's open file cache).
        wrk -t1 -c4 -d1s "$REEL_URL$target" >/dev/null
        wrk -t1 -c4 -d1s "$NGINX_URL$target" >/dev/null
        n_rps=""; n_p99=""; n_err=0; n_cpu=""; r_rps=""; r_p99=""; r_err=0; r_cpu=""
        for _ in $(seq "$ROUNDS"); do
            # shellcheck disable=SC2046 # one pid per word
            read -r rps p99 err cpu < <(run_measured "$NGINX_URL$target" $(nginx_workers))
            n_rps="$n_rps $rps"; n_p99="$n_p99 $(to_ms "$p99")"; n_err=$((n_err + err)); n_cpu="$n_cpu $cpu"
            read -r rps p99 err cpu < <(run_measured "$REEL_URL$target" "$reel_pid")
            r_rps="$r_rps $rps"; r_p99="$r_p99 $(to_ms "$p99")"; r_err=$((r_err + err)); r_cpu="$r_cpu $cpu"
        done
        name=$(basename "$target")
        nm=$(median <<<"$n_rps"); rm=$(median <<<"$r_rps")
        nc=$(median <<<"$n_cpu"); rc=$(median <<<"$r_cpu")
        printf '%-12s %-6s %14s %14s %8s %16s   runs: %s\n' "$name" nginx "$nm" "$(median <<<"$n_p99")" "$n_err" "$nc" "$n_rps"
        printf '%-12s %-6s %14s %14s %8s %16s   runs: %s\n' "$name" reel "$rm" "$(median <<<"$r_p99")" "$r_err" "$rc" "$r_rps"
        printf '%-12s reel/nginx requests/s: %s; CPU per request reel/nginx: %s\n' "$name" \
            "$(awk -v r="$rm" -v n="$nm" 'BEGIN {printf "%.3f", r / n}')" \
            "$(awk -v r="$rc" -v n="$nc" 'BEGIN {printf "%.3f", (n > 0 ? r / n : 0)}')"
    done
}

half=$(( NPROC / 2 > 0 ? NPROC / 2 : 1 ))
WRK_PIN=()
if [ "$LAYOUT" = split ] || [ "$LAYOUT" = both ]; then
    if [ "$NPROC" -ge 2 ]; then
        WRK_PIN=(taskset -c "$half-$((NPROC - 1))")
        saved_threads=$WRK_THREADS; WRK_THREADS=$((NPROC - half))
        start_servers "0-$((half - 1))" "$half"
        compare split "servers on CPUs 0-$((half - 1)) with $half worker(s) each, wrk on CPUs $half-$((NPROC - 1))"
        stop_servers
        WRK_PIN=(); WRK_THREADS=$saved_threads
    else
        echo "split layout skipped: one CPU"
    fi
fi
start_servers "" "$NPROC"
if [ "$LAYOUT" = shared ] || [ "$LAYOUT" = both ]; then
    compare shared "both servers and wrk on all $NPROC CPUs"
fi

echo
read -r c_rps c_p99 c_err < <(run_wrk "$REEL_URL$SEGMENT" 1000 "$DURATION")
echo "1000 connections, reel:  $c_rps requests/s, p99 $c_p99, errors $c_err"
[ "$c_err" = 0 ] || echo "FAIL: reel had errors with 1000 connections" >&2
read -r c_rps c_p99 c_err < <(run_wrk "$NGINX_URL$SEGMENT" 1000 "$DURATION")
echo "1000 connections, nginx: $c_rps requests/s, p99 $c_p99, errors $c_err"

echo
start_rss=$(rss_kb "$reel_pid")
echo "soak ${SOAK}s at $CONNS connections (segment and playlist alternating every 10 s): reel memory at start ${start_rss} kB"
elapsed=0
while [ "$elapsed" -lt "$SOAK" ]; do
    step=$(( SOAK - elapsed < 10 ? SOAK - elapsed : 10 ))
    target=$([ $(( elapsed / 10 % 2 )) = 0 ] && echo "$SEGMENT" || echo "$PLAYLIST")
    wrk -t"$WRK_THREADS" -c"$CONNS" -d"${step}s" "$REEL_URL$target" >/dev/null
    elapsed=$(( elapsed + step ))
    echo "  ${elapsed}s: memory $(rss_kb "$reel_pid") kB"
done
end_rss=$(rss_kb "$reel_pid")
echo "reel memory (RSS + sealed bodies) at end of soak ${end_rss} kB (start ${start_rss} kB, change $(( end_rss - start_rss )) kB)"

echo
[ "${LIVE:-1}" = 0 ] || bench/live-latency.sh
