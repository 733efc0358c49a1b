#include "cli/man_page.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "cli/commands.h"
#include "cli/help.h"

namespace zpull::cli {
namespace {

// Text safe on a groff line: backslashes escaped, no line starting with a
// control character.
std::string Roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

// Verbatim lines (an example, a table), in a constant-width block.
std::string Verbatim(const std::vector<std::string>& lines) {
  std::string out = ".PP\n.EX\n";
  for (const auto& l : lines) out += Roff(l) + "\n";
  return out + ".EE\n";
}

std::string OptionItems(const std::vector<OptionSpec>& options) {
  std::string out;
  for (const auto& o : options) {
    out += ".TP\n.B " + Roff((o.alias.empty() ? "" : o.alias + ", ") + o.name) +
           (o.value.empty() ? "" : " \" " + Roff(o.value) + "\"") + "\n" + Roff(o.help) + "\n";
  }
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

}  // namespace

std::string ZpullManPage(const std::string& version) {
  std::string out = ".TH ZPULL 1 \"\" \"zpull " + Roff(version) + "\" \"User Commands\"\n.nh\n.ad l\n";
  out += ".SH NAME\nzpull \\- pull replication of ZFS datasets, verified and measured\n";
  out += ".SH SYNOPSIS\n.nf\n";
  for (const auto& c : Commands()) out += Roff(Synopsis(c)) + "\n";
  out += "zpull help [COMMAND]\nzpull \\-\\-version\n.fi\n";
  out += ".SH DESCRIPTION\n"
         "zpull runs on a backup host. On a schedule it snapshots each configured source dataset over SSH "
         "(or on this host), pulls the snapshots with zfs send and zfs receive, and prunes old snapshots by a "
         "retention policy. It verifies the backups continuously (snapshot parity by guid, scrubs and pool "
         "health, restore drills) and publishes everything on /metrics for Prometheus.\n"
         ".PP\nThe configuration is described in\n.BR zpull.yml (5).\n";
  out += ".SH COMMANDS\n";
  for (const auto& c : Commands()) {
    out += ".SS " + Roff(c.name) + "\n.nf\n.B " + Roff(Synopsis(c)) + "\n.fi\n.PP\n" + Roff(c.summary) + ".\n";
    if (!c.description.empty()) out += ".PP\n" + Roff(c.description) + "\n";
    out += OptionItems(c.options);
    out += Verbatim(c.examples);
  }
  out += ".SH OPTIONS\nEvery command takes:\n" + OptionItems(CommonOptions());
  out += ".SH EXIT STATUS\n"
         ".TP\n0\nsuccess (once: every dataset replicated; drill: the drill passed).\n"
         ".TP\n1\na dataset or check failed; the output names it and its reason.\n"
         ".TP\n2\na usage error, an invalid configuration, or (control commands) no running daemon.\n"
         ".PP\n.B zpull verify\nexits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, as Nagios plugins do.\n";
  out += ".SH FILES\n"
         ".TP\n" + Roff(kDefaultConfig) + "\nthe configuration\n"
         ".TP\n/usr/share/doc/zpull/zpull.example.yml\nevery key, explained\n"
         ".TP\n/usr/lib/zpull/zpull\\-guard\nthe forced command for the sources' authorized_keys\n"
         ".TP\n/usr/share/zpull/\nthe Grafana dashboard and the Prometheus alert rules\n";
  out += ".SH SEE ALSO\n.BR zpull.yml (5),\n.BR zfs (8),\n.BR zfs\\-send (8),\n.BR zfs\\-receive (8),\n"
         ".BR zpool\\-scrub (8)\n";
  return out;
}

std::string ConfigManPage(const std::string& example_yaml, const std::string& version) {
  std::vector<std::vector<std::string>> blocks(1);
  for (const auto& l : Lines(example_yaml)) {
    if (l.find_first_not_of(" \t") == std::string::npos) {
      if (!blocks.back().empty()) blocks.emplace_back();
    } else {
      blocks.back().push_back(l);
    }
  }
  if (blocks.back().empty()) blocks.pop_back();

  // "# text" at the start of a block is prose ("#   text": kept as it is
  // laid out); from the first other line on, the block is an example.
  auto is_prose = [](const std::string& l) { return l == "#" || l.starts_with("# "); };
  auto prose_of = [](const std::string& l) { return l.size() > 2 ? l.substr(2) : std::string(); };
  auto render_prose = [&](const std::vector<std::string>& prose) {
    std::string out = ".PP\n";
    std::vector<std::string> laid_out;
    for (const auto& p : prose) {
      if (p.starts_with("  ")) {
        laid_out.push_back(p);
        continue;
      }
      if (!laid_out.empty()) out += Verbatim(laid_out) + ".PP\n";
      laid_out.clear();
      out += Roff(p) + "\n";
    }
    if (!laid_out.empty()) out += Verbatim(laid_out);
    return out;
  };

  std::string out = ".TH ZPULL.YML 5 \"\" \"zpull " + Roff(version) + "\" \"File Formats\"\n.nh\n.ad l\n";
  out += ".SH NAME\nzpull.yml \\- the configuration of zpull\n";
  out += ".SH SYNOPSIS\n" + Roff(kDefaultConfig) + "\n";
  out += ".SH DESCRIPTION\n";
  std::size_t first = 0;
  if (!blocks.empty() && std::all_of(blocks[0].begin(), blocks[0].end(), is_prose)) {
    std::vector<std::string> prose;
    for (const auto& l : blocks[0]) prose.push_back(prose_of(l));
    out += render_prose(prose);
    first = 1;
  }
  out += ".PP\nThis page is generated from the example configuration, "
         "/usr/share/doc/zpull/zpull.example.yml: every key, with its default.\n";
  out += ".SH KEYS\n";
  for (std::size_t b = first; b < blocks.size(); ++b) {
    std::vector<std::string> prose, example, keys;
    for (const auto& l : blocks[b]) {
      if (example.empty() && is_prose(l)) {
        prose.push_back(prose_of(l));
        continue;
      }
      example.push_back(l);
      const std::size_t start = l.starts_with("#") ? 1 : 0;
      const std::size_t colon = l.find(':', start);
      const std::string key = colon == std::string::npos ? "" : l.substr(start, colon - start);
      if (!key.empty() && key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos &&
          std::find(keys.begin(), keys.end(), key) == keys.end()) {
        keys.push_back(key);
      }
    }
    std::string title;
    for (const auto& k : keys) title += (title.empty() ? "" : ", ") + k;
    out += ".SS " + Roff(title.empty() ? "notes" : title) + "\n";
    if (!prose.empty()) out += render_prose(prose);
    if (!example.empty()) out += Verbatim(example);
  }
  out += ".SH SEE ALSO\n.BR zpull (1)\n";
  return out;
}

}  // namespace zpull::cli
