#include "core/ssh_runner.h"

#include "core/ssh_files.h"

#include <libssh/libssh.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace zpull::core {

void SshSessionDeleter::operator()(ssh_session_struct* s) const {
  if (s) {
    ssh_disconnect(s);
    ssh_free(s);
  }
}

namespace {

struct ChannelDeleter {
  void operator()(ssh_channel_struct* c) const {
    if (c) {
      ssh_channel_close(c);
      ssh_channel_free(c);
    }
  }
};
using ChannelPtr = std::unique_ptr<ssh_channel_struct, ChannelDeleter>;

struct KeyDeleter {
  void operator()(ssh_key_struct* k) const { ssh_key_free(k); }
};
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyDeleter>;

std::string Where(const SshTarget& t) {
  return "source " + t.name + " (" + t.user + "@" + t.host + ":" + std::to_string(t.port) + ")";
}

// Streams larger than this per read make libssh grow its receive window
// (libssh 0.10 behaviour; see docs/libssh.md §3, window top-up).
constexpr std::size_t kWindowTopUp = 4u << 20;
constexpr std::size_t kReadChunk = 1u << 20;
constexpr int kReadTimeoutMs = 1000;

void DrainStderr(ssh_channel c, std::string& err) {
  char buf[4096];
  while (true) {
    int n = ssh_channel_read_nonblocking(c, buf, sizeof buf, 1);
    if (n <= 0) return;
    if (err.size() < kMaxCapturedStderr) {
      err.append(buf, std::min<std::size_t>(static_cast<std::size_t>(n), kMaxCapturedStderr - err.size()));
    }
  }
}

int ExitCodeOf(ssh_channel c) {
  int status = ssh_channel_get_exit_status(c);
  // -1: the remote side sent no exit status (killed by a signal, or the
  // connection broke); report it like a shell reports a killed command.
  return status < 0 ? 255 : status;
}

Result<ChannelPtr> OpenExec(ssh_session session, const Argv& argv, const std::string& where) {
  ChannelPtr ch(ssh_channel_new(session));
  if (!ch) return Fail(Reason::kNetwork, where + ": cannot create channel: " + ssh_get_error(session));
  if (ssh_channel_open_session(ch.get()) != SSH_OK) {
    return Fail(Reason::kNetwork, where + ": cannot open channel: " + ssh_get_error(session));
  }
  std::string cmd = ShellJoin(argv);
  if (ssh_channel_request_exec(ch.get(), cmd.c_str()) != SSH_OK) {
    return Fail(Reason::kNetwork, where + ": exec refused: " + ssh_get_error(session));
  }
  return ch;
}

// A remote command on its own session. Reads block in the caller's thread.
class SshProcess : public Process {
 public:
  SshProcess(SshSessionPtr session, ChannelPtr channel, std::string where, std::chrono::milliseconds wait_limit)
      : session_(std::move(session)), channel_(std::move(channel)), where_(std::move(where)), wait_limit_(wait_limit) {}
  ~SshProcess() override {
    channel_.reset();
    session_.reset();
  }

  Result<ReadChunk> ReadFor(std::span<char> buf, std::chrono::milliseconds wait) override {
    if (!channel_) return ReadChunk{0, true};
    std::size_t count = (reads_++ % 16 == 0) ? std::min(buf.size(), kWindowTopUp) : std::min(buf.size(), kReadChunk);
    int n = ssh_channel_read_timeout(channel_.get(), buf.data(), static_cast<uint32_t>(count), 0,
                                     static_cast<int>(std::max<std::int64_t>(wait.count(), 1)));
    DrainStderr(channel_.get(), err_);
    if (n == SSH_ERROR) {
      return Fail(Reason::kNetwork, where_ + ": read failed: " + ssh_get_error(session_.get()));
    }
    if (n > 0) return ReadChunk{static_cast<std::size_t>(n), false};
    if (ssh_channel_is_eof(channel_.get()) || ssh_channel_is_closed(channel_.get())) return ReadChunk{0, true};
    return ReadChunk{};
  }

