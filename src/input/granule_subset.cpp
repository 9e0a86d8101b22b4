// Subset reads: the geometry (distance bounds, lines near a region) and the reads that feed
// it (root attributes, the navigation sample). The argument is in granule_subset.hpp.

#include "granule_subset.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "granule_values.hpp"
#include "hdf5_util.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/periods.hpp"
#include "swathgrid/text.hpp"

namespace swathgrid {

namespace {

constexpr double kFullTurnDeg = 360.0;
constexpr double kRightAngleDeg = 90.0;
constexpr double kRadPerDeg = kPi / 180.0;
constexpr double kDegPerRad = 180.0 / kPi;
constexpr double kMetresPerRadian = 6371008.8;  ///< mean Earth radius: metres per radian of arc

/// Width (degrees) of the box's longitudes east of its west edge; >= 360: all longitudes.
double lon_width(const BBox& box) {
  double width = box.east - box.west;
  if (width < 0.0) width += kFullTurnDeg;  // crosses the antimeridian
  return width;
}

/// Longitude gap (degrees, 0..180) between the arc [west, west + width] and the box's arc.
double lon_gap_deg(const BBox& box, double west, double width) {
  const double box_width = lon_width(box);
  if (box_width >= kFullTurnDeg || width >= kFullTurnDeg) return 0.0;
  double offset = std::fmod(west - box.west, kFullTurnDeg);  // start of the arc, from box.west
  if (offset < 0.0) offset += kFullTurnDeg;
  if (offset <= box_width || offset + width >= kFullTurnDeg) return 0.0;
  return std::min(offset - box_width, kFullTurnDeg - (offset + width));
}

/// Lower bound of the distance contributed by a longitude gap at latitudes up to |lat|.
double lon_bound_deg(double gap_deg, double abs_lat_deg) {
  if (gap_deg <= 0.0) return 0.0;
  const double to_pole = kRightAngleDeg - std::min(abs_lat_deg, kRightAngleDeg);
  if (gap_deg >= kRightAngleDeg) return to_pole;
  const double across =
      std::asin(std::cos(abs_lat_deg * kRadPerDeg) * std::sin(gap_deg * kRadPerDeg)) * kDegPerRad;
  return std::min(to_pole, across);
}

double lat_gap_deg(const BBox& box, double south, double north) {
  return std::max({box.south - north, south - box.north, 0.0});
}

/// Great-circle arc (degrees) between two points given in degrees.
double arc_deg(double lat1, double lon1, double lat2, double lon2) {
  const double p1 = lat1 * kRadPerDeg, p2 = lat2 * kRadPerDeg;
  const double dp = std::sin((p2 - p1) * 0.5);
  const double dl = std::sin((lon2 - lon1) * kRadPerDeg * 0.5);
  const double h = dp * dp + std::cos(p1) * std::cos(p2) * dl * dl;  // haversine
  return 2.0 * std::asin(std::sqrt(std::min(1.0, h))) * kDegPerRad;
}

/// As read_granule judges navigation: NaN both where either is out of range (or NaN).
void mark_invalid_navigation(float& lat, float& lon) {
  if (!(lat >= -90.0f && lat <= 90.0f) || !(lon >= -180.0f && lon <= 180.0f))
    lat = lon = std::numeric_limits<float>::quiet_NaN();
}

/// True when some valid pixel of the line may be within the test's radius of its box.
bool line_may_be_within(const RadiusTest& test, const float* lat, const float* lon,
                        std::size_t pixels) {
  for (std::size_t p = 0; p < pixels; ++p)
    if (!std::isnan(lat[p]) && !std::isnan(lon[p]) && test.may_be_within(lat[p], lon[p]))
      return true;
  return false;
}

/// Largest distance (degrees) between pixels p of two sampled lines, over the pixels valid on
/// both; NaN when there is none.
double line_step_deg(const float* lat_a, const float* lon_a, const float* lat_b, const float* lon_b,
                     std::size_t pixels) {
  double step = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t p = 0; p < pixels; ++p) {
    if (std::isnan(lat_a[p]) || std::isnan(lon_a[p]) || std::isnan(lat_b[p]) ||
        std::isnan(lon_b[p]))
      continue;
    const double d = arc_deg(lat_a[p], lon_a[p], lat_b[p], lon_b[p]);
    step = std::isnan(step) ? d : std::max(step, d);
  }
  return step;
}

/// The root attribute `name` as a finite number, nullopt when absent or not one.
std::optional<double> number_attribute(hid_t file, const char* name, const std::string& context) {
  if (!h5::has_attribute(file, name)) return std::nullopt;
  try {
    const double value = h5::read_double_attribute(file, name, context);
    if (std::isfinite(value)) return value;
  } catch (const Error&) {
  }
  return std::nullopt;
}

/// The latitudes of geospatial_lat_min/max, at all longitudes; nullopt without usable
/// latitudes. geospatial_lon_min/max are not used: see granule_subset.hpp.
std::optional<BBox> attribute_bounds(hid_t file, const std::string& context) {
  const auto south = number_attribute(file, "geospatial_lat_min", context);
  const auto north = number_attribute(file, "geospatial_lat_max", context);
  if (!south || !north || *south > *north || *south < -kRightAngleDeg || *north > kRightAngleDeg)
    return std::nullopt;
  return BBox{-kFullTurnDeg / 2, *south, kFullTurnDeg / 2, *north};
}

/// Seconds since 1970 of a root ISO 8601 attribute, nullopt when absent or unparsable.
std::optional<double> time_attribute(hid_t file, const char* name) {
  const std::string text = h5::read_text_attribute(file, name);
  if (text.empty()) return std::nullopt;
  try {
    return parse_iso8601_utc(text);
  } catch (const Error&) {
    return std::nullopt;
  }
}

bool outside_time_window(hid_t file, const TimeWindow& window) {
  const auto start = time_attribute(file, "time_coverage_start");
  if (!start) return false;
  const double end = time_attribute(file, "time_coverage_end").value_or(*start);
  return end < window.start_s || *start >= window.end_s;
}

/// The sample stride for `dataset`: kSampleStride, or 1 (all lines) when it is stored in
/// chunks of so many lines that a strided read would decompress (nearly) every chunk anyway.
std::size_t sample_stride(hid_t dataset) {
  h5::Handle plist(H5Dget_create_plist(dataset), H5Pclose);
  if (!plist.valid() || H5Pget_layout(plist.get()) != H5D_CHUNKED) return kSampleStride;
  const int rank = H5Pget_chunk(plist.get(), 0, nullptr);
  if (rank < 1) return kSampleStride;
  std::vector<hsize_t> chunk(static_cast<std::size_t>(rank));
  H5Pget_chunk(plist.get(), rank, chunk.data());
  return 2 * chunk[0] > kSampleStride ? 1 : kSampleStride;
}

/// Latitude or longitude of the sampled lines (every stride-th and the last).
FloatArray read_sample(hid_t dataset, const std::vector<std::size_t>& sampled, std::size_t stride,
                       const std::string& context, const char* name, std::size_t* bytes_read) {
  const h5::Rows strided{0, (sampled.back() / stride) + 1, stride};
  FloatArray values = read_physical(dataset, strided, context, name, nullptr, bytes_read);
  if (sampled.size() > strided.count) {  // the last line is not on the stride
    const h5::Rows last{sampled.back(), 1, 1};
    const auto tail = read_physical(dataset, last, context, name, nullptr, bytes_read);
    values.insert(values.end(), tail.begin(), tail.end());
  }
  return values;
}

/// Step 2 with every line sampled: latitude first, then longitude only for the lines that
/// have a latitude within the margin's band (no other line is near the region, whatever its
/// longitudes) and one line either side of them, so that lines_near_region judges every
/// interval it would judge over the whole navigation and gives the same range. The plan keeps
/// what was read.
void plan_from_every_line(hid_t lat_set, hid_t lon_set, std::size_t lines, std::size_t pixels,
                          const GeoRegion& region, const std::string& context,
                          std::size_t* bytes_read, SubsetPlan& plan) {
  plan.latitude = read_physical(lat_set, h5::Rows{0, lines, 1}, context, "navigation_data/latitude",
                                nullptr, bytes_read);
  const float* lat = plan.latitude.data();
  // RadiusTest's first test, on the latitude alone (NaN and invalid latitudes fail it).
  const double south = std::max(region.box.south - region.margin_deg, -kRightAngleDeg);
  const double north = std::min(region.box.north + region.margin_deg, kRightAngleDeg);
  const auto in_band = [&](std::size_t line) {
    const float* row = lat + line * pixels;
    for (std::size_t p = 0; p < pixels; ++p)
      if (row[p] >= south && row[p] <= north) return true;
    return false;
  };
  std::size_t low = 0, high = lines;
  while (low < lines && !in_band(low)) ++low;
  if (low == lines) return;  // no line near: skip
  while (!in_band(high - 1)) --high;
  const std::size_t first = low > 0 ? low - 1 : 0;
  const std::size_t count = std::min(high + 1, lines) - first;
  plan.longitude_first = first;
  plan.longitude = read_physical(lon_set, h5::Rows{first, count, 1}, context,
                                 "navigation_data/longitude", nullptr, bytes_read);
  float* lat_read = plan.latitude.data() + first * pixels;
  float* lon_read = plan.longitude.data();
  for (std::size_t i = 0; i < count * pixels; ++i)
    mark_invalid_navigation(lat_read[i], lon_read[i]);
  std::vector<std::size_t> sampled(count);
  for (std::size_t k = 0; k < count; ++k) sampled[k] = first + k;
  const LineRange near = lines_near_region(sampled, lat_read, lon_read, pixels, region);
  if (near.count > 0) plan.lines = near;
}

/// Step 2: the lines near the region from the navigation sample.
void sample_lines(hid_t lat_set, hid_t lon_set, std::size_t lines, std::size_t pixels,
                  const ReadRequest& request, const std::string& context, std::size_t* bytes_read,
                  SubsetPlan& plan) {
  const std::size_t stride =
      request.sample_stride > 0 ? request.sample_stride : sample_stride(lat_set);
  if (stride == 1) {
    plan_from_every_line(lat_set, lon_set, lines, pixels, *request.region, context, bytes_read,
                         plan);
    return;
  }
  std::vector<std::size_t> sampled;
  for (std::size_t line = 0; line < lines; line += stride) sampled.push_back(line);
  if (sampled.back() != lines - 1) sampled.push_back(lines - 1);
  FloatArray lat =
      read_sample(lat_set, sampled, stride, context, "navigation_data/latitude", bytes_read);
  FloatArray lon =
      read_sample(lon_set, sampled, stride, context, "navigation_data/longitude", bytes_read);
  for (std::size_t i = 0; i < lat.size(); ++i) mark_invalid_navigation(lat[i], lon[i]);
  const LineRange near =
      lines_near_region(sampled, lat.data(), lon.data(), pixels, *request.region);
  if (near.count > 0) plan.lines = near;
}

}  // namespace

