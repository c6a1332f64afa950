// libFuzzer harness for the GGUF reader: any input must either parse into a
// File whose every value and tensor view can be used, or raise edgelm::Error.
// Any other exception aborts (a finding), as do ASan/UBSan reports and
// allocations over -malloc_limit_mb. Build and run with fuzz/build_and_run.sh.
#include <cstddef>
#include <cstdint>

#include "gguf/gguf.h"
#include "gguf_exercise.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto file = edgelm::gguf::File::from_bytes(data, size);
    volatile uint64_t sink = edgelm::gguf::exercise(*file);
    (void)sink;
  } catch (const edgelm::Error&) {
    // rejected cleanly
  }
  return 0;
}
