#include "replicate/cycle.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>
#include <unordered_set>

#include "replicate/decide.h"
#include "replicate/listings.h"
#include "replicate/refusal.h"
#include "replicate/snapshot_name.h"

namespace zpull::replicate {
namespace {

using core::GuidSet;

core::Error ErrorAt(const DatasetJob& job, core::Error e) {
  return core::WithContext(std::move(e), "dataset " + job.destination.str());
}

// Takes `name` (the decided one), or, when another cycle took that name
// meanwhile, the next free one (FreeSnapshotName over TakenSnapshotNames).
core::Result<std::string> TakeSnapshot(const CycleEnv& env, const DatasetJob& job, const std::string& name,
                                       const Listings& in) {
  std::vector<std::string> taken = TakenSnapshotNames(in);
  std::string next = name;
  for (int n = 0; n <= kMaxSnapshotNameSuffix; ++n) {
    core::Status made = env.source.CreateSnapshot(job.source, next);
    if (made) return next;
    if (made.error().message.find("already exists") == std::string::npos) return tl::unexpected(made.error());
    taken.push_back(next);
    next = FreeSnapshotName(job.prefix, env.now(), taken, kMaxSnapshotNameSuffix);
    if (std::find(taken.begin(), taken.end(), next) != taken.end()) return tl::unexpected(made.error());
  }
  return core::Fail(core::Reason::kOther, "no free snapshot name for " + job.prefix + " now");
}

// The release half of MoveHold (below): `tag` (and `legacy`) from every
// held snapshot but `keep`.
core::Status ReleaseOthers(core::Zfs& zfs, const core::DatasetName& fs, core::SnapshotList& snaps,
                           const std::string& keep, const std::string& tag, const std::string& legacy = {},
                           const GuidSet& spare = {}) {
  for (auto& snap : snaps) {
    if (snap.name == keep) {
      snap.userrefs = std::max<std::uint64_t>(snap.userrefs, 1);
      continue;
    }
    for (const std::string* t : {&tag, &legacy}) {
      if (snap.userrefs == 0 || t->empty() || (t == &legacy && spare.contains(snap.guid))) continue;
      auto released = zfs.Release(fs, snap.name, *t);
      if (!released) return tl::unexpected(released.error());
      if (*released) --snap.userrefs;
    }
  }
  return {};
}

// Holds `keep` on `fs` with `tag` and releases `tag` from every other held
// snapshot (tags cannot be listed portably: `zfs holds` is broken on
// zfs-fuse, so release is tried where userrefs > 0), and `legacy` (the
// tag of an older zpull) from them too but for those in `spare`. Updates
// the userrefs in `snaps` to match.
core::Status MoveHold(core::Zfs& zfs, const core::DatasetName& fs, core::SnapshotList& snaps, const std::string& keep,
                      const std::string& tag, const std::string& legacy = {}, const GuidSet& spare = {}) {
  if (auto s = zfs.Hold(fs, keep, tag); !s) return s;
  return ReleaseOthers(zfs, fs, snaps, keep, tag, legacy, spare);
}

const core::SnapshotInfo* FindGuid(const core::SnapshotList& list, std::uint64_t guid) {
  for (const auto& s : list) {
    if (s.guid == guid) return &s;
  }
  return nullptr;
}


// Reasons that say the destination refuses this dataset's stream as it
// stands, until someone changes it or the configuration.
bool RefusalReason(core::Reason r) {
  switch (r) {
    case core::Reason::kDiverged:
    case core::Reason::kNoCommonSnapshot:
    case core::Reason::kDestinationModified:
    case core::Reason::kDestinationMissing:
    case core::Reason::kConfig:
      return true;
    default:
      return false;
  }
}

// Reasons a later attempt within the same cycle can get past.
bool RetryInCycle(core::Reason r) {
  switch (r) {
    case core::Reason::kNetwork:
    case core::Reason::kTimeout:
    case core::Reason::kStalled:
    case core::Reason::kSendFailed:
    case core::Reason::kRecvFailed:
    case core::Reason::kStreamCorrupt:
    case core::Reason::kStaleResumeToken:
      return true;
    default:
      return false;
  }
}

bool Cancelled(const CycleEnv& env) { return env.cancel && env.cancel->load(); }


// One attempt's result: replicated (or nothing to do), or why not.
enum class Progress { kReplicated, kSourceEmpty };

class Attempt {
 public:
  // With `fresh`, the listings are as the hosts stand (read since anything
  // changed them) and are not read again.
  Attempt(const CycleEnv& env, const DatasetJob& job, CycleOutcome& out, bool fresh)
      : env_(env), job_(job), out_(out), fresh_(fresh) {}

