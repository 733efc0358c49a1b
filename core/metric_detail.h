#pragma once
// The opt-in metric families, `metrics: {detail: [...]}` in the
// configuration (docs/metrics.md, "Series budget"): by default /metrics
// carries at most 44 series per dataset; each group named here adds its
// families.

#include <array>
#include <cstddef>
#include <string_view>

namespace zpull::core {

struct MetricDetail {
  bool histograms = false;      // zpull_replication_duration_seconds per dataset
  bool drill_outcomes = false;  // zpull_drill_last_outcome for every outcome, zpull_drill_failures_total
  bool drill_details = false;   // the last drill's file and byte counts, restore throughput
  bool inventory = false;       // zpull_holds, zpull_bookmarks, zpull_parity_destination_exists
  bool zero_counters = false;   // counters by reason and rare-event counters also while 0

  static constexpr std::array<std::string_view, 5> kNames = {"histograms", "drill_outcomes", "drill_details",
                                                             "inventory", "zero_counters"};

  // Turns the group `name` on; false if there is no such group.
  bool Enable(std::string_view name) {
    bool* groups[] = {&histograms, &drill_outcomes, &drill_details, &inventory, &zero_counters};
    static_assert(std::size(groups) == kNames.size());
    for (std::size_t i = 0; i < kNames.size(); ++i) {
      if (kNames[i] == name) {
        *groups[i] = true;
        return true;
      }
    }
    return false;
  }
};

}  // namespace zpull::core
