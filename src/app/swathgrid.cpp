// swathgrid: parse options, set up MPI + Kokkos, run the composite (which also writes the
// --report JSON) and print the summary (rank 0), return the code. Every exception ends here
// with one line and a documented code (docs/reliability.md), on every rank together.

#include <iostream>
#include <new>

#include "options.hpp"
#include "swathgrid/composite.hpp"
#include "swathgrid/error.hpp"

int main(int argc, char** argv) {
  swathgrid::Environment env(argc, argv);
  const bool root = env.rank() == 0;
  try {
    std::string message;
    const auto config = swathgrid::parse_command_line(argc, argv, message, env.comm());
    if (!config) {
      if (root) std::cout << message << std::endl;
      return swathgrid::kExitSuccess;
    }
    const std::string binding = env.binding_warning();
    if (root && !binding.empty() && !config->quiet) std::cerr << "swathgrid: " << binding << std::endl;
    const auto summary = swathgrid::run_composite(*config, env);
    if (root && !config->quiet)
      std::cout << "swathgrid: " << swathgrid::format_summary(*config, env, summary) << std::endl;
    return swathgrid::kExitSuccess;
  } catch (const swathgrid::Interrupted& e) {
    return env.fail(swathgrid::kExitInterrupted, e.what());
  } catch (const swathgrid::UsageError& e) {
    return env.fail(swathgrid::kExitUsage, std::string(e.what()) + " (see --help)");
  } catch (const swathgrid::Error& e) {
    return env.fail(swathgrid::kExitFailure, std::string("error: ") + e.what());
  } catch (const std::bad_alloc&) {
    return env.fail(swathgrid::kExitFailure, "error: out of memory (std::bad_alloc)");
  } catch (const std::exception& e) {
    return env.fail(swathgrid::kExitFailure, std::string("error: internal: ") + e.what());
  } catch (...) {
    return env.fail(swathgrid::kExitFailure, "error: internal: an unknown exception");
  }
}
