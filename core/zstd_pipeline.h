#pragma once
// The one shell script zpull runs on a source: `zfs send … | zstd -c` for
// `compress: zstd`. zpull runs it as `sh -c SCRIPT sh ZFS SEND ARGS…`, so the
// send's argv arrives as "$@" and is never interpolated; the exit status is
// the send's (fd 3 carries it out of the pipeline), 127 when zstd is missing.
// zpull-guard admits exactly these scripts (guard/guard.cc, ZstdScripts).

#include <string>
#include <string_view>

namespace zpull::core {

inline constexpr std::string_view kZstdSendScript =
    "command -v zstd >/dev/null 2>&1 || { echo 'zpull: compress: zstd, but zstd is not installed here' >&2; "
    "exit 127; }; exec 4>&1; rc=$( { { \"$@\"; echo $? >&3; } | zstd -q -c >&4; } 3>&1 ); exit ${rc:-1}";

// Prefixed on zfs-fuse, whose send client leaks its holds when SIGPIPE kills it.
inline constexpr std::string_view kIgnoreSigpipe = "trap '' PIPE; ";

// The script as zpull runs it: with SIGPIPE ignored first when `ignore_sigpipe`.
inline std::string ZstdSendScript(bool ignore_sigpipe) {
  return (ignore_sigpipe ? std::string(kIgnoreSigpipe) : std::string()) + std::string(kZstdSendScript);
}

}  // namespace zpull::core
