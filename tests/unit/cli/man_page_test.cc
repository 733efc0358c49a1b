#include "cli/man_page.h"

#include <fstream>
#include <iterator>
#include <regex>

#include <gtest/gtest.h>

#include "cli/commands.h"

namespace zpull::cli {
namespace {

std::string Dashes(const std::string& s) { return std::regex_replace(s, std::regex("-"), "\\-"); }

TEST(ManPage, ZpullHasEveryCommandAndOption) {
  const std::string page = ZpullManPage("1.2.3");
  EXPECT_TRUE(page.starts_with(".TH ZPULL 1 \"\" \"zpull 1.2.3\"")) << page.substr(0, 80);
  for (const auto& c : Commands()) {
    EXPECT_NE(page.find(".SS " + Dashes(c.name) + "\n"), std::string::npos) << c.name;
    for (const auto& o : c.options) EXPECT_NE(page.find(Dashes(o.name)), std::string::npos) << c.name << o.name;
    for (const auto& e : c.examples) EXPECT_NE(page.find(Dashes(e)), std::string::npos) << e;
  }
  for (const auto& o : CommonOptions()) {
    EXPECT_NE(page.find(".B " + Dashes(o.alias.empty() ? o.name : o.alias + ", " + o.name)), std::string::npos)
        << o.name;
  }
  EXPECT_NE(page.find(".SH EXIT STATUS"), std::string::npos);
}

TEST(ManPage, ConfigProseAndExamplesComeFromTheExample) {
  const std::string page = ConfigManPage(
      "# zpull configuration: every key.\n\n"
      "# How often.\n#   a laid-out line\ninterval: 15m   # a comment\n\n"
      "#hooks:\n#  pre: x\n\n"
      "sources:\n  - name: .a\\b\n",
      "0.1");
  EXPECT_NE(page.find(".SH DESCRIPTION\n.PP\nzpull configuration: every key.\n"), std::string::npos) << page;
  EXPECT_NE(page.find(".SS interval\n.PP\nHow often.\n.PP\n.EX\n  a laid\\-out line\n.EE\n.PP\n.EX\n"
                      "interval: 15m   # a comment\n.EE\n"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find(".SS hooks\n.PP\n.EX\n#hooks:\n#  pre: x\n.EE\n"), std::string::npos) << page;
  EXPECT_NE(page.find(".SS sources\n.PP\n.EX\nsources:\n  \\- name: .a\\eb\n.EE\n"), std::string::npos) << page;
}

TEST(ManPage, EveryTopLevelKeyOfTheShippedExampleHasASection) {
  std::ifstream in(std::string(ZPULL_SOURCE_DIR) + "/deploy/zpull.example.yml");
  const std::string example{std::istreambuf_iterator<char>(in), {}};
  ASSERT_FALSE(example.empty());
  const std::string page = ConfigManPage(example, "0");
  std::regex key("^#?([a-z_]+):", std::regex::multiline);
  int keys = 0;
  for (auto it = std::sregex_iterator(example.begin(), example.end(), key); it != std::sregex_iterator(); ++it) {
    const std::string k = (*it)[1];
    EXPECT_TRUE(std::regex_search(page, std::regex("\n\\.SS ([a-z_, ]*, )?" + k + "(,|\n)"))) << k;
    ++keys;
  }
  EXPECT_GT(keys, 20);
}

}  // namespace
}  // namespace zpull::cli
