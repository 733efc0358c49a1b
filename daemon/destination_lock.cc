#include "daemon/destination_lock.h"

namespace zpull::daemon {

core::Result<core::LockFile> LockDestination(const config::Config& config, const core::DatasetName& destination) {
  std::string name = destination.str();
  for (char& c : name) {
    if (c == '/') c = '@';
  }
  auto lock = core::LockFile::TryAcquire(config.lock_directory + "/dataset-" + name + ".lock");
  if (!lock) {
    return tl::unexpected(
        core::WithContext(lock.error(), "another zpull is replicating into " + destination.str()));
  }
  return lock;
}

}  // namespace zpull::daemon
