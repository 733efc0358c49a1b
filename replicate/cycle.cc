#include "replicate/cycle.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "replicate/refusal.h"
#include "replicate/snapshot_name.h"

namespace zpull::replicate {
namespace {

core::Error ErrorAt(const DatasetJob& job, core::Error e) {
  return core::WithContext(std::move(e), "dataset " + job.destination.str());
}

// Takes "<prefix>_<time>", or "<prefix>_<time>_N" when that name exists.
core::Result<std::string> TakeSnapshot(const CycleEnv& env, const DatasetJob& job) {
  const std::string base = SnapshotNameFor(job.prefix, env.now());
  core::Status last;
  for (int n = 0; n <= kMaxSnapshotNameSuffix; ++n) {
    std::string name = n == 0 ? base : SnapshotNameWithSuffix(base, n);
    last = env.source.CreateSnapshot(job.source, name);
    if (last) return name;
    if (last.error().message.find("already exists") == std::string::npos) break;
  }
  return tl::unexpected(last.error());
}

// Holds `keep` on `fs` with the job's tag and releases the tag from every
// other held snapshot (tags cannot be listed portably: `zfs holds` is broken
// on zfs-fuse, so release is tried where userrefs > 0). Updates the
// userrefs in `snaps` to match.
core::Status MoveHold(core::Zfs& zfs, const core::DatasetName& fs, core::SnapshotList& snaps,
                      const std::string& keep, const std::string& tag) {
  if (auto s = zfs.Hold(fs, keep, tag); !s) return s;
  for (auto& snap : snaps) {
    if (snap.name == keep) {
      snap.userrefs = std::max<std::uint64_t>(snap.userrefs, 1);
    } else if (snap.userrefs > 0) {
      auto released = zfs.Release(fs, snap.name, tag);
      if (!released) return tl::unexpected(released.error());
      if (*released) --snap.userrefs;
    }
  }
  return {};
}

core::Result<std::size_t> Prune(core::Zfs& zfs, const core::DatasetName& fs, const core::SnapshotList& snaps,
                                const RetentionPolicy& policy, std::int64_t now, const std::string& prefix,
                                std::uint64_t protected_guid) {
  std::size_t destroyed = 0;
  for (const auto& s : SelectForPruning(snaps, policy, now, prefix, protected_guid)) {
    if (auto st = zfs.DestroySnapshot(fs, s.name); !st) {
      return tl::unexpected(core::WithContext(st.error(), "pruning (" + std::to_string(destroyed) + " destroyed)"));
    }
    ++destroyed;
  }
  return destroyed;
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

using GuidSet = std::unordered_set<std::uint64_t>;

// Both sides' snapshots as one attempt sees them.
struct Listing {
  core::SnapshotList source;
  std::optional<core::SnapshotList> destination;
};

// One attempt's result: replicated (or nothing to do), or why not.
enum class Progress { kReplicated, kSourceEmpty };

class Attempt {
 public:
  // With `destination_listed`, the listing's destination is fresh (nothing
  // changed it since it was listed) and only the source is listed again.
  Attempt(const CycleEnv& env, const DatasetJob& job, CycleOutcome& out, bool destination_listed = false)
      : env_(env), job_(job), out_(out), destination_listed_(destination_listed) {}

  core::Result<Progress> Run(Listing& listing) {
    if (auto s = List(listing); !s) return tl::unexpected(s.error());
    if (auto s = ResumeInterrupted(listing); !s) return tl::unexpected(s.error());
    out_.plan = MakePlan(listing);
    if (out_.plan.kind == PlanKind::kDiverged && job_.options.force_on_divergence) {
      if (auto s = DiscardDivergence(listing); !s) return tl::unexpected(s.error());
      out_.plan = MakePlan(listing);
    }
    out_.newest_common = out_.plan.newest_common;
    if (auto refused = Refusal(out_.plan, RefusalOf(job_))) return tl::unexpected(*refused);
    if (!destination_listed_ && out_.plan.kind == PlanKind::kSend) {
      // Checked before the snapshot otherwise (RefusedBeforeSnapshot).
      if (auto refused = DestinationRefusal(env_, job_, listing.destination, out_.plan)) {
        return tl::unexpected(*refused);
      }
    }
    if (out_.plan.kind == PlanKind::kNothing) {
      return listing.source.empty() ? Progress::kSourceEmpty : Progress::kReplicated;
    }
    if (job_.options.rollback_destination && out_.plan.steps.front().from && out_.plan.newest_common &&
        listing.destination && listing.destination->back().guid == out_.plan.newest_common->guid) {
      if (auto s = env_.destination.Rollback(job_.destination, out_.plan.newest_common->name); !s) {
        return tl::unexpected(core::WithContext(s.error(), "rollback_destination"));
      }
      out_.rolled_back = true;
    }
    if (!listing.destination && !out_.plan.steps.front().from) {
      if (auto s = CreateParents(); !s) return tl::unexpected(s.error());
    }
    auto encrypted = SourceEncrypted();
    if (!encrypted) return tl::unexpected(encrypted.error());
    auto type = env_.source.GetProperty(job_.source, "type");
    if (!type) return tl::unexpected(type.error());
    volume_ = *type == "volume";
    // Guids the destination may hold after each receive: what it had, and
    // what the plan asked for so far.
    GuidSet allowed;
    if (listing.destination) {
      for (const auto& snap : *listing.destination) allowed.insert(snap.guid);
    }
    for (const auto& step : out_.plan.steps) {
      core::SendSpec send{job_.source, step.to, step.from, step.intermediates};
      send.from_bookmark = step.from_bookmark;
      if (auto s = Flags(send, *encrypted); !s) return tl::unexpected(s.error());
      auto expect = Expected(send, listing.source, allowed);
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
  core::Status List(Listing& listing) {
    auto src = env_.source.ListSnapshots(job_.source);
    if (!src) return tl::unexpected(src.error());
    if (!*src) {
      return core::Fail(core::Reason::kSourceMissing,
                        "source dataset " + job_.source.str() + " does not exist on host " + env_.source.Host());
    }
    listing.source = std::move(**src);
    if (destination_listed_) {
      out_.source_snapshots = listing.source.size();
      out_.destination_snapshots = listing.destination ? listing.destination->size() : 0;
      return {};
    }
    return ListDestination(listing);
  }

  core::Status ListDestination(Listing& listing) {
    auto dst = env_.destination.ListSnapshots(job_.destination);
    if (!dst) return tl::unexpected(dst.error());
    listing.destination = std::move(*dst);
    out_.source_snapshots = listing.source.size();
    out_.destination_snapshots = listing.destination ? listing.destination->size() : 0;
    return {};
  }

  Plan MakePlan(const Listing& listing) { return PlanFrom(env_, job_, listing.source, listing.destination); }

  // An interrupted `recv -s` left a token: finish that receive first. A
  // token the source cannot serve any more is discarded (recv -A).
  core::Status ResumeInterrupted(Listing& listing) {
    if (!env_.destination_features.recv_resumable || !listing.destination) return {};
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
    return ListDestination(listing);
  }

  // force_on_divergence: destroys the destination snapshots newer than the
  // newest common one, then rolls back to it.
  core::Status DiscardDivergence(Listing& listing) {
    for (const auto& name : out_.plan.conflicts) {
      if (auto s = env_.destination.DestroySnapshot(job_.destination, name); !s) {
        return tl::unexpected(core::WithContext(s.error(), "force_on_divergence"));
      }
      out_.destroyed_on_divergence.push_back(name);
    }
    if (auto s = env_.destination.Rollback(job_.destination, out_.plan.newest_common->name); !s) {
      return tl::unexpected(core::WithContext(s.error(), "force_on_divergence"));
    }
    return ListDestination(listing);
  }

  // The destination's missing ancestors (below the pool), top down, as
  // canmount=off containers, so a first receive has somewhere to go.
  core::Status CreateParents() {
    std::vector<core::DatasetName> missing;
    for (std::string p = job_.destination.Parent(); p.find('/') != std::string::npos;
         p = p.substr(0, p.rfind('/'))) {
      auto name = core::DatasetName::Parse(p);
      if (!name) return tl::unexpected(name.error());
      auto exists = env_.destination.Exists(*name);
      if (!exists) return tl::unexpected(exists.error());
      if (*exists) break;
      if (job_.replicated_parent && *name == *job_.replicated_parent) {
        return core::Fail(core::Reason::kDestinationMissing,
                          "parent " + name->str() + " is replicated by its own cycle and not received yet; " +
                              job_.destination.str() + " waits for it (a container in its place would block its "
                              "first receive)");
      }
      missing.push_back(*name);
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      auto s = env_.destination.CreateContainer(*it);
      if (s) {
        out_.created_parents.push_back(it->str());
        continue;
      }
      // Another cycle sharing this ancestor may have created it meanwhile:
      // what exists now as a filesystem will do.
      if (s.error().message.find("already exists") == std::string::npos) return s;
      auto type = env_.destination.GetProperty(*it, "type");
      if (!type || *type != "filesystem") return s;
    }
    return {};
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
  const bool destination_listed_;
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

// The refusals the listings show before the cycle snapshots the source, so
// that a cycle that cannot send takes no snapshot: the destination's pool
// missing, diverged, no common snapshot, a destination without snapshots
// (each as Refusal() says), and a replica modified since its newest
// snapshot where the destination reports `written` (OpenZFS). A listing
// that fails is the cycle's failure too. Planned with the snapshot the
// cycle would take, as the dry-run plans.
struct PreCheck {
  std::optional<core::Error> refusal;
  std::optional<core::SnapshotList> destination;  // as listed (nullopt: does not exist)
};
core::Result<PreCheck> RefusedBeforeSnapshot(const CycleEnv& env, const DatasetJob& job) {
  auto src = env.source.ListSnapshots(job.source);
  if (!src) return tl::unexpected(src.error());
  if (!*src) {
    return core::Fail(core::Reason::kSourceMissing,
                      "source dataset " + job.source.str() + " does not exist on host " + env.source.Host());
  }
  auto dst = env.destination.ListSnapshots(job.destination);
  if (!dst) return tl::unexpected(dst.error());
  core::SnapshotList source = std::move(**src);
  AddPlannedSnapshot(env, job, source);
  const Plan plan = PlanFrom(env, job, source, *dst);
  PreCheck out{Refusal(plan, RefusalOf(job)), std::move(*dst)};
  if (out.refusal && out.destination && env.destination_features.recv_resumable) {
    // An interrupted receive (a first full one leaves a destination without
    // snapshots) is resumed before the attempt plans: it decides then.
    auto token = env.destination.ResumeToken(job.destination);
    if (!token) return tl::unexpected(token.error());
    if (*token) out.refusal.reset();
  }
  if (!out.refusal) out.refusal = DestinationRefusal(env, job, out.destination, plan);
  return out;
}

}  // namespace

std::string AddPlannedSnapshot(const CycleEnv& env, const DatasetJob& job, core::SnapshotList& source) {
  std::vector<std::string> taken;
  for (const auto& s : source) taken.push_back(s.name);
  std::string name = FreeSnapshotName(job.prefix, env.now(), taken, kMaxSnapshotNameSuffix);
  const std::uint64_t txg = source.empty() ? 1 : source.back().createtxg + 1;
  source.push_back({name, 0, txg, env.now(), 0});
  return name;
}

Plan PlanFrom(const CycleEnv& env, const DatasetJob& job, const core::SnapshotList& source,
              const std::optional<core::SnapshotList>& destination) {
  core::SnapshotList bookmarks;
  if (env.source_features.bookmarks && job.options.bookmarks) {
    // Without its bookmarks the plan can still use the snapshots.
    if (auto b = env.source.ListBookmarks(job.source); b) bookmarks = std::move(*b);
  }
  return PlanReplication(source, destination, job.initial, bookmarks, job.options.snapshots, job.prefix);
}

std::optional<core::Error> DestinationRefusal(const CycleEnv& env, const DatasetJob& job,
                                              const std::optional<core::SnapshotList>& destination, const Plan& plan) {
  if (!destination) {
    auto pool = core::DatasetName::Parse(job.destination.Pool());
    if (!pool) return pool.error();
    auto exists = env.destination.Exists(*pool);
    if (!exists) return exists.error();
    if (!*exists) return MissingPoolRefusal(job.destination);
    return std::nullopt;
  }
  // Only an incremental receive without -F refuses a modified replica.
  if (env.destination_features.written && plan.kind == PlanKind::kSend && !job.force && !destination->empty() &&
      plan.newest_common && !job.options.rollback_destination &&
      destination->back().guid == plan.newest_common->guid) {
    auto written = env.destination.GetProperty(job.destination, "written");
    if (written && !NothingWritten(*written)) {
      return ModifiedRefusal(job.destination, plan.newest_common->name, *written);
    }
  }
  return std::nullopt;
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

std::string BookmarkStem(const std::string& prefix, const core::DatasetName& destination) {
  std::string d = destination.str();
  for (char& c : d) {
    if (c == '/') c = ':';
    if (c == ' ') c = '_';
  }
  return prefix + "_" + d + "_";
}

CycleOutcome RunCycle(const CycleEnv& env, const DatasetJob& job) {
  CycleOutcome out;
  out.started = env.now();
  auto fail = [&](core::Error e) {
    out.error = ErrorAt(job, std::move(e));
    out.finished = env.now();
    return out;
  };

  if (Cancelled(env)) return fail({core::Reason::kShutdown, "cycle not started (zpull is stopping)"});
  BringIntoLine(env.destination, job, env.bring_into_line, out);
  Listing listing;
  bool destination_listed = false;  // by the check before the snapshot, for the first attempt
  if (job.take_snapshot) {
    auto checked = RefusedBeforeSnapshot(env, job);
    if (!checked) return fail(checked.error());
    if (checked->refusal) return fail(*checked->refusal);
    listing.destination = std::move(checked->destination);
    destination_listed = true;
  }
  if (env.before_snapshot && !Cancelled(env)) {
    if (auto s = env.before_snapshot(); !s) return fail(s.error());
  }
  if (job.take_snapshot) {
    auto snap = TakeSnapshot(env, job);
    if (!snap) return fail(snap.error());
    out.snapshot_taken = *snap;
  }
  // A refusal found only later (a receive zfs-fuse refuses as modified)
  // leaves no snapshot behind either: this cycle's, never sent, goes again.
  auto refuse = [&](core::Error e) {
    if (!out.snapshot_taken.empty() && out.bytes == 0 && out.resumed == 0 && !job.source_shared &&
        RefusalReason(e.reason)) {
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
    auto progress = Attempt(env, job, out, destination_listed && attempt == 0).Run(listing);
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
  auto dst_after = out.plan.kind == PlanKind::kNothing && listing.destination
                       ? core::Result<std::optional<core::SnapshotList>>(std::move(listing.destination))
                       : env.destination.ListSnapshots(job.destination);
  if (!dst_after) return fail(dst_after.error());
  if (!*dst_after) {
    return fail({core::Reason::kDestinationMissing, "destination " + job.destination.str() + " vanished after receive"});
  }
  // The newest source snapshot the filter selects is now the newest common one.
  const core::SnapshotList selected = Selected(listing.source, job.options.snapshots, job.prefix);
  if (selected.empty()) {
    out.finished = env.now();
    return out;
  }
  const core::SnapshotInfo newest_src = selected.back();
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

  if (auto s = MoveHold(env.source, job.source, listing.source, newest_src.name, job.prefix); !s) {
    return fail(s.error());
  }
  if (auto s = MoveHold(env.destination, job.destination, **dst_after, common.name, job.prefix); !s) {
    return fail(s.error());
  }
  if (env.source_features.bookmarks && job.options.bookmarks) {
    if (auto s = MoveBookmark(env, job, newest_src); !s) return fail(core::WithContext(s.error(), "bookmark"));
  }
  const std::string now_text = std::to_string(env.now());
  if (auto s = env.destination.SetUserProperty(job.destination, common.name, kCommonProperty, now_text); !s) {
    return fail(s.error());
  }

  auto pruned_dst = Prune(env.destination, job.destination, **dst_after, job.destination_retention, env.now(),
                          job.prefix, common.guid);
  if (!pruned_dst) return fail(pruned_dst.error());
  out.pruned_destination = *pruned_dst;
  out.destination_snapshots -= *pruned_dst;
  if (job.source_retention) {
    auto pruned_src =
        Prune(env.source, job.source, listing.source, *job.source_retention, env.now(), job.prefix, newest_src.guid);
    if (!pruned_src) return fail(pruned_src.error());
    out.pruned_source = *pruned_src;
    out.source_snapshots -= *pruned_src;
  }
  if (auto s = env.destination.SetUserProperty(job.destination, "", kLastSuccessProperty, std::to_string(env.now()));
      !s) {
    return fail(s.error());
  }
  out.finished = env.now();
  return out;
}

}  // namespace zpull::replicate