  // Not bounded by `wait`: libssh's blocking write returns once the peer's
  // window takes the chunk (at most 1 MiB). zpull only reads from remote
  // commands, so no transfer depends on this.
  Result<std::size_t> WriteFor(std::span<const char> data, std::chrono::milliseconds) override {
    if (!channel_) return Fail(Reason::kNetwork, where_ + ": write failed: channel closed");
    int n = ssh_channel_write(channel_.get(), data.data(),
                              static_cast<uint32_t>(std::min<std::size_t>(data.size(), kReadChunk)));
    if (n == SSH_ERROR) {
      return Fail(Reason::kNetwork, where_ + ": write failed: " + ssh_get_error(session_.get()));
    }
    return static_cast<std::size_t>(n);
  }

  void CloseStdin() override {
    if (channel_) ssh_channel_send_eof(channel_.get());
  }

  void Abort() override {
    aborted_ = true;
    channel_.reset();
  }

  Result<ExitInfo> Wait() override {
    if (!done_) {
      done_ = true;
      if (!channel_) {
        exit_code_ = aborted_ ? 128 + 15 : 255;
      } else {
        // Read to the end so the exit status has arrived, but no longer
        // than the command timeout: a source may keep the channel open.
        const auto deadline = std::chrono::steady_clock::now() + wait_limit_;
        std::vector<char> sink(65536);
        while (true) {
          if (wait_limit_.count() > 0 && std::chrono::steady_clock::now() >= deadline) {
            if (err_.size() < kMaxCapturedStderr) {
              err_ += "zpull: the command did not end within " + DurationText(wait_limit_) +
                      " (command_timeout) after its output; stopped waiting\n";
            }
            channel_.reset();
            session_.reset();
            exit_code_ = 255;
            return ExitInfo{exit_code_, err_};
          }
          int n = ssh_channel_read_timeout(channel_.get(), sink.data(), static_cast<uint32_t>(sink.size()), 0,
                                           kReadTimeoutMs);
          DrainStderr(channel_.get(), err_);
          if (n == SSH_ERROR) break;
          if (n == 0 && (ssh_channel_is_eof(channel_.get()) || ssh_channel_is_closed(channel_.get()))) break;
        }
        DrainStderr(channel_.get(), err_);
        exit_code_ = ExitCodeOf(channel_.get());
        channel_.reset();
      }
    }
    return ExitInfo{exit_code_, err_};
  }

 private:
  SshSessionPtr session_;
  ChannelPtr channel_;
  std::string where_;
  const std::chrono::milliseconds wait_limit_;
  std::string err_;
  std::uint64_t reads_ = 0;
  bool aborted_ = false;
  bool done_ = false;
  int exit_code_ = 0;
};

}  // namespace

