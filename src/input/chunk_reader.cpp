#include "chunk_reader.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#ifdef SWATHGRID_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

namespace swathgrid::h5 {

#ifndef SWATHGRID_HAVE_LIBDEFLATE

bool direct_chunk_reads_available() { return false; }
bool read_rows_direct(hid_t, const Rows&, hid_t, void*) { return false; }

#else

namespace {

/// Filter-pipeline slots the direct path reproduces.
constexpr int kMaxFilters = 2;
constexpr std::size_t kFilterNameBytes = 64;
/// Compressed bytes kept for the next call at most (2-D OCI variables: ~5 MB); a larger
/// read (a 3-D variable of many bands) frees its buffer when done.
constexpr std::size_t kKeptRawBytes = std::size_t{64} << 20;

/// A dataset as lines x middle x inner (2-D: middle = 1), in elements.
struct Geometry {
  hsize_t dims[3] = {1, 1, 1};
  hsize_t chunk[3] = {1, 1, 1};
  int rank = 0;
  std::size_t element_bytes = 0;
  bool shuffled = false;
  std::size_t chunk_bytes() const { return chunk[0] * chunk[1] * chunk[2] * element_bytes; }
  /// Chunks span whole lines (every middle and inner element): a chunk's lines are then
  /// stored exactly as the row-ordered output holds them.
  bool whole_lines() const { return chunk[1] == dims[1] && chunk[2] == dims[2]; }
};

/// The dataset's geometry when the direct path can read it into `mem_type`.
std::optional<Geometry> direct_geometry(hid_t dataset, hid_t mem_type) {
  Handle plist(H5Dget_create_plist(dataset), H5Pclose);
  if (!plist.valid() || H5Pget_layout(plist.get()) != H5D_CHUNKED) return std::nullopt;
  Handle type(H5Dget_type(dataset), H5Tclose);
  if (!type.valid() || H5Tequal(type.get(), mem_type) <= 0) return std::nullopt;
  Geometry g;
  g.element_bytes = H5Tget_size(type.get());
  const int filters = H5Pget_nfilters(plist.get());
  if (filters < 1 || filters > kMaxFilters) return std::nullopt;
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0, config = 0, cd_values[4] = {0, 0, 0, 0};
    std::size_t cd_count = 4;
    char name[kFilterNameBytes];
    const H5Z_filter_t id = H5Pget_filter2(plist.get(), static_cast<unsigned>(i), &flags, &cd_count,
                                           cd_values, sizeof name, name, &config);
    const bool last = i == filters - 1;
    if (last && id == H5Z_FILTER_DEFLATE) continue;
    if (!last && id == H5Z_FILTER_SHUFFLE && (cd_count == 0 || cd_values[0] == g.element_bytes)) {
      g.shuffled = true;
      continue;
    }
    return std::nullopt;
  }
  Handle space(H5Dget_space(dataset), H5Sclose);
  g.rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if ((g.rank != 2 && g.rank != 3) || H5Pget_chunk(plist.get(), 0, nullptr) != g.rank)
    return std::nullopt;
  hsize_t dims[3], chunk[3];
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  H5Pget_chunk(plist.get(), g.rank, chunk);
  g.dims[0] = dims[0];
  g.chunk[0] = chunk[0];
  for (int d = 1; d < g.rank; ++d) {  // 2-D: the pixels are the inner dimension
    g.dims[d + 3 - g.rank] = dims[d];
    g.chunk[d + 3 - g.rank] = chunk[d];
  }
  for (int d = 0; d < 3; ++d)
    if (g.chunk[d] == 0) return std::nullopt;
  return g;
}

/// One stored chunk: its first element (lines x middle x inner) and its bytes in `raw`.
struct RawChunk {
  hsize_t start[3];
  std::size_t offset = 0, bytes = 0;
};

/// Undoes HDF5's shuffle filter: byte b of element i was stored at b * count + i.
/// 4-byte elements (float, int32: most of a granule) are assembled a whole element at a
/// time, a loop the compiler vectorises; other sizes go byte plane by byte plane.
void unshuffle(const unsigned char* in, unsigned char* out, std::size_t count,
               std::size_t element_bytes) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (element_bytes == 4) {
    const unsigned char *p0 = in, *p1 = in + count, *p2 = in + 2 * count, *p3 = in + 3 * count;
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint32_t element = static_cast<std::uint32_t>(p0[i]) |
                                    static_cast<std::uint32_t>(p1[i]) << 8 |
                                    static_cast<std::uint32_t>(p2[i]) << 16 |
                                    static_cast<std::uint32_t>(p3[i]) << 24;
      std::memcpy(out + 4 * i, &element, 4);  // little-endian: p0's byte first
    }
    return;
  }
