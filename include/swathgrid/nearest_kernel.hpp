#pragma once
// The search of the `nearest` regrid method (DESIGN.md 3): for every cell of a lat/lon grid,
// the pixel of one granule whose centre is nearest to the cell centre on the sphere, within
// the pixel's reach. Only positions take part: the caller takes values[index] afterwards, and
// a fill or masked value there gives the cell nothing (it never reaches for a farther valid
// pixel, as GDAL's warp). Pure Kokkos: no I/O, no MPI (STYLE.md 2).
//
// The rule, exactly (tests/test_nearest_kernel.cpp checks it against a brute-force loop):
//
// Positions. A pixel has navigation when lon is finite and -90 <= lat <= 90; P is its unit
//   vector (cos lat cos lon, cos lat sin lon, sin lat) as pixel_unit_vector computes it, the
//   same for a cell centre Q (with the C library's sin and cos). Cells
//   whose centre latitude lies beyond +-90 degrees get nothing. Distances are chords |Q - P|
//   on a sphere of radius kEarthRadiusM (within 1e-7 of the great-circle distance at pixel
//   scales), so longitudes wrap by themselves: -180 and 180 are the same place.
//
// Reach, default (max_distance_m <= 0): the pixel's own footprint. Its along-track spacing
//   vector is v_a = (P[l+1][p] - P[l-1][p]) / 2 when both neighbours have navigation, the
//   one-sided difference to the one that has, and undefined when neither has; v_c likewise
//   across track (pixels p-1, p+1). A cell centre is in reach when its offset d = Q - P,
//   written in the pixel's lattice coordinates (s, t) (d ~ s v_a + t v_c, least squares)
//   satisfies s^2 + t^2 <= kFootprintReachScale^2 / 2 and |d| <= kFootprintReachScale *
//   sqrt((|v_a|^2 + |v_c|^2) / 2) (that ellipse's bounding circle, at most kMaxReachM).
//   The footprint is the parallelogram |s|, |t| <= 1/2 between neighbouring centres; the
//   ellipse passes through its corners (radius sqrt(1/2) in lattice units), enlarged by
//   kFootprintReachScale. So: inside the swath every cell centre is reached (on a locally
//   regular lattice the disks of radius sqrt(1/2) around the lattice points cover the plane,
//   the 10% margin absorbs curvature and widening); beyond an edge or into a gap of missing
//   navigation a pixel reaches at most 0.78 of its own spacing in that direction, so the
//   cells a full spacing away get nothing. The ellipse follows the footprint's shape: OCI's
//   edge pixels (about 5 km across track by 1.2 km along) do not bridge a gap of missing
//   lines. A pixel with no navigated neighbour along track, or none across track, or whose
//   spacing vectors are (nearly) parallel or zero (sin^2 of their angle < 1e-6), reaches
//   nothing.
// Reach, max_distance_m > 0 (--max-distance): every pixel with navigation reaches the cell
//   centres within max_distance_m (great-circle, at most kMaxReachM), whatever its
//   neighbours.
//
// Choice. Among the pixels whose reach contains the cell centre, the one with the smallest
//   key floor(|Q - P| * kNearestKeyScale) * 2^31 + pixel_index (|Q - P| the chord of the unit
//   sphere, kNearestKeyScale = kEarthRadiusM / kNearestKeyQuantumM): the nearest, distances
//   compared to kNearestKeyQuantumM, ties to the lowest pixel index. No pixel reaches: -1.
//   (This is "nearest among the pixels that reach the cell", not "nearest, and -1 if that one
//   does not reach": the two agree whenever reaches are equal, e.g. with --max-distance, and
//   the first never leaves a hole where a wider neighbouring footprint covers the cell.)

#include <cstddef>
#include <cstdint>

#include "swathgrid/grid.hpp"
#include "swathgrid/types.hpp"

namespace swathgrid {

constexpr double kEarthRadiusM = 6371008.8;     ///< mean Earth radius (IUGG), metres
constexpr double kNearestKeyQuantumM = 1.0e-3;  ///< distances are compared to 1 mm
constexpr double kMaxReachM = 1.0e6;            ///< no reach is longer (keeps keys in 63 bits)
constexpr double kFootprintReachScale = 1.1;    ///< default reach: footprint ellipse * 1.1
/// Key quanta per unit chord of the unit sphere: kEarthRadiusM / kNearestKeyQuantumM, exactly
/// (a whole number below 2^53), so that a key takes a multiplication, not a division.
constexpr double kNearestKeyScale = 6371008800.0;
static_assert(kNearestKeyScale == 6371008.8 * 1000.0, "kEarthRadiusM / kNearestKeyQuantumM");

/// Per grid cell (row * nx + col): an index into the lines * pixels arrays, or -1.
using CellPixelView = Kokkos::View<std::int64_t*, MemSpace>;

/// Rows [row_begin, row_end) x columns [col_begin, col_end) of a grid; its cells are
/// numbered row-major from 0.
struct CellBlock {
  std::int64_t row_begin = 0, row_end = 0, col_begin = 0, col_end = 0;