SubsetPlan plan_subset(hid_t file, hid_t lat, hid_t lon, std::size_t lines, std::size_t pixels,
                       const ReadRequest& request, const std::string& context,
                       std::size_t* bytes_read) {
  SubsetPlan plan;
  if (request.time_window && outside_time_window(file, *request.time_window)) return plan;
  if (!request.region || region_is_global(*request.region) || lines == 0) {
    plan.lines = LineRange{0, lines};
    return plan;
  }
  const GeoRegion& region = *request.region;
  const auto bounds = attribute_bounds(file, context);
  if (bounds &&
      distance_lower_bound_deg(region.box, *bounds) > region.margin_deg + kAttributeSlackDeg)
    return plan;
  sample_lines(lat, lon, lines, pixels, request, context, bytes_read, plan);
  return plan;
}

bool region_is_global(const GeoRegion& region) {
  const BBox& b = region.box;
  return lon_width(b) >= kFullTurnDeg && b.south <= -kRightAngleDeg && b.north >= kRightAngleDeg;
}

double distance_lower_bound_deg(const BBox& box, double lat_deg, double lon_deg) {
  const double lat_gap = lat_gap_deg(box, lat_deg, lat_deg);
  return std::max(lat_gap, lon_bound_deg(lon_gap_deg(box, lon_deg, 0.0), std::abs(lat_deg)));
}

