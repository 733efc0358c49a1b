#pragma once
// Test notation for snapshot lists: "a:1 b:2 c:3@100 d:4+" is four snapshots,
// oldest first, named a..d with guids 1..4; "@100" sets the creation time
// (default: 1000 * position), "+" marks a held snapshot (userrefs 1).

#include <sstream>
#include <string>

#include "core/snapshot.h"

namespace zpull::test {

inline core::SnapshotList Snaps(const std::string& spec) {
  core::SnapshotList out;
  std::istringstream in(spec);
  std::string tok;
  std::uint64_t txg = 0;
  while (in >> tok) {
    core::SnapshotInfo s;
    if (tok.back() == '+') {
      s.userrefs = 1;
      tok.pop_back();
    }
    auto at = tok.find('@');
    ++txg;
    s.createtxg = txg;
    s.creation = static_cast<std::int64_t>(txg * 1000);
    if (at != std::string::npos) {
      s.creation = std::stoll(tok.substr(at + 1));
      tok = tok.substr(0, at);
    }
    auto colon = tok.find(':');
    s.name = tok.substr(0, colon);
    s.guid = std::stoull(tok.substr(colon + 1));
    out.push_back(s);
  }
  return out;
}

inline std::string Names(const core::SnapshotList& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : " ") + s.name;
  return out;
}

}  // namespace zpull::test
