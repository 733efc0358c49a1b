#pragma once
// Building prometheus-cpp metric families by hand, for the collectables that
// render cached state at scrape time.

#include <string>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>

namespace zpull::exporter {

inline prometheus::MetricFamily NewFamily(const char* name, const char* help, prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

// Appends one sample; counter or gauge according to the family's type.
inline void AddSample(prometheus::MetricFamily& f, std::vector<prometheus::ClientMetric::Label> labels, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  if (f.type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
}

// The families of a Collect(), moved rather than copied (an initializer
// list would copy every sample).
template <class... F>
std::vector<prometheus::MetricFamily> Families(F&... families) {
  std::vector<prometheus::MetricFamily> out;
  out.reserve(sizeof...(families));
  (out.push_back(std::move(families)), ...);
  return out;
}

}  // namespace zpull::exporter
