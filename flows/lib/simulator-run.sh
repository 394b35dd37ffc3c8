# Shared by flows/ngspice-run.sh and flows/vacask-run.sh (sourced, not run): argument checks, the timed run in the
# netlist's folder, and the exit codes both scripts document.
#   kn_parse_arguments NAME.ext "$@"   sets netlist, limit, dir, base, log (exit 2 on bad usage)
#   kn_require TOOL FIX                exit 3 when TOOL is not on PATH
#   kn_run_timed TOOL ARGS…            runs TOOL ARGS… in $dir with a timeout, log in $log; exit 4 on timeout
#   kn_fail CODE MESSAGE               prints MESSAGE and the log's last lines, exits CODE

kn_parse_arguments() {
    local example=$1
    shift
    if [ $# -lt 1 ] || [ $# -gt 2 ]; then
        echo "usage: $0 $example [TIMEOUT_SECONDS]" >&2
        exit 2
    fi
    netlist="$1"
    limit="${2:-600}"
    if [ ! -f "$netlist" ]; then
        echo "error: $netlist does not exist" >&2
        exit 2
    fi
    dir="$(cd "$(dirname "$netlist")" && pwd)"
    base="$(basename "$netlist")"
    log="$dir/$base.log"
}

kn_require() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "error: $1 not found; $2" >&2
        exit 3
    fi
}

kn_fail() {
    echo "error: $netlist: $2; last log lines:" >&2
    tail -n 15 "$log" >&2
    exit "$1"
}

kn_run_timed() {
    status=0
    (cd "$dir" && timeout --kill-after=1 "$limit" "$@" </dev/null >"$log" 2>&1) || status=$?
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        kn_fail 4 "$1 did not finish within $limit s"
    fi
}
