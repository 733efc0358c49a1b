#include "daemon/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
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

// A cycle that replicated its tree's snapshot counts its interval from
// that snapshot's time, not from when it started.
TEST(Scheduler, CountFromMovesTheNextRunToAnIntervalAfterThatTime) {
  for (bool count_from : {false, true}) {
    Scheduler* self = nullptr;
    Scheduler s({100}, 1,
                [&](std::size_t i) {
                  if (count_from) self->CountFrom(i, 0);
                  self->Stop();
                },
                [] { return std::int64_t{10}; });
    self = &s;
    s.Run();
    const auto soon = s.Upcoming(90);  // due by 100: counted from 0, not from 10
    EXPECT_EQ(std::find(soon.begin(), soon.end(), 0u) != soon.end(), count_from) << count_from;
  }
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

namespace zpull::daemon {
namespace {

TEST(PickDue, NoHostBeyondItsSlots) {
  const std::vector<std::int64_t> due = {10, 20, 30, 40, 50};
  const std::vector<bool> idle(5, false);
  // Datasets 0, 1, 2 on host 0 (one slot free), 3, 4 on host 1 (two free).
  EXPECT_EQ(PickDue(100, due, idle, 4, {0, 0, 0, 1, 1}, {1, 2}), (std::vector<std::size_t>{0, 3, 4}));
  EXPECT_EQ(PickDue(100, due, idle, 2, {0, 0, 0, 1, 1}, {1, 2}), (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(PickDue(100, due, idle, 4, {0, 0, 0, 1, 1}, {0, 2}), (std::vector<std::size_t>{3, 4}));
}

TEST(FirstDue, AfterARestartTheScheduleHolds) {
  const std::int64_t now = 10'000;
  // Succeeded 30 s ago with an interval of 1 h: due in 59.5 min. Down longer
  // than the interval, or never succeeded: at once, spread over < 10 s.
  auto due = FirstDue(now, {now - 30, now - 7200, std::nullopt, now - 3600}, {3600, 3600, 3600, 3600});
  EXPECT_EQ(due[0], now - 30 + 3600);
  std::vector<std::int64_t> soon = {due[1], due[2], due[3]};
  EXPECT_EQ(soon, (std::vector<std::int64_t>{now, now + 3, now + 6}));
  std::vector<std::optional<std::int64_t>> none(100);
  auto many = FirstDue(now, none, std::vector<std::int64_t>(100, 60));
  EXPECT_EQ(many.front(), now);
  EXPECT_LT(many.back(), now + kStartSpreadSeconds);
  EXPECT_TRUE(std::is_sorted(many.begin(), many.end()));
}

// A host whose cycles hang holds only its own slots: the other host's
// datasets still run, and with `zpull once` semantics Run() returns once
// every dataset ran.
TEST(Scheduler, AHungHostHoldsOnlyItsOwnSlots) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::vector<std::size_t> healthy_done;
  Scheduler s({60, 60, 60, 60}, 2,
              [&](std::size_t i) {
                std::unique_lock lock(mu);
                if (i < 2) {
                  // Host 0 hangs (until host 1 is done; 20 s: the test fails rather than hangs).
                  cv.wait_for(lock, std::chrono::seconds(20), [&] { return release; });
                } else {
                  healthy_done.push_back(i);
                  if (healthy_done.size() == 2) {
                    release = true;
                    cv.notify_all();
                  }
                }
              },
              [] { return std::int64_t{1000}; });
  s.SetHosts({0, 0, 1, 1}, {1, 1});
  s.RunEachOnce();
  s.Run();
  std::lock_guard lock(mu);
  EXPECT_EQ(healthy_done, (std::vector<std::size_t>{2, 3})) << "host 1 ran while host 0 hung";
}

TEST(Scheduler, FirstDueTimesAreKept) {
  std::atomic<std::int64_t> now{1000};
  std::mutex mu;
  std::vector<std::size_t> ran;
  Scheduler* self = nullptr;
  Scheduler s({3600, 3600}, 2,
              [&](std::size_t i) {
                std::lock_guard lock(mu);
                ran.push_back(i);
                if (ran.size() == 2) self->Stop();
              },
              [&] { return now.load(); });
  self = &s;
  s.SetFirstDue({1000, 1000 + 3570});
  std::thread clock([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    {
      std::lock_guard lock(mu);
      EXPECT_EQ(ran, (std::vector<std::size_t>{0})) << "dataset 1 is not due for 3570 s";
    }
    now = 1000 + 3570;
  });
  s.Run();
  clock.join();
  EXPECT_EQ(ran, (std::vector<std::size_t>{0, 1}));
}

}  // namespace
}  // namespace zpull::daemon

namespace zpull::daemon {
namespace {

// What a round lists: due within the horizon and not paused (unless run
// now), or running.
TEST(Scheduler, UpcomingIsDueWithinTheHorizonNotPausedOrRunning) {
  Scheduler s({60, 60, 60}, 1, [](std::size_t) {}, [] { return std::int64_t{1000}; });
  s.SetFirstDue({0, 1010, 2000});
  s.SetPaused(0, true);
  EXPECT_TRUE(s.Upcoming().empty());
  EXPECT_EQ(s.Upcoming(15), (std::vector<std::size_t>{1}));
  s.RunNow(0);
  EXPECT_EQ(s.Upcoming(), (std::vector<std::size_t>{0}));
  EXPECT_EQ(s.Upcoming(1000), (std::vector<std::size_t>{0, 1, 2}));
}

}  // namespace
}  // namespace zpull::daemon
