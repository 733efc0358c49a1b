#pragma once
// Writes the first records of a `zfs send` stream in the real format
// (replicate/stream_check.h describes it), so that FakeZfs's streams and
// the tests' hostile streams pass through, or fail, the same check as a
// real source's. Test support only.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zpull::test {

// One nvlist pair: boolean (1), uint64 (8), string (9) or nvlist (19).
struct Nv {
  std::string name;
  int type = 9;
  std::string str;
  std::uint64_t u64 = 0;
  std::vector<Nv> list;
};
// An nvlist packed with NV_ENCODE_XDR, as libnvpair packs it.
std::string PackXdr(const std::vector<Nv>& pairs);

struct StreamHeaderSpec {
  std::string dataset;  // drr_toname's dataset
  std::string to;       // the target snapshot's short name
  std::uint64_t to_guid = 0;
  std::optional<std::string> from;
  std::uint64_t from_guid = 0;
  bool compound = false;    // -I or -p
  bool properties = false;  // -p: the header's nvlist (tosnap, fromsnap, not_recursive, fss)
  bool raw = false;
  bool resumed = false;
  bool big_endian = false;
  // The first substream of a compound stream (-I: the first snapshot after
  // the base); empty/0: the target.
  std::string first_to;
  std::uint64_t first_to_guid = 0;
};

// One 312-byte BEGIN record.
std::string BeginRecord(std::uint64_t header_type, std::uint64_t features, std::uint32_t flags,
                        std::uint64_t to_guid, std::uint64_t from_guid, const std::string& to_name,
                        std::uint32_t payload_length, bool big_endian = false);
std::string EndRecord(bool big_endian = false);
// The header nvlist of a -p send of `spec`.
std::vector<Nv> PropertiesNvlist(const StreamHeaderSpec& spec);
// BEGIN (+ payload, END and the first substream's BEGIN for a compound stream).
std::string StreamHeader(const StreamHeaderSpec& spec);
// A DRR_WRITE record whose payload is `length` bytes (uncompressed).
std::string WriteRecord(std::uint64_t length, bool big_endian = false);
// A whole stream: StreamHeader(spec), `data` as one WRITE record's
// payload, END; then for a compound stream one empty substream per entry
// of `later` (name, guid; each from the one before) and the closing END.
std::string WholeStream(const StreamHeaderSpec& spec, const std::string& data,
                        const std::vector<std::pair<std::string, std::uint64_t>>& later = {});

}  // namespace zpull::test
