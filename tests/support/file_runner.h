#pragma once
// A command runner that answers a host's snapshot listings from files, as
// the control-plane benchmark and scale tests need: every `zfs get` of the
// listing properties streams `listing` (through `cat`, so the reading
// process's CPU and memory are not the file's), and every `zfs get written`
// prints `written` (when given). Anything else fails, naming the command.
// Counts the listing commands. Thread-safe.

#include <algorithm>
#include <atomic>
#include <limits>
#include <string>
#include <string_view>

#include "core/local_runner.h"
#include "core/runner.h"
#include "core/shell_quote.h"

namespace zpull::test {

class FileRunner : public core::CommandRunner {
 public:
  // The property list of the snapshot listings it answers.
  static constexpr std::string_view kListProps = "guid,createtxg,creation,userrefs";

  FileRunner(std::string host, std::string listing, std::string written)
      : host_(std::move(host)), listing_(std::move(listing)), written_(std::move(written)) {}
  core::Result<core::CommandResult> Run(const core::Argv& argv, std::string_view) override {
    if (!written_.empty() && std::find(argv.begin(), argv.end(), "written") != argv.end()) {
      ++list_commands;
      return local_.Run({"cat", written_});
    }
    return core::Fail(core::Reason::kOther, "unexpected command " + core::ShellJoin(argv));
  }
  core::Result<std::unique_ptr<core::Process>> Start(const core::Argv& argv) override {
    // (The listing's properties, perhaps with more after them.)
    if (std::none_of(argv.begin(), argv.end(), [](const std::string& a) { return a.starts_with(kListProps); })) {
      return core::Fail(core::Reason::kOther, "unexpected command " + core::ShellJoin(argv));
    }
    ++list_commands;
    return local_.Start({"cat", listing_});
  }
  const std::string& Host() const override { return host_; }
  // One command per listing: the file answers for every filesystem at once
  // (a local host's limit is 1 MiB; 50k datasets' names exceed it).
  std::size_t MaxCommandBytes() const override { return std::numeric_limits<std::size_t>::max(); }
  std::atomic<int> list_commands{0};

 private:
  std::string host_, listing_, written_;
  core::LocalRunner local_;
};

}  // namespace zpull::test
