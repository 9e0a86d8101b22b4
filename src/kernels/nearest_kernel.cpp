// The `nearest` search: for every cell, the pixel nearest to its centre among those whose
// reach contains it (the rule is in nearest_kernel.hpp). One pass over every pixel (survey: the
// rows the granule touches, the candidates that may reach the grid, in float degrees), then
// a scatter of the candidates only: each visits the cells of a lat/lon window around it and
// keeps, per cell, the smallest packed (distance, index) key with an atomic min; a last pass
// unpacks the keys into pixel indices.

#include "swathgrid/nearest_kernel.hpp"

#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "swathgrid/device_math.hpp"
#include "swathgrid/text.hpp"

namespace swathgrid {
namespace {

constexpr double kRadPerDeg = kPi / 180.0;
constexpr double kDegPerRad = 180.0 / kPi;
constexpr double kFullTurnDeg = 360.0;
constexpr double kPoleLatDeg = 90.0;
constexpr int kIndexBits = 31;  ///< low bits of a key: the pixel index
constexpr std::int64_t kIndexMask = (std::int64_t{1} << kIndexBits) - 1;
constexpr std::int64_t kNoKey = std::numeric_limits<std::int64_t>::max();
/// Squared radius of the footprint ellipse in lattice units: (scale * sqrt(1/2))^2.
constexpr double kFootprintRadius2 = 0.5 * kFootprintReachScale * kFootprintReachScale;
/// Spacing vectors with sin^2(angle between them) below this span no footprint.
constexpr double kMinSinAngle2 = 1.0e-6;
/// The search window's angular radius is enlarged by this fraction and by kWindowSlackDeg,
/// far above the rounding of the window arithmetic (degrees up to 360: ~1e-13) and far below
/// any cell size, so it stays a superset of the reach without a cell of slack on each side.
constexpr double kWindowSlack = 1.0e-9;
constexpr double kWindowSlackDeg = 1.0e-9;
/// A window whose sin(radius) / cos(latitude) exceeds this spans all columns: the cap touches
/// a pole, or nearly (where asin would amplify rounding).
constexpr double kMaxLonRatio = 1.0 - 1.0e-6;
/// The footprint ellipse's own window (ScatterFunctor::ellipse_window) for reaches below this
/// chord (unit sphere: 6.4 km; its bounds' second-order terms stay ~1e-3 of the reach) and
/// pixels where cos(lat) exceeds kEllipseWindowMinCosLat (|lat| < 78 degrees).
constexpr double kEllipseWindowMaxChord = 1.0e-3;
constexpr double kEllipseWindowMinCosLat = 0.2;
constexpr double kEllipseSlack = 1.0e-6;  ///< relative enlargement of its bounds

/// The survey's bound on a pixel's reach: its chord radius, as an angle, is at most
/// kSurveyReachFactor times the largest degree distance |dlat| + |dlon| to a navigated
/// neighbour (which bounds the great-circle angle between them): 2 asin(1.1 sin(a / 2)) <=
/// 1.12 a below kSurveyMaxDeg, so 1.25 leaves room for any rounding.
constexpr float kSurveyReachFactor = 1.25f;
/// Above this bound (degrees) the survey keeps the pixel: its reach is no longer small.
constexpr float kSurveyMaxDeg = 30.0f;
/// Added to the survey's bounds (degrees): above the rounding of its float arithmetic on
/// degrees up to 360 (< 1e-4), far below a cell (a 100 m band of extra candidates).
constexpr float kSurveySlackDeg = 1.0e-3f;
/// A degree distance standing for "unknown, keep the pixel" (garbage longitudes).
constexpr float kHugeDeg = 1.0e30f;
/// asin(y) <= kAsinSlope * y for 0 <= y <= kSurveyMaxLonRatio (asin(1/2) = 0.5236).
constexpr float kAsinSlope = 1.05f;
constexpr float kSurveyMaxLonRatio = 0.5f;
/// Pixels of a line the survey first tests together (classify_chunk): a span small beside a
/// grid (16 OCI pixels: 16-80 km), so that few pixels near the grid are tested twice.
constexpr std::int64_t kSurveyChunk = 16;
/// What the chunk's tests demand beyond the per-pixel ones (degrees): far above the rounding
/// of float degrees up to 720 (~1e-4), so the proof that a rejected chunk holds no candidate
/// does not rest on both being rounded alike (a contracted multiply-add, say).
constexpr float kChunkMarginDeg = 1.0e-3f;
/// What the survey finds of a run of pixels (SurveyFunctor::classify_chunk).
constexpr int kChunkMixed = 0;  ///< test each pixel
constexpr int kChunkOut = 1;    ///< none a candidate, none in the grid
constexpr int kChunkIn = 2;     ///< every one a candidate with its centre surely in the grid

/// The interval [low, high] of x - offset over x in [x_low, x_high], with one turn added
/// where it is negative or subtracted where it is a turn or more, as each value's own
/// wrapping (x - offset, then + 360 if < 0, then - 360 if >= 360) would do; false where the
/// values would not all wrap alike.
KOKKOS_INLINE_FUNCTION bool wrapped_interval(float x_low, float x_high, float offset, float& low,
                                             float& high) {
  low = x_low - offset;
  high = x_high - offset;
  if (high < 0.0f) {
    low += 360.0f;
    high += 360.0f;
  } else if (low < 0.0f) {
    return false;
  }
  if (low >= 360.0f) {
    low -= 360.0f;
    high -= 360.0f;
  } else if (high >= 360.0f) {
    return false;
  }
  return true;
}

using TrigView = Kokkos::View<double* [2], MemSpace>;  ///< (sin, cos) per row or column
using Policy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>>;
using DynamicPolicy = Kokkos::RangePolicy<ExecSpace, Kokkos::Schedule<Kokkos::Dynamic>,
                                          Kokkos::IndexType<std::int64_t>>;
/// Flags of a pixel in the survey.
constexpr std::uint8_t kCandidate = 1;
constexpr std::uint8_t kGridUnsure = 2;  ///< whether its centre is in the grid: ask locate()

struct Vec3 {
  double x, y, z;
};
KOKKOS_INLINE_FUNCTION Vec3 minus(const Vec3& a, const Vec3& b) {
  return {a.x - b.x, a.y - b.y, a.z - b.z};
}
KOKKOS_INLINE_FUNCTION Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
KOKKOS_INLINE_FUNCTION double dot(const Vec3& a, const Vec3& b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
/// (a u - b v) / divisor, component by component.
KOKKOS_INLINE_FUNCTION Vec3 combine(double a, const Vec3& u, double b, const Vec3& v,
                                    double divisor) {
  return {(a * u.x - b * v.x) / divisor, (a * u.y - b * v.y) / divisor,
          (a * u.z - b * v.z) / divisor};
}

/// Unit-sphere chord of a great-circle distance (capped at kMaxReachM).
double chord_of_distance(double distance_m) {
  const double capped = distance_m < kMaxReachM ? distance_m : kMaxReachM;
  return 2.0 * std::sin(capped / (2.0 * kEarthRadiusM));
}

KOKKOS_INLINE_FUNCTION bool navigated(float lon, float lat) {
  return lon - lon == 0.0f && lat >= -90.0f && lat <= 90.0f;
}

/// A float's bits as an integer: for floats >= 0 (not NaN) integer order is float order.
KOKKOS_INLINE_FUNCTION std::int32_t float_bits(float x) {
  std::int32_t bits = 0;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}
KOKKOS_INLINE_FUNCTION float bits_float(std::int32_t bits) {
  float x = 0.0f;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}
/// An integer whose order is the float order of any floats but NaN (-0 below +0): negative
/// floats' bits with the magnitude bits flipped. Its own inverse.
KOKKOS_INLINE_FUNCTION std::int32_t ordered_bits(float x) {
  const std::int32_t bits = float_bits(x);
  return bits ^ ((bits >> 31) & 0x7fffffff);
}
KOKKOS_INLINE_FUNCTION std::int32_t ordered_bits_inverse(std::int32_t key) {
  return key ^ ((key >> 31) & 0x7fffffff);
}
KOKKOS_INLINE_FUNCTION std::int32_t min_bits(std::int32_t a, std::int32_t b) {
  return a < b ? a : b;
}
KOKKOS_INLINE_FUNCTION std::int32_t max_bits(std::int32_t a, std::int32_t b) {
  return a > b ? a : b;
}

/// navigated(), evaluated without a branch.
KOKKOS_INLINE_FUNCTION bool navigated_bits(float lon, float lat) {
  return (lon - lon == 0.0f) & (lat >= -90.0f) & (lat <= 90.0f);
}

/// |a - b| in degrees of longitude, wrapped to [0, 180]; negative when a or b is beyond any
/// sane longitude (|a - b| > 360).
KOKKOS_INLINE_FUNCTION float lon_gap_deg(float a, float b) {
  const float d = device::fabs(a - b);
  return d > 180.0f ? 360.0f - d : d;
}

/// Which pixels' centres lie in the grid, from float degrees: surely in, surely out, or
/// unsure (within kSurveySlackDeg of an edge, or odd values: then GridSpec::locate decides).
struct GridEdges {
  float lat_in_low, lat_in_high;    ///< surely in between
  float lat_out_low, lat_out_high;  ///< surely out beyond
  float x_min;
  float lon_in_high;                ///< surely in: x - x_min, wrapped, in [slack, this]
  float lon_out_low, lon_out_high;  ///< surely out: x - x_min, wrapped, in between

  static GridEdges of(const GridSpec& grid) {
    const double width = static_cast<double>(grid.nx) * grid.cell_size;
    const double y_min = grid.y_max - static_cast<double>(grid.ny) * grid.cell_size;
    GridEdges e;
    e.lat_in_low = static_cast<float>(y_min) + kSurveySlackDeg;
    e.lat_in_high = static_cast<float>(grid.y_max) - kSurveySlackDeg;
    e.lat_out_low = static_cast<float>(y_min) - kSurveySlackDeg;
    e.lat_out_high = static_cast<float>(grid.y_max) + kSurveySlackDeg;
    e.x_min = static_cast<float>(grid.x_min);
    e.lon_in_high =
        static_cast<float>(width < kFullTurnDeg ? width : kFullTurnDeg) - kSurveySlackDeg;
    e.lon_out_low = static_cast<float>(width) + kSurveySlackDeg;
    e.lon_out_high = static_cast<float>(kFullTurnDeg) - kSurveySlackDeg;  // may be < low
    return e;
  }

  /// 1: in, 0: out, kGridUnsure: ask.
  KOKKOS_INLINE_FUNCTION std::uint8_t classify(float lon, float lat) const {
    float dx = lon - x_min;
    const bool sane = dx > -359.0f && dx < 719.0f;  // one turn of wrapping is enough
    dx = dx < 0.0f ? dx + 360.0f : dx;
    dx = dx >= 360.0f ? dx - 360.0f : dx;
    const bool out = lat < lat_out_low || lat > lat_out_high ||
                     (sane && dx >= lon_out_low && dx <= lon_out_high);
    const bool in = lat >= lat_in_low && lat <= lat_in_high && sane && dx >= kSurveySlackDeg &&
                    dx <= lon_in_high;
    return out ? 0 : (in ? 1 : kGridUnsure);
  }

  /// Whether classify() gives 1 (surely in) to every point of the lat/lon box (bounds of a set
  /// of points with navigation), each without wrapping.
  KOKKOS_INLINE_FUNCTION bool all_in(float lon_low, float lon_high, float lat_low,
                                     float lat_high) const {
    return lat_low >= lat_in_low + kChunkMarginDeg && lat_high <= lat_in_high - kChunkMarginDeg &&
           lon_low - x_min >= kSurveySlackDeg + kChunkMarginDeg &&
           lon_high - x_min <= lon_in_high - kChunkMarginDeg && lon_in_high < 360.0f;
  }

  /// Whether classify() gives 0 (out) to every point of the lat/lon box (bounds of a set of
  /// points with navigation: classify's operations are monotone in lon and lat).
  KOKKOS_INLINE_FUNCTION bool all_out(float lon_low, float lon_high, float lat_low,
                                      float lat_high) const {
    if (lat_high < lat_out_low - kChunkMarginDeg || lat_low > lat_out_high + kChunkMarginDeg)
      return true;
    float dx_low = 0.0f, dx_high = 0.0f;
    return lon_low - x_min > -358.0f && lon_high - x_min < 718.0f &&
           wrapped_interval(lon_low, lon_high, x_min, dx_low, dx_high) &&
           dx_low >= lon_out_low + kChunkMarginDeg && dx_high <= lon_out_high - kChunkMarginDeg;
  }
};

/// The grid's cell centres as a lat/lon box (degrees).
struct CentreBox {
  float north = 0.0f, south = 0.0f;       ///< latitudes of its first and last row's centres
  float lon_mid = 0.0f, lon_half = 0.0f;  ///< its column centres lie within lon_mid +- lon_half
  bool all_lons = false;                  ///< half or more of the globe: no longitude test

  static CentreBox of(const GridSpec& grid) {
    CentreBox box;
    box.north = static_cast<float>(grid.y_max - 0.5 * grid.cell_size);
    box.south =
        static_cast<float>(grid.y_max - (static_cast<double>(grid.ny) - 0.5) * grid.cell_size);
    const double west = grid.x_min + 0.5 * grid.cell_size;
    const double east = grid.x_min + (static_cast<double>(grid.nx) - 0.5) * grid.cell_size;
    box.lon_mid = static_cast<float>(0.5 * (west + east));
    box.lon_half = static_cast<float>(0.5 * (east - west));
    // A window as wide as 2 cells spans every column (column_spans): no test then either.
    box.all_lons = box.lon_half >= 0.25f * static_cast<float>(kFullTurnDeg) ||
                   grid.cell_size >= static_cast<double>(kSurveyMaxDeg);
    return box;
  }

  /// Whether a pixel at (lon, lat) whose search window's half-height is at most reach_deg
  /// may hold a cell centre of the box (the window's half-width is asin(sin theta / cos lat):
  /// cos(lat) >= 1 - lat^2 / 2 and asin(y) <= kAsinSlope * y while y is small).
  KOKKOS_INLINE_FUNCTION bool may_reach(float lon, float lat, float reach_deg) const {
    if (!(reach_deg < kSurveyMaxDeg)) return true;
    const float lat_out = lat - north > south - lat ? lat - north : south - lat;
    if (lat_out > reach_deg + kSurveySlackDeg) return false;
    if (all_lons) return true;
    const float gap = lon_gap_deg(lon, lon_mid);
    const float lon_out = gap - lon_half;
    if (!(gap >= 0.0f) || lon_out <= kSurveySlackDeg) return true;
    const float lat_rad = lat * static_cast<float>(kRadPerDeg);
    const float cos_lat_low = 1.0f - 0.5f * lat_rad * lat_rad;
    const float reach_rad = reach_deg * static_cast<float>(kRadPerDeg);
    if (!(cos_lat_low > 0.0f && reach_rad < kSurveyMaxLonRatio * cos_lat_low)) return true;
    return (lon_out - kSurveySlackDeg) * cos_lat_low <= kAsinSlope * reach_deg;
  }

  /// Whether every point of the lat/lon box lies among the centres (so may_reach() is true
  /// for it, whatever its reach: its latitude and longitude distances are at most 0).
  KOKKOS_INLINE_FUNCTION bool all_inside(float lon_low, float lon_high, float lat_low,
                                         float lat_high) const {
    if (!(lat_low >= south + kChunkMarginDeg && lat_high <= north - kChunkMarginDeg)) return false;
    return all_lons || (lon_low >= lon_mid - lon_half + kChunkMarginDeg &&
                        lon_high <= lon_mid + lon_half - kChunkMarginDeg);
  }

  /// Whether may_reach() is false for every point of the lat/lon box (bounds of a set of
  /// points with navigation) with a reach of at most reach_deg: the same tests on the box's
  /// bounds of each value (latitude distance, longitude gap, cosine), monotone in them.
  KOKKOS_INLINE_FUNCTION bool none_reach(float lon_low, float lon_high, float lat_low,
                                         float lat_high, float reach_deg) const {
    if (!(reach_deg < kSurveyMaxDeg)) return false;
    const float lat_out = lat_low - north > south - lat_high ? lat_low - north : south - lat_high;
    if (lat_out > reach_deg + kSurveySlackDeg + kChunkMarginDeg) return true;
    if (all_lons) return false;
    // |lon - lon_mid| over the box, then wrapped to [0, 180] as lon_gap_deg does.
    float d_low = 0.0f, d_high = 0.0f;
    if (lon_low >= lon_mid) {
      d_low = lon_low - lon_mid;
      d_high = lon_high - lon_mid;
    } else if (lon_high <= lon_mid) {
      d_low = lon_mid - lon_high;
      d_high = lon_mid - lon_low;
    } else {
      return false;
    }
    float gap = d_low;  // the smallest gap
    if (d_low > 180.0f) {
      if (!(d_high <= 360.0f)) return false;  // a gap would be negative ("keep the pixel")
      gap = 360.0f - d_high;
    } else if (d_high > 180.0f) {
      return false;
    }
    const float lon_out = gap - lon_half - kChunkMarginDeg;
    if (!(lon_out > kSurveySlackDeg)) return false;
    const float lat_abs = lat_high > -lat_low ? lat_high : -lat_low;  // the largest |lat|
    const float lat_rad = lat_abs * static_cast<float>(kRadPerDeg);
    const float cos_lat_low = 1.0f - 0.5f * lat_rad * lat_rad - kChunkMarginDeg;
    const float reach_rad = (reach_deg + kChunkMarginDeg) * static_cast<float>(kRadPerDeg);
    if (!(cos_lat_low > 0.0f && reach_rad < kSurveyMaxLonRatio * cos_lat_low)) return false;
    return (lon_out - kSurveySlackDeg) * cos_lat_low > kAsinSlope * (reach_deg + kChunkMarginDeg);
  }
};

/// One pass over every pixel, a line per work item (neighbours by offset): flags the
/// candidates (pixels whose window, as the scatter computes it but with an upper bound of
/// their reach, may hold a cell centre of the grid), keeps that bound, counts each line's
/// candidates and where they are, and reduces the latitudes of the pixel centres in the grid
/// (their extremes give its rows: row = floor((y_max - lat) / size) falls as lat rises).
struct SurveyFunctor {
  ConstPixelView lon_deg, lat_deg;
  std::int64_t lines, pixels;
  GridSpec grid;
  GridEdges edges;
  CentreBox box;
  float uniform_deg;  ///< > 0: every pixel's window half-height (max_distance_m); else footprint
  Kokkos::View<std::uint8_t*, MemSpace> flags;
  Kokkos::View<float*, MemSpace> reach_deg;
  Kokkos::View<std::int32_t* [3], MemSpace> line_info;

  /// |dlat| + |dlon| to pixel j if navigated (>= the great-circle angle, degrees), else 0.
  KOKKOS_INLINE_FUNCTION float degree_distance(float lon, float lat, std::int64_t j) const {
    const float lon_j = lon_deg(j), lat_j = lat_deg(j);
    const float gap = lon_gap_deg(lon_j, lon);
    const float d = gap >= 0.0f ? device::fabs(lat_j - lat) + gap : kHugeDeg;
    return navigated(lon_j, lat_j) ? d : 0.0f;
  }

  /// Whether no pixel of pixels [begin, end) of `line` is a candidate or may have its centre in
  /// the grid (kChunkOut), or every one is a candidate with its centre surely in the grid
  /// (kChunkIn: `reach` then bounds each one's reach, `lat_low` and `lat_high` their
  /// latitudes), from bounds over them (their latitudes, longitudes and largest neighbour degree
  /// distance) instead of each pixel's own values. Every test compares one of the values the
  /// per-pixel tests compute (in float, by monotone operations: a rounded subtraction,
  /// multiplication or sum of larger operands is not smaller) with the same operations on the
  /// bounds, so a rejected pixel fails each per-pixel test too. False (the pixels are then
  /// tested one by one) where a bound would not be one: a pixel or neighbour without
  /// navigation, a longitude gap that is not a plain difference, bounds across a wrap.
  KOKKOS_INLINE_FUNCTION int classify_chunk(std::int64_t line, std::int64_t begin, std::int64_t end,
                                            float& reach, float& lat_low, float& lat_high) const {
    const std::int64_t first = line * pixels;
    lat_low = lat_deg(first + begin);
    lat_high = lat_low;
    float lon_low = lon_deg(first + begin), lon_high = lon_low;
    float largest = 0.0f;  // largest neighbour degree distance of the chunk's pixels
    const bool footprint = !(uniform_deg > 0.0f);
    bool sane = true;
    if (footprint && begin > 0 && end < pixels && line > 0 && line + 1 < lines) {
      // Inside the granule every pixel has its four neighbours: branch-free, so it vectorises.
      largest = pair_distance(lon_low, lat_low, first + begin - 1, largest, sane);
      // Integers stand for the floats: an int max of non-negative floats' bits, or of
      // ordered_bits, is their max (a float select would not vectorise under IEEE rules).
      int fine = 1;
      std::int32_t largest_bits = float_bits(largest);
      std::int32_t lat_min = ordered_bits(lat_low), lat_max = lat_min;
      std::int32_t lon_min = ordered_bits(lon_low), lon_max = lon_min;
      for (std::int64_t i = first + begin; i < first + end; ++i) {
        const float lon = lon_deg(i), lat = lat_deg(i);
        const float lon_r = lon_deg(i + 1), lat_r = lat_deg(i + 1);
        const float lon_u = lon_deg(i - pixels), lat_u = lat_deg(i - pixels);
        const float lon_d = lon_deg(i + pixels), lat_d = lat_deg(i + pixels);
        // lon_gap_deg: min(d, 360 - d) is d up to 180, 360 - d beyond (negative beyond 360).
        const float dr = device::fabs(lon_r - lon), du = device::fabs(lon_u - lon),
                    dd = device::fabs(lon_d - lon);
        const std::int32_t gap_r = min_bits(float_bits(dr), float_bits(360.0f - dr));
        const std::int32_t gap_u = min_bits(float_bits(du), float_bits(360.0f - du));
        const std::int32_t gap_d = min_bits(float_bits(dd), float_bits(360.0f - dd));
        fine &= static_cast<int>(navigated_bits(lon, lat) & navigated_bits(lon_r, lat_r) &
                                 navigated_bits(lon_u, lat_u) & navigated_bits(lon_d, lat_d)) &
                static_cast<int>(gap_r >= 0 && gap_u >= 0 && gap_d >= 0);
        largest_bits =
            max_bits(largest_bits, float_bits(device::fabs(lat_r - lat) + bits_float(gap_r)));
        largest_bits =
            max_bits(largest_bits, float_bits(device::fabs(lat_u - lat) + bits_float(gap_u)));
        largest_bits =
            max_bits(largest_bits, float_bits(device::fabs(lat_d - lat) + bits_float(gap_d)));
        lat_min = min_bits(lat_min, ordered_bits(lat));
        lat_max = max_bits(lat_max, ordered_bits(lat));
        lon_min = min_bits(lon_min, ordered_bits(lon));
        lon_max = max_bits(lon_max, ordered_bits(lon));
      }
      largest = bits_float(largest_bits);
      lat_low = bits_float(ordered_bits_inverse(lat_min));
      lat_high = bits_float(ordered_bits_inverse(lat_max));
      lon_low = bits_float(ordered_bits_inverse(lon_min));
      lon_high = bits_float(ordered_bits_inverse(lon_max));
      sane = sane && fine != 0;
    } else {
      for (std::int64_t p = begin; p < end; ++p) {
        const std::int64_t i = first + p;
        const float lon = lon_deg(i), lat = lat_deg(i);
        sane = sane && navigated(lon, lat);
        lat_low = lat < lat_low ? lat : lat_low;
        lat_high = lat > lat_high ? lat : lat_high;
        lon_low = lon < lon_low ? lon : lon_low;
        lon_high = lon > lon_high ? lon : lon_high;
        if (!footprint) continue;
        // The pairs (p, p + 1), (p - 1, p) at the chunk's start, and the lines above and
        // below: degree_distance is symmetric (|a - b| = |b - a|), so each pair once.
        if (p + 1 < pixels) largest = pair_distance(lon, lat, i + 1, largest, sane);
        if (p == begin && p > 0) largest = pair_distance(lon, lat, i - 1, largest, sane);
        if (line > 0) largest = pair_distance(lon, lat, i - pixels, largest, sane);
        if (line + 1 < lines) largest = pair_distance(lon, lat, i + pixels, largest, sane);
      }
    }
    if (!sane) return kChunkMixed;
    reach = footprint ? kSurveyReachFactor * largest + kSurveySlackDeg : uniform_deg;
    if (edges.all_out(lon_low, lon_high, lat_low, lat_high) &&
        box.none_reach(lon_low, lon_high, lat_low, lat_high, reach))
      return kChunkOut;
    if (edges.all_in(lon_low, lon_high, lat_low, lat_high) &&
        box.all_inside(lon_low, lon_high, lat_low, lat_high))
      return kChunkIn;
    return kChunkMixed;
  }

  /// max(largest, degree distance of (lon, lat) to pixel j); clears `sane` where that distance
  /// is not the plain |dlat| + |dlon| wrapped (j without navigation, or a gap beyond a turn).
  KOKKOS_INLINE_FUNCTION float pair_distance(float lon, float lat, std::int64_t j, float largest,
                                             bool& sane) const {
    const float lon_j = lon_deg(j), lat_j = lat_deg(j);
    const float gap = lon_gap_deg(lon_j, lon);
    sane = sane && navigated(lon_j, lat_j) && gap >= 0.0f;
    const float d = device::fabs(lat_j - lat) + gap;
    return d > largest ? d : largest;
  }

  /// The per-pixel survey of pixel p of `line`: its flags and reach bound; the in-grid
  /// latitudes' extremes, and whether a centre's place in the grid is unsure.
  KOKKOS_INLINE_FUNCTION void survey_pixel(std::int64_t line, std::int64_t p, float& lat_low,
                                           float& lat_high, bool& unsure) const {
    const std::int64_t first = line * pixels;
    const std::int64_t up = line > 0 ? pixels : 0, down = line + 1 < lines ? pixels : 0;
    const std::int64_t i = first + p;
    const float lon = lon_deg(i), lat = lat_deg(i);
    const std::uint8_t in_grid = edges.classify(lon, lat);
    if (in_grid == 1) {
      lat_low = lat < lat_low ? lat : lat_low;
      lat_high = lat > lat_high ? lat : lat_high;
    }
    unsure = unsure || in_grid == kGridUnsure;
    float reach = uniform_deg;
    if (!(uniform_deg > 0.0f)) {  // the neighbours' distances; a missing one counts 0
      float largest = degree_distance(lon, lat, p > 0 ? i - 1 : i);
      const float right = degree_distance(lon, lat, p + 1 < pixels ? i + 1 : i);
      const float above = degree_distance(lon, lat, i - up);
      const float below = degree_distance(lon, lat, i + down);
      largest = right > largest ? right : largest;
      largest = above > largest ? above : largest;
      largest = below > largest ? below : largest;
      reach = kSurveyReachFactor * largest + kSurveySlackDeg;
    }
    reach_deg(i) = reach;
    const bool kept = navigated(lon, lat) && box.may_reach(lon, lat, reach);
    flags(i) = static_cast<std::uint8_t>((kept ? kCandidate : 0) |
                                         (in_grid == kGridUnsure ? kGridUnsure : 0));
  }

  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t line,
                                         Kokkos::MinMaxScalar<float>& in_grid_lat) const {
    const std::int64_t first = line * pixels;
    float lat_low = in_grid_lat.min_val, lat_high = in_grid_lat.max_val;
    bool unsure = false;
    // Chunks far from the grid at once (most pixels of a granule larger than the grid), the
    // others pixel by pixel.
    std::int64_t surveyed_begin = pixels, surveyed_end = 0;  // the pixels tested one by one
    for (std::int64_t begin = 0; begin < pixels; begin += kSurveyChunk) {
      const std::int64_t end = begin + kSurveyChunk < pixels ? begin + kSurveyChunk : pixels;
      float reach = 0.0f, chunk_lat_low = 0.0f, chunk_lat_high = 0.0f;
      const int kind = classify_chunk(line, begin, end, reach, chunk_lat_low, chunk_lat_high);
      if (kind == kChunkOut) {
        for (std::int64_t p = begin; p < end; ++p) flags(first + p) = 0;
        continue;
      }
      if (kind == kChunkIn) {
        for (std::int64_t p = begin; p < end; ++p) {
          flags(first + p) = kCandidate;
          reach_deg(first + p) = reach;  // a bound of its own: only widens its band
        }
        lat_low = chunk_lat_low < lat_low ? chunk_lat_low : lat_low;
        lat_high = chunk_lat_high > lat_high ? chunk_lat_high : lat_high;
      } else {
        for (std::int64_t p = begin; p < end; ++p) survey_pixel(line, p, lat_low, lat_high, unsure);
      }
      if (surveyed_begin > begin) surveyed_begin = begin;
      surveyed_end = end;
    }
    // Only those can be candidates or unsure.
    std::int32_t count = 0, begin = static_cast<std::int32_t>(pixels), end = 0;
    for (std::int64_t p = surveyed_begin; p < surveyed_end; ++p) {
      const std::uint8_t flag = flags(first + p);
      if (unsure && (flag & kGridUnsure)) {
        const float lon = lon_deg(first + p), lat = lat_deg(first + p);
        if (grid.locate(lon, lat) >= 0) {
          lat_low = lat < lat_low ? lat : lat_low;
          lat_high = lat > lat_high ? lat : lat_high;
        }
      }
      if (flag & kCandidate) {
        ++count;
        if (begin > p) begin = static_cast<std::int32_t>(p);
        end = static_cast<std::int32_t>(p + 1);
      }
    }
    line_info(line, 0) = count;
    line_info(line, 1) = count > 0 ? begin : 0;
    line_info(line, 2) = end;
    in_grid_lat.min_val = lat_low;
    in_grid_lat.max_val = lat_high;
  }
};

/// Row of the cell holding latitude `lat`, as GridSpec::locate computes it.
std::int64_t row_of(const GridSpec& grid, float lat) {
  return static_cast<std::int64_t>(std::floor((grid.y_max - lat) / grid.cell_size));
}

/// The cells a pixel reaches: chord to the centre <= radius (unit sphere) and, for a footprint
/// reach, lattice coordinates s = w_a . d, t = w_c . d inside the ellipse.
struct Reach {
  double radius = 0.0;
  bool footprint = false;
  Vec3 w_a{0.0, 0.0, 0.0}, w_c{0.0, 0.0, 0.0};
  Vec3 v_a{0.0, 0.0, 0.0}, v_c{0.0, 0.0, 0.0};  ///< the spacing vectors (w: their dual basis)

