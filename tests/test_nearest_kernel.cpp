// The nearest kernel against an independent brute-force O(cells * pixels) loop implementing
// the rule of nearest_kernel.hpp (same formulas and the same pixel_unit_vector, so the keys
// agree bit for bit on a host backend; pixel_unit_vector itself against long double), on synthetic
// curved swaths with navigation gaps; plus the properties the rule is for: cells inside the swath
// are filled, cells a pixel spacing beyond an edge or into a gap are not.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <vector>

#include "swathgrid/nearest_kernel.hpp"
#include "swathgrid/partials.hpp"

namespace swathgrid {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kRadPerDeg = kPi / 180.0;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();
// From the rule in nearest_kernel.hpp:
constexpr int kIndexBits = 31;            // key = quantised distance * 2^31 + pixel index
constexpr double kMinSinAngle2 = 1.0e-6;  // spacing vectors closer to parallel: no footprint

struct Vec3 {
  double x, y, z;
};
Vec3 minus(const Vec3& a, const Vec3& b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
double dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
Vec3 along(const Vec3& a, double ka, const Vec3& b, double kb) {
  return {ka * a.x + kb * b.x, ka * a.y + kb * b.y, ka * a.z + kb * b.z};
}
Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
Vec3 unit_vector(double lon_deg, double lat_deg) {
  const double c = std::cos(lat_deg * kRadPerDeg);
  return {c * std::cos(lon_deg * kRadPerDeg), c * std::sin(lon_deg * kRadPerDeg),
          std::sin(lat_deg * kRadPerDeg)};
}
// A pixel's P, as the rule computes it (pixel_unit_vector: tested against long double below).
Vec3 pixel_position(float lon_deg, float lat_deg) {
  double p[3];
  pixel_unit_vector(lon_deg, lat_deg, p);
  return {p[0], p[1], p[2]};
}

// ---- A synthetic swath: a great-circle ground track, cross-track arcs perpendicular to it,
// cross-track spacing widening from nadir_m at nadir to nadir_m * (1 + widening) at the edges.
struct SwathShape {
  double lon_deg, lat_deg, heading_deg;  ///< centre and direction of flight (from north)
  std::size_t lines, pixels;
  double line_m, nadir_m, widening;
};

struct Swath {
  SwathShape shape;
  Vec3 centre, track, pole;  ///< C0, along-track tangent T, N = C0 x T
  std::vector<float> lon, lat;

  double half_lines() const { return 0.5 * static_cast<double>(shape.lines - 1); }
  double half_pixels() const { return 0.5 * static_cast<double>(shape.pixels - 1); }
  /// Cross-track angle (radians) at fractional pixel offset u from nadir.
  double cross_angle(double u) const {
    const double h = half_pixels();
    return shape.nadir_m / kEarthRadiusM * (u + shape.widening * u * u * u / (3.0 * h * h));
  }
  Vec3 point(double line, double pixel) const {
    const double a = (line - half_lines()) * shape.line_m / kEarthRadiusM;
    const double c = cross_angle(pixel - half_pixels());
    return along(along(centre, std::cos(a), track, std::sin(a)), std::cos(c), pole, std::sin(c));
  }
  /// Fractional (line, pixel) of a point: the inverse of point().
  void lattice(const Vec3& q, double& line, double& pixel) const {
    line = std::atan2(dot(q, track), dot(q, centre)) * kEarthRadiusM / shape.line_m + half_lines();
    const double c = std::asin(std::max(-1.0, std::min(1.0, dot(q, pole))));
    double u = c * kEarthRadiusM / shape.nadir_m;  // Newton on cross_angle(u) = c
    const double h = half_pixels();
    for (int k = 0; k < 30; ++k)
      u -= (cross_angle(u) - c) /
           (shape.nadir_m / kEarthRadiusM * (1.0 + shape.widening * u * u / (h * h)));
    pixel = u + h;
  }
  bool valid(std::int64_t line, std::int64_t pixel) const {
    if (line < 0 || pixel < 0 || line >= static_cast<std::int64_t>(shape.lines) ||
        pixel >= static_cast<std::int64_t>(shape.pixels))
      return false;
    const std::size_t i = line * shape.pixels + pixel;
    return std::isfinite(lon[i]) && lat[i] >= -90.0f && lat[i] <= 90.0f;
  }
  void drop(std::size_t line, std::size_t pixel) {
    lon[line * shape.pixels + pixel] = lat[line * shape.pixels + pixel] = kNaNf;
  }
};

Swath make_swath(const SwathShape& shape) {
  Swath s{shape, unit_vector(shape.lon_deg, shape.lat_deg), {}, {}, {}, {}};
  const double lon = shape.lon_deg * kRadPerDeg, lat = shape.lat_deg * kRadPerDeg;
  const Vec3 east{-std::sin(lon), std::cos(lon), 0.0};
  const Vec3 north{-std::sin(lat) * std::cos(lon), -std::sin(lat) * std::sin(lon), std::cos(lat)};
  s.track = along(north, std::cos(shape.heading_deg * kRadPerDeg), east,
                  std::sin(shape.heading_deg * kRadPerDeg));
  s.pole = cross(s.centre, s.track);
  for (std::size_t l = 0; l < shape.lines; ++l)
    for (std::size_t p = 0; p < shape.pixels; ++p) {
      const Vec3 q = s.point(static_cast<double>(l), static_cast<double>(p));
      s.lon.push_back(static_cast<float>(std::atan2(q.y, q.x) / kRadPerDeg));
      s.lat.push_back(static_cast<float>(std::asin(q.z) / kRadPerDeg));
    }
  return s;
}

/// Swath A: 60 x 40 pixels off the US east coast, with navigation gaps: lines 20-23 whole,
/// a block of lines 40-45 x pixels 10-15, two single pixels and one finite but impossible
/// latitude.
Swath gappy_swath() {
  Swath s = make_swath({-75.0, 35.0, 200.0, 60, 40, 1200.0, 1200.0, 1.5});
  for (std::size_t l = 20; l <= 23; ++l)
    for (std::size_t p = 0; p < 40; ++p) s.drop(l, p);
  for (std::size_t l = 40; l <= 45; ++l)
    for (std::size_t p = 10; p <= 15; ++p) s.drop(l, p);
  s.drop(8, 30);
  s.drop(50, 5);
  s.lat[55 * 40 + 20] = -999.0f;
  return s;
}

// ---- The rule, brute force.
struct RulePixel {
  std::int64_t index;
  Vec3 p;
  double radius;
  bool footprint;
  Vec3 w_a, w_c;
};

bool spacing(const Swath& s, const std::vector<Vec3>& pos, std::int64_t l, std::int64_t p,
             std::int64_t dl, std::int64_t dp, Vec3& v) {
  const std::int64_t pixels = s.shape.pixels;
  const bool before = s.valid(l - dl, p - dp), after = s.valid(l + dl, p + dp);
  const Vec3& here = pos[l * pixels + p];
  if (before && after) {
    const Vec3& prev = pos[(l - dl) * pixels + (p - dp)];
    const Vec3& next = pos[(l + dl) * pixels + (p + dp)];
    v = {(next.x - prev.x) / 2.0, (next.y - prev.y) / 2.0, (next.z - prev.z) / 2.0};
  } else if (after) {
    v = minus(pos[(l + dl) * pixels + (p + dp)], here);
  } else if (before) {
    v = minus(here, pos[(l - dl) * pixels + (p - dp)]);
  }
  return before || after;
}

std::vector<RulePixel> rule_pixels(const Swath& s, double max_distance_m) {
  const std::int64_t lines = s.shape.lines, pixels = s.shape.pixels;
  std::vector<Vec3> pos(lines * pixels, Vec3{kNaN, kNaN, kNaN});
  for (std::int64_t i = 0; i < lines * pixels; ++i)
    if (s.valid(i / pixels, i % pixels)) pos[i] = pixel_position(s.lon[i], s.lat[i]);
  const double max_chord = 2.0 * std::sin(kMaxReachM / (2.0 * kEarthRadiusM));
  std::vector<RulePixel> out;
  for (std::int64_t l = 0; l < lines; ++l)
    for (std::int64_t p = 0; p < pixels; ++p) {
      const std::int64_t i = l * pixels + p;
      if (std::isnan(pos[i].x)) continue;
      RulePixel r{i, pos[i], 0.0, false, {}, {}};
      if (max_distance_m > 0.0) {
        r.radius = 2.0 * std::sin(std::min(max_distance_m, kMaxReachM) / (2.0 * kEarthRadiusM));
        out.push_back(r);
        continue;
      }
      Vec3 va{}, vc{};
      if (!spacing(s, pos, l, p, 1, 0, va) || !spacing(s, pos, l, p, 0, 1, vc)) continue;
      const double aa = dot(va, va), cc = dot(vc, vc), ac = dot(va, vc);
      const double det = aa * cc - ac * ac;
      if (!(det > kMinSinAngle2 * aa * cc)) continue;
      r.footprint = true;
      r.w_a = {(cc * va.x - ac * vc.x) / det, (cc * va.y - ac * vc.y) / det,
               (cc * va.z - ac * vc.z) / det};
      r.w_c = {(aa * vc.x - ac * va.x) / det, (aa * vc.y - ac * va.y) / det,
               (aa * vc.z - ac * va.z) / det};
      r.radius = std::min(kFootprintReachScale * std::sqrt((aa + cc) * 0.5), max_chord);
      out.push_back(r);
    }
  return out;
}

/// Expected index per cell: every pixel against every cell centre. Only exact pruning: a row
/// skips the pixels farther from it in z than their radius (|dz| <= chord, as
/// chord^2 = dx^2 + dy^2 + dz^2), which keeps whole-globe grids fast.
std::vector<std::int64_t> brute_force(const Swath& s, const GridSpec& grid, double max_distance_m) {
  const std::vector<RulePixel> rule = rule_pixels(s, max_distance_m);
  const double ellipse2 = 0.5 * kFootprintReachScale * kFootprintReachScale;
  std::vector<std::int64_t> out(grid.cell_count(), -1);
  std::vector<const RulePixel*> candidates;
  for (std::int64_t row = 0; row < grid.ny; ++row) {
    const double lat = grid.y_center(row);
    if (lat < -90.0 || lat > 90.0) continue;
    const double cl = std::cos(lat * kRadPerDeg), sl = std::sin(lat * kRadPerDeg);
    candidates.clear();
    for (const RulePixel& r : rule)
      if (std::abs(sl - r.p.z) <= r.radius * (1.0 + 1.0e-9)) candidates.push_back(&r);
    if (candidates.empty()) continue;
    for (std::int64_t col = 0; col < grid.nx; ++col) {
      const double lon = grid.x_center(col);
      const Vec3 q{cl * std::cos(lon * kRadPerDeg), cl * std::sin(lon * kRadPerDeg), sl};
      std::int64_t best = std::numeric_limits<std::int64_t>::max();
      for (const RulePixel* r : candidates) {
        const Vec3 d = minus(q, r->p);
        const double chord2 = dot(d, d);
        if (!(chord2 <= r->radius * r->radius)) continue;
        if (r->footprint) {
          const double a = dot(r->w_a, d), b = dot(r->w_c, d);
          if (!(a * a + b * b <= ellipse2)) continue;
        }
        const double quanta = std::sqrt(chord2) * kNearestKeyScale;
        best = std::min(best, (static_cast<std::int64_t>(quanta) << kIndexBits) | r->index);
      }
      if (best != std::numeric_limits<std::int64_t>::max())
        out[row * grid.nx + col] = best & ((std::int64_t{1} << kIndexBits) - 1);
    }
  }
  return out;
}

// ---- Running the kernel.
std::vector<std::int64_t> run_kernel(const Swath& s, const GridSpec& grid, double max_distance_m) {
  PixelView lon, lat;
  copy_to_device(s.lon, lon, "lon");
  copy_to_device(s.lat, lat, "lat");
  const CellPixelView cells =
      nearest_pixel_per_cell(lon, lat, s.shape.lines, s.shape.pixels, grid, max_distance_m);
  auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), cells);
  return std::vector<std::int64_t>(host.data(), host.data() + host.extent(0));
}

