#include "exporter/metric_text.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "core/safe_text.h"

namespace zpull::exporter {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// HELP text escapes backslash and newline; label values also the quote.
// Text that is not printable ASCII (a vdev name from a source's zpool
// status) is made valid UTF-8 with visible escapes first (core/safe_text.h).
void AppendEscaped(std::string& out, std::string_view text, bool quote) {
  std::string safe;
  for (const unsigned char c : text) {
    if (c < 0x20 || c > 0x7e) {
      safe = core::SafeText(text, /*keep_lines=*/true);  // newline: the format's own escape below
      text = safe;
      break;
    }
  }
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void AppendUnsigned(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// name SUFFIX {labels[,extra="value"]} and the space before the value.
void AppendHead(std::string& out, const MetricFamily& family, const ClientMetric& metric, std::string_view suffix,
                std::string_view extra_name = {}, std::string_view extra_value = {}) {
  out += family.name;
  out += suffix;
  if (!metric.label.empty() || !extra_name.empty()) {
    out += '{';
    bool first = true;
    for (const auto& l : metric.label) {
      if (!first) out += ',';
      first = false;
      out += l.name;
      out += "=\"";
      AppendEscaped(out, l.value, true);
      out += '"';
    }
    if (!extra_name.empty()) {
      if (!first) out += ',';
      out += extra_name;
      out += "=\"";
      out += extra_value;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
}

void AppendTail(std::string& out, const ClientMetric& metric) {
  if (metric.timestamp_ms != 0) {
    out += ' ';
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, metric.timestamp_ms);
    out.append(buf, r.ptr);
  }
  out += '\n';
}

const char* TypeName(MetricType t) {
  switch (t) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Summary:
      return "summary";
    case MetricType::Histogram:
      return "histogram";
    case MetricType::Untyped:
      break;
  }
  return "untyped";
}

void AppendSample(std::string& out, const MetricFamily& f, const ClientMetric& m) {
  switch (f.type) {
    case MetricType::Counter:
    case MetricType::Gauge:
    case MetricType::Untyped:
      AppendHead(out, f, m, "");
      AppendMetricValue(out, f.type == MetricType::Counter ? m.counter.value
                             : f.type == MetricType::Gauge ? m.gauge.value
                                                            : m.untyped.value);
      AppendTail(out, m);
      return;
    case MetricType::Summary: {
      AppendHead(out, f, m, "_count");
      AppendUnsigned(out, m.summary.sample_count);
      AppendTail(out, m);
      AppendHead(out, f, m, "_sum");
      AppendMetricValue(out, m.summary.sample_sum);
      AppendTail(out, m);
      for (const auto& q : m.summary.quantile) {
        std::string bound;
        AppendMetricValue(bound, q.quantile);
        AppendHead(out, f, m, "", "quantile", bound);
        AppendMetricValue(out, q.value);
        AppendTail(out, m);
      }
      return;
    }
    case MetricType::Histogram: {
      const auto& h = m.histogram;
      AppendHead(out, f, m, "_count");
      AppendUnsigned(out, h.sample_count);
      AppendTail(out, m);
      AppendHead(out, f, m, "_sum");
      AppendMetricValue(out, h.sample_sum);
      AppendTail(out, m);
      bool ended = false;
      std::string bound;
      for (const auto& b : h.bucket) {
        bound.clear();
        AppendMetricValue(bound, b.upper_bound);
        AppendHead(out, f, m, "_bucket", "le", bound);
        AppendUnsigned(out, b.cumulative_count);
        AppendTail(out, m);
        ended = std::isinf(b.upper_bound) && b.upper_bound > 0;
      }
      if (!ended) {
        AppendHead(out, f, m, "_bucket", "le", "+Inf");
        AppendUnsigned(out, h.sample_count);
        AppendTail(out, m);
      }
      return;
    }
  }
}

}  // namespace

void AppendMetricValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value < 0 ? "-Inf" : "+Inf";
    return;
  }
  char buf[32];
  std::to_chars_result r;
  // Integers up to 2^53 are exact in a double: print them without exponent.
  if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(value));
  } else {
    r = std::to_chars(buf, buf + sizeof buf, value);
  }
  out.append(buf, r.ptr);
}

void AppendMetricText(std::string& out, const std::vector<MetricFamily>& families) {
  for (const auto& f : families) {
    out += "# HELP ";
    out += f.name;
    out += ' ';
    AppendEscaped(out, f.help, false);
    out += "\n# TYPE ";
    out += f.name;
    out += ' ';
    out += TypeName(f.type);
    out += '\n';
    for (const auto& m : f.metric) AppendSample(out, f, m);
  }
}

}  // namespace zpull::exporter
