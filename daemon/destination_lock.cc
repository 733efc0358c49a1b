#include "daemon/destination_lock.h"

#include <chrono>
#include <thread>

namespace zpull::daemon {

core::Result<core::LockFile> LockDestination(const config::Config& config, const core::DatasetName& destination) {
  std::string name = destination.str();
  for (char& c : name) {
    if (c == '/') c = '@';
  }
  auto lock = core::LockFile::TryAcquire(config.lock_directory + "/dataset-" + name + ".lock");
  if (!lock && lock.error().reason == core::Reason::kLockBusy) {
    return tl::unexpected(
        core::WithContext(lock.error(), "another zpull is replicating into " + destination.str()));
  }
  if (!lock) return tl::unexpected(core::WithContext(lock.error(), "lock_directory " + config.lock_directory));
  return lock;
}

core::Result<core::LockFile> LockSourceDataset(const config::Config& config, const std::string& source,
                                               const core::DatasetName& dataset, const std::atomic<bool>* cancel) {
  std::string name = source + "@" + dataset.str();
  for (char& c : name) {
    if (c == '/') c = '@';
  }
  const std::string path = config.lock_directory + "/source-" + name + ".lock";
  for (;;) {
    auto lock = core::LockFile::TryAcquire(path);
    if (lock || lock.error().reason != core::Reason::kLockBusy) return lock;
    if (cancel && cancel->load()) {
      return core::Fail(core::Reason::kShutdown, "waiting for another entry's cycle on " + source + ":" +
                                                     dataset.str() + " (zpull is stopping)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace zpull::daemon
