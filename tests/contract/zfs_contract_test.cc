// One contract for every Zfs implementation. It always runs against FakeZfs;
// with ZPULL_CONTRACT_POOL set it runs the same cases against real ZFS
// through ZfsCli (zfs-fuse via run_on_zfs_fuse.sh; OpenZFS 2.3 inside the
// QEMU guest of tests/openzfs), so the fake cannot drift. The real backend's
// test name comes from ZPULL_CONTRACT_BACKEND (default zfs_fuse). Cases for
// features a backend lacks are decided by its probe, not deleted.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <algorithm>
#include <set>

#include "tests/support/fake_zfs.h"
#include "core/local_runner.h"
#include "core/zfs_cli.h"
#include "replicate/transfer.h"

namespace zpull {
namespace {

using core::DatasetName;

std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// What a test needs beyond the Zfs interface: creating filesystems and
// writing data (set-up that zpull itself never does).
class Backend {
 public:
  virtual ~Backend() = default;
  virtual core::Zfs& zfs() = 0;
  virtual std::string Root() = 0;  // a filesystem under which tests create theirs
  // `mounted` false creates it with mountpoint=none.
  virtual void CreateFs(const std::string& fs, bool mounted = true) = 0;
  virtual void WriteData(const std::string& fs) = 0;
  // Raw output of a command on the backend's host (real backends only).
  virtual std::optional<core::CommandResult> RunRaw(const core::Argv&) { return std::nullopt; }
};

class FakeBackend : public Backend {
 public:
  FakeBackend() : zfs_("local", Now) {
    core::ZfsFeatures f;
    f.version = "fake";
    f.recv_unmounted = true;
    f.written = true;  // like OpenZFS, so the contract covers these on the fake too
    f.send_estimate = true;
    f.recv_resumable = f.bookmarks = f.list_holds = true;  // like OpenZFS: tokens, bookmarks, zfs holds
    zfs_.SetFeatures(f);
    zfs_.CreateFilesystem("fakepool");
    core::PoolStatus st;
    st.pool = "fakepool";
    st.state = "ONLINE";
    st.vdevs = {{"fakepool", "ONLINE", 0, 0, 0, std::nullopt, 0}, {"/var/tmp/fake.img", "ONLINE", 0, 0, 0, std::nullopt, 1}};
    st.data_errors = 0;
    zfs_.SetPool("fakepool", st, {256u << 20, 1u << 20, 255u << 20});
  }
  core::Zfs& zfs() override { return zfs_; }
  std::string Root() override { return "fakepool"; }
  void CreateFs(const std::string& fs, bool) override { zfs_.CreateFilesystem(fs); }
  void WriteData(const std::string&) override {}

 private:
  test::FakeZfs zfs_;
};

class RealBackend : public Backend {
 public:
  explicit RealBackend(std::string pool) : pool_(std::move(pool)), zfs_(runner_) {}
  core::Zfs& zfs() override { return zfs_; }
  std::string Root() override { return pool_; }
  void CreateFs(const std::string& fs, bool mounted) override {
    auto r = mounted ? runner_.Run({"zfs", "create", fs}) : runner_.Run({"zfs", "create", "-o", "mountpoint=none", fs});
    ASSERT_TRUE(r && r->exit_code == 0) << (r ? r->err : r.error().message);
  }
  std::optional<core::CommandResult> RunRaw(const core::Argv& argv) override {
    auto r = runner_.Run(argv);
    return r ? std::optional(*r) : std::nullopt;
  }
  void WriteData(const std::string& fs) override {
    auto r = runner_.Run({"zfs", "get", "-H", "mountpoint", fs});
    ASSERT_TRUE(r && r->exit_code == 0);
    std::string mp = r->out.substr(0, r->out.find('\n'));
    mp = mp.substr(mp.find('\t') + 1);
    mp = mp.substr(mp.find('\t') + 1);
    mp = mp.substr(0, mp.find('\t'));
    std::ofstream out(mp + "/data-" + std::to_string(counter_++), std::ios::binary);
    std::mt19937_64 rng(counter_);
    for (int i = 0; i < 64 * 1024 / 8; ++i) {
      std::uint64_t v = rng();
      out.write(reinterpret_cast<const char*>(&v), sizeof v);
    }
    out.close();
    // Space accounting (`written`) moves with the txg: sync it where zpool
    // can (OpenZFS); zfs-fuse has no `zpool sync` and no `written`.
    (void)runner_.Run({"zpool", "sync", pool_});
  }

 private:
  std::string pool_;
  core::LocalRunner runner_;
  core::ZfsCli zfs_;
  int counter_ = 0;
};

struct BackendParam {
  std::string name;
  std::function<std::unique_ptr<Backend>()> make;
  friend void PrintTo(const BackendParam& p, std::ostream* os) { *os << p.name; }
};

class ZfsContract : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    static int n = 0;
    base_ = backend_->Root() + "/c" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    backend_->CreateFs(base_);
  }
  core::Zfs& zfs() { return backend_->zfs(); }
  DatasetName Fs(const std::string& rel) { return DatasetName::Parse(base_ + "/" + rel).value(); }
  DatasetName MakeFs(const std::string& rel, bool mounted = true) {
    backend_->CreateFs(base_ + "/" + rel, mounted);
    return Fs(rel);
  }
  core::SnapshotList List(const DatasetName& fs) {
    auto l = zfs().ListSnapshots(fs);
    EXPECT_TRUE(l) << l.error().message;
    EXPECT_TRUE(l && *l) << fs.str() << " missing";
    return l && *l ? **l : core::SnapshotList{};
  }
  core::Result<std::uint64_t> Transfer(const DatasetName& src, const std::string& to,
                                       std::optional<std::string> from, const DatasetName& dst, bool force = false) {
    return replicate::RunTransfer(zfs(), {src, to, from, true}, zfs(), {dst, true, false, force}, {});
  }

