#pragma once
// Failure classification from `zfs` exit codes and stderr texts (both
// dialects; docs/zfs-dialects.md §3, §8, §10). Pure functions.

#include <string_view>

#include "core/reason.h"

namespace zpull::core {

// The reason a failed `zfs recv` reports, from its stderr. kRecvFailed when
// no known text matches.
Reason ClassifyRecvError(std::string_view err);

// The reason a failed `zfs send` reports. kSendFailed when no known text
// matches (and for "Broken pipe": the receiver stopped first).
Reason ClassifySendError(std::string_view err);

// Combines both sides of a failed transfer: a specific receiver text wins
// (the sender's "Broken pipe" is its consequence), then a specific sender
// text, then whichever side failed.
Reason ClassifyTransfer(int send_exit, std::string_view send_err, int recv_exit, std::string_view recv_err);

// The reason for any other failed zfs command (snapshot, destroy, hold...).
Reason ClassifyZfsError(std::string_view err, Reason fallback);

}  // namespace zpull::core
