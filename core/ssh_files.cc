#include "core/ssh_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <libssh/libssh.h>

namespace zpull::core {
namespace {

Status CheckReadableFile(const SshTarget& t, const std::string& key, const std::string& path, Reason reason) {
  const std::string what = "source " + t.name + ": " + key + " " + path;
  if (path.empty()) return Fail(reason, "source " + t.name + ": " + key + " is not set");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Fail(reason, what + ": " + std::strerror(errno));
  struct stat st {};
  const int rc = ::fstat(fd, &st);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Fail(reason, what + ": " + std::strerror(err));
  if (S_ISDIR(st.st_mode)) return Fail(reason, what + ": is a directory, not a file");
  if (!S_ISREG(st.st_mode)) return Fail(reason, what + ": not a regular file");
  return {};
}

}  // namespace

Status CheckSshFiles(const SshTarget& t) {
  if (auto s = CheckReadableFile(t, "identity_file", t.identity_file, Reason::kAuth); !s) return s;
  return CheckReadableFile(t, "known_hosts", t.known_hosts_file, Reason::kHostkey);
}

Result<bool> HasKnownHostsEntry(const SshTarget& t) {
  if (auto s = CheckReadableFile(t, "known_hosts", t.known_hosts_file, Reason::kHostkey); !s) {
    return tl::unexpected(s.error());
  }
  std::unique_ptr<ssh_session_struct, decltype(&ssh_free)> s(ssh_new(), &ssh_free);
  if (!s) return Fail(Reason::kOther, "source " + t.name + ": ssh_new failed");
  int no = 0;
  ssh_options_set(s.get(), SSH_OPTIONS_PROCESS_CONFIG, &no);
  ssh_options_set(s.get(), SSH_OPTIONS_HOST, t.host.c_str());
  ssh_options_set(s.get(), SSH_OPTIONS_PORT, &t.port);
  ssh_options_set(s.get(), SSH_OPTIONS_KNOWNHOSTS, t.known_hosts_file.c_str());
  ssh_options_set(s.get(), SSH_OPTIONS_GLOBAL_KNOWNHOSTS, t.known_hosts_file.c_str());
  switch (ssh_session_has_known_hosts_entry(s.get())) {
    case SSH_KNOWN_HOSTS_OK:
      return true;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      return false;
    default:
      return Fail(Reason::kHostkey, "source " + t.name + ": known_hosts " + t.known_hosts_file +
                                        ": cannot be read: " + ssh_get_error(s.get()));
  }
}

}  // namespace zpull::core
