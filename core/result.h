#pragma once
// Errors as values across module boundaries.
//
// Every fallible operation returns Result<T>. The error carries a Reason from
// the fixed list in reason.h (which decides metrics labels and whether a retry
// can help) and a message that names the thing that failed (dataset, host,
// file:line). A non-zero exit of `zfs` is data to classify, not an exception.

#include <string>
#include <utility>

#include <tl/expected.hpp>

#include "core/reason.h"

namespace zpull::core {

struct Error {
  Reason reason = Reason::kOther;
  std::string message;
};

template <class T>
using Result = tl::expected<T, Error>;

using Status = Result<void>;

inline tl::unexpected<Error> Fail(Reason reason, std::string message) {
  return tl::unexpected<Error>(Error{reason, std::move(message)});
}

// Prepends context ("dataset tank/a: ") to an error's message, keeping its reason.
inline Error WithContext(Error e, const std::string& context) {
  e.message = context + ": " + e.message;
  return e;
}

}  // namespace zpull::core
