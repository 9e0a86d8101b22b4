// The NetCDF-4 encoding through netCDF-C over parallel HDF5 (Debian: libnetcdf-mpi-dev,
// libhdf5-openmpi-dev; parallel writes through filters need HDF5 >= 1.10.3). Fields are
// chunked (time and wavelength 1, OutputEncoding rows x columns) and compressed with shuffle +
// deflate, as NASA's L3m files are; each chunk is made by one rank because chunk rows divide
// the row blocks the ranks write (output/nc_file.hpp).
//
// By default (OutputEncoding::direct_chunks) the fields' chunks are written directly:
// netCDF-C defines the file and writes the coordinates collectively and closes it; every rank
// shuffles and compresses the chunks of its own blocks on its threads and sends them to rank
// 0, which has reopened the file through HDF5 alone (no MPI-IO) and stores them with
// H5Dwrite_chunk (docs/performance.md, "Session 14: chunks written directly"). Otherwise
// every field is written collectively through netCDF-C, whose HDF5 gathers, shuffles and
// compresses the chunks one after the other on the calling thread (those compressed ahead
// here are taken); the file is the same either way (filters, chunk shapes, values).

#include <hdf5.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <netcdf.h>
#include <netcdf_par.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "output/fast_deflate.hpp"
#include "output/nc_file.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/fault.hpp"
#include "swathgrid/h5_handle.hpp"
#include "swathgrid/vector_isa.hpp"

