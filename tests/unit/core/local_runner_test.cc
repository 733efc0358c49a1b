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

}  // namespace
}  // namespace zpull::core
