// swathgrid-synth: writes a campaign of synthetic OB.DAAC Level-2 granules (one line per file
// on stdout). Exit codes: 0 success, 2 bad option, 1 any other failure. No MPI needed.

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "swathgrid/error.hpp"
#include "swathgrid/synth.hpp"

namespace po = boost::program_options;

namespace {

constexpr const char* kProgram = "swathgrid-synth";

struct SynthCommand {
  std::string output_dir;
  swathgrid::SynthCampaignOptions campaign;
};

// "--near -75,38.5" would read -75,38.5 as an option: join the value to its option.
std::vector<std::string> join_negative_values(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> joined;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--near" && i + 1 < args.size()) {
      joined.push_back(args[i] + "=" + args[i + 1]);
      ++i;
    } else {
      joined.push_back(args[i]);
    }
  }
  return joined;
}

std::size_t non_negative(long long value, const char* option) {
  if (value < 0)
    throw swathgrid::UsageError(std::string("--") + option + " must not be negative, got " +
                                std::to_string(value));
  return static_cast<std::size_t>(value);
}

std::uint64_t parse_seed(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || *end != '\0' || errno == ERANGE)
    throw swathgrid::UsageError("--seed must be a non-negative integer, got '" + text + "'");
  return value;
}

swathgrid::SynthSuite parse_suite(const std::string& text) {
  if (text == "bgc") return swathgrid::SynthSuite::kBgc;
  if (text == "aop") return swathgrid::SynthSuite::kAop;
  throw swathgrid::UsageError("--suite must be bgc or aop, got '" + text + "'");
}

swathgrid::SynthTilt parse_tilt(const std::string& text) {
  for (auto tilt : {swathgrid::SynthTilt::kNadir, swathgrid::SynthTilt::kAftToFore,
                    swathgrid::SynthTilt::kForeToAft})
    if (text == swathgrid::tilt_name(tilt)) return tilt;
  throw swathgrid::UsageError("--tilt must be nadir, aft-to-fore or fore-to-aft, got '" + text +
                              "'");
}

bool parse_rrs_chunks(const std::string& text) {
  if (text == "lines") return false;
  if (text == "l2gen") return true;
  throw swathgrid::UsageError("--rrs-chunks must be lines or l2gen, got '" + text + "'");
}

// The options of SynthOciFeatures (docs/synthetic-data.md, "Closer to real files").
struct OciOptionText {
  std::string tilt = "nadir", rrs_chunks = "lines";
  long long tilt_change_lines = static_cast<long long>(swathgrid::kDefaultTiltChangeLines);
  long long navigation_fill_lines = 0;
};

void add_oci_options(po::options_description& options, OciOptionText& text) {
  options.add_options()("tilt", po::value(&text.tilt)->default_value(text.tilt),
                        "OCI's tilt change in the middle of every granule: nadir (none), "
                        "aft-to-fore (the daytime flip) or fore-to-aft")(
      "tilt-change-lines",
      po::value(&text.tilt_change_lines)->default_value(text.tilt_change_lines),
      "lines of the tilt manoeuvre, without navigation")(
      "navigation-fill-lines",
      po::value(&text.navigation_fill_lines)->default_value(text.navigation_fill_lines),
      "whole scan lines with longitude/latitude fill (-999) in every granule")(
      "rrs-chunks", po::value(&text.rrs_chunks)->default_value(text.rrs_chunks),
      "aop: Rrs chunks of 256 lines (lines) or (32, 256, 40) as l2gen writes them (l2gen)");
}

void apply_oci_options(const OciOptionText& text, const po::variables_map& values,
                       swathgrid::SynthCampaignOptions& campaign);

void parse_near(const std::string& text, swathgrid::SynthCampaignOptions& campaign) {
  std::istringstream stream(text);
  char comma = 0;
  double lon = 0.0, lat = 0.0;
  if (!(stream >> lon >> comma >> lat) || comma != ',' || !stream.eof())
    throw swathgrid::UsageError("--near must be LON,LAT in degrees, got '" + text + "'");
  campaign.near_lon_deg = lon;
  campaign.near_lat_deg = lat;
}

