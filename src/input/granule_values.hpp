#pragma once
// Stored → physical values of one HDF5 dataset, CF conventions (fill, packing, valid range).

#include <hdf5.h>

#include <cstddef>
#include <string>
#include <vector>

#include "hdf5_util.hpp"
#include "swathgrid/granule.hpp"

namespace swathgrid {

/// How stored values become physical ones, and which are valid.
struct Packing {
  bool has_fill = false;
  double fill = 0.0;  ///< compared with the stored value
  double scale = 1.0;
  double offset = 0.0;
  bool has_valid_range = false;
  double valid_min = 0.0;
  double valid_max = 0.0;
  bool valid_range_stored = false;  ///< valid_min/max in stored (packed) units (CF)

  /// A valid-range bound in physical units.
  double physical(double bound) const {
    return valid_range_stored ? bound * scale + offset : bound;
  }
};

/// True for integer (packed) storage.
bool is_integer_storage(hid_t dataset);

/// The dataset's fill value, packing and valid range.
Packing read_packing(hid_t dataset, bool integer_storage, const std::string& context);

/// Reads `rows` of `dataset` (all of every other dimension) as physical float values, NaN
/// where invalid, in row order. Adds the uncompressed size read to *bytes_read; stores the
/// packing in *packing if given.
FloatArray read_physical(hid_t dataset, const h5::Rows& rows, const std::string& context,
                         const std::string& name, Packing* packing, std::size_t* bytes_read);

/// Uncompressed size in bytes of all of `dataset` (elements x stored element size).
std::size_t stored_bytes(hid_t dataset, const std::string& context);

/// (pixels, bands) interleaved → band-major planes.
FloatArray to_band_major(const FloatArray& interleaved, std::size_t pixels, std::size_t bands);

}  // namespace swathgrid
