#pragma once
// User properties zpull keeps on the destination (ZFS, not process memory,
// is what survives a restart).

namespace zpull::replicate {

inline constexpr const char* kLastSuccessProperty = "zpull:last_success";  // on the dataset, Unix seconds
inline constexpr const char* kCommonProperty = "zpull:common";  // on the newest common snapshot, Unix seconds

}  // namespace zpull::replicate