  /// Both tests evaluated, one branch for the caller (most visits fail one, unpredictably).
  KOKKOS_INLINE_FUNCTION bool contains(const Vec3& d, double chord2) const {
    const double s = dot(w_a, d), t = dot(w_c, d);
    return (chord2 <= radius * radius) & (!footprint | (s * s + t * t <= kFootprintRadius2));
  }
};

/// Index range [begin, end) of the cells whose fractional index lies in [first, last], clipped
/// to [0, n).
struct Span {
  std::int64_t begin = 0, end = 0;
};
KOKKOS_INLINE_FUNCTION Span clipped_span(double first, double last, std::int64_t n) {
  // [ceil(first), floor(last) + 1) clipped, from integer conversions: a truncation is the
  // floor of a value >= 0 (a shorter chain of operations than ceil and floor, and as exact).
  Span span;
  const double last_index = static_cast<double>(n - 1);
  if (!(first <= last_index) || !(last >= 0.0)) return span;  // NaN: empty
  if (first > 0.0) {
    const std::int64_t whole = static_cast<std::int64_t>(first);
    span.begin = whole + (static_cast<double>(whole) < first);
  }
  span.end = last < last_index ? static_cast<std::int64_t>(last) + 1 : n;
  return span;
}
/// The part of `span` inside [begin, end).
KOKKOS_INLINE_FUNCTION Span intersect(const Span& span, std::int64_t begin, std::int64_t end) {
  return Span{span.begin > begin ? span.begin : begin, span.end < end ? span.end : end};
}

/// The columns whose centre longitude is within half_width_deg of lon: the window, and its
/// images 360 degrees west and east (longitude is periodic, and a grid may be a little wider
/// than 360 degrees when its cell size does not divide it); all columns when it spans the globe.
/// Fractional indices by a multiplication with 1 / cell size: off by ~1e-16 of the index, far
/// inside the window's slack.
struct ColumnSpans {
  Span span[3];
  int count = 0;
};
KOKKOS_INLINE_FUNCTION ColumnSpans column_spans(const GridSpec& grid, double cells_per_deg,
                                                double lon, double half_width_deg) {
  ColumnSpans cols;
  if (2.0 * half_width_deg + 2.0 * grid.cell_size >= kFullTurnDeg) {
    cols.span[cols.count++] = Span{0, grid.nx};
    return cols;
  }
  double west = lon - half_width_deg - grid.x_min;  // west edge of the window, from x_min
  if (west < 0.0 || west >= kFullTurnDeg)
    west -= kFullTurnDeg * device::floor(west * (1.0 / kFullTurnDeg));
  const double width = 2.0 * half_width_deg * cells_per_deg;
  for (int turn = -1; turn <= 1; ++turn) {
    const double first = (west + turn * kFullTurnDeg) * cells_per_deg - 0.5;
    if (first + width < 0.0 || first >= static_cast<double>(grid.nx)) continue;
    cols.span[cols.count++] = clipped_span(first, first + width, grid.nx);
  }
  return cols;
}

/// An upper bound of asin(y) for 0 <= y < 1/2 without a division: y (1 + y^2 / 5) (the
/// series y + y^3 / 6 + 3 y^5 / 40 + ... is below y + 0.19 y^3 there).
KOKKOS_INLINE_FUNCTION double asin_bound(double y) { return y * (1.0 + 0.2 * y * y); }

struct ScatterFunctor {
  Kokkos::View<const std::int32_t*, MemSpace> candidates;
  Kokkos::View<const float* [2], MemSpace> bands;  ///< latitudes each candidate may reach
  float band_north, band_south;  ///< the block's centre latitudes, widened by the slack
  Kokkos::View<const double* [3], MemSpace> positions;
  ConstPixelView lon_deg, lat_deg;
  std::int64_t lines, pixels;
  GridSpec grid;
  double cells_per_deg;         ///< 1 / grid.cell_size
  CellBlock block;              ///< the cells searched, of grid
  TrigView row_trig, col_trig;  ///< of the block's rows and columns
  CellPixelView keys;           ///< per block cell
  double uniform_radius;        ///< > 0: every pixel reaches this chord; else footprint reach
  double max_radius;            ///< cap of a footprint reach's radius
  bool one_thread;              ///< the only thread: plain stores, no atomic read-modify-write
  /// Windows west + width below this (degrees east of x_min) have one image in the grid's
  /// columns: 360 - 3 cells where the grid is a cell or more narrower than a turn, else -1.
  double single_image_deg;

