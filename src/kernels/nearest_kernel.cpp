// The `nearest` search: for every cell, the pixel nearest to its centre among those whose
// reach contains it (the rule is in nearest_kernel.hpp). Scatter: each pixel visits the cells
// of a lat/lon window around it and keeps, per cell, the smallest packed (distance, index)
// key with an atomic min; a second pass unpacks the keys into pixel indices.

#include "swathgrid/nearest_kernel.hpp"

#include <cassert>
#include <cmath>
#include <limits>

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

/// The prefilter's bound on a pixel's reach: its chord radius, as an angle, is at most
/// kPrefilterReachFactor times the largest degree distance |dlat| + |dlon| to a navigated
/// neighbour (which bounds the great-circle angle between them): 2 asin(1.1 sin(a / 2)) <=
/// 1.12 a below kPrefilterMaxDeg, so 1.25 leaves room for any rounding.
constexpr double kPrefilterReachFactor = 1.25;
/// Above this bound (degrees) the prefilter keeps the pixel: its reach is no longer small.
constexpr double kPrefilterMaxDeg = 30.0;
/// Added to the prefilter's bounds (degrees): far above rounding, far below a cell.
constexpr double kPrefilterSlackDeg = 1.0e-6;
/// asin(y) <= kAsinSlope * y for 0 <= y <= kPrefilterMaxLonRatio (asin(1/2) = 0.5236).
constexpr double kAsinSlope = 1.05;
constexpr double kPrefilterMaxLonRatio = 0.5;

using UnitVectorView = Kokkos::View<double* [3], MemSpace>;  ///< unit vectors; NaN: none
using FlagView = Kokkos::View<std::uint8_t*, MemSpace>;      ///< per pixel: 1 = candidate
using TrigView = Kokkos::View<double* [2], MemSpace>;        ///< (sin, cos) per row or column
/// Per line: the pixels [first, last) holding its candidates (first == last: none).
using LineSpanView = Kokkos::View<std::int32_t* [2], MemSpace>;
using Policy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>>;
using DynamicPolicy = Kokkos::RangePolicy<ExecSpace, Kokkos::Schedule<Kokkos::Dynamic>,
                                          Kokkos::IndexType<std::int64_t>>;

