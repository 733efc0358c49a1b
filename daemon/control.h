#pragma once
// The local control channel of `zpull run`: a Unix stream socket, mode 0600,
// that accepts only peers running as root or as zpull's own user (checked
// with SO_PEERCRED). One request line per connection ("replicate DATASET",
// "pause DATASET", "resume DATASET", "status"), one or more reply lines,
// then the server closes. `zpull replicate|pause|resume|status` are its
// clients.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/result.h"

namespace zpull::daemon {

// Answers one request line; the reply's first line starts with "ok" or "error".
using ControlHandler = std::function<std::string(const std::string& request)>;

class ControlServer {
 public:
  // Binds `path` (a stale socket file there is replaced; a live one is an
  // error) and serves until destroyed.
  static core::Result<std::unique_ptr<ControlServer>> Start(const std::string& path, ControlHandler handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

 private:
  ControlServer(std::string path, int fd, ControlHandler handler);
  void Serve();

  const std::string path_;
  const int fd_;
  const ControlHandler handler_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Sends one request to the server at `path` and returns its reply.
core::Result<std::string> ControlRequest(const std::string& path, const std::string& request);

}  // namespace zpull::daemon
