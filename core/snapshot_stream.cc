#include "core/snapshot_stream.h"

#include <algorithm>

#include "core/text.h"

namespace zpull::core {

Result<std::optional<SnapshotBlock>> VectorSnapshotStream::Next() {
  if (next_ >= blocks_.size()) return std::optional<SnapshotBlock>();
  return std::optional<SnapshotBlock>(std::move(blocks_[next_++]));
}

SnapshotGetParser::SnapshotGetParser(const std::vector<std::string>& wanted, char separator,
                                     const ListingOptions& options)
    : separator_(separator), options_(options), wanted_(wanted.begin(), wanted.end()) {}

Status SnapshotGetParser::Feed(std::string_view chunk) {
  if (!carry_.empty()) {
    const std::size_t nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      carry_.append(chunk);
      if (carry_.size() > kMaxLine) {
        return Fail(Reason::kOther, "zfs get output line " + std::to_string(line_no_ + 1) + " is longer than " +
                                        std::to_string(kMaxLine) + " bytes");
      }
      return {};
    }
    carry_.append(chunk.substr(0, nl));
    chunk.remove_prefix(nl + 1);
    auto s = Line(carry_);
    carry_.clear();
    if (!s) return s;
  }
  while (!chunk.empty()) {
    const std::size_t nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      if (chunk.size() > kMaxLine) {
        return Fail(Reason::kOther, "zfs get output line " + std::to_string(line_no_ + 1) + " is longer than " +
                                        std::to_string(kMaxLine) + " bytes");
      }
      carry_.assign(chunk);
      break;
    }
    auto s = Line(chunk.substr(0, nl));
    if (!s) return s;
    chunk.remove_prefix(nl + 1);
  }
  return {};
}

Status SnapshotGetParser::Line(std::string_view line) {
  ++line_no_;
  if (line.empty()) return {};
  // zfs prints one line per property, so most lines repeat the previous
  // line's name: then only the property and value need finding.
  const bool same_name = !last_name_.empty() && line.size() > last_name_.size() &&
                         line[last_name_.size()] == '\t' && line.starts_with(last_name_);
  const std::size_t name_end = same_name ? last_name_.size() : line.find('\t');
  const std::size_t property_end = name_end == std::string_view::npos ? name_end : line.find('\t', name_end + 1);
  const std::size_t value_end =
      property_end == std::string_view::npos ? property_end : line.find('\t', property_end + 1);
  if (value_end == std::string_view::npos) {
    return Fail(Reason::kOther, "zfs get output line " + std::to_string(line_no_) + " has fewer than 4 fields: '" +
                                    std::string(line.substr(0, 200)) + "'");
  }
  const std::string_view name = line.substr(0, name_end);
  const std::string_view property = line.substr(name_end + 1, property_end - name_end - 1);
  const std::string_view value = line.substr(property_end + 1, value_end - property_end - 1);
  const std::string_view source = line.substr(value_end + 1);
  if (!same_name) {
    last_name_.assign(name);
    const std::size_t sep = name.find(separator_);
    const std::string_view key = name.substr(0, sep);
    if (key != block_fs_) {
      auto s = CloseBlock();
      if (!s) return s;
      block_fs_.assign(key);
      block_wanted_ = wanted_.count(block_fs_) > 0;
      if (block_wanted_) seen_.insert(block_fs_);
      block_done_ = block_wanted_ && emitted_.count(block_fs_) > 0;
    }
    last_is_snapshot_ = block_wanted_ && sep != std::string_view::npos;
    last_is_dataset_ = block_wanted_ && sep == std::string_view::npos;
    if (!last_is_snapshot_) return DatasetLine(property, value);
    if (block_done_) {
      return Fail(Reason::kOther, "zfs get output lists snapshots of " + block_fs_ + " again at line " +
                                      std::to_string(line_no_) + " (expected one dataset's snapshots together)");
    }
    const std::string_view snap = name.substr(sep + 1);
    if (block_.empty() || block_.back().info.name != snap) {
      if (block_.size() >= kMaxSnapshotsPerFilesystem) {
        return Fail(Reason::kOther, "zfs get output lists more than " + std::to_string(kMaxSnapshotsPerFilesystem) +
                                        " snapshots of " + block_fs_);
      }
      block_.emplace_back();
      block_.back().info.name.assign(snap);
    }
  } else if (!last_is_snapshot_) {
    return DatasetLine(property, value);
  }
  Partial& p = block_.back();
  bool ok = true;
  if (!options_.mark.empty() && property == options_.mark) {
    p.marked = source == "local";
  } else if (property == "guid") {
    ok = p.has_guid = ParseNumber(value, p.info.guid);
  } else if (property == "createtxg") {
    ok = p.has_txg = ParseNumber(value, p.info.createtxg);
  } else if (property == "creation") {
    ok = ParseNumber(value, p.info.creation);
  } else if (property == "userrefs") {
    ok = value == "-" || ParseNumber(value, p.info.userrefs);
  }
  if (!ok) {
    return Fail(Reason::kOther, "zfs get output: " + std::string(property) + " of " + std::string(name) +
                                    " is not a number: '" + std::string(value.substr(0, 200)) + "'");
  }
  return {};
}

Status SnapshotGetParser::DatasetLine(std::string_view property, std::string_view value) {
  if (!last_is_dataset_ || options_.properties.empty()) return {};
  if (std::find(options_.properties.begin(), options_.properties.end(), property) != options_.properties.end()) {
    properties_[block_fs_][std::string(property)] = std::string(value);
  }
  return {};
}

