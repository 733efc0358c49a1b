#include "core/shell_quote.h"

#include <gtest/gtest.h>

#include "core/local_runner.h"

namespace zpull::core {
namespace {

TEST(ShellQuote, QuotesEverything) {
  EXPECT_EQ(ShellQuote("plain"), "'plain'");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellJoin({"zfs", "send", "tank/a b@s"}), "'zfs' 'send' 'tank/a b@s'");
}

// The real contract: a POSIX shell parses the joined line back into exactly
// the original argv. Checked with /bin/sh through printf, one arg per line.
TEST(ShellQuote, RoundTripsThroughARealShell) {
  const Argv hostile = {"with space", "it's", "$HOME", "$(touch /tmp/zpull-pwned)", "`id`", "a;b", "a|b",
                        "a&&b", "new\nline", "-leading-dash", "--", "*", "~", "\\back\\slash", "\"dq\"",
                        "tab\there", "!bang", "", "#hash", "{a,b}", "a>b"};
  LocalRunner local;
  Argv printf_argv = {"printf", "%s\\0"};
  printf_argv.insert(printf_argv.end(), hostile.begin(), hostile.end());
  // `sh -c LINE` stands in for the remote user's shell that parses an SSH exec request.
  auto r = local.Run({"sh", "-c", ShellJoin(printf_argv)});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->exit_code, 0) << r->err;
  Argv back;
  std::size_t start = 0;
  for (std::size_t i = 0; i < r->out.size(); ++i) {
    if (r->out[i] == '\0') {
      back.push_back(r->out.substr(start, i - start));
      start = i + 1;
    }
  }
  EXPECT_EQ(back, hostile);
}

}  // namespace
}  // namespace zpull::core
