#include "cli/safe_output.h"

#include "core/safe_text.h"

namespace zpull::cli {

SafeOutput::SafeOutput(std::ostream& stream) : stream_(stream), target_(stream.rdbuf(this)) {}

SafeOutput::~SafeOutput() {
  Drain(/*all=*/true);
  target_->pubsync();
  stream_.rdbuf(target_);
}

SafeOutput::int_type SafeOutput::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  pending_ += traits_type::to_char_type(c);
  return Drain(false) ? c : traits_type::eof();
}

std::streamsize SafeOutput::xsputn(const char* s, std::streamsize n) {
  // Passed on at once (as std::cout does, in step with stdio), but for a
  // UTF-8 sequence still being written.
  pending_.append(s, static_cast<std::size_t>(n));
  return Drain(false) ? n : 0;
}

int SafeOutput::sync() {
  // A flush writes all but a UTF-8 sequence still being written.
  if (!Drain(false)) return -1;
  return target_->pubsync();
}

bool SafeOutput::Drain(bool all) {
  const std::size_t n = all ? pending_.size() : core::CompleteUtf8Prefix(pending_);
  if (n == 0) return true;
  const std::string safe = core::SafeText(std::string_view(pending_).substr(0, n), /*keep_lines=*/true);
  pending_.erase(0, n);
  return target_->sputn(safe.data(), static_cast<std::streamsize>(safe.size())) ==
         static_cast<std::streamsize>(safe.size());
}

}  // namespace zpull::cli
