// The `nearest` search's scatter (its survey: nearest_kernel.cpp): each candidate pixel visits
// the cells of a lat/lon window around it and keeps, per cell, the smallest packed (distance,
// index) key with an atomic min; a last pass unpacks the keys into pixel indices. Compiled
// with -fno-trapping-math (src/CMakeLists.txt): the candidates' preparation is one
// branch-free loop the compiler vectorises across candidates.

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "kernels/nearest_shared.hpp"
#include "swathgrid/device_math.hpp"
#if defined(SWATHGRID_X86_DISPATCH)
#include <immintrin.h>
#endif
#include "swathgrid/nearest_kernel.hpp"

namespace swathgrid {
namespace {

using namespace nearest_detail;

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
/// The footprint ellipse's own window (ScatterFunctor::prepare) for reaches below this
/// chord (unit sphere: 6.4 km; its bounds' second-order terms stay ~1e-3 of the reach) and
/// pixels where cos(lat) exceeds kEllipseWindowMinCosLat (|lat| < 78 degrees).
constexpr double kEllipseWindowMaxChord = 1.0e-3;
constexpr double kEllipseWindowMinCosLat = 0.2;
constexpr double kEllipseSlack = 1.0e-6;  ///< relative enlargement of its bounds

/// (sin, cos) per row or column; the sines, and the cosines, of consecutive ones side by side.
using TrigView = Kokkos::View<double* [2], Kokkos::LayoutLeft, MemSpace>;

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

/// The cells a pixel reaches: chord to the centre <= radius (unit sphere) and, for a footprint
/// reach, lattice coordinates s = w_a . d, t = w_c . d inside the ellipse.
struct Reach {
  double radius = 0.0;
  bool footprint = false;
  Vec3 w_a{0.0, 0.0, 0.0}, w_c{0.0, 0.0, 0.0};  ///< dual basis of the spacing vectors

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

/// Candidates whose preparation (footprint, window, spans) the scatter computes side by side,
/// in a loop the compiler vectorises across them (SSE2: two per instruction), so that their
/// chains of dependent square roots and divisions overlap instead of running one after the
/// other (two thirds of the scatter's time was these chains; docs/performance.md, issue 17,
/// sessions 13 and 14). The loop has AVX2 and AVX-512F copies (nearest_shared.hpp: VectorIsa),
/// 4 or 8 lanes per instruction (the scatter ~25 % shorter with AVX-512F; session 15).
constexpr int kBatch = 8;
/// Parts of a block's rows per host thread (NearestSearch::search).
constexpr std::int64_t kRowPartsPerThread = 4;
/// Cells of a row that visit_lanes computes side by side, from a column that is a multiple of
/// kLanes (the keys' rows and the columns' trigonometry are padded for it).
constexpr int kLanes = 4;

#if defined(_OPENMP)
#define SWATHGRID_SIMD _Pragma("omp simd")
#else
#define SWATHGRID_SIMD
#endif

/// A batch's candidates, structure of arrays: what the scalar gather gives the vector loop
/// (position, spacing vectors, degrees; a candidate without a footprint has zero spacing
/// vectors, so its determinant test fails) and what that loop gives the visits (dual basis,
/// radius, window; rows and columns as whole doubles, an empty row span: nothing to visit).
struct CandidateBatch {
  double px[kBatch], py[kBatch], pz[kBatch];
  double ax[kBatch], ay[kBatch], az[kBatch];  ///< v_a
  double cx[kBatch], cy[kBatch], cz[kBatch];  ///< v_c
  double lon[kBatch], lat[kBatch];
  double wax[kBatch], way[kBatch], waz[kBatch];
  double wcx[kBatch], wcy[kBatch], wcz[kBatch];
  double radius[kBatch], half_width[kBatch];
  double lat_half[kBatch];    ///< the window's half-height (radians)
  double cos_lat[kBatch];     ///< cos(lat_p) = |P_xy|
  double reaches[kBatch];     ///< 1: the lane reaches cells
  double use_circle[kBatch];  ///< 1: it reaches cells and its window is the circle's
  double row_begin[kBatch], row_end[kBatch], col_begin[kBatch], col_end[kBatch];
  double single[kBatch];  ///< 1: the column span is the window's only image in the grid
  std::int64_t index[kBatch];
};

/// c ? a : b for the batch's vector loop (a select of two computed values: the file is compiled
/// with -fno-trapping-math so that the compiler may compute both and select, a conditional
/// division or square root included; no value changes).
KOKKOS_INLINE_FUNCTION double select(bool c, double a, double b) { return c ? a : b; }

/// x rounded to an integer (ties to even) for 0 <= x < 2^51, in double arithmetic alone (no
/// conversion to an integer register: SSE2 has no packed double-to-int64 conversion, and no
/// `roundpd` without SSE4.1). Exact under IEEE arithmetic (no -ffast-math, which would fold it).
KOKKOS_INLINE_FUNCTION double round_small(double x) {
  constexpr double kTwo52 = 4503599627370496.0;
  return (x + kTwo52) - kTwo52;
}

/// clipped_span, branch-free and in doubles (whole numbers): begin = ceil(first) (0 if first <=
/// 0), end = floor(last) + 1 (n if last >= n - 1); begin = end = 0 where first > n - 1, last <
/// 0 or either is NaN. The same span as clipped_span's integers.
KOKKOS_INLINE_FUNCTION void clipped_span_lanes(double first, double last, double n, double& begin,
                                               double& end) {
  const double last_index = n - 1.0;
  const bool valid = (first <= last_index) & (last >= 0.0);
  const double f = select(first > 0.0, first, 0.0);       // <= last_index where valid
  const double l = select(last < last_index, last, 0.0);  // >= 0 where valid and used
  const double rf = round_small(select(valid, f, 0.0));
  const double rl = round_small(select(valid, l, 0.0));
  // Every operation unconditional, then selects: the compiler if-converts (vectorises) no
  // conditional floating-point operation under -ftrapping-math.
  const double rf_up = rf + 1.0, rl_down = rl - 1.0;
  const double ceil_f = select(rf < f, rf_up, rf);
  const double floor_l = select(rl > l, rl_down, rl);
  begin = select(valid, ceil_f, 0.0);
  end = select(valid, select(last < last_index, floor_l + 1.0, n), 0.0);
}

#if defined(SWATHGRID_X86_DISPATCH)
/// lane_key for kLanes cells of a row at once in AVX2 vectors (ScatterFunctor::visit_batch_avx2):
/// the same operations in the same order, lane by lane, so the same keys. A candidate's values
/// broadcast once (Candidate), a row's terms once a row (Row). The key is (bits << kIndexBits)
/// | i: kTwo52's own bits (52 to 62) are shifted out of the 64, so lane_key's subtraction of
/// them changes nothing.
struct Avx2Lanes {
  struct Candidate {
    __m256d px, py, wax, way, wcx, wcy, radius2;
    __m256i index;
    double pz, waz, wcz;
  };
  struct Row {
    __m256d cos_lat, dz2, s_z, t_z;  ///< cos(lat), dz^2, w_a.z dz, w_c.z dz
  };
  __m256d no_ellipse;  ///< all ones where the reach is uniform: every lane passes that test

  __attribute__((target("avx2"))) explicit Avx2Lanes(bool uniform)
      : no_ellipse(_mm256_castsi256_pd(_mm256_set1_epi64x(uniform ? -1 : 0))) {}

