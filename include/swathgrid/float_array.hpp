#pragma once
// FloatArray: the float arrays of a granule (navigation, values), which a read fills.

#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace swathgrid {

/// An allocator whose vectors leave new elements uninitialised (default-initialised) rather
/// than zeroed: granule arrays are filled by the read that creates them, and zeroing them
/// first cost a tenth of a subset read's time (a memset of every array, perf).
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(noexcept(::new (static_cast<void*>(p)) U)) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

/// Granule-sized blocks (at least kGranuleBlockBytes), kept for the next granule's arrays
/// instead of going back to malloc, where the growing accumulators carve them up and the next
/// granule's arrays then come from fresh memory, page-faulted in serial code (sysmalloc) while
/// the other threads wait (docs/performance.md, session 24). Thread-safe.
namespace granule_blocks {
inline constexpr std::size_t kGranuleBlockBytes = std::size_t{1} << 20;
/// A kept block of at least `bytes`, or a new one (with some room, so that a slightly larger
/// granule later fits it).
void* take(std::size_t bytes);
/// Keeps the block `take` gave (up to a bound on the bytes kept; beyond it, frees it).
void give(void* block) noexcept;
/// Frees every kept block (the granule loop's end: the reduce and the write reuse the memory).
void release() noexcept;
}  // namespace granule_blocks

/// UninitializedAllocator whose large blocks come from granule_blocks.
template <class T>
struct GranuleAllocator : UninitializedAllocator<T> {
  template <class U>
  struct rebind {
    using other = GranuleAllocator<U>;
  };
  GranuleAllocator() = default;
  template <class U>
  GranuleAllocator(const GranuleAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n * sizeof(T) < granule_blocks::kGranuleBlockBytes) return std::allocator<T>::allocate(n);
    return static_cast<T*>(granule_blocks::take(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < granule_blocks::kGranuleBlockBytes)
      return std::allocator<T>::deallocate(p, n);
    granule_blocks::give(p);
  }
};
template <class T, class U>
bool operator==(const GranuleAllocator<T>&, const GranuleAllocator<U>&) noexcept {
  return true;
}
template <class T, class U>
bool operator!=(const GranuleAllocator<T>&, const GranuleAllocator<U>&) noexcept {
  return false;
}

/// Float array of a granule (see UninitializedAllocator): resize() leaves the values to the
/// reader that follows; large ones reuse the blocks earlier granules freed.
using FloatArray = std::vector<float, GranuleAllocator<float>>;

}  // namespace swathgrid
