// The 2-D auxiliary lat/lon of a projected grid (CF-1.8 5.6): the cell centres through PROJ's
// inverse, computed and written by all ranks in blocks of rows, like the fields.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <vector>

#include "output/netcdf_internal.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/projection.hpp"

namespace swathgrid::netcdf {

namespace {

/// Centres of rows [row_begin, row_begin + rows) in lat/lon (kLatLonFill where PROJ cannot).
void block_latlon(const Projector& projector, const GridSpec& grid, std::int64_t row_begin,
                  std::int64_t rows, std::vector<double>& lat, std::vector<double>& lon) {
  std::vector<double> x, y;
  x.reserve(static_cast<std::size_t>(rows * grid.nx));
  y.reserve(x.capacity());
  for (std::int64_t row = row_begin; row < row_begin + rows; ++row)
    for (std::int64_t col = 0; col < grid.nx; ++col) {
      x.push_back(grid.x_center(col));
      y.push_back(grid.y_center(row));
    }
  projector.inverse(x, y, lon, lat);
  for (std::size_t i = 0; i < lat.size(); ++i)
    if (!std::isfinite(lat[i]) || !std::isfinite(lon[i])) lat[i] = lon[i] = kLatLonFill;
}

}  // namespace

void write_latlon(NcFile& file, const HeaderIds& ids, const GridDefinition& grid,
                  std::int64_t block_rows, const std::string& path, MPI_Comm comm) {
  const GridSpec& spec = grid.spec;
  block_rows = std::max<std::int64_t>(1, std::min(block_rows, spec.ny));
  const std::int64_t blocks = (spec.ny + block_rows - 1) / block_rows;
  const int rank = rank_of(comm);
  int size = 1;
  MPI_Comm_size(comm, &size);
  const std::int64_t rounds = (blocks + size - 1) / size;
  std::optional<Projector> projector;
  agree_on(comm, path, [&] { projector.emplace(grid); });
  std::vector<double> lat, lon;
  for (std::int64_t round = 0; round < rounds; ++round) {
    const std::int64_t index = round * size + rank;  // this rank's block, if any
    const std::int64_t row_begin = index < blocks ? index * block_rows : 0;
    const std::int64_t rows = index < blocks ? std::min(block_rows, spec.ny - row_begin) : 0;
    agree_on(comm, path, [&] {
      lat.clear();
      lon.clear();
      if (rows > 0) block_latlon(*projector, spec, row_begin, rows, lat, lon);
    });
    const Block part = block(row_begin, rows, spec.nx);
    const std::vector<std::int64_t> start(std::begin(part.start), std::end(part.start));
    const std::vector<std::int64_t> count(std::begin(part.count), std::end(part.count));
    agree_on(comm, path, [&] { file.write(ids.lat, start, count, rows ? lat.data() : nullptr); });
    agree_on(comm, path, [&] { file.write(ids.lon, start, count, rows ? lon.data() : nullptr); });
  }
}

}  // namespace swathgrid::netcdf
