# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_reel_global_optspecs
    string join \n v/verbose q/quiet json progress= threads= y/overwrite h/help V/version
end

function __fish_reel_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_reel_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_reel_using_subcommand
    set -l cmd (__fish_reel_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c reel -n "__fish_reel_needs_command" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_needs_command" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_needs_command" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_needs_command" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_needs_command" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_needs_command" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_needs_command" -f -a "probe" -d 'Show what media files contain: container, streams, codecs, timing (ffprobe-compatible JSON with --json)'
complete -c reel -n "__fish_reel_needs_command" -f -a "transcode" -d 'Decode, filter, encode and mux (x264, x265, rav1e AV1, libvpx, AAC, Opus ...), by flags or YAML presets'
complete -c reel -n "__fish_reel_needs_command" -f -a "package" -d 'Package an ABR ladder as HLS and DASH (CMAF or MPEG-TS segments) from one decode, or package encoded inputs'
complete -c reel -n "__fish_reel_needs_command" -f -a "stream" -d 'Push live to RTMP, SRT, RTP, RTSP, UDP or RIST destinations from one encode; each recovers on its own'
complete -c reel -n "__fish_reel_needs_command" -f -a "presets" -d 'List and show the built-in YAML presets'
complete -c reel -n "__fish_reel_needs_command" -f -a "analyze-bwe" -d 'Run WebRTC bandwidth estimation (GCC) over a simulated link or a packet capture'
complete -c reel -n "__fish_reel_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c reel -n "__fish_reel_needs_command" -f -a "man" -d 'Print the man page (roff)'
complete -c reel -n "__fish_reel_needs_command" -f -a "serve" -d 'Serve packaged HLS/DASH over HTTP (origin for players and CDN edges), with a player page'
complete -c reel -n "__fish_reel_needs_command" -f -a "sr" -d 'Super-resolution: upscale images or video by 2, 3 or 4 with learned models (fast, quality)'
complete -c reel -n "__fish_reel_needs_command" -f -a "stitch360" -d 'Convert 360-degree projections (equirect, cubemap, EAC, fisheye, perspective) and stitch dual fisheye'
complete -c reel -n "__fish_reel_needs_command" -f -a "interpolate" -d 'Make in-between frames by motion-compensated interpolation (image pair or y4m stream)'
complete -c reel -n "__fish_reel_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c reel -n "__fish_reel_using_subcommand probe" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand probe" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand probe" -l ndjson -d 'One compact JSON object per input per line, for batches (instead of --json\'s single document)'
complete -c reel -n "__fish_reel_using_subcommand probe" -s r -l recursive -d 'Probe every file below the given directories; files that are not media are reported and skipped'
complete -c reel -n "__fish_reel_using_subcommand probe" -l show-packets -d 'Print every packet as one JSON object per line (ffprobe\'s -show_packets fields)'
complete -c reel -n "__fish_reel_using_subcommand probe" -l show-frames -d 'Decode and print every frame as one JSON object per line (ffprobe\'s -show_frames fields)'
complete -c reel -n "__fish_reel_using_subcommand probe" -l count-frames -d 'Count packets per stream by demuxing the whole input (nb_read_packets; one per frame for video)'
complete -c reel -n "__fish_reel_using_subcommand probe" -l accurate -d 'Read the whole input to compute per-stream duration and bit rate where the container has none (MKV, WebM)'
complete -c reel -n "__fish_reel_using_subcommand probe" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand probe" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand probe" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand probe" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand probe" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand transcode" -s o -l output -d 'Output file, or `-` for stdout (needs -f). Repeat for several outputs from one decode' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -s f -l format -d 'Container: mp4, fmp4, mkv, webm, mpegts, flv, nut, y4m, wav (default: from the extension)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l vcodec -d 'Video codec: h264, hevc, av1, vp9, copy, none, or a libavcodec encoder name' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l crf -d 'Constant quality (x264/x265/libvpx CRF; AV1 on the 0-63 scale)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l vbitrate -d 'Target video bit rate (e.g. 3M)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l maxrate -d 'Maximum video bit rate (VBV)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l bufsize -d 'VBV buffer size' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l speed -d 'Encoder speed: x264/x265 preset (ultrafast..veryslow) or 0..10 (rav1e, libvpx)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l gop -d 'Keyframe interval: seconds (2s) or frames (48); closed GOPs without scene-cut keyframes' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l tune -d 'Encoder tune (film, animation, zerolatency ...)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l profile -d 'Codec profile (baseline, main, high ...)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l pix-fmt -d 'Output pixel format (yuv420p, yuv420p10le ...)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l vf -d 'Video filters, ffmpeg syntax: "scale=-2:720,fps=30" (any libavfilter filter)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l fps -d 'Constant output frame rate (variable frame rate is kept otherwise)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l vopt -d 'Extra encoder option, KEY=VALUE (libavcodec AVOption, e.g. x264-params=aq-mode=3). Repeatable' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l acodec -d 'Audio codec: aac, opus, mp3, flac, pcm, copy, none, or a libavcodec encoder name' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l abitrate -d 'Audio bit rate (e.g. 128k)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l ar -d 'Audio sample rate' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l ac -d 'Audio channels' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l af -d 'Audio filters, ffmpeg syntax: "volume=0.5,loudnorm"' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l ss -d 'Start position in the input (seconds or hh:mm:ss.ms)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -s t -l duration -d 'How much to transcode from the start position' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l input-format -d 'Input format, when it cannot be guessed (pipes)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l preset -d 'A preset: built-in name (`reel presets list`) or a YAML file' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l set -d 'Override a preset key: video.crf=20, audio.bitrate=96k, outputs.1.video.codec=av1. Repeatable' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l graph-dot -d 'Write the resolved graph as Graphviz DOT' -r -F
complete -c reel -n "__fish_reel_using_subcommand transcode" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand transcode" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand transcode" -l no-autorotate -d 'Keep the picture as stored instead of rotating it upright from the display matrix'
complete -c reel -n "__fish_reel_using_subcommand transcode" -l dry-run -d 'Print the resolved graph and exit'
complete -c reel -n "__fish_reel_using_subcommand transcode" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand transcode" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand transcode" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand transcode" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand transcode" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand transcode" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand package" -s o -l output -d 'Output directory (must not exist unless -y)' -r -F
complete -c reel -n "__fish_reel_using_subcommand package" -l ladder -d 'The ladder: a built-in preset (ladder-h264, ladder-hevc, ladder-av1) or a YAML file' -r
complete -c reel -n "__fish_reel_using_subcommand package" -l segment -d 'Target segment duration (default 2s)' -r
complete -c reel -n "__fish_reel_using_subcommand package" -l container -d 'Segment container: cmaf (fragmented MP4, shared by HLS and DASH) or ts (MPEG-TS, HLS only)' -r
complete -c reel -n "__fish_reel_using_subcommand package" -l set -d 'Override a ladder key: video.speed=fast, video.renditions.0.bitrate=4M, audio.bitrate=96k. Repeatable' -r
complete -c reel -n "__fish_reel_using_subcommand package" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand package" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand package" -l hls -d 'Write HLS (with --dash: both; with neither: what the ladder says, by default both)'
complete -c reel -n "__fish_reel_using_subcommand package" -l dash -d 'Write DASH'
complete -c reel -n "__fish_reel_using_subcommand package" -l copy -d 'Package the inputs as they are encoded (no re-encode); keyframe alignment is checked'
complete -c reel -n "__fish_reel_using_subcommand package" -l single-file -d 'One file per rendition addressed by byte ranges (EXT-X-BYTERANGE, DASH SegmentBase with a sidx)'
complete -c reel -n "__fish_reel_using_subcommand package" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand package" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand package" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand package" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand package" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand package" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand stream" -l retries -d 'Reconnection attempts in a row before a destination is given up (0: a failure ends that destination)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l retry-max-delay -d 'Longest wait between reconnection attempts (the wait doubles from 0.5 s)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l timeout -d 'Longest any network operation (connect, send, close) may block' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l sdp -d 'Write the SDP of an rtp:// destination here (it is printed on stdout otherwise)' -r -F
complete -c reel -n "__fish_reel_using_subcommand stream" -l vcodec -d 'Video codec: h264, hevc, av1, vp9, copy, none, or a libavcodec encoder name' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l crf -d 'Constant quality (x264/x265/libvpx CRF; AV1 on the 0-63 scale)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l vbitrate -d 'Target video bit rate (e.g. 3M)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l maxrate -d 'Maximum video bit rate (VBV)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l bufsize -d 'VBV buffer size' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l speed -d 'Encoder speed: x264/x265 preset (ultrafast..veryslow) or 0..10 (rav1e, libvpx)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l gop -d 'Keyframe interval: seconds (2s) or frames (48); closed GOPs without scene-cut keyframes' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l tune -d 'Encoder tune (film, animation, zerolatency ...)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l profile -d 'Codec profile (baseline, main, high ...)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l pix-fmt -d 'Output pixel format (yuv420p, yuv420p10le ...)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l vf -d 'Video filters, ffmpeg syntax: "scale=-2:720,fps=30" (any libavfilter filter)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l fps -d 'Constant output frame rate (variable frame rate is kept otherwise)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l vopt -d 'Extra encoder option, KEY=VALUE (libavcodec AVOption, e.g. x264-params=aq-mode=3). Repeatable' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l acodec -d 'Audio codec: aac, opus, mp3, flac, pcm, copy, none, or a libavcodec encoder name' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l abitrate -d 'Audio bit rate (e.g. 128k)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l ar -d 'Audio sample rate' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l ac -d 'Audio channels' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l af -d 'Audio filters, ffmpeg syntax: "volume=0.5,loudnorm"' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l ss -d 'Start position in the input (seconds or hh:mm:ss.ms)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -s t -l duration -d 'How much to transcode from the start position' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l input-format -d 'Input format, when it cannot be guessed (pipes)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l preset -d 'A preset: built-in name (`reel presets list`) or a YAML file' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l set -d 'Override a preset key: video.crf=20, audio.bitrate=96k, outputs.1.video.codec=av1. Repeatable' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l graph-dot -d 'Write the resolved graph as Graphviz DOT' -r -F
complete -c reel -n "__fish_reel_using_subcommand stream" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand stream" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand stream" -l re -d 'Read the input at its native rate (live simulation from a file, as ffmpeg -re)'
complete -c reel -n "__fish_reel_using_subcommand stream" -l no-autorotate -d 'Keep the picture as stored instead of rotating it upright from the display matrix'
complete -c reel -n "__fish_reel_using_subcommand stream" -l dry-run -d 'Print the resolved graph and exit'
complete -c reel -n "__fish_reel_using_subcommand stream" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand stream" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand stream" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand stream" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand stream" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand stream" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand presets; and not __fish_seen_subcommand_from list show help" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand presets; and not __fish_seen_subcommand_from list show help" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand presets; and not __fish_seen_subcommand_from list show help" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand presets; and not __fish_seen_subcommand_from list show help" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand presets; and not __fish_seen_subcommand_from list show help" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand presets; and not __fish_seen_subcommand_from list show help" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand presets; and not __fish_seen_subcommand_from list show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand presets; and not __fish_seen_subcommand_from list show help" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand presets; and not __fish_seen_subcommand_from list show help" -f -a "list" -d 'List the built-in presets'
complete -c reel -n "__fish_reel_using_subcommand presets; and not __fish_seen_subcommand_from list show help" -f -a "show" -d 'Print a built-in preset\'s YAML (or a preset file after validation)'
complete -c reel -n "__fish_reel_using_subcommand presets; and not __fish_seen_subcommand_from list show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from list" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from list" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from list" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from list" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from show" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from show" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from show" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from show" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the built-in presets'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print a built-in preset\'s YAML (or a preset file after validation)'
complete -c reel -n "__fish_reel_using_subcommand presets; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l scenario -d 'A built-in scenario (see --list-scenarios)' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l capacity -d 'Constant bottleneck capacity, e.g. 2.5M' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l steps -d 'Capacity steps as SECONDS:RATE pairs, e.g. 0:1M,40:2.5M,60:600k' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l trace -d 'A capacity trace: Mahimahi, "seconds Mbps" lines or AlphaRTC JSON' -r -F
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l pcap -d 'Replay the estimator over a pcap/pcapng capture of RTP (transport-wide-cc or abs-send-time)' -r -F
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l duration -d 'Simulated time (default: the scenario\'s, or 60 s)' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l delay -d 'One-way propagation delay [default: 50ms; with --scenario, overrides the scenario\'s]' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l jitter -d 'Uniform jitter added to the propagation delay [default: 0]' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l queue -d 'Bottleneck queue: a time (300ms) or a size in bytes (64000B, 64KB) [default: 300ms]' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l loss -d 'Random loss fraction (0-1)' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l gilbert -d 'Gilbert-Elliott loss: P(good->bad),P(bad->good)[,loss in bad state], e.g. 0.01,0.3,0.5' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l competing -d 'Extra media flows with the same estimator sharing the bottleneck' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l tcp -d 'A competing bulk TCP flow' -r -f -a "reno\t''
cubic\t''"
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l estimator -d 'The estimator' -r -f -a "gcc\t'libwebrtc\'s GCC with the trendline filter'
gcc-kalman\t'draft-ietf-rmcat-gcc-02: the Kalman filter of the delay gradient'"
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l throughput -d 'Acknowledged-throughput estimator: libwebrtc\'s robust packet window, or the Bayesian 150 ms windows' -r -f -a "robust\t''
bayesian\t''"
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l start-rate -d 'Start bit rate of the estimator' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l feedback-interval -d 'Transport feedback interval (50-100 ms in browsers)' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l seed -d 'Seed of the simulation\'s random draws' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -s o -l output -d 'Write the time series: .csv or .json' -r -F
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l plot -d 'Write a plot: .svg or .png' -r -F
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l list-scenarios -d 'List the built-in scenarios and exit'
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l no-capacity-probing -d 'Turn off reel\'s capacity probing (a probe at twice the estimate after 5 s of steady increase), which leaves the controller as libwebrtc runs it'
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand analyze-bwe" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand completions" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand completions" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand completions" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand completions" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand completions" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand completions" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand man" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand man" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand man" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand man" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand man" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand man" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand man" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand serve" -l listen -d 'Address and port to listen on (port 0 picks a free one; the URL is printed on stdout)' -r
complete -c reel -n "__fish_reel_using_subcommand serve" -l cache-mb -d 'Memory for caching small files, in MiB (0 streams every file from disk)' -r
complete -c reel -n "__fish_reel_using_subcommand serve" -l ingest -d 'Accept live publishers: rtmp://ADDR:PORT/APP (publish to rtmp://host:port/APP/KEY) or srt://ADDR:PORT (publish MPEG-TS with streamid=KEY). Repeat for both. Streams are served at /live/KEY/index.m3u8' -r
complete -c reel -n "__fish_reel_using_subcommand serve" -l ladder -d 'Transcode live streams to this ladder: a built-in preset (ladder-h264 ...) or a YAML file. Default: --copy' -r
complete -c reel -n "__fish_reel_using_subcommand serve" -l keys -d 'Only these stream keys may publish: a file with one key a line (# comments)' -r -F
complete -c reel -n "__fish_reel_using_subcommand serve" -l srt-passphrase -d 'Encrypt SRT ingest with this passphrase (10 to 79 characters): only publishers that give the same one (srt://HOST:PORT?streamid=KEY&passphrase=SECRET) can connect; others are refused during the handshake. Read from REEL_SRT_PASSPHRASE when not given, which keeps it out of `ps`' -r
complete -c reel -n "__fish_reel_using_subcommand serve" -l segment-duration -d 'Live segment duration in seconds (also the ladder\'s keyframe interval)' -r
complete -c reel -n "__fish_reel_using_subcommand serve" -l part-duration -d 'Live partial segment (LL-HLS part) duration in seconds' -r
complete -c reel -n "__fish_reel_using_subcommand serve" -l window -d 'Complete segments kept in a live playlist; older ones are deleted' -r
complete -c reel -n "__fish_reel_using_subcommand serve" -l stall-timeout -d 'Drop a publisher that sends nothing for this many seconds' -r
complete -c reel -n "__fish_reel_using_subcommand serve" -l end-after -d 'End a live stream whose publisher has been gone this many seconds: its playlists get EXT-X-ENDLIST, so players finish and stop reloading (0: as soon as the publisher leaves). A publisher that comes back, sooner or later, continues the same playlists after a discontinuity' -r
complete -c reel -n "__fish_reel_using_subcommand serve" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand serve" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand serve" -l listing -d 'Answer directory URLs with an HTML listing'
complete -c reel -n "__fish_reel_using_subcommand serve" -l copy -d 'Pass live streams through without transcoding (the publisher\'s keyframes then set the segment lengths)'
complete -c reel -n "__fish_reel_using_subcommand serve" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand serve" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand serve" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand serve" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand serve" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand sr" -s o -l output -d 'Where to write the result; the format follows the extension (.png, .jpg, .mp4, .mkv ...)' -r -F
complete -c reel -n "__fish_reel_using_subcommand sr" -l scale -d 'Upscaling factor' -r
complete -c reel -n "__fish_reel_using_subcommand sr" -l model -d 'Which model upscales the luma (chroma always uses Lanczos)' -r -f -a "fast\t'Learned filters (RAISR family): real-time for video'
quality\t'Fast plus a learned refinement pass: about twice the time, a little sharper'"
complete -c reel -n "__fish_reel_using_subcommand sr" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand sr" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand sr" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand sr" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand sr" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand sr" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand sr" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand sr" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand stitch360" -s o -l output -d 'Output photo (PNG or JPEG); with --pose-trace a directory of numbered PNG viewports; with --inject-metadata a video (.mp4, .mov, .mkv)' -r -F
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l from -d 'Input projection: equirect, c3x2 (cubemap), c6x1, c1x6, eac, fisheye, dual-fisheye, perspective' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l to -d 'Output projection (same names as --from)' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l yaw -d 'Turn the view right by this many degrees' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l pitch -d 'Turn the view up by this many degrees' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l roll -d 'Roll the view clockwise by this many degrees' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l interp -d 'Interpolation: nearest, bilinear, bicubic, lanczos' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l fov -d 'Field of view of fisheye and dual-fisheye lenses, in degrees (each lens)' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l h-fov -d 'Horizontal field of view of a perspective view, in degrees' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l v-fov -d 'Vertical field of view of a perspective view (default: from --h-fov and the output aspect)' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l width -d 'Output width (default: keeps the input\'s angular resolution; 1920 for perspective)' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l height -d 'Output height (default: keeps the input\'s angular resolution; 1080 for perspective)' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l pose-trace -d 'Head-pose trace (CSV: time,yaw,pitch,roll in degrees): render one perspective viewport per pose from an equirect input into the output directory (view_00000.png, ...)' -r -F
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l lens -d 'Dual-fisheye lens parameters (YAML) for stitching to equirect' -r -F
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l save-lens -d 'Write the lens parameters used (after --calibrate) to this YAML file' -r -F
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l blend -d 'Seam blending when stitching dual fisheye: none, linear, multiband' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l tiles -d 'Viewport-adaptive packaging of an equirect video: COLSxROWS tiles, each at the ladder\'s qualities, plus a full-sphere base layer, as DASH with SRD descriptors in the -o directory (layout: docs/stitch360-tiles.md)' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l ladder -d 'With --tiles: the ladder (lowest rung: the base layer; the others: tile qualities, bit rates for the whole frame). A built-in preset or a YAML file' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l segment -d 'With --tiles: segment duration' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -s f -l format -d 'Output container for video (mp4, mkv, y4m ...; needed with `-o -`)' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l set -d 'With --tiles: override a ladder key (video.speed=veryfast). Repeatable' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l calibrate -d 'Estimate the lens circles, the back lens\'s rotation and the gains from the frame itself'
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l inject-metadata -d 'Copy a video without re-encoding, marking it as 360 (Spherical Video V2: sv3d/st3d in MP4, Projection in MKV) with the projection of --to (equirect or c3x2) and the initial view of --yaw/--pitch/--roll'
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l show-metadata -d 'Print a video\'s spherical metadata'
complete -c reel -n "__fish_reel_using_subcommand stitch360" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand stitch360" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand stitch360" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand stitch360" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand stitch360" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand stitch360" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand interpolate" -s o -l output -d 'Output image or y4m stream (`-` for stdout)' -r -F
complete -c reel -n "__fish_reel_using_subcommand interpolate" -l t -d 'Time of the image to make between A (0) and B (1)' -r
complete -c reel -n "__fish_reel_using_subcommand interpolate" -l fps -d 'Output frame rate of a stream (60, 30000/1001)' -r
complete -c reel -n "__fish_reel_using_subcommand interpolate" -l factor -d 'Multiply the stream\'s frame rate by N' -r
complete -c reel -n "__fish_reel_using_subcommand interpolate" -l quality -d 'Speed/quality trade-off' -r -f -a "fast\t'Flow at quarter resolution, bilinear warping: faster than real time at 720p30 -> 60 on 2 cores'
balanced\t'Flow at half resolution (full below 600 px wide) with variational refinement, bicubic warping'
best\t'`balanced` on the pair and its three mirror images, averaged: about 0.4 dB more, four times slower'"
complete -c reel -n "__fish_reel_using_subcommand interpolate" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand interpolate" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand interpolate" -s v -l verbose -d 'More log output on stderr (repeat for more: -vv); errors show their cause chain'
complete -c reel -n "__fish_reel_using_subcommand interpolate" -s q -l quiet -d 'Only errors on stderr'
complete -c reel -n "__fish_reel_using_subcommand interpolate" -l json -d 'Machine-readable JSON on stdout'
complete -c reel -n "__fish_reel_using_subcommand interpolate" -s y -l overwrite -d 'Overwrite existing outputs without asking'
complete -c reel -n "__fish_reel_using_subcommand interpolate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c reel -n "__fish_reel_using_subcommand interpolate" -s V -l version -d 'Print version'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode package stream presets analyze-bwe completions man serve sr stitch360 interpolate help" -f -a "probe" -d 'Show what media files contain: container, streams, codecs, timing (ffprobe-compatible JSON with --json)'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode package stream presets analyze-bwe completions man serve sr stitch360 interpolate help" -f -a "transcode" -d 'Decode, filter, encode and mux (x264, x265, rav1e AV1, libvpx, AAC, Opus ...), by flags or YAML presets'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode package stream presets analyze-bwe completions man serve sr stitch360 interpolate help" -f -a "package" -d 'Package an ABR ladder as HLS and DASH (CMAF or MPEG-TS segments) from one decode, or package encoded inputs'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode package stream presets analyze-bwe completions man serve sr stitch360 interpolate help" -f -a "stream" -d 'Push live to RTMP, SRT, RTP, RTSP, UDP or RIST destinations from one encode; each recovers on its own'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode package stream presets analyze-bwe completions man serve sr stitch360 interpolate help" -f -a "presets" -d 'List and show the built-in YAML presets'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode package stream presets analyze-bwe completions man serve sr stitch360 interpolate help" -f -a "analyze-bwe" -d 'Run WebRTC bandwidth estimation (GCC) over a simulated link or a packet capture'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode package stream presets analyze-bwe completions man serve sr stitch360 interpolate help" -f -a "completions" -d 'Print a shell completion script'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode package stream presets analyze-bwe completions man serve sr stitch360 interpolate help" -f -a "man" -d 'Print the man page (roff)'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode package stream presets analyze-bwe completions man serve sr stitch360 interpolate help" -f -a "serve" -d 'Serve packaged HLS/DASH over HTTP (origin for players and CDN edges), with a player page'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode package stream presets analyze-bwe completions man serve sr stitch360 interpolate help" -f -a "sr" -d 'Super-resolution: upscale images or video by 2, 3 or 4 with learned models (fast, quality)'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode package stream presets analyze-bwe completions man serve sr stitch360 interpolate help" -f -a "stitch360" -d 'Convert 360-degree projections (equirect, cubemap, EAC, fisheye, perspective) and stitch dual fisheye'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode package stream presets analyze-bwe completions man serve sr stitch360 interpolate help" -f -a "interpolate" -d 'Make in-between frames by motion-compensated interpolation (image pair or y4m stream)'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode package stream presets analyze-bwe completions man serve sr stitch360 interpolate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c reel -n "__fish_reel_using_subcommand help; and __fish_seen_subcommand_from presets" -f -a "list" -d 'List the built-in presets'
complete -c reel -n "__fish_reel_using_subcommand help; and __fish_seen_subcommand_from presets" -f -a "show" -d 'Print a built-in preset\'s YAML (or a preset file after validation)'
