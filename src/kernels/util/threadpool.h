// One persistent pool of worker threads. Work is handed out as index ranges;
// the caller's thread takes part, so a pool of n threads has n-1 workers.
//
// A decode step issues hundreds of jobs of 10-100 µs each. Waking a sleeping
// thread costs about as much as such a job (more inside a VM, where an idle
// vCPU is halted), so between jobs the waiting side polls for a short, bounded
// time before it sleeps: workers for the next job, the caller for the last
// chunk. The polling yields the core after a few microseconds, so on a
// machine with more runnable threads than cores the thread being waited for
// still gets to run, and it stops within a fraction of a millisecond when no
// work comes.
//
// Optionally the threads are pinned, one per CPU the process may use (thread
// i on the i-th, wrapping around): the caller's thread when it first runs a
// job, workers when they start. Pinning keeps each thread's cache and
// prefetcher state where its next job runs; it is off by default because it
// also binds the caller's thread, and on a busy machine an unpinned thread
// can move away from a core that something else occupies.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "kernels/util/work_split.h"

namespace edgelm {

class ThreadPool {
 public:
  explicit ThreadPool(int n_threads, bool pin = false);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }
  // The CPU thread `index` is pinned to, or -1 (not pinned, or no CPU list on
  // this platform).
  int cpu_of(int index) const { return cpus_.empty() ? -1 : cpus_[index % cpus_.size()]; }

  // Calls fn(thread_index, begin, end) on disjoint chunks covering [0, n).
  // Blocks until every chunk is done. Chunks start and end on multiples of
  // `grain` (the last one at n). Each thread gets one contiguous part, in
  // chunks that shrink towards its end, and then helps the others from the
  // back of theirs (work_split.h). An exception thrown by fn on any thread
  // stops the remaining chunks from starting and is rethrown here (the first
  // one, if several) after every thread has left fn.
  void parallel_for(int64_t n, int64_t grain,
                    const std::function<void(int, int64_t, int64_t)>& fn);

 private:
  void worker_loop(int index);
  void pin_caller();
  void run_chunks(int index);
  bool wait_for_job(uint64_t seen);   // false when the pool stops
  void wait_for_workers();

  int n_threads_;
  std::atomic<bool> failed_{false};   // a chunk of the current job threw
  std::mutex error_mu_;
  std::exception_ptr error_;          // the first exception of the current job
  std::vector<int> cpus_;             // pinning: the allowed CPUs in order; empty: no pinning
  std::thread::id pinned_caller_;     // the calling thread last pinned
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_;      // workers sleeping between jobs
  std::condition_variable done_;      // the caller sleeping on the last chunk
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};       // workers still in the current job
  std::atomic<int> sleepers_{0};
  std::atomic<bool> caller_sleeps_{false};
  std::atomic<bool> stop_{false};
  // The job being run.
  const std::function<void(int, int64_t, int64_t)>* fn_ = nullptr;
  WorkSplit split_;
};

}  // namespace edgelm
