// CompositeWriter: the canonical PnetCDF sequence (create -> define -> enddef -> rank 0 writes
// the coordinates -> every rank put_vara_*_all its row blocks, as many calls as they come ->
// close) into a temporary file next to `path`, renamed to `path` by rank 0 only when the close
// succeeded.
// Every step that can fail is agreed over the communicator (netcdf::agree_on), so a failure on
// one rank makes all ranks clean up and throw together.

#include "swathgrid/netcdf_writer.hpp"

#include <fcntl.h>
#include <pnetcdf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>

#include "netcdf_internal.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/fault.hpp"
#include "swathgrid/log.hpp"
#include "swathgrid/staged_outputs.hpp"

namespace swathgrid {

namespace {

using netcdf::agree_on;
using netcdf::check_nc;

constexpr int kRoot = 0;
constexpr const char* kIsoUtcFormat = "%Y-%m-%dT%H:%M:%SZ";
constexpr std::size_t kIsoUtcLength = 32;

int rank_of(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank;
}

void validate_arguments(const std::string& path, const GridSpec& grid) {
  SWATHGRID_REQUIRE(!path.empty() && !std::filesystem::path(path).filename().empty(),
                    "output path names no file");
  SWATHGRID_REQUIRE(
      grid.nx > 0 && grid.ny > 0 && grid.cell_size > 0.0,
      "empty grid " << grid.nx << " x " << grid.ny << " at " << grid.cell_size << " CRS units");
}

void validate_band(const GridSpec& grid, const std::vector<OutputField>& fields, RowBand band) {
  SWATHGRID_REQUIRE(
      band.row_begin >= 0 && band.row_count >= 0 && band.row_begin + band.row_count <= grid.ny,
      "row band [" << band.row_begin << ", " << band.row_begin + band.row_count
                   << ") outside the grid's " << grid.ny << " rows");
  for (const auto& field : fields) {
    const bool has_data = field.is_count ? field.counts != nullptr : field.values != nullptr;
    SWATHGRID_REQUIRE(has_data || band.row_count == 0, "field " << field.name << " has no data");
  }
}

/// The directory that will hold `path` exists (checked on rank 0: PnetCDF would report a
/// missing directory as "Specified netCDF file does not exist").
void require_directory(const std::string& path) {
  std::filesystem::path directory = std::filesystem::path(path).parent_path();
  if (directory.empty()) directory = ".";
  std::error_code error;
  SWATHGRID_REQUIRE(std::filesystem::is_directory(directory, error),
                    "no directory " << directory.string());
}

/// The bands of all ranks must hold ny rows in all (a gap would leave garbage in the file).
void check_band_coverage(const GridSpec& grid, RowBand band, MPI_Comm comm) {
  long long rows = band.row_count;
  long long total_rows = 0;
  MPI_Allreduce(&rows, &total_rows, 1, MPI_LONG_LONG, MPI_SUM, comm);
  SWATHGRID_REQUIRE(total_rows == grid.ny,
                    "row bands of all ranks hold " << total_rows << " rows, the grid " << grid.ny);
}

/// The current UTC time in ISO 8601, taken on rank 0 so that every rank's header agrees;
/// SOURCE_DATE_EPOCH (seconds since 1970, the reproducible-builds convention) replaces "now",
/// so that two runs can give the same bytes (docs/reliability.md).
std::string date_created(MPI_Comm comm) {
  std::string text;
  if (rank_of(comm) == kRoot) {
    std::time_t now = std::time(nullptr);
    if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
      char* end = nullptr;
      const long long seconds = std::strtoll(epoch, &end, 10);
      if (end != epoch && *end == '\0' && seconds >= 0) now = static_cast<std::time_t>(seconds);
    }
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[kIsoUtcLength] = {};
    std::strftime(buffer, sizeof buffer, kIsoUtcFormat, &utc);
    text = buffer;
  }
  broadcast_string(text, kRoot, comm);
  return text;
}

/// An open PnetCDF file; aborted (a collective call) when destroyed still open, which happens
/// on every rank together because failures are agreed.
class OpenFile {
 public:
  OpenFile(const std::string& temporary, const std::string& path, int mode, MPI_Comm comm)
      : path_(path), comm_(comm) {
    // Should creation fail on some ranks only, the others' handles stay open: closing them
    // is collective and the failed ranks cannot take part.
    agree_on(comm_, path_, [&] {
      check_nc(ncmpi_create(comm_, temporary.c_str(), mode, MPI_INFO_NULL, &ncid_),
               "creating the file");
    });
  }
  ~OpenFile() {
    if (open_) ncmpi_abort(ncid_);  // best effort while unwinding; the caller removes the file
  }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;

