#!/usr/bin/env bash
# Builds the GGUF reader's libFuzzer harness with ASan+UBSan straight from the
# gguf and tensor sources (not part of the CMake build) and runs it.
#
#   fuzz/build_and_run.sh [RUNS] [extra libFuzzer flags...]
#
# RUNS defaults to 200000 (-runs); the run also stops after 10 minutes. Output
# goes to $FUZZ_OUT (default build-fuzz-gguf/): seeds/ (written by make_seeds plus
# stories260K.gguf when ../shared is present), corpus/ (inputs libFuzzer found
# interesting) and crash-*/leak-*/oom-* artifacts. One process, one core.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_OUT:-$root/build-fuzz-gguf}
runs=${1:-200000}
shift $(( $# > 0 ? 1 : 0 ))
cxx=${CXX:-clang++-14}
shared=${EDGELM_SHARED_DIR:-$root/../shared}

mkdir -p "$out/seeds" "$out/corpus"
common=(-std=c++20 -g -I"$root/src" -I"$root/include" -I"$root/fuzz")
lib_sources=("$root"/src/gguf/*.cpp "$root"/src/tensor/*.cpp)

echo "== building seed generator"
"$cxx" "${common[@]}" -O1 "${lib_sources[@]}" "$root/fuzz/make_seeds.cpp" -o "$out/make_seeds"
"$out/make_seeds" "$out/seeds"
if [[ -f "$shared/models/stories260K.gguf" ]]; then cp -f "$shared/models/stories260K.gguf" "$out/seeds/"; fi

echo "== building fuzzer (ASan + UBSan)"
"$cxx" "${common[@]}" -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  "${lib_sources[@]}" "$root/fuzz/fuzz_gguf.cpp" -o "$out/fuzz_gguf"

echo "== fuzzing for $runs inputs"
# max_len: room for the whole stories260K seed (1.2 MB), which libFuzzer would
# otherwise cut at 1 MB. malloc_limit_mb: the largest legitimate allocation for
# such inputs is a few MB, so anything near the limit is an amplification bug.
"$out/fuzz_gguf" -runs="$runs" -max_total_time=600 -max_len=1310720 -malloc_limit_mb=256 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$out/" "$@" "$out/corpus" "$out/seeds"