  core::Result<Progress> Run(Listings& in) {
    if (!fresh_) {
      auto read = ReadListings(env_, job_, false);
      if (!read) return tl::unexpected(read.error());
      in = std::move(*read);
    }
    Count(in);
    Decision d = Decide(in, job_, env_.now(), false);
    if (d.resume) {
      if (auto s = ResumeInterrupted(); !s) return tl::unexpected(s.error());
      auto read = ReadListings(env_, job_, false);
      if (!read) return tl::unexpected(read.error());
      in = std::move(*read);
      Count(in);
      d = Decide(in, job_, env_.now(), false);
    }
    out_.plan = d.plan;
    out_.newest_common = d.plan.newest_common;
    if (d.refusal) return tl::unexpected(*d.refusal);
    if (!d.destroy_on_divergence.empty()) {
      if (auto s = DiscardDivergence(d, in); !s) return tl::unexpected(s.error());
    }
    if (d.plan.kind == PlanKind::kNothing) {
      return in.source.empty() ? Progress::kSourceEmpty : Progress::kReplicated;
    }
    if (d.roll_back) {
      if (auto s = env_.destination.Rollback(job_.destination, d.plan.newest_common->name); !s) {
        return tl::unexpected(core::WithContext(s.error(), "rollback_destination"));
      }
      out_.rolled_back = true;
    }
    if (auto s = CreateParents(d.create_parents); !s) return tl::unexpected(s.error());
    auto encrypted = SourceEncrypted();
    if (!encrypted) return tl::unexpected(encrypted.error());
    auto type = env_.source.GetProperty(job_.source, "type");
    if (!type) return tl::unexpected(type.error());
    volume_ = *type == "volume";
    // Guids the destination may hold after each receive: what it had, and
    // what the plan asked for so far.
    GuidSet allowed;
    if (in.destination) {
      for (const auto& snap : *in.destination) allowed.insert(snap.guid);
    }
    for (const auto& step : out_.plan.steps) {
      core::SendSpec send{job_.source, step.to, step.from, step.intermediates};
      send.from_bookmark = step.from_bookmark;
      if (auto s = Flags(send, *encrypted); !s) return tl::unexpected(s.error());
      auto expect = Expected(send, in.source, allowed);
      if (!expect) return tl::unexpected(expect.error());
      expect->volume = volume_;
      if (env_.source_features.send_estimate && env_.on_estimate) {
        // Best effort: a failed estimate only leaves the progress metric out.
        if (auto size = env_.source.EstimateSend(send); size) env_.on_estimate(*size);
      }
      auto bytes = Transfer(send, env_.check_streams ? &*expect : nullptr);
      if (!bytes) return tl::unexpected(bytes.error());
      out_.bytes += *bytes;
      if (auto s = AfterReceive(); !s) return tl::unexpected(s.error());
      if (expect->intermediates) {
        if (auto s = DropUnplanned(allowed); !s) return tl::unexpected(s.error());
      }
    }
    return Progress::kReplicated;
  }

 private:
  void Count(const Listings& in) {
    out_.source_snapshots = in.source.size();
    out_.destination_snapshots = in.destination ? in.destination->size() : 0;
  }

  // An interrupted `recv -s` left a token: finish that receive first. A
  // token the source cannot serve any more is discarded (recv -A).
  core::Status ResumeInterrupted() {
    auto token = env_.destination.ResumeToken(job_.destination);
    if (!token) return tl::unexpected(token.error());
    if (!*token) return {};
    auto type = env_.source.GetProperty(job_.source, "type");
    if (!type) return tl::unexpected(type.error());
    volume_ = *type == "volume";
    core::SendSpec send{job_.source, "(resumed)"};
    send.resume_token = **token;
    send.wire_zstd = job_.options.send.wire_zstd;
    const StreamExpectation expect{.source_dataset = job_.source.str(), .resumed = true};
    auto bytes = Transfer(send, env_.check_streams ? &expect : nullptr);
    if (bytes) {
      ++out_.resumed;
      out_.bytes += *bytes;
      // The first part's recv -o/-x may not have outlived the interruption.
      if (auto s = ApplyForced(); !s) return s;
      if (auto s = DropReceived(); !s) return s;
    } else if (bytes.error().reason == core::Reason::kStaleResumeToken ||
               bytes.error().reason == core::Reason::kSourceMissing) {
      if (auto s = env_.destination.AbortPartialReceive(job_.destination); !s) return s;
      ++out_.tokens_aborted;
    } else {
      return tl::unexpected(core::WithContext(bytes.error(), "resuming the interrupted receive"));
    }
    return {};
  }

