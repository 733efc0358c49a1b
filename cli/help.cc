#include "cli/help.h"

#include <sstream>

namespace zpull::cli {
namespace {

std::string OptionUsage(const OptionSpec& o) {
  return o.name + (o.value.empty() ? "" : " " + o.value);
}

std::string OptionLabel(const OptionSpec& o) {
  return (o.alias.empty() ? "" : o.alias + ", ") + OptionUsage(o);
}

// Options in two columns, the descriptions wrapped at 78.
std::string OptionTable(const std::vector<OptionSpec>& options) {
  std::size_t width = 0;
  for (const auto& o : options) width = std::max(width, OptionLabel(o).size());
  const std::size_t column = 2 + width + 3;
  std::string out;
  for (const auto& o : options) {
    const std::string label = OptionLabel(o);
    out += "  " + label + std::string(column - 2 - label.size(), ' ') +
           Wrap(o.help, 78 > column + 20 ? 78 - column : 20, column) + "\n";
  }
  return out;
}

}  // namespace

std::string Wrap(const std::string& text, std::size_t width, std::size_t indent) {
  std::istringstream words(text);
  std::string out, line, word;
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n" + std::string(indent, ' ');
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return out + line;
}

std::string Synopsis(const CommandSpec& c) {
  if (!c.forms.empty()) {
    std::string out;
    for (const auto& f : c.forms) out += (out.empty() ? "" : "\n") + f;
    return out;
  }
  std::string out = "zpull " + c.name;
  out += " [--config FILE]";
  for (const auto& o : c.options) out += o.required ? " " + OptionUsage(o) : " [" + OptionUsage(o) + "]";
  switch (c.operands) {
    case Operands::kNone: break;
    case Operands::kOne: out += " " + c.operand; break;
    case Operands::kOptionalOne: out += " [" + c.operand + "]"; break;
    case Operands::kAny: out += " [" + c.operand + "...]"; break;
  }
  return out;
}

std::string UsageText(const CommandSpec& c) {
  std::string usage = Synopsis(c);
  for (std::size_t at = 0; (at = usage.find('\n', at)) != std::string::npos; at += 8) usage.replace(at, 1, "\n       ");
  return "usage: " + usage;
}

std::optional<std::string> CommandHelp(const std::string& name) {
  const CommandSpec* c = FindCommand(name);
  if (!c) return std::nullopt;
  std::string out = UsageText(*c) + "\n\n";
  if (!c->description.empty()) out += c->description + "\n\n";
  if (!c->options.empty()) out += OptionTable(c->options) + "\n";
  out += c->examples.size() == 1 ? "Example:\n" : "Examples:\n";
  for (const auto& e : c->examples) out += "  " + e + "\n";
  out += "\nEvery command:\n" + OptionTable(CommonOptions());
  return out;
}

std::string Overview() {
  std::string out = "zpull: pull replication of ZFS datasets, verified and measured.\n\n"
                    "usage: zpull COMMAND [OPTIONS] [ARGUMENTS]\n\nCommands:\n";
  for (const auto& c : Commands()) {
    out += "  " + c.name + std::string(c.name.size() < 14 ? 14 - c.name.size() : 1, ' ') + c.summary + "\n";
  }
  out += "  help COMMAND  a command's options and examples (also: zpull COMMAND --help)\n"
         "  version       zpull's version and revision\n\n"
         "Every command:\n" +
         OptionTable(CommonOptions()) +
         "\nConfiguration: every key is explained in zpull.yml(5) and\n"
         "/usr/share/doc/zpull/zpull.example.yml (deploy/zpull.example.yml in the source tree).\n";
  return out;
}

}  // namespace zpull::cli