namespace swathgrid::netcdf {

static_assert(NC_GLOBAL == kGlobalVariable, "netCDF-C's NC_GLOBAL");

namespace {

constexpr std::size_t kScalar = 1;  // length of a one-value attribute
constexpr int kStoringRank = 0;     // direct writes: the rank that writes the file
constexpr int kDirectTag = 7316;    // direct writes: a rank's chunks for the storing rank
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

/// The direct chunk writes' passes over a row of 4-byte values (`n` values at `from`), as
/// inline bodies of every ISA's copy below (integer operations, vectorised: every copy gives
/// the same bytes). byte_row: one row of a shuffle plane, the byte at `shift` of each value;
/// differs: whether any value's bits differ from `bits`.
inline __attribute__((always_inline)) void byte_row_body(const unsigned char* __restrict from,
                                                         std::int64_t n, unsigned shift,
                                                         unsigned char* __restrict to) {
#pragma omp simd
  for (std::int64_t k = 0; k < n; ++k) {
    std::uint32_t v;
    std::memcpy(&v, from + 4 * k, sizeof v);
    to[k] = static_cast<unsigned char>(v >> shift);
  }
}
inline __attribute__((always_inline)) bool differs_body(const unsigned char* __restrict from,
                                                        std::int64_t n, std::uint32_t bits) {
  int differ = 0;
#pragma omp simd reduction(| : differ)
  for (std::int64_t k = 0; k < n; ++k) {
    std::uint32_t v;
    std::memcpy(&v, from + 4 * k, sizeof v);
    differ |= v != bits;
  }
  return differ != 0;
}

struct RowKernels {
  void (*byte_row)(const unsigned char*, std::int64_t, unsigned, unsigned char*);
  bool (*differs)(const unsigned char*, std::int64_t, std::uint32_t);
};

void byte_row_portable(const unsigned char* from, std::int64_t n, unsigned shift,
                       unsigned char* to) {
  byte_row_body(from, n, shift, to);
}
bool differs_portable(const unsigned char* from, std::int64_t n, std::uint32_t bits) {
  return differs_body(from, n, bits);
}

#if defined(SWATHGRID_X86_COPIES)
// Wider vectors, chosen at run time: the baseline build's SSE2 copies of both passes were ~7 %
// of a global 0.01 degree run's CPU (docs/performance.md).
__attribute__((target("avx2"), noinline)) void byte_row_avx2(const unsigned char* from,
                                                             std::int64_t n, unsigned shift,
                                                             unsigned char* to) {
  byte_row_body(from, n, shift, to);
}
__attribute__((target("avx2"), noinline)) bool differs_avx2(const unsigned char* from,
                                                            std::int64_t n, std::uint32_t bits) {
  return differs_body(from, n, bits);
}
__attribute__((target("avx512f,prefer-vector-width=512"), noinline)) void byte_row_avx512(
    const unsigned char* from, std::int64_t n, unsigned shift, unsigned char* to) {
  byte_row_body(from, n, shift, to);
}
__attribute__((target("avx512f,prefer-vector-width=512"), noinline)) bool differs_avx512(
    const unsigned char* from, std::int64_t n, std::uint32_t bits) {
  return differs_body(from, n, bits);
}
#endif

/// The copies vector_isa() chooses.
RowKernels row_kernels() {
#if defined(SWATHGRID_X86_COPIES)
  switch (vector_isa()) {
    case VectorIsa::avx512:
      return {byte_row_avx512, differs_avx512};
    case VectorIsa::avx2:
      return {byte_row_avx2, differs_avx2};
    case VectorIsa::portable:
      break;
  }
#endif
  return {byte_row_portable, differs_portable};
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

/// Chunks stored by H5Dwrite_chunk in this process (chunks_written_directly()), and the bytes
/// stored through HDF5 (bytes_stored_directly()).
std::size_t& chunks_written_directly_count() {
  static std::size_t count = 0;
  return count;
}
std::int64_t& bytes_stored_directly_count() {
  static std::int64_t bytes = 0;
  return bytes;
}

// netCDF-C wants a buffer even for an empty block.
const int kNoInts = 0;
const float kNoFloats = 0.0f;
const double kNoDoubles = 0.0;

class Netcdf4File final : public NcFile {
 public:
  Netcdf4File(const std::string& path, const OutputEncoding& storage, MPI_Comm comm)
      : storage_(storage), path_(path), direct_(writes_directly(storage)), comm_(comm) {
    // ROMIO's data sieving locks byte ranges (fcntl) around strided writes and, when a write
    // fails (ENOSPC), returns without unlocking: the other ranks then wait for the lock
    // forever (seen with Open MPI 4.1's romio321 on a full file system). HDF5 writes whole
    // chunks and metadata blocks, which need no sieving.
    // HDF5's deflate filter compresses through fast_deflate.cpp's compress2(); this call
    // links that definition into every program that writes NetCDF-4.
    static_cast<void>(fast_deflate_in_use());
    MPI_Comm_rank(comm, &rank_);
    MPI_Comm_size(comm, &ranks_);
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
    const auto field = field_chunks_.find(varid);
    if (name == "_FillValue" && field != field_chunks_.end())
      std::memcpy(&field->second.padding, &value, sizeof value);
  }
  void put_int(int varid, const std::string& name, int value) override {
    check(nc_put_att_int(ncid_, varid, name.c_str(), NC_INT, kScalar, &value),
          attribute_label(varid, name));
  }

  void enddef() override { check(nc_enddef(ncid_), "ending define mode"); }
  long long size_bound() override { return bound_; }

  void write(int varid, const std::vector<std::int64_t>& start,
             const std::vector<std::int64_t>& count, const float* values,
             const ColumnSpans* data_columns) override {
    if (h5_write(varid, start, count, values, data_columns)) return;
    const Precompressed ahead(*this, varid, start, count, values);
    check(nc_put_vara_float(ncid_, varid, sizes(start).data(), sizes(count).data(),
                            values ? values : &kNoFloats),
          "writing " + variable_name(varid));
  }
  void write(int varid, const std::vector<std::int64_t>& start,
             const std::vector<std::int64_t>& count, const std::int32_t* values,
             const ColumnSpans* data_columns) override {
    if (h5_write(varid, start, count, values, data_columns)) return;
    const Precompressed ahead(*this, varid, start, count, values);
    check(nc_put_vara_int(ncid_, varid, sizes(start).data(), sizes(count).data(),
                          values ? values : &kNoInts),
          "writing " + variable_name(varid));
  }
  void write(int varid, const std::vector<std::int64_t>& start,
             const std::vector<std::int64_t>& count, const double* values) override {
    if (h5_write(varid, start, count, values)) return;
    check(nc_put_vara_double(ncid_, varid, sizes(start).data(), sizes(count).data(),
                             values ? values : &kNoDoubles),
          "writing " + variable_name(varid));
  }
  void write_scalar(int varid, int value) override {
    if (h5_write(varid, {}, {}, &value)) return;
    check(nc_put_var_int(ncid_, varid, &value), "writing " + variable_name(varid));
  }

  void close() override {
    if (reopened_) {
      if (rank_ == kStoringRank) close_hdf5();
      return;
    }
    open_ = false;
    check(nc_close(ncid_), "closing the file");
  }
  void abort() noexcept override {
    if (open_) nc_abort(ncid_);
    open_ = false;
    datasets_.clear();
    static_cast<void>(h5_file_.reset());
  }

 private:
  /// A field's chunk shape (rows x columns of its last two dimensions) and those dimensions;
  /// `padding`: the bits of the value that fills an edge chunk beyond the grid (_FillValue).
  struct FieldChunks {
    std::int64_t rows = 0, columns = 0, ny = 0, nx = 0;
    std::uint32_t padding = 0;
  };

  /// Whether this file takes its fields' chunks directly: asked for, and
  /// SWATHGRID_DIRECT_CHUNKS is not 0 (A/B measurements of one binary).
  static bool writes_directly(const OutputEncoding& storage) {
    const char* wanted = std::getenv("SWATHGRID_DIRECT_CHUNKS");
    return storage.direct_chunks && !(wanted && std::strcmp(wanted, "0") == 0);
  }

  /// Throws "<what>: <HDF5's innermost message>" when `status` is negative.
  static void check_h5(herr_t status, const std::string& what) {
    if (status >= 0) return;
    const std::string reason = innermost_h5_error();
    throw Error(what + ": " + (reason.empty() ? "HDF5 failed" : reason));
  }

  /// Collective, at the first direct write: netCDF-C (which has written the header and the
  /// coordinates) closes the file on every rank, and rank 0 reopens it through HDF5 alone.
  void reopen_with_hdf5() {
    if (reopened_) return;
    reopened_ = true;
    open_ = false;
    check(nc_close(ncid_), "closing the file's header");
    if (rank_ != kStoringRank) return;
    const H5Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
#if H5_VERSION_GE(1, 10, 7)
    // No lock needed on the run's own temporary file, nor wanted where the file system has
    // no locks (netCDF-C's MPI-IO handle took none either).
    H5Pset_file_locking(access.get(), false, true);
#endif
    h5_file_ = H5Handle(H5Fopen(path_.c_str(), H5F_ACC_RDWR, access.get()), H5Fclose);
    if (!h5_file_.valid()) check_h5(-1, "reopening the file through HDF5");
  }

  /// Rank 0: the variable's HDF5 dataset.
  hid_t dataset(int varid) {
    if (!h5_file_.valid()) throw Error("the file is not open through HDF5");
    H5Handle& set = datasets_[varid];
    if (!set.valid()) {
      set = H5Handle(H5Dopen2(h5_file_.get(), variable_name(varid).c_str(), H5P_DEFAULT), H5Dclose);
      if (!set.valid()) check_h5(-1, "opening " + variable_name(varid) + " through HDF5");
    }
    return set.get();
  }

  void close_hdf5() {
    herr_t status = 0;
    for (auto& [varid, set] : datasets_) status = std::min(status, set.reset());
    datasets_.clear();
    check_h5(std::min(status, h5_file_.reset()), "closing the file");
  }

  /// Bytes somewhere (a rank's own chunks or values, or a received message).
  struct Bytes {
    const unsigned char* data = nullptr;
    std::size_t size = 0;
  };

  /// One rank's part of a direct write, for rank 0 to store: the compressed chunks it
  /// covers whole (`offsets`: a chunk's first cell, ndims per chunk), and/or a block that HDF5
  /// writes through its own filters (`block`; `start` empty: a scalar).
  struct Payload {
    std::size_t ndims = 0;
    std::vector<hsize_t> offsets;
    std::vector<Bytes> chunks;
    std::vector<std::vector<unsigned char>> owned;  ///< compressed chunks chunks points into
    bool has_block = false;
    std::vector<hsize_t> start, count;
    Bytes block;

    /// As one message: ndims, chunks, has_block, offsets, sizes, start, count, block size
    /// (8-byte words), then the chunks' and the block's bytes.
    std::vector<unsigned char> pack() const {
      std::vector<std::uint64_t> words{ndims, chunks.size(), has_block ? 1u : 0u};
      words.insert(words.end(), offsets.begin(), offsets.end());
      std::size_t bytes = block.size;
      for (const Bytes& chunk : chunks) {
        words.push_back(chunk.size);
        bytes += chunk.size;
      }
      if (has_block) {
        words.insert(words.end(), start.begin(), start.end());
        words.insert(words.end(), count.begin(), count.end());
        words.push_back(block.size);
      }
      std::vector<unsigned char> out(words.size() * sizeof(std::uint64_t) + bytes);
      std::memcpy(out.data(), words.data(), words.size() * sizeof(std::uint64_t));
      unsigned char* at = out.data() + words.size() * sizeof(std::uint64_t);
      for (const Bytes& chunk : chunks) at = std::copy_n(chunk.data, chunk.size, at);
      if (has_block) std::copy_n(block.data, block.size, at);
      return out;
    }

    /// The payload pack() made, pointing into `message`.
    static Payload unpack(const std::vector<unsigned char>& message) {
      Payload p;
      std::size_t at = 0;
      const auto word = [&]() -> std::uint64_t {
        if (at + sizeof(std::uint64_t) > message.size())
          throw Error("a short direct-write message");
        std::uint64_t w = 0;
        std::memcpy(&w, message.data() + at, sizeof w);
        at += sizeof w;
        return w;
      };
      p.ndims = word();
      const std::uint64_t chunks = word();
      p.has_block = word() != 0;
      for (std::uint64_t i = 0; i < chunks * p.ndims; ++i) p.offsets.push_back(word());
      std::vector<std::uint64_t> sizes;
      for (std::uint64_t i = 0; i < chunks; ++i) sizes.push_back(word());
      std::uint64_t block_bytes = 0;
      if (p.has_block) {
        for (std::size_t d = 0; d < p.ndims; ++d) p.start.push_back(word());
        for (std::size_t d = 0; d < p.ndims; ++d) p.count.push_back(word());
        block_bytes = word();
      }
      for (std::uint64_t size : sizes) {
        if (at + size > message.size()) throw Error("a short direct-write message");
        p.chunks.push_back(Bytes{message.data() + at, size});
        at += size;
      }
      if (at + block_bytes != message.size()) throw Error("a direct-write message of wrong size");
      p.block = Bytes{message.data() + at, block_bytes};
      return p;
    }
  };

  /// One compressed chunk at `offset` of dataset `set`, by H5Dwrite_chunk (counted).
  static void store_chunk(hid_t set, const hsize_t* offset, const unsigned char* data,
                          std::size_t size, const std::string& what) {
    check_h5(H5Dwrite_chunk(set, H5P_DEFAULT, 0, offset, size, data), what);
    bytes_stored_directly_count() += static_cast<std::int64_t>(size);
  }

  /// Rank 0 stores a payload: its chunks by H5Dwrite_chunk, its block by H5Dwrite.
  void store(int varid, const Payload& p, hid_t type) {
    if (p.chunks.empty() && !p.has_block) return;
    const hid_t set = dataset(varid);
    const std::string what = "writing " + variable_name(varid);
    for (std::size_t i = 0; i < p.chunks.size(); ++i)
      store_chunk(set, p.offsets.data() + i * p.ndims, p.chunks[i].data, p.chunks[i].size, what);
    chunks_written_directly_count() += p.chunks.size();
    if (!p.has_block) return;
    bytes_stored_directly_count() += static_cast<std::int64_t>(p.block.size);
    if (p.start.empty()) {  // a scalar
      check_h5(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.block.data), what);
      return;
    }
    const H5Handle memory(
        H5Screate_simple(static_cast<int>(p.count.size()), p.count.data(), nullptr), H5Sclose);
    const H5Handle file(H5Dget_space(set), H5Sclose);
    if (!memory.valid() || !file.valid()) check_h5(-1, what);
    check_h5(H5Sselect_hyperslab(file.get(), H5S_SELECT_SET, p.start.data(), nullptr,
                                 p.count.data(), nullptr),
             what);
    check_h5(H5Dwrite(set, type, memory.get(), file.get(), H5P_DEFAULT, p.block.data), what);
  }

  /// Writes through HDF5 once the file takes chunks directly (direct_) and a field has been
  /// written (netCDF-C's handle is closed then). Collective: every rank compresses the whole
  /// chunks of its block on its threads; rank 0 stores its own and, rank by rank, those the
  /// others send (one message each), with any block that splits a chunk written through
  /// HDF5's filters. Rank 0 alone writes the file; the others' cost is their chunks and one
  /// message a call. False: netCDF-C writes it.
  template <typename T>
  bool h5_write(int varid, const std::vector<std::int64_t>& start,
                const std::vector<std::int64_t>& count, const T* values,
                const ColumnSpans* data_columns = nullptr) {
    if (!direct_ || (!reopened_ && field_chunks_.count(varid) == 0)) return false;
    // A failure on any rank is thrown after the exchange, so that no rank waits for another
    // (the caller agrees on it: netcdf_collective.cpp).
    std::string failure;
    Payload own;
    std::vector<unsigned char> message;
    try {
      reopen_with_hdf5();
      inject_fault("store", "chunks of " + variable_name(varid));
      own = payload(varid, start, count, values, data_columns, rank_ == kStoringRank);
      if (rank_ != kStoringRank && (!own.chunks.empty() || own.has_block)) message = own.pack();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    long long size = static_cast<long long>(message.size());
    std::vector<long long> sizes(rank_ == kStoringRank ? static_cast<std::size_t>(ranks_) : 0);
    MPI_Gather(&size, 1, MPI_LONG_LONG, sizes.data(), 1, MPI_LONG_LONG, kStoringRank, comm_);
    const hid_t type = std::is_same_v<T, float>          ? H5T_NATIVE_FLOAT
                       : std::is_same_v<T, std::int32_t> ? H5T_NATIVE_INT32
                                                         : H5T_NATIVE_DOUBLE;
    if (rank_ == kStoringRank) {
      const auto stored = [&](const std::function<void()>& step) {
        if (!failure.empty()) return;
        try {
          step();
        } catch (const std::exception& e) {
          failure = e.what();
        }
      };
      stored([&] { store(varid, own, type); });
      for (int r = 0; r < ranks_; ++r) {
        if (r == kStoringRank || sizes[static_cast<std::size_t>(r)] == 0) continue;
        message.resize(static_cast<std::size_t>(sizes[static_cast<std::size_t>(r)]));
        transfer(message, r, false);
        stored([&] { store(varid, Payload::unpack(message), type); });
      }
    } else if (!message.empty()) {
      transfer(message, kStoringRank, true);
    }
    if (!failure.empty()) throw Error(failure);
    return true;
  }

  /// Sends `bytes` to `rank` or receives them from it, in messages MPI's int counts allow.
  void transfer(std::vector<unsigned char>& bytes, int rank, bool send) const {
    constexpr std::size_t kPiece = std::size_t{1} << 30;
    for (std::size_t at = 0; at < bytes.size(); at += kPiece) {
      const int n = static_cast<int>(std::min(kPiece, bytes.size() - at));
      if (send)
        MPI_Send(bytes.data() + at, n, MPI_BYTE, rank, kDirectTag, comm_);
      else
        MPI_Recv(bytes.data() + at, n, MPI_BYTE, rank, kDirectTag, comm_, MPI_STATUS_IGNORE);
    }
  }

  /// This rank's payload: a field's block covering whole chunks as compressed chunks
  /// (compressed_chunks), any other block as it is.
  template <typename T>
  Payload payload(int varid, const std::vector<std::int64_t>& start,
                  const std::vector<std::int64_t>& count, const T* values,
                  const ColumnSpans* data_columns, bool store_now) {
    Payload p;
    p.ndims = start.size();
    if (std::any_of(count.begin(), count.end(), [](std::int64_t n) { return n == 0; }))
      return p;  // nothing to write
    if constexpr (sizeof(T) == 4)
      if (compressed_chunks(varid, start, count, values, data_columns, p, store_now)) return p;
    p.has_block = true;
    p.start.assign(start.begin(), start.end());
    p.count.assign(count.begin(), count.end());
    std::size_t n = 1;
    for (std::int64_t c : count) n *= static_cast<std::size_t>(c);
    p.block = Bytes{reinterpret_cast<const unsigned char*>(values), n * sizeof(T)};
    return p;
  }

  /// The direct write of a field's block (module comment): every chunk it covers, edge chunks
  /// padded with the fill value, compressed on every thread, into `p`, or with `store_now`
  /// (the storing rank's own block) stored as they are compressed, leaving p.chunks empty; a
  /// chunk outside `data_columns` (when given) is the fill, not read. False when the block is
  /// not a field's or does not cover whole chunks (HDF5's path writes it).
  template <typename T>
  bool compressed_chunks(int varid, const std::vector<std::int64_t>& start,
                         const std::vector<std::int64_t>& count, const T* values,
                         const ColumnSpans* data_columns, Payload& p, bool store_now) {
    static_assert(sizeof(T) == 4, "fields hold 4-byte values");
    const auto it = field_chunks_.find(varid);
    if (it == field_chunks_.end() || values == nullptr) return false;
    const FieldChunks& c = it->second;
    const std::size_t y = start.size() - 2, x = start.size() - 1;
    const auto whole = [](std::int64_t from, std::int64_t to, std::int64_t step, std::int64_t end) {
      return from % step == 0 && (to % step == 0 || to == end);
    };
    if (!whole(start[y], start[y] + count[y], c.rows, c.ny) ||
        !whole(start[x], start[x] + count[x], c.columns, c.nx))
      return false;
    std::int64_t planes = 1;  // periods x bands at once; a chunk holds one plane
    for (std::size_t d = 0; d < y; ++d) planes *= count[d];
    const std::int64_t chunk_rows = (count[y] + c.rows - 1) / c.rows;
    const std::int64_t chunk_columns = (count[x] + c.columns - 1) / c.columns;
    const std::int64_t chunks = planes * chunk_rows * chunk_columns;
    // Each chunk compressed, or (a chunk of one value: fill, zero counts) that value's bits.
    p.owned.assign(static_cast<std::size_t>(chunks), {});
    std::vector<std::uint32_t> one_value(static_cast<std::size_t>(chunks));
    // A chunk column holds the fill (c.padding's bits) alone when no span of data_columns
    // meets it.
    std::vector<char> fill_only(static_cast<std::size_t>(chunk_columns), 0);
    if (data_columns != nullptr)
      for (std::int64_t j = 0; j < chunk_columns; ++j) {
        const std::int64_t from = start[x] + j * c.columns, to = from + c.columns;
        fill_only[static_cast<std::size_t>(j)] =
            std::none_of(data_columns->begin(), data_columns->end(),
                         [&](const auto& span) { return span.first < to && from < span.second; });
      }
    const auto chunk_bytes = static_cast<std::size_t>(c.rows * c.columns) * sizeof(T);
    p.offsets.resize(static_cast<std::size_t>(chunks) * p.ndims);
    for (std::int64_t i = 0; i < chunks; ++i) {
      hsize_t* offset = p.offsets.data() + static_cast<std::size_t>(i) * p.ndims;
      std::int64_t rest = i / (chunk_rows * chunk_columns);
      for (std::size_t d = y; d-- > 0;) {  // the plane's leading indices, last fastest
        offset[d] = static_cast<hsize_t>(start[d] + rest % count[d]);
        rest /= count[d];
      }
      offset[y] = static_cast<hsize_t>(start[y] + i / chunk_columns % chunk_rows * c.rows);
      offset[x] = static_cast<hsize_t>(start[x] + i % chunk_columns * c.columns);
    }
    std::string failure;
    std::atomic<bool> failed{false};
    const RowKernels kernels = row_kernels();
    const auto compress = [&](std::int64_t i) {
      const std::int64_t plane = i / (chunk_rows * chunk_columns);
      const std::int64_t r = i / chunk_columns % chunk_rows * c.rows;
      const std::int64_t k = i % chunk_columns * c.columns;
      const T* first = values + (plane * count[y] + r) * count[x] + k;
      const std::int64_t rows = std::min(c.rows, count[y] - r);
      const std::int64_t columns = std::min(c.columns, count[x] - k);
      const auto at = static_cast<std::size_t>(i);
      if (fill_only[static_cast<std::size_t>(i % chunk_columns)]) {
        one_value[at] = c.padding;
        return;
      }
      if (single_value(first, rows, columns, count[x], kernels, &one_value[at])) return;
      try {
        // Scratch kept by each thread: a chunk's bytes are neither zeroed nor page-faulted anew.
        thread_local std::vector<unsigned char> input;
        shuffle_chunk(first, rows, columns, count[x], c, kernels, input);
        p.owned[at] = deflate_bytes(input.data(), input.size(), storage_.deflate_level);
      } catch (const std::exception& e) {
        failed.store(true, std::memory_order_relaxed);
#pragma omp critical(swathgrid_write_chunks)
        failure = e.what();
      }
    };
    const auto bytes_of = [&](std::int64_t i) -> const std::vector<unsigned char>& {
      const auto at = static_cast<std::size_t>(i);
      return p.owned[at].empty() ? single_value_chunk(one_value[at], chunk_bytes) : p.owned[at];
    };
    if (!store_now) {
#pragma omp parallel for schedule(dynamic)
      for (std::int64_t i = 0; i < chunks; ++i) compress(i);
      if (!failure.empty()) throw Error("writing " + variable_name(varid) + ": " + failure);
      for (std::int64_t i = 0; i < chunks; ++i) {
        const std::vector<unsigned char>& bytes = bytes_of(i);
        p.chunks.push_back(Bytes{bytes.data(), bytes.size()});
      }
      return true;
    }
    // Stored as they are compressed: the team's first thread (the only one calling HDF5)
    // stores the chunks in order, each as soon as it is there, and compresses while the next
    // one is not; the stores no longer wait for the last chunk of the block while the other
    // threads spin (~0.2 s of the global 1 km case's write; docs/performance.md, session 25).
    // The file's chunks are in the same order as before.
    const hid_t set = dataset(varid);
    const std::string what = "writing " + variable_name(varid);
    const std::unique_ptr<std::atomic<bool>[]> ready(
        new std::atomic<bool>[static_cast<std::size_t>(chunks)]);
    for (std::int64_t i = 0; i < chunks; ++i) ready[static_cast<std::size_t>(i)].store(false);
    std::atomic<std::int64_t> next{0};
    std::string store_failure;
    std::int64_t stored = 0;
#ifdef _OPENMP
#pragma omp parallel
#endif
    {
#ifdef _OPENMP
      const bool storer = omp_get_thread_num() == 0;
#else
      const bool storer = true;
#endif
      // Stores the chunks that are ready, in order (all of them when `wait`).
      const auto store_ready = [&](bool wait) {
        while (stored < chunks && store_failure.empty()) {
          if (!ready[static_cast<std::size_t>(stored)].load(std::memory_order_acquire)) {
            if (!wait) return;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
            continue;
          }
          if (failed.load(std::memory_order_relaxed)) return;  // reported below
          try {
            const std::vector<unsigned char>& bytes = bytes_of(stored);
            store_chunk(set, p.offsets.data() + static_cast<std::size_t>(stored) * p.ndims,
                        bytes.data(), bytes.size(), what);
            std::vector<unsigned char>().swap(p.owned[static_cast<std::size_t>(stored)]);
            ++stored;
          } catch (const std::exception& e) {
            store_failure = e.what();
          }
        }
      };
      for (;;) {
        if (storer) store_ready(false);
        const std::int64_t i = next.fetch_add(1, std::memory_order_relaxed);
        if (i >= chunks) break;
        compress(i);
        ready[static_cast<std::size_t>(i)].store(true, std::memory_order_release);
      }
      if (storer) store_ready(true);
    }
    chunks_written_directly_count() += static_cast<std::size_t>(stored);
    if (!failure.empty()) throw Error("writing " + variable_name(varid) + ": " + failure);
    if (!store_failure.empty()) throw Error(store_failure);
    return true;
  }

  /// Whether the chunk's values in the grid all have one value's bits (stored in `bits`;
  /// an edge chunk is then stored with that value beyond the grid too); branch-free rows
  /// (vectorised).
  template <typename T>
  static bool single_value(const T* first, std::int64_t rows, std::int64_t columns,
                           std::int64_t stride, const RowKernels& kernels, std::uint32_t* bits) {
    static_assert(sizeof(T) == sizeof *bits, "fields hold 4-byte values");
    std::uint32_t value = 0;
    std::memcpy(&value, first, sizeof value);
    for (std::int64_t r = 0; r < rows; ++r)
      if (kernels.differs(reinterpret_cast<const unsigned char*>(first + r * stride), columns,
                          value))
        return false;
    *bits = value;
    return true;
  }

  /// The shift that takes byte b (in memory order) of a `size`-byte value to the lowest bits.
  static unsigned byte_shift(std::size_t b, std::size_t size) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return 8 * static_cast<unsigned>(size - 1 - b);
#else
    static_cast<void>(size);
    return 8 * static_cast<unsigned>(b);
#endif
  }

  /// The chunk (rows x columns of the grid at `first`, padded to the chunk shape with the
  /// fill value) as HDF5's shuffle filter gives it to deflate: byte b of every value, b = 0,
  /// 1, ... in memory order.
  template <typename T>
  static void shuffle_chunk(const T* first, std::int64_t rows, std::int64_t columns,
                            std::int64_t stride, const FieldChunks& c, const RowKernels& kernels,
                            std::vector<unsigned char>& out) {
    static_assert(sizeof(T) == 4, "fields hold 4-byte values");
    const auto n = static_cast<std::size_t>(c.rows * c.columns);
    out.resize(n * sizeof(T));
    for (std::size_t b = 0; b < sizeof(T); ++b) {
      const unsigned shift = byte_shift(b, sizeof(T));
      unsigned char* plane = out.data() + b * n;
      const auto pad = static_cast<unsigned char>(c.padding >> shift);
      for (std::int64_t r = 0; r < c.rows; ++r) {
        unsigned char* __restrict to = plane + static_cast<std::size_t>(r * c.columns);
        std::int64_t k = 0;
        if (r < rows) {
          kernels.byte_row(reinterpret_cast<const unsigned char*>(first + r * stride), columns,
                           shift, to);
          k = columns;
        }
        std::fill(to + k, to + c.columns, pad);
      }
    }
  }

  /// The compressed chunk whose every value has `bits`, compressed once per value.
  const std::vector<unsigned char>& single_value_chunk(std::uint32_t bits, std::size_t bytes) {
    std::vector<unsigned char>& known = single_value_chunks_[{bits, bytes}];
    if (known.empty()) {
      std::vector<unsigned char> input(bytes);
      for (std::size_t b = 0; b < sizeof bits; ++b) {
        const unsigned shift = byte_shift(b, sizeof bits);
        std::fill(input.begin() + static_cast<std::ptrdiff_t>(b * bytes / sizeof bits),
                  input.begin() + static_cast<std::ptrdiff_t>((b + 1) * bytes / sizeof bits),
                  static_cast<unsigned char>(bits >> shift));
      }
      known = deflate_bytes(input.data(), input.size(), storage_.deflate_level);
    }
    return known;
  }

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
      const RowKernels kernels = row_kernels();
      precompress(
          chunks.size(),
          [&](std::size_t i) {
            std::vector<unsigned char> input;
            std::uint32_t bits = 0;
            if (!single_value(chunks[i], c.rows, c.columns, count[x], kernels, &bits))
              shuffle_chunk(chunks[i], c.rows, c.columns, count[x], c, kernels, input);
            return input;
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
    bool used_ = false;
  };

  OutputEncoding storage_;
  std::string path_;
  bool direct_ = false;  ///< fields' chunks written directly (writes_directly)
  MPI_Comm comm_;
  int rank_ = 0, ranks_ = 1;
  bool reopened_ = false;  ///< netCDF-C's handle closed for direct writes (rank 0: HDF5's open)
  int ncid_ = -1;
  bool open_ = true;                  ///< netCDF-C's handle
  H5Handle h5_file_;                  ///< the file reopened through HDF5 (direct writes)
  std::map<int, H5Handle> datasets_;  ///< fields' datasets by variable id (direct writes)
  /// Compressed chunks holding one value throughout, by the value's bits and chunk bytes.
  std::map<std::pair<std::uint32_t, std::size_t>, std::vector<unsigned char>> single_value_chunks_;
  std::map<int, std::int64_t> lengths_;  ///< dimension lengths by id
  std::map<int, FieldChunks> field_chunks_;  ///< chunked fields by variable id
  long long bound_ = kMetadataPerFile;   ///< size_bound()
};

}  // namespace

std::size_t chunks_written_directly() { return chunks_written_directly_count(); }

}  // namespace swathgrid::netcdf

namespace swathgrid {
std::int64_t bytes_stored_directly() { return netcdf::bytes_stored_directly_count(); }
}  // namespace swathgrid

namespace swathgrid::netcdf {

std::unique_ptr<NcFile> create_netcdf4(const std::string& path, const OutputEncoding& storage,
                                       MPI_Comm comm) {
  return std::make_unique<Netcdf4File>(path, storage, comm);
}

}  // namespace swathgrid::netcdf
