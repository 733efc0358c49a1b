#include "replicate/transfer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "tests/support/fake_zfs.h"
#include "tests/support/send_stream.h"
#include "core/local_runner.h"

namespace zpull::replicate {
namespace {

using namespace std::chrono_literals;
using core::DatasetName;

// A send that streams `bytes` and then either ends or goes silent.
class ScriptedSend : public core::Process {
 public:
  ScriptedSend(std::size_t bytes, bool then_stall) : left_(bytes), stall_(then_stall) {}
  core::Result<core::ReadChunk> ReadFor(std::span<char> buf, std::chrono::milliseconds wait) override {
    if (left_ > 0) {
      std::size_t n = std::min(left_, buf.size());
      std::fill_n(buf.data(), n, 'x');
      left_ -= n;
      return core::ReadChunk{n, false};
    }
    if (!stall_ || aborted_) return core::ReadChunk{0, true};
    std::this_thread::sleep_for(std::min(wait, std::chrono::milliseconds(50)));
    return core::ReadChunk{};
  }
  core::Result<std::size_t> WriteFor(std::span<const char>, std::chrono::milliseconds) override { return 0; }
  void CloseStdin() override {}
  void Abort() override { aborted_ = true; }
  core::Result<core::ExitInfo> Wait() override {
    return core::ExitInfo{aborted_ ? 141 : 0, aborted_ ? "warning: cannot send: Broken pipe\n" : ""};
  }

 private:
  std::size_t left_;
  bool stall_;
  bool aborted_ = false;
};

// A receive that takes `accept` bytes and then no more input.
class ScriptedRecv : public core::Process {
 public:
  explicit ScriptedRecv(std::size_t accept) : accept_(accept) {}
  core::Result<core::ReadChunk> ReadFor(std::span<char>, std::chrono::milliseconds) override {
    return core::ReadChunk{0, true};
  }
  core::Result<std::size_t> WriteFor(std::span<const char> data, std::chrono::milliseconds wait) override {
    std::size_t n = std::min(accept_, data.size());
    accept_ -= n;
    if (n == 0) std::this_thread::sleep_for(std::min(wait, std::chrono::milliseconds(50)));
    return n;
  }
  void CloseStdin() override {}
  void Abort() override { aborted_ = true; }
  core::Result<core::ExitInfo> Wait() override {
    return core::ExitInfo{aborted_ ? 143 : 1, "cannot receive incremental stream: invalid backup stream\n"};
  }

 private:
  std::size_t accept_;
  bool aborted_ = false;
};

class ScriptedZfs : public test::FakeZfs {
 public:
  ScriptedZfs() : FakeZfs("scripted", [] { return std::int64_t{0}; }) {}
  core::Result<std::unique_ptr<core::Process>> StartSend(const core::SendSpec&) override {
    return std::unique_ptr<core::Process>(new ScriptedSend(send_bytes, send_stalls));
  }
  core::Result<std::unique_ptr<core::Process>> StartRecv(const core::RecvSpec&) override {
    return std::unique_ptr<core::Process>(new ScriptedRecv(recv_accepts));
  }
  std::size_t send_bytes = 3u << 20;
  bool send_stalls = true;
  std::size_t recv_accepts = SIZE_MAX;
};

class TransferTest : public ::testing::Test {
 protected:
  core::Result<std::uint64_t> Run(const TransferLimits& limits) {
    core::SendSpec send{DatasetName::Parse("tank/a").value(), "s2", "s1"};
    core::RecvSpec recv{DatasetName::Parse("backup/a").value()};
    return RunTransfer(zfs_, send, zfs_, recv, [this](std::uint64_t n) { counted_ += n; }, limits);
  }
  ScriptedZfs zfs_;
  std::uint64_t counted_ = 0;
};

TEST_F(TransferTest, SilentSenderIsAbortedAsStalled) {
  TransferLimits limits;
  limits.stall_timeout = 300ms;
  auto r = Run(limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, core::Reason::kStalled) << r.error().message;
  EXPECT_NE(r.error().message.find("after 3145728 bytes"), std::string::npos) << r.error().message;
  EXPECT_EQ(counted_, 3u << 20);
}

TEST_F(TransferTest, ReceiverThatStopsTakingInputIsAbortedAsStalled) {
  zfs_.send_stalls = false;
  zfs_.recv_accepts = 1u << 20;
  TransferLimits limits;
  limits.stall_timeout = 300ms;
  auto r = Run(limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, core::Reason::kStalled) << r.error().message;
}

TEST_F(TransferTest, CancelEndsTheTransferAsShutdown) {
  std::atomic<bool> cancel{false};
  TransferLimits limits;
  limits.cancel = &cancel;
  std::thread stopper([&] {
    std::this_thread::sleep_for(200ms);
    cancel = true;
  });
  auto r = Run(limits);
  stopper.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, core::Reason::kShutdown) << r.error().message;
}

TEST_F(TransferTest, TotalTimeoutEndsAProgressingTransfer) {
  // 4 MiB/s for a 3 MiB stream: progress never stops, the total timeout hits.
  RateLimit slow(4u << 20, 0ms);
  TransferLimits limits;
  limits.total_timeout = 200ms;
  limits.rate_limits = {&slow};
  zfs_.send_stalls = false;
  zfs_.send_bytes = 64u << 20;
  auto r = Run(limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, core::Reason::kTimeout) << r.error().message;
  EXPECT_LT(counted_, 64u << 20);
}

TEST_F(TransferTest, ThrottledTransferIsNotMistakenForAStall) {
  RateLimit slow(8u << 20, 0ms);  // 3 MiB take ~0.4 s in 1 MiB reads
  TransferLimits limits;
  limits.stall_timeout = 150ms;
  limits.rate_limits = {&slow};
  zfs_.send_stalls = false;
  auto r = Run(limits);
  // The scripted receiver fails at the end (exit 1); what matters is that it
  // got there rather than stalling.
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, core::Reason::kStreamCorrupt) << r.error().message;
  EXPECT_EQ(counted_, 3u << 20);
}

