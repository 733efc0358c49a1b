#pragma once
// The HTTP endpoint: GET /metrics (Prometheus text format of the given
// collectables) and GET /healthz. CivetWeb stays behind this header.
//
// Thread-safe: CivetWeb's threads only call Collect() on the collectables,
// which are themselves thread-safe. Stopped by the destructor.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "core/result.h"
#include "exporter/status.h"
#include "exporter/web_config.h"

struct mg_context;

namespace zpull::exporter {

// The Prometheus text format of `collectables` (what /metrics serves).
std::string RenderMetrics(const std::vector<std::shared_ptr<prometheus::Collectable>>& collectables);

class HttpServer {
 public:
  // `listen` is "HOST:PORT" (port 0 picks a free one). `healthy` decides the
  // /healthz status (200 or 503). `web` adds TLS and basic authentication
  // (every path; 401 without valid credentials). With `status`, / is an
  // HTML status page and /status its JSON (exporter/status.h).
  static core::Result<std::unique_ptr<HttpServer>> Start(
      const std::string& listen, std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
      std::function<bool()> healthy, const WebConfig& web = {}, std::function<StatusReport()> status = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int Port() const { return port_; }

  std::string RenderMetrics() const { return exporter::RenderMetrics(collectables_); }
  bool Healthy() const { return healthy_(); }
  const WebConfig& Web() const { return web_; }
  const std::function<StatusReport()>& Status() const { return status_; }
  // Set by the TLS set-up callback when it fails (reported by Start()).
  std::string tls_error_;

 private:
  HttpServer(std::vector<std::shared_ptr<prometheus::Collectable>> collectables, std::function<bool()> healthy);

  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  std::function<bool()> healthy_;
  WebConfig web_;
  std::function<StatusReport()> status_;
  mg_context* ctx_ = nullptr;
  int port_ = 0;
};

}  // namespace zpull::exporter
