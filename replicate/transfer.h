#pragma once
// One `zfs send` streamed into one `zfs receive` through zpull's own relay,
// which counts the bytes as they flow.
//
// Contract: on success the receive completed and the byte count is the whole
// stream. On failure both commands have ended (the one still running is
// stopped: the receiver gets end-of-input, the sender loses its reader), and
// the error carries the classified reason and both sides' first stderr line.

#include <cstdint>
#include <functional>

#include "core/zfs.h"

namespace zpull::replicate {

using ByteSink = std::function<void(std::uint64_t)>;

core::Result<std::uint64_t> RunTransfer(core::Zfs& source, const core::SendSpec& send, core::Zfs& destination,
                                        const core::RecvSpec& recv, const ByteSink& on_bytes);

}  // namespace zpull::replicate
