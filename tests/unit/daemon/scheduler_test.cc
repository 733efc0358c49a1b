#include "daemon/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace zpull::daemon {
namespace {

TEST(PickDue, MostOverdueFirstWithinFreeSlots) {
  std::vector<std::int64_t> due = {50, 10, 200, 30};
  std::vector<bool> running = {false, false, false, false};
  EXPECT_EQ(PickDue(100, due, running, 2), (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(PickDue(100, due, running, 9), (std::vector<std::size_t>{1, 3, 0}));
  EXPECT_TRUE(PickDue(100, due, running, 0).empty());
}

TEST(PickDue, NeverPicksARunningDataset) {
  std::vector<std::int64_t> due = {0, 0};
  EXPECT_EQ(PickDue(100, due, {true, false}, 2), (std::vector<std::size_t>{1}));
}

TEST(NextDue, IntervalFromStartUnlessTheRunOverran) {
  EXPECT_EQ(NextDue(100, 110, 60), 160);
  EXPECT_EQ(NextDue(100, 190, 60), 190);
}

// With a fake clock frozen, every dataset runs exactly once (all are due at
// start, none again); parallelism bounds how many run at the same time.
TEST(Scheduler, RunsEachDueDatasetOnceAndBoundsParallelism) {
  std::atomic<int> running{0}, peak{0}, total{0};
  std::mutex mu;
  std::vector<int> runs(5, 0);
  Scheduler* self = nullptr;
  Scheduler s({60, 60, 60, 60, 60}, 2,
              [&](std::size_t i) {
                int now = ++running;
                int p = peak.load();
                while (now > p && !peak.compare_exchange_weak(p, now)) {
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(30));
                {
                  std::lock_guard lock(mu);
                  ++runs[i];
                }
                --running;
                if (++total == 5) self->Stop();
              },
              [] { return std::int64_t{1000}; });
  self = &s;
  s.Run();
  EXPECT_EQ(runs, (std::vector<int>{1, 1, 1, 1, 1}));
  EXPECT_EQ(peak.load(), 2);
}

TEST(WaitingForParent, ParentRunningOrDueGoesFirst) {
  std::vector<std::optional<std::size_t>> parents = {std::nullopt, 0, 1, 0};
  const std::vector<bool> no(4, false);
  // All due: the parent first; its children wait, and their children too.
  EXPECT_EQ(WaitingForParent(100, parents, {0, 0, 0, 0}, no, no), (std::vector<bool>{false, true, true, true}));
  // 0 running: 1 and 3 wait; 1 not due and idle: 2 may go.
  EXPECT_EQ(WaitingForParent(100, parents, {0, 500, 0, 0}, {true, false, false, false}, no),
            (std::vector<bool>{false, true, false, true}));
  // A paused parent that is due holds nobody back.
  EXPECT_EQ(WaitingForParent(100, parents, {0, 500, 0, 0}, no, {true, false, false, false}),
            (std::vector<bool>{false, false, false, false}));
}

// Parents run before their children even with free slots for all.
TEST(Scheduler, ParentsRunBeforeTheirChildren) {
  std::mutex mu;
  std::vector<std::size_t> order;
  std::atomic<int> total{0};
  Scheduler* self = nullptr;
  Scheduler s({60, 60, 60, 60}, 4,
              [&](std::size_t i) {
                {
                  std::lock_guard lock(mu);
                  order.push_back(i);
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                if (++total == 4) self->Stop();
              },
              [] { return std::int64_t{1000}; });
  self = &s;
  s.SetParents({std::nullopt, 0, 1, std::nullopt});
  s.Run();
  ASSERT_EQ(order.size(), 4u);
  auto pos = [&](std::size_t i) { return std::find(order.begin(), order.end(), i) - order.begin(); };
  EXPECT_LT(pos(0), pos(1));
  EXPECT_LT(pos(1), pos(2));
}

TEST(Scheduler, StopWaitsForTheRunningJob) {
  std::atomic<bool> finished{false};
  Scheduler* self = nullptr;
  Scheduler s({60}, 1,
              [&](std::size_t) {
                self->Stop();
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                finished = true;
              },
              [] { return std::int64_t{0}; });
  self = &s;
  s.Run();
  EXPECT_TRUE(finished.load());
}

TEST(Scheduler, RunNowRunsAgainBeforeTheInterval) {
  std::atomic<int> runs{0};
  Scheduler* self = nullptr;
  Scheduler s({3600}, 1,
              [&](std::size_t) {
                if (++runs == 1) {
                  self->RunNow(0);
                } else {
                  self->Stop();
                }
              },
              [] { return std::int64_t{5}; });
  self = &s;
  s.Run();
  EXPECT_EQ(runs.load(), 2);
}

}  // namespace
}  // namespace zpull::daemon
