#include "replicate/stream_check.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace zpull::replicate {
namespace {

constexpr std::uint64_t kMagic = 0x2F5BACBACull;
constexpr std::uint32_t kDrrBegin = 0, kDrrEnd = 5;
constexpr std::uint64_t kSubstream = 1, kCompound = 2;
constexpr std::uint64_t kFeatureResuming = 1u << 20, kFeatureRedacted = 1u << 21, kFeatureRaw = 1u << 24;
constexpr std::uint32_t kFlagClone = 1u << 0;
constexpr std::uint32_t kObjsetZfs = 2, kObjsetZvol = 3;
constexpr std::size_t kNameLength = 256;
// A raw (crypt_keydata) or resumed BEGIN payload is a few hundred bytes.
constexpr std::size_t kMaxBeginPayload = 1u << 20;
// libnvpair's data types (sys/nvpair.h) that a send header may carry.
constexpr int kTypeBoolean = 1, kTypeUint64 = 8, kTypeString = 9, kTypeNvlist = 19, kTypeNvlistArray = 20;

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
  char Byte(std::size_t at) const { return bytes_[at]; }
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
  if (e.volume && *e.volume != (r.objset_type() == kObjsetZvol)) {
    return Refuse(*e.volume ? "a filesystem's stream where the source dataset is a volume"
                            : "a volume's stream where the source dataset is a filesystem");
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
  if (r.payload_length() > kMaxBeginPayload) {
    return Refuse("its BEGIN payload of " + std::to_string(r.payload_length()) + " bytes exceeds " +
                  std::to_string(kMaxBeginPayload));
  }
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
    if (p.name == "not_recursive" && p.type == kTypeBoolean) not_recursive = true;
  }
  if (!not_recursive) return Refuse("a replication (-R) stream: its header lacks not_recursive");
  if (!tosnap || tosnap->string_value != e.to_snapshot) {
    return Refuse("its header names @" + (tosnap ? Shown(tosnap->string_value) : std::string("(none)")) + ", not @" +
                  e.to_snapshot);
  }
  // OpenZFS leaves fromsnap out of a `-p -i` header (zfs_send_one); where
  // it is there it must be the planned base (the substream's fromguid is
  // checked either way).
  if (fromsnap && fromsnap->string_value != e.from_snapshot.value_or("")) {
    return Refuse("its header's base is '" + Shown(fromsnap->string_value) + "', not '" +
                  e.from_snapshot.value_or("") + "'");
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

// Bytes of one XDR-encoded value of a fixed-size type; 0 for any other.
std::size_t ScalarSize(int type) {
  switch (type) {
    case 2: case 3: case 4: case 5: case 6: case 21: case 22: case 23:  // byte, int16..uint32, boolean_value, int8, uint8
      return 4;
    case 7: case 8: case 18: case 27:  // int64, uint64, hrtime, double
      return 8;
    default:
      return 0;
  }
}

// Reads an nvlist as libnvpair's XDR decoder does (nvs_xdr_nvpair,
// nvs_operation): a list ends where a pair's decoded size is 0; each pair's
// encoded size is exactly what it occupies; names are unique; only the
// types a send header carries are accepted. Anything else: false.
bool ReadNvlist(XdrReader& x, std::vector<NvPair>& out, int depth, std::size_t& budget) {
  std::uint32_t version, flags;
  if (depth > 8 || !x.U32(version) || !x.U32(flags) || version != 0) return false;
  std::set<std::string> names;
  for (;;) {
    const std::size_t start = x.pos();
    std::uint32_t encoded, decoded;
    if (!x.U32(encoded) || !x.U32(decoded)) return false;
    if (decoded == 0) return encoded == 0;
    if (budget-- == 0) return false;
    NvPair p;
    std::uint32_t type, count;
    if (!x.String(p.name) || !x.U32(type) || !x.U32(count)) return false;
    if (!names.insert(p.name).second) return false;
    p.type = static_cast<int>(type);
    bool ok = true;
    if (p.type == kTypeBoolean) {
      ok = count == 0;
    } else if (p.type == kTypeString) {
      ok = count == 1 && x.String(p.string_value);
    } else if (p.type == kTypeUint64) {
      ok = count == 1 && x.U64(p.uint64_value);
    } else if (const std::size_t size = ScalarSize(p.type); size > 0) {
      ok = count == 1 && x.Skip(size);
    } else if (p.type == 15 || p.type == 16) {  // int64 / uint64 arrays: a count, then the values
      std::uint32_t n;
      ok = x.U32(n) && n == count && n <= (1u << 20) && x.Skip(std::size_t{n} * 8);
    } else if (p.type == kTypeNvlist) {
      ok = count == 1 && ReadNvlist(x, p.nvlist, depth + 1, budget);
    } else if (p.type == kTypeNvlistArray) {
      for (std::uint32_t i = 0; ok && i < count; ++i) {
        std::vector<NvPair> element;
        ok = i < 4096 && ReadNvlist(x, element, depth + 1, budget);
      }
    } else {
      ok = false;
    }
    if (!ok || x.pos() - start != encoded) return false;
    out.push_back(std::move(p));
  }
}

}  // namespace

core::Result<std::vector<NvPair>> ParseXdrNvlist(std::string_view packed) {
  // Header: encoding (1 = XDR), host endianness, two reserved bytes.
  if (packed.size() < 4 || packed[0] != 1) {
    return core::Fail(core::Reason::kUnexpectedStream, "the stream's header nvlist is not XDR-encoded");
  }
  const std::string_view body = packed.substr(4);
  XdrReader x(body);
  std::vector<NvPair> out;
  std::size_t budget = 100000;
  // After the list, at most alignment padding (zeros).
  if (!ReadNvlist(x, out, 0, budget) || body.size() - x.pos() > 7 ||
      body.substr(x.pos()).find_first_not_of('\0') != std::string_view::npos) {
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


namespace {

constexpr std::uint32_t kDrrObject = 1, kDrrFreeObjects = 2, kDrrWrite = 3, kDrrFree = 4, kDrrWriteByref = 6,
                        kDrrSpill = 7, kDrrWriteEmbedded = 8, kDrrObjectRange = 9, kDrrRedact = 10;

std::uint64_t RoundUp8(std::uint64_t v) { return (v + 7) & ~std::uint64_t{7}; }

// Bytes that follow a data record, as the receiving kernel reads them
// (OpenZFS include/sys/zfs_ioctl.h DRR_*_PAYLOAD_SIZE; zfs-fuse's v23
// structs have no compression or raw fields: the payload is the length).
std::optional<std::uint64_t> PayloadOf(const Record& r, bool legacy) {
  switch (r.type()) {
    case kDrrObject: {
      const std::uint64_t bonus = RoundUp8(r.U32(8 + 20));
      if (legacy) return bonus;
      const std::uint32_t raw_bonus = r.U32(8 + 28);
      return raw_bonus != 0 ? raw_bonus : bonus;
    }
    case kDrrWrite: {
      const std::uint64_t logical = r.U64(8 + 24);
      if (legacy) return logical;
      const bool compressed = static_cast<unsigned char>(r.Byte(8 + 42)) != 0;
      return compressed ? r.U64(8 + 88) : logical;
    }
    case kDrrFreeObjects:
    case kDrrFree:
    case kDrrWriteByref:
      return 0;
    case kDrrSpill:
      if (legacy) return r.U64(8 + 8);
      return r.U64(8 + 32) != 0 ? r.U64(8 + 32) : r.U64(8 + 8);
    case kDrrWriteEmbedded:
      if (legacy) return std::nullopt;
      return RoundUp8(r.U32(8 + 44));
    case kDrrObjectRange:
    case kDrrRedact:
      if (legacy) return std::nullopt;
      return 0;
    default:
      return std::nullopt;
  }
}

// A block is at most 16 MiB; anything larger is not a real record.
constexpr std::uint64_t kMaxRecordPayload = 64ull << 20;

}  // namespace

core::Status StreamWalker::Walk(std::string_view available) {
  while (!available.empty()) {
    if (skip_ > 0) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, available.size()));
      skip_ -= n;
      walked_ += n;
      safe_ = walked_;
      available.remove_prefix(n);
      continue;
    }
    if (free_) {
      walked_ += available.size();
      safe_ = walked_;
      return {};
    }
    if (complete_) {
      return tl::unexpected(Refuse("bytes follow the stream's closing END record").error());
    }
    if (!started_) {
      auto head = CheckStreamHeader(available, e_);
      if (!head) return tl::unexpected(head.error());
      if (!head->done) return {};
      started_ = true;
      swap_ = Record(available, false).magic() != kMagic;
      const Record begin(available, swap_);
      const bool compound = begin.header_type() == kCompound;
      // The first substream's BEGIN is the last record checked; its payload (raw, resumed) follows.
      const Record first(available.substr(head->header_bytes - kRecordSize), swap_);
      skip_ = first.payload_length();
      walked_ += head->header_bytes;
      safe_ = walked_;
      available.remove_prefix(head->header_bytes);
      free_ = !compound;
      in_substream_ = compound;
      continue;
    }
    if (available.size() < kRecordSize) return {};
    if (auto s = OnRecord(available.substr(0, kRecordSize)); !s) return s;
    walked_ += kRecordSize;
    safe_ = walked_;
    available.remove_prefix(kRecordSize);
  }
  return {};
}

