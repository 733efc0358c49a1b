#include "tests/support/fake_zfs.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "tests/support/send_stream.h"

namespace zpull::test {
namespace {

constexpr std::string_view kMagic = "ZPULLFAKE1\n";

core::ExitInfo Exit(int code, std::string err = {}) { return core::ExitInfo{code, std::move(err)}; }

// A send: its stdout is a prepared buffer (or an error exit).
class FakeSendProcess : public core::Process {
 public:
  FakeSendProcess(std::string data, core::ExitInfo exit, std::optional<std::size_t> cut = std::nullopt)
      : data_(std::move(data)), exit_(std::move(exit)), cut_(cut) {}
  core::Result<core::ReadChunk> ReadFor(std::span<char> buf, std::chrono::milliseconds) override {
    if (cut_ && pos_ >= *cut_) {
      exit_ = Exit(255);
      return core::Fail(core::Reason::kNetwork, "fake connection cut after " + std::to_string(*cut_) + " bytes");
    }
    std::size_t n = std::min(buf.size(), (cut_ ? std::min(*cut_, data_.size()) : data_.size()) - pos_);
    std::copy_n(data_.data() + pos_, n, buf.data());
    pos_ += n;
    return core::ReadChunk{n, n == 0};
  }
  core::Result<std::size_t> WriteFor(std::span<const char>, std::chrono::milliseconds) override {
    return core::Fail(core::Reason::kOther, "send has no stdin");
  }
  void CloseStdin() override {}
  void Abort() override {
    if (pos_ < data_.size()) exit_ = Exit(1, "warning: cannot send: Broken pipe\n");
    pos_ = data_.size();
  }
  core::Result<core::ExitInfo> Wait() override { return exit_; }

 private:
  std::string data_;
  std::size_t pos_ = 0;
  core::ExitInfo exit_;
  std::optional<std::size_t> cut_;
};

// A receive: collects stdin and applies it when the input ends.
class FakeRecvProcess : public core::Process {
 public:
  FakeRecvProcess(FakeZfs& zfs, core::RecvSpec spec) : zfs_(zfs), spec_(std::move(spec)) {}
  core::Result<core::ReadChunk> ReadFor(std::span<char>, std::chrono::milliseconds) override { return core::ReadChunk{0, true}; }
  core::Result<std::size_t> WriteFor(std::span<const char> data, std::chrono::milliseconds) override {
    if (closed_) return core::Fail(core::Reason::kOther, "write to receive: stdin closed");
    data_.append(data.data(), data.size());
    return data.size();
  }
  void CloseStdin() override { closed_ = true; }
  void Abort() override {
    closed_ = true;
    aborted_ = true;
  }
  core::Result<core::ExitInfo> Wait() override {
    if (!result_) {
      result_ = zfs_.Receive(spec_, data_, aborted_);
    }
    return *result_;
  }

