#include "core/local_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

extern char** environ;

namespace zpull::core {
namespace {

// Owns one file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { int f = fd_; fd_ = -1; return f; }
  void reset() { if (fd_ >= 0) ::close(fd_); fd_ = -1; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

Result<Pipe> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return Fail(Reason::kOther, std::string("pipe: ") + std::strerror(errno));
  }
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

std::string ErrnoText(int err) { return std::strerror(err); }

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

// Spawns argv with the given fds as stdin/stdout/stderr.
Result<pid_t> Spawn(const Argv& argv, int in, int out, int err, bool own_group = false) {
  if (argv.empty()) return Fail(Reason::kOther, "empty command");
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in, 0);
  posix_spawn_file_actions_adddup2(&fa, out, 1);
  posix_spawn_file_actions_adddup2(&fa, err, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t def, empty;
  sigemptyset(&empty);
  sigemptyset(&def);
  sigaddset(&def, SIGPIPE);
  sigaddset(&def, SIGINT);
  sigaddset(&def, SIGTERM);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (own_group ? POSIX_SPAWN_SETPGROUP : 0));
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, cargv[0], &fa, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Fail(Reason::kOther, "cannot run " + argv[0] + ": " + ErrnoText(rc));
  }
  return pid;
}

int WaitPid(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 255;
  }
  return DecodeStatus(status);
}

// Reaps `pid` (already sent SIGKILL) if it ends within a moment; else a
// thread reaps it whenever it ends (a process stuck in the kernel, say on a
// hung pool, cannot be waited for). Returns its status, or 128 + SIGKILL.
int ReapKilled(pid_t pid);

// Whether `pid` ended (and was reaped) within `wait`.
bool ReapWithin(pid_t pid, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int ReapKilled(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return DecodeStatus(status);
    if (r < 0 && errno != EINTR) return 128 + SIGKILL;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::thread([pid] { (void)WaitPid(pid); }).detach();
  return 128 + SIGKILL;
}

// Whether `fd` became ready for `events` within `wait` (hang-up and errors
// count as ready: the next read or write reports them).
Result<bool> WaitFor(int fd, short events, std::chrono::milliseconds wait) {
  pollfd p{fd, events, 0};
  int rc = ::poll(&p, 1, static_cast<int>(wait.count()));
  if (rc < 0 && errno != EINTR) return Fail(Reason::kOther, std::string("poll: ") + ErrnoText(errno));
  return rc > 0;
}

void SetNonBlocking(int fd) { (void)::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

void AppendCapped(std::string& s, const char* data, std::size_t n) {
  if (s.size() < kMaxCapturedStderr) {
    s.append(data, std::min(n, kMaxCapturedStderr - s.size()));
  }
}

// A spawned command with piped stdin/stdout; a thread collects stderr.
class LocalProcess : public Process {
 public:
  LocalProcess(pid_t pid, Fd in, Fd out, Fd err) : pid_(pid), in_(std::move(in)), out_(std::move(out)) {
    stderr_thread_ = std::thread([this, fd = std::move(err)]() mutable {
      char buf[4096];
      while (!stop_reading_) {
        // A child the command left behind may hold stderr open for ever:
        // Wait() stops this reader after a grace (stop_reading_).
        pollfd p{fd.get(), POLLIN, 0};
        const int ready = ::poll(&p, 1, 100);
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) continue;
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        std::lock_guard lock(err_mu_);
        AppendCapped(err_, buf, static_cast<std::size_t>(n));
      }
      stderr_done_ = true;
    });
  }
  ~LocalProcess() override {
    if (!waited_) {
      Abort();
      (void)Wait();
    }
  }

  Result<ReadChunk> ReadFor(std::span<char> buf, std::chrono::milliseconds wait) override {
    if (!out_) return ReadChunk{0, true};
    while (true) {
      ssize_t n = ::read(out_.get(), buf.data(), buf.size());
      if (n > 0) return ReadChunk{static_cast<std::size_t>(n), false};
      if (n == 0) return ReadChunk{0, true};
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return Fail(Reason::kOther, "read from local command: " + ErrnoText(errno));
      auto ready = WaitFor(out_.get(), POLLIN, wait);
      if (!ready) return tl::unexpected(ready.error());
      if (!*ready) return ReadChunk{};
      wait = std::chrono::milliseconds(0);  // readable now: one more read
    }
  }

  Result<std::size_t> WriteFor(std::span<const char> data, std::chrono::milliseconds wait) override {
    if (!in_) return Fail(Reason::kOther, "write to local command: stdin closed");
    while (true) {
      ssize_t n = ::write(in_.get(), data.data(), data.size());
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return Fail(Reason::kOther, "write to local command: " + ErrnoText(errno));
      auto ready = WaitFor(in_.get(), POLLOUT, wait);
      if (!ready) return tl::unexpected(ready.error());
      if (!*ready) return std::size_t{0};
      wait = std::chrono::milliseconds(0);
    }
  }

  void CloseStdin() override { in_.reset(); }
  int StdoutPipe() const override { return out_ ? out_.get() : -1; }
  int StdinPipe() const override { return in_ ? in_.get() : -1; }

  // Closes the streams first: a command that notices (EPIPE, end of input)
  // ends on its own terms, which matters for zfs-fuse's `zfs send`, whose
  // temporary holds leak when a signal kills it. One that does not end
  // within kAbortGrace is terminated (SIGTERM, then SIGKILL).
  void Abort() override {
    in_.reset();
    out_.reset();
    aborted_ = true;
  }

  Result<ExitInfo> Wait() override {
    if (!waited_) {
      in_.reset();
      if (aborted_) exit_code_ = EndAborted();
      else exit_code_ = WaitPid(pid_);
      waited_ = true;
      const auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (!stderr_done_ && std::chrono::steady_clock::now() < grace) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      stop_reading_ = true;
      if (stderr_thread_.joinable()) stderr_thread_.join();
    }
    std::lock_guard lock(err_mu_);
    return ExitInfo{exit_code_, err_};
  }

 private:
  pid_t pid_;
  Fd in_, out_;
  std::thread stderr_thread_;
  std::mutex err_mu_;
  std::string err_;  // guarded by err_mu_
  std::atomic<bool> stop_reading_{false}, stderr_done_{false};
  bool waited_ = false;
  bool aborted_ = false;
  int exit_code_ = 0;

  static constexpr auto kAbortGrace = std::chrono::seconds(2);

  int EndAborted() {
    for (int sig : {0, SIGTERM}) {
      if (sig != 0) ::kill(pid_, sig);
      const auto deadline = std::chrono::steady_clock::now() + kAbortGrace;
      while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) return DecodeStatus(status);
        if (r < 0 && errno != EINTR) return 255;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    ::kill(pid_, SIGKILL);
    return ReapKilled(pid_);
  }
};

}  // namespace

