#include "daemon/hooks.h"

#include <chrono>

namespace zpull::daemon {

core::Status RunHook(core::CommandRunner& runner, const std::string& name, const config::HookConfig& hook,
                     const HookEnv& env) {
  core::Argv argv = {"env"};
  for (const auto& [k, v] : env) argv.push_back(k + "=" + v);
  argv.insert(argv.end(), hook.command.begin(), hook.command.end());
  const std::string what = name + " hook (" + hook.command.front() + " on " + runner.Host() + ")";
  auto p = runner.Start(argv);
  if (!p) return core::Fail(core::Reason::kHookFailed, what + ": cannot start: " + p.error().message);
  (*p)->CloseStdin();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(hook.timeout_seconds);
  std::string out;
  char buf[4096];
  bool timed_out = false;
  while (true) {
    if (std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      (*p)->Abort();
      break;
    }
    auto chunk = (*p)->ReadFor(buf, std::chrono::milliseconds(200));
    if (!chunk || chunk->end) break;
    if (out.size() < 65536) out.append(buf, chunk->bytes);
  }
  auto exit = (*p)->Wait();
  if (timed_out) {
    return core::Fail(core::Reason::kHookFailed,
                      what + ": timed out after " + std::to_string(hook.timeout_seconds) + " s (stopped)");
  }
  if (!exit) return core::Fail(core::Reason::kHookFailed, what + ": " + exit.error().message);
  if (exit->exit_code != 0) {
    std::string line = core::FirstLine(exit->err);
    if (line.empty()) line = core::FirstLine(out);
    return core::Fail(core::Reason::kHookFailed,
                      what + ": exit " + std::to_string(exit->exit_code) + (line.empty() ? "" : ": " + line));
  }
  return {};
}

}  // namespace zpull::daemon