 private:
  FakeZfs& zfs_;
  core::RecvSpec spec_;
  std::string data_;
  bool closed_ = false, aborted_ = false;
  std::optional<core::ExitInfo> result_;
};

// A fake resume token: the send it continues, hex-encoded.
std::string EncodeToken(const core::SendSpec& spec) {
  const std::string plain = spec.fs.str() + "\t" + spec.from.value_or("") + "\t" + spec.to + "\t" +
                            (spec.intermediates ? "I" : "i") + (spec.compressed ? "c" : "") + (spec.raw ? "w" : "");
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : plain) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::optional<core::SendSpec> DecodeToken(const std::string& token) {
  if (!token.starts_with("fake1-") || token.size() % 2 != 0) return std::nullopt;
  std::string plain;
  for (std::size_t i = 6; i + 1 < token.size(); i += 2) {
    auto nibble = [](char c) { return c >= 'a' ? c - 'a' + 10 : c - '0'; };
    plain += static_cast<char>(nibble(token[i]) * 16 + nibble(token[i + 1]));
  }
  std::vector<std::string> f;
  std::size_t pos = 0;
  for (std::size_t tab; (tab = plain.find('\t', pos)) != std::string::npos; pos = tab + 1) {
    f.push_back(plain.substr(pos, tab - pos));
  }
  f.push_back(plain.substr(pos));
  if (f.size() != 4 || f[3].empty()) return std::nullopt;
  auto fs = core::DatasetName::Parse(f[0]);
  if (!fs) return std::nullopt;
  core::SendSpec spec{*fs, f[2]};
  if (!f[1].empty()) spec.from = f[1];
  spec.intermediates = f[3][0] == 'I';
  spec.compressed = f[3].find('c') != std::string::npos;
  spec.raw = f[3].find('w') != std::string::npos;
  return spec;
}

std::string NoDataset(const std::string& name) { return "cannot open '" + name + "': dataset does not exist\n"; }

}  // namespace

FakeZfs::FakeZfs(std::string host, Clock clock)
    : host_(std::move(host)), clock_(std::move(clock)), next_guid_(std::hash<std::string>{}(host_) | 1) {
  features_.version = "fake";
  features_.recv_unmounted = true;
}

void FakeZfs::CreateFilesystem(const std::string& fs) {
  std::lock_guard lock(mu_);
  fs_.try_emplace(fs);
}

void FakeZfs::DestroyFilesystem(const std::string& fs) {
  std::lock_guard lock(mu_);
  fs_.erase(fs);
}

void FakeZfs::MarkModified(const std::string& fs) {
  std::lock_guard lock(mu_);
  fs_.at(fs).modified = true;
}

void FakeZfs::SetFeatures(core::ZfsFeatures f) {
  std::lock_guard lock(mu_);
  features_ = std::move(f);
}

std::uint64_t FakeZfs::Holds(const std::string& fs, const std::string& snap) {
  std::lock_guard lock(mu_);
  Snap* s = FindSnap(fs_.at(fs), snap);
  return s ? s->holds.size() : 0;
}

FakeZfs::Snap* FakeZfs::FindSnap(Fs& fs, const std::string& name) {
  for (auto& s : fs.snaps) {
    if (s.info.name == name) return &s;
  }
  return nullptr;
}

core::Result<core::ZfsFeatures> FakeZfs::Probe(const core::DatasetName&) {
  std::lock_guard lock(mu_);
  return features_;
}

core::Result<std::string> FakeZfs::Fingerprint() {
  std::lock_guard lock(mu_);
  return "fake " + host_ + " " + features_.version;
}

void FakeZfs::FailUserProperty(const std::string& property) {
  std::lock_guard lock(mu_);
  failing_property_ = property;
}

int FakeZfs::Writes() {
  std::lock_guard lock(mu_);
  return writes_;
}

std::vector<std::string> FakeZfs::SnapshotCommands() {
  std::lock_guard lock(mu_);
  return snapshot_commands_;
}

void FakeZfs::FailSnapshotOf(const std::string& fs) {
  std::lock_guard lock(mu_);
  failing_snapshot_fs_ = fs;
}

int FakeZfs::Listings(const std::string& fs) {
  std::lock_guard lock(mu_);
  return listings_[fs];
}

core::Result<std::optional<core::SnapshotList>> FakeZfs::ListSnapshots(const core::DatasetName& fs) {
  std::lock_guard lock(mu_);
  ++listings_[fs.str()];
  auto it = fs_.find(fs.str());
  if (it == fs_.end()) return std::optional<core::SnapshotList>();
  core::SnapshotList out;
  for (const auto& s : it->second.snaps) {
    core::SnapshotInfo info = s.info;
    info.userrefs = s.holds.size();
    out.push_back(info);
  }
  return std::optional<core::SnapshotList>(std::move(out));
}

core::Result<std::map<std::string, core::SnapshotInfo>> FakeZfs::SnapshotOf(
    const std::vector<core::DatasetName>& filesystems, const std::string& snap) {
  std::lock_guard lock(mu_);
  std::map<std::string, core::SnapshotInfo> out;
  for (const auto& fs : filesystems) {
    auto it = fs_.find(fs.str());
    if (it == fs_.end()) continue;
    if (const Snap* s = FindSnap(it->second, snap)) {
      out[fs.str()] = s->info;
      out[fs.str()].userrefs = s->holds.size();
    }
  }
  return out;
}

core::Result<std::unique_ptr<core::SnapshotStream>> FakeZfs::StreamSnapshotsOf(const std::vector<core::DatasetName>& filesystems,
                                                                                 const core::ListingOptions& options) {
  // Present ones first, then absent ones, as the command lists them.
  std::vector<core::SnapshotBlock> present, absent;
  std::set<std::string> listed;
  for (const auto& fs : filesystems) {
    if (!listed.insert(fs.str()).second) continue;
    auto l = ListSnapshots(fs);
    if (!l) return tl::unexpected(l.error());
    core::SnapshotBlock block{fs.str(), std::move(*l), {}, {}};
    if (block.snapshots && !options.mark.empty()) {
      auto marks = SnapshotUserProperty(fs, options.mark);
      if (!marks) return tl::unexpected(marks.error());
      for (const auto& s : *block.snapshots) {
        if (*marks && (*marks)->contains(s.name)) block.marked.push_back(s.name);
      }
    }
    for (const auto& p : block.snapshots ? options.properties : std::vector<std::string>{}) {
      if (p == "receive_resume_token") {
        auto token = ResumeToken(fs);
        if (!token) return tl::unexpected(token.error());
        block.properties[p] = token->value_or("-");
        continue;
      }
      auto v = GetProperty(fs, p);
      if (!v) return tl::unexpected(v.error());
      block.properties[p] = *v;
    }
    (block.snapshots ? present : absent).push_back(std::move(block));
  }
  for (auto& b : absent) present.push_back(std::move(b));
  return std::make_unique<core::VectorSnapshotStream>(std::move(present));
}

core::Result<bool> FakeZfs::Exists(const core::DatasetName& fs) {
  std::lock_guard lock(mu_);
  return fs_.count(fs.str()) > 0;
}

core::Status FakeZfs::SnapshotAllLocked(const std::vector<std::string>& filesystems, const std::string& snap) {
  ++writes_;
  for (const auto& fs : filesystems) {
    auto it = fs_.find(fs);
    if (it == fs_.end()) return core::Fail(core::Reason::kSourceMissing, host_ + ": " + NoDataset(fs));
    if (FindSnap(it->second, snap)) {
      return core::Fail(core::Reason::kOther, host_ + ": cannot create snapshot '" + fs + "@" + snap +
                                                  "': dataset already exists");
    }
    if (fs == failing_snapshot_fs_) {
      return core::Fail(core::Reason::kOther, host_ + ": cannot create snapshot '" + fs + "@" + snap +
                                                  "': out of space");
    }
  }
  const std::uint64_t txg = next_txg_++;
  for (const auto& fs : filesystems) {
    Snap s;
    s.info = core::SnapshotInfo{snap, next_guid_ += 0x9E3779B97F4A7C15ull, txg, clock_(), 0};
    fs_[fs].snaps.push_back(std::move(s));
    fs_[fs].modified = false;
  }
  return {};
}

core::Status FakeZfs::CreateSnapshot(const core::DatasetName& fs, const std::string& snap) {
  std::lock_guard lock(mu_);
  snapshot_commands_.push_back(fs.Snapshot(snap));
  return SnapshotAllLocked({fs.str()}, snap);
}

core::Status FakeZfs::CreateSnapshotTree(const core::DatasetName& root, const std::string& snap) {
  std::lock_guard lock(mu_);
  snapshot_commands_.push_back("-r " + root.Snapshot(snap));
  std::vector<std::string> tree;
  if (fs_.contains(root.str())) {
    for (const auto& [name, fs] : fs_) {
      if (name == root.str() || name.starts_with(root.str() + "/")) tree.push_back(name);
    }
  } else {
    tree.push_back(root.str());  // fails as missing
  }
  return SnapshotAllLocked(tree, snap);
}

core::Status FakeZfs::CreateSnapshots(const std::vector<core::DatasetName>& filesystems, const std::string& snap) {
  std::lock_guard lock(mu_);
  std::string command;
  std::vector<std::string> names;
  for (const auto& fs : filesystems) {
    command += (command.empty() ? "" : " ") + fs.Snapshot(snap);
    names.push_back(fs.str());
  }
  snapshot_commands_.push_back(command);
  if (names.size() > 1 && !features_.snapshot_many) {
    ++writes_;
    return core::Fail(core::Reason::kOther, host_ + ": too many arguments");
  }
  return SnapshotAllLocked(names, snap);
}

core::Status FakeZfs::DestroySnapshot(const core::DatasetName& fs, const std::string& snap) {
  std::lock_guard lock(mu_);
  ++writes_;
  auto it = fs_.find(fs.str());
  Snap* s = it == fs_.end() ? nullptr : FindSnap(it->second, snap);
  if (!s) return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(fs.Snapshot(snap)));
  if (!s->holds.empty()) {
    return core::Fail(core::Reason::kLockBusy, host_ + ": cannot destroy '" + fs.Snapshot(snap) + "': dataset is busy");
  }
  for (const auto& [name, other] : fs_) {
    auto origin = other.props.find("origin");
    if (origin != other.props.end() && origin->second == fs.Snapshot(snap)) {
      return core::Fail(core::Reason::kOther, host_ + ": cannot destroy '" + fs.Snapshot(snap) +
                                      "': snapshot has dependent clones\nuse '-R' to destroy the following datasets:\n" +
                                      name);
    }
  }
  auto& v = it->second.snaps;
  v.erase(std::remove_if(v.begin(), v.end(), [&](const Snap& x) { return x.info.name == snap; }), v.end());
  return {};
}

