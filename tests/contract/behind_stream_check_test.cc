// The layers behind the stream check, proven on their own against real ZFS
// (zfs-fuse via run_on_zfs_fuse.sh; ZPULL_CONTRACT_POOL names the pool): the
// cycle runs with the stream check off (CycleEnv::check_streams), so a -R
// stream from a hostile source (tests/integration/hostile-zfs.sh) and a -p
// stream reach `zfs receive`. Whatever they carry, the replica ends without
// a received mountpoint, with canmount=noauto, setuid/devices/exec off and
// readonly on, and zpull's state is read only as zpull set it; a child the
// -R stream created is found by the replica safety check and brought into
// line by the next cycle.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

#include "checks/replica_safety_check.h"
#include "core/local_runner.h"
#include "core/shell_quote.h"
#include "core/zfs_cli.h"
#include "replicate/cycle.h"

namespace zpull {
namespace {

using core::DatasetName;

std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class BehindStreamCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* pool = std::getenv("ZPULL_CONTRACT_POOL");
    const char* hostile = std::getenv("ZPULL_HOSTILE_ZFS");
    // Only run by run_on_zfs_fuse.sh: without its pool, a wiring fault, not a skip.
    if (!pool || !hostile) FAIL() << "needs ZPULL_CONTRACT_POOL and ZPULL_HOSTILE_ZFS (real ZFS)";
    pool_ = pool;
    base_ = pool_ + "/bsc" + std::to_string(counter_++);
    mode_file_ = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/zpull-bsc-mode-" +
                 std::to_string(::getpid());
    hostile_ = std::make_unique<core::ZfsCli>(runner_, core::Argv{hostile, mode_file_});
    Zfs({"create", "-o", "mountpoint=none", base_});
    Zfs({"create", "-o", "mountpoint=none", base_ + "/dst"});
  }
  void TearDown() override {
    if (base_.empty()) return;
    (void)runner_.Run({"zfs", "destroy", "-r", base_});
    std::remove(mode_file_.c_str());
  }

