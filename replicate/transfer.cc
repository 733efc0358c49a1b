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
// top-up, docs/libssh.md §3) and are written on once 1 MiB has gathered.
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

// The relay of one transfer: moves the sender's stream into the receiver,
// counting the bytes and keeping to the limits. Use once: Pump, then Stop.
// Not thread-safe.
class Relay {
 public:
  Relay(core::Process& in, core::Process& out, bool wire_zstd, const TransferLimits& limits, const ByteSink& on_bytes,
        const ByteSink& on_wire_bytes);

  // Returns once the stream has ended and is all written, the relay failed
  // (failure()), or the receiver stopped taking input.
  void Pump();
  // After Pump: hands the receiver what is buffered (unless the relay
  // stalled or the receiver stopped), stops the sender unless the stream went
  // through, and ends the receiver's input (stopping the receiver where a
  // stall left bytes unwritten). The caller then waits for both.
  void Stop();

  // The relay's own verdict, before exit codes; none if the stream went through.
  const std::optional<core::Error>& failure() const { return failure_; }
  // Stream bytes received from the sender.
  std::uint64_t total() const { return total_; }
  // The stream ended before its header could be checked (limits.expect).
  bool header_incomplete() const { return end_ && walker_ && !walker_->started(); }

 private:
  // Why the relay must end now (cancelled, total timeout, stalled), if it must.
  std::optional<core::Error> Interrupted() const;
  // Whether enough is buffered (or the stream ended) to write to the receiver.
  bool FlushDue() const;
  // Each step returns false once Pump is done (failure or receiver stopped).
  bool Flush();
  bool SpliceOnce();
  bool ReadOnce();
  // Walks what arrived against limits.expect (StreamWalker): only walked
  // and accepted bytes are written on. A single substream whose header was
  // accepted flows on unwalked (through the kernel where both ends are local).
  bool Walk();
  // buffer_[sent_, Writable()) may be written on now.
  std::size_t Writable() const;
  // Sleeps (at most a tick) while a bandwidth limit pauses the relay;
  // returns whether it slept.
  bool WaitOutPause();
  void ReserveBandwidth(std::uint64_t wire_bytes);
  void CompactBuffer();
  void Drain();

  core::Process& in_;
  core::Process& out_;
  StreamReader reader_;
  // Both ends local and the stream as zfs wrote it: the bytes move from
  // pipe to pipe inside the kernel (zpull only counts them), as they would
  // in `zfs send | zfs recv`.
  const int from_fd_;
  const int to_fd_;
  bool in_kernel_;   // both ends local and nothing (more) to walk
  std::optional<StreamWalker> walker_;  // with limits.expect
  const TransferLimits& limits_;
  const ByteSink& on_bytes_;
  const ByteSink& on_wire_bytes_;
  std::unique_ptr<char[]> buffer_;   // the relay's buffer; the in-kernel path needs none
  std::size_t have_ = 0, sent_ = 0;  // buffer_[sent_, have_) is still to be written
  std::uint64_t total_ = 0;
  bool end_ = false;
  std::optional<core::Error> failure_;
  bool receiver_stopped_ = false;
  const Clock::time_point started_;
  Clock::time_point last_progress_;
  Clock::time_point paused_until_;  // bandwidth limit
};

Relay::Relay(core::Process& in, core::Process& out, bool wire_zstd, const TransferLimits& limits,
             const ByteSink& on_bytes, const ByteSink& on_wire_bytes)
    : in_(in),
      out_(out),
      reader_(in, wire_zstd),
      from_fd_(wire_zstd ? -1 : in.StdoutPipe()),
      to_fd_(out.StdinPipe()),
      in_kernel_(from_fd_ >= 0 && to_fd_ >= 0 && !limits.expect),
      limits_(limits),
      on_bytes_(on_bytes),
      on_wire_bytes_(on_wire_bytes),
      buffer_(in_kernel_ ? nullptr : std::make_unique_for_overwrite<char[]>(kBufferSize)),
      started_(Clock::now()),
      last_progress_(started_),
      paused_until_(started_) {
  if (limits.expect) walker_.emplace(*limits.expect);
}

