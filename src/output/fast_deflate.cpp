// zlib's compress2() served by libdeflate in this process (docs/performance.md, "Session 12:
// libdeflate behind HDF5's deflate filter").
//
// Why: writing the global 0.01 degree composite spent 10 of its 13 s in zlib level 1, 4.5 s
// of it compressing chunks that hold only the fill value or a zero count (77 % of the chunks
// there: a composite of swaths is mostly empty). HDF5's deflate filter compresses each chunk
// with one compress2() call, and HDF5 1.10 refuses to replace its predefined filters
// (H5Zregister: "unable to modify predefined filters"), so the executable defines
// compress2(): the dynamic linker binds HDF5's call to the executable's definition first.
// libdeflate writes the same zlib format 2-3x faster, and an input equal to one compressed a
// moment ago (the fill chunk) takes the stored result instead of being compressed again.
// Level 1 (the output's default) goes to ISA-L's igzip level 1 where built with it (Debian
// libisal-dev, Spack isa-l): on the global 1 km composite's chunks with data it compresses
// 3.4x (chlor_a) to 8x (counts) faster than libdeflate level 1 for a 6 % larger result
// (docs/performance.md, session 17); the zlib format is the same. SWATHGRID_ISAL_COMPRESS=0
// hands level 1 back to libdeflate (A/B measurements).
// Every reader inflates the result as before (filter id, parameters and format unchanged);
// only the compressed bytes differ from zlib's. The writer may also compress a block's chunks
// ahead on every thread (precompress): compress2() then takes a result for its byte-equal
// input. SWATHGRID_ZLIB_COMPRESS=1 hands every call to zlib's own compress2 (A/B
// measurements). Inflating is left to zlib.

#include "output/fast_deflate.hpp"

#include <zlib.h>

#include "swathgrid/error.hpp"

namespace swathgrid {
namespace {
using Compress2 = int (*)(Bytef*, uLongf*, const Bytef*, uLong, int);
Compress2 zlib_compress2();

/// deflate_bytes() by zlib's own compress2.
std::vector<unsigned char> zlib_deflate_bytes(const unsigned char* bytes, std::size_t size,
                                              int level) {
  uLongf out_bytes = compressBound(static_cast<uLong>(size));
  std::vector<unsigned char> out(out_bytes);
  if (zlib_compress2()(out.data(), &out_bytes, bytes, static_cast<uLong>(size), level) != Z_OK)
    throw Error("compressing a chunk: zlib failed");
  out.resize(out_bytes);
  return out;
}
}  // namespace
}  // namespace swathgrid

#ifdef SWATHGRID_HAVE_LIBDEFLATE

#include <dlfcn.h>
#include <libdeflate.h>
#ifdef SWATHGRID_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace swathgrid {

namespace {

constexpr int kDefaultLevel = 6;  // zlib's Z_DEFAULT_COMPRESSION
constexpr int kMaxLevel = 9;
/// An input compressing at least this well is remembered (fill chunks: ~500x); data (2-10x)
/// never repeats and would only push the fill chunk out.
constexpr std::size_t kRememberedRatio = 64;
constexpr std::size_t kRememberedInputs = 4;  // float fill, zero count, edge chunks

struct Remembered {
  int level = 0;
  std::vector<unsigned char> input, output;

  /// Copies `output` into `dest` when `input` at `level` is this one's and it fits.
  bool give(int at_level, const unsigned char* bytes, std::size_t size, unsigned char* dest,
            std::size_t* dest_bytes) const {
    if (level != at_level || input.size() != size || output.size() > *dest_bytes ||
        std::memcmp(input.data(), bytes, size) != 0)
      return false;
    std::memcpy(dest, output.data(), output.size());
    *dest_bytes = output.size();
    return true;
  }
};

struct Memory {
  std::mutex mutex;
  std::vector<Remembered> entries;  // at most kRememberedInputs
  std::size_t next_replaced = 0;

  /// Copies the stored result of `input` into `dest`; false when none or it does not fit.
  bool recall(int level, const unsigned char* input, std::size_t bytes, unsigned char* dest,
              std::size_t* dest_bytes) {
    std::lock_guard<std::mutex> lock(mutex);
    return std::any_of(entries.begin(), entries.end(), [&](const Remembered& r) {
      return r.give(level, input, bytes, dest, dest_bytes);
    });
  }

