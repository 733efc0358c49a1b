#include "replicate/transfer.h"

#include <fcntl.h>
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>

#include "core/zfs_errors.h"
#include "replicate/stream_reader.h"

namespace zpull::replicate {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Reads land in a buffer with room for a 4 MiB read (libssh's window
// top-up, libssh.md) and are written on once 1 MiB has gathered.
constexpr std::size_t kFlushAt = 1u << 20;
constexpr std::size_t kBufferSize = kFlushAt + (4u << 20);
// How often the relay looks at the clock and the cancel flag.
constexpr milliseconds kTick{500};

std::string Side(const char* name, const core::ExitInfo& e) {
  std::string line = core::FirstLine(e.err);
  return std::string(name) + " exit " + std::to_string(e.exit_code) + (line.empty() ? "" : ": " + line);
}

// One step of the in-kernel path between two local commands: moves what
// the sender's pipe holds (up to 1 MiB) into the receiver's pipe, waiting
// at most about `wait` for input and then for room.
struct SpliceStep {
  std::size_t bytes = 0;
  bool end = false;            // the sender's stream ended
  bool receiver_gone = false;  // the receiver closed its input
};

core::Result<SpliceStep> SpliceFor(int from, int to, milliseconds wait) {
  for (int attempt = 0;; ++attempt) {
    const ssize_t n = ::splice(from, nullptr, to, nullptr, kFlushAt, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) return SpliceStep{static_cast<std::size_t>(n)};
    if (n == 0) return SpliceStep{0, true};
    if (errno == EINTR) continue;
    if (errno == EPIPE) return SpliceStep{0, false, true};
    if (errno != EAGAIN) return core::Fail(core::Reason::kOther, std::string("splice: ") + std::strerror(errno));
    if (attempt > 0) return SpliceStep{};  // the caller looks at the clock, then comes back
    pollfd in{from, POLLIN, 0};
    int r = ::poll(&in, 1, static_cast<int>(wait.count()));
    if (r <= 0) return SpliceStep{};  // nothing yet (EINTR alike)
    pollfd out{to, POLLOUT, 0};
    r = ::poll(&out, 1, static_cast<int>(wait.count()));
    if (r <= 0) return SpliceStep{};
    if (out.revents & POLLERR) return SpliceStep{0, false, true};
  }
}

std::string Seconds(Clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

}  // namespace

core::Result<std::uint64_t> RunTransfer(core::Zfs& source, const core::SendSpec& send, core::Zfs& destination,
                                        const core::RecvSpec& recv, const ByteSink& on_bytes,
                                        const TransferLimits& limits, const ByteSink& on_wire_bytes) {
  // Nothing is started once cancelled: a send killed while it starts up
  // leaks its temporary holds on zfs-fuse.
  if (limits.cancel && limits.cancel->load()) {
    return core::Fail(core::Reason::kShutdown, "transfer not started (zpull is stopping)");
  }
  auto receiver = destination.StartRecv(recv);
  if (!receiver) return tl::unexpected(receiver.error());
  auto sender = source.StartSend(send);
  if (!sender) {
    (*receiver)->Abort();
    (void)(*receiver)->Wait();
    return tl::unexpected(sender.error());
  }
  core::Process& in = **sender;
  core::Process& out = **receiver;
  StreamReader reader(in, send.wire_zstd);
  // Both ends local and the stream as zfs wrote it: the bytes move from
  // pipe to pipe inside the kernel (zpull only counts them), as they would
  // in `zfs send | zfs recv`.
  const int from_fd = send.wire_zstd ? -1 : in.StdoutPipe();
  const int to_fd = out.StdinPipe();
  const bool in_kernel = from_fd >= 0 && to_fd >= 0;

  // The relay's buffer; the in-kernel path needs none.
  std::unique_ptr<char[]> buffer;
  if (!in_kernel) buffer = std::make_unique_for_overwrite<char[]>(kBufferSize);
  std::size_t have = 0, sent = 0;  // buffer[sent, have) is still to be written
  std::uint64_t total = 0;
  bool end = false;
  std::optional<core::Error> failure;  // the relay's own verdict, before exit codes
  bool receiver_stopped = false;
  const Clock::time_point started = Clock::now();
  Clock::time_point last_progress = started;
  Clock::time_point paused_until = started;  // bandwidth limit

  auto interrupted = [&]() -> std::optional<core::Error> {
    const Clock::time_point now = Clock::now();
    if (limits.cancel && limits.cancel->load()) {
      return core::Error{core::Reason::kShutdown, "transfer cancelled (zpull is stopping)"};
    }
    if (limits.total_timeout.count() > 0 && now - started > limits.total_timeout) {
      return core::Error{core::Reason::kTimeout, "transfer exceeded its total timeout of " +
                                                     Seconds(limits.total_timeout)};
    }
    if (now >= paused_until && now - std::max(last_progress, paused_until) > limits.stall_timeout) {
      return core::Error{core::Reason::kStalled,
                         "no data moved for " + Seconds(now - std::max(last_progress, paused_until)) +
                             " (stall_timeout " + Seconds(limits.stall_timeout) + ")"};
    }
    return std::nullopt;
  };

  while (true) {
    if (auto why = interrupted()) {
      failure = std::move(why);
      break;
    }
    const std::size_t pending = have - sent;
    if (pending > 0 && (pending >= kFlushAt || end)) {
      auto n = out.WriteFor(std::span<const char>(buffer.get() + sent, pending), kTick);
      if (!n) {
        receiver_stopped = true;
        break;
      }
      if (*n > 0) last_progress = Clock::now();
      sent += *n;
      if (sent == have) sent = have = 0;
      continue;
    }
    if (end) break;
    const Clock::time_point now = Clock::now();
    if (now < paused_until) {
      std::this_thread::sleep_for(std::min<Clock::duration>(paused_until - now, kTick));
      continue;
    }
    if (in_kernel) {
      auto step = SpliceFor(from_fd, to_fd, kTick);
      if (!step) {
        failure = step.error();
        break;
      }
      if (step->receiver_gone) {
        receiver_stopped = true;
        break;
      }
      if (step->end) {
        end = true;
        continue;
      }
      if (step->bytes == 0) continue;
      total += step->bytes;
      last_progress = Clock::now();
      if (on_bytes) on_bytes(step->bytes);
      if (on_wire_bytes) on_wire_bytes(step->bytes);
      for (RateLimit* limit : limits.rate_limits) {
        paused_until = std::max(paused_until, limit->Reserve(step->bytes, last_progress));
      }
      continue;
    }
    if (sent > 0) {
      std::memmove(buffer.get(), buffer.get() + sent, pending);
      have = pending;
      sent = 0;
    }
    auto chunk = reader.ReadFor(std::span<char>(buffer.get() + have, kBufferSize - have), kTick);
    if (!chunk) {
      failure = chunk.error();
      break;
    }
    if (const std::uint64_t wire = reader.last_wire_bytes(); wire > 0) {
      last_progress = Clock::now();
      if (on_wire_bytes) on_wire_bytes(wire);
      for (RateLimit* limit : limits.rate_limits) {
        paused_until = std::max(paused_until, limit->Reserve(wire, last_progress));
      }
    }
    if (chunk->end) {
      end = true;
      continue;
    }
    if (chunk->bytes == 0) continue;
    have += chunk->bytes;
    total += chunk->bytes;
    last_progress = Clock::now();
    if (on_bytes) on_bytes(chunk->bytes);
  }
  if (failure && failure->reason != core::Reason::kStalled && !receiver_stopped) {
    // What arrived before the sender failed still goes in: a resumable
    // receive saves it. Bounded: a receiver that takes nothing ends it.
    while (have > sent) {
      auto n = out.WriteFor(std::span<const char>(buffer.get() + sent, have - sent), kTick);
      if (!n || *n == 0) break;
      sent += *n;
    }
  }
  if (failure || receiver_stopped) in.Abort();
  // A cut-short stream ends the receive as a truncated one (resume token
  // with -s). A receiver that itself stopped taking input is stopped.
  out.CloseStdin();
  if (failure && failure->reason == core::Reason::kStalled && have > sent) out.Abort();
  auto send_exit = in.Wait();
  auto recv_exit = out.Wait();
  const std::string after = " (after " + std::to_string(total) + " bytes)";
  if (failure) return core::Fail(failure->reason, failure->message + after);
  if (!send_exit) return tl::unexpected(send_exit.error());
  if (!recv_exit) return tl::unexpected(recv_exit.error());
  if (send_exit->exit_code == 0 && recv_exit->exit_code == 0) return total;
  core::Reason reason = core::ClassifyTransfer(send_exit->exit_code, send_exit->err, recv_exit->exit_code,
                                               recv_exit->err);
  return core::Fail(reason, Side("send", *send_exit) + "; " + Side("receive", *recv_exit) + after);
}

}  // namespace zpull::replicate
