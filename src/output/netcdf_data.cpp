// The data section of the composite: every rank writes its row band of each field; rank 0
// writes the coordinates while the others take part in the collective calls with nothing.

#include <pnetcdf.h>

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "netcdf_internal.hpp"

namespace swathgrid::netcdf {

namespace {

constexpr int kRoot = 0;
constexpr MPI_Offset kBoundsVertexCount = 2;
constexpr MPI_Offset kOneColumn = 1;  // 1-D variables: the column count is ignored
constexpr int kCrsValue = 0;          // the value of the grid-mapping variable is unused

static_assert(std::is_same_v<std::int32_t, int>, "PnetCDF writes count fields as C int");

// PnetCDF wants a buffer even for an empty block.
const int kNoInts = 0;
const float kNoFloats = 0.0f;
const double kNoDoubles = 0.0;

bool is_root(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank == kRoot;
}

/// The float values of this rank's rows with NaN replaced by kOutputFillValue.
std::vector<float> with_fill(const float* values, std::size_t size) {
  std::vector<float> filled(size);
  for (std::size_t i = 0; i < size; ++i)
    filled[i] = std::isnan(values[i]) ? kOutputFillValue : values[i];
  return filled;
}

/// Cell centres and edges of the grid; an edge shared by neighbours is computed identically.
struct Coordinates {
  std::vector<double> y, x;            // centres, CRS units (lat/lon: degrees)
  std::vector<double> y_bnds, x_bnds;  // (edge before, edge after) per cell, CRS units
};

Coordinates coordinates(const GridSpec& grid) {
  Coordinates result;
  for (std::int64_t row = 0; row < grid.ny; ++row) {
    result.y.push_back(grid.y_center(row));
    result.y_bnds.push_back(grid.y_max - static_cast<double>(row) * grid.cell_size);
    result.y_bnds.push_back(grid.y_max - static_cast<double>(row + 1) * grid.cell_size);
  }
  for (std::int64_t col = 0; col < grid.nx; ++col) {
    result.x.push_back(grid.x_center(col));
    result.x_bnds.push_back(grid.x_min + static_cast<double>(col) * grid.cell_size);
    result.x_bnds.push_back(grid.x_min + static_cast<double>(col + 1) * grid.cell_size);
  }
  return result;
}

/// Collective: rank 0 writes all of `values` (rows x columns); the others write nothing.
void write_doubles(int ncid, int varid, const std::vector<double>& values, MPI_Offset rows,
                   MPI_Offset columns, const std::string& path, MPI_Comm comm) {
  const Block all = block(0, is_root(comm) ? rows : 0, columns);
  const double* data = values.empty() ? &kNoDoubles : values.data();
  agree_on(comm, path, [&] {
    check_nc(ncmpi_put_vara_double_all(ncid, varid, all.start, all.count, data),
             "writing coordinates");
  });
}

}  // namespace

Block block(MPI_Offset row_begin, MPI_Offset rows, MPI_Offset columns) {
  Block result;
  if (rows > 0 && columns > 0) {
    result.start[0] = row_begin;
    result.count[0] = rows;
    result.count[1] = columns;
  }
  return result;
}

namespace {

/// start/count of `rows` within `plane` of a variable with the plane's dimensions.
struct Hyperslab {
  std::vector<MPI_Offset> start, count;
};

Hyperslab hyperslab(const Plane& plane, const Block& rows) {
  Hyperslab slab;
  const MPI_Offset outer = rows.count[0] > 0 ? 1 : 0;  // an empty block is empty in every dim
  if (plane.has_time) {
    slab.start.push_back(static_cast<MPI_Offset>(plane.time));
    slab.count.push_back(outer);
  }
  if (plane.banded) {
    slab.start.push_back(static_cast<MPI_Offset>(plane.band));
    slab.count.push_back(outer);
  }
  for (int d = 0; d < 2; ++d) {
    slab.start.push_back(rows.start[d]);
    slab.count.push_back(rows.count[d]);
  }
  return slab;
}

}  // namespace

void write_rows(int ncid, int varid, const Plane& plane, const Block& rows, const float* values,
                const std::string& what, const std::string& path, MPI_Comm comm) {
  const Hyperslab slab = hyperslab(plane, rows);
  const auto size = static_cast<std::size_t>(rows.count[0] * rows.count[1]);
  std::vector<float> filled;
  agree_on(comm, path, [&] {
    if (size > 0) filled = with_fill(values, size);
  });
  const float* data = filled.empty() ? &kNoFloats : filled.data();
  agree_on(comm, path, [&] {
    check_nc(ncmpi_put_vara_float_all(ncid, varid, slab.start.data(), slab.count.data(), data),
             what);
  });
}

void write_rows(int ncid, int varid, const Plane& plane, const Block& rows,
                const std::int32_t* counts, const std::string& what, const std::string& path,
                MPI_Comm comm) {
  const Hyperslab slab = hyperslab(plane, rows);
  const int* data = rows.count[0] * rows.count[1] > 0 ? counts : &kNoInts;
  agree_on(comm, path, [&] {
    check_nc(ncmpi_put_vara_int_all(ncid, varid, slab.start.data(), slab.count.data(), data),
             what);
  });
}

void write_coordinates(int ncid, const HeaderIds& ids, const GridSpec& grid,
                       const OutputMetadata& meta, const std::string& path, MPI_Comm comm) {
  Coordinates values;
  agree_on(comm, path, [&] {
    if (is_root(comm)) values = coordinates(grid);
  });
  const MPI_Offset ny = grid.ny;
  const MPI_Offset nx = grid.nx;
  write_doubles(ncid, ids.y, values.y, ny, kOneColumn, path, comm);
  write_doubles(ncid, ids.x, values.x, nx, kOneColumn, path, comm);
  write_doubles(ncid, ids.y_bnds, values.y_bnds, ny, kBoundsVertexCount, path, comm);
  write_doubles(ncid, ids.x_bnds, values.x_bnds, nx, kBoundsVertexCount, path, comm);
  if (ids.time >= 0) {
    std::vector<double> centre, bounds;
    for (const OutputTime& t : meta.times) {
      centre.push_back(0.5 * (t.start_day + t.end_day));
      bounds.push_back(t.start_day);
      bounds.push_back(t.end_day);
    }
    const auto n = static_cast<MPI_Offset>(meta.times.size());
    write_doubles(ncid, ids.time, centre, n, kOneColumn, path, comm);
    write_doubles(ncid, ids.time_bnds, bounds, n, kBoundsVertexCount, path, comm);
  }
  if (ids.wavelength >= 0)
    write_doubles(ncid, ids.wavelength, meta.wavelengths_nm,
                  static_cast<MPI_Offset>(meta.wavelengths_nm.size()), kOneColumn, path, comm);
  // A scalar cannot be written with a zero count, so every rank writes the same value.
  agree_on(comm, path,
           [&] { check_nc(ncmpi_put_var_int_all(ncid, ids.crs, &kCrsValue), "writing crs"); });
}

}  // namespace swathgrid::netcdf
