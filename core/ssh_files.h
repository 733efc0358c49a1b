#pragma once
// The files an SSH source is configured with, checked as the running user
// without connecting: what check-config reports offline, and what a
// connection checks first so that a missing or unreadable file is named as
// such, not as an unknown host key.

#include "core/result.h"
#include "core/ssh_target.h"

namespace zpull::core {

// identity_file and known_hosts each a readable regular file. Errors name
// the source, the key, the path and the errno text: reason auth for
// identity_file, hostkey for known_hosts.
Status CheckSshFiles(const SshTarget& target);

// Whether known_hosts has a key for the target's host and port, read as a
// connection reads it (hashed names, [host]:port). Errors as CheckSshFiles.
Result<bool> HasKnownHostsEntry(const SshTarget& target);

}  // namespace zpull::core