  int id() const { return ncid_; }

  void close() {
    open_ = false;  // ncmpi_close releases the handle even when it fails
    agree_on(comm_, path_, [&] { check_nc(ncmpi_close(ncid_), "closing the file"); });
  }

 private:
  std::string path_;
  MPI_Comm comm_;
  int ncid_ = -1;
  bool open_ = true;
};

/// Bytes of one value of a classic-format type.
MPI_Offset type_bytes(nc_type type) {
  switch (type) {
    case NC_BYTE:
    case NC_CHAR:
    case NC_UBYTE:
      return 1;
    case NC_SHORT:
    case NC_USHORT:
      return 2;
    case NC_INT:
    case NC_UINT:
    case NC_FLOAT:
      return 4;
    default:
      return 8;  // NC_DOUBLE, NC_INT64, NC_UINT64
  }
}

/// Bytes the defined file will hold: the end of its last variable (no record variables).
long long defined_file_size(int ncid) {
  int variables = 0;
  check_nc(ncmpi_inq_nvars(ncid, &variables), "counting variables");
  long long end = 0;
  for (int v = 0; v < variables; ++v) {
    MPI_Offset offset = 0;
    check_nc(ncmpi_inq_varoffset(ncid, v, &offset), "locating a variable");
    nc_type type = NC_NAT;
    int dims = 0;
    check_nc(ncmpi_inq_vartype(ncid, v, &type), "a variable's type");
    check_nc(ncmpi_inq_varndims(ncid, v, &dims), "a variable's dimensions");
    std::vector<int> ids(static_cast<std::size_t>(dims));
    check_nc(ncmpi_inq_vardimid(ncid, v, ids.data()), "a variable's dimensions");
    MPI_Offset bytes = type_bytes(type);
    for (int id : ids) {
      MPI_Offset length = 0;
      check_nc(ncmpi_inq_dimlen(ncid, id, &length), "a dimension's length");
      bytes *= length;
    }
    end = std::max<long long>(end, offset + bytes);
  }
  return end;
}

/// Rank 0 reserves the disk space of the whole file, so that a file system without room
/// fails here, with the OS's own words, instead of in the middle of MPI-IO's writes.
void reserve_file(int ncid, const std::string& temporary) {
  const long long bytes = defined_file_size(ncid);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw Error(std::string("reserving disk space: ") + std::strerror(errno));
  try {
    reserve_disk_space(fd, bytes, "reserving disk space");
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

/// Rank 0 removes the temporary file (if any); the barrier keeps other ranks from returning
/// before it is gone.
void remove_temporary(const std::string& temporary, MPI_Comm comm) {
  if (rank_of(comm) == kRoot) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
  }
  MPI_Barrier(comm);
}

}  // namespace

struct CompositeWriter::State {
  std::string path;
  std::string temporary;
  bool staged = false;  ///< the temporary belongs to a StagedOutputs: commit() does not rename
  MPI_Comm comm;
  std::int64_t nx = 0;
  bool has_time = false;
  std::vector<OutputField> fields;  ///< definitions only
  std::unique_ptr<OpenFile> file;
  netcdf::HeaderIds ids;
  bool committed = false;
};

CompositeWriter::CompositeWriter(const std::string& path, const GridDefinition& grid,
                                 const OutputMetadata& meta, const std::vector<OutputField>& fields,
                                 MPI_Comm comm, const std::string& staged)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.path = path;
  s.comm = comm;
  s.nx = grid.spec.nx;
  s.has_time = !meta.times.empty();
  for (const OutputField& field : fields)
    s.fields.push_back(OutputField{field.name, field.is_count, {}, nullptr, nullptr, field.banded});
  agree_on(comm, path, [&] { validate_arguments(path, grid.spec); });
  agree_on(comm, path, [&] {
    if (rank_of(comm) == kRoot) require_directory(path);
  });
  s.staged = !staged.empty();
  s.temporary = s.staged ? staged : make_staged_name(path, comm);
  try {
    // create -> define -> enddef -> coordinates, into the temporary file.
    const std::string created = date_created(comm);
    const std::size_t bands = std::max<std::size_t>(meta.wavelengths_nm.size(), 1);
    const int mode =
        netcdf::create_mode(grid.spec, std::max<std::size_t>(meta.times.size(), 1) * bands);
    if (mode & NC_64BIT_DATA)
      log_root("writing " + path + " as CDF-5: a variable exceeds 4 GiB (GDAL cannot open CDF-5)");
    s.file = std::make_unique<OpenFile>(s.temporary, path, mode, comm);
    agree_on(comm, path,
             [&] { s.ids = netcdf::define_header(s.file->id(), grid, meta, fields, created); });
    agree_on(comm, path, [&] { check_nc(ncmpi_enddef(s.file->id()), "ending define mode"); });
    agree_on(comm, path, [&] {
      // SWATHGRID_TEST_NO_RESERVE: the tests' way to reach MPI-IO's own error path.
      if (rank_of(comm) == kRoot && std::getenv("SWATHGRID_TEST_NO_RESERVE") == nullptr)
        reserve_file(s.file->id(), s.temporary);
    });
    netcdf::write_coordinates(s.file->id(), s.ids, grid.spec, meta, path, comm);
  } catch (...) {
    s.file.reset();
    remove_temporary(s.temporary, comm);
    throw;
  }
}

