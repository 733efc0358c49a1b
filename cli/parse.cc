#include "cli/parse.h"

#include <functional>
#include <map>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/help.h"
#include "cli/suggest.h"

namespace zpull::cli {
namespace {

using Bind = std::function<CLI::Option*(CLI::App&, const std::string& names, Args&)>;

template <typename T>
Bind Value(T Args::*member) {
  return [member](CLI::App& app, const std::string& names, Args& a) { return app.add_option(names, a.*member); };
}
Bind Flag(bool Args::*member) {
  return [member](CLI::App& app, const std::string& names, Args& a) { return app.add_flag(names, a.*member); };
}

// Where each option of cli/commands.h lands in Args (a unit test parses
// every option of every command, so none is left without one).
const std::map<std::string, Bind>& Binds() {
  static const std::map<std::string, Bind> binds = {
      {"--config", Value(&Args::config)},
      {"--log.level", Value(&Args::log_level)},
      {"--log.format", Value(&Args::log_format)},
      {"--web.listen-address", Value(&Args::web_listen)},
      {"--web.config.file", Value(&Args::web_config)},
      {"--dry-run", Flag(&Args::dry_run)},
      {"--textfile", Value(&Args::textfile)},
      {"--json", Flag(&Args::json)},
      {"--to", Value(&Args::restore_to)},
      {"--file", Value(&Args::restore_file)},
      {"--into", Value(&Args::restore_into)},
      {"--overwrite", Flag(&Args::overwrite)},
      {"--list", Value(&Args::restore_list)},
      {"--versions", Value(&Args::restore_versions)},
      {"--yes", Flag(&Args::yes)},
      {"--force", Flag(&Args::force)},
  };
  return binds;
}

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

std::vector<OptionSpec> OptionsOf(const CommandSpec& c) {
  std::vector<OptionSpec> all = CommonOptions();
  all.insert(all.end(), c.options.begin(), c.options.end());
  return all;
}

const OptionSpec* FindOption(const std::vector<OptionSpec>& options, const std::string& token) {
  const std::string name = token.substr(0, token.find('='));
  for (const auto& o : options) {
    if (o.name == name || (!o.alias.empty() && o.alias == name)) return &o;
  }
  return nullptr;
}

// Whether `token` is an option of any command that takes a value.
bool TakesValue(const std::string& token) {
  if (const OptionSpec* o = FindOption(CommonOptions(), token)) return !o->value.empty();
  for (const auto& c : Commands()) {
    if (const OptionSpec* o = FindOption(c.options, token)) return !o->value.empty();
  }
  return false;
}

// The command: the first argument that is neither an option nor the value
// of one (`zpull --config F once`, `zpull --web.listen-address :1 run`).
std::optional<std::size_t> CommandPosition(const std::vector<std::string>& argv) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& s = argv[i];
    if (s == "--") return i + 1 < argv.size() ? std::optional(i + 1) : std::nullopt;
    if (!s.starts_with("-") || s == "-") return i;
    if (TakesValue(s) && s.find('=') == std::string::npos) ++i;
  }
  return std::nullopt;
}

UsageError UnknownOption(const CommandSpec& c, const std::string& token) {
  const std::string name = token.substr(0, token.find('='));
  std::vector<std::string> names;
  for (const auto& o : OptionsOf(c)) names.push_back(o.name);
  std::string message = "unknown option " + Quoted(name);
  if (auto s = Suggest(name, names)) return {c.name, message + " (did you mean " + Quoted(*s) + "?)"};
  for (const auto& other : Commands()) {
    if (FindOption(other.options, name)) {
      return {c.name, message + ": it is an option of 'zpull " + other.name + "'"};
    }
  }
  return {c.name, message};
}

std::optional<UsageError> CheckOperands(const CommandSpec& c, const std::vector<std::string>& operands) {
  const std::size_t n = operands.size();
  switch (c.operands) {
    case Operands::kNone:
      if (n) return UsageError{c.name, "takes no arguments, got " + Quoted(operands[0])};
      break;
    case Operands::kOne:
      if (n == 0) return UsageError{c.name, "needs a " + c.operand};
      if (n > 1) return UsageError{c.name, "takes one " + c.operand + ", got " + std::to_string(n) + ": " +
                                               Quoted(operands[0]) + " " + Quoted(operands[1]) + (n > 2 ? " …" : "")};
      break;
    case Operands::kOptionalOne:
      if (n > 1) return UsageError{c.name, "takes at most one " + c.operand + ", got " + std::to_string(n)};
      break;
    case Operands::kAny:
      break;
  }
  return std::nullopt;
}

// A value option with nothing after it, or only another option.
std::optional<UsageError> MissingValue(const CommandSpec& c, const std::vector<std::string>& argv) {
  const auto options = OptionsOf(c);
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "--") break;
    const OptionSpec* o = FindOption(options, argv[i]);
    if (!o || o->value.empty() || argv[i].find('=') != std::string::npos) continue;
    if (i + 1 >= argv.size() || (argv[i + 1].starts_with("-") && argv[i + 1] != "-")) {
      return UsageError{c.name, "option " + Quoted(o->name) + " needs a value: " + o->name + " " + o->value +
                                    " (" + o->name + "=" + o->value + " for one that starts with '-')"};
    }
    ++i;
  }
  return std::nullopt;
}

}  // namespace

