#include "daemon/scheduler.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>

namespace zpull::daemon {

std::vector<std::size_t> PickDue(std::int64_t now, const std::vector<std::int64_t>& next_due,
                                 const std::vector<bool>& running, std::size_t free_slots,
                                 const std::vector<std::size_t>& host_of, std::vector<std::size_t> host_free) {
  std::vector<std::size_t> out;
  if (free_slots == 0) return out;
  // Most overdue first, then by index: a heap, from which only as many are
  // taken as there are slots (10,000 due datasets are not sorted per pick).
  std::vector<std::pair<std::int64_t, std::size_t>> due;
  for (std::size_t i = 0; i < next_due.size(); ++i) {
    if (!running[i] && next_due[i] <= now) due.emplace_back(next_due[i], i);
  }
  std::make_heap(due.begin(), due.end(), std::greater<>());
  while (!due.empty() && out.size() < free_slots) {
    std::pop_heap(due.begin(), due.end(), std::greater<>());
    const std::size_t i = due.back().second;
    due.pop_back();
    if (i < host_of.size() && host_of[i] < host_free.size()) {
      if (host_free[host_of[i]] == 0) continue;
      --host_free[host_of[i]];
    }
    out.push_back(i);
  }
  return out;
}

std::vector<std::int64_t> FirstDue(std::int64_t now, const std::vector<std::optional<std::int64_t>>& last_success,
                                   const std::vector<std::int64_t>& intervals) {
  std::vector<std::int64_t> out(intervals.size(), now);
  std::vector<std::size_t> overdue;
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    auto last = i < last_success.size() ? last_success[i] : std::nullopt;
    if (last) last = std::min(*last, now);  // a clock stepped back does not postpone a cycle
    if (last && *last + intervals[i] > now) {
      out[i] = *last + intervals[i];
    } else {
      overdue.push_back(i);
    }
  }
  for (std::size_t k = 0; k < overdue.size(); ++k) {
    out[overdue[k]] = now + kStartSpreadSeconds * static_cast<std::int64_t>(k) / static_cast<std::int64_t>(overdue.size());
  }
  return out;
}

std::vector<bool> WaitingForParent(std::int64_t now, const std::vector<std::optional<std::size_t>>& parents,
                                   const std::vector<std::int64_t>& next_due, const std::vector<bool>& running,
                                   const std::vector<bool>& paused) {
  std::vector<bool> out(next_due.size(), false);
  for (std::size_t i = 0; i < parents.size() && i < out.size(); ++i) {
    if (!parents[i] || *parents[i] >= next_due.size()) continue;
    const std::size_t p = *parents[i];
    out[i] = running[p] || (next_due[p] <= now && !paused[p]);
  }
  return out;
}

std::int64_t NextDue(std::int64_t started, std::int64_t finished, std::int64_t interval) {
  return std::max(started + interval, finished);
}

Scheduler::Scheduler(std::vector<std::int64_t> intervals, int parallelism, Job job,
                     std::function<std::int64_t()> now)
    : intervals_(std::move(intervals)),
      parallelism_(static_cast<std::size_t>(std::max(1, parallelism))),
      job_(std::move(job)),
      now_(std::move(now)),
      next_due_(intervals_.size(), 0),
      running_(intervals_.size(), false),
      run_again_(intervals_.size(), false),
      paused_(intervals_.size(), false),
      forced_(intervals_.size(), false) {}

void Scheduler::SetParents(std::vector<std::optional<std::size_t>> parents) {
  std::lock_guard lock(mu_);
  parents_ = std::move(parents);
}

void Scheduler::SetHosts(std::vector<std::size_t> host_of, std::vector<std::size_t> host_slots) {
  std::lock_guard lock(mu_);
  host_of_ = std::move(host_of);
  host_slots_ = std::move(host_slots);
}

void Scheduler::SetFirstDue(std::vector<std::int64_t> next_due) {
  std::lock_guard lock(mu_);
  if (next_due.size() == next_due_.size()) next_due_ = std::move(next_due);
}

