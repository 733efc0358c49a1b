#include "core/reason.h"

namespace zpull::core {

std::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kHostkey: return "hostkey";
    case Reason::kAuth: return "auth";
    case Reason::kNetwork: return "network";
    case Reason::kTimeout: return "timeout";
    case Reason::kStalled: return "stalled";
    case Reason::kSourceMissing: return "source_missing";
    case Reason::kDestinationMissing: return "destination_missing";
    case Reason::kDiverged: return "diverged";
    case Reason::kNoCommonSnapshot: return "no_common_snapshot";
    case Reason::kDestinationModified: return "destination_modified";
    case Reason::kStaleResumeToken: return "stale_resume_token";
    case Reason::kSendFailed: return "send_failed";
    case Reason::kRecvFailed: return "recv_failed";
    case Reason::kStreamCorrupt: return "stream_corrupt";
    case Reason::kOutOfSpace: return "out_of_space";
    case Reason::kLockBusy: return "lock_busy";
    case Reason::kShutdown: return "shutdown";
    case Reason::kConfig: return "config";
    case Reason::kHookFailed: return "hook_failed";
    case Reason::kUnexpectedStream: return "unexpected_stream";
    case Reason::kOther: return "other";
  }
  return "other";
}

}  // namespace zpull::core
