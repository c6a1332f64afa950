#!/usr/bin/env bash
# Builds the hyperparameter fuzzer (fuzz/fuzz_hparams.cpp: five valid tiny
# models with numeric metadata rewritten, loaded and run for three tokens)
# with clang, ASan + UBSan, and runs it.
#
#   fuzz/fuzz_hparams.sh [SECONDS] [extra libFuzzer flags...]
#
# SECONDS defaults to 600 (-max_total_time). Output goes to $FUZZ_OUT (default
# build-fuzz-hparams/): the CMake build, corpus/ and crash-*/oom-*/timeout-*
# artifacts. One process, one core.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_OUT:-$root/build-fuzz-hparams}
seconds=${1:-600}
shift $(( $# > 0 ? 1 : 0 ))

echo "== building (clang, ASan + UBSan, libFuzzer)"
CXX=${CXX:-clang++-14} cmake -S "$root" -B "$out" -DCMAKE_BUILD_TYPE=Release -DEDGELM_SANITIZE=ON -DEDGELM_FUZZ=ON \
  -DEDGELM_TESTS=OFF -DEDGELM_BENCH=OFF > /dev/null
cmake --build "$out" -j "$(nproc)" --target fuzz_hparams

echo "== fuzzing for $seconds s"
mkdir -p "$out/corpus"
# A tiny model needs a few MB; more than 256 MB in one allocation is an
# amplification bug, and a load plus three tokens takes milliseconds.
ASAN_OPTIONS=detect_leaks=1 "$out/fuzz/fuzz_hparams" -max_total_time="$seconds" -malloc_limit_mb=256 \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$out/" "$@" "$out/corpus"