  KOKKOS_INLINE_FUNCTION bool has_navigation(std::int64_t i) const {
    return positions(i, 0) == positions(i, 0);
  }
  KOKKOS_INLINE_FUNCTION Vec3 position(std::int64_t i) const {
    return {positions(i, 0), positions(i, 1), positions(i, 2)};
  }

  /// Spacing vector to the neighbours i -/+ stride (k: coordinate of i along that axis, of n).
  KOKKOS_INLINE_FUNCTION bool spacing(std::int64_t i, std::int64_t k, std::int64_t n,
                                      std::int64_t stride, const Vec3& p, Vec3& v) const {
    const bool before = k > 0 && has_navigation(i - stride);
    const bool after = k + 1 < n && has_navigation(i + stride);
    if (before && after) {
      v = combine(1.0, position(i + stride), 1.0, position(i - stride), 2.0);
    } else if (after) {
      v = minus(position(i + stride), p);
    } else if (before) {
      v = minus(p, position(i - stride));
    }
    return before || after;
  }

  KOKKOS_INLINE_FUNCTION bool footprint_reach(std::int64_t i, const Vec3& p, Reach& reach) const {
    Vec3 v_a{0.0, 0.0, 0.0}, v_c{0.0, 0.0, 0.0};
    const std::int64_t line = i / pixels;
    if (!spacing(i, line, lines, pixels, p, v_a) ||
        !spacing(i, i - line * pixels, pixels, 1, p, v_c))
      return false;
    const double aa = dot(v_a, v_a), cc = dot(v_c, v_c), ac = dot(v_a, v_c);
    const double det = aa * cc - ac * ac;
    if (!(det > kMinSinAngle2 * aa * cc)) return false;
    reach.footprint = true;
    reach.v_a = v_a;
    reach.v_c = v_c;
    reach.w_a = combine(cc, v_a, ac, v_c, det);
    reach.w_c = combine(aa, v_c, ac, v_a, det);
    const double radius = kFootprintReachScale * device::sqrt((aa + cc) * 0.5);
    reach.radius = radius < max_radius ? radius : max_radius;
    return true;
  }

