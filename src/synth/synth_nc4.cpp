#include "synth_nc4.hpp"

#include <hdf5_hl.h>

#include <cstdio>

#include "swathgrid/error.hpp"

namespace swathgrid::synth_detail {
namespace {

// What netCDF-C writes as NAME of a dimension scale that is not a coordinate variable,
// followed by the length in "%10d".
constexpr const char* kDimensionWithoutVariable =
    "This is a netCDF dimension but not a netCDF variable.";
constexpr unsigned kCreationOrder = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;

std::string hdf5_reason() {
  const std::string reason = innermost_h5_error();
  return reason.empty() ? std::string() : " (" + reason + ")";
}

}  // namespace

H5ErrorSilencer::H5ErrorSilencer() {
  H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

H5ErrorSilencer::~H5ErrorSilencer() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }

hid_t Nc4File::check(hid_t id, const std::string& what) const {
  if (id < 0) throw Error("synthetic granule " + path_ + ": " + what + " failed" + hdf5_reason());
  return id;
}

void Nc4File::check_status(herr_t status, const std::string& what) const {
  if (status < 0) check(H5I_INVALID_HID, what);
}

Nc4File::Nc4File(const std::string& path, const std::string& name_in_errors)
    : path_(name_in_errors.empty() ? path : name_in_errors) {
  H5Id fcpl(check(H5Pcreate(H5P_FILE_CREATE), "property list"), H5Pclose);
  check_status(H5Pset_link_creation_order(fcpl.get(), kCreationOrder), "creation order");
  check_status(H5Pset_attr_creation_order(fcpl.get(), kCreationOrder), "creation order");
  check_status(H5Pset_obj_track_times(fcpl.get(), false), "time tracking");
  H5Id fapl(check(H5Pcreate(H5P_FILE_ACCESS), "property list"), H5Pclose);
  check_status(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST),
               "format version");
  check_status(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), "close degree");
  file_ = H5Id(
      check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), "creating the file"),
      H5Fclose);
}

H5Id Nc4File::create_group(hid_t parent, const std::string& name) {
  H5Id gcpl(check(H5Pcreate(H5P_GROUP_CREATE), "property list"), H5Pclose);
  check_status(H5Pset_link_creation_order(gcpl.get(), kCreationOrder), "creation order");
  check_status(H5Pset_attr_creation_order(gcpl.get(), kCreationOrder), "creation order");
  check_status(H5Pset_obj_track_times(gcpl.get(), false), "time tracking");
  return H5Id(check(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                    "creating group " + name),
              H5Gclose);
}

void Nc4File::define_dimension(const std::string& name, std::size_t length) {
  H5Id dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "property list"), H5Pclose);
  check_status(H5Pset_attr_creation_order(dcpl.get(), kCreationOrder), "creation order");
  check_status(H5Pset_obj_track_times(dcpl.get(), false), "time tracking");
  const hsize_t extent[1] = {length};
  H5Id space(check(H5Screate_simple(1, extent, extent), "dataspace"), H5Sclose);
  const std::string what = "dimension " + name;
  H5Id scale(check(H5Dcreate2(root(), name.c_str(), H5T_IEEE_F32BE, space.get(), H5P_DEFAULT,
                              dcpl.get(), H5P_DEFAULT),
                   what),
             H5Dclose);
  char scale_name[96];
  std::snprintf(scale_name, sizeof scale_name, "%s%10d", kDimensionWithoutVariable,
                static_cast<int>(length));
  check_status(H5DSset_scale(scale.get(), scale_name), what);
  const int dimension_id = static_cast<int>(dimensions_.size());
  H5Id scalar(check(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
  H5Id attribute(check(H5Acreate2(scale.get(), "_Netcdf4Dimid", H5T_NATIVE_INT, scalar.get(),
                                  H5P_DEFAULT, H5P_DEFAULT),
                       what),
                 H5Aclose);
  check_status(H5Awrite(attribute.get(), H5T_NATIVE_INT, &dimension_id), what);
  dimensions_.push_back({name, length, std::move(scale)});
}

const Nc4File::Dimension& Nc4File::find_dimension(const std::string& name) const {
  for (const Dimension& dimension : dimensions_)
    if (dimension.name == name) return dimension;
  throw Error("synthetic granule " + path_ + ": no dimension " + name);
}

std::size_t Nc4File::dimension_length(const std::string& name) const {
  return find_dimension(name).length;
}

void Nc4File::put_text(hid_t object, const std::string& name, const std::string& value) {
  const std::string what = "attribute " + name;
  H5Id type(check(H5Tcopy(H5T_C_S1), what), H5Tclose);
  check_status(H5Tset_size(type.get(), value.empty() ? 1 : value.size()), what);
  check_status(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), what);
  check_status(H5Tset_cset(type.get(), H5T_CSET_ASCII), what);
  H5Id space(check(H5Screate(value.empty() ? H5S_NULL : H5S_SCALAR), what), H5Sclose);
  H5Id attribute(
      check(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
            what),
      H5Aclose);
  if (!value.empty()) check_status(H5Awrite(attribute.get(), type.get(), value.data()), what);
}