  std::unique_ptr<Backend> backend_;
  std::string base_;
};

TEST_P(ZfsContract, ProbeFindsWhatTheBackendCanDo) {
  auto f = zfs().Probe(DatasetName::Parse(backend_->Root()).value());
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_TRUE(f->recv_unmounted);
  EXPECT_FALSE(f->version.empty());
  if (f->version == "legacy") {  // zfs-fuse: docs/zfs-dialects.md §2, §10
    EXPECT_FALSE(f->recv_resumable);
    EXPECT_FALSE(f->list_holds);
    EXPECT_FALSE(f->send_raw || f->send_compressed || f->send_large_blocks || f->send_embedded);
    EXPECT_FALSE(f->recv_property_override);
    EXPECT_FALSE(f->list_parsable);
    EXPECT_FALSE(f->send_estimate);
    EXPECT_FALSE(f->bookmarks);
    EXPECT_FALSE(f->json);
    EXPECT_FALSE(f->written);
    EXPECT_FALSE(f->get_types);
    EXPECT_FALSE(f->volmode);
    EXPECT_FALSE(f->pool_status_json);
    EXPECT_FALSE(f->snapshot_many);
  }
  if (f->version.starts_with("zfs-2.3")) {  // OpenZFS 2.3 has every probed feature
    EXPECT_TRUE(f->written);
    EXPECT_TRUE(f->recv_resumable);
    EXPECT_TRUE(f->list_parsable);
    EXPECT_TRUE(f->send_estimate);
    EXPECT_TRUE(f->bookmarks);
    EXPECT_TRUE(f->json);
    EXPECT_TRUE(f->list_holds);
    EXPECT_TRUE(f->send_raw && f->send_compressed && f->send_large_blocks && f->send_embedded);
    EXPECT_TRUE(f->recv_property_override);
    EXPECT_TRUE(f->snapshot_many);
    EXPECT_TRUE(f->get_types);
    EXPECT_TRUE(f->volmode);
    EXPECT_TRUE(f->pool_status_json);
  }
}

// The feature cache's key: the same while nothing changes, and features
// taken from the cache (Adopt) work as probed ones do.
TEST_P(ZfsContract, FingerprintIsStableAndAdoptedFeaturesWork) {
  auto a = zfs().Fingerprint();
  ASSERT_TRUE(a) << a.error().message;
  auto b = zfs().Fingerprint();
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(*a, *b);
  EXPECT_FALSE(a->empty());
  auto f = zfs().Probe(DatasetName::Parse(backend_->Root()).value());
  ASSERT_TRUE(f) << f.error().message;
  zfs().Adopt(*f);
  auto st = zfs().GetPoolStatus(backend_->Root());
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(st->state, "ONLINE");
  auto tree = zfs().GetTreeProperties(DatasetName::Parse(backend_->Root()).value(), {"canmount"});
  ASSERT_TRUE(tree) << tree.error().message;
  EXPECT_FALSE(tree->empty());
}

TEST_P(ZfsContract, MissingDatasetListsAsAbsent) {
  auto l = zfs().ListSnapshots(Fs("nope"));
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_FALSE(*l);
  auto e = zfs().Exists(Fs("nope"));
  ASSERT_TRUE(e);
  EXPECT_FALSE(*e);
}

TEST_P(ZfsContract, ListsManyFilesystemsInOneCall) {
  auto a = MakeFs("a");
  auto b = MakeFs("b c");
  auto child = MakeFs("a/child");
  auto empty = MakeFs("empty");
  ASSERT_TRUE(zfs().CreateSnapshot(a, "1"));
  ASSERT_TRUE(zfs().CreateSnapshot(child, "c1"));
  ASSERT_TRUE(zfs().CreateSnapshot(b, "2"));
  ASSERT_TRUE(zfs().CreateSnapshot(b, "3"));
  auto stream = zfs().StreamSnapshotsOf({a, Fs("missing"), b, child, empty});
  ASSERT_TRUE(stream) << stream.error().message;
  // Every filesystem exactly once.
  std::vector<std::string> order;
  std::map<std::string, std::optional<core::SnapshotList>> m;
  for (;;) {
    auto blk = (*stream)->Next();
    ASSERT_TRUE(blk) << blk.error().message;
    if (!*blk) break;
    order.push_back((*blk)->fs);
    ASSERT_TRUE(m.emplace((*blk)->fs, (*blk)->snapshots).second) << (*blk)->fs << " listed twice";
  }
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(order.back(), Fs("missing").str());  // absent ones last
  ASSERT_TRUE(m.at(a.str()));
  ASSERT_EQ(m.at(a.str())->size(), 1u);
  EXPECT_EQ(m.at(a.str())->front().name, "1");
  ASSERT_TRUE(m.at(child.str()));
  ASSERT_EQ(m.at(child.str())->size(), 1u);
  EXPECT_EQ(m.at(child.str())->front().name, "c1");
  ASSERT_TRUE(m.at(b.str()));
  EXPECT_EQ(m.at(b.str())->size(), 2u);
  EXPECT_EQ(m.at(b.str())->back().name, "3");
  ASSERT_TRUE(m.at(empty.str()));
  EXPECT_TRUE(m.at(empty.str())->empty());
  EXPECT_FALSE(m.at(Fs("missing").str()));
  // A second stream of the same host is independent of the first.
  auto only_b = zfs().StreamSnapshotsOf({b});
  ASSERT_TRUE(only_b);
  auto all = core::CollectSnapshots(**only_b);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->at(b.str())->size(), 2u);
}