#endif
  for (std::size_t b = 0; b < element_bytes; ++b) {
    const unsigned char* plane = in + b * count;
    for (std::size_t i = 0; i < count; ++i) out[i * element_bytes + b] = plane[i];
  }
}

/// Copies the part of one decoded chunk inside `rows` into the row-ordered output.
void place_chunk(const Geometry& g, const RawChunk& c, const unsigned char* elements,
                 const Rows& rows, unsigned char* out) {
  const hsize_t line_end = std::min({c.start[0] + g.chunk[0], g.dims[0], rows.first + rows.count});
  const hsize_t middle_end = std::min(c.start[1] + g.chunk[1], g.dims[1]);
  const std::size_t run =
      (std::min(c.start[2] + g.chunk[2], g.dims[2]) - c.start[2]) * g.element_bytes;
  for (hsize_t line = std::max(c.start[0], rows.first); line < line_end; ++line) {
    for (hsize_t m = c.start[1]; m < middle_end; ++m) {
      const std::size_t from =
          (((line - c.start[0]) * g.chunk[1] + (m - c.start[1])) * g.chunk[2]) * g.element_bytes;
      const std::size_t to =
          (((line - rows.first) * g.dims[1] + m) * g.dims[2] + c.start[2]) * g.element_bytes;
      std::memcpy(out + to, elements + from, run);
    }
  }
}

/// Finds the raw (filtered) chunks holding `rows` and their places in `raw` (grown to hold
/// them all; reused from call to call, grow-only); false when one is missing. Throws Error
/// when the chunk index gives sizes no valid file has (ChunkSizes), before `raw` grows to them.
bool plan_raw_chunks(hid_t dataset, const Geometry& g, const Rows& rows,
                     std::vector<RawChunk>& chunks, std::vector<unsigned char>& raw) {
  const hsize_t first_chunk_line = rows.first / g.chunk[0] * g.chunk[0];
  ChunkSizes sizes(dataset);
  std::size_t total = 0;
  for (hsize_t line = first_chunk_line; line < rows.first + rows.count; line += g.chunk[0])
    for (hsize_t m = 0; m < g.dims[1]; m += g.chunk[1])
      for (hsize_t i = 0; i < g.dims[2]; i += g.chunk[2]) {
        RawChunk c{{line, m, i}, total, 0};
        hsize_t offset[3] = {line, g.rank == 3 ? m : i, i};
        hsize_t stored = 0;
        if (H5Dget_chunk_storage_size(dataset, offset, &stored) < 0 || stored == 0) return false;
        sizes.add(stored, g.chunk_bytes());
        c.bytes = static_cast<std::size_t>(stored);
        total += c.bytes;
        chunks.push_back(c);
      }
  if (raw.size() < total) raw.resize(total);
  return true;
}

/// Reads raw chunk `c` into its place in `raw`; false when HDF5 fails or a filter was skipped.
bool read_raw_chunk(hid_t dataset, const Geometry& g, const RawChunk& c, unsigned char* raw) {
  hsize_t offset[3] = {c.start[0], g.rank == 3 ? c.start[1] : c.start[2], c.start[2]};
  std::uint32_t skipped_filters = 0;
  return H5Dread_chunk(dataset, H5P_DEFAULT, offset, &skipped_filters, raw + c.offset) >= 0 &&
         skipped_filters == 0;
}

}  // namespace

bool direct_chunk_reads_available() { return true; }

