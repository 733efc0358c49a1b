#include "core/zfs_errors.h"

#include <string>

namespace zpull::core {
namespace {

// Multi-line zfs messages break at varying places; compare with newlines
// folded into spaces.
std::string Fold(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

bool Has(const std::string& s, std::string_view needle) { return s.find(needle) != std::string::npos; }

Reason Common(const std::string& e) {
  if (Has(e, "out of space") || Has(e, "space quota exceeded") || Has(e, "No space left")) {
    return Reason::kOutOfSpace;
  }
  // zfs-fuse says "dataset is busy" for a held snapshot; OpenZFS 2.3 says
  // "it's being held. Run 'zfs holds -r …' to see holders."
  if (Has(e, "dataset is busy") || Has(e, "pool or dataset is busy") || Has(e, "it's being held")) {
    return Reason::kLockBusy;
  }
  if (Has(e, "zfs-fuse daemon is running")) return Reason::kOther;
  return Reason::kOther;
}

}  // namespace

Reason ClassifyRecvError(std::string_view err) {
  const std::string e = Fold(err);
  if (Has(e, "has been modified since most recent snapshot") || Has(e, "has been modified  since")) {
    return Reason::kDestinationModified;
  }
  if (Has(e, "contains partially-complete state")) return Reason::kStaleResumeToken;
  // zpull planned the send from the destination as it found it: a stream
  // that does not fit is not the one zpull asked for (never a reason for -F).
  if (Has(e, "does not match incremental source") || Has(e, "destination already exists") ||
      Has(e, "destination has snapshots") || Has(e, "must specify -F to overwrite")) {
    return Reason::kUnexpectedStream;
  }
  if (Has(e, "invalid stream") || Has(e, "checksum mismatch") || Has(e, "invalid backup stream") ||
      Has(e, "incomplete stream") || Has(e, "bad magic") || Has(e, "failed to read from stream")) {
    return Reason::kStreamCorrupt;
  }
  if (Has(e, "does not exist")) return Reason::kDestinationMissing;
  Reason r = Common(e);
  return r == Reason::kOther ? Reason::kRecvFailed : r;
}

Reason ClassifySendError(std::string_view err) {
  const std::string e = Fold(err);
  if (Has(e, "zstd is not installed")) return Reason::kConfig;
  if (Has(e, "does not exist") || Has(e, "no such")) return Reason::kSourceMissing;
  if (Has(e, "resume token") || Has(e, "used in the initial send no longer exists")) {
    return Reason::kStaleResumeToken;
  }
  if (Has(e, "Broken pipe")) return Reason::kSendFailed;
  Reason r = Common(e);
  return r == Reason::kOther ? Reason::kSendFailed : r;
}

Reason ClassifyTransfer(int send_exit, std::string_view send_err, int recv_exit, std::string_view recv_err) {
  if (recv_exit != 0) {
    Reason r = ClassifyRecvError(recv_err);
    // A truncated stream is the sender's fault when the sender failed.
    if (r != Reason::kRecvFailed && !(r == Reason::kStreamCorrupt && send_exit != 0)) return r;
  }
  // A receiver that failed for a reason of its own (not a stream cut short)
  // left its sender dying of a broken pipe, which says nothing.
  // (zfs says so; a process killed by SIGPIPE exits 128 + 13.)
  const bool broken_pipe = send_exit == 141 || send_err.find("Broken pipe") != std::string_view::npos ||
                           send_err.find("broken pipe") != std::string_view::npos;
  if (send_exit != 0 && !(recv_exit != 0 && broken_pipe && ClassifyRecvError(recv_err) == Reason::kRecvFailed)) {
    return ClassifySendError(send_err);
  }
  if (recv_exit != 0) return ClassifyRecvError(recv_err);
  return Reason::kOther;
}

Reason ClassifyZfsError(std::string_view err, Reason fallback) {
  const std::string e = Fold(err);
  Reason r = Common(e);
  return r == Reason::kOther ? fallback : r;
}

}  // namespace zpull::core
