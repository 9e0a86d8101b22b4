// The data section of the composite: every rank writes its row band of each field; rank 0
// writes the coordinates while the others take part in the collective calls with nothing.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <vector>

#include "output/netcdf_internal.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/host_parallel.hpp"

namespace swathgrid::netcdf {

namespace {

constexpr int kRoot = 0;
constexpr std::int64_t kBoundsVertexCount = 2;
constexpr std::int64_t kOneColumn = 1;  // 1-D variables: the column count is ignored
constexpr int kCrsValue = 0;            // the value of the grid-mapping variable is unused

bool is_root(MPI_Comm comm) { return rank_of(comm) == kRoot; }

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
void write_doubles(NcFile& file, int varid, const std::vector<double>& values, std::int64_t rows,
                   std::int64_t columns, const std::string& path, MPI_Comm comm) {
  const Block all = block(0, is_root(comm) ? rows : 0, columns);  // 1-D: the first entries
  const std::vector<std::int64_t> start(std::begin(all.start), std::end(all.start));
  const std::vector<std::int64_t> count(std::begin(all.count), std::end(all.count));
  agree_on(comm, path,
           [&] { file.write(varid, start, count, values.empty() ? nullptr : values.data()); });
}

}  // namespace

void copy_with_fill(const float* values, std::size_t size, float* to) {
  for (std::size_t i = 0; i < size; ++i)
    to[i] = std::isnan(values[i]) ? kOutputFillValue : values[i];
}

const float* with_fill(const float* values, std::size_t size, std::vector<float>& copy) {
  if (parallel_count_if(values, size, [](float v) { return std::isnan(v); }) == 0) return values;
  copy.resize(size);
  copy_with_fill(values, size, copy.data());
  return copy.data();
}

Block block(std::int64_t row_begin, std::int64_t rows, std::int64_t columns) {
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
  std::vector<std::int64_t> start, count;
};

/// `planes` consecutive planes from `plane` on: bands of a banded field, else periods.
Hyperslab hyperslab(const Plane& plane, const Block& rows, std::int64_t planes = 1) {
  Hyperslab slab;
  const std::int64_t outer = rows.count[0] > 0 ? 1 : 0;  // an empty block is empty in every dim
  if (plane.has_time) {
    slab.start.push_back(static_cast<std::int64_t>(plane.time));
    slab.count.push_back(plane.banded ? outer : outer * planes);
  }
  if (plane.banded) {
    slab.start.push_back(static_cast<std::int64_t>(plane.band));
    slab.count.push_back(outer * planes);
  }
  for (int d = 0; d < 2; ++d) {
    slab.start.push_back(rows.start[d]);
    slab.count.push_back(rows.count[d]);
  }
  return slab;
}

}  // namespace

void write_rows(NcFile& file, int varid, const Plane& plane, const Block& rows, const float* values,
                const std::string& path, MPI_Comm comm, std::int64_t planes,
                const BlockHints& hints) {
  const Hyperslab slab = hyperslab(plane, rows, planes);
  const auto size = static_cast<std::size_t>(planes * rows.count[0] * rows.count[1]);
  std::vector<float> copy;
  const float* data = nullptr;
  agree_on(comm, path, [&] {
    if (size > 0) data = hints.filled ? values : with_fill(values, size, copy);
  });
  agree_on(comm, path,
           [&] { file.write(varid, slab.start, slab.count, data, hints.data_columns); });
}

void write_rows(NcFile& file, int varid, const Plane& plane, const Block& rows,
                const std::int32_t* counts, const std::string& path, MPI_Comm comm,
                std::int64_t planes, const BlockHints& hints) {
  const Hyperslab slab = hyperslab(plane, rows, planes);
  const std::int32_t* data = rows.count[0] * rows.count[1] > 0 ? counts : nullptr;
  agree_on(comm, path,
           [&] { file.write(varid, slab.start, slab.count, data, hints.data_columns); });
}

void queue_rows(NcFile& file, int varid, const Plane& plane, const Block& rows, const float* values,
                const BlockHints& hints) {
  const auto size = static_cast<std::size_t>(rows.count[0] * rows.count[1]);
  if (size == 0) return;
  const Hyperslab slab = hyperslab(plane, rows);
  std::vector<float> copy;  // the queue keeps its own copy
  file.queue(varid, slab.start, slab.count, hints.filled ? values : with_fill(values, size, copy));
}

void queue_rows(NcFile& file, int varid, const Plane& plane, const Block& rows,
                const std::int32_t* counts, const BlockHints& /*hints: counts have no NaN*/) {
  if (rows.count[0] * rows.count[1] == 0) return;
  const Hyperslab slab = hyperslab(plane, rows);
  file.queue(varid, slab.start, slab.count, counts);
}

void write_coordinates(NcFile& file, const HeaderIds& ids, const GridSpec& grid,
                       const OutputMetadata& meta, const std::string& path, MPI_Comm comm) {
  Coordinates values;
  agree_on(comm, path, [&] {
    if (is_root(comm)) values = coordinates(grid);
  });
  const std::int64_t ny = grid.ny;
  const std::int64_t nx = grid.nx;
  write_doubles(file, ids.y, values.y, ny, kOneColumn, path, comm);
  write_doubles(file, ids.x, values.x, nx, kOneColumn, path, comm);
  write_doubles(file, ids.y_bnds, values.y_bnds, ny, kBoundsVertexCount, path, comm);
  write_doubles(file, ids.x_bnds, values.x_bnds, nx, kBoundsVertexCount, path, comm);
  if (ids.time >= 0) {
    std::vector<double> centre, bounds;
    for (const OutputTime& t : meta.times) {
      centre.push_back(0.5 * (t.start_day + t.end_day));
      bounds.push_back(t.start_day);
      bounds.push_back(t.end_day);
    }
    const auto n = static_cast<std::int64_t>(meta.times.size());
    write_doubles(file, ids.time, centre, n, kOneColumn, path, comm);
    write_doubles(file, ids.time_bnds, bounds, n, kBoundsVertexCount, path, comm);
  }
  if (ids.wavelength >= 0)
    write_doubles(file, ids.wavelength, meta.wavelengths_nm,
                  static_cast<std::int64_t>(meta.wavelengths_nm.size()), kOneColumn, path, comm);
  // A scalar cannot be written with a zero count, so every rank writes the same value.
  agree_on(comm, path, [&] { file.write_scalar(ids.crs, kCrsValue); });
}

}  // namespace swathgrid::netcdf