void Relay::Pump() {
  while (true) {
    if (auto why = Interrupted()) {
      failure_ = std::move(why);
      return;
    }
    if (FlushDue()) {
      if (!Flush()) return;
      continue;
    }
    if (end_) return;
    if (WaitOutPause()) continue;
    if (!(in_kernel_ ? SpliceOnce() : ReadOnce())) return;
  }
}

std::optional<core::Error> Relay::Interrupted() const {
  const Clock::time_point now = Clock::now();
  if (limits_.cancel && limits_.cancel->load()) {
    return core::Error{core::Reason::kShutdown, "transfer cancelled (zpull is stopping)"};
  }
  if (limits_.total_timeout.count() > 0 && now - started_ > limits_.total_timeout) {
    return core::Error{core::Reason::kTimeout,
                       "transfer exceeded its total timeout of " + Seconds(limits_.total_timeout)};
  }
  if (now >= paused_until_ && now - std::max(last_progress_, paused_until_) > limits_.stall_timeout) {
    return core::Error{core::Reason::kStalled, "no data moved for " +
                                                   Seconds(now - std::max(last_progress_, paused_until_)) +
                                                   " (stall_timeout " + Seconds(limits_.stall_timeout) + ")"};
  }
  return std::nullopt;
}

std::size_t Relay::Writable() const {
  if (!walker_) return have_;
  const std::uint64_t buffer_start = total_ - have_;  // stream offset of buffer_[0]
  const std::uint64_t safe = walker_->safe();
  return safe <= buffer_start ? 0 : static_cast<std::size_t>(std::min<std::uint64_t>(have_, safe - buffer_start));
}

bool Relay::FlushDue() const {
  const std::size_t writable = Writable();
  const std::size_t pending = writable > sent_ ? writable - sent_ : 0;
  // The in-kernel path starts once what was read through the buffer is
  // written; bytes held back for the walker must leave room for a read.
  return pending > 0 && (pending >= kFlushAt || end_ || in_kernel_ || kBufferSize - have_ < (4u << 20));
}

bool Relay::Flush() {
  auto n = out_.WriteFor(std::span<const char>(buffer_.get() + sent_, Writable() - sent_), kTick);
  if (!n) {
    receiver_stopped_ = true;
    return false;
  }
  if (*n > 0) last_progress_ = Clock::now();
  sent_ += *n;
  if (sent_ == have_) sent_ = have_ = 0;
  return true;
}

bool Relay::WaitOutPause() {
  const Clock::time_point now = Clock::now();
  if (now >= paused_until_) return false;
  std::this_thread::sleep_for(std::min<Clock::duration>(paused_until_ - now, kTick));
  return true;
}

bool Relay::SpliceOnce() {
  auto step = SpliceFor(from_fd_, to_fd_, kTick);
  if (!step) {
    failure_ = step.error();
    return false;
  }
  if (step->receiver_gone) {
    receiver_stopped_ = true;
    return false;
  }
  if (step->end) {
    end_ = true;
    return true;
  }
  if (step->bytes == 0) return true;
  total_ += step->bytes;
  last_progress_ = Clock::now();
  if (on_bytes_) on_bytes_(step->bytes);
  if (on_wire_bytes_) on_wire_bytes_(step->bytes);
  ReserveBandwidth(step->bytes);
  return true;
}

bool Relay::ReadOnce() {
  CompactBuffer();
  auto chunk = reader_.ReadFor(std::span<char>(buffer_.get() + have_, kBufferSize - have_), kTick);
  if (!chunk) {
    failure_ = chunk.error();
    return false;
  }
  if (const std::uint64_t wire = reader_.last_wire_bytes(); wire > 0) {
    last_progress_ = Clock::now();
    if (on_wire_bytes_) on_wire_bytes_(wire);
    ReserveBandwidth(wire);
  }
  if (chunk->end) {
    end_ = true;
    return true;
  }
  if (chunk->bytes == 0) return true;
  have_ += chunk->bytes;
  total_ += chunk->bytes;
  last_progress_ = Clock::now();
  if (on_bytes_) on_bytes_(chunk->bytes);
  return !walker_ || Walk();
}

bool Relay::Walk() {
  const std::uint64_t buffer_start = total_ - have_;
  const std::size_t from = static_cast<std::size_t>(walker_->walked() - buffer_start);
  if (auto s = walker_->Walk(std::string_view(buffer_.get() + from, have_ - from)); !s) {
    failure_ = s.error();
    return false;
  }
  if (walker_->free_flowing() && from_fd_ >= 0 && to_fd_ >= 0) in_kernel_ = true;
  return true;
}

