#pragma once
// Reads captured transcripts (tests/fixtures): '$ command' lines, then the
// command's stdout, '[stderr] ' lines and '[exit N]'. '#' lines are comments.

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace zpull::test {

struct Captured {
  std::string command, out, err;
  int exit_code = -1;
};

inline std::vector<Captured> ReadTranscript(const std::string& path) {
  std::ifstream in(path);
  std::vector<Captured> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("#")) continue;
    if (line.starts_with("$ ")) {
      out.push_back({line.substr(2)});
    } else if (out.empty()) {
      continue;
    } else if (line.starts_with("[stderr] ")) {
      out.back().err += line.substr(9) + "\n";
    } else if (line.starts_with("[exit ")) {
      out.back().exit_code = std::stoi(line.substr(6));
    } else {
      out.back().out += line + "\n";
    }
  }
  return out;
}

inline std::string Fixture(const std::string& name) { return std::string(ZPULL_TEST_FIXTURES_DIR) + "/" + name; }

// A fixture's text without its '#' comment lines, each line ending in '\n'.
inline std::string FixtureText(const std::string& name) {
  std::ifstream in(Fixture(name));
  if (!in) throw std::runtime_error("missing fixture " + name);
  std::string line, out;
  while (std::getline(in, line)) {
    if (!line.starts_with("#")) out += line + "\n";
  }
  return out;
}

}  // namespace zpull::test
