#include "guard/guard.h"

#include <gtest/gtest.h>

#include "core/shell_quote.h"
#include "core/zfs_cli.h"

namespace zpull::guard {
namespace {

using core::DatasetName;

// Records every argv ZfsCli runs; answers success with no output (or, for
// `zfs version` in legacy mode, zfs-fuse's "unrecognized command").
class Recorder : public core::CommandRunner {
 public:
  explicit Recorder(bool legacy) : legacy_(legacy) {}
  core::Result<core::CommandResult> Run(const core::Argv& argv, std::string_view) override {
    seen.push_back(argv);
    if (legacy_ && argv.size() == 2 && argv[1] == "version") return core::CommandResult{2, "", "unrecognized command 'version'"};
    return core::CommandResult{0, "", ""};
  }
  core::Result<std::unique_ptr<core::Process>> Start(const core::Argv& argv) override {
    seen.push_back(argv);
    return core::Fail(core::Reason::kOther, "recorded");
  }
  const std::string& Host() const override { return host_; }
  std::vector<core::Argv> seen;

 private:
  bool legacy_;
  std::string host_ = "src";
};

// Every command ZfsCli sends to a source, in both dialects.
std::vector<core::Argv> SourceCommands(bool legacy) {
  Recorder r(legacy);
  core::ZfsCli zfs(r);
  const auto fs = DatasetName::Parse("tank/web data").value();
  const auto pool = DatasetName::Parse("tank").value();
  (void)zfs.Probe(pool);
  (void)zfs.ListSnapshots(fs);
  (void)zfs.StreamSnapshotsOf({fs, DatasetName::Parse("tank/b").value()});
  (void)zfs.Exists(fs);
  (void)zfs.CreateSnapshot(fs, "zpull_bk_2026-11-27T08:00:00Z");
  (void)zfs.DestroySnapshot(fs, "zpull_bk_2026-11-27T08:00:00Z");
  (void)zfs.Hold(fs, "s1", "zpull_bk");
  (void)zfs.Release(fs, "s1", "zpull_bk");
  (void)zfs.ListHoldsOf({fs.Snapshot("s1"), DatasetName::Parse("tank/b").value().Snapshot("s2")});
  (void)zfs.GetProperty(fs, "written");
  (void)zfs.GetPropertyOf({fs}, "encryption");
  (void)zfs.Clone(fs, "s1", DatasetName::Parse("tank/zpull_bk_drill_17_2_0").value(), "/var/tmp/zpull-drills/x");
  (void)zfs.DestroyFilesystem(DatasetName::Parse("tank/zpull_bk_drill_17_2_0").value());
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
  o.drill_prefix = "zpull_bk";  // the prefix SourceCommands' clone uses
  return o;
}

TEST(Guard, AdmitsEveryCommandZpullSendsToASource) {
  for (bool legacy : {false, true}) {
    for (const auto& argv : SourceCommands(legacy)) {
      std::string error;
      auto parsed = ParseCommandLine(core::ShellJoin(argv), error);
      ASSERT_TRUE(parsed) << core::ShellJoin(argv) << ": " << error;
      EXPECT_EQ(*parsed, argv);
      auto why = Refusal(*parsed, All());
      EXPECT_FALSE(why) << core::ShellJoin(argv) << ": " << why.value_or("");
    }
  }
}

TEST(Guard, AdmitsTheDrillsReads) {
  for (const core::Argv& argv : std::vector<core::Argv>{
           {"test", "-d", "/tank/web/.zfs/snapshot/s1"},
           {"find", "/var/tmp/zpull-drills/zpull_bk_drill_17_2_0/.", "-xdev", "-type", "f", "-printf", "%s %P\\0"},
           {"find", "/tank/web/.zfs/snapshot/s1/.", "-xdev", "-type", "f", "-printf", "%s %P\\0"},
           {"sha256sum", "-z", "--", "/var/tmp/zpull-drills/zpull_bk_drill_17_2_0/a b", "/tank/.zfs/snapshot/s/c'd"}}) {
    std::string error;
    auto parsed = ParseCommandLine(core::ShellJoin(argv), error);
    ASSERT_TRUE(parsed) << error;
    EXPECT_FALSE(Refusal(*parsed, All())) << core::ShellJoin(argv) << ": " << Refusal(*parsed, All()).value_or("");
    EXPECT_TRUE(Refusal(*parsed, Options{})) << "without --drills: " << core::ShellJoin(argv);
  }
}

TEST(Guard, OptionalCommandsNeedTheirOption) {
  Options none;
  EXPECT_TRUE(Refusal({"zfs", "destroy", "tank/a@s1"}, none));
  EXPECT_FALSE(Refusal({"zfs", "destroy", "tank/a#bm"}, none));  // zpull's own bookmarks
  EXPECT_TRUE(Refusal({"zpool", "scrub", "tank"}, none));
  EXPECT_TRUE(Refusal({"zfs", "clone", "-o", "readonly=on", "-o", "mountpoint=/x", "tank/a@s", "tank/zpull_drill_1"}, none));
  EXPECT_TRUE(Refusal({"sh", "-c", ZstdScripts()[0], "sh", "zfs", "send", "tank/a@s"}, none));
  EXPECT_FALSE(Refusal({"sh", "-c", ZstdScripts()[0], "sh", "zfs", "send", "tank/a@s"}, All()));
  Options hook;
  hook.hooks = {"/usr/local/bin/flush-db"};
  EXPECT_FALSE(Refusal({"/usr/local/bin/flush-db", "--quiet"}, hook));
  EXPECT_TRUE(Refusal({"/usr/local/bin/flush-db"}, none));
}

TEST(Guard, RefusesOtherCommandsVerbsAndArguments) {
  const Options o = All();
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
           {"zfs", "snapshot", "-r", "tank@s"},
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
    EXPECT_TRUE(Refusal(argv, o)) << "admitted: " << core::ShellJoin(argv);
  }
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
}

}  // namespace
}  // namespace zpull::guard
