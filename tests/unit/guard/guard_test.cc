#include "guard/guard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "core/shell_quote.h"
#include "core/zfs_cli.h"

namespace zpull::guard {
namespace {

using core::DatasetName;

// Records every argv ZfsCli runs; answers success with no output (or, for
// `zfs version` in legacy mode, zfs-fuse's "unrecognized command"), and
// `zpull-guard version` as guard `guard` would (0: no guard).
class Recorder : public core::CommandRunner {
 public:
  explicit Recorder(bool legacy, int guard = kVersion) : legacy_(legacy), guard_(guard) {}
  core::Result<core::CommandResult> Run(const core::Argv& argv, std::string_view) override {
    if (argv == core::Argv{"zpull-guard", "version"}) {
      if (guard_ == 1) return core::CommandResult{126, "", "zpull-guard: refused: 'zpull-guard' is not a program zpull runs\n"};
      if (guard_ == 0) return core::CommandResult{127, "", "sh: 1: zpull-guard: not found\n"};
      return core::CommandResult{0, "zpull-guard " + std::to_string(guard_) + "\n", ""};
    }
    seen.push_back(argv);
    if (legacy_ && argv.size() == 2 && argv[1] == "version") return core::CommandResult{2, "", "unrecognized command 'version'"};
    return core::CommandResult{0, "", ""};
  }
  core::Result<std::unique_ptr<core::Process>> Start(const core::Argv& argv) override {
    seen.push_back(argv);
    return core::Fail(core::Reason::kOther, "recorded");
  }
  const std::string& Host() const override { return host_; }
  bool Remote() const override { return true; }  // a source over SSH, where a guard may stand
  std::vector<core::Argv> seen;

