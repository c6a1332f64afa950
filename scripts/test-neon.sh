#!/usr/bin/env bash
# Builds the kernel tests for AArch64 with Debian's cross compiler and runs
# them under qemu-user (tests/neon/CMakeLists.txt): the NEON matmul and
# attention kernels against the scalar references, as on an ARM machine.
# Installs g++-aarch64-linux-gnu and qemu-user when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for p in g++-aarch64-linux-gnu qemu-user googletest; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q "${missing[@]}"
fi
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S tests/neon -B build-neon -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64 \
  -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++ -DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc > /dev/null
cmake --build build-neon -j"$jobs" --target test_kernels_neon
# -cpu max: an Armv8.x core with the dot-product extension the kernels use.
QEMU_CPU=max qemu-aarch64 build-neon/test_kernels_neon --gtest_brief=1 "$@"
