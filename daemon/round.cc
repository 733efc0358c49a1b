#include "daemon/round.h"

#include <algorithm>
#include <set>
#include <thread>

#include "daemon/hooks.h"
#include "daemon/job.h"
#include "replicate/cycle.h"
#include "replicate/listings.h"
#include "replicate/snapshot_name.h"

namespace zpull::daemon {
namespace {

bool Within(const std::string& fs, const std::string& root) { return fs == root || fs.starts_with(root + "/"); }

// A failure after which the host may or may not have done it.
bool Unanswered(core::Reason r) {
  return r == core::Reason::kTimeout || r == core::Reason::kNetwork || r == core::Reason::kShutdown;
}

// One listing command (or a batch of them) of a round.
struct Listing {
  core::Zfs* zfs;
  std::vector<core::DatasetName> filesystems;
  core::ListingOptions options;
  std::map<std::string, core::SnapshotBlock>* out;
};

// `filesystems` of one side, those within `roots` listed by their roots,
// the others each on its own, with `options`.
void AddSide(core::Zfs& zfs, const std::set<std::string>& roots, const std::vector<core::DatasetName>& filesystems,
             const core::ListingOptions& options, std::map<std::string, core::SnapshotBlock>& out,
             std::vector<Listing>& listings) {
  std::vector<core::DatasetName> by_root, alone;
  for (const auto& fs : filesystems) {
    const bool covered = std::any_of(roots.begin(), roots.end(), [&](const auto& r) { return Within(fs.str(), r); });
    (covered ? by_root : alone).push_back(fs);
  }
  core::ListingOptions tree = options;
  tree.roots.assign(roots.begin(), roots.end());
  // A root within another root is listed with it.
  std::erase_if(tree.roots, [&](const std::string& r) {
    return std::any_of(roots.begin(), roots.end(), [&](const auto& o) { return o != r && Within(r, o); });
  });
  if (!by_root.empty()) listings.push_back({&zfs, std::move(by_root), std::move(tree), &out});
  if (!alone.empty()) listings.push_back({&zfs, std::move(alone), options, &out});
}

// Reads one listing to its end into its own blocks, at most
// Rounds::kMaxSnapshots snapshots (a round holds them until taken).
core::Status ReadOne(Listing& l, std::map<std::string, core::SnapshotBlock>& blocks) {
  auto stream = l.zfs->StreamSnapshotsOf(l.filesystems, l.options);
  if (!stream) return tl::unexpected(stream.error());
  std::size_t snapshots = 0;
  for (;;) {
    auto block = (*stream)->Next();
    if (!block) return tl::unexpected(block.error());
    if (!*block) return {};
    snapshots += (*block)->snapshots ? (*block)->snapshots->size() : 0;
    if (snapshots > Rounds::kMaxSnapshots) {
      return core::Fail(core::Reason::kOther, "a round lists more than " + std::to_string(Rounds::kMaxSnapshots) +
                                                  " snapshots on host " + l.zfs->Host() +
                                                  ": its cycles list for themselves");
    }
    std::string fs = (*block)->fs;
    blocks[fs] = std::move(**block);
  }
}

// Reads every listing at once, one thread each, so that the hosts answer
// side by side and each command has its whole command_timeout.
core::Status ReadAll(std::vector<Listing>& listings) {
  std::vector<std::map<std::string, core::SnapshotBlock>> blocks(listings.size());
  std::vector<core::Status> results(listings.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < listings.size(); ++i) {
      threads.emplace_back([&, i] { results[i] = ReadOne(listings[i], blocks[i]); });
    }
  }
  for (std::size_t i = 0; i < listings.size(); ++i) {
    if (!results[i]) return results[i];
    listings[i].out->merge(blocks[i]);
  }
  return {};
}

}  // namespace

