#pragma once
// Runs commands on this machine with posix_spawn: argv only, never a shell.
// zpull ignores SIGPIPE process-wide once a LocalRunner exists, so a write to
// a command that stopped reading reports EPIPE instead of killing zpull.

#include "core/runner.h"

namespace zpull::core {

// Thread-safe (it has no mutable state).
class LocalRunner : public CommandRunner {
 public:
  // `command_timeout` bounds each Run and RunAll command (0: no limit); a
  // command past it is killed (SIGTERM, then SIGKILL). Start is not bounded.
  explicit LocalRunner(std::chrono::milliseconds command_timeout = {});
  // With `own_process_group`, each command leads a process group of its
  // own: a terminal's Ctrl-C (SIGINT to the foreground group) reaches
  // zpull, not its commands, which zpull lets finish (`zpull restore
  // --file` destroying its clone).
  LocalRunner(std::chrono::milliseconds command_timeout, bool own_process_group)
      : LocalRunner(command_timeout) {
    own_group_ = own_process_group;
  }
  // execve takes 2 MiB of arguments and environment together (Linux
  // ARG_MAX); each of zpull's words is short.
  std::size_t MaxCommandBytes() const override { return 1024 * 1024; }
  Result<CommandResult> Run(const Argv& argv, std::string_view input = {}) override {
    return RunWithin(argv, input, command_timeout_);
  }
  Result<CommandResult> RunWithin(const Argv& argv, std::string_view input, std::chrono::milliseconds limit) override;
  // Up to kMaxParallel commands at a time, each from its own thread.
  Result<std::vector<CommandResult>> RunAll(const std::vector<Argv>& commands) override;
  Result<std::unique_ptr<Process>> Start(const Argv& argv) override;
  static constexpr std::size_t kMaxParallel = 8;
  const std::string& Host() const override { return host_; }
  std::chrono::milliseconds CommandTimeout() const override { return command_timeout_; }

 private:
  std::string host_ = "local";
  const std::chrono::milliseconds command_timeout_;
  bool own_group_ = false;
};

}  // namespace zpull::core
