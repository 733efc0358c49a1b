#include "daemon/run_loop.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "daemon/daemon.h"
#include "config/expand.h"
#include "exporter/http_server.h"
#include "exporter/web_config.h"

namespace zpull::daemon {

void LimitMallocArenas() {
#ifdef __GLIBC__
  // An operator's own setting wins.
  if (!std::getenv("MALLOC_ARENA_MAX") && !std::getenv("GLIBC_TUNABLES")) mallopt(M_ARENA_MAX, 2);
#endif
}
namespace {

// This host's name, for a URL a browser elsewhere can open.
std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

// How long SIGINT/SIGTERM waits for running work before exiting at once.
constexpr std::chrono::seconds kStopGrace{8};

// Leaves `http` listening as `listener` says: the running server if it was
// started so (`fingerprint`), a new one otherwise (the old one stopped first:
// the new one may want its port).
core::Status Listen(std::unique_ptr<exporter::HttpServer>& http, std::string& fingerprint,
                    const exporter::Listener& listener, std::function<bool()> healthy, const core::Log& log) {
  if (http && listener.fingerprint == fingerprint) return {};
  if (http) log.Info("new HTTP listener: its address, web configuration or certificates changed");
  http.reset();
  auto started = exporter::HttpServer::Start(listener.listen, std::move(healthy), listener.web);
  if (!started) return tl::unexpected(started.error());
  http = std::move(*started);
  fingerprint = listener.fingerprint;
  return {};
}

}  // namespace

// `config` with its recursive entries expanded against the sources now
// (config/expand.h); what could not be listed is reported on `log`.
config::Config Expanded(const config::Config& config, Hosts& hosts, const core::Log& log) {
  auto expansion = config::ExpandDatasets(config, hosts.SourceLookup());
  for (const auto& w : expansion.warnings) log.Warn("selection warning", {{"warning", w}});
  for (const auto& e : expansion.errors) {
    log.Error("cannot list a recursive entry's children; replicating its root only until they can be listed",
              {{"reason", core::ReasonName(e.reason)}, {"error", e.message}});
  }
  return std::move(expansion.config);
}

int RunUntilStopped(config::Config initial, const std::function<core::Result<config::Config>()>& reload,
                    const core::Log& log, const std::function<std::int64_t()>& now) {
  LimitMallocArenas();
  sigset_t signals_set;
  sigemptyset(&signals_set);
  sigaddset(&signals_set, SIGINT);
  sigaddset(&signals_set, SIGTERM);
  sigaddset(&signals_set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals_set, nullptr);

  // What the signal thread and this loop share; guarded by mu.
  std::mutex mu;
  Daemon* running = nullptr;             // the daemon of this iteration, once it exists
  bool stop = false;                     // SIGINT/SIGTERM
  std::optional<config::Config> next;    // SIGHUP: the configuration to run next
  bool reexpand = false;                 // a recursive entry's selection changed
  std::atomic<bool> stopping{false};     // for good: /healthz answers 503
  // The loop is done; shared with the stop timer, which may outlive this.
  auto finished = std::make_shared<std::atomic<bool>>(false);
  // Signals are handled from the start, before any host is contacted.
  std::thread signals([&] {
    while (true) {
      int sig = 0;
      sigwait(&signals_set, &sig);
      if (*finished) return;
      if (sig == SIGHUP) {
        auto reloaded = reload();
        if (!reloaded) {
          log.Error("reload refused, keeping the running configuration", {{"error", reloaded.error().message}});
          continue;
        }
        for (const auto& w : reloaded->warnings) log.Warn("config warning", {{"warning", w}});
        log.Info("reloading (running cycles finish first)", {{"config", reloaded->path}});
        std::lock_guard lock(mu);
        next = std::move(*reloaded);
        if (running) running->Stop(/*cancel_transfers=*/false);
        continue;  // a stop signal may still come while cycles finish
      }
      log.Info("stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
      stopping = true;
      {
        std::lock_guard lock(mu);
        stop = true;
        if (running) running->Stop();
      }
      // Whatever a host does, zpull ends within kStopGrace: a command stuck
      // in the kernel (a hung zfs-fuse) or a libssh call cannot be
      // interrupted, so past the grace the process exits at once. The
      // kernel releases its flock()s (daemon.lock, destination locks), and
      // a receive in progress keeps its resume token where it has one.
      std::thread([finished, log] {
        std::this_thread::sleep_for(kStopGrace);
        if (*finished) return;
        log.Critical("stopping: not stopped in time (a host does not answer); exiting now",
                     {{"grace_seconds", std::chrono::duration_cast<std::chrono::seconds>(kStopGrace).count()}});
        log.Flush();
        std::_Exit(1);  // forced: the service manager sees the stop was not clean
      }).detach();
      return;
    }
  });
  auto stop_signals = [&] {
    *finished = true;
    pthread_kill(signals.native_handle(), SIGTERM);  // wakes sigwait
    signals.join();
  };

  config::Config current = std::move(initial);  // as configured, recursive entries unexpanded
  std::map<std::string, std::vector<std::string>> selections;  // by recursive entry's destination, as discovered
  std::map<std::string, std::int64_t> first_scheduled;  // by dataset, across reloads
  // Webhooks and the dead-man ping: one notifier for the process, so a
  // reload keeps failure streaks and queued events.
  auto notifier = std::make_shared<Notifier>(log, now, HostName());
  std::unique_ptr<exporter::HttpServer> http;
  std::string http_fingerprint;  // of the listener `http` was started with
  int status = 0;
  while (true) {
    auto hosts = std::make_shared<Hosts>(current);
    // No source is asked here: recursive entries run with what discovery
    // found so far (their roots alone at first); discovery runs per source
    // host in the background and reloads when a selection differs.
    auto expanded = std::make_shared<const config::Config>(config::ExpandKnown(current, selections));
    auto owned = std::make_shared<Daemon>(expanded, hosts, log, now);
    Daemon& daemon = *owned;
    daemon.RememberFirstScheduled(&first_scheduled);
    notifier->Configure(*expanded);
    daemon.UseNotifier(notifier);
    {
      std::lock_guard lock(mu);
      running = &daemon;
      if (stop) daemon.Stop();
    }
    auto cannot_start = [&](const std::string& why) {
      log.Critical("cannot start", {{"error", why}});
      status = 1;
      std::lock_guard lock(mu);
      running = nullptr;
    };
    // Reads this host's own ZFS only, before /metrics answers.
    if (auto s = daemon.Start(); !s) {
      cannot_start(s.error().message);
      break;
    }
    auto listener = exporter::LoadListener(current.listen, current.web_config_file);
    if (!listener) {
      cannot_start(listener.error().message);
      break;
    }
    if (auto s = Listen(http, http_fingerprint, *listener, [&stopping] { return !stopping.load(); }, log); !s) {
      cannot_start(s.error().message);
      break;
    }
    http->Serve(daemon.Served());
    if (listener->address.bare_port) {
      log.Warn("a bare port listens on every interface, as :PORT does; write 127.0.0.1:PORT for this host only",
               {{"listen", current.listen}});
    }
    const std::string host = HostName();
    const bool tls = listener->web.tls.has_value();
    log.Info("serving metrics", {{"url", exporter::BrowserUrl(listener->address, http->Port(), tls, host, "/metrics")},
                                 {"auth", listener->web.basic_auth_users.empty() ? "none" : "basic"},
                                 {"datasets", expanded->datasets.size()},
                                 {"parallelism", expanded->parallelism},
                                 {"status_page", exporter::BrowserUrl(listener->address, http->Port(), tls, host, "/")}});
    daemon.OnSelectionChanged([&](const std::string& root, const std::vector<std::string>& selected,
                                  const std::string&) {
      std::lock_guard lock(mu);
      selections[root] = selected;
      if (!reexpand) log.Info("reloading for the changed datasets (running cycles finish first)");
      reexpand = true;
      daemon.Stop(/*cancel_transfers=*/false);
    });
    daemon.Run();
    // The daemon goes at the end of this iteration; its metrics stay served.
    http->Serve({daemon.MetricSources(), {}});
    std::lock_guard lock(mu);
    running = nullptr;
    if (stop || (!next && !reexpand)) break;
    if (next) current = std::move(*next);
    next.reset();
    reexpand = false;
    log.Info("reloaded", {{"datasets", current.datasets.size()}});
  }
  {
    std::lock_guard lock(mu);
    running = nullptr;
  }
  stop_signals();
  if (status == 0) log.Info("stopped");
  return status;
}

}  // namespace zpull::daemon
