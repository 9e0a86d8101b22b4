#pragma once
// Small RAII and checking layer over the HDF5 C API, shared by the reader (and tests).
// All HDF5 return codes go through check(); HDF5's automatic error printing is silenced.

#include <hdf5.h>

#include <string>
#include <vector>

namespace swathgrid::h5 {

/// Turns HDF5's automatic error-stack printing off for this process (idempotent).
void silence_errors();

/// Owns one hid_t and closes it with the matching H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(other.id_), closer_(other.closer_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

/// Throws swathgrid::Error("<context>: <what>") when `status` is negative.
void check(herr_t status, const std::string& context, const std::string& what);

/// Opens `name` (a path relative to `parent`) as a group or dataset; throws
/// "<context>: no <kind> <name>" when it does not exist.
Handle open_group(hid_t parent, const std::string& name, const std::string& context);
Handle open_dataset(hid_t parent, const std::string& name, const std::string& context);

/// Dimensions of a dataset.
std::vector<hsize_t> dataset_shape(hid_t dataset, const std::string& context);

/// True when `object` has attribute `name`.
bool has_attribute(hid_t object, const std::string& name);
/// Numeric attribute (first element) converted to double.
double read_double_attribute(hid_t object, const std::string& name, const std::string& context);
/// Numeric attribute, all elements, converted to int64.
std::vector<long long> read_integer_array_attribute(hid_t object, const std::string& name,
                                                    const std::string& context);
/// Text attribute (fixed- or variable-length string); "" when absent.
std::string read_text_attribute(hid_t object, const std::string& name);
/// H5T class (H5T_INTEGER, H5T_FLOAT, ...) of an attribute.
H5T_class_t attribute_class(hid_t object, const std::string& name);

}  // namespace swathgrid::h5
