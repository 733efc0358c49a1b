#include "cli/restore.h"

#include "core/zfs_parse.h"
#include "replicate/restore_plan.h"
#include "replicate/transfer.h"

namespace zpull::cli {

core::Result<RestoreRequest> ParseRestore(const config::Config& config, const std::string& what, const std::string& to,
                                          bool yes, bool force) {
  const std::size_t at = what.find('@');
  auto dataset = core::DatasetName::Parse(what.substr(0, at));
  if (!dataset) return tl::unexpected(core::WithContext(dataset.error(), "restore: the backup dataset"));
  std::string snapshot = at == std::string::npos ? "" : what.substr(at + 1);
  if (at != std::string::npos) {
    if (auto s = core::ValidateSnapshotName(snapshot); !s) return tl::unexpected(core::WithContext(s.error(), "restore"));
  }
  if (to.empty()) return core::Fail(core::Reason::kConfig, "restore: --to HOST:DATASET is required");
  const std::size_t colon = to.find(':');
  std::string host = colon == std::string::npos ? "local" : to.substr(0, colon);
  auto target = core::DatasetName::Parse(colon == std::string::npos ? to : to.substr(colon + 1));
  if (!target) return tl::unexpected(core::WithContext(target.error(), "restore: --to"));
  bool known = host == "local";
  std::string names = "local";
  for (const auto& s : config.sources) {
    known = known || s.name == host;
    names += ", " + s.name;
  }
  if (!known) return core::Fail(core::Reason::kConfig, "restore: --to names host '" + host + "', not a configured source (" + names + ")");
  if (host == "local" && target->str() == dataset->str()) {
    return core::Fail(core::Reason::kConfig, "restore: the target is the backup itself");
  }
  return RestoreRequest{*dataset, snapshot, host, *target, yes, force};
}

int RunRestore(daemon::Hosts& hosts, const RestoreRequest& r, std::ostream& out) {
  auto fail = [&](const core::Error& e) {
    out << "FAILED reason=" << core::ReasonName(e.reason) << ": " << e.message << "\n";
    return 1;
  };
  core::Zfs& backup = hosts.Destination();
  core::Zfs& target = r.target_host == "local" ? hosts.Destination() : hosts.Source(r.target_host);
  auto snapshots = backup.ListSnapshots(r.dataset);
  if (!snapshots) return fail(snapshots.error());
  if (!*snapshots) return fail(core::Error{core::Reason::kConfig, "no dataset " + r.dataset.str() + " on this host"});
  auto existing = target.ListSnapshots(r.target);
  if (!existing) return fail(existing.error());
  std::optional<std::uint64_t> written;
  auto features = r.target_host == "local"
                      ? hosts.DestinationFeatures(core::DatasetName::Parse(r.target.Pool()).value())
                      : hosts.SourceFeatures(r.target_host, core::DatasetName::Parse(r.target.Pool()).value());
  if (!features) return fail(features.error());
  if (*existing && features->written) {
    auto w = target.GetProperty(r.target, "written");
    if (!w) return fail(w.error());
    if (auto n = core::ParseInt64(*w)) written = static_cast<std::uint64_t>(*n);
  }
  if (!*existing) {
    auto parent = core::DatasetName::Parse(r.target.Parent());
    if (parent && r.target.str().find('/') != std::string::npos) {
      auto exists = target.Exists(*parent);
      if (!exists) return fail(exists.error());
      if (!*exists) {
        return fail(core::Error{core::Reason::kConfig, "the target's parent " + parent->str() + " does not exist on " +
                                                           r.target_host + " (zpull restore creates only the target)"});
      }
    }
  }
  auto plan = replicate::PlanRestore(**snapshots, r.snapshot, *existing, written);
  if (!plan) return fail(core::WithContext(plan.error(), r.dataset.str()));
  const std::string to = r.target_host + ":" + r.target.str();
  out << replicate::DescribeRestore(r.dataset.str(), to, *plan);
  if (plan->kind == replicate::RestorePlan::Kind::kNothing) return 0;
  if (!r.yes) {
    out << "dry run: nothing changed; add --yes to restore" << (plan->needs_force ? " (and --force for -F)" : "")
        << "\n";
    return 0;
  }
  if (plan->needs_force && !r.force) {
    out << "refused: the receive needs -F, which destroys what is listed above; add --force if that is intended\n";
    return 1;
  }
  core::SendSpec send{r.dataset, plan->snapshot.name};
  if (plan->base) send.from = plan->base->name;
  auto backup_features = hosts.DestinationFeatures(core::DatasetName::Parse(r.dataset.Pool()).value());
  if (!backup_features) return fail(backup_features.error());
  if (backup_features->send_raw) {
    auto encryption = backup.GetProperty(r.dataset, "encryption");
    send.raw = encryption && *encryption != "off";  // keep an encrypted backup encrypted on the way back
  }
  core::RecvSpec recv{r.target};
  if (plan->needs_force) {
    // What -F stands for, done explicitly: zfs refuses a full stream into
    // a dataset with snapshots, and dialects differ on -F with a plain
    // incremental. The listed target snapshots go (newest first); an
    // incremental's target returns to its base, a full stream overwrites
    // the rest with -F.
    for (auto it = plan->destroyed.rbegin(); it != plan->destroyed.rend(); ++it) {
      if (auto d = target.DestroySnapshot(r.target, *it); !d) return fail(d.error());
      out << "destroyed " << to << "@" << *it << "\n";
    }
    if (plan->base) {
      if (auto rb = target.Rollback(r.target, plan->base->name); !rb) return fail(rb.error());
    } else {
      recv.force = true;
    }
  }
  std::uint64_t bytes = 0;
  auto sent = replicate::RunTransfer(backup, send, target, recv, [&](std::uint64_t n) { bytes += n; });
  if (!sent) return fail(sent.error());
  // The target must now have the snapshot, by guid.
  auto after = target.ListSnapshots(r.target);
  if (!after) return fail(after.error());
  bool present = false;
  for (const auto& s : after->value_or(core::SnapshotList{})) present = present || s.guid == plan->snapshot.guid;
  if (!present) {
    return fail(core::Error{core::Reason::kRecvFailed, "the receive ended but " + to + " has no snapshot with the guid of @" +
                                                           plan->snapshot.name});
  }
  out << "restored " << to << "@" << plan->snapshot.name << " bytes=" << bytes << " (guid verified)\n";
  return 0;
}

}  // namespace zpull::cli
