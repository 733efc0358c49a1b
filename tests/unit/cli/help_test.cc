#include "cli/help.h"

#include <gtest/gtest.h>

namespace zpull::cli {
namespace {

TEST(Help, EveryCommandHasUsageAndAnExample) {
  for (const auto& c : HelpCommands()) {
    auto h = CommandHelp(c);
    ASSERT_TRUE(h) << c;
    EXPECT_TRUE(h->starts_with("usage: zpull " + c)) << *h;
    EXPECT_NE(h->find("Example"), std::string::npos) << c;
    EXPECT_NE(h->find("\n  zpull " + c), std::string::npos) << c << ": no example invocation";
    EXPECT_NE(Overview().find("\n  " + c + " "), std::string::npos) << c << " missing from the overview";
  }
  EXPECT_FALSE(CommandHelp("nope"));
}

}  // namespace
}  // namespace zpull::cli