core::Status FakeZfs::Hold(const core::DatasetName& fs, const std::string& snap, const std::string& tag) {
  std::lock_guard lock(mu_);
  ++writes_;
  auto it = fs_.find(fs.str());
  Snap* s = it == fs_.end() ? nullptr : FindSnap(it->second, snap);
  if (!s) return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(fs.Snapshot(snap)));
  s->holds.emplace(tag, clock_());
  return {};
}

core::Status FakeZfs::HoldOf(const std::vector<std::string>& snapshots, const std::string& tag) {
  std::lock_guard lock(mu_);
  ++writes_;
  // As `zfs hold` does: each on its own, the command failing if one did.
  core::Status result;
  for (const auto& name : snapshots) {
    const std::size_t at = name.find('@');
    auto it = at == std::string::npos ? fs_.end() : fs_.find(name.substr(0, at));
    Snap* s = it == fs_.end() ? nullptr : FindSnap(it->second, name.substr(at + 1));
    if (!s) {
      if (result) result = core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(name));
    } else if (s->holds.contains(tag)) {
      if (result) result = core::Fail(core::Reason::kOther, host_ + ": cannot hold '" + name + "': tag already exists on this dataset");
    } else {
      s->holds.emplace(tag, clock_());
    }
  }
  return result;
}

core::Result<bool> FakeZfs::Release(const core::DatasetName& fs, const std::string& snap, const std::string& tag) {
  std::lock_guard lock(mu_);
  ++writes_;
  auto it = fs_.find(fs.str());
  Snap* s = it == fs_.end() ? nullptr : FindSnap(it->second, snap);
  if (!s) return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(fs.Snapshot(snap)));
  return s->holds.erase(tag) > 0;
}

core::Result<std::optional<std::string>> FakeZfs::GetUserProperty(const core::DatasetName& fs, const std::string& snap,
                                                            const std::string& property) {
  std::lock_guard lock(mu_);
  auto it = fs_.find(fs.str());
  if (it == fs_.end()) return core::Fail(core::Reason::kDestinationMissing, host_ + ": " + NoDataset(fs.str()));
  if (!snap.empty()) {
    Snap* s = FindSnap(it->second, snap);
    if (!s) return core::Fail(core::Reason::kDestinationMissing, host_ + ": " + NoDataset(fs.Snapshot(snap)));
    auto own = s->props.find(property);
    if (own != s->props.end()) return std::optional<std::string>(own->second);
    return std::optional<std::string>();  // inherited values are not the snapshot's own
  }
  auto p = it->second.props.find(property);
  if (p == it->second.props.end()) return std::optional<std::string>();
  return std::optional<std::string>(p->second);
}

