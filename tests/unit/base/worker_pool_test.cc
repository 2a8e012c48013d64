#include "base/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "testing/gate.h"

namespace rse {
namespace {

using testing::Gate;

TEST(WorkerPoolTest, EveryConnectionGetsAThreadAtOnceUpToTheMaximum) {
  WorkerPool pool(2, 50);
  Gate gate;
  // 40 slow clients, more than any fixed pool of 8: all run at the same time.
  for (int i = 0; i < 40; ++i) pool.Run([&] { gate.Wait(); });
  ASSERT_TRUE(gate.AwaitWaiting(40));
  EXPECT_EQ(pool.threads(), 40u);
  gate.Release();
  pool.Shutdown();
  EXPECT_EQ(pool.threads(), 0u);
}

TEST(WorkerPoolTest, PastTheMaximumTasksQueueAndStillRun) {
  WorkerPool pool(1, 4);
  Gate gate;
  std::atomic<int> done = 0;
  for (int i = 0; i < 10; ++i) pool.Run([&] {
      gate.Wait();
      ++done;
    });
  ASSERT_TRUE(gate.AwaitWaiting(4));
  EXPECT_EQ(pool.threads(), 4u);
  EXPECT_EQ(gate.waiting(), 4) << "only max_threads run at once";
  gate.Release();
  pool.Shutdown();  // Runs what is queued before it returns.
  EXPECT_EQ(done.load(), 10);
}

TEST(WorkerPoolTest, IdleThreadsAreReusedNotMultiplied) {
  WorkerPool pool(1, 100);
  for (int round = 0; round < 50; ++round) {
    std::mutex mu;
    std::condition_variable cv;
    bool ran = false;
    pool.Run([&] {
      std::lock_guard<std::mutex> lock(mu);
      ran = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return ran; });
    lock.unlock();
    // Until the thread is back waiting (a job arriving before that would
    // rightly get a thread of its own): bounded, it only stops a broken test.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pool.idle() < pool.threads() && std::chrono::steady_clock::now() < until)
      std::this_thread::yield();
  }
  // One at a time, each to an idle thread: the one thread is reused 50 times.
  EXPECT_EQ(pool.threads(), 1u);
  pool.Shutdown();
}

TEST(WorkerPoolTest, ThreadsAboveTheMinimumLeaveWhenIdle) {
  WorkerPool pool(1, 20, std::chrono::milliseconds(20));
  Gate gate;
  for (int i = 0; i < 10; ++i) pool.Run([&] { gate.Wait(); });
  ASSERT_TRUE(gate.AwaitWaiting(10));
  gate.Release();
  // Shrinking is driven by the 20 ms idle timeout: poll for it, bounded by 10 s.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pool.threads() > 1 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  EXPECT_EQ(pool.threads(), 1u) << "back to min_threads";
  pool.Shutdown();
  EXPECT_EQ(pool.threads(), 0u);
}

}  // namespace
}  // namespace rse