  KOKKOS_INLINE_FUNCTION void visit(std::int64_t i, const Vec3& p, const Reach& reach,
                                    std::int64_t* row_keys, double sin_lat, double cos_lat,
                                    std::int64_t c) const {
    const Vec3 q{cos_lat * col_trig(c, 1), cos_lat * col_trig(c, 0), sin_lat};
    const Vec3 d = minus(q, p);
    const double chord2 = dot(d, d);
    if (!reach.contains(d, chord2)) return;
    const double chord_m = kEarthRadiusM * device::sqrt(chord2);
    const std::int64_t key =
        (static_cast<std::int64_t>(chord_m / kNearestKeyQuantumM) << kIndexBits) | i;
    // Keys only decrease: one that is not below the cell's key as read (the current one, or
    // a larger earlier one) cannot lower it, and skips the atomic (most visits do).
    std::int64_t& cell_key = row_keys[c];
    if (one_thread)  // a locked compare-and-swap costs ~10 % of the scatter on one thread
      cell_key = key < cell_key ? key : cell_key;
    else if (key < cell_key)
      Kokkos::atomic_fetch_min(&cell_key, key);
  }

  /// The window around a footprint's ellipse (its bounding circle has twice its area, more for
  /// an elongated one), where the pixel's lattice is small (chord below
  /// kEllipseWindowMaxChord, so every cell in reach is within 1e-3 radians) and far from the
  /// poles: `lat_half` (radians) bounds |lat - lat_p| and `half_width_deg` |lon - lon_p| over
  /// the cells in reach; false (nothing set) elsewhere. A cell in reach has d = Q - P =
  /// s v_a + t v_c + u n (n the unit normal of the spacing vectors: w_a, w_c are their dual
  /// basis, so s = w_a . d) with s^2 + t^2 <= R^2 and |u| <= |d| <= r; so for a unit e
  /// orthogonal to P, e . d <= R |(e . v_a, e . v_c)| + r sigma (sigma = |n x P|, the sine of
  /// the lattice plane's tilt, ~1e-4). With e east: e . d = cos(lat_q) sin(dlon), and
  /// cos(lat_q) >= cos(lat_p) - |dlat|. With e north: e . d = sin(dlat) + sin(lat_p)
  /// cos(lat_q) (1 - cos dlon), whose second term is at most |sin lat_p| r^2 / (2 cos lat_p)
  /// (|d|^2 = 2 (1 - cos dlat) + 2 cos(lat_p) cos(lat_q) (1 - cos dlon) <= r^2). Arcsines
  /// bounded as in operator(); every bound enlarged by kEllipseSlack (relative), far above the
  /// rounding of these few operations and of the kernel's own (w: ~1e-12 relative).
  /// Short chains of dependent operations (the windows and their spans took ~60 % of the
  /// scatter's time, docs/performance.md, issue 17 session 13): east and north are taken times
  /// cos(lat_p), so their extents' square roots need not wait for its inverse; r sigma <=
  /// (sigma^2 + r^2) / 2 (no square root: sigma and r are ~1e-4, so the bound stays ~1e-4 of
  /// the window; a strongly tilted lattice only gets a wider window, or the circle's);
  /// 1 / cos(lat_q) <= (1 + 2 x) / cos(lat_p) with x = |dlat| / cos(lat_p) <= 1/2.
  KOKKOS_INLINE_FUNCTION bool ellipse_window(const Vec3& p, const Reach& reach, double& lat_half,
                                             double& half_width_deg) const {
    const double r = reach.radius;
    const Vec3& v_a = reach.v_a;
    const Vec3& v_c = reach.v_c;
    const double cos2_lat_p = p.x * p.x + p.y * p.y;
    const double cos_lat_p = device::sqrt(cos2_lat_p);
    if (!(r < kEllipseWindowMaxChord && cos_lat_p > kEllipseWindowMinCosLat)) return false;
    const double inverse = 1.0 / cos_lat_p;
    // East and north, times cos(lat_p).
    const double ea = p.x * v_a.y - p.y * v_a.x, ec = p.x * v_c.y - p.y * v_c.x;
    const double na = cos2_lat_p * v_a.z - p.z * (p.x * v_a.x + p.y * v_a.y);
    const double nc = cos2_lat_p * v_c.z - p.z * (p.x * v_c.x + p.y * v_c.y);
    const double north_extent = device::sqrt(na * na + nc * nc);
    const double east_extent = device::sqrt(ea * ea + ec * ec);
    const Vec3 n = cross(v_a, v_c);
    const double n2 = dot(n, n), np = dot(n, p);
    const double sigma2 = 1.0 - np * np / n2;
    const double tilt = 0.5 * ((sigma2 > 0.0 ? sigma2 : 0.0) + r * r);
    const double ellipse = device::sqrt(kFootprintRadius2);
    const double sin_dlat =
        ((ellipse * north_extent + 0.5 * r * r * device::fabs(p.z)) * inverse + tilt) *
        (1.0 + kEllipseSlack);
    if (!(sin_dlat < 0.5)) return false;
    const double dlat = asin_bound(sin_dlat) * (1.0 + kEllipseSlack);
    const double shrink = dlat * inverse;  // 1 - cos(lat_q) / cos(lat_p), at most
    if (!(shrink <= 0.5)) return false;
    const double ratio = (ellipse * east_extent * inverse + tilt) * inverse * (1.0 + 2.0 * shrink) *
                         (1.0 + kEllipseSlack);
    if (!(ratio < 0.5)) return false;
    lat_half = dlat;
    half_width_deg = asin_bound(ratio) * (1.0 + kEllipseSlack) * kDegPerRad + kWindowSlackDeg;
    return true;
  }

