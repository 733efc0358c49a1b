#include "exporter/replication_metrics.h"

#include <gtest/gtest.h>


namespace zpull::exporter {
namespace {

std::string Render(const MetricSource& c) { return RenderMetrics(c); }

bool Has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

class MetricsTest : public ::testing::Test {
 protected:
  std::int64_t now_ = 10000;
  ReplicationMetrics m_{{"backup/a", "backup/b"}, [this] { return now_; }, Histograms()};
  static core::MetricDetail Histograms() {
    core::MetricDetail d;
    d.histograms = true;
    return d;
  }
};

TEST_F(MetricsTest, BeforeAnyCycleOnlyCountersAndRestoredState) {
  m_.RestoreFromDestination("backup/a", 9000, 8000);
  std::string t = Render(m_);
  EXPECT_TRUE(Has(t, "zpull_replication_last_success_timestamp_seconds{dataset=\"backup/a\"} 9000")) << t;
  EXPECT_TRUE(Has(t, "zpull_replication_newest_common_snapshot_timestamp_seconds{dataset=\"backup/a\"} 8000"));
  EXPECT_TRUE(Has(t, "zpull_replication_lag_seconds{dataset=\"backup/a\"} 2000"));
  // No fake zero lag for a dataset with nothing restored.
  EXPECT_EQ(t.find("zpull_replication_lag_seconds{dataset=\"backup/b\"}"), std::string::npos);
  EXPECT_TRUE(Has(t, "zpull_replication_runs_total{dataset=\"backup/b\"} 0"));
  // The total alerts use is there from the start; by reason at a first count.
  EXPECT_TRUE(Has(t, "zpull_replication_failed_runs_total{dataset=\"backup/b\"} 0"));
  EXPECT_TRUE(Has(t, "# TYPE zpull_replication_failures_total counter"));
  EXPECT_EQ(t.find("zpull_replication_failures_total{"), std::string::npos) << t;
  // Histograms are opt-in.
  EXPECT_EQ(Render(ReplicationMetrics({"backup/a"}, [] { return std::int64_t{1}; })).find("zpull_replication_duration_seconds"),
            std::string::npos);
}

// metrics: {detail: [zero_counters, histograms]}: every reason's series
// and the duration histogram from the start.
TEST(ReplicationMetricsDetail, ZeroCountersAndHistogramsOnRequest) {
  core::MetricDetail detail;
  detail.zero_counters = detail.histograms = true;
  ReplicationMetrics m({"backup/a"}, [] { return std::int64_t{100}; }, detail);
  const std::string t = Render(m);
  EXPECT_TRUE(Has(t, "zpull_replication_failures_total{dataset=\"backup/a\",reason=\"hostkey\"} 0")) << t;
  EXPECT_TRUE(Has(t, "zpull_replication_failures_total{dataset=\"backup/a\",reason=\"other\"} 0"));
  EXPECT_TRUE(Has(t, "zpull_replication_retries_total{dataset=\"backup/a\",reason=\"stalled\"} 0"));
  EXPECT_TRUE(Has(t, "zpull_replication_resumes_total{dataset=\"backup/a\"} 0"));
  EXPECT_TRUE(Has(t, "zpull_pruned_snapshots_total{dataset=\"backup/a\",side=\"source\"} 0"));
  EXPECT_TRUE(Has(t, "zpull_replication_duration_seconds_bucket{dataset=\"backup/a\",le=\"+Inf\"} 0"));
}

TEST_F(MetricsTest, LagIsComputedAtScrapeTime) {
  m_.RestoreFromDestination("backup/a", std::nullopt, 9000);
  now_ = 9500;
  EXPECT_TRUE(Has(Render(m_), "zpull_replication_lag_seconds{dataset=\"backup/a\"} 500"));
  now_ = 9600;
  EXPECT_TRUE(Has(Render(m_), "zpull_replication_lag_seconds{dataset=\"backup/a\"} 600"));
}

TEST_F(MetricsTest, CyclesUpdateEverything) {
  m_.CycleStarted("backup/a", 9990);
  m_.AddBytes("backup/a", 1000);
  std::string mid = Render(m_);
  EXPECT_TRUE(Has(mid, "zpull_replication_in_progress{dataset=\"backup/a\"} 1"));
  EXPECT_TRUE(Has(mid, "zpull_replication_bytes_total{dataset=\"backup/a\"} 1000"));
  EXPECT_TRUE(Has(mid, "zpull_replication_last_attempt_timestamp_seconds{dataset=\"backup/a\"} 9990"));
  EXPECT_EQ(mid.find("zpull_replication_expected_bytes{"), std::string::npos);  // no estimate: absent
  m_.SetExpectedBytes("backup/a", 123456);
  EXPECT_TRUE(Has(Render(m_), "zpull_replication_expected_bytes{dataset=\"backup/a\"} 123456"));
  m_.SetExpectedBytes("backup/a", 4);  // a second step of the cycle
  EXPECT_TRUE(Has(Render(m_), "zpull_replication_expected_bytes{dataset=\"backup/a\"} 123460"));
  EXPECT_TRUE(Has(Render(m_), "zpull_replication_cycle_bytes{dataset=\"backup/a\"} 1000"));

  replicate::CycleOutcome ok;
  ok.finished = 9995;
  ok.newest_common = core::SnapshotInfo{"s", 1, 1, 9900, 1};
  ok.source_snapshots = 4;
  ok.destination_snapshots = 3;
  ok.pruned_destination = 2;
  m_.CycleFinished("backup/a", ok, 4.5);
  replicate::CycleOutcome bad;
  bad.error = core::Error{core::Reason::kDiverged, "x"};
  m_.CycleStarted("backup/b", 9990);
  m_.CycleFinished("backup/b", bad, 0.5);

  std::string t = Render(m_);
  EXPECT_TRUE(Has(t, "zpull_replication_in_progress{dataset=\"backup/a\"} 0"));
  EXPECT_TRUE(Has(t, "zpull_replication_last_success_timestamp_seconds{dataset=\"backup/a\"} 9995"));
  EXPECT_TRUE(Has(t, "zpull_replication_lag_seconds{dataset=\"backup/a\"} 100"));
  EXPECT_TRUE(Has(t, "zpull_replication_runs_total{dataset=\"backup/a\"} 1"));
  EXPECT_TRUE(Has(t, "zpull_replication_last_duration_seconds{dataset=\"backup/a\"} 4.5"));
  EXPECT_TRUE(Has(t, "zpull_replication_duration_seconds_bucket{dataset=\"backup/a\",le=\"1\"} 0"));
  EXPECT_TRUE(Has(t, "zpull_replication_duration_seconds_bucket{dataset=\"backup/a\",le=\"5\"} 1"));
  EXPECT_TRUE(Has(t, "zpull_replication_duration_seconds_bucket{dataset=\"backup/a\",le=\"+Inf\"} 1"));
  EXPECT_TRUE(Has(t, "zpull_snapshots{dataset=\"backup/a\",side=\"source\"} 4"));
  EXPECT_TRUE(Has(t, "zpull_snapshots{dataset=\"backup/a\",side=\"destination\"} 3"));
  EXPECT_TRUE(Has(t, "zpull_pruned_snapshots_total{dataset=\"backup/a\",side=\"destination\"} 2"));
  EXPECT_TRUE(Has(t, "zpull_replication_failures_total{dataset=\"backup/b\",reason=\"diverged\"} 1"));
  EXPECT_TRUE(Has(t, "zpull_replication_failed_runs_total{dataset=\"backup/b\"} 1"));
  EXPECT_TRUE(Has(t, "zpull_replication_failed_runs_total{dataset=\"backup/a\"} 0"));
  EXPECT_EQ(t.find("zpull_replication_failures_total{dataset=\"backup/a\""), std::string::npos);
  EXPECT_EQ(t.find("zpull_replication_failures_total{dataset=\"backup/b\",reason=\"network\"}"), std::string::npos);
  EXPECT_EQ(t.find("zpull_pruned_snapshots_total{dataset=\"backup/a\",side=\"source\"}"), std::string::npos);
  EXPECT_TRUE(Has(t, "zpull_replication_runs_total{dataset=\"backup/b\"} 1"));
  EXPECT_EQ(t.find("zpull_replication_last_success_timestamp_seconds{dataset=\"backup/b\"}"), std::string::npos);
}

TEST_F(MetricsTest, ANewCycleStartsItsProgressFromZero) {
  m_.CycleStarted("backup/a", 100);
  m_.AddBytes("backup/a", 700);
  m_.SetExpectedBytes("backup/a", 1000);
  m_.CycleStarted("backup/a", 200);
  std::string t = Render(m_);
  EXPECT_TRUE(Has(t, "zpull_replication_cycle_bytes{dataset=\"backup/a\"} 0")) << t;
  EXPECT_TRUE(Has(t, "zpull_replication_bytes_total{dataset=\"backup/a\"} 700"));
  // The last cycle's estimate stays until this cycle's first replaces it.
  EXPECT_TRUE(Has(t, "zpull_replication_expected_bytes{dataset=\"backup/a\"} 1000"));
  m_.SetExpectedBytes("backup/a", 50);
  EXPECT_TRUE(Has(Render(m_), "zpull_replication_expected_bytes{dataset=\"backup/a\"} 50"));
}

TEST_F(MetricsTest, IntervalOnlyOnceSet) {
  EXPECT_FALSE(Has(Render(m_), "zpull_replication_interval_seconds{"));
  m_.SetInterval("backup/a", 900);
  EXPECT_TRUE(Has(Render(m_), "zpull_replication_interval_seconds{dataset=\"backup/a\"} 900"));
}

TEST_F(MetricsTest, RecoveryCounters) {
  // Rare events: no series until the first.
  std::string t = Render(m_);
  EXPECT_EQ(t.find("zpull_replication_retries_total{"), std::string::npos) << t;
  EXPECT_EQ(t.find("zpull_replication_resumes_total{"), std::string::npos);
  EXPECT_EQ(t.find("zpull_replication_resume_tokens_aborted_total{"), std::string::npos);
  EXPECT_EQ(t.find("zpull_replication_divergence_destroyed_snapshots_total{"), std::string::npos);
  EXPECT_EQ(t.find("zpull_source_prune_failures_total{"), std::string::npos);
  replicate::CycleOutcome o;
  o.finished = 9000;
  o.retried = {{core::Reason::kNetwork, "cut"}, {core::Reason::kNetwork, "cut"}, {core::Reason::kStreamCorrupt, "x"}};
  o.resumed = 1;
  o.tokens_aborted = 1;
  o.destroyed_on_divergence = {"x", "y"};
  m_.CycleFinished("backup/a", o, 3);
  t = Render(m_);
  EXPECT_TRUE(Has(t, "zpull_replication_retries_total{dataset=\"backup/a\",reason=\"network\"} 2")) << t;
  EXPECT_TRUE(Has(t, "zpull_replication_retries_total{dataset=\"backup/a\",reason=\"stream_corrupt\"} 1"));
  EXPECT_TRUE(Has(t, "zpull_replication_resumes_total{dataset=\"backup/a\"} 1"));
  EXPECT_TRUE(Has(t, "zpull_replication_resume_tokens_aborted_total{dataset=\"backup/a\"} 1"));
  EXPECT_TRUE(Has(t, "zpull_replication_divergence_destroyed_snapshots_total{dataset=\"backup/a\"} 2"));
  EXPECT_EQ(t.find("zpull_replication_resumes_total{dataset=\"backup/b\"}"), std::string::npos);
}

}  // namespace
}  // namespace zpull::exporter