 private:
  bool legacy_;
  int guard_;
  std::string host_ = "src";
};

// Every command ZfsCli sends to a source, in both dialects, to a guard of
// version `guard`.
std::vector<core::Argv> SourceCommands(bool legacy, int guard = kVersion) {
  Recorder r(legacy, guard);
  core::ZfsCli zfs(r);
  const auto fs = DatasetName::Parse("tank/web data").value();
  const auto pool = DatasetName::Parse("tank").value();
  (void)zfs.Fingerprint();
  (void)zfs.Probe(pool);
  (void)zfs.ListSnapshots(fs);
  (void)zfs.StreamSnapshotsOf({fs, DatasetName::Parse("tank/b").value()});
  (void)zfs.Exists(fs);
  (void)zfs.CreateSnapshot(fs, "zpull_bk_2026-11-27T08:00:00Z");
  // (Refused by zfs_cli itself to a guard that does not admit them.)
  (void)zfs.CreateSnapshotTree(fs, "zpull_bk_2026-11-27T08:00:00Z");
  (void)zfs.CreateSnapshots({fs, DatasetName::Parse("tank/b").value()}, "zpull_bk_2026-11-27T08:00:00Z");
  (void)zfs.SnapshotOf({fs, DatasetName::Parse("tank/b").value()}, "zpull_bk_2026-11-27T08:00:00Z");
  (void)zfs.DestroySnapshot(fs, "zpull_bk_2026-11-27T08:00:00Z");
  (void)zfs.Hold(fs, "s1", "zpull_bk");
  (void)zfs.Release(fs, "s1", "zpull_bk");
  (void)zfs.ListHoldsOf({fs.Snapshot("s1"), DatasetName::Parse("tank/b").value().Snapshot("s2")});
  (void)zfs.GetProperty(fs, "written");
  (void)zfs.GetPropertyOf({fs}, "encryption");
  (void)zfs.Clone(fs, "s1", DatasetName::Parse("tank/zpull_bk_drill_0123456789abcdef").value(),
                  "/var/tmp/zpull-drills/zpull_bk_drill_0123456789abcdef");
  (void)zfs.DestroyFilesystem(DatasetName::Parse("tank/zpull_bk_drill_0123456789abcdef").value());
  (void)zfs.ListChildren(pool);
  (void)zfs.MountedAt(fs);
  (void)zfs.GetPoolStatus("tank");
  (void)zfs.GetPoolSpace("tank");
  (void)zfs.StartScrub("tank");
  (void)zfs.CreateBookmark(fs, "s1", "zpull_bk_backup:web_00ff");
  (void)zfs.DestroyBookmark(fs, "zpull_bk_backup:web_00ff");
  (void)zfs.ListBookmarks(fs);
  (void)zfs.ListBookmarksOf({fs, DatasetName::Parse("tank/b").value()});
  (void)zfs.ListTree(pool, "zpull:backup");
  core::SendSpec full{fs, "s2"};
  (void)zfs.EstimateSend(full);
  (void)zfs.StartSend(full);
  core::SendSpec inc{fs, "s2", "s1"};
  inc.raw = inc.compressed = inc.large_blocks = inc.embedded = inc.properties = true;
  (void)zfs.StartSend(inc);
  inc.intermediates = false;
  inc.wire_zstd = true;
  (void)zfs.StartSend(inc);
  core::SendSpec bm{fs, "s2", "zpull_bk_backup:web_00ff"};
  bm.from_bookmark = true;
  (void)zfs.StartSend(bm);
  core::SendSpec resume{fs, "s2"};
  resume.resume_token = "1-e604ea4bf-e0-789c63a2";
  (void)zfs.StartSend(resume);
  return r.seen;
}

Options All() {
  Options o;
  o.drills = o.destroy = o.zstd = o.scrub = true;
  o.drill_prefix = "zpull_bk";     // the prefix SourceCommands' clone uses
  o.snapshot_prefix = "zpull_bk";  // and its snapshots
  return o;
}

// A host where every drill root is a mounted ZFS snapshot or clone, every
// path a regular file, every drill-named filesystem a clone.
HostFacts Obliging() {
  return {[](const std::string&) { return std::optional<std::string>("tank/web@s1"); },
          [](const std::string&, bool snapshot) {
            return std::optional<std::string>(snapshot ? "tank/web@s1" : "tank/zpull_bk_drill_00000000000000ff");
          },
          [](const std::string&, const std::string&) { return core::FileKind::kRegular; },
          [](const std::string&) { return std::optional<std::string>(); }};
}

TEST(Guard, AdmitsEveryCommandZpullSendsToASource) {
  for (bool legacy : {false, true}) {
    for (const auto& argv : SourceCommands(legacy)) {
      std::string error;
      auto parsed = ParseCommandLine(core::ShellJoin(argv), error);
      ASSERT_TRUE(parsed) << core::ShellJoin(argv) << ": " << error;
      EXPECT_EQ(*parsed, argv);
      auto why = Refusal(*parsed, All(), Obliging());
      EXPECT_FALSE(why) << core::ShellJoin(argv) << ": " << why.value_or("");
    }
  }
}

TEST(Guard, AdmitsTheDrillsReads) {
  for (const core::Argv& argv : std::vector<core::Argv>{
           {"test", "-d", "/tank/web/.zfs/snapshot/s1"},
           {"find", "/var/tmp/zpull-drills/zpull_bk_drill_0123456789abcdef/.", "-xdev", "-type", "f", "-printf", "%s %P\\0"},
           {"find", "/tank/web/.zfs/snapshot/s1/.", "-xdev", "-type", "f", "-printf", "%s %P\\0"},
           {"find", "/tank/web/.zfs/snapshot/s1/.", "-xdev", "!", "-type", "d", "-printf", "%y %s %P\\0"},
           {"sha256sum", "-z", "--", "/var/tmp/zpull-drills/zpull_bk_drill_0123456789abcdef/a b", "/tank/.zfs/snapshot/s/c'd"}}) {
    std::string error;
    auto parsed = ParseCommandLine(core::ShellJoin(argv), error);
    ASSERT_TRUE(parsed) << error;
    EXPECT_FALSE(Refusal(*parsed, All(), Obliging()))
        << core::ShellJoin(argv) << ": " << Refusal(*parsed, All(), Obliging()).value_or("");
    EXPECT_TRUE(Refusal(*parsed, Options{}, Obliging())) << "without --drills: " << core::ShellJoin(argv);
    EXPECT_TRUE(Refusal(*parsed, All())) << "without knowing the host: " << core::ShellJoin(argv);
  }
}

TEST(Guard, OptionalCommandsNeedTheirOption) {
  Options none;
  EXPECT_TRUE(Refusal({"zfs", "destroy", "tank/a@s1"}, none));
  EXPECT_FALSE(Refusal({"zfs", "destroy", "tank/a#bm"}, none));  // zpull's own bookmarks
  EXPECT_TRUE(Refusal({"zpool", "scrub", "tank"}, none));
  EXPECT_TRUE(Refusal({"zfs", "clone", "-o", "readonly=on", "-o", "setuid=off", "-o", "devices=off", "-o", "exec=off",
                       "-o", "mountpoint=/var/tmp/zpull-drills/zpull_drill_1", "tank/a@s", "tank/zpull_drill_1"},
                      none));
  EXPECT_TRUE(Refusal({"sh", "-c", ZstdScripts()[0], "sh", "zfs", "send", "tank/a@s"}, none));
  EXPECT_FALSE(Refusal({"sh", "-c", ZstdScripts()[0], "sh", "zfs", "send", "tank/a@s"}, All()));
  Options hook;
  hook.hooks = {"/usr/local/bin/flush-db"};
  EXPECT_FALSE(Refusal({"/usr/local/bin/flush-db", "--quiet"}, hook));
  EXPECT_TRUE(Refusal({"/usr/local/bin/flush-db"}, none));
}

TEST(Guard, RefusesOtherCommandsVerbsAndArguments) {
  const Options o = All();
  const HostFacts facts = Obliging();
  for (const core::Argv& argv : std::vector<core::Argv>{
           {"rm", "-rf", "/"},
           {"bash"},
           {"zfs", "destroy", "-r", "tank"},
           {"zfs", "destroy", "tank"},
           {"zfs", "destroy", "tank/data"},
           {"zfs", "rollback", "tank/a@s"},
           {"zfs", "set", "readonly=off", "tank/a"},
           {"zfs", "receive", "-F", "tank/a"},
           {"zfs", "send", "-R", "tank/a@s"},
           {"zfs", "send", "tank/a@s", "tank/b@s"},
           {"zfs", "snapshot", "tank/a@s", "tank/b@t"},
           {"zfs", "snapshot", "-o", "com.x:y=z", "tank@s"},
           {"zfs", "snapshot", "-r", "tank@s", "tank/b@s"},
           {"zfs", "get", "-Hp", "guid", "--", "tank"},
           {"zfs", "list", "-o", "name", "-s", "name", "tank"},
           {"zfs", "hold", "-r", "tag", "tank@s"},
           {"zfs", "clone", "tank/a@s", "tank/b"},
           {"zfs", "clone", "-o", "readonly=on", "-o", "mountpoint=/x", "tank/a@s", "tank/other_drill_1"},
           {"zfs", "destroy", "tank/deep/zpull_bk_drill_1"},
           {"zfs", "destroy", "tank/zpull_bk_x"},
           {"zpool", "destroy", "tank"},
           {"zpool", "status", "-x", "tank"},
           {"env", "--ignore-signal=PIPE", "sh"},
           {"env", "PATH=/tmp", "zfs", "list"},
           {"sh", "-c", "zfs list", "sh"},
           {"find", "/", "-delete"},
           {"sha256sum", "/etc/shadow"},
           {"sha256sum", "-z", "--", "/etc/shadow"},
           {"sha256sum", "-z", "--", "/var/tmp/zpull-drills/../../etc/shadow"},
           {"find", "/etc/.", "-xdev", "-type", "f", "-printf", "%s %P\\0"},
           {"test", "-d", "/root"},
           {"test", "-d", "/../x"}}) {
    EXPECT_TRUE(Refusal(argv, o, facts)) << "admitted: " << core::ShellJoin(argv);
  }
}

// Issue 22: what a compromised backup host tried through guard 1.
TEST(Guard, ClonesAreConfinedToTheDrillDirectoryWithNothingLive) {
  const Options o = All();
  const HostFacts facts = Obliging();
  const std::string clone = "tank/zpull_bk_drill_00000000000000ff";
  auto shape = [&](std::vector<std::string> props, const std::string& mountpoint) {
    core::Argv a = {"zfs", "clone"};
    for (auto& p : props) {
      a.push_back("-o");
      a.push_back(p);
    }
    a.push_back("-o");
    a.push_back("mountpoint=" + mountpoint);
    a.push_back("tank/web@s1");
    a.push_back(clone);
    return a;
  };
  const std::vector<std::string> forced = {"readonly=on", "setuid=off", "devices=off", "exec=off"};
  EXPECT_FALSE(Refusal(shape(forced, "/var/tmp/zpull-drills/zpull_bk_drill_00000000000000ff"), o, facts));
  for (const char* elsewhere : {"/etc/cron.d", "/var/tmp/zpull-drills", "/var/tmp/zpull-drills/other",
                                       "/var/tmp/zpull-drills/zpull_bk_drill_00000000000000ff/deeper", "/root"}) {
    EXPECT_TRUE(Refusal(shape(forced, elsewhere), o, facts)) << elsewhere;
  }
  EXPECT_TRUE(Refusal(shape({"readonly=on"}, "/var/tmp/zpull-drills/zpull_bk_drill_00000000000000ff"), o, facts))
      << "guard 1's clone: setuid, devices and exec on";
  EXPECT_TRUE(Refusal(shape({"readonly=on", "setuid=on", "devices=off", "exec=off"},
                            "/var/tmp/zpull-drills/zpull_bk_drill_00000000000000ff"), o, facts));
}

TEST(Guard, DrillReadsStayBeneathAMountedSnapshotOrClone) {
  Options o = All();
  const std::string snap = "/tank/web/.zfs/snapshot/s1";
  core::FileKind kind = core::FileKind::kRegular;
  bool is_zfs = true;
  HostFacts facts = Obliging();
  facts.zfs_root = [&](const std::string& dir, bool snapshot) {
    return is_zfs && dir == snap && snapshot ? std::optional<std::string>("tank/web@s1") : std::nullopt;
  };
  facts.kind = [&](const std::string& root, const std::string& rel) {
    EXPECT_EQ(root, snap);
    EXPECT_EQ(rel, "etc/passwd");
    return kind;
  };
  const core::Argv read = {"sha256sum", "-z", "--", snap + "/etc/passwd"};
  EXPECT_FALSE(Refusal(read, o, facts));
  kind = core::FileKind::kSymlink;
  auto why = Refusal(read, o, facts);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("through a symlink"), std::string::npos) << *why;
  kind = core::FileKind::kFifo;
  EXPECT_NE(Refusal(read, o, facts).value_or("").find("FIFO"), std::string::npos);
  kind = core::FileKind::kRegular;
  is_zfs = false;  // a plain directory merely named …/.zfs/snapshot/s1
  EXPECT_NE(Refusal(read, o, facts).value_or("").find("is not a mounted ZFS snapshot"), std::string::npos);
  EXPECT_TRUE(Refusal({"find", snap + "/.", "-xdev", "-type", "f", "-printf", "%s %P\\0"}, o, facts));
  EXPECT_TRUE(Refusal({"test", "-d", snap}, o, facts));
}

TEST(Guard, DestroyOnlyZpullsSnapshotsAndItsClones) {
  Options o = All();
  HostFacts facts = Obliging();
  EXPECT_FALSE(Refusal({"zfs", "destroy", "tank/web@zpull_bk_2026-11-27T08:00:00Z"}, o, facts));
  for (const char* name : {"tank/web@manual-before-upgrade", "tank/web@zpull_bk_a%zpull_bk_z",
                                  "tank/web@a%b", "tank/web", "tank/zpull_bkx_drill_1", "tank/web@zpull_bkx"}) {
    EXPECT_TRUE(Refusal({"zfs", "destroy", name}, o, facts)) << name;
  }
  facts.origin = [](const std::string&) { return std::optional<std::string>("-"); };
  auto why = Refusal({"zfs", "destroy", "tank/zpull_bk_drill_00000000000000ff"}, o, facts);
  ASSERT_TRUE(why) << "a drill-named filesystem that is no clone";
  EXPECT_NE(why->find("not a clone"), std::string::npos) << *why;
  o.snapshot_prefix.clear();
  EXPECT_NE(Refusal({"zfs", "destroy", "tank/web@zpull_bk_2026-11-27T08:00:00Z"}, o, facts).value_or("").find(
                "--snapshot-prefix"),
            std::string::npos);
}

// A tree's snapshot at one point in time: -r only where every dataset
// below the root is among --datasets (as the host lists them), several
// names each checked.
TEST(Guard, ATreeSnapshotTouchesOnlyAdmittedDatasets) {
  Options o = All();
  o.datasets = {"tank/web", "tank/web/*"};
  HostFacts facts = Obliging();
  std::vector<std::string> tree = {"tank/web", "tank/web/db", "tank/web/db/logs"};
  facts.tree = [&](const std::string& root) {
    return root == "tank/web" ? std::optional(tree) : std::nullopt;
  };
  EXPECT_FALSE(Refusal({"zfs", "snapshot", "-r", "tank/web@zpull_bk_x"}, o, facts));
  EXPECT_FALSE(Refusal({"zfs", "snapshot", "tank/web@zpull_bk_x", "tank/web/db@zpull_bk_x"}, o, facts));
  // Below the root, a dataset --datasets does not name (say a pattern
  // admits only the root): refused.
  Options root_only = o;
  root_only.datasets = {"tank/web"};
  auto why = Refusal({"zfs", "snapshot", "-r", "tank/web@zpull_bk_x"}, root_only, facts);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("tank/web/db"), std::string::npos) << *why;
  // A tree the host cannot list, an inadmissible root or name among several.
  EXPECT_TRUE(Refusal({"zfs", "snapshot", "-r", "tank/web/db@zpull_bk_x"}, o, facts));
  EXPECT_TRUE(Refusal({"zfs", "snapshot", "-r", "tank@zpull_bk_x"}, o, facts));
  EXPECT_TRUE(Refusal({"zfs", "snapshot", "tank/web@zpull_bk_x", "tank/secrets@zpull_bk_x"}, o, facts));
  EXPECT_TRUE(Refusal({"zfs", "snapshot", "tank/web@zpull_bk_x", "tank/web/db"}, o, facts));
  EXPECT_TRUE(Refusal({"zfs", "snapshot", "-r", "tank/web@a", "tank/web/db@a"}, o, facts));
  EXPECT_TRUE(Refusal({"zfs", "snapshot"}, o, facts));
  // Without --datasets, anything goes, as for one name.
  Options any = All();
  EXPECT_FALSE(Refusal({"zfs", "snapshot", "-r", "tank@zpull_bk_x"}, any, HostFacts{}));
}

