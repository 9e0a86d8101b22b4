#include "granule_periods.hpp"

#include <algorithm>
#include <cmath>

#include "swathgrid/data_day.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/periods.hpp"

namespace swathgrid {

namespace {

/// The granule's outline for the data day: its gring attributes, else the ends of the lines
/// held (first valid pixel of each line down, last valid pixel of each line back up).
void granule_outline(const Granule& granule, std::vector<double>& lon, std::vector<double>& lat) {
  lon = granule.ring_lon;
  lat = granule.ring_lat;
  if (!lon.empty()) return;
  std::vector<double> end_lon, end_lat;
  for (std::size_t line = 0; line < granule.lines; ++line) {
    const std::size_t row = line * granule.pixels;
    std::size_t first = granule.pixels, last = granule.pixels;
    for (std::size_t p = 0; p < granule.pixels; ++p)
      if (!std::isnan(granule.longitude[row + p])) {
        if (first == granule.pixels) first = p;
        last = p;
      }
    if (first == granule.pixels) continue;
    lon.push_back(granule.longitude[row + first]);
    lat.push_back(granule.latitude[row + first]);
    end_lon.push_back(granule.longitude[row + last]);
    end_lat.push_back(granule.latitude[row + last]);
  }
  lon.insert(lon.end(), end_lon.rbegin(), end_lon.rend());
  lat.insert(lat.end(), end_lat.rbegin(), end_lat.rend());
}

}  // namespace

double granule_start(const Granule& granule, PeriodKind kind) {
  if (granule.time_coverage_start.empty())
    throw Error("granule " + granule.path + ": time_coverage_start missing (--period " +
                period_name(kind) + " needs it)");
  try {
    return parse_iso8601_utc(granule.time_coverage_start);
  } catch (const Error& e) {
    throw Error("granule " + granule.path + ": time_coverage_start: " + e.what());
  }
}

GranulePeriods granule_periods(const Granule& granule, const Config& config) {
  if (config.period == PeriodKind::kAll) return {};
  const double start = granule_start(granule, config.period);
  if (config.day == DayKind::kUtc) {
    const std::int64_t key = period_of(start, config.period).key;
    return {key, key, {}};
  }
  // libdataday moves a night granule's equator crossing by 12 hours and splits it otherwise;
  // only the daytime rule is built: a night granule is refused, never given a wrong day.
  if (granule.day_night == "Night")
    throw Error("granule " + granule.path +
                ": day_night_flag is Night: --day data follows NASA's daytime rule only "
                "(composite night granules with --day utc)");
  std::vector<double> ring_lon, ring_lat;
  granule_outline(granule, ring_lon, ring_lat);
  double lon_min = granule.lon_min, lon_max = granule.lon_max;
  if (!(std::isfinite(lon_min) && std::isfinite(lon_max)) && !ring_lon.empty()) {
    lon_min = *std::min_element(ring_lon.begin(), ring_lon.end());
    lon_max = *std::max_element(ring_lon.begin(), ring_lon.end());
  }
  const DataDays days =
      data_days(start, equator_crossing_hour(granule.instrument, granule.platform, start),
                dateline_crossing(ring_lon, ring_lat), lon_min, lon_max);
  constexpr double kSecondsPerDay = 86400.0;
  GranulePeriods periods;
  periods.first = period_of(static_cast<double>(days.first) * kSecondsPerDay, config.period).key;
  periods.second = period_of(static_cast<double>(days.second) * kSecondsPerDay, config.period).key;
  if (periods.first != periods.second)
    periods.second_pixels =
        second_day_pixels(granule.longitude.data(), granule.lines, granule.pixels);
  return periods;
}

}  // namespace swathgrid
