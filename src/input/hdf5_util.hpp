#pragma once
// Small RAII and checking layer over the HDF5 C API, shared by the reader (and tests).
// All HDF5 return codes go through check(); HDF5's automatic error printing is silenced.

#include <hdf5.h>

#include <cstddef>
#include <string>
#include <vector>

#include "swathgrid/h5_handle.hpp"

namespace swathgrid::h5 {

/// Turns HDF5's automatic error-stack printing off for this process (idempotent).
void silence_errors();

/// True when a message of the current thread's HDF5 error stack (what the last failed call
/// recorded) contains `text`.
bool error_stack_mentions(const std::string& text);

/// Owns one hid_t and closes it with the matching H5*close (swathgrid/h5_handle.hpp).
using Handle = H5Handle;

/// Throws swathgrid::Error("<context>: <what>") when `status` is negative.
void check(herr_t status, const std::string& context, const std::string& what);

/// Opens `name` (a path relative to `parent`) as a group or dataset; throws
/// "<context>: no <kind> <name>" when it does not exist.
Handle open_group(hid_t parent, const std::string& name, const std::string& context);
Handle open_dataset(hid_t parent, const std::string& name, const std::string& context);

/// Dimensions of a dataset.
std::vector<hsize_t> dataset_shape(hid_t dataset, const std::string& context);

/// Rows of a dataset along its first dimension (number_of_lines): rows first,
/// first + stride, ..., `count` of them, each with all of every other dimension.
struct Rows {
  hsize_t first = 0;
  hsize_t count = 0;
  hsize_t stride = 1;
};

/// Elements per row: the product of the dimensions after the first (1 for a 1-D dataset).
std::size_t row_elements(const std::vector<hsize_t>& shape);

/// The stored sizes a dataset's chunk index gives, checked as they are counted: the chunks
/// counted are distinct byte ranges of the file, so together they cannot be larger than it;
/// a deflated chunk cannot be smaller than its values / 1032 (deflate's longest match, 258
/// bytes, takes two bits at least). A damaged index would otherwise have the reader (or
/// HDF5) allocate gigabytes for one chunk before its read fails.
class ChunkSizes {
 public:
  explicit ChunkSizes(hid_t dataset);
  /// Counts a chunk of `stored` bytes; `deflated_values`: the bytes of values a deflate
  /// stream of it must inflate to (0: no such bound). Throws Error("damaged chunk index (...)")
  /// when it cannot be.
  void add(hsize_t stored, std::size_t deflated_values = 0);

 private:
  hsize_t file_bytes_ = 0;  ///< 0 when HDF5 cannot say
  hsize_t total_ = 0;
};

/// ChunkSizes over the stored chunks holding `rows` of `dataset` (nothing for a dataset that
/// is not chunked): what read_rows_through_hdf5 checks before H5Dread.
void check_chunk_index(hid_t dataset, const Rows& rows);

/// Reads `rows` of `dataset` (a hyperslab: HDF5 reads only the chunks it needs, whatever
/// their shape) into `buffer`, converted to `mem_type`, packed in row order. The caller
/// sizes the buffer to rows.count * row_elements(shape). Throws "<context>: <what>" when
/// the selection is outside the dataset or the read fails. Takes the direct chunk path
/// (chunk_reader.hpp) where it applies, read_rows_through_hdf5 otherwise: the same bytes.
void read_rows(hid_t dataset, const Rows& rows, hid_t mem_type, void* buffer,
               const std::string& context, const std::string& what);
/// read_rows through H5Dread only (HDF5's own filter pipeline and conversions).
void read_rows_through_hdf5(hid_t dataset, const Rows& rows, hid_t mem_type, void* buffer,
                            const std::string& context, const std::string& what);

/// True when `object` has attribute `name`.
bool has_attribute(hid_t object, const std::string& name);
/// Numeric attribute (first element) converted to double.
double read_double_attribute(hid_t object, const std::string& name, const std::string& context);
/// Numeric attribute, all elements, converted to int64.
std::vector<long long> read_integer_array_attribute(hid_t object, const std::string& name,
                                                    const std::string& context);
/// Numeric attribute, all elements, converted to double.
std::vector<double> read_double_array_attribute(hid_t object, const std::string& name,
                                                const std::string& context);
/// Text attribute (fixed- or variable-length string); "" when absent.
std::string read_text_attribute(hid_t object, const std::string& name);
/// H5T class (H5T_INTEGER, H5T_FLOAT, ...) of an attribute.
H5T_class_t attribute_class(hid_t object, const std::string& name);

}  // namespace swathgrid::h5
