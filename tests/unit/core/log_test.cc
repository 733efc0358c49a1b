#include "core/log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <vector>

namespace zpull::core {
namespace {

std::string Payload(LogFormat f, std::string_view msg, std::vector<LogField> fields) {
  return LogPayload(f, msg, fields);
}

// What a source wrote on stderr: invalid UTF-8, an escape sequence, a
// quote, a backslash, a forged field and a forged line.
const std::string kHostile =
    "cannot send: \xff\x1b[2J\"q\\ zpullforged=1\nts=2026-01-01T00:00:00Z level=info msg=forged zpullforged=2";

TEST(LogPayload, TextKeepsTheReadableLine) {
  EXPECT_EQ(Payload(LogFormat::kText, "replicated", {{"dataset", "tank/a"}, {"plan", "incremental @a -> @b"}, {"bytes", 5}}),
            "replicated dataset=tank/a plan=\"incremental @a -> @b\" bytes=5");
  EXPECT_EQ(Payload(LogFormat::kText, "stopped", {}), "stopped");
  EXPECT_EQ(Payload(LogFormat::kText, "x", {{"error", ""}}), "x error=\"\"");
}

TEST(LogPayload, LogfmtQuotesWhereNeeded) {
  EXPECT_EQ(Payload(LogFormat::kLogfmt, "reload refused", {{"error", "bad \"key\" here"}}),
            "msg=\"reload refused\" error=\"bad \\\"key\\\" here\"");
  EXPECT_EQ(Payload(LogFormat::kLogfmt, "stopped", {}), "msg=stopped");
}

TEST(LogPayload, JsonKeepsFieldOrderAsStrings) {
  EXPECT_EQ(Payload(LogFormat::kJson, "restored", {{"dataset", "backup/a"}, {"last_success", 5}}),
            "\"msg\":\"restored\",\"dataset\":\"backup/a\",\"last_success\":\"5\"}");
}

TEST(LogPayload, HostileValuesStayInsideTheirField) {
  for (auto f : {LogFormat::kText, LogFormat::kLogfmt}) {
    const std::string p = Payload(f, "attempt failed", {{"dataset", "tank/a"}, {"error", kHostile}});
    EXPECT_EQ(p.find('\x1b'), std::string::npos) << p;
    EXPECT_EQ(p.find('\n'), std::string::npos) << p;
    // The whole value is one quoted field: the forged key sits inside it.
    const std::string prefix = f == LogFormat::kText ? "attempt failed" : "msg=\"attempt failed\"";
    EXPECT_EQ(p, prefix + " dataset=tank/a error=\"cannot send: \xef\xbf\xbd\\\\x1b[2J\\\"q\\\\ zpullforged=1\\\\nts=2026-01-01T00:00:00Z "
                          "level=info msg=forged zpullforged=2\"");
  }
  const std::string json = "{" + Payload(LogFormat::kJson, "attempt failed", {{"error", kHostile}});
  const auto j = nlohmann::json::parse(json);  // throws on invalid UTF-8
  EXPECT_EQ(j.size(), 2u);
  EXPECT_EQ(j["error"], "cannot send: \xef\xbf\xbd\\x1b[2J\"q\\ zpullforged=1\\nts=2026-01-01T00:00:00Z level=info msg=forged "
                        "zpullforged=2");
}

TEST(LogPayload, AMessageThatLooksLikeFieldsIsQuotedInText) {
  EXPECT_EQ(Payload(LogFormat::kText, "x zpullforged=1", {{"a", 1}}), "\"x zpullforged=1\" a=1");
  EXPECT_EQ(Payload(LogFormat::kText, "plain words", {}), "plain words");
  EXPECT_EQ(Payload(LogFormat::kText, "yes", {{"big", std::uint64_t{18446744073709551615u}}}), "yes big=18446744073709551615");
}

TEST(LogPayload, MessageTextIsNeverTakenForFields) {
  // A message that happens to hold "key=value" stays the message.
  const std::string json = "{" + Payload(LogFormat::kJson, "warning from config: interval=5m is short", {});
  EXPECT_EQ(nlohmann::json::parse(json), (nlohmann::json{{"msg", "warning from config: interval=5m is short"}}));
}

TEST(Log, FormatsOnceThroughTheLoggersFormatter) {
  for (auto format : {LogFormat::kText, LogFormat::kLogfmt, LogFormat::kJson}) {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    auto logger = std::make_shared<spdlog::logger>("zpull", sink);
    logger->set_formatter(MakeLogFormatter(format));
    logger->set_level(spdlog::level::info);
    Log log(logger, format);
    log.Debug("hidden");
    log.Warn("attempt failed", {{"dataset", "tank/{a}"}, {"error", kHostile}});
    const std::string line = out.str();
    ASSERT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
    EXPECT_EQ(line.find("hidden"), std::string::npos);
    EXPECT_EQ(line.find('\x1b'), std::string::npos);
    switch (format) {
      case LogFormat::kText:
        EXPECT_NE(line.find("] [zpull] [warning] attempt failed dataset=tank/{a} error=\"cannot send:"), std::string::npos)
            << line;
        break;
      case LogFormat::kLogfmt:
        EXPECT_NE(line.find("Z level=warning msg=\"attempt failed\" dataset=tank/{a} error=\"cannot send:"),
                  std::string::npos)
            << line;
        EXPECT_EQ(line.rfind("ts=", 0), 0u) << line;
        break;
      case LogFormat::kJson: {
        const auto j = nlohmann::json::parse(line);
        EXPECT_EQ(j["level"], "warning");
        EXPECT_EQ(j["msg"], "attempt failed");
        EXPECT_EQ(j["dataset"], "tank/{a}");
        EXPECT_FALSE(j.contains("zpullforged"));
        break;
      }
    }
  }
}

}  // namespace
}  // namespace zpull::core
