#pragma once
// Runs every dataset's cycle once per its interval, at most `parallelism`
// at a time and at most its host's slots of them for any one host, until
// stopped; or (RunEachOnce, `zpull once`) each dataset once. A dataset never
// runs twice at once; a cycle that overruns its interval is followed by the
// next one as soon as it ends.
//
// Thread-safe: Stop() may be called from any thread; Run() blocks in one.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace zpull::daemon {

// Which datasets to start now: those due (next_due <= now) and not running,
// most overdue first, at most `free_slots`, and where `host_of` is given
// (the host of each dataset) at most `host_free[h]` of host h's. Pure.
std::vector<std::size_t> PickDue(std::int64_t now, const std::vector<std::int64_t>& next_due,
                                 const std::vector<bool>& running, std::size_t free_slots,
                                 const std::vector<std::size_t>& host_of = {},
                                 std::vector<std::size_t> host_free = {});
// The same over idle datasets already in that order, (next_due, index)
// ascending, skipping those `blocked` holds back: it reads only as far as
// it picks (and the blocked ones), not every dataset.
std::vector<std::size_t> PickInOrder(std::int64_t now, const std::set<std::pair<std::int64_t, std::size_t>>& idle,
                                     const std::function<bool(std::size_t)>& blocked, std::size_t free_slots,
                                     const std::vector<std::size_t>& host_of, std::vector<std::size_t> host_free);

// Whether a dataset waits for its parent: the parent is running, or due
// and not paused, so that it goes first. Pure.
inline bool ParentGoesFirst(std::int64_t now, std::int64_t parent_due, bool parent_running, bool parent_paused) {
  return parent_running || (parent_due <= now && !parent_paused);
}

// Starts after a restart are spread over at most this many seconds.
inline constexpr std::int64_t kStartSpreadSeconds = 10;

// When each dataset first runs after a start: at its last success plus its
// interval where that is still ahead; otherwise (overdue, or no success on
// record) now, the k-th of m such datasets kStartSpreadSeconds * k / m
// seconds later. Pure.
std::vector<std::int64_t> FirstDue(std::int64_t now, const std::vector<std::optional<std::int64_t>>& last_success,
                                   const std::vector<std::int64_t>& intervals);

// Which datasets wait for their parent (parents[i]: the dataset whose
// destination contains i's, if any): those whose parent is running, or due
// and not paused, so that a parent's cycle goes first. Pure.
std::vector<bool> WaitingForParent(std::int64_t now, const std::vector<std::optional<std::size_t>>& parents,
                                   const std::vector<std::int64_t>& next_due, const std::vector<bool>& running,
                                   const std::vector<bool>& paused);

// When a dataset that started at `started` and ended at `finished` runs next.
std::int64_t NextDue(std::int64_t started, std::int64_t finished, std::int64_t interval);

class Scheduler {
 public:
  using Job = std::function<void(std::size_t index)>;
  Scheduler(std::vector<std::int64_t> intervals, int parallelism, Job job, std::function<std::int64_t()> now);

  // Blocks: hands due jobs to `parallelism` worker threads until Stop(),
  // then waits for the running ones to finish (queued ones are dropped).
  void Run();
  void Stop();
  // Asks for dataset `index` to run as soon as a slot is free (once more
  // after the current run, if it is running).
  void RunNow(std::size_t index);
  // A paused dataset is not scheduled (a running cycle finishes); RunNow
  // still runs it once.
  void SetPaused(std::size_t index, bool paused);
  bool Paused(std::size_t index);
  bool Running(std::size_t index);
  // The datasets whose cycles are about to start or are running: queued
  // for a worker, running, or due within `within` seconds and not paused
  // (a round lists those of them that have not read their listings yet:
  // daemon/round.h).
  std::vector<std::size_t> Upcoming(std::int64_t within = 0);
  // When dataset `index` is next due (Unix seconds; a far future one while
  // paused or in once mode after its run).
  std::int64_t DueAt(std::size_t index);
  // Dataset `index`'s running cycle counts as started at `when` (its
  // tree's snapshot time, daemon/round.h): its next run is due an interval
  // after that, as its tree's other datasets are.
  void CountFrom(std::size_t index, std::int64_t when);
  // Before Run(): parents[i] runs before i (WaitingForParent).
  void SetParents(std::vector<std::optional<std::size_t>> parents);
  // Before Run(): dataset i belongs to host host_of[i], which runs at most
  // host_slots[host_of[i]] cycles at once (default: one host, no limit
  // beyond `parallelism`).
  void SetHosts(std::vector<std::size_t> host_of, std::vector<std::size_t> host_slots);
  // Before Run(): when each dataset first runs (FirstDue; default: at once).
  void SetFirstDue(std::vector<std::int64_t> next_due);
  // Before Run(): each dataset runs once, then Run() returns; with `only`,
  // just those (indices), the others never.
  void RunEachOnce(const std::vector<std::size_t>& only = {});

 private:
  const std::vector<std::int64_t> intervals_;
  const std::size_t parallelism_;
  const Job job_;
  void WorkerLoop();

  const std::function<std::int64_t()> now_;
  // Sets dataset i's next due time, keeping idle_ in step; with mu_.
  void SetDue(std::size_t i, std::int64_t due);
  std::mutex mu_;
  // Datasets not running, by (next_due, index): the order to start them;
  // guarded by mu_.
  std::set<std::pair<std::int64_t, std::size_t>> idle_;
  std::vector<std::size_t> host_busy_;  // running cycles by host; guarded by mu_
  std::condition_variable cv_;
  bool stop_ = false;                  // guarded by mu_
  std::vector<std::int64_t> next_due_;  // guarded by mu_
  std::vector<bool> running_;           // guarded by mu_
  std::vector<bool> run_again_;         // RunNow while running; guarded by mu_
  std::vector<bool> paused_;            // guarded by mu_
  std::vector<std::optional<std::size_t>> parents_;  // guarded by mu_
  std::vector<bool> forced_;            // RunNow: run once even if paused; guarded by mu_
  std::vector<std::optional<std::int64_t>> count_from_;  // CountFrom, for the running cycle; guarded by mu_
  std::size_t active_ = 0;              // queued or running; guarded by mu_
  std::vector<std::size_t> host_of_;    // by dataset; empty: one host; guarded by mu_
  std::vector<std::size_t> host_slots_;  // by host; guarded by mu_
  bool once_ = false;                   // guarded by mu_
  std::size_t finished_ = 0;            // runs ended (once mode); guarded by mu_
  std::deque<std::pair<std::size_t, std::int64_t>> queue_;  // (index, start time); guarded by mu_
};

}  // namespace zpull::daemon
