#pragma once
// The command line, parsed with CLI11 from the options of cli/commands.h.
// A mistake is a UsageError naming the option or argument (with the
// nearest correct one), never the whole help.

#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace zpull::cli {

struct Args {
  std::string command;  // a command of Commands(), or "help" / "version"
  std::string config;   // --config FILE, or check-config's FILE
  std::vector<std::string> operands;  // DESTINATION..., or help's COMMAND
  bool dry_run = false;               // once --dry-run
  std::string textfile;               // once --textfile PATH
  std::string web_listen;             // run --web.listen-address [HOST]:PORT
  std::string web_config;             // run --web.config.file FILE
  bool json = false;                  // status --json
  std::string restore_to;             // restore --to HOST:DATASET
  std::string restore_file;           // restore --file PATH
  std::string restore_into;           // restore --into DIR
  bool overwrite = false;             // restore --overwrite
  std::string restore_list;           // restore --list PATH
  std::string restore_versions;       // restore --versions PATH
  bool yes = false, force = false;    // restore --yes --force
  std::string log_level = "info";     // --log.level
  std::string log_format = "text";    // --log.format
};

struct UsageError {
  std::string command;  // the command it is about; empty before one is known
  std::string message;  // "unknown option '--dryrun' (did you mean '--dry-run'?)"
};

// argv without the program name. `zpull`, `zpull help [COMMAND]`, `--help`
// or `-h` anywhere give command "help"; `--version` and `version` give
// "version".
tl::expected<Args, UsageError> ParseCommandLine(const std::vector<std::string>& argv);

// What to print on stderr for a usage error (exit status 2): the message,
// the command's synopsis, and where its help is; a few lines.
std::string UsageErrorText(const UsageError& error);

}  // namespace zpull::cli