CompositeWriter::~CompositeWriter() {
  if (state_->committed) return;
  state_->file.reset();  // aborts the open file
  remove_temporary(state_->temporary, state_->comm);
}

void CompositeWriter::write_rows(std::size_t field, std::size_t time, std::size_t band,
                                 RowBand rows, const float* values) {
  State& s = *state_;
  SWATHGRID_REQUIRE(field < s.fields.size() && !s.fields[field].is_count,
                    "writer: field " << field << " is not a float field");
  netcdf::write_rows(s.file->id(), s.ids.fields[field],
                     netcdf::Plane{s.has_time, s.fields[field].banded, time, band},
                     netcdf::block(rows.row_begin, rows.row_count, s.nx), values,
                     "writing " + s.fields[field].name, s.path, s.comm);
}

void CompositeWriter::write_rows(std::size_t field, std::size_t time, std::size_t band,
                                 RowBand rows, const std::int32_t* counts) {
  State& s = *state_;
  SWATHGRID_REQUIRE(field < s.fields.size() && s.fields[field].is_count,
                    "writer: field " << field << " is not a count field");
  netcdf::write_rows(s.file->id(), s.ids.fields[field],
                     netcdf::Plane{s.has_time, s.fields[field].banded, time, band},
                     netcdf::block(rows.row_begin, rows.row_count, s.nx), counts,
                     "writing " + s.fields[field].name, s.path, s.comm);
}

void CompositeWriter::commit() {
  State& s = *state_;
  s.file->close();
  // The data on disk, or the file system's late error (NFS, quotas) now.
  agree_on(s.comm, s.path, [&] {
    inject_fault("write", "syncing the file");
    if (rank_of(s.comm) == kRoot) sync_file(s.temporary, "syncing the file");
  });
  if (s.staged) {  // StagedOutputs::publish() renames it with the run's other outputs
    s.committed = true;
    return;
  }
  // The agreement after the rename is the barrier: on return the file is at `path` everywhere.
  agree_on(s.comm, s.path, [&] {
    if (rank_of(s.comm) != kRoot) return;
    if (std::rename(s.temporary.c_str(), s.path.c_str()) != 0)
      throw Error(std::string("renaming the finished file to it: ") + std::strerror(errno));
    sync_directory(std::filesystem::path(s.path).parent_path().string(), "syncing its directory");
  });
  s.committed = true;
}

void write_composite(const std::string& path, const GridDefinition& grid,
                     const OutputMetadata& meta, const std::vector<OutputField>& fields,
                     RowBand band, MPI_Comm comm) {
  agree_on(comm, path, [&] { validate_band(grid.spec, fields, band); });
  agree_on(comm, path, [&] { check_band_coverage(grid.spec, band, comm); });
  CompositeWriter writer(path, grid, meta, fields, comm);
  const std::size_t times = std::max<std::size_t>(meta.times.size(), 1);
  const std::size_t bands = std::max<std::size_t>(meta.wavelengths_nm.size(), 1);
  const auto plane = static_cast<std::size_t>(band.row_count * grid.spec.nx);
  for (std::size_t f = 0; f < fields.size(); ++f) {
    const std::size_t field_bands = fields[f].banded ? bands : 1;
    for (std::size_t t = 0; t < times; ++t)
      for (std::size_t b = 0; b < field_bands; ++b) {
        const std::size_t offset = (t * field_bands + b) * plane;
        if (fields[f].is_count)
          writer.write_rows(f, t, b, band, plane > 0 ? fields[f].counts + offset : nullptr);
        else
          writer.write_rows(f, t, b, band, plane > 0 ? fields[f].values + offset : nullptr);
      }
  }
  writer.commit();
}

}  // namespace swathgrid
