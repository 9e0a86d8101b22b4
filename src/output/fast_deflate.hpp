#pragma once
// zlib's compress2() served by libdeflate in this process (fast_deflate.cpp says why and how).

namespace swathgrid {

/// True when HDF5's deflate filter compresses through libdeflate in this process: built with
/// libdeflate and SWATHGRID_ZLIB_COMPRESS is not 1. Calling it also links the definition in.
bool fast_deflate_in_use();

}  // namespace swathgrid