TEST_P(ZfsContract, SnapshotsListOldestFirstWithIdentity) {
  auto fs = MakeFs("a b");  // a name with a space
  EXPECT_TRUE(*zfs().Exists(fs));
  EXPECT_TRUE(List(fs).empty());
  const std::int64_t before = Now();
  for (const char* s : {"s1", "s:2", "s 3"}) {
    backend_->WriteData(fs.str());
    ASSERT_TRUE(zfs().CreateSnapshot(fs, s));
  }
  auto l = List(fs);
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].name, "s1");
  EXPECT_EQ(l[1].name, "s:2");
  EXPECT_EQ(l[2].name, "s 3");
  EXPECT_LT(l[0].createtxg, l[1].createtxg);
  EXPECT_LT(l[1].createtxg, l[2].createtxg);
  EXPECT_NE(l[0].guid, l[1].guid);
  EXPECT_GE(l[0].creation, before - 1);
  EXPECT_LE(l[2].creation, Now() + 1);
  auto dup = zfs().CreateSnapshot(fs, "s1");
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("already exists"), std::string::npos) << dup.error().message;
}

// A tree at one point in time: `-r` takes the root and all below it in
// one transaction group; several names (where the probe found them) all
// or none; SnapshotOf reads back each one made.
TEST_P(ZfsContract, ATreeIsSnapshottedAtOnePointInTime) {
  auto root = MakeFs("t"), a = MakeFs("t/a"), b = MakeFs("t/a/b"), other = MakeFs("u");
  ASSERT_TRUE(zfs().CreateSnapshotTree(root, "r1"));
  for (const auto& fs : {root, a, b}) {
    auto l = List(fs);
    ASSERT_EQ(l.size(), 1u) << fs.str();
    EXPECT_EQ(l[0].name, "r1");
    EXPECT_EQ(l[0].createtxg, List(root)[0].createtxg) << fs.str();
  }
  EXPECT_TRUE(List(other).empty());
  auto read = zfs().SnapshotOf({root, b, other}, "r1");
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ(read->at(b.str()).guid, List(b)[0].guid);
  EXPECT_EQ(read->at(root.str()).createtxg, List(root)[0].createtxg);

  auto f = zfs().Probe(DatasetName::Parse(backend_->Root()).value());
  ASSERT_TRUE(f) << f.error().message;
  auto many = zfs().CreateSnapshots({a, other}, "m1");
  EXPECT_EQ(static_cast<bool>(many), f->snapshot_many) << (many ? "" : many.error().message);
  if (many) {
    EXPECT_EQ(List(a).back().name, "m1");
    EXPECT_EQ(List(a).back().createtxg, List(other).back().createtxg);
    // All or none: one name taken, none made.
    auto taken = zfs().CreateSnapshots({other, root}, "r1");
    ASSERT_FALSE(taken);
    EXPECT_NE(taken.error().message.find("exists"), std::string::npos) << taken.error().message;
    EXPECT_EQ(List(other).size(), 1u);
  } else {
    EXPECT_EQ(List(a).size(), 1u);
    EXPECT_TRUE(List(other).empty());
  }
}

TEST_P(ZfsContract, FullThenIncrementalKeepGuidsAndIntermediates) {
  auto src = MakeFs("src");
  auto dst = Fs("dst");
  backend_->WriteData(src.str());
  ASSERT_TRUE(zfs().CreateSnapshot(src, "a"));
  auto full = Transfer(src, "a", std::nullopt, dst);
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_GT(*full, 0u);
  for (const char* s : {"b", "c", "d"}) {
    backend_->WriteData(src.str());
    ASSERT_TRUE(zfs().CreateSnapshot(src, s));
  }
  auto inc = Transfer(src, "d", "a", dst);
  ASSERT_TRUE(inc) << inc.error().message;
  auto s = List(src), d = List(dst);
  ASSERT_EQ(d.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(s[i].name, d[i].name);
    EXPECT_EQ(s[i].guid, d[i].guid);
  }
}

TEST_P(ZfsContract, SendEstimateWhereTheProbeFindsIt) {
  auto f = zfs().Probe(DatasetName::Parse(backend_->Root()).value());
  ASSERT_TRUE(f);
  if (!f->send_estimate) return;  // zfs-fuse: no send -n (the probe says so)
  auto src = MakeFs("src");
  backend_->WriteData(src.str());
  ASSERT_TRUE(zfs().CreateSnapshot(src, "a"));
  backend_->WriteData(src.str());
  ASSERT_TRUE(zfs().CreateSnapshot(src, "b"));
  auto full = zfs().EstimateSend({src, "b", std::nullopt, true});
  ASSERT_TRUE(full) << full.error().message;
  auto inc = zfs().EstimateSend({src, "b", "a", true});
  ASSERT_TRUE(inc) << inc.error().message;
  EXPECT_GT(*full, 0u);
  EXPECT_GT(*inc, 0u);
  // Close to what actually streams (within a factor of two).
  auto real = Transfer(src, "b", std::nullopt, Fs("dst"));
  ASSERT_TRUE(real) << real.error().message;
  EXPECT_LT(*full, 2 * *real);
  EXPECT_LT(*real, 2 * *full);
}

TEST_P(ZfsContract, IncrementalWithoutItsBaseOnTheDestinationIsRefused) {
  auto src = MakeFs("src");
  auto dst = Fs("dst");
  ASSERT_TRUE(zfs().CreateSnapshot(src, "a"));
  ASSERT_TRUE(Transfer(src, "a", std::nullopt, dst));
  backend_->WriteData(src.str());
  ASSERT_TRUE(zfs().CreateSnapshot(src, "b"));
  backend_->WriteData(src.str());
  ASSERT_TRUE(zfs().CreateSnapshot(src, "c"));
  auto inc = Transfer(src, "c", "b", dst);
  ASSERT_FALSE(inc);
  EXPECT_EQ(inc.error().reason, core::Reason::kUnexpectedStream) << inc.error().message;
  EXPECT_EQ(List(dst).size(), 1u);
}

