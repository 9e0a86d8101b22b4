#pragma once
// FloatArray: the float arrays of a granule (navigation, values), which a read fills.

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

/// Float array of a granule (see UninitializedAllocator): resize() leaves the values to the
/// reader that follows.
using FloatArray = std::vector<float, UninitializedAllocator<float>>;

}  // namespace swathgrid
