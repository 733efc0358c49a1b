#include "daemon/scheduler.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>

namespace zpull::daemon {

std::vector<std::size_t> PickDue(std::int64_t now, const std::vector<std::int64_t>& next_due,
                                 const std::vector<bool>& running, std::size_t free_slots,
                                 const std::vector<std::size_t>& host_of, std::vector<std::size_t> host_free) {
  std::set<std::pair<std::int64_t, std::size_t>> idle;
  for (std::size_t i = 0; i < next_due.size(); ++i) {
    if (!running[i]) idle.emplace(next_due[i], i);
  }
  return PickInOrder(now, idle, [](std::size_t) { return false; }, free_slots, host_of, std::move(host_free));
}

std::vector<std::size_t> PickInOrder(std::int64_t now, const std::set<std::pair<std::int64_t, std::size_t>>& idle,
                                     const std::function<bool(std::size_t)>& blocked, std::size_t free_slots,
                                     const std::vector<std::size_t>& host_of, std::vector<std::size_t> host_free) {
  std::vector<std::size_t> out;
  for (auto it = idle.begin(); it != idle.end() && it->first <= now && out.size() < free_slots; ++it) {
    const std::size_t i = it->second;
    if (blocked(i)) continue;
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
    out[i] = ParentGoesFirst(now, next_due[p], running[p], paused[p]);
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
      forced_(intervals_.size(), false),
      count_from_(intervals_.size()) {
  for (std::size_t i = 0; i < next_due_.size(); ++i) idle_.emplace(0, i);
}

void Scheduler::SetDue(std::size_t i, std::int64_t due) {
  if (!running_[i]) {
    idle_.erase({next_due_[i], i});
    idle_.emplace(due, i);
  }
  next_due_[i] = due;
}

void Scheduler::SetParents(std::vector<std::optional<std::size_t>> parents) {
  std::lock_guard lock(mu_);
  parents_ = std::move(parents);
}

void Scheduler::SetHosts(std::vector<std::size_t> host_of, std::vector<std::size_t> host_slots) {
  std::lock_guard lock(mu_);
  host_of_ = std::move(host_of);
  host_slots_ = std::move(host_slots);
  host_busy_.assign(host_slots_.size(), 0);
}

void Scheduler::SetFirstDue(std::vector<std::int64_t> next_due) {
  std::lock_guard lock(mu_);
  if (next_due.size() != next_due_.size()) return;
  for (std::size_t i = 0; i < next_due.size(); ++i) SetDue(i, next_due[i]);
}

void Scheduler::RunEachOnce(const std::vector<std::size_t>& only) {
  std::lock_guard lock(mu_);
  once_ = true;
  if (!only.empty()) {
    std::vector<bool> runs(next_due_.size(), false);
    for (std::size_t i : only) runs.at(i) = true;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (runs[i]) continue;
      SetDue(i, std::numeric_limits<std::int64_t>::max());
      ++finished_;
    }
  }
  if (finished_ == next_due_.size()) stop_ = true;
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

void Scheduler::CountFrom(std::size_t index, std::int64_t when) {
  std::lock_guard lock(mu_);
  count_from_.at(index) = when;
}

std::vector<std::size_t> Scheduler::Upcoming(std::int64_t within) {
  std::lock_guard lock(mu_);
  std::vector<std::size_t> out;
  const std::int64_t until = now_() + within;
  for (std::size_t i = 0; i < next_due_.size(); ++i) {
    if (running_[i] || (next_due_[i] <= until && (!paused_[i] || forced_[i]))) out.push_back(i);
  }
  return out;
}

std::int64_t Scheduler::DueAt(std::size_t index) {
  std::lock_guard lock(mu_);
  return next_due_.at(index);
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
    SetDue(index, 0);
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
    if (index < host_of_.size() && host_of_[index] < host_busy_.size()) --host_busy_[host_of_[index]];
    const std::int64_t from = std::exchange(count_from_[index], std::nullopt).value_or(started);
    next_due_[index] = run_again_[index] ? 0 : NextDue(from, now_(), intervals_[index]);
    run_again_[index] = false;
    if (once_) {
      next_due_[index] = std::numeric_limits<std::int64_t>::max();
      if (++finished_ == next_due_.size()) stop_ = true;
    }
    idle_.emplace(next_due_[index], index);
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
      auto paused = [this](std::size_t i) { return paused_[i] && !forced_[i]; };
      auto blocked = [&](std::size_t i) {
        if (paused(i)) return true;
        if (i >= parents_.size() || !parents_[i] || *parents_[i] >= next_due_.size()) return false;
        const std::size_t p = *parents_[i];
        return ParentGoesFirst(now, next_due_[p], running_[p], paused(p));
      };
      std::vector<std::size_t> host_free(host_slots_);
      for (std::size_t h = 0; h < host_free.size() && h < host_busy_.size(); ++h) {
        host_free[h] -= std::min(host_free[h], host_busy_[h]);
      }
      for (std::size_t i : PickInOrder(now, idle_, blocked, parallelism_ - active_, host_of_, host_free)) {
        idle_.erase({next_due_[i], i});
        if (i < host_of_.size() && host_of_[i] < host_busy_.size()) ++host_busy_[host_of_[i]];
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
      if (index < host_of_.size() && host_of_[index] < host_busy_.size()) --host_busy_[host_of_[index]];
      idle_.emplace(next_due_[index], index);
    }
    queue_.clear();
    cv_.notify_all();
  }
  for (auto& t : workers) t.join();
}

}  // namespace zpull::daemon
