#!/usr/bin/env bash
# Installs what hynet needs on Debian 12 (run as root), then the npm packages,
# then builds. Idempotent: a second run installs nothing new.
#
#   bash scripts/setup.sh            # runtime + test dependencies
#   bash scripts/setup.sh --bench    # also the anchors the benchmarks compare against
set -euo pipefail
cd "$(dirname "$0")/.."

# Programs hynet drives, and the ones its tests compare against (tcpdump, editcap).
PKGS=(iproute2 procps kmod ethtool tcpdump wireshark-common zstd gzip iputils-ping perl-base time qemu-system-x86 busybox-static cpio xz-utils squashfs-tools chromium fonts-dejavu-core)
# The testbed runner drives machines with OpenSSH's client; its tests run Debian's sshd in namespaces as the machines.
PKGS+=(openssh-client openssh-server)
# node-gyp builds the packet I/O addon (native/) during npm ci: a C compiler, make, python3.
PKGS+=(gcc g++ make python3)
if [[ "${1:-}" == "--bench" ]]; then
  PKGS+=(mininet netsniff-ng openvswitch-switch hyperfine)
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The VM guest builder fetches a Debian kernel package with `apt-get download`, which needs package lists.
need_update=0
compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null || need_update=1
if ((${#missing[@]})) || ((need_update)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# SR-IOV lab (hwpair): QEMU >= 8 emulates the igb NIC with virtual functions; bookworm has 7.2, its
# backports suite has 10.x. seabios from the same suite: bookworm's 1.16.2 made the kernel load 7x slower.
BACKPORTS=/etc/apt/sources.list.d/hynet-backports.sources
qemu_major() { dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null | sed -E 's/^[0-9]+://; s/[.+~].*//'; }
if [[ "$(qemu_major)" -lt 8 ]] 2>/dev/null || [[ -z "$(qemu_major)" ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: need root to install QEMU >= 8 from bookworm-backports" >&2
    exit 1
  fi
  if [[ ! -f $BACKPORTS ]]; then
    # The mirror host the system already uses, so no new host is named.
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v '^[[:space:]]*#' | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ' || true)
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "${mirror:-http://deb.debian.org/debian}" >"$BACKPORTS"
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  echo "setup: installing qemu-system-x86 and seabios from bookworm-backports"
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends -t bookworm-backports qemu-system-x86 seabios >/dev/null
fi

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
else
  npm run build:native && npm run build
fi