struct Vec3 {
  double x, y, z;
};
KOKKOS_INLINE_FUNCTION Vec3 minus(const Vec3& a, const Vec3& b) {
  return {a.x - b.x, a.y - b.y, a.z - b.z};
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

/// The cells a pixel reaches: chord to the centre <= radius (unit sphere) and, for a footprint
/// reach, lattice coordinates s = w_a . d, t = w_c . d inside the ellipse.
struct Reach {
  double radius = 0.0;
  bool footprint = false;
  Vec3 w_a{0.0, 0.0, 0.0}, w_c{0.0, 0.0, 0.0};

  KOKKOS_INLINE_FUNCTION bool contains(const Vec3& d, double chord2) const {
    if (!(chord2 <= radius * radius)) return false;
    if (!footprint) return true;
    const double s = dot(w_a, d), t = dot(w_c, d);
    return s * s + t * t <= kFootprintRadius2;
  }
};

/// Index range [begin, end) of the cells whose fractional index lies in [first, last], clipped
/// to [0, n).
struct Span {
  std::int64_t begin = 0, end = 0;
};
KOKKOS_INLINE_FUNCTION Span clipped_span(double first, double last, std::int64_t n) {
  const double lo = std::ceil(first), hi = std::floor(last) + 1.0;
  Span span;
  if (!(lo < static_cast<double>(n)) || !(hi > 0.0)) return span;
  span.begin = lo > 0.0 ? static_cast<std::int64_t>(lo) : 0;
  span.end = hi < static_cast<double>(n) ? static_cast<std::int64_t>(hi) : n;
  return span;
}
/// The part of `span` inside [begin, end).
KOKKOS_INLINE_FUNCTION Span intersect(const Span& span, std::int64_t begin, std::int64_t end) {
  return Span{span.begin > begin ? span.begin : begin, span.end < end ? span.end : end};
}

/// The columns whose centre longitude is within half_width_deg of lon: the window, and its
/// images 360 degrees west and east (longitude is periodic, and a grid may be a little wider
/// than 360 degrees when its cell size does not divide it); all columns when it spans the globe.
struct ColumnSpans {
  Span span[3];
  int count = 0;
};
KOKKOS_INLINE_FUNCTION ColumnSpans column_spans(const GridSpec& grid, double lon,
                                                double half_width_deg) {
  ColumnSpans cols;
  if (2.0 * half_width_deg + 2.0 * grid.cell_size >= kFullTurnDeg) {
    cols.span[cols.count++] = Span{0, grid.nx};
    return cols;
  }
  double west = lon - half_width_deg - grid.x_min;  // west edge of the window, from x_min
  west -= kFullTurnDeg * std::floor(west / kFullTurnDeg);
  for (int turn = -1; turn <= 1; ++turn) {
    const double first = west + turn * kFullTurnDeg;
    cols.span[cols.count++] =
        clipped_span(first / grid.cell_size - 0.5,
                     (first + 2.0 * half_width_deg) / grid.cell_size - 0.5, grid.nx);
  }
  return cols;
}

struct ScatterFunctor {
  FlagView candidate;  ///< pixels the prefilter kept: no other can reach the block
  LineSpanView line_spans;  ///< where each line's candidates are
  UnitVectorView positions;
  ConstPixelView lon_deg, lat_deg;
  std::int64_t lines, pixels;
  GridSpec grid;
  CellBlock block;              ///< the cells searched, of grid
  TrigView row_trig, col_trig;  ///< of the block's rows and columns
  CellPixelView keys;           ///< per block cell
  double uniform_radius;        ///< > 0: every pixel reaches this chord; else footprint reach
  double max_radius;            ///< cap of a footprint reach's radius
  bool one_thread;              ///< the only thread: plain stores, no atomic read-modify-write

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
    if (!spacing(i, i / pixels, lines, pixels, p, v_a) ||
        !spacing(i, i % pixels, pixels, 1, p, v_c))
      return false;
    const double aa = dot(v_a, v_a), cc = dot(v_c, v_c), ac = dot(v_a, v_c);
    const double det = aa * cc - ac * ac;
    if (!(det > kMinSinAngle2 * aa * cc)) return false;
    reach.footprint = true;
    reach.w_a = combine(cc, v_a, ac, v_c, det);
    reach.w_c = combine(aa, v_c, ac, v_a, det);
    const double radius = kFootprintReachScale * std::sqrt((aa + cc) * 0.5);
    reach.radius = radius < max_radius ? radius : max_radius;
    return true;
  }

  KOKKOS_INLINE_FUNCTION void visit(std::int64_t i, const Vec3& p, const Reach& reach,
                                    std::int64_t row, double sin_lat, double cos_lat,
                                    std::int64_t col) const {
    const std::int64_t c = col - block.col_begin;
    const Vec3 q{cos_lat * col_trig(c, 1), cos_lat * col_trig(c, 0), sin_lat};
    const Vec3 d = minus(q, p);
    const double chord2 = dot(d, d);
    if (!reach.contains(d, chord2)) return;
    const double chord_m = kEarthRadiusM * std::sqrt(chord2);
    const std::int64_t key =
        (static_cast<std::int64_t>(chord_m / kNearestKeyQuantumM) << kIndexBits) | i;
    // Keys only decrease: one that is not below the cell's key as read (the current one, or
    // a larger earlier one) cannot lower it, and skips the atomic (most visits do).
    std::int64_t& cell_key = keys((row - block.row_begin) * block.cols() + c);
    if (!(key < cell_key)) return;
    if (one_thread)
      cell_key = key;  // a locked compare-and-swap costs ~10 % of the scatter on one thread
    else
      Kokkos::atomic_fetch_min(&cell_key, key);
  }

  /// The candidates of one line.
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t line) const {
    const std::int64_t first = line * pixels;
    for (std::int64_t i = first + line_spans(line, 0); i < first + line_spans(line, 1); ++i)
      if (candidate(i)) scatter(i);
  }

  KOKKOS_INLINE_FUNCTION void scatter(std::int64_t i) const {
    if (!has_navigation(i)) return;
    const Vec3 p = position(i);
    Reach reach;
    if (uniform_radius > 0.0) {
      reach.radius = uniform_radius;
    } else if (!footprint_reach(i, p, reach)) {
      return;
    }
    // Window: |dlat| <= theta; |dlon| <= asin(sin theta / cos lat) unless the cap holds a pole.
    // theta = 2 asin(r / 2) and sin theta = r sqrt(1 - r^2 / 4) exactly; cos lat = |P_xy|;
    // asin(y) <= y / sqrt(1 - y^2) bounds both arcsines from above without trigonometry.
    const double lon = lon_deg(i), lat = lat_deg(i), size = grid.cell_size;
    const double r = reach.radius, half_r2 = 1.0 - 0.25 * r * r;
    const double theta = (half_r2 > 0.0 ? r / std::sqrt(half_r2) : kPi) * (1.0 + kWindowSlack);
    const double theta_deg = (theta < kPi ? theta : kPi) * kDegPerRad + kWindowSlackDeg;
    const Span rows =
        intersect(clipped_span((grid.y_max - (lat + theta_deg)) / size - 0.5,
                               (grid.y_max - (lat - theta_deg)) / size - 0.5, grid.ny),
                  block.row_begin, block.row_end);
    if (rows.begin >= rows.end) return;
    const double sin_theta = half_r2 > 0.0 ? r * std::sqrt(half_r2) : 0.0;
    const double cos_lat_p = std::sqrt(p.x * p.x + p.y * p.y);
    const double lon_ratio = sin_theta / cos_lat_p * (1.0 + kWindowSlack);
    double half_width_deg = kFullTurnDeg;
    if (half_r2 > 0.5 && lon_ratio < kMaxLonRatio)  // theta < 90 degrees: the cap's widest
      half_width_deg =                              // latitude is the pixel's side
          lon_ratio / std::sqrt(1.0 - lon_ratio * lon_ratio) * kDegPerRad + kWindowSlackDeg;
    const ColumnSpans cols = column_spans(grid, lon, half_width_deg);
    for (std::int64_t row = rows.begin; row < rows.end; ++row) {
      const double sin_lat = row_trig(row - block.row_begin, 0);
      const double cos_lat = row_trig(row - block.row_begin, 1);
      if (!(cos_lat == cos_lat)) continue;  // centre beyond a pole
      for (int k = 0; k < cols.count; ++k) {
        const Span span = intersect(cols.span[k], block.col_begin, block.col_end);
        for (std::int64_t col = span.begin; col < span.end; ++col)
          visit(i, p, reach, row, sin_lat, cos_lat, col);
      }
    }
  }
};

