#include "collect/task_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>

namespace rse {
namespace {

TEST(TaskRunnerTest, DestructionWaitsForEveryTask) {
  std::atomic<int> done = 0;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  {
    TaskRunner runner;
    for (int i = 0; i < 4; ++i) {
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
  }  // ~TaskRunner joins.
  EXPECT_EQ(done, 4);
}

TEST(TaskRunnerTest, TasksRunConcurrently) {
  // Two tasks that each wait for the other can only finish if both run at once.
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  bool both = true;
  {
    TaskRunner runner;
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

}  // namespace
}  // namespace rse
