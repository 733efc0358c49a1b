#pragma once
// Strict reading of YAML configuration files: every error names the file,
// line, column and key. Unknown and duplicate keys are errors.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>

#include "config/yaml_errors.h"

namespace zpull::config {

// Thrown by YamlReader; callers turn it into a core::Error at their boundary.
struct YamlError {
  std::string message;
};

// "path:line:column" of `node` (just `path` where yaml-cpp has no mark).
inline std::string Where(const std::string& path, const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  if (m.is_null()) return path;
  return path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

// "path:line:column: what" of an exception yaml-cpp threw while reading
// `path` (a syntax error, in a plain sentence; a conversion), just
// "path: what" without a mark.
inline std::string WhereAndWhat(const std::string& path, const YAML::Exception& e) {
  const std::string what = PlainYamlError(e.msg);
  if (e.mark.is_null()) return path + ": " + what;
  return path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + what;
}

// The document in `text` (read from `path`); a syntax error is a YamlError
// naming path:line:column. What zpull's configuration files are read with.
inline YAML::Node LoadYaml(const std::string& text, const std::string& path) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw YamlError{WhereAndWhat(path, e)};
  }
}

class YamlReader {
 public:
  explicit YamlReader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void Error(const YAML::Node& node, const std::string& key, const std::string& msg) const {
    throw YamlError{Where(path_, node) + ": " + (key.empty() ? "" : "'" + key + "': ") + msg};
  }

  // Checks that `map` is a mapping whose keys are all in `allowed`, `more`
  // or `deprecated` (old names still read, not offered in the error).
  void ExpectMap(const YAML::Node& map, const std::string& key, std::initializer_list<const char*> allowed,
                 std::initializer_list<const char*> more = {},
                 std::initializer_list<const char*> deprecated = {}) const {
    if (!map.IsMap()) Error(map, key, "expected a mapping");
    std::set<std::string> seen;
    for (const auto& kv : map) {
      std::string k = kv.first.Scalar();
      if (!seen.insert(k).second) Error(kv.first, k, "duplicate key");
      bool known = false;
      for (auto list : {allowed, more, deprecated}) {
        for (const char* a : list) known = known || k == a;
      }
      if (!known) {
        std::string list;
        for (auto l : {allowed, more}) {
          for (const char* a : l) list += std::string(list.empty() ? "" : ", ") + a;
        }
        Error(kv.first, k, "unknown key (expected one of: " + list + ")");
      }
    }
  }

  std::string String(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) Error(n, key, "expected a string");
    return n.Scalar();
  }

  std::int64_t Int(const YAML::Node& n, const std::string& key, std::int64_t min, std::int64_t max) const {
    if (!n.IsScalar()) Error(n, key, "expected an integer");
    std::int64_t v = 0;
    try {
      v = n.as<std::int64_t>();
    } catch (const YAML::Exception&) {
      Error(n, key, "expected an integer, got '" + n.Scalar() + "'");
    }
    if (v < min || v > max) {
      Error(n, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return v;
  }

  bool Bool(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) Error(n, key, "expected true or false");
    try {
      return n.as<bool>();
    } catch (const YAML::Exception&) {
      Error(n, key, "expected true or false, got '" + n.Scalar() + "'");
    }
  }

 protected:
  std::string path_;
};

}  // namespace zpull::config