GridSpec window(double x_min, double y_max, double cell_size, std::int64_t nx, std::int64_t ny) {
  GridSpec g;
  g.x_min = x_min;
  g.y_max = y_max;
  g.cell_size = cell_size;
  g.nx = nx;
  g.ny = ny;
  return g;
}

/// An n x n window of cell_size centred on the point q.
GridSpec window_around(const Vec3& q, double cell_size, std::int64_t n) {
  const double half = 0.5 * cell_size * static_cast<double>(n);
  return window(std::atan2(q.y, q.x) / kRadPerDeg - half, std::asin(q.z) / kRadPerDeg + half,
                cell_size, n, n);
}

/// Cells with a pixel, and the first cell where kernel and brute force differ (or -1).
struct Comparison {
  std::int64_t filled = 0, first_mismatch = -1, mismatches = 0;
};
Comparison compare(const std::vector<std::int64_t>& got, const std::vector<std::int64_t>& want) {
  Comparison c;
  for (std::size_t k = 0; k < want.size(); ++k) {
    c.filled += want[k] >= 0;
    if (got[k] != want[k] && c.mismatches++ == 0) c.first_mismatch = static_cast<std::int64_t>(k);
  }
  return c;
}

void expect_matches_brute_force(const Swath& s, const GridSpec& grid, double max_distance_m,
                                std::int64_t min_filled) {
  const std::vector<std::int64_t> got = run_kernel(s, grid, max_distance_m);
  const std::vector<std::int64_t> want = brute_force(s, grid, max_distance_m);
  ASSERT_EQ(got.size(), want.size());
  const Comparison c = compare(got, want);
  EXPECT_EQ(c.mismatches, 0) << "first at cell " << c.first_mismatch << ": kernel "
                             << got[std::max<std::int64_t>(c.first_mismatch, 0)] << ", brute force "
                             << want[std::max<std::int64_t>(c.first_mismatch, 0)];
  EXPECT_GE(c.filled, min_filled);         // the comparison is not vacuous
  EXPECT_LT(c.filled, grid.cell_count());  // and some cells lie outside
}

