#include "http/elastic_thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace rse {
namespace {

// Blocks the tasks that wait on it until Open(); counts how many are waiting.
class Gate {
 public:
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    changed_.notify_all();
  }
  // Waits until `n` tasks are blocked here.
  void AwaitWaiting(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return waiting_ >= n; });
  }
  int waiting() {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

TEST(ElasticThreadPoolTest, EveryConnectionGetsAThreadAtOnceUpToTheMaximum) {
  ElasticThreadPool pool(2, 50);
  Gate gate;
  // 40 slow clients, more than any fixed pool of 8: all run at the same time.
  for (int i = 0; i < 40; ++i) pool.enqueue([&] { gate.Wait(); });
  gate.AwaitWaiting(40);
  EXPECT_EQ(pool.threads(), 40u);
  gate.Open();
  pool.shutdown();
  EXPECT_EQ(pool.threads(), 0u);
}

TEST(ElasticThreadPoolTest, PastTheMaximumTasksQueueAndStillRun) {
  ElasticThreadPool pool(1, 4);
  Gate gate;
  std::atomic<int> done = 0;
  for (int i = 0; i < 10; ++i) pool.enqueue([&] {
      gate.Wait();
      ++done;
    });
  gate.AwaitWaiting(4);
  EXPECT_EQ(pool.threads(), 4u);
  EXPECT_EQ(gate.waiting(), 4) << "only max_threads run at once";
  gate.Open();
  pool.shutdown();  // Runs what is queued before it returns.
  EXPECT_EQ(done.load(), 10);
}

TEST(ElasticThreadPoolTest, IdleThreadsAreReusedNotMultiplied) {
  ElasticThreadPool pool(1, 100);
  for (int round = 0; round < 50; ++round) {
    std::mutex mu;
    std::condition_variable cv;
    bool ran = false;
    pool.enqueue([&] {
      std::lock_guard<std::mutex> lock(mu);
      ran = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return ran; });
  }
  // One at a time: a thread that finished is idle and takes the next one. A
  // job that arrives while every thread is between its last job and its next
  // wait gets a thread of its own; on a loaded machine that happens a few times,
  // never once per job.
  EXPECT_LT(pool.threads(), 25u);
  pool.shutdown();
}

TEST(ElasticThreadPoolTest, ThreadsAboveTheMinimumLeaveWhenIdle) {
  ElasticThreadPool pool(1, 20, std::chrono::milliseconds(20));
  Gate gate;
  for (int i = 0; i < 10; ++i) pool.enqueue([&] { gate.Wait(); });
  gate.AwaitWaiting(10);
  gate.Open();
  // Shrinking is driven by the 20 ms idle timeout: poll for it, bounded by 10 s.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pool.threads() > 1 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  EXPECT_EQ(pool.threads(), 1u) << "back to min_threads";
  pool.shutdown();
  EXPECT_EQ(pool.threads(), 0u);
}

}  // namespace
}  // namespace rse
