#!/usr/bin/env bash
# Installs the named Debian packages that are missing; does nothing when all are present.
# Without root rights it prints the exact command to run instead and fails.
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "error: missing Debian packages: ${missing[*]}" >&2
  echo "run as root:  $cmd" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
bash -c "$cmd" >/tmp/toolchain-apt.log 2>&1 || { tail -20 /tmp/toolchain-apt.log >&2; exit 1; }
