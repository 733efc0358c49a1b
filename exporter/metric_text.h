#pragma once
// The Prometheus text exposition format (0.0.4) of prometheus-cpp metric
// families, written straight into a string: what /metrics and the textfile
// output serve. Same lines as prometheus::TextSerializer (HELP and TYPE also
// for a family without samples, one line per sample; histograms as _count,
// _sum, cumulative _bucket lines ending in le="+Inf"), numbers in their
// shortest exact form, HELP escaped as the format requires (TextSerializer
// does not), and without its per-value ostream formatting, which cost two
// thirds of a scrape at 1,000 datasets (docs/performance.md).

#include <string>
#include <vector>

#include <prometheus/metric_family.h>

namespace zpull::exporter {

void AppendMetricText(std::string& out, const std::vector<prometheus::MetricFamily>& families);

// A sample value: integers exactly as integers, others in the shortest form
// that reads back to the same double; NaN, +Inf, -Inf.
void AppendMetricValue(std::string& out, double value);

}  // namespace zpull::exporter
