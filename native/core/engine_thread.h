// One thread runs every model pass. Node's async work runs on any of libuv's pool threads, and OpenMP gives each
// calling thread its own team, so passes started from different pool threads left several teams of spinning or
// sleeping workers on the same cores (futex wake-ups were 15-20% of a small model's training step). Running
// every pass on one thread keeps one team, warm between ops.
#pragma once
#include <functional>

namespace lk {

// Runs fn on the engine thread and returns when it has finished; rethrows what fn threw. Called from the engine
// thread itself, runs fn in place.
void run_on_engine_thread(const std::function<void()>& fn);

}  // namespace lk