Rounds::Rounds(const config::Config& config, Hosts& hosts, Upcoming upcoming, OnWriteError on_error,
               std::function<std::int64_t()> now)
    : config_(config),
      hosts_(hosts),
      upcoming_(std::move(upcoming)),
      on_error_(std::move(on_error)),
      now_(now ? std::move(now) : [] {
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
      }) {
  auto siblings = SourceSiblings(config);
  // A recursive entry's datasets name its root's destination (expanded_from).
  std::map<std::string, const config::DatasetConfig*> recursive;
  for (const auto& d : config.datasets) {
    if (d.recursive) recursive[d.destination.str()] = &d;
  }
  for (std::size_t i = 0; i < config.datasets.size(); ++i) {
    const config::DatasetConfig& d = config.datasets[i];
    if (!by_source_.contains(d.source)) by_source_[d.source] = std::make_unique<Host>();
    if (!flush_mu_.contains(d.source)) flush_mu_[d.source] = std::make_unique<std::mutex>();
    jobs_.push_back(JobFor(config, d, std::move(siblings[i])));
    auto root = recursive.find(d.recursive ? d.destination.str() : d.expanded_from);
    if (root == recursive.end()) {
      roots_.emplace_back();
      continue;
    }
    roots_.emplace_back(std::pair(root->second->source_dataset.str(), root->second->destination.str()));
    ++tree_sizes_[*roots_.back()];
  }
}

core::Result<Rounds::Share> Rounds::Claim(Host& h, std::size_t index, std::optional<replicate::Listings> listed) {
  Share share{std::move(listed), {}, 0};
  auto tree = h.trees.find(index);
  if (tree == h.trees.end()) return share;
  Host::Tree taken = std::move(tree->second);
  h.trees.erase(tree);
  // Not left waiting past its interval (a paused dataset): the next round's.
  if (now_() - taken.at > config_.datasets[index].interval_seconds) return share;
  if (!taken.snapshot) return tl::unexpected(taken.snapshot.error());
  share.tree_snapshot = std::move(*taken.snapshot);
  share.tree_at = taken.at;
  return share;
}

core::Result<Rounds::Share> Rounds::Take(std::size_t index, std::int64_t last_change) {
  const config::DatasetConfig& d = config_.datasets.at(index);
  Host& h = *by_source_.at(d.source);
  std::lock_guard lock(h.mu);
  h.active.insert(index);
  h.finishing.erase(index);
  // This dataset's writes still waiting (or being written): written first,
  // so that it lists its base as recorded and a value it writes itself is
  // never followed by an older one.
  {
    std::lock_guard flush(*flush_mu_.at(d.source));
    if (Pends(d.source, index)) Report(FlushWritesLocked(d.source));
    std::lock_guard writes(writes_mu_);
    unrecorded_.erase(index);
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - h.round_at > kFresh) {
    h.shares.clear();
    h.covered.clear();
  }
  if (auto it = h.shares.find(index); it != h.shares.end()) {
    replicate::Listings mine = std::move(it->second);
    h.shares.erase(it);
    // A cycle on this destination since the listing (another zpull, or
    // this one's hook) may have changed it: the cycle reads its own.
    if (h.round_wall_ns <= last_change) return Claim(h, index, std::nullopt);
    h.sharing.insert(index);
    return Claim(h, index, std::move(mine));
  }
  // Listed in this round, which could not serve it (a first receive, say):
  // it reads its own rather than listing the host again.
  if (h.covered.contains(index)) return Claim(h, index, std::nullopt);
  // A listing that failed is not tried again within kFresh. A host that
  // did not answer in time fails the cycles that waited for its listing
  // with that error (each would wait its own command_timeout again);
  // otherwise each cycle reads its own, which names its own trouble.
  auto failed = [&](const core::Error& e) -> core::Result<Share> {
    if (e.reason == core::Reason::kTimeout) return tl::unexpected(e);
    return Claim(h, index, std::nullopt);
  };
  if (h.failed && now - h.failed->first <= kFresh) return failed(h.failed->second);
  h.failed.reset();
  // A new round: what the last one deferred goes first.
  Report(FlushWrites(d.source));
  std::vector<std::size_t> datasets{index};
  const std::int64_t wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
  for (std::size_t i : upcoming_ ? upcoming_() : std::vector<std::size_t>{}) {
    if (config_.datasets[i].source == d.source && !h.active.contains(i) && !h.finishing.contains(i)) {
      datasets.push_back(i);
    }
  }
  std::sort(datasets.begin() + 1, datasets.end());
  datasets.erase(std::unique(datasets.begin() + 1, datasets.end()), datasets.end());
  auto listed = List(d.source, datasets);
  if (!listed) {
    h.failed = std::pair(std::chrono::steady_clock::now(), listed.error());  // from its end, as round_at
    return failed(listed.error());
  }
  // Fresh from the listing's end (a slow host's listing would otherwise be
  // stale when it arrives); against the destinations' last changes, from
  // its start.
  SnapshotTrees(h, d.source, *listed);
  h.round_at = std::chrono::steady_clock::now();
  h.round_wall_ns = wall_ns;
  h.shares = std::move(listed->shares);
  h.covered = std::set<std::size_t>(datasets.begin(), datasets.end());
  auto it = h.shares.find(index);
  if (it == h.shares.end()) return Claim(h, index, std::nullopt);
  replicate::Listings mine = std::move(it->second);
  h.shares.erase(it);
  h.sharing.insert(index);
  return Claim(h, index, std::move(mine));
}