  __attribute__((target("avx2"), always_inline)) inline Candidate candidate(const CandidateBatch& b,
                                                                            int j) const {
    static_assert(52 + kIndexBits >= 64, "kTwo52's bits leave the key");
    return Candidate{_mm256_set1_pd(b.px[j]),
                     _mm256_set1_pd(b.py[j]),
                     _mm256_set1_pd(b.wax[j]),
                     _mm256_set1_pd(b.way[j]),
                     _mm256_set1_pd(b.wcx[j]),
                     _mm256_set1_pd(b.wcy[j]),
                     _mm256_set1_pd(b.radius[j] * b.radius[j]),
                     _mm256_set1_epi64x(b.index[j]),
                     b.pz[j],
                     b.waz[j],
                     b.wcz[j]};
  }
  __attribute__((target("avx2"), always_inline)) inline Row row(const Candidate& c, double sin_lat,
                                                                double cos_lat) const {
    const double dz = sin_lat - c.pz;
    return Row{_mm256_set1_pd(cos_lat), _mm256_set1_pd(dz * dz), _mm256_set1_pd(c.waz * dz),
               _mm256_set1_pd(c.wcz * dz)};
  }
  /// The keys of the cells at cos_lon, sin_lon of the row (kNoKey out of reach).
  __attribute__((target("avx2"), always_inline)) inline __m256i keys(const Candidate& c,
                                                                     const Row& r, __m256d cos_lon,
                                                                     __m256d sin_lon) const {
    const __m256d dx = _mm256_sub_pd(_mm256_mul_pd(r.cos_lat, cos_lon), c.px);
    const __m256d dy = _mm256_sub_pd(_mm256_mul_pd(r.cos_lat, sin_lon), c.py);
    const __m256d chord2 =
        _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy)), r.dz2);
    const __m256d s =
        _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(c.wax, dx), _mm256_mul_pd(c.way, dy)), r.s_z);
    const __m256d t =
        _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(c.wcx, dx), _mm256_mul_pd(c.wcy, dy)), r.t_z);
    const __m256d in_ellipse =
        _mm256_cmp_pd(_mm256_add_pd(_mm256_mul_pd(s, s), _mm256_mul_pd(t, t)),
                      _mm256_set1_pd(kFootprintRadius2), _CMP_LE_OQ);
    const __m256d in_reach = _mm256_and_pd(_mm256_cmp_pd(chord2, c.radius2, _CMP_LE_OQ),
                                           _mm256_or_pd(in_ellipse, no_ellipse));
    const __m256d quanta = _mm256_mul_pd(_mm256_sqrt_pd(chord2), _mm256_set1_pd(kNearestKeyScale));
    const __m256d whole =
        _mm256_add_pd(_mm256_floor_pd(quanta), _mm256_set1_pd(4503599627370496.0));
    const __m256i key =
        _mm256_or_si256(_mm256_slli_epi64(_mm256_castpd_si256(whole), kIndexBits), c.index);
    return _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(_mm256_set1_epi64x(kNoKey)),
                                                _mm256_castsi256_pd(key), in_reach));
  }
  /// Each of the kLanes keys at `cell` lowered to the lane's.
  __attribute__((target("avx2"), always_inline)) static inline void lower(std::int64_t* cell,
                                                                          __m256i lane) {
    __m256i* const at = reinterpret_cast<__m256i*>(cell);
    const __m256i old = _mm256_loadu_si256(at);
    _mm256_storeu_si256(at, _mm256_blendv_epi8(old, lane, _mm256_cmpgt_epi64(old, lane)));
  }
};
#endif

struct ScatterFunctor {
  Kokkos::View<const std::int32_t* [2], MemSpace> candidates;  ///< pixel index, line
  Kokkos::View<const float* [2], MemSpace> bands;  ///< latitudes each candidate may reach
  Kokkos::View<const float* [2], MemSpace> batch_bands;  ///< those of each batch's candidates
  float band_north, band_south;  ///< centre latitudes of `rows`, widened by the slack
  Kokkos::View<const double* [3], Kokkos::LayoutLeft, MemSpace> positions;  ///< see position_shift
  Kokkos::View<const std::int64_t*, MemSpace> position_shift;  ///< per line: place - index
  ConstPixelView lon_deg, lat_deg;
  std::int64_t lines, pixels;
  GridSpec grid;
  double cells_per_deg;         ///< 1 / grid.cell_size
  CellBlock block;              ///< the cells searched, of grid (keys are numbered in it)
  Span rows;                    ///< the block's rows this functor visits (all, or a part's)
  TrigView row_trig, col_trig;  ///< of the block's rows and columns
  CellPixelView keys;           ///< per block cell: row * row_stride + column
  std::int64_t row_stride;      ///< the block's columns + kLanes - 1, rounded up to kLanes
  double uniform_radius;        ///< > 0: every pixel reaches this chord; else footprint reach
  double max_radius;            ///< cap of a footprint reach's radius
  bool exclusive;  ///< no other thread visits `rows`: plain stores, no atomic read-modify-write
  /// Windows west + width below this (degrees east of x_min) have one image in the grid's
  /// columns: 360 - 3 cells where the grid is a cell or more narrower than a turn, else -1.
  double single_image_deg;
  VectorIsa isa;  ///< the vectors prepare_batch uses (vector_isa())

  /// By place in `positions` (a pixel index plus its line's position_shift).
  KOKKOS_INLINE_FUNCTION bool has_navigation(std::int64_t place) const {
    return positions(place, 0) == positions(place, 0);
  }
  KOKKOS_INLINE_FUNCTION Vec3 position(std::int64_t place) const {
    return {positions(place, 0), positions(place, 1), positions(place, 2)};
  }

  /// Spacing vector to the neighbours at places `before` and `after` in `positions` (k: the
  /// pixel's coordinate along that axis, of n; a neighbour beyond 0 or n - 1 is not read).
  KOKKOS_INLINE_FUNCTION bool spacing(std::int64_t before_place, std::int64_t after_place,
                                      std::int64_t k, std::int64_t n, const Vec3& p,
                                      Vec3& v) const {
    const bool before = k > 0 && has_navigation(before_place);
    const bool after = k + 1 < n && has_navigation(after_place);
    if (before && after) {
      v = combine(1.0, position(after_place), 1.0, position(before_place), 2.0);
    } else if (after) {
      v = minus(position(after_place), p);
    } else if (before) {
      v = minus(p, position(before_place));
    }
    return before || after;
  }

  KOKKOS_INLINE_FUNCTION void visit(std::int64_t i, const Vec3& p, const Reach& reach,
                                    std::int64_t* row_keys, double sin_lat, double cos_lat,
                                    std::int64_t c) const {
    const Vec3 q{cos_lat * col_trig(c, 1), cos_lat * col_trig(c, 0), sin_lat};
    const Vec3 d = minus(q, p);
    const double chord2 = dot(d, d);
    if (!reach.contains(d, chord2)) return;
    const std::int64_t key =
        (static_cast<std::int64_t>(device::sqrt(chord2) * kNearestKeyScale) << kIndexBits) | i;
    // Keys only decrease: one that is not below the cell's key as read (the current one, or
    // a larger earlier one) cannot lower it, and skips the atomic (most visits do).
    std::int64_t& cell_key = row_keys[c];
    if (exclusive)  // a locked compare-and-swap costs ~10 % of the scatter on one thread
      cell_key = key < cell_key ? key : cell_key;
    else if (key < cell_key)
      Kokkos::atomic_fetch_min(&cell_key, key);
  }

  /// visit()'s key for the cell of column `cos_lon`, `sin_lon` in a row at `sin_lat`,
  /// `cos_lat`, or kNoKey where it is out of reach: branch-free, the same operations in the
  /// same order as visit(), so the same keys. The truncation of the quanta (>= 0, < 2^52) in
  /// doubles: floor (exact; one `vroundpd` in the vector copies, where round_small and a
  /// correction were four dependent operations after the square root), then its bits, so that
  /// a vectorised copy needs no packed conversion to 64-bit integers (AVX2 has none).
  KOKKOS_FORCEINLINE_FUNCTION static std::int64_t lane_key(std::int64_t i, const Vec3& p,
                                                           const Reach& reach, double radius2,
                                                           double sin_lat, double cos_lat,
                                                           double sin_lon, double cos_lon) {
    constexpr double kTwo52 = 4503599627370496.0;
    constexpr std::int64_t kTwo52Bits = std::int64_t{0x433} << 52;  // kTwo52's bits
    const double dx = cos_lat * cos_lon - p.x, dy = cos_lat * sin_lon - p.y;
    const double dz = sin_lat - p.z;
    const double chord2 = dx * dx + dy * dy + dz * dz;
    const double s = reach.w_a.x * dx + reach.w_a.y * dy + reach.w_a.z * dz;
    const double t = reach.w_c.x * dx + reach.w_c.y * dy + reach.w_c.z * dz;
    const bool in_reach =
        (chord2 <= radius2) & (!reach.footprint | (s * s + t * t <= kFootprintRadius2));
    const double quanta = device::sqrt(chord2) * kNearestKeyScale;
    const double whole = device::floor(quanta) + kTwo52;
    std::int64_t bits;
    std::memcpy(&bits, &whole, sizeof bits);
    const std::int64_t key = ((bits - kTwo52Bits) << kIndexBits) | i;
    return in_reach ? key : kNoKey;
  }