core::Result<std::string> FakeZfs::GetProperty(const core::DatasetName& fs, const std::string& property) {
  std::lock_guard lock(mu_);
  auto it = fs_.find(fs.str());
  if (it == fs_.end()) return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(fs.str()));
  if (property == "referenced") return std::to_string(1024 * (1 + it->second.snaps.size()));
  // Each snapshot holds 512 bytes of its own.
  if (property == "usedbysnapshots") return std::to_string(512 * it->second.snaps.size());
  if (property == "used") return std::to_string(1024 * (1 + it->second.snaps.size()) + 512 * it->second.snaps.size());
  if (property == "type") return std::string("filesystem");
  if (property == "written" && features_.written) return std::string(it->second.modified ? "4096" : "0");
  if (property == "receive_resume_token" && features_.recv_resumable) {
    return it->second.resume_token.value_or("-");
  }
  if (property == "receive_resume_token") {
    return core::Fail(core::Reason::kOther, host_ + ": bad property list: invalid property 'receive_resume_token'");
  }
  if (auto p = it->second.props.find(property); p != it->second.props.end()) return p->second;
  if (property == "readonly") return std::string("off");
  if (property == "canmount") return std::string("on");
  if (property == "origin") return std::string("-");
  if (property == "encryption") return std::string("off");
  return core::Fail(core::Reason::kOther, host_ + ": the fake has no property " + property);
}

core::Result<std::map<std::string, std::string>> FakeZfs::GetPropertyOf(const std::vector<core::DatasetName>& filesystems,
                                                                  const std::string& property) {
  std::map<std::string, std::string> out;
  for (const auto& fs : filesystems) {
    {
      std::lock_guard lock(mu_);
      if (!fs_.count(fs.str())) continue;
    }
    auto v = GetProperty(fs, property);
    if (!v) return tl::unexpected(v.error());
    out[fs.str()] = *v;
  }
  return out;
}

core::Status FakeZfs::SetUserProperty(const core::DatasetName& fs, const std::string& snap, const std::string& property,
                                const std::string& value) {
  std::lock_guard lock(mu_);
  ++writes_;
  return SetUserPropertyLocked(fs, snap, property, value);
}

core::Status FakeZfs::SetUserPropertyLocked(const core::DatasetName& fs, const std::string& snap,
                                            const std::string& property, const std::string& value) {
  if (!failing_property_.empty() && property == failing_property_) {
    return core::Fail(core::Reason::kOther, host_ + ": cannot set property for '" + fs.str() + "': permission denied");
  }
  auto it = fs_.find(fs.str());
  if (it == fs_.end()) return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(fs.str()));
  if (snap.empty()) {
    it->second.props[property] = value;
  } else {
    Snap* s = FindSnap(it->second, snap);
    if (!s) return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(fs.Snapshot(snap)));
    s->props[property] = value;
  }
  return {};
}

core::Status FakeZfs::SetUserPropertyOf(const std::vector<std::string>& targets, const std::string& property,
                                        const std::string& value) {
  core::Status result;
  std::lock_guard lock(mu_);
  ++writes_;
  for (const auto& t : targets) {
    const std::size_t at = t.find('@');
    auto fs = core::DatasetName::Parse(t.substr(0, at));
    if (!fs) return tl::unexpected(fs.error());
    auto s = SetUserPropertyLocked(*fs, at == std::string::npos ? "" : t.substr(at + 1), property, value);
    if (!s && result) result = s;
  }
  return result;
}

core::Result<std::optional<std::map<std::string, std::string>>> FakeZfs::SnapshotUserProperty(
    const core::DatasetName& fs, const std::string& property) {
  std::lock_guard lock(mu_);
  auto it = fs_.find(fs.str());
  if (it == fs_.end()) return std::optional<std::map<std::string, std::string>>();
  std::map<std::string, std::string> out;
  for (const auto& s : it->second.snaps) {
    auto p = s.props.find(property);
    if (p != s.props.end()) out[s.info.name] = p->second;
  }
  return std::optional(std::move(out));
}

core::Status FakeZfs::Clone(const core::DatasetName& fs, const std::string& snap, const core::DatasetName& target,
                      const std::string&) {
  std::lock_guard lock(mu_);
  auto it = fs_.find(fs.str());
  if (it == fs_.end() || !FindSnap(it->second, snap)) {
    return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(fs.Snapshot(snap)));
  }
  if (fs_.count(target.str())) {
    return core::Fail(core::Reason::kOther, host_ + ": cannot create '" + target.str() + "': dataset already exists");
  }
  fs_[target.str()].props["origin"] = fs.Snapshot(snap);
  return {};
}

core::Status FakeZfs::DestroyFilesystem(const core::DatasetName& fs) {
  std::lock_guard lock(mu_);
  auto it = fs_.find(fs.str());
  if (it == fs_.end()) return {};
  if (!it->second.snaps.empty()) {
    return core::Fail(core::Reason::kOther, host_ + ": cannot destroy '" + fs.str() + "': filesystem has children");
  }
  fs_.erase(it);
  return {};
}

core::Result<std::vector<std::string>> FakeZfs::ListChildren(const core::DatasetName& parent) {
  std::lock_guard lock(mu_);
  if (!fs_.count(parent.str())) return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(parent.str()));
  std::vector<std::string> out;
  const std::string prefix = parent.str() + "/";
  for (const auto& [name, fs] : fs_) {
    if (name.starts_with(prefix) && name.find('/', prefix.size()) == std::string::npos) out.push_back(name);
  }
  return out;
}

core::Result<std::vector<core::TreeEntry>> FakeZfs::ListTree(const core::DatasetName& root, const std::string& property) {
  std::lock_guard lock(mu_);
  if (!fs_.count(root.str())) return core::Fail(core::Reason::kSourceMissing, host_ + ": " + NoDataset(root.str()));
  std::vector<core::TreeEntry> out;
  const std::string prefix = root.str() + "/";
  // fs_ is ordered by name, so a parent precedes its children.
  for (const auto& [name, fs] : fs_) {
    if (name != root.str() && !name.starts_with(prefix)) continue;
    core::TreeEntry e{name, std::nullopt};
    // A user property is inherited from the nearest ancestor that sets it.
    for (std::string at = name;; at = at.substr(0, at.rfind('/'))) {
      if (auto f = fs_.find(at); f != fs_.end()) {
        if (auto p = f->second.props.find(property); p != f->second.props.end()) {
          e.value = p->second;
          break;
        }
      }
      if (at.find('/') == std::string::npos) break;
    }
    out.push_back(std::move(e));
  }
  return out;
}

