#include "server/metrics.h"

#include <cstdio>

namespace edgelm::server {

void Metrics::Histogram::add(double v) {
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (v <= kBuckets[i]) ++counts[i];
  ++count;
  sum += v;
}

void Metrics::request(int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[status];
}

void Metrics::tokens(int64_t prompt, int64_t reused, int64_t generated) {
  std::lock_guard<std::mutex> lock(mu_);
  prompt_tokens_ += static_cast<uint64_t>(prompt);
  reused_tokens_ += static_cast<uint64_t>(reused);
  generated_tokens_ += static_cast<uint64_t>(generated);
}

void Metrics::time_to_first_token(double s) {
  std::lock_guard<std::mutex> lock(mu_);
  ttft_.add(s);
}

void Metrics::inter_token(double s) {
  std::lock_guard<std::mutex> lock(mu_);
  itl_.add(s);
}

void Metrics::gauges(int64_t slots_busy, int64_t queue_depth, int64_t state_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  slots_busy_ = slots_busy;
  queue_depth_ = queue_depth;
  state_bytes_ = state_bytes;
}

void Metrics::render(std::string& out, const char* name, const char* help, const Histogram& h) {
  char line[256];
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " histogram\n";
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    std::snprintf(line, sizeof line, "%s_bucket{le=\"%g\"} %llu\n", name, kBuckets[i],
                  static_cast<unsigned long long>(h.counts[i]));
    out += line;
  }
  std::snprintf(line, sizeof line, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
                static_cast<unsigned long long>(h.count), name, h.sum, name, static_cast<unsigned long long>(h.count));
  out += line;
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  auto counter = [&](const char* name, const char* help, uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
           std::to_string(v) + "\n";
  };
  auto gauge = [&](const char* name, const char* help, int64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " " +
           std::to_string(v) + "\n";
  };
  out += "# HELP edgelm_requests_total HTTP requests answered, by status.\n# TYPE edgelm_requests_total counter\n";
  for (const auto& [status, n] : requests_)
    out += "edgelm_requests_total{status=\"" + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  counter("edgelm_prompt_tokens_total", "Prompt tokens of finished requests.", prompt_tokens_);
  counter("edgelm_prompt_tokens_reused_total", "Prompt tokens taken from cached state instead of processed.",
          reused_tokens_);
  counter("edgelm_generated_tokens_total", "Tokens generated.", generated_tokens_);
  render(out, "edgelm_time_to_first_token_seconds", "From the request's start to its first token.", ttft_);
  render(out, "edgelm_inter_token_seconds", "Between consecutive tokens of one stream.", itl_);
  gauge("edgelm_slots_busy", "Slots serving a request.", slots_busy_);
  gauge("edgelm_queue_depth", "Requests waiting for a slot.", queue_depth_);
  gauge("edgelm_state_bytes", "KV cache and recurrent state held by all slots.", state_bytes_);
  return out;
}

}  // namespace edgelm::server