TEST(NearestKernel, MatchesBruteForceOnFineMediumAndCoarseGrids) {
  const Swath s = gappy_swath();
  // Pixels are ~0.011 degrees at nadir, ~0.027 at the edges.
  const GridSpec fine_window = window(-75.3107, 35.2013, 0.002, 200, 150);
  const BBox around{-75.6, 34.5, -74.4, 35.5};
  expect_matches_brute_force(s, fine_window, 0.0, 5000);
  expect_matches_brute_force(s, GridSpec::from_bbox(around, 0.01), 0.0, 3000);
  expect_matches_brute_force(s, GridSpec::from_bbox(around, 0.05), 0.0, 100);
}

TEST(NearestKernel, MatchesBruteForceWithMaxDistance) {
  const Swath s = gappy_swath();
  expect_matches_brute_force(s, GridSpec::from_bbox(BBox{-75.6, 34.5, -74.4, 35.5}, 0.01), 2500.0,
                             3000);
  expect_matches_brute_force(s, window(-75.1, 35.1, 0.003, 100, 100), 800.0, 500);
  // Cells much smaller than the reach (a search window too small by a few percent would
  // show), around the middle of the four missing lines (3 km from the lines on either side)
  // and across the east edge of the swath.
  expect_matches_brute_force(s, window_around(s.point(21.5, 20.0), 0.0005, 120), 1500.0, 1000);
  expect_matches_brute_force(s, window_around(s.point(30.0, 39.0), 0.0005, 120), 1500.0, 1000);
}

