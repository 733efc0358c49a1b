#pragma once
// Streamed snapshot listings. A host's whole inventory (10,000 datasets of
// 100 snapshots is some 300 MB of `zfs get` text) is parsed as it arrives,
// one filesystem at a time, and never held as text or as one map.

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/snapshot.h"

namespace zpull::core {

// One requested filesystem of a listing.
struct SnapshotBlock {
  std::string fs;
  std::optional<SnapshotList> snapshots;  // oldest first; nullopt: `fs` does not exist
  // With ListingOptions::mark: the snapshots on which that user property is
  // set locally (not received), in listing order.
  std::vector<std::string> marked;
  // With ListingOptions::properties: their values on `fs` itself, as zfs
  // prints them (absent where zfs printed none).
  std::map<std::string, std::string> properties;

  friend bool operator==(const SnapshotBlock&, const SnapshotBlock&) = default;
};

// A listing of several filesystems, read one filesystem at a time. Next
// yields every requested filesystem exactly once (in the host's order,
// absent ones last) and then nullopt. One owner, one thread.
class SnapshotStream {
 public:
  virtual ~SnapshotStream() = default;
  virtual Result<std::optional<SnapshotBlock>> Next() = 0;
};

// A stream over blocks already in memory (the fake ZFS, tests).
class VectorSnapshotStream : public SnapshotStream {
 public:
  explicit VectorSnapshotStream(std::vector<SnapshotBlock> blocks) : blocks_(std::move(blocks)) {}
  Result<std::optional<SnapshotBlock>> Next() override;

 private:
  std::vector<SnapshotBlock> blocks_;
  std::size_t next_ = 0;
};

// What a listing reads besides each snapshot's guid, createtxg, creation
// and userrefs.
struct ListingOptions {
  // List these with everything below them (`zfs get -r ROOT…`) rather than
  // each wanted filesystem with its own snapshots (`-r -d 1 FS…`): one
  // short command for a recursive entry's tree. Every wanted filesystem
  // lies within one of them; one that is not listed does not exist.
  std::vector<std::string> roots;
  // A user property whose local presence on a snapshot the listing reports
  // (SnapshotBlock::marked); empty: none.
  std::string mark;
  // Native properties of each wanted filesystem (SnapshotBlock::properties).
  std::vector<std::string> properties;
};

// Incremental parser of `zfs get -Hp -r -d 1 guid,createtxg,creation,userrefs
// FS...` output (`separator` '#' for `-t bookmark` listings), or of the
// listing `options` describe. Pure: feed the
// output in any chunking, take completed blocks of the `wanted` filesystems
// with Pop. zfs lists one dataset's snapshots together, so a block is
// complete when a line of another dataset follows; a block whose snapshots
// reappear later is an error rather than a silently split list. Lines of
// datasets not wanted (child filesystems listed by -d 1) are skipped.
class SnapshotGetParser {
 public:
  // Lines longer than this, or more snapshots than this in one filesystem,
  // fail the listing (a broken or hostile peer) instead of growing memory.
  static constexpr std::size_t kMaxLine = 64 * 1024;
  static constexpr std::size_t kMaxSnapshotsPerFilesystem = std::size_t{1} << 20;

  explicit SnapshotGetParser(const std::vector<std::string>& wanted, char separator = '@',
                             const ListingOptions& options = {});

  Status Feed(std::string_view chunk);
  // The end of the output: completes the last line and block.
  Status End();
  // End, and then every wanted filesystem still unlisted is accounted for
  // (`err` is the command's stderr): an empty list where its own lines were
  // seen, nullopt where `err` says it (or, listing roots, its root) does not
  // exist or where a listing of roots `completed` (exit 0) without it, an
  // error otherwise.
  Status Finish(std::string_view err, bool completed = false);
  std::optional<SnapshotBlock> Pop();

 private:
  struct Partial {
    SnapshotInfo info;
    bool has_guid = false, has_txg = false, marked = false;
  };
  Status Line(std::string_view line);
  Status DatasetLine(std::string_view property, std::string_view value);
  SnapshotBlock Emit(const std::string& fs, std::optional<SnapshotList> snapshots, std::vector<std::string> marked);
  Status CloseBlock();

  char separator_;
  ListingOptions options_;
  std::unordered_map<std::string, std::map<std::string, std::string>> properties_;  // by wanted fs, until emitted
  std::unordered_set<std::string> wanted_;
  std::unordered_set<std::string> seen_;     // wanted filesystems whose own lines came
  std::unordered_set<std::string> emitted_;  // wanted filesystems already popped or queued
  std::string carry_;                        // an incomplete last line
  std::size_t line_no_ = 0;
  std::string block_fs_;       // the dataset whose lines are being read
  bool block_wanted_ = false;  // block_fs_ is wanted
  bool block_done_ = false;    // ... and its snapshots were already emitted
  std::string last_name_;      // the name on the previous line
  bool last_is_snapshot_ = false;  // ... a wanted snapshot, the last of block_
  bool last_is_dataset_ = false;   // ... a wanted filesystem itself
  std::vector<Partial> block_;
  std::vector<SnapshotBlock> ready_;
  std::size_t ready_next_ = 0;
};

// Reads `stream` to the end into a map.
Result<std::unordered_map<std::string, std::optional<SnapshotList>>> CollectSnapshots(SnapshotStream& stream);

// Pairs two streamed listings: `pairs[i]` is {source fs, destination fs}.
// Calls `each(i, source, destination)` once for every pair, as soon as both
// sides have arrived, reading whichever side holds fewer unmatched blocks:
// when both hosts list in the same order, about one filesystem per side is
// held at a time. Fails with the first stream error.
using PairVisitor =
    std::function<void(std::size_t, const std::optional<SnapshotList>&, const std::optional<SnapshotList>&)>;
Status MergeSnapshotStreams(SnapshotStream& source, SnapshotStream& destination,
                            const std::vector<std::pair<std::string, std::string>>& pairs, const PairVisitor& each);

}  // namespace zpull::core
