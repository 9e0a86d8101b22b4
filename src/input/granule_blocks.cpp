// granule_blocks: the large blocks of granule arrays, kept from granule to granule
// (include/swathgrid/float_array.hpp).

#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "swathgrid/float_array.hpp"

namespace swathgrid::granule_blocks {

namespace {

/// Bytes kept at most: a few granules' arrays (a global OCI granule's navigation and one
/// variable take ~15 MB); a block that would exceed it is freed.
constexpr std::size_t kKeptBytes = std::size_t{256} << 20;

struct Pool {
  std::mutex mutex;
  std::unordered_map<void*, std::size_t> size_of;  ///< every block handed out or kept
  std::vector<void*> kept;
  std::size_t kept_bytes = 0;
};

/// Never destroyed: arrays freed during static destruction still find it.
Pool& pool() {
  static Pool* const instance = new Pool;
  return *instance;
}

}  // namespace

void* take(std::size_t bytes) {
  Pool& p = pool();
  {
    const std::lock_guard<std::mutex> lock(p.mutex);
    auto best = p.kept.end();
    for (auto it = p.kept.begin(); it != p.kept.end(); ++it)
      if (p.size_of[*it] >= bytes && (best == p.kept.end() || p.size_of[*it] < p.size_of[*best]))
        best = it;
    if (best != p.kept.end()) {
      void* block = *best;
      p.kept_bytes -= p.size_of[block];
      p.kept.erase(best);
      return block;
    }
  }
  // An eighth more: a later granule a little larger reuses it (pages never written are never
  // faulted in, so the room costs address space only).
  const std::size_t size = bytes + bytes / 8;
  void* block = ::operator new(size);
  try {
    const std::lock_guard<std::mutex> lock(p.mutex);
    p.size_of[block] = size;
  } catch (...) {
    ::operator delete(block);
    throw;
  }
  return block;
}

void give(void* block) noexcept {
  Pool& p = pool();
  const std::lock_guard<std::mutex> lock(p.mutex);
  const auto found = p.size_of.find(block);
  if (p.kept_bytes + found->second <= kKeptBytes) {
    p.kept.push_back(block);
    p.kept_bytes += found->second;
    return;
  }
  p.size_of.erase(found);
  ::operator delete(block);
}

void release() noexcept {
  Pool& p = pool();
  const std::lock_guard<std::mutex> lock(p.mutex);
  for (void* block : p.kept) {
    p.size_of.erase(block);
    ::operator delete(block);
  }
  p.kept.clear();
  p.kept_bytes = 0;
}

}  // namespace swathgrid::granule_blocks