void Rounds::SnapshotTrees(Host& h, const std::string& source, Listed& listed) {
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> groups;
  for (const auto& [i, names] : listed.taken) {
    // One queued with the snapshot of an earlier round (a slot may be long
    // in coming) waits with it, up to its interval (as Claim).
    auto waiting = h.trees.find(i);
    if (waiting == h.trees.end() || now_() - waiting->second.at > config_.datasets[i].interval_seconds) {
      groups[*roots_[i]].push_back(i);
    }
  }
  for (const auto& [root, members] : groups) {
    std::set<std::string> taken;
    for (std::size_t i : members) taken.insert(listed.taken[i].begin(), listed.taken[i].end());
    const std::int64_t at = now_();
    const replicate::DatasetJob& first = jobs_[members.front()];
    std::string name = replicate::FreeSnapshotName(first.prefix, at, {taken.begin(), taken.end()},
                                                   replicate::kMaxSnapshotNameSuffix);
    std::map<std::size_t, core::Error> failed;
    // The entry's hook, once for the tree (the root's names, and every
    // dataset the snapshot is for).
    const config::DatasetConfig& d = config_.datasets[members.front()];
    if (d.hooks.pre_snapshot) {
      const config::HookConfig& hook = *d.hooks.pre_snapshot;
      std::string all;
      for (std::size_t i : members) all += (all.empty() ? "" : " ") + config_.datasets[i].destination.str();
      // Within what one environment variable may hold (and a remote
      // command line): past it, the count alone.
      if (all.size() > kMaxHookDatasetsBytes) all.clear();
      HookEnv env = {{"ZPULL_DATASET", root.second},
                     {"ZPULL_SOURCE", source},
                     {"ZPULL_SOURCE_DATASET", root.first},
                     {"ZPULL_HOOK", "pre_snapshot"},
                     {"ZPULL_DATASETS", all},
                     {"ZPULL_DATASET_COUNT", std::to_string(members.size())}};
      auto& runner = hook.on_source ? hosts_.SourceRunner(source) : hosts_.LocalRunner();
      if (auto s = RunHook(runner, "pre_snapshot", hook, env); !s) {
        for (std::size_t i : members) failed.emplace(i, s.error());
      }
    }
    if (failed.empty()) name = SnapshotTree(source, root, members, std::move(name), taken, failed);
    // Each share gets the new snapshot as the source shows it.
    std::vector<core::DatasetName> made;
    for (std::size_t i : members) {
      if (!failed.contains(i)) made.push_back(jobs_[i].source);
    }
    std::map<std::string, core::SnapshotInfo> infos;
    if (!made.empty()) {
      // Unread, the shares go: their cycles read their own.
      if (auto read = hosts_.Source(source).SnapshotOf(made, name); read) infos = std::move(*read);
    }
    for (std::size_t i : members) {
      if (auto f = failed.find(i); f != failed.end()) {
        h.trees.insert_or_assign(
            i, Host::Tree{tl::unexpected(core::WithContext(f->second, "snapshotting the tree of " + root.first)), at});
        continue;
      }
      h.trees.insert_or_assign(i, Host::Tree{name, at});
      auto share = listed.shares.find(i);
      if (share == listed.shares.end()) continue;
      auto info = infos.find(jobs_[i].source.str());
      if (info == infos.end()) {
        listed.shares.erase(share);
        continue;
      }
      share->second.source.push_back(info->second);
    }
  }
}

