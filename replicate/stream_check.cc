#include "replicate/stream_check.h"

#include <cstring>

namespace zpull::replicate {
namespace {

constexpr std::uint64_t kMagic = 0x2F5BACBACull;
constexpr std::uint32_t kDrrBegin = 0, kDrrEnd = 5;
constexpr std::uint64_t kSubstream = 1, kCompound = 2;
constexpr std::uint64_t kFeatureResuming = 1u << 20, kFeatureRedacted = 1u << 21, kFeatureRaw = 1u << 24;
constexpr std::uint32_t kFlagClone = 1u << 0;
constexpr std::uint32_t kObjsetZfs = 2, kObjsetZvol = 3;
constexpr std::size_t kNameLength = 256;

core::Result<StreamCheckProgress> Refuse(const std::string& what) {
  return core::Fail(core::Reason::kUnexpectedStream, "the source's stream is not what zpull asked for: " + what);
}

std::uint64_t Swap64(std::uint64_t v) { return __builtin_bswap64(v); }
std::uint32_t Swap32(std::uint32_t v) { return __builtin_bswap32(v); }

// One 312-byte record in the sender's byte order.
class Record {
 public:
  Record(std::string_view bytes, bool swap) : bytes_(bytes), swap_(swap) {}
  std::uint32_t U32(std::size_t at) const {
    std::uint32_t v;
    std::memcpy(&v, bytes_.data() + at, sizeof v);
    return swap_ ? Swap32(v) : v;
  }
  std::uint64_t U64(std::size_t at) const {
    std::uint64_t v;
    std::memcpy(&v, bytes_.data() + at, sizeof v);
    return swap_ ? Swap64(v) : v;
  }
  std::uint32_t type() const { return U32(0); }
  std::uint32_t payload_length() const { return U32(4); }
  std::uint64_t magic() const { return U64(8); }
  std::uint64_t header_type() const { return U64(16) & 3; }
  std::uint64_t features() const { return U64(16) >> 2; }
  std::uint32_t objset_type() const { return U32(32); }
  std::uint32_t flags() const { return U32(36); }
  std::uint64_t to_guid() const { return U64(40); }
  std::uint64_t from_guid() const { return U64(48); }
  // drr_toname up to its NUL; nullopt when it has none.
  std::optional<std::string_view> to_name() const {
    std::string_view field = bytes_.substr(56, kNameLength);
    const std::size_t nul = field.find('\0');
    if (nul == std::string_view::npos) return std::nullopt;
    return field.substr(0, nul);
  }

 private:
  std::string_view bytes_;
  bool swap_;
};

// Printable for a message: at most 80 bytes, anything but plain ASCII as '?'.
std::string Shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 80) out += "…";
  return out;
}

std::string Guid(std::uint64_t g) { return std::to_string(g); }

// `to_name` must name the planned dataset; returns its snapshot part.
core::Result<std::string_view> NamedSnapshot(const Record& r, const StreamExpectation& e, const char* which) {
  auto name = r.to_name();
  if (!name) return tl::unexpected(Refuse(std::string(which) + " names no snapshot (drr_toname unterminated)").error());
  const std::size_t at = name->find('@');
  const std::string_view dataset = name->substr(0, at);
  if (dataset != e.source_dataset) {
    return tl::unexpected(Refuse(std::string(which) + " is of '" + Shown(dataset) + "', not of " + e.source_dataset).error());
  }
  return at == std::string_view::npos ? std::string_view() : name->substr(at + 1);
}