tl::expected<Args, UsageError> ParseCommandLine(const std::vector<std::string>& argv) {
  Args args;
  args.config = kDefaultConfig;
  const auto at = CommandPosition(argv);
  const std::string command = at ? argv[*at] : "";
  // --help or -h before any "--", and not as an option's value.
  bool help_flag = false;
  for (std::size_t i = 0; i < argv.size() && argv[i] != "--"; ++i) {
    if (argv[i] == "--help" || argv[i] == "-h") help_flag = true;
    if (TakesValue(argv[i]) && argv[i].find('=') == std::string::npos) ++i;
  }
  if (command == "version" || (!at && std::ranges::find(argv, "--version") != argv.end())) {
    args.command = "version";
    return args;
  }
  if (command == "help" || (help_flag && !FindCommand(command)) || argv.empty()) {
    args.command = "help";
    if (command == "help" && *at + 1 < argv.size()) args.operands.push_back(argv[*at + 1]);
    if (!args.operands.empty() && !FindCommand(args.operands[0])) {
      return tl::unexpected(UsageError{"", "no command " + Quoted(args.operands[0])});
    }
    return args;
  }
  const CommandSpec* spec = FindCommand(command);
  if (!spec) {
    if (!at) return tl::unexpected(UsageError{"", "no command given"});
    std::vector<std::string> names;
    for (const auto& c : Commands()) names.push_back(c.name);
    std::string message = "unknown command " + Quoted(command);
    if (auto s = Suggest(command, names)) message += " (did you mean " + Quoted(*s) + "?)";
    return tl::unexpected(UsageError{"", message});
  }
  if (help_flag) {
    args.command = "help";
    args.operands = {command};
    return args;
  }
  args.command = command;
  std::vector<std::string> rest(argv.begin(), argv.begin() + static_cast<std::ptrdiff_t>(*at));
  rest.insert(rest.end(), argv.begin() + static_cast<std::ptrdiff_t>(*at) + 1, argv.end());
  if (auto e = MissingValue(*spec, rest)) return tl::unexpected(*e);

  CLI::App app("zpull " + command);
  app.set_help_flag();
  app.allow_extras();
  for (const auto& o : OptionsOf(*spec)) {
    auto bind = Binds().find(o.name);
    if (bind == Binds().end()) return tl::unexpected(UsageError{command, "internal: option " + o.name + " is not bound"});
    bind->second(app, o.alias.empty() ? o.name : o.alias + "," + o.name, args);
  }
  std::vector<std::string> operands;
  if (spec->operands != Operands::kNone) app.add_option("operands", operands);
  try {
    std::vector<std::string> reversed(rest.rbegin(), rest.rend());  // CLI11 parses a reversed vector
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return tl::unexpected(UsageError{command, e.what()});
  }
  bool after_dashes = false;  // CLI11 returns "--" itself among the extras
  for (const auto& extra : app.remaining()) {
    if (extra == "--" && !after_dashes) {
      after_dashes = true;
      continue;
    }
    if (!after_dashes && extra.starts_with("-") && extra != "-") return tl::unexpected(UnknownOption(*spec, extra));
    operands.push_back(extra);
  }
  if (auto e = CheckOperands(*spec, operands)) return tl::unexpected(*e);
  auto given = [&app](const std::string& name) { return app.get_option(name)->count() > 0; };
  for (const auto& o : spec->options) {
    if (o.required && !given(o.name)) return tl::unexpected(UsageError{command, "needs " + o.name + " " + o.value});
    if (!o.with.empty() && given(o.name) && !given(o.with)) {
      return tl::unexpected(UsageError{command, o.name + " goes with " + o.with});
    }
  }
  if (!spec->one_of.empty()) {
    std::vector<std::string> chosen;
    for (const auto& name : spec->one_of) {
      if (given(name)) chosen.push_back(name);
    }
    if (chosen.size() != 1) {
      std::string names;
      for (std::size_t i = 0; i < spec->one_of.size(); ++i) {
        names += (i == 0 ? "" : i + 1 == spec->one_of.size() ? " or " : ", ") + spec->one_of[i];
      }
      return tl::unexpected(UsageError{command, chosen.empty() ? "needs one of " + names
                                                               : chosen[0] + " and " + chosen[1] + " cannot be combined"});
    }
  }
  if (command == "check-config" && !operands.empty()) {
    args.config = operands[0];
  } else {
    args.operands = std::move(operands);
  }
  return args;
}

std::string UsageErrorText(const UsageError& error) {
  const CommandSpec* spec = FindCommand(error.command);
  if (!spec) {
    return "zpull: " + error.message + "\nusage: zpull COMMAND [OPTIONS] [ARGUMENTS]\n" +
           "See 'zpull help' for the commands.\n";
  }
  return "zpull " + spec->name + ": " + error.message + "\n" + UsageText(*spec) + "\nSee 'zpull " +
         spec->name + " --help' for its options and examples.\n";
}

}  // namespace zpull::cli