  /// visit() for the kLanes cells c0 .. c0 + kLanes - 1 of a row (c0 a multiple of kLanes, the
  /// row's keys padded to a multiple of kLanes: see NearestSearch::search) side by side, in a
  /// loop the compiler vectorises: a visit's branch on the reach, taken or not at random, and
  /// its chain of a square root and a division one after the other were most of the scatter's
  /// time (docs/performance.md, issue 17, session 19). Every lane is a cell of the row or of its
  /// padding, and out-of-reach lanes give kNoKey, so lanes outside the window change nothing:
  /// no mask. Aligned groups of whole lanes, because the neighbouring candidates visit the same
  /// cells one after the other: a masked store (or one straddling two earlier stores) cannot be
  /// forwarded to the next candidate's load, which then waits for it to reach the cache (~25 %
  /// of the visits' samples sat after that load; session 20). Where no other thread visits
  /// these rows (`exclusive`) each lane lowers its cell's key in the same loop; otherwise the
  /// keys are applied one by one with an atomic min.
  KOKKOS_FORCEINLINE_FUNCTION void visit_lanes(std::int64_t i, const Vec3& p, const Reach& reach,
                                               std::int64_t* row_keys, double sin_lat,
                                               double cos_lat, const double* sines,
                                               const double* cosines, std::int64_t c0) const {
    const double* col_sin = sines + c0;
    const double* col_cos = cosines + c0;
    std::int64_t* cell_keys = row_keys + c0;
    const double radius2 = reach.radius * reach.radius;
    if (exclusive) {
      SWATHGRID_SIMD
      for (int l = 0; l < kLanes; ++l) {
        const std::int64_t key =
            lane_key(i, p, reach, radius2, sin_lat, cos_lat, col_sin[l], col_cos[l]);
        cell_keys[l] = key < cell_keys[l] ? key : cell_keys[l];
      }
      return;
    }
    std::int64_t lane_keys[kLanes];
    SWATHGRID_SIMD
    for (int l = 0; l < kLanes; ++l)
      lane_keys[l] = lane_key(i, p, reach, radius2, sin_lat, cos_lat, col_sin[l], col_cos[l]);
    for (int l = 0; l < kLanes; ++l)
      if (lane_keys[l] < cell_keys[l]) Kokkos::atomic_fetch_min(&cell_keys[l], lane_keys[l]);
  }

  /// The cells of rows x columns (of the grid), inside the block: one at a time, or
  /// (`lanes`) kLanes of a row at a time.
  template <bool lanes>
  KOKKOS_FORCEINLINE_FUNCTION void visit_span(std::int64_t i, const Vec3& p, const Reach& reach,
                                              const Span& rows, const Span& columns) const {
    const Span span = intersect(columns, block.col_begin, block.col_end);
    if (span.begin >= span.end) return;
    // The columns' bounds and trigonometry in locals: the functor's members would be read
    // again after every store of keys (an int64 store may alias them).
    const std::int64_t first = (span.begin - block.col_begin) & ~std::int64_t{kLanes - 1};
    const std::int64_t end = span.end - block.col_begin;
    const double* const sines = &col_trig(0, 0);
    const double* const cosines = &col_trig(0, 1);
    for (std::int64_t row = rows.begin; row < rows.end; ++row) {
      const double sin_lat = row_trig(row - block.row_begin, 0);
      const double cos_lat = row_trig(row - block.row_begin, 1);
      if (!(cos_lat == cos_lat)) continue;  // centre beyond a pole
      std::int64_t* row_keys = &keys((row - block.row_begin) * row_stride);
      if (lanes) {
        for (std::int64_t c = first; c < end; c += kLanes)
          visit_lanes(i, p, reach, row_keys, sin_lat, cos_lat, sines, cosines, c);
      } else {
        for (std::int64_t col = span.begin; col < span.end; ++col)
          visit(i, p, reach, row_keys, sin_lat, cos_lat, col - block.col_begin);
      }
    }
  }

  /// Gathers candidate k into lane j of the batch: position, spacing vectors (zero where it
  /// has no footprint, so that the determinant test fails), degrees; valid = 0 where it is not
  /// near the block or has no navigation.
  KOKKOS_INLINE_FUNCTION void gather(std::int64_t k, int j, CandidateBatch& b,
                                     double* valid) const {
    // Each field written once, at the end (zeroing the lanes first became a memset of the
    // batch, ~1/4 of the gather's time; docs/performance.md, issue 17, session 27).
    Vec3 p{0.0, 0.0, 0.0}, v_a{0.0, 0.0, 0.0}, v_c{0.0, 0.0, 0.0};
    double lon = 0.0, lat = 0.0, is_valid = 0.0;
    std::int64_t i = 0;
    if (k < static_cast<std::int64_t>(candidates.extent(0)) &&
        !(bands(k, 1) < band_south || bands(k, 0) > band_north)) {  // near the rows
      i = candidates(k, 0);
      // Its line from the list, not i / pixels: a division on the way to every load.
      const std::int64_t line = candidates(k, 1);
      const std::int64_t place = i + position_shift(line);
      if (has_navigation(place)) {  // else an invalid lane: prepare gives it no rows
        p = position(place);
        lon = lon_deg(i);
        lat = lat_deg(i);
        is_valid = 1.0;
        if (!(uniform_radius > 0.0)) {  // the footprint's spacing vectors
          const std::int64_t up = line > 0 ? i - pixels + position_shift(line - 1) : place;
          const std::int64_t down =
              line + 1 < lines ? i + pixels + position_shift(line + 1) : place;
          if (!(spacing(up, down, line, lines, p, v_a) &&
                spacing(place - 1, place + 1, i - line * pixels, pixels, p, v_c)))
            v_a = v_c = Vec3{0.0, 0.0, 0.0};  // no footprint: zero spacing vectors
        }
      }
    }
    b.px[j] = p.x;
    b.py[j] = p.y;
    b.pz[j] = p.z;
    b.ax[j] = v_a.x;
    b.ay[j] = v_a.y;
    b.az[j] = v_a.z;
    b.cx[j] = v_c.x;
    b.cy[j] = v_c.y;
    b.cz[j] = v_c.z;
    b.lon[j] = lon;
    b.lat[j] = lat;
    b.index[j] = i;
    valid[j] = is_valid;
  }

#if defined(SWATHGRID_X86_DISPATCH)
  /// gather() for candidates k .. k + 3 into lanes j .. j + 3 at once, in AVX2 vectors, where
  /// they are four consecutive pixels of one line with pixels on either side and lines above
  /// and below, all near the rows, and the reach is the footprint (the positions' x, y and z
  /// are each contiguous: a neighbour's is one load for the four); false, with nothing written,
  /// elsewhere. Each lane the same operations as gather's (spacing(): the central difference
  /// where both neighbours have navigation, else the one-sided one, else none), selected
  /// instead of branched (the scalar gather was ~20 ns a candidate; issue 17, session 29).
  __attribute__((target("avx2"), noinline)) bool gather_quad_avx2(std::int64_t k, int j,
                                                                  CandidateBatch& b,
                                                                  double* valid) const {
    if (uniform_radius > 0.0 || k + 3 >= static_cast<std::int64_t>(candidates.extent(0)))
      return false;
    const std::int64_t i = candidates(k, 0), line = candidates(k, 1);
    if (candidates(k + 3, 1) != line || candidates(k + 3, 0) != i + 3) return false;
    const std::int64_t p = i - line * pixels;
    if (line < 1 || line + 1 >= lines || p < 1 || p + 4 >= pixels) return false;
    for (std::int64_t m = k; m < k + 4; ++m)
      if (bands(m, 1) < band_south || bands(m, 0) > band_north) return false;
    const std::int64_t place = i + position_shift(line);
    const std::int64_t up = i - pixels + position_shift(line - 1);
    const std::int64_t down = i + pixels + position_shift(line + 1);
    const double* const axis[3] = {&positions(0, 0), &positions(0, 1), &positions(0, 2)};
    __m256d self[3], left[3], right[3], above[3], below[3];
    for (int c = 0; c < 3; ++c) {
      self[c] = _mm256_loadu_pd(axis[c] + place);
      left[c] = _mm256_loadu_pd(axis[c] + place - 1);
      right[c] = _mm256_loadu_pd(axis[c] + place + 1);
      above[c] = _mm256_loadu_pd(axis[c] + up);
      below[c] = _mm256_loadu_pd(axis[c] + down);
    }
    const __m256d here = navigation(self);
    __m256d along[3], across[3];
    const __m256d has_along = spacing(self, above, below, along);
    const __m256d has_across = spacing(self, left, right, across);
    // No footprint (or no navigation): zero spacing vectors; no navigation: zero position.
    const __m256d footprint = _mm256_and_pd(_mm256_and_pd(has_along, has_across), here);
    double* const out_p[3] = {b.px + j, b.py + j, b.pz + j};
    double* const out_a[3] = {b.ax + j, b.ay + j, b.az + j};
    double* const out_c[3] = {b.cx + j, b.cy + j, b.cz + j};
    for (int c = 0; c < 3; ++c) {
      _mm256_storeu_pd(out_p[c], _mm256_and_pd(self[c], here));
      _mm256_storeu_pd(out_a[c], _mm256_and_pd(along[c], footprint));
      _mm256_storeu_pd(out_c[c], _mm256_and_pd(across[c], footprint));
    }
    _mm256_storeu_pd(b.lon + j, _mm256_and_pd(_mm256_cvtps_pd(_mm_loadu_ps(&lon_deg(i))), here));
    _mm256_storeu_pd(b.lat + j, _mm256_and_pd(_mm256_cvtps_pd(_mm_loadu_ps(&lat_deg(i))), here));
    _mm256_storeu_pd(valid + j, _mm256_and_pd(_mm256_set1_pd(1.0), here));
    for (int m = 0; m < 4; ++m) b.index[j + m] = i + m;
    return true;
  }
  /// All ones in the lanes whose position (x, y, z) has navigation (x not NaN).
  __attribute__((target("avx2"), always_inline)) static inline __m256d navigation(
      const __m256d* v) {
    return _mm256_cmp_pd(v[0], v[0], _CMP_ORD_Q);
  }
  /// spacing() in 4 lanes: the spacing vector of `self` from its neighbours `before` and
  /// `after` into out (zero where neither has navigation), and where it has one.
  __attribute__((target("avx2"), always_inline)) static inline __m256d spacing(
      const __m256d* self, const __m256d* before, const __m256d* after, __m256d* out) {
    const __m256d has_before = navigation(before), has_after = navigation(after);
    const __m256d both = _mm256_and_pd(has_before, has_after);
    for (int c = 0; c < 3; ++c) {
      const __m256d central =
          _mm256_div_pd(_mm256_sub_pd(after[c], before[c]), _mm256_set1_pd(2.0));
      const __m256d forward = _mm256_sub_pd(after[c], self[c]);
      const __m256d backward = _mm256_and_pd(_mm256_sub_pd(self[c], before[c]), has_before);
      out[c] = _mm256_blendv_pd(_mm256_blendv_pd(backward, forward, has_after), central, both);
    }
    return _mm256_or_pd(has_before, has_after);
  }
#endif