std::string Rounds::SnapshotTree(const std::string& source, const std::pair<std::string, std::string>& root,
                                 const std::vector<std::size_t>& members, std::string name,
                                 std::set<std::string>& taken, std::map<std::size_t, core::Error>& failed) {
  core::Zfs& src = hosts_.Source(source);
  const replicate::DatasetJob& first = jobs_[members.front()];
  const core::DatasetName root_fs = core::DatasetName::Parse(root.first).value();
  auto features = hosts_.SourceFeatures(source, core::DatasetName::Parse(root_fs.Pool()).value());
  const bool guard_admits = features && (features->guard == 0 || features->guard >= core::kGuardForTrees);
  std::vector<core::DatasetName> filesystems;
  std::set<std::string> names;
  for (std::size_t i : members) {
    filesystems.push_back(jobs_[i].source);
    names.insert(jobs_[i].source.str());
  }
  // -r where the members are every dataset below the root, as the source
  // shows it now (one not selected would get a snapshot nobody prunes).
  bool whole = false;
  if (guard_admits && members.size() == tree_sizes_.at(root) && names.contains(root.first)) {
    if (auto tree = src.ListTree(root_fs, "name"); tree) {
      whole = std::all_of(tree->begin(), tree->end(), [&](const core::TreeEntry& e) { return names.contains(e.name); });
    }
  }
  const bool many = guard_admits && features->snapshot_many && members.size() > 1;
  if (whole || many) {
    for (int n = 0; n <= replicate::kMaxSnapshotNameSuffix; ++n) {
      core::Status made = whole ? src.CreateSnapshotTree(root_fs, name) : src.CreateSnapshots(filesystems, name);
      if (made) return name;
      // A host that did not answer may have done it: each member fails
      // with that rather than trying again one by one.
      if (Unanswered(made.error().reason)) {
        for (std::size_t i : members) failed.emplace(i, made.error());
        return name;
      }
      if (made.error().message.find("already exists") == std::string::npos) break;
      taken.insert(name);
      name = replicate::FreeSnapshotName(first.prefix, now_(), {taken.begin(), taken.end()},
                                         replicate::kMaxSnapshotNameSuffix);
      if (taken.contains(name)) break;
    }
  }
  // One command per dataset: one's failure is its own (but for a host
  // that stops answering: the rest fail with it).
  std::optional<core::Error> gone;
  for (std::size_t i : members) {
    if (gone) {
      failed.emplace(i, *gone);
    } else if (auto s = src.CreateSnapshot(jobs_[i].source, name); !s) {
      failed.emplace(i, s.error());
      if (Unanswered(s.error().reason)) gone = s.error();
    }
  }
  return name;
}

