// CompositeWriter: the canonical sequence (create -> define -> enddef -> rank 0 writes the
// coordinates, all ranks a projected grid's 2-D lat/lon -> every rank writes its row blocks
// collectively, as many calls as they come -> close) into a temporary file next to `path`, renamed
// to `path` by rank 0 only when the close succeeded; the same for both encodings
// (output/nc_file.hpp). Every step that can fail is agreed over the communicator
// (netcdf::agree_on), so a failure on one rank makes all ranks clean up and throw together.

#include "swathgrid/netcdf_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <type_traits>

#include "output/nc_file.hpp"
#include "output/netcdf_internal.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/fault.hpp"
#include "swathgrid/log.hpp"
#include "swathgrid/staged_outputs.hpp"

namespace swathgrid {

namespace {

using netcdf::agree_on;

constexpr int kRoot = 0;
constexpr const char* kIsoUtcFormat = "%Y-%m-%dT%H:%M:%SZ";
constexpr std::size_t kIsoUtcLength = 32;

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

/// Collective: the open file in `encoding`. Should creation fail on some ranks only, the
/// others' handles are left open: closing them is collective and the failed ranks cannot take
/// part (the run ends).
std::unique_ptr<netcdf::NcFile> create_file(const std::string& temporary, const std::string& path,
                                            const GridDefinition& grid, const OutputMetadata& meta,
                                            const OutputEncoding& encoding, MPI_Comm comm) {
  std::unique_ptr<netcdf::NcFile> file;
  try {
    agree_on(comm, path, [&] {
      if (encoding.format == OutputFormat::kNetcdf4) {
        file = netcdf::create_netcdf4(temporary, encoding, comm);
        return;
      }
      const std::size_t bands = std::max<std::size_t>(meta.wavelengths_nm.size(), 1);
      const bool cdf5 =
          netcdf::needs_cdf5(grid.spec, std::max<std::size_t>(meta.times.size(), 1) * bands,
                             netcdf::has_latlon(grid, encoding));
      if (cdf5)
        log_root("writing " + path +
                 " as CDF-5: a variable exceeds 4 GiB (GDAL cannot open CDF-5; --format netcdf4 "
                 "can)");
      file = netcdf::create_classic(temporary, cdf5, comm);
    });
  } catch (...) {
    static_cast<void>(file.release());
    throw;
  }
  return file;
}

/// Rank 0 reserves the disk space of the whole file, so that a file system without room
/// fails here, with the OS's own words, instead of in the middle of MPI-IO's writes.
void reserve_file(netcdf::NcFile& file, const std::string& temporary) {
  const long long bytes = file.size_bound();
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

/// Rank 0 gives back the blocks reserved beyond the end of the closed file (NetCDF-4: the
/// compressed file is smaller than its bound): truncating a file to its own length frees
/// preallocated blocks past it (ext4, XFS, tmpfs).
void release_reservation(const std::string& temporary) {
  struct stat status {};
  if (::stat(temporary.c_str(), &status) != 0 || ::truncate(temporary.c_str(), status.st_size) != 0)
    throw Error(std::string("releasing reserved disk space: ") + std::strerror(errno));
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
  std::int64_t ny = 0;
  std::size_t times = 1;  ///< planes of the time dimension (1 without it)
  std::size_t bands = 1;  ///< planes of the wavelength dimension
  bool has_time = false;
  std::vector<OutputField> fields;  ///< definitions only

  void check_block(std::size_t field, std::size_t time, std::size_t band, RowBand rows) const {
    SWATHGRID_REQUIRE(
        rows.row_begin >= 0 && rows.row_count >= 0 && rows.row_begin + rows.row_count <= ny,
        "rows [" << rows.row_begin << ", " << rows.row_begin + rows.row_count
                 << ") outside the grid's " << ny << " rows");
    SWATHGRID_REQUIRE(
        time < times && band < (fields[field].banded ? bands : 1),
        "no plane (time " << time << ", band " << band << ") in " << fields[field].name);
    SWATHGRID_REQUIRE(max_block_rows == 0 || rows.row_count <= max_block_rows,
                      rows.row_count << " rows in one write, more than the " << max_block_rows
                                     << " the writer was made for");
  }

  /// One write_rows call: `values` (float or int32) written collectively, or queued.
  template <typename Value>
  void write_block(std::size_t field, std::size_t time, std::size_t band, RowBand rows,
                   const Value* values, const ColumnSpans* data_columns) {
    const netcdf::Plane plane{has_time, fields[field].banded, time, band};
    const netcdf::Block block = netcdf::block(rows.row_begin, rows.row_count, nx);
    if (planes_per_write > 1) {
      stage(field, time, band, rows, values);
      return;
    }
    const netcdf::BlockHints hints{values_filled, data_columns};
    if (calls_per_flush == 0) {
      // Agreed before the collective write: netCDF-C rejects a bad block on the failing rank
      // alone, before the collective HDF5 call the others are in.
      agree_on(comm, path, [&] { check_block(field, time, band, rows); });
      netcdf::write_rows(*file, ids.fields[field], plane, block, values, path, comm, 1, hints);
      return;
    }
    try {  // queued on this rank alone; a failure is agreed at the flush
      if (queue_failure.empty()) {
        check_block(field, time, band, rows);
        netcdf::queue_rows(*file, ids.fields[field], plane, block, values, hints);
      }
    } catch (const std::exception& e) {
      queue_failure = e.what();
    }
    if (++calls_queued == calls_per_flush) flush();
  }

  /// Collective: the queued blocks of every rank written, or every rank throwing the failure
  /// of the lowest failing rank. Every rank queues the same number of calls, so all flush
  /// together.
  void flush() {
    calls_queued = 0;
    agree_on_queue_failure();
    agree_on(comm, path, [&] { file->flush(); });
  }

  void agree_on_queue_failure() {
    agree_on(comm, path, [&] {
      if (!queue_failure.empty()) throw Error(queue_failure);
    });
  }

  /// NetCDF-4: the planes of one field that follow each other -- the periods of a field
  /// without wavelength, the bands of one period of a banded one -- gathered (NaN already
  /// replaced by the fill value) for one collective write of up to planes_per_write planes.
  /// Whether a call extends the stage or writes it first depends only on the field, period
  /// and band, which every rank passes alike, so all ranks write together.
  struct Stage {
    std::vector<unsigned char> bytes;  ///< the planes, 4-byte values (float or int32)
    std::size_t time = 0, band = 0;    ///< the first plane
    std::int64_t planes = 0;
    RowBand rows;
    bool counts = false;
  };

  template <typename Value>
  void stage(std::size_t field, std::size_t time, std::size_t band, RowBand rows,
             const Value* values) {
    static_assert(sizeof(Value) == 4, "fields hold 4-byte values");
    Stage& st = stages[field];
    const bool follows = fields[field].banded ? time == st.time && band == st.band + st.planes
                                              : band == 0 && time == st.time + st.planes;
    if (st.planes > 0 && !follows) write_stage(field);
    try {  // a failure is agreed at the stage's write
      if (queue_failure.empty()) {
        check_block(field, time, band, rows);
        if (st.planes == 0) {
          st.time = time;
          st.band = band;
          st.rows = rows;
          st.counts = std::is_same_v<Value, std::int32_t>;
        }
        SWATHGRID_REQUIRE(
            rows.row_begin == st.rows.row_begin && rows.row_count == st.rows.row_count,
            "rows of consecutive planes of " << fields[field].name << " differ");
        const auto size = static_cast<std::size_t>(rows.row_count * nx);
        const std::size_t at = st.bytes.size();
        st.bytes.resize(at + size * sizeof(Value));
        auto* out = reinterpret_cast<Value*>(st.bytes.data() + at);
        copy_into_stage(values, size, out);
      }
    } catch (const std::exception& e) {
      queue_failure = e.what();
    }
    if (++st.planes == planes_per_write) write_stage(field);
  }

  /// `size` values into the stage at `out`: floats with NaN replaced by the fill (the stage's
  /// write then looks for none), unless the caller's blocks hold the fill already.
  template <typename Value>
  void copy_into_stage(const Value* values, std::size_t size, Value* out) const {
    if constexpr (std::is_same_v<Value, float>) {
      if (!values_filled) {
        netcdf::copy_with_fill(values, size, out);
        return;
      }
    }
    std::copy_n(values, size, out);
  }

  /// Collective: the stage of `field` written in one call, or the first failure thrown.
  void write_stage(std::size_t field) {
    Stage& st = stages[field];
    agree_on_queue_failure();
    const netcdf::Plane first{has_time, fields[field].banded, st.time, st.band};
    const netcdf::Block block = netcdf::block(st.rows.row_begin, st.rows.row_count, nx);
    if (st.counts)
      netcdf::write_rows(*file, ids.fields[field], first, block,
                         reinterpret_cast<const std::int32_t*>(st.bytes.data()), path, comm,
                         st.planes);
    else
      netcdf::write_rows(*file, ids.fields[field], first, block,
                         reinterpret_cast<const float*>(st.bytes.data()), path, comm, st.planes,
                         netcdf::BlockHints{true, nullptr});  // the fill put in place when staged
    st.planes = 0;
    st.bytes.clear();
  }

  std::unique_ptr<netcdf::NcFile> file;
  netcdf::HeaderIds ids;
  bool committed = false;
  /// Batched writes (classic with max_block_rows): calls queued between flushes (0: every
  /// call writes collectively), calls queued since the last, the first failure among them.
  std::int64_t calls_per_flush = 0;
  std::int64_t calls_queued = 0;
  std::int64_t max_block_rows = 0;  ///< batched or staged: the most rows a call may pass
  bool values_filled = false;       ///< OutputEncoding::values_filled
  std::string queue_failure;
  /// Staged writes (NetCDF-4 with max_block_rows): planes per collective write (1: none).
  std::int64_t planes_per_write = 1;
  std::vector<Stage> stages;  ///< one per field
};

CompositeWriter::CompositeWriter(const std::string& path, const GridDefinition& grid,
                                 const OutputMetadata& meta, const std::vector<OutputField>& fields,
                                 MPI_Comm comm, const std::string& staged,
                                 const OutputEncoding& encoding)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.path = path;
  s.comm = comm;
  s.nx = grid.spec.nx;
  s.ny = grid.spec.ny;
  s.times = std::max<std::size_t>(meta.times.size(), 1);
  s.bands = std::max<std::size_t>(meta.wavelengths_nm.size(), 1);
  s.has_time = !meta.times.empty();
  s.values_filled = encoding.values_filled;
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
    s.file = create_file(s.temporary, path, grid, meta, encoding, comm);
    agree_on(comm, path, [&] {
      s.ids = netcdf::define_header(*s.file, grid, meta, fields, created,
                                    netcdf::has_latlon(grid, encoding));
    });
    agree_on(comm, path, [&] { s.file->enddef(); });
    agree_on(comm, path, [&] {
      // SWATHGRID_TEST_NO_RESERVE: the tests' way to reach MPI-IO's own error path.
      if (rank_of(comm) == kRoot && std::getenv("SWATHGRID_TEST_NO_RESERVE") == nullptr)
        reserve_file(*s.file, s.temporary);
    });
    netcdf::write_coordinates(*s.file, s.ids, grid.spec, meta, path, comm);
    if (s.ids.lat >= 0) netcdf::write_latlon(*s.file, s.ids, grid, encoding.chunk_rows, path, comm);
    // Fields hold 4-byte values (float, int32): a block takes at most max_block_rows x nx x 4.
    const std::int64_t block_bytes = encoding.max_block_rows * s.nx * 4;
    if (encoding.max_block_rows > 0 && s.file->can_batch()) {
      const std::int64_t calls =
          std::max<std::int64_t>(1, encoding.write_buffer_bytes / block_bytes);
      agree_on(comm, path, [&] { s.file->attach_write_buffer(calls * block_bytes); });
      s.calls_per_flush = calls;
      s.max_block_rows = encoding.max_block_rows;
    } else if (encoding.max_block_rows > 0 && (s.has_time || s.bands > 1)) {
      const auto staged_fields = static_cast<std::int64_t>(fields.size());
      s.planes_per_write =
          std::max<std::int64_t>(1, encoding.write_buffer_bytes / (staged_fields * block_bytes));
      s.stages.resize(fields.size());
      if (s.planes_per_write > 1) s.max_block_rows = encoding.max_block_rows;
    }
  } catch (...) {
    s.file.reset();
    remove_temporary(s.temporary, comm);
    throw;
  }
}

CompositeWriter::~CompositeWriter() {
  if (state_->committed) return;
  state_->file.reset();  // aborts the open file (every rank together: failures are agreed)
  remove_temporary(state_->temporary, state_->comm);
}

void CompositeWriter::write_rows(std::size_t field, std::size_t time, std::size_t band,
                                 RowBand rows, const float* values,
                                 const ColumnSpans* data_columns) {
  State& s = *state_;
  SWATHGRID_REQUIRE(field < s.fields.size() && !s.fields[field].is_count,
                    "writer: field " << field << " is not a float field");
  s.write_block(field, time, band, rows, values, data_columns);
}

void CompositeWriter::write_rows(std::size_t field, std::size_t time, std::size_t band,
                                 RowBand rows, const std::int32_t* counts,
                                 const ColumnSpans* data_columns) {
  State& s = *state_;
  SWATHGRID_REQUIRE(field < s.fields.size() && s.fields[field].is_count,
                    "writer: field " << field << " is not a count field");
  s.write_block(field, time, band, rows, counts, data_columns);
}

void CompositeWriter::commit() {
  State& s = *state_;
  if (s.calls_queued > 0) s.flush();
  for (std::size_t field = 0; field < s.stages.size(); ++field)
    if (s.stages[field].planes > 0) s.write_stage(field);
  agree_on(s.comm, s.path, [&] { s.file->close(); });
  // The data on disk, or the file system's late error (NFS, quotas) now.
  agree_on(s.comm, s.path, [&] {
    inject_fault("write", "syncing the file");
    if (rank_of(s.comm) != kRoot) return;
    release_reservation(s.temporary);
    sync_file(s.temporary, "syncing the file");
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
                     RowBand band, MPI_Comm comm, const OutputEncoding& encoding) {
  agree_on(comm, path, [&] { validate_band(grid.spec, fields, band); });
  agree_on(comm, path, [&] { check_band_coverage(grid.spec, band, comm); });
  OutputEncoding batched = encoding;  // every rank's band in one call per plane
  batched.max_block_rows =
      static_cast<std::int64_t>(allreduce_max(static_cast<double>(band.row_count), comm));
  CompositeWriter writer(path, grid, meta, fields, comm, {}, batched);
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
