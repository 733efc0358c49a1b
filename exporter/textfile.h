#pragma once
// `zpull once --textfile PATH`: the run's metrics in the node_exporter
// textfile-collector format, for cron users without a daemon. Counters
// (and histogram buckets, sums and counts) carry forward from the previous
// file, so increase()/rate() over them work across runs; gauges are this
// run's (last success and the newest common snapshot are read back from
// ZFS). The lag gauge is left out: a file is read long after it is
// written, so alert on time() - zpull_replication_newest_common_snapshot_timestamp_seconds.

#include <string>
#include <string_view>

#include "core/result.h"

namespace zpull::exporter {

// Pure: `current` (text format) with every counter-like sample increased by
// the same series' value in `previous`. A counter-like series only in
// `previous` (a reason this run did not count: such series appear at their
// first count) is kept, after its family's samples, unless its family is
// gone, its dataset is no longer in `current`, or its value is 0 (what
// older versions wrote for every reason).
std::string CarryForwardCounters(std::string_view previous, std::string_view current);

// Pure: `text` without the samples, HELP and TYPE lines of `family`.
std::string WithoutFamily(std::string_view text, std::string_view family);

// Writes `text` to `path` atomically (a temporary file in the same
// directory, fsync, rename), mode 0644.
core::Status WriteFileAtomically(const std::string& path, const std::string& text);

}  // namespace zpull::exporter
