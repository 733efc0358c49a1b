#include "core/runner.h"

#include "core/shell_quote.h"
#include "core/text.h"

namespace zpull::core {

namespace {
constexpr std::chrono::milliseconds kBlockingSlice{60'000};
}  // namespace

Result<std::size_t> Process::Read(std::span<char> buf) {
  while (true) {
    auto chunk = ReadFor(buf, kBlockingSlice);
    if (!chunk) return tl::unexpected(chunk.error());
    if (chunk->bytes > 0 || chunk->end) return chunk->bytes;
  }
}

Status Process::Write(std::span<const char> data) {
  while (!data.empty()) {
    auto n = WriteFor(data, kBlockingSlice);
    if (!n) return tl::unexpected(n.error());
    data = data.subspan(*n);
  }
  return {};
}

namespace {
std::string ShortCommand(const Argv& argv);
}  // namespace

Result<CommandResult> CommandRunner::RunWithin(const Argv& argv, std::string_view input, std::chrono::milliseconds) {
  return Run(argv, input);
}

std::string DurationText(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  auto s = ms / 1000;
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h";
  if (s % 3600 >= 60) out += std::to_string(s % 3600 / 60) + "m";
  if (s % 60 || out.empty()) out += std::to_string(s % 60) + "s";
  return out;
}

Error CommandTimedOut(const Argv& argv, std::chrono::milliseconds limit, std::string_view what) {
  return {Reason::kTimeout, ShortCommand(argv) + ": no answer within " + DurationText(limit) + " (" +
                               std::string(what) + "); stopped waiting"};
}

Result<std::vector<CommandResult>> CommandRunner::RunAll(const std::vector<Argv>& commands) {
  std::vector<CommandResult> out;
  out.reserve(commands.size());
  for (const auto& argv : commands) {
    auto r = Run(argv);
    if (!r) return tl::unexpected(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

std::vector<std::vector<std::string>> ArgBatches(const Argv& head, const std::vector<std::string>& args,
                                                 std::size_t max_bytes) {
  std::size_t base = 0;
  for (const auto& w : head) base += ShellQuote(w).size() + 1;
  std::vector<std::vector<std::string>> out;
  std::size_t size = base;
  for (const auto& a : args) {
    const std::size_t n = ShellQuote(a).size() + 1;
    if (out.empty() || (size + n > max_bytes && !out.back().empty())) {
      out.emplace_back();
      size = base;
    }
    out.back().push_back(a);
    size += n;
  }
  return out;
}

std::string FirstLine(std::string_view text) {
  for (std::string_view line : SplitLines(text)) {
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) return std::string(line);
  }
  return {};
}

std::string OutputTooLarge(const Argv& argv) {
  return "output of '" + (argv.empty() ? std::string() : argv[0]) + (argv.size() > 1 ? " " + argv[1] : "") +
         "' exceeds " + std::to_string(kMaxCapturedStdout >> 20) + " MiB; stopped it (broken or hostile peer?)";
}

namespace {

// The first words of a command, for messages.
std::string ShortCommand(const Argv& argv) {
  std::string cmd;
  for (std::size_t i = 0; i < argv.size() && i < 4; ++i) {
    if (i) cmd += ' ';
    cmd += argv[i];
  }
  if (argv.size() > 4) cmd += " ...";
  return cmd;
}

}  // namespace

std::string DescribeFailure(const Argv& argv, const CommandResult& r) {
  std::string msg = ShortCommand(argv) + ": exit " + std::to_string(r.exit_code);
  std::string line = FirstLine(r.err);
  if (!line.empty()) msg += ": " + line;
  return msg;
}

}  // namespace zpull::core
