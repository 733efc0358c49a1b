#include "exporter/gzip.h"

#include <zlib.h>

#include <cctype>
#include <cstdlib>
#include <optional>
#include <stdexcept>

namespace zpull::exporter {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

struct GzipWriter::State {
  z_stream z{};
  std::string buffer = std::string(64 * 1024, '\0');
};

GzipWriter::GzipWriter(Sink out) : state_(std::make_unique<State>()), out_(std::move(out)) {
  // windowBits 15 + 16: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&state_->z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zlib: deflateInit2 failed");
  }
}

GzipWriter::~GzipWriter() { deflateEnd(&state_->z); }

void GzipWriter::Deflate(std::string_view text, int flush) {
  z_stream& z = state_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  do {
    z.next_out = reinterpret_cast<Bytef*>(state_->buffer.data());
    z.avail_out = static_cast<uInt>(state_->buffer.size());
    const int rc = deflate(&z, flush);
    if (rc == Z_STREAM_ERROR) throw std::runtime_error("zlib: deflate failed");
    const std::size_t n = state_->buffer.size() - z.avail_out;
    if (n) out_(std::string_view(state_->buffer.data(), n));
    if (flush == Z_FINISH && rc == Z_STREAM_END) return;
  } while (z.avail_out == 0 || (flush == Z_FINISH));
}

void GzipWriter::Write(std::string_view text) {
  if (!text.empty()) Deflate(text, Z_NO_FLUSH);
}

void GzipWriter::Finish() { Deflate({}, Z_FINISH); }

bool AcceptsGzip(std::string_view header) {
  // gzip named with its q-value decides; otherwise `*` does.
  std::optional<bool> gzip, any;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    std::string coding(Trim(item.substr(0, item.find(';'))));
    for (char& ch : coding) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (coding != "gzip" && coding != "x-gzip" && coding != "*") continue;
    double q = 1;
    for (std::string_view params = item; params.find(';') != std::string_view::npos;) {
      params.remove_prefix(params.find(';') + 1);
      const std::string_view param = Trim(params.substr(0, params.find(';')));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        q = std::strtod(std::string(param.substr(2)).c_str(), nullptr);
      }
    }
    (coding == "*" ? any : gzip) = q > 0;
  }
  return gzip.value_or(any.value_or(false));
}

}  // namespace zpull::exporter
