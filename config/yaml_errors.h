#pragma once
// yaml-cpp's syntax errors ("end of map not found") as sentences that say
// what to look for in the line they point at.

#include <string>

namespace zpull::config {

// The plain sentence for a message of yaml-cpp's parser; any other
// message as it is.
std::string PlainYamlError(const std::string& yaml_cpp_message);

}  // namespace zpull::config
