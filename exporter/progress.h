#pragma once
// `zpull once` on a terminal: a live line per running transfer (bytes,
// rate, ETA where zfs send -nvP estimates), redrawn in place twice a
// second and erased when the run ends. Only for a terminal: the caller
// checks isatty.

#include <atomic>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "exporter/replication_metrics.h"

namespace zpull::exporter {

// The lines for the datasets that have a cycle running now. Pure.
std::vector<std::string> ProgressLines(std::int64_t now, const std::vector<std::string>& names,
                                       const std::vector<ReplicationMetrics::View>& views);

class ProgressDisplay {
 public:
  ProgressDisplay(const ReplicationMetrics& metrics, std::vector<std::string> names, std::FILE* out,
                  std::function<std::int64_t()> now);
  ~ProgressDisplay();  // stops and erases what it drew
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

 private:
  void Draw(const std::vector<std::string>& lines);
  const ReplicationMetrics& metrics_;
  const std::vector<std::string> names_;
  std::FILE* out_;
  std::function<std::int64_t()> now_;
  std::size_t drawn_ = 0;  // lines on screen; display thread only
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace zpull::exporter
