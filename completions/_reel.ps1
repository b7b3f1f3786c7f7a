
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'reel' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'reel'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'reel' {
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Show what media files contain: container, streams, codecs, timing (ffprobe-compatible JSON with --json)')
            [CompletionResult]::new('transcode', 'transcode', [CompletionResultType]::ParameterValue, 'Decode, filter, encode and mux (x264, x265, rav1e AV1, libvpx, AAC, Opus ...), by flags or YAML presets')
            [CompletionResult]::new('package', 'package', [CompletionResultType]::ParameterValue, 'Package an ABR ladder as HLS and DASH (CMAF or MPEG-TS segments) from one decode, or package encoded inputs')
            [CompletionResult]::new('stream', 'stream', [CompletionResultType]::ParameterValue, 'Push live to RTMP, SRT, RTP, RTSP, UDP or RIST destinations from one encode; each recovers on its own')
            [CompletionResult]::new('presets', 'presets', [CompletionResultType]::ParameterValue, 'List and show the built-in YAML presets')
            [CompletionResult]::new('analyze-bwe', 'analyze-bwe', [CompletionResultType]::ParameterValue, 'Run WebRTC bandwidth estimation (GCC) over a simulated link or a packet capture')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve packaged HLS/DASH over HTTP (origin for players and CDN edges), with a player page')
            [CompletionResult]::new('sr', 'sr', [CompletionResultType]::ParameterValue, 'Super-resolution: upscale images or video by 2, 3 or 4 with learned models (fast, quality)')
            [CompletionResult]::new('stitch360', 'stitch360', [CompletionResultType]::ParameterValue, 'Convert 360-degree projections (equirect, cubemap, EAC, fisheye, perspective) and stitch dual fisheye')
            [CompletionResult]::new('interpolate', 'interpolate', [CompletionResultType]::ParameterValue, 'Make in-between frames by motion-compensated interpolation (image pair or y4m stream)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'reel;probe' {
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('--ndjson', '--ndjson', [CompletionResultType]::ParameterName, 'One compact JSON object per input per line, for batches (instead of --json''s single document)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Probe every file below the given directories; files that are not media are reported and skipped')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Probe every file below the given directories; files that are not media are reported and skipped')
            [CompletionResult]::new('--show-packets', '--show-packets', [CompletionResultType]::ParameterName, 'Print every packet as one JSON object per line (ffprobe''s -show_packets fields)')
            [CompletionResult]::new('--show-frames', '--show-frames', [CompletionResultType]::ParameterName, 'Decode and print every frame as one JSON object per line (ffprobe''s -show_frames fields)')
            [CompletionResult]::new('--count-frames', '--count-frames', [CompletionResultType]::ParameterName, 'Count packets per stream by demuxing the whole input (nb_read_packets; one per frame for video)')
            [CompletionResult]::new('--accurate', '--accurate', [CompletionResultType]::ParameterName, 'Read the whole input to compute per-stream duration and bit rate where the container has none (MKV, WebM)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'reel;transcode' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output file, or `-` for stdout (needs -f). Repeat for several outputs from one decode')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output file, or `-` for stdout (needs -f). Repeat for several outputs from one decode')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Container: mp4, fmp4, mkv, webm, mpegts, flv, nut, y4m, wav (default: from the extension)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Container: mp4, fmp4, mkv, webm, mpegts, flv, nut, y4m, wav (default: from the extension)')
            [CompletionResult]::new('--vcodec', '--vcodec', [CompletionResultType]::ParameterName, 'Video codec: h264, hevc, av1, vp9, copy, none, or a libavcodec encoder name')
            [CompletionResult]::new('--crf', '--crf', [CompletionResultType]::ParameterName, 'Constant quality (x264/x265/libvpx CRF; AV1 on the 0-63 scale)')
            [CompletionResult]::new('--vbitrate', '--vbitrate', [CompletionResultType]::ParameterName, 'Target video bit rate (e.g. 3M)')
            [CompletionResult]::new('--maxrate', '--maxrate', [CompletionResultType]::ParameterName, 'Maximum video bit rate (VBV)')
            [CompletionResult]::new('--bufsize', '--bufsize', [CompletionResultType]::ParameterName, 'VBV buffer size')
            [CompletionResult]::new('--speed', '--speed', [CompletionResultType]::ParameterName, 'Encoder speed: x264/x265 preset (ultrafast..veryslow) or 0..10 (rav1e, libvpx)')
            [CompletionResult]::new('--gop', '--gop', [CompletionResultType]::ParameterName, 'Keyframe interval: seconds (2s) or frames (48); closed GOPs without scene-cut keyframes')
            [CompletionResult]::new('--tune', '--tune', [CompletionResultType]::ParameterName, 'Encoder tune (film, animation, zerolatency ...)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Codec profile (baseline, main, high ...)')
            [CompletionResult]::new('--pix-fmt', '--pix-fmt', [CompletionResultType]::ParameterName, 'Output pixel format (yuv420p, yuv420p10le ...)')
            [CompletionResult]::new('--vf', '--vf', [CompletionResultType]::ParameterName, 'Video filters, ffmpeg syntax: "scale=-2:720,fps=30" (any libavfilter filter)')
            [CompletionResult]::new('--fps', '--fps', [CompletionResultType]::ParameterName, 'Constant output frame rate (variable frame rate is kept otherwise)')
            [CompletionResult]::new('--vopt', '--vopt', [CompletionResultType]::ParameterName, 'Extra encoder option, KEY=VALUE (libavcodec AVOption, e.g. x264-params=aq-mode=3). Repeatable')
            [CompletionResult]::new('--acodec', '--acodec', [CompletionResultType]::ParameterName, 'Audio codec: aac, opus, mp3, flac, pcm, copy, none, or a libavcodec encoder name')
            [CompletionResult]::new('--abitrate', '--abitrate', [CompletionResultType]::ParameterName, 'Audio bit rate (e.g. 128k)')
            [CompletionResult]::new('--ar', '--ar', [CompletionResultType]::ParameterName, 'Audio sample rate')
            [CompletionResult]::new('--ac', '--ac', [CompletionResultType]::ParameterName, 'Audio channels')
            [CompletionResult]::new('--af', '--af', [CompletionResultType]::ParameterName, 'Audio filters, ffmpeg syntax: "volume=0.5,loudnorm"')
            [CompletionResult]::new('--ss', '--ss', [CompletionResultType]::ParameterName, 'Start position in the input (seconds or hh:mm:ss.ms)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'How much to transcode from the start position')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How much to transcode from the start position')
            [CompletionResult]::new('--input-format', '--input-format', [CompletionResultType]::ParameterName, 'Input format, when it cannot be guessed (pipes)')
            [CompletionResult]::new('--preset', '--preset', [CompletionResultType]::ParameterName, 'A preset: built-in name (`reel presets list`) or a YAML file')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Override a preset key: video.crf=20, audio.bitrate=96k, outputs.1.video.codec=av1. Repeatable')
            [CompletionResult]::new('--graph-dot', '--graph-dot', [CompletionResultType]::ParameterName, 'Write the resolved graph as Graphviz DOT')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('--no-autorotate', '--no-autorotate', [CompletionResultType]::ParameterName, 'Keep the picture as stored instead of rotating it upright from the display matrix')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the resolved graph and exit')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'reel;package' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output directory (must not exist unless -y)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output directory (must not exist unless -y)')
            [CompletionResult]::new('--ladder', '--ladder', [CompletionResultType]::ParameterName, 'The ladder: a built-in preset (ladder-h264, ladder-hevc, ladder-av1) or a YAML file')
            [CompletionResult]::new('--segment', '--segment', [CompletionResultType]::ParameterName, 'Target segment duration (default 2s)')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Segment container: cmaf (fragmented MP4, shared by HLS and DASH) or ts (MPEG-TS, HLS only)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Override a ladder key: video.speed=fast, video.renditions.0.bitrate=4M, audio.bitrate=96k. Repeatable')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('--hls', '--hls', [CompletionResultType]::ParameterName, 'Write HLS (with --dash: both; with neither: what the ladder says, by default both)')
            [CompletionResult]::new('--dash', '--dash', [CompletionResultType]::ParameterName, 'Write DASH')
            [CompletionResult]::new('--copy', '--copy', [CompletionResultType]::ParameterName, 'Package the inputs as they are encoded (no re-encode); keyframe alignment is checked')
            [CompletionResult]::new('--single-file', '--single-file', [CompletionResultType]::ParameterName, 'One file per rendition addressed by byte ranges (EXT-X-BYTERANGE, DASH SegmentBase with a sidx)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'reel;stream' {
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Reconnection attempts in a row before a destination is given up (0: a failure ends that destination)')
            [CompletionResult]::new('--retry-max-delay', '--retry-max-delay', [CompletionResultType]::ParameterName, 'Longest wait between reconnection attempts (the wait doubles from 0.5 s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest any network operation (connect, send, close) may block')
            [CompletionResult]::new('--sdp', '--sdp', [CompletionResultType]::ParameterName, 'Write the SDP of an rtp:// destination here (it is printed on stdout otherwise)')
            [CompletionResult]::new('--vcodec', '--vcodec', [CompletionResultType]::ParameterName, 'Video codec: h264, hevc, av1, vp9, copy, none, or a libavcodec encoder name')
            [CompletionResult]::new('--crf', '--crf', [CompletionResultType]::ParameterName, 'Constant quality (x264/x265/libvpx CRF; AV1 on the 0-63 scale)')
            [CompletionResult]::new('--vbitrate', '--vbitrate', [CompletionResultType]::ParameterName, 'Target video bit rate (e.g. 3M)')
            [CompletionResult]::new('--maxrate', '--maxrate', [CompletionResultType]::ParameterName, 'Maximum video bit rate (VBV)')
            [CompletionResult]::new('--bufsize', '--bufsize', [CompletionResultType]::ParameterName, 'VBV buffer size')
            [CompletionResult]::new('--speed', '--speed', [CompletionResultType]::ParameterName, 'Encoder speed: x264/x265 preset (ultrafast..veryslow) or 0..10 (rav1e, libvpx)')
            [CompletionResult]::new('--gop', '--gop', [CompletionResultType]::ParameterName, 'Keyframe interval: seconds (2s) or frames (48); closed GOPs without scene-cut keyframes')
            [CompletionResult]::new('--tune', '--tune', [CompletionResultType]::ParameterName, 'Encoder tune (film, animation, zerolatency ...)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Codec profile (baseline, main, high ...)')
            [CompletionResult]::new('--pix-fmt', '--pix-fmt', [CompletionResultType]::ParameterName, 'Output pixel format (yuv420p, yuv420p10le ...)')
            [CompletionResult]::new('--vf', '--vf', [CompletionResultType]::ParameterName, 'Video filters, ffmpeg syntax: "scale=-2:720,fps=30" (any libavfilter filter)')
            [CompletionResult]::new('--fps', '--fps', [CompletionResultType]::ParameterName, 'Constant output frame rate (variable frame rate is kept otherwise)')
            [CompletionResult]::new('--vopt', '--vopt', [CompletionResultType]::ParameterName, 'Extra encoder option, KEY=VALUE (libavcodec AVOption, e.g. x264-params=aq-mode=3). Repeatable')
            [CompletionResult]::new('--acodec', '--acodec', [CompletionResultType]::ParameterName, 'Audio codec: aac, opus, mp3, flac, pcm, copy, none, or a libavcodec encoder name')
            [CompletionResult]::new('--abitrate', '--abitrate', [CompletionResultType]::ParameterName, 'Audio bit rate (e.g. 128k)')
            [CompletionResult]::new('--ar', '--ar', [CompletionResultType]::ParameterName, 'Audio sample rate')
            [CompletionResult]::new('--ac', '--ac', [CompletionResultType]::ParameterName, 'Audio channels')
            [CompletionResult]::new('--af', '--af', [CompletionResultType]::ParameterName, 'Audio filters, ffmpeg syntax: "volume=0.5,loudnorm"')
            [CompletionResult]::new('--ss', '--ss', [CompletionResultType]::ParameterName, 'Start position in the input (seconds or hh:mm:ss.ms)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'How much to transcode from the start position')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How much to transcode from the start position')
            [CompletionResult]::new('--input-format', '--input-format', [CompletionResultType]::ParameterName, 'Input format, when it cannot be guessed (pipes)')
            [CompletionResult]::new('--preset', '--preset', [CompletionResultType]::ParameterName, 'A preset: built-in name (`reel presets list`) or a YAML file')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Override a preset key: video.crf=20, audio.bitrate=96k, outputs.1.video.codec=av1. Repeatable')
            [CompletionResult]::new('--graph-dot', '--graph-dot', [CompletionResultType]::ParameterName, 'Write the resolved graph as Graphviz DOT')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('--re', '--re', [CompletionResultType]::ParameterName, 'Read the input at its native rate (live simulation from a file, as ffmpeg -re)')
            [CompletionResult]::new('--no-autorotate', '--no-autorotate', [CompletionResultType]::ParameterName, 'Keep the picture as stored instead of rotating it upright from the display matrix')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the resolved graph and exit')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'reel;presets' {
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the built-in presets')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a built-in preset''s YAML (or a preset file after validation)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'reel;presets;list' {
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'reel;presets;show' {
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'reel;presets;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the built-in presets')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a built-in preset''s YAML (or a preset file after validation)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'reel;presets;help;list' {
            break
        }
        'reel;presets;help;show' {
            break
        }
        'reel;presets;help;help' {
            break
        }
        'reel;analyze-bwe' {
            [CompletionResult]::new('--scenario', '--scenario', [CompletionResultType]::ParameterName, 'A built-in scenario (see --list-scenarios)')
            [CompletionResult]::new('--capacity', '--capacity', [CompletionResultType]::ParameterName, 'Constant bottleneck capacity, e.g. 2.5M')
            [CompletionResult]::new('--steps', '--steps', [CompletionResultType]::ParameterName, 'Capacity steps as SECONDS:RATE pairs, e.g. 0:1M,40:2.5M,60:600k')
            [CompletionResult]::new('--trace', '--trace', [CompletionResultType]::ParameterName, 'A capacity trace: Mahimahi, "seconds Mbps" lines or AlphaRTC JSON')
            [CompletionResult]::new('--pcap', '--pcap', [CompletionResultType]::ParameterName, 'Replay the estimator over a pcap/pcapng capture of RTP (transport-wide-cc or abs-send-time)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Simulated time (default: the scenario''s, or 60 s)')
            [CompletionResult]::new('--delay', '--delay', [CompletionResultType]::ParameterName, 'One-way propagation delay [default: 50ms; with --scenario, overrides the scenario''s]')
            [CompletionResult]::new('--jitter', '--jitter', [CompletionResultType]::ParameterName, 'Uniform jitter added to the propagation delay [default: 0]')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Bottleneck queue: a time (300ms) or a size in bytes (64000B, 64KB) [default: 300ms]')
            [CompletionResult]::new('--loss', '--loss', [CompletionResultType]::ParameterName, 'Random loss fraction (0-1)')
            [CompletionResult]::new('--gilbert', '--gilbert', [CompletionResultType]::ParameterName, 'Gilbert-Elliott loss: P(good->bad),P(bad->good)[,loss in bad state], e.g. 0.01,0.3,0.5')
            [CompletionResult]::new('--competing', '--competing', [CompletionResultType]::ParameterName, 'Extra media flows with the same estimator sharing the bottleneck')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'A competing bulk TCP flow')
            [CompletionResult]::new('--estimator', '--estimator', [CompletionResultType]::ParameterName, 'The estimator')
            [CompletionResult]::new('--throughput', '--throughput', [CompletionResultType]::ParameterName, 'Acknowledged-throughput estimator: libwebrtc''s robust packet window, or the Bayesian 150 ms windows')
            [CompletionResult]::new('--start-rate', '--start-rate', [CompletionResultType]::ParameterName, 'Start bit rate of the estimator')
            [CompletionResult]::new('--feedback-interval', '--feedback-interval', [CompletionResultType]::ParameterName, 'Transport feedback interval (50-100 ms in browsers)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the simulation''s random draws')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the time series: .csv or .json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the time series: .csv or .json')
            [CompletionResult]::new('--plot', '--plot', [CompletionResultType]::ParameterName, 'Write a plot: .svg or .png')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('--list-scenarios', '--list-scenarios', [CompletionResultType]::ParameterName, 'List the built-in scenarios and exit')
            [CompletionResult]::new('--no-capacity-probing', '--no-capacity-probing', [CompletionResultType]::ParameterName, 'Turn off reel''s capacity probing (a probe at twice the estimate after 5 s of steady increase), which leaves the controller as libwebrtc runs it')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'reel;completions' {
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'reel;man' {
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'reel;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address and port to listen on (port 0 picks a free one; the URL is printed on stdout)')
            [CompletionResult]::new('--cache-mb', '--cache-mb', [CompletionResultType]::ParameterName, 'Memory for caching small files, in MiB (0 streams every file from disk)')
            [CompletionResult]::new('--ingest', '--ingest', [CompletionResultType]::ParameterName, 'Accept live publishers: rtmp://ADDR:PORT/APP (publish to rtmp://host:port/APP/KEY) or srt://ADDR:PORT (publish MPEG-TS with streamid=KEY). Repeat for both. Streams are served at /live/KEY/index.m3u8')
            [CompletionResult]::new('--ladder', '--ladder', [CompletionResultType]::ParameterName, 'Transcode live streams to this ladder: a built-in preset (ladder-h264 ...) or a YAML file. Default: --copy')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'Only these stream keys may publish: a file with one key a line (# comments)')
            [CompletionResult]::new('--srt-passphrase', '--srt-passphrase', [CompletionResultType]::ParameterName, 'Encrypt SRT ingest with this passphrase (10 to 79 characters): only publishers that give the same one (srt://HOST:PORT?streamid=KEY&passphrase=SECRET) can connect; others are refused during the handshake. Read from REEL_SRT_PASSPHRASE when not given, which keeps it out of `ps`')
            [CompletionResult]::new('--segment-duration', '--segment-duration', [CompletionResultType]::ParameterName, 'Live segment duration in seconds (also the ladder''s keyframe interval)')
            [CompletionResult]::new('--part-duration', '--part-duration', [CompletionResultType]::ParameterName, 'Live partial segment (LL-HLS part) duration in seconds')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Complete segments kept in a live playlist; older ones are deleted')
            [CompletionResult]::new('--stall-timeout', '--stall-timeout', [CompletionResultType]::ParameterName, 'Drop a publisher that sends nothing for this many seconds')
            [CompletionResult]::new('--end-after', '--end-after', [CompletionResultType]::ParameterName, 'End a live stream whose publisher has been gone this many seconds: its playlists get EXT-X-ENDLIST, so players finish and stop reloading (0: as soon as the publisher leaves). A publisher that comes back, sooner or later, continues the same playlists after a discontinuity')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('--listing', '--listing', [CompletionResultType]::ParameterName, 'Answer directory URLs with an HTML listing')
            [CompletionResult]::new('--copy', '--copy', [CompletionResultType]::ParameterName, 'Pass live streams through without transcoding (the publisher''s keyframes then set the segment lengths)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'reel;sr' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the result; the format follows the extension (.png, .jpg, .mp4, .mkv ...)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the result; the format follows the extension (.png, .jpg, .mp4, .mkv ...)')
            [CompletionResult]::new('--scale', '--scale', [CompletionResultType]::ParameterName, 'Upscaling factor')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Which model upscales the luma (chroma always uses Lanczos)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'reel;stitch360' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output photo (PNG or JPEG); with --pose-trace a directory of numbered PNG viewports; with --inject-metadata a video (.mp4, .mov, .mkv)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output photo (PNG or JPEG); with --pose-trace a directory of numbered PNG viewports; with --inject-metadata a video (.mp4, .mov, .mkv)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Input projection: equirect, c3x2 (cubemap), c6x1, c1x6, eac, fisheye, dual-fisheye, perspective')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Output projection (same names as --from)')
            [CompletionResult]::new('--yaw', '--yaw', [CompletionResultType]::ParameterName, 'Turn the view right by this many degrees')
            [CompletionResult]::new('--pitch', '--pitch', [CompletionResultType]::ParameterName, 'Turn the view up by this many degrees')
            [CompletionResult]::new('--roll', '--roll', [CompletionResultType]::ParameterName, 'Roll the view clockwise by this many degrees')
            [CompletionResult]::new('--interp', '--interp', [CompletionResultType]::ParameterName, 'Interpolation: nearest, bilinear, bicubic, lanczos')
            [CompletionResult]::new('--fov', '--fov', [CompletionResultType]::ParameterName, 'Field of view of fisheye and dual-fisheye lenses, in degrees (each lens)')
            [CompletionResult]::new('--h-fov', '--h-fov', [CompletionResultType]::ParameterName, 'Horizontal field of view of a perspective view, in degrees')
            [CompletionResult]::new('--v-fov', '--v-fov', [CompletionResultType]::ParameterName, 'Vertical field of view of a perspective view (default: from --h-fov and the output aspect)')
            [CompletionResult]::new('--width', '--width', [CompletionResultType]::ParameterName, 'Output width (default: keeps the input''s angular resolution; 1920 for perspective)')
            [CompletionResult]::new('--height', '--height', [CompletionResultType]::ParameterName, 'Output height (default: keeps the input''s angular resolution; 1080 for perspective)')
            [CompletionResult]::new('--pose-trace', '--pose-trace', [CompletionResultType]::ParameterName, 'Head-pose trace (CSV: time,yaw,pitch,roll in degrees): render one perspective viewport per pose from an equirect input into the output directory (view_00000.png, ...)')
            [CompletionResult]::new('--lens', '--lens', [CompletionResultType]::ParameterName, 'Dual-fisheye lens parameters (YAML) for stitching to equirect')
            [CompletionResult]::new('--save-lens', '--save-lens', [CompletionResultType]::ParameterName, 'Write the lens parameters used (after --calibrate) to this YAML file')
            [CompletionResult]::new('--blend', '--blend', [CompletionResultType]::ParameterName, 'Seam blending when stitching dual fisheye: none, linear, multiband')
            [CompletionResult]::new('--tiles', '--tiles', [CompletionResultType]::ParameterName, 'Viewport-adaptive packaging of an equirect video: COLSxROWS tiles, each at the ladder''s qualities, plus a full-sphere base layer, as DASH with SRD descriptors in the -o directory (layout: docs/stitch360-tiles.md)')
            [CompletionResult]::new('--ladder', '--ladder', [CompletionResultType]::ParameterName, 'With --tiles: the ladder (lowest rung: the base layer; the others: tile qualities, bit rates for the whole frame). A built-in preset or a YAML file')
            [CompletionResult]::new('--segment', '--segment', [CompletionResultType]::ParameterName, 'With --tiles: segment duration')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output container for video (mp4, mkv, y4m ...; needed with `-o -`)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output container for video (mp4, mkv, y4m ...; needed with `-o -`)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'With --tiles: override a ladder key (video.speed=veryfast). Repeatable')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('--calibrate', '--calibrate', [CompletionResultType]::ParameterName, 'Estimate the lens circles, the back lens''s rotation and the gains from the frame itself')
            [CompletionResult]::new('--inject-metadata', '--inject-metadata', [CompletionResultType]::ParameterName, 'Copy a video without re-encoding, marking it as 360 (Spherical Video V2: sv3d/st3d in MP4, Projection in MKV) with the projection of --to (equirect or c3x2) and the initial view of --yaw/--pitch/--roll')
            [CompletionResult]::new('--show-metadata', '--show-metadata', [CompletionResultType]::ParameterName, 'Print a video''s spherical metadata')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'reel;interpolate' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output image or y4m stream (`-` for stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output image or y4m stream (`-` for stdout)')
            [CompletionResult]::new('--t', '--t', [CompletionResultType]::ParameterName, 'Time of the image to make between A (0) and B (1)')
            [CompletionResult]::new('--fps', '--fps', [CompletionResultType]::ParameterName, 'Output frame rate of a stream (60, 30000/1001)')
            [CompletionResult]::new('--factor', '--factor', [CompletionResultType]::ParameterName, 'Multiply the stream''s frame rate by N')
            [CompletionResult]::new('--quality', '--quality', [CompletionResultType]::ParameterName, 'Speed/quality trade-off')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress reporting on stderr')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: all cores)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more: -vv); errors show their cause chain')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable JSON on stdout')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Overwrite existing outputs without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'reel;help' {
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Show what media files contain: container, streams, codecs, timing (ffprobe-compatible JSON with --json)')
            [CompletionResult]::new('transcode', 'transcode', [CompletionResultType]::ParameterValue, 'Decode, filter, encode and mux (x264, x265, rav1e AV1, libvpx, AAC, Opus ...), by flags or YAML presets')
            [CompletionResult]::new('package', 'package', [CompletionResultType]::ParameterValue, 'Package an ABR ladder as HLS and DASH (CMAF or MPEG-TS segments) from one decode, or package encoded inputs')
            [CompletionResult]::new('stream', 'stream', [CompletionResultType]::ParameterValue, 'Push live to RTMP, SRT, RTP, RTSP, UDP or RIST destinations from one encode; each recovers on its own')
            [CompletionResult]::new('presets', 'presets', [CompletionResultType]::ParameterValue, 'List and show the built-in YAML presets')
            [CompletionResult]::new('analyze-bwe', 'analyze-bwe', [CompletionResultType]::ParameterValue, 'Run WebRTC bandwidth estimation (GCC) over a simulated link or a packet capture')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve packaged HLS/DASH over HTTP (origin for players and CDN edges), with a player page')
            [CompletionResult]::new('sr', 'sr', [CompletionResultType]::ParameterValue, 'Super-resolution: upscale images or video by 2, 3 or 4 with learned models (fast, quality)')
            [CompletionResult]::new('stitch360', 'stitch360', [CompletionResultType]::ParameterValue, 'Convert 360-degree projections (equirect, cubemap, EAC, fisheye, perspective) and stitch dual fisheye')
            [CompletionResult]::new('interpolate', 'interpolate', [CompletionResultType]::ParameterValue, 'Make in-between frames by motion-compensated interpolation (image pair or y4m stream)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'reel;help;probe' {
            break
        }
        'reel;help;transcode' {
            break
        }
        'reel;help;package' {
            break
        }
        'reel;help;stream' {
            break
        }
        'reel;help;presets' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the built-in presets')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a built-in preset''s YAML (or a preset file after validation)')
            break
        }
        'reel;help;presets;list' {
            break
        }
        'reel;help;presets;show' {
            break
        }
        'reel;help;analyze-bwe' {
            break
        }
        'reel;help;completions' {
            break
        }
        'reel;help;man' {
            break
        }
        'reel;help;serve' {
            break
        }
        'reel;help;sr' {
            break
        }
        'reel;help;stitch360' {
            break
        }
        'reel;help;interpolate' {
            break
        }
        'reel;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