// Observed on zfs-fuse and stated by OpenZFS's dmu_recv.c: a newer
// destination snapshot that changed nothing does not block an incremental,
// and stays. (zpull's planner refuses such a destination before sending.)
TEST_P(ZfsContract, NewerUnchangedDestinationSnapshotDoesNotBlockReceive) {
  auto src = MakeFs("src");
  auto dst = Fs("dst");
  ASSERT_TRUE(zfs().CreateSnapshot(src, "a"));
  ASSERT_TRUE(Transfer(src, "a", std::nullopt, dst));
  ASSERT_TRUE(zfs().CreateSnapshot(dst, "local"));
  backend_->WriteData(src.str());
  ASSERT_TRUE(zfs().CreateSnapshot(src, "b"));
  auto inc = Transfer(src, "b", "a", dst);
  ASSERT_TRUE(inc) << inc.error().message;
  auto d = List(dst);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[1].name, "local");
  EXPECT_EQ(d[2].name, "b");
}

// The destination is unmounted: overwriting a mounted one races zfs-fuse's
// own unmount ("I/O error", about one run in four here).
TEST_P(ZfsContract, FullIntoExistingDestinationNeedsForce) {
  auto src = MakeFs("src");
  auto dst = MakeFs("dst", /*mounted=*/false);
  ASSERT_TRUE(zfs().CreateSnapshot(src, "a"));
  auto r = Transfer(src, "a", std::nullopt, dst);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, core::Reason::kUnexpectedStream) << r.error().message;
  EXPECT_NE(r.error().message.find("exists"), std::string::npos) << r.error().message;
  auto forced = Transfer(src, "a", std::nullopt, dst, /*force=*/true);
  ASSERT_TRUE(forced) << forced.error().message;
  EXPECT_EQ(List(dst).size(), 1u);
}

TEST_P(ZfsContract, SendOfMissingBaseIsSourceMissing) {
  auto src = MakeFs("src");
  ASSERT_TRUE(zfs().CreateSnapshot(src, "a"));
  auto r = Transfer(src, "a", "gone", Fs("dst"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, core::Reason::kSourceMissing) << r.error().message;
  EXPECT_FALSE(*zfs().Exists(Fs("dst")));
  auto r2 = Transfer(Fs("nosuch"), "a", std::nullopt, Fs("dst"));
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().reason, core::Reason::kSourceMissing) << r2.error().message;
}

TEST_P(ZfsContract, HoldsBlockDestroyUntilReleased) {
  auto fs = MakeFs("h");
  ASSERT_TRUE(zfs().CreateSnapshot(fs, "a"));
  ASSERT_TRUE(zfs().Hold(fs, "a", "zpull_test"));
  ASSERT_TRUE(zfs().Hold(fs, "a", "zpull_test"));  // again: fine
  EXPECT_EQ(List(fs)[0].userrefs, 1u);
  auto busy = zfs().DestroySnapshot(fs, "a");
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().reason, core::Reason::kLockBusy) << busy.error().message;
  auto released = zfs().Release(fs, "a", "zpull_test");
  ASSERT_TRUE(released);
  EXPECT_TRUE(*released);
  auto again = zfs().Release(fs, "a", "zpull_test");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  ASSERT_TRUE(zfs().DestroySnapshot(fs, "a"));
  EXPECT_TRUE(List(fs).empty());
}

TEST_P(ZfsContract, UserPropertiesOnDatasetsAndSnapshots) {
  auto fs = MakeFs("p");
  ASSERT_TRUE(zfs().CreateSnapshot(fs, "a"));
  auto referenced = zfs().GetProperty(fs, "referenced");
  ASSERT_TRUE(referenced) << referenced.error().message;
  EXPECT_GT(std::stoull(*referenced), 0u);
  EXPECT_EQ(zfs().GetProperty(fs, "type").value(), "filesystem");
  auto unset = zfs().GetUserProperty(fs, "", "zpull:test");
  ASSERT_TRUE(unset) << unset.error().message;
  EXPECT_FALSE(*unset);
  ASSERT_TRUE(zfs().SetUserProperty(fs, "", "zpull:test", "123"));
  ASSERT_TRUE(zfs().SetUserProperty(fs, "a", "zpull:test", "456"));
  EXPECT_EQ(zfs().GetUserProperty(fs, "", "zpull:test")->value(), "123");
  EXPECT_EQ(zfs().GetUserProperty(fs, "a", "zpull:test")->value(), "456");
  ASSERT_TRUE(zfs().CreateSnapshot(fs, "b"));
  EXPECT_FALSE(zfs().GetUserProperty(fs, "b", "zpull:test").value());  // inherited: not the snapshot's own
  auto all = zfs().SnapshotUserProperty(fs, "zpull:test");  // set on the snapshot only
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_TRUE(*all);
  EXPECT_EQ(**all, (std::map<std::string, std::string>{{"a", "456"}}));
  auto none = zfs().SnapshotUserProperty(Fs("nope"), "zpull:test");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

// zpull's state is what zpull set: a user property that came in a -p
// stream (source "received") is not read as the destination's own.
TEST_P(ZfsContract, ReceivedUserPropertiesAreNotReadAsOwn) {
  auto src = MakeFs("sent");
  ASSERT_TRUE(zfs().SetUserProperty(src, "", "zpull:last_success", "1"));
  ASSERT_TRUE(zfs().CreateSnapshot(src, "a"));
  ASSERT_TRUE(zfs().SetUserProperty(src, "a", "zpull:common", "2"));
  core::SendSpec send{src, "a"};
  send.properties = true;
  auto dst = Fs("got");
  auto r = replicate::RunTransfer(zfs(), send, zfs(), {dst, true, false, false}, {});
  ASSERT_TRUE(r) << r.error().message;
  auto own = zfs().GetUserProperty(dst, "", "zpull:last_success");
  ASSERT_TRUE(own) << own.error().message;
  EXPECT_FALSE(*own) << "received value read as local: " << **own;
  auto marked = zfs().SnapshotUserProperty(dst, "zpull:common");
  ASSERT_TRUE(marked && *marked);
  EXPECT_TRUE((*marked)->empty());
  ASSERT_TRUE(zfs().SetUserProperty(dst, "", "zpull:last_success", "3"));
  EXPECT_EQ(zfs().GetUserProperty(dst, "", "zpull:last_success")->value(), "3");
}

TEST_P(ZfsContract, TreeListingCarriesInheritedUserProperty) {
  auto root = MakeFs("tree");
  MakeFs("tree/a");
  MakeFs("tree/a/deep");
  MakeFs("tree/b c", false);
  ASSERT_TRUE(zfs().SetUserProperty(Fs("tree/a"), "", "zpull:test", "off"));
  ASSERT_TRUE(zfs().SetUserProperty(Fs("tree/b c"), "", "zpull:test", "on"));
  auto tree = zfs().ListTree(root, "zpull:test");
  ASSERT_TRUE(tree) << tree.error().message;
  std::map<std::string, std::optional<std::string>> got;
  std::vector<std::string> order;
  for (const auto& e : *tree) {
    got[e.name] = e.value;
    order.push_back(e.name);
  }
  EXPECT_EQ(got, (std::map<std::string, std::optional<std::string>>{{root.str(), std::nullopt},
                                                                      {Fs("tree/a").str(), "off"},
                                                                      {Fs("tree/a/deep").str(), "off"},  // inherited
                                                                      {Fs("tree/b c").str(), "on"}}));
  ASSERT_FALSE(order.empty());
  EXPECT_EQ(order.front(), root.str());
  auto a = std::find(order.begin(), order.end(), Fs("tree/a").str());
  auto deep = std::find(order.begin(), order.end(), Fs("tree/a/deep").str());
  EXPECT_LT(a, deep);  // a parent before its children
  auto missing = zfs().ListTree(Fs("tree/nope"), "zpull:test");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason, core::Reason::kSourceMissing);
}

