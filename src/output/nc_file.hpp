#pragma once
// One open output file in either encoding of the composite (docs/user-guide.md, "--format"):
//   classic  netCDF CDF-2/CDF-5 through PnetCDF (nc_file_classic.cpp);
//   netcdf4  NetCDF-4/HDF5, fields chunked and compressed with shuffle + deflate: the header
//            through netCDF-C over parallel HDF5, the fields' chunks compressed on every rank
//            and stored by rank 0 through HDF5 (nc_file_netcdf4.cpp).
// The header and data code (netcdf_define.cpp, netcdf_data.cpp) is written once against this
// interface, so both files hold the same CF content. PnetCDF's and netCDF-C's headers define
// the same names, so each lives in its own translation unit and none is included here.
// Every call throws swathgrid::Error "<what>: <library's message>"; data calls are collective.

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "swathgrid/error.hpp"
#include "swathgrid/netcdf_writer.hpp"

namespace swathgrid::netcdf {

/// The value types the composite uses.
enum class NcType { kInt, kFloat, kDouble };

/// The variable id of global attributes (NC_GLOBAL in both libraries).
inline constexpr int kGlobalVariable = -1;

class NcFile {
 public:
  virtual ~NcFile() = default;
  NcFile() = default;
  NcFile(const NcFile&) = delete;
  NcFile& operator=(const NcFile&) = delete;

  virtual int def_dim(const std::string& name, std::int64_t length) = 0;
  /// `field`: a map of the composite (last two dimensions y, x), chunked and compressed where
  /// the encoding can; coordinates are stored plainly.
  virtual int def_var(const std::string& name, NcType type, const std::vector<int>& dims,
                      bool field = false) = 0;
  virtual void put_text(int varid, const std::string& name, const std::string& value) = 0;
  virtual void put_doubles(int varid, const std::string& name,
                           const std::vector<double>& values) = 0;
  virtual void put_float(int varid, const std::string& name, float value) = 0;
  virtual void put_int(int varid, const std::string& name, int value) = 0;
  /// Ends define mode (collective).
  virtual void enddef() = 0;
  /// Bytes the defined file can grow to, reserved on disk before any data is written so that
  /// a full file system fails there and not inside a collective write: exact for classic; for
  /// NetCDF-4 a bound (the fields uncompressed, deflate's worst case, HDF5's metadata), of
  /// which the writer releases what the compressed file does not use when it is closed.
  virtual long long size_bound() = 0;

  /// Collective writes of a hyperslab; a rank with nothing to write passes all-zero counts.
  /// `data_columns` (may be null): every value outside these columns of the last dimension is
  /// the field's fill (CompositeWriter::write_rows); a file may use it to skip reading them.
  virtual void write(int varid, const std::vector<std::int64_t>& start,
                     const std::vector<std::int64_t>& count, const float* values,
                     const ColumnSpans* data_columns) = 0;
  virtual void write(int varid, const std::vector<std::int64_t>& start,
                     const std::vector<std::int64_t>& count, const std::int32_t* values,
                     const ColumnSpans* data_columns) = 0;
  virtual void write(int varid, const std::vector<std::int64_t>& start,
                     const std::vector<std::int64_t>& count, const double* values) = 0;
  /// Collective: every rank writes the same value to a scalar variable.
  virtual void write_scalar(int varid, int value) = 0;

  /// Batched writes (classic: PnetCDF's buffered puts). attach_write_buffer(bytes) (collective,
  /// after enddef) makes queue() available: it copies a hyperslab into that buffer on this rank
  /// alone, with no communication; flush() (collective) writes every queued hyperslab of all
  /// ranks in one collective call and empties the buffer. A file that cannot batch (NetCDF-4:
  /// netCDF-C has no nonblocking put) says so with can_batch() and is written with write().
  virtual bool can_batch() const { return false; }
  virtual void attach_write_buffer(long long /*bytes*/) {}
  virtual void queue(int varid, const std::vector<std::int64_t>& /*start*/,
                     const std::vector<std::int64_t>& /*count*/, const float* /*values*/) {
    throw Error("writing " + variable_name(varid) + ": this encoding cannot batch writes");
  }
  virtual void queue(int varid, const std::vector<std::int64_t>& /*start*/,
                     const std::vector<std::int64_t>& /*count*/, const std::int32_t* /*values*/) {
    throw Error("writing " + variable_name(varid) + ": this encoding cannot batch writes");
  }
  virtual void flush() {}

  /// Collective: closes the file (the handle is released even when this throws).
  virtual void close() = 0;
  /// Releases the handle after a failure, best effort; the caller removes the file.
  virtual void abort() noexcept = 0;

 protected:
  /// "attribute chlor_a:units" / "attribute :history" for messages.
  std::string attribute_label(int varid, const std::string& name) const {
    return "attribute " + (varid == kGlobalVariable ? std::string() : variable_name(varid)) + ":" +
           name;
  }
  std::string variable_name(int varid) const {
    const auto it = names_.find(varid);
    return it == names_.end() ? "variable " + std::to_string(varid) : it->second;
  }
  std::map<int, std::string> names_;  ///< variable names by id, for messages
};

/// Collective over `comm`: creates `path` (clobbering) as CDF-5 when `cdf5`, else CDF-2.
std::unique_ptr<NcFile> create_classic(const std::string& path, bool cdf5, MPI_Comm comm);

/// Collective over `comm`: creates `path` (clobbering) as NetCDF-4 for parallel writes.
std::unique_ptr<NcFile> create_netcdf4(const std::string& path, const OutputEncoding& storage,
                                       MPI_Comm comm);

/// Chunks of NetCDF-4 fields written directly (OutputEncoding::direct_chunks) in this process
/// so far (tests).
std::size_t chunks_written_directly();

}  // namespace swathgrid::netcdf
