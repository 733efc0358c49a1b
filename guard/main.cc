// zpull-guard: a forced command for zpull's key on a source, e.g. in
// ~zpull/.ssh/authorized_keys:
//   command="/usr/local/bin/zpull-guard --drills",restrict ssh-ed25519 AAAA… zpull@backup
// It runs what zpull asks for, without a shell, if it is one of the shapes
// zpull sends (guard/guard.h); refusals go to stderr (zpull shows
// them) and syslog, exit status 126.

#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "guard/guard.h"

int main(int argc, char** argv) {
  using namespace zpull::guard;
  openlog("zpull-guard", LOG_PID, LOG_AUTH);
  auto refuse = [](const std::string& why) {
    std::cerr << "zpull-guard: refused: " << why << "\n";
    syslog(LOG_WARNING, "refused: %s", why.c_str());
    return 126;
  };
  if (argc == 2 && (std::string(argv[1]) == "--version" || std::string(argv[1]) == "version")) {
    std::cout << VersionLine() << "\n";
    return 0;
  }
  std::string error;
  auto options = ParseOptions(std::vector<std::string>(argv + 1, argv + argc), error);
  if (!options) return refuse("bad guard options in authorized_keys: " + error);
  const char* original = std::getenv("SSH_ORIGINAL_COMMAND");
  auto command = ParseCommandLine(original ? original : "", error);
  if (!command) return refuse(error);
  // zpull asks once per connection what this guard admits (guard.h, kVersion).
  if (*command == Argv{"zpull-guard", "version"}) {
    std::cout << VersionLine() << "\n";
    return 0;
  }
  if (auto why = Refusal(*command, *options, RealHostFacts(*options))) return refuse(*why);
  // The read itself, through the descriptors checked: sha256sum would open
  // the names anew, after a swap of what is mounted there.
  if ((*command)[0] == "sha256sum") return HashDrillFiles(*command, *options);
  std::vector<char*> args;
  for (auto& a : *command) args.push_back(a.data());
  args.push_back(nullptr);
  execvp(args[0], args.data());
  std::cerr << "zpull-guard: cannot run " << (*command)[0] << ": " << std::strerror(errno) << "\n";
  return 127;
}
