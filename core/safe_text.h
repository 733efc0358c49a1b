#pragma once
// Text on its way to a sink (JSON, metric text, HTML, logs, a terminal):
// whatever its origin — a source's stderr, its `zpool status`, a dataset
// name — it leaves here as valid UTF-8 that a reader sees as written and a
// terminal cannot act on. Pure.

#include <string>
#include <string_view>

namespace zpull::core {

// `text` as valid UTF-8 without control characters: each byte that does not
// begin a valid UTF-8 sequence (overlong forms, surrogates and code points
// past U+10FFFF included) becomes U+FFFD; C0 controls and DEL become the
// visible escapes \n \r \t or \xHH; C1 controls, the line and paragraph
// separators, the bidirectional marks and overrides and the zero-width
// characters (U+061C, U+200B-200F, U+202A-202E, U+2066-2069, U+FEFF)
// become \uHHHH. With
// `keep_lines`, newline and tab stay as they are (a terminal's lines).
// Everything else, backslashes included, is copied unchanged.
std::string SafeText(std::string_view text, bool keep_lines = false);
void AppendSafeText(std::string& out, std::string_view text, bool keep_lines = false);

// How many leading bytes of `text` SafeText would take whole: all but an
// incomplete (still valid so far) UTF-8 sequence at its end. For writers
// that see text in pieces.
std::size_t CompleteUtf8Prefix(std::string_view text);

}  // namespace zpull::core