TEST_P(ZfsContract, TreePropertiesCarryValueAndSourceWithoutSnapshots) {
  auto root = MakeFs("props", /*mounted=*/false);
  auto a = MakeFs("props/a", false);
  auto deep = MakeFs("props/a/deep", false);
  ASSERT_TRUE(zfs().SetProperty(a, "exec", "off"));
  ASSERT_TRUE(zfs().SetProperty(deep, "canmount", "noauto"));
  ASSERT_TRUE(zfs().CreateSnapshot(deep, "s1"));
  const std::vector<std::string> props = {"canmount", "exec", "setuid"};
  auto check = [&](const std::string& when) {
    auto tree = zfs().GetTreeProperties(root, props);
    ASSERT_TRUE(tree) << when << ": " << tree.error().message;
    ASSERT_EQ(tree->size(), 3u) << when << ": the snapshot is not listed";
    EXPECT_EQ((*tree)[0].name, root.str());
    EXPECT_EQ((*tree)[1].name, a.str());
    EXPECT_EQ((*tree)[2].name, deep.str());
    for (const auto& d : *tree) {
      EXPECT_EQ(d.values.at("type"), (core::PropertyValue{"filesystem", "-"})) << d.name;
      EXPECT_EQ(d.values.size(), 4u) << d.name;
    }
    EXPECT_EQ((*tree)[0].values.at("exec"), (core::PropertyValue{"on", "default"})) << when;
    EXPECT_EQ((*tree)[1].values.at("exec"), (core::PropertyValue{"off", "local"})) << when;
    EXPECT_EQ((*tree)[2].values.at("exec"), (core::PropertyValue{"off", "inherited from " + a.str()})) << when;
    EXPECT_EQ((*tree)[2].values.at("canmount"), (core::PropertyValue{"noauto", "local"})) << when;
    EXPECT_EQ((*tree)[2].values.at("setuid"), (core::PropertyValue{"on", "default"})) << when;
  };
  check("before the probe");  // zfs get without -t
  auto f = zfs().Probe(DatasetName::Parse(backend_->Root()).value());
  ASSERT_TRUE(f);
  check(f->get_types ? "with -t" : "without -t");
  auto missing = zfs().GetTreeProperties(Fs("props/nope"), props);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason, core::Reason::kDestinationMissing);
  auto one = zfs().GetProperties(deep, props);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one->name, deep.str());
  EXPECT_EQ(one->values.size(), 4u);
  EXPECT_EQ(one->values.at("exec"), (core::PropertyValue{"off", "inherited from " + a.str()}));
  auto none = zfs().GetProperties(Fs("props/nope"), props);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().reason, core::Reason::kDestinationMissing);
}

TEST_P(ZfsContract, PropertiesAndHoldsDoNotBreakTheNextIncremental) {
  // zfs-fuse counts even reads of a mounted replica as modifications; zpull's
  // own bookkeeping on the destination (holds, user properties) must not.
  auto src = MakeFs("src");
  auto dst = Fs("dst");
  ASSERT_TRUE(zfs().CreateSnapshot(src, "a"));
  ASSERT_TRUE(Transfer(src, "a", std::nullopt, dst));
  ASSERT_TRUE(zfs().Hold(dst, "a", "zpull_test"));
  ASSERT_TRUE(zfs().SetUserProperty(dst, "a", "zpull:common", "1"));
  ASSERT_TRUE(zfs().SetUserProperty(dst, "", "zpull:last_success", "1"));
  backend_->WriteData(src.str());
  ASSERT_TRUE(zfs().CreateSnapshot(src, "b"));
  auto inc = Transfer(src, "b", "a", dst);
  EXPECT_TRUE(inc) << inc.error().message;
  ASSERT_TRUE(zfs().Release(dst, "a", "zpull_test"));
}

