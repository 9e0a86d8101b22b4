#pragma once
// One rank's checkpoint file (docs/reliability.md, "Checkpoint format"): the accumulated tiles
// of every layer x period, the rank's counters and skipped granules, and the granules whose
// contributions they hold. Binary, native byte order, ending with a checksum; written through a
// temporary name, fsync'ed and renamed, so a file is either complete or absent.

#include <cstdint>
#include <string>
#include <vector>

#include "granule_loop.hpp"
#include "layers.hpp"

namespace swathgrid {

/// What ties a checkpoint file to its run and its place in the checkpoint.
struct CheckpointHeader {
  std::uint64_t identity = 0;  ///< hash of the run's identity (checkpoint.cpp)
  std::uint64_t epoch = 0;     ///< generation of the checkpoint (the manifest names the valid one)
  std::int32_t rank = 0;       ///< the rank that wrote it
  std::int32_t ranks = 1;      ///< ranks of the run that wrote it
};

/// Writes `path` atomically: `path`.tmp, fsync, rename over `path`, fsync of the directory.
/// `finished`: the granules (input indices) whose contributions `layers` and `local` hold.
/// Throws Error naming the file when it cannot.
void write_checkpoint_file(const std::string& path, const CheckpointHeader& header,
                           const std::vector<Layer>& layers, const LocalResult& local,
                           const std::vector<std::size_t>& finished);

/// Reads `path` and adds what it holds to `layers` (exactly: sums add, min/max keys combine),
/// `local` (counters, skipped granules, earliest start) and `finished`. `tiles`: the run's tile
/// grid. Throws Error naming the file when it is damaged or not of `expected` identity and
/// epoch.
void merge_checkpoint_file(const std::string& path, const CheckpointHeader& expected,
                           const TileGrid& tiles, std::vector<Layer>& layers, LocalResult& local,
                           std::vector<std::size_t>& finished);

/// FNV-1a 64 of `size` bytes, continuing from `hash` (the offset basis to start).
std::uint64_t fnv1a(std::uint64_t hash, const void* data, std::size_t size);
/// CRC-32 of the checkpoint's bytes, continued from `crc` (0 to start): libdeflate's
/// (carry-less multiply, ~10 GB/s) where the build has it, else zlib's. FNV-1a above, one
/// byte at a time (~1 GB/s), stays for the short identity texts.
std::uint64_t crc32_update(std::uint64_t crc, const void* data, std::size_t size);
inline constexpr std::uint64_t kFnvOffsetBasis = 14695981039346656037ull;

}  // namespace swathgrid