KOKKOS_INLINE_FUNCTION bool navigated(double lon, double lat) {
  return lon - lon == 0.0 && lat >= -kPoleLatDeg && lat <= kPoleLatDeg;
}

/// Longitude difference in degrees, wrapped to [0, 180].
KOKKOS_INLINE_FUNCTION double lon_distance_deg(double a, double b) {
  double d = std::fabs(a - b);
  if (d > kFullTurnDeg) d = std::fmod(d, kFullTurnDeg);
  return d > 0.5 * kFullTurnDeg ? kFullTurnDeg - d : d;
}

/// The block's cell centres as a lat/lon box (degrees).
struct CentreBox {
  double north = 0.0, south = 0.0;       ///< latitudes of its first and last row's centres
  double lon_mid = 0.0, lon_half = 0.0;  ///< its column centres lie within lon_mid +- lon_half
  bool all_lons = false;                 ///< half or more of the globe: no longitude test

  static CentreBox of(const GridSpec& grid, const CellBlock& block) {
    CentreBox box;
    box.north = grid.y_max - (static_cast<double>(block.row_begin) + 0.5) * grid.cell_size;
    box.south = grid.y_max - (static_cast<double>(block.row_end) - 0.5) * grid.cell_size;
    const double west = grid.x_min + (static_cast<double>(block.col_begin) + 0.5) * grid.cell_size;
    const double east = grid.x_min + (static_cast<double>(block.col_end) - 0.5) * grid.cell_size;
    box.lon_mid = 0.5 * (west + east);
    box.lon_half = 0.5 * (east - west);
    // A window as wide as 2 cells spans every column (column_spans): no test then either.
    box.all_lons = box.lon_half >= 0.25 * kFullTurnDeg || grid.cell_size >= kPrefilterMaxDeg;
    return box;
  }
};

/// Marks the pixels that may reach a cell of the block, from degrees alone (no trigonometry,
/// no unit vectors): a pixel whose search window, as the scatter computes it but with an upper
/// bound of its reach, cannot hold a cell centre of the block is dropped. A superset of the
/// pixels that reach the block is kept, so the result is the scatter's over every pixel; this
/// is what makes a grid small beside the granule cost only the pixels near it.
struct PrefilterFunctor {
  ConstPixelView lon_deg, lat_deg;
  std::int64_t lines, pixels;
  CentreBox box;
  double uniform_deg;  ///< > 0: every pixel's window half-height (max_distance_m); else footprint
  FlagView candidate;
  LineSpanView line_spans;

  /// |dlat| + |dlon| to pixel j if navigated (>= the great-circle angle, degrees), else 0.
  KOKKOS_INLINE_FUNCTION double degree_distance(double lon, double lat, std::int64_t j) const {
    const double lon_j = lon_deg(j), lat_j = lat_deg(j);
    if (!navigated(lon_j, lat_j)) return 0.0;
    return std::fabs(lat_j - lat) + lon_distance_deg(lon_j, lon);
  }

