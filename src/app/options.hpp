#pragma once
// Command line of the swathgrid program (Boost.Program_options) -> Config.

#include <optional>
#include <string>

#include "swathgrid/config.hpp"

namespace swathgrid {

/// Parses argv into a Config. Returns nullopt when --help or --version was handled (the text
/// is in `message`). Throws UsageError on a bad option or value.
std::optional<Config> parse_command_line(int argc, char** argv, std::string& message);

}  // namespace swathgrid