TEST_P(ZfsContract, PoolStatusSpaceAndScrub) {
  const std::string pool = backend_->Root();
  auto st = zfs().GetPoolStatus(pool);
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(st->pool, pool);
  EXPECT_EQ(st->state, "ONLINE");
  ASSERT_GE(st->vdevs.size(), 2u);
  EXPECT_EQ(st->vdevs[0].name, pool);
  EXPECT_EQ(st->data_errors, 0u);
  auto space = zfs().GetPoolSpace(pool);
  ASSERT_TRUE(space) << space.error().message;
  EXPECT_GT(space->size, 0u);
  EXPECT_LT(space->allocated, space->size);
  EXPECT_GT(space->free, 0u);
  ASSERT_TRUE(zfs().StartScrub(pool));
  EXPECT_TRUE(zfs().StartScrub(pool));  // again, maybe while running: not an error
  auto after = zfs().GetPoolStatus(pool);
  ASSERT_TRUE(after && after->scrub);
  EXPECT_TRUE(after->scrub->state == core::ScanState::kInProgress || after->scrub->state == core::ScanState::kFinished);
  auto missing = zfs().GetPoolStatus("zpullnosuchpool");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no such pool"), std::string::npos) << missing.error().message;
}

TEST_P(ZfsContract, WrittenWhereTheProbeFindsIt) {
  auto f = zfs().Probe(DatasetName::Parse(backend_->Root()).value());
  ASSERT_TRUE(f);
  auto fs = MakeFs("w");
  ASSERT_TRUE(zfs().CreateSnapshot(fs, "a"));
  auto many = zfs().GetPropertyOf({fs, Fs("missing")}, "type");
  ASSERT_TRUE(many) << many.error().message;
  EXPECT_EQ(*many, (std::map<std::string, std::string>{{fs.str(), "filesystem"}}));
  if (!f->written) return;  // zfs-fuse: no such property (the probe says so)
  EXPECT_EQ(zfs().GetProperty(fs, "written").value(), "0");
  backend_->WriteData(fs.str());
  if (auto* fake = dynamic_cast<test::FakeZfs*>(&zfs())) fake->MarkModified(fs.str());
  auto w = zfs().GetProperty(fs, "written");
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_GT(std::stoull(*w), 0u);
}

// Where zpool has JSON output (OpenZFS >= 2.3), it and the text agree.
TEST_P(ZfsContract, PoolStatusJsonEqualsText) {
  const std::string pool = backend_->Root();
  auto fs = MakeFs("scrubbed");
  backend_->WriteData(fs.str());
  (void)backend_->RunRaw({"zpool", "scrub", "-w", pool});
  auto json = backend_->RunRaw({"zpool", "status", "-j", "--json-int", pool});
  auto text = backend_->RunRaw({"zpool", "status", "-v", pool});
  if (!json || json->exit_code != 0) return;  // fake, or no JSON in this dialect
  ASSERT_TRUE(text && text->exit_code == 0);
  auto a = core::ParsePoolStatusJson(json->out, pool);
  auto b = core::ParsePoolStatus(text->out);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(a->pool, b->pool);
  EXPECT_EQ(a->state, b->state);
  ASSERT_TRUE(a->scrub && b->scrub);
  EXPECT_EQ(a->scrub->state, b->scrub->state);
  EXPECT_EQ(a->scrub->end_time, b->scrub->end_time);
  EXPECT_EQ(a->scrub->errors, b->scrub->errors);
  EXPECT_EQ(a->scrub->repaired_bytes, b->scrub->repaired_bytes);
  EXPECT_EQ(a->scrub->duration_seconds, b->scrub->duration_seconds);
  EXPECT_EQ(a->data_errors, b->data_errors);
  ASSERT_EQ(a->vdevs.size(), b->vdevs.size());
  for (std::size_t i = 0; i < a->vdevs.size(); ++i) {
    EXPECT_EQ(a->vdevs[i].name, b->vdevs[i].name);
    EXPECT_EQ(a->vdevs[i].state, b->vdevs[i].state);
    EXPECT_EQ(a->vdevs[i].checksum_errors, b->vdevs[i].checksum_errors);
    EXPECT_EQ(a->vdevs[i].depth, b->vdevs[i].depth);
  }
  // And the adapter reads the same through whichever it chose.
  auto c = zfs().GetPoolStatus(pool);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->scrub->end_time, a->scrub->end_time);
}

TEST_P(ZfsContract, CloneListAndDestroyFilesystems) {
  auto fs = MakeFs("orig");
  backend_->WriteData(fs.str());
  ASSERT_TRUE(zfs().CreateSnapshot(fs, "s"));
  auto clone = Fs("zpull-drill-test");
  const std::string mp = "/var/tmp/zpull-contract-clone-" + std::to_string(::getpid());
  auto c = zfs().Clone(fs, "s", clone, mp);
  ASSERT_TRUE(c) << c.error().message;
  auto children = zfs().ListChildren(DatasetName::Parse(base_).value());
  ASSERT_TRUE(children) << children.error().message;
  EXPECT_NE(std::find(children->begin(), children->end(), clone.str()), children->end());
  // Destroying the origin snapshot is refused while the clone exists.
  EXPECT_FALSE(zfs().DestroySnapshot(fs, "s"));
  auto d = zfs().DestroyFilesystem(clone);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_FALSE(*zfs().Exists(clone));
  EXPECT_TRUE(zfs().DestroyFilesystem(clone));  // gone already: fine
  EXPECT_TRUE(zfs().DestroySnapshot(fs, "s"));
  std::error_code ignored;
  std::filesystem::remove(mp, ignored);  // the mount point zfs made (only if empty)
}

