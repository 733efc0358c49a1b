#pragma once
// The command-runner seam: every external command zpull runs goes through a
// CommandRunner, so tests can replace the operating system (fake, recording,
// fault-injecting runners) and SSH and local execution look the same.

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/shell_quote.h"

namespace zpull::core {

// How a command ended. `exit_code` is the program's exit status, or
// 128 + signal number when a signal ended it (shell convention).
struct ExitInfo {
  int exit_code = 0;
  std::string err;  // stderr, truncated to kMaxCapturedStderr
};

struct CommandResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

inline constexpr std::size_t kMaxCapturedStderr = 64 * 1024;

// A running command with streamed stdin and stdout; stderr is collected.
// One owner; not thread-safe: Read, Write, CloseStdin, Abort and Wait are
// called from one thread at a time. The destructor stops and reaps a command
// that is still running.
class Process {
 public:
  virtual ~Process() = default;
  // Reads some of stdout into `buf`. Returns the byte count, 0 at end of
  // stream. An error means the transport failed (not that the command did).
  virtual Result<std::size_t> Read(std::span<char> buf) = 0;
  // Writes all of `data` to stdin; fails if the command stopped reading.
  virtual Status Write(std::span<const char> data) = 0;
  // Signals end of input.
  virtual void CloseStdin() = 0;
  // Stops the command and closes its streams; Wait still reports how it ended.
  virtual void Abort() = 0;
  // Waits for the end and returns the exit status and stderr.
  virtual Result<ExitInfo> Wait() = 0;
};

// Runs commands on one host. Thread-safe: concurrent calls are allowed.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs `argv` to completion with `input` on stdin. A non-zero exit is a
  // successful Result carrying that exit code; an error means the command
  // could not be run at all (missing program, SSH failure).
  virtual Result<CommandResult> Run(const Argv& argv, std::string_view input = {}) = 0;
  // Starts `argv` with streamed stdin/stdout.
  virtual Result<std::unique_ptr<Process>> Start(const Argv& argv) = 0;
  // The `host` label: a configured source name, or "local".
  virtual const std::string& Host() const = 0;
};

// First non-empty line of a stderr text, for one-line messages.
std::string FirstLine(std::string_view text);

// "zfs send tank/a@s: exit 1: cannot open 'tank/a': dataset does not exist"
std::string DescribeFailure(const Argv& argv, const CommandResult& r);

}  // namespace zpull::core
