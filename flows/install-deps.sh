#!/usr/bin/env bash
# Installs the Debian packages kn-toolkit builds against and tests with. Safe to run again.
#   libsundials-dev  SUNDIALS 6.4 (ARKODE, CVODES, KLU) for the simulator
#   libxml2-dev      XSD validation of pdk/*.xml
#   ngspice          the circuit simulator (Debian 12: version 39; flows/ngspice46-osdi.sh upgrades it to 46)
#   python3-pip      downloads the foundry models (flows/pdk-install.sh) and the Verilog-A compiler
#   util-linux       flock, so parallel model installs do not collide
#   adms             admsXml, which checks that the emitted Verilog-A parses
set -euo pipefail
packages=(libsundials-dev libxml2-dev ngspice pkg-config python3 python3-pip util-linux adms)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
