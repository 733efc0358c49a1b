#include "exporter/check_metrics.h"

#include <gtest/gtest.h>

namespace zpull::exporter {
namespace {

bool Has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

// A drill that found a mismatch, and one failure counted.
void Drill(CheckMetrics& m) {
  CheckMetrics::DrillState d;
  d.last_run = 100;
  d.last_outcome = "mismatch";
  d.seconds = 5;
  d.files_verified = 7;
  d.mismatches = 1;
  d.covered_ratio = 0.5;
  d.restore_bytes_per_second = 1000;
  m.SetDrill("backup/a", d);
  m.CountDrillFailure("backup/a", checks::DrillFailure::kMismatch);
}

// The series budget (docs/metrics.md): one outcome series, the drill's
// counts and failures by reason left out, pass timings without a target.
TEST(CheckMetrics, ByDefaultDrillsAndPassesKeepToTheBudget) {
  CheckMetrics m;
  Drill(m);
  m.RecordPass("parity", "src1", 0.5, 90);
  m.RecordResult("parity", "src1", "backup/a", true);
  m.RecordResult("drill", "src1", "backup/a", true);
  m.RecordRun("scrub", "local", "backup", true, 2, 80);
  const std::string t = RenderMetrics(m);
  EXPECT_TRUE(Has(t, "zpull_drill_last_outcome{dataset=\"backup/a\",outcome=\"mismatch\"} 1")) << t;
  EXPECT_EQ(t.find("zpull_drill_last_outcome{dataset=\"backup/a\",outcome=\"ok\"}"), std::string::npos);
  EXPECT_TRUE(Has(t, "zpull_drill_files_covered_ratio{dataset=\"backup/a\"} 0.5"));
  for (const char* opt_in : {"zpull_drill_files_verified", "zpull_drill_mismatches",
                             "zpull_drill_restore_bytes_per_second", "zpull_drill_files_unreadable"}) {
    EXPECT_EQ(t.find(opt_in), std::string::npos) << opt_in;
  }
  // Failures by reason from the first of each.
  EXPECT_TRUE(Has(t, "zpull_drill_failures_total{dataset=\"backup/a\",reason=\"mismatch\"} 1"));
  EXPECT_EQ(t.find("zpull_drill_failures_total{dataset=\"backup/a\",reason=\"io_error\"}"), std::string::npos);
  EXPECT_TRUE(Has(t, "zpull_check_success{check=\"parity\",host=\"src1\",target=\"backup/a\"} 1"));
  EXPECT_TRUE(Has(t, "zpull_check_success{check=\"drill\",host=\"src1\",target=\"backup/a\"} 1"));
  EXPECT_TRUE(Has(t, "zpull_check_duration_seconds{check=\"parity\",host=\"src1\"} 0.5"));
  EXPECT_TRUE(Has(t, "zpull_check_last_run_timestamp_seconds{check=\"parity\",host=\"src1\"} 90"));
  EXPECT_TRUE(Has(t, "zpull_check_duration_seconds{check=\"scrub\",host=\"local\",target=\"backup\"} 2"));
  // Per dataset, a check has its success only.
  EXPECT_EQ(t.find("zpull_check_duration_seconds{check=\"parity\",host=\"src1\",target="), std::string::npos);
  EXPECT_EQ(t.find("zpull_check_duration_seconds{check=\"drill\""), std::string::npos);
}

TEST(CheckMetrics, DetailGroupsBringTheirFamilies) {
  core::MetricDetail detail;
  detail.drill_outcomes = detail.drill_details = true;
  CheckMetrics m(detail);
  Drill(m);
  const std::string t = RenderMetrics(m);
  EXPECT_TRUE(Has(t, "zpull_drill_last_outcome{dataset=\"backup/a\",outcome=\"mismatch\"} 1")) << t;
  EXPECT_TRUE(Has(t, "zpull_drill_last_outcome{dataset=\"backup/a\",outcome=\"ok\"} 0"));
  EXPECT_TRUE(Has(t, "zpull_drill_failures_total{dataset=\"backup/a\",reason=\"mismatch\"} 1"));
  EXPECT_TRUE(Has(t, "zpull_drill_failures_total{dataset=\"backup/a\",reason=\"io_error\"} 0"));
  EXPECT_TRUE(Has(t, "zpull_drill_files_verified{dataset=\"backup/a\"} 7"));
  EXPECT_TRUE(Has(t, "zpull_drill_mismatches{dataset=\"backup/a\"} 1"));
  EXPECT_TRUE(Has(t, "zpull_drill_restore_bytes_per_second{dataset=\"backup/a\"} 1000"));
}

// With drill_outcomes every drilled dataset has every reason: the counted
// ones where they were counted, 0 elsewhere (the datasets and their failures
// are walked together).
TEST(CheckMetrics, EveryReasonOfEveryDrilledDatasetWithDrillOutcomes) {
  core::MetricDetail detail;
  detail.drill_outcomes = true;
  CheckMetrics m(detail);
  CheckMetrics::DrillState d;
  d.last_run = 1;
  d.last_outcome = "ok";
  for (const char* dataset : {"backup/a", "backup/b", "backup/c"}) m.SetDrill(dataset, d);
  m.CountDrillFailure("backup/b", checks::DrillFailure::kMismatch);
  m.CountDrillFailure("backup/b", checks::DrillFailure::kMismatch);
  const std::string t = RenderMetrics(m);
  EXPECT_TRUE(Has(t, "zpull_drill_failures_total{dataset=\"backup/b\",reason=\"mismatch\"} 2")) << t;
  EXPECT_TRUE(Has(t, "zpull_drill_failures_total{dataset=\"backup/b\",reason=\"io_error\"} 0"));
  for (const char* dataset : {"backup/a", "backup/c"}) {
    EXPECT_TRUE(Has(t, std::string("zpull_drill_failures_total{dataset=\"") + dataset + "\",reason=\"mismatch\"} 0"));
  }
}

}  // namespace
}  // namespace zpull::exporter
