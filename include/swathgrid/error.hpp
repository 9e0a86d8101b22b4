#pragma once
// Errors in two kinds (STYLE.md 6): user-facing problems throw swathgrid::Error (exit 1) or
// swathgrid::UsageError (bad option, exit 2) with a message naming the thing and the cause;
// they are caught once in main. Internal invariants use assert.

#include <sstream>
#include <stdexcept>
#include <string>

namespace swathgrid {

/// Documented process exit codes (docs/user-guide.md).
/// kExitInterrupted: stopped by SIGTERM with --checkpoint, checkpoint written
/// (docs/reliability.md).
enum ExitCode : int { kExitSuccess = 0, kExitFailure = 1, kExitUsage = 2, kExitInterrupted = 3 };

/// A problem with the input or the environment that the user can fix.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// A bad command-line option or option value.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message) {}
};

/// The run stopped on SIGTERM after saving its checkpoint (--checkpoint): exit 3.
class Interrupted : public Error {
 public:
  explicit Interrupted(const std::string& message) : Error(message) {}
};

}  // namespace swathgrid

/// Throws swathgrid::Error with a streamed message when `cond` is false:
/// SWATHGRID_REQUIRE(n > 0, "granule " << path << ": no lines, got " << n);
#define SWATHGRID_REQUIRE(cond, message)                         \
  do {                                                           \
    if (!(cond)) {                                               \
      std::ostringstream swathgrid_require_stream_;              \
      swathgrid_require_stream_ << message;                      \
      throw ::swathgrid::Error(swathgrid_require_stream_.str()); \
    }                                                            \
  } while (false)