  /// Every lane's reach and window, branch-free (vectorised across the lanes): a footprint
  /// reach from the spacing vectors v_a, v_c (aa = |v_a|^2, cc = |v_c|^2, ac = v_a . v_c; none
  /// where det = aa cc - ac^2 <= 1e-6 aa cc), its dual basis w_a = (cc v_a - ac v_c) / det,
  /// w_c = (aa v_c - ac v_a) / det and radius 1.1 sqrt((aa + cc) / 2), capped (the keys rest
  /// on these doubles: the same operations in the same order as before the batch); then the
  /// ellipse's window where it holds, else the circle's; then the spans of rows and columns. A
  /// lane without reach gets an empty row span.
  ///
  /// The ellipse's window: around a footprint's ellipse (its bounding circle has twice its area,
  /// more for an elongated one), where the pixel's lattice is small (chord below
  /// kEllipseWindowMaxChord, so every cell in reach is within 1e-3 radians) and far from the
  /// poles: `lat_half` (radians) bounds |lat - lat_p| and `half_width_deg` |lon - lon_p| over
  /// the cells in reach; the circle's elsewhere. A cell in reach has d = Q - P =
  /// s v_a + t v_c + u n (n the unit normal of the spacing vectors: w_a, w_c are their dual
  /// basis, so s = w_a . d) with s^2 + t^2 <= R^2 and |u| <= |d| <= r; so for a unit e
  /// orthogonal to P, e . d <= R |(e . v_a, e . v_c)| + r sigma (sigma = |n x P|, the sine of
  /// the lattice plane's tilt, ~1e-4). With e east: e . d = cos(lat_q) sin(dlon), and
  /// cos(lat_q) >= cos(lat_p) - |dlat|. With e north: e . d = sin(dlat) + sin(lat_p)
  /// cos(lat_q) (1 - cos dlon), whose second term is at most |sin lat_p| r^2 / (2 cos lat_p)
  /// (|d|^2 = 2 (1 - cos dlat) + 2 cos(lat_p) cos(lat_q) (1 - cos dlon) <= r^2). Arcsines
  /// bounded by asin_bound; every bound enlarged by kEllipseSlack (relative), far above the
  /// rounding of these few operations and of the kernel's own (w: ~1e-12 relative).
  /// Short chains of dependent operations (the windows and their spans took ~60 % of the
  /// scatter's time, docs/performance.md, issue 17 session 13): east and north are taken times
  /// cos(lat_p), so their extents' square roots need not wait for its inverse; r sigma <=
  /// (sigma^2 + r^2) / 2 (no square root: sigma and r are ~1e-4, so the bound stays ~1e-4 of
  /// the window; a strongly tilted lattice only gets a wider window, or the circle's);
  /// 1 / cos(lat_q) <= (1 + 2 x) / cos(lat_p) with x = |dlat| / cos(lat_p) <= 1/2.
  ///
  /// The circle's window: around the bounding circle of a reach of chord r: |dlat| <= theta = 2
  /// asin(r / 2); |dlon| <= asin(sin theta / cos lat) unless the cap holds a pole (then all
  /// columns). sin theta = r sqrt(1 - r^2 / 4) exactly; cos lat = |P_xy|; asin(y) <= y / sqrt(1 -
  /// y^2) bounds both arcsines from above without trigonometry. (A template on the kind of reach:
  /// no loop-invariant branch in the loop, which the compiler would not if-convert.)
  /// Forced inline: each ISA's copy below is this loop compiled for that ISA.
  template <bool uniform>
  KOKKOS_FORCEINLINE_FUNCTION void prepare(CandidateBatch& b, const double* valid) const {
    const double ny = static_cast<double>(grid.ny), nx = static_cast<double>(grid.nx);
    const double block_row_begin = static_cast<double>(rows.begin);
    const double block_row_end = static_cast<double>(rows.end);
    SWATHGRID_SIMD
    for (int j = 0; j < kBatch; ++j) {
      const double px = b.px[j], py = b.py[j], pz = b.pz[j];
      const double ax = b.ax[j], ay = b.ay[j], az = b.az[j];
      const double cx = b.cx[j], cy = b.cy[j], cz = b.cz[j];
      // The footprint: dot(), combine(), in the order they had.
      const double aa = ax * ax + ay * ay + az * az;
      const double cc = cx * cx + cy * cy + cz * cz;
      const double ac = ax * cx + ay * cy + az * cz;
      const double det = aa * cc - ac * ac;
      const bool has_footprint = det > kMinSinAngle2 * aa * cc;
      b.wax[j] = (cc * ax - ac * cx) / det;
      b.way[j] = (cc * ay - ac * cy) / det;
      b.waz[j] = (cc * az - ac * cz) / det;
      b.wcx[j] = (aa * cx - ac * ax) / det;
      b.wcy[j] = (aa * cy - ac * ay) / det;
      b.wcz[j] = (aa * cz - ac * az) / det;
      const double footprint_radius = kFootprintReachScale * device::sqrt((aa + cc) * 0.5);
      const double capped = select(footprint_radius < max_radius, footprint_radius, max_radius);
      const double r = uniform ? uniform_radius : capped;
      const bool reaches = (valid[j] != 0.0) & (uniform | has_footprint);
      b.radius[j] = r;

      // The ellipse's window.
      const double cos2_lat_p = px * px + py * py;
      const double cos_lat_p = device::sqrt(cos2_lat_p);
      const double inverse = 1.0 / cos_lat_p;
      const double ea = px * ay - py * ax, ec = px * cy - py * cx;
      const double na = cos2_lat_p * az - pz * (px * ax + py * ay);
      const double nc = cos2_lat_p * cz - pz * (px * cx + py * cy);
      const double north_extent = device::sqrt(na * na + nc * nc);
      const double east_extent = device::sqrt(ea * ea + ec * ec);
      const double nx_ = ay * cz - az * cy, ny_ = az * cx - ax * cz, nz_ = ax * cy - ay * cx;
      const double n2 = nx_ * nx_ + ny_ * ny_ + nz_ * nz_;
      const double np = nx_ * px + ny_ * py + nz_ * pz;
      const double sigma2 = 1.0 - np * np / n2;
      const double tilt = 0.5 * (select(sigma2 > 0.0, sigma2, 0.0) + r * r);
      const double ellipse = device::sqrt(kFootprintRadius2);
      const double sin_dlat =
          ((ellipse * north_extent + 0.5 * r * r * device::fabs(pz)) * inverse + tilt) *
          (1.0 + kEllipseSlack);
      const double dlat_e = asin_bound(sin_dlat) * (1.0 + kEllipseSlack);
      const double shrink = dlat_e * inverse;  // 1 - cos(lat_q) / cos(lat_p), at most
      const double ratio = (ellipse * east_extent * inverse + tilt) * inverse *
                           (1.0 + 2.0 * shrink) * (1.0 + kEllipseSlack);
      const double half_width_e =
          asin_bound(ratio) * (1.0 + kEllipseSlack) * kDegPerRad + kWindowSlackDeg;
      const bool use_ellipse = !uniform & (r < kEllipseWindowMaxChord) &
                               (cos_lat_p > kEllipseWindowMinCosLat) & (sin_dlat < 0.5) &
                               (shrink <= 0.5) & (ratio < 0.5);
      b.lat_half[j] = dlat_e;
      b.half_width[j] = half_width_e;
      b.cos_lat[j] = cos_lat_p;
      b.reaches[j] = select(reaches, 1.0, 0.0);
      b.use_circle[j] = select(reaches & !use_ellipse, 1.0, 0.0);
    }
    // The circle's window only where a lane that reaches needs it (uniform reaches, huge or
    // polar footprints; a lane that reaches nothing visits nothing, whatever its window): its
    // two square roots and three divisions were ~30 % of the preparation's, for nothing in
    // most batches (issue 17, session 28).
    bool circles = false;
    for (int j = 0; j < kBatch; ++j) circles = circles | (b.use_circle[j] != 0.0);
    if (circles) {
      SWATHGRID_SIMD
      for (int j = 0; j < kBatch; ++j) {
        const double r = b.radius[j], cos_lat_p = b.cos_lat[j];
        const double half_r2 = 1.0 - 0.25 * r * r;
        const double root = device::sqrt(select(half_r2 > 0.0, half_r2, 0.0));
        const double r_over_root = r / root;
        const double theta_c = select(half_r2 > 0.0, r_over_root, kPi) * (1.0 + kWindowSlack);
        const double dlat_c = select(theta_c < kPi, theta_c, kPi);
        const double lon_ratio = r * root / cos_lat_p * (1.0 + kWindowSlack);
        const double lon_ratio2 = lon_ratio * lon_ratio;
        const double lon_cos2 = 1.0 - lon_ratio2;
        const double lon_root = device::sqrt(select(lon_ratio2 < 1.0, lon_cos2, 1.0));
        const double half_width_cap = lon_ratio / lon_root * kDegPerRad + kWindowSlackDeg;
        const double half_width_c =
            select((half_r2 > 0.5) & (lon_ratio < kMaxLonRatio), half_width_cap, kFullTurnDeg);

        const bool use_circle = b.use_circle[j] != 0.0;
        b.lat_half[j] = select(use_circle, dlat_c, b.lat_half[j]);
        b.half_width[j] = select(use_circle, half_width_c, b.half_width[j]);
      }
    }
    SWATHGRID_SIMD
    for (int j = 0; j < kBatch; ++j) {
      const double lat_half = b.lat_half[j], half_width_deg = b.half_width[j];
      const bool reaches = b.reaches[j] != 0.0;

      // Rows, within the block; empty where the lane reaches nothing.
      const double theta_deg = lat_half * kDegPerRad + kWindowSlackDeg;
      const double lat = b.lat[j], lon = b.lon[j];
      double row_begin = 0.0, row_end = 0.0;
      clipped_span_lanes((grid.y_max - (lat + theta_deg)) * cells_per_deg - 0.5,
                         (grid.y_max - (lat - theta_deg)) * cells_per_deg - 0.5, ny, row_begin,
                         row_end);
      row_begin = select(row_begin > block_row_begin, row_begin, block_row_begin);
      row_end = select(row_end < block_row_end, row_end, block_row_end);
      b.row_begin[j] = row_begin;
      b.row_end[j] = select(reaches, row_end, row_begin);
      // Columns: on a grid narrower than a turn, a window starting east of its west edge and
      // ending a cell short of a turn has no image a turn east or west with a column in the
      // grid (column_spans would find theirs empty): the one span (most candidates).
      const double west = lon - half_width_deg - grid.x_min;
      const double first = west * cells_per_deg - 0.5;
      double col_begin = 0.0, col_end = 0.0;
      clipped_span_lanes(first, first + 2.0 * half_width_deg * cells_per_deg, nx, col_begin,
                         col_end);
      b.col_begin[j] = col_begin;
      b.col_end[j] = col_end;
      b.single[j] =
          select((west >= 0.0) & (west + 2.0 * half_width_deg <= single_image_deg), 1.0, 0.0);
    }
  }

#if defined(SWATHGRID_X86_DISPATCH)
  /// prepare compiled for AVX2 (4 lanes) and for AVX-512F (the batch's 8 lanes in one vector,
  /// asked for: GCC tuned for some AVX-512 CPUs prefers 256-bit vectors). Out of line, called
  /// only where vector_isa() found the ISA: no instruction of it reaches another CPU.
  template <bool uniform>
  __attribute__((target("avx2"), noinline)) void prepare_avx2(CandidateBatch& b,
                                                              const double* valid) const {
    prepare<uniform>(b, valid);
  }
  template <bool uniform>
  __attribute__((target("avx512f,prefer-vector-width=512"), noinline)) void prepare_avx512(
      CandidateBatch& b, const double* valid) const {
    prepare<uniform>(b, valid);
  }
#endif

