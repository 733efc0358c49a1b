#include "replicate/refusal.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "core/reason.h"
#include "replicate/cycle.h"
#include "tests/support/snapshots.h"

namespace zpull::replicate {
namespace {

using test::Snaps;

DatasetJob Job(const std::string& destination) {
  DatasetJob job{core::DatasetName::Parse("tank/a").value(), core::DatasetName::Parse(destination).value()};
  job.prefix = "zpull";
  return job;
}

Plan PlanOf(const std::string& src, const std::optional<std::string>& dst) {
  return PlanReplication(Snaps(src), dst ? std::optional(Snaps(*dst)) : std::nullopt, InitialMode::kNewest);
}

TEST(Refusal, DivergedNamesForceOnDivergenceAndWhatItDestroys) {
  const Plan plan = PlanOf("a:1 b:2 c:3", "a:1 b:2 x:9 y:8");
  auto e = Refusal(plan, RefusalOf(Job("backup/a")));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, core::Reason::kDiverged);
  EXPECT_NE(e->message.find("force_on_divergence: true would destroy @x, @y on backup/a"), std::string::npos)
      << e->message;
  DatasetJob forced = Job("backup/a");
  forced.options.force_on_divergence = true;
  EXPECT_FALSE(Refusal(plan, RefusalOf(forced)));
}

TEST(Refusal, ForceIsOfferedBelowAPoolsRootOnly) {
  const Plan empty_dst = PlanOf("a:1", "");
  ASSERT_TRUE(empty_dst.needs_force);
  auto below = Refusal(empty_dst, RefusalOf(Job("backup/a")));
  ASSERT_TRUE(below);
  EXPECT_NE(below->message.find("set force: true"), std::string::npos) << below->message;
  auto root = Refusal(empty_dst, RefusalOf(Job("backup")));
  ASSERT_TRUE(root);
  EXPECT_EQ(root->message.find("force"), std::string::npos) << root->message;
  EXPECT_NE(root->message.find("choose a destination below it (backup/…)"), std::string::npos) << root->message;

  const Plan foreign = PlanOf("a:1", "x:9");
  auto root_foreign = Refusal(foreign, RefusalOf(Job("backup")));
  ASSERT_TRUE(root_foreign);
  EXPECT_EQ(root_foreign->reason, core::Reason::kNoCommonSnapshot);
  EXPECT_EQ(root_foreign->message.find("force"), std::string::npos) << root_foreign->message;
  DatasetJob forced = Job("backup/a");
  forced.force = true;
  EXPECT_FALSE(Refusal(empty_dst, RefusalOf(forced)));
  EXPECT_FALSE(Refusal(PlanOf("a:1 b:2", "a:1"), RefusalOf(Job("backup/a"))));
}

TEST(Refusal, ModifiedNamesRollbackDestination) {
  const auto e = ModifiedRefusal(core::DatasetName::Parse("backup/a").value(), "zpull_1", "12K");
  EXPECT_EQ(e.reason, core::Reason::kDestinationModified);
  EXPECT_NE(e.message.find("rollback_destination: true rolls it back to @zpull_1"), std::string::npos) << e.message;
  EXPECT_TRUE(NothingWritten("0"));
  EXPECT_TRUE(NothingWritten("0B"));
  EXPECT_FALSE(NothingWritten("12K"));
}

TEST(ReasonRemedy, EveryReasonHasOne) {
  for (auto r : core::kAllReasons) {
    EXPECT_GE(core::ReasonRemedy(r).size(), 20u) << core::ReasonName(r);
  }
}

// The configuration keys a message or remedy names ("key: value", or a
// snake_case word) are keys the configuration reader knows.
TEST(ReasonRemedy, KeysNamedAreRealConfigurationKeys) {
  std::ifstream in(std::string(ZPULL_SOURCE_DIR) + "/config/config.cc");
  std::stringstream schema;
  schema << in.rdbuf();
  ASSERT_FALSE(schema.str().empty());
  std::vector<std::string> texts;
  for (auto r : core::kAllReasons) texts.emplace_back(core::ReasonRemedy(r));
  for (const std::string dst : {"backup", "backup/a"}) {
    for (const auto& [src, d] : {std::pair{"a:1 b:2 c:3", "a:1 b:2 x:9"}, {"a:1", ""}, {"a:1", "x:9"}}) {
      if (auto e = Refusal(PlanOf(src, std::string(d)), RefusalOf(Job(dst)))) texts.push_back(e->message);
    }
  }
  texts.push_back(ModifiedRefusal(core::DatasetName::Parse("backup/a").value(), "s", "1K").message);
  texts.push_back(MissingPoolRefusal(core::DatasetName::Parse("backup/a").value()).message);
  texts.push_back(WaitingForParentRefusal(core::DatasetName::Parse("backup/a/b").value(),
                                          core::DatasetName::Parse("backup/a").value()).message);
  // Words that are not configuration keys.
  const std::set<std::string> not_keys = {"authorized_keys"};
  // snake_case words, and "key: true|false" or "{key:" (a key without '_').
  const std::regex key(R"(\b([a-z]+(?:_[a-z]+)+)\b|\b([a-z]+)(?=: (?:true|false)\b)|\{([a-z]+):)");
  int checked = 0;
  for (const auto& text : texts) {
    for (std::sregex_iterator it(text.begin(), text.end(), key), end; it != end; ++it) {
      const std::string k = (*it)[1].matched ? (*it)[1] : (*it)[2].matched ? (*it)[2] : (*it)[3];
      if (not_keys.contains(k)) continue;
      ++checked;
      EXPECT_NE(schema.str().find("\"" + k + "\""), std::string::npos) << "'" << k << "' in: " << text;
    }
  }
  EXPECT_GT(checked, 10);
}

}  // namespace
}  // namespace zpull::replicate
