#pragma once
// `zpull help [COMMAND]` and `zpull COMMAND --help`: what each command
// does, its options and examples, rendered from cli/commands.h.

#include <optional>
#include <string>

#include "cli/commands.h"

namespace zpull::cli {

// "usage: zpull once [--config FILE] [--dry-run] [--textfile PATH] [DESTINATION...]"
// without "usage: "; one line per form where the command has several.
std::string Synopsis(const CommandSpec& command);
// "usage: " and the synopsis, its further forms indented below the first.
std::string UsageText(const CommandSpec& command);
// The help of one command; nullopt for an unknown one.
std::optional<std::string> CommandHelp(const std::string& command);
// The overview: every command in a line, and where to read more.
std::string Overview();
// `text` wrapped at `width` columns, continuation lines indented by `indent`.
std::string Wrap(const std::string& text, std::size_t width, std::size_t indent);

}  // namespace zpull::cli