// The survey's run bounds and the scatter's batch preparation have copies for AVX2 and
// AVX-512F chosen at run time (nearest_shared.hpp): each copy this CPU has, and the portable
// loop, matches brute force (SWATHGRID_VECTOR_ISA narrows the choice; a CPU without an ISA
// runs the widest it has, compared again).
TEST(NearestKernel, EveryVectorCopyMatchesBruteForce) {
  const Swath s = gappy_swath();
  const BBox around{-75.6, 34.5, -74.4, 35.5};
  for (const char* isa : {"portable", "avx2", "avx512"}) {
    SCOPED_TRACE(isa);
    ASSERT_EQ(setenv("SWATHGRID_VECTOR_ISA", isa, 1), 0);
    expect_matches_brute_force(s, window(-75.3107, 35.2013, 0.002, 200, 150), 0.0, 5000);
    expect_matches_brute_force(s, GridSpec::from_bbox(around, 0.01), 2500.0, 3000);
  }
  unsetenv("SWATHGRID_VECTOR_ISA");
}

// A longitude given as itself plus many turns (beyond 2^20 degrees, where the vectorised sines
// take another path: pixel_unit_vector's exact reduction) is the same place: the cells it is
// nearest to get it, in every vector copy. None in a real file, but the kernel takes any float.
TEST(NearestKernel, LongitudesManyTurnsAwayAreTheSamePlace) {
  Swath s = gappy_swath();
  const std::size_t shifted = 30 * 40 + 12;  // an interior pixel, its neighbours left as they are
  // 4096 turns: 1474560 degrees, where a float's step is 0.125: the pixel moves onto that grid.
  s.lon[shifted] = static_cast<float>(std::round(s.lon[shifted] * 8.0) / 8.0 + 360.0 * 4096.0);
  const GridSpec grid = window_around(s.point(30.0, 12.0), 0.001, 80);
  for (const char* isa : {"portable", "avx2", "avx512"}) {
    SCOPED_TRACE(isa);
    ASSERT_EQ(setenv("SWATHGRID_VECTOR_ISA", isa, 1), 0);
    expect_matches_brute_force(s, grid, 0.0, 1000);
    std::int64_t its_cells = 0;
    for (const std::int64_t got : run_kernel(s, grid, 0.0))
      its_cells += got == static_cast<std::int64_t>(shifted);
    EXPECT_GT(its_cells, 10);
  }
  unsetenv("SWATHGRID_VECTOR_ISA");
}

// Each block of rows x columns gets what the whole grid gets (the whole grid matches brute
// force above): the prefilter keeps, for every block, the pixels that reach it, wherever the
// block lies (inside the swath, across its edge, beyond it), and with --max-distance.
TEST(NearestKernel, BlocksGetWhatTheWholeGridGets) {
  const Swath s = gappy_swath();
  const GridSpec grid = GridSpec::from_bbox(BBox{-75.6, 34.5, -74.4, 35.5}, 0.01);
  PixelView lon, lat;
  copy_to_device(s.lon, lon, "lon");
  copy_to_device(s.lat, lat, "lat");
  for (const double max_distance_m : {0.0, 2500.0}) {
    const std::vector<std::int64_t> whole = run_kernel(s, grid, max_distance_m);
    const std::int64_t step_rows = 17, step_cols = 23;  // blocks of uneven sizes
    std::int64_t filled = 0;
    for (std::int64_t r = 0; r < grid.ny; r += step_rows)
      for (std::int64_t c = 0; c < grid.nx; c += step_cols) {
        const CellBlock block{r, std::min(grid.ny, r + step_rows), c,
                              std::min(grid.nx, c + step_cols)};
        const auto got = Kokkos::create_mirror_view_and_copy(
            HostSpace(), nearest_pixel_per_cell(lon, lat, s.shape.lines, s.shape.pixels, grid,
                                                max_distance_m, block));
        for (std::int64_t k = 0; k < block.cells(); ++k) {
          ASSERT_EQ(got(k), whole[block.grid_cell(k, grid.nx)])
              << "block at row " << r << ", column " << c << ", cell " << k;
          filled += got(k) >= 0;
        }
      }
    EXPECT_GT(filled, 3000);
  }
}

