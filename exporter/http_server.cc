#include "exporter/http_server.h"

#include "exporter/gzip.h"
#include <civetweb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstring>
#include <mutex>

namespace zpull::exporter {
namespace {

bool IsHead(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  return info && std::strcmp(info->request_method, "HEAD") == 0;
}

// A response to GET has the body; to HEAD, the same headers and none.
int Reply(mg_connection* conn, int status, const char* status_text, const char* content_type, const std::string& body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n"
            "Cache-Control: no-store\r\n\r\n",
            status, status_text, content_type, body.size());
  if (!IsHead(conn)) mg_write(conn, body.data(), body.size());
  return status;
}

// A handler's answer, or 500 if what it calls throws: a request never ends
// the process.
template <typename Handler>
int Guarded(mg_connection* conn, Handler handler) {
  try {
    return handler();
  } catch (...) {
    // Nothing that may throw again here: this returns into CivetWeb's C.
    static const std::string kBody = "internal error\n";
    return Reply(conn, 500, "Internal Server Error", "text/plain", kBody);
  }
}

bool IsGet(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  return info && (std::strcmp(info->request_method, "GET") == 0 || std::strcmp(info->request_method, "HEAD") == 0);
}

// Thrown by the sink of a scrape whose client has left: the rest of the
// page is not written.
struct ClientGone {};

// The page in pieces of about MetricWriter::kFlushBytes as the sources
// write it, so that its size costs no memory: chunked for HTTP/1.1, and for
// HTTP/1.0 (no chunks) ended by the close. A failure once the headers are
// out ends the connection without the last chunk: an HTTP/1.1 scraper sees
// a truncated body, never a partial page taken for whole.
int MetricsHandler(mg_connection* conn, void* cbdata) {
  auto* server = static_cast<HttpServer*>(cbdata);
  return Guarded(conn, [&] {
    if (!IsGet(conn)) return Reply(conn, 405, "Method Not Allowed", "text/plain", "use GET\n");
    const MetricSources sources = server->Metrics();
    const char* accept = mg_get_header(conn, "Accept-Encoding");
    const bool gzip = accept && AcceptsGzip(accept);
    const mg_request_info* info = mg_get_request_info(conn);
    const bool chunked = !(info && info->http_version && std::strcmp(info->http_version, "1.0") == 0);
    mg_printf(conn,
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n%s%s"
              "Connection: close\r\nCache-Control: no-store\r\n\r\n",
              gzip ? "Content-Encoding: gzip\r\n" : "", chunked ? "Transfer-Encoding: chunked\r\n" : "");
    if (IsHead(conn)) return 200;
    try {
      MetricWriter::Sink send = [conn, chunked](std::string_view piece) {
        const int sent = chunked ? mg_send_chunk(conn, piece.data(), static_cast<unsigned>(piece.size()))
                                 : mg_write(conn, piece.data(), piece.size());
        if (sent <= 0) throw ClientGone{};
      };
      std::optional<GzipWriter> zipped;
      if (gzip) zipped.emplace(send);
      MetricWriter out(gzip ? MetricWriter::Sink([&zipped](std::string_view t) { zipped->Write(t); }) : send);
      for (const auto& s : sources) s->WriteMetrics(out);
      out.Finish();
      if (zipped) zipped->Finish();
      if (chunked) mg_write(conn, "0\r\n\r\n", 5);
    } catch (...) {
      // Headers are out: no 500 now; the missing last chunk tells.
    }
    return 200;
  });
}

int HealthHandler(mg_connection* conn, void* cbdata) {
  auto* server = static_cast<HttpServer*>(cbdata);
  return Guarded(conn, [&] {
    if (server->Healthy()) return Reply(conn, 200, "OK", "text/plain", "ok\n");
    return Reply(conn, 503, "Service Unavailable", "text/plain", "stopping\n");
  });
}

int StatusHandler(mg_connection* conn, void* cbdata) {
  auto* server = static_cast<HttpServer*>(cbdata);
  return Guarded(conn, [&] {
    if (!IsGet(conn)) return Reply(conn, 405, "Method Not Allowed", "text/plain", "use GET\n");
    auto status = server->Status();
    if (!status) return Reply(conn, 503, "Service Unavailable", "text/plain", "no status yet: starting or reloading\n");
    return Reply(conn, 200, "OK", "application/json", StatusJson(*status));
  });
}

int RootHandler(mg_connection* conn, void* cbdata) {
  auto* server = static_cast<HttpServer*>(cbdata);
  return Guarded(conn, [&] {
    const mg_request_info* info = mg_get_request_info(conn);
    if (info && std::strcmp(info->local_uri, "/") == 0) {
      if (auto status = server->Status()) return Reply(conn, 200, "OK", "text/html; charset=utf-8", StatusHtml(*status));
      return Reply(conn, 200, "OK", "text/html",
                   "<html><head><title>zpull</title></head><body><h1>zpull</h1>"
                   "<p><a href=\"/metrics\">/metrics</a> <a href=\"/healthz\">/healthz</a></p></body></html>\n");
    }
    return Reply(conn, 404, "Not Found", "text/plain", "not found\n");
  });
}

// Every request passes here first when basic_auth_users is set.
int AuthHandler(mg_connection* conn, void* cbdata) {
  auto* server = static_cast<HttpServer*>(cbdata);
  bool ok = false;
  try {
    ok = Authorized(server->Web().basic_auth_users, mg_get_header(conn, "Authorization"), PasswordMatches);
  } catch (...) {
    ok = false;  // std::bad_alloc: refused, not ended
  }
  if (ok) return 1;
  mg_printf(conn,
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"zpull\"\r\nContent-Type: text/plain\r\n"
            "Content-Length: 13\r\nConnection: close\r\n\r\n");
  if (!IsHead(conn)) mg_write(conn, "Unauthorized\n", 13);
  return 0;
}

std::string OpenSslError(const std::string& what) {
  char buf[256] = {};
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  return what + ": " + buf;
}

// CivetWeb's init_ssl: the whole TLS context from the web configuration;
// 1 tells CivetWeb not to load certificates itself, -1 fails the start.
int InitTls(void* ssl_ctx, void* user_data) {
  auto* server = static_cast<HttpServer*>(user_data);
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  const TlsConfig& tls = *server->Web().tls;
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
    server->tls_error_ = OpenSslError("cert_file " + tls.cert_file);
    return -1;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    server->tls_error_ = OpenSslError("key_file " + tls.key_file);
    return -1;
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    server->tls_error_ = "key_file " + tls.key_file + " does not belong to cert_file " + tls.cert_file;
    return -1;
  }
  SSL_CTX_set_min_proto_version(ctx, tls.min_version);
  if (tls.client_auth != TlsConfig::ClientAuth::kNone) {
    if (SSL_CTX_load_verify_locations(ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
      server->tls_error_ = OpenSslError("client_ca_file " + tls.client_ca_file);
      return -1;
    }
    SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(tls.client_ca_file.c_str()));
    int mode = SSL_VERIFY_PEER;
    if (tls.client_auth == TlsConfig::ClientAuth::kRequireAndVerify) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, nullptr);
  }
  return 1;
}

}  // namespace

