#include "replicate/transfer.h"

#include <memory>

#include "core/zfs_errors.h"

namespace zpull::replicate {
namespace {

// Reads land in a buffer with room for a 4 MiB read (libssh's window
// top-up, libssh.md) and are written on once 1 MiB has gathered.
constexpr std::size_t kFlushAt = 1u << 20;
constexpr std::size_t kBufferSize = kFlushAt + (4u << 20);

std::string Side(const char* name, const core::ExitInfo& e) {
  std::string line = core::FirstLine(e.err);
  return std::string(name) + " exit " + std::to_string(e.exit_code) + (line.empty() ? "" : ": " + line);
}

}  // namespace

core::Result<std::uint64_t> RunTransfer(core::Zfs& source, const core::SendSpec& send, core::Zfs& destination,
                                        const core::RecvSpec& recv, const ByteSink& on_bytes) {
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

  auto buffer = std::make_unique<char[]>(kBufferSize);
  std::size_t have = 0;
  std::uint64_t total = 0;
  std::optional<core::Error> transport_error;
  bool receiver_stopped = false;
  auto flush = [&]() {
    if (have == 0) return true;
    if (!out.Write(std::span<const char>(buffer.get(), have))) {
      receiver_stopped = true;
      return false;
    }
    have = 0;
    return true;
  };
  while (true) {
    auto n = in.Read(std::span<char>(buffer.get() + have, kBufferSize - have));
    if (!n) {
      transport_error = n.error();
      break;
    }
    if (*n == 0) break;
    have += *n;
    total += *n;
    if (on_bytes) on_bytes(*n);
    if (have >= kFlushAt && !flush()) break;
  }
  if (!transport_error && !receiver_stopped) flush();
  if (transport_error || receiver_stopped) in.Abort();
  out.CloseStdin();
  auto send_exit = in.Wait();
  auto recv_exit = out.Wait();
  if (!send_exit) return tl::unexpected(send_exit.error());
  if (!recv_exit) return tl::unexpected(recv_exit.error());

  if (transport_error) {
    return core::Fail(transport_error->reason,
                      transport_error->message + " (after " + std::to_string(total) + " bytes)");
  }
  if (send_exit->exit_code == 0 && recv_exit->exit_code == 0) return total;
  core::Reason reason = core::ClassifyTransfer(send_exit->exit_code, send_exit->err, recv_exit->exit_code,
                                               recv_exit->err);
  return core::Fail(reason, Side("send", *send_exit) + "; " + Side("receive", *recv_exit) + " (after " +
                                std::to_string(total) + " bytes)");
}

}  // namespace zpull::replicate
