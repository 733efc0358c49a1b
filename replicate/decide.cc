#include "replicate/decide.h"

#include <algorithm>

#include "replicate/refusal.h"
#include "replicate/snapshot_filter.h"
#include "replicate/snapshot_name.h"

namespace zpull::replicate {
namespace {

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

core::SnapshotList Without(const core::SnapshotList& list, const std::vector<std::string>& names) {
  core::SnapshotList out;
  for (const auto& s : list) {
    if (!Contains(names, s.name)) out.push_back(s);
  }
  return out;
}

// zpull's own snapshots of `source` from index `from` on that are unheld
// and on no sibling destination nor needed by one (`needs`).
std::vector<std::string> OwnUnsentFrom(const core::SnapshotList& source, std::size_t from, const DatasetJob& job,
                                       const std::vector<Sibling>& siblings, const core::GuidSet& needs) {
  core::GuidSet elsewhere = needs;
  for (const auto& sibling : siblings) {
    if (!sibling.snapshots) continue;
    for (const auto& s : *sibling.snapshots) elsewhere.insert(s.guid);
  }
  std::vector<std::string> out;
  for (std::size_t i = from; i < source.size(); ++i) {
    const auto& s = source[i];
    if (IsOwnSnapshot(s.name, job.prefix) && s.userrefs == 0 && !elsewhere.contains(s.guid)) out.push_back(s.name);
  }
  return out;
}

// zpull's own source snapshots that no destination of this source has
// received and that a new snapshot replaces: newer than the newest one
// the destination has, unheld, on no sibling destination nor needed by
// one (`needs`). None where the destination has snapshots but none in
// common (the cycle refuses), or on a first run with initial: all (they
// are to be sent).
std::vector<std::string> Unsent(const core::SnapshotList& source, const std::optional<core::SnapshotList>& destination,
                                const DatasetJob& job, const std::vector<Sibling>& siblings,
                                const core::GuidSet& needs) {
  const bool first = !destination || destination->empty();
  if (first && job.initial == InitialMode::kAll) return {};
  std::size_t from = 0;
  if (!first) {
    const core::GuidIndex index(source);
    std::optional<std::size_t> base;
    for (auto it = destination->rbegin(); it != destination->rend() && !base; ++it) base = index.Find(it->guid);
    if (!base) return {};
    from = *base + 1;
  }
  return OwnUnsentFrom(source, from, job, siblings, needs);
}

// The own never-sent snapshots a tree snapshot (`tree`) replaces, refused
// or not, so that it stays the one: as Unsent where the destination has a
// snapshot in common with the source; elsewhere (absent, or without one in
// common) only those newer than the newest held source snapshot (the base
// zpull's hold marks: what is older may be what the destination needs when
// it is back), and none where nothing is held.
std::vector<std::string> TreeUnsent(const core::SnapshotList& source, const std::optional<core::SnapshotList>& destination,
                                    const DatasetJob& job, const std::vector<Sibling>& siblings,
                                    const core::GuidSet& needs, const std::string& tree) {
  // A first receive with initial: all sends them all.
  if ((!destination || destination->empty()) && job.initial == InitialMode::kAll) return {};
  const core::GuidIndex index(source);
  const bool common = destination && std::any_of(destination->begin(), destination->end(),
                                                 [&](const auto& s) { return index.Contains(s.guid); });
  std::vector<std::string> out;
  if (common) {
    out = Unsent(source, destination, job, siblings, needs);
  } else {
    std::optional<std::size_t> held;
    for (std::size_t i = 0; i < source.size(); ++i) {
      if (source[i].userrefs > 0) held = i;
    }
    if (!held) return {};
    out = OwnUnsentFrom(source, *held + 1, job, siblings, needs);
  }
  std::erase(out, tree);
  return out;
}

// The destination's snapshots after `plan`'s receives: what it had, then
// what each step brings: its target, and with -I every source snapshot
// between its base and target.
core::SnapshotList AfterReceive(const core::SnapshotList& source, const std::optional<core::SnapshotList>& destination,
                                const Plan& plan) {
  core::SnapshotList out = destination.value_or(core::SnapshotList{});
  if (plan.kind != PlanKind::kSend) return out;
  for (const auto& step : plan.steps) {
    const bool range = step.from && step.intermediates && !step.from_bookmark;
    bool in_range = false;  // past an -I step's base
    for (const auto& s : source) {
      if (range && s.name == *step.from) {
        in_range = true;
        continue;
      }
      if (s.name == step.to) {
        out.push_back(s);
        break;
      }
      if (in_range) out.push_back(s);
    }
  }
  return out;
}

// The cycle moves its hold from the old base to the new one before it
// prunes: the old base no longer counts as held (by this job's hold).
core::SnapshotList HoldMoved(core::SnapshotList list, const Plan& plan, std::uint64_t keep) {
  for (auto& s : list) {
    if (plan.newest_common && s.guid == plan.newest_common->guid && s.guid != keep && s.userrefs > 0) --s.userrefs;
  }
  return list;
}

// The refusals only the destination's state shows (its pool missing, a
// replicated parent not there yet, a modified replica), and the parents a
// first receive needs.
std::optional<core::Error> DestinationRefusal(const Listings& in, const DatasetJob& job,
                                              const std::optional<core::SnapshotList>& destination, Decision& d) {
  if (!destination) {
    if (!in.destination_pool_exists) return MissingPoolRefusal(job.destination);
    for (const auto& parent : in.missing_parents) {
      if (job.replicated_parent && parent == *job.replicated_parent) {
        return WaitingForParentRefusal(job.destination, parent);
      }
    }
    if (d.plan.kind == PlanKind::kSend) d.create_parents = in.missing_parents;
    return std::nullopt;
  }
  // Only an incremental receive without -F refuses a modified replica
  // (force_on_divergence has rolled it back by then).
  if (in.written && !NothingWritten(*in.written) && d.plan.kind == PlanKind::kSend && !job.force &&
      !job.options.rollback_destination && d.destroy_on_divergence.empty() && !destination->empty() &&
      d.plan.newest_common && destination->back().guid == d.plan.newest_common->guid) {
    return ModifiedRefusal(job.destination, d.plan.newest_common->name, *in.written);
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> TakenSnapshotNames(const Listings& in) {
  std::vector<std::string> taken;
  for (const auto& s : in.source) taken.push_back(s.name);
  for (const auto& s : in.destination.value_or(core::SnapshotList{})) taken.push_back(s.name);
  for (const auto& sibling : in.siblings) {
    for (const auto& s : sibling.snapshots.value_or(core::SnapshotList{})) taken.push_back(s.name);
  }
  return taken;
}

Decision Decide(const Listings& in, const DatasetJob& job, std::int64_t now, bool take_snapshot,
                const std::string& tree_snapshot) {
  Decision d;
  // The lists as the decision sees them: the listings' own, copied only
  // where the decision changes them (a new snapshot, divergence).
  core::SnapshotList source_changed;
  std::optional<core::SnapshotList> destination_changed;
  const core::SnapshotList* source_ptr = &in.source;
  const std::optional<core::SnapshotList>* destination_ptr = &in.destination;
  d.resume = in.resume_token && in.destination.has_value();
  const std::optional<core::GuidSet> needs = SiblingNeeds(in.source, in.source_bookmarks, job, in.siblings);
  if (take_snapshot || !tree_snapshot.empty()) {
    // A resumed receive may be bringing one of them.
    if (!d.resume && needs) {
      d.replaced = tree_snapshot.empty() ? Unsent(in.source, in.destination, job, in.siblings, *needs)
                                         : TreeUnsent(in.source, in.destination, job, in.siblings, *needs, tree_snapshot);
    }
    source_changed = Without(in.source, d.replaced);
    if (take_snapshot) {
      d.snapshot = FreeSnapshotName(job.prefix, now, TakenSnapshotNames(in), kMaxSnapshotNameSuffix);
      const std::uint64_t txg = source_changed.empty() ? 1 : source_changed.back().createtxg + 1;
      source_changed.push_back({d.snapshot, 0, txg, now, 0});
    }
    source_ptr = &source_changed;
  }
  const core::SnapshotList& source = *source_ptr;
  const core::SnapshotList no_bookmarks;
  const core::SnapshotList& bookmarks = job.options.bookmarks ? in.source_bookmarks : no_bookmarks;
  auto plan = [&] {
    return PlanReplication(source, *destination_ptr, job.initial, bookmarks, job.options.snapshots, job.prefix);
  };
  d.plan = plan();
  if (d.plan.kind == PlanKind::kDiverged && job.options.force_on_divergence) {
    // The newer destination snapshots go, the replica is rolled back to
    // the newest common one, and the cycle plans from there.
    d.destroy_on_divergence = d.plan.conflicts;
    destination_changed = Without(**destination_ptr, d.destroy_on_divergence);
    destination_ptr = &destination_changed;
    d.plan = plan();
  }
  const std::optional<core::SnapshotList>& destination = *destination_ptr;
  if (d.plan.kind == PlanKind::kSend) {
    d.roll_back = job.options.rollback_destination && d.plan.steps.front().from && d.plan.newest_common &&
                  destination && !destination->empty() && destination->back().guid == d.plan.newest_common->guid;
  }
  d.refusal = Refusal(d.plan, RefusalOf(job));
  // The resumed receive changes the destination: the cycle decides again after it.
  if (d.refusal && d.resume) d.refusal.reset();
  if (!d.refusal) d.refusal = DestinationRefusal(in, job, destination, d);
  if (d.refusal) {
    // A refused cycle does nothing at all, but for a tree's snapshot: it
    // stays, and replaces the older never-sent ones all the same.
    Decision refused;
    refused.plan = std::move(d.plan);
    refused.refusal = std::move(d.refusal);
    if (!tree_snapshot.empty()) refused.replaced = std::move(d.replaced);
    return refused;
  }

  const core::SnapshotInfo* newest = NewestSelected(source, job.options.snapshots, job.prefix);
  if (!newest) return d;
  const std::uint64_t keep = newest->guid;
  // Nothing received and the hold stays where it is: the lists as they are.
  const bool unchanged = d.plan.kind != PlanKind::kSend && (!d.plan.newest_common || d.plan.newest_common->guid == keep);
  static const core::SnapshotList kNone;
  d.prune_destination = unchanged ? DestinationPrunes(destination ? *destination : kNone, job, now, keep)
                                  : DestinationPrunes(HoldMoved(AfterReceive(source, destination, d.plan), d.plan, keep),
                                                      job, now, keep);
  if (needs) {
    d.prune_source = unchanged ? SourcePrunes(source, job, now, keep, *needs)
                               : SourcePrunes(HoldMoved(source, d.plan, keep), job, now, keep, *needs);
  }
  return d;
}

std::optional<core::GuidSet> SiblingNeeds(const core::SnapshotList& source, const core::SnapshotList& bookmarks,
                                          const DatasetJob& job, const std::vector<Sibling>& siblings) {
  const core::GuidIndex index(source);
  core::GuidSet out;
  for (std::size_t i = 0; i < siblings.size(); ++i) {
    const Sibling& sibling = siblings[i];
    std::optional<std::uint64_t> base;
    if (sibling.snapshots) {
      for (auto it = sibling.snapshots->rbegin(); it != sibling.snapshots->rend() && !base; ++it) {
        if (index.Contains(it->guid)) base = it->guid;
      }
    } else if (!sibling.pool_exists && i < job.source_siblings.size()) {
      const std::string stem = BookmarkStem(job.prefix, job.source_siblings[i]);
      for (const auto& b : bookmarks) {
        if (b.name.starts_with(stem)) base = b.guid;
      }
      if (!base) return std::nullopt;
    }
    if (base) out.insert(*base);
    if (sibling.resume_token) {
      // What its interrupted receive brings is newer than its base.
      const std::size_t from = base ? *index.Find(*base) + 1 : 0;
      for (std::size_t k = from; k < source.size(); ++k) out.insert(source[k].guid);
    }
  }
  return out;
}

std::vector<std::string> DestinationPrunes(const core::SnapshotList& destination, const DatasetJob& job,
                                           std::int64_t now, std::uint64_t common_guid) {
  std::vector<std::string> out;
  for (const auto& s : SelectForPruning(destination, job.destination_retention, now, job.prefix, common_guid)) {
    out.push_back(s.name);
  }
  return out;
}

std::vector<std::string> SourcePrunes(const core::SnapshotList& source, const DatasetJob& job, std::int64_t now,
                                      std::uint64_t common_guid, const core::GuidSet& protect) {
  if (!job.source_retention) return {};
  const RetentionPolicy& policy = *job.source_retention;
  const auto common = core::GuidIndex(source).Find(common_guid);
  if (!common) return {};
  const std::uint64_t before = source[*common].createtxg;
  core::SnapshotList doomed;
  if (policy.HasRules()) {
    doomed = SelectForPruning(source, policy, now, job.prefix, common_guid);
  } else {
    // Without rules only zpull's own go (prune_foreign needs rules to keep by).
    for (const auto& s : source) {
      if (IsOwnSnapshot(s.name, job.prefix) && s.userrefs == 0) doomed.push_back(s);
    }
  }
  std::vector<std::string> out;
  for (const auto& s : doomed) {
    if (s.createtxg < before && s.guid != common_guid && !protect.contains(s.guid)) out.push_back(s.name);
  }
  return out;
}

}  // namespace zpull::replicate
