// swathgrid: parse options, set up MPI + Kokkos, run the composite, write the --report JSON and
// print the summary (rank 0), return the code.

#include <iostream>

#include "options.hpp"
#include "swathgrid/composite.hpp"
#include "swathgrid/error.hpp"

int main(int argc, char** argv) {
  swathgrid::Environment env(argc, argv);
  const bool root = env.rank() == 0;
  try {
    std::string message;
    const auto config = swathgrid::parse_command_line(argc, argv, message);
    if (!config) {
      if (root) std::cout << message << std::endl;
      return swathgrid::kExitSuccess;
    }
    const std::string binding = env.binding_warning();
    if (root && !binding.empty() && !config->quiet) std::cerr << "swathgrid: " << binding << std::endl;
    const auto summary = swathgrid::run_composite(*config, env);
    if (root && !config->report_path.empty())
      swathgrid::write_json_report(config->report_path, *config, env, summary);
    if (root && !config->quiet)
      std::cout << "swathgrid: " << swathgrid::format_summary(*config, env, summary) << std::endl;
    return swathgrid::kExitSuccess;
  } catch (const swathgrid::Interrupted& e) {
    if (root) std::cerr << "swathgrid: " << e.what() << std::endl;
    return swathgrid::kExitInterrupted;
  } catch (const swathgrid::UsageError& e) {
    if (root) std::cerr << "swathgrid: " << e.what() << " (see --help)" << std::endl;
    return swathgrid::kExitUsage;
  } catch (const swathgrid::Error& e) {
    if (root) std::cerr << "swathgrid: error: " << e.what() << std::endl;
    return swathgrid::kExitFailure;
  }
}
