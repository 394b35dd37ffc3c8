#!/usr/bin/env bash
# Runs every test of kn-toolkit: installs what the tests need (Debian packages, simulator tools), then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash flows/install-deps.sh
swift build --build-tests
swift test --skip-build
