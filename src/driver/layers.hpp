#pragma once
// The output layers of a run: one per (variable, band), each with its own accumulators.

#include <map>
#include <string>
#include <vector>

#include "swathgrid/accumulators.hpp"
#include "swathgrid/config.hpp"
#include "swathgrid/granule.hpp"
#include "swathgrid/tiles.hpp"

namespace swathgrid {

struct Layer {
  std::size_t variable = 0;  ///< index into Config::variables / Granule::variables
  std::size_t band = 0;
  std::size_t bands = 1;  ///< bands of the variable
  VariableInfo info;
  double wavelength_nm = 0;  ///< 0 for 2-D variables
  FieldLayout layout;
  bool cells = false;  ///< accumulators keep only the cells with data (--accumulators cells)
  std::map<std::int64_t, TiledFields> periods;  ///< accumulators by period key (sparse tiles)

  /// The accumulators of `period_key`, created (with no tile yet) on first use.
  TiledFields& period_fields(std::int64_t period_key, const TileGrid& tiles);
};

/// Layers for `described` variables (describe_variables of the first granule).
std::vector<Layer> make_layers(const std::vector<GranuleVariable>& described, const Config& config);

}  // namespace swathgrid
