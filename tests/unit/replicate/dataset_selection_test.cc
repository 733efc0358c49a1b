#include "replicate/dataset_selection.h"

#include <gtest/gtest.h>

namespace zpull::replicate {
namespace {

using Tree = std::vector<core::TreeEntry>;
using Names = std::vector<std::string>;

Tree Plain(const Names& names) {
  Tree t;
  for (const auto& n : names) t.push_back({n, std::nullopt});
  return t;
}

TEST(SelectTree, RootAndEveryChildByDefaultParentsFirst) {
  // zfs sorts '-' before '/', so tank/a-b comes between tank/a and tank/a/c.
  auto s = SelectTree("tank", Plain({"tank", "tank/a", "tank/a-b", "tank/a/c", "tank/b"}), {});
  EXPECT_EQ(s.datasets, (Names{"tank", "tank/a", "tank/a/c", "tank/a-b", "tank/b"}));
  EXPECT_TRUE(s.warnings.empty());
}

TEST(SelectTree, OnlyDescendantsOfTheRootCount) {
  auto s = SelectTree("tank/vm", Plain({"tank/vm", "tank/vm/a", "tank/vmx", "tank", "tank/vm/"}), {});
  EXPECT_EQ(s.datasets, (Names{"tank/vm", "tank/vm/a"}));
}

TEST(SelectTree, ExcludeTakesTheSubtree) {
  ChildSelection sel;
  sel.exclude = {"tmp", "*/cache"};
  auto s = SelectTree("t", Plain({"t", "t/tmp", "t/tmp/x", "t/home", "t/home/cache", "t/home/cache2", "t/tmpfoo"}), sel);
  EXPECT_EQ(s.datasets, (Names{"t", "t/home", "t/home/cache2", "t/tmpfoo"}));
}

TEST(SelectTree, IncludeTakesTheSubtreeAndTheRootStays) {
  ChildSelection sel;
  sel.include = {"vm-*"};
  sel.exclude = {"vm-*/scratch"};
  auto s = SelectTree("t", Plain({"t", "t/vm-1", "t/vm-1/disk", "t/vm-1/scratch", "t/home"}), sel);
  EXPECT_EQ(s.datasets, (Names{"t", "t/vm-1", "t/vm-1/disk"}));
}

TEST(SelectTree, PropertyDecidesBeforePatternsAndIsInherited) {
  ChildSelection sel;
  sel.exclude = {"b"};
  Tree t = {{"t", std::nullopt},       {"t/a", "off"},   {"t/a/x", "off"},  // inherited off
            {"t/a/y", "on"},           {"t/b", "true"},  {"t/c", "no"},
            {"t/d", std::nullopt}};
  auto s = SelectTree("t", t, sel);
  EXPECT_EQ(s.datasets, (Names{"t", "t/a/y", "t/b", "t/d"}));
}

TEST(SelectTree, RootIsReplicatedWhateverItsProperty) {
  auto s = SelectTree("t", {{"t", "off"}, {"t/a", "off"}}, {});
  EXPECT_EQ(s.datasets, (Names{"t"}));
}

TEST(SelectTree, UnknownPropertyValueWarnsAndPatternsDecide) {
  ChildSelection sel;
  sel.exclude = {"x"};
  auto s = SelectTree("t", {{"t", std::nullopt}, {"t/x", "maybe"}, {"t/y", "maybe"}}, sel);
  EXPECT_EQ(s.datasets, (Names{"t", "t/y"}));
  ASSERT_EQ(s.warnings.size(), 2u);
  EXPECT_NE(s.warnings[0].find("zpull:backup=maybe on t/x"), std::string::npos) << s.warnings[0];
}

TEST(SelectTree, EmptyPropertyNameIgnoresProperties) {
  ChildSelection sel;
  sel.property.clear();
  auto s = SelectTree("t", {{"t", std::nullopt}, {"t/x", "off"}}, sel);
  EXPECT_EQ(s.datasets, (Names{"t", "t/x"}));
}

}  // namespace
}  // namespace zpull::replicate
