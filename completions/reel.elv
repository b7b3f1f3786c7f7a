
use builtin;
use str;

set edit:completion:arg-completer[reel] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'reel'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'reel'= {
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand probe 'Show what media files contain: container, streams, codecs, timing (ffprobe-compatible JSON with --json)'
            cand transcode 'Decode, filter, encode and mux (x264, x265, rav1e AV1, libvpx, AAC, Opus ...), by flags or YAML presets'
            cand package 'Package an ABR ladder as HLS and DASH (CMAF or MPEG-TS segments) from one decode, or package encoded inputs'
            cand presets 'List and show the built-in YAML presets'
            cand analyze-bwe 'Run WebRTC bandwidth estimation (GCC) over a simulated link or a packet capture'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand serve 'Serve packaged HLS/DASH over HTTP (origin for players and CDN edges), with a player page'
            cand sr 'Super-resolution: upscale images or video by 2, 3 or 4 with learned models (fast, quality)'
            cand stitch360 'Convert 360-degree projections (equirect, cubemap, EAC, fisheye, perspective) and stitch dual fisheye'
            cand interpolate 'Make in-between frames by motion-compensated interpolation (image pair or y4m stream)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'reel;probe'= {
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand --ndjson 'One compact JSON object per input per line, for batches (instead of --json''s single document)'
            cand -r 'Probe every file below the given directories; files that are not media are reported and skipped'
            cand --recursive 'Probe every file below the given directories; files that are not media are reported and skipped'
            cand --show-packets 'Print every packet as one JSON object per line (ffprobe''s -show_packets fields)'
            cand --show-frames 'Decode and print every frame as one JSON object per line (ffprobe''s -show_frames fields)'
            cand --count-frames 'Count packets per stream by demuxing the whole input (nb_read_packets; one per frame for video)'
            cand --accurate 'Read the whole input to compute per-stream duration and bit rate where the container has none (MKV, WebM)'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'reel;transcode'= {
            cand -o 'Output file, or `-` for stdout (needs -f). Repeat for several outputs from one decode'
            cand --output 'Output file, or `-` for stdout (needs -f). Repeat for several outputs from one decode'
            cand -f 'Container: mp4, fmp4, mkv, webm, mpegts, flv, nut, y4m, wav (default: from the extension)'
            cand --format 'Container: mp4, fmp4, mkv, webm, mpegts, flv, nut, y4m, wav (default: from the extension)'
            cand --vcodec 'Video codec: h264, hevc, av1, vp9, copy, none, or a libavcodec encoder name'
            cand --crf 'Constant quality (x264/x265/libvpx CRF; AV1 on the 0-63 scale)'
            cand --vbitrate 'Target video bit rate (e.g. 3M)'
            cand --maxrate 'Maximum video bit rate (VBV)'
            cand --bufsize 'VBV buffer size'
            cand --speed 'Encoder speed: x264/x265 preset (ultrafast..veryslow) or 0..10 (rav1e, libvpx)'
            cand --gop 'Keyframe interval: seconds (2s) or frames (48); closed GOPs without scene-cut keyframes'
            cand --tune 'Encoder tune (film, animation, zerolatency ...)'
            cand --profile 'Codec profile (baseline, main, high ...)'
            cand --pix-fmt 'Output pixel format (yuv420p, yuv420p10le ...)'
            cand --vf 'Video filters, ffmpeg syntax: "scale=-2:720,fps=30" (any libavfilter filter)'
            cand --fps 'Constant output frame rate (variable frame rate is kept otherwise)'
            cand --vopt 'Extra encoder option, KEY=VALUE (libavcodec AVOption, e.g. x264-params=aq-mode=3). Repeatable'
            cand --acodec 'Audio codec: aac, opus, mp3, flac, pcm, copy, none, or a libavcodec encoder name'
            cand --abitrate 'Audio bit rate (e.g. 128k)'
            cand --ar 'Audio sample rate'
            cand --ac 'Audio channels'
            cand --af 'Audio filters, ffmpeg syntax: "volume=0.5,loudnorm"'
            cand --ss 'Start position in the input (seconds or hh:mm:ss.ms)'
            cand -t 'How much to transcode from the start position'
            cand --duration 'How much to transcode from the start position'
            cand --input-format 'Input format, when it cannot be guessed (pipes)'
            cand --preset 'A preset: built-in name (`reel presets list`) or a YAML file'
            cand --set 'Override a preset key: video.crf=20, audio.bitrate=96k, outputs.1.video.codec=av1. Repeatable'
            cand --graph-dot 'Write the resolved graph as Graphviz DOT'
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand --no-autorotate 'Keep the picture as stored instead of rotating it upright from the display matrix'
            cand --dry-run 'Print the resolved graph and exit'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'reel;package'= {
            cand -o 'Output directory (must not exist unless -y)'
            cand --output 'Output directory (must not exist unless -y)'
            cand --ladder 'The ladder: a built-in preset (ladder-h264, ladder-hevc, ladder-av1) or a YAML file'
            cand --segment 'Target segment duration (default 2s)'
            cand --container 'Segment container: cmaf (fragmented MP4, shared by HLS and DASH) or ts (MPEG-TS, HLS only)'
            cand --set 'Override a ladder key: video.speed=fast, video.renditions.0.bitrate=4M, audio.bitrate=96k. Repeatable'
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand --hls 'Write HLS (with --dash: both; with neither: what the ladder says, by default both)'
            cand --dash 'Write DASH'
            cand --copy 'Package the inputs as they are encoded (no re-encode); keyframe alignment is checked'
            cand --single-file 'One file per rendition addressed by byte ranges (EXT-X-BYTERANGE, DASH SegmentBase with a sidx)'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'reel;presets'= {
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List the built-in presets'
            cand show 'Print a built-in preset''s YAML (or a preset file after validation)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'reel;presets;list'= {
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'reel;presets;show'= {
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'reel;presets;help'= {
            cand list 'List the built-in presets'
            cand show 'Print a built-in preset''s YAML (or a preset file after validation)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'reel;presets;help;list'= {
        }
        &'reel;presets;help;show'= {
        }
        &'reel;presets;help;help'= {
        }
        &'reel;analyze-bwe'= {
            cand --scenario 'A built-in scenario (see --list-scenarios)'
            cand --capacity 'Constant bottleneck capacity, e.g. 2.5M'
            cand --steps 'Capacity steps as SECONDS:RATE pairs, e.g. 0:1M,40:2.5M,60:600k'
            cand --trace 'A capacity trace: Mahimahi, "seconds Mbps" lines or AlphaRTC JSON'
            cand --pcap 'Replay the estimator over a pcap/pcapng capture of RTP (transport-wide-cc or abs-send-time)'
            cand --duration 'Simulated time (default: the scenario''s, or 60 s)'
            cand --delay 'One-way propagation delay [default: 50ms; with --scenario, overrides the scenario''s]'
            cand --jitter 'Uniform jitter added to the propagation delay [default: 0]'
            cand --queue 'Bottleneck queue: a time (300ms) or a size in bytes (64000B, 64KB) [default: 300ms]'
            cand --loss 'Random loss fraction (0-1)'
            cand --gilbert 'Gilbert-Elliott loss: P(good->bad),P(bad->good)[,loss in bad state], e.g. 0.01,0.3,0.5'
            cand --competing 'Extra media flows with the same estimator sharing the bottleneck'
            cand --tcp 'A competing bulk TCP flow'
            cand --estimator 'The estimator'
            cand --throughput 'Acknowledged-throughput estimator: libwebrtc''s robust packet window, or the Bayesian 150 ms windows'
            cand --start-rate 'Start bit rate of the estimator'
            cand --feedback-interval 'Transport feedback interval (50-100 ms in browsers)'
            cand --seed 'Seed of the simulation''s random draws'
            cand -o 'Write the time series: .csv or .json'
            cand --output 'Write the time series: .csv or .json'
            cand --plot 'Write a plot: .svg or .png'
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand --list-scenarios 'List the built-in scenarios and exit'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'reel;completions'= {
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'reel;man'= {
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'reel;serve'= {
            cand --listen 'Address and port to listen on (port 0 picks a free one; the URL is printed on stdout)'
            cand --cache-mb 'Memory for caching small files, in MiB (0 streams every file from disk)'
            cand --ingest 'Accept live publishers: rtmp://ADDR:PORT/APP (publish to rtmp://host:port/APP/KEY) or srt://ADDR:PORT (publish MPEG-TS with streamid=KEY). Repeat for both. Streams are served at /live/KEY/index.m3u8'
            cand --ladder 'Transcode live streams to this ladder: a built-in preset (ladder-h264 ...) or a YAML file. Default: --copy'
            cand --keys 'Only these stream keys may publish: a file with one key a line (# comments)'
            cand --segment-duration 'Live segment duration in seconds (also the ladder''s keyframe interval)'
            cand --part-duration 'Live partial segment (LL-HLS part) duration in seconds'
            cand --window 'Complete segments kept in a live playlist; older ones are deleted'
            cand --stall-timeout 'Drop a publisher that sends nothing for this many seconds'
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand --listing 'Answer directory URLs with an HTML listing'
            cand --copy 'Pass live streams through without transcoding (the publisher''s keyframes then set the segment lengths)'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'reel;sr'= {
            cand -o 'Where to write the result; the format follows the extension (.png, .jpg, .mp4, .mkv ...)'
            cand --output 'Where to write the result; the format follows the extension (.png, .jpg, .mp4, .mkv ...)'
            cand --scale 'Upscaling factor'
            cand --model 'Which model upscales the luma (chroma always uses Lanczos)'
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'reel;stitch360'= {
            cand -o 'Output photo (PNG or JPEG); with --pose-trace a directory of numbered PNG viewports; with --inject-metadata a video (.mp4, .mov, .mkv)'
            cand --output 'Output photo (PNG or JPEG); with --pose-trace a directory of numbered PNG viewports; with --inject-metadata a video (.mp4, .mov, .mkv)'
            cand --from 'Input projection: equirect, c3x2 (cubemap), c6x1, c1x6, eac, fisheye, dual-fisheye, perspective'
            cand --to 'Output projection (same names as --from)'
            cand --yaw 'Turn the view right by this many degrees'
            cand --pitch 'Turn the view up by this many degrees'
            cand --roll 'Roll the view clockwise by this many degrees'
            cand --interp 'Interpolation: nearest, bilinear, bicubic, lanczos'
            cand --fov 'Field of view of fisheye and dual-fisheye lenses, in degrees (each lens)'
            cand --h-fov 'Horizontal field of view of a perspective view, in degrees'
            cand --v-fov 'Vertical field of view of a perspective view (default: from --h-fov and the output aspect)'
            cand --width 'Output width (default: keeps the input''s angular resolution; 1920 for perspective)'
            cand --height 'Output height (default: keeps the input''s angular resolution; 1080 for perspective)'
            cand --pose-trace 'Head-pose trace (CSV: time,yaw,pitch,roll in degrees): render one perspective viewport per pose from an equirect input into the output directory (view_00000.png, ...)'
            cand --lens 'Dual-fisheye lens parameters (YAML) for stitching to equirect'
            cand --save-lens 'Write the lens parameters used (after --calibrate) to this YAML file'
            cand --blend 'Seam blending when stitching dual fisheye: none, linear, multiband'
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand --calibrate 'Estimate the lens circles, the back lens''s rotation and the gains from the frame itself'
            cand --inject-metadata 'Copy a video without re-encoding, marking it as 360 (Spherical Video V2: sv3d/st3d in MP4, Projection in MKV) with the projection of --to (equirect or c3x2) and the initial view of --yaw/--pitch/--roll'
            cand --show-metadata 'Print a video''s spherical metadata'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'reel;interpolate'= {
            cand -o 'Output image or y4m stream (`-` for stdout)'
            cand --output 'Output image or y4m stream (`-` for stdout)'
            cand --t 'Time of the image to make between A (0) and B (1)'
            cand --fps 'Output frame rate of a stream (60, 30000/1001)'
            cand --factor 'Multiply the stream''s frame rate by N'
            cand --quality 'Speed/quality trade-off'
            cand --progress 'Progress reporting on stderr'
            cand --threads 'Worker threads (default: all cores)'
            cand -v 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand --verbose 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --json 'Machine-readable JSON on stdout'
            cand -y 'Overwrite existing outputs without asking'
            cand --overwrite 'Overwrite existing outputs without asking'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'reel;help'= {
            cand probe 'Show what media files contain: container, streams, codecs, timing (ffprobe-compatible JSON with --json)'
            cand transcode 'Decode, filter, encode and mux (x264, x265, rav1e AV1, libvpx, AAC, Opus ...), by flags or YAML presets'
            cand package 'Package an ABR ladder as HLS and DASH (CMAF or MPEG-TS segments) from one decode, or package encoded inputs'
            cand presets 'List and show the built-in YAML presets'
            cand analyze-bwe 'Run WebRTC bandwidth estimation (GCC) over a simulated link or a packet capture'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand serve 'Serve packaged HLS/DASH over HTTP (origin for players and CDN edges), with a player page'
            cand sr 'Super-resolution: upscale images or video by 2, 3 or 4 with learned models (fast, quality)'
            cand stitch360 'Convert 360-degree projections (equirect, cubemap, EAC, fisheye, perspective) and stitch dual fisheye'
            cand interpolate 'Make in-between frames by motion-compensated interpolation (image pair or y4m stream)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'reel;help;probe'= {
        }
        &'reel;help;transcode'= {
        }
        &'reel;help;package'= {
        }
        &'reel;help;presets'= {
            cand list 'List the built-in presets'
            cand show 'Print a built-in preset''s YAML (or a preset file after validation)'
        }
        &'reel;help;presets;list'= {
        }
        &'reel;help;presets;show'= {
        }
        &'reel;help;analyze-bwe'= {
        }
        &'reel;help;completions'= {
        }
        &'reel;help;man'= {
        }
        &'reel;help;serve'= {
        }
        &'reel;help;sr'= {
        }
        &'reel;help;stitch360'= {
        }
        &'reel;help;interpolate'= {
        }
        &'reel;help;help'= {
        }
    ]
    $completions[$command]
}