TEST(Guard, DatasetsLimitWhatIsSentSnapshottedOrCloned) {
  Options o = All();
  o.datasets = {"tank/web", "tank/web/*"};
  const HostFacts facts = Obliging();
  EXPECT_FALSE(Refusal({"zfs", "send", "tank/web@s1"}, o, facts));
  EXPECT_FALSE(Refusal({"zfs", "send", "-I", "tank/web/db@s1", "tank/web/db@s2"}, o, facts));
  EXPECT_FALSE(Refusal({"zfs", "snapshot", "tank/web@zpull_bk_x"}, o, facts));
  for (const core::Argv& argv : std::vector<core::Argv>{
           {"zfs", "send", "tank/secrets@s1"},
           {"zfs", "send", "tank/webx@s1"},
           {"zfs", "send", "-t", "1-e604ea4bf-e0-789c63a2"},
           {"zfs", "snapshot", "tank/secrets@zpull_bk_x"},
           {"zfs", "destroy", "tank/secrets@zpull_bk_x"},
           {"zfs", "clone", "-o", "readonly=on", "-o", "setuid=off", "-o", "devices=off", "-o", "exec=off", "-o",
            "mountpoint=/var/tmp/zpull-drills/zpull_bk_drill_0000000000000001", "tank/secrets@s1", "tank/zpull_bk_drill_0000000000000001"}}) {
    auto why = Refusal(argv, o, facts);
    ASSERT_TRUE(why) << "admitted: " << core::ShellJoin(argv);
  }
  EXPECT_NE(Refusal({"zfs", "send", "tank/secrets@s1"}, o, facts).value_or("").find("--datasets"), std::string::npos);
  // Reads of another dataset's snapshot, zpull's bookmarks only, probes only at <pool>/.
  HostFacts other = facts;
  other.zfs_root = [](const std::string&, bool) { return std::optional<std::string>("tank/secrets@s1"); };
  EXPECT_TRUE(Refusal({"sha256sum", "-z", "--", "/tank/secrets/.zfs/snapshot/s1/key"}, o, other));
  EXPECT_TRUE(Refusal({"find", "/tank/secrets/.zfs/snapshot/s1/.", "-xdev", "-type", "f", "-printf", "%s %P\\0"}, o, other));
  EXPECT_FALSE(Refusal({"zfs", "destroy", "tank/web#zpull_bk_backup:web_00ff"}, o, facts));
  EXPECT_TRUE(Refusal({"zfs", "destroy", "tank/web#release-2026"}, o, facts));
  EXPECT_TRUE(Refusal({"zfs", "destroy", "tank/secrets#zpull_bk_x"}, o, facts));
  HostFacts probing = facts;  // the probe's dataset does not exist
  probing.origin = [](const std::string&) { return std::optional<std::string>(); };
  EXPECT_FALSE(Refusal({"zfs", "send", "-w", "tank/zpull-feature-probe-nonexistent@probe"}, o, probing));
  EXPECT_TRUE(Refusal({"zfs", "send", "-w", "tank/zpull-feature-probe-nonexistent@probe"}, o, facts))
      << "a real dataset of that name is not exempt";
  EXPECT_TRUE(Refusal({"zfs", "send", "tank/secrets/zpull-feature-probe-nonexistent@probe"}, o, probing));
}

