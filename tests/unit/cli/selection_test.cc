#include "cli/selection.h"

#include <gtest/gtest.h>

namespace zpull::cli {
namespace {

config::Config ThreeEntries() {
  config::Config c;
  for (auto [src, dst] : {std::pair{"tank/home", "backup/web1/home"}, std::pair{"tank/db", "backup/web1/db"},
                          std::pair{"tank/home", "backup/offsite/home"}}) {
    c.datasets.push_back(config::DatasetConfig{
        .source = "web1", .source_dataset = *core::DatasetName::Parse(src), .destination = *core::DatasetName::Parse(dst)});
  }
  return c;
}

TEST(SelectEntries, ByDestinationOrTheTreeBelowIt) {
  const auto c = ThreeEntries();
  EXPECT_EQ(*SelectEntries(c, {}), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(*SelectEntries(c, {"backup/web1/db"}), (std::vector<std::size_t>{1}));
  EXPECT_EQ(*SelectEntries(c, {"backup/offsite/home", "backup/web1/db"}), (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(*SelectEntries(c, {"backup/web1"}), (std::vector<std::size_t>{0, 1}));
  EXPECT_FALSE(SelectEntries(c, {"backup/web"})) << "a prefix of a name is not a parent";
  EXPECT_EQ(*SelectEntries(c, {"backup/web1/"}), (std::vector<std::size_t>{0, 1}));
}

TEST(SelectEntries, BelowARecursiveEntryIsLeftToTheExpansion) {
  auto c = ThreeEntries();
  c.datasets[1].recursive = true;
  EXPECT_TRUE(CheckSelectable(c, {"backup/web1/db/child"}));
  EXPECT_TRUE(CheckSelectable(c, {"backup/web1"}));
  auto e = CheckSelectable(c, {"backup/web1/home/child"});
  ASSERT_FALSE(e) << "not below a recursive entry";
  EXPECT_NE(e.error().message.find("did you mean"), std::string::npos) << e.error().message;
}

TEST(SelectEntries, AnUnknownNameSaysWhatWasMeant) {
  const auto c = ThreeEntries();
  auto e = SelectEntries(c, {"backup/web1/hmoe"});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "no configured destination 'backup/web1/hmoe' (did you mean 'backup/web1/home'?)");
  e = SelectEntries(c, {"tank/home"});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message,
            "no configured destination 'tank/home': it is a source dataset; name its entries by destination: "
            "backup/web1/home backup/offsite/home");
}

}  // namespace
}  // namespace zpull::cli
