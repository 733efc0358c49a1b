#pragma once
// The fixed list of failure reasons (docs/failure-reasons.md documents each
// with its usual remedy). Every failure zpull counts carries exactly one of
// these; later features may extend the list only together with that document.

#include <array>
#include <string_view>

namespace zpull::core {

enum class Reason {
  kHostkey,
  kAuth,
  kNetwork,
  kTimeout,
  kStalled,
  kSourceMissing,
  kDestinationMissing,
  kDiverged,
  kNoCommonSnapshot,
  kDestinationModified,
  kStaleResumeToken,
  kSendFailed,
  kRecvFailed,
  kStreamCorrupt,
  kOutOfSpace,
  kLockBusy,
  kShutdown,
  kConfig,
  kHookFailed,
  kUnexpectedStream,
  kOther,
};

inline constexpr std::array<Reason, 21> kAllReasons = {
    Reason::kHostkey,          Reason::kAuth,
    Reason::kNetwork,          Reason::kTimeout,
    Reason::kStalled,          Reason::kSourceMissing,
    Reason::kDestinationMissing, Reason::kDiverged,
    Reason::kNoCommonSnapshot, Reason::kDestinationModified,
    Reason::kStaleResumeToken, Reason::kSendFailed,
    Reason::kRecvFailed,       Reason::kStreamCorrupt,
    Reason::kOutOfSpace,       Reason::kLockBusy,
    Reason::kShutdown,         Reason::kConfig,
    Reason::kHookFailed,       Reason::kUnexpectedStream,
    Reason::kOther,
};

// The label value used in metrics and logs, e.g. "no_common_snapshot".
std::string_view ReasonName(Reason reason);

// What usually fixes a failure of `reason`, in one sentence that names the
// configuration keys to change (the short form of docs/failure-reasons.md's
// remedy column). Shown with the failure by `zpull once` and in the log.
std::string_view ReasonRemedy(Reason reason);

}  // namespace zpull::core
