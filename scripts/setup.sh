#!/usr/bin/env bash
# Sets up what is missing on a fresh machine, then exits. Used by `npm start` and `npm test`.
#   scripts/setup.sh            - what `npm start` needs (node packages, the build, and as root the node's runtime)
#   scripts/setup.sh test       - the above plus what the test suite drives (etcd, ...)
# Debian packages are installed with apt-get only when their command is missing, and only as root.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-start}"

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing node packages" >&2
  npm install --no-audit --no-fund >&2
fi

# command → Debian package that provides it.
declare -A need=()
need[git]=git
if [ "$mode" = test ]; then
  need[etcd]=etcd-server
fi

missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || true
  apt-get install -y -qq "${missing[@]}" >&2
fi

npx tsc -b
