#include "base/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <set>

namespace rse {
namespace {

TEST(WorkerPoolFixedTest, DestructionRunsWhatIsQueuedAndWaitsForEveryTask) {
  std::atomic<int> done = 0;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  {
    WorkerPool runner(2, 2);
    for (int i = 0; i < 6; ++i) {  // Four of them wait in the queue.
      runner.Run([&] {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return release; });
        ++done;
      });
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      release = true;
    }
    cv.notify_all();
  }  // ~WorkerPool runs the queue and joins.
  EXPECT_EQ(done, 6);
}

TEST(WorkerPoolFixedTest, TasksRunConcurrentlyUpToTheThreadCount) {
  // Two tasks that each wait for the other can only finish if both run at once.
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  bool both = true;
  {
    WorkerPool runner(2, 2);
    for (int i = 0; i < 2; ++i) {
      runner.Run([&] {
        std::unique_lock<std::mutex> lock(mu);
        ++arrived;
        cv.notify_all();
        if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return arrived == 2; }))
          both = false;
      });
    }
  }
  EXPECT_TRUE(both);
}

TEST(WorkerPoolFixedTest, ManyTasksShareTheFixedThreadsInOrder) {
  std::mutex mu;
  std::set<std::thread::id> seen;
  std::vector<int> order;
  {
    WorkerPool runner(1, 1);
    for (int i = 0; i < 200; ++i) {
      runner.Run([&, i] {
        std::lock_guard<std::mutex> lock(mu);
        seen.insert(std::this_thread::get_id());
        order.push_back(i);
      });
    }
  }
  EXPECT_EQ(seen.size(), 1u) << "no thread per task, and never more than max_threads";
  ASSERT_EQ(order.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[i], i);
}

}  // namespace
}  // namespace rse
