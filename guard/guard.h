#pragma once
// zpull-guard: the forced command of zpull's key in a source's
// authorized_keys. It admits exactly the command shapes zpull sends and
// executes them without a shell; everything else is refused. Pure
// decisions here; main.cc reads SSH_ORIGINAL_COMMAND and execs.
//
// Why a small static program and not sh: SSH hands the command over as one
// string that zpull builds with core/shell_quote (every word single-quoted).
// Undoing that quoting and then matching zfs's option grammar in POSIX sh
// means eval or fragile case patterns, where one mistake runs a shell; C++
// parses the one quoting form zpull produces, rejects any other shell syntax
// outright, and hands execvp() an argv, so no shell ever sees the string.

#include <optional>
#include <string>
#include <vector>

namespace zpull::guard {

using Argv = std::vector<std::string>;

struct Options {
  bool drills = false;    // --drills: clones, find/sha256sum/test for restore drills
  bool destroy = false;   // --destroy: zfs destroy of snapshots (source_retention)
  bool zstd = false;      // --zstd: the compress: zstd pipeline (sh with zpull's fixed script)
  bool scrub = false;     // --scrub: zpool scrub (scrub.every with source_pools)
  std::string drill_prefix = "zpull_";  // --drill-prefix: scratch clones are <pool>/<prefix>…_drill_…
  std::string drill_dir = "/var/tmp/zpull-drills";  // --drill-dir: drill.source_directory (clone mounts)
  std::vector<std::string> hooks;       // --hook PATH: a pre-snapshot hook's program
};

// Options from the guard's own command line (in authorized_keys); an error
// message names a bad one.
std::optional<Options> ParseOptions(const std::vector<std::string>& args, std::string& error);

// SSH_ORIGINAL_COMMAND -> argv: words of plain characters and single-quoted
// parts ('\'' for a quote) separated by single spaces. Anything else a shell
// would interpret (unquoted ; | & $ ` < > ( ) * ? [ ] ~ # ! { } " \ newline,
// tabs, double spaces) is an error.
std::optional<Argv> ParseCommandLine(const std::string& line, std::string& error);

// Whether `argv` is a command zpull sends, given `options`: nullopt if
// allowed, else why not.
std::optional<std::string> Refusal(const Argv& argv, const Options& options);

// The sh -c scripts of ZfsCli::StartSend's zstd pipeline (exact matches).
const std::vector<std::string>& ZstdScripts();

}  // namespace zpull::guard
