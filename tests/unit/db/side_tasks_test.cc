#include "db/side_tasks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>

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
      tasks.Run("server" + std::to_string(i), [done, started] {
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
    tasks.Run("server", [resumed, finished] {
      resumed.wait();
      finished->set_value();
    });
  }  // Returns without waiting: the task owns what it touches.
  EXPECT_EQ(ended.wait_for(0s), std::future_status::timeout) << "still blocked";
  resume->set_value();
  ended.wait();  // It ends later without touching the destroyed owner (ASan would say).
}

TEST(SideTasksTest, WhileATaskForAServerRunsAnotherForItIsDroppedNotQueued) {
  auto resume = std::make_shared<std::promise<void>>();
  std::shared_future<void> resumed = resume->get_future().share();
  auto ran = std::make_shared<std::atomic<int>>(0);
  std::promise<void> other_ran;
  {
    SideTasks tasks(60s);
    EXPECT_TRUE(tasks.Run("hung:5432", [resumed, ran] {
      resumed.wait();
      ++*ran;
    }));
    for (int i = 0; i < 5; ++i)
      EXPECT_FALSE(tasks.Run("hung:5432", [ran] { ++*ran; })) << "a second cancel to a hung server";
    EXPECT_TRUE(tasks.Run("healthy:5432", [&other_ran] { other_ran.set_value(); }))
        << "other servers are not held up";
    other_ran.get_future().wait();
    resume->set_value();
  }  // Waits for the first.
  EXPECT_EQ(ran->load(), 1);
}

TEST(SideTasksTest, OnceATaskEndedItsKeyIsFreeAgain) {
  SideTasks tasks(60s);
  std::promise<void> first;
  ASSERT_TRUE(tasks.Run("server:5432", [&first] { first.set_value(); }));
  first.get_future().wait();
  // The key is released just after the task returns: no sleep, a bounded spin.
  bool again = false;
  for (int i = 0; i < 1000000 && !again; ++i) {
    again = tasks.Run("server:5432", [] {});
    if (!again) std::this_thread::yield();
  }
  EXPECT_TRUE(again);
}

}  // namespace
}  // namespace rse
