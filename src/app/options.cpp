#include "options.hpp"

#include <boost/program_options.hpp>
#include <fstream>
#include <sstream>

#include "swathgrid/error.hpp"
#include "swathgrid/version.hpp"

namespace po = boost::program_options;

namespace swathgrid {

namespace {

constexpr const char* kUsage =
    "usage: swathgrid [options] GRANULE... -o OUTPUT.nc\n"
    "       mpirun -n N swathgrid --input-list granules.txt -o OUTPUT.nc [options]\n\n"
    "Grids Level-2 swath granules (OB.DAAC / PACE OCI NetCDF4) onto one lat/lon grid and\n"
    "writes the composite (mean and count per cell) as CF-1.8 netCDF.\n\n"
    "Exit codes: 0 success, 1 failure (bad granule, unwritable output), 2 bad option.\n";

std::vector<std::string> read_input_list(const std::string& list_path) {
  std::ifstream in(list_path);
  if (!in) throw UsageError("--input-list: cannot read " + list_path);
  std::vector<std::string> paths;
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    paths.push_back(line.substr(first, last - first + 1));
  }
  return paths;
}

std::string quote_if_needed(const std::string& arg) {
  if (arg.find_first_of(" \t\"'") == std::string::npos && !arg.empty()) return arg;
  return "'" + arg + "'";
}

std::string join_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) line += (i ? " " : "") + quote_if_needed(argv[i]);
  return line;
}

}  // namespace

std::optional<Config> parse_command_line(int argc, char** argv, std::string& message) {
  Config config;
  std::string bbox_text, input_list;
  std::vector<std::string> positional;
  po::options_description visible("options");
  visible.add_options()
      ("help,h", "print this help and exit")
      ("version", "print the version and exit")
      ("output,o", po::value<std::string>(&config.output), "output netCDF file (required)")
      ("input-list", po::value<std::string>(&input_list),
       "file with one granule path per line ('#' comments allowed)")
      ("var", po::value<std::string>(&config.variable)->default_value("chlor_a"),
       "variable of group geophysical_data to grid")
      ("bbox", po::value<std::string>(&bbox_text)->default_value("-180,-90,180,90"),
       "grid extent W,S,E,N in degrees")
      ("res", po::value<double>(&config.cell_size)->default_value(kDefaultCellSizeDeg),
       "cell size in degrees (default ~ OCI pixel spacing)")
      ("method", po::value<std::string>(&config.method)->default_value("bin"),
       "gridding method: bin (every valid pixel adds to the cell holding its centre)")
      ("quiet,q", po::bool_switch(&config.quiet), "no summary at the end");
  po::options_description hidden;
  hidden.add_options()("granule", po::value<std::vector<std::string>>(&positional));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional_spec;
  positional_spec.add("granule", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional_spec).run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (vm.count("help")) {
    std::ostringstream text;
    text << kUsage << "\n" << visible;
    message = text.str();
    return std::nullopt;
  }
  if (vm.count("version")) {
    message = std::string("swathgrid ") + kVersion;
    return std::nullopt;
  }
  if (config.output.empty()) throw UsageError("-o/--output is required");
  if (config.method != "bin")
    throw UsageError("--method: unknown method '" + config.method + "' (available: bin)");
  config.bbox = parse_bbox(bbox_text);
  GridSpec::from_bbox(config.bbox, config.cell_size);  // validates --res against the box
  config.granules = positional;
  if (!input_list.empty()) {
    const auto listed = read_input_list(input_list);
    config.granules.insert(config.granules.end(), listed.begin(), listed.end());
  }
  if (config.granules.empty())
    throw UsageError("no input granules (give paths as arguments or --input-list FILE)");
  config.history = join_command_line(argc, argv);
  return config;
}

}  // namespace swathgrid
