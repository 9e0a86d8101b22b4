// The NetCDF-4 encoding through netCDF-C over parallel HDF5 (Debian: libnetcdf-mpi-dev,
// libhdf5-openmpi-dev; parallel writes through filters need HDF5 >= 1.10.3). Fields are
// chunked (time and wavelength 1, OutputEncoding rows x columns) and compressed with shuffle +
// deflate, as NASA's L3m files are; every variable is written collectively, each chunk by one
// rank because chunk rows divide the row blocks the ranks write (output/nc_file.hpp).

#include <netcdf.h>
#include <netcdf_par.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "output/fast_deflate.hpp"
#include "output/nc_file.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid::netcdf {

static_assert(NC_GLOBAL == kGlobalVariable, "netCDF-C's NC_GLOBAL");

namespace {

constexpr std::size_t kScalar = 1;  // length of a one-value attribute
constexpr int kShuffle = 1;
constexpr int kDeflate = 1;
// size_bound(): deflate's worst case adds 5 bytes per 16 KiB block (and zlib 6 per chunk);
// HDF5 adds object headers, chunk indexes and attributes (counted as written).
constexpr double kDeflateWorstCase = 1.001;
constexpr long long kMetadataPerVariable = 64 * 1024;
constexpr long long kMetadataPerFile = 4 * 1024 * 1024;

void check(int status, const std::string& what) {
  if (status != NC_NOERR) throw Error(what + ": " + nc_strerror(status));
}

nc_type type_of(NcType type) {
  switch (type) {
    case NcType::kInt:
      return NC_INT;
    case NcType::kFloat:
      return NC_FLOAT;
    case NcType::kDouble:
      break;
  }
  return NC_DOUBLE;
}

std::vector<std::size_t> sizes(const std::vector<std::int64_t>& values) {
  return {values.begin(), values.end()};
}

// netCDF-C wants a buffer even for an empty block.
const int kNoInts = 0;
const float kNoFloats = 0.0f;
const double kNoDoubles = 0.0;

class Netcdf4File final : public NcFile {
 public:
  Netcdf4File(const std::string& path, const OutputEncoding& storage, MPI_Comm comm)
      : storage_(storage) {
    // ROMIO's data sieving locks byte ranges (fcntl) around strided writes and, when a write
    // fails (ENOSPC), returns without unlocking: the other ranks then wait for the lock
    // forever (seen with Open MPI 4.1's romio321 on a full file system). HDF5 writes whole
    // chunks and metadata blocks, which need no sieving.
    // HDF5's deflate filter compresses through fast_deflate.cpp's compress2(); this call
    // links that definition into every program that writes NetCDF-4.
    static_cast<void>(fast_deflate_in_use());
    MPI_Info info = MPI_INFO_NULL;
    MPI_Info_create(&info);
    MPI_Info_set(info, "romio_ds_write", "disable");
    const int status = nc_create_par(path.c_str(), NC_NETCDF4 | NC_CLOBBER, comm, info, &ncid_);
    MPI_Info_free(&info);
    check(status, "creating the file");
  }
  ~Netcdf4File() override { abort(); }

  int def_dim(const std::string& name, std::int64_t length) override {
    int dimid = -1;
    check(nc_def_dim(ncid_, name.c_str(), static_cast<std::size_t>(length), &dimid),
          "defining dimension " + name);
    lengths_[dimid] = length;
    return dimid;
  }

