#pragma once
// Features of real OCI granules the generator adds on request (SynthOciFeatures): the tilt
// change within a granule and whole scan lines without navigation.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "swathgrid/synth.hpp"
#include "synth_arrays.hpp"

namespace swathgrid::synth_detail {

/// Lines [first, first + count).
struct LineRange {
  std::size_t first = 0;
  std::size_t count = 0;
  bool contains(std::size_t line) const { return line >= first && line - first < count; }
};

/// The lines of the tilt manoeuvre (count 0 without a tilt change).
LineRange tilt_manoeuvre_lines(const SynthOciFeatures& oci, std::size_t lines);

/// Along-track tilt of every line, degrees (+ fore, - aft): the first tilt before the
/// manoeuvre, the second after it, linear in between. Empty without a tilt change.
std::vector<double> line_tilts_deg(const SynthOciFeatures& oci, std::size_t lines);

/// Throws swathgrid::Error "<who>: ..." when the features cannot apply to `lines` lines.
void validate_oci_features(const SynthOciFeatures& oci, std::size_t lines, const std::string& who);

/// Whole lines without navigation: the tilt manoeuvre and oci.navigation_fill_lines distinct
/// lines chosen from `seed`. Their latitude/longitude become kNavigationFill, l2_flags NAVFAIL
/// alone, the products fill (as l2gen leaves a line it cannot navigate).
void add_navigation_fill_lines(const SynthOciFeatures& oci, std::uint64_t seed, std::size_t pixels,
                               GranuleArrays& arrays);

/// The features that differ from the defaults, as name/value pairs for the history attribute
/// and processing_control/input_parameters (none for the defaults: the same bytes as before).
std::vector<std::pair<std::string, std::string>> oci_parameters(const SynthGranuleOptions& options);

/// Whether the whole of `line` has fill navigation.
bool line_without_navigation(const GranuleArrays& arrays, std::size_t pixels, std::size_t line);

}  // namespace swathgrid::synth_detail