  template <bool uniform>
  KOKKOS_INLINE_FUNCTION void prepare_batch(CandidateBatch& b, const double* valid) const {
#if defined(SWATHGRID_X86_DISPATCH)
    if (isa == VectorIsa::avx512) return prepare_avx512<uniform>(b, valid);
    if (isa == VectorIsa::avx2) return prepare_avx2<uniform>(b, valid);
#endif
    prepare<uniform>(b, valid);
  }

  /// Each prepared candidate's cells visited (`lanes`: see visit_lanes).
  template <bool lanes>
  KOKKOS_FORCEINLINE_FUNCTION void visit_batch(const CandidateBatch& b) const {
    for (int j = 0; j < kBatch; ++j) {
      if (!(b.row_begin[j] < b.row_end[j])) continue;
      const Span rows{static_cast<std::int64_t>(b.row_begin[j]),
                      static_cast<std::int64_t>(b.row_end[j])};
      const Vec3 p{b.px[j], b.py[j], b.pz[j]};
      Reach reach;
      reach.radius = b.radius[j];
      reach.footprint = !(uniform_radius > 0.0);
      reach.w_a = Vec3{b.wax[j], b.way[j], b.waz[j]};
      reach.w_c = Vec3{b.wcx[j], b.wcy[j], b.wcz[j]};
      const std::int64_t i = b.index[j];
      // The span the preparation found where it is the window's only image in the grid (most
      // candidates), straight from the batch: see visit_batch_avx2.
      if (b.single[j] != 0.0) {
        visit_span<lanes>(i, p, reach, rows,
                          Span{static_cast<std::int64_t>(b.col_begin[j]),
                               static_cast<std::int64_t>(b.col_end[j])});
        continue;
      }
      const ColumnSpans cols = column_spans(grid, cells_per_deg, b.lon[j], b.half_width[j]);
      for (int s = 0; s < cols.count; ++s) visit_span<lanes>(i, p, reach, rows, cols.span[s]);
    }
  }

#if defined(SWATHGRID_X86_DISPATCH)
  /// visit_batch for AVX2 where this thread alone lowers the keys (`exclusive`: host threads
  /// always), written with the vector instructions themselves (Avx2Lanes), not left to the
  /// compiler's vectorisation of visit_lanes: that redid the candidate's broadcasts and
  /// spilled them to the stack in every row (~60 instructions a row and ~50 a candidate beside
  /// ~35 a group of 4 cells). A window at most kLanes columns wide (almost every one: 2-3
  /// cells) is one group per row starting at its first column, not the aligned groups that
  /// cover it (2.3 groups a candidate -> ~1.7), its rows without a loop where it has two; the
  /// keys' rows are padded for it (NearestSearch::search). Issue 17, session 29.
  __attribute__((target("avx2"), noinline)) void visit_batch_avx2(const CandidateBatch& b) const {
    if (!exclusive) return visit_batch<true>(b);
    std::int64_t* const key_rows = keys.data();
    const std::int64_t stride = row_stride, first_row = block.row_begin;
    const std::int64_t first_col = block.col_begin;
    const Avx2Lanes lanes(uniform_radius > 0.0);
    // The keys of each candidate's first two rows fetched first: the visits of one line's
    // candidates reach over tens of rows, and their keys were often not in L1 (~10 % of the
    // visits' samples; the prefetches are hints, and their cells are in the block).
    const std::int64_t last_key = static_cast<std::int64_t>(keys.extent(0)) - 1;
    for (int j = 0; j < kBatch; ++j) {
      if (!(b.row_begin[j] < b.row_end[j])) continue;
      const std::int64_t row = static_cast<std::int64_t>(b.row_begin[j]) - first_row;
      const std::int64_t col = static_cast<std::int64_t>(b.col_begin[j]) - first_col;
      const std::int64_t at = row * stride + (col > 0 ? col : 0);
      _mm_prefetch(reinterpret_cast<const char*>(key_rows + std::min(at, last_key)), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(key_rows + std::min(at + stride, last_key)),
                   _MM_HINT_T0);
    }
    for (int j = 0; j < kBatch; ++j) {
      if (!(b.row_begin[j] < b.row_end[j])) continue;
      const std::int64_t row_begin = static_cast<std::int64_t>(b.row_begin[j]) - first_row;
      const std::int64_t row_end = static_cast<std::int64_t>(b.row_end[j]) - first_row;
      const Avx2Lanes::Candidate c = lanes.candidate(b, j);
      // The span straight from the batch where it is the only one (most candidates): a
      // ColumnSpans returned by value was written and read back through the stack in pieces
      // of other widths, and the loads that could not take the stores' data were ~25 % of the
      // visits' samples (issue 17, session 30).
      if (b.single[j] != 0.0) {
        visit_span_avx2(lanes, c, row_begin, row_end,
                        Span{static_cast<std::int64_t>(b.col_begin[j]),
                             static_cast<std::int64_t>(b.col_end[j])});
        continue;
      }
      const ColumnSpans cols = column_spans(grid, cells_per_deg, b.lon[j], b.half_width[j]);
      for (int s = 0; s < cols.count; ++s)
        visit_span_avx2(lanes, c, row_begin, row_end, cols.span[s]);
    }
  }
  /// One candidate's cells of block rows [row_begin, row_end) and grid columns `whole`.
  __attribute__((target("avx2"), always_inline)) inline void visit_span_avx2(
      const Avx2Lanes& lanes, const Avx2Lanes::Candidate& c, std::int64_t row_begin,
      std::int64_t row_end, const Span& whole) const {
    const Span span = intersect(whole, block.col_begin, block.col_end);
    if (span.begin >= span.end) return;
    const double* const sines = &col_trig(0, 0);
    const double* const cosines = &col_trig(0, 1);
    const double* const lat_sines = &row_trig(0, 0);
    const double* const lat_cosines = &row_trig(0, 1);
    std::int64_t* const key_rows = keys.data();
    const std::int64_t stride = row_stride;
    const std::int64_t begin = span.begin - block.col_begin, end = span.end - block.col_begin;
    const bool two_rows = row_end - row_begin == 2 &&
                          lat_cosines[row_begin] == lat_cosines[row_begin] &&
                          lat_cosines[row_begin + 1] == lat_cosines[row_begin + 1];
    if (end - begin <= kLanes && two_rows) {  // most candidates
      const Avx2Lanes::Row upper = lanes.row(c, lat_sines[row_begin], lat_cosines[row_begin]);
      const Avx2Lanes::Row lower =
          lanes.row(c, lat_sines[row_begin + 1], lat_cosines[row_begin + 1]);
      const __m256d cos_lon = _mm256_loadu_pd(cosines + begin);
      const __m256d sin_lon = _mm256_loadu_pd(sines + begin);
      std::int64_t* const upper_keys = key_rows + row_begin * stride + begin;
      Avx2Lanes::lower(upper_keys, lanes.keys(c, upper, cos_lon, sin_lon));
      Avx2Lanes::lower(upper_keys + stride, lanes.keys(c, lower, cos_lon, sin_lon));
      return;
    }
    // Otherwise row by row: one group from the first column, or aligned groups.
    const std::int64_t first = end - begin <= kLanes ? begin : begin & ~std::int64_t{kLanes - 1};
    for (std::int64_t row = row_begin; row < row_end; ++row) {
      const double cos_lat = lat_cosines[row];
      if (!(cos_lat == cos_lat)) continue;  // centre beyond a pole
      const Avx2Lanes::Row r = lanes.row(c, lat_sines[row], cos_lat);
      std::int64_t* const row_keys = key_rows + row * stride;
      for (std::int64_t col = first; col < end; col += kLanes)
        Avx2Lanes::lower(row_keys + col, lanes.keys(c, r, _mm256_loadu_pd(cosines + col),
                                                    _mm256_loadu_pd(sines + col)));
    }
  }
  __attribute__((target("avx512f,prefer-vector-width=512"), noinline)) void visit_batch_avx512(
      const CandidateBatch& b) const {
    visit_batch<true>(b);
  }
#endif

