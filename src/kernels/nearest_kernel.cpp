// The `nearest` search: for every cell, the pixel nearest to its centre among those whose
// reach contains it (the rule is in nearest_kernel.hpp). One pass over every pixel (survey, this
// file: the rows the granule touches, the candidates that may reach the grid, in float
// degrees), then a scatter of the candidates only (nearest_scatter.cpp): each visits the cells
// of a lat/lon window around it and keeps, per cell, the smallest packed (distance, index) key
// with an atomic min; a last pass unpacks the keys into pixel indices.

#include "swathgrid/nearest_kernel.hpp"

#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "kernels/nearest_shared.hpp"
#include "swathgrid/device_math.hpp"
#include "swathgrid/text.hpp"

namespace swathgrid {
namespace {

using namespace nearest_detail;

/// The survey's bound on a pixel's reach: its chord radius, as an angle, is at most
/// kSurveyReachFactor times the largest degree distance |dlat| + |dlon| to a navigated
/// neighbour (which bounds the great-circle angle between them): 2 asin(1.1 sin(a / 2)) <=
/// 1.12 a below kSurveyMaxDeg, so 1.25 leaves room for any rounding.
constexpr float kSurveyReachFactor = 1.25f;
/// Above this bound (degrees) the survey keeps the pixel: its reach is no longer small.
constexpr float kSurveyMaxDeg = 30.0f;
/// A degree distance standing for "unknown, keep the pixel" (garbage longitudes).
constexpr float kHugeDeg = 1.0e30f;
/// asin(y) <= kAsinSlope * y for 0 <= y <= kSurveyMaxLonRatio (asin(1/2) = 0.5236).
constexpr float kAsinSlope = 1.05f;
constexpr float kSurveyMaxLonRatio = 0.5f;
/// Pixels of a line the survey first tests together (classify_chunk): a span small beside a
/// grid (16 OCI pixels: 16-80 km), so that few pixels near the grid are tested twice.
constexpr std::int64_t kSurveyChunk = 16;
/// Chunks whose boxes the survey first tests together (SurveyFunctor::far_run): 128 pixels,
/// most of a swath's width lies far from a regional grid.
constexpr std::int64_t kSurveyGroupChunks = 8;
constexpr std::int64_t kSurveyGroupPixels = kSurveyChunk * kSurveyGroupChunks;
/// Chunks, and groups of chunks, of a line of `pixels` (the last of each may be shorter).
KOKKOS_INLINE_FUNCTION std::int64_t survey_chunks(std::int64_t pixels) {
  return (pixels + kSurveyChunk - 1) / kSurveyChunk;
}
KOKKOS_INLINE_FUNCTION std::int64_t survey_groups(std::int64_t pixels) {
  return (pixels + kSurveyGroupPixels - 1) / kSurveyGroupPixels;
}
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

/// Flags of a pixel in the survey.
constexpr std::uint8_t kCandidate = 1;
constexpr std::uint8_t kGridUnsure = 2;  ///< whether its centre is in the grid: ask locate()

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

/// Per line, per chunk of kSurveyChunk pixels: the extremes of its pixels' latitudes and
/// longitudes, and 1 where every one has navigation (else 0: the extremes mean nothing). A
/// pass over each pixel's own position alone, so that SurveyFunctor::far_run can reject a
/// chunk from its own and its neighbouring lines' boxes without reading each pixel's four
/// neighbours (run_bounds, the survey's larger part; docs/performance.md, issue 17, session 20).
struct ChunkBoxes {
  ConstPixelView lon_deg, lat_deg;
  std::int64_t pixels, chunks, groups;
  Kokkos::View<float* [5], MemSpace> boxes;        ///< line * chunks + chunk
  Kokkos::View<float* [5], MemSpace> group_boxes;  ///< line * groups + group: its chunks' union
  VectorIsa isa;

