#!/usr/bin/env bash
# The mnist forward-pass benchmark against PyTorch + torchdiffeq (issue: simulate ≥ 5× PyTorch CPU throughput).
# Creates a Python venv with torch and torchdiffeq from PyPI (outside the Swift build; a large download, since
# PyPI's Linux torch wheels carry CUDA libraries), builds kn-map in release mode, imports mnist, and prints
# both throughputs and their ratio, measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${KN_SHARED:-../shared}
venv=${KN_TORCH_VENV:-$HOME/.cache/kn-toolkit/torch-venv}
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c "import torch, torchdiffeq, yaml" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q torch torchdiffeq pyyaml numpy
fi
swift build -c release --product kn-map
bin=$(swift build -c release --show-bin-path)/kn-map
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$bin" import "$shared/upstream/mnist/model.pth" "$shared/upstream/mnist/config.yaml" -o "$tmp/mnist.knm"
"$venv/bin/python" Benchmarks/mnist_torch_baseline.py --kn-map "$bin" --model "$tmp/mnist.knm" \
  --checkpoint "$shared/upstream/mnist/model.pth" --config "$shared/upstream/mnist/config.yaml" --batch "${BATCH:-64}"
