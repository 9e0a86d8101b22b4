#pragma once
// Writing the composite as CF-1.8 netCDF in one of two encodings of the same content
// (docs/user-guide.md, "--format"): NetCDF-4/HDF5 through netCDF-C over parallel HDF5, fields
// chunked and compressed (the default), or classic netCDF through PnetCDF: CDF-2 (64-bit
// offset), which GDAL opens, or CDF-5 when a variable exceeds CDF-2's 4 GiB limit.
// Collective over `comm`: every rank takes part; each rank writes the rows it owns (possibly
// none).

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "swathgrid/grid.hpp"
#include "swathgrid/projection.hpp"

namespace swathgrid {

/// Fill value of float statistics in the output (as in OB.DAAC products).
inline constexpr float kOutputFillValue = -32767.0f;

/// One output variable: (lat, lon) on a geographic grid, (y, x) on a projected one, preceded
/// by (time) when the composite has periods and (wavelength) when the field is banded.
struct OutputField {
  std::string name;       ///< e.g. "chlor_a", "chlor_a_count"
  bool is_count = false;  ///< int32 counts (no fill; 0 = no data) or float32 (NaN -> fill)
  std::vector<std::pair<std::string, std::string>> attributes;  ///< text: units, long_name...
  const float* values = nullptr;         ///< float field: this rank's rows (layout below)
  const std::int32_t* counts = nullptr;  ///< count field: this rank's rows (layout below)
  bool banded = false;                   ///< has the wavelength dimension (3-D input variables)
  // Layout of values/counts: [time][band][row][column], this rank's rows only; the time and
  // band indices exist when the file has times / the field is banded.
};

/// --format: how the composite is encoded.
enum class OutputFormat { kNetcdf4, kClassic };

/// The encoding of the output, for NetCDF-4 how fields are stored, and whether a projected
/// grid gets 2-D lat/lon.
struct OutputEncoding {
  OutputFormat format = OutputFormat::kNetcdf4;
  int deflate_level = 1;  ///< NetCDF-4: deflate level 1..9 (with shuffle)
  /// NetCDF-4 chunks of fields: time and wavelength 1, rows x columns of the map (clamped to
  /// the grid). Rows should divide the row blocks the ranks write, so that each chunk is
  /// written by one rank in one call.
  std::int64_t chunk_rows = 256;
  std::int64_t chunk_columns = 1024;
  /// NetCDF-4 written by one rank: the fields' chunks shuffled and compressed on every thread
  /// and stored directly (HDF5's H5Dwrite_chunk), the file reopened through HDF5 after
  /// netCDF-C wrote its header. false, or several ranks: netCDF-C's writes through HDF5's
  /// filters (collective). The same file either way.
  bool direct_chunks = true;
  /// Projected grids: 2-D auxiliary coordinates lat(y, x) and lon(y, x) (CF-1.8 5.6; float64,
  /// the cell centres through PROJ's inverse, written by all ranks) and `coordinates = "lat
  /// lon"` on every field. false (--latlon off) leaves them out: they take 16 bytes a cell.
  /// Lat/lon grids have lat/lon axes and never get them.
  bool latlon_coordinates = true;
  /// Classic: the most rows one write_rows call of any rank passes (the same on every rank),
  /// which lets the writer queue the row blocks of many calls in a buffer of at most
  /// write_buffer_bytes per rank and write them in one collective call when it may be full
  /// (PnetCDF's buffered puts and one wait): the collective writes per output then follow the
  /// bytes written, not the periods x bands x row blocks. 0 (unknown): every call is its own
  /// collective write. NetCDF-4 always writes each call collectively.
  std::int64_t max_block_rows = 0;
  std::int64_t write_buffer_bytes = std::int64_t{128} << 20;
  /// The float blocks given to CompositeWriter::write_rows hold kOutputFillValue where there
  /// is no value and never NaN (the reduce's finalize puts the fill in place): the writer
  /// leaves out its scan for NaN (a read of 2.6 GB per field of a global 0.01 degree grid).
  bool values_filled = false;
};

/// One period of a composite by period: [start_day, end_day) in days since 1970-01-01.
struct OutputTime {
  double start_day = 0.0;
  double end_day = 0.0;
  std::string label;  ///< e.g. "2024-08-01", "2024-07-27/2024-08-03", "2024-08"
};

/// Global attributes of the composite.
struct OutputMetadata {
  std::string title;                  ///< e.g. "swathgrid composite of chlor_a"
  std::string history;                ///< the command line
  std::string method;                 ///< "bin", ...
  std::vector<std::string> granules;  ///< input granule names (file names, no directories)
  std::vector<std::pair<std::string, std::string>> extra;  ///< further text attributes
  std::vector<OutputTime> times;       ///< empty: no time dimension (one composite)
  std::vector<double> wavelengths_nm;  ///< the wavelength coordinate of banded fields
};

/// Column spans [begin, end) of the grid, ascending and disjoint.
using ColumnSpans = std::vector<std::pair<std::int64_t, std::int64_t>>;

/// Rows [row_begin, row_begin + row_count) of the grid held by this rank.
struct RowBand {
  std::int64_t row_begin = 0;
  std::int64_t row_count = 0;
};

/// A composite being written, row block by row block, so that no rank ever holds more than the
/// block it writes. Construction (collective) checks the arguments, creates the file under a
/// temporary name in the directory of `path`, defines it and writes the coordinates: a
/// geographic grid gets lat(lat)/lon(lon) in degrees, a projected one y(y)/x(x) in CRS units;
/// both get bounds and the grid mapping variable `crs` (crs_wkt, spatial_ref, CF
/// grid_mapping_name and parameters where CF names the projection, GeoTransform) that every
/// field points to (docs/grids.md). commit() closes the file and renames it to `path`; a
/// writer destroyed before (all ranks unwinding from an agreed failure) aborts the file and
/// removes the temporary, so a failure never leaves a file at `path`. Every failure throws
/// swathgrid::Error naming the file and the cause on every rank. The values/counts pointers of
/// `fields` are not used (only names, types, attributes and dimensions).
/// Bytes this rank (rank 0) has stored in NetCDF-4 files itself through HDF5 so far
/// (OutputEncoding::direct_chunks: the compressed chunks of every rank, blocks that split a
/// chunk), which MPI-IO's counts (mpi_traffic.hpp) do not see.
std::int64_t bytes_stored_directly();

class CompositeWriter {
 public:
  /// `staged`: write into this file of a StagedOutputs instead (commit() then leaves the
  /// rename to StagedOutputs::publish()); messages still name `path`.
  CompositeWriter(const std::string& path, const GridDefinition& grid, const OutputMetadata& meta,
                  const std::vector<OutputField>& fields, MPI_Comm comm,
                  const std::string& staged = {}, const OutputEncoding& encoding = {});
  ~CompositeWriter();
  CompositeWriter(const CompositeWriter&) = delete;
  CompositeWriter& operator=(const CompositeWriter&) = delete;