// The (first) substream's BEGIN against the plan.
core::Result<StreamCheckProgress> CheckSubstream(const Record& r, const StreamExpectation& e, std::size_t end) {
  if (r.type() != kDrrBegin) return Refuse("the substream does not start with a BEGIN record");
  if (r.magic() != kMagic) return Refuse("the substream's BEGIN record has a bad magic");
  if (r.header_type() != kSubstream) return Refuse("a nested compound stream");
  if (r.objset_type() != kObjsetZfs && r.objset_type() != kObjsetZvol) {
    return Refuse("objset type " + std::to_string(r.objset_type()) + " is neither a filesystem nor a volume");
  }
  if (r.flags() & kFlagClone) return Refuse("a clone stream (zpull never asks for one)");
  const std::uint64_t features = r.features();
  if (features & kFeatureRedacted) return Refuse("a redacted stream (zpull never asks for one)");
  if (!e.resumed && ((features & kFeatureRaw) != 0) != e.raw) {
    return Refuse(e.raw ? "not raw, though zpull asked for a raw (-w) send" : "raw (-w), though zpull did not ask for it");
  }
  if (((features & kFeatureResuming) != 0) != e.resumed) {
    return Refuse(e.resumed ? "not a resumed stream, though zpull asked to resume" : "a resumed stream, though zpull asked for a new send");
  }
  if (r.payload_length() != 0 && !e.raw && !e.resumed) return Refuse("the BEGIN record carries a payload");
  auto snapshot = NamedSnapshot(r, e, "the stream");
  if (!snapshot) return tl::unexpected(snapshot.error());
  if (e.resumed) return StreamCheckProgress{true, end};
  if (r.from_guid() != e.from_guid) {
    if (e.from_guid == 0) {
      return Refuse("an incremental stream (from guid " + Guid(r.from_guid()) + ") where a full send was asked");
    }
    const std::string base = "@" + e.from_snapshot.value_or("?") + " (guid " + Guid(e.from_guid) + ")";
    if (r.from_guid() == 0) return Refuse("a full stream where an incremental from " + base + " was asked");
    return Refuse("its base is guid " + Guid(r.from_guid()) + ", not the planned " + base);
  }
  const std::string& want = e.intermediates ? e.first_snapshot : e.to_snapshot;
  const std::uint64_t want_guid = e.intermediates ? e.first_guid : e.to_guid;
  if (*snapshot != want) return Refuse("it brings @" + Shown(*snapshot) + ", not @" + want);
  if (r.to_guid() != want_guid) {
    return Refuse("it brings @" + want + " with guid " + Guid(r.to_guid()) + ", not the planned guid " +
                  Guid(want_guid) + " (an imposter snapshot)");
  }
  return StreamCheckProgress{true, end};
}

// -p: the header nvlist names exactly the planned dataset and snapshots.
core::Result<StreamCheckProgress> CheckHeaderNvlist(std::string_view payload, const StreamExpectation& e) {
  auto pairs = ParseXdrNvlist(payload);
  if (!pairs) return tl::unexpected(pairs.error());
  const NvPair *tosnap = nullptr, *fromsnap = nullptr, *fss = nullptr;
  bool not_recursive = false;
  for (const auto& p : *pairs) {
    if (p.name == "tosnap" && p.type == 9) tosnap = &p;
    if (p.name == "fromsnap" && p.type == 9) fromsnap = &p;
    if (p.name == "fss" && p.type == 19) fss = &p;
    if (p.name == "not_recursive") not_recursive = true;
  }
  if (!not_recursive) return Refuse("a replication (-R) stream: its header lacks not_recursive");
  if (!tosnap || tosnap->string_value != e.to_snapshot) {
    return Refuse("its header names @" + (tosnap ? Shown(tosnap->string_value) : std::string("(none)")) + ", not @" +
                  e.to_snapshot);
  }
  const std::string from = fromsnap ? fromsnap->string_value : "";
  if (from != e.from_snapshot.value_or("")) {
    return Refuse("its header's base is '" + Shown(from) + "', not '" + e.from_snapshot.value_or("") + "'");
  }
  if (!fss || fss->nvlist.size() != 1) {
    return Refuse("its header describes " + std::to_string(fss ? fss->nvlist.size() : 0) +
                  " filesystems, not the one asked for");
  }
  std::string name;
  for (const auto& p : fss->nvlist.front().nvlist) {
    if (p.name == "name" && p.type == 9) name = p.string_value;
  }
  if (name != e.source_dataset) return Refuse("its header describes '" + Shown(name) + "', not " + e.source_dataset);
  return StreamCheckProgress{};
}

// XDR: big-endian 4-byte units; strings and opaque data padded to 4.
class XdrReader {
 public:
  explicit XdrReader(std::string_view in) : in_(in) {}
  bool U32(std::uint32_t& v) {
    if (in_.size() - pos_ < 4) return false;
    std::memcpy(&v, in_.data() + pos_, 4);
    v = Swap32(v);
    pos_ += 4;
    return true;
  }
  bool U64(std::uint64_t& v) {
    std::uint32_t hi, lo;
    if (!U32(hi) || !U32(lo)) return false;
    v = (std::uint64_t{hi} << 32) | lo;
    return true;
  }
  bool String(std::string& s) {
    std::uint32_t n;
    if (!U32(n) || n > in_.size() - pos_) return false;
    s.assign(in_.substr(pos_, n));
    pos_ += (n + 3) & ~std::size_t{3};
    if (pos_ > in_.size()) return false;
    return true;
  }
  bool Skip(std::size_t n) {
    if (n > in_.size() - pos_) return false;
    pos_ += n;
    return true;
  }
  std::size_t pos() const { return pos_; }
  void Seek(std::size_t p) { pos_ = p; }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

constexpr int kTypeBoolean = 1, kTypeUint64 = 8, kTypeString = 9, kTypeNvlist = 19;

bool ReadNvlist(XdrReader& x, std::vector<NvPair>& out, int depth, std::size_t& budget) {
  std::uint32_t version, flags;
  if (depth > 8 || !x.U32(version) || !x.U32(flags)) return false;
  for (;;) {
    const std::size_t start = x.pos();
    std::uint32_t encoded, decoded;
    if (!x.U32(encoded) || !x.U32(decoded)) return false;
    if (encoded == 0 && decoded == 0) return true;
    if (budget-- == 0 || encoded < 8) return false;
    NvPair p;
    std::uint32_t type, count;
    if (!x.String(p.name) || !x.U32(type) || !x.U32(count)) return false;
    p.type = static_cast<int>(type);
    bool ok = true;
    if (p.type == kTypeString && count == 1) {
      ok = x.String(p.string_value);
    } else if (p.type == kTypeUint64 && count == 1) {
      ok = x.U64(p.uint64_value);
    } else if (p.type == kTypeNvlist && count == 1) {
      ok = ReadNvlist(x, p.nvlist, depth + 1, budget);
    } else if (p.type == kTypeBoolean) {
      ok = count == 0;
    } else {
      // Any other value: skipped by the pair's encoded size.
      x.Seek(start);
      ok = x.Skip(encoded);
    }
    if (!ok) return false;
    // The pair's encoded size must cover what was read.
    if (x.pos() - start > encoded && p.type != kTypeNvlist) return false;
    out.push_back(std::move(p));
  }
}

}  // namespace

