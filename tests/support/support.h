// What every test suite shares: the path of the reference material, and tiny
// synthetic models.
#pragma once
#include <cstdint>
#include <string>

namespace edgelm::test {

// `rel` under ../shared (EDGELM_SHARED_DIR, read-only reference data). When
// the folder is missing, the test that asks gets one failure saying where it
// was looked for, instead of an error about some file deep inside it.
std::string shared_path(const std::string& rel);
bool shared_exists(const std::string& rel);

// A tiny random-weight model of `arch` (synth preset "tiny") in `type`,
// written once per test process into the temp folder and removed at exit, so
// it always comes from the synthesizer under test.
std::string tiny_model(const std::string& arch, const std::string& type = "f32");

// This process's resident memory now (Linux /proc/self/statm; 0 elsewhere).
uint64_t resident_bytes();

}  // namespace edgelm::test