// One survey serves searches of windows of its grid (rows, as the driver's window_grid) and
// blocks of them, each getting what the whole grid's search gets; its rows are granule_rows'
// (the grids' edges cross the swath, so pixels within the survey's slack of an edge are
// decided by GridSpec::locate), also with longitudes a turn east or west.
TEST(NearestKernel, OneSurveyServesWindowsAndItsRowsAreGranuleRows) {
  const Swath s = gappy_swath();
  for (const GridSpec& grid : {GridSpec::from_bbox(BBox{-75.6, 34.5, -74.4, 35.5}, 0.01),
                               GridSpec::from_bbox(BBox{-75.0, 34.9, -74.7, 35.2}, 0.003),
                               window(-75.3001, 35.31, 0.0013, 300, 200)})
    for (const double turn : {0.0, 360.0, -360.0})
      for (const double max_distance_m : {0.0, 2500.0}) {
        Swath shifted = s;
        for (float& lon : shifted.lon) lon += static_cast<float>(turn);
        PixelView lon, lat;
        copy_to_device(shifted.lon, lon, "lon");
        copy_to_device(s.lat, lat, "lat");
        NearestSearch search;
        search.survey(lon, lat, s.shape.lines, s.shape.pixels, grid, max_distance_m);
        const RowWindow rows = search.rows();
        const RowWindow want = granule_rows(lon, lat, grid);
        ASSERT_FALSE(want.empty());
        EXPECT_EQ(rows.begin, want.begin) << "turn " << turn;
        EXPECT_EQ(rows.end, want.end) << "turn " << turn;
        EXPECT_GT(search.candidates(), 0);
        EXPECT_LT(search.candidates(), static_cast<std::int64_t>(s.lon.size()));
        const std::vector<std::int64_t> whole = run_kernel(shifted, grid, max_distance_m);
        // The rows [begin, end) as a grid of their own, searched in blocks of 7 rows.
        const std::int64_t begin = std::max<std::int64_t>(0, rows.begin - 3);
        GridSpec sub = grid;
        sub.y_max = grid.y_max - static_cast<double>(begin) * grid.cell_size;
        sub.ny = std::min(grid.ny, rows.end + 3) - begin;
        std::int64_t filled = 0;
        for (std::int64_t r = 0; r < sub.ny; r += 7) {
          const CellBlock block{r, std::min(sub.ny, r + 7), 0, sub.nx};
          const auto got =
              Kokkos::create_mirror_view_and_copy(HostSpace(), search.search(sub, block));
          for (std::int64_t k = 0; k < block.cells(); ++k) {
            ASSERT_EQ(got(k), whole[(begin + r) * grid.nx + k])
                << "turn " << turn << ", block at row " << r << ", cell " << k;
            filled += got(k) >= 0;
          }
        }
        EXPECT_GT(filled, 100);
      }
}

// The survey rejects runs of pixels of a line far from the grid together, from bounds over
// them (their latitudes, longitudes, largest neighbour distance) instead of each pixel's own
// values: small grids anywhere around a swath many runs wide (inside it, just beyond its
// edges, its first and last lines, beside a gap of missing navigation), a turn east or west,
// with either reach, get what brute force gives; in all, many cells with a pixel and many
// without.
TEST(NearestKernel, SmallGridsAroundAWideSwathMatchBruteForce) {
  Swath s = make_swath({-75.0, 35.0, 200.0, 40, 150, 1200.0, 1200.0, 1.5});
  for (std::size_t l = 18; l <= 20; ++l)
    for (std::size_t p = 60; p <= 70; ++p) s.drop(l, p);
  // (line, pixel) of its centre, cell size (degrees), cells on a side; the first holds whole
  // runs in its interior.
  const double places[][4] = {{20.0, 75.0, 0.004, 110}, {10.0, -1.5, 0.002, 30},
                              {25.0, 150.5, 0.002, 30}, {-1.5, 40.0, 0.002, 30},
                              {40.5, 100.0, 0.002, 30}, {19.0, 65.0, 0.002, 30},
                              {5.0, 16.0, 0.002, 30},   {30.0, 31.5, 0.002, 30}};
  std::int64_t filled = 0, empty = 0;
  for (const double turn : {0.0, 360.0, -360.0}) {
    Swath shifted = s;
    for (float& lon : shifted.lon) lon += static_cast<float>(turn);
    PixelView lon, lat;
    copy_to_device(shifted.lon, lon, "lon");
    copy_to_device(shifted.lat, lat, "lat");
    for (const auto& place : places)
      for (const double max_distance_m : {0.0, 2500.0}) {
        GridSpec grid = window_around(s.point(place[0], place[1]), place[2],
                                      static_cast<std::int64_t>(place[3]));
        grid.x_min += turn;
        const std::vector<std::int64_t> got = run_kernel(shifted, grid, max_distance_m);
        const Comparison c = compare(got, brute_force(shifted, grid, max_distance_m));
        NearestSearch search;  // its rows: from runs surely in the grid, and pixel by pixel
        search.survey(lon, lat, s.shape.lines, s.shape.pixels, grid, max_distance_m);
        const RowWindow want = granule_rows(lon, lat, grid);
        EXPECT_EQ(search.rows().begin, want.begin) << "turn " << turn << ", line " << place[0];
        EXPECT_EQ(search.rows().end, want.end) << "turn " << turn << ", line " << place[0];
        EXPECT_EQ(c.mismatches, 0)
            << "turn " << turn << ", around line " << place[0] << ", pixel " << place[1]
            << ", reach " << max_distance_m << ": first at cell " << c.first_mismatch;
        filled += c.filled;
        empty += grid.cell_count() - c.filled;
      }
  }
  EXPECT_GT(filled, 10000);
  EXPECT_GT(empty, 3000);
}

