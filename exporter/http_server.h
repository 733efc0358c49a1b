#pragma once
// The HTTP endpoint: GET /metrics (Prometheus text format of the served
// metric sources, streamed in chunks, gzip when asked for), GET /healthz and
// the status page. CivetWeb stays behind this header.
//
// Thread-safe: CivetWeb's threads only write the metric sources, which are
// themselves thread-safe, and call the status source, which must be.
// Stopped by the destructor.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "exporter/metric_text.h"
#include "exporter/status.h"
#include "exporter/status_page.h"
#include "exporter/web_config.h"

struct mg_context;

namespace zpull::exporter {

// What the endpoint serves; replaced whole by HttpServer::Serve().
struct Site {
  MetricSources metrics;
  // With it, / is an HTML status page and /status its JSON
  // (exporter/status.h); without, / is a plain page and /status answers
  // 503 (no daemon attached: starting or reloading).
  std::function<StatusReport()> status;
};

// One per process: it outlives daemon reloads, which swap its Site, so that
// a scrape during a reload is answered (with the metrics as they were)
// rather than refused or dropped with a restarting listener.
class HttpServer {
 public:
  // Connections served at once, and how long each may take to send its
  // request before it is dropped.
  static constexpr int kWorkers = 64;
  static constexpr std::chrono::milliseconds kRequestTimeout{5000};

  // `listen` is "HOST:PORT" (port 0 picks a free one). `healthy` decides the
  // /healthz status (200 or 503). `web` adds TLS and basic authentication
  // (every path; 401 without valid credentials). Serves an empty Site until
  // Serve().
  static core::Result<std::unique_ptr<HttpServer>> Start(const std::string& listen, std::function<bool()> healthy,
                                                         const WebConfig& web = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves `site` from now on. Returns once no request still calls the
  // previous site's status function, so whatever it refers to may then go;
  // a scrape under way keeps its metric sources (shared) until it ends.
  void Serve(Site site);

  int Port() const { return port_; }

  // What the handlers answer with (any thread). The metric sources served
  // now: a scrape writes them without holding the site.
  MetricSources Metrics() const;
  bool Healthy() const { return healthy_(); }
  const WebConfig& Web() const { return web_; }
  // The status page's report; nullopt without a status source.
  std::optional<StatusReport> Status() const;
  // Set by the TLS set-up callback when it fails (reported by Start()).
  std::string tls_error_;

 private:
  HttpServer(std::function<bool()> healthy, const WebConfig& web);

  const std::function<bool()> healthy_;
  const WebConfig web_;
  mutable std::shared_mutex site_mu_;  // shared while a request reads site_
  Site site_;
  mg_context* ctx_ = nullptr;
  int port_ = 0;
};

}  // namespace zpull::exporter
