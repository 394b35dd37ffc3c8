#!/usr/bin/env bash
# Set-up on a fresh Debian 12 machine: installs what kn-toolkit needs, builds kn-map (release), and runs the
# main job on the shipped example network: import → inspect → simulate.
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
"$bin" simulate "$work/example.knm" --samples 4 --seed 1 --method exact -o "$work/outputs.csv"
echo "outputs at every anchor: $work/outputs.csv"