// Lines far apart (40 km) and pixels close (100 m): a run of 16 pixels spans ~1.6 km, yet its
// pixels reach ~30 km along track. The survey may reject a run from the extents of its own
// pixels only together with its neighbours on the lines before and after (which set the
// reach); cells 7-13 km north of the middle line, far beyond its own runs' extent, are that
// line's.
TEST(NearestKernel, RunsReachAsFarAsTheirNeighbouringLines) {
  const Swath s = make_swath({-75.0, 35.0, 0.0, 5, 64, 40000.0, 100.0, 0.0});
  const Vec3 middle = s.point(2.0, 31.5);
  const double lat = std::asin(middle.z) / kRadPerDeg,
               lon = std::atan2(middle.y, middle.x) / kRadPerDeg;
  const GridSpec north = window(lon - 0.05, lat + 0.12, 0.001, 100, 60);
  expect_matches_brute_force(s, north, 0.0, 2000);
  const std::vector<std::int64_t> got = run_kernel(s, north, 0.0);
  std::int64_t middle_line = 0;
  for (const std::int64_t pixel : got) middle_line += pixel >= 0 && pixel / 64 == 2;
  EXPECT_GT(middle_line, 2000);

  // The same for the groups of 8 runs tested first (128 pixels of 20 m: 2.6 km), cells 7-15
  // km north of an interior group (pixels 128-255), and of a line's first and last groups
  // (pixels 0-127, 256-299: no pixel beyond them on their line; tested whole since session 28).
  const Swath wide = make_swath({-75.0, 35.0, 0.0, 5, 300, 40000.0, 20.0, 0.0});
  for (const double pixel : {192.0, 64.0, 278.0}) {
    const Vec3 group = wide.point(2.0, pixel);
    const double group_lat = std::asin(group.z) / kRadPerDeg;
    const double group_lon = std::atan2(group.y, group.x) / kRadPerDeg;
    const GridSpec group_north = window(group_lon - 0.045, group_lat + 0.14, 0.0005, 180, 160);
    expect_matches_brute_force(wide, group_north, 0.0, 5000);
    std::int64_t group_line = 0;
    for (const std::int64_t got : run_kernel(wide, group_north, 0.0))
      group_line += got >= 0 && got / 300 == 2 && std::fabs(got % 300 - pixel) < 64.0;
    EXPECT_GT(group_line, 5000) << "around pixel " << pixel;
  }
}

TEST(NearestKernel, AntimeridianSwathLandsOnBothEdgesOfAGlobalGrid) {
  // 15 km pixels on a whole-globe 0.1-degree grid (finer than the pixels).
  const Swath s = make_swath({179.95, -20.0, 10.0, 24, 16, 15000.0, 15000.0, 1.0});
  const GridSpec grid = GridSpec::from_bbox(BBox{-180, -90, 180, 90}, 0.1);
  const std::vector<std::int64_t> got = run_kernel(s, grid, 0.0);
  const Comparison c = compare(got, brute_force(s, grid, 0.0));
  EXPECT_EQ(c.mismatches, 0) << "first at cell " << c.first_mismatch;
  std::int64_t west_half = 0, east_half = 0;
  for (std::size_t k = 0; k < got.size(); ++k) {
    if (got[k] < 0) continue;
    const std::int64_t col = static_cast<std::int64_t>(k) % grid.nx;
    west_half += col < grid.nx / 2;
    east_half += col >= grid.nx / 2;
  }
  EXPECT_GT(west_half, 300);
  EXPECT_GT(east_half, 300);
  // 0.7 does not divide 360: the last column's centre (180.15) lies east of the first (-179.65).
  const GridSpec overfull = GridSpec::from_bbox(BBox{-180, -30, 180, -10}, 0.7);
  ASSERT_GT(overfull.x_max(), 180.0);
  expect_matches_brute_force(s, overfull, 0.0, 3);
  expect_matches_brute_force(s, overfull, 20000.0, 3);
}

