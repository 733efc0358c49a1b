#include "cli/safe_output.h"

#include <gtest/gtest.h>

#include <sstream>

namespace zpull::cli {
namespace {

TEST(SafeOutput, PassesLinesAndEscapesTheRest) {
  std::ostringstream out;
  {
    SafeOutput safe(out);
    out << "FAILED tank/a reason=send_failed: cannot send: \xff\x1b[2J\xc2\x9b" "31m\n" << "\tnext line\n";
    // A sequence split across writes is held until it is whole.
    out << "caf\xc3";
    out.flush();
    EXPECT_EQ(out.str().find("caf"), out.str().size() - 3);
    out << "\xa9 \xe2\x82";
  }  // the end writes what is left: an incomplete sequence as U+FFFD
  EXPECT_EQ(out.str(),
            "FAILED tank/a reason=send_failed: cannot send: \xef\xbf\xbd\\x1b[2J\\u009b31m\n\tnext line\n"
            "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
  out << "\x1b";  // its own buffer again
  EXPECT_EQ(out.str().back(), '\x1b');
}

}  // namespace
}  // namespace zpull::cli
