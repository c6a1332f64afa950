// The thread pool: every index of every job is run exactly once, whether the
// workers are still polling from the previous job or asleep, and for any pool
// and job size. No timing is checked.
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

#include <gtest/gtest.h>

#include "kernels/util/threadpool.h"

namespace edgelm {
namespace {

// Runs one job of n items and checks that each item was visited once.
void expect_each_once(ThreadPool& pool, int64_t n, int64_t grain) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
  std::atomic<int> bad_thread{0};
  pool.parallel_for(n, grain, [&](int thread, int64_t begin, int64_t end) {
    if (thread < 0 || thread >= pool.size()) bad_thread = 1;
    for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)]++;
  });
  EXPECT_EQ(bad_thread.load(), 0);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "item " << i << " of " << n;
}

TEST(ThreadPool, BackToBackJobsCoverEveryItemOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    for (int job = 0; job < 2000; ++job) expect_each_once(pool, 1 + job % 97, 1 + job % 3);
  }
}

// Pauses longer than the polling window put the workers to sleep, so these
// jobs exercise the wake-up path (and the caller's sleep on a slow chunk).
TEST(ThreadPool, JobsAfterIdlePausesCoverEveryItemOnce) {
  ThreadPool pool(3);
  for (int job = 0; job < 20; ++job) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    expect_each_once(pool, 64, 1);
    std::atomic<int64_t> sum{0};
    pool.parallel_for(4, 1, [&](int, int64_t begin, int64_t end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));   // longer than the caller polls
      for (int64_t i = begin; i < end; ++i) sum += i;
    });
    EXPECT_EQ(sum.load(), 6);
  }
}

TEST(ThreadPool, EmptyAndSmallJobsRunInline) {
  ThreadPool pool(4);
  int calls = 0;
  pool.parallel_for(0, 1, [&](int, int64_t, int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
  pool.parallel_for(5, 8, [&](int thread, int64_t begin, int64_t end) {
    ++calls;   // one inline call on the caller: no data race on `calls`
    EXPECT_EQ(thread, 0);
    EXPECT_EQ(begin, 0);
    EXPECT_EQ(end, 5);
  });
  EXPECT_EQ(calls, 1);
}

// Pools are independent: several used at once from different threads.
TEST(ThreadPool, ConcurrentPoolsDoNotInterfere) {
  std::vector<std::thread> users;
  for (int u = 0; u < 3; ++u)
    users.emplace_back([] {
      ThreadPool pool(2);
      for (int job = 0; job < 500; ++job) expect_each_once(pool, 33, 1);
    });
  for (std::thread& t : users) t.join();
}

#if defined(__linux__)
// The CPUs the calling thread may run on.
std::vector<int> my_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

// A pinned pool binds each thread that runs a chunk to its own CPU of the
// allowed set, the caller's thread included, and still runs every item once;
// an unpinned pool leaves affinities alone.
TEST(ThreadPool, PinnedThreadsRunOnTheirOwnCpu) {
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  const std::vector<int> allowed = my_cpus();
  ASSERT_FALSE(allowed.empty());
  {
    ThreadPool unpinned(3);
    EXPECT_EQ(unpinned.cpu_of(0), -1);
    expect_each_once(unpinned, 100, 1);
    EXPECT_EQ(my_cpus(), allowed);
  }
  for (int n_threads : {1, 2, 3}) {
    ThreadPool pool(n_threads, /*pin=*/true);
    for (int i = 0; i < n_threads; ++i) EXPECT_EQ(pool.cpu_of(i), allowed[i % allowed.size()]);
    std::vector<std::vector<int>> seen(n_threads);
    std::mutex mu;
    pool.parallel_for(4000, 1, [&](int thread, int64_t, int64_t) {
      const std::vector<int> cpus = my_cpus();
      std::lock_guard<std::mutex> lock(mu);
      seen[thread] = cpus;
    });
    EXPECT_EQ(seen[0], std::vector<int>{allowed[0]});   // the caller always takes part
    for (int i = 1; i < n_threads; ++i) {
      if (seen[i].empty()) continue;   // a worker may find every chunk taken
      EXPECT_EQ(seen[i], std::vector<int>{pool.cpu_of(i)}) << "thread " << i;
    }
    expect_each_once(pool, 1000, 3);
    ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);   // unpin this thread for the next pool
  }
}
#endif


// An exception from any chunk, a worker's or the caller's, comes back to the
// caller once every thread has left the job (no std::terminate, no worker
// still inside a destroyed function), and the pool keeps working.
TEST(ThreadPool, ExceptionsReachTheCallerAndThePoolSurvives) {
  ThreadPool pool(2);
  for (int round = 0; round < 50; ++round) {
    const int64_t bad = round % 2 ? 0 : 9999;   // the caller's first chunk, or one near the end
    std::atomic<int> running{0};
    EXPECT_THROW(pool.parallel_for(10000, 1,
                                   [&](int, int64_t begin, int64_t end) {
                                     ++running;
                                     std::this_thread::sleep_for(std::chrono::microseconds(20));
                                     --running;
                                     if (begin <= bad && bad < end) throw std::runtime_error("chunk failed");
                                   }),
                 std::runtime_error);
    EXPECT_EQ(running.load(), 0) << "a thread was still inside the job";
    std::vector<std::atomic<int>> seen(1000);
    pool.parallel_for(1000, 1, [&](int, int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) ++seen[i];
    });
    for (const auto& v : seen) ASSERT_EQ(v.load(), 1);
  }
}

TEST(ThreadPool, ExceptionInAnInlineJobPropagates) {
  ThreadPool pool(1);
  EXPECT_THROW(pool.parallel_for(10, 1, [](int, int64_t, int64_t) { throw std::runtime_error("x"); }),
               std::runtime_error);
}

}  // namespace
}  // namespace edgelm
