// End-to-end checks on the composites written by the e2e_composite_n{1,2,4} tests:
// byte-identical variables whatever the ranks/threads, and counts equal to an independent
// computation over the same granules (raw HDF5 reads and plain loops, none of our library).

#include <gtest/gtest.h>
#include <hdf5.h>
#include <pnetcdf.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace {

std::string e2e_dir() {
  const char* dir = std::getenv("SWATHGRID_E2E_DIR");
  return dir ? dir : "";
}

std::vector<std::string> granule_paths() {
  std::ifstream in(e2e_dir() + "/granules.txt");
  std::vector<std::string> paths;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) paths.push_back(line);
  return paths;
}

/// A composite file opened with PnetCDF.
class NcFile {
 public:
  explicit NcFile(const std::string& path) {
    EXPECT_EQ(ncmpi_open(MPI_COMM_SELF, path.c_str(), NC_NOWRITE, MPI_INFO_NULL, &id_), NC_NOERR)
        << path;
  }
  ~NcFile() { ncmpi_close(id_); }
  std::size_t dim(const char* name) const {
    int dimid = -1;
    MPI_Offset length = 0;
    EXPECT_EQ(ncmpi_inq_dimid(id_, name, &dimid), NC_NOERR) << name;
    ncmpi_inq_dimlen(id_, dimid, &length);
    return static_cast<std::size_t>(length);
  }
  /// The variable's bytes, whatever its type.
  std::vector<unsigned char> bytes(const char* name) const {
    int varid = -1, ndims = 0, dimids[8];  // PnetCDF's NC_MAX_VAR_DIMS is INT_MAX
    nc_type type;
    EXPECT_EQ(ncmpi_inq_varid(id_, name, &varid), NC_NOERR) << name;
    ncmpi_inq_var(id_, varid, nullptr, &type, &ndims, dimids, nullptr);
    std::size_t count = 1;
    for (int d = 0; d < ndims; ++d) {
      MPI_Offset length = 0;
      ncmpi_inq_dimlen(id_, dimids[d], &length);
      count *= static_cast<std::size_t>(length);
    }
    const std::size_t size = type == NC_DOUBLE ? 8 : 4;
    std::vector<unsigned char> out(count * size);
    int status = NC_EBADTYPE;
    if (type == NC_FLOAT) status = ncmpi_get_var_float_all(id_, varid, reinterpret_cast<float*>(out.data()));
    if (type == NC_INT) status = ncmpi_get_var_int_all(id_, varid, reinterpret_cast<int*>(out.data()));
    if (type == NC_DOUBLE) status = ncmpi_get_var_double_all(id_, varid, reinterpret_cast<double*>(out.data()));
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
  std::string text_attribute(const char* name) const {
    MPI_Offset length = 0;
    if (ncmpi_inq_attlen(id_, NC_GLOBAL, name, &length) != NC_NOERR) return "";
    std::string text(static_cast<std::size_t>(length), '\0');
    ncmpi_get_att_text(id_, NC_GLOBAL, name, text.data());
    return text;
  }

 private:
  int id_ = -1;
};

TEST(EndToEnd, OutputsAreByteIdenticalForAnyRanksAndThreads) {
  ASSERT_FALSE(e2e_dir().empty()) << "SWATHGRID_E2E_DIR not set";
  NcFile n1(e2e_dir() + "/composite_n1.nc");
  for (const char* other : {"composite_n2.nc", "composite_n4.nc"}) {
    NcFile nk(e2e_dir() + "/" + other);
    for (const char* var : {"lat", "lon", "chlor_a", "chlor_a_count"})
      EXPECT_TRUE(n1.bytes(var) == nk.bytes(var)) << var << " differs in " << other;
  }
}

/// Reads a 2-D float dataset and its _FillValue / valid range the plain HDF5 way.
std::vector<float> read_dataset(hid_t file, const char* name, float* fill, float* lo, float* hi) {
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
std::uint32_t default_flag_bits(hid_t file) {
  const char* kDefaults[] = {"ATMFAIL", "LAND",    "HIGLINT",    "HILT",    "HISATZEN", "STRAYLIGHT",
                             "CLDICE",  "COCCOLITH", "LOWLW",    "CHLWARN", "CHLFAIL",  "NAVWARN",
                             "MAXAERITER", "ATMWARN", "HISOLZEN", "NAVFAIL", "FILTER"};
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

std::vector<int> read_flags(hid_t file) {
  hid_t set = H5Dopen2(file, "geophysical_data/l2_flags", H5P_DEFAULT);
  hid_t space = H5Dget_space(set);
  std::vector<int> flags(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  H5Dread(set, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, flags.data());
  H5Sclose(space);
  H5Dclose(set);
  return flags;
}

TEST(EndToEnd, CountsEqualAnIndependentComputation) {
  const auto paths = granule_paths();
  ASSERT_EQ(paths.size(), 6u);
  NcFile out(e2e_dir() + "/composite_n2.nc");
  const std::size_t ny = out.dim("lat"), nx = out.dim("lon");
  ASSERT_EQ(nx, 400u);
  ASSERT_EQ(ny, 500u);
  const double west = -77.0, north = 41.0, res = 0.01;

  std::vector<std::int64_t> count(nx * ny, 0);
  std::vector<double> sum(nx * ny, 0.0);
  std::int64_t valid_total = 0;
  for (const auto& path : paths) {
    hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(file, 0) << path;
    float fill = 0, lo = 0, hi = 0, nav_fill = 0;
    const auto chl = read_dataset(file, "geophysical_data/chlor_a", &fill, &lo, &hi);
    const auto lat = read_dataset(file, "navigation_data/latitude", &nav_fill, nullptr, nullptr);
    const auto lon = read_dataset(file, "navigation_data/longitude", &nav_fill, nullptr, nullptr);
    const auto flags = read_flags(file);
    const std::uint32_t masked = default_flag_bits(file);
    H5Fclose(file);
    ASSERT_NE(masked, 0u);
    for (std::size_t i = 0; i < chl.size(); ++i) {
      if (chl[i] == fill || chl[i] < lo || chl[i] > hi || lat[i] == nav_fill || lon[i] == nav_fill)
        continue;
      if (static_cast<std::uint32_t>(flags[i]) & masked) continue;
      const double col = std::floor((static_cast<double>(lon[i]) - west) / res);
      const double row = std::floor((north - static_cast<double>(lat[i])) / res);
      if (col < 0 || row < 0 || col >= static_cast<double>(nx) || row >= static_cast<double>(ny))
        continue;
      const std::size_t cell = static_cast<std::size_t>(row) * nx + static_cast<std::size_t>(col);
      ++count[cell];
      sum[cell] += chl[i];
      ++valid_total;
    }
  }
  ASSERT_GT(valid_total, 50000) << "the granules barely touch the box";

  const auto written_count = out.values<std::int32_t>("chlor_a_count");
  const auto written_mean = out.values<float>("chlor_a");
  std::int64_t mismatches = 0, filled = 0;
  for (std::size_t c = 0; c < count.size(); ++c) {
    if (written_count[c] != count[c]) ++mismatches;
    if (count[c] == 0) {
      EXPECT_EQ(written_mean[c], -32767.0f) << "cell " << c << " should be fill";
      continue;
    }
    ++filled;
    EXPECT_NEAR(written_mean[c], sum[c] / count[c], 1e-5 * sum[c] / count[c]) << "cell " << c;
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(filled, static_cast<std::int64_t>(nx * ny / 10));
  EXPECT_NE(out.text_attribute("history").find("--input-list"), std::string::npos);
  EXPECT_EQ(out.text_attribute("Conventions"), "CF-1.8");
}

}  // namespace