  // force_on_divergence: destroys the destination snapshots newer than the
  // newest common one, then rolls back to it.
  core::Status DiscardDivergence(const Decision& d, Listings& in) {
    for (const auto& name : d.destroy_on_divergence) {
      if (auto s = env_.destination.DestroySnapshot(job_.destination, name); !s) {
        return tl::unexpected(core::WithContext(s.error(), "force_on_divergence"));
      }
      out_.destroyed_on_divergence.push_back(name);
    }
    if (auto s = env_.destination.Rollback(job_.destination, d.plan.newest_common->name); !s) {
      return tl::unexpected(core::WithContext(s.error(), "force_on_divergence"));
    }
    auto dst = env_.destination.ListSnapshots(job_.destination);
    if (!dst) return tl::unexpected(dst.error());
    in.destination = std::move(*dst);
    Count(in);
    return {};
  }

  // The destination's missing ancestors, top down, as canmount=off
  // containers, so a first receive has somewhere to go. Another cycle
  // sharing an ancestor may create it first: one that exists by then as
  // such a container will do.
  core::Status CreateParents(const std::vector<core::DatasetName>& missing) {
    for (const auto& parent : missing) {
      auto s = env_.destination.CreateContainer(parent);
      if (s) {
        out_.created_parents.push_back(parent.str());
        continue;
      }
      if (s.error().message.find("already exists") == std::string::npos) return s;
      auto other = OtherCreatorsContainer(parent);
      if (!other) return tl::unexpected(other.error());
      auto value = [&](const char* p) {
        auto it = other->values.find(p);
        return it == other->values.end() ? std::string("?") : it->second.value;
      };
      if (value("type") != "filesystem" || value("canmount") != "off") {
        return core::Fail(core::Reason::kDestinationMissing,
                          "parent " + parent.str() + " appeared while this cycle created it, as a " + value("type") +
                              " with canmount=" + value("canmount") + ", not the canmount=off container zpull "
                              "creates: check what created it");
      }
    }
    return {};
  }

  // The properties of a parent another cycle created. zfs-fuse's create
  // sets `-o` properties after the dataset appears, so a parallel cycle may
  // see canmount=on for a moment: it reads again for up to two seconds.
  core::Result<core::DatasetProperties> OtherCreatorsContainer(const core::DatasetName& parent) {
    constexpr auto kSettle = std::chrono::seconds(2);
    constexpr auto kPoll = std::chrono::milliseconds(50);
    const auto deadline = std::chrono::steady_clock::now() + kSettle;
    for (;;) {
      auto now = env_.destination.GetProperties(parent, {"type", "canmount"});
      if (!now) return now;
      auto canmount = now->values.find("canmount");
      const bool settling = canmount != now->values.end() && canmount->second.value == "on";
      if (!settling || std::chrono::steady_clock::now() >= deadline) return now;
      std::this_thread::sleep_for(kPoll);
    }
  }

  core::Result<bool> SourceEncrypted() {
    if (!env_.source_features.send_raw) return false;  // no encryption without raw sends
    auto v = env_.source.GetProperty(job_.source, "encryption");
    if (!v) return tl::unexpected(v.error());
    return *v != "off" && *v != "-";
  }

  core::Status Flags(core::SendSpec& send, bool encrypted) {
    const core::ZfsFeatures& src = env_.source_features;
    const core::ZfsFeatures& dst = env_.destination_features;
    if (encrypted && !job_.options.send.send_decrypted) {
      if (!dst.send_raw) {
        return core::Fail(core::Reason::kConfig, "source " + job_.source.str() +
                                                     " is encrypted and this host's zfs cannot receive raw streams; "
                                                     "set send: {decrypted: true} to send it decrypted");
      }
      send.raw = true;  // -w carries blocks as they are: compressed, large, embedded
    } else {
      send.compressed = job_.options.send.compressed && src.send_compressed && dst.send_compressed;
      send.large_blocks = job_.options.send.large_blocks && src.send_large_blocks && dst.send_large_blocks;
      send.embedded = job_.options.send.embedded && src.send_embedded && dst.send_embedded;
    }
    send.properties = job_.options.send.properties;
    send.wire_zstd = job_.options.send.wire_zstd;
    return {};
  }

