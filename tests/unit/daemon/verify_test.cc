#include "daemon/verify.h"

#include <gtest/gtest.h>

namespace zpull::daemon {
namespace {

Severity Worst(const std::vector<Finding>& f) {
  Severity s = Severity::kOk;
  for (const auto& x : f) s = std::max(s, x.severity);
  return s;
}

TEST(ParityFindings, SeverityMapping) {
  const std::int64_t now = 100000, interval = 900;
  checks::ParityReport ok;
  ok.destination_exists = true;
  ok.newest_source_creation = now - 100;
  EXPECT_EQ(Worst(ParityFindings(ok, now, interval)), Severity::kOk);
  auto late = ok;
  late.not_replicated = 3;
  late.oldest_not_replicated_creation = now - 3 * interval;
  EXPECT_EQ(Worst(ParityFindings(late, now, interval)), Severity::kWarning);
  auto stale_source = ok;
  stale_source.newest_source_creation = now - 3 * interval;
  EXPECT_EQ(Worst(ParityFindings(stale_source, now, interval)), Severity::kWarning);
  for (auto field : {&checks::ParityReport::holes, &checks::ParityReport::guid_mismatches,
                     &checks::ParityReport::diverged}) {
    auto bad = ok;
    (bad.*field).push_back("x");
    EXPECT_EQ(Worst(ParityFindings(bad, now, interval)), Severity::kCritical);
  }
  auto modified = ok;
  modified.destination_written = 8192;
  EXPECT_EQ(Worst(ParityFindings(modified, now, interval)), Severity::kCritical);
  auto clean = ok;
  clean.destination_written = 0;
  EXPECT_EQ(Worst(ParityFindings(clean, now, interval)), Severity::kOk);
  auto missing = ok;
  missing.destination_exists = false;
  EXPECT_EQ(Worst(ParityFindings(missing, now, interval)), Severity::kCritical);
}

TEST(PoolFindings, SeverityMapping) {
  const std::int64_t now = 100 * 86400;
  core::PoolStatus st;
  st.state = "ONLINE";
  st.data_errors = 0;
  st.vdevs = {{"p", "ONLINE", 0, 0, 0, std::nullopt, 0}};
  st.scrub = core::ScanInfo{core::ScanState::kFinished, now - 86400, std::nullopt, 60, 0};
  EXPECT_EQ(Worst(PoolFindings(st, now, 30 * 86400)), Severity::kOk);
  auto old = st;
  old.scrub->end_time = now - 40 * 86400;
  EXPECT_EQ(Worst(PoolFindings(old, now, 30 * 86400)), Severity::kWarning);
  EXPECT_EQ(Worst(PoolFindings(old, now, std::nullopt)), Severity::kOk);
  auto never = st;
  never.scrub = core::ScanInfo{core::ScanState::kNone};
  EXPECT_EQ(Worst(PoolFindings(never, now, std::nullopt)), Severity::kWarning);
  auto counters = st;
  counters.vdevs[0].checksum_errors = 3;
  EXPECT_EQ(Worst(PoolFindings(counters, now, std::nullopt)), Severity::kWarning);
  auto found = st;
  found.scrub->errors = 8;
  EXPECT_EQ(Worst(PoolFindings(found, now, std::nullopt)), Severity::kCritical);
  auto permanent = st;
  permanent.data_errors = 1;
  EXPECT_EQ(Worst(PoolFindings(permanent, now, std::nullopt)), Severity::kCritical);
  auto degraded = st;
  degraded.state = "DEGRADED";
  EXPECT_EQ(Worst(PoolFindings(degraded, now, std::nullopt)), Severity::kCritical);
}

}  // namespace
}  // namespace zpull::daemon

namespace zpull::daemon {
namespace {

TEST(SafetyFindings, UnaskedIsCriticalAskedIsWarning) {
  checks::SafetyReport r{"b/r", {}};
  EXPECT_EQ(Worst(SafetyFindings(r)), Severity::kOk);
  r.unsafe.push_back({"b/r", "exec", {"on", "local"}, std::string("off"), /*asked=*/true});
  EXPECT_EQ(Worst(SafetyFindings(r)), Severity::kWarning);
  EXPECT_NE(SafetyFindings(r)[0].text.find("exec=on on b/r (local): unsafe, as receive.set asks"), std::string::npos)
      << SafetyFindings(r)[0].text;
  r.unsafe.push_back({"b/r/kid", "mountpoint", {"/etc", "received"}, std::nullopt, false});
  auto f = SafetyFindings(r);
  EXPECT_EQ(Worst(f), Severity::kCritical);
  EXPECT_NE(f[1].text.find("mountpoint=/etc on b/r/kid (received)"), std::string::npos) << f[1].text;
  EXPECT_NE(f[1].text.find("inherited"), std::string::npos) << f[1].text;
}

}  // namespace
}  // namespace zpull::daemon