  /// The window around the bounding circle of a reach of chord r: |dlat| <= theta = 2 asin(r /
  /// 2); |dlon| <= asin(sin theta / cos lat) unless the cap holds a pole (then all columns).
  /// sin theta = r sqrt(1 - r^2 / 4) exactly; cos lat = |P_xy|; asin(y) <= y / sqrt(1 - y^2)
  /// bounds both arcsines from above without trigonometry.
  KOKKOS_INLINE_FUNCTION void circle_window(const Vec3& p, double r, double& lat_half,
                                            double& half_width_deg) const {
    const double half_r2 = 1.0 - 0.25 * r * r;
    const double root = half_r2 > 0.0 ? device::sqrt(half_r2) : 0.0;
    const double theta = (half_r2 > 0.0 ? r / root : kPi) * (1.0 + kWindowSlack);
    lat_half = theta < kPi ? theta : kPi;
    const double sin_theta = r * root;
    const double cos_lat_p = device::sqrt(p.x * p.x + p.y * p.y);
    const double lon_ratio = sin_theta / cos_lat_p * (1.0 + kWindowSlack);
    half_width_deg = kFullTurnDeg;
    if (half_r2 > 0.5 && lon_ratio < kMaxLonRatio)  // theta < 90 degrees: the cap's widest
      half_width_deg =                              // latitude is the pixel's side
          lon_ratio / device::sqrt(1.0 - lon_ratio * lon_ratio) * kDegPerRad + kWindowSlackDeg;
  }