// A receive whose stream ends 4 bytes short (inside the END record), as a
// dropped connection leaves it; `resumable` asks for recv -s. Returns the
// receive's exit and stderr.
core::Result<std::string> CutReceive(core::Zfs& zfs, const core::SendSpec& send, const DatasetName& dst,
                                     bool resumable) {
  auto sender = zfs.StartSend(send);
  if (!sender) return tl::unexpected(sender.error());
  std::string stream;
  std::vector<char> buf(1 << 20);
  while (true) {
    auto n = (*sender)->Read(buf);
    if (!n) return tl::unexpected(n.error());
    if (*n == 0) break;
    stream.append(buf.data(), *n);
  }
  if (auto e = (*sender)->Wait(); !e || e->exit_code != 0) return core::Fail(core::Reason::kSendFailed, "send failed");
  auto receiver = zfs.StartRecv({dst, true, resumable, false});
  if (!receiver) return tl::unexpected(receiver.error());
  if (auto w = (*receiver)->Write(std::span<const char>(stream.data(), stream.size() - 4)); !w) {
    return tl::unexpected(w.error());
  }
  (*receiver)->CloseStdin();
  auto e = (*receiver)->Wait();
  if (!e) return tl::unexpected(e.error());
  if (e->exit_code == 0) return core::Fail(core::Reason::kOther, "a cut stream was accepted");
  return "exit " + std::to_string(e->exit_code) + " after " + std::to_string(stream.size()) + " stream bytes: " + e->err;
}

TEST_P(ZfsContract, InterruptedReceivesResumeFromTheirToken) {
  auto f = zfs().Probe(DatasetName::Parse(backend_->Root()).value());
  ASSERT_TRUE(f);
  if (!f->recv_resumable) return;  // zfs-fuse: no tokens (the probe says so)
  auto src = MakeFs("src");
  auto dst = Fs("dst");
  backend_->WriteData(src.str());
  ASSERT_TRUE(zfs().CreateSnapshot(src, "a"));
  // An interrupted full receive leaves the new filesystem, without
  // snapshots, carrying the token.
  ASSERT_TRUE(CutReceive(zfs(), {src, "a"}, dst, true));
  auto token = zfs().ResumeToken(dst);
  ASSERT_TRUE(token) << token.error().message;
  ASSERT_TRUE(*token);
  EXPECT_TRUE(List(dst).empty());
  core::SendSpec resume{src, "a"};
  resume.resume_token = **token;
  auto resumed = replicate::RunTransfer(zfs(), resume, zfs(), {dst, true, true, false}, {});
  ASSERT_TRUE(resumed) << resumed.error().message;
  ASSERT_EQ(List(dst).size(), 1u);
  EXPECT_EQ(List(dst)[0].guid, List(src)[0].guid);
  EXPECT_FALSE(*zfs().ResumeToken(dst));

  // An interrupted incremental: other receives are refused until the token
  // is resumed or aborted; a token for a destroyed snapshot is stale.
  backend_->WriteData(src.str());
  ASSERT_TRUE(zfs().CreateSnapshot(src, "b"));
  // (-i: an -I stream is a package whose last 4 bytes follow the complete
  // snapshot, so cutting those leaves nothing to resume.)
  auto cut = CutReceive(zfs(), {src, "b", "a", false}, dst, true);
  ASSERT_TRUE(cut);
  token = zfs().ResumeToken(dst);
  ASSERT_TRUE(token && *token) << *cut;
  auto blocked = replicate::RunTransfer(zfs(), {src, "b", "a"}, zfs(), {dst, true, true, false}, {});
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().reason, core::Reason::kStaleResumeToken) << blocked.error().message;
  ASSERT_TRUE(zfs().DestroySnapshot(src, "b"));
  resume.resume_token = **token;
  auto stale = replicate::RunTransfer(zfs(), resume, zfs(), {dst, true, true, false}, {});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().reason, core::Reason::kStaleResumeToken) << stale.error().message;
  ASSERT_TRUE(zfs().AbortPartialReceive(dst));
  EXPECT_FALSE(*zfs().ResumeToken(dst));
  EXPECT_TRUE(zfs().AbortPartialReceive(dst));  // nothing to abort: fine
  EXPECT_EQ(List(dst).size(), 1u);

  // Aborting an interrupted full receive removes the partial filesystem.
  auto fresh = Fs("fresh");
  ASSERT_TRUE(CutReceive(zfs(), {src, "a"}, fresh, true));
  ASSERT_TRUE(zfs().AbortPartialReceive(fresh));
  EXPECT_FALSE(*zfs().Exists(fresh));
}

TEST_P(ZfsContract, BookmarkServesAsIncrementalBase) {
  auto f = zfs().Probe(DatasetName::Parse(backend_->Root()).value());
  ASSERT_TRUE(f);
  if (!f->bookmarks) return;  // zfs-fuse: no bookmarks
  auto src = MakeFs("src");
  auto dst = Fs("dst");
  backend_->WriteData(src.str());
  ASSERT_TRUE(zfs().CreateSnapshot(src, "a"));
  ASSERT_TRUE(Transfer(src, "a", std::nullopt, dst));
  ASSERT_TRUE(zfs().CreateBookmark(src, "a", "zp_backup:x_0a"));
  ASSERT_TRUE(zfs().CreateBookmark(src, "a", "zp_backup:x_0a"));  // again: fine
  auto marks = zfs().ListBookmarks(src);
  ASSERT_TRUE(marks) << marks.error().message;
  ASSERT_EQ(marks->size(), 1u);
  EXPECT_EQ((*marks)[0].name, "zp_backup:x_0a");
  EXPECT_EQ((*marks)[0].guid, List(src)[0].guid);
  // Several filesystems in one listing: one without bookmarks, one absent.
  auto none = MakeFs("nomarks");
  auto several = zfs().ListBookmarksOf({src, none, Fs("absent")});
  ASSERT_TRUE(several) << several.error().message;
  EXPECT_EQ(several->size(), 2u);
  ASSERT_EQ(several->count(src.str()), 1u);
  ASSERT_EQ(several->at(src.str()).size(), 1u);
  EXPECT_EQ(several->at(src.str())[0].name, "zp_backup:x_0a");
  EXPECT_EQ(several->at(src.str())[0].guid, (*marks)[0].guid);
  ASSERT_EQ(several->count(none.str()), 1u);
  EXPECT_TRUE(several->at(none.str()).empty());
  ASSERT_TRUE(zfs().DestroySnapshot(src, "a"));
  backend_->WriteData(src.str());
  ASSERT_TRUE(zfs().CreateSnapshot(src, "b"));
  core::SendSpec send{src, "b", "zp_backup:x_0a", false};
  send.from_bookmark = true;
  auto r = replicate::RunTransfer(zfs(), send, zfs(), {dst, true, false, false}, {});
  ASSERT_TRUE(r) << r.error().message;
  auto d = List(dst);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[1].guid, List(src)[0].guid);
  ASSERT_TRUE(zfs().DestroyBookmark(src, "zp_backup:x_0a"));
  EXPECT_TRUE(zfs().ListBookmarks(src)->empty());
  EXPECT_TRUE(zfs().DestroyBookmark(src, "zp_backup:x_0a"));  // gone: fine
}