core::Result<std::vector<NvPair>> ParseXdrNvlist(std::string_view packed) {
  // Header: encoding (1 = XDR), host endianness, two reserved bytes.
  if (packed.size() < 4 || packed[0] != 1) {
    return core::Fail(core::Reason::kUnexpectedStream, "the stream's header nvlist is not XDR-encoded");
  }
  XdrReader x(packed.substr(4));
  std::vector<NvPair> out;
  std::size_t budget = 100000;
  if (!ReadNvlist(x, out, 0, budget)) {
    return core::Fail(core::Reason::kUnexpectedStream, "the stream's header nvlist is malformed");
  }
  return out;
}

core::Result<StreamCheckProgress> CheckStreamHeader(std::string_view prefix, const StreamExpectation& e) {
  if (prefix.size() < kRecordSize) return StreamCheckProgress{};
  bool swap = false;
  {
    const Record native(prefix, false);
    if (native.magic() != kMagic) {
      if (Swap64(native.magic()) != kMagic) return Refuse("not a zfs send stream (bad magic)");
      swap = true;
    }
  }
  const Record begin(prefix, swap);
  if (begin.type() != kDrrBegin) return Refuse("it does not start with a BEGIN record");
  const bool compound = begin.header_type() == kCompound;
  if (!compound && begin.header_type() != kSubstream) {
    return Refuse("unknown stream header type " + std::to_string(begin.header_type()));
  }
  const bool want_compound = !e.resumed && (e.intermediates || e.properties);
  if (compound != want_compound) {
    if (compound) return Refuse("a compound (-I, -p or -R) stream where a single snapshot was asked");
    if (begin.from_guid() == 0 && e.from_guid != 0) {
      return Refuse("a full stream where an incremental from @" + e.from_snapshot.value_or("?") + " was asked");
    }
    return Refuse("a single-snapshot stream where -I or -p was asked");
  }
  if (!compound) return CheckSubstream(begin, e, kRecordSize);

  if (begin.to_guid() != 0 || begin.from_guid() != 0) return Refuse("its compound header carries guids");
  if (auto named = NamedSnapshot(begin, e, "its compound header"); !named) return tl::unexpected(named.error());
  const std::size_t payload = begin.payload_length();
  if (payload > kMaxHeaderPayload) {
    return Refuse("its header payload of " + std::to_string(payload) + " bytes exceeds " +
                  std::to_string(kMaxHeaderPayload));
  }
  if (!e.properties && payload != 0) return Refuse("its header carries properties (-p or -R) that zpull did not ask for");
  if (e.properties && payload == 0) return Refuse("its header carries no properties, though -p was asked");
  const std::size_t end_at = kRecordSize + payload;
  if (prefix.size() < end_at) return StreamCheckProgress{};
  if (e.properties) {
    if (auto s = CheckHeaderNvlist(prefix.substr(kRecordSize, payload), e); !s) return s;
  }
  const std::size_t first_at = end_at + kRecordSize;
  if (prefix.size() < first_at) return StreamCheckProgress{};
  if (Record(prefix.substr(end_at), swap).type() != kDrrEnd) return Refuse("its compound header is not closed by an END record");
  if (prefix.size() < first_at + kRecordSize) return StreamCheckProgress{};
  return CheckSubstream(Record(prefix.substr(first_at), swap), e, first_at + kRecordSize);
}

}  // namespace zpull::replicate
