#include "replicate/transfer.h"

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

  auto buffer = std::make_unique<char[]>(kBufferSize);
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
