#pragma once
// The period(s) of a granule: the period of its UTC day (--day utc), or of its NASA data
// day(s) (--day data), which can split a granule across 180 degrees near 00 UTC into two
// periods (include/swathgrid/data_day.hpp).

#include <cstdint>
#include <vector>

#include "swathgrid/config.hpp"
#include "swathgrid/granule.hpp"

namespace swathgrid {

/// The start of a granule (seconds since the epoch). Throws swathgrid::Error naming the
/// granule when time_coverage_start is missing or unparsable (--period `kind` needs it).
double granule_start(const Granule& granule, PeriodKind kind);

/// The period(s) of a granule: one key (0 for --period all), or with --day data a granule
/// that NASA's data day splits into two days of different periods.
struct GranulePeriods {
  std::int64_t first = 0, second = 0;       ///< period keys; equal: the granule is in one
  std::vector<std::uint8_t> second_pixels;  ///< when they differ: 1 for the second's pixels
};

GranulePeriods granule_periods(const Granule& granule, const Config& config);

}  // namespace swathgrid