  int def_var(const std::string& name, NcType type, const std::vector<int>& dims,
              bool field) override {
    int varid = -1;
    const std::string what = "defining variable " + name;
    check(nc_def_var(ncid_, name.c_str(), type_of(type), static_cast<int>(dims.size()), dims.data(),
                     &varid),
          what);
    names_[varid] = name;
    long long bytes = type == NcType::kDouble ? 8 : 4;
    for (int dim : dims) bytes *= lengths_.at(dim);
    bound_ += static_cast<long long>(static_cast<double>(bytes) * kDeflateWorstCase) +
              kMetadataPerVariable;
    if (field && dims.size() >= 2) {
      std::vector<std::size_t> chunks(dims.size(), 1);
      const std::size_t y = dims.size() - 2, x = dims.size() - 1;
      chunks[y] = static_cast<std::size_t>(std::min(storage_.chunk_rows, lengths_.at(dims[y])));
      chunks[x] = static_cast<std::size_t>(std::min(storage_.chunk_columns, lengths_.at(dims[x])));
      check(nc_def_var_chunking(ncid_, varid, NC_CHUNKED, chunks.data()), what + " (chunks)");
      FieldChunks& field_chunks = field_chunks_[varid];
      field_chunks.rows = static_cast<std::int64_t>(chunks[y]);
      field_chunks.columns = static_cast<std::int64_t>(chunks[x]);
      field_chunks.ny = lengths_.at(dims[y]);
      field_chunks.nx = lengths_.at(dims[x]);
      check(nc_def_var_deflate(ncid_, varid, kShuffle, kDeflate, storage_.deflate_level),
            what + " (compression)");
      // Every cell is written: no fill pass over the chunks first.
      check(nc_def_var_fill(ncid_, varid, NC_NOFILL, nullptr), what + " (fill)");
    }
    check(nc_var_par_access(ncid_, varid, NC_COLLECTIVE), what + " (collective access)");
    return varid;
  }

  void put_text(int varid, const std::string& name, const std::string& value) override {
    check(nc_put_att_text(ncid_, varid, name.c_str(), value.size(), value.c_str()),
          attribute_label(varid, name));
    bound_ += static_cast<long long>(value.size() + name.size());
  }
  void put_doubles(int varid, const std::string& name, const std::vector<double>& values) override {
    check(nc_put_att_double(ncid_, varid, name.c_str(), NC_DOUBLE, values.size(), values.data()),
          attribute_label(varid, name));
  }
  void put_float(int varid, const std::string& name, float value) override {
    check(nc_put_att_float(ncid_, varid, name.c_str(), NC_FLOAT, kScalar, &value),
          attribute_label(varid, name));
  }
  void put_int(int varid, const std::string& name, int value) override {
    check(nc_put_att_int(ncid_, varid, name.c_str(), NC_INT, kScalar, &value),
          attribute_label(varid, name));
  }

  void enddef() override { check(nc_enddef(ncid_), "ending define mode"); }
  long long size_bound() override { return bound_; }

  void write(int varid, const std::vector<std::int64_t>& start,
             const std::vector<std::int64_t>& count, const float* values) override {
    const Precompressed ahead(*this, varid, start, count, values);
    check(nc_put_vara_float(ncid_, varid, sizes(start).data(), sizes(count).data(),
                            values ? values : &kNoFloats),
          "writing " + variable_name(varid));
  }
  void write(int varid, const std::vector<std::int64_t>& start,
             const std::vector<std::int64_t>& count, const std::int32_t* values) override {
    const Precompressed ahead(*this, varid, start, count, values);
    check(nc_put_vara_int(ncid_, varid, sizes(start).data(), sizes(count).data(),
                          values ? values : &kNoInts),
          "writing " + variable_name(varid));
  }
  void write(int varid, const std::vector<std::int64_t>& start,
             const std::vector<std::int64_t>& count, const double* values) override {
    check(nc_put_vara_double(ncid_, varid, sizes(start).data(), sizes(count).data(),
                             values ? values : &kNoDoubles),
          "writing " + variable_name(varid));
  }
  void write_scalar(int varid, int value) override {
    check(nc_put_var_int(ncid_, varid, &value), "writing " + variable_name(varid));
  }

  void close() override {
    open_ = false;
    check(nc_close(ncid_), "closing the file");
  }
  void abort() noexcept override {
    if (open_) nc_abort(ncid_);
    open_ = false;
  }

 private:
  /// A field's chunk shape (rows x columns of its last two dimensions) and those dimensions.
  struct FieldChunks {
    std::int64_t rows = 0, columns = 0, ny = 0, nx = 0;
  };

