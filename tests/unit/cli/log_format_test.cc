#include "cli/log_format.h"

#include <gtest/gtest.h>

namespace zpull::cli {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

TEST(LogFormat, SplitsMessageAndFields) {
  auto l = SplitLogLine("serving metrics url=http://127.0.0.1:9720/metrics auth=none datasets=3");
  EXPECT_EQ(l.message, "serving metrics");
  EXPECT_EQ(l.fields, (Fields{{"url", "http://127.0.0.1:9720/metrics"}, {"auth", "none"}, {"datasets", "3"}}));
  // A value with spaces runs until the next key=.
  l = SplitLogLine("cannot read state dataset=backup/a error=host local: zfs get failed: x=1 ok");
  EXPECT_EQ(l.fields, (Fields{{"dataset", "backup/a"}, {"error", "host local: zfs get failed:"}, {"x", "1 ok"}}));
  l = SplitLogLine("replicated plan=\"incremental @a -> @b\" bytes=5");
  EXPECT_EQ(l.fields, (Fields{{"plan", "incremental @a -> @b"}, {"bytes", "5"}}));  // already quoted: taken unquoted
  l = SplitLogLine("stopped");
  EXPECT_EQ(l.message, "stopped");
  EXPECT_TRUE(l.fields.empty());
  l = SplitLogLine("dataset=a state=idle");
  EXPECT_EQ(l.message, "");
  EXPECT_EQ(l.fields, (Fields{{"dataset", "a"}, {"state", "idle"}}));
}

TEST(LogFormat, LogfmtQuotesWhereNeeded) {
  auto l = SplitLogLine("reload refused error=bad \"key\" here");
  EXPECT_EQ(Logfmt("T", "error", l), "ts=T level=error msg=\"reload refused\" error=\"bad \\\"key\\\" here\"");
  EXPECT_EQ(Logfmt("T", "info", SplitLogLine("stopped")), "ts=T level=info msg=stopped");
}

TEST(LogFormat, JsonKeepsFieldOrder) {
  auto l = SplitLogLine("restored dataset=backup/a last_success=5");
  EXPECT_EQ(LogJson("T", "info", l),
            "{\"ts\":\"T\",\"level\":\"info\",\"msg\":\"restored\",\"dataset\":\"backup/a\",\"last_success\":\"5\"}");
}

}  // namespace
}  // namespace zpull::cli