TEST(NearestKernel, PolarSwathOnALatLonGrid) {
  // The ground track passes within 0.07 degrees of the pole; the swath covers it.
  const Swath s = make_swath({30.0, 88.8, 3.0, 40, 24, 8000.0, 5000.0, 1.0});
  const GridSpec grid = GridSpec::from_bbox(BBox{-180, 84, 180, 90}, 0.2);
  expect_matches_brute_force(s, grid, 0.0, 5000);
  expect_matches_brute_force(s, grid, 6000.0, 5000);
  // Rows beyond the pole get nothing: a grid reaching 91 degrees.
  expect_matches_brute_force(s, window(-180.0, 91.0, 0.5, 720, 8), 0.0, 100);
}

TEST(NearestKernel, InsideTheSwathFilledBeyondEdgesAndInGapsEmpty) {
  const Swath s = gappy_swath();
  const GridSpec grid = GridSpec::from_bbox(BBox{-75.6, 34.5, -74.4, 35.5}, 0.004);
  const std::vector<std::int64_t> got = run_kernel(s, grid, 0.0);
  const double kOutside = 0.85;  // lattice units; the rule reaches 1.1 * sqrt(1/2) = 0.78
  std::int64_t inside = 0, outside = 0;
  for (std::int64_t row = 0; row < grid.ny; ++row)
    for (std::int64_t col = 0; col < grid.nx; ++col) {
      double line = 0.0, pixel = 0.0;
      s.lattice(unit_vector(grid.x_center(col), grid.y_center(row)), line, pixel);
      const std::int64_t l0 = static_cast<std::int64_t>(std::floor(line));
      const std::int64_t p0 = static_cast<std::int64_t>(std::floor(pixel));
      const std::int64_t cell = got[row * grid.nx + col];
      if (s.valid(l0, p0) && s.valid(l0 + 1, p0) && s.valid(l0, p0 + 1) &&
          s.valid(l0 + 1, p0 + 1)) {
        ++inside;  // between four pixel centres with navigation
        EXPECT_GE(cell, 0) << "hole at line " << line << " pixel " << pixel;
      }
      double nearest2 = 1.0e9;  // squared lattice distance to the nearest pixel with navigation
      for (std::int64_t l = l0 - 1; l <= l0 + 2; ++l)
        for (std::int64_t p = p0 - 1; p <= p0 + 2; ++p)
          if (s.valid(l, p))
            nearest2 = std::min(nearest2, (line - l) * (line - l) + (pixel - p) * (pixel - p));
      if (nearest2 >= kOutside * kOutside) {
        ++outside;  // beyond an edge or into a gap, farther than the rule lets a pixel reach
        EXPECT_EQ(cell, -1) << "smeared to line " << line << " pixel " << pixel;
      }
    }
  EXPECT_GT(inside, 3000);
  EXPECT_GT(outside, 10000);
}

TEST(NearestKernel, PointsBeyondTheEdgeAndInAGapGetNothing) {
  const Swath s = gappy_swath();
  const auto cell_at = [&](double line, double pixel) {
    constexpr double kTinyCellDeg = 1.0e-5;
    return run_kernel(s, window_around(s.point(line, pixel), kTinyCellDeg, 1), 0.0)[0];
  };
  EXPECT_EQ(cell_at(30.0, -1.0), -1);            // one spacing beyond the first pixel
  EXPECT_EQ(cell_at(30.0, 40.2), -1);            // beyond the last pixel
  EXPECT_EQ(cell_at(21.5, 20.0), -1);            // middle of the four missing lines
  EXPECT_EQ(cell_at(20.0, 5.0), -1);             // one line into the gap
  EXPECT_EQ(cell_at(42.5, 12.5), -1);            // middle of the missing block
  EXPECT_EQ(cell_at(8.0, 30.0), -1);             // a single missing pixel
  EXPECT_EQ(cell_at(30.0, 39.4), 30 * 40 + 39);  // inside the edge pixel's footprint
  EXPECT_EQ(cell_at(10.3, 17.8), 10 * 40 + 18);  // nearest, mid-swath
}

TEST(NearestKernel, TiesGoToTheLowestPixelIndex) {
  const GridSpec cell = window(-0.0005, 0.0005, 0.001, 1, 1);  // centred on (0, 0)
  for (const float west_first : {1.0f, -1.0f}) {
    Swath s{};
    s.shape.lines = 1;
    s.shape.pixels = 2;
    s.lon = {-0.01f * west_first, 0.01f * west_first};
    s.lat = {0.0f, 0.0f};
    EXPECT_EQ(run_kernel(s, cell, 5000.0)[0], 0);
    EXPECT_EQ(brute_force(s, cell, 5000.0)[0], 0);
  }
}

TEST(NearestKernel, Deterministic) {
  const Swath s = gappy_swath();
  const GridSpec grid = window(-75.3107, 35.2013, 0.002, 200, 150);
  EXPECT_EQ(run_kernel(s, grid, 0.0), run_kernel(s, grid, 0.0));
}