  /// Candidates kBatch b to kBatch (b + 1) - 1 of the list: gathered, prepared side by side,
  /// then each one's cells visited.
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t batch) const {
    // No candidate of the batch near the rows (a part's rows: most batches)?
    if (batch_bands(batch, 1) < band_south || batch_bands(batch, 0) > band_north) return;
    CandidateBatch b;
    double valid[kBatch];
    static_assert(kBatch % 4 == 0, "quads of candidates");
    for (int q = 0; q < kBatch; q += 4) {
#if defined(SWATHGRID_X86_DISPATCH)
      if (isa != VectorIsa::portable && gather_quad_avx2(batch * kBatch + q, q, b, valid)) continue;
#endif
      for (int j = q; j < q + 4; ++j) gather(batch * kBatch + j, j, b, valid);
    }
    if (uniform_radius > 0.0)
      prepare_batch<true>(b, valid);
    else
      prepare_batch<false>(b, valid);
#if defined(SWATHGRID_X86_DISPATCH)
    if (isa == VectorIsa::avx512) return visit_batch_avx512(b);
    if (isa == VectorIsa::avx2) return visit_batch_avx2(b);
#endif
    visit_batch<false>(b);
  }
};

/// (sin, cos) of the centre latitude of the rows [begin, end) (NaN beyond the poles), or of the
/// centre longitude of the columns [begin, end); entry k is row or column begin + k. kLanes
/// more entries (the next rows or columns: visit_lanes reads past a span's end).
TrigView centre_trig(const GridSpec& grid, bool rows, std::int64_t begin, std::int64_t end) {
  const std::int64_t n = end - begin + kLanes;
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

/// Degrees beyond which sincos_deg's reduction is no longer exact (its quadrant q must stay a
/// small whole number): larger longitudes are reduced by fmod first (pixel_unit_vector).
constexpr double kReducedDeg = 1048576.0;  // 2^20

/// sin and cos of x degrees, x a float's value with |x| < kReducedDeg, within ~1 ulp of the
/// exact values; branch-free, so the compiler vectorises a loop of them (glibc's sincos, two
/// per pixel, was a quarter of nearest's regrid: docs/performance.md, issue 17, session 19).
/// The reduction is exact in degrees: r = x - 90 q (|r| <= 45) takes no rounding, since x has
/// 24 significant bits and 90 q is a whole number; r times pi/180 split in a head of 28 bits
/// (r * head exact) and a tail gives t + y, t = r pi/180 rounded and y its error. Then the
/// polynomials of fdlibm's __kernel_sin and __kernel_cos (FreeBSD's k_sin.c, k_cos.c: < 1 ulp
/// on |t| <= pi/4; public domain-like licence of Sun Microsystems, coefficients only) and q's
/// quadrant. The same operations in the same order in every copy (this file: no FMA
/// contraction), so the AVX-512F, AVX2 and portable loops and the scalar pixel_unit_vector give
/// the same bits; not those of glibc (which rounds x pi/180 first).
KOKKOS_FORCEINLINE_FUNCTION void sincos_deg(double x, double& sin_x, double& cos_x) {
  constexpr double kRound = 6755399441055744.0;  // 1.5 * 2^52: x + kRound - kRound rounds x
  constexpr double kRadPerDegHead = 0x1.1df46a2p-6;
  constexpr double kRadPerDegTail = 0x1.4a74e45707630p-36;
  constexpr double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
                   S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
                   S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
  constexpr double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
                   C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
                   C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
  const double q = (x * (1.0 / 90.0) + kRound) - kRound;
  const double r = x - q * 90.0;
  const double head = r * kRadPerDegHead, tail = r * kRadPerDegTail;
  const double t = head + tail;
  const double y = tail - (t - head);
  const double z = t * t, w = z * z, v = z * t;
  const double rs = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
  const double s = t - ((z * (0.5 * y - v * rs) - y) - v * S1);
  const double rc = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
  const double hz = 0.5 * z, one_minus_hz = 1.0 - hz;
  const double c = one_minus_hz + (((1.0 - one_minus_hz) - hz) + (z * rc - t * y));
  const double quarter = q * 0.25;  // q mod 4 = q - 4 floor(q / 4)
  const double rounded = (quarter + kRound) - kRound;
  const double n = q - 4.0 * select(rounded > quarter, rounded - 1.0, rounded);
  const bool odd = (n == 1.0) | (n == 3.0);
  const double sin_r = select(odd, c, s), cos_r = select(odd, s, c);
  sin_x = select(n >= 2.0, -sin_r, sin_r);
  cos_x = select((n == 1.0) | (n == 2.0), -cos_r, cos_r);
}

/// The unit vectors of n pixels (into x, y, z: n doubles each; NaN where a pixel has no navigation),
/// a loop the compiler vectorises; pixel_unit_vector for any longitude of kReducedDeg or more.
KOKKOS_FORCEINLINE_FUNCTION void unit_vectors_run(const float* lon, const float* lat, double* x,
                                                  double* y, double* z, std::int64_t n) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  int far = 0;  // navigated pixels whose longitude the polynomials' reduction cannot take
#if defined(_OPENMP)
#pragma omp simd reduction(| : far)
#endif
  for (std::int64_t k = 0; k < n; ++k) {
    const double lon_k = lon[k], lat_k = lat[k];
    // navigated(), without its && (control flow that keeps the loop from vectorising)
    const bool valid = (lon[k] - lon[k] == 0.0f) & (lat[k] >= -90.0f) & (lat[k] <= 90.0f);
    const bool near = device::fabs(lon_k) < kReducedDeg;
    far |= static_cast<int>(valid & !near);
    double sin_lat, cos_lat, sin_lon, cos_lon;
    sincos_deg(select(valid, lat_k, 0.0), sin_lat, cos_lat);
    sincos_deg(select(valid & near, lon_k, 0.0), sin_lon, cos_lon);
    x[k] = select(valid, cos_lat * cos_lon, nan);
    y[k] = select(valid, cos_lat * sin_lon, nan);
    z[k] = select(valid, sin_lat, nan);
  }
  if (far == 0) return;  // (the pass below, over every pixel, was ~8 % of this function)
  for (std::int64_t k = 0; k < n; ++k) {  // far longitudes (none in a real file)
    if (!(device::fabs(lon[k]) < static_cast<float>(kReducedDeg)) && navigated(lon[k], lat[k])) {
      double p[3];
      pixel_unit_vector(lon[k], lat[k], p);
      x[k] = p[0];
      y[k] = p[1];
      z[k] = p[2];
    }
  }
}

