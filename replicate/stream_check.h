#pragma once
// The first records of a `zfs send` stream, checked against the send zpull
// asked for before `zfs receive` sees a byte (docs/security.md: a source is
// untrusted, and its `zfs` may answer with a stream of its own making).
//
// Stream layout (OpenZFS include/sys/zfs_ioctl.h, dmu_send.c,
// libzfs_sendrecv.c; the same on zfs-fuse): records of 312 bytes, each a
// u32 type, a u32 payload length and a union; the first is a BEGIN (type 0)
// with drr_magic 0x2F5BACBAC in the sender's byte order, drr_versioninfo
// (header type in the low 2 bits: 1 substream, 2 compound; feature flags
// above), drr_flags, drr_toguid, drr_fromguid and drr_toname. A full or -i
// send is one substream. An -I or -p send is compound: a BEGIN with toguid
// and fromguid 0 whose payload is empty or (with -p) an XDR-packed nvlist
// {tosnap, fromsnap, not_recursive, fss: {<guid>: {name, …}}}, an END
// (type 5), then one substream per snapshot sent.
//
// Pure: bytes in, a verdict out.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace zpull::replicate {

// What zpull asked the source to send.
struct StreamExpectation {
  std::string source_dataset;  // the dataset drr_toname must name
  std::string to_snapshot;     // short name; the -p nvlist's tosnap
  std::uint64_t to_guid = 0;   // planned target: the substream's toguid (with -I: first_guid)
  std::optional<std::string> from_snapshot;  // short name of the base; none: full
  std::uint64_t from_guid = 0;               // the first substream's fromguid; 0: full
  // -I: the first snapshot after the base, the first substream's target.
  std::string first_snapshot;
  std::uint64_t first_guid = 0;
  bool intermediates = false;  // -I
  bool properties = false;     // -p
  // Every substream a compound stream brings, in order (name, guid): with
  // -I the chain from first_snapshot to to_snapshot, else the target alone.
  // Empty: derived from first_*/to_* (one substream).
  std::vector<std::pair<std::string, std::uint64_t>> chain;
  // The receiving side is zfs-fuse (pool v23): its record layouts decide
  // how long each record's payload is.
  bool legacy_receiver = false;
  // The source dataset is a volume (objset type zvol); nullopt: either.
  std::optional<bool> volume;
  bool raw = false;            // -w (not checked when resumed: the token carries the flags)
  bool resumed = false;        // send -t: one substream, checked by name only (the token's
                               // guids are checked by the receiving kernel against its partial state)
};

// How far the check got: more bytes needed, or done with `header_bytes`
// bytes checked (the rest of the stream flows unchecked).
struct StreamCheckProgress {
  bool done = false;
  std::size_t header_bytes = 0;
};

// Largest payload a compound header may carry (-p: one filesystem's
// properties and its snapshots' names and guids).
inline constexpr std::size_t kMaxHeaderPayload = 4u << 20;
inline constexpr std::size_t kRecordSize = 312;

// Checks `prefix`, the first bytes of the stream (all of them so far).
// Fails with reason unexpected_stream, naming what was wrong, as soon as
// the bytes contradict `expect`.
core::Result<StreamCheckProgress> CheckStreamHeader(std::string_view prefix, const StreamExpectation& expect);

// Walks a whole stream as it passes, record by record, so that every
// substream of a compound stream is checked before its BEGIN is written on
// (libzfs names each substream's destination from its drr_toname: an
// unchecked later substream could create a child or a sibling dataset).
// Payload lengths follow the receiving kernel's rules (OpenZFS
// module/zfs/dmu_recv.c receive_read_record; zfs-fuse's v23 layouts).
// One owner; not thread-safe.
class StreamWalker {
 public:
  explicit StreamWalker(StreamExpectation expect) : e_(std::move(expect)) {}
  // `available`: the stream's bytes from offset walked() on, as far as they
  // have arrived. Walks every whole record in them; afterwards the bytes
  // before safe() may be written on. Fails with unexpected_stream.
  core::Status Walk(std::string_view available);
  std::uint64_t walked() const { return walked_; }
  std::uint64_t safe() const { return safe_; }
  // A single-substream stream whose BEGIN was accepted: what follows is one
  // substream's records, which the receiving kernel checks; it may flow unwalked.
  bool free_flowing() const { return free_; }
  // Every planned substream and the closing END arrived.
  bool complete() const { return complete_; }
  // The first records were checked and accepted.
  bool started() const { return started_; }

 private:
  core::Status OnRecord(std::string_view rec);
  core::Status NextBegin(std::string_view rec);

  StreamExpectation e_;
  std::uint64_t walked_ = 0, safe_ = 0;
  std::uint64_t skip_ = 0;           // payload bytes of the last record still to pass
  bool started_ = false, free_ = false, swap_ = false, complete_ = false;
  bool in_substream_ = false;
  std::size_t next_ = 1;             // index in the chain of the next substream's BEGIN
};

// The few XDR nvlist values the check reads (libnvpair packs with
// NV_ENCODE_XDR). Exposed for tests.
struct NvPair {
  std::string name;
  int type = 0;                 // DATA_TYPE_*: 1 boolean, 8 uint64, 9 string, 19 nvlist
  std::string string_value;     // type 9
  std::uint64_t uint64_value = 0;  // type 8
  std::vector<NvPair> nvlist;   // type 19
};
// Decodes a packed XDR nvlist (header included); nested at most 8 deep,
// at most 100,000 pairs in all. Fails with unexpected_stream.
core::Result<std::vector<NvPair>> ParseXdrNvlist(std::string_view packed);

}  // namespace zpull::replicate