  /// The cells of rows x columns (of the grid), inside the block.
  KOKKOS_INLINE_FUNCTION void visit_span(std::int64_t i, const Vec3& p, const Reach& reach,
                                         const Span& rows, const Span& columns) const {
    const Span span = intersect(columns, block.col_begin, block.col_end);
    if (span.begin >= span.end) return;
    for (std::int64_t row = rows.begin; row < rows.end; ++row) {
      const double sin_lat = row_trig(row - block.row_begin, 0);
      const double cos_lat = row_trig(row - block.row_begin, 1);
      if (!(cos_lat == cos_lat)) continue;  // centre beyond a pole
      std::int64_t* row_keys = &keys((row - block.row_begin) * block.cols());
      for (std::int64_t col = span.begin; col < span.end; ++col)
        visit(i, p, reach, row_keys, sin_lat, cos_lat, col - block.col_begin);
    }
  }

  /// Candidate k of the list.
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t k) const {
    if (bands(k, 1) < band_south || bands(k, 0) > band_north) return;  // not near the block
    const std::int64_t i = candidates(k);
    if (!has_navigation(i)) return;
    const Vec3 p = position(i);
    Reach reach;
    if (uniform_radius > 0.0) {
      reach.radius = uniform_radius;
    } else if (!footprint_reach(i, p, reach)) {
      return;
    }
    // The window: rows within lat_half (radians) of the pixel's latitude, columns within
    // half_width_deg of its longitude.
    const double lon = lon_deg(i), lat = lat_deg(i);
    double lat_half = kPi, half_width_deg = kFullTurnDeg;
    if (!(reach.footprint && ellipse_window(p, reach, lat_half, half_width_deg)))
      circle_window(p, reach.radius, lat_half, half_width_deg);
    const double theta_deg = lat_half * kDegPerRad + kWindowSlackDeg;
    const Span rows =
        intersect(clipped_span((grid.y_max - (lat + theta_deg)) * cells_per_deg - 0.5,
                               (grid.y_max - (lat - theta_deg)) * cells_per_deg - 0.5, grid.ny),
                  block.row_begin, block.row_end);
    if (rows.begin >= rows.end) return;
    // Columns: on a grid narrower than a turn, a window starting east of its west edge and
    // ending a cell short of a turn has no image a turn east or west with a column in the grid
    // (column_spans would find theirs empty): the one span, at once (most candidates).
    const double west = lon - half_width_deg - grid.x_min;
    if (west >= 0.0 && west + 2.0 * half_width_deg <= single_image_deg) {
      const double first = west * cells_per_deg - 0.5;
      visit_span(i, p, reach, rows,
                 clipped_span(first, first + 2.0 * half_width_deg * cells_per_deg, grid.nx));
      return;
    }
    const ColumnSpans cols = column_spans(grid, cells_per_deg, lon, half_width_deg);
    for (int s = 0; s < cols.count; ++s) visit_span(i, p, reach, rows, cols.span[s]);
  }
};

/// (sin, cos) of the centre latitude of the rows [begin, end) (NaN beyond the poles), or of the
/// centre longitude of the columns [begin, end); entry k is row or column begin + k.
TrigView centre_trig(const GridSpec& grid, bool rows, std::int64_t begin, std::int64_t end) {
  const std::int64_t n = end - begin;
  TrigView trig(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::centre_trig"), n);
  const double origin = rows ? grid.y_max : grid.x_min;
  const double step = rows ? -grid.cell_size : grid.cell_size;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Kokkos::parallel_for(
      "swathgrid::nearest::centre_trig", Policy(ExecSpace(), 0, n), KOKKOS_LAMBDA(std::int64_t k) {
        const double deg = origin + step * (static_cast<double>(begin + k) + 0.5);
        const bool valid = !rows || (deg >= -kPoleLatDeg && deg <= kPoleLatDeg);
        trig(k, 0) = valid ? device::sin(deg * kRadPerDeg) : nan;
        trig(k, 1) = valid ? device::cos(deg * kRadPerDeg) : nan;
      });
  return trig;
}

/// `view` if it holds n elements, else a new one that does (its contents undefined).
template <class View>
void grow(View& view, std::int64_t n, const char* label) {
  if (static_cast<std::int64_t>(view.extent(0)) >= n) return;
  view = View();  // free before allocating: the peak is one buffer, not two
  view = View(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)),
              static_cast<std::size_t>(n));
}

