// The series budget of docs/metrics.md: with the default configuration a
// dataset in steady state (replicated and pruning, a drill passed, parity
// and inventory taken on OpenZFS with each side's space and the source's
// written, a source snapshot not yet replicated) has at most 44 series on
// /metrics. A new per-dataset family fails this
// unless it fits or is opt-in (core/metric_detail.h).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "exporter/check_metrics.h"
#include "exporter/inventory_metrics.h"
#include "exporter/replication_metrics.h"

namespace zpull::exporter {
namespace {

constexpr std::int64_t kNow = 1795790000;
const std::string kDataset = "backup/src1/data";

// Lines of `text` with a label whose value is kDataset.
std::size_t SeriesOf(const std::string& text) {
  std::size_t n = 0;
  const std::string needle = "=\"" + kDataset + "\"";
  for (std::size_t p = 0; (p = text.find(needle, p)) != std::string::npos; p += needle.size()) ++n;
  return n;
}

MetricSources SteadyState(core::MetricDetail detail) {
  auto replication = std::make_shared<ReplicationMetrics>(std::vector<std::string>{kDataset}, [] { return kNow; }, detail);
  replication->SetInterval(kDataset, 900);
  replication->CycleStarted(kDataset, kNow - 60);
  replication->AddBytes(kDataset, 100);
  replication->AddWireBytes(kDataset, 100);
  replication->SetExpectedBytes(kDataset, 100);
  replicate::CycleOutcome o;
  o.newest_common = core::SnapshotInfo{"zpull_x", 1, 1, kNow - 60, 1};
  o.source_snapshots = o.destination_snapshots = 10;
  o.pruned_source = o.pruned_destination = 1;
  o.finished = kNow - 50;
  replication->CycleFinished(kDataset, o, 10);

  auto checks = std::make_shared<CheckMetrics>(detail);
  checks::ParityReport parity;
  parity.destination_exists = true;
  parity.not_replicated = 1;
  parity.oldest_not_replicated_creation = kNow - 30;
  parity.newest_source_creation = kNow - 30;
  parity.destination_written = 0;
  checks->SetParity(kDataset, parity);
  checks->SetSpace(kDataset, checks::DatasetSpace{1000, 100, 10, 900, 90});
  checks->SetUnsafeProperties(kDataset, 0);
  for (const char* check : {"parity", "replica_safety", "inventory", "drill"}) {
    checks->RecordResult(check, "src1", kDataset, true);
    checks->RecordPass(check, "src1", 1, kNow);
  }
  CheckMetrics::DrillState drill;
  drill.last_run = drill.last_success = kNow - 3600;
  drill.last_outcome = "ok";
  drill.seconds = 5;
  drill.covered_ratio = 0.5;
  drill.restore_bytes_per_second = 1e8;
  drill.estimated_restore_seconds = 60;
  checks->SetDrill(kDataset, drill);
  checks->SetDrillInterval(kDataset, 86400);

  auto inventory = std::make_shared<InventoryMetrics>(detail);
  checks::Inventory inv;
  inv.source_holds = inv.destination_holds = checks::HoldSummary{1, kNow - 3600};
  inv.bookmarks = 1;
  inv.resume_token = false;
  inventory->Set(kDataset, inv, kNow);
  return {replication, checks, inventory};
}

TEST(SeriesBudget, ADatasetInSteadyStateHasAtMost44Series) {
  const std::string page = RenderMetrics(SteadyState({}));
  EXPECT_LE(SeriesOf(page), 44u) << page;
  EXPECT_GE(SeriesOf(page), 40u) << "the steady state above lost families: " << page;
}

// The whole default page of that dataset, byte for byte: what a change to
// a family's name, labels, order, HELP or number format does shows here.
// ZPULL_UPDATE_GOLDEN=1 rewrites the file.
TEST(SeriesBudget, TheDefaultPageMatchesItsGoldenFile) {
  const std::string page = RenderMetrics(SteadyState({}));
  const std::string path = std::string(ZPULL_TEST_FIXTURES_DIR) + "/metrics-steady-state.prom";
  if (std::getenv("ZPULL_UPDATE_GOLDEN")) std::ofstream(path) << page;
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(page, golden.str());
}

TEST(SeriesBudget, EveryDetailGroupAddsSeries) {
  const std::size_t base = SeriesOf(RenderMetrics(SteadyState({})));
  for (auto name : core::MetricDetail::kNames) {
    core::MetricDetail detail;
    ASSERT_TRUE(detail.Enable(name));
    EXPECT_GT(SeriesOf(RenderMetrics(SteadyState(detail))), base) << name;
  }
}

}  // namespace
}  // namespace zpull::exporter
