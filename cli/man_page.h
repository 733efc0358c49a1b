#pragma once
// The manual pages zpull(1) and zpull.yml(5), rendered (groff -man) from
// what `zpull help` prints (cli/commands.h) and from the example
// configuration, so that neither page can drift from its source.

#include <string>

namespace zpull::cli {

// zpull(1): every command of Commands() with its synopsis, description,
// options and examples; the common options, exit status and files.
std::string ZpullManPage(const std::string& version);

// zpull.yml(5) from the example configuration's text: its comment
// paragraphs as prose, its keys as examples, one section per block (blank
// lines separate blocks) named by the block's top-level keys.
std::string ConfigManPage(const std::string& example_yaml, const std::string& version);

}  // namespace zpull::cli