  static CellBlock whole(const GridSpec& grid) { return CellBlock{0, grid.ny, 0, grid.nx}; }
  KOKKOS_INLINE_FUNCTION std::int64_t rows() const { return row_end - row_begin; }
  KOKKOS_INLINE_FUNCTION std::int64_t cols() const { return col_end - col_begin; }
  KOKKOS_INLINE_FUNCTION std::int64_t cells() const { return rows() * cols(); }
  /// The flat index (row * nx + col) in a grid of `nx` columns of the block's cell `c`.
  KOKKOS_INLINE_FUNCTION std::int64_t grid_cell(std::int64_t c, std::int64_t nx) const {
    return (row_begin + c / cols()) * nx + col_begin + c % cols();
  }
};

/// P of a pixel at lon_deg, lat_deg (with navigation; "Positions" above): sin and cos of the
/// degrees reduced exactly to |x| <= 45 and evaluated by fdlibm's polynomials, within ~1 ulp
/// of the exact values (not glibc's bits; the same in every vectorised copy of the search).
void pixel_unit_vector(float lon_deg, float lat_deg, double p[3]);

/// The nearest searches of one granule's pixels on one lat/lon grid (x = longitude, y =
/// latitude, degrees; its x taken modulo 360 whatever grid.periodic_x says: the sphere is
/// periodic). survey() passes once over every pixel: the rows the pixel centres fall in, and
/// the candidates, a superset (from degrees alone, with an upper bound of each pixel's reach)
/// of the pixels that can reach a cell of the grid, so a grid small beside the granule costs
/// little more than the pixels near it (runs of 16 pixels of a line far from the grid, and
/// groups of 8 runs, are rejected together, from the extremes of their and their neighbouring
/// lines' positions). search() then scatters the candidates: each
/// visits the cells inside a lat/lon box around its reach (its footprint ellipse where the
/// reach is small, else its bounding circle) and keeps the smallest key per cell (host
/// threads each own parts of the rows and store plainly; elsewhere an atomic min), so the
/// result does not depend on thread count or order. Buffers are kept
/// from call to call and only grow: once the largest granule has been seen nothing is
/// allocated.
class NearestSearch {
 public:
  /// lon_deg/lat_deg hold lines * pixels positions, row-major (index = line * pixels + pixel),
  /// fewer than 2^31 of them; they must outlive the searches. max_distance_m <= 0 selects the
  /// footprint reach.
  void survey(const ConstPixelView& lon_deg, const ConstPixelView& lat_deg, std::size_t lines,
              std::size_t pixels, const GridSpec& grid, double max_distance_m);

  /// The rows of the surveyed grid holding a pixel centre: granule_rows(lon, lat, grid).
  RowWindow rows() const { return rows_; }
  /// Pixels the survey kept as candidates.
  std::int64_t candidates() const { return candidate_count_; }

  /// For every cell of `block` of `window` (the surveyed grid, or a window of its rows: the
  /// same cells, y_max moved to a row's north edge), numbered as in CellBlock, the pixel chosen
  /// by the rule above, or -1. The view is valid until the next call.
  CellPixelView search(const GridSpec& window, const CellBlock& block);

 private:
  /// x, y and z each contiguous (LayoutLeft): the scatter loads four consecutive pixels' x at once.
  using UnitVectorView = Kokkos::View<double* [3], Kokkos::LayoutLeft, MemSpace>;
  using FlagView = Kokkos::View<std::uint8_t*, MemSpace>;
  using LineView = Kokkos::View<std::int32_t* [3], MemSpace>;  ///< count, first, last
  using OffsetView = Kokkos::View<std::int64_t*, MemSpace>;
  using CandidateView = Kokkos::View<std::int32_t* [2], MemSpace>;  ///< pixel index, line
  using BandView = Kokkos::View<float* [2], MemSpace>;  ///< latitudes a candidate may reach

  ConstPixelView lon_, lat_;
  std::int64_t lines_ = 0, pixels_ = 0;
  double max_distance_m_ = 0.0;
  RowWindow rows_;
  std::int64_t candidate_count_ = 0;
  bool have_unit_vectors_ = false;  ///< positions_ and batch_bands_ of this survey computed
  FlagView flags_;                            ///< per pixel: candidate, in the grid (unsure)
  Kokkos::View<float*, MemSpace> reach_deg_;  ///< per pixel: bound of its window half-height
  Kokkos::View<float* [5], MemSpace> chunk_boxes_;  ///< per line and chunk: the survey's boxes
  Kokkos::View<float* [5], MemSpace> group_boxes_;  ///< per line and group of chunks: theirs
  LineView line_info_;  ///< per line: candidates, first and last + 1 pixel holding them
  OffsetView offsets_;  ///< per line: its first candidate's place in candidates_
  CandidateView candidates_;
  BandView bands_;
  BandView batch_bands_;      ///< per batch of the scatter's candidates: the union of their bands
  /// Unit vectors of the pixels near candidates only (NaN: no navigation), line by line: pixel
  /// i of line l at i + position_shift_(l) (compact, so that a granule's scatter touches a few
  /// MB, not 24 bytes for every pixel read: fresh pages of that were up to 0.16 s of a month).
  UnitVectorView positions_;
  OffsetView position_shift_;  ///< per line: index in positions_ minus pixel index
  CellPixelView keys_;        ///< per cell of the block, its rows padded (search())
  CellPixelView chosen_;      ///< what search() returns
};

/// For every cell of `grid`, the pixel chosen by the rule above, or -1 (a NearestSearch of
/// its own: allocates ~6 bytes per pixel, 24 per pixel near the grid and 16 per cell).
CellPixelView nearest_pixel_per_cell(const ConstPixelView& lon_deg, const ConstPixelView& lat_deg,
                                     std::size_t lines, std::size_t pixels, const GridSpec& grid,
                                     double max_distance_m);

/// The same for the cells of `block` only (numbered as in CellBlock): each of them gets
/// exactly what the whole grid's search gives it.
CellPixelView nearest_pixel_per_cell(const ConstPixelView& lon_deg, const ConstPixelView& lat_deg,
                                     std::size_t lines, std::size_t pixels, const GridSpec& grid,
                                     double max_distance_m, const CellBlock& block);

}  // namespace swathgrid
