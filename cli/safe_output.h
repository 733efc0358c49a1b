#pragma once
// What zpull prints on stdout and stderr (outcome lines, verify findings,
// the status table, error messages) carries text a source wrote. A
// SafeOutput put in front of a stream's buffer passes everything written to
// it through core::SafeText (lines and tabs kept): a terminal shows the
// text, it never acts on an escape sequence in it.
//
// One writer at a time: the stream it serves loses the standard streams'
// freedom from data races (zpull's commands write from one thread; the
// progress display writes to the stdio FILE*, not through it). Restores the
// stream's own buffer when destroyed, after flushing.

#include <ostream>
#include <streambuf>
#include <string>

namespace zpull::cli {

class SafeOutput : public std::streambuf {
 public:
  explicit SafeOutput(std::ostream& stream);
  ~SafeOutput() override;
  SafeOutput(const SafeOutput&) = delete;
  SafeOutput& operator=(const SafeOutput&) = delete;

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  // Writes what is complete of pending_ (all of it with `all`).
  bool Drain(bool all);

  std::ostream& stream_;
  std::streambuf* target_;
  std::string pending_;
};

}  // namespace zpull::cli