  void keep(int level, const unsigned char* input, std::size_t bytes, const unsigned char* output,
            std::size_t output_bytes) {
    Remembered r{level, {input, input + bytes}, {output, output + output_bytes}};
    std::lock_guard<std::mutex> lock(mutex);
    if (entries.size() < kRememberedInputs) {
      entries.push_back(std::move(r));
    } else {
      entries[next_replaced] = std::move(r);
      next_replaced = (next_replaced + 1) % kRememberedInputs;
    }
  }
};

Memory& memory() {
  static Memory m;
  return m;
}

/// zlib's own compress2, behind this definition (the process links zlib through HDF5).
Compress2 zlib_compress2() {
  static const auto next = reinterpret_cast<Compress2>(dlsym(RTLD_NEXT, "compress2"));
  return next;
}

bool zlib_wanted() {
  static const bool wanted = [] {
    const char* text = std::getenv("SWATHGRID_ZLIB_COMPRESS");
    return text != nullptr && std::strcmp(text, "1") == 0;
  }();
  return wanted;
}

/// This thread's libdeflate compressor at `level` (nullptr when out of memory).
libdeflate_compressor* compressor_for(int level) {
  thread_local std::unique_ptr<libdeflate_compressor, void (*)(libdeflate_compressor*)> deflater(
      nullptr, libdeflate_free_compressor);
  thread_local int deflater_level = -1;
  if (!deflater || deflater_level != level) {
    deflater.reset(libdeflate_alloc_compressor(level));
    deflater_level = level;
  }
  return deflater.get();
}

bool isal_wanted(int level) {
#ifdef SWATHGRID_HAVE_ISAL
  static const bool wanted = [] {
    const char* text = std::getenv("SWATHGRID_ISAL_COMPRESS");
    return text == nullptr || std::strcmp(text, "0") != 0;
  }();
  return level == 1 && wanted;
#else
  (void)level;
  return false;
#endif
}

#ifdef SWATHGRID_HAVE_ISAL
/// `size` bytes at `input` as one zlib stream by igzip level 1 into `out` (`capacity` bytes);
/// the stream's length, 0 when it did not fit.
std::size_t isal_zlib_compress(const unsigned char* input, std::size_t size, unsigned char* out,
                               std::size_t capacity) {
  thread_local std::vector<std::uint8_t> level_buffer(ISAL_DEF_LVL1_DEFAULT);
  // Zeroed first: isal_deflate_stateless_init leaves fields of the stream as they were, and
  // the stack's leftovers there changed the (still valid) streams from run to run (1,100 of a
  // global 0.01 degree file's chunks, same inputs, other sizes, after an unrelated change of
  // the caller's stack; docs/performance.md, session 21).
  isal_zstream stream{};
  isal_deflate_stateless_init(&stream);
  stream.level = 1;
  stream.level_buf = level_buffer.data();
  stream.level_buf_size = static_cast<std::uint32_t>(level_buffer.size());
  stream.gzip_flag = IGZIP_ZLIB;
  stream.end_of_stream = 1;
  stream.flush = NO_FLUSH;
  stream.next_in = const_cast<unsigned char*>(input);
  stream.avail_in = static_cast<std::uint32_t>(size);
  stream.next_out = out;
  stream.avail_out = static_cast<std::uint32_t>(std::min<std::size_t>(capacity, UINT32_MAX));
  if (size > UINT32_MAX || isal_deflate_stateless(&stream) != COMP_OK) return 0;
  return stream.total_out;
}
#endif

/// The largest stream compress_into() can write for `size` bytes at `level` (0 without memory).
std::size_t compress_bound(std::size_t size, int level) {
  libdeflate_compressor* deflater = compressor_for(level);
  return deflater ? libdeflate_zlib_compress_bound(deflater, size) : 0;
}

/// `size` bytes at `input` as one zlib stream at `level` into `out` (`capacity` bytes): igzip
/// for level 1 where wanted, else (or when igzip's stream did not fit) libdeflate. The stream's
/// length; 0 when it did not fit or the compressor could not be had.
std::size_t compress_into(const unsigned char* input, std::size_t size, unsigned char* out,
                          std::size_t capacity, int level) {
#ifdef SWATHGRID_HAVE_ISAL
  if (isal_wanted(level)) {
    const std::size_t written = isal_zlib_compress(input, size, out, capacity);
    if (written != 0) return written;
  }
#endif
  libdeflate_compressor* deflater = compressor_for(level);
  return deflater ? libdeflate_zlib_compress(deflater, input, size, out, capacity) : 0;
}

/// Chunks compressed ahead by precompress(), by the Adler-32 of their input, until asked for.
struct Prepared {
  std::mutex mutex;
  std::unordered_multimap<std::uint32_t, Remembered> entries;
  std::size_t taken = 0;  ///< results handed to compress2() so far