#if defined(SWATHGRID_X86_DISPATCH)
/// unit_vectors_run compiled for AVX2 and for AVX-512F (as the scatter's preparation).
__attribute__((target("avx2"), noinline)) void unit_vectors_run_avx2(const float* lon,
                                                                     const float* lat, double* x,
                                                                     double* y, double* z,
                                                                     std::int64_t n) {
  unit_vectors_run(lon, lat, x, y, z, n);
}
__attribute__((target("avx512f,prefer-vector-width=512"), noinline)) void unit_vectors_run_avx512(
    const float* lon, const float* lat, double* x, double* y, double* z, std::int64_t n) {
  unit_vectors_run(lon, lat, x, y, z, n);
}
#endif

/// Into out(0 .. batches - 1): the latitudes that the candidates of each batch of kBatch may
/// reach (the union of their bands), so that a batch far from the rows searched is passed
/// over at once.
void batch_bands_of(const Kokkos::View<float* [2], MemSpace>& bands, std::int64_t count,
                    const Kokkos::View<float* [2], MemSpace>& out) {
  const std::int64_t batches = (count + kBatch - 1) / kBatch;
  Kokkos::parallel_for(
      "swathgrid::nearest::batch_bands", Policy(ExecSpace(), 0, batches),
      KOKKOS_LAMBDA(std::int64_t batch) {
        float south = bands(batch * kBatch, 0), north = bands(batch * kBatch, 1);
        for (std::int64_t k = batch * kBatch + 1; k < (batch + 1) * kBatch && k < count; ++k) {
          south = bands(k, 0) < south ? bands(k, 0) : south;
          north = bands(k, 1) > north ? bands(k, 1) : north;
        }
        out(batch, 0) = south;
        out(batch, 1) = north;
      });
}

/// The pixels of `line` whose unit vectors the scatter reads: [first, last), those between the
/// candidates of it and of the lines before and after, one pixel wider (the candidates and
/// their four neighbours); first >= last: none.
KOKKOS_INLINE_FUNCTION void pixels_near_candidates(
    const Kokkos::View<std::int32_t* [3], MemSpace>& line_info, std::int64_t lines,
    std::int64_t pixels, std::int64_t line, std::int64_t& first, std::int64_t& last) {
  first = pixels;
  last = 0;
  for (std::int64_t l = line > 0 ? line - 1 : 0; l <= line + 1 && l < lines; ++l) {
    if (line_info(l, 1) >= line_info(l, 2)) continue;
    if (line_info(l, 1) < first) first = line_info(l, 1);
    if (line_info(l, 2) > last) last = line_info(l, 2);
  }
  if (first > 0) --first;
  if (last < pixels) ++last;
}

/// Per line, where its pixels near candidates go in the compact positions: shift(line) = place
/// of its first one minus that pixel's index (lines without any: a shift never used). Returns
/// how many places all lines need.
std::int64_t position_shifts(const Kokkos::View<std::int32_t* [3], MemSpace>& line_info,
                             std::int64_t lines, std::int64_t pixels,
                             const Kokkos::View<std::int64_t*, MemSpace>& shift) {
  std::int64_t total = 0;
  Kokkos::parallel_scan(
      "swathgrid::nearest::position_shifts", Policy(ExecSpace(), 0, lines),
      KOKKOS_LAMBDA(std::int64_t line, std::int64_t & sum, bool final) {
        std::int64_t first = 0, last = 0;
        pixels_near_candidates(line_info, lines, pixels, line, first, last);
        if (final) shift(line) = sum - (line * pixels + first);
        sum += first < last ? last - first : 0;
      },
      total);
  return total;
}

