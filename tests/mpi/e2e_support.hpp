#pragma once
// Shared by the end-to-end tests: the directories the ctest fixtures fill, composite files read
// back with netCDF-C, and granules read the plain HDF5 way (none of swathgrid's library), so the
// checks are independent of the code they test.

#include <gtest/gtest.h>
#include <hdf5.h>
#include <netcdf.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace swathgrid::e2e {

inline std::string e2e_dir() {
  const char* dir = std::getenv("SWATHGRID_E2E_DIR");
  return dir ? dir : "";
}

inline std::vector<std::string> granule_paths(const std::string& list = "granules.txt") {
  std::ifstream in(e2e_dir() + "/" + list);
  std::vector<std::string> paths;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) paths.push_back(line);
  return paths;
}

/// A composite file opened with netCDF-C.
class NcFile {
 public:
  explicit NcFile(const std::string& path) {
    EXPECT_EQ(nc_open(path.c_str(), NC_NOWRITE, &id_), NC_NOERR) << path;
  }
  ~NcFile() { nc_close(id_); }
  std::size_t dim(const char* name) const {
    int dimid = -1;
    std::size_t length = 0;
    EXPECT_EQ(nc_inq_dimid(id_, name, &dimid), NC_NOERR) << name;
    nc_inq_dimlen(id_, dimid, &length);
    return static_cast<std::size_t>(length);
  }
  /// The variable's bytes, whatever its type.
  std::vector<unsigned char> bytes(const char* name) const {
    int varid = -1, ndims = 0, dimids[8];  // at most time, wavelength, y, x
    nc_type type;
    EXPECT_EQ(nc_inq_varid(id_, name, &varid), NC_NOERR) << name;
    nc_inq_var(id_, varid, nullptr, &type, &ndims, dimids, nullptr);
    std::size_t count = 1;
    for (int d = 0; d < ndims; ++d) {
      std::size_t length = 0;
      nc_inq_dimlen(id_, dimids[d], &length);
      count *= static_cast<std::size_t>(length);
    }
    const std::size_t size = type == NC_DOUBLE ? 8 : 4;
    std::vector<unsigned char> out(count * size);
    int status = NC_EBADTYPE;
    if (type == NC_FLOAT)
      status = nc_get_var_float(id_, varid, reinterpret_cast<float*>(out.data()));
    if (type == NC_INT) status = nc_get_var_int(id_, varid, reinterpret_cast<int*>(out.data()));
    if (type == NC_DOUBLE)
      status = nc_get_var_double(id_, varid, reinterpret_cast<double*>(out.data()));
    EXPECT_EQ(status, NC_NOERR) << name;
    return out;
  }
  template <typename T>
  std::vector<T> values(const char* name) const {
    const auto raw = bytes(name);
    std::vector<T> out(raw.size() / sizeof(T));
    std::memcpy(out.data(), raw.data(), raw.size());
    return out;
  }
  /// A global text attribute, or one of `variable` ("" when absent).
  std::string text_attribute(const char* name, const char* variable = nullptr) const {
    int varid = NC_GLOBAL;
    if (variable && nc_inq_varid(id_, variable, &varid) != NC_NOERR) return "";
    std::size_t length = 0;
    if (nc_inq_attlen(id_, varid, name, &length) != NC_NOERR) return "";
    std::string text(static_cast<std::size_t>(length), '\0');
    nc_get_att_text(id_, varid, name, text.data());
    return text;
  }

 private:
  int id_ = -1;
};

