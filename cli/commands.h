#pragma once
// The command line's one source of truth: every command with its options,
// operands, description and examples. The parser (cli/parse.h) registers
// exactly these options, `--help` (cli/help.h) and the man page
// (cli/man_page.h) print them, so the three cannot drift.

#include <optional>
#include <string>
#include <vector>

namespace zpull::cli {

struct OptionSpec {
  std::string name;   // "--dry-run"
  std::string alias;  // "-n", or empty
  std::string value;  // "PATH" when the option takes a value, empty for a flag
  std::string help;   // one sentence or two, unwrapped
  bool required = false;
  std::string with;   // only together with this option ("--file" for --into)
};

enum class Operands { kNone, kOne, kOptionalOne, kAny };

struct CommandSpec {
  std::string name;
  std::string summary;  // one line for the overview
  std::vector<OptionSpec> options;
  std::string operand;  // "DESTINATION", "FILE", …; empty with kNone
  Operands operands = Operands::kNone;
  std::string description;            // paragraphs, hard-wrapped at 76 columns
  std::vector<std::string> examples;  // "zpull once --dry-run   # comment"
  // Exactly one of these options is given (restore's --to, --file, …).
  std::vector<std::string> one_of;
  // Synopsis lines where one line cannot say it (restore's four forms);
  // empty: generated from the options and operands.
  std::vector<std::string> forms;
};

// In the order `zpull help` lists them.
const std::vector<CommandSpec>& Commands();
const CommandSpec* FindCommand(const std::string& name);
// --config, --log.level, --log.format: accepted by every command.
const std::vector<OptionSpec>& CommonOptions();

inline constexpr const char* kDefaultConfig = "/etc/zpull/zpull.yml";

}  // namespace zpull::cli
