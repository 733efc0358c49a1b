#include "exporter/metric_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <prometheus/text_serializer.h>

#include "exporter/metric_family.h"

namespace zpull::exporter {
namespace {

using prometheus::MetricType;

std::vector<prometheus::MetricFamily> Sample() {
  std::vector<prometheus::MetricFamily> out;
  auto c = NewFamily("zpull_c_total", "A counter.", MetricType::Counter);
  AddSample(c, {{"dataset", "tank/a"}, {"reason", "network"}}, 3);
  AddSample(c, {{"dataset", "odd \"name\" \\ with\nnewline"}}, 1795790000);
  out.push_back(c);
  auto g = NewFamily("zpull_g", "A gauge.", MetricType::Gauge);
  AddSample(g, {}, 0.5);
  AddSample(g, {{"pool", "p"}}, -2);
  out.push_back(g);
  out.push_back(NewFamily("zpull_empty", "No samples.", MetricType::Gauge));
  auto h = NewFamily("zpull_h_seconds", "A histogram.", MetricType::Histogram);
  prometheus::ClientMetric m;
  m.label = {{"dataset", "tank/a"}};
  m.histogram.sample_count = 4;
  m.histogram.sample_sum = 12.25;
  m.histogram.bucket = {{1, 1}, {3, 5}, {4, std::numeric_limits<double>::infinity()}};
  h.metric.push_back(m);
  m.histogram.bucket = {{1, 0.25}, {2, 60}};  // no +Inf bucket given
  m.label = {{"dataset", "tank/b"}};
  h.metric.push_back(m);
  out.push_back(h);
  return out;
}

TEST(MetricText, SameTextAsPrometheusCppsSerializer) {
  const auto families = Sample();
  std::string ours;
  AppendMetricText(ours, families);
  EXPECT_EQ(ours, prometheus::TextSerializer().Serialize(families));
}

TEST(MetricText, EscapesHelpAsTheFormatRequires) {
  std::string out;
  AppendMetricText(out, {NewFamily("zpull_x", "Back\\slash and\nnewline.", MetricType::Gauge)});
  EXPECT_EQ(out, "# HELP zpull_x Back\\\\slash and\\nnewline.\n# TYPE zpull_x gauge\n");
}

// A vdev name from a source's zpool status: valid UTF-8 out, no control
// character raw, the format's escapes intact.
TEST(MetricText, LabelValuesFromASourceAreMadeSafe) {
  auto g = NewFamily("zpull_vdev_errors", "Errors.", MetricType::Gauge);
  AddSample(g, {{"vdev", "ev\xff\x1b[2J\xc2\x9b\"q\\il"}, {"pool", "caf\xc3\xa9"}}, 1);
  std::string out;
  AppendMetricText(out, {g});
  EXPECT_EQ(out, "# HELP zpull_vdev_errors Errors.\n# TYPE zpull_vdev_errors gauge\n"
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
