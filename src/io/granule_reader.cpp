// Reads one OB.DAAC Level-2 granule with the HDF5 C API (layout: ../shared/pace-l2-format.md).

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "hdf5_util.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/granule.hpp"

namespace swathgrid {

namespace {

constexpr const char* kGeophysicalGroup = "geophysical_data";
constexpr const char* kNavigationGroup = "navigation_data";
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

/// How stored values become physical ones, and which are valid (CF conventions).
struct Packing {
  bool has_fill = false;
  double fill = 0.0;  ///< compared with the stored value
  double scale = 1.0;
  double offset = 0.0;
  bool has_valid_range = false;
  double valid_min = 0.0;
  double valid_max = 0.0;
  bool valid_range_stored = false;  ///< valid_min/max in stored (packed) units
};

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
  const H5T_class_t range_class =
      h5::attribute_class(dataset, has_min ? "valid_min" : "valid_max");
  p.valid_range_stored = p.has_valid_range && integer_storage && range_class == H5T_INTEGER;
  return p;
}

/// Reads a whole 2-D dataset as physical float values, NaN where invalid.
std::vector<float> read_physical(hid_t dataset, std::size_t count, const std::string& context,
                                 const std::string& name, Packing* packing_out,
                                 std::size_t* bytes_read) {
  h5::Handle type(H5Dget_type(dataset), H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  if (type_class != H5T_FLOAT && type_class != H5T_INTEGER)
    throw Error(context + ": variable " + name + " is not numeric");
  const bool integer_storage = type_class == H5T_INTEGER;
  const Packing p = read_packing(dataset, integer_storage, context);
  if (packing_out) *packing_out = p;
  *bytes_read += count * H5Tget_size(type.get());

  std::vector<float> out(count);
  const std::string read_error =
      "cannot read variable " + name + " (truncated or corrupt file?)";
  if (!integer_storage && p.scale == 1.0 && p.offset == 0.0) {
    h5::check(H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
              context, read_error);
    const float fill = static_cast<float>(p.fill);
    const float lo = static_cast<float>(p.valid_min), hi = static_cast<float>(p.valid_max);
    for (float& v : out) {
      if ((p.has_fill && v == fill) || !(v >= lo && v <= hi)) v = kNaN;
    }
    return out;
  }
  std::vector<double> stored(count);
  h5::check(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, stored.data()),
            context, read_error);
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

std::string shape_text(const std::vector<hsize_t>& dims) {
  std::string text;
  for (std::size_t i = 0; i < dims.size(); ++i)
    text += (i ? " x " : "") + std::to_string(dims[i]);
  return text;
}

void check_file_readable(const std::string& path, const std::string& context) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw Error(context + ": no such file");
  if (std::filesystem::is_directory(status)) throw Error(context + ": is a directory");
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw Error(context + ": cannot open (" + std::strerror(errno) + ")");
  ::close(fd);
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw Error(context + ": not a NetCDF4/HDF5 file (or truncated)");
}

}  // namespace

Granule read_granule(const std::string& path, const std::string& variable) {
  h5::silence_errors();
  const std::string context = "granule " + path;
  check_file_readable(path, context);
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw Error(context + ": cannot open as NetCDF4/HDF5 (corrupt file?)");

  Granule granule;
  granule.path = path;
  granule.time_coverage_start = h5::read_text_attribute(file.get(), "time_coverage_start");

  h5::Handle geo = h5::open_group(file.get(), kGeophysicalGroup, context);
  h5::Handle nav = h5::open_group(file.get(), kNavigationGroup, context);
  const std::string var_name = std::string(kGeophysicalGroup) + "/" + variable;
  h5::Handle var = h5::open_dataset(geo.get(), variable, context);
  h5::Handle lat = h5::open_dataset(nav.get(), "latitude", context);
  h5::Handle lon = h5::open_dataset(nav.get(), "longitude", context);

  const auto shape = h5::dataset_shape(var.get(), context);
  if (shape.size() != 2)
    throw Error(context + ": variable " + var_name + " has shape " + shape_text(shape) +
                ", expected (number_of_lines x pixels_per_line)");
  const std::pair<const char*, hid_t> navigation[] = {{"latitude", lat.get()},
                                                      {"longitude", lon.get()}};
  for (const auto& [nav_name, nav_dataset] : navigation) {
    const auto nav_shape = h5::dataset_shape(nav_dataset, context);
    if (nav_shape != shape)
      throw Error(context + ": navigation_data/" + nav_name + " has shape " +
                  shape_text(nav_shape) + " but " + var_name + " has " + shape_text(shape));
  }
  granule.lines = shape[0];
  granule.pixels = shape[1];
  const std::size_t count = granule.lines * granule.pixels;

  Packing packing;
  granule.values =
      read_physical(var.get(), count, context, var_name, &packing, &granule.bytes_read);
  granule.latitude = read_physical(lat.get(), count, context, "navigation_data/latitude",
                                   nullptr, &granule.bytes_read);
  granule.longitude = read_physical(lon.get(), count, context, "navigation_data/longitude",
                                    nullptr, &granule.bytes_read);
  for (std::size_t i = 0; i < count; ++i) {
    const float la = granule.latitude[i], lo = granule.longitude[i];
    if (!(la >= -90.0f && la <= 90.0f) || !(lo >= -180.0f && lo <= 180.0f)) {
      granule.latitude[i] = kNaN;
      granule.longitude[i] = kNaN;
    }
  }

  VariableInfo& info = granule.info;
  info.name = variable;
  info.units = h5::read_text_attribute(var.get(), "units");
  info.long_name = h5::read_text_attribute(var.get(), "long_name");
  info.standard_name = h5::read_text_attribute(var.get(), "standard_name");
  info.has_valid_range = packing.has_valid_range;
  info.valid_min = packing.valid_range_stored ? packing.valid_min * packing.scale + packing.offset
                                              : packing.valid_min;
  info.valid_max = packing.valid_range_stored ? packing.valid_max * packing.scale + packing.offset
                                              : packing.valid_max;
  return granule;
}

}  // namespace swathgrid
