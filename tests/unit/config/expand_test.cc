#include "config/expand.h"

#include <gtest/gtest.h>

#include "tests/support/fake_zfs.h"

namespace zpull::config {
namespace {

core::DatasetName N(const std::string& s) { return core::DatasetName::Parse(s).value(); }

DatasetConfig Root() {
  DatasetConfig d{.source = "s", .source_dataset = N("tank/data"), .destination = N("backup/web/data")};
  d.recursive = true;
  d.interval_seconds = 600;
  d.children.exclude = {"tmp"};
  return d;
}

TEST(EntriesFor, ChildrenMirrorTheRootBelowItsDestination) {
  auto entries = EntriesFor(Root(), {"tank/data", "tank/data/a", "tank/data/a/b", "tank/data/tmp/keep"});
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].destination.str(), "backup/web/data");
  EXPECT_TRUE(entries[0].recursive);
  EXPECT_FALSE(entries[0].replicated_parent);
  EXPECT_EQ(entries[1].source_dataset.str(), "tank/data/a");
  EXPECT_EQ(entries[1].destination.str(), "backup/web/data/a");
  EXPECT_FALSE(entries[1].recursive);
  EXPECT_EQ(entries[1].interval_seconds, 600);  // the root's settings
  EXPECT_EQ(entries[1].replicated_parent, N("backup/web/data"));
  EXPECT_EQ(entries[2].replicated_parent, N("backup/web/data/a"));
  // tank/data/tmp is not replicated: the nearest replicated ancestor is the root.
  EXPECT_EQ(entries[3].destination.str(), "backup/web/data/tmp/keep");
  EXPECT_EQ(entries[3].replicated_parent, N("backup/web/data"));
  for (const auto& e : entries) EXPECT_EQ(e.expanded_from, "backup/web/data");
}

TEST(ParentIndices, PointAtTheReplicatedParent) {
  Config c;
  c.datasets = EntriesFor(Root(), {"tank/data", "tank/data/a", "tank/data/a/b"});
  EXPECT_EQ(ParentIndices(c), (std::vector<std::optional<std::size_t>>{std::nullopt, 0, 1}));
}

TEST(ExpandDatasets, ListsTheSourceAndKeepsPlainEntries) {
  test::FakeZfs src("src", [] { return std::int64_t{0}; });
  for (const char* fs : {"tank", "tank/data", "tank/data/a", "tank/data/tmp", "tank/data/tmp/x", "tank/data/off"}) {
    src.CreateFilesystem(fs);
  }
  ASSERT_TRUE(src.SetUserProperty(N("tank/data/off"), "", "zpull:backup", "off"));
  const SourceZfs sources = [&](const std::string& name) -> core::Zfs& {
    EXPECT_EQ(name, "s");
    return src;
  };
  Config c;
  DatasetConfig plain{.source = "s", .source_dataset = N("tank/other"), .destination = N("backup/other")};
  c.datasets = {plain, Root()};
  auto e = ExpandDatasets(c, sources);
  EXPECT_TRUE(e.errors.empty());
  std::vector<std::string> dests;
  for (const auto& d : e.config.datasets) dests.push_back(d.destination.str());
  EXPECT_EQ(dests, (std::vector<std::string>{"backup/other", "backup/web/data", "backup/web/data/a"}));
  EXPECT_EQ(ExpandedSources(e.config, "backup/web/data"), (std::vector<std::string>{"tank/data", "tank/data/a"}));

  // A root that cannot be listed runs alone, and the error names it.
  c.datasets[1].source_dataset = N("tank/gone");
  auto gone = ExpandDatasets(c, sources);
  ASSERT_EQ(gone.errors.size(), 1u);
  EXPECT_EQ(gone.errors[0].reason, core::Reason::kSourceMissing);
  EXPECT_NE(gone.errors[0].message.find("listing children of tank/gone"), std::string::npos) << gone.errors[0].message;
  EXPECT_EQ(gone.config.datasets.size(), 2u);
}

}  // namespace
}  // namespace zpull::config

namespace zpull::config {
namespace {

TEST(ExpandKnown, RecursiveEntriesRunAsTheirRootsUntilListed) {
  auto c = ParseConfig(R"(
sources: [{name: s, host: local}]
datasets:
  - {source: s, source_dataset: tank/a, destination: backup/a}
  - {source: s, source_dataset: tank/r, destination: backup/r, recursive: true}
)", "zpull.yml", "bk");
  ASSERT_TRUE(c) << c.error().message;
  auto unknown = ExpandKnown(*c, {});
  ASSERT_EQ(unknown.datasets.size(), 2u);
  EXPECT_EQ(unknown.datasets[1].destination.str(), "backup/r");
  auto known = ExpandKnown(*c, {{"backup/r", {"tank/r", "tank/r/x", "tank/r/x/y"}}});
  ASSERT_EQ(known.datasets.size(), 4u);
  EXPECT_EQ(known.datasets[3].destination.str(), "backup/r/x/y");
  EXPECT_EQ(ExpandedSources(known, "backup/r"), (std::vector<std::string>{"tank/r", "tank/r/x", "tank/r/x/y"}));
}

}  // namespace
}  // namespace zpull::config