SnapshotBlock SnapshotGetParser::Emit(const std::string& fs, std::optional<SnapshotList> snapshots,
                                      std::vector<std::string> marked) {
  SnapshotBlock b{fs, std::move(snapshots), std::move(marked), {}};
  if (auto it = properties_.find(fs); it != properties_.end()) {
    b.properties = std::move(it->second);
    properties_.erase(it);
  }
  emitted_.insert(fs);
  return b;
}

Status SnapshotGetParser::CloseBlock() {
  if (block_.empty()) return {};
  SnapshotList list;
  std::vector<std::string> marked;
  list.reserve(block_.size());
  for (auto& p : block_) {
    if (!p.has_guid || !p.has_txg) {
      return Fail(Reason::kOther,
                  "zfs get output lacks guid or createtxg for " + block_fs_ + separator_ + p.info.name);
    }
    if (p.marked) marked.push_back(p.info.name);
    list.push_back(std::move(p.info));
  }
  block_.clear();
  std::sort(list.begin(), list.end(), [](const SnapshotInfo& a, const SnapshotInfo& b) {
    return a.createtxg != b.createtxg ? a.createtxg < b.createtxg : a.guid < b.guid;
  });
  ready_.push_back(Emit(block_fs_, std::move(list), std::move(marked)));
  return {};
}

Status SnapshotGetParser::End() {
  if (!carry_.empty()) {
    auto s = Line(carry_);
    carry_.clear();
    if (!s) return s;
  }
  auto s = CloseBlock();
  if (!s) return s;
  block_fs_.clear();
  last_name_.clear();
  block_wanted_ = last_is_snapshot_ = last_is_dataset_ = false;
  return {};
}

Status SnapshotGetParser::Finish(std::string_view err, bool completed) {
  auto s = End();
  if (!s) return s;
  std::vector<std::string> rest;
  for (const auto& fs : wanted_) {
    if (!emitted_.count(fs)) rest.push_back(fs);
  }
  std::sort(rest.begin(), rest.end());
  auto root_missing = [&](const std::string& fs) {
    for (const auto& root : options_.roots) {
      if ((fs == root || fs.starts_with(root + "/")) &&
          err.find("'" + root + "': dataset does not exist") != std::string_view::npos) {
        return true;
      }
    }
    return false;
  };
  for (auto& fs : rest) {
    if (seen_.count(fs)) {
      ready_.push_back(Emit(fs, SnapshotList{}, {}));
    } else if (err.find("'" + fs + "': dataset does not exist") != std::string_view::npos || root_missing(fs) ||
               (completed && !options_.roots.empty())) {
      ready_.push_back(Emit(fs, std::nullopt, {}));
    } else {
      const std::size_t nl = err.find('\n');
      return Fail(Reason::kOther, fs + " not listed" +
                                      (err.empty() ? std::string() : ": " + std::string(err.substr(0, nl))));
    }
  }
  return {};
}

std::optional<SnapshotBlock> SnapshotGetParser::Pop() {
  if (ready_next_ >= ready_.size()) {
    ready_.clear();
    ready_next_ = 0;
    return std::nullopt;
  }
  return std::move(ready_[ready_next_++]);
}

Result<std::unordered_map<std::string, std::optional<SnapshotList>>> CollectSnapshots(SnapshotStream& stream) {
  std::unordered_map<std::string, std::optional<SnapshotList>> out;
  for (;;) {
    auto b = stream.Next();
    if (!b) return tl::unexpected(b.error());
    if (!*b) return out;
    out[(*b)->fs] = std::move((*b)->snapshots);
  }
}

Status MergeSnapshotStreams(SnapshotStream& source, SnapshotStream& destination,
                            const std::vector<std::pair<std::string, std::string>>& pairs, const PairVisitor& each) {
  using Held = std::unordered_map<std::size_t, std::optional<SnapshotList>>;
  std::unordered_map<std::string, std::vector<std::size_t>> of_source, of_destination;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    of_source[pairs[i].first].push_back(i);
    of_destination[pairs[i].second].push_back(i);
  }
  Held held_source, held_destination;
  std::size_t visited = 0;
  bool source_done = false, destination_done = false;
  // Files one side's block under each pair it belongs to, visiting the pairs
  // whose other side is already held.
  auto arrive = [&](SnapshotBlock& b, const std::unordered_map<std::string, std::vector<std::size_t>>& of,
                    Held& mine, Held& other, bool is_source) {
    auto it = of.find(b.fs);
    if (it == of.end()) return;
    for (std::size_t i : it->second) {
      auto o = other.find(i);
      if (o == other.end()) {
        if (it->second.size() == 1) {
          mine.emplace(i, std::move(b.snapshots));
        } else {
          mine.emplace(i, b.snapshots);
        }
        continue;
      }
      if (is_source) {
        each(i, b.snapshots, o->second);
      } else {
        each(i, o->second, b.snapshots);
      }
      other.erase(o);
      ++visited;
    }
  };
  while (!source_done || !destination_done) {
    const bool read_source = !source_done && (destination_done || held_source.size() <= held_destination.size());
    SnapshotStream& s = read_source ? source : destination;
    auto b = s.Next();
    if (!b) return tl::unexpected(b.error());
    if (!*b) {
      (read_source ? source_done : destination_done) = true;
      continue;
    }
    if (read_source) {
      arrive(**b, of_source, held_source, held_destination, true);
    } else {
      arrive(**b, of_destination, held_destination, held_source, false);
    }
  }
  if (visited != pairs.size()) {
    return Fail(Reason::kOther, "snapshot listings ended with " + std::to_string(pairs.size() - visited) +
                                    " of " + std::to_string(pairs.size()) + " datasets unlisted on one side");
  }
  return {};
}

}  // namespace zpull::core