std::int64_t count_filled(const CellPixelView& cells) {
  std::int64_t filled = 0;
  Kokkos::parallel_reduce(
      "count_filled", Kokkos::RangePolicy<ExecSpace>(0, cells.extent(0)),
      KOKKOS_LAMBDA(std::int64_t c, std::int64_t & n) { n += cells(c) >= 0; }, filled);
  return filled;
}

// A full OCI-sized swath (1710 x 1272, 1.2 km at nadir widening to 4.2 km) onto a 0.01-degree
// window: run with --gtest_also_run_disabled_tests to print pixels per second.
TEST(NearestKernel, DISABLED_TimingFullGranule) {
  const Swath s = make_swath({-60.0, 30.0, 192.0, 1710, 1272, 1200.0, 1200.0, 2.5});
  const auto [west, east] = std::minmax_element(s.lon.begin(), s.lon.end());
  const auto [south, north] = std::minmax_element(s.lat.begin(), s.lat.end());
  const GridSpec grid =
      GridSpec::from_bbox(BBox{*west - 0.1, *south - 0.1, *east + 0.1, *north + 0.1}, 0.01);
  PixelView lon, lat;
  copy_to_device(s.lon, lon, "lon");
  copy_to_device(s.lat, lat, "lat");
  for (int run = 0; run < 2; ++run) {
    Kokkos::fence();
    const auto start = std::chrono::steady_clock::now();
    const CellPixelView cells = nearest_pixel_per_cell(lon, lat, 1710, 1272, grid, 0.0);
    Kokkos::fence();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::int64_t filled = count_filled(cells);
    std::printf("nearest: %zu pixels onto %lld x %lld cells (%lld filled): %.3f s, %.3g pixels/s\n",
                s.lon.size(), static_cast<long long>(grid.nx), static_cast<long long>(grid.ny),
                static_cast<long long>(filled), seconds,
                static_cast<double>(s.lon.size()) / seconds);
  }
}

// pixel_unit_vector against sines and cosines in long double (degrees reduced exactly there
// too, so that the reference keeps its 64 bits near every multiple of 90 degrees): latitudes
// at longitude 0 give (cos lat, 0, sin lat), longitudes at latitude 0 give (cos lon, sin lon,
// 0), each within 1 unit in the last place of the double (an ulp of 2^-60 at most for values
// near 0), over a turn and more, ends and quadrant edges included, and longitudes far beyond a
// turn (reduced by fmod first).
long double sin_deg_reference(long double x, bool cosine) {
  const long double q = std::nearbyint(x / 90.0L);
  const long double r = (x - 90.0L * q) * (3.14159265358979323846264338327950288L / 180.0L);
  const long long n = (static_cast<long long>(q) % 4 + 4 + (cosine ? 1 : 0)) % 4;
  const long double v = n % 2 == 0 ? std::sin(r) : std::cos(r);
  return n >= 2 ? -v : v;
}

double ulps_off(double got, long double want) {
  const double magnitude = std::fabs(static_cast<double>(want));
  const double ulp = std::max(std::nextafter(magnitude, 2.0) - magnitude, std::ldexp(1.0, -60));
  return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / ulp);
}

TEST(NearestKernel, PixelUnitVectorsAreWithinAnUlpOfLongDouble) {
  std::vector<float> degrees;
  for (float x = -540.0f; x <= 540.0f; x += 0.0137f) degrees.push_back(x);
  for (const float x : {-360.0f, -180.0f,  -135.0f, -90.0f,    -89.99999f, -45.0f,  -1.0e-7f,
                        0.0f,    1.0e-30f, 45.0f,   89.99999f, 90.0f,      135.0f,  179.99998f,
                        180.0f,  270.0f,   360.0f,  1.0e6f,    2.0e6f,     -3.3e7f, 1.0e30f})
    degrees.push_back(x);
  double worst = 0.0;
  std::size_t checked = 0;
  auto expect_near = [&](double got, long double want, float lon, float lat) {
    const double off = ulps_off(got, want);
    worst = std::max(worst, off);
    ++checked;
    EXPECT_LE(off, 1.0) << "lon " << lon << " lat " << lat << ": " << got;
  };
  for (const float x : degrees) {
    double p[3];
    if (std::fabs(x) <= 90.0f) {  // a latitude
      pixel_unit_vector(0.0f, x, p);
      expect_near(p[0], sin_deg_reference(x, true), 0.0f, x);
      expect_near(p[2], sin_deg_reference(x, false), 0.0f, x);
    }
    pixel_unit_vector(x, 0.0f, p);                                               // a longitude
    const long double reduced = std::fmod(static_cast<long double>(x), 360.0L);  // exact
    expect_near(p[0], sin_deg_reference(reduced, true), x, 0.0f);
    expect_near(p[1], sin_deg_reference(reduced, false), x, 0.0f);
  }
  EXPECT_GT(checked, 150000u);
  std::printf("pixel_unit_vector: %zu sines and cosines, worst %.2f ulp\n", checked, worst);
}

}  // namespace
}  // namespace swathgrid