HttpServer::HttpServer(std::function<bool()> healthy, const WebConfig& web)
    : healthy_(std::move(healthy)), web_(web) {}

core::Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& listen,
                                                           std::function<bool()> healthy, const WebConfig& web) {
  // Once per process. Its result does not tell whether TLS works (Debian's
  // 1.15 returns 0 either way); a failing TLS start says so below.
  static const unsigned init = mg_init_library(MG_FEATURES_TLS);
  (void)init;
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(healthy), web));
  const std::string listening = listen + (web.tls ? "s" : "");
  // kWorkers connections are served at once, each given kRequestTimeout to
  // send its request: idle or slow clients hold a worker that long at most,
  // and more than kWorkers of them queue the next scrape (docs/metrics.md).
  // CivetWeb answers CORS preflights with "*" by default: no CORS at all.
  const std::string workers = std::to_string(kWorkers);
  const std::string timeout_ms = std::to_string(kRequestTimeout.count());
  const char* options[] = {"listening_ports", listening.c_str(), "num_threads", workers.c_str(), "request_timeout_ms",
                           timeout_ms.c_str(), "access_control_allow_origin", "", "access_control_allow_methods", "",
                           "access_control_allow_headers", "", nullptr};
  mg_callbacks callbacks{};
  // What CivetWeb logs while it starts (mg_start2 sets up the ports in this
  // thread): its bind error carries the errno's text ("Address already in
  // use"), which mg_start2's error text leaves out.
  static thread_local std::string start_log;
  start_log.clear();
  callbacks.log_message = [](const mg_connection*, const char* message) {
    if (start_log.size() < 1024) start_log += std::string(start_log.empty() ? "" : "; ") + message;
    return 1;
  };
  if (web.tls) callbacks.init_ssl = InitTls;
  mg_init_data init_data{&callbacks, server.get(), options};
  char text[256] = {};
  unsigned code = 0;
  mg_error_data error{&code, text, sizeof text};
  server->ctx_ = mg_start2(&init_data, &error);
  if (!server->ctx_) {
    std::string why = !server->tls_error_.empty() ? server->tls_error_ : (text[0] ? text : "unknown error");
    if (server->tls_error_.empty() && !start_log.empty()) why += " (" + start_log + ")";
    if (web.tls && server->tls_error_.empty()) {
      why += " (for TLS CivetWeb loads libssl.so at run time: Debian's libssl-dev has it, and the zpull package "
             "ships that link under /usr/lib/zpull)";
    }
    return core::Fail(core::Reason::kConfig, "cannot listen on " + listen + ": " + why);
  }
  if (!web.basic_auth_users.empty()) mg_set_auth_handler(server->ctx_, "/", AuthHandler, server.get());
  mg_set_request_handler(server->ctx_, "/metrics", MetricsHandler, server.get());
  mg_set_request_handler(server->ctx_, "/healthz", HealthHandler, server.get());
  mg_set_request_handler(server->ctx_, "/status", StatusHandler, server.get());
  mg_set_request_handler(server->ctx_, "/", RootHandler, server.get());
  mg_server_port ports[4] = {};
  if (mg_get_server_ports(server->ctx_, 4, ports) > 0) server->port_ = ports[0].port;
  return server;
}

HttpServer::~HttpServer() {
  if (ctx_) mg_stop(ctx_);
}

void HttpServer::Serve(Site site) {
  std::unique_lock lock(site_mu_);
  std::swap(site_, site);
  lock.unlock();
  // The previous site goes here, after the lock: its metric sources may be
  // the last references to what they measure.
}

MetricSources HttpServer::Metrics() const {
  std::shared_lock lock(site_mu_);
  return site_.metrics;
}

std::optional<StatusReport> HttpServer::Status() const {
  std::shared_lock lock(site_mu_);
  if (!site_.status) return std::nullopt;
  return site_.status();
}

}  // namespace zpull::exporter
