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
complete -c reel -n "__fish_reel_needs_command" -f -a "presets" -d 'List and show the built-in YAML presets'
complete -c reel -n "__fish_reel_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c reel -n "__fish_reel_needs_command" -f -a "man" -d 'Print the man page (roff)'
complete -c reel -n "__fish_reel_needs_command" -f -a "serve" -d 'Serve packaged HLS/DASH over HTTP (origin for players and CDN edges), with a player page'
complete -c reel -n "__fish_reel_needs_command" -f -a "sr" -d 'Super-resolution: upscale images or video by 2, 3 or 4 with learned models (fast, quality)'
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
complete -c reel -n "__fish_reel_using_subcommand serve" -l progress -d 'Progress reporting on stderr' -r -f -a "auto\t'A bar when stderr is a terminal, nothing otherwise'
bar\t'Always a bar'
json\t'NDJSON progress events on stderr, for machines'
none\t'No progress output'"
complete -c reel -n "__fish_reel_using_subcommand serve" -l threads -d 'Worker threads (default: all cores)' -r
complete -c reel -n "__fish_reel_using_subcommand serve" -l listing -d 'Answer directory URLs with an HTML listing'
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
complete -c reel -n "__fish_reel_using_subcommand interpolate" -s o -l output -d 'Output image or y4m stream (`-` for stdout)' -r -F
complete -c reel -n "__fish_reel_using_subcommand interpolate" -l t -d 'Time of the image to make between A (0) and B (1)' -r
complete -c reel -n "__fish_reel_using_subcommand interpolate" -l fps -d 'Output frame rate of a stream (60, 30000/1001)' -r
complete -c reel -n "__fish_reel_using_subcommand interpolate" -l factor -d 'Multiply the stream\'s frame rate by N' -r
complete -c reel -n "__fish_reel_using_subcommand interpolate" -l quality -d 'Speed/quality trade-off' -r -f -a "fast\t''
balanced\t''
best\t''"
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
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode presets completions man serve sr interpolate help" -f -a "probe" -d 'Show what media files contain: container, streams, codecs, timing (ffprobe-compatible JSON with --json)'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode presets completions man serve sr interpolate help" -f -a "transcode" -d 'Decode, filter, encode and mux (x264, x265, rav1e AV1, libvpx, AAC, Opus ...), by flags or YAML presets'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode presets completions man serve sr interpolate help" -f -a "presets" -d 'List and show the built-in YAML presets'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode presets completions man serve sr interpolate help" -f -a "completions" -d 'Print a shell completion script'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode presets completions man serve sr interpolate help" -f -a "man" -d 'Print the man page (roff)'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode presets completions man serve sr interpolate help" -f -a "serve" -d 'Serve packaged HLS/DASH over HTTP (origin for players and CDN edges), with a player page'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode presets completions man serve sr interpolate help" -f -a "sr" -d 'Super-resolution: upscale images or video by 2, 3 or 4 with learned models (fast, quality)'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode presets completions man serve sr interpolate help" -f -a "interpolate" -d 'Make in-between frames by motion-compensated interpolation (image pair or y4m stream)'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe transcode presets completions man serve sr interpolate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c reel -n "__fish_reel_using_subcommand help; and __fish_seen_subcommand_from presets" -f -a "list" -d 'List the built-in presets'
complete -c reel -n "__fish_reel_using_subcommand help; and __fish_seen_subcommand_from presets" -f -a "show" -d 'Print a built-in preset\'s YAML (or a preset file after validation)'
