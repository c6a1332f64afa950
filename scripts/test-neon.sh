#!/usr/bin/env bash
# Builds the kernel tests for AArch64 with Debian's cross compiler and runs
# them under qemu-user (tests/neon/CMakeLists.txt): the NEON matmul and
# attention kernels against the scalar references, as on an ARM machine.
# Installs g++-aarch64-linux-gnu and qemu-user when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh g++-aarch64-linux-gnu qemu-user googletest
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S tests/neon -B build-neon -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64 \
  -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++ -DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc > /dev/null
cmake --build build-neon -j"$jobs" --target test_kernels_neon
# -cpu max: an Armv8.x core with the dot-product extension the kernels use.
QEMU_CPU=max qemu-aarch64 build-neon/test_kernels_neon --gtest_brief=1 "$@"
