#include "engine_thread.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

namespace lk {
namespace {

struct EngineThread {
  std::mutex mu;
  std::condition_variable ready;
  std::deque<std::packaged_task<void()>> jobs;
  std::thread::id id;

  EngineThread() {
    std::thread t([this] { loop(); });
    id = t.get_id();
    t.detach();  // lives as long as the process; never joined (static destruction order does not matter)
  }

  void loop() {
    for (;;) {
      std::packaged_task<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu);
        ready.wait(lock, [this] { return !jobs.empty(); });
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      job();
    }
  }
};

EngineThread& engine_thread() {
  static EngineThread* e = new EngineThread();  // never destroyed: its thread may still be waiting at exit
  return *e;
}

}  // namespace

void run_on_engine_thread(const std::function<void()>& fn) {
  EngineThread& e = engine_thread();
  if (std::this_thread::get_id() == e.id) {
    fn();
    return;
  }
  std::packaged_task<void()> job([&fn] { fn(); });
  std::future<void> done = job.get_future();
  {
    std::lock_guard<std::mutex> lock(e.mu);
    e.jobs.push_back(std::move(job));
  }
  e.ready.notify_one();
  done.get();  // rethrows fn's exception here, on the caller's thread
}

}  // namespace lk