TEST(RateLimitTest, PausesUntilTheBytesArePaidFor) {
  using Clock = RateLimit::Clock;
  RateLimit limit(1000, 0ms);
  const Clock::time_point t0{};
  EXPECT_EQ(limit.Reserve(500, t0), t0 + 500ms);
  // Bytes moved before the pause ended queue behind the earlier ones.
  EXPECT_EQ(limit.Reserve(500, t0 + 100ms), t0 + 1000ms);
  // After a long idle time the schedule restarts at now (no hoarded credit).
  EXPECT_EQ(limit.Reserve(100, t0 + 10s), t0 + 10s + 100ms);
}

TEST(RateLimitTest, SharedLimitSplitsTheRate) {
  using Clock = RateLimit::Clock;
  RateLimit global(1000, 0ms);
  const Clock::time_point t0{};
  // Two transfers each moving 500 bytes at t0 together wait for 1000 bytes.
  EXPECT_EQ(global.Reserve(500, t0), t0 + 500ms);
  EXPECT_EQ(global.Reserve(500, t0), t0 + 1000ms);
}

TEST(RateLimitTest, BurstLetsSmallReadsThrough) {
  using Clock = RateLimit::Clock;
  RateLimit limit(1000, 250ms);
  const Clock::time_point t0{};
  EXPECT_EQ(limit.Reserve(200, t0), t0);
  EXPECT_EQ(limit.Reserve(50, t0), t0);  // 250 ms ahead: within the burst
  EXPECT_EQ(limit.Reserve(100, t0), t0 + 100ms);
}

}  // namespace
}  // namespace zpull::replicate

#include <zstd.h>

#include "replicate/stream_reader.h"

namespace zpull::replicate {
namespace {

// Delivers `data` in reads of at most `chunk` bytes.
class ChunkedSend : public core::Process {
 public:
  ChunkedSend(std::string data, std::size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
  core::Result<core::ReadChunk> ReadFor(std::span<char> buf, std::chrono::milliseconds) override {
    std::size_t n = std::min({chunk_, buf.size(), data_.size() - pos_});
    std::copy_n(data_.data() + pos_, n, buf.data());
    pos_ += n;
    return core::ReadChunk{n, n == 0};
  }
  core::Result<std::size_t> WriteFor(std::span<const char>, std::chrono::milliseconds) override { return 0; }
  void CloseStdin() override {}
  void Abort() override {}
  core::Result<core::ExitInfo> Wait() override { return core::ExitInfo{}; }

 private:
  std::string data_;
  std::size_t chunk_, pos_ = 0;
};

std::string Compressible(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; s.size() < n; ++i) s += "block " + std::to_string(i % 977) + " of a zfs send stream\n";
  s.resize(n);
  return s;
}

std::string Zstd(const std::string& plain) {
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 3));
  return out;
}

// Reads everything through a StreamReader with a small output buffer.
core::Result<std::string> ReadAll(StreamReader& r, std::uint64_t& wire) {
  std::string out;
  std::vector<char> buf(65536);
  for (int guard = 0; guard < 1000000; ++guard) {
    auto chunk = r.ReadFor(buf, std::chrono::milliseconds(10));
    if (!chunk) return tl::unexpected(chunk.error());
    wire += r.last_wire_bytes();
    out.append(buf.data(), chunk->bytes);
    if (chunk->end) return out;
  }
  return core::Fail(core::Reason::kOther, "no end");
}

