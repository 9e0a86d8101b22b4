#pragma once
// The output layers of a run: one per (variable, band), each with its own accumulators.

#include <string>
#include <vector>

#include "swathgrid/accumulators.hpp"
#include "swathgrid/config.hpp"
#include "swathgrid/granule.hpp"

namespace swathgrid {

struct Layer {
  std::size_t variable = 0;  ///< index into Config::variables / Granule::variables
  std::size_t band = 0;
  std::string name;          ///< output name: the variable, or <variable>_<wavelength nm>
  VariableInfo info;
  double wavelength_nm = 0;  ///< 0 for 2-D variables
  FieldLayout layout;
  Fields accumulators;       ///< the whole grid
};

/// Layers for `described` variables (describe_variables of the first granule).
std::vector<Layer> make_layers(const std::vector<GranuleVariable>& described,
                               const Config& config, std::int64_t cells);

}  // namespace swathgrid
