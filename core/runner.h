#pragma once
// The command-runner seam: every external command zpull runs goes through a
// CommandRunner, so tests can replace the operating system (fake, recording,
// fault-injecting runners) and SSH and local execution look the same.

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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
// A command run to completion (CommandRunner::Run) whose stdout exceeds
// this fails instead of growing memory (a broken or hostile peer).
inline constexpr std::size_t kMaxCapturedStdout = 128u << 20;

std::string OutputTooLarge(const Argv& argv);

// What one bounded read found: `bytes` read, or the end of the stream, or
// (bytes == 0 and !end) nothing within the wait.
struct ReadChunk {
  std::size_t bytes = 0;
  bool end = false;
};

// A running command with streamed stdin and stdout; stderr is collected.
// One owner; not thread-safe: reads, writes, CloseStdin, Abort and Wait are
// called from one thread at a time. The destructor stops and reaps a command
// that is still running.
//
// The bounded calls (ReadFor, WriteFor) return within about `wait`, so a
// caller can watch deadlines and cancellation between them; a transport
// that cannot bound a write says so on its WriteFor.
class Process {
 public:
  virtual ~Process() = default;
  // Reads some of stdout into `buf`, waiting at most `wait` for data. An
  // error means the transport failed (not that the command did).
  virtual Result<ReadChunk> ReadFor(std::span<char> buf, std::chrono::milliseconds wait) = 0;
  // Writes a prefix of `data` to stdin, waiting at most `wait` for the
  // command to accept input; returns how many bytes it took (0: none within
  // the wait). Fails if the command stopped reading.
  virtual Result<std::size_t> WriteFor(std::span<const char> data, std::chrono::milliseconds wait) = 0;
  // Signals end of input.
  virtual void CloseStdin() = 0;
  // Stops the command and closes its streams; Wait still reports how it ended.
  virtual void Abort() = 0;
  // Waits for the end and returns the exit status and stderr.
  virtual Result<ExitInfo> Wait() = 0;

  // The local pipe ends behind stdout and stdin, so that a stream between
  // two local commands can move inside the kernel (splice); -1 where the
  // command is not local or the stream is closed.
  virtual int StdoutPipe() const { return -1; }
  virtual int StdinPipe() const { return -1; }

  // Blocking forms: Read returns 0 only at the end of the stream; Write
  // returns once all of `data` is taken.
  Result<std::size_t> Read(std::span<char> buf);
  Status Write(std::span<const char> data);
};

// The largest command line zpull sends to a remote host as one command,
// quoted as a shell would take it. Over SSH the whole command reaches the
// remote shell as one argument (`sh -c`; for a forced command, SSH_ORIGINAL_COMMAND), which
// Linux caps at 128 KiB (MAX_ARG_STRLEN); beyond, the command fails
// ("Argument list too long") or sshd drops the session.
inline constexpr std::size_t kMaxCommandBytes = 120 * 1024;

// `args` cut into consecutive runs such that `head` followed by each run,
// every word shell-quoted and space-separated, stays within `max_bytes`
// (a word too long on its own gets a run of its own). Pure.
std::vector<std::vector<std::string>> ArgBatches(const Argv& head, const std::vector<std::string>& args,
                                                 std::size_t max_bytes = kMaxCommandBytes);

// Runs commands on one host. Thread-safe: concurrent calls are allowed.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs `argv` to completion with `input` on stdin. A non-zero exit is a
  // successful Result carrying that exit code; an error means the command
  // could not be run at all (missing program, SSH failure) or printed more
  // than kMaxCapturedStdout (then it is stopped).
  virtual Result<CommandResult> Run(const Argv& argv, std::string_view input = {}) = 0;
  // Run, waiting at most `limit` (0: no limit) instead of the runner's own
  // command timeout: for commands bounded otherwise (a drill step by what
  // is left of drill.timeout). On expiry the command is stopped and the
  // result is reason `timeout`. The default ignores `limit` (test runners).
  virtual Result<CommandResult> RunWithin(const Argv& argv, std::string_view input, std::chrono::milliseconds limit);
  // Runs independent commands (none needs another's effect first), possibly
  // concurrently; results in the order of `commands`. An error fails the
  // whole batch. The default runs them one after the other.
  virtual Result<std::vector<CommandResult>> RunAll(const std::vector<Argv>& commands);
  // Starts `argv` with streamed stdin/stdout.
  virtual Result<std::unique_ptr<Process>> Start(const Argv& argv) = 0;
  // The `host` label: a configured source name, or "local".
  virtual const std::string& Host() const = 0;
  // Whether commands run on another host (over SSH), where a zpull-guard
  // may stand between zpull and them.
  virtual bool Remote() const { return false; }
  // How long Run waits for a command (0: no limit); streamed listings
  // give up after this long without output.
  virtual std::chrono::milliseconds CommandTimeout() const { return {}; }
  // The longest command line (shell-quoted, as ArgBatches counts) this
  // runner can run; longer argument lists are cut with ArgBatches.
  virtual std::size_t MaxCommandBytes() const { return kMaxCommandBytes; }
};

// How a command that ran past its limit fails: reason timeout, naming the
// command and the limit (`what`: the setting that set it, e.g. "command_timeout").
Error CommandTimedOut(const Argv& argv, std::chrono::milliseconds limit, std::string_view what);

// "10m", "1m30s", "2s", "250ms": a duration as the configuration writes it.
std::string DurationText(std::chrono::milliseconds d);

// First non-empty line of a stderr text, for one-line messages.
std::string FirstLine(std::string_view text);

// "host NAME": how every error about a command names where it ran.
inline std::string HostContext(std::string_view host) { return "host " + std::string(host); }

// "zfs send tank/a@s: exit 1: cannot open 'tank/a': dataset does not exist"
std::string DescribeFailure(const Argv& argv, const CommandResult& r);

}  // namespace zpull::core
