#include "exporter/metric_text.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <prometheus/text_serializer.h>

namespace zpull::exporter {
namespace {

const std::array<double, 2> kBounds = {1, 5};

// The same page twice: written by MetricWriter, and as prometheus-cpp
// families for its TextSerializer (the reference).
void WriteSample(MetricWriter& w) {
  w.Family("zpull_c_total", "A counter.", MetricType::kCounter);
  w.Sample({{"dataset", "tank/a"}, {"reason", "network"}}, 3);
  w.Sample({{"dataset", "odd \"name\" \\ with\nnewline"}}, 1795790000);
  w.Family("zpull_g", "A gauge.", MetricType::kGauge);
  w.Sample({}, 0.5);
  w.Sample({{"pool", "p"}}, -2);
  w.Family("zpull_empty", "No samples.", MetricType::kGauge);
  w.Family("zpull_h_seconds", "A histogram.", MetricType::kHistogram);
  const std::array<std::uint64_t, 2> per_bucket = {1, 2};
  w.Histogram({{"dataset", "tank/a"}}, kBounds, per_bucket, 4, 12.25);
}

std::vector<prometheus::MetricFamily> SampleFamilies() {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  prometheus::MetricFamily c{"zpull_c_total", "A counter.", MetricType::Counter, {}};
  prometheus::ClientMetric m;
  m.label = {{"dataset", "tank/a"}, {"reason", "network"}};
  m.counter.value = 3;
  c.metric.push_back(m);
  m.label = {{"dataset", "odd \"name\" \\ with\nnewline"}};
  m.counter.value = 1795790000;
  c.metric.push_back(m);
  out.push_back(c);
  prometheus::MetricFamily g{"zpull_g", "A gauge.", MetricType::Gauge, {}};
  m = {};
  m.gauge.value = 0.5;
  g.metric.push_back(m);
  m.label = {{"pool", "p"}};
  m.gauge.value = -2;
  g.metric.push_back(m);
  out.push_back(g);
  out.push_back({"zpull_empty", "No samples.", MetricType::Gauge, {}});
  prometheus::MetricFamily h{"zpull_h_seconds", "A histogram.", MetricType::Histogram, {}};
  m = {};
  m.label = {{"dataset", "tank/a"}};
  m.histogram.sample_count = 4;
  m.histogram.sample_sum = 12.25;
  m.histogram.bucket = {{1, 1}, {3, 5}, {4, std::numeric_limits<double>::infinity()}};
  h.metric.push_back(m);
  out.push_back(h);
  return out;
}

TEST(MetricText, SameTextAsPrometheusCppsSerializer) {
  MetricWriter w;
  WriteSample(w);
  EXPECT_EQ(w.Text(), prometheus::TextSerializer().Serialize(SampleFamilies()));
  EXPECT_EQ(w.Series(), 4u + 5u);  // 4 samples; the histogram's count, sum, 2 buckets and +Inf
}

// With a sink, the writer keeps about kFlushBytes and hands the rest on:
// the pieces make the same page, and none is much larger than the buffer.
TEST(MetricText, ASinkGetsThePageInPiecesOfBoundedSize) {
  std::string whole;
  std::size_t largest = 0, pieces = 0;
  MetricWriter w([&](std::string_view piece) {
    whole += piece;
    largest = std::max(largest, piece.size());
    ++pieces;
  });
  w.Family("zpull_many", "Many samples.", MetricType::kGauge);
  for (int i = 0; i < 20000; ++i) w.Sample({{"dataset", "tank/ds" + std::to_string(i)}}, i);
  EXPECT_LT(w.Text().size(), MetricWriter::kFlushBytes);
  w.Finish();
  EXPECT_EQ(w.Text(), "");
  MetricWriter reference;
  reference.Family("zpull_many", "Many samples.", MetricType::kGauge);
  for (int i = 0; i < 20000; ++i) reference.Sample({{"dataset", "tank/ds" + std::to_string(i)}}, i);
  EXPECT_EQ(whole, reference.Text());
  EXPECT_GT(pieces, 4u);
  EXPECT_LT(largest, MetricWriter::kFlushBytes + 256);
}

TEST(MetricText, EscapesHelpAsTheFormatRequires) {
  MetricWriter w;
  w.Family("zpull_x", "Back\\slash and\nnewline.", MetricType::kGauge);
  EXPECT_EQ(w.Text(), "# HELP zpull_x Back\\\\slash and\\nnewline.\n# TYPE zpull_x gauge\n");
}

// A vdev name from a source's zpool status: valid UTF-8 out, no control
// character raw, the format's escapes intact.
TEST(MetricText, LabelValuesFromASourceAreMadeSafe) {
  MetricWriter w;
  w.Family("zpull_vdev_errors", "Errors.", MetricType::kGauge);
  w.Sample({{"vdev", "ev\xff\x1b[2J\xc2\x9b\"q\\il"}, {"pool", "caf\xc3\xa9"}}, 1);
  EXPECT_EQ(w.Text(), "# HELP zpull_vdev_errors Errors.\n# TYPE zpull_vdev_errors gauge\n"
                      "zpull_vdev_errors{vdev=\"ev\xef\xbf\xbd\\\\x1b[2J\\\\u009b\\\"q\\\\il\",pool=\"caf\xc3\xa9\"} 1\n");
}

TEST(MetricText, ValuesReadBackExactly) {
  for (double v : {0.0, 1.0, -1.0, 0.1, 1.0 / 3, 1795790000.0, 1e20, 123456789.125, 5e-324, 9007199254740993.0}) {
    std::string s;
    AppendMetricValue(s, v);
    EXPECT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
  }
  std::string s;
  AppendMetricValue(s, 1795790000.0);
  EXPECT_EQ(s, "1795790000");
  s.clear();
  AppendMetricValue(s, std::nan(""));
  EXPECT_EQ(s, "NaN");
  s.clear();
  AppendMetricValue(s, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(s, "-Inf");
}

}  // namespace
}  // namespace zpull::exporter
