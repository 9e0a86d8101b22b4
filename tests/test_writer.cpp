// write_composite: writes a small grid and reads it back with the netCDF-C C API; failing
// writes throw, leave nothing at the path and no temporary behind. Runs as an MPI singleton
// and under mpiexec (rows split over the ranks of MPI_COMM_WORLD).

#include <gtest/gtest.h>
#include <mpi.h>
#include <netcdf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "../src/output/fast_deflate.hpp"
#include "../src/output/nc_file.hpp"          // netcdf::chunks_written_directly
#include "../src/output/netcdf_internal.hpp"  // netcdf::needs_cdf5
#include "swathgrid/error.hpp"
#include "swathgrid/grid.hpp"
#include "swathgrid/mpi_traffic.hpp"
#include "swathgrid/netcdf_writer.hpp"
#include "swathgrid/projection.hpp"
#include "test_support.hpp"

namespace swathgrid {
namespace {

constexpr std::int64_t kColumns = 7;
constexpr std::int64_t kRows = 5;
constexpr std::int64_t kNanRow = 2;
constexpr std::int64_t kNanColumn = 3;
constexpr const char* kHistory = "swathgrid --var chlor_a --res 0.5 -o out.nc";

void nc_ok(int status, const std::string& what) {
  if (status != NC_NOERR) throw std::runtime_error(what + ": " + nc_strerror(status));
}

/// A composite file opened read-only on this rank alone.
class Reader {
 public:
  explicit Reader(const std::string& path) {
    nc_ok(nc_open(path.c_str(), NC_NOWRITE, &ncid_), path);
  }
  ~Reader() { nc_close(ncid_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  int id() const { return ncid_; }
  int format() const {
    int format = 0;
    nc_ok(nc_inq_format(ncid_, &format), "format");
    return format;
  }
  std::size_t dim(const std::string& name) const {
    int dimid = -1;
    std::size_t length = 0;
    nc_ok(nc_inq_dimid(ncid_, name.c_str(), &dimid), name);
    nc_ok(nc_inq_dimlen(ncid_, dimid, &length), name);
    return length;
  }
  int var(const std::string& name) const {
    if (name.empty()) return NC_GLOBAL;
    int varid = -1;
    nc_ok(nc_inq_varid(ncid_, name.c_str(), &varid), name);
    return varid;
  }
  nc_type type(const std::string& name) const {
    nc_type type = NC_NAT;
    nc_ok(nc_inq_vartype(ncid_, var(name), &type), name);
    return type;
  }
  std::vector<std::string> dims_of(const std::string& name) const {
    int ndims = 0;
    nc_ok(nc_inq_varndims(ncid_, var(name), &ndims), name);
    std::vector<int> dimids(static_cast<std::size_t>(ndims));  // NC_MAX_VAR_DIMS is INT_MAX
    nc_ok(nc_inq_vardimid(ncid_, var(name), dimids.data()), name);
    std::vector<std::string> names;
    for (int i = 0; i < ndims; ++i) {
      char dim_name[NC_MAX_NAME + 1] = {};
      nc_ok(nc_inq_dimname(ncid_, dimids[i], dim_name), name);
      names.emplace_back(dim_name);
    }
    return names;
  }
  template <class T>
  std::vector<T> values(const std::string& name, std::size_t size) const {
    std::vector<T> out(size);
    if constexpr (std::is_same_v<T, double>)
      nc_ok(nc_get_var_double(ncid_, var(name), out.data()), name);
    else if constexpr (std::is_same_v<T, float>)
      nc_ok(nc_get_var_float(ncid_, var(name), out.data()), name);
    else
      nc_ok(nc_get_var_int(ncid_, var(name), out.data()), name);
    return out;
  }
  bool has_att(const std::string& var_name, const std::string& att) const {
    int attid = -1;
    return nc_inq_attid(ncid_, var(var_name), att.c_str(), &attid) == NC_NOERR;
  }
  std::string text(const std::string& var_name, const std::string& att) const {
    std::size_t length = 0;
    nc_ok(nc_inq_attlen(ncid_, var(var_name), att.c_str(), &length), att);
    std::string value(static_cast<std::size_t>(length), '\0');
    nc_ok(nc_get_att_text(ncid_, var(var_name), att.c_str(), value.data()), att);
    return value;
  }
  template <class T>
  T number(const std::string& var_name, const std::string& att) const {
    T value{};
    if constexpr (std::is_same_v<T, double>)
      nc_ok(nc_get_att_double(ncid_, var(var_name), att.c_str(), &value), att);
    else if constexpr (std::is_same_v<T, float>)
      nc_ok(nc_get_att_float(ncid_, var(var_name), att.c_str(), &value), att);
    else
      nc_ok(nc_get_att_int(ncid_, var(var_name), att.c_str(), &value), att);
    return value;
  }
  std::string att_name(const std::string& var_name, int index) const {
    char name[NC_MAX_NAME + 1] = {};
    nc_ok(nc_inq_attname(ncid_, var(var_name), index, name), var_name);
    return name;
  }

 private:
  int ncid_ = -1;
};

using test::world_rank;
using test::world_size;

/// Rows of `grid` split evenly over the ranks of MPI_COMM_WORLD.
RowBand band_of_this_rank(const GridSpec& grid) {
  const std::int64_t rank = world_rank();
  const std::int64_t size = world_size();
  const std::int64_t begin = grid.ny * rank / size;
  return {begin, grid.ny * (rank + 1) / size - begin};
}

/// A scratch directory of rank 0 that every rank uses; removed after all ranks are done.
class SharedScratch {
 public:
  explicit SharedScratch(const std::string& name) : dir_(name), path_(dir_.path()) {
    int length = static_cast<int>(path_.size());
    MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
    path_.resize(static_cast<std::size_t>(length));
    MPI_Bcast(path_.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
  }
  ~SharedScratch() { MPI_Barrier(MPI_COMM_WORLD); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  /// Names of the entries in the directory (temporaries start with '.'), once every rank is
  /// done with the file. Collective. Open MPI's I/O layer probes file locking with its own
  /// short-lived "<file>.locktest.<rank>" files while a file is opened; they are not ours.
  std::vector<std::string> entries() const {
    MPI_Barrier(MPI_COMM_WORLD);
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path_)) {
      std::string name = entry.path().filename().string();
      if (name.find(".locktest.") == std::string::npos) names.push_back(std::move(name));
    }
    return names;
  }

 private:
  test::ScratchDir dir_;
  std::string path_;
};

GridSpec small_grid() {
  GridSpec grid;
  grid.x_min = -10.0;
  grid.y_max = 50.0;
  grid.cell_size = 0.5;
  grid.nx = kColumns;
  grid.ny = kRows;
  return grid;
}

/// chlor_a = row + col / 8 + 0.01 (NaN at one cell); count = row * nx + col.
struct SmallComposite {
  GridDefinition grid;
  std::vector<float> chlor_a;
  std::vector<std::int32_t> count;
  OutputMetadata meta;
  RowBand band;

  explicit SmallComposite(GridDefinition definition = wgs84_grid(small_grid()))
      : grid(std::move(definition)), band(band_of_this_rank(grid.spec)) {
    for (std::int64_t row = 0; row < grid.spec.ny; ++row)
      for (std::int64_t col = 0; col < grid.spec.nx; ++col) {
        const bool nan_cell = row == kNanRow && col == kNanColumn;
        chlor_a.push_back(nan_cell ? std::numeric_limits<float>::quiet_NaN()
                                   : static_cast<float>(row) + col / 8.0f + 0.01f);
        count.push_back(static_cast<std::int32_t>(row * grid.spec.nx + col));
      }
    meta.title = "swathgrid composite of chlor_a";
    meta.history = kHistory;
    meta.method = "bin";
    meta.granules = {"PACE_OCI.20240501T120000.L2.OC_BGC.V2_0.nc",
                     "PACE_OCI.20240501T120500.L2.OC_BGC.V2_0.nc"};
    meta.extra = {{"time_coverage_start", "2024-05-01T12:00:00Z"}};
  }

  std::vector<OutputField> fields(const std::string& value_name = "chlor_a") const {
    const std::size_t offset = static_cast<std::size_t>(band.row_begin * grid.spec.nx);
    OutputField value{value_name,
                      false,
                      {{"units", "mg m^-3"},
                       {"long_name", "Chlorophyll"},
                       {"standard_name", "mass_concentration_of_chlorophyll_a_in_sea_water"},
                       {"cell_methods", "lat: lon: mean"}}};
    value.values = chlor_a.data() + offset;
    OutputField counts{"chlor_a_count", true, {{"long_name", "valid pixels"}, {"units", "1"}}};
    counts.counts = count.data() + offset;
    return {value, counts};
  }
};

/// Both encodings hold the same CF content; NetCDF-4 fields are chunked and compressed,
/// through HDF5's filters or (`direct`, one rank) as chunks compressed here.
void expect_round_trip(OutputFormat format, bool direct = false) {
  SharedScratch scratch(format == OutputFormat::kClassic ? "writer-roundtrip-classic"
                        : direct                         ? "writer-roundtrip-direct"
                                                         : "writer-roundtrip-netcdf4");
  const std::string path = scratch.file("out.nc");
  if (world_rank() == 0) std::ofstream(path) << "an older composite";  // replaced on success
  const SmallComposite composite;
  OutputEncoding encoding;
  encoding.format = format;
  encoding.chunk_rows = 2;  // several chunks, shared by the ranks' bands under mpiexec
  encoding.chunk_columns = 4;  // 5 x 7 cells: chunks at the edges reach beyond the grid
  encoding.direct_chunks = direct;
  const std::size_t taken_before = precompressed_taken();
  const std::size_t direct_before = netcdf::chunks_written_directly();
  write_composite(path, composite.grid, composite.meta, composite.fields(), composite.band,
                  MPI_COMM_WORLD, encoding);
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{"out.nc"});  // no temporary left
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  // Chunks compressed ahead were taken by HDF5's filter: they were its exact inputs. (Under
  // mpiexec the chunks here straddle the ranks' bands: HDF5 assembles them on one rank, and
  // only whole chunks of a rank's own block are compressed ahead.)
  if (format == OutputFormat::kNetcdf4 && fast_deflate_in_use() && ranks == 1 && !direct)
    EXPECT_GT(precompressed_taken(), taken_before);
  // Written directly, rank 0 stores all 3 x 2 chunks of both fields (on one rank; under
  // mpiexec those of the ranks' blocks that split a chunk go through HDF5's filters).
  const std::size_t stored = netcdf::chunks_written_directly() - direct_before;
  if (format != OutputFormat::kNetcdf4 || !direct || world_rank() != 0)
    EXPECT_EQ(stored, 0u);
  else if (ranks == 1)
    EXPECT_EQ(stored, 12u);
  else
    EXPECT_LE(stored, 12u);

  const Reader file(path);
  if (format == OutputFormat::kClassic) {
    EXPECT_EQ(file.format(), NC_FORMAT_64BIT_OFFSET);  // CDF-2: GDAL opens it
  } else {
    EXPECT_EQ(file.format(), NC_FORMAT_NETCDF4);
    for (const char* name : {"chlor_a", "chlor_a_count"}) {
      int shuffle = 0, deflate = 0, level = 0, storage = -1;
      std::size_t chunks[2] = {};
      nc_ok(nc_inq_var_deflate(file.id(), file.var(name), &shuffle, &deflate, &level), name);
      nc_ok(nc_inq_var_chunking(file.id(), file.var(name), &storage, chunks), name);
      EXPECT_EQ(shuffle, 1) << name;
      EXPECT_EQ(deflate, 1) << name;
      EXPECT_EQ(level, 1) << name;
      EXPECT_EQ(storage, NC_CHUNKED) << name;
      EXPECT_EQ(chunks[0], 2u) << name;
      EXPECT_EQ(chunks[1], 4u) << name;
    }
    int storage = -1;  // coordinates are stored plainly
    nc_ok(nc_inq_var_chunking(file.id(), file.var("lat"), &storage, nullptr), "lat");
    EXPECT_EQ(storage, NC_CONTIGUOUS);
  }
  ASSERT_EQ(file.dim("lat"), kRows);
  ASSERT_EQ(file.dim("lon"), kColumns);
  EXPECT_EQ(file.dims_of("chlor_a"), (std::vector<std::string>{"lat", "lon"}));
  const auto lat = file.values<double>("lat", kRows);
  const auto lon = file.values<double>("lon", kColumns);
  for (std::int64_t row = 0; row < kRows; ++row) EXPECT_EQ(lat[row], 49.75 - 0.5 * row);
  for (std::int64_t col = 0; col < kColumns; ++col) EXPECT_EQ(lon[col], -9.75 + 0.5 * col);
  const auto lat_bnds = file.values<double>("lat_bnds", 2 * kRows);
  EXPECT_EQ(lat_bnds.front(), 50.0);
  EXPECT_EQ(lat_bnds.back(), 47.5);
  EXPECT_EQ(file.text("lat", "units"), "degrees_north");
  EXPECT_EQ(file.text("lon", "standard_name"), "longitude");
  EXPECT_EQ(file.text("lat", "axis"), "Y");
  EXPECT_EQ(file.text("lon", "bounds"), "lon_bnds");

  EXPECT_EQ(file.type("chlor_a"), NC_FLOAT);
  EXPECT_EQ(file.type("chlor_a_count"), NC_INT);
  const auto values = file.values<float>("chlor_a", kRows * kColumns);
  const auto counts = file.values<int>("chlor_a_count", kRows * kColumns);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float expected =
        std::isnan(composite.chlor_a[i]) ? kOutputFillValue : composite.chlor_a[i];
    EXPECT_EQ(values[i], expected) << "cell " << i;  // bit-exact
    EXPECT_EQ(counts[i], composite.count[i]) << "cell " << i;
  }
  EXPECT_EQ(values[kNanRow * kColumns + kNanColumn], kOutputFillValue);