double distance_lower_bound_deg(const BBox& box, const BBox& bounds) {
  const double lat_gap = lat_gap_deg(box, bounds.south, bounds.north);
  const double abs_lat = std::max(std::abs(bounds.south), std::abs(bounds.north));
  const double gap = lon_gap_deg(box, bounds.west, bounds.east - bounds.west);
  return std::max(lat_gap, lon_bound_deg(gap, abs_lat));
}

namespace {

/// The longitude gap (degrees, < 90) at which cos(lat) sin(gap) reaches sin_radius, for
/// cos(lat) = cos_lat; 90 when it never does.
double gap_at_radius(double sin_radius, double cos_lat) {
  if (cos_lat <= sin_radius) return kRightAngleDeg;
  return std::asin(sin_radius / cos_lat) * kDegPerRad;
}

}  // namespace

RadiusTest::RadiusTest(const BBox& box, double radius_deg)
    : box_(box),
      width_(lon_width(box)),
      radius_(radius_deg),
      sin_radius_(std::sin(std::min(radius_deg, kRightAngleDeg) * kRadPerDeg)) {
  // |lat| over the latitudes that pass the first test.
  const double south = std::max(box.south - radius_deg, -kRightAngleDeg);
  const double north = std::min(box.north + radius_deg, kRightAngleDeg);
  const double most = std::min(std::max(std::abs(south), std::abs(north)), kRightAngleDeg);
  const double least =
      south <= 0.0 && north >= 0.0 ? 0.0 : std::min(std::abs(south), std::abs(north));
  // Nudged inwards by far more than the rounding of cos and asin: the exact test decides
  // whatever is that close to the radius.
  constexpr double kNudge = 1e-9;
  gap_accept_ = gap_at_radius(sin_radius_, std::cos(least * kRadPerDeg)) - kNudge;
  gap_reject_ = gap_at_radius(sin_radius_, std::cos(most * kRadPerDeg)) + kNudge;
}

