#pragma once
// Internals of the composite writer (netcdf_*.cpp, nc_file_*.cpp): the rank-agreement on
// failures, and the header and data of the file, written once for both encodings (NcFile).

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "output/nc_file.hpp"
#include "swathgrid/grid.hpp"
#include "swathgrid/netcdf_writer.hpp"

namespace swathgrid::netcdf {

/// Runs `step` on this rank, then agrees over `comm` whether it failed anywhere. When it threw
/// on any rank, every rank throws swathgrid::Error "cannot write <path>: <message>" carrying
/// the message of the lowest failing rank. A step holds local work or one collective call,
/// never local work followed by a collective call, so no rank enters a collective call alone.
/// The agreement is an MPI_Allreduce, so it also synchronises the ranks.
void agree_on(MPI_Comm comm, const std::string& path, const std::function<void()>& step);

/// Whether the classic encoding of `grid` with fields of `planes` (times x bands) 2-D planes
/// needs CDF-5: a field beyond CDF-2's limit of 2^32 - 4 bytes per variable. GDAL (3.6, and
/// its netCDF driver as of 2024) recognises only CDF-1/2 and HDF5 signatures, so it cannot
/// open CDF-5 files; netCDF-C (ncdump, xarray) reads both.
/// `latlon`: the file also holds the 2-D float64 lat/lon (8 bytes a cell).
bool needs_cdf5(const GridSpec& grid, std::size_t planes = 1, bool latlon = false);

/// Names of the coordinate variables (and dimensions) of a grid: lat/lon or y/x.
struct AxisNames {
  const char* y;  ///< "lat" (degrees_north) or "y" (projected, CRS units)
  const char* x;  ///< "lon" (degrees_east) or "x"
};
AxisNames axis_names(bool geographic);

/// Names of the attributes of the grid mapping variable that --grid-like reads back.
inline constexpr const char* kCrsVariable = "crs";
inline constexpr const char* kCrsWktAttribute = "crs_wkt";
/// GDAL's "x_min cell 0 y_max 0 -cell", with 17 digits: the grid's exact edges and cell.
inline constexpr const char* kGeoTransformAttribute = "GeoTransform";
/// The --crs text as the user gave it.
inline constexpr const char* kUserCrsAttribute = "swathgrid_crs";

/// Variable ids of a defined composite file.
struct HeaderIds {
  int y = -1;               ///< lat(lat) or y(y): cell-centre y, decreasing (north-up)
  int x = -1;               ///< lon(lon) or x(x): cell-centre x, increasing
  int y_bnds = -1;          ///< lat_bnds(lat, nv) or y_bnds(y, nv): cell edges
  int x_bnds = -1;          ///< lon_bnds(lon, nv) or x_bnds(x, nv): cell edges
  int crs = -1;             ///< crs: scalar grid mapping, its value unused
  int time = -1;            ///< time(time), days since 1970-01-01, or -1 without times
  int time_bnds = -1;       ///< time_bnds(time, nv)
  int wavelength = -1;      ///< wavelength(wavelength) in nm, or -1 without banded fields
  int lat = -1, lon = -1;   ///< projected grids: lat(y, x), lon(y, x) (auxiliary), or -1
  std::vector<int> fields;  ///< one per OutputField, in order
};

/// Defines dimensions, variables and attributes in an open file in define mode. Local (no
/// communication); every rank must call it with the same arguments. `date_created` must be
/// the same string on every rank (both libraries require identical headers). `latlon`: a
/// projected grid gets the 2-D auxiliary lat/lon (ignored for lat/lon grids).
HeaderIds define_header(NcFile& file, const GridDefinition& grid, const OutputMetadata& meta,
                        const std::vector<OutputField>& fields, const std::string& date_created,
                        bool latlon = false);

/// Whether a file of `grid` with encoding `encoding` holds the 2-D auxiliary lat/lon.
bool has_latlon(const GridDefinition& grid, const OutputEncoding& encoding);

/// Fill of the 2-D lat/lon where PROJ cannot invert a cell centre.
inline constexpr double kLatLonFill = -999.0;

/// Collective: lat(y, x)/lon(y, x) of ids.lat/ids.lon, the centres of `grid`'s cells through
/// PROJ's inverse, computed and written by all ranks: blocks of `block_rows` rows dealt out
/// round robin, one collective write per block (ranks without a block write nothing).
void write_latlon(NcFile& file, const HeaderIds& ids, const GridDefinition& grid,
                  std::int64_t block_rows, const std::string& path, MPI_Comm comm);

/// Start and count of a (rows x columns) block of a 2-D variable (1-D: columns ignored). An
/// empty block starts at 0, which PnetCDF accepts even with strict coordinate bound checks.
struct Block {
  std::int64_t start[2] = {0, 0};
  std::int64_t count[2] = {0, 0};
};
Block block(std::int64_t row_begin, std::int64_t rows, std::int64_t columns);

/// `size` float values with NaN written as kOutputFillValue: copied into `to`, or `values`
/// itself where it holds no NaN, else `copy` (resized) holding them.
void copy_with_fill(const float* values, std::size_t size, float* to);
const float* with_fill(const float* values, std::size_t size, std::vector<float>& copy);

/// Where a block of rows goes: the (time, band) plane of a field whose variable has a time
/// and/or wavelength dimension before (y, x).
struct Plane {
  bool has_time = false;
  bool banded = false;
  std::size_t time = 0;
  std::size_t band = 0;
};

/// What the caller knows of a block's values.
struct BlockHints {
  bool filled = false;  ///< floats: no NaN, the fill in place (none is looked for)
  /// Every cell outside these columns holds the fill (kOutputFillValue; 0 for counts); null:
  /// unknown. See CompositeWriter::write_rows.
  const ColumnSpans* data_columns = nullptr;
};

/// Collective: writes `rows` (count[0] x count[1] values; none for an empty block) of `plane`
/// of variable `varid`: floats with NaN written as kOutputFillValue (unless hints.filled), or
/// int counts. `planes`: that many consecutive planes from `plane` on (bands of a banded
/// field, else periods), `values` holding them one after the other.
void write_rows(NcFile& file, int varid, const Plane& plane, const Block& rows, const float* values,
                const std::string& path, MPI_Comm comm, std::int64_t planes = 1,
                const BlockHints& hints = {});
void write_rows(NcFile& file, int varid, const Plane& plane, const Block& rows,
                const std::int32_t* counts, const std::string& path, MPI_Comm comm,
                std::int64_t planes = 1, const BlockHints& hints = {});

/// Local: queues `rows` of `plane` as write_rows would write them, into the file's write
/// buffer (NcFile::queue); an empty block queues nothing.
void queue_rows(NcFile& file, int varid, const Plane& plane, const Block& rows, const float* values,
                const BlockHints& hints = {});
void queue_rows(NcFile& file, int varid, const Plane& plane, const Block& rows,
                const std::int32_t* counts, const BlockHints& hints = {});

/// Collective: rank 0 writes the coordinates and their bounds, the time and wavelength
/// coordinates (the others nothing), every rank crs.
void write_coordinates(NcFile& file, const HeaderIds& ids, const GridSpec& grid,
                       const OutputMetadata& meta, const std::string& path, MPI_Comm comm);

}  // namespace swathgrid::netcdf