/// Unit vectors of the pixels the scatter reads (NaN: no navigation): on each line, those
/// between the candidates of it and of the lines before and after, one pixel wider (the
/// candidates and their four neighbours); the others are left unwritten, never read. (A free
/// function: CUDA allows no extended lambda in a private member function.)
void unit_vectors_near_candidates(const ConstPixelView& lon_deg, const ConstPixelView& lat_deg,
                                  std::int64_t lines, std::int64_t pixels,
                                  const Kokkos::View<std::int32_t* [3], MemSpace>& line_info,
                                  const Kokkos::View<double* [3], MemSpace>& positions) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Kokkos::parallel_for(
      "swathgrid::nearest::positions", Policy(ExecSpace(), 0, lines),
      KOKKOS_LAMBDA(std::int64_t line) {
        std::int64_t first = pixels, last = 0;
        for (std::int64_t l = line > 0 ? line - 1 : 0; l <= line + 1 && l < lines; ++l) {
          if (line_info(l, 1) >= line_info(l, 2)) continue;
          if (line_info(l, 1) < first) first = line_info(l, 1);
          if (line_info(l, 2) > last) last = line_info(l, 2);
        }
        if (first > 0) --first;
        if (last < pixels) ++last;
        for (std::int64_t i = line * pixels + first; i < line * pixels + last; ++i) {
          const double lon = lon_deg(i), lat = lat_deg(i);
          const bool valid = navigated(lon_deg(i), lat_deg(i));
          const double c = device::cos(lat * kRadPerDeg);
          positions(i, 0) = valid ? c * device::cos(lon * kRadPerDeg) : nan;
          positions(i, 1) = valid ? c * device::sin(lon * kRadPerDeg) : nan;
          positions(i, 2) = valid ? device::sin(lat * kRadPerDeg) : nan;
        }
      });
}

}  // namespace