  bool take(int level, const unsigned char* input, std::size_t bytes, unsigned char* dest,
            std::size_t* dest_bytes) {
    std::lock_guard<std::mutex> lock(mutex);
    if (entries.empty()) return false;
    const auto [first, last] = entries.equal_range(libdeflate_adler32(1, input, bytes));
    for (auto it = first; it != last; ++it) {
      if (!it->second.give(level, input, bytes, dest, dest_bytes)) continue;
      entries.erase(it);
      ++taken;
      return true;
    }
    return false;
  }
};

Prepared& prepared() {
  static Prepared p;
  return p;
}

int libdeflate_compress2(Bytef* dest, uLongf* dest_len, const Bytef* source, uLong source_len,
                         int level) {
  if (level == Z_DEFAULT_COMPRESSION) level = kDefaultLevel;
  if (level < 0 || level > kMaxLevel) return Z_STREAM_ERROR;
  std::size_t out_bytes = *dest_len;
  if (memory().recall(level, source, source_len, dest, &out_bytes) ||
      prepared().take(level, source, source_len, dest, &out_bytes)) {
    *dest_len = static_cast<uLongf>(out_bytes);
    return Z_OK;
  }
  const std::size_t written = compress_into(source, source_len, dest, *dest_len, level);
  // libdeflate wants a little slack beyond the result: near a full buffer (or without memory
  // for a compressor), zlib decides.
  if (written == 0) return zlib_compress2()(dest, dest_len, source, source_len, level);
  if (written * kRememberedRatio <= source_len)
    memory().keep(level, source, source_len, dest, written);
  *dest_len = static_cast<uLongf>(written);
  return Z_OK;
}

}  // namespace

bool fast_deflate_in_use() { return !zlib_wanted(); }

const char* deflate_engine(int level) {
  if (zlib_wanted()) return "zlib";
  return isal_wanted(level) ? "isal" : "libdeflate";
}

std::vector<unsigned char> deflate_bytes(const unsigned char* bytes, std::size_t size, int level) {
  if (zlib_wanted()) return zlib_deflate_bytes(bytes, size, level);
  const std::size_t bound = compress_bound(size, level);
  if (bound == 0) throw Error("compressing a chunk: no memory for libdeflate");
  // The bound (more than the input) in a buffer the thread keeps; the result copied out.
  thread_local std::vector<unsigned char> scratch;
  scratch.resize(std::max(scratch.size(), bound));
  const std::size_t written = compress_into(bytes, size, scratch.data(), scratch.size(), level);
  if (written == 0) throw Error("compressing a chunk: the compressor failed");
  return {scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(written)};
}

void precompress(std::vector<std::vector<unsigned char>> inputs, int level) {
  precompress(
      inputs.size(), [&inputs](std::size_t i) { return std::move(inputs[i]); }, level);
}

void precompress(std::size_t inputs,
                 const std::function<std::vector<unsigned char>(std::size_t)>& make, int level) {
  if (zlib_wanted() || level < 0 || level > kMaxLevel) return;
  std::vector<Remembered> done(inputs);
  const auto count = static_cast<std::int64_t>(inputs);
#pragma omp parallel for schedule(dynamic)
  for (std::int64_t i = 0; i < count; ++i) {
    Remembered& r = done[static_cast<std::size_t>(i)];
    r.level = level;
    r.input = make(static_cast<std::size_t>(i));
    if (r.input.empty()) continue;
    r.output.resize(compress_bound(r.input.size(), level));
    r.output.resize(
        compress_into(r.input.data(), r.input.size(), r.output.data(), r.output.size(), level));
  }
  Prepared& p = prepared();
  std::lock_guard<std::mutex> lock(p.mutex);
  for (Remembered& r : done) {
    if (r.output.empty()) continue;
    const std::uint32_t key = libdeflate_adler32(1, r.input.data(), r.input.size());
    p.entries.emplace(key, std::move(r));
  }
}

std::size_t precompressed_taken() {
  Prepared& p = prepared();
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.taken;
}

void forget_precompressed() {
  Prepared& p = prepared();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.entries.clear();
}

}  // namespace swathgrid

extern "C" __attribute__((visibility("default"))) int compress2(Bytef* dest, uLongf* destLen,
                                                                const Bytef* source,
                                                                uLong sourceLen, int level) {
  if (swathgrid::zlib_wanted()) {
    return swathgrid::zlib_compress2()(dest, destLen, source, sourceLen, level);
  }
  return swathgrid::libdeflate_compress2(dest, destLen, source, sourceLen, level);
}

#else

namespace swathgrid {
namespace {
Compress2 zlib_compress2() { return compress2; }
}  // namespace
bool fast_deflate_in_use() { return false; }
const char* deflate_engine(int) { return "zlib"; }
std::vector<unsigned char> deflate_bytes(const unsigned char* bytes, std::size_t size, int level) {
  return zlib_deflate_bytes(bytes, size, level);
}
void precompress(std::vector<std::vector<unsigned char>>, int) {}
void precompress(std::size_t, const std::function<std::vector<unsigned char>(std::size_t)>&, int) {}
void forget_precompressed() {}
std::size_t precompressed_taken() { return 0; }
}  // namespace swathgrid

#endif
