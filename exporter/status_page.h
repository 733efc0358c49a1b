#pragma once
// The status page at /: a verdict banner with the host's name, then a card
// per dataset and per pool (exporter/status.h's report). Usable at phone
// width; it refreshes itself in place every 10 s (its script fetches the
// page again and swaps the report, no reload). Pure.

#include <string>

#include "exporter/status.h"

namespace zpull::exporter {

std::string StatusHtml(const StatusReport& r);

}  // namespace zpull::exporter
