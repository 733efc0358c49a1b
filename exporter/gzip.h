#pragma once
// A gzip stream (RFC 1952) written in pieces, for /metrics when the scraper
// sends Accept-Encoding: gzip (Prometheus does). zlib at its fastest level:
// the page is regular text, and a scrape's time matters more than its bytes
// (docs/performance.md).

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace zpull::exporter {

class GzipWriter {
 public:
  using Sink = std::function<void(std::string_view)>;
  // Hands the compressed bytes to `out` in pieces of up to 64 KiB.
  explicit GzipWriter(Sink out);
  ~GzipWriter();
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  void Write(std::string_view text);
  // Ends the stream (its trailer); nothing may be written after.
  void Finish();

 private:
  void Deflate(std::string_view text, int flush);

  struct State;
  std::unique_ptr<State> state_;
  Sink out_;
};

// Whether an Accept-Encoding header value admits gzip (listed, or `*`, with
// a q-value above 0).
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace zpull::exporter
