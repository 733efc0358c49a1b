// Commands over many filesystems are cut so that none exceeds what a remote
// shell takes as one argument (core/runner.h, kMaxCommandBytes).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "core/local_runner.h"
#include "core/shell_quote.h"
#include "core/zfs_cli.h"

namespace zpull::core {
namespace {

std::size_t QuotedSize(const Argv& argv) {
  std::size_t n = 0;
  for (const auto& w : argv) n += ShellQuote(w).size() + 1;
  return n;
}

TEST(ArgBatches, CutsWithinTheLimitKeepingOrder) {
  const Argv head = {"zfs", "get", "-Hp", "guid"};
  std::vector<std::string> args;
  for (int i = 0; i < 100; ++i) args.push_back("tank/data/ds" + std::to_string(i));
  auto batches = ArgBatches(head, args, 300);
  ASSERT_GT(batches.size(), 1u);
  std::vector<std::string> joined;
  for (const auto& b : batches) {
    Argv argv = head;
    argv.insert(argv.end(), b.begin(), b.end());
    EXPECT_LE(QuotedSize(argv), 300u);
    EXPECT_FALSE(b.empty());
    joined.insert(joined.end(), b.begin(), b.end());
  }
  EXPECT_EQ(joined, args);
  EXPECT_EQ(ArgBatches(head, args).size(), 1u);  // the default limit holds them all
  EXPECT_TRUE(ArgBatches(head, {}).empty());
  // A word longer than the limit still goes, alone.
  auto long_one = ArgBatches(head, {"a", std::string(400, 'x'), "b"}, 300);
  ASSERT_EQ(long_one.size(), 3u);
  EXPECT_EQ(long_one[1].size(), 1u);
}

// Answers `zfs get` listings for the filesystems in the command, each with
// one snapshot, from a real child process; records every command.
class ListingRunner : public CommandRunner {
 public:
  Result<CommandResult> Run(const Argv& argv, std::string_view) override {
    seen.push_back(argv);
    std::string out;
    for (std::size_t i = 4; i < argv.size(); ++i) out += argv[i] + "\twritten\t7\t-\n";  // zfs get -Hp written FS...
    return CommandResult{0, out, ""};
  }
  Result<std::unique_ptr<Process>> Start(const Argv& argv) override {
    seen.push_back(argv);
    const std::string file = ::testing::TempDir() + "/zpull-batches-" + std::to_string(seen.size());
    std::ofstream f(file);
    for (std::size_t i = 7; i < argv.size(); ++i) {  // zfs get -Hp -r -d 1 PROPS FS...
      f << argv[i] << "\tguid\t1\t-\n"
        << argv[i] << "@s\tguid\t" << 100 + i << "\t-\n"
        << argv[i] << "@s\tcreatetxg\t5\t-\n"
        << argv[i] << "@s\tcreation\t1795780800\t-\n"
        << argv[i] << "@s\tuserrefs\t0\t-\n";
    }
    f.close();  // all of it on disk before cat reads it
    files.push_back(file);
    return local_.Start({"cat", file});
  }
  const std::string& Host() const override { return host_; }
  ~ListingRunner() override {
    for (const auto& f : files) std::remove(f.c_str());
  }
  std::vector<Argv> seen;

 private:
  LocalRunner local_;
  std::vector<std::string> files;
  std::string host_ = "many";
};

TEST(ZfsCliBatches, ListingsOfManyFilesystemsStayWithinTheCommandLimit) {
  ListingRunner runner;
  ZfsCli zfs(runner);
  std::vector<DatasetName> filesystems;
  for (int i = 0; i < 4000; ++i) {
    filesystems.push_back(DatasetName::Parse("tank/a-rather-long-parent-name/dataset" + std::to_string(i)).value());
  }
  auto stream = zfs.StreamSnapshotsOf(filesystems);
  ASSERT_TRUE(stream) << stream.error().message;
  std::size_t n = 0;
  while (true) {
    auto block = (*stream)->Next();
    ASSERT_TRUE(block) << block.error().message;
    if (!*block) break;
    ASSERT_LT(n, filesystems.size());
    EXPECT_EQ((*block)->fs, filesystems[n].str());
    ASSERT_TRUE((*block)->snapshots);
    EXPECT_EQ((*block)->snapshots->size(), 1u);
    ++n;
  }
  EXPECT_EQ(n, filesystems.size());
  ASSERT_GE(runner.seen.size(), 2u);  // 4000 names of 43 bytes with their space: 172 KB, two commands or more
  for (const auto& argv : runner.seen) EXPECT_LE(QuotedSize(argv), kMaxCommandBytes);

  runner.seen.clear();
  auto written = zfs.GetPropertyOf(filesystems, "written");
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(written->size(), filesystems.size());
  ASSERT_GE(runner.seen.size(), 2u);
  for (const auto& argv : runner.seen) EXPECT_LE(QuotedSize(argv), kMaxCommandBytes);
}

}  // namespace
}  // namespace zpull::core