  // What `send` must bring (stream_check.h), from the source listing the
  // plan used; adds the snapshots it may bring to `allowed`.
  core::Result<StreamExpectation> Expected(const core::SendSpec& send, const core::SnapshotList& source,
                                           GuidSet& allowed) const {
    StreamExpectation e{.source_dataset = send.fs.str(), .to_snapshot = send.to, .from_snapshot = send.from,
                        .intermediates = send.intermediates && send.from.has_value() && !send.from_bookmark,
                        .properties = send.properties,
                        .legacy_receiver = env_.destination_features.version == "legacy", .raw = send.raw};
    auto at = [&](const std::string& name) {
      return std::find_if(source.begin(), source.end(), [&](const auto& s) { return s.name == name; });
    };
    auto to = at(send.to);
    if (to == source.end()) {
      return core::Fail(core::Reason::kOther, "planned snapshot @" + send.to + " is not in the source listing");
    }
    e.to_guid = to->guid;
    auto first = source.begin();
    if (send.from && send.from_bookmark) {
      if (!out_.plan.newest_common) {
        return core::Fail(core::Reason::kOther, "planned base #" + *send.from + " has no common snapshot");
      }
      e.from_guid = out_.plan.newest_common->guid;
      first = to;
    } else if (send.from) {
      auto from = at(*send.from);
      if (from == source.end() || from >= to) {
        return core::Fail(core::Reason::kOther, "planned base @" + *send.from + " is not in the source listing");
      }
      e.from_guid = from->guid;
      first = e.intermediates ? from + 1 : to;
    } else {
      first = to;
    }
    for (auto it = first; it <= to; ++it) {
      allowed.insert(it->guid);
      e.chain.emplace_back(it->name, it->guid);
    }
    e.first_snapshot = first->name;
    e.first_guid = first->guid;
    return e;
  }

  // After an -I receive: a snapshot the destination now holds that is
  // neither what it had nor what the plan asked for came from a stream
  // zpull did not ask for; it is destroyed again and the cycle fails.
  core::Status DropUnplanned(const GuidSet& allowed) {
    auto dst = env_.destination.ListSnapshots(job_.destination);
    if (!dst) return tl::unexpected(dst.error());
    if (!*dst) return {};
    std::string unplanned;
    for (const auto& snap : **dst) {
      if (allowed.contains(snap.guid)) continue;
      if (auto s = env_.destination.DestroySnapshot(job_.destination, snap.name); !s) {
        return tl::unexpected(core::WithContext(s.error(), "destroying @" + snap.name + ", which the source sent unasked"));
      }
      unplanned += (unplanned.empty() ? "@" : ", @") + snap.name + " (guid " + std::to_string(snap.guid) + ")";
    }
    if (unplanned.empty()) return {};
    return core::Fail(core::Reason::kUnexpectedStream,
                      "the source's -I stream brought snapshots outside the planned chain: " + unplanned +
                          "; destroyed them again");
  }

  core::Result<std::uint64_t> Transfer(const core::SendSpec& send, const StreamExpectation* expect) {
    core::RecvSpec recv{job_.destination, env_.destination_features.recv_unmounted,
                        env_.destination_features.recv_resumable, job_.force};
    // A resumed receive keeps what its first part was given (and is
    // brought into line after it, ResumeInterrupted).
    if (env_.destination_features.recv_property_override && send.resume_token.empty()) {
      std::set<std::string> set;  // OpenZFS refuses a property named twice in -o/-x
      for (const auto& [k, v] : ForcedProperties(job_, volume_)) {
        recv.set.push_back(k + "=" + v);
        set.insert(k);
      }
      for (const auto& [k, v] : job_.options.receive.set) {
        recv.set.push_back(k + "=" + v);
        set.insert(k);
      }
      // Whether or not zpull asked for -p: a source may send properties
      // anyway. A single volume's receive refuses filesystem properties.
      std::vector<std::string> exclude = volume_ ? job_.options.receive.exclude : Excluded();
      exclude.insert(exclude.end(), kStateProperties.begin(), kStateProperties.end());
      for (auto& p : exclude) {
        if (!set.contains(p)) recv.exclude.push_back(std::move(p));
      }
    }
    TransferLimits limits{job_.options.transfer.stall_timeout, job_.options.transfer.total_timeout, env_.rate_limits,
                          env_.cancel, expect};
    return RunTransfer(env_.source, send, env_.destination, recv, env_.on_bytes, limits, env_.on_wire_bytes);
  }

  // A received replica never mounts over a host path or carries live
  // setuid files and device nodes: where recv -o/-x are missing, the
  // forced properties are set right after each receive (-u: nothing has
  // mounted it), full or incremental (a -p stream resets them), then a
  // received mountpoint is reset and receive.set applied.
  core::Status AfterReceive() {
    if (env_.destination_features.recv_property_override) return {};
    if (auto s = ApplyForced(); !s) return s;
    if (auto s = DropReceived(); !s) return s;
    for (const auto& [k, v] : job_.options.receive.set) {
      if (auto s = env_.destination.SetProperty(job_.destination, k, v); !s) return s;
    }
    return {};
  }