core::Result<core::DatasetProperties> FakeZfs::GetProperties(const core::DatasetName& fs,
                                                            const std::vector<std::string>& properties) {
  auto tree = GetTreeProperties(fs, properties);
  if (!tree) return tl::unexpected(tree.error());
  return tree->front();  // fs itself comes first
}

core::Result<std::vector<core::DatasetProperties>> FakeZfs::GetTreeProperties(
    const core::DatasetName& root, const std::vector<std::string>& properties) {
  std::lock_guard lock(mu_);
  if (!fs_.count(root.str())) return core::Fail(core::Reason::kDestinationMissing, host_ + ": " + NoDataset(root.str()));
  static const std::map<std::string, std::string> kDefaults = {
      {"canmount", "on"}, {"setuid", "on"}, {"devices", "on"}, {"exec", "on"}, {"readonly", "off"}};
  static const std::set<std::string> kInherited = {"setuid", "devices", "exec", "readonly", "mountpoint"};
  std::vector<core::DatasetProperties> out;
  const std::string prefix = root.str() + "/";
  for (const auto& [name, fs] : fs_) {
    if (name != root.str() && !name.starts_with(prefix)) continue;
    core::DatasetProperties d{name, {{"type", {"filesystem", "-"}}}};
    for (const auto& property : properties) {
      if (property == "type") continue;  // set above
      core::PropertyValue v{"-", "-"};
      if (auto p = fs.props.find(property); p != fs.props.end()) {
        v = {p->second, "local"};
      } else if (auto r = fs.received.find(property); r != fs.received.end()) {
        v = {r->second, "received"};
      } else if (kInherited.count(property) || property.find(':') != std::string::npos) {
        // From the nearest ancestor that sets it (a mountpoint gets the rest of the path).
        for (std::string at = name; at.find('/') != std::string::npos;) {
          at = at.substr(0, at.rfind('/'));
          auto f = fs_.find(at);
          if (f == fs_.end()) continue;
          if (auto up = f->second.props.find(property); up != f->second.props.end()) {
            const bool path = property == "mountpoint" && up->second.starts_with("/");
            v = {up->second + (path ? name.substr(at.size()) : ""), "inherited from " + at};
            break;
          }
        }
      }
      if (v.source == "-" && property == "mountpoint") v = {"/" + name, "default"};
      if (v.source == "-" && kDefaults.count(property)) v = {kDefaults.at(property), "default"};
      d.values[property] = v;
    }
    out.push_back(std::move(d));
  }
  return out;
}

core::Result<std::optional<std::string>> FakeZfs::MountedAt(const core::DatasetName& fs) {
  std::lock_guard lock(mu_);
  if (!fs_.count(fs.str())) return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(fs.str()));
  return std::optional<std::string>();  // the fake has no file system
}

void FakeZfs::SetPool(const std::string& pool, core::PoolStatus status, core::PoolSpace space) {
  std::lock_guard lock(mu_);
  pools_[pool] = {std::move(status), space};
}

core::Result<core::PoolStatus> FakeZfs::GetPoolStatus(const std::string& pool) {
  std::lock_guard lock(mu_);
  auto it = pools_.find(pool);
  if (it == pools_.end()) return core::Fail(core::Reason::kOther, host_ + ": cannot open '" + pool + "': no such pool");
  return it->second.first;
}

core::Result<core::PoolSpace> FakeZfs::GetPoolSpace(const std::string& pool) {
  std::lock_guard lock(mu_);
  auto it = pools_.find(pool);
  if (it == pools_.end()) return core::Fail(core::Reason::kOther, host_ + ": cannot open '" + pool + "': no such pool");
  return it->second.second;
}

core::Status FakeZfs::StartScrub(const std::string& pool) {
  std::lock_guard lock(mu_);
  auto it = pools_.find(pool);
  if (it == pools_.end()) return core::Fail(core::Reason::kOther, host_ + ": cannot open '" + pool + "': no such pool");
  auto& scrub = it->second.first.scrub;
  if (!scrub) scrub = core::ScanInfo{};
  scrub->state = core::ScanState::kInProgress;
  scrub->start_time = clock_();
  scrub->progress_ratio = 0;
  return {};
}

core::Result<std::uint64_t> FakeZfs::EstimateSend(const core::SendSpec& spec) {
  {
    std::lock_guard lock(mu_);
    if (!features_.send_estimate) return core::Fail(core::Reason::kOther, host_ + ": invalid option 'n'");
  }
  auto p = StartSend(spec);
  if (!p) return tl::unexpected(p.error());
  std::uint64_t total = 0;
  char buf[4096];
  while (true) {
    auto n = (*p)->Read(buf);
    if (!n || *n == 0) break;
    total += *n;
  }
  auto e = (*p)->Wait();
  if (!e || e->exit_code != 0) return core::Fail(core::Reason::kSourceMissing, host_ + ": " + (e ? e->err : "send failed"));
  return total;
}

