#!/usr/bin/env bash
# Runs one kn-toolkit netlist in ngspice batch mode, the way `kn-map flow run` does:
#   flows/ngspice-run.sh NETLIST.cir [TIMEOUT_SECONDS]
# The run happens in the netlist's folder with a .spiceinit holding `set num_threads=1`; the log goes to
# NETLIST.cir.log and the control block of the netlist writes NETLIST.raw next to it.
# Exit status: 0 done, 2 usage, 3 ngspice missing, 4 timeout, 5 non-convergence, else ngspice's own status.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 NETLIST.cir [TIMEOUT_SECONDS]" >&2
    exit 2
fi
netlist="$1"
limit="${2:-600}"
if [ ! -f "$netlist" ]; then
    echo "error: $netlist does not exist" >&2
    exit 2
fi
if ! command -v ngspice >/dev/null 2>&1; then
    echo "error: ngspice not found; install it with 'apt-get install ngspice' (or flows/ngspice46-osdi.sh for OSDI)" >&2
    exit 3
fi
dir="$(cd "$(dirname "$netlist")" && pwd)"
base="$(basename "$netlist")"
log="$dir/$base.log"
printf 'set num_threads=1\n' > "$dir/.spiceinit"

status=0
(cd "$dir" && timeout --kill-after=1 "$limit" ngspice -b "$base" </dev/null >"$log" 2>&1) || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "error: $netlist: ngspice did not finish within $limit s; last log lines:" >&2
    tail -n 15 "$log" >&2
    exit 4
fi
if grep -qiE 'timestep too small|no convergence|transient op failed|gmin stepping failed|source stepping failed|singular matrix' "$log"; then
    echo "error: $netlist: the simulation did not converge; last log lines:" >&2
    tail -n 15 "$log" >&2
    exit 5
fi
if [ "$status" -ne 0 ]; then
    echo "error: $netlist: ngspice exited with status $status; last log lines:" >&2
    tail -n 15 "$log" >&2
    exit "$status"
fi
echo "done: $netlist (log $log)"
