#include "daemon/control.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/safe_text.h"

namespace zpull::daemon {
namespace {

constexpr std::size_t kMaxRequest = 4096;

core::Result<sockaddr_un> Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return core::Fail(core::Reason::kConfig, "control socket path too long: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// Reads up to a newline (or EOF) within `timeout_ms`; bounded.
std::string ReadLine(int fd, int timeout_ms) {
  std::string out;
  char buf[512];
  while (out.size() < kMaxRequest && out.find('\n') == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) break;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (auto nl = out.find('\n'); nl != std::string::npos) out.resize(nl);
  return out;
}

void WriteAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    // MSG_NOSIGNAL: a peer that hung up must not kill zpull with SIGPIPE.
    ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

core::Result<std::unique_ptr<ControlServer>> ControlServer::Start(const std::string& path, ControlHandler handler) {
  auto addr = Address(path);
  if (!addr) return tl::unexpected(addr.error());
  // A live server answers a connect; then this one must not take its place.
  if (int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0); probe >= 0) {
    bool live = ::connect(probe, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) == 0;
    ::close(probe);
    if (live) return core::Fail(core::Reason::kLockBusy, "control socket " + path + " is in use by another zpull");
  }
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return core::Fail(core::Reason::kOther, std::string("control socket: ") + std::strerror(errno));
  // Created 0600 from the start (no window with a wider mode).
  const mode_t old = ::umask(0177);
  int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
  ::umask(old);
  if (rc != 0 || ::listen(fd, 8) != 0) {
    int err = errno;
    ::close(fd);
    return core::Fail(core::Reason::kConfig, "cannot listen on control socket " + path + ": " + std::strerror(err));
  }
  return std::unique_ptr<ControlServer>(new ControlServer(path, fd, std::move(handler)));
}

ControlServer::ControlServer(std::string path, int fd, ControlHandler handler)
    : path_(std::move(path)), fd_(fd), handler_(std::move(handler)) {
  thread_ = std::thread([this] { Serve(); });
}

ControlServer::~ControlServer() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
  ::unlink(path_.c_str());
}

void ControlServer::Serve() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(client, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
        (cred.uid != 0 && cred.uid != ::geteuid())) {
      WriteAll(client, "error: permission denied (uid " + std::to_string(cred.uid) + ")\n");
      ::close(client);
      continue;
    }
    const std::string request = ReadLine(client, 2000);
    if (request.empty()) {  // a probe, or a client that sent nothing
      ::close(client);
      continue;
    }
    std::string reply;
    try {
      reply = handler_(request);
    } catch (...) {
      reply = "error: internal error answering '" + core::SafeText(request) + "'";
    }
    if (reply.empty() || reply.back() != '\n') reply += '\n';
    WriteAll(client, reply);
    ::close(client);
  }
}

core::Result<std::string> ControlRequest(const std::string& path, const std::string& request) {
  auto addr = Address(path);
  if (!addr) return tl::unexpected(addr.error());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return core::Fail(core::Reason::kOther, std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
    int err = errno;
    ::close(fd);
    return core::Fail(core::Reason::kNetwork,
                      "cannot reach zpull run at " + path + ": " + std::strerror(err) + " (is the daemon running?)");
  }
  WriteAll(fd, request + "\n");
  ::shutdown(fd, SHUT_WR);
  std::string reply;
  char buf[4096];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    if (reply.size() < (1u << 20)) reply.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return reply;
}

}  // namespace zpull::daemon