bool RadiusTest::may_be_within(double lat_deg, double lon_deg) const {
  // distance_lower_bound_deg(box, lat, lon) <= radius, without inverse trigonometry.
  if (lat_deg < box_.south - radius_ || lat_deg > box_.north + radius_) return false;
  if (width_ >= kFullTurnDeg) return true;
  double offset = lon_deg - box_.west;  // east of the west edge, in [0, 360)
  while (offset < 0.0) offset += kFullTurnDeg;
  while (offset >= kFullTurnDeg) offset -= kFullTurnDeg;
  if (offset <= width_) return true;
  const double gap = std::min(offset - width_, kFullTurnDeg - offset);
  const double abs_lat = std::abs(lat_deg);
  if (kRightAngleDeg - abs_lat <= radius_) return true;  // the way over the pole
  if (gap >= kRightAngleDeg) return false;
  if (gap <= gap_accept_) return true;
  if (gap > gap_reject_) return false;
  return std::cos(abs_lat * kRadPerDeg) * std::sin(gap * kRadPerDeg) <= sin_radius_;
}

LineRange lines_near_region(const std::vector<std::size_t>& sampled, const float* lat,
                            const float* lon, std::size_t pixels, const GeoRegion& region) {
  const std::size_t n = sampled.size();
  const RadiusTest within_margin(region.box, region.margin_deg);
  const auto near = [&](std::size_t i, const RadiusTest& test) {
    return line_may_be_within(test, &lat[i * pixels], &lon[i * pixels], pixels);
  };
  // Lines next to each other need only the margin: computed once per line when used.
  std::vector<signed char> near_margin(n, -1);
  const auto near_within_margin = [&](std::size_t i) {
    if (near_margin[i] < 0) near_margin[i] = near(i, within_margin) ? 1 : 0;
    return near_margin[i] == 1;
  };
  if (n == 1) return near_within_margin(0) ? LineRange{sampled[0], 1} : LineRange{};
  const double slack_deg = kLineSlackM / kMetresPerRadian * kDegPerRad;
  std::size_t first = 0, last = 0;
  bool any = false;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    bool keep = false;
    if (sampled[i + 1] == sampled[i] + 1) {  // no line in between
      keep = near_within_margin(i) || near_within_margin(i + 1);
    } else {
      const std::size_t a = i * pixels, b = (i + 1) * pixels;
      const double step = line_step_deg(&lat[a], &lon[a], &lat[b], &lon[b], pixels);
      const RadiusTest reach(region.box, region.margin_deg + step + slack_deg);
      keep = std::isnan(step) ||  // cannot be judged
             near(i, reach) || near(i + 1, reach);
    }
    if (!keep) continue;
    if (!any) first = sampled[i];
    last = sampled[i + 1];
    any = true;
  }
  return any ? LineRange{first, last - first + 1} : LineRange{};
}

}  // namespace swathgrid
