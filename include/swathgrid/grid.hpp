#pragma once
// A regular map grid: north-up, row 0 is the northernmost row, square cells, half-open in the
// GDAL affine sense (a point at x lies in column floor((x - x_min) / cell_size), at y in row
// floor((y_max - y) / cell_size)). Coordinates are in the grid's CRS units: degrees for
// geographic (lat/lon) grids, whose x is periodic (taken modulo 360).

#include <Kokkos_Macros.hpp>
#include <cmath>
#include <cstdint>
#include <string>

namespace swathgrid {

/// West, south, east, north in degrees. west > east means the box crosses the antimeridian.
struct BBox {
  double west = -180.0, south = -90.0, east = 180.0, north = 90.0;
};

struct GridSpec {
  double x_min = 0.0;      ///< x of the west edge of column 0 (degrees east for lat/lon)
  double y_max = 0.0;      ///< y of the north edge of row 0 (degrees north for lat/lon)
  double cell_size = 0.0;  ///< cell edge in CRS units (degrees for lat/lon)
  std::int64_t nx = 0;     ///< columns
  std::int64_t ny = 0;     ///< rows
  bool periodic_x = true;  ///< x is a longitude: -170 and 190 are the same place

  /// The lat/lon grid covering `box` at `cell_size_deg`: nx = ceil(width / size) (to within
  /// 1e-9 of a cell), so the east/south edges may move outwards to a whole number of cells.
  /// Throws UsageError on a degenerate box or non-positive cell size.
  static GridSpec from_bbox(const BBox& box, double cell_size_deg);

  std::int64_t cell_count() const { return nx * ny; }
  double x_max() const { return x_min + static_cast<double>(nx) * cell_size; }
  double y_min() const { return y_max - static_cast<double>(ny) * cell_size; }
  double x_center(std::int64_t col) const {
    return x_min + (static_cast<double>(col) + 0.5) * cell_size;
  }
  double y_center(std::int64_t row) const {
    return y_max - (static_cast<double>(row) + 0.5) * cell_size;
  }

  /// Row and column of the cell containing (x, y); false (row and col unchanged) when the
  /// point lies outside the grid or is not finite.
  KOKKOS_INLINE_FUNCTION bool locate(double x, double y, std::int64_t& row,
                                     std::int64_t& col) const {
    if (!(x == x) || !(y == y)) return false;  // NaN
    double dx = x - x_min;
    if (periodic_x && (dx < 0.0 || dx >= 360.0)) dx -= 360.0 * std::floor(dx / 360.0);
    const double col_f = std::floor(dx / cell_size);
    const double row_f = std::floor((y_max - y) / cell_size);
    if (col_f < 0.0 || row_f < 0.0 || col_f >= static_cast<double>(nx) ||
        row_f >= static_cast<double>(ny))
      return false;
    row = static_cast<std::int64_t>(row_f);
    col = static_cast<std::int64_t>(col_f);
    return true;
  }
  /// Flat cell index (row * nx + col) of the cell containing (x, y), or -1 when the point
  /// lies outside the grid or is not finite.
  KOKKOS_INLINE_FUNCTION std::int64_t locate(double x, double y) const {
    std::int64_t row = 0, col = 0;
    return locate(x, y, row, col) ? row * nx + col : -1;
  }
};

/// Rows [begin, end) of a grid; the rows a granule can touch.
struct RowWindow {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t rows() const { return end - begin; }
  bool empty() const { return end <= begin; }
};

/// Parses four comma-separated numbers into a BBox (west, south, east, north); throws
/// UsageError("--bbox: ...") naming `expected` (e.g. "W,S,E,N in degrees") on bad syntax.
BBox parse_four_numbers(const std::string& text, const std::string& expected);

/// Parses "W,S,E,N" (degrees). Throws UsageError naming the option on bad syntax or values.
BBox parse_bbox(const std::string& text);

}  // namespace swathgrid
