#pragma once
// Pure parsers for `zfs` output of both dialects (zfs-fuse 0.7 and OpenZFS 2.x).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/snapshot.h"
#include "core/zfs.h"

namespace zpull::core {

// One line of `zfs get -H` output. Views into the parsed text.
struct GetLine {
  std::string_view name, property, value, source;
};

// Splits `zfs get -H` output (name TAB property TAB value TAB source per
// line); fails naming the first line without four fields.
Result<std::vector<GetLine>> ParseGetLines(std::string_view output);

// `zfs holds -Hp` lines "fs@snap<TAB>tag<TAB>epoch seconds" of `fs`'s snapshots.
Result<std::map<std::string, std::vector<HoldInfo>>> ParseHolds(std::string_view output);

// Parses `zfs get -Hp -r -d 1 guid,createtxg,creation,userrefs <fs>` (one
// line per name and property, TAB-separated) as a whole text, with the
// streaming parser of core/snapshot_stream.h. Keeps only `<fs>@...` lines
// (the fs itself and its children also appear) and returns them sorted by
// createtxg; none: an empty list. Fails on a malformed line or a snapshot
// missing guid/createtxg.
Result<SnapshotList> ParseSnapshotGet(std::string_view output, std::string_view fs, char separator = '@');

// Parses `zfs get -Hp -r -d 1 <property> <fs>`: snapshot short name -> value
// for the `<fs>@...` lines where the property is set on the snapshot itself
// (source "local" or "received"; snapshots inherit their dataset's value).
Result<std::map<std::string, std::string>> ParseSnapshotProperty(std::string_view output, std::string_view fs,
                                                                 std::string_view property);

// A whole decimal integer (a zpull user property such as zpull:last_success);
// nullopt for anything else.
std::optional<std::int64_t> ParseInt64(std::string_view text);

// `zfs list -H -o name,PROPERTY` lines -> entries, "-" as unset; a line
// without a tab is an error naming it.
Result<std::vector<TreeEntry>> ParseTreeListing(std::string_view output);

// Parses `zfs send -nvP …` stdout (OpenZFS; the legacy FreeBSD form too):
// the total of its last "size\t<bytes>" line. Fails when there is none.
Result<std::uint64_t> ParseSendEstimate(std::string_view output);

}  // namespace zpull::core
