#include "granule_values.hpp"

#include <cmath>
#include <limits>

#include "hdf5_util.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

}  // namespace

bool is_integer_storage(hid_t dataset) {
  h5::Handle type(H5Dget_type(dataset), H5Tclose);
  return H5Tget_class(type.get()) == H5T_INTEGER;
}

Packing read_packing(hid_t dataset, bool integer_storage, const std::string& context) {
  Packing p;
  if (h5::has_attribute(dataset, "_FillValue")) {
    p.has_fill = true;
    p.fill = h5::read_double_attribute(dataset, "_FillValue", context);
  }
  if (h5::has_attribute(dataset, "scale_factor"))
    p.scale = h5::read_double_attribute(dataset, "scale_factor", context);
  if (h5::has_attribute(dataset, "add_offset"))
    p.offset = h5::read_double_attribute(dataset, "add_offset", context);
  const bool has_min = h5::has_attribute(dataset, "valid_min");
  const bool has_max = h5::has_attribute(dataset, "valid_max");
  p.valid_min = has_min ? h5::read_double_attribute(dataset, "valid_min", context)
                        : -std::numeric_limits<double>::infinity();
  p.valid_max = has_max ? h5::read_double_attribute(dataset, "valid_max", context)
                        : std::numeric_limits<double>::infinity();
  p.has_valid_range = has_min || has_max;
  // CF: a valid range of the variable's own (packed integer) type is in stored units.
  const H5T_class_t range_class = h5::attribute_class(dataset, has_min ? "valid_min" : "valid_max");
  p.valid_range_stored = p.has_valid_range && integer_storage && range_class == H5T_INTEGER;
  return p;
}

std::size_t stored_bytes(hid_t dataset, const std::string& context) {
  const auto shape = h5::dataset_shape(dataset, context);
  h5::Handle type(H5Dget_type(dataset), H5Tclose);
  std::size_t elements = 1;
  for (hsize_t n : shape) elements *= static_cast<std::size_t>(n);
  return elements * H5Tget_size(type.get());
}

FloatArray read_physical(hid_t dataset, const h5::Rows& rows, const std::string& context,
                         const std::string& name, Packing* packing, std::size_t* bytes_read) {
  const std::size_t count =
      static_cast<std::size_t>(rows.count) * h5::row_elements(h5::dataset_shape(dataset, context));
  h5::Handle type(H5Dget_type(dataset), H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  if (type_class != H5T_FLOAT && type_class != H5T_INTEGER)
    throw Error(context + ": variable " + name + " is not numeric");
  const bool integer_storage = type_class == H5T_INTEGER;
  const Packing p = read_packing(dataset, integer_storage, context);
  if (packing) *packing = p;
  *bytes_read += count * H5Tget_size(type.get());

  FloatArray out(count);
  const std::string read_error = "cannot read variable " + name + " (truncated or corrupt file?)";
  if (!integer_storage && p.scale == 1.0 && p.offset == 0.0) {
    h5::read_rows(dataset, rows, H5T_NATIVE_FLOAT, out.data(), context, read_error);
    const float fill = static_cast<float>(p.fill);
    const float lo = static_cast<float>(p.valid_min), hi = static_cast<float>(p.valid_max);
    const bool has_fill = p.has_fill;
    float* values = out.data();
    // On the reading thread's team, as the chunks' inflate (a serial pass here kept the other
    // threads waiting: docs/performance.md, session 18).
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < count; ++i) {
      const float v = values[i];
      if ((has_fill && v == fill) || !(v >= lo && v <= hi)) values[i] = kNaN;
    }
    return out;
  }
  std::vector<double, GranuleAllocator<double>> stored(count);
  h5::read_rows(dataset, rows, H5T_NATIVE_DOUBLE, stored.data(), context, read_error);
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < count; ++i) {
    const double s = stored[i];
    const double v = s * p.scale + p.offset;
    const double checked = p.valid_range_stored ? s : v;
    const bool valid = !(p.has_fill && s == p.fill) && checked >= p.valid_min &&
                       checked <= p.valid_max && std::isfinite(v);
    out[i] = valid ? static_cast<float>(v) : kNaN;
  }
  return out;
}

FloatArray to_band_major(const FloatArray& interleaved, std::size_t pixels, std::size_t bands) {
  FloatArray planes(interleaved.size());
  for (std::size_t i = 0; i < pixels; ++i)
    for (std::size_t b = 0; b < bands; ++b) planes[b * pixels + i] = interleaved[i * bands + b];
  return planes;
}

}  // namespace swathgrid