core::Status StreamWalker::OnRecord(std::string_view bytes) {
  const Record r(bytes, swap_);
  if (r.type() == kDrrBegin) return NextBegin(bytes);
  if (r.type() == kDrrEnd) {
    if (in_substream_) {
      in_substream_ = false;
    } else {
      const std::size_t planned = e_.chain.empty() ? 1 : e_.chain.size();
      if (next_ < planned) {
        return tl::unexpected(Refuse("the stream ended after " + std::to_string(next_) + " of " +
                                     std::to_string(planned) + " planned snapshots").error());
      }
      complete_ = true;
    }
    return {};
  }
  if (!in_substream_) {
    return tl::unexpected(Refuse("record type " + std::to_string(r.type()) + " outside a substream").error());
  }
  auto payload = PayloadOf(r, e_.legacy_receiver);
  if (!payload) return tl::unexpected(Refuse("unknown record type " + std::to_string(r.type())).error());
  if (*payload > kMaxRecordPayload) {
    return tl::unexpected(Refuse("a record claims a payload of " + std::to_string(*payload) + " bytes").error());
  }
  skip_ = *payload;
  return {};
}

// A later substream of a compound stream: the next one of the plan.
core::Status StreamWalker::NextBegin(std::string_view bytes) {
  const Record r(bytes, swap_);
  if (in_substream_) return tl::unexpected(Refuse("a BEGIN record inside a substream").error());
  const std::size_t planned = e_.chain.empty() ? 1 : e_.chain.size();
  if (next_ >= planned) {
    auto name = r.to_name();
    return tl::unexpected(Refuse("it brings a substream the plan did not ask for (" +
                                 Shown(name ? *name : std::string_view("?")) + ", guid " + Guid(r.to_guid()) + ")")
                              .error());
  }
  StreamExpectation step = e_;
  step.intermediates = false;
  step.from_snapshot = e_.chain[next_ - 1].first;
  step.from_guid = e_.chain[next_ - 1].second;
  step.to_snapshot = e_.chain[next_].first;
  step.to_guid = e_.chain[next_].second;
  auto checked = CheckSubstream(r, step, kRecordSize);
  if (!checked) return tl::unexpected(checked.error());
  skip_ = r.payload_length();
  ++next_;
  in_substream_ = true;
  return {};
}

}  // namespace zpull::replicate
