#pragma once
// Swath geometry of a synthetic granule: a circular sun-synchronous orbit over a spherical,
// rotating Earth, one cross-track scan per line, pixels equally spaced in scan angle.

#include <cmath>
#include <cstddef>
#include <vector>

#include "swathgrid/synth.hpp"

namespace swathgrid::synth_detail {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDegToRad = kPi / 180.0;
constexpr double kRadToDeg = 180.0 / kPi;

constexpr double kEarthRadiusKm = 6371.0;      // spherical Earth
constexpr double kOrbitAltitudeKm = 676.5;     // PACE
constexpr double kOrbitInclinationDeg = 98.2;  // sun-synchronous, retrograde
constexpr double kOrbitPeriodS = 98.4 * 60.0;  // one revolution
constexpr double kSiderealDayS = 86164.0905;   // one Earth rotation
constexpr double kGranuleDurationS = 300.0;    // 5-minute granules...
constexpr double kLinesPerGranule = 1710.0;    // ...of 1710 scans
constexpr double kLinePeriodS = kGranuleDurationS / kLinesPerGranule;  // ~0.175 s per scan
constexpr double kMaxScanAngleDeg = 58.0;     // first/last pixel, ~2600 km swath
constexpr double kMaxNearLatitudeDeg = 80.0;  // the orbit reaches 81.8 degrees

struct Vec3 {
  double x, y, z;
};
inline Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Vec3 operator*(double s, Vec3 a) { return {s * a.x, s * a.y, s * a.z}; }
inline double dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 cross(Vec3 a, Vec3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline Vec3 normalized(Vec3 a) { return (1.0 / std::sqrt(dot(a, a))) * a; }

/// Earth-fixed unit vector (x towards 0E on the equator, z towards the north pole).
inline Vec3 unit_vector(double lat_deg, double lon_deg) {
  const double lat = lat_deg * kDegToRad, lon = lon_deg * kDegToRad;
  return {std::cos(lat) * std::cos(lon), std::cos(lat) * std::sin(lon), std::sin(lat)};
}
inline double latitude_deg(Vec3 u) {
  return std::atan2(u.z, std::sqrt(u.x * u.x + u.y * u.y)) * kRadToDeg;
}
inline double longitude_deg(Vec3 u) { return std::atan2(u.y, u.x) * kRadToDeg; }  // [-180, 180]

/// Great-circle distance between two points, km.
double great_circle_km(double lat1_deg, double lon1_deg, double lat2_deg, double lon2_deg);

/// Per-line scan frames and per-pixel scan geometry of one granule.
struct SwathGeometry {
  std::size_t lines = 0;
  std::size_t pixels = 0;
  std::vector<Vec3> nadir;                ///< per line: sub-satellite point (unit vector)
  std::vector<Vec3> right;                ///< per line: unit tangent across track, to the
                                          ///< right of the motion (east when northbound)
  std::vector<double> scan_angle_deg;     ///< per pixel: negative left of the track
  std::vector<double> cos_central;        ///< per pixel: cos/sin of the signed earth central
  std::vector<double> sin_central;        ///< angle between nadir and the pixel
  std::vector<double> sensor_zenith_deg;  ///< per pixel: view zenith at the ground
  /// With a tilt change (SynthOciFeatures::tilt) only, else empty: per line the along-track
  /// unit tangent (the motion) and cos/sin of the line's tilt (+ fore); per pixel cos/sin of
  /// the scan angle.
  std::vector<Vec3> forward;
  std::vector<double> cos_tilt, sin_tilt, cos_scan, sin_scan;

  /// Unit vector of the centre of pixel (line, pixel).
  Vec3 pixel_vector(std::size_t line, std::size_t pixel) const {
    if (!forward.empty()) return tilted_pixel_vector(line, pixel);
    return cos_central[pixel] * nadir[line] + sin_central[pixel] * right[line];
  }
  /// Where the tilted line of sight of (line, pixel) meets the sphere.
  Vec3 tilted_pixel_vector(std::size_t line, std::size_t pixel) const;
};

/// Places the orbit so that nadir crosses options.near_lat_deg at track_offset_km east of
/// options.near_lon_deg, at fraction track_position of the granule, going north.
SwathGeometry make_swath_geometry(const SynthGranuleOptions& options);

/// Ground distance from nadir (km, signed like the scan angle) of a scan angle.
double ground_distance_km(double scan_angle_deg);

}  // namespace swathgrid::synth_detail