  /// Upper bound of the window half-height of pixel i = line * pixels + pixel, degrees.
  KOKKOS_INLINE_FUNCTION double reach_bound_deg(std::int64_t line, std::int64_t pixel,
                                                std::int64_t i, double lon, double lat) const {
    if (uniform_deg > 0.0) return uniform_deg;
    double largest = 0.0, d = 0.0;
    if (line > 0 && (d = degree_distance(lon, lat, i - pixels)) > largest) largest = d;
    if (line + 1 < lines && (d = degree_distance(lon, lat, i + pixels)) > largest) largest = d;
    if (pixel > 0 && (d = degree_distance(lon, lat, i - 1)) > largest) largest = d;
    if (pixel + 1 < pixels && (d = degree_distance(lon, lat, i + 1)) > largest) largest = d;
    return kPrefilterReachFactor * largest + kPrefilterSlackDeg;
  }

  KOKKOS_INLINE_FUNCTION bool may_reach(std::int64_t line, std::int64_t pixel) const {
    const std::int64_t i = line * pixels + pixel;
    const double lon = lon_deg(i), lat = lat_deg(i);
    if (!navigated(lon, lat)) return false;
    double lat_out = lat - box.north;  // degrees beyond the box's centres, north or south
    if (box.south - lat > lat_out) lat_out = box.south - lat;
    const double lon_out = box.all_lons ? 0.0 : lon_distance_deg(lon, box.lon_mid) - box.lon_half;
    if (lat_out <= 0.0 && lon_out <= 0.0) return true;
    const double reach_deg = reach_bound_deg(line, pixel, i, lon, lat);
    if (!(reach_deg < kPrefilterMaxDeg)) return true;
    if (lat_out > reach_deg + kPrefilterSlackDeg) return false;
    if (lon_out <= 0.0) return true;
    // The window's half-width asin(sin theta / cos lat): cos(lat) >= 1 - lat^2 / 2 and
    // asin(y) <= kAsinSlope * y while y is small.
    const double lat_rad = lat * kRadPerDeg;
    const double cos_lat_low = 1.0 - 0.5 * lat_rad * lat_rad;
    const double ratio = reach_deg * kRadPerDeg / cos_lat_low;
    if (!(cos_lat_low > 0.0 && ratio < kPrefilterMaxLonRatio)) return true;
    return !(lon_out > kAsinSlope * ratio * kDegPerRad + 2.0 * kPrefilterSlackDeg);
  }

  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t line) const {
    std::int32_t first = static_cast<std::int32_t>(pixels), last = 0;
    for (std::int64_t pixel = 0; pixel < pixels; ++pixel) {
      const bool kept = may_reach(line, pixel);
      candidate(line * pixels + pixel) = kept;
      if (kept) {
        if (first > pixel) first = static_cast<std::int32_t>(pixel);
        last = static_cast<std::int32_t>(pixel + 1);
      }
    }
    line_spans(line, 0) = first < last ? first : 0;
    line_spans(line, 1) = last;
  }
};

/// Unit vectors of the pixels the scatter reads (NaN: no navigation): on each line, those
/// between the candidates of it and of the lines before and after, one pixel wider (the
/// candidates and their four neighbours); the others are left unwritten, never read.
UnitVectorView unit_vectors(const ConstPixelView& lon_deg, const ConstPixelView& lat_deg,
                            std::int64_t lines, std::int64_t pixels,
                            const LineSpanView& line_spans) {
  const std::int64_t n = static_cast<std::int64_t>(lon_deg.extent(0));
  UnitVectorView positions(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::positions"),
                           n);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Kokkos::parallel_for(
      "swathgrid::nearest::positions", Policy(ExecSpace(), 0, lines),
      KOKKOS_LAMBDA(std::int64_t line) {
        std::int64_t first = pixels, last = 0;
        for (std::int64_t l = line > 0 ? line - 1 : 0; l <= line + 1 && l < lines; ++l) {
          if (line_spans(l, 0) >= line_spans(l, 1)) continue;
          if (line_spans(l, 0) < first) first = line_spans(l, 0);
          if (line_spans(l, 1) > last) last = line_spans(l, 1);
        }
        if (first > 0) --first;
        if (last < pixels) ++last;
        for (std::int64_t i = line * pixels + first; i < line * pixels + last; ++i) {
          const double lon = lon_deg(i), lat = lat_deg(i);
          const bool valid = navigated(lon, lat);
          const double c = std::cos(lat * kRadPerDeg);
          positions(i, 0) = valid ? c * std::cos(lon * kRadPerDeg) : nan;
          positions(i, 1) = valid ? c * std::sin(lon * kRadPerDeg) : nan;
          positions(i, 2) = valid ? std::sin(lat * kRadPerDeg) : nan;
        }
      });
  return positions;
}

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
        trig(k, 0) = valid ? std::sin(deg * kRadPerDeg) : nan;
        trig(k, 1) = valid ? std::cos(deg * kRadPerDeg) : nan;
      });
  return trig;
}

