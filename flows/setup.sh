#!/usr/bin/env bash
# Set-up on a fresh Debian 12 machine: installs what kn-toolkit needs, builds kn-map (release), and runs the
# main job on the shipped example network: import → inspect → simulate → map (sky130) → emit an ngspice
# netlist → verify it in ngspice against the model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash flows/install-deps.sh
swift build -c release --product kn-map
bin=$(swift build -c release --show-bin-path)/kn-map
work=build/example
mkdir -p "$work"
"$bin" example -o "$work"
"$bin" import "$work/model.pth" "$work/config.yaml" -o "$work/example.knm"
"$bin" inspect "$work/example.knm" --tau 100e-9
printf '0.5,-0.25\n-1.0,0.75\n' > "$work/inputs.csv"
"$bin" simulate "$work/example.knm" --inputs "$work/inputs.csv" --method exact -o "$work/outputs.csv"
"$bin" map "$work/example.knm" --pdk sky130 --fidelity-edges 0 -o "$work/sky130"
"$bin" emit "$work/example.knm" --format ngspice --inputs "$work/inputs.csv" -o "$work/netlists"
"$bin" verify "$work/example.knm" --flow ngspice39-bsource --inputs "$work/inputs.csv"
echo "outputs at every anchor: $work/outputs.csv; mapped circuit: $work/sky130; netlists: $work/netlists"