void Scheduler::RunEachOnce() {
  std::lock_guard lock(mu_);
  once_ = true;
  if (next_due_.empty()) stop_ = true;
}

void Scheduler::SetPaused(std::size_t index, bool paused) {
  std::lock_guard lock(mu_);
  paused_.at(index) = paused;
  cv_.notify_all();
}

bool Scheduler::Paused(std::size_t index) {
  std::lock_guard lock(mu_);
  return paused_.at(index);
}

bool Scheduler::Running(std::size_t index) {
  std::lock_guard lock(mu_);
  return running_.at(index);
}

std::vector<std::size_t> Scheduler::Upcoming() {
  std::lock_guard lock(mu_);
  std::vector<std::size_t> out;
  for (const auto& [index, started] : queue_) out.push_back(index);
  const std::int64_t now = now_();
  for (std::size_t i = 0; i < next_due_.size(); ++i) {
    if (!running_[i] && next_due_[i] <= now && (!paused_[i] || forced_[i])) out.push_back(i);
  }
  return out;
}

void Scheduler::Stop() {
  std::lock_guard lock(mu_);
  stop_ = true;
  cv_.notify_all();
}

void Scheduler::RunNow(std::size_t index) {
  std::lock_guard lock(mu_);
  if (running_.at(index)) {
    run_again_[index] = true;
  } else {
    next_due_[index] = 0;
  }
  forced_[index] = true;
  cv_.notify_all();
}

void Scheduler::WorkerLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;
    auto [index, started] = queue_.front();
    queue_.pop_front();
    lock.unlock();
    job_(index);
    lock.lock();
    running_[index] = false;
    --active_;
    next_due_[index] = run_again_[index] ? 0 : NextDue(started, now_(), intervals_[index]);
    run_again_[index] = false;
    if (once_) {
      next_due_[index] = std::numeric_limits<std::int64_t>::max();
      if (++finished_ == next_due_.size()) stop_ = true;
    }
    cv_.notify_all();
  }
}

void Scheduler::Run() {
  std::vector<std::thread> workers;
  for (std::size_t i = 0; i < parallelism_; ++i) workers.emplace_back([this] { WorkerLoop(); });
  {
    std::unique_lock lock(mu_);
    while (!stop_) {
      if (active_ >= parallelism_) {
        // No slot to fill: nothing to pick until a job ends (or Stop, RunNow).
        cv_.wait_for(lock, std::chrono::seconds(1));
        continue;
      }
      const std::int64_t now = now_();
      std::vector<bool> paused(paused_.size());
      for (std::size_t i = 0; i < paused.size(); ++i) paused[i] = paused_[i] && !forced_[i];
      const std::vector<bool> waiting = WaitingForParent(now, parents_, next_due_, running_, paused);
      std::vector<bool> blocked = running_;
      for (std::size_t i = 0; i < blocked.size(); ++i) blocked[i] = blocked[i] || paused[i] || waiting[i];
      std::vector<std::size_t> host_free(host_slots_);
      for (std::size_t i = 0; i < host_of_.size() && i < running_.size(); ++i) {
        if (running_[i] && host_of_[i] < host_free.size() && host_free[host_of_[i]] > 0) --host_free[host_of_[i]];
      }
      for (std::size_t i : PickDue(now, next_due_, blocked, parallelism_ - active_, host_of_, host_free)) {
        running_[i] = true;
        if (!run_again_[i]) forced_[i] = false;
        ++active_;
        queue_.emplace_back(i, now);
      }
      cv_.notify_all();
      // Due times are whole seconds; job ends, RunNow and Stop wake us early.
      cv_.wait_for(lock, std::chrono::seconds(1));
    }
    for (const auto& [index, started] : queue_) {
      running_[index] = false;
      --active_;
    }
    queue_.clear();
    cv_.notify_all();
  }
  for (auto& t : workers) t.join();
}

}  // namespace zpull::daemon