/// The search itself, inside this file's unnamed namespace so that its helpers (Policy, Vec3,
/// Span, ...) cannot clash with names a swathgrid header may add.
CellPixelView search(const ConstPixelView& lon_deg, const ConstPixelView& lat_deg,
                     std::size_t lines, std::size_t pixels, const GridSpec& grid,
                     double max_distance_m, const CellBlock& block) {
  const std::int64_t n = static_cast<std::int64_t>(lines * pixels);
  assert(lon_deg.extent(0) == lines * pixels && lat_deg.extent(0) == lines * pixels);
  assert(n <= kIndexMask && grid.cell_size > 0.0);
  assert(block.row_begin >= 0 && block.row_end <= grid.ny && block.col_begin >= 0 &&
         block.col_end <= grid.nx && block.rows() >= 0 && block.cols() >= 0);
  const std::int64_t cells = block.cells();
  CellPixelView keys(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::nearest_pixel"),
                     cells);
  Kokkos::parallel_for(
      "swathgrid::nearest::clear", Policy(ExecSpace(), 0, cells),
      KOKKOS_LAMBDA(std::int64_t c) { keys(c) = kNoKey; });

  const double uniform_radius = max_distance_m > 0.0 ? chord_of_distance(max_distance_m) : 0.0;
  // The scatter's window half-height for a uniform reach, enlarged as the prefilter's bound.
  const double uniform_deg =
      uniform_radius > 0.0
          ? 2.0 * std::asin(uniform_radius * 0.5) * kDegPerRad * (1.0 + kPrefilterSlackDeg) +
                kPrefilterSlackDeg
          : 0.0;
  FlagView candidate(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::candidate"), n);
  const auto line_count = static_cast<std::int64_t>(lines);
  LineSpanView line_spans(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::line_spans"),
                          line_count);
  // One line per work item: neighbours by offset, no division per pixel.
  Kokkos::parallel_for(
      "swathgrid::nearest::prefilter", Policy(ExecSpace(), 0, line_count),
      PrefilterFunctor{lon_deg, lat_deg, static_cast<std::int64_t>(lines),
                       static_cast<std::int64_t>(pixels), CentreBox::of(grid, block), uniform_deg,
                       candidate, line_spans});

  ScatterFunctor scatter{
      candidate,
      line_spans,
      unit_vectors(lon_deg, lat_deg, line_count, static_cast<std::int64_t>(pixels), line_spans),
      lon_deg,
      lat_deg,
      static_cast<std::int64_t>(lines),
      static_cast<std::int64_t>(pixels),
      grid,
      block,
      centre_trig(grid, true, block.row_begin, block.row_end),
      centre_trig(grid, false, block.col_begin, block.col_end),
      keys,
      uniform_radius,
      chord_of_distance(kMaxReachM),
      ExecSpace().concurrency() == 1};
  Kokkos::parallel_for("swathgrid::nearest::scatter", DynamicPolicy(ExecSpace(), 0, line_count),
                       scatter);

  Kokkos::parallel_for(
      "swathgrid::nearest::unpack", Policy(ExecSpace(), 0, cells), KOKKOS_LAMBDA(std::int64_t c) {
        const std::int64_t key = keys(c);
        keys(c) = key == kNoKey ? -1 : (key & kIndexMask);
      });
  return keys;
}

}  // namespace

CellPixelView nearest_pixel_per_cell(const ConstPixelView& lon_deg, const ConstPixelView& lat_deg,
                                     std::size_t lines, std::size_t pixels, const GridSpec& grid,
                                     double max_distance_m) {
  return search(lon_deg, lat_deg, lines, pixels, grid, max_distance_m, CellBlock::whole(grid));
}

CellPixelView nearest_pixel_per_cell(const ConstPixelView& lon_deg, const ConstPixelView& lat_deg,
                                     std::size_t lines, std::size_t pixels, const GridSpec& grid,
                                     double max_distance_m, const CellBlock& block) {
  return search(lon_deg, lat_deg, lines, pixels, grid, max_distance_m, block);
}

}  // namespace swathgrid
