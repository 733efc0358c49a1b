#pragma once
// Runs commands on a source host over SSH (libssh exec channels).
//
// Host keys are checked against the configured known_hosts file only (the
// user's and system's ssh configs are not read): an unknown or changed key is
// refused with reason `hostkey`, never accepted. Authentication is by the
// configured private key only (reason `auth` on refusal).
//
// Control commands share one session (reconnected when it breaks); each
// streamed command gets its own session and is read with blocking reads in
// the caller's thread (see docs/libssh.md §2 for why).

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/runner.h"
#include "core/ssh_target.h"

struct ssh_session_struct;

namespace zpull::core {

// Owns one connected, authenticated libssh session.
struct SshSessionDeleter {
  void operator()(ssh_session_struct* s) const;
};
using SshSessionPtr = std::unique_ptr<ssh_session_struct, SshSessionDeleter>;

// Connects, verifies the host key, authenticates. Errors carry reason
// hostkey, auth or network and name the target.
Result<SshSessionPtr> ConnectSsh(const SshTarget& target);

// Thread-safe: the shared control session is guarded by mu_.
class SshRunner : public CommandRunner {
 public:
  explicit SshRunner(SshTarget target);
  ~SshRunner() override;
  Result<CommandResult> Run(const Argv& argv, std::string_view input = {}) override {
    return RunWithin(argv, input, target_.command_timeout);
  }
  Result<CommandResult> RunWithin(const Argv& argv, std::string_view input, std::chrono::milliseconds limit) override;
  // Up to kMaxChannels commands at a time on the shared session, each on its
  // own channel, so a batch costs about one round trip instead of one each
  // (sshd's MaxSessions is 10 by default).
  Result<std::vector<CommandResult>> RunAll(const std::vector<Argv>& commands) override;
  Result<std::unique_ptr<Process>> Start(const Argv& argv) override;
  static constexpr std::size_t kMaxChannels = 8;
  const std::string& Host() const override { return target_.name; }
  std::chrono::milliseconds CommandTimeout() const override { return target_.command_timeout; }
  bool Remote() const override { return true; }

 private:
  Result<CommandResult> RunOnce(ssh_session_struct* session, const Argv& argv, std::string_view input,
                                std::chrono::milliseconds limit);
  Result<std::vector<CommandResult>> RunBatch(ssh_session_struct* session, const std::vector<Argv>& commands);
  // Runs `attempt` on the shared session, connecting first where needed and
  // once more on a fresh session when the shared one turns out broken.
  // A caller waits for the session at most `limit` (0: no limit): one
  // command that hangs does not hold the others past their own deadline.
  template <class T>
  Result<T> OnControl(const std::function<Result<T>(ssh_session_struct*)>& attempt, std::chrono::milliseconds limit);

  const SshTarget target_;
  std::timed_mutex mu_;
  SshSessionPtr control_;  // guarded by mu_
};

}  // namespace zpull::core
