// End-to-end checks on the composites written by the e2e_composite_n{1,2,4} tests:
// byte-identical variables whatever the ranks/threads, and counts equal to an independent
// computation over the same granules (raw HDF5 reads and plain loops, none of our library).

#include <gtest/gtest.h>

#include <cmath>

#include "e2e_support.hpp"

namespace swathgrid::e2e {
namespace {

TEST(EndToEnd, OutputsAreByteIdenticalForAnyRanksAndThreads) {
  ASSERT_FALSE(e2e_dir().empty()) << "SWATHGRID_E2E_DIR not set";
  NcFile n1(e2e_dir() + "/composite_n1.nc");
  for (const char* other : {"composite_n2.nc", "composite_n4.nc"}) {
    NcFile nk(e2e_dir() + "/" + other);
    for (const char* var : {"lat", "lon", "chlor_a", "chlor_a_count"})
      EXPECT_TRUE(n1.bytes(var) == nk.bytes(var)) << var << " differs in " << other;
  }
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
}  // namespace swathgrid::e2e