void Nc4File::put_numeric(hid_t object, const std::string& name, hid_t file_type, hid_t memory_type,
                          const void* values, std::size_t count) {
  const std::string what = "attribute " + name;
  const hsize_t extent[1] = {count};
  H5Id space(check(H5Screate_simple(1, extent, nullptr), what), H5Sclose);
  H5Id attribute(
      check(H5Acreate2(object, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
            what),
      H5Aclose);
  check_status(H5Awrite(attribute.get(), memory_type, values), what);
}

void Nc4File::put_floats(hid_t object, const std::string& name, const std::vector<float>& values) {
  put_numeric(object, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, values.data(), values.size());
}

void Nc4File::put_doubles(hid_t object, const std::string& name,
                          const std::vector<double>& values) {
  put_numeric(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(), values.size());
}

void Nc4File::put_ints(hid_t object, const std::string& name, const std::vector<int>& values) {
  put_numeric(object, name, H5T_STD_I32LE, H5T_NATIVE_INT, values.data(), values.size());
}

void Nc4File::put_shorts(hid_t object, const std::string& name, const std::vector<short>& values) {
  put_numeric(object, name, H5T_STD_I16LE, H5T_NATIVE_SHORT, values.data(), values.size());
}

H5Id Nc4File::define_variable(hid_t group, const VariableSpec& spec) {
  const std::string what = "variable " + spec.name;
  H5Id dcpl(check(H5Pcreate(H5P_DATASET_CREATE), what), H5Pclose);
  check_status(H5Pset_attr_creation_order(dcpl.get(), kCreationOrder), what);
  check_status(H5Pset_obj_track_times(dcpl.get(), false), what);
  if (!spec.chunk.empty()) {
    check_status(H5Pset_chunk(dcpl.get(), static_cast<int>(spec.chunk.size()), spec.chunk.data()),
                 what);
    if (spec.deflate_level > 0) {
      check_status(H5Pset_shuffle(dcpl.get()), what);
      check_status(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(spec.deflate_level)), what);
    }
  }
  if (spec.fill_value)
    check_status(H5Pset_fill_value(dcpl.get(), spec.memory_type, spec.fill_value), what);
  std::vector<hsize_t> extent;
  for (const std::string& name : spec.dimensions) extent.push_back(find_dimension(name).length);
  H5Id space(check(H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr), what),
             H5Sclose);
  H5Id dataset(check(H5Dcreate2(group, spec.name.c_str(), spec.file_type, space.get(), H5P_DEFAULT,
                                dcpl.get(), H5P_DEFAULT),
                     what),
               H5Dclose);
  for (std::size_t index = 0; index < spec.dimensions.size(); ++index)
    check_status(H5DSattach_scale(dataset.get(), find_dimension(spec.dimensions[index]).scale.get(),
                                  static_cast<unsigned>(index)),
                 what + " (attaching dimension " + spec.dimensions[index] + ")");
  return dataset;
}

void Nc4File::write(hid_t dataset, hid_t memory_type, const void* data, const std::string& name) {
  check_status(H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
               "writing " + name);
}

void Nc4File::write_rows(hid_t dataset, hid_t memory_type, const void* data, std::size_t first_row,
                         std::size_t rows, const std::string& name) {
  const std::string what = "writing " + name;
  H5Id file_space(check(H5Dget_space(dataset), what), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(file_space.get());
  check_status(rank, what);
  std::vector<hsize_t> start(static_cast<std::size_t>(rank), 0), count(start.size());
  check_status(H5Sget_simple_extent_dims(file_space.get(), count.data(), nullptr), what);
  start[0] = first_row;
  count[0] = rows;
  check_status(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                   count.data(), nullptr),
               what);
  H5Id memory_space(check(H5Screate_simple(rank, count.data(), nullptr), what), H5Sclose);
  check_status(
      H5Dwrite(dataset, memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, data),
      what);
}

void Nc4File::close() {
  dimensions_.clear();
  check_status(file_.reset(), "closing the file");
}

}  // namespace swathgrid::synth_detail
