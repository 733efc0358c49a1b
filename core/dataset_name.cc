#include "core/dataset_name.h"

#include <cctype>

namespace zpull::core {
namespace {

bool ValidChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         c == ':' || c == ' ';
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

Status CheckChars(std::string_view name, std::string_view what) {
  for (char c : name) {
    if (c == '@') {
      return Fail(Reason::kConfig, std::string(what) + " name " + Quote(name) +
                                       ": unexpected '@'");
    }
    if (c != '/' && !ValidChar(c)) {
      std::string shown = (static_cast<unsigned char>(c) < 0x20 ||
                           static_cast<unsigned char>(c) >= 0x7f)
                              ? "byte " + std::to_string(static_cast<unsigned char>(c))
                              : std::string("'") + c + "'";
      return Fail(Reason::kConfig, std::string(what) + " name " + Quote(name) +
                                       ": invalid character " + shown +
                                       " (allowed: letters, digits, - _ . : space)");
    }
  }
  return {};
}

}  // namespace

Status ValidateDatasetName(std::string_view name) {
  if (name.empty()) return Fail(Reason::kConfig, "dataset name is empty");
  if (name.size() > kMaxDatasetNameLength) {
    return Fail(Reason::kConfig, "dataset name " + Quote(name) + ": longer than 255 characters");
  }
  if (auto s = CheckChars(name, "dataset"); !s) return s;
  std::size_t start = 0;
  while (true) {
    std::size_t end = name.find('/', start);
    std::string_view comp = name.substr(start, end == std::string_view::npos
                                                   ? std::string_view::npos
                                                   : end - start);
    if (comp.empty()) {
      return Fail(Reason::kConfig, "dataset name " + Quote(name) + ": empty component");
    }
    if (comp == "." || comp == "..") {
      return Fail(Reason::kConfig, "dataset name " + Quote(name) + ": component '" +
                                       std::string(comp) + "' is not allowed");
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  // ZFS pool names begin with a letter; it also keeps a name from reading
  // as an option ("-pool") in any command line.
  if (!std::isalpha(static_cast<unsigned char>(name[0]))) {
    return Fail(Reason::kConfig, "dataset name " + Quote(name) + ": the pool name must begin with a letter");
  }
  return {};
}

Status ValidateSnapshotName(std::string_view name) {
  if (name.empty()) return Fail(Reason::kConfig, "snapshot name is empty");
  if (name.size() > kMaxDatasetNameLength) {
    return Fail(Reason::kConfig, "snapshot name " + Quote(name) + ": longer than 255 characters");
  }
  if (name.find('/') != std::string_view::npos) {
    return Fail(Reason::kConfig, "snapshot name " + Quote(name) + ": '/' is not allowed");
  }
  return CheckChars(name, "snapshot");
}

Result<DatasetName> DatasetName::Parse(std::string_view name) {
  if (auto s = ValidateDatasetName(name); !s) return tl::unexpected(s.error());
  return DatasetName(std::string(name));
}

std::string DatasetName::Parent() const {
  auto pos = name_.rfind('/');
  return pos == std::string::npos ? std::string() : name_.substr(0, pos);
}

std::string DatasetName::Snapshot(std::string_view snap) const {
  return name_ + "@" + std::string(snap);
}

}  // namespace zpull::core