TEST_P(ZfsContract, HoldsAreListedWithTagsAndTimes) {
  auto f = zfs().Probe(DatasetName::Parse(backend_->Root()).value());
  ASSERT_TRUE(f);
  if (!f->list_holds) return;  // zfs-fuse: `zfs holds` is broken
  auto fs = MakeFs("h");
  ASSERT_TRUE(zfs().CreateSnapshot(fs, "a"));
  ASSERT_TRUE(zfs().CreateSnapshot(fs, "b"));
  ASSERT_TRUE(zfs().Hold(fs, "a", "zpt"));
  ASSERT_TRUE(zfs().Hold(fs, "a", "keep me"));
  ASSERT_TRUE(zfs().Hold(fs, "b", "zpt"));
  auto other = MakeFs("h2");
  ASSERT_TRUE(zfs().CreateSnapshot(other, "c"));
  ASSERT_TRUE(zfs().Hold(other, "c", "zpt"));
  // Two filesystems in one command, and a snapshot that is gone (destroyed
  // since it was listed): it holds nothing, the others are listed.
  auto holds = zfs().ListHoldsOf({fs.Snapshot("a"), fs.Snapshot("b"), other.Snapshot("c"), fs.Snapshot("gone")});
  ASSERT_TRUE(holds) << holds.error().message;
  ASSERT_EQ(holds->size(), 2u);
  ASSERT_EQ(holds->count(fs.str()), 1u);
  ASSERT_EQ(holds->at(fs.str()).size(), 3u);
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& h : holds->at(fs.str())) {
    seen.insert({h.snapshot, h.tag});
    EXPECT_GT(h.since, Now() - 3600);
  }
  EXPECT_EQ(seen, (std::set<std::pair<std::string, std::string>>{{"a", "keep me"}, {"a", "zpt"}, {"b", "zpt"}}));
  ASSERT_EQ(holds->count(other.str()), 1u);
  ASSERT_EQ(holds->at(other.str()).size(), 1u);
  EXPECT_EQ(holds->at(other.str())[0].snapshot, "c");
  EXPECT_EQ(holds->at(other.str())[0].tag, "zpt");
  for (auto [snap, tag] : seen) ASSERT_TRUE(zfs().Release(fs, snap, tag));
  ASSERT_TRUE(zfs().Release(other, "c", "zpt"));
}

TEST_P(ZfsContract, RollbackOnlyToTheNewestSnapshotAndNativeProperties) {
  auto fs = MakeFs("r", /*mounted=*/false);
  ASSERT_TRUE(zfs().CreateSnapshot(fs, "a"));
  ASSERT_TRUE(zfs().CreateSnapshot(fs, "b"));
  EXPECT_FALSE(zfs().Rollback(fs, "a"));  // newer @b exists: refused, nothing destroyed
  EXPECT_EQ(List(fs).size(), 2u);
  EXPECT_TRUE(zfs().Rollback(fs, "b"));
  ASSERT_TRUE(zfs().SetProperty(fs, "readonly", "on"));
  EXPECT_EQ(zfs().GetProperty(fs, "readonly").value(), "on");
  ASSERT_TRUE(zfs().InheritProperty(fs, "readonly"));
  EXPECT_EQ(zfs().GetProperty(fs, "readonly").value(), "off");
  ASSERT_TRUE(zfs().SetProperty(fs, "canmount", "noauto"));
  EXPECT_EQ(zfs().GetProperty(fs, "canmount").value(), "noauto");
}

TEST_P(ZfsContract, ContainersAreNotMountable) {
  auto parent = Fs("hosts");
  ASSERT_TRUE(zfs().CreateContainer(parent));
  EXPECT_EQ(zfs().GetProperty(parent, "canmount").value(), "off");
  for (const char* p : {"setuid", "devices", "exec"}) EXPECT_EQ(zfs().GetProperty(parent, p).value(), "off") << p;
  EXPECT_FALSE(zfs().CreateContainer(parent));  // exists
  auto orphan = zfs().CreateContainer(Fs("missing/child"));
  ASSERT_FALSE(orphan);
  auto src = MakeFs("src");
  ASSERT_TRUE(zfs().CreateSnapshot(src, "a"));
  ASSERT_TRUE(Transfer(src, "a", std::nullopt, Fs("hosts/data")));
  EXPECT_EQ(List(Fs("hosts/data")).size(), 1u);
}

std::vector<BackendParam> Backends() {
  std::vector<BackendParam> out{{"fake", [] { return std::unique_ptr<Backend>(new FakeBackend()); }}};
  if (const char* pool = std::getenv("ZPULL_CONTRACT_POOL")) {
    std::string p = pool;
    const char* name = std::getenv("ZPULL_CONTRACT_BACKEND");
    out.push_back({name ? name : "zfs_fuse", [p] { return std::unique_ptr<Backend>(new RealBackend(p)); }});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Backends, ZfsContract, ::testing::ValuesIn(Backends()),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace zpull
