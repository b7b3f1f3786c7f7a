
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
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
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
        &'reel;help'= {
            cand probe 'Show what media files contain: container, streams, codecs, timing (ffprobe-compatible JSON with --json)'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'reel;help;probe'= {
        }
        &'reel;help;completions'= {
        }
        &'reel;help;man'= {
        }
        &'reel;help;help'= {
        }
    ]
    $completions[$command]
}
