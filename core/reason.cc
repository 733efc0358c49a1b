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

std::string_view ReasonRemedy(Reason reason) {
  switch (reason) {
    case Reason::kHostkey:
      return "check the host key's fingerprint out of band, then add it to the source's known_hosts file "
             "(ssh-keyscan -p PORT HOST); a changed key may be an attack";
    case Reason::kAuth:
      return "put zpull's public key into the source user's authorized_keys; check identity_file and its permissions";
    case Reason::kNetwork:
      return "check that the source host is up and reachable on its port; a transient break heals on the next cycle";
    case Reason::kTimeout:
      return "check the load and link of the host named, and for a hung zfs there; or raise command_timeout or "
             "transfer_timeout";
    case Reason::kStalled:
      return "look for a hung zfs send on the source, a saturated link or a stuck backup pool; or raise stall_timeout";
    case Reason::kSourceMissing:
      return "correct source_dataset, or recreate the dataset on the source";
    case Reason::kDestinationMissing:
      return "check destination and that the backup pool is imported";
    case Reason::kDiverged:
      return "inspect the destination snapshots named; if they can go, set force_on_divergence: true for the "
             "dataset (it destroys exactly those) or zfs rollback -r the destination to the newest common snapshot";
    case Reason::kNoCommonSnapshot:
      return "receive into a new destination, or rename or destroy the destination after checking it";
    case Reason::kDestinationModified:
      return "keep replicas unmounted; set rollback_destination: true to roll the replica back to its newest "
             "snapshot before each receive, discarding changes made there";
    case Reason::kStaleResumeToken:
      return "none: zpull discards a resume token the source cannot serve (zfs receive -A) and plans again";
    case Reason::kSendFailed:
      return "read the sender's message; check the source pool's health";
    case Reason::kRecvFailed:
      return "read the receiver's message; check the backup pool's health";
    case Reason::kStreamCorrupt:
      return "usually transient; if it repeats, suspect the link or memory on either host";
    case Reason::kOutOfSpace:
      return "free space on the backup pool, tighten retention, or grow the pool";
    case Reason::kLockBusy:
      return "usually transient; find what holds the snapshot or runs the other receive (zfs holds)";
    case Reason::kShutdown:
      return "none: the next start continues (from the resume token where the destination keeps one)";
    case Reason::kConfig:
      return "run zpull check-config, which names the file, line, column and key";
    case Reason::kHookFailed:
      return "read the hook's output in the log and fix the command in hooks: {pre_snapshot, post_replication}";
    case Reason::kUnexpectedStream:
      return "treat the source as suspect (a replaced zfs or a compromised host): compare its snapshots' guids "
             "with the message; never roll back or overwrite the replica to get past it";
    case Reason::kOther:
      return "read the message; please report it so that it gets a reason of its own";
  }
  return "read the message";
}

}  // namespace zpull::core