  /// Collective: rows `rows` of field `field` at period `time` and band `band` (0 where the
  /// file has no time / the field no wavelength dimension). Every rank makes the same calls in
  /// the same order; a rank with nothing to write passes row_count 0. values: row_count x nx,
  /// NaN written as kOutputFillValue (not looked for with OutputEncoding::values_filled).
  /// `data_columns` (may be null: unknown): every cell of the block outside these columns
  /// holds the fill (kOutputFillValue; 0 for counts), so the NetCDF-4 writer stores the chunks
  /// outside them as the fill without reading them (a global 0.01 degree grid: ~3/4 of them).
  void write_rows(std::size_t field, std::size_t time, std::size_t band, RowBand rows,
                  const float* values, const ColumnSpans* data_columns = nullptr);
  void write_rows(std::size_t field, std::size_t time, std::size_t band, RowBand rows,
                  const std::int32_t* counts, const ColumnSpans* data_columns = nullptr);

  /// Collective: closes the file, syncs it to disk and renames it to `path` (not when staged).
  void commit();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Writes `fields` (each rank its `band` of rows, the bands of all ranks covering the grid
/// once) to `path` in one go, through CompositeWriter.
void write_composite(const std::string& path, const GridDefinition& grid,
                     const OutputMetadata& meta, const std::vector<OutputField>& fields,
                     RowBand band, MPI_Comm comm, const OutputEncoding& encoding = {});

}  // namespace swathgrid
