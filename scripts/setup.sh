#!/usr/bin/env bash
# Sets up what is missing on a fresh machine, then exits. Used by `npm start` and `npm test`.
#   scripts/setup.sh            - what `npm start` needs: node packages, the build, and (as root) the node's runtime
#   scripts/setup.sh test       - the above plus what the test suite drives (etcd, images' sources, a registry, …)
# Debian packages are installed with apt-get only when what they provide is missing, and only as root.
# Never kubernetes-client: kubectl 1.27–1.33 are already on these machines, and that package conflicts with them.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-start}"

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing node packages" >&2
  npm install --no-audit --no-fund >&2
fi

# What must exist (a command, or a path) → the Debian package that provides it.
declare -A need=(
  [git]=git
  [containerd]=containerd
  [runc]=runc
  [/usr/lib/cni/bridge]=containernetworking-plugins
  [iptables]=iptables
  [nft]=nftables
  [/bin/busybox]=busybox-static
  [openssl]=openssl
)
if [ "$mode" = test ]; then
  need[etcd]=etcd-server
  need[/usr/sbin/nginx]=nginx
  need[redis-server]=redis-server
  need[docker-registry]=docker-registry
  need[skopeo]=skopeo
  need[wrk]=wrk
  need[/usr/lib/python3/dist-packages/kubernetes]=python3-kubernetes
fi

missing=()
for what in "${!need[@]}"; do
  if [[ "$what" == /* ]]; then
    [ -e "$what" ] || [ -e "/opt/cni/bin/${what##*/}" ] || missing+=("${need[$what]}")
  else
    command -v "$what" >/dev/null 2>&1 || missing+=("${need[$what]}")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (as root: apt-get install -y ${missing[*]})" >&2
    # Without root nothing can run containers anyway; the control plane and its tests still work.
    [ "$mode" = test ] && exit 1
  else
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # Packages such as nginx, redis-server and etcd-server start their daemon on install; kubelite and its tests run
    # their own instances, so keep the package scripts from starting any (Debian's policy-rc.d convention).
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && own_policy=1
    fi
    apt-get update -qq >&2 || true
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || { [ $own_policy = 1 ] && rm -f "$policy"; exit 1; }
    [ $own_policy = 1 ] && rm -f "$policy"
    true
  fi
fi

npx tsc -b
