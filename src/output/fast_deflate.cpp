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
  libdeflate_compressor* deflater = compressor_for(level);
  if (!deflater) return Z_MEM_ERROR;
  const std::size_t written =
      libdeflate_zlib_compress(deflater, source, source_len, dest, *dest_len);
  // libdeflate wants a little slack beyond the result: near a full buffer, zlib decides.
  if (written == 0) return zlib_compress2()(dest, dest_len, source, source_len, level);
  if (written * kRememberedRatio <= source_len)
    memory().keep(level, source, source_len, dest, written);
  *dest_len = static_cast<uLongf>(written);
  return Z_OK;
}

}  // namespace

bool fast_deflate_in_use() { return !zlib_wanted(); }

std::vector<unsigned char> deflate_bytes(const unsigned char* bytes, std::size_t size, int level) {
  if (zlib_wanted()) return zlib_deflate_bytes(bytes, size, level);
  libdeflate_compressor* deflater = compressor_for(level);
  if (!deflater) throw Error("compressing a chunk: no memory for libdeflate");
  // The bound (more than the input) in a buffer the thread keeps; the result copied out.
  thread_local std::vector<unsigned char> scratch;
  scratch.resize(std::max(scratch.size(), libdeflate_zlib_compress_bound(deflater, size)));
  const std::size_t written =
      libdeflate_zlib_compress(deflater, bytes, size, scratch.data(), scratch.size());
  if (written == 0) throw Error("compressing a chunk: libdeflate failed");
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
    libdeflate_compressor* deflater = compressor_for(level);
    if (!deflater) continue;
    r.output.resize(libdeflate_zlib_compress_bound(deflater, r.input.size()));
    r.output.resize(libdeflate_zlib_compress(deflater, r.input.data(), r.input.size(),
                                             r.output.data(), r.output.size()));
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
std::vector<unsigned char> deflate_bytes(const unsigned char* bytes, std::size_t size, int level) {
  return zlib_deflate_bytes(bytes, size, level);
}
void precompress(std::vector<std::vector<unsigned char>>, int) {}
void precompress(std::size_t, const std::function<std::vector<unsigned char>(std::size_t)>&, int) {}
void forget_precompressed() {}
std::size_t precompressed_taken() { return 0; }
}  // namespace swathgrid

#endif
