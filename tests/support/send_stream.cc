#include "tests/support/send_stream.h"

#include <cstring>

namespace zpull::test {
namespace {

constexpr std::size_t kRecord = 312;

void Put(std::string& rec, std::size_t at, std::uint64_t v, int bytes, bool big_endian) {
  for (int i = 0; i < bytes; ++i) {
    const int shift = 8 * (big_endian ? bytes - 1 - i : i);
    rec[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> shift) & 0xff);
  }
}

void Xdr32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

void XdrString(std::string& out, const std::string& s) {
  Xdr32(out, static_cast<std::uint32_t>(s.size()));
  out += s;
  out.append((4 - s.size() % 4) % 4, '\0');
}

void PackList(std::string& out, const std::vector<Nv>& pairs) {
  Xdr32(out, 0);  // nvl_version
  Xdr32(out, 1);  // NV_UNIQUE_NAME
  for (const auto& p : pairs) {
    std::string body;
    XdrString(body, p.name);
    Xdr32(body, static_cast<std::uint32_t>(p.type));
    Xdr32(body, p.type == 1 ? 0 : 1);
    if (p.type == 9) XdrString(body, p.str);
    if (p.type == 8) {
      Xdr32(body, static_cast<std::uint32_t>(p.u64 >> 32));
      Xdr32(body, static_cast<std::uint32_t>(p.u64));
    }
    if (p.type == 19) PackList(body, p.list);
    Xdr32(out, static_cast<std::uint32_t>(body.size() + 8));  // encoded size
    Xdr32(out, static_cast<std::uint32_t>(body.size() + 8));  // decoded size (not read)
    out += body;
  }
  Xdr32(out, 0);
  Xdr32(out, 0);
}

}  // namespace

std::string PackXdr(const std::vector<Nv>& pairs) {
  std::string out = {1, 1, 0, 0};  // NV_ENCODE_XDR, little-endian host
  PackList(out, pairs);
  return out;
}

std::string BeginRecord(std::uint64_t header_type, std::uint64_t features, std::uint32_t flags,
                        std::uint64_t to_guid, std::uint64_t from_guid, const std::string& to_name,
                        std::uint32_t payload_length, bool big_endian) {
  std::string rec(kRecord, '\0');
  Put(rec, 0, 0, 4, big_endian);  // DRR_BEGIN
  Put(rec, 4, payload_length, 4, big_endian);
  Put(rec, 8, 0x2F5BACBACull, 8, big_endian);
  Put(rec, 16, (features << 2) | header_type, 8, big_endian);
  Put(rec, 24, 1795790000, 8, big_endian);  // creation time
  Put(rec, 32, 2, 4, big_endian);           // DMU_OST_ZFS
  Put(rec, 36, flags, 4, big_endian);
  Put(rec, 40, to_guid, 8, big_endian);
  Put(rec, 48, from_guid, 8, big_endian);
  std::memcpy(rec.data() + 56, to_name.data(), std::min<std::size_t>(to_name.size(), 255));
  return rec;
}

std::string EndRecord(bool big_endian) {
  std::string rec(kRecord, '\0');
  Put(rec, 0, 5, 4, big_endian);  // DRR_END
  return rec;
}

std::vector<Nv> PropertiesNvlist(const StreamHeaderSpec& s) {
  std::vector<Nv> top;
  if (s.from) top.push_back({.name = "fromsnap", .str = *s.from});
  top.push_back({.name = "tosnap", .str = s.to});
  top.push_back({.name = "not_recursive", .type = 1});
  Nv fs{.name = "0x1234", .type = 19};
  fs.list = {{.name = "name", .str = s.dataset}, {.name = "props", .type = 19}};
  top.push_back({.name = "fss", .type = 19, .list = {fs}});
  return top;
}

std::string StreamHeader(const StreamHeaderSpec& s) {
  const std::uint64_t features = (s.raw ? 1u << 24 : 0) | (s.resumed ? 1u << 20 : 0);
  if (!s.compound) {
    return BeginRecord(1, features, 0, s.to_guid, s.from_guid, s.dataset + "@" + s.to, 0, s.big_endian);
  }
  const std::string payload = s.properties ? PackXdr(PropertiesNvlist(s)) : "";
  std::string out = BeginRecord(2, 0, 0, 0, 0, s.dataset + "@" + s.to, static_cast<std::uint32_t>(payload.size()),
                                s.big_endian);
  out += payload;
  out += EndRecord(s.big_endian);
  const std::string first = s.first_to.empty() ? s.to : s.first_to;
  const std::uint64_t first_guid = s.first_to_guid ? s.first_to_guid : s.to_guid;
  out += BeginRecord(1, features, 0, first_guid, s.from_guid, s.dataset + "@" + first, 0, s.big_endian);
  return out;
}

std::string WriteRecord(std::uint64_t length, bool big_endian) {
  std::string rec(kRecord, '\0');
  Put(rec, 0, 3, 4, big_endian);           // DRR_WRITE
  Put(rec, 8 + 24, length, 8, big_endian);  // drr_logical_size
  return rec;
}

std::string WholeStream(const StreamHeaderSpec& spec, const std::string& data,
                        const std::vector<std::pair<std::string, std::uint64_t>>& later) {
  std::string out = StreamHeader(spec) + WriteRecord(data.size(), spec.big_endian) + data + EndRecord(spec.big_endian);
  if (!spec.compound) return out;
  const std::uint64_t features = (spec.raw ? 1u << 24 : 0);
  std::uint64_t from = spec.first_to_guid ? spec.first_to_guid : spec.to_guid;
  for (const auto& [name, guid] : later) {
    out += BeginRecord(1, features, 0, guid, from, spec.dataset + "@" + name, 0, spec.big_endian);
    out += EndRecord(spec.big_endian);
    from = guid;
  }
  return out + EndRecord(spec.big_endian);
}

}  // namespace zpull::test
