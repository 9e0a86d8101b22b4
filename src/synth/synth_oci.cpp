#include "synth_oci.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "swathgrid/error.hpp"
#include "synth_random.hpp"

namespace swathgrid {

const char* tilt_name(SynthTilt tilt) {
  switch (tilt) {
    case SynthTilt::kAftToFore:
      return "aft-to-fore";
    case SynthTilt::kForeToAft:
      return "fore-to-aft";
    case SynthTilt::kNadir:
      break;
  }
  return "nadir";
}

}  // namespace swathgrid

namespace swathgrid::synth_detail {

std::vector<std::pair<std::string, std::string>> oci_parameters(
    const SynthGranuleOptions& options) {
  const SynthOciFeatures& oci = options.oci;
  std::vector<std::pair<std::string, std::string>> parameters;
  if (oci.tilt != SynthTilt::kNadir) {
    std::ostringstream position;
    position << oci.tilt_change_position;
    parameters.emplace_back("tilt", tilt_name(oci.tilt));
    parameters.emplace_back("tilt_change_position", position.str());
    parameters.emplace_back("tilt_change_lines", std::to_string(oci.tilt_change_lines));
  }
  if (oci.navigation_fill_lines > 0)
    parameters.emplace_back("navigation_fill_lines", std::to_string(oci.navigation_fill_lines));
  if (oci.l2gen_rrs_chunks && options.suite == SynthSuite::kAop)
    parameters.emplace_back("rrs_chunks", "l2gen");
  return parameters;
}

LineRange tilt_manoeuvre_lines(const SynthOciFeatures& oci, std::size_t lines) {
  if (oci.tilt == SynthTilt::kNadir || lines == 0) return {};
  const auto first = static_cast<std::size_t>(
      std::llround(oci.tilt_change_position * static_cast<double>(lines - 1)));
  return {first, std::min(oci.tilt_change_lines, lines - first)};
}

std::vector<double> line_tilts_deg(const SynthOciFeatures& oci, std::size_t lines) {
  if (oci.tilt == SynthTilt::kNadir) return {};
  const double before = oci.tilt == SynthTilt::kAftToFore ? -kTiltDeg : kTiltDeg;
  const LineRange manoeuvre = tilt_manoeuvre_lines(oci, lines);
  std::vector<double> tilt(lines);
  for (std::size_t line = 0; line < lines; ++line) {
    if (line < manoeuvre.first) {
      tilt[line] = before;
    } else if (line >= manoeuvre.first + manoeuvre.count) {
      tilt[line] = -before;
    } else {  // the telescope turns at a constant rate
      const double done = static_cast<double>(line - manoeuvre.first + 1) /
                          static_cast<double>(manoeuvre.count + 1);
      tilt[line] = before - 2.0 * before * done;
    }
  }
  return tilt;
}

void validate_oci_features(const SynthOciFeatures& oci, std::size_t lines, const std::string& who) {
  SWATHGRID_REQUIRE(
      oci.tilt_change_position >= 0.0 && oci.tilt_change_position <= 1.0,
      who << ": the tilt change position must be in [0, 1], got " << oci.tilt_change_position);
  SWATHGRID_REQUIRE(oci.tilt == SynthTilt::kNadir ||
                        (oci.tilt_change_lines >= 1 && oci.tilt_change_lines < lines),
                    who << ": the tilt change must take 1 to " << lines - 1 << " lines, got "
                        << oci.tilt_change_lines);
  SWATHGRID_REQUIRE(oci.navigation_fill_lines < lines, who << ": at most " << lines - 1
                                                           << " navigation fill lines, got "
                                                           << oci.navigation_fill_lines);
}

void add_navigation_fill_lines(const SynthOciFeatures& oci, std::uint64_t seed, std::size_t pixels,
                               GranuleArrays& arrays) {
  const std::size_t lines = pixels > 0 ? arrays.latitude.size() / pixels : 0;
  std::vector<bool> fill(lines, false);
  const LineRange manoeuvre = tilt_manoeuvre_lines(oci, lines);
  for (std::size_t line = manoeuvre.first; line < manoeuvre.first + manoeuvre.count; ++line)
    fill[line] = true;
  // Distinct lines from the seed (a partial Fisher-Yates shuffle of the line numbers).
  std::vector<std::size_t> order(lines);
  for (std::size_t line = 0; line < lines; ++line) order[line] = line;
  SplitMix64 random(mix64(seed ^ 0x6e61766c696e65ULL));
  for (std::size_t k = 0; k < std::min(oci.navigation_fill_lines, lines); ++k) {
    const std::size_t pick = k + static_cast<std::size_t>(random.next() % (lines - k));
    std::swap(order[k], order[pick]);
    fill[order[k]] = true;
  }
  for (std::size_t line = 0; line < lines; ++line) {
    if (!fill[line]) continue;
    for (std::size_t i = line * pixels; i < (line + 1) * pixels; ++i) {
      arrays.latitude[i] = arrays.longitude[i] = kNavigationFill;
      arrays.l2_flags[i] = flag_mask(kFlagNavigationFailure);
      arrays.chlor_a[i] = arrays.poc[i] = arrays.carbon_phyto[i] = kGeophysicalFill;
    }
  }
}

bool line_without_navigation(const GranuleArrays& arrays, std::size_t pixels, std::size_t line) {
  for (std::size_t i = line * pixels; i < (line + 1) * pixels; ++i)
    if (arrays.latitude[i] != kNavigationFill || arrays.longitude[i] != kNavigationFill)
      return false;
  return true;
}

}  // namespace swathgrid::synth_detail