  EXPECT_EQ(file.number<float>("chlor_a", "_FillValue"), kOutputFillValue);
  EXPECT_FALSE(file.has_att("chlor_a_count", "_FillValue"));
  const std::vector<std::string> in_order = {"units", "long_name", "standard_name", "cell_methods"};
  for (std::size_t i = 0; i < in_order.size(); ++i)
    EXPECT_EQ(file.att_name("chlor_a", static_cast<int>(i) + 1), in_order[i]);
  EXPECT_EQ(file.att_name("chlor_a", static_cast<int>(in_order.size()) + 1), "grid_mapping");
  EXPECT_EQ(file.text("chlor_a", "grid_mapping"), "crs");
  EXPECT_EQ(file.text("crs", "grid_mapping_name"), "latitude_longitude");
  EXPECT_NE(file.text("crs", "crs_wkt").find("WGS 84"), std::string::npos);
  EXPECT_EQ(file.number<double>("crs", "semi_major_axis"), 6378137.0);
  EXPECT_EQ(file.number<double>("crs", "inverse_flattening"), 298.257223563);
  EXPECT_NE(file.text("crs", "spatial_ref").find("AUTHORITY[\"EPSG\",\"4326\"]"),
            std::string::npos);
  EXPECT_EQ(file.text("crs", "GeoTransform"), "-10 0.5 0 50 0 -0.5");
  EXPECT_EQ(file.text("crs", "swathgrid_crs"), "EPSG:4326");
  EXPECT_EQ(file.text("chlor_a", "units"), "mg m^-3");
  EXPECT_EQ(file.text("chlor_a_count", "units"), "1");

