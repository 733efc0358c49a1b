#pragma once
// "Did you mean": the nearest of a few known words to a mistyped one.

#include <optional>
#include <string>
#include <vector>

namespace zpull::cli {

// Edits (insert, delete, substitute, swap two neighbours) from a to b.
std::size_t EditDistance(const std::string& a, const std::string& b);
// The candidate nearest to `typed` when it is near enough to be a typo
// (at most 2 edits, or a third of the word's length when longer, and
// fewer than half its letters); ties go to the earlier candidate. nullopt when none is.
std::optional<std::string> Suggest(const std::string& typed, const std::vector<std::string>& candidates);

}  // namespace zpull::cli
