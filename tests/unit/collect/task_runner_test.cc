#include "collect/task_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <set>

namespace rse {
namespace {

TEST(TaskRunnerTest, DestructionRunsWhatIsQueuedAndWaitsForEveryTask) {
  std::atomic<int> done = 0;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  {
    TaskRunner runner(2);
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
  }  // ~TaskRunner runs the queue and joins.
  EXPECT_EQ(done, 6);
}

TEST(TaskRunnerTest, TasksRunConcurrentlyUpToTheThreadCount) {
  // Two tasks that each wait for the other can only finish if both run at once.
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  bool both = true;
  {
    TaskRunner runner(2);
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

TEST(TaskRunnerTest, ManyTasksShareTheFixedThreadsInOrder) {
  std::mutex mu;
  std::set<std::thread::id> seen;
  std::vector<int> order;
  {
    TaskRunner runner(1);
    EXPECT_EQ(runner.threads(), 1u);
    for (int i = 0; i < 200; ++i) {
      runner.Run([&, i] {
        std::lock_guard<std::mutex> lock(mu);
        seen.insert(std::this_thread::get_id());
        order.push_back(i);
      });
    }
  }
  EXPECT_EQ(seen.size(), 1u) << "no thread per task";
  ASSERT_EQ(order.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[i], i);
}

}  // namespace
}  // namespace rse
