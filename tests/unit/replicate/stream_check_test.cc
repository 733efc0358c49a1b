// The stream check on real captured streams (tests/fixtures/streams) and on
// crafted ones: what zpull asked for passes, anything else is refused
// before `zfs receive` would see a byte.
#include "replicate/stream_check.h"

#include <gtest/gtest.h>

#include <fstream>
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
