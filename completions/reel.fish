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
complete -c reel -n "__fish_reel_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c reel -n "__fish_reel_needs_command" -f -a "man" -d 'Print the man page (roff)'
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
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe completions man help" -f -a "probe" -d 'Show what media files contain: container, streams, codecs, timing (ffprobe-compatible JSON with --json)'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe completions man help" -f -a "man" -d 'Print the man page (roff)'
complete -c reel -n "__fish_reel_using_subcommand help; and not __fish_seen_subcommand_from probe completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
