#include "checks/replica_safety.h"

#include <gtest/gtest.h>

namespace zpull::checks {
namespace {

// A filesystem as zpull leaves a replica.
core::DatasetProperties Safe(const std::string& name) {
  return {name,
          {{"type", {"filesystem", "-"}},
           {"canmount", {"noauto", "local"}},
           {"setuid", {"off", "local"}},
           {"devices", {"off", "local"}},
           {"exec", {"off", "local"}},
           {"mountpoint", {"/" + name, "default"}},
           {"readonly", {"off", "default"}}}};
}

core::DatasetProperties With(core::DatasetProperties d, const std::string& property, core::PropertyValue v) {
  d.values[property] = std::move(v);
  return d;
}

TEST(ReplicaSafety, ZpullsValuesAreSafe) {
  auto r = CheckReplicaSafety({{"b/r"}}, {Safe("b/r")});
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ("b/r", r[0].dataset);
  EXPECT_TRUE(r[0].unsafe.empty());
  EXPECT_EQ(0u, r[0].Unasked());
  // canmount=off (a container) is as safe as noauto.
  EXPECT_TRUE(CheckReplicaSafety({{"b/r"}}, {With(Safe("b/r"), "canmount", {"off", "local"})})[0].unsafe.empty());
}

TEST(ReplicaSafety, ExecSwitchedOnByHandIsUnsafeAndRepairedByOff) {
  auto r = CheckReplicaSafety({{"b/r"}}, {With(Safe("b/r"), "exec", {"on", "local"})});
  ASSERT_EQ(1u, r[0].unsafe.size());
  EXPECT_EQ((UnsafeProperty{"b/r", "exec", {"on", "local"}, std::string("off"), false}), r[0].unsafe[0]);
  EXPECT_EQ(1u, r[0].Unasked());
  EXPECT_EQ((std::vector<core::PropertyChange>{{core::DatasetName::Parse("b/r").value(), "exec", "off"}}),
            r[0].Repairs());
}

TEST(ReplicaSafety, DefaultsOfAFreshReceiveAreUnsafe) {
  // What a replica received before zpull forced anything looks like.
  core::DatasetProperties d{"b/r",
                            {{"type", {"filesystem", "-"}},
                             {"canmount", {"on", "default"}},
                             {"setuid", {"on", "default"}},
                             {"devices", {"on", "default"}},
                             {"exec", {"on", "default"}},
                             {"mountpoint", {"/etc", "received"}},
                             {"readonly", {"off", "default"}}}};
  auto r = CheckReplicaSafety({{"b/r", true}}, {d});
  EXPECT_EQ(6u, r[0].Unasked());  // canmount setuid devices exec mountpoint readonly
  auto repairs = r[0].Repairs();
  auto mp = std::find_if(repairs.begin(), repairs.end(), [](const auto& c) { return c.property == "mountpoint"; });
  ASSERT_NE(repairs.end(), mp);
  EXPECT_EQ(std::nullopt, mp->value) << "a received mountpoint is inherited away, never set";
  // readonly only counts where it is configured.
  EXPECT_EQ(5u, CheckReplicaSafety({{"b/r", false}}, {d})[0].Unasked());
}

TEST(ReplicaSafety, ALocalMountpointIsTheOperatorsChoice) {
  auto r = CheckReplicaSafety({{"b/r"}}, {With(Safe("b/r"), "mountpoint", {"/mnt/browse", "local"})});
  EXPECT_TRUE(r[0].unsafe.empty());
}

TEST(ReplicaSafety, ReceiveSetAsksOnPurpose) {
  SafetyTarget t{"b/r", false, {{"exec", "on"}}};
  auto r = CheckReplicaSafety({t}, {With(With(Safe("b/r"), "exec", {"on", "local"}), "setuid", {"on", "local"})});
  ASSERT_EQ(2u, r[0].unsafe.size());
  EXPECT_EQ(1u, r[0].Unasked()) << "exec=on was asked for; setuid=on was not";
  ASSERT_EQ(1u, r[0].Repairs().size());
  EXPECT_EQ("setuid", r[0].Repairs()[0].property);
  for (const auto& u : r[0].unsafe) EXPECT_EQ(u.property == "exec", u.asked);
}

TEST(ReplicaSafety, AGrandchildCountsForItsReplica) {
  // A hostile grandchild: below the replica, not configured itself.
  auto kid = With(With(Safe("b/r/x/kid"), "canmount", {"on", "received"}), "mountpoint", {"/etc", "received"});
  auto r = CheckReplicaSafety({{"b/r"}, {"b/other"}}, {Safe("b/r"), Safe("b/r/x"), kid, Safe("b/other")});
  EXPECT_EQ(2u, r[0].Unasked());
  EXPECT_EQ("b/r/x/kid", r[0].unsafe[0].dataset);
  auto mp = std::find_if(r[0].unsafe.begin(), r[0].unsafe.end(), [](const auto& u) { return u.property == "mountpoint"; });
  ASSERT_NE(r[0].unsafe.end(), mp);
  EXPECT_EQ(std::optional<std::string>("none"), mp->safe) << "zfs-fuse's inherit leaves a -R child's received value";
  EXPECT_EQ(0u, r[1].Unasked());
  // A configured child is its own target; b/rx is not below b/r.
  r = CheckReplicaSafety({{"b/r"}, {"b/r/x"}}, {Safe("b/r"), Safe("b/r/x"), kid, With(Safe("b/rx"), "exec", {"on", "local"})});
  EXPECT_EQ(0u, r[0].Unasked());
  EXPECT_EQ(2u, r[1].Unasked());
}

TEST(ReplicaSafety, Volumes) {
  core::DatasetProperties vol{"b/vol",
                              {{"type", {"volume", "-"}},
                               {"canmount", {"-", "-"}},
                               {"setuid", {"-", "-"}},
                               {"devices", {"-", "-"}},
                               {"exec", {"-", "-"}},
                               {"mountpoint", {"-", "-"}},
                               {"readonly", {"off", "default"}},
                               {"volmode", {"default", "default"}}}};
  auto r = CheckReplicaSafety({{"b/vol"}}, {vol});
  ASSERT_EQ(1u, r[0].Unasked());
  EXPECT_EQ("volmode", r[0].unsafe[0].property);
  EXPECT_EQ(std::optional<std::string>("none"), r[0].unsafe[0].safe);
  EXPECT_TRUE(CheckReplicaSafety({{"b/vol"}}, {With(vol, "volmode", {"none", "local"})})[0].unsafe.empty());
}

TEST(ReplicaSafety, OneListingPerRoot) {
  // One per pool: the deepest dataset containing all of that pool's targets.
  EXPECT_EQ((std::vector<std::string>{"b"}), SafetyRoots({{"b/a"}, {"b/a/x"}, {"b/c"}, {"b/a/x/y"}, {"b/c"}}));
  EXPECT_EQ((std::vector<std::string>{"b"}), SafetyRoots({{"b/a"}, {"b/ab"}}));
  EXPECT_EQ((std::vector<std::string>{"b/h/a"}), SafetyRoots({{"b/h/a/x"}, {"b/h/a/y/z"}, {"b/h/a"}}));
  EXPECT_EQ((std::vector<std::string>{"p1/x", "p2/y/z"}), SafetyRoots({{"p1/x"}, {"p2/y/z"}}));
  EXPECT_EQ((std::vector<std::string>{"b/h"}), SafetyRoots({{"b/h/web1"}, {"b/h/web2"}, {"b/h/web3"}}));
  EXPECT_EQ(6u, SafetyProperties(false).size());
  EXPECT_EQ("volmode", SafetyProperties(true).back());
}

}  // namespace
}  // namespace zpull::checks