  std::string Zfs(const core::Argv& args) {
    core::Argv argv{"zfs"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = runner_.Run(argv);
    EXPECT_TRUE(r && r->exit_code == 0) << core::ShellJoin(argv) << ": " << (r ? r->err : r.error().message);
    return r ? r->out : "";
  }
  // "value source" of one property.
  std::string Get(const std::string& property, const std::string& target) {
    std::string out = Zfs({"get", "-H", "-o", "value,source", property, target});
    if (!out.empty() && out.back() == '\n') out.pop_back();
    for (char& c : out) c = c == '\t' ? ' ' : c;
    return out;
  }
  void Attack(const std::string& mode) { std::ofstream(mode_file_) << mode << "\n\n"; }

  replicate::CycleOutcome Cycle(core::Zfs& source, const replicate::DatasetJob& job,
                                std::vector<core::PropertyChange> repairs = {}) {
    auto pool = DatasetName::Parse(pool_).value();
    auto sf = source.Probe(pool);
    auto df = plain_.Probe(pool);
    EXPECT_TRUE(sf && df);
    replicate::CycleEnv env{source, plain_, *df, Now, {}, *sf};
    env.check_streams = false;
    env.bring_into_line = std::move(repairs);
    return replicate::RunCycle(env, job);
  }

  replicate::DatasetJob Job(const std::string& src, const std::string& dst) {
    replicate::DatasetJob job{DatasetName::Parse(src).value(), DatasetName::Parse(dst).value()};
    job.prefix = "zpt";
    job.take_snapshot = false;
    job.options.transfer.retries = 0;
    job.options.bookmarks = false;
    return job;
  }

  // A source dataset that carries what an attacker would like on the backup host.
  std::string HostileSource(const std::string& name) {
    const std::string src = base_ + "/" + name;
    Zfs({"create", "-o", "mountpoint=" + Tmp(name), "-o", "canmount=on", "-o", "setuid=on", "-o", "exec=on", "-o",
         "devices=on", "-o", "zpull:last_success=99", src});
    Zfs({"snapshot", src + "@s0"});
    Zfs({"set", "zpull:common=1", src + "@s0"});
    Zfs({"snapshot", src + "@s1"});
    return src;
  }
  std::string Tmp(const std::string& leaf) {
    return std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/zpull-bsc-" +
           std::to_string(::getpid()) + "-" + leaf;
  }

  void ExpectForced(const std::string& replica) {
    EXPECT_EQ(Get("canmount", replica), "noauto local");
    for (const char* p : {"setuid", "devices", "exec"}) EXPECT_EQ(Get(p, replica), "off local") << p;
    EXPECT_EQ(Get("readonly", replica), "on local");
    const std::string mp = Get("mountpoint", replica);
    EXPECT_EQ(mp.find("received"), std::string::npos) << mp;
    EXPECT_EQ(mp.find("zpull-bsc"), std::string::npos) << mp;
  }
  void ExpectStateIsZpulls(const replicate::DatasetJob& job, const replicate::CycleOutcome& out,
                           const std::string& newest) {
    auto last = plain_.GetUserProperty(job.destination, "", replicate::kLastSuccessProperty);
    ASSERT_TRUE(last && *last);
    EXPECT_EQ(**last, std::to_string(out.finished)) << "zpull:last_success is the cycle's, not the stream's 99";
    auto common = plain_.SnapshotUserProperty(job.destination, "zpull:common");
    ASSERT_TRUE(common && *common);
    EXPECT_EQ((*common)->count("s0"), 0u) << "the stream's zpull:common on @s0 is not read as zpull's";
    EXPECT_EQ((*common)->count(newest), 1u);
  }

  static inline int counter_ = 0;
  std::string pool_, base_, mode_file_;
  core::LocalRunner runner_;
  core::ZfsCli plain_{runner_};
  std::unique_ptr<core::ZfsCli> hostile_;
};

TEST_F(BehindStreamCheck, AReplicationStreamWithAChild) {
  const std::string src = HostileSource("r");
  Zfs({"create", "-o", "mountpoint=" + Tmp("kid"), "-o", "canmount=on", src + "/kid"});
  Zfs({"snapshot", "-r", src + "@s2"});
  Attack("replicate");  // zfs send -R, whatever zpull asks for
  auto job = Job(src, base_ + "/dst/r");
  auto out = Cycle(*hostile_, job);
  ASSERT_TRUE(out.ok()) << out.error->message;
  ExpectForced(job.destination.str());
  ExpectStateIsZpulls(job, out, "s2");

  const std::string kid = job.destination.str() + "/kid";
  ASSERT_EQ(Get("canmount", kid), "on received") << "the -R stream made a child (the stream check would refuse it)";
  checks::SafetyTarget target{job.destination.str(), true, {}};
  auto before = checks::RunReplicaSafety(plain_, {target}, [](const std::string&) { return core::Result<bool>(false); });
  ASSERT_TRUE(before[0]) << before[0].error().message;
  EXPECT_GE(before[0]->Unasked(), 2u) << "canmount=on and the received mountpoint of the child";
  for (const auto& u : before[0]->unsafe) EXPECT_EQ(u.dataset, kid) << u.property;

  auto next = Cycle(*hostile_, job, before[0]->Repairs());
  ASSERT_TRUE(next.ok()) << next.error->message;
  EXPECT_FALSE(next.brought_into_line.empty());
  auto after = checks::RunReplicaSafety(plain_, {target}, [](const std::string&) { return core::Result<bool>(false); });
  ASSERT_TRUE(after[0]);
  EXPECT_EQ(after[0]->Unasked(), 0u);
  EXPECT_EQ(Get("canmount", kid), "noauto local");
  EXPECT_EQ(Get("mountpoint", kid), "none local");
}

TEST_F(BehindStreamCheck, APropertyStreamFullAndIncremental) {
  const std::string src = HostileSource("p");
  std::remove(mode_file_.c_str());  // honest: zpull asks for -p and gets it
  auto job = Job(src, base_ + "/dst/p");
  job.options.send.properties = true;
  auto out = Cycle(*hostile_, job);
  ASSERT_TRUE(out.ok()) << out.error->message;
  ExpectForced(job.destination.str());
  ExpectStateIsZpulls(job, out, "s1");
  Zfs({"snapshot", src + "@s2"});
  auto inc = Cycle(*hostile_, job);
  ASSERT_TRUE(inc.ok()) << inc.error->message;
  ASSERT_FALSE(inc.plan.steps.empty());
  EXPECT_TRUE(inc.plan.steps[0].from) << "an incremental -p stream";
  ExpectForced(job.destination.str());
}

}  // namespace
}  // namespace zpull