TEST(Guard, AnOldGuardGetsTheShapesItAdmits) {
  // Guard 1 refuses `zpull-guard version`: zpull sends it only the shapes of
  // tests/fixtures/guard-v1/admitted.txt (checked against that guard's
  // binary when the fixture was made).
  std::ifstream in(std::string(ZPULL_SOURCE_DIR) + "/tests/fixtures/guard-v1/admitted.txt");
  ASSERT_TRUE(in) << "fixture missing";
  std::set<std::string> admitted;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') admitted.insert(line);
  }
  for (bool legacy : {false, true}) {
    for (const auto& argv : SourceCommands(legacy, 1)) {
      EXPECT_TRUE(admitted.count(core::ShellJoin(argv))) << "not a guard 1 shape: " << core::ShellJoin(argv);
    }
  }
  // The drill's reads for a guard 1 (checks/restore_drill.cc, typed_listing
  // off) are its shapes too.
  for (const core::Argv& argv : std::vector<core::Argv>{
           {"test", "-d", "/tank/web/.zfs/snapshot/s1"},
           {"find", "/var/tmp/zpull-drills/zpull_bk_drill_0123456789abcdef/.", "-xdev", "-type", "f", "-printf",
            "%s %P\\0"},
           {"sha256sum", "-z", "--", "/var/tmp/zpull-drills/zpull_bk_drill_0123456789abcdef/a b"}}) {
    EXPECT_TRUE(admitted.count(core::ShellJoin(argv))) << core::ShellJoin(argv);
  }
  // To guard 2 and to no guard, clones carry the forced properties.
  for (int guard : {0, kVersion}) {
    bool cloned = false;
    for (const auto& argv : SourceCommands(false, guard)) {
      if (argv.size() > 1 && argv[1] == "clone") {
        cloned = true;
        EXPECT_EQ(std::count(argv.begin(), argv.end(), "setuid=off"), 1) << core::ShellJoin(argv);
      }
    }
    EXPECT_TRUE(cloned);
  }
  // Guard 2 gets one snapshot per command; 3 a tree's in one.
  for (int guard : {2, kVersion}) {
    int snapshots = 0, trees = 0;
    for (const auto& argv : SourceCommands(false, guard)) {
      if (argv.size() > 1 && argv[1] == "snapshot") (argv.size() == 3 ? snapshots : trees)++;
    }
    EXPECT_EQ(snapshots, 1) << guard;
    EXPECT_EQ(trees, guard == kVersion ? 2 : 0) << guard;
  }
  EXPECT_EQ(VersionLine(), "zpull-guard 3");
  EXPECT_EQ(kVersion, core::kGuardForTrees);
}