core::Result<Rounds::Listed> Rounds::List(const std::string& source, const std::vector<std::size_t>& datasets) {
  struct Member {
    std::size_t index;
    const replicate::DatasetJob* job;
    core::ZfsFeatures source_features, destination_features;
  };
  std::vector<Member> members;
  // Recursive entries in this round: their roots, and how many members.
  std::map<std::pair<std::string, std::string>, std::size_t> trees;
  for (std::size_t i : datasets) {
    const config::DatasetConfig& d = config_.datasets[i];
    const replicate::DatasetJob& job = jobs_[i];
    if (!job.source_siblings.empty()) continue;  // their listings change under each other
    auto sf = hosts_.SourceFeatures(source, core::DatasetName::Parse(d.source_dataset.Pool()).value());
    auto df = hosts_.DestinationFeatures(core::DatasetName::Parse(d.destination.Pool()).value());
    if (!sf || !df) continue;  // the cycle reports it
    if (roots_[i]) ++trees[*roots_[i]];
    members.push_back({i, &job, *sf, *df});
  }
  if (members.empty()) return Listed{};
  // A tree is listed by its root (one short command, but every snapshot
  // below it) where at least half its members are in the round; else its
  // members are listed each on its own.
  std::set<std::string> source_roots, destination_roots;
  for (const auto& [root, n] : trees) {
    if (2 * n < tree_sizes_.at(root)) continue;
    source_roots.insert(root.first);
    destination_roots.insert(root.second);
  }
  core::Zfs& src = hosts_.Source(source);
  core::Zfs& dst = hosts_.Destination();
  std::map<std::string, core::SnapshotBlock> src_blocks, dst_blocks;
  std::vector<core::DatasetName> src_fs, bookmarked;
  for (const auto& m : members) {
    src_fs.push_back(m.job->source);
    if (m.source_features.bookmarks && m.job->options.bookmarks) bookmarked.push_back(m.job->source);
  }
  std::vector<Listing> listings;
  AddSide(src, source_roots, src_fs, {}, src_blocks, listings);
  // Destinations whose pools differ in features are listed apart.
  std::map<std::vector<std::string>, std::vector<core::DatasetName>> by_options;
  for (const auto& m : members) {
    by_options[replicate::DestinationListing(m.destination_features).properties].push_back(m.job->destination);
  }
  for (const auto& [properties, fs] : by_options) {
    core::ListingOptions options;
    options.mark = replicate::kCommonProperty;
    options.properties = properties;
    AddSide(dst, destination_roots, fs, options, dst_blocks, listings);
  }
  if (auto s = ReadAll(listings); !s) return tl::unexpected(s.error());
  std::map<std::string, core::SnapshotList> bookmarks;
  if (!bookmarked.empty()) {
    auto b = src.ListBookmarksOf(bookmarked);
    if (!b) return tl::unexpected(b.error());
    bookmarks = std::move(*b);
  }
  Listed out;
  for (const auto& m : members) {
    auto s = src_blocks.find(m.job->source.str());
    auto d = dst_blocks.find(m.job->destination.str());
    if (s == src_blocks.end() || d == dst_blocks.end()) continue;
    // A tree's member that takes snapshots: the names its snapshot must not
    // take. Not a first receive (its destination absent): refused (its pool
    // away, say), it would get one more every round, with no base to tell
    // which were never sent; it snapshots itself, deciding first.
    if (roots_[m.index] && m.job->take_snapshot && s->second.snapshots && d->second.snapshots) {
      std::vector<std::string>& taken = out.taken[m.index];
      for (const auto* block : {&s->second, &d->second}) {
        if (!block->snapshots) continue;
        for (const auto& snap : *block->snapshots) taken.push_back(snap.name);
      }
    }
    auto b = bookmarks.find(m.job->source.str());
    auto share = replicate::ListingsFromRound(*m.job, std::move(s->second),
                                              b == bookmarks.end() ? core::SnapshotList{} : std::move(b->second),
                                              std::move(d->second), m.destination_features);
    if (share) out.shares[m.index] = std::move(*share);
  }
  return out;
}

core::Status Rounds::RecordSuccess(std::size_t index, std::int64_t when) {
  std::lock_guard lock(writes_mu_);
  const std::string& source = config_.datasets.at(index).source;
  pending_[source].push_back({index, when, std::chrono::steady_clock::now(), {}});
  pending_datasets_[source].insert(index);
  return {};
}

