#include "replicate/decide.h"

#include <gtest/gtest.h>

#include "tests/support/snapshots.h"

namespace zpull::replicate {
namespace {

using core::DatasetName;
using test::Snaps;

// 2026-11-27T12:00:00Z; snapshots in the notation of tests/support/snapshots.h.
constexpr std::int64_t kNow = 1795780800;
const std::string kTaken = "zp_2026-11-27T12:00:00Z";

DatasetJob Job() {
  DatasetJob job{DatasetName::Parse("tank/data").value(), DatasetName::Parse("backup/data").value()};
  job.prefix = "zp";
  return job;
}

Listings With(const std::string& source, std::optional<std::string> destination) {
  Listings in;
  in.source = Snaps(source);
  if (destination) in.destination = Snaps(*destination);
  return in;
}

std::string Describe(const Decision& d) {
  std::string out = d.snapshot.empty() ? "-" : "@" + d.snapshot;
  auto list = [&](const char* what, const std::vector<std::string>& names) {
    if (names.empty()) return;
    out += std::string(" ") + what + ":";
    for (const auto& n : names) out += " " + n;
  };
  list("replace", d.replaced);
  if (d.resume) out += " resume";
  out += " | " + DescribePlan(d.plan);
  list("destroy", d.destroy_on_divergence);
  if (d.roll_back) out += " | roll back";
  for (const auto& p : d.create_parents) out += " | create " + p.str();
  if (d.refusal) out += std::string(" | refused ") + std::string(core::ReasonName(d.refusal->reason));
  list("| prune dst", d.prune_destination);
  list("| prune src", d.prune_source);
  return out;
}

struct Case {
  const char* title;
  Listings in;
  std::function<void(DatasetJob&)> configure;
  std::string expected;
  friend void PrintTo(const Case& c, std::ostream* os) { *os << c.title; }
};

Listings Set(Listings in, const std::function<void(Listings&)>& f) {
  f(in);
  return in;
}

class DecideTest : public ::testing::TestWithParam<Case> {};

TEST_P(DecideTest, DecidesAsTheCycleActs) {
  const Case& c = GetParam();
  DatasetJob job = Job();
  if (c.configure) c.configure(job);
  EXPECT_EQ(Describe(Decide(c.in, job, kNow, job.take_snapshot)), c.expected);
}

// The matrix of states a cycle meets, with a fixed clock. Source
// snapshots carry guids; "+" marks a held one (tests/support/snapshots.h).
INSTANTIATE_TEST_SUITE_P(
    States, DecideTest,
    ::testing::Values(
        Case{"first run: a full send of the new snapshot into new parents",
             Set(With("daily:1", std::nullopt),
                 [](Listings& in) { in.missing_parents = {DatasetName::Parse("backup/x").value()}; }),
             [](DatasetJob& j) { j.destination = DatasetName::Parse("backup/x/data").value(); },
             "@" + kTaken + " | full @" + kTaken + " | create backup/x"},
        Case{"first run without a snapshot: the newest there is", With("a:1 b:2", std::nullopt),
             [](DatasetJob& j) { j.take_snapshot = false; }, "- | full @b"},
        Case{"incremental with foreign snapshots between; the old base goes from the source",
             With("zp_1:1+ sanoid_h:2 zp_2:3", std::string("zp_1:1+")), {},
             "@" + kTaken + " replace: zp_2 | incremental @zp_1 -> @" + kTaken + " | prune src: zp_1"},
        Case{"same second: the name gets a suffix",
             Set(With("zp_1:1", std::string("zp_1:1")),
                 [](Listings& in) {
                   const core::SnapshotInfo same{kTaken, 2, 2, kNow, 1};
                   in.source.push_back(same);
                   in.destination->push_back(same);
                 }),
             {}, "@" + kTaken + "_1 | incremental @" + kTaken + " -> @" + kTaken + "_1 | prune src: zp_1 " + kTaken},
        Case{"same second, the plain name pruned from the source: the destination still has it",
             Set(With("zp_1:1", std::string("zp_1:1")),
                 [](Listings& in) {
                   in.destination->insert(in.destination->begin(), core::SnapshotInfo{kTaken, 7, 1, kNow, 0});
                 }),
             {}, "@" + kTaken + "_1 | incremental @zp_1 -> @" + kTaken + "_1 | prune src: zp_1"},
        Case{"retention due on the destination, computed after the receive",
             With("zp_a:1 zp_b:2 zp_c:3+", std::string("zp_a:1 zp_b:2 zp_c:3+")),
             [](DatasetJob& j) { j.destination_retention.keep_last = 2; },
             "@" + kTaken + " | incremental @zp_c -> @" + kTaken + " | prune dst: zp_a zp_b | prune src: zp_a zp_b zp_c"},
        Case{"source_retention keeps what its rules keep",
             With("zp_a:1 zp_b:2 zp_c:3+", std::string("zp_c:3+")),
             [](DatasetJob& j) {
               j.source_retention = RetentionPolicy{};
               j.source_retention->keep_last = 3;
             },
             "@" + kTaken + " | incremental @zp_c -> @" + kTaken + " | prune src: zp_a"},
        Case{"prune: false keeps the source as it is", With("zp_a:1 zp_b:2+", std::string("zp_b:2+")),
             [](DatasetJob& j) { j.source_retention.reset(); }, "@" + kTaken + " | incremental @zp_b -> @" + kTaken},
        Case{"another entry's base stays on the source",
             Set(With("zp_a:1 zp_b:2 zp_c:3+", std::string("zp_c:3+")),
                 [](Listings& in) { in.siblings = {Sibling{Snaps("zp_a:1 zp_b:2")}}; }),
             [](DatasetJob& j) { j.source_siblings = {DatasetName::Parse("backup/other").value()}; },
             "@" + kTaken + " | incremental @zp_c -> @" + kTaken + " | prune src: zp_a zp_c"},
        Case{"up to date without a snapshot: nothing to send, nothing pruned",
             With("zp_a:1+", std::string("zp_a:1+")), [](DatasetJob& j) { j.take_snapshot = false; },
             "- | up to date"},
        Case{"diverged: refused, no snapshot, nothing else",
             With("zp_a:1+", std::string("zp_a:1+ manual:9")), {}, "- | diverged: destination has snapshots newer "
             "than the newest common @zp_a: @manual | refused diverged"},
        Case{"diverged with force_on_divergence: destroyed, then incremental",
             With("zp_a:1+", std::string("zp_a:1+ manual:9")),
             [](DatasetJob& j) { j.options.force_on_divergence = true; },
             "@" + kTaken + " | incremental @zp_a -> @" + kTaken + " destroy: manual | prune src: zp_a"},
        Case{"modified since its newest snapshot: refused",
             Set(With("zp_a:1+", std::string("zp_a:1+")), [](Listings& in) { in.written = "12K"; }), {},
             "- | incremental @zp_a -> @" + kTaken + " | refused destination_modified"},
        Case{"modified with rollback_destination: rolled back",
             Set(With("zp_a:1+", std::string("zp_a:1+")), [](Listings& in) { in.written = "12K"; }),
             [](DatasetJob& j) { j.options.rollback_destination = true; },
             "@" + kTaken + " | incremental @zp_a -> @" + kTaken + " | roll back | prune src: zp_a"},
        Case{"no common snapshot: refused", With("zp_a:1", std::string("other:7")), {},
             "- | no common snapshot: the destination has snapshots (@other) but none of them is on the source "
             "(matched by guid) | refused no_common_snapshot"},
        Case{"destination pool missing: refused",
             Set(With("zp_a:1", std::nullopt), [](Listings& in) { in.destination_pool_exists = false; }), {},
             "- | full @" + kTaken + " | refused destination_missing"},
        Case{"a replicated parent not received yet: refused, not created",
             Set(With("zp_a:1", std::nullopt),
                 [](Listings& in) { in.missing_parents = {DatasetName::Parse("backup/data").value()}; }),
             [](DatasetJob& j) {
               j.destination = DatasetName::Parse("backup/data/logs").value();
               j.replicated_parent = DatasetName::Parse("backup/data").value();
             },
             "- | full @" + kTaken + " | refused destination_missing"},
        Case{"an interrupted receive: resumed first, nothing replaced",
             Set(With("zp_a:1+ zp_b:2", std::string("zp_a:1+")), [](Listings& in) { in.resume_token = true; }), {},
             "@" + kTaken + " resume | incremental @zp_a -> @" + kTaken + " | prune src: zp_a zp_b"},
        Case{"never-sent snapshots on another entry's destination are not replaced",
             Set(With("zp_a:1+ zp_b:2 zp_c:3", std::string("zp_a:1+")),
                 [](Listings& in) { in.siblings = {Sibling{Snaps("zp_b:2")}}; }),
             [](DatasetJob& j) { j.source_siblings = {DatasetName::Parse("backup/other").value()}; },
             "@" + kTaken + " replace: zp_c | incremental @zp_a -> @" + kTaken + " | prune src: zp_a"},
        Case{"another entry's destination pool is away and it has no bookmark: nothing pruned or replaced",
             Set(With("zp_a:1 zp_b:2+ zp_c:3", std::string("zp_b:2+")),
                 [](Listings& in) { in.siblings = {Sibling{}}; }),
             [](DatasetJob& j) { j.source_siblings = {DatasetName::Parse("offline/other").value()}; },
             "@" + kTaken + " | incremental @zp_b -> @" + kTaken},
        Case{"another entry's interrupted receive keeps what it brings",
             Set(With("zp_a:1 zp_b:2+ zp_c:3", std::string("zp_b:2+")),
                 [](Listings& in) { in.siblings = {Sibling{Snaps("zp_a:1"), true}}; }),
             [](DatasetJob& j) { j.source_siblings = {DatasetName::Parse("backup/other").value()}; },
             "@" + kTaken + " | incremental @zp_b -> @" + kTaken},
        Case{"initial: all sends the never-sent ones of a first run", With("zp_a:1 zp_b:2", std::nullopt),
             [](DatasetJob& j) { j.initial = InitialMode::kAll; },
             "@" + kTaken + " | full @zp_a, then incremental @zp_a -> @" + kTaken + " | prune src: zp_a zp_b"}));

TEST(SourcePrunes, NeverTheHeldTheProtectedOrNewerThanTheCommonOne) {
  DatasetJob job = Job();
  const auto source = Snaps("zp_a:1 zp_b:2+ keep:3 zp_c:4 zp_d:5 zp_e:6");
  EXPECT_EQ(SourcePrunes(source, job, kNow, 5, {4}), (std::vector<std::string>{"zp_a"}));
  job.source_retention.reset();
  EXPECT_TRUE(SourcePrunes(source, job, kNow, 5, {}).empty());
  // Without rules, prune_foreign prunes no foreign snapshot.
  job.source_retention = RetentionPolicy{.prune_foreign = true};
  EXPECT_EQ(SourcePrunes(source, job, kNow, 5, {}), (std::vector<std::string>{"zp_a", "zp_c"}));
}

// Two entries pulling one source dataset: a name pruned from the source
// but held by the other entry's destination is not taken again (it would
// arrive there as another snapshot of that name; shared_source_test found
// it).
TEST(Decide, ANewSnapshotTakesNoNameAnotherEntrysDestinationHolds) {
  DatasetJob job = Job();
  job.source_siblings = {DatasetName::Parse("backup/b").value()};
  Listings in;
  in.source = Snaps("a:1");
  in.destination = Snaps("a:1");
  core::SnapshotList sibling = Snaps("a:1 x:9");
  sibling[1].name = kTaken;  // the other entry received it; the source pruned it since
  in.siblings = {Sibling{sibling}};
  EXPECT_EQ(Decide(in, job, kNow, true).snapshot, kTaken + "_1");
  in.siblings = {Sibling{Snaps("a:1")}};
  EXPECT_EQ(Decide(in, job, kNow, true).snapshot, kTaken);
}

// A tree snapshot (taken by the round, already on the source) replaces the
// member's older never-sent own snapshots, refused or not, but only those
// it can tell were never sent: after the destination's base, or where the
// destination is away or has none in common, after the source's held base;
// nothing where nothing is held.
TEST(Decide, ATreeSnapshotReplacesOnlyWhatItCanTellWasNeverSent) {
  const DatasetJob job = Job();
  auto replaced = [&](const std::string& source, std::optional<std::string> destination, bool pool = true) {
    Listings in = With(source, destination);
    in.destination_pool_exists = pool;
    const Decision d = Decide(in, job, kNow, false, "zp_t");
    std::string out;
    for (const auto& n : d.replaced) out += (out.empty() ? "" : " ") + n;
    return out + (d.refusal ? " | refused " + std::string(core::ReasonName(d.refusal->reason)) : "");
  };
  EXPECT_EQ(replaced("a:1+ zp_b:2 zp_t:4", "a:1"), "zp_b");
  // The destination's pool away: after the held base only, refused.
  EXPECT_EQ(replaced("zp_o:5 a:1+ zp_b:2 zp_c:3 zp_t:4", std::nullopt, false),
            "zp_b zp_c | refused destination_missing");
  // Nothing held, nothing in common: nothing can be told.
  EXPECT_EQ(replaced("zp_o:5 zp_b:2 zp_t:4", std::nullopt, false), " | refused destination_missing");
  // A destination without a snapshot in common: after the held base, refused.
  EXPECT_EQ(replaced("zp_o:5 a:1+ zp_b:2 zp_t:4", "x:9"), "zp_b | refused no_common_snapshot");
  // Held ones and the tree snapshot itself stay.
  EXPECT_EQ(replaced("a:1 zp_b:2+ zp_c:3 zp_t:4", "a:1"), "zp_c");
  // A first receive with initial: all sends them all, held base or not.
  DatasetJob all = Job();
  all.initial = InitialMode::kAll;
  for (std::optional<std::string> destination : {std::optional<std::string>(), std::optional<std::string>("")}) {
    Listings in = With("a:1+ zp_b:2 zp_t:4", destination);
    EXPECT_TRUE(Decide(in, all, kNow, false, "zp_t").replaced.empty());
  }
}

TEST(SiblingNeeds, BasesBookmarksAndInterruptedReceives) {
  DatasetJob job = Job();
  job.source_siblings = {DatasetName::Parse("backup/b").value(), DatasetName::Parse("offline/c").value(),
                         DatasetName::Parse("backup/d").value()};
  const auto source = Snaps("a:1 b:2 c:3 d:4");
  // b's base, c's by its bookmark (its pool exported), d's base and what its
  // interrupted receive brings.
  core::SnapshotList bookmarks = Snaps("x:3");
  bookmarks[0].name = BookmarkStem("zp", job.source_siblings[1]) + "0000000000000003";
  EXPECT_EQ(SiblingNeeds(source, bookmarks, job, {Sibling{Snaps("a:1 b:2")}, Sibling{}, Sibling{Snaps("a:1"), true}}),
            (core::GuidSet{2, 3, 1, 2, 3, 4}));
  // Without the bookmark, c's base is unknown: nothing may go.
  EXPECT_FALSE(SiblingNeeds(source, {}, job, {Sibling{Snaps("a:1 b:2")}, Sibling{}, Sibling{Snaps("a:1")}}));
  // Unless its pool is here: never received, it needs nothing kept.
  EXPECT_EQ(SiblingNeeds(source, {}, job,
                         {Sibling{Snaps("a:1 b:2")}, Sibling{std::nullopt, false, true}, Sibling{Snaps("a:1")}}),
            (core::GuidSet{2, 1}));
}

TEST(SourceHoldTag, OnePerDestinationAndNeverTooLong) {
  auto tag = [](const char* d) { return SourceHoldTag("zp", DatasetName::Parse(d).value()); };
  EXPECT_EQ(tag("backup/hosts/web1"), "zp_backup:hosts:web1");
  EXPECT_NE(tag("backup/a/b"), tag("backup/a:b"));
  EXPECT_NE(tag("backup/a b"), tag("backup/a_b"));
  const std::string long_name = "backup/" + std::string(240, 'x');
  EXPECT_LE(tag(long_name.c_str()).size(), 200u);
  EXPECT_NE(tag(long_name.c_str()), tag((long_name.substr(0, 246) + "y").c_str()));
}

}  // namespace
}  // namespace zpull::replicate
