#include "swathgrid/data_day.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "swathgrid/calendar.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {

constexpr double kSecondsPerDay = 86400.0;
constexpr double kSecondsPerHour = 3600.0;
constexpr double kDegreesPerHour = 15.0;
constexpr double kNoonHour = 12.0;
/// libdataday: a crossing granule whose reference hour is within 6 h of midnight is split
/// towards the neighbouring day.
constexpr double kEarlyHour = 6.0, kLateHour = 18.0;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

/// Days since 1 January of `year` (UTC) at `seconds`; the drift polynomials' variable.
double days_since_new_year(double seconds, int year) {
  return seconds / kSecondsPerDay - static_cast<double>(days_from_civil(year, 1, 1));
}

int year_of(double seconds) {
  return static_cast<int>(
      civil_from_days(static_cast<std::int64_t>(std::floor(seconds / kSecondsPerDay))).year);
}

/// Equator-crossing drift of the ageing orbits (degrees of longitude, from Fred Patt's fits
/// in libdataday): the crossing hour is noon + degrees / 15.
double modis_terra_drift_deg(double d) {
  return -6.5318574e-10 * d * d * d - 3.4051901e-06 * d * d - 0.0031894909 * d - 22.49659432;
}
double modis_aqua_drift_deg(double d) {
  return 1.7030083e-09 * d * d * d + 6.5004829e-06 * d * d + 0.0023256436 * d + 24.060654;
}
double seawifs_drift_deg(double d) {
  constexpr double kOrbitRaisedDay = 3843.0;  // 10 July 2010, days since 1 January 2000
  return d < kOrbitRaisedDay
             ? 7.7517951e-10 * d * d * d - 2.1692192e-06 * d * d + 0.0070669241 * d - 4.1300585
             : -0.024285181 * d + 128.86093;
}

}  // namespace

DayKind parse_day_kind(const std::string& text) {
  if (text == "data") return DayKind::kData;
  if (text == "utc") return DayKind::kUtc;
  throw UsageError("--day: unknown day '" + text + "' (available: data,utc)");
}

std::string day_kind_name(DayKind kind) { return kind == DayKind::kData ? "data" : "utc"; }

double equator_crossing_hour(const std::string& instrument, const std::string& platform,
                             double start_seconds, bool* known) {
  const std::string sensor = lower(instrument), carrier = lower(platform);
  const int year = year_of(start_seconds);
  double hour = kNoonHour;
  bool recognised = true;
  if (sensor == "oci" || sensor == "spexone" || sensor == "harp2") {
    hour = 13.0;
  } else if (contains(sensor, "modis") && contains(carrier, "aqua")) {
    hour = year > 2021
               ? kNoonHour + modis_aqua_drift_deg(days_since_new_year(start_seconds, 2022)) /
                                 kDegreesPerHour
               : 13.6;
  } else if (contains(sensor, "modis") && contains(carrier, "terra")) {
    hour = year > 2020
               ? kNoonHour + modis_terra_drift_deg(days_since_new_year(start_seconds, 2021)) /
                                 kDegreesPerHour
               : 10.5;
  } else if (contains(sensor, "viirs")) {
    hour = 13.5;
  } else if (contains(sensor, "olci") || contains(sensor, "meris")) {
    hour = 10.0;
  } else if (sensor == "octs") {
    hour = 10.5;
  } else if (contains(sensor, "seawifs")) {
    if (year > 2002) {  // libdataday truncates the day count to an integer
      const double d = std::trunc(days_since_new_year(start_seconds, 2000));
      hour = kNoonHour + seawifs_drift_deg(d) / kDegreesPerHour;
    }
  } else if (sensor == "czcs" || sensor == "hawkeye" || sensor == "hico") {
    hour = kNoonHour;
  } else {
    recognised = false;  // libdataday: "Assuming local noon crossing"
  }
  if (known) *known = recognised;
  return hour;
}

DatelineCrossing dateline_crossing(const std::vector<double>& ring_lon,
                                   const std::vector<double>& ring_lat) {
  const std::size_t n = std::min(ring_lon.size(), ring_lat.size());
  bool crossed = false;
  double winding_deg = 0.0;
  double lat_sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = ring_lon[i], b = ring_lon[(i + 1) % n];
    double step = b - a;
    if (step > 180.0) step -= 360.0;
    if (step < -180.0) step += 360.0;
    winding_deg += step;
    lat_sum += ring_lat[i];
    if ((a < 0.0) != (b < 0.0) && std::fabs(b - a) > 180.0) crossed = true;
  }
  if (!crossed) return DatelineCrossing::kNone;
  if (std::fabs(winding_deg) > 180.0)
    return lat_sum >= 0.0 ? DatelineCrossing::kNorthPole : DatelineCrossing::kSouthPole;
  return DatelineCrossing::kCrossed;
}

DataDays data_days(double start_seconds, double equator_crossing_hour, DatelineCrossing crossing,
                   double lon_min, double lon_max) {
  // libdataday works on whole seconds (time_t).
  const double reference =
      std::floor(std::floor(start_seconds) + (kNoonHour - equator_crossing_hour) * kSecondsPerHour);
  std::int64_t day = static_cast<std::int64_t>(std::floor(reference / kSecondsPerDay));
  const double hour = (reference - static_cast<double>(day) * kSecondsPerDay) / kSecondsPerHour;
  if (crossing == DatelineCrossing::kNone) {
    if (hour < kEarlyHour && lon_max < 0.0) --day;
    if (hour > kLateHour && lon_min > 0.0) ++day;
    return {day, day};
  }
  if (hour < kEarlyHour) return {day - 1, day};
  if (hour > kLateHour) return {day, day + 1};
  if (crossing != DatelineCrossing::kCrossed) return {day, day};  // over a pole
  const double west_of_dateline = 180.0 - lon_min, east_of_dateline = lon_max + 180.0;
  if (west_of_dateline > east_of_dateline) return {day - 1, day};
  return {day, day + 1};
}

std::vector<std::uint8_t> second_day_pixels(const float* lon, std::size_t lines,
                                            std::size_t pixels) {
  std::vector<std::uint8_t> second(lines * pixels, 0);
  const auto valid = [](float v) { return std::fabs(v) <= 180.0f; };  // false for NaN
  for (std::size_t line = 0; line < lines; ++line) {
    const float* row = lon + line * pixels;
    const float* first = std::find_if(row, row + pixels, valid);
    if (first == row + pixels) continue;  // no navigation: nothing of it is binned
    const float last = *std::find_if(std::reverse_iterator<const float*>(row + pixels),
                                     std::reverse_iterator<const float*>(row), valid);
    std::uint8_t* out = second.data() + line * pixels;
    if (*first * last < 0.0f) {  // l2bin: slon * elon < 0
      for (std::size_t p = 0; p < pixels; ++p) out[p] = row[p] >= 0.0f ? 1 : 0;
    } else if (last >= 0.0f) {
      std::fill(out, out + pixels, std::uint8_t{1});
    }
  }
  return second;
}

}  // namespace swathgrid