/// Unit vectors of the pixels the scatter reads (NaN: no navigation), at their places
/// (position_shifts); the other pixels have none. (A free function: CUDA allows no extended
/// lambda in a private member function.)
void unit_vectors_near_candidates(
    const ConstPixelView& lon_deg, const ConstPixelView& lat_deg, std::int64_t lines,
    std::int64_t pixels, const Kokkos::View<std::int32_t* [3], MemSpace>& line_info,
    const Kokkos::View<const std::int64_t*, MemSpace>& shift,
    const Kokkos::View<double* [3], Kokkos::LayoutLeft, MemSpace>& positions) {
  const VectorIsa isa = vector_isa();
  Kokkos::parallel_for(
      "swathgrid::nearest::positions", Policy(ExecSpace(), 0, lines),
      KOKKOS_LAMBDA(std::int64_t line) {
        std::int64_t first = 0, last = 0;
        pixels_near_candidates(line_info, lines, pixels, line, first, last);
        if (first >= last) return;
        const std::int64_t i = line * pixels + first;
        const float* lon = &lon_deg(i);
        const float* lat = &lat_deg(i);
        const std::int64_t place = i + shift(line), n = last - first;
        double* const x = &positions(place, 0);
        double* const y = &positions(place, 1);
        double* const z = &positions(place, 2);
#if defined(SWATHGRID_X86_DISPATCH)
        if (isa == VectorIsa::avx512) return unit_vectors_run_avx512(lon, lat, x, y, z, n);
        if (isa == VectorIsa::avx2) return unit_vectors_run_avx2(lon, lat, x, y, z, n);
#endif
        (void)isa;
        unit_vectors_run(lon, lat, x, y, z, n);
      });
}

}  // namespace

CellPixelView NearestSearch::search(const GridSpec& window, const CellBlock& block) {
  assert(block.row_begin >= 0 && block.row_end <= window.ny && block.col_begin >= 0 &&
         block.col_end <= window.nx && block.rows() >= 0 && block.cols() >= 0);
  if (!have_unit_vectors_) {
    grow(position_shift_, lines_, "swathgrid::nearest_position_shift");
    grow(positions_, position_shifts(line_info_, lines_, pixels_, position_shift_),
         "swathgrid::nearest_positions");
    unit_vectors_near_candidates(lon_, lat_, lines_, pixels_, line_info_, position_shift_,
                                 positions_);
    grow(batch_bands_, (candidate_count_ + kBatch - 1) / kBatch, "swathgrid::nearest_batch_bands");
    batch_bands_of(bands_, candidate_count_, batch_bands_);
    have_unit_vectors_ = true;
  }
  const std::int64_t cells = block.cells();
  // Rows padded to a multiple of kLanes with kLanes - 1 columns to spare: visit_lanes' aligned
  // groups, and visit_batch_avx2's group from a window's first column, stay in their row.
  const std::int64_t row_stride = (block.cols() + 2 * kLanes - 2) / kLanes * kLanes;
  const std::int64_t padded = block.rows() * row_stride;
  grow(keys_, padded, "swathgrid::nearest_keys");
  grow(chosen_, cells, "swathgrid::nearest_pixel");
  const CellPixelView keys = Kokkos::subview(keys_, std::make_pair(std::int64_t{0}, padded));
  const CellPixelView pixels = Kokkos::subview(chosen_, std::make_pair(std::int64_t{0}, cells));
  Kokkos::parallel_for(
      "swathgrid::nearest::clear", Policy(ExecSpace(), 0, padded),
      KOKKOS_LAMBDA(std::int64_t c) { keys(c) = kNoKey; });

  // The candidates whose latitude band (the survey's bound of their window) meets the centre
  // latitudes of rows [begin, end).
  const auto north_of = [&](std::int64_t begin) {
    return static_cast<float>(window.y_max -
                              (static_cast<double>(begin) + 0.5) * window.cell_size) +
           kSurveySlackDeg;
  };
  const auto south_of = [&](std::int64_t end) {
    return static_cast<float>(window.y_max - (static_cast<double>(end) - 0.5) * window.cell_size) -
           kSurveySlackDeg;
  };
  const int threads = ExecSpace().concurrency();
  ScatterFunctor scatter{
      Kokkos::subview(candidates_, std::make_pair(std::int64_t{0}, candidate_count_), Kokkos::ALL),
      Kokkos::subview(bands_, std::make_pair(std::int64_t{0}, candidate_count_), Kokkos::ALL),
      batch_bands_,
      north_of(block.row_begin),
      south_of(block.row_end),
      positions_,
      position_shift_,
      lon_,
      lat_,
      lines_,
      pixels_,
      window,
      1.0 / window.cell_size,
      block,
      Span{block.row_begin, block.row_end},
      centre_trig(window, true, block.row_begin, block.row_end),
      centre_trig(window, false, block.col_begin, block.col_end),
      keys,
      row_stride,
      max_distance_m_ > 0.0 ? chord_of_distance(max_distance_m_) : 0.0,
      chord_of_distance(kMaxReachM),
      threads == 1,
      static_cast<double>(window.nx + 1) * window.cell_size <= kFullTurnDeg
          ? kFullTurnDeg - 3.0 * window.cell_size
          : -1.0,
      vector_isa()};
  const std::int64_t batches = (candidate_count_ + kBatch - 1) / kBatch;
  bool scattered = false;
  if constexpr (Kokkos::SpaceAccessibility<Kokkos::DefaultHostExecutionSpace,
                                           MemSpace>::accessible) {
    if (threads > 1 && block.rows() > 1) {
      // On host threads: parts of the block's rows, each visited by one thread alone (every
      // candidate near it), so that the keys are lowered with plain stores by the vector loop
      // (atomics left nearest's regrid on two threads ~0.8x of one thread's; docs/
      // performance.md, issue 17, session 19). kRowPartsPerThread parts per thread, dealt out
      // one by one: a swath may cover a few of them only.
      const std::int64_t parts = std::min<std::int64_t>(block.rows(), kRowPartsPerThread * threads);
      Kokkos::parallel_for(
          "swathgrid::nearest::scatter_rows",
          Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace, Kokkos::Schedule<Kokkos::Dynamic>>(
              0, parts),
          [&](const std::int64_t part) {
            ScatterFunctor own = scatter;
            own.rows = Span{block.row_begin + block.rows() * part / parts,
                            block.row_begin + block.rows() * (part + 1) / parts};
            own.band_north = north_of(own.rows.begin);
            own.band_south = south_of(own.rows.end);
            own.exclusive = true;
            for (std::int64_t b = 0; b < batches; ++b) own(b);
          });
      Kokkos::DefaultHostExecutionSpace().fence();
      scattered = true;
    }
  }
  if (!scattered)
    Kokkos::parallel_for("swathgrid::nearest::scatter", DynamicPolicy(ExecSpace(), 0, batches),
                         scatter);

  const std::int64_t cols = block.cols();
  Kokkos::parallel_for(
      "swathgrid::nearest::unpack", Policy(ExecSpace(), 0, block.rows()),
      KOKKOS_LAMBDA(std::int64_t row) {
        for (std::int64_t col = 0; col < cols; ++col) {
          const std::int64_t key = keys(row * row_stride + col);
          pixels(row * cols + col) = key == kNoKey ? -1 : (key & kIndexMask);
        }
      });
  return pixels;
}

void pixel_unit_vector(float lon_deg, float lat_deg, double p[3]) {
  double lon = lon_deg;
  if (!(std::fabs(lon) < kReducedDeg)) lon = std::fmod(lon, kFullTurnDeg);  // exact
  double sin_lat, cos_lat, sin_lon, cos_lon;
  sincos_deg(lat_deg, sin_lat, cos_lat);
  sincos_deg(lon, sin_lon, cos_lon);
  p[0] = cos_lat * cos_lon;
  p[1] = cos_lat * sin_lon;
  p[2] = sin_lat;
}

}  // namespace swathgrid