// Returns nothing when --help was asked (after printing it).
std::optional<SynthCommand> parse_command_line(int argc, char** argv) {
  SynthCommand command;
  auto& campaign = command.campaign;
  long long count = 16, days = 7, lines = 0, pixels = 1272;
  long long bands = static_cast<long long>(swathgrid::kDefaultAopBands);
  std::string near, seed = "1", suite = "bgc";
  po::options_description options(std::string("Usage: ") + kProgram +
                                  " -o DIR [options]\nWrites synthetic PACE OCI Level-2 "
                                  "granules (OB.DAAC layout) and prints their paths");
  options.add_options()("help,h", "print this help")(
      "output-dir,o", po::value(&command.output_dir)->required(), "directory (created)")(
      "count", po::value(&count)->default_value(count), "granules")(
      "first-day", po::value(&campaign.first_day)->default_value(campaign.first_day),
      "UTC date of the first granule")("days", po::value(&days)->default_value(days),
                                       "spread the granules over this many days")(
      "near", po::value(&near), "LON,LAT the passes go near (default -75,38.5)")(
      "antimeridian", po::bool_switch(&campaign.antimeridian),
      "place the granules across 180 degrees")(
      "gring-attributes", po::bool_switch(&campaign.gring_attributes),
      "geospatial_lon_min/max as OCSSW's libgring writes them (one-sided across 180 degrees)")(
      "lines", po::value(&lines)->default_value(lines), "number_of_lines (0: alternate 1709/1710)")(
      "pixels", po::value(&pixels)->default_value(pixels), "pixels_per_line")(
      "cloud-fraction",
      po::value(&campaign.cloud_fraction)->default_value(campaign.cloud_fraction, "0.3"),
      "fraction of pixels under cloud")("seed", po::value(&seed)->default_value(seed),
                                        "random seed")(
      "suite", po::value(&suite)->default_value(suite),
      "product suite: bgc (chlor_a, poc, carbon_phyto) or aop (Rrs over wavelength_3d, "
      "aot_865, angstrom)")("bands", po::value(&bands)->default_value(bands),
                            "aop: Rrs bands from 346 to 719 nm (1 to 184)");
  OciOptionText oci;
  add_oci_options(options, oci);
  po::variables_map values;
  try {
    po::store(po::command_line_parser(join_negative_values(argc, argv)).options(options).run(),
              values);
    if (values.count("help")) {
      std::cout << options << std::endl;
      return std::nullopt;
    }
    po::notify(values);
  } catch (const po::error& e) {
    throw swathgrid::UsageError(e.what());
  }
  campaign.count = non_negative(count, "count");
  campaign.days = non_negative(days, "days");
  campaign.lines = non_negative(lines, "lines");
  campaign.pixels = non_negative(pixels, "pixels");
  campaign.seed = parse_seed(seed);
  campaign.suite = parse_suite(suite);
  campaign.aop_bands = non_negative(bands, "bands");
  if (!values["bands"].defaulted() && campaign.suite != swathgrid::SynthSuite::kAop)
    throw swathgrid::UsageError("--bands needs --suite aop");
  if (!near.empty()) parse_near(near, campaign);
  apply_oci_options(oci, values, campaign);
  return command;
}

void apply_oci_options(const OciOptionText& text, const po::variables_map& values,
                       swathgrid::SynthCampaignOptions& campaign) {
  campaign.oci.tilt = parse_tilt(text.tilt);
  campaign.oci.tilt_change_lines = non_negative(text.tilt_change_lines, "tilt-change-lines");
  campaign.oci.navigation_fill_lines =
      non_negative(text.navigation_fill_lines, "navigation-fill-lines");
  campaign.oci.l2gen_rrs_chunks = parse_rrs_chunks(text.rrs_chunks);
  if (!values["tilt-change-lines"].defaulted() && campaign.oci.tilt == swathgrid::SynthTilt::kNadir)
    throw swathgrid::UsageError("--tilt-change-lines needs --tilt aft-to-fore or fore-to-aft");
  if (!values["rrs-chunks"].defaulted() && campaign.suite != swathgrid::SynthSuite::kAop)
    throw swathgrid::UsageError("--rrs-chunks needs --suite aop");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto command = parse_command_line(argc, argv);
    if (!command) return swathgrid::kExitSuccess;
    std::vector<swathgrid::PlannedGranule> granules;
    try {
      granules = swathgrid::plan_campaign(command->campaign);
    } catch (const swathgrid::Error& e) {
      throw swathgrid::UsageError(e.what());  // every campaign problem is an option value
    }
    std::error_code error;
    std::filesystem::create_directories(command->output_dir, error);
    if (error)
      throw swathgrid::Error("cannot create output directory " + command->output_dir + ": " +
                             error.message());
    for (const auto& granule : granules) {
      const std::string path =
          (std::filesystem::path(command->output_dir) / granule.file_name).string();
      swathgrid::write_synthetic_granule(path, granule.options);
      std::cout << path << std::endl;
    }
    return swathgrid::kExitSuccess;
  } catch (const swathgrid::UsageError& e) {
    std::cerr << kProgram << ": " << e.what() << std::endl;
    return swathgrid::kExitUsage;
  } catch (const swathgrid::Error& e) {
    std::cerr << kProgram << ": error: " << e.what() << std::endl;
    return swathgrid::kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << kProgram << ": error: " << e.what() << std::endl;
    return swathgrid::kExitFailure;
  }
}
