#include "config/yaml_errors.h"

#include <utility>

#include <yaml-cpp/exceptions.h>

namespace zpull::config {

std::string PlainYamlError(const std::string& m) {
  namespace E = YAML::ErrorMsg;
  static const std::pair<const char*, const char*> kPlain[] = {
      {E::MAP_VALUE,
       "a ':' where no value can start: this line is indented more than the keys around it (or with a tab), "
       "or a value containing ': ' is not in quotes"},
      {E::END_OF_MAP,
       "this line's indentation does not match the keys above it (the keys of one mapping start in the same "
       "column, indented with spaces)"},
      {E::END_OF_SEQ,
       "this line's indentation does not match the list above it (the '- ' items of one list start in the same "
       "column)"},
      {E::END_OF_SEQ_FLOW, "a '[' opened before here is not closed with ']'"},
      {E::END_OF_MAP_FLOW, "a '{' opened before here is not closed with '}'"},
      {E::FLOW_END, "a ']' or '}' without the '[' or '{' it would close"},
      {E::BLOCK_ENTRY, "a '- ' list item where a key was expected: check this line's indentation"},
      {E::MAP_KEY, "a key where none can start: check this line's indentation"},
      {E::TAB_IN_INDENTATION, "a tab in the indentation: YAML indents with spaces only"},
      {E::UNKNOWN_TOKEN, "a value cannot start with this character ('@' and '`' are reserved): put it in quotes"},
      {E::EOF_IN_SCALAR, "a quoted value is not closed before the end of the file"},
      {E::DOC_IN_SCALAR, "a '---' or '...' line inside a quoted value: close the quotes before it"},
      {E::CHAR_IN_SCALAR, "a character that cannot appear in a plain value here: put the value in quotes"},
  };
  for (const auto& [raw, plain] : kPlain) {
    if (m == raw) return plain;
  }
  const std::string escape = E::INVALID_ESCAPE;
  if (m.starts_with(escape)) {
    return "an unknown escape '\\" + m.substr(escape.size()) +
           "' in a double-quoted value: write \\\\ for a backslash, or use single quotes";
  }
  return m;
}

}  // namespace zpull::config