  EXPECT_EQ(file.text("", "Conventions"), "CF-1.8");
  EXPECT_EQ(file.text("", "history"), kHistory);
  EXPECT_EQ(file.text("", "method"), "bin");
  EXPECT_EQ(file.text("", "source").rfind("swathgrid ", 0), 0u);
  EXPECT_EQ(file.number<int>("", "input_granule_count"), 2);
  EXPECT_NE(file.text("", "input_granules").find(composite.meta.granules[1]), std::string::npos);
  EXPECT_TRUE(std::regex_match(file.text("", "date_created"),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  EXPECT_EQ(file.number<double>("", "geospatial_lat_min"), 47.5);
  EXPECT_EQ(file.number<double>("", "geospatial_lon_max"), -6.5);
  EXPECT_EQ(file.number<double>("", "geospatial_lat_resolution"), 0.5);
  EXPECT_EQ(file.text("", "time_coverage_start"), "2024-05-01T12:00:00Z");
}

TEST(Writer, WritesGridThatReadsBackExactlyAsNetcdf4) { expect_round_trip(OutputFormat::kNetcdf4); }

TEST(Writer, WritesGridThatReadsBackExactlyAsNetcdf4WithChunksWrittenDirectly) {
  expect_round_trip(OutputFormat::kNetcdf4, true);
}

TEST(Writer, WritesGridThatReadsBackExactlyAsClassic) { expect_round_trip(OutputFormat::kClassic); }

TEST(Writer, RanksWithoutRowsTakePart) {
  SharedScratch scratch("writer-one-band");
  const std::string path = scratch.file("one-band.nc");
  SmallComposite composite;
  const bool last = world_rank() == world_size() - 1;  // holds every row; others none
  composite.band = last ? RowBand{0, kRows} : RowBand{kRows, 0};
  write_composite(path, composite.grid, composite.meta, composite.fields(), composite.band,
                  MPI_COMM_WORLD);
  const Reader file(path);
  const auto counts = file.values<int>("chlor_a_count", kRows * kColumns);
  EXPECT_EQ(counts, composite.count);
}

TEST(Writer, LongitudesEastOfAntimeridianAreWrittenAsTheyAre) {
  SharedScratch scratch("writer-antimeridian");
  const std::string path = scratch.file("pacific.nc");
  SmallComposite composite;
  composite.grid = wgs84_grid(GridSpec::from_bbox(BBox{178.0, 48.0, -178.5, 50.5}, 0.5));
  ASSERT_EQ(composite.grid.spec.nx, kColumns);
  ASSERT_EQ(composite.grid.spec.ny, kRows);
  composite.band = band_of_this_rank(composite.grid.spec);
  write_composite(path, composite.grid, composite.meta, composite.fields(), composite.band,
                  MPI_COMM_WORLD);
  const Reader file(path);
  const auto lon = file.values<double>("lon", kColumns);
  EXPECT_EQ(lon.front(), 178.25);
  EXPECT_EQ(lon.back(), 181.25);
  EXPECT_EQ(file.number<double>("", "geospatial_lon_min"), 178.0);
  EXPECT_EQ(file.number<double>("", "geospatial_lon_max"), -178.5);  // min > max: crosses
}

TEST(Writer, UsesCdf5OnlyWhenAVariableExceedsCdf2Limit) {
  GridSpec grid = small_grid();
  EXPECT_FALSE(netcdf::needs_cdf5(grid));
  grid.nx = 36000;  // 0.01 degrees, global: 2.6 GB per float field
  grid.ny = 18000;
  EXPECT_FALSE(netcdf::needs_cdf5(grid));
  grid.nx = 72000;  // 0.005 degrees: 10.4 GB
  grid.ny = 36000;
  EXPECT_TRUE(netcdf::needs_cdf5(grid));
}

TEST(Writer, WritesNamesWithAColon) {
  // MPI-IO reads "prefix:" in a path as a file-system type: the writer's temporary has no
  // colon, the output keeps its name; opening "chl_...T12:00.nc" through netCDF-C would not
  // work, so the test reads the file through a link.
  SharedScratch scratch("writer-colon");
  const std::string name = "chl_2024-05-01T12:00.nc";
  const SmallComposite composite;
  write_composite(scratch.file(name), composite.grid, composite.meta, composite.fields(),
                  composite.band, MPI_COMM_WORLD);
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{name});
  MPI_Barrier(MPI_COMM_WORLD);
  const std::string link = scratch.file("link-" + std::to_string(world_rank()) + ".nc");
  std::filesystem::create_symlink(name, link);
  const Reader file(link);
  EXPECT_EQ(file.values<int>("chlor_a_count", kRows * kColumns), composite.count);
}

/// Expects write_composite to throw swathgrid::Error naming `path` on every rank.
void expect_write_fails(const std::string& path, const SmallComposite& composite,
                        const std::vector<OutputField>& fields) {
  try {
    write_composite(path, composite.grid, composite.meta, fields, composite.band, MPI_COMM_WORLD);
    ADD_FAILURE() << "no error writing " << path;
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
}

TEST(Writer, MissingDirectoryThrowsAndLeavesNothing) {
  SharedScratch scratch("writer-missing-dir");
  const std::string path = scratch.file("no-such-directory/out.nc");
  const SmallComposite composite;
  expect_write_fails(path, composite, composite.fields());
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(scratch.entries().empty());
}

TEST(Writer, FailureAfterCreateKeepsExistingFileAndRemovesTemporary) {
  SharedScratch scratch("writer-bad-name");
  const std::string path = scratch.file("out.nc");
  const std::string previous = "an older composite";
  if (world_rank() == 0) std::ofstream(path) << previous;
  MPI_Barrier(MPI_COMM_WORLD);
  const SmallComposite composite;
  expect_write_fails(path, composite, composite.fields("chlor/a"));  // illegal netCDF name
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{"out.nc"});
  std::ifstream kept(path);
  const std::string content((std::istreambuf_iterator<char>(kept)), {});
  EXPECT_EQ(content, previous);
}

TEST(Writer, ReadOnlyDirectoryThrowsAsUser) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  SharedScratch scratch("writer-read-only");
  const std::string dir = scratch.file("read-only");
  if (world_rank() == 0) std::filesystem::create_directory(dir);
  if (world_rank() == 0) ::chmod(dir.c_str(), S_IRUSR | S_IXUSR);
  MPI_Barrier(MPI_COMM_WORLD);
  const SmallComposite composite;
  expect_write_fails(dir + "/out.nc", composite, composite.fields());
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  MPI_Barrier(MPI_COMM_WORLD);
  if (world_rank() == 0) ::chmod(dir.c_str(), S_IRWXU);  // so the scratch can be removed
}

TEST(Writer, BandsThatDoNotCoverTheGridThrow) {
  SharedScratch scratch("writer-bad-band");
  const std::string path = scratch.file("out.nc");
  SmallComposite composite;
  composite.band = RowBand{0, world_rank() == 0 ? kRows - 1 : 0};
  expect_write_fails(path, composite, composite.fields());
  EXPECT_TRUE(scratch.entries().empty());
}

/// Rank r writes rows r, r + size, ... one call per row; ranks with fewer rows take part in
/// the remaining collective calls with nothing (as the composite's tile-row loop does).
void write_round_robin(CompositeWriter& writer, const SmallComposite& composite,
                       std::int64_t rows_per_call, bool last_first = false) {
  const std::int64_t ny = composite.grid.spec.ny, nx = composite.grid.spec.nx;
  const std::int64_t stride = rows_per_call * world_size();
  const std::int64_t rounds = (ny + stride - 1) / stride;
  for (std::int64_t round = 0; round < rounds; ++round) {
    const std::int64_t first = (last_first ? rounds - 1 - round : round) * stride;
    const std::int64_t begin = first + rows_per_call * world_rank();
    const RowBand rows{begin < ny ? begin : 0, begin < ny ? std::min(rows_per_call, ny - begin) : 0};
    writer.write_rows(0, 0, 0, rows, composite.chlor_a.data() + rows.row_begin * nx);
    writer.write_rows(1, 0, 0, rows, composite.count.data() + rows.row_begin * nx);
  }
}

/// The encodings the streamed writes are tested with: NetCDF-4 (each call one collective
/// write), classic written per call (no max_block_rows), and classic batched: blocks of up to
/// `rows_per_call` rows queued two calls at a time, so that the calls of a test end at a flush
/// and between flushes.
std::vector<OutputEncoding> streamed_encodings(std::int64_t rows_per_call) {
  OutputEncoding netcdf4, classic, batched, chunked;
  classic.format = batched.format = OutputFormat::kClassic;
  batched.max_block_rows = rows_per_call;
  batched.write_buffer_bytes = 2 * rows_per_call * kColumns * 4;
  // Chunks of 2 x 4 cells: on one rank, blocks covering whole chunks are stored directly, the
  // others (a chunk split between calls) through HDF5's filters, into the same file.
  chunked.chunk_rows = 2;
  chunked.chunk_columns = 4;
  return {netcdf4, classic, batched, chunked};
}

TEST(CompositeWriter, RowBlocksInAnyOrderReadBackExactly) {
  SharedScratch scratch("writer-streaming");
  const SmallComposite composite;
  const std::string one_go = scratch.file("one-go.nc");
  write_composite(one_go, composite.grid, composite.meta, composite.fields(), composite.band,
                  MPI_COMM_WORLD);
  for (std::int64_t rows_per_call : {1, 2, 3})
    for (bool last_first : {false, true}) {
      int e = 0;
      for (const OutputEncoding& encoding : streamed_encodings(rows_per_call)) {
        const std::string path =
            scratch.file("streamed-" + std::to_string(rows_per_call) + "-" +
                         std::to_string(last_first) + "-" + std::to_string(e++) + ".nc");
        CompositeWriter writer(path, composite.grid, composite.meta, composite.fields(),
                               MPI_COMM_WORLD, {}, encoding);
        EXPECT_FALSE(std::filesystem::exists(path));  // only the temporary until commit
        const std::int64_t io_before = mpi_traffic().io_collectives;
        write_round_robin(writer, composite, rows_per_call, last_first);
        writer.commit();
        // Two calls per round (a float and a count field): batched, one collective MPI-IO write
        // per two calls (PnetCDF's wait); written per call, at least one per call.
        const std::int64_t rounds =
            (kRows + rows_per_call * world_size() - 1) / (rows_per_call * world_size());
        const std::int64_t io = mpi_traffic().io_collectives - io_before;
        if (encoding.max_block_rows > 0)
          EXPECT_EQ(io, rounds) << "rows per call " << rows_per_call;
        else if (encoding.format == OutputFormat::kClassic)
          EXPECT_GE(io, 2 * rounds) << "rows per call " << rows_per_call;
        const Reader file(path);
        const auto chlor_a = file.values<float>("chlor_a", kRows * kColumns);
        for (std::size_t c = 0; c < chlor_a.size(); ++c)
          EXPECT_EQ(chlor_a[c],
                    std::isnan(composite.chlor_a[c]) ? kOutputFillValue : composite.chlor_a[c]);
        EXPECT_EQ(file.values<int>("chlor_a_count", kRows * kColumns), composite.count);
        // Same values as the one-go write.
        if (world_rank() == 0) {
          const Reader reference(one_go);
          EXPECT_EQ(reference.values<float>("chlor_a", kRows * kColumns), chlor_a);
        }
      }
    }
}

/// A value of plane (time, band) at a cell, distinct for every plane and cell.
float plane_value(std::size_t time, std::size_t band, std::int64_t cell) {
  return static_cast<float>(1000 * time + 100 * band) + static_cast<float>(cell) / 8.0f;
}

TEST(CompositeWriter, PeriodsAndBandsWrittenTogetherReadBackExactly) {
  SharedScratch scratch("writer-planes");
  constexpr std::size_t kTimes = 4, kBands = 3;
  SmallComposite composite;
  for (std::size_t t = 0; t < kTimes; ++t)
    composite.meta.times.push_back(OutputTime{19800.0 + t, 19801.0 + t, "day"});
  composite.meta.wavelengths_nm = {412.0, 443.0, 490.0};
  const std::vector<OutputField> fields = {{"Rrs", false, {}, nullptr, nullptr, true},
                                           {"Rrs_count", true, {}, nullptr, nullptr, true},
                                           {"chlor_a", false, {}, nullptr, nullptr, false}};
  const std::int64_t ny = kRows, nx = kColumns, rows_per_call = 2;
  // Per plane: floats with a NaN (written as the fill value), and counts.
  std::vector<std::vector<float>> floats(kTimes * kBands, std::vector<float>(ny * nx));
  std::vector<std::vector<std::int32_t>> counts(kTimes * kBands,
                                                std::vector<std::int32_t>(ny * nx));
  for (std::size_t p = 0; p < kTimes * kBands; ++p)
    for (std::int64_t c = 0; c < ny * nx; ++c) {
      floats[p][c] =
          c == 3 ? std::numeric_limits<float>::quiet_NaN() : plane_value(p / kBands, p % kBands, c);
      counts[p][c] = static_cast<std::int32_t>(p * 100 + c);
    }
  // NetCDF-4 a write per plane, NetCDF-4 two planes a write (a buffer of 3 fields x 2
  // blocks): periods of chlor_a in pairs, bands of a period as [0, 1] and [2]; classic batched.
  // "direct": staged, one rank's chunks written directly.
  OutputEncoding per_plane, staged, classic;
  per_plane.chunk_rows = staged.chunk_rows = 1;  // whole chunks in every block: compressed ahead
  per_plane.chunk_columns = staged.chunk_columns = nx;
  per_plane.direct_chunks = staged.direct_chunks = false;
  staged.max_block_rows = classic.max_block_rows = rows_per_call;
  staged.write_buffer_bytes = 3 * 2 * rows_per_call * nx * 4;
  classic.format = OutputFormat::kClassic;
  OutputEncoding direct = staged;
  direct.direct_chunks = true;
  std::map<std::string, std::int64_t> io;
  std::map<std::string, std::size_t> taken;  // chunks compressed ahead and taken by HDF5
  std::map<std::string, std::size_t> stored;  // chunks written directly
  for (const auto& [name, encoding] :
       {std::pair{"per-plane", per_plane}, std::pair{"staged", staged},
        std::pair{"classic", classic}, std::pair{"direct", direct}}) {
    const std::string path = scratch.file(std::string(name) + ".nc");
    CompositeWriter writer(path, composite.grid, composite.meta, fields, MPI_COMM_WORLD, {},
                           encoding);
    const std::int64_t io_before = mpi_traffic().io_collectives;
    const std::size_t taken_before = precompressed_taken();
    const std::size_t stored_before = netcdf::chunks_written_directly();
    // As the tile-row loop: row block by row block, period by period, band by band.
    const std::int64_t stride = rows_per_call * world_size();
    for (std::int64_t first = 0; first < ny; first += stride) {
      const std::int64_t begin = first + rows_per_call * world_rank();
      const RowBand rows{begin < ny ? begin : 0,
                         begin < ny ? std::min(rows_per_call, ny - begin) : 0};
      const std::int64_t offset = rows.row_begin * nx;
      for (std::size_t t = 0; t < kTimes; ++t)
        for (std::size_t b = 0; b < kBands; ++b) {
          writer.write_rows(0, t, b, rows, floats[t * kBands + b].data() + offset);
          writer.write_rows(1, t, b, rows, counts[t * kBands + b].data() + offset);
          if (b == 0) writer.write_rows(2, t, 0, rows, floats[t * kBands].data() + offset);
        }
    }
    writer.commit();
    io[name] = mpi_traffic().io_collectives - io_before;
    taken[name] = precompressed_taken() - taken_before;
    stored[name] = netcdf::chunks_written_directly() - stored_before;
    const Reader file(path);
    const auto rrs = file.values<float>("Rrs", kTimes * kBands * ny * nx);
    const auto rrs_count = file.values<int>("Rrs_count", kTimes * kBands * ny * nx);
    const auto chlor_a = file.values<float>("chlor_a", kTimes * ny * nx);
    for (std::size_t p = 0; p < kTimes * kBands; ++p)
      for (std::int64_t c = 0; c < ny * nx; ++c) {
        const float expected = c == 3 ? kOutputFillValue : floats[p][c];
        ASSERT_EQ(rrs[p * ny * nx + c], expected) << name << " plane " << p << " cell " << c;
        ASSERT_EQ(rrs_count[p * ny * nx + c], counts[p][c]) << name << " plane " << p;
        if (p % kBands == 0)
          ASSERT_EQ(chlor_a[p / kBands * ny * nx + c], expected) << name << " period " << p;
      }
  }
  // Two planes a write: fewer collective MPI-IO calls than a write per plane.
  EXPECT_LT(io["staged"], io["per-plane"]);
  EXPECT_LT(io["classic"], io["staged"]);
  // Every chunk of every plane of a staged write was compressed ahead from the right values.
  const std::size_t chunks = (kTimes * kBands * 2 + kTimes) * kRows;  // a row a chunk
  if (fast_deflate_in_use() && world_size() == 1) {
    EXPECT_EQ(taken["per-plane"], chunks);
    EXPECT_EQ(taken["staged"], taken["per-plane"]);
  }
  // Rank 0 stores every chunk of every plane of all ranks, none through HDF5's filter.
  EXPECT_EQ(stored["direct"], world_rank() == 0 ? chunks : 0u);
  EXPECT_EQ(stored["per-plane"] + stored["staged"], 0u);
  if (world_size() == 1) EXPECT_EQ(taken["direct"], 0u);
}

TEST(CompositeWriter, ChunksOutsideTheDataColumnsAreStoredAsTheFillUnread) {
  SharedScratch scratch("writer-data-columns");
  const SmallComposite composite;
  OutputEncoding encoding;     // NetCDF-4, chunks stored directly
  encoding.chunk_rows = 1;     // every block covers whole chunks
  encoding.chunk_columns = 3;  // 7 columns: chunk columns [0, 3), [3, 6), [6, 7)
  encoding.values_filled = true;
  // Columns 1 and 6 hold data: the middle chunk column is declared the fill and given other
  // values (which a writer that read them would store).
  const ColumnSpans data_columns{{1, 2}, {6, 7}};
  const std::int64_t nx = kColumns, ny = kRows;
  std::vector<float> values(static_cast<std::size_t>(ny * nx), 99.0f);
  std::vector<std::int32_t> counts(values.size(), 7);
  for (std::int64_t r = 0; r < ny; ++r)
    for (std::int64_t c = 0; c < nx; ++c) {
      const auto at = static_cast<std::size_t>(r * nx + c);
      if (c == 1 || c == 6) {
        values[at] = static_cast<float>(r) + 0.5f * static_cast<float>(c);
        counts[at] = static_cast<std::int32_t>(10 * r + c);
      } else if (c < 3) {  // in a chunk column that meets the data: the fill, read
        values[at] = kOutputFillValue;
        counts[at] = 0;
      }
    }
  const std::string path = scratch.file("out.nc");
  CompositeWriter writer(path, composite.grid, composite.meta, composite.fields(), MPI_COMM_WORLD,
                         {}, encoding);
  const RowBand rows = composite.band;
  const auto offset = static_cast<std::size_t>(rows.row_begin * nx);
  writer.write_rows(0, 0, 0, rows, values.data() + offset, &data_columns);
  writer.write_rows(1, 0, 0, rows, counts.data() + offset, &data_columns);
  writer.commit();
  const Reader file(path);
  const auto chlor_a = file.values<float>("chlor_a", ny * nx);
  const auto count = file.values<int>("chlor_a_count", ny * nx);
  for (std::int64_t r = 0; r < ny; ++r)
    for (std::int64_t c = 0; c < nx; ++c) {
      const auto at = static_cast<std::size_t>(r * nx + c);
      const bool fill_chunk = c >= 3 && c < 6;
      EXPECT_EQ(chlor_a[at], fill_chunk ? kOutputFillValue : values[at]) << r << ", " << c;
      EXPECT_EQ(count[at], fill_chunk ? 0 : counts[at]) << r << ", " << c;
    }
}

TEST(CompositeWriter, ChunksWrittenDirectlyReadBackExactlyFromEveryVectorCopy) {
  // Rows of 203 values in chunks of one row: the direct writes' row passes (a shuffle plane's
  // bytes, the one-value test) run their vector loops and their tails. SWATHGRID_VECTOR_ISA
  // narrows the copy chosen: portable, AVX2, and the CPU's widest.
  GridSpec grid = small_grid();
  grid.nx = 203;
  for (const char* isa : {"portable", "avx2", ""}) {
    if (*isa != 0)
      ASSERT_EQ(setenv("SWATHGRID_VECTOR_ISA", isa, 1), 0);
    else
      ASSERT_EQ(unsetenv("SWATHGRID_VECTOR_ISA"), 0);
    SharedScratch scratch(std::string("writer-vector-copy-") + (*isa != 0 ? isa : "widest"));
    SmallComposite composite(wgs84_grid(grid));
    // Row 1: the fill alone; row 2: one value but the last; row 3: one value but the first.
    for (std::int64_t c = 0; c < grid.nx; ++c) {
      const auto at = [&](std::int64_t r) { return static_cast<std::size_t>(r * grid.nx + c); };
      composite.chlor_a[at(1)] = kOutputFillValue;
      composite.count[at(1)] = 0;
      composite.chlor_a[at(2)] = c + 1 < grid.nx ? 2.5f : 3.5f;
      composite.count[at(3)] = c == 0 ? 9 : 4;
    }
    composite.chlor_a[kNanRow * grid.nx + kNanColumn] = kOutputFillValue;  // the reduce's fill
    OutputEncoding encoding;  // NetCDF-4, chunks stored directly
    encoding.chunk_rows = 1;
    encoding.chunk_columns = grid.nx;
    encoding.values_filled = true;
    const std::string path = scratch.file("out.nc");
    CompositeWriter writer(path, composite.grid, composite.meta, composite.fields(), MPI_COMM_WORLD,
                           {}, encoding);
    const RowBand rows = composite.band;
    const auto offset = static_cast<std::size_t>(rows.row_begin * grid.nx);
    writer.write_rows(0, 0, 0, rows, composite.chlor_a.data() + offset);
    writer.write_rows(1, 0, 0, rows, composite.count.data() + offset);
    writer.commit();
    const Reader file(path);
    const auto chlor_a = file.values<float>("chlor_a", grid.ny * grid.nx);
    const auto count = file.values<int>("chlor_a_count", grid.ny * grid.nx);
    for (std::size_t i = 0; i < chlor_a.size(); ++i) {
      ASSERT_EQ(chlor_a[i], composite.chlor_a[i]) << isa << " cell " << i;  // bit-exact
      ASSERT_EQ(count[i], composite.count[i]) << isa << " cell " << i;
    }
  }
  ASSERT_EQ(unsetenv("SWATHGRID_VECTOR_ISA"), 0);
}

TEST(CompositeWriter, FailureInjectedDuringTheWriteLeavesNoFile) {
  SharedScratch scratch("writer-injected");
  const std::string path = scratch.file("out.nc");
  const std::string previous = "an older composite";
  if (world_rank() == 0) std::ofstream(path) << previous;
  MPI_Barrier(MPI_COMM_WORLD);
  const SmallComposite composite;
  for (const OutputEncoding& encoding : streamed_encodings(1)) {
    try {
      CompositeWriter writer(path, composite.grid, composite.meta, composite.fields(),
                             MPI_COMM_WORLD, {}, encoding);
      write_round_robin(writer, composite, 1);
      // The last rank writes past the grid's last row: the writer's check fails there alone
      // (batched: in a queued call, agreed at the next flush), and every rank must throw and
      // clean up together.
      const bool faulty = world_rank() == world_size() - 1;
      writer.write_rows(0, 0, 0, RowBand{faulty ? kRows : 0, faulty ? 1 : 0},
                        composite.chlor_a.data());
      writer.commit();
      ADD_FAILURE() << "no error writing past the grid";
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
      EXPECT_NE(std::string(error.what()).find("outside the grid"), std::string::npos)
          << error.what();
    }
    EXPECT_EQ(scratch.entries(), std::vector<std::string>{"out.nc"});  // no temporary left
    std::ifstream kept(path);
    const std::string content((std::istreambuf_iterator<char>(kept)), {});
    EXPECT_EQ(content, previous);
  }
}

/// The 3413 grid of the tests: 1000 km cells, 8 x 8 around the North Pole.
GridDefinition arctic_grid() {
  return make_grid("EPSG:3413", BBox{-180, 60, 180, 90}, false, 1.0e6);
}

TEST(Writer, ProjectedGridHasYXCoordinatesAndAGridMapping) {
  SharedScratch scratch("writer-projected");
  const std::string path = scratch.file("arctic.nc");
  const SmallComposite composite(arctic_grid());
  const GridSpec& spec = composite.grid.spec;
  ASSERT_EQ(spec.nx, 8);
  ASSERT_EQ(spec.ny, 8);
  write_composite(path, composite.grid, composite.meta, composite.fields(), composite.band,
                  MPI_COMM_WORLD);

  const Reader file(path);
  ASSERT_EQ(file.dim("y"), spec.ny);
  ASSERT_EQ(file.dim("x"), spec.nx);
  EXPECT_EQ(file.dims_of("chlor_a"), (std::vector<std::string>{"y", "x"}));
  EXPECT_EQ(file.dims_of("chlor_a_count"), (std::vector<std::string>{"y", "x"}));
  const auto y = file.values<double>("y", 8);
  const auto x = file.values<double>("x", 8);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(y[i], 3.5e6 - 1.0e6 * i);  // north-up, metres
    EXPECT_EQ(x[i], -3.5e6 + 1.0e6 * i);
  }
  const auto x_bnds = file.values<double>("x_bnds", 16);
  EXPECT_EQ(x_bnds.front(), -4.0e6);
  EXPECT_EQ(x_bnds.back(), 4.0e6);
  EXPECT_EQ(file.text("x", "standard_name"), "projection_x_coordinate");
  EXPECT_EQ(file.text("y", "standard_name"), "projection_y_coordinate");
  EXPECT_EQ(file.text("x", "units"), "m");
  EXPECT_EQ(file.text("y", "axis"), "Y");
  EXPECT_EQ(file.text("y", "bounds"), "y_bnds");

