#!/usr/bin/env bash
# Installs what hynet needs on Debian 12 (run as root), then the npm packages,
# then builds. Idempotent: a second run installs nothing new.
#
#   bash scripts/setup.sh            # runtime + test dependencies
#   bash scripts/setup.sh --bench    # also the anchors the benchmarks compare against
set -euo pipefail
cd "$(dirname "$0")/.."

# Programs hynet drives, and the ones its tests compare against (tcpdump, editcap).
PKGS=(iproute2 procps kmod ethtool tcpdump wireshark-common zstd gzip iputils-ping perl-base time qemu-system-x86 busybox-static cpio xz-utils chromium fonts-dejavu-core)
# node-gyp builds the packet I/O addon (native/) during npm ci: a C compiler, make, python3.
PKGS+=(gcc g++ make python3)
if [[ "${1:-}" == "--bench" ]]; then
  PKGS+=(mininet netsniff-ng openvswitch-switch hyperfine)
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
else
  npm run build:native && npm run build
fi
