#!/usr/bin/env bash
# Regenerates the small media fixtures in testdata/ from ffmpeg's lavfi sources (see README.md beside it).
# Usage: testdata/generate.sh   (needs ffmpeg with libx264, libvpx, libopus; writes next to this script)
set -euo pipefail
cd "$(dirname "$0")"

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
# Bit-exact flags keep the files stable across runs (no encoder version string, no creation time).
BITEXACT=(-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1)
VIDEO="testsrc2=size=320x240:rate=25"
AUDIO="sine=frequency=440:sample_rate=48000:beep_factor=4,aformat=channel_layouts=stereo"
X264=(-c:v libx264 -preset veryfast -crf 32 -pix_fmt yuv420p -threads 1 -x264-params bframes=2)

# mp4: H.264 + AAC, 25 fps, 48 kHz stereo, 2.4 s, moov at the front (faststart), the main transcode input.
ff -f lavfi -i "$VIDEO" -f lavfi -i "$AUDIO" -t 2.4 "${X264[@]}" -c:a aac -b:a 64k \
   -movflags +faststart "${BITEXACT[@]}" -metadata:s:a language=eng av.mp4
# mkv: H.264 + Opus (Matroska stores no per-stream duration or bit rate: exercises --accurate).
ff -f lavfi -i "$VIDEO" -f lavfi -i "$AUDIO" -t 2 "${X264[@]}" -c:a libopus -b:a 48k \
   "${BITEXACT[@]}" av.mkv
# mpegts: H.264 + AAC.
ff -f lavfi -i "$VIDEO" -f lavfi -i "$AUDIO" -t 2 "${X264[@]}" -c:a aac -b:a 64k "${BITEXACT[@]}" av.ts
# flv: H.264 + AAC.
ff -f lavfi -i "$VIDEO" -f lavfi -i "$AUDIO" -t 2 "${X264[@]}" -c:a aac -b:a 64k "${BITEXACT[@]}" av.flv
# webm: VP9 + Opus.
ff -f lavfi -i "$VIDEO" -f lavfi -i "$AUDIO" -t 2 -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 200k \
   -threads 1 -c:a libopus -b:a 48k "${BITEXACT[@]}" av.webm
# wav: 1 s of 16-bit PCM, 48 kHz stereo.
ff -f lavfi -i "$AUDIO" -t 1 -c:a pcm_s16le "${BITEXACT[@]}" tone.wav
# y4m: raw video is large, so a tiny moving pattern: 10 frames of 64x48.
ff -f lavfi -i "testsrc2=size=64x48:rate=10" -frames:v 10 -pix_fmt yuv420p "${BITEXACT[@]}" small.y4m
# vfr mp4: a moving pattern (Game of Life) at 25 fps with frames dropped unevenly, timestamps kept (variable rate).
ff -f lavfi -i "life=size=160x120:rate=25:mold=10:ratio=0.2:death_color=#202020:life_color=#80ff80" -t 3 \
   -vf "select='lt(mod(n\,10)\,3)+lt(n\,10)',format=yuv420p" -fps_mode vfr -enc_time_base 1/25 \
   -c:v libx264 -preset veryfast -crf 30 -threads 1 "${BITEXACT[@]}" vfr.mp4
# rotation: the mp4's video with a 90 degree display matrix (the "rotate" tag becomes one in FFmpeg 5.1's mov muxer).
ff -i av.mp4 -map 0:v -c copy -metadata:s:v:0 rotate=90 "${BITEXACT[@]}" rotated.mp4

ls -l av.mp4 av.mkv av.ts av.flv av.webm tone.wav small.y4m vfr.mp4 rotated.mp4
du -cb av.mp4 av.mkv av.ts av.flv av.webm tone.wav small.y4m vfr.mp4 rotated.mp4 | tail -1