bool read_rows_direct(hid_t dataset, const Rows& rows, hid_t mem_type, void* buffer) {
  if (rows.count == 0) return true;
  if (rows.stride != 1) return false;
  const std::optional<Geometry> g = direct_geometry(dataset, mem_type);
  if (!g || rows.first + rows.count > g->dims[0]) return false;
  // Compressed bytes, kept between calls: no allocation (and page faults) per granule.
  thread_local std::vector<unsigned char> raw;
  std::vector<RawChunk> chunks;
  if (!plan_raw_chunks(dataset, *g, rows, chunks, raw)) return false;

  const std::size_t chunk_bytes = g->chunk_bytes();
  const auto count = static_cast<std::int64_t>(chunks.size());
  auto* out = static_cast<unsigned char*>(buffer);
  unsigned char* compressed = raw.data();  // this thread's: the team's own `raw` are empty
  // The calling thread (the team's first, the only one calling HDF5) reads the raw chunks in
  // order and publishes how many it has read; the team inflates each as soon as it is there,
  // the reader too once all are read: reading and inflating overlap instead of the team
  // waiting on a serial read (docs/performance.md, session 24).
  std::atomic<std::int64_t> chunks_read{0}, next_chunk{0};
  std::atomic<bool> read_failed{false};
  int failures = 0;
#ifdef _OPENMP
#pragma omp parallel reduction(+ : failures)
#endif
  {
    // Per thread, kept between calls (grow-only): the inflater and one decoded chunk.
    thread_local std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)>
        inflater(libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
    thread_local std::vector<unsigned char> inflated, unshuffled;
    if (inflated.size() < chunk_bytes) inflated.resize(chunk_bytes);
    if (g->shuffled && unshuffled.size() < chunk_bytes) unshuffled.resize(chunk_bytes);
    if (!inflater) ++failures;
#ifdef _OPENMP
    const bool reader = omp_get_thread_num() == 0;
#else
    const bool reader = true;
#endif
    if (reader) {
      for (std::int64_t k = 0; k < count; ++k) {
        if (!read_raw_chunk(dataset, *g, chunks[static_cast<std::size_t>(k)], compressed)) {
          read_failed.store(true, std::memory_order_relaxed);
          break;
        }
        chunks_read.store(k + 1, std::memory_order_release);
      }
      chunks_read.store(count, std::memory_order_release);  // after a failure: nobody waits
    }
    for (std::int64_t k = next_chunk.fetch_add(1, std::memory_order_relaxed); k < count;
         k = next_chunk.fetch_add(1, std::memory_order_relaxed)) {
      while (chunks_read.load(std::memory_order_acquire) <= k) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      }
      if (!inflater || read_failed.load(std::memory_order_relaxed)) continue;
      const RawChunk& c = chunks[static_cast<std::size_t>(k)];
      // A chunk of whole lines, all of them in `rows` (so also in the dataset), is its lines
      // of the output as they are: inflated (or unshuffled) straight into place, no copy.
      unsigned char* in_place = g->whole_lines() && c.start[0] >= rows.first &&
                                        c.start[0] + g->chunk[0] <= rows.first + rows.count
                                    ? out + (c.start[0] - rows.first) * (chunk_bytes / g->chunk[0])
                                    : nullptr;
      unsigned char* inflate_to = in_place && !g->shuffled ? in_place : inflated.data();
      std::size_t produced = 0;
      if (libdeflate_zlib_decompress(inflater.get(), compressed + c.offset, c.bytes, inflate_to,
                                     chunk_bytes, &produced) != LIBDEFLATE_SUCCESS ||
          produced != chunk_bytes) {
        ++failures;
        continue;
      }
      if (g->shuffled) {
        unsigned char* elements = in_place ? in_place : unshuffled.data();
        unshuffle(inflated.data(), elements, chunk_bytes / g->element_bytes, g->element_bytes);
        if (!in_place) place_chunk(*g, c, elements, rows, out);
      } else if (!in_place) {
        place_chunk(*g, c, inflated.data(), rows, out);
      }
    }
  }
  if (raw.size() > kKeptRawBytes) std::vector<unsigned char>().swap(raw);
  return failures == 0 && !read_failed.load();
}

#endif  // SWATHGRID_HAVE_LIBDEFLATE

}  // namespace swathgrid::h5