core::Status Rounds::RecordBase(std::size_t index, const std::string& snap, std::int64_t when) {
  std::lock_guard lock(writes_mu_);
  const std::string& source = config_.datasets.at(index).source;
  pending_[source].push_back({index, when, std::chrono::steady_clock::now(), snap});
  pending_datasets_[source].insert(index);
  return {};
}

void Rounds::Ended(std::size_t index) {
  const std::string& source = config_.datasets.at(index).source;
  Host& h = *by_source_.at(source);
  bool done = false;
  {
    std::lock_guard lock(h.mu);
    h.active.erase(index);
    h.sharing.erase(index);
    const auto now = std::chrono::steady_clock::now();
    h.finishing.insert(index);
    done = h.sharing.empty() && (h.shares.empty() || now - h.round_at > kFresh);
  }
  if (!done) {
    std::lock_guard lock(writes_mu_);
    auto it = pending_.find(source);
    done = it != pending_.end() && !it->second.empty() &&
           std::chrono::steady_clock::now() - it->second.front().at >= kFlushAfter;
  }
  if (done) Report(FlushWrites(source));
}

bool Rounds::Pends(const std::string& source, std::size_t index) {
  std::lock_guard lock(writes_mu_);
  auto it = pending_datasets_.find(source);
  return it != pending_datasets_.end() && it->second.contains(index);
}

void Rounds::FlushOld() {
  for (const auto& [source, host] : by_source_) {
    bool old = false;
    {
      std::lock_guard lock(writes_mu_);
      auto it = pending_.find(source);
      old = it != pending_.end() && !it->second.empty() &&
            std::chrono::steady_clock::now() - it->second.front().at >= kFlushAfter;
    }
    if (old) Report(FlushWrites(source));
  }
}

void Rounds::Report(const std::vector<std::pair<std::size_t, core::Error>>& failed) {
  if (failed.empty()) return;
  if (!on_error_) {
    std::lock_guard lock(writes_mu_);
    unreported_.insert(unreported_.end(), failed.begin(), failed.end());
    return;
  }
  std::vector<std::string> names;
  for (const auto& [i, e] : failed) names.push_back(config_.datasets[i].destination.str());
  on_error_(failed.front().second, names);
}

std::vector<std::pair<std::size_t, core::Error>> Rounds::Flush() {
  std::vector<std::pair<std::size_t, core::Error>> out;
  {
    std::lock_guard lock(writes_mu_);
    out = std::exchange(unreported_, {});
  }
  for (const auto& [source, host] : by_source_) {
    for (auto& f : FlushWrites(source)) out.push_back(std::move(f));
  }
  return out;
}

namespace {

// Sets `property` on each pending write's target (`target(p)`: "fs" or
// "fs@snap"): one command per group of values within `window` seconds of
// each other, each written as its earliest (a restart never reads a time
// later than it was, and at most `window` earlier); where a command fails,
// each of its targets on its own, to tell which. The failures.
template <typename P, typename Target>
std::vector<std::pair<std::size_t, core::Error>> SetGrouped(core::Zfs& zfs, std::vector<const P*> items,
                                                           const std::string& property, std::int64_t window,
                                                           const Target& target) {
  std::sort(items.begin(), items.end(), [](const P* a, const P* b) { return a->when < b->when; });
  std::vector<std::pair<std::size_t, core::Error>> failed;
  for (std::size_t first = 0; first < items.size();) {
    std::size_t end = first;
    std::vector<std::string> targets;
    while (end < items.size() && items[end]->when - items[first]->when <= window) targets.push_back(target(*items[end++]));
    const std::string value = std::to_string(items[first]->when);
    if (!zfs.SetUserPropertyOf(targets, property, value)) {
      for (std::size_t k = first; k < end; ++k) {
        if (auto s = zfs.SetUserPropertyOf({targets[k - first]}, property, value); !s) {
          failed.emplace_back(items[k]->index, s.error());
        }
      }
    }
    first = end;
  }
  return failed;
}

}  // namespace

