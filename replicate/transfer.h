#pragma once
// One `zfs send` streamed into one `zfs receive` through zpull's own relay,
// which counts the bytes as they flow.
//
// Contract: on success the receive completed and the byte count is the whole
// stream. On failure both commands have ended (the one still running is
// stopped: the receiver gets end-of-input, the sender loses its reader), and
// the error carries the classified reason and both sides' first stderr line.
// A relay that moves no byte for `stall_timeout` fails with `stalled`, one
// that outlives `total_timeout` with `timeout`, and one cancelled with
// `shutdown`; each ends within about a second of the cause (the receiver
// sees a truncated stream: it keeps a resume token where it was started
// with -s, and nothing partial otherwise).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/zfs.h"
#include "replicate/rate_limit.h"
#include "replicate/stream_check.h"

namespace zpull::replicate {

using ByteSink = std::function<void(std::uint64_t)>;

struct TransferLimits {
  std::chrono::milliseconds stall_timeout = std::chrono::minutes(10);
  std::chrono::milliseconds total_timeout{0};  // 0: none
  std::vector<RateLimit*> rate_limits;         // each applies (e.g. per dataset and global)
  const std::atomic<bool>* cancel = nullptr;   // true: abort with reason `shutdown`
  // The stream zpull asked for (stream_check.h): its first records are
  // checked before the receiver gets a byte; a stream that is not it fails
  // with `unexpected_stream` and the receiver gets nothing. Null: unchecked
  // (the stream comes from this host, as in a restore).
  const StreamExpectation* expect = nullptr;
};

// `on_bytes` gets stream bytes as they arrive, `on_wire_bytes` the bytes as
// they crossed the wire (fewer with send.wire_zstd; bandwidth limits count these).
core::Result<std::uint64_t> RunTransfer(core::Zfs& source, const core::SendSpec& send, core::Zfs& destination,
                                        const core::RecvSpec& recv, const ByteSink& on_bytes,
                                        const TransferLimits& limits = {}, const ByteSink& on_wire_bytes = {});

}  // namespace zpull::replicate
