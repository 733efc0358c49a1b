#include "daemon/run_loop.h"

#include <signal.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "daemon/daemon.h"
#include "exporter/http_server.h"
#include "exporter/web_config.h"

namespace zpull::daemon {
namespace {

// Leaves `http` listening as `listener` says: the running server if it was
// started so (`fingerprint`), a new one otherwise (the old one stopped first:
// the new one may want its port).
core::Status Listen(std::unique_ptr<exporter::HttpServer>& http, std::string& fingerprint,
                    const exporter::Listener& listener, std::function<bool()> healthy, spdlog::logger& log) {
  if (http && listener.fingerprint == fingerprint) return {};
  if (http) log.info("new HTTP listener: its address, web configuration or certificates changed");
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
config::Config Expanded(const config::Config& config, Hosts& hosts, spdlog::logger& log) {
  auto expansion = config::ExpandDatasets(config, hosts.SourceLookup());
  for (const auto& w : expansion.warnings) log.warn("{}", w);
  for (const auto& e : expansion.errors) {
    log.error("{} (reason {}); replicating the entry's root only until its children can be listed", e.message,
              core::ReasonName(e.reason));
  }
  return std::move(expansion.config);
}

int RunUntilStopped(config::Config initial, const std::function<core::Result<config::Config>()>& reload,
                    std::shared_ptr<spdlog::logger> log, const std::function<std::int64_t()>& now) {
  sigset_t signals_set;
  sigemptyset(&signals_set);
  sigaddset(&signals_set, SIGINT);
  sigaddset(&signals_set, SIGTERM);
  sigaddset(&signals_set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals_set, nullptr);

  config::Config current = std::move(initial);  // as configured, recursive entries unexpanded
  std::atomic<bool> stopping{false};              // for good: /healthz answers 503
  std::unique_ptr<exporter::HttpServer> http;
  std::string http_fingerprint;  // of the listener `http` was started with
  while (true) {
    Hosts hosts(current);
    const config::Config expanded = Expanded(current, hosts, *log);
    Daemon daemon(expanded, hosts, log, now);
    if (auto s = daemon.Start(); !s) {
      log->critical("cannot start: {}", s.error().message);
      return 1;
    }
    auto listener = exporter::LoadListener(current.listen, current.web_config_file);
    if (!listener) {
      log->critical("cannot start: {}", listener.error().message);
      return 1;
    }
    if (auto s = Listen(http, http_fingerprint, *listener, [&stopping] { return !stopping.load(); }, *log); !s) {
      log->critical("cannot start: {}", s.error().message);
      return 1;
    }
    http->Serve(daemon.Served());
    log->info("serving metrics url={}://{}/metrics auth={} datasets={} parallelism={}",
              listener->web.tls ? "https" : "http", current.listen,
              listener->web.basic_auth_users.empty() ? "none" : "basic", expanded.datasets.size(),
              expanded.parallelism);
    std::mutex mu;
    std::optional<config::Config> next;  // guarded by mu
    bool stop = false, rediscover = false;  // guarded by mu
    daemon.OnDatasetsChanged([&](const std::string&) {
      {
        std::lock_guard lock(mu);
        rediscover = true;
      }
      log->info("reloading for the changed datasets (running cycles finish first)");
      daemon.Stop(/*cancel_transfers=*/false);
    });
    std::atomic<bool> done{false};
    std::thread signals([&] {
      while (true) {
        int sig = 0;
        sigwait(&signals_set, &sig);
        if (done) return;
        if (sig == SIGHUP) {
          auto reloaded = reload();
          if (!reloaded) {
            log->error("reload refused, keeping the running configuration: {}", reloaded.error().message);
            continue;
          }
          for (const auto& w : reloaded->warnings) log->warn("{}", w);
          log->info("reloading config={} (running cycles finish first)", reloaded->path);
          {
            std::lock_guard lock(mu);
            next = std::move(*reloaded);
          }
          daemon.Stop(/*cancel_transfers=*/false);
          continue;  // a stop signal may still come while cycles finish
        }
        log->info("stopping signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
        stopping = true;
        {
          std::lock_guard lock(mu);
          stop = true;
        }
        daemon.Stop();
        return;
      }
    });
    daemon.Run();
    // The daemon goes at the end of this iteration; its metrics stay served.
    http->Serve({daemon.Collectables(), {}});
    // Wake the signal thread if the daemon stopped for another reason.
    done = true;
    pthread_kill(signals.native_handle(), SIGTERM);
    signals.join();
    std::lock_guard lock(mu);
    if (stop || (!next && !rediscover)) break;
    if (next) current = std::move(*next);
    log->info("reloaded datasets={}", current.datasets.size());
  }
  log->info("stopped");
  return 0;
}

}  // namespace zpull::daemon