Result<SshSessionPtr> ConnectSsh(const SshTarget& t) {
  const std::string where = Where(t);
  // A missing or unreadable file named as such (libssh would report an
  // unreadable known_hosts as an unknown key).
  if (auto files = CheckSshFiles(t); !files) return tl::unexpected(files.error());
  SshSessionPtr s(ssh_new());
  if (!s) return Fail(Reason::kOther, where + ": ssh_new failed");
  int no = 0;
  long timeout = t.connect_timeout_seconds;
  ssh_options_set(s.get(), SSH_OPTIONS_PROCESS_CONFIG, &no);
  ssh_options_set(s.get(), SSH_OPTIONS_HOST, t.host.c_str());
  ssh_options_set(s.get(), SSH_OPTIONS_PORT, &t.port);
  ssh_options_set(s.get(), SSH_OPTIONS_USER, t.user.c_str());
  ssh_options_set(s.get(), SSH_OPTIONS_TIMEOUT, &timeout);
  // Control commands are small request/response exchanges: without
  // TCP_NODELAY each waits out Nagle and delayed ACKs (about 40 ms).
  int nodelay = 1;
  ssh_options_set(s.get(), SSH_OPTIONS_NODELAY, &nodelay);
  if (!t.known_hosts_file.empty()) {
    // The configured file is the only authority: the system-wide file is
    // pointed at it too, so no other source of keys is consulted.
    ssh_options_set(s.get(), SSH_OPTIONS_KNOWNHOSTS, t.known_hosts_file.c_str());
    ssh_options_set(s.get(), SSH_OPTIONS_GLOBAL_KNOWNHOSTS, t.known_hosts_file.c_str());
  }
  const char* ciphers =
      "aes128-gcm@openssh.com,chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes256-ctr";
  ssh_options_set(s.get(), SSH_OPTIONS_CIPHERS_C_S, ciphers);
  ssh_options_set(s.get(), SSH_OPTIONS_CIPHERS_S_C, ciphers);

  if (ssh_connect(s.get()) != SSH_OK) {
    return Fail(Reason::kNetwork, where + ": cannot connect: " + ssh_get_error(s.get()));
  }
  switch (ssh_session_is_known_server(s.get())) {
    case SSH_KNOWN_HOSTS_OK:
      break;
    case SSH_KNOWN_HOSTS_CHANGED:
      return Fail(Reason::kHostkey, where + ": host key CHANGED (does not match " + t.known_hosts_file +
                                        "); refusing to connect");
    case SSH_KNOWN_HOSTS_OTHER:
      return Fail(Reason::kHostkey, where + ": host key type differs from the one in " + t.known_hosts_file +
                                        "; refusing to connect");
    case SSH_KNOWN_HOSTS_UNKNOWN:
      return Fail(Reason::kHostkey, where + ": host key unknown (not in " + t.known_hosts_file +
                                        "); add it with ssh-keyscan after checking its fingerprint");
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      return Fail(Reason::kHostkey, where + ": known_hosts file " + t.known_hosts_file + " not found");
    case SSH_KNOWN_HOSTS_ERROR:
    default:
      return Fail(Reason::kHostkey, where + ": host key check failed: " + ssh_get_error(s.get()));
  }

  ssh_key raw_key = nullptr;
  if (ssh_pki_import_privkey_file(t.identity_file.c_str(), nullptr, nullptr, nullptr, &raw_key) != SSH_OK) {
    return Fail(Reason::kAuth, where + ": cannot read identity file " + t.identity_file);
  }
  KeyPtr key(raw_key);
  int rc = ssh_userauth_publickey(s.get(), nullptr, key.get());
  if (rc != SSH_AUTH_SUCCESS) {
    return Fail(Reason::kAuth, where + ": public key authentication refused for user " + t.user +
                                   (rc == SSH_AUTH_ERROR ? std::string(": ") + ssh_get_error(s.get()) : ""));
  }
  return s;
}

SshRunner::SshRunner(SshTarget target) : target_(std::move(target)) {}
SshRunner::~SshRunner() = default;

namespace {

using Clock = std::chrono::steady_clock;

// Reads a command's output to its end and its exit status, until `deadline`
// (where `limit` is not 0).
Result<CommandResult> Collect(ssh_session session, ssh_channel ch, const Argv& argv, const std::string& where,
                              Clock::time_point deadline, std::chrono::milliseconds limit,
                              const char* what = "command_timeout") {
  CommandResult r;
  std::vector<char> buf(65536);
  while (true) {
    if (limit.count() > 0 && Clock::now() >= deadline) {
      auto e = CommandTimedOut(argv, limit, what);
      return Fail(e.reason, where + ": " + e.message);
    }
    int n = ssh_channel_read_timeout(ch, buf.data(), static_cast<uint32_t>(buf.size()), 0, kReadTimeoutMs);
    DrainStderr(ch, r.err);
    if (n == SSH_ERROR) return Fail(Reason::kNetwork, where + ": read failed: " + ssh_get_error(session));
    if (n > 0) {
      if (r.out.size() + static_cast<std::size_t>(n) > kMaxCapturedStdout) {
        return Fail(Reason::kOther, where + ": " + OutputTooLarge(argv));
      }
      r.out.append(buf.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch)) break;
  }
  DrainStderr(ch, r.err);
  r.exit_code = ExitCodeOf(ch);
  return r;
}

}  // namespace

