#pragma once
// A minimal netCDF-4 writer on the HDF5 C API, following netCDF-C's on-disk conventions
// (creation-order tracking, dimensions as dimension scales named "This is a netCDF
// dimension but not a netCDF variable.", DIMENSION_LIST, NC_CHAR attributes as fixed-length
// scalar strings) so that ncdump, netCDF4-python and xarray read the files as netCDF.

#include <hdf5.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "swathgrid/h5_handle.hpp"

namespace swathgrid::synth_detail {

/// Owns an HDF5 identifier and closes it with the matching H5*close (swathgrid/h5_handle.hpp).
using H5Id = H5Handle;

/// Turns off HDF5's automatic error-stack printing for its lifetime, then restores it.
class H5ErrorSilencer {
 public:
  H5ErrorSilencer();
  ~H5ErrorSilencer();
  H5ErrorSilencer(const H5ErrorSilencer&) = delete;
  H5ErrorSilencer& operator=(const H5ErrorSilencer&) = delete;

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

/// How to store one variable.
struct VariableSpec {
  std::string name;
  hid_t file_type = H5I_INVALID_HID;    ///< e.g. H5T_IEEE_F32LE
  hid_t memory_type = H5I_INVALID_HID;  ///< e.g. H5T_NATIVE_FLOAT (data and fill value)
  std::vector<std::string> dimensions;  ///< names of root-group dimensions
  const void* fill_value = nullptr;     ///< dataset fill value (memory_type), or none
  std::vector<hsize_t> chunk;           ///< chunk shape; empty: contiguous
  int deflate_level = 0;                ///< > 0: shuffle + deflate at this level
};

/// One netCDF-4 file being written. Every HDF5 call is checked; a failure throws
/// swathgrid::Error "synthetic granule <path>: <what> failed (<HDF5's reason>)".
class Nc4File {
 public:
  /// Creates (truncates) `path`; errors name `name_in_errors` (default: `path`).
  explicit Nc4File(const std::string& path, const std::string& name_in_errors = "");
  Nc4File(const Nc4File&) = delete;
  Nc4File& operator=(const Nc4File&) = delete;

  hid_t root() const { return file_.get(); }
  H5Id create_group(hid_t parent, const std::string& name);
  /// A root-group dimension without coordinate variable.
  void define_dimension(const std::string& name, std::size_t length);
  std::size_t dimension_length(const std::string& name) const;

  void put_text(hid_t object, const std::string& name, const std::string& value);
  void put_floats(hid_t object, const std::string& name, const std::vector<float>& values);
  void put_doubles(hid_t object, const std::string& name, const std::vector<double>& values);
  void put_ints(hid_t object, const std::string& name, const std::vector<int>& values);
  void put_shorts(hid_t object, const std::string& name, const std::vector<short>& values);

  H5Id define_variable(hid_t group, const VariableSpec& spec);
  /// Writes the whole variable from `data` (memory_type).
  void write(hid_t dataset, hid_t memory_type, const void* data, const std::string& name);
  /// Writes `rows` whole rows (along the first dimension) from `first_row` on, from `data`
  /// (memory_type, row-major).
  void write_rows(hid_t dataset, hid_t memory_type, const void* data, std::size_t first_row,
                  std::size_t rows, const std::string& name);

  /// Closes the file, checking that everything reached the disk. Close every group and
  /// variable handle first.
  void close();

 private:
  struct Dimension {
    std::string name;
    std::size_t length;
    H5Id scale;
  };
  void put_numeric(hid_t object, const std::string& name, hid_t file_type, hid_t memory_type,
                   const void* values, std::size_t count);
  const Dimension& find_dimension(const std::string& name) const;
  hid_t check(hid_t id, const std::string& what) const;
  void check_status(herr_t status, const std::string& what) const;

  std::string path_;  // as named in error messages
  H5ErrorSilencer silencer_;
  H5Id file_;
  std::vector<Dimension> dimensions_;  // destroyed before file_
};

}  // namespace swathgrid::synth_detail
