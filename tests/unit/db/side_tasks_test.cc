#include "db/side_tasks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace rse {
namespace {

using namespace std::chrono_literals;

TEST(SideTasksTest, TheOwnerWaitsForTasksThatFinish) {
  auto done = std::make_shared<std::atomic<int>>(0);
  std::promise<void> go;
  std::shared_future<void> started = go.get_future().share();
  {
    SideTasks tasks(60s);  // The ceiling only keeps a broken test from hanging.
    for (int i = 0; i < 3; ++i) {
      tasks.Run([done, started] {
        started.wait();
        ++*done;
      });
    }
    go.set_value();
  }  // Waits for all three.
  EXPECT_EQ(done->load(), 3);
}

TEST(SideTasksTest, ATaskStillBlockedAfterTheGraceIsLeftRunningSafely) {
  // What a cancel to a stopped server does: block until the server resumes.
  auto resume = std::make_shared<std::promise<void>>();
  auto finished = std::make_shared<std::promise<void>>();
  std::shared_future<void> resumed = resume->get_future().share();
  std::future<void> ended = finished->get_future();
  {
    SideTasks tasks(0ms);
    tasks.Run([resumed, finished] {
      resumed.wait();
      finished->set_value();
    });
  }  // Returns without waiting: the task owns what it touches.
  EXPECT_EQ(ended.wait_for(0s), std::future_status::timeout) << "still blocked";
  resume->set_value();
  ended.wait();  // It ends later without touching the destroyed owner (ASan would say).
}

}  // namespace
}  // namespace rse