core::Result<std::unique_ptr<core::Process>> FakeZfs::StartSend(const core::SendSpec& spec) {
  std::lock_guard lock(mu_);
  auto fail = [](std::string err) -> core::Result<std::unique_ptr<core::Process>> {
    return std::unique_ptr<core::Process>(new FakeSendProcess("", Exit(1, std::move(err))));
  };
  last_send_ = spec;
  core::SendSpec what = spec;
  const bool resume = !spec.resume_token.empty();
  if (resume) {
    auto decoded = DecodeToken(spec.resume_token);
    if (!decoded) return fail("cannot resume send: resume token is corrupt\n");
    what = *decoded;
  }
  for (auto [on, have, flag] : {std::tuple{what.raw, features_.send_raw, 'w'},
                                {what.compressed, features_.send_compressed, 'c'},
                                {what.large_blocks, features_.send_large_blocks, 'L'},
                                {what.embedded, features_.send_embedded, 'e'}}) {
    if (on && !have) return fail(std::string("invalid option '") + flag + "'\n");
  }
  auto it = fs_.find(what.fs.str());
  const std::string gone = resume ? "cannot resume send: '" + what.fs.Snapshot(what.to) +
                                        "' used in the initial send no longer exists\n"
                                  : NoDataset(what.fs.str());
  if (it == fs_.end()) return fail(gone);
  auto& snaps = it->second.snaps;
  auto find = [&](const std::string& n) {
    return std::find_if(snaps.begin(), snaps.end(), [&](const Snap& x) { return x.info.name == n; });
  };
  auto to = find(what.to);
  if (to == snaps.end()) return fail(resume ? gone : NoDataset(what.fs.Snapshot(what.to)));
  std::ostringstream out;
  StreamHeaderSpec header{.dataset = what.fs.str(), .to = what.to, .to_guid = to->info.guid, .from = what.from,
                          .properties = what.properties && !resume, .raw = what.raw, .resumed = resume};
  std::ostringstream text;
  text << kMagic << "token " << EncodeToken(what) << "\n";
  if (resume) text << "resume\n";
  auto first = to;
  if (what.from && what.from_bookmark) {
    if (!features_.bookmarks) return fail("invalid option: bookmarks are not supported\n");
    const auto& bms = it->second.bookmarks;
    auto bm = std::find_if(bms.begin(), bms.end(), [&](const core::SnapshotInfo& b) { return b.name == *what.from; });
    if (bm == bms.end()) return fail(NoDataset(what.fs.str() + "#" + *what.from));
    if (bm->createtxg >= to->info.createtxg) {
      return fail("warning: cannot send '" + what.fs.Snapshot(what.to) + "': not an earlier snapshot from the same fs\n");
    }
    text << "from " << bm->guid << "\n";
    header.from_guid = bm->guid;
  } else if (what.from) {
    auto from = find(*what.from);
    if (from == snaps.end()) {
      if (resume) return fail(gone);
      return fail("warning: cannot send '" + what.fs.Snapshot(what.to) + "': incremental source (@" + *what.from +
                  ") does not exist\n");
    }
    if (from >= to) {
      return fail("warning: cannot send '" + what.fs.Snapshot(what.to) + "': not an earlier snapshot from the same fs\n");
    }
    text << "from " << from->info.guid << "\n";
    header.from_guid = from->info.guid;
    first = what.intermediates ? from + 1 : to;
    header.compound = what.intermediates && !resume;
  } else {
    text << "from 0\n";
  }
  if (header.properties) {
    for (const auto& [k, v] : it->second.props) {
      if (k != "origin") text << "prop " << k << " " << v << "\n";
    }
  }
  for (auto x = first; x <= to; ++x) {
    text << "snap " << x->info.guid << " " << x->info.creation << " " << x->info.name << "\n";
  }
  // A stream in the real record format (send_stream.h) whose first
  // substream carries the fake's text.
  header.compound = header.compound || header.properties;
  header.first_to = first->info.name;
  header.first_to_guid = first->info.guid;
  std::vector<std::pair<std::string, std::uint64_t>> later;
  if (header.compound) {
    for (auto x = first + 1; x <= to; ++x) later.emplace_back(x->info.name, x->info.guid);
  }
  const std::size_t text_before_end = text.str().size();
  text << "end\n";
  const std::string whole = WholeStream(header, text.str(), later);
  out << whole;
  std::optional<std::size_t> cut;
  if (cut_next_send_) cut = whole.find(kMagic) + text_before_end;
  cut_next_send_ = false;
  return std::unique_ptr<core::Process>(new FakeSendProcess(out.str(), Exit(0), cut));
}

core::Result<std::unique_ptr<core::Process>> FakeZfs::StartRecv(const core::RecvSpec& spec) {
  {
    std::lock_guard lock(mu_);
    last_recv_ = spec;
  }
  return std::unique_ptr<core::Process>(new FakeRecvProcess(*this, spec));
}

core::Status FakeZfs::CreateContainer(const core::DatasetName& fs) {
  std::lock_guard lock(mu_);
  if (fs_.count(fs.str())) {
    return core::Fail(core::Reason::kOther, host_ + ": cannot create '" + fs.str() + "': dataset already exists");
  }
  const std::string parent = fs.Parent();
  if (!parent.empty() && !fs_.count(parent)) {
    return core::Fail(core::Reason::kDestinationMissing, host_ + ": cannot create '" + fs.str() + "': parent does not exist");
  }
  for (const char* p : {"canmount", "setuid", "devices", "exec"}) fs_[fs.str()].props[p] = "off";
  return {};
}

core::Status FakeZfs::Rollback(const core::DatasetName& fs, const std::string& snap) {
  std::lock_guard lock(mu_);
  auto it = fs_.find(fs.str());
  Snap* x = it == fs_.end() ? nullptr : FindSnap(it->second, snap);
  if (!x) return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(fs.Snapshot(snap)));
  if (&it->second.snaps.back() != x) {
    return core::Fail(core::Reason::kOther, host_ + ": cannot rollback to '" + fs.Snapshot(snap) +
                                    "': more recent snapshots or bookmarks exist");
  }
  it->second.modified = false;
  return {};
}

