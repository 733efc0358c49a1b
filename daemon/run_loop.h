#pragma once
// `zpull run`: the daemon for good. SIGINT/SIGTERM/SIGHUP are blocked in
// every thread and taken by sigwait in one, which runs before any host is
// contacted. SIGINT/SIGTERM stop the daemon (running transfers are aborted);
// whatever a host does, the process ends within 10 s (past a grace period
// it exits at once: the kernel releases its locks). No source is contacted
// before HTTP is served: recursive entries start with their roots and
// grow as the background discovery lists their sources. SIGHUP
// reloads the configuration: an invalid one is reported and the running one
// kept; a valid one replaces the daemon once its running cycles have
// finished. The HTTP server outlives the daemons: across a reload it goes on
// answering with the metrics as they were, and it is started anew only when
// its listener changed (exporter/web_config.h, Listener).

#include <cstdint>
#include <functional>
#include <memory>


#include "config/config.h"
#include "core/log.h"
#include "core/result.h"
#include "daemon/hosts.h"

namespace zpull::daemon {

// `config` with its recursive entries expanded against the sources now
// (config/expand.h); what could not be listed is reported on `log`.
config::Config Expanded(const config::Config& config, Hosts& hosts, const core::Log& log);

// A long-running process's allocator: with glibc, at most two malloc
// arenas. glibc gives each thread that allocates an arena of its own (up to
// 8 per core) and keeps what is freed in it; the HTTP workers' scrapes alone
// held about 110 MiB that way at 10,000 datasets (docs/performance.md).
// zpull has few busy threads: two arenas are enough. RunUntilStopped calls
// it first; a no-op without glibc, or where MALLOC_ARENA_MAX or
// GLIBC_TUNABLES is set.
void LimitMallocArenas();

// Runs until SIGINT/SIGTERM; `reload` reads the configuration anew on
// SIGHUP. Returns the process's exit status (0 stopped, 1 could not start).
int RunUntilStopped(config::Config initial, const std::function<core::Result<config::Config>()>& reload,
                    const core::Log& log, const std::function<std::int64_t()>& now);

}  // namespace zpull::daemon
