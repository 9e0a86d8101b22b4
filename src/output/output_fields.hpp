#pragma once
// The CF description of each output variable (name, long_name, units, cell_methods true to
// the method and weighting) and the run-wide metadata computed from the layers.

#include <string>
#include <utility>
#include <vector>

#include "driver/layers.hpp"
#include "swathgrid/config.hpp"
#include "swathgrid/netcdf_writer.hpp"

namespace swathgrid {

/// CF cell_methods (CF 1.8, 7.3) of a statistic, true to how it is made (docs/user-guide.md,
/// "Output metadata"). bin with pixel weights takes one statistic over every pixel of the cell
/// and period ("area: time:"); with granule weights, each granule's cell mean first, then the
/// statistic over granules; l2bin's sqrt weights weigh pixels by granule. nearest and warp
/// sample a point (the nearest pixel) per granule, then combine granules over time.
std::string cell_methods(Method method, Weighting weighting, Stat stat);

std::vector<std::pair<std::string, std::string>> stat_attributes(const VariableInfo& info,
                                                                 const Config& config, Stat stat);

/// time_coverage_start/end: the bounds of the composite's periods (as NASA's L3m files).
void set_time_coverage(OutputMetadata& meta);

/// The wavelengths of the banded variables (all must share them).
std::vector<double> shared_wavelengths(const std::vector<Layer>& layers);

/// One output field per (variable, statistic), in that order.
std::vector<OutputField> make_output_fields(const Config& config, const std::vector<Layer>& layers);

}  // namespace swathgrid
