// --res: a number in CRS units or a resolution name as NASA's l3mapgen reads it.
//
// Source of the names and values: OBPG ocssw, oel_util/libgenutils/resolution_utils.cpp
// (string2resolution, resolution2degrees) and genutils.h (EARTH_CIRCUMFERENCE =
// 40075016.6856 m, "circumference of the earth at the equator in meters"). l3mapgen reads a
// name as metres; its lat/lon (SMI) grids take degrees = metres / EARTH_CIRCUMFERENCE * 360,
// its projected grids the metres themselves. A name such as "9km" is therefore the cell of
// a global grid 4320 cells around the equator: 360/4320 degrees, or 9276.6 m. Table in
// docs/grids.md.

#include <algorithm>
#include <cctype>
#include <cmath>

#include "swathgrid/error.hpp"
#include "swathgrid/projection.hpp"

namespace swathgrid {

namespace {

/// ocssw genutils.h: circumference of the earth at the equator in metres.
constexpr double kEarthCircumferenceM = 40075016.6856;
constexpr double kFullTurnDeg = 360.0;
constexpr double kMetresPerKm = 1000.0;

/// An l3mapgen name: the cell is 1 / cells_around_equator of the circumference.
struct NamedResolution {
  const char* name;
  double cells_around_equator;
};

// ocssw resolution_utils.cpp, string2resolution: resolution = EARTH_CIRCUMFERENCE / n.
constexpr NamedResolution kNamedResolutions[] = {
    {"90km", 432.0},    {"36km", 1080.0}, {"18km", 2160.0}, {"9km", 4320.0},   {"4km", 8640.0},
    {"2km", 17280.0},   {"1km", 34560.0}, {"hkm", 69120.0}, {"qkm", 138240.0}, {"hqkm", 276480.0},
    {"hhkm", 552960.0}, {"smi", 4096.0},  {"smi4", 8192.0}, {"land", 8640.0},  {"thirddeg", 1080.0},
};

constexpr const char* kSuffixDeg = "deg";
constexpr const char* kSuffixKm = "km";
constexpr const char* kSuffixM = "m";

std::string normalized(const std::string& text) {
  std::string result;
  for (const unsigned char c : text)
    if (!std::isspace(c)) result += static_cast<char>(std::tolower(c));
  return result;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() > suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// The whole of `text` as a finite number, or NaN.
double number_or_nan(const std::string& text) {
  std::size_t used = 0;
  double value = std::nan("");
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nan("");
  }
  return used == text.size() && std::isfinite(value) ? value : std::nan("");
}

[[noreturn]] void bad_resolution(const std::string& text) {
  throw UsageError("--res: '" + text +
                   "' is not a positive number (CRS units) or a resolution name (9km, 4km, "
                   "1km, hkm, qkm, 36km, 0.1deg, 500m, ...)");
}

/// A length in metres in the CRS's units.
double from_metres(double metres, const CrsInfo& crs) {
  return crs.geographic ? metres / kEarthCircumferenceM * kFullTurnDeg
                        : metres / crs.metres_per_unit;
}

/// An angle in degrees in the CRS's units (for a projected CRS, that arc of the equator).
double from_degrees(double degrees, const CrsInfo& crs) {
  return crs.geographic ? degrees
                        : degrees / kFullTurnDeg * kEarthCircumferenceM / crs.metres_per_unit;
}

double value_of(const std::string& name, const CrsInfo& crs) {
  for (const auto& named : kNamedResolutions)
    if (name == named.name)
      return crs.geographic
                 ? kFullTurnDeg / named.cells_around_equator
                 : kEarthCircumferenceM / named.cells_around_equator / crs.metres_per_unit;
  const auto number_before = [&](const char* suffix) {
    return number_or_nan(name.substr(0, name.size() - std::string(suffix).size()));
  };
  if (ends_with(name, kSuffixDeg)) return from_degrees(number_before(kSuffixDeg), crs);
  if (ends_with(name, kSuffixKm)) return from_metres(number_before(kSuffixKm) * kMetresPerKm, crs);
  if (ends_with(name, kSuffixM)) return from_metres(number_before(kSuffixM), crs);
  return number_or_nan(name);  // CRS units
}

}  // namespace

double parse_resolution(const std::string& text, const CrsInfo& crs) {
  const double value = value_of(normalized(text), crs);
  if (!(value > 0.0) || !std::isfinite(value)) bad_resolution(text);
  return value;
}

double parse_resolution(const std::string& text, const std::string& crs) {
  return parse_resolution(text, describe_crs(crs));
}

}  // namespace swathgrid