/// Reads a 2-D float dataset and its _FillValue / valid range the plain HDF5 way.
inline std::vector<float> read_dataset(hid_t file, const char* name, float* fill, float* lo,
                                       float* hi) {
  hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
  hid_t space = H5Dget_space(set);
  std::vector<float> data(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
  auto attr = [&](const char* attr_name, float* out) {
    if (!out) return;
    hid_t a = H5Aopen(set, attr_name, H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_FLOAT, out);
    H5Aclose(a);
  };
  attr("_FillValue", fill);
  attr("valid_min", lo);
  attr("valid_max", hi);
  H5Sclose(space);
  H5Dclose(set);
  return data;
}

/// l2_flags bits of NASA l2bin's default list, looked up by name in the file's attributes.
inline std::uint32_t default_flag_bits(hid_t file) {
  const char* kDefaults[] = {"ATMFAIL",    "LAND",    "HIGLINT",    "HILT",    "HISATZEN",
                             "STRAYLIGHT", "CLDICE",  "COCCOLITH",  "LOWLW",   "CHLWARN",
                             "CHLFAIL",    "NAVWARN", "MAXAERITER", "ATMWARN", "HISOLZEN",
                             "NAVFAIL",    "FILTER"};
  hid_t set = H5Dopen2(file, "geophysical_data/l2_flags", H5P_DEFAULT);
  hid_t masks_attr = H5Aopen(set, "flag_masks", H5P_DEFAULT);
  std::vector<int> masks(32);
  H5Aread(masks_attr, H5T_NATIVE_INT, masks.data());
  H5Aclose(masks_attr);
  hid_t meanings_attr = H5Aopen(set, "flag_meanings", H5P_DEFAULT);
  hid_t type = H5Aget_type(meanings_attr);
  std::string meanings(H5Tget_size(type), '\0');
  H5Aread(meanings_attr, type, meanings.data());
  H5Tclose(type);
  H5Aclose(meanings_attr);
  H5Dclose(set);
  std::uint32_t bits = 0;
  std::istringstream words(meanings);
  std::string word;
  for (int k = 0; words >> word && k < 32; ++k)
    for (const char* name : kDefaults)
      if (word == name) bits |= static_cast<std::uint32_t>(masks[k]);
  return bits;
}

inline std::vector<int> read_flags(hid_t file) {
  hid_t set = H5Dopen2(file, "geophysical_data/l2_flags", H5P_DEFAULT);
  hid_t space = H5Dget_space(set);
  std::vector<int> flags(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  H5Dread(set, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, flags.data());
  H5Sclose(space);
  H5Dclose(set);
  return flags;
}

/// A text attribute of the root group of a granule ("" when absent).
inline std::string root_text_attribute(hid_t file, const char* name) {
  if (H5Aexists(file, name) <= 0) return "";
  hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
  hid_t type = H5Aget_type(attr);
  std::string text(H5Tget_size(type), '\0');
  H5Aread(attr, type, text.data());
  H5Tclose(type);
  H5Aclose(attr);
  return text.substr(0, text.find('\0'));
}

/// A valid pixel of a granule: position and value.
struct Pixel {
  double lon, lat, value;
};

/// The valid pixels of 2-D float variable `name` (fill, valid range, navigation fill and, with
/// `default_flags`, NASA l2bin's default flags removed), read the plain HDF5 way.
inline std::vector<Pixel> valid_pixels(const std::string& path, const std::string& name,
                                       bool default_flags) {
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(file, 0) << path;
  float fill = 0, lo = 0, hi = 0, nav_fill = 0;
  const auto values = read_dataset(file, ("geophysical_data/" + name).c_str(), &fill, &lo, &hi);
  const auto lat = read_dataset(file, "navigation_data/latitude", &nav_fill, nullptr, nullptr);
  const auto lon = read_dataset(file, "navigation_data/longitude", &nav_fill, nullptr, nullptr);
  const auto flags = read_flags(file);
  const std::uint32_t masked = default_flags ? default_flag_bits(file) : 0u;
  H5Fclose(file);
  std::vector<Pixel> pixels;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] == fill || values[i] < lo || values[i] > hi || lat[i] == nav_fill ||
        lon[i] == nav_fill || (static_cast<std::uint32_t>(flags[i]) & masked))
      continue;
    pixels.push_back({lon[i], lat[i], values[i]});
  }
  return pixels;
}

/// The cell (row * nx + col) of a point on a north-up lat/lon grid, -1 outside: the
/// half-open convention of docs/user-guide.md, written out again here.
inline long cell_of(double lon, double lat, double west, double north, double res, long nx,
                    long ny) {
  double dx = lon - west;
  if (dx < 0) dx += 360.0;
  const double col = std::floor(dx / res), row = std::floor((north - lat) / res);
  if (col < 0 || row < 0 || col >= nx || row >= ny) return -1;
  return static_cast<long>(row) * nx + static_cast<long>(col);
}

}  // namespace swathgrid::e2e
