#pragma once
// Turns an argv vector into one command line for a POSIX shell.
//
// An SSH exec request is a single string that the remote user's shell parses;
// this is the only place that builds one. Every argument is single-quoted
// (a ' inside becomes '\''), so spaces, $, `, ;, newlines and leading '-'
// reach the remote program as literal argv elements.

#include <string>
#include <string_view>
#include <vector>

namespace zpull::core {

using Argv = std::vector<std::string>;

std::string ShellQuote(std::string_view arg);
std::string ShellJoin(const Argv& argv);

}  // namespace zpull::core
