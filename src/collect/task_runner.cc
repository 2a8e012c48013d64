#include "collect/task_runner.h"

namespace rse {

TaskRunner::~TaskRunner() {
  std::list<Worker> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.swap(workers_);
  }
  for (Worker& worker : all) worker.thread.join();
}

void TaskRunner::Run(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(mu_);
  ReapFinished();
  Worker& worker = workers_.emplace_back();
  worker.thread = std::thread([this, &worker, task = std::move(task)] {
    task();
    std::lock_guard<std::mutex> done_lock(mu_);
    worker.done = true;
  });
}

void TaskRunner::ReapFinished() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done) {
      it->thread.join();  // Already past its last statement.
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace rse
