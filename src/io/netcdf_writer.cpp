// write_composite: the canonical PnetCDF sequence (create -> define -> enddef -> every rank
// put_vara_*_all its row band -> rank 0 writes the coordinates -> close) into a temporary
// file next to `path`, renamed to `path` by rank 0 only when the close succeeded.
// Every step that can fail is agreed over the communicator (netcdf::agree_on), so a failure on
// one rank makes all ranks clean up and throw together.

#include "swathgrid/netcdf_writer.hpp"

#include <pnetcdf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "netcdf_internal.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/log.hpp"

namespace swathgrid {

namespace {

using netcdf::agree_on;
using netcdf::check_nc;

constexpr int kRoot = 0;
constexpr const char* kPartialMarker = ".partial-";
constexpr const char* kIsoUtcFormat = "%Y-%m-%dT%H:%M:%SZ";
constexpr std::size_t kIsoUtcLength = 32;

int rank_of(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank;
}

void validate_arguments(const std::string& path, const GridSpec& grid,
                        const std::vector<OutputField>& fields, RowBand band) {
  SWATHGRID_REQUIRE(!path.empty() && !std::filesystem::path(path).filename().empty(),
                    "output path names no file");
  SWATHGRID_REQUIRE(
      grid.nx > 0 && grid.ny > 0 && grid.cell_size > 0.0,
      "empty grid " << grid.nx << " x " << grid.ny << " at " << grid.cell_size << " CRS units");
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

/// ".<name>.partial-<pid>-<clock>" in the directory of `path`, chosen on rank 0.
std::string temporary_path(const std::string& path, MPI_Comm comm) {
  std::string token;
  if (rank_of(comm) == kRoot) {
    std::ostringstream stream;
    stream << ::getpid() << '-' << std::hex
           << std::chrono::steady_clock::now().time_since_epoch().count();
    token = stream.str();
  }
  broadcast_string(token, kRoot, comm);
  const std::filesystem::path target(path);
  const std::string name = "." + target.filename().string() + kPartialMarker + token;
  return (target.parent_path() / name).string();
}

/// The current UTC time in ISO 8601, taken on rank 0 so that every rank's header agrees.
std::string date_created(MPI_Comm comm) {
  std::string text;
  if (rank_of(comm) == kRoot) {
    const std::time_t now = std::time(nullptr);
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
               "creating " + std::filesystem::path(temporary).filename().string());
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

/// create -> define -> enddef -> fields -> coordinates -> close, all into `temporary`.
void write_file(const std::string& temporary, const std::string& path, const GridDefinition& grid,
                const OutputMetadata& meta, const std::vector<OutputField>& fields, RowBand band,
                MPI_Comm comm) {
  const std::string created = date_created(comm);
  const std::size_t bands = std::max<std::size_t>(meta.wavelengths_nm.size(), 1);
  const int mode = netcdf::create_mode(grid.spec, std::max<std::size_t>(meta.times.size(), 1) * bands);
  if (mode & NC_64BIT_DATA)
    log_root("writing " + path + " as CDF-5: a variable exceeds 4 GiB (GDAL cannot open CDF-5)");
  OpenFile file(temporary, path, mode, comm);
  netcdf::HeaderIds ids;
  agree_on(comm, path,
           [&] { ids = netcdf::define_header(file.id(), grid, meta, fields, created); });
  agree_on(comm, path, [&] { check_nc(ncmpi_enddef(file.id()), "ending define mode"); });
  const netcdf::Block rows = netcdf::block(band.row_begin, band.row_count, grid.spec.nx);
  for (std::size_t i = 0; i < fields.size(); ++i)
    netcdf::write_field(file.id(), ids.fields[i], fields[i], rows, meta.times.size(),
                        meta.wavelengths_nm.size(), path, comm);
  netcdf::write_coordinates(file.id(), ids, grid.spec, meta, path, comm);
  file.close();
}

void rename_file(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0)
    throw Error("renaming " + from + " to it: " + std::strerror(errno));
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

void write_composite(const std::string& path, const GridDefinition& grid,
                     const OutputMetadata& meta, const std::vector<OutputField>& fields,
                     RowBand band, MPI_Comm comm) {
  agree_on(comm, path, [&] { validate_arguments(path, grid.spec, fields, band); });
  agree_on(comm, path, [&] { check_band_coverage(grid.spec, band, comm); });
  agree_on(comm, path, [&] {
    if (rank_of(comm) == kRoot) require_directory(path);
  });
  const std::string temporary = temporary_path(path, comm);
  try {
    write_file(temporary, path, grid, meta, fields, band, comm);
    // The agreement after the rename is the barrier: on return the file is at `path` everywhere.
    agree_on(comm, path, [&] {
      if (rank_of(comm) == kRoot) rename_file(temporary, path);
    });
  } catch (...) {
    remove_temporary(temporary, comm);
    throw;
  }
}

}  // namespace swathgrid
