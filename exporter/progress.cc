#include "exporter/progress.h"

#include <algorithm>
#include <chrono>

#include "exporter/status.h"

namespace zpull::exporter {

std::vector<std::string> ProgressLines(std::int64_t now, const std::vector<std::string>& names,
                                       const std::vector<ReplicationMetrics::View>& views) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < names.size() && i < views.size(); ++i) {
    if (views[i].in_progress) width = std::max(width, names[i].size());
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < names.size() && i < views.size(); ++i) {
    const auto& v = views[i];
    if (!v.in_progress) continue;
    const auto rate = TransferRate(v.cycle_bytes, now - v.last_attempt.value_or(now));
    out.push_back(names[i] + std::string(width - names[i].size() + 2, ' ') +
                  TransferText(v.cycle_bytes, v.expected_bytes, rate, TransferEta(v.cycle_bytes, v.expected_bytes, rate)));
  }
  return out;
}

ProgressDisplay::ProgressDisplay(const ReplicationMetrics& metrics, std::vector<std::string> names, std::FILE* out,
                                 std::function<std::int64_t()> now)
    : metrics_(metrics), names_(std::move(names)), out_(out), now_(std::move(now)) {
  thread_ = std::thread([this] {
    while (!stop_) {
      std::vector<ReplicationMetrics::View> views;
      for (const auto& n : names_) views.push_back(metrics_.ViewOf(n));
      Draw(ProgressLines(now_(), names_, views));
      for (int i = 0; i < 5 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    Draw({});
  });
}

ProgressDisplay::~ProgressDisplay() {
  stop_ = true;
  thread_.join();
}

void ProgressDisplay::Draw(const std::vector<std::string>& lines) {
  // Back to the first line drawn last time, erase to the end of the screen.
  if (drawn_ > 0) std::fprintf(out_, "\033[%zuA\r", drawn_);
  std::fputs("\033[J", out_);
  for (const auto& l : lines) std::fprintf(out_, "%s\n", l.c_str());
  std::fflush(out_);
  drawn_ = lines.size();
}

}  // namespace zpull::exporter