core::Status FakeZfs::SetProperty(const core::DatasetName& fs, const std::string& property, const std::string& value) {
  return SetUserProperty(fs, "", property, value);
}

core::Status FakeZfs::InheritProperty(const core::DatasetName& fs, const std::string& property) {
  std::lock_guard lock(mu_);
  auto it = fs_.find(fs.str());
  if (it == fs_.end()) return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(fs.str()));
  it->second.props.erase(property);
  it->second.received.erase(property);
  inherited_[fs.str()].push_back(property);
  return {};
}

std::optional<core::SendSpec> FakeZfs::LastSend() {
  std::lock_guard lock(mu_);
  return last_send_;
}

std::optional<core::RecvSpec> FakeZfs::LastRecv() {
  std::lock_guard lock(mu_);
  return last_recv_;
}

std::vector<std::string> FakeZfs::Inherited(const std::string& fs) {
  std::lock_guard lock(mu_);
  return inherited_[fs];
}

core::Status FakeZfs::CreateBookmark(const core::DatasetName& fs, const std::string& snap, const std::string& bookmark) {
  std::lock_guard lock(mu_);
  ++writes_;
  if (!features_.bookmarks) return core::Fail(core::Reason::kOther, host_ + ": unrecognized command 'bookmark'");
  auto it = fs_.find(fs.str());
  Snap* x = it == fs_.end() ? nullptr : FindSnap(it->second, snap);
  if (!x) return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(fs.Snapshot(snap)));
  for (const auto& b : it->second.bookmarks) {
    if (b.name == bookmark) return {};
  }
  core::SnapshotInfo b = x->info;
  b.name = bookmark;
  b.userrefs = 0;
  it->second.bookmarks.push_back(b);
  std::sort(it->second.bookmarks.begin(), it->second.bookmarks.end(),
            [](const core::SnapshotInfo& a, const core::SnapshotInfo& c) { return a.createtxg < c.createtxg; });
  return {};
}

core::Status FakeZfs::DestroyBookmark(const core::DatasetName& fs, const std::string& bookmark) {
  std::lock_guard lock(mu_);
  ++writes_;
  auto it = fs_.find(fs.str());
  if (it == fs_.end()) return {};
  auto& v = it->second.bookmarks;
  v.erase(std::remove_if(v.begin(), v.end(), [&](const core::SnapshotInfo& b) { return b.name == bookmark; }), v.end());
  return {};
}

core::Result<std::map<std::string, std::vector<core::HoldInfo>>> FakeZfs::ListHoldsOf(const std::vector<std::string>& snapshots) {
  std::lock_guard lock(mu_);
  if (!features_.list_holds) return core::Fail(core::Reason::kOther, host_ + ": internal error: /usr/lib/zfs/pyzfs.py not found");
  std::map<std::string, std::vector<core::HoldInfo>> out;
  for (const auto& full : snapshots) {
    const auto at = full.find('@');
    auto it = at == std::string::npos ? fs_.end() : fs_.find(full.substr(0, at));
    Snap* x = it == fs_.end() ? nullptr : FindSnap(it->second, full.substr(at + 1));
    if (!x) continue;  // as zfs: said on stderr, the others listed
    for (const auto& [tag, since] : x->holds) out[it->first].push_back({full.substr(at + 1), tag, since});
  }
  return out;
}

core::Result<std::map<std::string, core::SnapshotList>> FakeZfs::ListBookmarksOf(const std::vector<core::DatasetName>& filesystems) {
  std::lock_guard lock(mu_);
  std::map<std::string, core::SnapshotList> out;
  for (const auto& fs : filesystems) {
    auto it = fs_.find(fs.str());
    if (it != fs_.end()) out[fs.str()] = it->second.bookmarks;
  }
  return out;
}

core::Result<core::SnapshotList> FakeZfs::ListBookmarks(const core::DatasetName& fs) {
  std::lock_guard lock(mu_);
  auto it = fs_.find(fs.str());
  if (it == fs_.end()) return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(fs.str()));
  return it->second.bookmarks;
}

void FakeZfs::CutNextSend() {
  std::lock_guard lock(mu_);
  cut_next_send_ = true;
}

core::Result<std::optional<std::string>> FakeZfs::ResumeToken(const core::DatasetName& fs) {
  std::lock_guard lock(mu_);
  if (!features_.recv_resumable) {
    return core::Fail(core::Reason::kOther, host_ + ": bad property list: invalid property 'receive_resume_token'");
  }
  auto it = fs_.find(fs.str());
  if (it == fs_.end()) return std::optional<std::string>();
  return it->second.resume_token;
}

core::Status FakeZfs::AbortPartialReceive(const core::DatasetName& fs) {
  std::lock_guard lock(mu_);
  auto it = fs_.find(fs.str());
  if (it == fs_.end()) return core::Fail(core::Reason::kOther, host_ + ": " + NoDataset(fs.str()));
  if (!it->second.resume_token) return {};
  if (it->second.partial_only) {
    fs_.erase(it);
  } else {
    it->second.resume_token.reset();
  }
  return {};
}