  // The excluded properties (a mountpoint, shares) a stream set: inherited
  // away, whether or not zpull asked for -p; the operator's local values stay.
  core::Status DropReceived() {
    if (volume_) return {};
    auto now = env_.destination.GetProperties(job_.destination, Excluded());
    if (!now) return tl::unexpected(now.error());
    for (const auto& [p, v] : now->values) {
      if (v.source != "received" || p == "type") continue;
      if (auto s = env_.destination.InheritProperty(job_.destination, p); !s) return s;
    }
    return {};
  }

  core::Status ApplyForced() {
    for (const auto& [k, v] : ForcedProperties(job_, volume_)) {
      if (auto s = env_.destination.SetProperty(job_.destination, k, v); !s) return s;
    }
    return {};
  }

  std::vector<std::string> Excluded() const {
    std::vector<std::string> out = kAlwaysExcluded;
    for (const auto& p : job_.options.receive.exclude) {
      if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    }
    return out;
  }

  const CycleEnv& env_;
  const DatasetJob& job_;
  CycleOutcome& out_;
  bool volume_ = false;  // the source dataset is a volume (read before the first send)
  const bool fresh_;
};

std::string Hex(std::uint64_t v) {
  static const char* kHex = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = kHex[v & 15];
  return out;
}

// Bookmarks the newest replicated snapshot on the source and drops this
// destination's older bookmarks.
core::Status MoveBookmark(const CycleEnv& env, const DatasetJob& job, const core::SnapshotInfo& newest) {
  const std::string stem = BookmarkStem(job.prefix, job.destination);
  const std::string name = stem + Hex(newest.guid);
  if (auto s = env.source.CreateBookmark(job.source, newest.name, name); !s) return s;
  auto all = env.source.ListBookmarks(job.source);
  if (!all) return tl::unexpected(all.error());
  for (const auto& b : *all) {
    if (b.name != name && b.name.starts_with(stem)) {
      if (auto s = env.source.DestroyBookmark(job.source, b.name); !s) return s;
    }
  }
  return {};
}

// Whether the base is still as the last success left it, so that a cycle
// that moved nothing writes nothing: the newest common snapshot is the
// newest that carries zpull:common (set only once both holds and the
// bookmark were in place), is held on both sides, and where bookmarks are
// used, this destination's one bookmark marks it. Only a listing that read
// the marks can tell. (A hold is seen as a count: one taken away by hand
// where another remains, or a snapshot_prefix changed, is taken up when
// the base next moves.)
bool BaseRecorded(const Listings& in, const core::SnapshotList& destination, const DatasetJob& job,
                  const core::SnapshotInfo& source_base, const core::SnapshotInfo& destination_base,
                  bool uses_bookmarks) {
  if (!in.destination_marked || source_base.userrefs == 0 || destination_base.userrefs == 0) return false;
  // The base carries the mark and is the newest that does (a base moved
  // back to an older marked snapshot, by a filter change, is recorded anew).
  const auto& marked = *in.destination_marked;
  std::optional<std::string> newest_marked;
  for (const auto& s : destination) {
    if (std::find(marked.begin(), marked.end(), s.name) != marked.end()) newest_marked = s.name;
  }
  if (newest_marked != destination_base.name) return false;
  if (!uses_bookmarks) return true;
  const std::string stem = BookmarkStem(job.prefix, job.destination);
  int ours = 0;
  bool base = false;
  for (const auto& b : in.source_bookmarks) {
    if (!b.name.starts_with(stem)) continue;
    ++ours;
    base = base || b.name == stem + Hex(source_base.guid);
  }
  return ours == 1 && base;
}

// The destinations of the job's siblings (local), with their resume tokens.
core::Result<std::vector<Sibling>> ReadSiblings(const CycleEnv& env, const DatasetJob& job) {
  std::vector<Sibling> out;
  for (const auto& sibling : job.source_siblings) {
    auto listed = env.destination.ListSnapshots(sibling);
    if (!listed) {
      return tl::unexpected(core::WithContext(listed.error(), "listing " + sibling.str() +
                                                                  ", which pulls the same source dataset"));
    }
    Sibling s{std::move(*listed)};
    if (!s.snapshots) {
      auto pool = core::DatasetName::Parse(sibling.Pool());
      if (!pool) return tl::unexpected(pool.error());
      auto exists = env.destination.Exists(*pool);
      if (!exists) return tl::unexpected(exists.error());
      s.pool_exists = *exists;
    }
    if (s.snapshots && env.destination_features.recv_resumable) {
      auto token = env.destination.ResumeToken(sibling);
      if (!token) return tl::unexpected(token.error());
      s.resume_token = token->has_value();
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

core::Result<Listings> ReadListings(const CycleEnv& env, const DatasetJob& job, bool siblings) {
  Listings in;
  auto src = env.source.ListSnapshots(job.source);
  if (!src) return tl::unexpected(src.error());
  if (!*src) {
    return core::Fail(core::Reason::kSourceMissing,
                      "source dataset " + job.source.str() + " does not exist on host " + env.source.Host());
  }
  in.source = std::move(**src);
  if (env.source_features.bookmarks && job.options.bookmarks) {
    // Without its bookmarks the plan can still use the snapshots.
    if (auto b = env.source.ListBookmarks(job.source); b) in.source_bookmarks = std::move(*b);
  }
  auto dst = env.destination.ListSnapshots(job.destination);
  if (!dst) return tl::unexpected(dst.error());
  in.destination = std::move(*dst);
  if (!in.destination) {
    auto pool = core::DatasetName::Parse(job.destination.Pool());
    if (!pool) return tl::unexpected(pool.error());
    auto exists = env.destination.Exists(*pool);
    if (!exists) return tl::unexpected(exists.error());
    in.destination_pool_exists = *exists;
    for (std::string p = job.destination.Parent(); *exists && p.find('/') != std::string::npos;
         p = p.substr(0, p.rfind('/'))) {
      auto name = core::DatasetName::Parse(p);
      if (!name) return tl::unexpected(name.error());
      auto parent = env.destination.Exists(*name);
      if (!parent) return tl::unexpected(parent.error());
      if (*parent) break;
      in.missing_parents.insert(in.missing_parents.begin(), *name);
    }
  } else {
    if (env.destination_features.recv_resumable) {
      auto token = env.destination.ResumeToken(job.destination);
      if (!token) return tl::unexpected(token.error());
      in.resume_token = token->has_value();
    }
    if (NeedsWritten(in, job, env.destination_features)) {
      // Unreadable, it refuses nothing: the receive still refuses a modified replica.
      if (auto w = env.destination.GetProperty(job.destination, "written"); w) in.written = std::move(*w);
    }
  }
  if (siblings) {
    auto read = ReadSiblings(env, job);
    if (!read) return tl::unexpected(read.error());
    in.siblings = std::move(*read);
  }
  return in;
}

void BringIntoLine(core::Zfs& destination, const DatasetJob& job, const std::vector<core::PropertyChange>& changes,
                   CycleOutcome& out) {
  const std::string root = job.destination.str();
  for (const auto& c : changes) {
    const std::string& fs = c.fs.str();
    if (fs != root && !fs.starts_with(root + "/")) continue;
    auto s = c.value ? destination.SetProperty(c.fs, c.property, *c.value) : destination.InheritProperty(c.fs, c.property);
    if (!s) {
      out.warnings.push_back(core::WithContext(s.error(), "bringing " + fs + " " + c.property + " into line"));
      continue;
    }
    out.brought_into_line.push_back(fs + " " + c.property + (c.value ? "=" + *c.value : " inherited"));
  }
}

std::vector<std::pair<std::string, std::string>> ForcedProperties(const DatasetJob& job, bool volume) {
  std::vector<std::pair<std::string, std::string>> all;
  if (volume) {
    all = {{"volmode", "none"}};
  } else {
    all = {{"canmount", "noauto"}, {"setuid", "off"}, {"devices", "off"}, {"exec", "off"}};
  }
  if (job.options.readonly) all.emplace_back("readonly", "on");
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& kv : all) {
    if (!job.options.receive.set.contains(kv.first)) out.push_back(std::move(kv));
  }
  return out;
}

CycleOutcome RunCycle(const CycleEnv& env, const DatasetJob& job, std::optional<Listings> listed) {
  CycleOutcome out;
  out.started = env.now();
  auto fail = [&](core::Error e) {
    out.error = ErrorAt(job, std::move(e));
    out.finished = env.now();
    return out;
  };

  if (Cancelled(env)) return fail({core::Reason::kShutdown, "cycle not started (zpull is stopping)"});
  BringIntoLine(env.destination, job, env.bring_into_line, out);
  // Decided before the source is touched: a refused cycle takes no
  // snapshot and sends nothing.
  auto read = listed ? core::Result<Listings>(std::move(*listed)) : ReadListings(env, job, job.take_snapshot);
  if (!read) return fail(read.error());
  Listings in = std::move(*read);
  const std::string& tree = env.tree_snapshot;
  if (!tree.empty() && !std::any_of(in.source.begin(), in.source.end(), [&](const auto& s) { return s.name == tree; })) {
    return fail({core::Reason::kSourceMissing, "@" + tree + ", taken with the rest of its tree, is not on the source " +
                                                   job.source.str() + " any more"});
  }
  const bool takes = job.take_snapshot && tree.empty();
  const Decision decision = Decide(in, job, env.now(), takes, tree);
  // At most one never-sent snapshot of zpull's stays: the new one.
  auto replace = [&](const std::string& by) {
    for (const auto& name : decision.replaced) {
      if (auto s = env.source.DestroySnapshot(job.source, name); !s) {
        out.warnings.push_back(
            core::WithContext(s.error(), "destroying @" + name + ", never sent and replaced by @" + by));
        continue;
      }
      out.replaced.push_back(name);
      std::erase_if(in.source, [&](const auto& snap) { return snap.name == name; });
    }
  };
  if (!tree.empty()) {
    out.snapshot_taken = tree;
    replace(tree);
  }
  if (decision.refusal) return fail(*decision.refusal);
  if (env.before_snapshot && tree.empty() && !Cancelled(env)) {
    if (auto s = env.before_snapshot(); !s) return fail(s.error());
  }
  if (takes) {
    auto snap = TakeSnapshot(env, job, decision.snapshot, in);
    if (!snap) return fail(snap.error());
    out.snapshot_taken = *snap;
    replace(out.snapshot_taken);
    auto src = env.source.ListSnapshots(job.source);
    if (!src) return fail(src.error());
    if (!*src) {
      return fail({core::Reason::kSourceMissing, "source dataset " + job.source.str() + " vanished on host " +
                                                     env.source.Host()});
    }
    in.source = std::move(**src);
  }
  // A refusal found only later (a receive zfs-fuse refuses as modified)
  // leaves no snapshot behind either: this cycle's, never sent, goes again.
  auto refuse = [&](core::Error e) {
    if (!out.snapshot_taken.empty() && tree.empty() && out.bytes == 0 && out.resumed == 0 &&
        job.source_siblings.empty() && RefusalReason(e.reason)) {
      if (auto s = env.source.DestroySnapshot(job.source, out.snapshot_taken); s) {
        out.snapshot_taken.clear();
        if (out.source_snapshots > 0) --out.source_snapshots;
      } else {
        out.warnings.push_back(core::WithContext(s.error(), "destroying @" + out.snapshot_taken + ", taken by this refused cycle"));
      }
    }
    return fail(std::move(e));
  };

  for (int attempt = 0;; ++attempt) {
    auto progress = Attempt(env, job, out, attempt == 0).Run(in);
    if (progress && *progress == Progress::kSourceEmpty) {
      out.finished = env.now();
      return out;
    }
    if (progress) break;
    const core::Error& e = progress.error();
    if (!RetryInCycle(e.reason) || attempt >= job.options.transfer.retries || Cancelled(env)) return refuse(e);
    out.retried.push_back(e);
    ++out.retries;
    const std::int64_t delay =
        std::min<std::int64_t>(job.options.transfer.retry_backoff_seconds << std::min(attempt, 20), 600);
    if (env.on_retry) env.on_retry(e, delay);
    if (env.pause && !env.pause(delay)) return fail(e);
  }

  // The destination now: as the last attempt listed it when there was
  // nothing to receive, listed anew otherwise.
  auto dst_after = out.plan.kind == PlanKind::kNothing && in.destination
                       ? core::Result<std::optional<core::SnapshotList>>(std::move(in.destination))
                       : env.destination.ListSnapshots(job.destination);
  if (!dst_after) return fail(dst_after.error());
  if (!*dst_after) {
    return fail({core::Reason::kDestinationMissing, "destination " + job.destination.str() + " vanished after receive"});
  }
  // The newest source snapshot the filter selects is now the newest common one.
  const core::SnapshotInfo* newest_selected = NewestSelected(in.source, job.options.snapshots, job.prefix);
  if (!newest_selected) {
    out.finished = env.now();
    return out;
  }
  const core::SnapshotInfo newest_src = *newest_selected;
  const core::SnapshotInfo* common_ptr = FindGuid(**dst_after, newest_src.guid);
  if (!common_ptr) {
    return fail({core::Reason::kUnexpectedStream, "receive reported success but @" + newest_src.name +
                                                      " (guid " + std::to_string(newest_src.guid) +
                                                      ") is not on the destination: the source's stream did not "
                                                      "bring it"});
  }
  const core::SnapshotInfo common = *common_ptr;
  out.newest_common = common;
  out.destination_snapshots = (*dst_after)->size();

  // What the other entries pulling this source dataset need of it, as
  // their destinations stand now: never pruned here, nor released of an
  // older zpull's hold. Where that cannot be told, neither happens.
  std::optional<GuidSet> needs;
  if (auto siblings = ReadSiblings(env, job); siblings) {
    needs = SiblingNeeds(in.source, in.source_bookmarks, job, *siblings);
    if (!needs) {
      out.warnings.push_back({core::Reason::kOther,
                              "the source is not pruned: another entry pulling " + job.source.str() +
                                  " has its destination on a pool that is not here and no bookmark on the "
                                  "source, so its base is unknown"});
    }
  } else {
    out.warnings.push_back(core::WithContext(siblings.error(), "the source is not pruned"));
  }
  const std::string legacy = !needs || LegacyHoldTag(job) == SourceHoldTag(job) ? "" : LegacyHoldTag(job);
  const bool uses_bookmarks = env.source_features.bookmarks && job.options.bookmarks;
  if (!BaseRecorded(in, **dst_after, job, newest_src, common, uses_bookmarks)) {
    if (auto s = MoveHold(env.source, job.source, in.source, newest_src.name, SourceHoldTag(job), legacy,
                          needs.value_or(GuidSet{}));
        !s) {
      return fail(s.error());
    }
    if (env.record_base) {
      // The new hold and mark go with the round's others, queued before the
      // old hold goes (now, so that pruning sees what the decision saw):
      // whatever fails after, the new base is held when they are written.
      // (Marked before its bookmark moved, it is recorded again next cycle:
      // BaseRecorded checks the bookmark itself.)
      if (auto s = env.record_base(common.name, env.now()); !s) return fail(s.error());
      if (auto s = ReleaseOthers(env.destination, job.destination, **dst_after, common.name, job.prefix); !s) {
        return fail(s.error());
      }
    } else if (auto s = MoveHold(env.destination, job.destination, **dst_after, common.name, job.prefix); !s) {
      return fail(s.error());
    }
    if (uses_bookmarks) {
      if (auto s = MoveBookmark(env, job, newest_src); !s) return fail(core::WithContext(s.error(), "bookmark"));
    }
    if (!env.record_base) {
      if (auto s = env.destination.SetUserProperty(job.destination, common.name, kCommonProperty,
                                                   std::to_string(env.now()));
          !s) {
        return fail(s.error());
      }
    }
  }

  for (const auto& name : DestinationPrunes(**dst_after, job, env.now(), common.guid)) {
    if (auto s = env.destination.DestroySnapshot(job.destination, name); !s) {
      return fail(core::WithContext(s.error(), "pruning (" + std::to_string(out.pruned_destination) + " destroyed)"));
    }
    out.pruned_destination_names.push_back(name);
    ++out.pruned_destination;
    --out.destination_snapshots;
  }
  // Pruning the source is housekeeping: where it fails (no destroy
  // permission there, a snapshot busy), the replica is still good; it
  // warns and counts.
  const std::vector<std::string> source_prunes =
      needs ? SourcePrunes(in.source, job, env.now(), newest_src.guid, *needs) : std::vector<std::string>{};
  for (const auto& name : source_prunes) {
    if (auto s = env.source.DestroySnapshot(job.source, name); !s) {
      out.source_prune_failed = true;
      const std::string& m = s.error().message;
      const bool denied = m.find("permission denied") != std::string::npos ||
                          m.find("zpull-guard") != std::string::npos || m.find("not allowed") != std::string::npos;
      out.warnings.push_back(core::WithContext(
          s.error(), "pruning the source (" + std::to_string(out.pruned_source) + " destroyed, @" + name +
                         " and newer left" +
                         (denied ? "): let zpull destroy its own snapshots there (zpull-guard --destroy "
                                   "--snapshot-prefix " + job.prefix + "), or set source_retention: {prune: false}"
                                 : "; tried again next cycle)")));
      break;
    }
    out.pruned_source_names.push_back(name);
    ++out.pruned_source;
    if (out.source_snapshots > 0) --out.source_snapshots;
  }
  // One time for the property and the outcome: a restart reads back the
  // success the metrics showed.
  const std::int64_t finished = env.now();
  if (auto s = env.record_success
                   ? env.record_success(finished)
                   : env.destination.SetUserProperty(job.destination, "", kLastSuccessProperty, std::to_string(finished));
      !s) {
    return fail(s.error());
  }
  out.finished = finished;
  return out;
}

}  // namespace zpull::replicate