Result<CommandResult> SshRunner::RunOnce(ssh_session session, const Argv& argv, std::string_view input,
                                         std::chrono::milliseconds limit) {
  const std::string where = Where(target_);
  const auto deadline = Clock::now() + limit;
  auto ch = OpenExec(session, argv, where);
  if (!ch) return tl::unexpected(ch.error());
  if (!input.empty()) {
    if (ssh_channel_write(ch->get(), input.data(), static_cast<uint32_t>(input.size())) == SSH_ERROR) {
      return Fail(Reason::kNetwork, where + ": write failed: " + ssh_get_error(session));
    }
  }
  ssh_channel_send_eof(ch->get());
  return Collect(session, ch->get(), argv, where, deadline, limit,
                 limit == target_.command_timeout ? "command_timeout" : "time limit");
}

Result<std::vector<CommandResult>> SshRunner::RunBatch(ssh_session session, const std::vector<Argv>& commands) {
  const std::string where = Where(target_);
  std::vector<CommandResult> out;
  for (std::size_t first = 0; first < commands.size(); first += kMaxChannels) {
    const std::size_t last = std::min(commands.size(), first + kMaxChannels);
    // All of a batch's commands start before any output is read; each is
    // bounded by the command timeout from the batch's start.
    const auto deadline = Clock::now() + target_.command_timeout;
    std::vector<ChannelPtr> channels;
    for (std::size_t i = first; i < last; ++i) {
      auto ch = OpenExec(session, commands[i], where);
      if (!ch) return tl::unexpected(ch.error());
      ssh_channel_send_eof(ch->get());
      channels.push_back(std::move(*ch));
    }
    for (std::size_t i = first; i < last; ++i) {
      auto r = Collect(session, channels[i - first].get(), commands[i], where, deadline, target_.command_timeout);
      if (!r) return tl::unexpected(r.error());
      out.push_back(std::move(*r));
    }
  }
  return out;
}

template <class T>
Result<T> SshRunner::OnControl(const std::function<Result<T>(ssh_session)>& attempt, std::chrono::milliseconds limit) {
  std::unique_lock lock(mu_, std::defer_lock);
  if (limit.count() > 0) {
    if (!lock.try_lock_for(limit)) {
      return Fail(Reason::kTimeout, Where(target_) + ": another command held the connection for longer than " +
                                        DurationText(limit) + " (" +
                                        (limit == target_.command_timeout ? "command_timeout" : "time limit") +
                                        "); stopped waiting");
    }
  } else {
    lock.lock();
  }
  for (int tries = 0; tries < 2; ++tries) {
    if (!control_) {
      auto s = ConnectSsh(target_);
      if (!s) return tl::unexpected(s.error());
      control_ = std::move(*s);
    }
    auto r = attempt(control_.get());
    if (r || r.error().reason != Reason::kNetwork || tries == 1) {
      if (!r) control_.reset();
      return r;
    }
    control_.reset();  // a broken shared session: reconnect once
  }
  return Fail(Reason::kNetwork, Where(target_) + ": unreachable");
}

Result<CommandResult> SshRunner::RunWithin(const Argv& argv, std::string_view input, std::chrono::milliseconds limit) {
  return OnControl<CommandResult>([&](ssh_session s) { return RunOnce(s, argv, input, limit); }, limit);
}

Result<std::vector<CommandResult>> SshRunner::RunAll(const std::vector<Argv>& commands) {
  return OnControl<std::vector<CommandResult>>([&](ssh_session s) { return RunBatch(s, commands); },
                                               target_.command_timeout);
}

Result<std::unique_ptr<Process>> SshRunner::Start(const Argv& argv) {
  auto s = ConnectSsh(target_);
  if (!s) return tl::unexpected(s.error());
  auto ch = OpenExec(s->get(), argv, Where(target_));
  if (!ch) return tl::unexpected(ch.error());
  return std::unique_ptr<Process>(
      new SshProcess(std::move(*s), std::move(*ch), Where(target_), target_.command_timeout));
}

}  // namespace zpull::core
