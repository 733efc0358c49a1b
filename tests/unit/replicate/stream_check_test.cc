// The stream check on real captured streams (tests/fixtures/streams) and on
// crafted ones: what zpull asked for passes, anything else is refused
// before `zfs receive` would see a byte.
#include "replicate/stream_check.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "tests/support/send_stream.h"

namespace zpull::replicate {
namespace {

constexpr std::uint64_t kA = 3344264538461998766ull, kB = 4336698634813109860ull, kC = 9667198823535162148ull,
                        kD = 12351977780933515871ull;

std::string Stream(const std::string& name) {
  std::ifstream in(std::string(ZPULL_TEST_FIXTURES_DIR) + "/streams/zfs-send-" + name + ".zfs-fuse-0.7.0.zstream",
                   std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << name;
  return s.str();
}

StreamExpectation Full(std::string to = "a", std::uint64_t guid = kA) {
  return {.source_dataset = "zpcap1250/data", .to_snapshot = std::move(to), .to_guid = guid};
}
StreamExpectation Inc(std::string from, std::uint64_t from_guid, std::string to, std::uint64_t to_guid) {
  return {.source_dataset = "zpcap1250/data", .to_snapshot = std::move(to), .to_guid = to_guid,
          .from_snapshot = std::move(from), .from_guid = from_guid};
}
StreamExpectation IncI(bool properties = false) {
  auto e = Inc("a", kA, "c", kC);
  e.intermediates = true;
  e.first_snapshot = "b";
  e.first_guid = kB;
  e.properties = properties;
  return e;
}
StreamExpectation WithProps(StreamExpectation e) {
  e.properties = true;
  return e;
}

// The whole stream fed at once, then byte by byte up to the verdict.
core::Result<StreamCheckProgress> Check(const std::string& stream, const StreamExpectation& e) {
  auto whole = CheckStreamHeader(stream, e);
  for (std::size_t n = 0; n <= stream.size(); ++n) {
    auto part = CheckStreamHeader(std::string_view(stream).substr(0, n), e);
    if (!part || part->done) {
      EXPECT_EQ(part.has_value(), whole.has_value()) << "at " << n;
      if (part && whole) {
        EXPECT_EQ(part->header_bytes, whole->header_bytes);
      }
      break;
    }
  }
  return whole;
}

std::string Refusal(const std::string& stream, const StreamExpectation& e) {
  auto r = Check(stream, e);
  if (r) return "accepted";
  EXPECT_EQ(r.error().reason, core::Reason::kUnexpectedStream);
  return r.error().message;
}

TEST(StreamCheck, RealStreamsPassAsAsked) {
  const std::vector<std::pair<std::string, StreamExpectation>> cases = {
      {"full", Full()},
      {"inc-i", Inc("a", kA, "b", kB)},
      {"inc-I", IncI()},
      {"full-p", WithProps(Full())},
      {"inc-p-I", IncI(true)},
      {"inc-p-i", WithProps(Inc("b", kB, "c", kC))},
  };
  for (const auto& [name, expect] : cases) {
    auto r = Check(Stream(name), expect);
    ASSERT_TRUE(r) << name << ": " << r.error().message;
    EXPECT_TRUE(r->done) << name;
    EXPECT_GE(r->header_bytes, kRecordSize) << name;
  }
}

TEST(StreamCheck, ReplicationStreamIsRefusedWhateverWasAsked) {
  const std::string r = Stream("rep-R");
  EXPECT_NE(Refusal(r, Full("d", kD)).find("compound"), std::string::npos);
  EXPECT_NE(Refusal(r, WithProps(Full("d", kD))).find("-R"), std::string::npos);
  auto inc = IncI();
  EXPECT_NE(Refusal(r, inc).find("properties"), std::string::npos);
}

TEST(StreamCheck, RefusesWhatWasNotAsked) {
  // A full stream where an incremental was planned.
  EXPECT_NE(Refusal(Stream("full"), Inc("a", kA, "b", kB)).find("a full stream where an incremental"), std::string::npos);
  EXPECT_NE(Refusal(Stream("full"), IncI()).find("a full stream where an incremental from @a"), std::string::npos);
  EXPECT_NE(Refusal(Stream("inc-i"), IncI()).find("-I or -p"), std::string::npos);
  // An incremental where a full send was planned.
  EXPECT_NE(Refusal(Stream("inc-i"), Full("b", kB)).find("incremental"), std::string::npos);
  // The planned name with another guid: an imposter.
  EXPECT_NE(Refusal(Stream("full"), Full("a", 42)).find("imposter"), std::string::npos);
  // Another dataset.
  auto other = Full();
  other.source_dataset = "zpcap1250/other";
  EXPECT_NE(Refusal(Stream("full"), other).find("not of zpcap1250/other"), std::string::npos);
  // -p asked, plain stream sent, and the other way round.
  EXPECT_NE(Refusal(Stream("full"), WithProps(Full())).find("-I or -p"), std::string::npos);
  EXPECT_NE(Refusal(Stream("full-p"), Full()).find("compound"), std::string::npos);
  EXPECT_NE(Refusal(Stream("inc-p-I"), IncI()).find("properties"), std::string::npos);
  // An -I stream whose first snapshot is not the one after the base.
  auto skipped = IncI();
  skipped.first_snapshot = "c";
  skipped.first_guid = kC;
  EXPECT_NE(Refusal(Stream("inc-I"), skipped).find("not @c"), std::string::npos);
  // Not a stream at all.
  EXPECT_NE(Refusal(std::string(400, 'x'), Full()).find("bad magic"), std::string::npos);
  // Raw where not asked, and not raw where asked.
  auto raw = Full();
  raw.raw = true;
  EXPECT_NE(Refusal(Stream("full"), raw).find("not raw"), std::string::npos);
}

TEST(StreamCheck, PropertyStreamMustNameOnlyThePlannedDatasetAndSnapshots) {
  test::StreamHeaderSpec spec{.dataset = "tank/data", .to = "s2", .to_guid = 7, .from = "s1", .from_guid = 5,
                              .compound = true, .properties = true};
  StreamExpectation e{.source_dataset = "tank/data", .to_snapshot = "s2", .to_guid = 7, .from_snapshot = "s1",
                      .from_guid = 5, .properties = true};
  ASSERT_TRUE(CheckStreamHeader(test::StreamHeader(spec), e));

  auto with_nvlist = [&](std::vector<test::Nv> nv) {
    std::string payload = test::PackXdr(nv);
    std::string s = test::BeginRecord(2, 0, 0, 0, 0, "tank/data@s2", static_cast<std::uint32_t>(payload.size()));
    s += payload + test::EndRecord() + test::BeginRecord(1, 0, 0, 7, 5, "tank/data@s2", 0);
    auto r = CheckStreamHeader(s, e);
    return r ? std::string("accepted") : r.error().message;
  };
  auto nv = test::PropertiesNvlist(spec);
  EXPECT_EQ(with_nvlist(nv), "accepted");
  // A second filesystem (a child with its own mountpoint, as -R carries).
  auto two = nv;
  two[3].list.push_back({.name = "0x99", .type = 19, .list = {{.name = "name", .str = "tank/data/child"}}});
  EXPECT_NE(with_nvlist(two).find("2 filesystems"), std::string::npos);
  // Another dataset described.
  auto elsewhere = nv;
  elsewhere[3].list[0].list[0].str = "tank/etc";
  EXPECT_NE(with_nvlist(elsewhere).find("'tank/etc'"), std::string::npos);
  // No not_recursive: a -R stream.
  auto recursive = nv;
  recursive.erase(recursive.begin() + 2);
  EXPECT_NE(with_nvlist(recursive).find("-R"), std::string::npos);
  // Other snapshots named.
  auto to = nv;
  to[1].str = "evil";
  EXPECT_NE(with_nvlist(to).find("@evil"), std::string::npos);
  auto from = nv;
  from[0].str = "s0";
  EXPECT_NE(with_nvlist(from).find("'s0'"), std::string::npos);
  // A malformed nvlist.
  std::string bad = test::PackXdr(nv);
  bad.resize(bad.size() / 2);
  std::string s = test::BeginRecord(2, 0, 0, 0, 0, "tank/data@s2", static_cast<std::uint32_t>(bad.size()));
  s += bad + test::EndRecord() + test::BeginRecord(1, 0, 0, 7, 5, "tank/data@s2", 0);
  auto r = CheckStreamHeader(s, e);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("malformed"), std::string::npos);
}

TEST(StreamCheck, EitherByteOrder) {
  test::StreamHeaderSpec spec{.dataset = "tank/data", .to = "s1", .to_guid = 0x0102030405060708ull, .big_endian = true};
  StreamExpectation e{.source_dataset = "tank/data", .to_snapshot = "s1", .to_guid = 0x0102030405060708ull};
  auto r = CheckStreamHeader(test::StreamHeader(spec), e);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->done);
}

TEST(StreamCheck, ResumedStreamsAreOneSubstreamOfTheDataset) {
  StreamExpectation e{.source_dataset = "tank/data", .resumed = true};
  test::StreamHeaderSpec resumed{.dataset = "tank/data", .to = "s1", .to_guid = 9, .resumed = true};
  EXPECT_TRUE(CheckStreamHeader(test::StreamHeader(resumed), e));
  test::StreamHeaderSpec fresh{.dataset = "tank/data", .to = "s1", .to_guid = 9};
  EXPECT_FALSE(CheckStreamHeader(test::StreamHeader(fresh), e));
  resumed.dataset = "tank/other";
  EXPECT_FALSE(CheckStreamHeader(test::StreamHeader(resumed), e));
}

// Seeded mutations of the real headers: never a crash, and never the
// acceptance of a changed record type, header type, magic or guid.
TEST(StreamCheck, MutatedHeadersAreNeverAcceptedWithAnotherGuidOrType) {
  const std::vector<std::pair<std::string, StreamExpectation>> cases = {
      {"full", Full()}, {"inc-i", Inc("a", kA, "b", kB)}, {"inc-I", IncI()},
      {"full-p", WithProps(Full())}, {"inc-p-I", IncI(true)},
  };
  std::mt19937_64 rng(20261206);
  int accepted = 0, refused = 0;
  for (const auto& [name, expect] : cases) {
    const std::string stream = Stream(name);
    auto ok = CheckStreamHeader(stream, expect);
    ASSERT_TRUE(ok && ok->done) << name;
    const std::size_t header = ok->header_bytes;
    // The checked BEGIN records: the first, and a compound stream's first substream.
    std::vector<std::size_t> begins = {0};
    if (header > kRecordSize) begins.push_back(header - kRecordSize);
    for (int i = 0; i < 4000; ++i) {
      std::string m = stream;
      const std::size_t at = rng() % header;
      const char old = m[at];
      m[at] = static_cast<char>(old ^ static_cast<char>(1 + rng() % 255));
      auto r = CheckStreamHeader(m, expect);
      bool vital = false;
      for (std::size_t b : begins) {
        const std::size_t off = at - b;
        if (at < b || off >= kRecordSize) continue;
        const bool type = off < 4, magic = off >= 8 && off < 16, guid = off >= 40 && off < 56;
        const bool header_type = off == 16 && ((old ^ m[at]) & 3) != 0;
        vital = vital || type || magic || guid || header_type;
      }
      if (vital) {
        EXPECT_FALSE(r && r->done) << name << ": byte " << at << " mutated, still accepted";
      }
      (r && r->done ? accepted : refused)++;
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(accepted, 0);  // padding and unchecked fields may change
}

}  // namespace
}  // namespace zpull::replicate

namespace zpull::replicate {
namespace {

// Real OpenZFS 2.3 streams from the QEMU tier (tests/openzfs/capture_streams.sh).
class OpenZfsStreams : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream in(std::string(ZPULL_TEST_FIXTURES_DIR) + "/streams/streams.openzfs-2.3.2.guids");
    ASSERT_TRUE(in) << "missing streams.openzfs-2.3.2.guids";
    std::string name, value;
    while (in >> name >> value) {
      if (name == "pool") pool_ = value;
      else guid_[name] = std::stoull(value);
    }
    ASSERT_FALSE(pool_.empty());
  }
  std::string Read(const std::string& kind) {
    std::ifstream in(std::string(ZPULL_TEST_FIXTURES_DIR) + "/streams/zfs-send-" + kind + ".openzfs-2.3.2.zstream",
                     std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    EXPECT_FALSE(s.str().empty()) << kind;
    return s.str();
  }
  StreamExpectation Expect(const std::string& fs, const std::string& to, std::optional<std::string> from = {}) {
    StreamExpectation e{.source_dataset = pool_ + "/" + fs, .to_snapshot = to, .to_guid = guid_[fs + "@" + to]};
    if (from) {
      e.from_snapshot = from;
      e.from_guid = guid_[fs + "@" + *from];
    }
    return e;
  }
  std::string pool_;
  std::map<std::string, std::uint64_t> guid_;
};

TEST_F(OpenZfsStreams, PassAsAskedAndRefuseOtherwise) {
  auto check = [&](const std::string& kind, const StreamExpectation& e) {
    auto r = CheckStreamHeader(Read(kind), e);
    return r ? (r->done ? std::string("accepted") : std::string("incomplete")) : r.error().message;
  };
  EXPECT_EQ(check("full", Expect("data", "a")), "accepted");
  EXPECT_EQ(check("inc-i", Expect("data", "b", "a")), "accepted");
  auto inc = Expect("data", "c", "a");
  inc.intermediates = true;
  inc.first_snapshot = "b";
  inc.first_guid = guid_["data@b"];
  EXPECT_EQ(check("inc-I", inc), "accepted");
  auto props = Expect("data", "a");
  props.properties = true;
  EXPECT_EQ(check("full-p", props), "accepted");
  auto inc_props = inc;
  inc_props.properties = true;
  EXPECT_EQ(check("inc-p-I", inc_props), "accepted");
  auto raw = Expect("enc", "a");
  raw.raw = true;
  EXPECT_EQ(check("raw", raw), "accepted");
  EXPECT_NE(check("raw", Expect("enc", "a")).find("raw (-w), though"), std::string::npos);
  StreamExpectation resumed{.source_dataset = pool_ + "/data", .resumed = true};
  EXPECT_EQ(check("resumed", resumed), "accepted");
  EXPECT_NE(check("resumed", Expect("data", "big")).find("resumed stream, though"), std::string::npos);
  // -R: refused whatever was asked.
  EXPECT_NE(check("rep-R", Expect("data", "a")).find("compound"), std::string::npos);
  EXPECT_NE(check("rep-R", props).find("-R"), std::string::npos);
  auto inc_props_i = Expect("data", "c", "b");
  inc_props_i.properties = true;
  EXPECT_EQ(check("inc-p-i", inc_props_i), "accepted");

  // Whole streams, record by record, as the relay walks them.
  auto walk = [&](const std::string& kind, StreamExpectation e) {
    const std::string stream = Read(kind);
    StreamWalker w(std::move(e));
    for (std::size_t have = 0; have < stream.size();) {
      have = std::min(stream.size(), have + 65536);
      if (auto s = w.Walk(std::string_view(stream).substr(w.walked(), have - w.walked())); !s) return s.error().message;
    }
    return std::string(w.free_flowing() ? "free" : w.complete() ? "complete" : "incomplete");
  };
  inc.chain = {{"b", guid_["data@b"]}, {"c", guid_["data@c"]}};
  inc_props.chain = inc.chain;
  inc_props_i.chain = {{"c", guid_["data@c"]}};
  props.chain = {{"a", guid_["data@a"]}};
  EXPECT_EQ(walk("full", Expect("data", "a")), "free");
  EXPECT_EQ(walk("inc-I", inc), "complete");
  EXPECT_EQ(walk("inc-p-I", inc_props), "complete");
  EXPECT_EQ(walk("inc-p-i", inc_props_i), "complete");
  EXPECT_EQ(walk("full-p", props), "complete");
  EXPECT_EQ(walk("raw", raw), "free");
}

}  // namespace
}  // namespace zpull::replicate

