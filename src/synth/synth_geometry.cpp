#include "synth_geometry.hpp"

#include "synth_oci.hpp"

namespace swathgrid::synth_detail {
namespace {

constexpr double kOrbitRadiusRatio = (kEarthRadiusKm + kOrbitAltitudeKm) / kEarthRadiusKm;
constexpr double kTrackDifferenceStepS = 0.5;  // central difference for the track direction

// Signed earth central angle (rad) between nadir and the ground point seen at `scan_rad`:
// asin((R + h) / R * sin(theta)) - theta.
double central_angle_rad(double scan_rad) {
  return std::asin(kOrbitRadiusRatio * std::sin(scan_rad)) - scan_rad;
}

// Circular orbit: argument of latitude u (rad from the ascending node), inclination i;
// the node sits at Earth-fixed longitude `node_lon_rad` at the reference time and the Earth
// turns under the orbit plane by `rotation_rad` since then.
Vec3 sub_satellite_point(double u, double node_lon_rad, double rotation_rad) {
  const double inclination = kOrbitInclinationDeg * kDegToRad;
  const Vec3 in_plane{std::cos(u), std::cos(inclination) * std::sin(u),
                      std::sin(inclination) * std::sin(u)};
  const double angle = node_lon_rad - rotation_rad;
  return {std::cos(angle) * in_plane.x - std::sin(angle) * in_plane.y,
          std::sin(angle) * in_plane.x + std::cos(angle) * in_plane.y, in_plane.z};
}

// The tilt change (SynthOciFeatures::tilt): per-line tilts and frames, per-pixel scan sines.
void add_tilt(const SynthGranuleOptions& options, SwathGeometry& geometry) {
  const std::vector<double> tilts = line_tilts_deg(options.oci, geometry.lines);
  if (tilts.empty()) return;
  for (std::size_t line = 0; line < geometry.lines; ++line) {
    geometry.forward.push_back(normalized(cross(geometry.nadir[line], geometry.right[line])));
    geometry.cos_tilt.push_back(std::cos(tilts[line] * kDegToRad));
    geometry.sin_tilt.push_back(std::sin(tilts[line] * kDegToRad));
  }
  for (double scan_deg : geometry.scan_angle_deg) {
    geometry.cos_scan.push_back(std::cos(scan_deg * kDegToRad));
    geometry.sin_scan.push_back(std::sin(scan_deg * kDegToRad));
  }
}

}  // namespace

double great_circle_km(double lat1_deg, double lon1_deg, double lat2_deg, double lon2_deg) {
  const Vec3 a = unit_vector(lat1_deg, lon1_deg), b = unit_vector(lat2_deg, lon2_deg);
  return kEarthRadiusKm * std::atan2(std::sqrt(dot(cross(a, b), cross(a, b))), dot(a, b));
}

Vec3 SwathGeometry::tilted_pixel_vector(std::size_t line, std::size_t pixel) const {
  // Line of sight: the scan direction tilted along track, from the satellite at
  // kOrbitRadiusRatio earth radii; the nearer root of |S + t d| = 1.
  const Vec3 satellite = kOrbitRadiusRatio * nadir[line];
  const Vec3 down_or_ahead = (-cos_tilt[line]) * nadir[line] + sin_tilt[line] * forward[line];
  const Vec3 look = cos_scan[pixel] * down_or_ahead + sin_scan[pixel] * right[line];
  const double b = dot(satellite, look);
  const double c = kOrbitRadiusRatio * kOrbitRadiusRatio - 1.0;
  const double t = -b - std::sqrt(b * b - c);  // OCI's +-20 degrees always meet the Earth
  return normalized(satellite + t * look);
}

double ground_distance_km(double scan_angle_deg) {
  return kEarthRadiusKm * central_angle_rad(scan_angle_deg * kDegToRad);
}

SwathGeometry make_swath_geometry(const SynthGranuleOptions& options) {
  SwathGeometry geometry;
  geometry.lines = options.lines;
  geometry.pixels = options.pixels;

  // Where and when nadir crosses the requested latitude (ascending branch of the orbit).
  const double inclination = kOrbitInclinationDeg * kDegToRad;
  const double cross_lat = options.near_lat_deg * kDegToRad;
  const double cross_lon = options.near_lon_deg * kDegToRad +
                           options.track_offset_km / (kEarthRadiusKm * std::cos(cross_lat));
  const double cross_u = std::asin(std::sin(cross_lat) / std::sin(inclination));
  const double node_lon =
      cross_lon - std::atan2(std::cos(inclination) * std::sin(cross_u), std::cos(cross_u));
  const double cross_time_s =
      options.track_position * static_cast<double>(options.lines - 1) * kLinePeriodS;
  const double mean_motion = 2.0 * kPi / kOrbitPeriodS;  // rad/s along the orbit
  const double earth_rate = 2.0 * kPi / kSiderealDayS;   // rad/s of the Earth
  auto nadir_at = [&](double time_s) {
    const double dt = time_s - cross_time_s;
    return sub_satellite_point(cross_u + mean_motion * dt, node_lon, earth_rate * dt);
  };

  geometry.nadir.resize(options.lines);
  geometry.right.resize(options.lines);
  for (std::size_t line = 0; line < options.lines; ++line) {
    const double time_s = static_cast<double>(line) * kLinePeriodS;
    const Vec3 nadir = nadir_at(time_s);
    const Vec3 motion =
        nadir_at(time_s + kTrackDifferenceStepS) - nadir_at(time_s - kTrackDifferenceStepS);
    geometry.nadir[line] = nadir;
    geometry.right[line] = normalized(cross(motion, nadir));  // scan perpendicular to track
  }

  geometry.scan_angle_deg.resize(options.pixels);
  geometry.cos_central.resize(options.pixels);
  geometry.sin_central.resize(options.pixels);
  geometry.sensor_zenith_deg.resize(options.pixels);
  const double step = 2.0 / static_cast<double>(options.pixels - 1);
  for (std::size_t pixel = 0; pixel < options.pixels; ++pixel) {
    const double scan_deg = kMaxScanAngleDeg * (static_cast<double>(pixel) * step - 1.0);
    const double scan_rad = scan_deg * kDegToRad;
    const double central = central_angle_rad(scan_rad);
    geometry.scan_angle_deg[pixel] = scan_deg;
    geometry.cos_central[pixel] = std::cos(central);
    geometry.sin_central[pixel] = std::sin(central);
    geometry.sensor_zenith_deg[pixel] = std::fabs(scan_rad + central) * kRadToDeg;
  }
  add_tilt(options, geometry);
  return geometry;
}

}  // namespace swathgrid::synth_detail
