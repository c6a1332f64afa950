#include "kernels/util/threadpool.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EDGELM_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define EDGELM_CPU_RELAX() asm volatile("yield")
#else
#define EDGELM_CPU_RELAX() ((void)0)
#endif

namespace edgelm {
namespace {

using Clock = std::chrono::steady_clock;

// Pure polling for the first microseconds, then polling that yields the core
// to any other runnable thread, then sleep.
constexpr auto kPollOnly = std::chrono::microseconds(5);
constexpr auto kPollLimit = std::chrono::microseconds(250);

// Polls `ready` until it holds or the time limit passes; returns whether it held.
template <typename Ready>
bool poll(const Ready& ready) {
  const Clock::time_point start = Clock::now();
  for (;;) {
    for (int i = 0; i < 32; ++i) {
      if (ready()) return true;
      EDGELM_CPU_RELAX();
    }
    const auto waited = Clock::now() - start;
    if (waited > kPollLimit) return ready();
    if (waited > kPollOnly) std::this_thread::yield();
  }
}

// The CPUs the calling thread may run on, in order; empty where the platform
// does not say.
std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
#endif
  return cpus;
}

// Binds the calling thread to one CPU. A failure (a CPU taken away since, a
// sandbox that forbids it) leaves the thread where it was: pinning only ever
// changes speed.
void pin_current_thread(int cpu) {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
#else
  (void)cpu;
#endif
}

}  // namespace

ThreadPool::ThreadPool(int n_threads, bool pin) : n_threads_(std::max(1, n_threads)), split_(n_threads_) {
  if (pin) cpus_ = allowed_cpus();
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

void ThreadPool::pin_caller() {
  if (cpus_.empty() || pinned_caller_ == std::this_thread::get_id()) return;
  pin_current_thread(cpu_of(0));
  pinned_caller_ = std::this_thread::get_id();
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run_chunks(int index) {
  int64_t begin = 0, end = 0;
  while (!failed_.load(std::memory_order_relaxed) && split_.take(index, begin, end)) {
    try {
      (*fn_)(index, begin, end);
    } catch (...) {
      // Kept for the caller, who rethrows it once every thread has left the job.
      std::lock_guard<std::mutex> lock(error_mu_);
      if (!error_) error_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
    }
  }
}

bool ThreadPool::wait_for_job(uint64_t seen) {
  const auto ready = [&] { return stop_.load(std::memory_order_relaxed) || generation_.load(std::memory_order_acquire) != seen; };
  if (!poll(ready)) {
    std::unique_lock<std::mutex> lock(mu_);
    ++sleepers_;
    wake_.wait(lock, ready);
    --sleepers_;
  }
  return !stop_;
}

void ThreadPool::worker_loop(int index) {
  if (!cpus_.empty()) pin_current_thread(cpu_of(index));
  uint64_t seen = 0;
  while (wait_for_job(seen)) {
    seen = generation_.load(std::memory_order_acquire);
    run_chunks(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1 && caller_sleeps_.load()) {
      std::lock_guard<std::mutex> lock(mu_);
      done_.notify_one();
    }
  }
}

void ThreadPool::wait_for_workers() {
  const auto done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (poll(done)) return;
  std::unique_lock<std::mutex> lock(mu_);
  caller_sleeps_ = true;
  done_.wait(lock, done);
  caller_sleeps_ = false;
}

void ThreadPool::parallel_for(int64_t n, int64_t grain,
                              const std::function<void(int, int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  pin_caller();
  grain = std::max<int64_t>(1, grain);
  if (n_threads_ == 1 || n <= grain) {
    fn(0, 0, n);
    return;
  }
  fn_ = &fn;
  split_.reset(n, n_threads_, grain);
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  {
    // Publishing under the lock pairs with a sleeper's predicate check.
    std::lock_guard<std::mutex> lock(mu_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  if (sleepers_.load() > 0) wake_.notify_all();
  run_chunks(0);
  // Every worker takes part in every job, so once none is pending none of
  // them still reads fn_ or split_ when the next job overwrites them.
  wait_for_workers();
  fn_ = nullptr;
  if (failed_.load(std::memory_order_relaxed)) {
    failed_.store(false, std::memory_order_relaxed);
    std::exception_ptr error = std::exchange(error_, nullptr);
    std::rethrow_exception(error);
  }
}

}  // namespace edgelm
