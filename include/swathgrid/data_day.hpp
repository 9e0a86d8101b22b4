#pragma once
// NASA's data day (--day data): which day a granule's pixels belong to, as OCSSW's libdataday
// (get_datadays) and l2bin (set_breakscan, skip_DL) decide it. A sun-synchronous daytime
// sensor sees the same local solar time everywhere, so near 00 UTC the Pacific is seen on
// two UTC days; the data day keeps each pass whole on the day its local time says.
// docs/user-guide.md ("Days: data day or UTC day") states the rule.

#include <cstdint>
#include <string>
#include <vector>

namespace swathgrid {

/// --day: NASA's data day (the default) or the UTC day of time_coverage_start.
enum class DayKind { kData, kUtc };

/// Parses data|utc; throws UsageError("--day: ...").
DayKind parse_day_kind(const std::string& text);
std::string day_kind_name(DayKind kind);

/// The sensor's nominal local equator-crossing time (hours), from the granule's `instrument`
/// and `platform` attributes, as libdataday's getEquatorCrossingTime: OCI, SPEXone, HARP2
/// 13.0; MODIS-Aqua 13.6 and MODIS-Terra 10.5 (each with its drift after 2021 / 2020);
/// VIIRS 13.5; OLCI and MERIS 10.0; OCTS 10.5; SeaWiFS 12.0 (its drift from 2003); CZCS,
/// HawkEye, HICO and unknown sensors 12.0. `known` (optional) tells whether the sensor was
/// recognised.
double equator_crossing_hour(const std::string& instrument, const std::string& platform,
                             double start_seconds, bool* known = nullptr);

/// How a granule's outline meets the 180-degree meridian (libdataday's DL).
enum class DatelineCrossing { kNone, kCrossed, kNorthPole, kSouthPole };

/// Whether the closed outline (gring: points in order, degrees) crosses 180 degrees: an edge
/// whose ends lie on both sides of it the short way round (|delta lon| > 180). A crossed
/// outline that winds round a pole (its longitude steps add up to +-360) holds that pole.
DatelineCrossing dateline_crossing(const std::vector<double>& ring_lon,
                                   const std::vector<double>& ring_lat);

/// The one or two data days (days since 1970-01-01) of a granule, libdataday's get_datadays:
/// reference time = start + (12 - equator_crossing_hour) h, its day and hour;
/// - outline not crossing 180: that day, one earlier when the hour is below 6 and the granule
///   lies west of 0 (lon_max < 0), one later when above 18 and east of 0 (lon_min > 0);
/// - crossing: hour < 6: (day - 1, day); hour > 18: (day, day + 1); over a pole: (day, day);
///   otherwise (day - 1, day) when more of it lies west of 180 (180 - lon_min > lon_max +
///   180), else (day, day + 1).
/// `lon_min`/`lon_max`: the granule's geospatial_lon_min/max.
struct DataDays {
  std::int64_t first = 0;   ///< its pixels west of 0 degrees (lon < 0) when split
  std::int64_t second = 0;  ///< its pixels east of 0 (lon >= 0); == first when not split
  bool split() const { return first != second; }
};
DataDays data_days(double start_seconds, double equator_crossing_hour, DatelineCrossing crossing,
                   double lon_min, double lon_max);

/// For a split granule: 1 where a pixel belongs to the second data day, 0 to the first, as
/// l2bin assigns them per scan line: a line whose first and last valid longitudes (|lon| <=
/// 180) have opposite signs splits by each pixel's own sign; any other line goes whole by
/// the sign of its last valid longitude (lon < 0: first day). `lon`: lines * pixels, NaN
/// where navigation is missing. l2bin counts a longitude of exactly 0 in both days;
/// swathgrid puts it in the second.
std::vector<std::uint8_t> second_day_pixels(const float* lon, std::size_t lines,
                                            std::size_t pixels);

}  // namespace swathgrid