void NearestSearch::survey(const ConstPixelView& lon_deg, const ConstPixelView& lat_deg,
                           std::size_t lines, std::size_t pixels, const GridSpec& grid,
                           double max_distance_m) {
  const std::int64_t n = static_cast<std::int64_t>(lines * pixels);
  assert(lon_deg.extent(0) == lines * pixels && lat_deg.extent(0) == lines * pixels);
  assert(n <= kIndexMask && grid.cell_size > 0.0);
  lon_ = lon_deg;
  lat_ = lat_deg;
  lines_ = static_cast<std::int64_t>(lines);
  pixels_ = static_cast<std::int64_t>(pixels);
  max_distance_m_ = max_distance_m;
  have_unit_vectors_ = false;
  grow(flags_, n, "swathgrid::nearest_flags");
  grow(reach_deg_, n, "swathgrid::nearest_reach");
  grow(line_info_, lines_, "swathgrid::nearest_lines");
  grow(offsets_, lines_ + 1, "swathgrid::nearest_offsets");

  const double uniform_radius = max_distance_m > 0.0 ? chord_of_distance(max_distance_m) : 0.0;
  // The scatter's window half-height for a uniform reach, enlarged as the survey's bound.
  const float uniform_deg = uniform_radius > 0.0
                                ? static_cast<float>(2.0 * std::asin(uniform_radius * 0.5) *
                                                     kDegPerRad * (1.0 + 1.0e-6)) +
                                      kSurveySlackDeg
                                : 0.0f;
  Kokkos::MinMaxScalar<float> in_grid_lat;
  Kokkos::parallel_reduce(
      "swathgrid::nearest::survey", Policy(ExecSpace(), 0, lines_),
      SurveyFunctor{lon_deg, lat_deg, lines_, pixels_, grid, GridEdges::of(grid),
                    CentreBox::of(grid), uniform_deg, flags_, reach_deg_, line_info_},
      Kokkos::MinMax<float>(in_grid_lat));
  rows_ = in_grid_lat.max_val < in_grid_lat.min_val
              ? RowWindow{}
              : RowWindow{row_of(grid, in_grid_lat.max_val), row_of(grid, in_grid_lat.min_val) + 1};

  // Each line's first candidate's place in the list, then the list.
  const LineView line_info = line_info_;
  const OffsetView offsets = offsets_;
  const std::int64_t line_count = lines_;
  Kokkos::parallel_scan(
      "swathgrid::nearest::offsets", Policy(ExecSpace(), 0, line_count),
      KOKKOS_LAMBDA(std::int64_t line, std::int64_t & sum, bool final) {
        if (final) offsets(line) = sum;
        sum += line_info(line, 0);
        if (final && line + 1 == line_count) offsets(line_count) = sum;
      });
  candidate_count_ = 0;
  if (line_count > 0) Kokkos::deep_copy(candidate_count_, Kokkos::subview(offsets_, line_count));
  grow(candidates_, candidate_count_, "swathgrid::nearest_candidates");
  grow(bands_, candidate_count_, "swathgrid::nearest_bands");
  const FlagView flags = flags_;
  const CandidateView candidates = candidates_;
  const BandView bands = bands_;
  const Kokkos::View<float*, MemSpace> reach_deg = reach_deg_;
  const std::int64_t width = pixels_;
  Kokkos::parallel_for(
      "swathgrid::nearest::candidates", Policy(ExecSpace(), 0, line_count),
      KOKKOS_LAMBDA(std::int64_t line) {
        std::int64_t k = offsets(line);
        const std::int64_t first = line * width;
        for (std::int64_t i = first + line_info(line, 1); i < first + line_info(line, 2); ++i) {
          if (!(flags(i) & kCandidate)) continue;
          candidates(k) = static_cast<std::int32_t>(i);
          bands(k, 0) = lat_deg(i) - reach_deg(i) - kSurveySlackDeg;
          bands(k, 1) = lat_deg(i) + reach_deg(i) + kSurveySlackDeg;
          ++k;
        }
      });
}

CellPixelView NearestSearch::search(const GridSpec& window, const CellBlock& block) {
  assert(block.row_begin >= 0 && block.row_end <= window.ny && block.col_begin >= 0 &&
         block.col_end <= window.nx && block.rows() >= 0 && block.cols() >= 0);
  if (!have_unit_vectors_) {
    grow(positions_, lines_ * pixels_, "swathgrid::nearest_positions");
    unit_vectors_near_candidates(lon_, lat_, lines_, pixels_, line_info_, positions_);
    have_unit_vectors_ = true;
  }
  const std::int64_t cells = block.cells();
  grow(keys_, cells, "swathgrid::nearest_pixel");
  const CellPixelView keys = Kokkos::subview(keys_, std::make_pair(std::int64_t{0}, cells));
  Kokkos::parallel_for(
      "swathgrid::nearest::clear", Policy(ExecSpace(), 0, cells),
      KOKKOS_LAMBDA(std::int64_t c) { keys(c) = kNoKey; });

  // The candidates whose latitude band (the survey's bound of their window) meets the block's
  // centre latitudes.
  const double north =
      window.y_max - (static_cast<double>(block.row_begin) + 0.5) * window.cell_size;
  const double south = window.y_max - (static_cast<double>(block.row_end) - 0.5) * window.cell_size;
  ScatterFunctor scatter{
      Kokkos::subview(candidates_, std::make_pair(std::int64_t{0}, candidate_count_)),
      Kokkos::subview(bands_, std::make_pair(std::int64_t{0}, candidate_count_), Kokkos::ALL),
      static_cast<float>(north) + kSurveySlackDeg,
      static_cast<float>(south) - kSurveySlackDeg,
      positions_,
      lon_,
      lat_,
      lines_,
      pixels_,
      window,
      1.0 / window.cell_size,
      block,
      centre_trig(window, true, block.row_begin, block.row_end),
      centre_trig(window, false, block.col_begin, block.col_end),
      keys,
      max_distance_m_ > 0.0 ? chord_of_distance(max_distance_m_) : 0.0,
      chord_of_distance(kMaxReachM),
      ExecSpace().concurrency() == 1,
      static_cast<double>(window.nx + 1) * window.cell_size <= kFullTurnDeg
          ? kFullTurnDeg - 3.0 * window.cell_size
          : -1.0};
  Kokkos::parallel_for("swathgrid::nearest::scatter",
                       DynamicPolicy(ExecSpace(), 0, candidate_count_), scatter);

  Kokkos::parallel_for(
      "swathgrid::nearest::unpack", Policy(ExecSpace(), 0, cells), KOKKOS_LAMBDA(std::int64_t c) {
        const std::int64_t key = keys(c);
        keys(c) = key == kNoKey ? -1 : (key & kIndexMask);
      });
  return keys;
}

CellPixelView nearest_pixel_per_cell(const ConstPixelView& lon_deg, const ConstPixelView& lat_deg,
                                     std::size_t lines, std::size_t pixels, const GridSpec& grid,
                                     double max_distance_m) {
  return nearest_pixel_per_cell(lon_deg, lat_deg, lines, pixels, grid, max_distance_m,
                                CellBlock::whole(grid));
}

CellPixelView nearest_pixel_per_cell(const ConstPixelView& lon_deg, const ConstPixelView& lat_deg,
                                     std::size_t lines, std::size_t pixels, const GridSpec& grid,
                                     double max_distance_m, const CellBlock& block) {
  NearestSearch search;
  search.survey(lon_deg, lat_deg, lines, pixels, grid, max_distance_m);
  return search.search(grid, block);
}

}  // namespace swathgrid
