// SshRunner against a real sshd (tests/ssh/run.sh starts one and passes its
// port, client key and known_hosts in the environment).

#include "core/ssh_runner.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace zpull::core {
namespace {

SshTarget Target() {
  SshTarget t;
  t.name = "test";
  t.host = "127.0.0.1";
  t.port = std::atoi(std::getenv("ZPULL_TEST_SSH_PORT"));
  t.identity_file = std::getenv("ZPULL_TEST_SSH_KEY");
  t.known_hosts_file = std::getenv("ZPULL_TEST_KNOWN_HOSTS");
  return t;
}

TEST(SshRunner, RunAllKeepsOrderOutputsAndExitCodesAcrossBatches) {
  SshRunner runner(Target());
  std::vector<Argv> commands;
  const std::size_t n = 3 * SshRunner::kMaxChannels + 1;  // more than one batch
  for (std::size_t i = 0; i < n; ++i) {
    // Later commands finish first: the results still come in order.
    commands.push_back({"sh", "-c", "sleep 0.$((9 - $1 % 10)); echo out $1; echo err $1 >&2; exit $(($1 % 4))", "x",
                        std::to_string(i)});
  }
  // One command in the middle prints more than a channel window.
  commands[5] = {"head", "-c", "3000000", "/dev/zero"};
  auto results = runner.RunAll(commands);
  ASSERT_TRUE(results) << results.error().message;
  ASSERT_EQ(results->size(), n);
  for (std::size_t i = 0; i < n; ++i) {
    const CommandResult& r = (*results)[i];
    if (i == 5) {
      EXPECT_EQ(r.out.size(), 3000000u);
      EXPECT_EQ(r.exit_code, 0);
      continue;
    }
    EXPECT_EQ(r.out, "out " + std::to_string(i) + "\n") << i;
    // The account's shell start-up files may add their own lines first
    // (this machine's root runs pyenv, which complains when 8 shells start
    // at once).
    EXPECT_TRUE(r.err.ends_with("err " + std::to_string(i) + "\n")) << i << ": " << r.err;
    EXPECT_EQ(r.exit_code, static_cast<int>(i % 4)) << i;
  }
  // The shared session still serves single commands afterwards.
  auto one = runner.Run({"echo", "after"});
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one->out, "after\n");
}

TEST(SshRunner, RunAllOfNothingIsNothing) {
  SshRunner runner(Target());
  auto results = runner.RunAll({});
  ASSERT_TRUE(results);
  EXPECT_TRUE(results->empty());
}

TEST(SshRunner, RunAllFailsWhenTheHostKeyIsUnknown) {
  SshTarget t = Target();
  t.known_hosts_file = std::string(std::getenv("ZPULL_TEST_KNOWN_HOSTS")) + ".empty";
  SshRunner runner(t);
  auto results = runner.RunAll({{"true"}});
  ASSERT_FALSE(results);
  EXPECT_EQ(results.error().reason, Reason::kHostkey);
}

}  // namespace
}  // namespace zpull::core
