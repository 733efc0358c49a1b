// zpull-man VERSION EXAMPLE_YML OUT_DIR: writes OUT_DIR/zpull.1 and
// OUT_DIR/zpull.yml.5 (the build runs it; the .deb ships the pages).
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "cli/man_page.h"

namespace {

bool Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) std::cerr << "zpull-man: cannot write " << path << "\n";
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: zpull-man VERSION EXAMPLE_YML OUT_DIR\n";
    return 2;
  }
  std::ifstream in(argv[2]);
  if (!in) {
    std::cerr << "zpull-man: cannot read " << argv[2] << "\n";
    return 1;
  }
  const std::string example{std::istreambuf_iterator<char>(in), {}};
  const std::string dir = argv[3];
  const bool ok = Write(dir + "/zpull.1", zpull::cli::ZpullManPage(argv[1])) &&
                  Write(dir + "/zpull.yml.5", zpull::cli::ConfigManPage(example, argv[1]));
  return ok ? 0 : 1;
}
