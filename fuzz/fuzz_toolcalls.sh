#!/usr/bin/env bash
# Builds the tool-call parsers' libFuzzer harness with ASan+UBSan straight from
# src/chat/toolcalls (not part of the CMake build) and runs it.
#
#   fuzz/fuzz_toolcalls.sh [RUNS] [extra libFuzzer flags...]
#
# RUNS defaults to 200000 (-runs). Seeds are the model texts of ../shared/chat/toolcalls,
# each prefixed with the option bytes of its family. Output goes to $FUZZ_OUT (default
# build-fuzz-toolcalls/): seeds/, corpus/ and crash-* artifacts.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_OUT:-$root/build-fuzz-toolcalls}
runs=${1:-200000}
shift $(( $# > 0 ? 1 : 0 ))
cxx=${CXX:-clang++-14}
shared=${EDGELM_SHARED_DIR:-$root/../shared}

mkdir -p "$out/seeds" "$out/corpus"
if [[ -d "$shared/chat/toolcalls" ]]; then
  echo "== writing seeds"
  python3 - "$shared/chat/toolcalls" "$out/seeds" <<'PY'
import json, pathlib, sys
families = {"gemma4": 0, "gemma4_e2b": 0, "qwen3_5": 1, "qwen3_hermes": 2}
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
n = 0
for f in sorted(src.glob("*.jsonl")):
    for line in f.read_text().splitlines():
        r = json.loads(line)
        fam = families[r["family"]]
        inside = r.get("prompt_ends_inside_reasoning") or r.get("gen_prompt", "").rstrip().endswith(("<think>", "<|channel>thought"))
        flags = fam | (4 if inside else 0) | 16 | ((n % 8) << 5)
        (dst / f"seed{n:04d}").write_bytes(bytes([flags, n % 256]) + r["model_text"].encode())
        n += 1
print(f"{n} seeds")
PY
fi

echo "== building fuzzer (ASan + UBSan)"
"$cxx" -std=c++20 -g -O1 -fno-omit-frame-pointer -I"$root/src" -I"$root/include" \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  "$root"/src/chat/toolcalls/*.cpp "$root/fuzz/fuzz_toolcalls.cpp" -o "$out/fuzz_toolcalls"

echo "== fuzzing for $runs inputs"
"$out/fuzz_toolcalls" -runs="$runs" -max_total_time=900 -max_len=4096 -malloc_limit_mb=512 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$out/" "$@" "$out/corpus" "$out/seeds"