// Reserves `wire_bytes` (just moved, at last_progress_) with every rate
// limit; the relay pauses until the latest of their deadlines.
void Relay::ReserveBandwidth(std::uint64_t wire_bytes) {
  for (RateLimit* limit : limits_.rate_limits) {
    paused_until_ = std::max(paused_until_, limit->Reserve(wire_bytes, last_progress_));
  }
}

// Moves the bytes still to be written to the front of the buffer.
void Relay::CompactBuffer() {
  if (sent_ == 0) return;
  const std::size_t pending = have_ - sent_;
  std::memmove(buffer_.get(), buffer_.get() + sent_, pending);
  have_ = pending;
  sent_ = 0;
}

void Relay::Stop() {
  if (walker_ && !walker_->started()) {
    // Not one byte of a stream that was refused, or not checked, goes in.
    in_.Abort();
    out_.Abort();
    return;
  }
  if (failure_ && failure_->reason == core::Reason::kUnexpectedStream) {
    // Refused mid-stream: the receiver keeps what it completed of the
    // checked substreams and sees the stream end where the refused one began.
    Drain();
    in_.Abort();
    out_.CloseStdin();
    return;
  }
  if (failure_ && failure_->reason != core::Reason::kStalled && !receiver_stopped_) Drain();
  if (failure_ || receiver_stopped_) in_.Abort();
  // A cut-short stream ends the receive as a truncated one (resume token
  // with -s). A receiver that itself stopped taking input is stopped.
  out_.CloseStdin();
  if (failure_ && failure_->reason == core::Reason::kStalled && have_ > sent_) out_.Abort();
}

// What arrived before the sender failed still goes in: a resumable
// receive saves it. Bounded: a receiver that takes nothing ends it.
void Relay::Drain() {
  while (Writable() > sent_) {
    auto n = out_.WriteFor(std::span<const char>(buffer_.get() + sent_, Writable() - sent_), kTick);
    if (!n || *n == 0) break;
    sent_ += *n;
  }
}

// The transfer's result: the relay's failure first, then either side
// failing to report its exit, then both exit codes classified.
core::Result<std::uint64_t> Verdict(const Relay& relay, const core::Result<core::ExitInfo>& send_exit,
                                    const core::Result<core::ExitInfo>& recv_exit) {
  const std::uint64_t total = relay.total();
  const std::string after = " (after " + std::to_string(total) + " bytes)";
  if (const auto& failure = relay.failure()) return core::Fail(failure->reason, failure->message + after);
  if (!send_exit) return tl::unexpected(send_exit.error());
  if (relay.header_incomplete()) {
    // The receiver got nothing: its exit says nothing. A failed sender
    // says why; one that succeeded sent less than a stream's header.
    if (send_exit->exit_code != 0) {
      return core::Fail(core::ClassifySendError(send_exit->err), Side("send", *send_exit) + after);
    }
    return core::Fail(core::Reason::kUnexpectedStream,
                      "the source's stream ended within its header" + after + "; nothing was received");
  }
  if (!recv_exit) return tl::unexpected(recv_exit.error());
  if (send_exit->exit_code == 0 && recv_exit->exit_code == 0) return total;
  core::Reason reason =
      core::ClassifyTransfer(send_exit->exit_code, send_exit->err, recv_exit->exit_code, recv_exit->err);
  // The root cause reads first: the side the reason came from (a receiver
  // that refused the stream leaves its sender dying of a broken pipe).
  const bool receiver_first =
      recv_exit->exit_code != 0 && (send_exit->exit_code == 0 || reason == core::ClassifyRecvError(recv_exit->err));
  if (receiver_first) return core::Fail(reason, Side("receive", *recv_exit) + "; " + Side("send", *send_exit) + after);
  return core::Fail(reason, Side("send", *send_exit) + "; " + Side("receive", *recv_exit) + after);
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
  Relay relay(**sender, **receiver, send.wire_zstd, limits, on_bytes, on_wire_bytes);
  relay.Pump();
  relay.Stop();
  auto send_exit = (*sender)->Wait();
  auto recv_exit = (*receiver)->Wait();
  return Verdict(relay, send_exit, recv_exit);
}

}  // namespace zpull::replicate