TEST(Guard, CommandLineGrammarIsZpullsQuotingOnly) {
  std::string error;
  EXPECT_EQ(ParseCommandLine("'zfs' 'get' '-Hp' 'guid' 'tank/a b'", error).value(),
            (Argv{"zfs", "get", "-Hp", "guid", "tank/a b"}));
  EXPECT_EQ(ParseCommandLine("zfs list", error).value(), (Argv{"zfs", "list"}));
  EXPECT_EQ(ParseCommandLine("'it'\\''s'", error).value(), Argv{"it's"});
  for (const std::string bad : {"zfs list; id", "zfs list | sh", "zfs list && id", "zfs $(id)", "zfs `id`",
                                "zfs list > /etc/x", "zfs  list", "zfs\tlist", "zfs list\nid", "'zfs", "zfs \"list\"",
                                "zfs *", "~/x", "", "zfs list "}) {
    EXPECT_FALSE(ParseCommandLine(bad, error)) << "parsed: " << bad;
  }
  EXPECT_FALSE(ParseCommandLine("zfs list; id", error));
  EXPECT_EQ(error, "shell syntax ';' at column 9 (zpull quotes every word)");
}

TEST(Guard, Options) {
  std::string error;
  auto o = ParseOptions({"--drills", "--zstd", "--hook", "/opt/flush"}, error);
  ASSERT_TRUE(o) << error;
  EXPECT_TRUE(o->drills && o->zstd && !o->destroy);
  EXPECT_EQ(o->hooks, std::vector<std::string>{"/opt/flush"});
  EXPECT_FALSE(ParseOptions({"--everything"}, error));
  EXPECT_FALSE(ParseOptions({"--hook", "flush"}, error));
  o = ParseOptions({"--destroy", "--snapshot-prefix", "zpull_bk", "--datasets", "tank/a", "tank/b/*", "--drills"}, error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->snapshot_prefix, "zpull_bk");
  EXPECT_EQ(o->datasets, (std::vector<std::string>{"tank/a", "tank/b/*"}));
  EXPECT_TRUE(o->drills);
  EXPECT_FALSE(ParseOptions({"--datasets"}, error));
  EXPECT_FALSE(ParseOptions({"--snapshot-prefix", "a b"}, error));
}

}  // namespace
}  // namespace zpull::guard
