#!/usr/bin/env bash
# Installs the Debian 12 packages edgelm builds against (idempotent), and any
# extra packages named on the command line (scripts/test-neon.sh's).
set -euo pipefail
packages=(build-essential cmake pkg-config googletest libgtest-dev libgmock-dev libbenchmark-dev
          nlohmann-json3-dev libcli11-dev libicu-dev libpcre2-dev libcpp-httplib-dev libedit-dev
          nginx-light chromium "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q "${missing[@]}"
fi
