#!/usr/bin/env bash
# Runs one kn-toolkit netlist in ngspice batch mode, the way `kn-map flow run` does:
#   flows/ngspice-run.sh NETLIST.cir [TIMEOUT_SECONDS]
# The run happens in the netlist's folder with a .spiceinit holding `set num_threads=1`; the log goes to
# NETLIST.cir.log and the control block of the netlist writes NETLIST.raw next to it.
# Exit status: 0 done, 2 usage, 3 ngspice missing, 4 timeout, 5 non-convergence, else ngspice's own status.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/simulator-run.sh"

kn_parse_arguments NETLIST.cir "$@"
kn_require ngspice "install it with 'apt-get install ngspice' (or flows/ngspice46-osdi.sh for OSDI)"
printf 'set num_threads=1\n' > "$dir/.spiceinit"

kn_run_timed ngspice -b "$base"
if grep -qiE 'timestep too small|no convergence|transient op failed|gmin stepping failed|source stepping failed|singular matrix' "$log"; then
    kn_fail 5 "the simulation did not converge"
fi
if [ "$status" -ne 0 ]; then
    kn_fail "$status" "ngspice exited with status $status"
fi
echo "done: $netlist (log $log)"
