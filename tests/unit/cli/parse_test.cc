#include "cli/parse.h"

#include <gtest/gtest.h>

#include "cli/commands.h"

namespace zpull::cli {
namespace {

tl::expected<Args, UsageError> Parse(std::vector<std::string> argv) { return ParseCommandLine(argv); }

std::string ErrorOf(std::vector<std::string> argv) {
  auto a = Parse(std::move(argv));
  EXPECT_FALSE(a) << "parsed";
  return a ? "" : UsageErrorText(a.error());
}

TEST(ParseCommandLine, OptionsAndOperandsLand) {
  auto a = Parse({"once", "--dry-run", "--textfile", "/t.prom", "-c", "/z.yml", "backup/a", "backup/b"});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->command, "once");
  EXPECT_TRUE(a->dry_run);
  EXPECT_EQ(a->textfile, "/t.prom");
  EXPECT_EQ(a->config, "/z.yml");
  EXPECT_EQ(a->operands, (std::vector<std::string>{"backup/a", "backup/b"}));

  a = Parse({"--config=/y.yml", "--log.level", "debug", "run", "--web.listen-address=:9795"});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->command, "run");
  EXPECT_EQ(a->config, "/y.yml");
  EXPECT_EQ(a->log_level, "debug");
  EXPECT_EQ(a->web_listen, ":9795");

  a = Parse({"once", "-n"});
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->dry_run) << "-n as zfs's own dry runs spell it";

  a = Parse({"once", "--", "-odd-name"});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->operands, std::vector<std::string>{"-odd-name"}) << "after --, operands";
  a = Parse({"--", "once", "backup/a"});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->operands, std::vector<std::string>{"backup/a"});
  a = Parse({"--web.listen-address", ":9795", "run"});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->command, "run") << "a command's option before the command";
  EXPECT_EQ(a->web_listen, ":9795");
  a = Parse({"once", "--textfile=-odd", "backup/a"});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->textfile, "-odd");
  a = Parse({"once", "--textfile", "-h"});
  EXPECT_FALSE(a) << "-h as a value is neither help nor a value";

  a = Parse({"check-config", "/etc/z.yml"});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->config, "/etc/z.yml");
  EXPECT_TRUE(a->operands.empty());

  a = Parse({"restore", "backup/h@s", "--to", "web1:tank/h", "--yes", "--force"});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->restore_to, "web1:tank/h");
  EXPECT_TRUE(a->yes && a->force);
  EXPECT_EQ(a->operands, std::vector<std::string>{"backup/h@s"});
}

TEST(ParseCommandLine, EveryOptionOfEveryCommandParses) {
  for (const auto& c : Commands()) {
    std::vector<OptionSpec> options = CommonOptions();
    options.insert(options.end(), c.options.begin(), c.options.end());
    for (const auto& o : options) {
      std::vector<std::string> argv = {c.name, o.name};
      if (!o.value.empty()) argv.push_back("x");
      if (c.operands == Operands::kOne) argv.push_back("backup/a");
      for (const auto& r : c.options) {
        if (r.required && r.name != o.name) argv.insert(argv.end(), {r.name, "x"});
      }
      // Options that go with another, and one of a group when the option is none of it.
      if (!o.with.empty()) argv.insert(argv.end(), {o.with, "x"});
      const std::string partner = o.with.empty() ? o.name : o.with;
      if (!c.one_of.empty() && std::find(c.one_of.begin(), c.one_of.end(), partner) == c.one_of.end()) {
        argv.insert(argv.end(), {c.one_of[0], "x"});
      }
      auto a = Parse(argv);
      EXPECT_TRUE(a) << c.name << " " << o.name << ": " << (a ? "" : a.error().message);
    }
  }
}

TEST(ParseCommandLine, HelpAndVersion) {
  EXPECT_EQ(Parse({})->command, "help");
  EXPECT_EQ(Parse({"--help"})->command, "help");
  auto a = Parse({"once", "--dry-run", "-h"});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->command, "help");
  EXPECT_EQ(a->operands, std::vector<std::string>{"once"});
  a = Parse({"help", "restore"});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->operands, std::vector<std::string>{"restore"});
  EXPECT_FALSE(Parse({"help", "nope"}));
  EXPECT_EQ(Parse({"--version"})->command, "version");
  EXPECT_EQ(Parse({"version"})->command, "version");
}

TEST(ParseCommandLine, AMistakeIsNamedWithTheNearestRightOne) {
  std::string e = ErrorOf({"once", "--dryrun"});
  EXPECT_NE(e.find("zpull once: unknown option '--dryrun' (did you mean '--dry-run'?)"), std::string::npos) << e;
  EXPECT_NE(e.find("usage: zpull once [--config FILE] [--dry-run] [--textfile PATH] [DESTINATION...]"),
            std::string::npos) << e;
  EXPECT_NE(e.find("zpull once --help"), std::string::npos) << e;
  EXPECT_LE(std::count(e.begin(), e.end(), '\n'), 4) << "a few lines, not the help: " << e;

  e = ErrorOf({"onec"});
  EXPECT_NE(e.find("unknown command 'onec' (did you mean 'once'?)"), std::string::npos) << e;
  e = ErrorOf({"once", "--json"});
  EXPECT_NE(e.find("unknown option '--json': it is an option of 'zpull status'"), std::string::npos) << e;
  e = ErrorOf({"once", "-x"});
  EXPECT_NE(e.find("unknown option '-x'\n"), std::string::npos) << "no far-fetched suggestion: " << e;
  e = ErrorOf({"once", "--textfile"});
  EXPECT_NE(e.find("option '--textfile' needs a value: --textfile PATH"), std::string::npos) << e;
  e = ErrorOf({"once", "--textfile", "--dry-run"});
  EXPECT_NE(e.find("needs a value"), std::string::npos) << e;
  e = ErrorOf({"status", "backup/a"});
  EXPECT_NE(e.find("zpull status: takes no arguments, got 'backup/a'"), std::string::npos) << e;
  e = ErrorOf({"replicate"});
  EXPECT_NE(e.find("zpull replicate: needs a DESTINATION"), std::string::npos) << e;
  e = ErrorOf({"pause", "a", "b"});
  EXPECT_NE(e.find("takes one DESTINATION, got 2: 'a' 'b'"), std::string::npos) << e;
  e = ErrorOf({"restore", "backup/h"});
  EXPECT_NE(e.find("zpull restore: needs one of --to, --file, --list or --versions"), std::string::npos) << e;
  EXPECT_NE(e.find("usage: zpull restore [--config FILE] --file PATH"), std::string::npos) << e;
  e = ErrorOf({"restore", "--file", "a", "--to", "h:d", "backup/h"});
  EXPECT_NE(e.find("--to and --file cannot be combined"), std::string::npos) << e;
  e = ErrorOf({"restore", "--into", "/tmp", "--list", "a", "backup/h"});
  EXPECT_NE(e.find("--into goes with --file"), std::string::npos) << e;
  e = ErrorOf({"--config"});
  EXPECT_NE(e.find("no command given"), std::string::npos) << e;
  e = ErrorOf({"run", "--log.levle", "debug"});
  EXPECT_NE(e.find("did you mean '--log.level'?"), std::string::npos) << e;
}

}  // namespace
}  // namespace zpull::cli
