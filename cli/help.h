#pragma once
// `zpull help [COMMAND]` and `zpull COMMAND --help`: what each command
// does, its options and examples.

#include <optional>
#include <string>
#include <vector>

namespace zpull::cli {

// The commands that have help, in the order `zpull help` lists them.
const std::vector<std::string>& HelpCommands();
// The help of one command; nullopt for an unknown one.
std::optional<std::string> CommandHelp(const std::string& command);
// The overview: every command in a line, and where to read more.
std::string Overview();

}  // namespace zpull::cli