TEST(StreamReader, DecodesAZstdWireAndCountsWireBytes) {
  const std::string plain = Compressible(5u << 20);
  const std::string wire = Zstd(plain);
  ASSERT_LT(wire.size(), plain.size() / 10);
  for (std::size_t chunk : {std::size_t{7}, std::size_t{4096}, std::size_t{1} << 20}) {
    ChunkedSend send(wire, chunk);
    StreamReader reader(send, true);
    std::uint64_t counted = 0;
    auto out = ReadAll(reader, counted);
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_TRUE(*out == plain) << "chunk " << chunk;
    EXPECT_EQ(counted, wire.size());
  }
}

TEST(StreamReader, PlainWireIsPassedThrough) {
  const std::string plain = Compressible(100000);
  ChunkedSend send(plain, 1000);
  StreamReader reader(send, false);
  std::uint64_t counted = 0;
  auto out = ReadAll(reader, counted);
  ASSERT_TRUE(out);
  EXPECT_TRUE(*out == plain);
  EXPECT_EQ(counted, plain.size());
}

TEST(StreamReader, TruncatedOrGarbageWireIsACorruptStream) {
  const std::string wire = Zstd(Compressible(1u << 20));
  ChunkedSend cut(wire.substr(0, wire.size() / 2), 4096);
  StreamReader a(cut, true);
  std::uint64_t counted = 0;
  auto truncated = ReadAll(a, counted);
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().reason, core::Reason::kStreamCorrupt);
  EXPECT_NE(truncated.error().message.find("ends inside a frame"), std::string::npos);
  ChunkedSend garbage(std::string(10000, 'x'), 4096);
  StreamReader b(garbage, true);
  auto bad = ReadAll(b, counted);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().reason, core::Reason::kStreamCorrupt);
  EXPECT_NE(bad.error().message.find("does not decode"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace zpull::replicate

namespace zpull::replicate {
namespace {

using namespace std::chrono_literals;
using core::DatasetName;

// Local commands on both ends: the in-kernel path (splice between pipes).
class LocalZfs : public test::FakeZfs {
 public:
  LocalZfs() : FakeZfs("local", [] { return std::int64_t{0}; }) {}
  core::Result<std::unique_ptr<core::Process>> StartSend(const core::SendSpec&) override {
    return runner_.Start(send_argv);
  }
  core::Result<std::unique_ptr<core::Process>> StartRecv(const core::RecvSpec&) override {
    return runner_.Start(recv_argv);
  }
  core::Argv send_argv, recv_argv;

 private:
  core::LocalRunner runner_;
};

class LocalTransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zpull-transfer-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  core::Result<std::uint64_t> Run(const TransferLimits& limits = {}) {
    core::SendSpec send{DatasetName::Parse("tank/a").value(), "s2", "s1"};
    core::RecvSpec recv{DatasetName::Parse("backup/a").value()};
    return RunTransfer(zfs_, send, zfs_, recv, [this](std::uint64_t n) { counted_ += n; }, limits,
                       [this](std::uint64_t n) { wire_ += n; });
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string dir_;
  LocalZfs zfs_;
  std::uint64_t counted_ = 0, wire_ = 0;
};

TEST_F(LocalTransferTest, MovesEveryByteUnchangedAndCountsThem) {
  // 9 MiB + 7 bytes of random data, kept aside by the sender for comparison.
  zfs_.send_argv = {"sh", "-c", "head -c 9437191 /dev/urandom | tee " + dir_ + "/sent"};
  zfs_.recv_argv = {"sh", "-c", "cat > " + dir_ + "/received"};
  auto r = Run();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 9437191u);
  EXPECT_EQ(counted_, 9437191u);
  EXPECT_EQ(wire_, 9437191u);
  const std::string sent = Slurp(dir_ + "/sent");
  ASSERT_EQ(sent.size(), 9437191u);
  EXPECT_TRUE(sent == Slurp(dir_ + "/received"));
}

TEST_F(LocalTransferTest, ReceiverThatExitsEarlyFailsTheTransferWithItsError) {
  zfs_.send_argv = {"head", "-c", "50000000", "/dev/zero"};
  zfs_.recv_argv = {"sh", "-c", "head -c 1000 >/dev/null; echo 'cannot receive: out of sorts' >&2; exit 1"};
  auto r = Run();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cannot receive: out of sorts"), std::string::npos) << r.error().message;
  // The root cause first: the sender only died of the broken pipe.
  EXPECT_EQ(r.error().reason, core::Reason::kRecvFailed);
  EXPECT_EQ(r.error().message.rfind("receive exit 1: cannot receive: out of sorts; send exit", 0), 0u)
      << r.error().message;
}

TEST_F(LocalTransferTest, SilentSenderIsAbortedAsStalled) {
  zfs_.send_argv = {"sleep", "30"};
  zfs_.recv_argv = {"sh", "-c", "cat >/dev/null"};
  TransferLimits limits;
  limits.stall_timeout = 300ms;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = Run(limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, core::Reason::kStalled) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

TEST_F(LocalTransferTest, RateLimitHoldsForTheInKernelPathToo) {
  // 4 MiB at 8 MiB/s with no burst takes about half a second.
  RateLimit limit(8u << 20, 0ms);
  TransferLimits limits;
  limits.rate_limits = {&limit};
  zfs_.send_argv = {"head", "-c", "4194304", "/dev/zero"};
  zfs_.recv_argv = {"sh", "-c", "cat >/dev/null"};
  const auto t0 = std::chrono::steady_clock::now();
  auto r = Run(limits);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 4194304u);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
}

}  // namespace
}  // namespace zpull::replicate

namespace zpull::replicate {
namespace {

// The relay with a stream expectation, on real local processes: a stream
// that is what was asked for arrives byte for byte (walked, or after its
// header through the kernel); one that is not reaches the receiver not at
// all, or only up to the substream that was refused.
class CheckedTransferTest : public LocalTransferTest {
 protected:
  void Stream(const std::string& bytes) {
    std::ofstream(dir_ + "/stream", std::ios::binary) << bytes;
    zfs_.send_argv = {"cat", dir_ + "/stream"};
    zfs_.recv_argv = {"sh", "-c", "cat > " + dir_ + "/received"};
  }
  core::Result<std::uint64_t> RunExpecting(const StreamExpectation& e) {
    TransferLimits limits;
    limits.expect = &e;
    return Run(limits);
  }
  test::StreamHeaderSpec spec_{.dataset = "tank/a", .to = "s3", .to_guid = 30, .from = "s1", .from_guid = 10,
                               .compound = true, .first_to = "s2", .first_to_guid = 20};
  StreamExpectation expect_{.source_dataset = "tank/a", .to_snapshot = "s3", .to_guid = 30, .from_snapshot = "s1",
                            .from_guid = 10, .first_snapshot = "s2", .first_guid = 20, .intermediates = true,
                            .chain = {{"s2", 20}, {"s3", 30}}};
};

TEST_F(CheckedTransferTest, AskedForStreamsArriveWhole) {
  const std::string data(3u << 20, 'd');
  const std::string compound = test::WholeStream(spec_, data, {{"s3", 30}});
  Stream(compound);
  auto r = RunExpecting(expect_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, compound.size());
  EXPECT_TRUE(Slurp(dir_ + "/received") == compound);

  test::StreamHeaderSpec full{.dataset = "tank/a", .to = "s3", .to_guid = 30};
  const std::string single = test::WholeStream(full, data);
  Stream(single);
  StreamExpectation e{.source_dataset = "tank/a", .to_snapshot = "s3", .to_guid = 30};
  auto s = RunExpecting(e);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(Slurp(dir_ + "/received") == single);
}

TEST_F(CheckedTransferTest, RefusedStreamsDoNotReachTheReceiver) {
  // Another dataset from the first byte: the receiver gets nothing.
  test::StreamHeaderSpec other = spec_;
  other.dataset = "tank/b";
  Stream(test::WholeStream(other, std::string(1u << 20, 'x'), {{"s3", 30}}));
  auto r = RunExpecting(expect_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, core::Reason::kUnexpectedStream) << r.error().message;
  EXPECT_EQ(Slurp(dir_ + "/received"), "");

  // A substream more than planned: the receiver gets what came before it.
  const std::string planned = test::WholeStream(spec_, "data", {{"s3", 30}});
  const std::string extra = test::WholeStream(spec_, "data", {{"s3", 30}, {"s4", 40}});
  Stream(extra);
  auto e = RunExpecting(expect_);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().reason, core::Reason::kUnexpectedStream) << e.error().message;
  EXPECT_NE(e.error().message.find("tank/a@s4"), std::string::npos) << e.error().message;
  const std::string received = Slurp(dir_ + "/received");
  EXPECT_EQ(received, planned.substr(0, planned.size() - test::EndRecord().size()));
}

TEST_F(CheckedTransferTest, AStreamEndingInItsHeaderIsNotReceived) {
  Stream(test::StreamHeader(spec_).substr(0, 400));
  auto r = RunExpecting(expect_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, core::Reason::kUnexpectedStream) << r.error().message;
  EXPECT_NE(r.error().message.find("ended within its header"), std::string::npos) << r.error().message;
  EXPECT_EQ(Slurp(dir_ + "/received"), "");
}

}  // namespace
}  // namespace zpull::replicate
