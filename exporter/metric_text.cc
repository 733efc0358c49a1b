#include "exporter/metric_text.h"

#include <charconv>
#include <cmath>

#include "core/safe_text.h"

namespace zpull::exporter {
namespace {

// HELP text escapes backslash and newline; label values also the quote.
// Text that is not printable ASCII (a vdev name from a source's zpool
// status) is made valid UTF-8 with visible escapes first.
void AppendEscaped(std::string& out, std::string_view text, bool quote) {
  // The common case, printable ASCII with nothing to escape, in one append.
  bool plain = true;
  for (const unsigned char c : text) {
    if (c < 0x20 || c > 0x7e || c == '\\' || c == '"') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += text;
    return;
  }
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

const char* TypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

MetricWriter::MetricWriter(Sink sink) : sink_(std::move(sink)) {
  if (sink_) out_.reserve(kFlushBytes + 4096);
}

void MetricWriter::Family(std::string_view name, std::string_view help, MetricType type) {
  name_.assign(name);
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  AppendEscaped(out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += TypeName(type);
  out_ += '\n';
}

void MetricWriter::Head(std::string_view suffix, Labels labels, std::string_view extra_name,
                        std::string_view extra_value) {
  out_ += name_;
  out_ += suffix;
  if (labels.size() != 0 || !extra_name.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& l : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += l.name;
      out_ += "=\"";
      AppendEscaped(out_, l.value, true);
      out_ += '"';
    }
    if (!extra_name.empty()) {
      if (!first) out_ += ',';
      out_ += extra_name;
      out_ += "=\"";
      out_ += extra_value;
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
}

void MetricWriter::EndLine() {
  out_ += '\n';
  ++series_;
  if (sink_ && out_.size() >= kFlushBytes) {
    sink_(out_);
    out_.clear();
  }
}

void MetricWriter::Sample(Labels labels, double value) {
  Head("", labels);
  AppendMetricValue(out_, value);
  EndLine();
}

void MetricWriter::Histogram(Labels labels, std::span<const double> bounds, std::span<const std::uint64_t> per_bucket,
                             std::uint64_t count, double sum) {
  Head("_count", labels);
  AppendUnsigned(out_, count);
  EndLine();
  Head("_sum", labels);
  AppendMetricValue(out_, sum);
  EndLine();
  std::uint64_t cumulative = 0;
  std::string bound;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += i < per_bucket.size() ? per_bucket[i] : 0;
    bound.clear();
    AppendMetricValue(bound, bounds[i]);
    Head("_bucket", labels, "le", bound);
    AppendUnsigned(out_, cumulative);
    EndLine();
  }
  Head("_bucket", labels, "le", "+Inf");
  AppendUnsigned(out_, count);
  EndLine();
}

void MetricWriter::Finish() {
  if (sink_ && !out_.empty()) {
    sink_(out_);
    out_.clear();
  }
}

std::string RenderMetrics(const MetricSources& sources) {
  MetricWriter w;
  for (const auto& s : sources) s->WriteMetrics(w);
  return w.Text();
}

std::string RenderMetrics(const MetricSource& source) {
  MetricWriter w;
  source.WriteMetrics(w);
  return w.Text();
}

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

}  // namespace zpull::exporter
