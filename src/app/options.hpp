#pragma once
// Command line of the swathgrid program (Boost.Program_options) -> Config.

#include <mpi.h>

#include <optional>
#include <string>

#include "swathgrid/config.hpp"

namespace swathgrid {

/// Parses argv into a Config. Returns nullopt when --help or --version was handled (the text
/// is in `message`). Throws UsageError on a bad option or value.
/// Collective (the --input-list file is read by rank 0 and broadcast): the options as a
/// Config, or nothing with `message` set for --help/--version. Throws UsageError.
std::optional<Config> parse_command_line(int argc, char** argv, std::string& message,
                                         MPI_Comm comm);

}  // namespace swathgrid
