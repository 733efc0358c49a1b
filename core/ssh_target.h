#pragma once
// Where and how to reach a source over SSH (core/ssh_runner.h connects;
// core/ssh_files.h checks its files).

#include <chrono>
#include <string>

namespace zpull::core {

struct SshTarget {
  std::string name;  // the configured source name; the `host` label
  std::string host;
  int port = 22;
  std::string user = "root";
  std::string identity_file;
  std::string known_hosts_file;
  int connect_timeout_seconds = 30;
  // Bounds each Run/RunAll command and a streamed command's Wait (0: no
  // limit). On expiry zpull stops waiting and drops the session: the
  // remote command cannot be relied on to end.
  std::chrono::milliseconds command_timeout{0};
};

}  // namespace zpull::core