std::vector<std::pair<std::size_t, core::Error>> Rounds::WriteBases(const std::vector<Pending>& bases) {
  core::Zfs& dst = hosts_.Destination();
  std::vector<std::pair<std::size_t, core::Error>> failed;
  auto snapshot = [&](const Pending& p) { return config_.datasets[p.index].destination.Snapshot(p.base); };
  // Held first (one command per tag, the destinations' prefix), each on its
  // own where the batch fails (one held already fails it whole).
  std::map<std::string, std::vector<const Pending*>> by_tag;
  for (const auto& p : bases) by_tag[jobs_[p.index].prefix].push_back(&p);
  std::vector<const Pending*> held;
  for (const auto& [tag, group] : by_tag) {
    std::vector<std::string> targets;
    for (const Pending* p : group) targets.push_back(snapshot(*p));
    const bool all = static_cast<bool>(dst.HoldOf(targets, tag));
    for (const Pending* p : group) {
      if (!all) {
        if (auto s = dst.Hold(config_.datasets[p->index].destination, p->base, tag); !s) {
          failed.emplace_back(p->index, core::WithContext(s.error(), "holding @" + p->base));
          continue;
        }
      }
      held.push_back(p);
    }
  }
  for (auto& f : SetGrouped(dst, std::move(held), replicate::kCommonProperty, kFlushAfter.count(), snapshot)) {
    failed.emplace_back(f.first, core::WithContext(f.second, "marking the new base zpull:common"));
  }
  return failed;
}

void Rounds::Finished(std::size_t index) {
  Host& h = *by_source_.at(config_.datasets.at(index).source);
  std::lock_guard lock(h.mu);
  h.finishing.erase(index);
}

std::vector<std::pair<std::size_t, core::Error>> Rounds::FlushWrites(const std::string& source) {
  std::lock_guard flush(*flush_mu_.at(source));
  return FlushWritesLocked(source);
}

std::vector<std::pair<std::size_t, core::Error>> Rounds::FlushWritesLocked(const std::string& source) {
  std::vector<Pending> batch;
  {
    std::lock_guard lock(writes_mu_);
    batch = std::exchange(pending_[source], {});
    pending_datasets_[source].clear();
  }
  if (batch.empty()) return {};
  std::vector<Pending> bases;
  std::vector<const Pending*> successes;
  for (auto& p : batch) {
    if (!p.base.empty()) bases.push_back(p);
  }
  // A base not recorded: its last success is not either, in this batch
  // or a later one before the dataset's next cycle (which records both).
  std::vector<std::pair<std::size_t, core::Error>> failed = WriteBases(bases);
  std::set<std::size_t> unrecorded, reported;
  {
    std::lock_guard lock(writes_mu_);
    for (const auto& f : failed) unrecorded_.insert(f.first);
    unrecorded = unrecorded_;
  }
  for (const auto& f : failed) reported.insert(f.first);
  for (const auto& p : batch) {
    if (!p.base.empty()) continue;
    if (unrecorded.contains(p.index)) {
      if (reported.contains(p.index)) continue;  // its base's failure says it
      failed.emplace_back(p.index, core::Error{core::Reason::kOther, "not recording zpull:last_success: its new base "
                                                                     "could not be held or marked"});
    } else {
      successes.push_back(&p);
    }
  }
  auto dataset = [&](const Pending& p) { return config_.datasets[p.index].destination.str(); };
  for (auto& f : SetGrouped(hosts_.Destination(), std::move(successes), replicate::kLastSuccessProperty,
                            kFlushAfter.count(), dataset)) {
    failed.emplace_back(f.first, core::WithContext(f.second, "recording zpull:last_success"));
  }
  return failed;
}

}  // namespace zpull::daemon
