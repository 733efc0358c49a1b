#include "daemon/hooks.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/local_runner.h"

namespace zpull::daemon {
namespace {

TEST(Hooks, PassesTheEnvironmentWithoutAShell) {
  char dir[] = "/tmp/zpull-hook-XXXXXX";
  ASSERT_TRUE(::mkdtemp(dir));
  const std::string out = std::string(dir) + "/env";
  core::LocalRunner runner;
  // The hook itself may use a shell; zpull does not (values with spaces and
  // $ arrive verbatim).
  config::HookConfig hook{{"sh", "-c", "printf '%s|%s' \"$ZPULL_DATASET\" \"$ZPULL_REASON\" > \"$0\"", out}, 10, false};
  ASSERT_TRUE(RunHook(runner, "post_replication", hook, {{"ZPULL_DATASET", "backup/vm images"}, {"ZPULL_REASON", "$(x)"}}));
  std::ifstream in(out);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(s.str(), "backup/vm images|$(x)");
  std::remove(out.c_str());
  ::rmdir(dir);
}

TEST(Hooks, FailureAndTimeoutAreHookFailed) {
  core::LocalRunner runner;
  auto failed = RunHook(runner, "pre_snapshot", {{"sh", "-c", "echo database busy >&2; exit 3"}, 10, false}, {});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().reason, core::Reason::kHookFailed);
  EXPECT_EQ(failed.error().message, "pre_snapshot hook (sh on local): exit 3: database busy");
  const auto t0 = std::chrono::steady_clock::now();
  auto slow = RunHook(runner, "pre_snapshot", {{"sleep", "30"}, 1, false}, {});
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().reason, core::Reason::kHookFailed);
  EXPECT_NE(slow.error().message.find("timed out after 1 s"), std::string::npos) << slow.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  auto missing = RunHook(runner, "pre_snapshot", {{"/nonexistent/hook"}, 5, false}, {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason, core::Reason::kHookFailed);
}

}  // namespace
}  // namespace zpull::daemon
