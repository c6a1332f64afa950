// Counters, gauges and histograms of `edgelm serve`, rendered in the
// Prometheus text format at GET /metrics.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace edgelm::server {

class Metrics {
 public:
  void request(int status);
  void tokens(int64_t prompt, int64_t reused, int64_t generated);
  void time_to_first_token(double seconds);
  void inter_token(double seconds);
  void gauges(int64_t slots_busy, int64_t queue_depth, int64_t state_bytes);
  std::string render() const;

 private:
  // Upper bounds of the latency buckets, in seconds (+Inf implied).
  static constexpr std::array<double, 12> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1.0,  2.5,   5.0,  10.0, 30.0};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
    void add(double v);
  };
  static void render(std::string& out, const char* name, const char* help, const Histogram& h);

  mutable std::mutex mu_;
  std::map<int, uint64_t> requests_;
  uint64_t prompt_tokens_ = 0, reused_tokens_ = 0, generated_tokens_ = 0;
  Histogram ttft_, itl_;
  int64_t slots_busy_ = 0, queue_depth_ = 0, state_bytes_ = 0;
};

}  // namespace edgelm::server