  EXPECT_EQ(file.text("chlor_a", "grid_mapping"), "crs");
  EXPECT_EQ(file.text("crs", "grid_mapping_name"), "polar_stereographic");
  EXPECT_EQ(file.number<double>("crs", "straight_vertical_longitude_from_pole"), -45.0);
  EXPECT_EQ(file.number<double>("crs", "standard_parallel"), 70.0);
  EXPECT_EQ(file.number<double>("crs", "latitude_of_projection_origin"), 90.0);
  EXPECT_EQ(file.text("crs", "crs_wkt"), composite.grid.crs_wkt);
  EXPECT_NE(file.text("crs", "crs_wkt").find("ID[\"EPSG\",3413]"), std::string::npos);
  EXPECT_NE(file.text("crs", "spatial_ref").find("AUTHORITY[\"EPSG\",\"3413\"]"),
            std::string::npos);
  EXPECT_EQ(file.text("crs", "GeoTransform"), "-4000000 1000000 0 4000000 0 -1000000");
  EXPECT_EQ(file.text("crs", "swathgrid_crs"), "EPSG:3413");

  // The lat/lon box of the grid: all longitudes, up to the pole.
  EXPECT_EQ(file.number<double>("", "geospatial_lat_max"), 90.0);
  EXPECT_EQ(file.number<double>("", "geospatial_lon_min"), -180.0);
  EXPECT_EQ(file.number<double>("", "geospatial_lon_max"), 180.0);
  EXPECT_LT(file.number<double>("", "geospatial_lat_min"), 60.0);
  EXPECT_FALSE(file.has_att("", "geospatial_lat_resolution"));

