#pragma once
// The Prometheus text exposition format (0.0.4), written family by family
// from zpull's own state: no object per sample, and a page of any size costs
// the writer one buffer of about kFlushBytes when it has a sink. The lines
// are those of prometheus::TextSerializer (HELP and TYPE also for a family
// without samples; histograms as _count, _sum, cumulative _bucket lines
// ending in le="+Inf"), numbers in their shortest exact form, HELP escaped
// as the format requires, label values made valid text (core/safe_text.h).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zpull::exporter {

enum class MetricType { kCounter, kGauge, kHistogram };

struct Label {
  std::string_view name, value;
};
using Labels = std::initializer_list<Label>;

class MetricWriter {
 public:
  // Receives the text in pieces of about kFlushBytes, and the rest at
  // Finish(). Without a sink the whole page stays in Text().
  using Sink = std::function<void(std::string_view)>;
  static constexpr std::size_t kFlushBytes = 64 * 1024;

  explicit MetricWriter(Sink sink = {});

  // Starts a family: its HELP and TYPE lines.
  void Family(std::string_view name, std::string_view help, MetricType type);
  // A sample of the current counter or gauge family.
  void Sample(Labels labels, double value);
  // A sample of the current histogram family from per-bucket (not
  // cumulative) counts over `bounds`; the +Inf bucket is `count`.
  void Histogram(Labels labels, std::span<const double> bounds, std::span<const std::uint64_t> per_bucket,
                 std::uint64_t count, double sum);
  // Hands what is left to the sink.
  void Finish();

  // The text not yet handed to a sink (with none: the whole page).
  const std::string& Text() const { return out_; }
  // Sample lines written so far.
  std::size_t Series() const { return series_; }

 private:
  void Head(std::string_view suffix, Labels labels, std::string_view extra_name = {},
            std::string_view extra_value = {});
  void EndLine();

  Sink sink_;
  std::string out_;
  std::string name_;
  std::size_t series_ = 0;
};

// What /metrics and the textfile are made of.
class MetricSource {
 public:
  virtual ~MetricSource() = default;
  // Writes this source's families in its /metrics order. Holds the source's
  // lock only while copying its state: `out` may hand text to a slow client.
  virtual void WriteMetrics(MetricWriter& out) const = 0;
};
using MetricSources = std::vector<std::shared_ptr<const MetricSource>>;

// The whole page in memory (textfile, tests).
std::string RenderMetrics(const MetricSources& sources);
std::string RenderMetrics(const MetricSource& source);

// A sample value: integers exactly as integers, others in the shortest form
// that reads back to the same double; NaN, +Inf, -Inf.
void AppendMetricValue(std::string& out, double value);

}  // namespace zpull::exporter