  /// Pixels [from, to): branch-free, integers for the floats' order (as run_bounds).
  KOKKOS_FORCEINLINE_FUNCTION void box_of(std::int64_t from, std::int64_t to,
                                          std::int64_t slot) const {
    int navigated = 1;
    std::int32_t lat_min = ordered_bits(lat_deg(from)), lat_max = lat_min;
    std::int32_t lon_min = ordered_bits(lon_deg(from)), lon_max = lon_min;
    for (std::int64_t i = from; i < to; ++i) {
      const float lon = lon_deg(i), lat = lat_deg(i);
      navigated &= static_cast<int>(navigated_bits(lon, lat));
      lat_min = min_bits(lat_min, ordered_bits(lat));
      lat_max = max_bits(lat_max, ordered_bits(lat));
      lon_min = min_bits(lon_min, ordered_bits(lon));
      lon_max = max_bits(lon_max, ordered_bits(lon));
    }
    boxes(slot, 0) = bits_float(ordered_bits_inverse(lat_min));
    boxes(slot, 1) = bits_float(ordered_bits_inverse(lat_max));
    boxes(slot, 2) = bits_float(ordered_bits_inverse(lon_min));
    boxes(slot, 3) = bits_float(ordered_bits_inverse(lon_max));
    boxes(slot, 4) = navigated ? 1.0f : 0.0f;
  }
  KOKKOS_FORCEINLINE_FUNCTION void line_boxes(std::int64_t line) const {
    for (std::int64_t chunk = 0; chunk < chunks; ++chunk) {
      const std::int64_t begin = chunk * kSurveyChunk;
      const std::int64_t end = begin + kSurveyChunk < pixels ? begin + kSurveyChunk : pixels;
      box_of(line * pixels + begin, line * pixels + end, line * chunks + chunk);
    }
  }
#if defined(SWATHGRID_X86_DISPATCH)
  __attribute__((target("avx2"), noinline)) void line_boxes_avx2(std::int64_t line) const {
    line_boxes(line);
  }
  __attribute__((target("avx512f,prefer-vector-width=512"), noinline)) void line_boxes_avx512(
      std::int64_t line) const {
    line_boxes(line);
  }
#endif
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t line) const {
#if defined(SWATHGRID_X86_DISPATCH)
    if (isa == VectorIsa::avx512)
      line_boxes_avx512(line);
    else if (isa == VectorIsa::avx2)
      line_boxes_avx2(line);
    else
#endif
      line_boxes(line);
    for (std::int64_t group = 0; group < groups; ++group) {
      const std::int64_t first = line * chunks + group * kSurveyGroupChunks;
      const std::int64_t last = first + kSurveyGroupChunks < (line + 1) * chunks
                                    ? first + kSurveyGroupChunks
                                    : (line + 1) * chunks;
      float box[5] = {boxes(first, 0), boxes(first, 1), boxes(first, 2), boxes(first, 3),
                      boxes(first, 4)};
      for (std::int64_t c = first + 1; c < last; ++c) {  // meaningful where all navigated
        box[0] = boxes(c, 0) < box[0] ? boxes(c, 0) : box[0];
        box[1] = boxes(c, 1) > box[1] ? boxes(c, 1) : box[1];
        box[2] = boxes(c, 2) < box[2] ? boxes(c, 2) : box[2];
        box[3] = boxes(c, 3) > box[3] ? boxes(c, 3) : box[3];
        box[4] = boxes(c, 4) < box[4] ? boxes(c, 4) : box[4];
      }
      for (int k = 0; k < 5; ++k) group_boxes(line * groups + group, k) = box[k];
    }
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
  Kokkos::View<const float* [5], MemSpace> chunk_boxes;  ///< ChunkBoxes' (footprint reach only)
  Kokkos::View<const float* [5], MemSpace> group_boxes;  ///< and its groups of chunks'
  VectorIsa isa;  ///< the vectors run_bounds uses (vector_isa())

  /// |dlat| + |dlon| to pixel j if navigated (>= the great-circle angle, degrees), else 0.
  KOKKOS_INLINE_FUNCTION float degree_distance(float lon, float lat, std::int64_t j) const {
    const float lon_j = lon_deg(j), lat_j = lat_deg(j);
    const float gap = lon_gap_deg(lon_j, lon);
    const float d = gap >= 0.0f ? device::fabs(lat_j - lat) + gap : kHugeDeg;
    return navigated(lon_j, lat_j) ? d : 0.0f;
  }

  /// A run of pixels' bounds (classify_chunk): their largest neighbour degree distance, the
  /// extremes of their latitudes and longitudes, and whether every distance was a plain one.
  struct RunBounds {
    float largest, lat_low, lat_high, lon_low, lon_high;
    bool fine;
  };

  /// The bounds of pixels [from, to) (indices into the granule), each with its right, upper
  /// and lower neighbour, starting from `b`: branch-free, so that it vectorises. Integers
  /// stand for the floats: an int max of non-negative floats' bits, or of ordered_bits, is
  /// their max (a float select would not vectorise under IEEE rules). Forced inline: each
  /// ISA's copy below is this loop compiled for that ISA.
  KOKKOS_FORCEINLINE_FUNCTION void run_bounds(std::int64_t from, std::int64_t to,
                                              RunBounds& b) const {
    int fine = 1;
    std::int32_t largest_bits = float_bits(b.largest);
    std::int32_t lat_min = ordered_bits(b.lat_low), lat_max = ordered_bits(b.lat_high);
    std::int32_t lon_min = ordered_bits(b.lon_low), lon_max = ordered_bits(b.lon_high);
    for (std::int64_t i = from; i < to; ++i) {
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
    b.largest = bits_float(largest_bits);
    b.lat_low = bits_float(ordered_bits_inverse(lat_min));
    b.lat_high = bits_float(ordered_bits_inverse(lat_max));
    b.lon_low = bits_float(ordered_bits_inverse(lon_min));
    b.lon_high = bits_float(ordered_bits_inverse(lon_max));
    b.fine = b.fine && fine != 0;
  }

#if defined(SWATHGRID_X86_DISPATCH)
  /// run_bounds compiled for AVX2 (8 floats a vector, and the integer minima and maxima SSE2
  /// lacks) and for AVX-512F (16). Out of line, called only where vector_isa() found the ISA.
  __attribute__((target("avx2"), noinline)) void run_bounds_avx2(std::int64_t from, std::int64_t to,
                                                                 RunBounds& b) const {
    run_bounds(from, to, b);
  }
  __attribute__((target("avx512f,prefer-vector-width=512"), noinline)) void run_bounds_avx512(
      std::int64_t from, std::int64_t to, RunBounds& b) const {
    run_bounds(from, to, b);
  }
#endif

  KOKKOS_INLINE_FUNCTION void run_bounds_for_isa(std::int64_t from, std::int64_t to,
                                                 RunBounds& b) const {
#if defined(SWATHGRID_X86_DISPATCH)
    if (isa == VectorIsa::avx512) return run_bounds_avx512(from, to, b);
    if (isa == VectorIsa::avx2) return run_bounds_avx2(from, to, b);
#endif
    run_bounds(from, to, b);
  }

  /// Whether classify_chunk would find the chunk `chunk` (pixels [begin, end)) of `line`
  /// (neither the granule's first line nor its last) out, judged from ChunkBoxes' boxes alone
  /// (far_group does the same for a group of chunks): every pixel and neighbour that
  /// run_bounds, or the per-pixel survey, reads for the chunk lies in its boxes on lines
  /// line - 1 .. line + 1 or is pixel begin - 1 or end of the line (where the line has them: a
  /// line's first and last chunks too, issue 17 session 28), so |dlat| + gap of any neighbour
  /// pair is at most the union's latitude extent plus its longitude extent (float rounding is
  /// monotone; the gap is min(d, 360 - d) <= d while d <= 360), a reach no smaller than
  /// run_bounds' own (chunk_reach). Where all_out and none_reach hold for the chunk's own box
  /// with that reach (both monotone in the box and the reach), every pixel of it fails the
  /// per-pixel tests; any other answer leaves the chunk to classify_chunk.
  KOKKOS_INLINE_FUNCTION bool far_run(std::int64_t line, std::int64_t chunk, std::int64_t begin,
                                      std::int64_t end) const {
    const auto& boxes = chunk_boxes;
    const std::int64_t own = line * survey_chunks(pixels) + chunk;
    float reach = 0.0f;
    return boxes(own, 4) != 0.0f &&
           edges.all_out(boxes(own, 2), boxes(own, 3), boxes(own, 0), boxes(own, 1)) &&
           chunk_reach(line, chunk, begin, end, reach) &&
           box.none_reach(boxes(own, 2), boxes(own, 3), boxes(own, 0), boxes(own, 1), reach);
  }

  /// far_run's bound of the reach of every pixel of the chunk (false where it has none: a box
  /// or pixel without navigation, a union wider than a turn).
  KOKKOS_INLINE_FUNCTION bool chunk_reach(std::int64_t line, std::int64_t chunk,
                                          std::int64_t begin, std::int64_t end,
                                          float& reach) const {
    const auto& boxes = chunk_boxes;
    const std::int64_t per_line = survey_chunks(pixels);
    const std::int64_t own = line * per_line + chunk;
    float lat_low = boxes(own, 0), lat_high = boxes(own, 1);
    float lon_low = boxes(own, 2), lon_high = boxes(own, 3);
    // The union's extremes (with navigation, no NaN: plain comparisons).
    const auto widen = [&](float lon, float lat) {
      lat_low = lat < lat_low ? lat : lat_low;
      lat_high = lat > lat_high ? lat : lat_high;
      lon_low = lon < lon_low ? lon : lon_low;
      lon_high = lon > lon_high ? lon : lon_high;
    };
    bool navigated = boxes(own, 4) != 0.0f;
    // (Plain arrays, not initializer lists: device code.)
    const std::int64_t slots[2] = {own - per_line, own + per_line};
    const std::int64_t ends[2] = {line * pixels + begin - 1, line * pixels + end};
    const bool has_end[2] = {begin > 0, end < pixels};
    for (int k = 0; k < 2; ++k) {
      navigated = navigated && boxes(slots[k], 4) != 0.0f;
      widen(boxes(slots[k], 2), boxes(slots[k], 0));
      widen(boxes(slots[k], 3), boxes(slots[k], 1));
      if (!has_end[k]) continue;
      navigated = navigated && navigated_bits(lon_deg(ends[k]), lat_deg(ends[k]));
      widen(lon_deg(ends[k]), lat_deg(ends[k]));
    }
    const float lon_extent = lon_high - lon_low;
    reach = kSurveyReachFactor * ((lat_high - lat_low) + lon_extent) + kSurveySlackDeg;
    return navigated && lon_extent <= 360.0f;
  }

  /// far_run for the group of chunks `group` (pixels [begin, end)) of `line`, with a tighter
  /// reach: the largest of its chunks' own (chunk_reach), not the one of the
  /// union of its boxes, whose extent (a group spans degrees of longitude) made most groups
  /// look near the grid (3 in 4 of a month's groups were then tested chunk by chunk, and 70 %
  /// of those chunks found far; issue 17, session 29). Every pixel's reach is at most its
  /// chunk's bound, so at most this one; the group's box contains each chunk's, so a group
  /// found out here has every chunk out in far_run too.
  KOKKOS_INLINE_FUNCTION bool far_group(std::int64_t line, std::int64_t group, std::int64_t begin,
                                        std::int64_t end) const {
    const std::int64_t own = line * survey_groups(pixels) + group;
    if (group_boxes(own, 4) == 0.0f || !edges.all_out(group_boxes(own, 2), group_boxes(own, 3),
                                                      group_boxes(own, 0), group_boxes(own, 1)))
      return false;
    float reach = 0.0f;
    for (std::int64_t first = begin; first < end; first += kSurveyChunk) {
      const std::int64_t last = first + kSurveyChunk < end ? first + kSurveyChunk : end;
      float own_reach = 0.0f;
      if (!chunk_reach(line, first / kSurveyChunk, first, last, own_reach)) return false;
      reach = own_reach > reach ? own_reach : reach;
    }
    return box.none_reach(group_boxes(own, 2), group_boxes(own, 3), group_boxes(own, 0),
                          group_boxes(own, 1), reach);
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
    const bool inner_line = footprint && line > 0 && line + 1 < lines;  // lines above and below
    if (inner_line && far_run(line, begin / kSurveyChunk, begin, end)) return kChunkOut;
    if (inner_line && begin > 0 && end < pixels) {
      // Inside the granule every pixel has its four neighbours: branch-free, so it vectorises.
      largest = pair_distance(lon_low, lat_low, first + begin - 1, largest, sane);
      RunBounds b{largest, lat_low, lat_high, lon_low, lon_high, true};
      run_bounds_for_isa(first + begin, first + end, b);
      largest = b.largest;
      lat_low = b.lat_low;
      lat_high = b.lat_high;
      lon_low = b.lon_low;
      lon_high = b.lon_high;
      sane = sane && b.fine;
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

  /// The per-pixel survey of pixel p of `line`: its flags and reach bound (into line_flags[p],
  /// line_reach[p]); the in-grid latitudes' extremes, and whether a centre's place in the grid
  /// is unsure.
  KOKKOS_INLINE_FUNCTION void survey_pixel(std::int64_t line, std::int64_t p,
                                           std::uint8_t* line_flags, float* line_reach,
                                           float& lat_low, float& lat_high, bool& unsure) const {
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
    line_reach[p] = reach;
    const bool kept = navigated(lon, lat) && box.may_reach(lon, lat, reach);
    line_flags[p] = static_cast<std::uint8_t>((kept ? kCandidate : 0) |
                                              (in_grid == kGridUnsure ? kGridUnsure : 0));
  }

  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t line,
                                         Kokkos::MinMaxScalar<float>& in_grid_lat) const {
    const std::int64_t first = line * pixels;
    // The line's flags and reaches through pointers of its own: a byte store through the
    // views may alias anything, the views' own pointers included, so every store reloaded
    // them and the loops below ran a byte at a time (a fifth of the survey's own samples,
    // issue 17 session 28).
    std::uint8_t* const line_flags = flags.data() + first;
    float* const line_reach = reach_deg.data() + first;
    float lat_low = in_grid_lat.min_val, lat_high = in_grid_lat.max_val;
    bool unsure = false;
    // Chunks far from the grid at once (most pixels of a granule larger than the grid), the
    // others pixel by pixel.
    std::int64_t surveyed_begin = pixels, surveyed_end = 0;  // the pixels tested one by one
    const std::int64_t group_pixels = kSurveyGroupPixels;
    const bool footprint = !(uniform_deg > 0.0f) && line > 0 && line + 1 < lines;
    for (std::int64_t begin = 0; begin < pixels; begin += kSurveyChunk) {
      // (A line's first and last groups too: their chunks at the line's ends would each be
      // tested pixel by pixel.)
      const std::int64_t group_end = begin + group_pixels < pixels ? begin + group_pixels : pixels;
      if (footprint && begin % group_pixels == 0 &&
          far_group(line, begin / group_pixels, begin, group_end)) {
        for (std::int64_t p = begin; p < group_end; ++p) line_flags[p] = 0;
        begin += group_pixels - kSurveyChunk;  // every chunk of the group out
        continue;
      }
      const std::int64_t end = begin + kSurveyChunk < pixels ? begin + kSurveyChunk : pixels;
      float reach = 0.0f, chunk_lat_low = 0.0f, chunk_lat_high = 0.0f;
      const int kind = classify_chunk(line, begin, end, reach, chunk_lat_low, chunk_lat_high);
      if (kind == kChunkOut) {
        for (std::int64_t p = begin; p < end; ++p) line_flags[p] = 0;
        continue;
      }
      if (kind == kChunkIn) {
        for (std::int64_t p = begin; p < end; ++p) {
          line_flags[p] = kCandidate;
          line_reach[p] = reach;  // a bound of its own: only widens its band
        }
        lat_low = chunk_lat_low < lat_low ? chunk_lat_low : lat_low;
        lat_high = chunk_lat_high > lat_high ? chunk_lat_high : lat_high;
      } else {
        for (std::int64_t p = begin; p < end; ++p)
          survey_pixel(line, p, line_flags, line_reach, lat_low, lat_high, unsure);
      }
      if (surveyed_begin > begin) surveyed_begin = begin;
      surveyed_end = end;
    }
    // Only those can be candidates or unsure.
    if (unsure) {
      for (std::int64_t p = surveyed_begin; p < surveyed_end; ++p) {
        if (!(line_flags[p] & kGridUnsure)) continue;
        const float lon = lon_deg(first + p), lat = lat_deg(first + p);
        if (grid.locate(lon, lat) >= 0) {
          lat_low = lat < lat_low ? lat : lat_low;
          lat_high = lat > lat_high ? lat : lat_high;
        }
      }
    }
    // The candidates counted in a loop without branches (it vectorises), their first and last
    // found from either end.
    std::int32_t count = 0, begin = static_cast<std::int32_t>(pixels), end = 0;
    for (std::int64_t p = surveyed_begin; p < surveyed_end; ++p)
      count += line_flags[p] & kCandidate;
    if (count > 0) {
      std::int64_t p = surveyed_begin;
      while (!(line_flags[p] & kCandidate)) ++p;
      begin = static_cast<std::int32_t>(p);
      p = surveyed_end - 1;
      while (!(line_flags[p] & kCandidate)) --p;
      end = static_cast<std::int32_t>(p + 1);
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
  const std::int64_t chunks = survey_chunks(pixels_), groups = survey_groups(pixels_);
  if (!(uniform_deg > 0.0f)) {
    grow(chunk_boxes_, lines_ * chunks, "swathgrid::nearest_chunk_boxes");
    grow(group_boxes_, lines_ * groups, "swathgrid::nearest_group_boxes");
    Kokkos::parallel_for("swathgrid::nearest::chunk_boxes", Policy(ExecSpace(), 0, lines_),
                         ChunkBoxes{lon_deg, lat_deg, pixels_, chunks, groups, chunk_boxes_,
                                    group_boxes_, vector_isa()});
  }
  Kokkos::MinMaxScalar<float> in_grid_lat;
  Kokkos::parallel_reduce(
      "swathgrid::nearest::survey", Policy(ExecSpace(), 0, lines_),
      SurveyFunctor{lon_deg, lat_deg, lines_, pixels_, grid, GridEdges::of(grid),
                    CentreBox::of(grid), uniform_deg, flags_, reach_deg_, line_info_, chunk_boxes_,
                    group_boxes_, vector_isa()},
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
        // Plain pointers and strides: a store through the views may alias anything, so every
        // store reloaded them (as in SurveyFunctor::operator()).
        std::int32_t* const candidate = candidates.data();
        float* const band = bands.data();
        const std::int64_t c0 = static_cast<std::int64_t>(candidates.stride(0)),
                           c1 = static_cast<std::int64_t>(candidates.stride(1)),
                           b0 = static_cast<std::int64_t>(bands.stride(0)),
                           b1 = static_cast<std::int64_t>(bands.stride(1));
        const std::uint8_t* const flag = flags.data();
        const float* const lat = lat_deg.data();
        const float* const reach = reach_deg.data();
        std::int64_t k = offsets(line);
        const std::int64_t first = line * width;
        for (std::int64_t i = first + line_info(line, 1); i < first + line_info(line, 2); ++i) {
          if (!(flag[i] & kCandidate)) continue;
          candidate[k * c0] = static_cast<std::int32_t>(i);
          candidate[k * c0 + c1] = static_cast<std::int32_t>(line);
          band[k * b0] = lat[i] - reach[i] - kSurveySlackDeg;
          band[k * b0 + b1] = lat[i] + reach[i] + kSurveySlackDeg;
          ++k;
        }
      });
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