namespace zpull::replicate {
namespace {

std::string Fixture(const std::string& file) {
  std::ifstream in(std::string(ZPULL_TEST_FIXTURES_DIR) + "/streams/" + file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << file;
  return s.str();
}

// Walks `stream` in chunks of `chunk` bytes, as the relay would; returns
// the walker's error, "complete", "free" or "incomplete".
std::string WalkAll(const std::string& stream, StreamExpectation e, std::size_t chunk = 4096) {
  StreamWalker w(std::move(e));
  std::size_t have = 0;
  while (have < stream.size()) {
    have = std::min(stream.size(), have + chunk);
    auto s = w.Walk(std::string_view(stream).substr(w.walked(), have - w.walked()));
    if (!s) return s.error().message;
    EXPECT_LE(w.safe(), w.walked());
  }
  if (w.free_flowing()) return "free";
  return w.complete() ? "complete" : "incomplete";
}

StreamExpectation Chain(StreamExpectation e, std::vector<std::pair<std::string, std::uint64_t>> chain) {
  e.chain = std::move(chain);
  return e;
}

TEST(StreamWalker, RealStreamsWalkToTheirEnd) {
  const std::string ff = ".zfs-fuse-0.7.0.zstream";
  auto inc = IncI();
  for (std::size_t chunk : {std::size_t{1}, std::size_t{311}, std::size_t{4096}, std::size_t{1} << 20}) {
    EXPECT_EQ(WalkAll(Fixture("zfs-send-full" + ff), Full(), chunk), "free");
    EXPECT_EQ(WalkAll(Fixture("zfs-send-inc-I" + ff), Chain(inc, {{"b", kB}, {"c", kC}}), chunk), "complete");
    EXPECT_EQ(WalkAll(Fixture("zfs-send-inc-p-I" + ff), Chain(IncI(true), {{"b", kB}, {"c", kC}}), chunk), "complete");
    EXPECT_EQ(WalkAll(Fixture("zfs-send-inc-p-i" + ff), Chain(WithProps(Inc("b", kB, "c", kC)), {{"c", kC}}), chunk),
              "complete");
    EXPECT_EQ(WalkAll(Fixture("zfs-send-full-p" + ff), Chain(WithProps(Full()), {{"a", kA}}), chunk), "complete");
  }
  // The plan asked for less than the -I stream brings: refused at the extra substream.
  EXPECT_NE(WalkAll(Fixture("zfs-send-inc-I" + ff), Chain(inc, {{"b", kB}})).find("did not ask for"), std::string::npos);
  // A chain the stream does not follow.
  EXPECT_NE(WalkAll(Fixture("zfs-send-inc-I" + ff), Chain(inc, {{"b", kB}, {"c", 77}})).find("imposter"),
            std::string::npos);
}

TEST(StreamWalker, LaterSubstreamsAreCheckedBeforeTheyGoOn) {
  test::StreamHeaderSpec spec{.dataset = "tank/data", .to = "c", .to_guid = 30, .from = "a", .from_guid = 10,
                              .compound = true, .first_to = "b", .first_to_guid = 20};
  StreamExpectation e{.source_dataset = "tank/data", .to_snapshot = "c", .to_guid = 30, .from_snapshot = "a",
                      .from_guid = 10, .first_snapshot = "b", .first_guid = 20, .intermediates = true,
                      .chain = {{"b", 20}, {"c", 30}}};
  EXPECT_EQ(WalkAll(test::WholeStream(spec, "data", {{"c", 30}}), e), "complete");
  // A child's substream (libzfs would create tank/data's replica's child).
  std::string child = test::StreamHeader(spec) + test::WriteRecord(4) + "data" + test::EndRecord() +
                      test::BeginRecord(1, 0, 0, 30, 20, "tank/data/evil@c", 0) + test::EndRecord() + test::EndRecord();
  EXPECT_NE(WalkAll(child, e).find("not of tank/data"), std::string::npos);
  // A sibling ("tank/dataX": a prefix of the planned name).
  std::string sibling = test::StreamHeader(spec) + test::WriteRecord(4) + "data" + test::EndRecord() +
                        test::BeginRecord(1, 0, 0, 30, 20, "tank/dataX@c", 0) + test::EndRecord() + test::EndRecord();
  EXPECT_NE(WalkAll(sibling, e).find("'tank/dataX'"), std::string::npos);
  // One substream more than planned.
  EXPECT_NE(WalkAll(test::WholeStream(spec, "data", {{"c", 30}, {"d", 40}}), e).find("did not ask for"),
            std::string::npos);
  // The planned name with another guid, or from another base.
  EXPECT_NE(WalkAll(test::WholeStream(spec, "data", {{"c", 31}}), e).find("imposter"), std::string::npos);
  // A BEGIN hidden inside a substream, a record of an unknown type, a
  // payload no block has, bytes after the closing END, a short stream.
  std::string nested = test::StreamHeader(spec) + test::BeginRecord(1, 0, 0, 30, 20, "tank/data@c", 0);
  EXPECT_NE(WalkAll(nested, e).find("inside a substream"), std::string::npos);
  std::string unknown = test::StreamHeader(spec) + std::string(4, '\x33') + std::string(308, '\0');
  EXPECT_NE(WalkAll(unknown, e).find("unknown record type"), std::string::npos);
  EXPECT_NE(WalkAll(test::StreamHeader(spec) + test::WriteRecord(1ull << 40), e).find("claims a payload"),
            std::string::npos);
  EXPECT_NE(WalkAll(test::WholeStream(spec, "data", {{"c", 30}}) + "junk", e).find("closing END"), std::string::npos);
  std::string short_stream = test::StreamHeader(spec) + test::WriteRecord(4) + "data" + test::EndRecord() +
                             test::EndRecord();
  EXPECT_NE(WalkAll(short_stream, e).find("after 1 of 2 planned"), std::string::npos);
}

TEST(StreamWalker, NothingUncheckedIsSafe) {
  test::StreamHeaderSpec spec{.dataset = "tank/data", .to = "c", .to_guid = 30, .from = "a", .from_guid = 10,
                              .compound = true, .first_to = "b", .first_to_guid = 20};
  StreamExpectation e{.source_dataset = "tank/data", .to_snapshot = "c", .to_guid = 30, .from_snapshot = "a",
                      .from_guid = 10, .first_snapshot = "b", .first_guid = 20, .intermediates = true,
                      .chain = {{"b", 20}, {"c", 30}}};
  const std::string whole = test::WholeStream(spec, "data", {{"c", 30}});
  StreamWalker w(e);
  // The header and first BEGIN minus one byte: nothing may go on.
  const std::size_t header = test::StreamHeader(spec).size();
  ASSERT_TRUE(w.Walk(std::string_view(whole).substr(0, header - 1)));
  EXPECT_EQ(w.safe(), 0u);
  // The second substream's BEGIN minus one byte: only what comes before it.
  const std::size_t second = whole.size() - 3 * kRecordSize;
  ASSERT_TRUE(w.Walk(std::string_view(whole).substr(w.walked(), second + kRecordSize - 1 - w.walked())));
  EXPECT_EQ(w.safe(), second);
}

TEST(XdrNvlist, ReadsAsLibnvpairDoesAndRefusesTheRest) {
  std::vector<test::Nv> nv = {{.name = "tosnap", .str = "a"}, {.name = "not_recursive", .type = 1}};
  ASSERT_TRUE(ParseXdrNvlist(test::PackXdr(nv)));
  // Duplicate names.
  auto dup = nv;
  dup.push_back({.name = "tosnap", .str = "b"});
  EXPECT_FALSE(ParseXdrNvlist(test::PackXdr(dup)));
  // Bytes after the list that are not padding (pairs only this reader would see).
  EXPECT_FALSE(ParseXdrNvlist(test::PackXdr(nv) + std::string(8, 'x')));
  // A pair whose encoded size is not what it occupies.
  std::string packed = test::PackXdr(nv);
  packed[4 + 8 + 3] ^= 4;
  EXPECT_FALSE(ParseXdrNvlist(packed));
  // A type a send header never carries (a byte array).
  std::string odd = test::PackXdr({{.name = "x", .type = 10}});
  EXPECT_FALSE(ParseXdrNvlist(odd));
  // not_recursive of another type does not count as one.
  test::StreamHeaderSpec spec{.dataset = "tank/data", .to = "s2", .to_guid = 7, .compound = true, .properties = true};
  auto props = test::PropertiesNvlist(spec);
  for (auto& p : props) {
    if (p.name == "not_recursive") p = {.name = "not_recursive", .type = 8, .u64 = 1};
  }
  std::string payload = test::PackXdr(props);
  std::string s = test::BeginRecord(2, 0, 0, 0, 0, "tank/data@s2", static_cast<std::uint32_t>(payload.size()));
  s += payload + test::EndRecord() + test::BeginRecord(1, 0, 0, 7, 0, "tank/data@s2", 0);
  StreamExpectation e{.source_dataset = "tank/data", .to_snapshot = "s2", .to_guid = 7, .properties = true};
  auto r = CheckStreamHeader(s, e);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("-R"), std::string::npos);
}

}  // namespace
}  // namespace zpull::replicate