core::ExitInfo FakeZfs::Receive(const core::RecvSpec& spec, const std::string& stream, bool interrupted) {
  std::lock_guard lock(mu_);
  {
    // As OpenZFS: each property at most once among -o and -x.
    std::set<std::string> named;
    for (const auto& kv : spec.set) {
      if (!named.insert(kv.substr(0, kv.find('='))).second) {
        return Exit(1, "cannot receive: property '" + kv.substr(0, kv.find('=')) + "' specified multiple times\n");
      }
    }
    for (const auto& p : spec.exclude) {
      if (!named.insert(p).second) return Exit(1, "cannot receive: property '" + p + "' specified multiple times\n");
    }
  }
  if (stream.empty()) return Exit(1, "cannot receive: failed to read from stream\n");
  const std::size_t text_at = stream.find(kMagic);
  if (text_at == std::string::npos) return Exit(1, "cannot receive: invalid stream (bad magic number)\n");
  const std::string_view body = std::string_view(stream).substr(text_at);
  std::istringstream in(std::string(body.substr(kMagic.size())));
  std::string word, token;
  bool resume = false;
  std::uint64_t from = 0;
  if (!(in >> word) || word != "token" || !(in >> token)) return Exit(1, "cannot receive: invalid backup stream\n");
  if (!(in >> word)) return Exit(1, "cannot receive: failed to read from stream\n");
  if (word == "resume") {
    resume = true;
    if (!(in >> word)) return Exit(1, "cannot receive: failed to read from stream\n");
  }
  if (word != "from" || !(in >> from)) return Exit(1, "cannot receive: invalid backup stream\n");
  std::vector<core::SnapshotInfo> incoming;
  std::vector<std::pair<std::string, std::string>> props;  // a -p stream's
  bool ended = false;
  while (in >> word) {
    if (word == "prop") {
      std::string k, v;
      in >> k;
      in.get();
      std::getline(in, v);
      props.emplace_back(k, v);
      continue;
    }
    if (word == "end") {
      // As a real stream, it is whole only up to its closing END record.
      ended = !interrupted && stream.size() >= 312 && stream.compare(stream.size() - 312, 4, std::string("\x05\0\0\0", 4)) == 0;
      break;
    }
    core::SnapshotInfo x;
    if (word != "snap" || !(in >> x.guid >> x.creation)) break;
    in.get();
    std::getline(in, x.name);
    incoming.push_back(x);
  }
  const std::string kind = resume ? "resume" : from == 0 ? "new filesystem" : "incremental";
  const std::string& name = spec.fs.str();
  auto it = fs_.find(name);
  const bool has_token = it != fs_.end() && it->second.resume_token;
  if (has_token && !resume) {
    return Exit(1, "cannot receive " + kind + " stream: destination " + name +
                       " contains partially-complete state from \"zfs receive -s\".\n");
  }
  if (resume && !has_token) {
    return Exit(1, "cannot receive resume stream: destination '" + name + "' has no saved receive state\n");
  }
  if (!ended || incoming.empty()) {
    if (spec.resumable && features_.recv_resumable && !incoming.empty()) {
      if (it == fs_.end()) {
        it = fs_.try_emplace(name).first;
        it->second.partial_only = true;
      }
      it->second.resume_token = "fake1-" + token;
      return Exit(1, "cannot receive " + kind + " stream: checksum mismatch or incomplete stream.\n"
                     "Partially received snapshot is saved.\nA resuming stream can be generated on the sending "
                     "system by running:\n    zfs send -t " + *it->second.resume_token + "\n");
    }
    return Exit(1, "cannot receive " + kind + " stream: invalid backup stream\n");
  }
  if (resume) {
    it->second.resume_token.reset();
    it->second.partial_only = false;
  } else if (from == 0) {
    if (it != fs_.end()) {
      if (!spec.force) {
        return Exit(1, "cannot receive new filesystem stream: destination '" + name + "' exists\nmust specify -F to overwrite it\n");
      }
      if (!it->second.snaps.empty()) {
        return Exit(1, "cannot receive new filesystem stream: destination has snapshots (eg. " + name + "@" +
                           it->second.snaps.front().info.name + ")\nmust destroy them to overwrite it\n");
      }
    } else {
      std::string parent = spec.fs.Parent();
      if (!parent.empty() && !fs_.count(parent)) {
        return Exit(1, NoDataset(parent));
      }
    }
    it = fs_.try_emplace(name).first;
  }
  if (from != 0) {
    if (it == fs_.end()) return Exit(1, "cannot receive incremental stream: destination '" + name + "' does not exist\n");
    auto& snaps = it->second.snaps;
    auto base = std::find_if(snaps.begin(), snaps.end(), [&](const Snap& x) { return x.info.guid == from; });
    if (base == snaps.end()) {
      return Exit(1, "cannot receive incremental stream: most recent snapshot of " + name +
                         " does not\nmatch incremental source\n");
    }
    if (it->second.modified && !spec.force) {
      return Exit(1, "cannot receive incremental stream: destination " + name +
                         " has been modified\nsince most recent snapshot\n");
    }
    // Both dialects accept newer destination snapshots that changed nothing
    // since the base (they stay); -F rolls back to the base instead.
    if (spec.force) snaps.erase(base + 1, snaps.end());
  }
  for (const auto& x : incoming) {
    Snap snap;
    snap.info = core::SnapshotInfo{x.name, x.guid, next_txg_++, x.creation, 0};
    it->second.snaps.push_back(std::move(snap));
  }
  it->second.modified = false;
  // A -p stream's properties arrive as received values (recv -x: not).
  for (const auto& [k, v] : props) {
    if (std::find(spec.exclude.begin(), spec.exclude.end(), k) == spec.exclude.end()) it->second.received[k] = v;
  }
  // recv -o property=value: set locally on the received dataset.
  for (const auto& kv : spec.set) {
    const std::size_t eq = kv.find('=');
    if (eq != std::string::npos) it->second.props[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return Exit(0);
}

}  // namespace zpull::test
