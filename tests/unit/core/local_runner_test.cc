#include "core/local_runner.h"

#include <gtest/gtest.h>

namespace zpull::core {
namespace {

TEST(LocalRunner, RunsArgvWithoutAShell) {
  LocalRunner r;
  auto out = r.Run({"printf", "%s|", "a b", "$HOME", ";"});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->exit_code, 0);
  EXPECT_EQ(out->out, "a b|$HOME|;|");
}

TEST(LocalRunner, ReportsExitCodeAndStderr) {
  LocalRunner r;
  auto out = r.Run({"sh", "-c", "echo oops >&2; exit 3"});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->exit_code, 3);
  EXPECT_EQ(out->err, "oops\n");
}

TEST(LocalRunner, RunAllKeepsOrderOutputsAndExitCodes) {
  LocalRunner r;
  std::vector<Argv> commands;
  const std::size_t n = 2 * LocalRunner::kMaxParallel + 3;  // more than one batch
  for (std::size_t i = 0; i < n; ++i) {
    // Later commands finish first; results still come in order.
    commands.push_back({"sh", "-c", "sleep 0.0$((9 - $1 % 10)); echo out $1; echo err $1 >&2; exit $(($1 % 4))", "x",
                        std::to_string(i)});
  }
  auto results = r.RunAll(commands);
  ASSERT_TRUE(results) << results.error().message;
  ASSERT_EQ(results->size(), n);
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ((*results)[i].out, "out " + std::to_string(i) + "\n");
    EXPECT_EQ((*results)[i].err, "err " + std::to_string(i) + "\n");
    EXPECT_EQ((*results)[i].exit_code, static_cast<int>(i % 4));
  }
  // One command that cannot run fails the batch, naming it.
  commands[3] = {"/nonexistent/zpull-test-program"};
  auto failed = r.RunAll(commands);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("zpull-test-program"), std::string::npos) << failed.error().message;
}

TEST(LocalRunner, MissingProgramIsAnError) {
  LocalRunner r;
  auto out = r.Run({"/nonexistent/zfs", "list"});
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("cannot run /nonexistent/zfs"), std::string::npos);
}

TEST(LocalRunner, FeedsStdinLargerThanAPipe) {
  LocalRunner r;
  std::string big(3 << 20, 'x');
  auto out = r.Run({"wc", "-c"}, big);
  ASSERT_TRUE(out);
  EXPECT_EQ(std::stoul(out->out), big.size());
}

TEST(LocalRunner, StreamsAndReportsSignals) {
  LocalRunner r;
  auto p = r.Start({"cat"});
  ASSERT_TRUE(p);
  std::string msg = "hello";
  ASSERT_TRUE((*p)->Write(std::span<const char>(msg.data(), msg.size())));
  (*p)->CloseStdin();
  char buf[16];
  auto n = (*p)->Read(buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(buf, *n), "hello");
  auto e = (*p)->Wait();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 0);

  auto sleeper = r.Start({"sleep", "30"});
  ASSERT_TRUE(sleeper);
  (*sleeper)->Abort();
  auto killed = (*sleeper)->Wait();
  ASSERT_TRUE(killed);
  EXPECT_EQ(killed->exit_code, 128 + 15);
}

TEST(LocalRunner, WriteToAStoppedReaderFailsInsteadOfKillingUs) {
  LocalRunner r;
  auto p = r.Start({"true"});
  ASSERT_TRUE(p);
  std::string chunk(1 << 20, 'x');
  Status s;
  for (int i = 0; i < 8 && s; ++i) s = (*p)->Write(std::span<const char>(chunk.data(), chunk.size()));
  EXPECT_FALSE(s);
  EXPECT_NE(s.error().message.find("Broken pipe"), std::string::npos);
}

TEST(LocalRunner, EndlessOutputIsStoppedWithBoundedMemory) {
  LocalRunner r;
  auto out = r.Run({"yes", "garbage garbage garbage garbage garbage garbage garbage"});
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("output of 'yes garbage garbage"), std::string::npos) << out.error().message;
  EXPECT_NE(out.error().message.find("exceeds 128 MiB"), std::string::npos) << out.error().message;
}

TEST(LocalRunner, BoundedReadReturnsWhenNothingArrives) {
  LocalRunner r;
  auto p = r.Start({"sleep", "30"});
  ASSERT_TRUE(p);
  char buf[16];
  const auto t0 = std::chrono::steady_clock::now();
  auto chunk = (*p)->ReadFor(buf, std::chrono::milliseconds(100));
  ASSERT_TRUE(chunk);
  EXPECT_EQ(chunk->bytes, 0u);
  EXPECT_FALSE(chunk->end);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  (*p)->Abort();
  ASSERT_TRUE((*p)->Wait());
}

TEST(LocalRunner, BoundedWriteReturnsWhenTheReaderIsFull) {
  LocalRunner r;
  auto p = r.Start({"sleep", "30"});  // never reads its stdin
  ASSERT_TRUE(p);
  std::string chunk(4 << 20, 'x');
  std::size_t taken = 0;
  for (int i = 0; i < 4; ++i) {
    auto n = (*p)->WriteFor(std::span<const char>(chunk.data(), chunk.size()), std::chrono::milliseconds(50));
    ASSERT_TRUE(n);
    taken += *n;
  }
  EXPECT_LT(taken, 4u * chunk.size());  // the pipe filled and WriteFor came back
  (*p)->Abort();
  ASSERT_TRUE((*p)->Wait());
}

}  // namespace
}  // namespace zpull::core

namespace zpull::core {
namespace {

TEST(LocalRunner, ACommandPastItsTimeoutIsKilledAndNamed) {
  LocalRunner r(std::chrono::milliseconds(300));
  const auto t0 = std::chrono::steady_clock::now();
  auto out = r.Run({"sleep", "30"});
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().reason, Reason::kTimeout);
  EXPECT_NE(out.error().message.find("sleep 30: no answer within 300ms (command_timeout); stopped waiting"), std::string::npos)
      << out.error().message;
  EXPECT_LT(took, std::chrono::seconds(3));
  // A command that ignores SIGTERM is killed too; RunAll is bounded the same way.
  auto all = r.RunAll({{"true"}, {"sh", "-c", "trap '' TERM; sleep 30"}});
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().reason, Reason::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(8));
  // RunWithin: another limit for this command only.
  auto longer = r.RunWithin({"sh", "-c", "sleep 0.5; echo done"}, {}, std::chrono::seconds(5));
  ASSERT_TRUE(longer) << longer.error().message;
  EXPECT_EQ(longer->out, "done\n");
  EXPECT_TRUE(LocalRunner().Run({"sh", "-c", "sleep 0.4"})) << "no limit by default";
}

TEST(DurationText, AsTheConfigurationWritesIt) {
  using std::chrono::milliseconds;
  EXPECT_EQ(DurationText(milliseconds(600'000)), "10m");
  EXPECT_EQ(DurationText(milliseconds(90'000)), "1m30s");
  EXPECT_EQ(DurationText(milliseconds(3'600'000)), "1h");
  EXPECT_EQ(DurationText(milliseconds(2'000)), "2s");
  EXPECT_EQ(DurationText(milliseconds(250)), "250ms");
  EXPECT_EQ(DurationText(milliseconds(0)), "0s");
}

}  // namespace
}  // namespace zpull::core
