// One persistent pool of worker threads. Work is handed out as index ranges;
// the caller's thread takes part, so a pool of n threads has n-1 workers.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace edgelm {

class ThreadPool {
 public:
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(thread_index, begin, end) on disjoint chunks covering [0, n).
  // Blocks until every chunk is done. Chunks are at least `grain` items.
  void parallel_for(int64_t n, int64_t grain,
                    const std::function<void(int, int64_t, int64_t)>& fn);

 private:
  void worker_loop(int index);
  void run_chunks(int index);

  int n_threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
  // The job being run.
  const std::function<void(int, int64_t, int64_t)>* fn_ = nullptr;
  int64_t n_ = 0;
  int64_t chunk_ = 1;
  std::atomic<int64_t> next_{0};
};

}  // namespace edgelm
