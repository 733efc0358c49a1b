#include "exporter/http_server.h"

#include <civetweb.h>
#include <prometheus/text_serializer.h>

#include <cstring>

namespace zpull::exporter {
namespace {

int Reply(mg_connection* conn, int status, const char* status_text, const char* content_type, const std::string& body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n"
            "Cache-Control: no-store\r\n\r\n",
            status, status_text, content_type, body.size());
  mg_write(conn, body.data(), body.size());
  return status;
}

bool IsGet(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  return info && (std::strcmp(info->request_method, "GET") == 0 || std::strcmp(info->request_method, "HEAD") == 0);
}

int MetricsHandler(mg_connection* conn, void* cbdata) {
  auto* server = static_cast<HttpServer*>(cbdata);
  if (!IsGet(conn)) return Reply(conn, 405, "Method Not Allowed", "text/plain", "use GET\n");
  return Reply(conn, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", server->RenderMetrics());
}

int HealthHandler(mg_connection* conn, void* cbdata) {
  auto* server = static_cast<HttpServer*>(cbdata);
  if (server->Healthy()) return Reply(conn, 200, "OK", "text/plain", "ok\n");
  return Reply(conn, 503, "Service Unavailable", "text/plain", "stopping\n");
}

int RootHandler(mg_connection* conn, void*) {
  const mg_request_info* info = mg_get_request_info(conn);
  if (info && std::strcmp(info->local_uri, "/") == 0) {
    return Reply(conn, 200, "OK", "text/html",
                 "<html><head><title>zpull</title></head><body><h1>zpull</h1>"
                 "<p><a href=\"/metrics\">/metrics</a> <a href=\"/healthz\">/healthz</a></p></body></html>\n");
  }
  return Reply(conn, 404, "Not Found", "text/plain", "not found\n");
}

}  // namespace

HttpServer::HttpServer(std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
                       std::function<bool()> healthy)
    : collectables_(std::move(collectables)), healthy_(std::move(healthy)) {}

core::Result<std::unique_ptr<HttpServer>> HttpServer::Start(
    const std::string& listen, std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
    std::function<bool()> healthy) {
  static const unsigned init = mg_init_library(0);
  (void)init;
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(collectables), std::move(healthy)));
  const char* options[] = {"listening_ports", listen.c_str(), "num_threads", "4", "request_timeout_ms", "10000",
                           nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };  // errors come back via mg_start2
  mg_init_data init_data{&callbacks, server.get(), options};
  char text[256] = {};
  unsigned code = 0;
  mg_error_data error{&code, text, sizeof text};
  server->ctx_ = mg_start2(&init_data, &error);
  if (!server->ctx_) {
    return core::Fail(core::Reason::kConfig, "cannot listen on " + listen + ": " + (text[0] ? text : "unknown error"));
  }
  mg_set_request_handler(server->ctx_, "/metrics", MetricsHandler, server.get());
  mg_set_request_handler(server->ctx_, "/healthz", HealthHandler, server.get());
  mg_set_request_handler(server->ctx_, "/", RootHandler, server.get());
  mg_server_port ports[4] = {};
  if (mg_get_server_ports(server->ctx_, 4, ports) > 0) server->port_ = ports[0].port;
  return server;
}

HttpServer::~HttpServer() {
  if (ctx_) mg_stop(ctx_);
}

std::string HttpServer::RenderMetrics() const {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& c : collectables_) {
    auto f = c->Collect();
    families.insert(families.end(), std::make_move_iterator(f.begin()), std::make_move_iterator(f.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace zpull::exporter