LocalRunner::LocalRunner(std::chrono::milliseconds command_timeout) : command_timeout_(command_timeout) {
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

Result<CommandResult> LocalRunner::RunWithin(const Argv& argv, std::string_view input, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto in = MakePipe();
  auto out = MakePipe();
  auto err = MakePipe();
  if (!in || !out || !err) return Fail(Reason::kOther, "cannot create pipes");
  auto pid = Spawn(argv, in->read.get(), out->write.get(), err->write.get(), own_group_);
  if (!pid) return tl::unexpected(pid.error());
  in->read.reset();
  out->write.reset();
  err->write.reset();
  if (input.empty()) in->write.reset();

  CommandResult r;
  std::size_t written = 0;
  char buf[65536];
  while (out->read || err->read) {
    pollfd fds[3];
    int n = 0;
    int out_i = -1, err_i = -1, in_i = -1;
    if (out->read) { out_i = n; fds[n++] = {out->read.get(), POLLIN, 0}; }
    if (err->read) { err_i = n; fds[n++] = {err->read.get(), POLLIN, 0}; }
    if (in->write) { in_i = n; fds[n++] = {in->write.get(), POLLOUT, 0}; }
    int wait_ms = -1;
    if (limit.count() > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ::kill(*pid, SIGTERM);
        if (!ReapWithin(*pid, std::chrono::seconds(1))) {
          ::kill(*pid, SIGKILL);
          (void)ReapKilled(*pid);
        }
        return tl::unexpected(CommandTimedOut(argv, limit, limit == command_timeout_ ? "command_timeout" : "time limit"));
      }
      wait_ms = static_cast<int>(std::min<std::int64_t>(left.count(), 60'000));
    }
    const int ready = ::poll(fds, n, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready == 0) continue;
    if (in_i >= 0 && fds[in_i].revents) {
      ssize_t w = ::write(in->write.get(), input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      if (w < 0 && errno != EINTR && errno != EAGAIN) in->write.reset();
      if (written == input.size()) in->write.reset();
    }
    for (auto [idx, fd, sink] : {std::tuple{out_i, &out->read, &r.out}, std::tuple{err_i, &err->read, &r.err}}) {
      if (idx < 0 || !fds[idx].revents) continue;
      ssize_t k = ::read(fd->get(), buf, sizeof buf);
      if (k > 0) {
        if (sink == &r.err) {
          AppendCapped(*sink, buf, static_cast<std::size_t>(k));
        } else if (sink->size() + static_cast<std::size_t>(k) > kMaxCapturedStdout) {
          ::kill(*pid, SIGKILL);
          (void)ReapKilled(*pid);
          return Fail(Reason::kOther, OutputTooLarge(argv));
        } else {
          sink->append(buf, static_cast<std::size_t>(k));
        }
      } else if (k == 0 || errno != EINTR) {
        fd->reset();
      }
    }
  }
  in->write.reset();
  r.exit_code = WaitPid(*pid);
  return r;
}

Result<std::vector<CommandResult>> LocalRunner::RunAll(const std::vector<Argv>& commands) {
  std::vector<Result<CommandResult>> results(commands.size());
  for (std::size_t first = 0; first < commands.size(); first += kMaxParallel) {
    const std::size_t last = std::min(commands.size(), first + kMaxParallel);
    std::vector<std::thread> threads;
    for (std::size_t i = first; i < last; ++i) {
      threads.emplace_back([this, &commands, &results, i] { results[i] = Run(commands[i]); });
    }
    for (auto& t : threads) t.join();
  }
  std::vector<CommandResult> out;
  out.reserve(results.size());
  for (auto& r : results) {
    if (!r) return tl::unexpected(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

Result<std::unique_ptr<Process>> LocalRunner::Start(const Argv& argv) {
  auto in = MakePipe();
  auto out = MakePipe();
  auto err = MakePipe();
  if (!in || !out || !err) return Fail(Reason::kOther, "cannot create pipes");
  // A 1 MiB pipe lets a stream move in large writes (best effort).
  (void)::fcntl(in->write.get(), F_SETPIPE_SZ, 1 << 20);
  (void)::fcntl(out->write.get(), F_SETPIPE_SZ, 1 << 20);
  auto pid = Spawn(argv, in->read.get(), out->write.get(), err->write.get(), own_group_);
  if (!pid) return tl::unexpected(pid.error());
  in->read.reset();
  out->write.reset();
  err->write.reset();
  SetNonBlocking(in->write.get());
  SetNonBlocking(out->read.get());
  return std::unique_ptr<Process>(new LocalProcess(*pid, std::move(in->write),
                                                   std::move(out->read), std::move(err->read)));
}

}  // namespace zpull::core