  /// For the life of one write: the whole chunks of a field's block compressed ahead on every
  /// thread (fast_deflate.hpp), shuffled as HDF5's filter will get them; chunks holding one
  /// value throughout (fill, zero counts) are left to fast_deflate's memory, edge chunks
  /// (whose padding HDF5 fills) to the filter itself.
  class Precompressed {
   public:
    template <typename T>
    Precompressed(const Netcdf4File& file, int varid, const std::vector<std::int64_t>& start,
                  const std::vector<std::int64_t>& count, const T* values) {
      const auto it = file.field_chunks_.find(varid);
      if (values == nullptr || it == file.field_chunks_.end() || !fast_deflate_in_use()) return;
      const FieldChunks& c = it->second;
      const std::size_t y = start.size() - 2, x = start.size() - 1;
      std::int64_t planes = 1;  // periods x bands written at once; chunks hold one plane each
      for (std::size_t d = 0; d < y; ++d) planes *= count[d];
      std::vector<const T*> chunks;  // the first value of each whole chunk
      for (std::int64_t p = 0; p < planes; ++p)
        for (std::int64_t row = round_up(start[y], c.rows);
             row + c.rows <= std::min(start[y] + count[y], c.ny); row += c.rows)
          for (std::int64_t column = round_up(start[x], c.columns);
               column + c.columns <= std::min(start[x] + count[x], c.nx); column += c.columns)
            chunks.push_back(values + (p * count[y] + row - start[y]) * count[x] +
                             (column - start[x]));
      if (chunks.empty()) return;
      // Tested and shuffled on the threads that compress them.
      precompress(
          chunks.size(),
          [&](std::size_t i) {
            return one_value(chunks[i], c, count[x]) ? std::vector<unsigned char>()
                                                     : shuffled(chunks[i], c, count[x]);
          },
          file.storage_.deflate_level);
      used_ = true;
    }
    ~Precompressed() {
      if (used_) forget_precompressed();
    }
    Precompressed(const Precompressed&) = delete;
    Precompressed& operator=(const Precompressed&) = delete;

   private:
    static std::int64_t round_up(std::int64_t value, std::int64_t step) {
      return (value + step - 1) / step * step;
    }
    /// The bits of a field's value (float, int32).
    template <typename T>
    using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    template <typename T>
    static Bits<T> bits_of(const T* value) {
      static_assert(sizeof(T) == sizeof(Bits<T>), "4- or 8-byte values");
      Bits<T> bits;
      std::memcpy(&bits, value, sizeof(T));
      return bits;
    }
    /// Whether every value of the chunk has the first's bits (branch-free rows: vectorised).
    template <typename T>
    static bool one_value(const T* first, const FieldChunks& c, std::int64_t stride) {
      const Bits<T> value = bits_of(first);
      for (std::int64_t r = 0; r < c.rows; ++r) {
        const T* __restrict row = first + r * stride;
        const std::int64_t columns = c.columns;
        int differ = 0;
#pragma omp simd reduction(| : differ)
        for (std::int64_t k = 0; k < columns; ++k) differ |= bits_of(row + k) != value;
        if (differ) return false;
      }
      return true;
    }
    /// HDF5's shuffle of the chunk: byte b (in memory order) of every value, for b = 0, 1, ...
    template <typename T>
    static std::vector<unsigned char> shuffled(const T* first, const FieldChunks& c,
                                               std::int64_t stride) {
      const auto n = static_cast<std::size_t>(c.rows * c.columns);
      std::vector<unsigned char> out(n * sizeof(T));
      for (std::int64_t r = 0; r < c.rows; ++r) {
        const T* __restrict row = first + r * stride;
        const std::int64_t columns = c.columns;
        for (std::size_t b = 0; b < sizeof(T); ++b) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
          const unsigned shift = 8 * static_cast<unsigned>(sizeof(T) - 1 - b);
#else
          const unsigned shift = 8 * static_cast<unsigned>(b);
#endif
          unsigned char* __restrict plane =
              out.data() + b * n + static_cast<std::size_t>(r * columns);
#pragma omp simd
          for (std::int64_t k = 0; k < columns; ++k)
            plane[k] = static_cast<unsigned char>(bits_of(row + k) >> shift);
        }
      }
      return out;
    }
    bool used_ = false;
  };

  OutputEncoding storage_;
  int ncid_ = -1;
  bool open_ = true;
  std::map<int, std::int64_t> lengths_;  ///< dimension lengths by id
  std::map<int, FieldChunks> field_chunks_;  ///< chunked fields by variable id
  long long bound_ = kMetadataPerFile;   ///< size_bound()
};

}  // namespace

std::unique_ptr<NcFile> create_netcdf4(const std::string& path, const OutputEncoding& storage,
                                       MPI_Comm comm) {
  return std::make_unique<Netcdf4File>(path, storage, comm);
}

}  // namespace swathgrid::netcdf
