#pragma once
// zlib's compress2() served by libdeflate in this process (fast_deflate.cpp says why and how).

#include <cstddef>
#include <functional>
#include <vector>

namespace swathgrid {

/// True when HDF5's deflate filter compresses through libdeflate in this process: built with
/// libdeflate and SWATHGRID_ZLIB_COMPRESS is not 1. Calling it also links the definition in.
bool fast_deflate_in_use();
/// Which library compresses at `level` in this process: "isal" (igzip, level 1 where built with
/// ISA-L and SWATHGRID_ISAL_COMPRESS is not 0), "libdeflate" or "zlib".
const char* deflate_engine(int level);

/// Compresses `inputs` at `level` on every OpenMP thread, ahead of HDF5's deflate filter,
/// which compresses one chunk after the other: each must be exactly what the filter will be
/// given (the chunk's bytes, shuffled when the pipeline shuffles). A call of compress2() with
/// one of them takes its result (equal input bytes, checked); forget_precompressed() drops
/// what was not asked for. Nothing is ever taken that differs from the input in one byte, so
/// a wrong guess costs time, never a wrong file.
void precompress(std::vector<std::vector<unsigned char>> inputs, int level);
/// The same with the inputs made on the threads too: make(i) for i < count gives input i (the
/// shuffle of a chunk), or nothing when there is nothing to compress ahead for i.
void precompress(std::size_t count,
                 const std::function<std::vector<unsigned char>(std::size_t)>& make, int level);
void forget_precompressed();
/// `bytes` at `size` compressed as one zlib stream at `level` (what HDF5's deflate filter
/// stores for a chunk), by libdeflate where fast_deflate_in_use(), else by zlib; callable from
/// any thread. Throws swathgrid::Error when the compressor cannot be had (out of memory).
std::vector<unsigned char> deflate_bytes(const unsigned char* bytes, std::size_t size, int level);
/// How many compress2() calls took a precompressed result so far (tests).
std::size_t precompressed_taken();

}  // namespace swathgrid