  const auto counts = file.values<int>("chlor_a_count", 64);
  EXPECT_EQ(counts, composite.count);
  const auto values = file.values<float>("chlor_a", 64);
  EXPECT_EQ(values[kNanRow * 8 + kNanColumn], kOutputFillValue);
  EXPECT_EQ(values[63], composite.chlor_a[63]);
}

void expect_same_definition(const GridDefinition& read, const GridDefinition& written) {
  EXPECT_EQ(read.crs, written.crs);
  EXPECT_EQ(read.crs_wkt, written.crs_wkt);
  EXPECT_EQ(read.geographic, written.geographic);
  EXPECT_EQ(read.spec.x_min, written.spec.x_min);  // bit-exact
  EXPECT_EQ(read.spec.y_max, written.spec.y_max);
  EXPECT_EQ(read.spec.cell_size, written.spec.cell_size);
  EXPECT_EQ(read.spec.nx, written.spec.nx);
  EXPECT_EQ(read.spec.ny, written.spec.ny);
  EXPECT_EQ(read.spec.periodic_x, written.spec.periodic_x);
}

TEST(GridLike, ReproducesTheGridOfAWrittenFile) {
  SharedScratch scratch("grid-like");
  const std::vector<GridDefinition> grids = {
      wgs84_grid(small_grid()),
      make_grid("EPSG:4326", BBox{170.123, -10.01, -170.7, 10.3}, false, 1.0 / 7.0),
      arctic_grid(),
      make_grid("EPSG:3413", BBox{-3850000, -5350000, 3750000, 5850000}, true, 1.0e6),
      make_grid("EPSG:6933", std::nullopt, false, parse_resolution("90km", "EPSG:6933")),
      make_grid("EPSG:2263", BBox{-74.3, 40.4, -71.8, 41.3}, false, 10000.0),  // US feet
      make_grid("+proj=laea +lat_0=90 +lon_0=0 +datum=WGS84", BBox{-180, 50, 180, 90}, false,
                3.0e5),
  };
  for (std::size_t i = 0; i < grids.size(); ++i) {
    const std::string path = scratch.file("grid-" + std::to_string(i) + ".nc");
    const SmallComposite composite(grids[i]);
    write_composite(path, composite.grid, composite.meta, composite.fields(), composite.band,
                    MPI_COMM_WORLD);
    SCOPED_TRACE("grid " + std::to_string(i) + " in " + grids[i].crs);
    expect_same_definition(grid_like(path), grids[i]);
  }
}

TEST(GridLike, FallsBackOnCoordinateBoundsWithoutGeoTransform) {
  SharedScratch scratch("grid-like-bounds");
  const std::string path = scratch.file("no-geotransform.nc");
  const SmallComposite composite(arctic_grid());
  write_composite(path, composite.grid, composite.meta, composite.fields(), composite.band,
                  MPI_COMM_WORLD);
  MPI_Barrier(MPI_COMM_WORLD);
  if (world_rank() == 0) {  // a file as another tool might write it
    int ncid = -1, varid = -1;
    nc_ok(nc_open(path.c_str(), NC_WRITE, &ncid), path);
    nc_ok(nc_redef(ncid), "redef");
    nc_ok(nc_inq_varid(ncid, "crs", &varid), "crs");
    nc_ok(nc_del_att(ncid, varid, "GeoTransform"), "del GeoTransform");
    nc_ok(nc_close(ncid), "close");
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const GridDefinition read = grid_like(path);
  EXPECT_EQ(read.crs, "EPSG:3413");
  EXPECT_EQ(read.spec.nx, 8);
  EXPECT_EQ(read.spec.ny, 8);
  EXPECT_EQ(read.spec.x_min, -4.0e6);
  EXPECT_EQ(read.spec.y_max, 4.0e6);
  EXPECT_DOUBLE_EQ(read.spec.cell_size, 1.0e6);
}

TEST(GridLike, UnreadableFilesThrowErrorsNamingThem) {
  SharedScratch scratch("grid-like-bad");
  const std::string text_file = scratch.file("notes.txt");
  if (world_rank() == 0) std::ofstream(text_file) << "not netCDF";
  MPI_Barrier(MPI_COMM_WORLD);
  for (const std::string& path : {scratch.file("missing.nc"), text_file}) {
    try {
      grid_like(path);
      ADD_FAILURE() << "no error for " << path;
    } catch (const Error& error) {
      EXPECT_EQ(std::string(error.what()).rfind("--grid-like " + path + ": ", 0), 0u)
          << error.what();
    }
  }
}

}  // namespace
}  // namespace swathgrid
