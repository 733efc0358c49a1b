#include "cli/help.h"

#include <gtest/gtest.h>

namespace zpull::cli {
namespace {

TEST(Help, EveryCommandHasUsageAndAnExample) {
  for (const auto& spec : Commands()) {
    const std::string& c = spec.name;
    auto h = CommandHelp(c);
    ASSERT_TRUE(h) << c;
    EXPECT_TRUE(h->starts_with("usage: zpull " + c)) << *h;
    EXPECT_NE(h->find("Example"), std::string::npos) << c;
    EXPECT_NE(h->find("\n  zpull " + c), std::string::npos) << c << ": no example invocation";
    EXPECT_NE(Overview().find("\n  " + c + " "), std::string::npos) << c << " missing from the overview";
  }
  EXPECT_FALSE(CommandHelp("nope"));
}

TEST(Help, ListsEveryOptionTheParserTakes) {
  for (const auto& c : Commands()) {
    const std::string h = *CommandHelp(c.name);
    for (const auto& o : c.options) {
      EXPECT_NE(h.find("\n  " + (o.alias.empty() ? "" : o.alias + ", ") + o.name), std::string::npos) << c.name << o.name;
      EXPECT_TRUE(h.find(" " + o.name) != std::string::npos || h.find("[" + o.name) != std::string::npos)
          << c.name << " synopsis lacks " << o.name;
    }
    for (const auto& o : CommonOptions()) EXPECT_NE(h.find(o.name + " " + o.value), std::string::npos) << o.name;
  }
}

TEST(Help, WrapsAtTheWidth) {
  EXPECT_EQ(Wrap("aa bb cc", 5, 2), "aa bb\n  cc");
  EXPECT_EQ(Wrap("", 5, 2), "");
}

}  // namespace
}  // namespace zpull::cli
