// --on-error skip under mpiexec -n 2 (tests/bad_inputs.cmake): the composite of the good
// granules mixed with damaged ones equals, byte for byte in every variable, the composite of
// the good granules alone (reading ahead or not); the skipped ones are listed, with their causes, in the output's
// skipped_granules attribute; with --on-error fail no output file is left behind.

#include <gtest/gtest.h>
#include <netcdf.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace swathgrid {
namespace {

std::string bad_dir() {
  const char* dir = std::getenv("SWATHGRID_BAD_DIR");
  return dir ? dir : "";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// The composite of `skipped_name` (the mix, --on-error skip) equals that of the good alone.
void expect_equals_good_only(const std::string& skipped_name) {
  const std::string good_path = bad_dir() + "/good_only.nc";
  const std::string skip_path = bad_dir() + "/" + skipped_name;
  SCOPED_TRACE(skip_path);
  e2e::NcFile good(good_path), skipped(skip_path);
  int good_id = -1, nvars = 0, skip_nvars = 0;
  ASSERT_EQ(nc_open(good_path.c_str(), NC_NOWRITE, &good_id), NC_NOERR);
  nc_inq_nvars(good_id, &nvars);
  int skip_id = -1;
  ASSERT_EQ(nc_open(skip_path.c_str(), NC_NOWRITE, &skip_id), NC_NOERR);
  nc_inq_nvars(skip_id, &skip_nvars);
  EXPECT_EQ(nvars, skip_nvars);
  int compared = 0;
  for (int v = 0; v < nvars; ++v) {
    char name[NC_MAX_NAME + 1] = {};
    nc_inq_varname(good_id, v, name);
    nc_type type;
    nc_inq_vartype(good_id, v, &type);
    if (type != NC_FLOAT && type != NC_INT && type != NC_DOUBLE) continue;  // crs: no data
    EXPECT_EQ(good.bytes(name), skipped.bytes(name)) << name;
    ++compared;
  }
  nc_close(good_id);
  nc_close(skip_id);
  EXPECT_GE(compared, 4);  // lat, lon, time, chlor_a, chlor_a_count, ...
  // The composite is not empty: the equality means something.
  std::int64_t observations = 0;
  for (int count : good.values<int>("chlor_a_count")) observations += count;
  EXPECT_GT(observations, 1000);
}

TEST(BadSkip, CompositeEqualsTheGoodGranulesAloneByteForByte) {
  expect_equals_good_only("skipped.nc");
  // Read ahead on a thread of its own: the errors come back from it, nothing else changes.
  expect_equals_good_only("skipped_ahead.nc");
  e2e::NcFile skipped(bad_dir() + "/skipped.nc"), ahead(bad_dir() + "/skipped_ahead.nc");
  EXPECT_EQ(skipped.text_attribute("skipped_granules"), ahead.text_attribute("skipped_granules"));
}

TEST(BadSkip, SkippedGranulesAreListedWithTheirCause) {
  e2e::NcFile good(bad_dir() + "/good_only.nc"), skipped(bad_dir() + "/skipped.nc");
  EXPECT_EQ(good.text_attribute("skipped_granules"), "");
  const auto listed = lines_of(skipped.text_attribute("skipped_granules"));
  std::vector<std::string> expected;  // mixed.txt's bad granules, in input order
  std::ifstream mixed(bad_dir() + "/mixed.txt");
  for (std::string path; std::getline(mixed, path);)
    if (path.rfind(bad_dir() + "/", 0) == 0 && path.find("all_fill") == std::string::npos)
      expected.push_back(std::filesystem::path(path).filename().string());
  ASSERT_EQ(listed.size(), expected.size()) << skipped.text_attribute("skipped_granules");
  for (std::size_t i = 0; i < listed.size(); ++i) {
    EXPECT_EQ(listed[i].rfind(expected[i] + ": ", 0), 0u) << listed[i];
    EXPECT_GT(listed[i].size(), expected[i].size() + 4) << "no cause: " << listed[i];
  }
  EXPECT_NE(skipped.text_attribute("skipped_granules").find("truncated.nc: truncated file"),
            std::string::npos);
  EXPECT_NE(skipped.text_attribute("skipped_granules").find("bad_time.nc: time_coverage_start"),
            std::string::npos);
}

TEST(BadSkip, FailedRunLeavesNoOutput) {
  for (const auto& entry : std::filesystem::directory_iterator(bad_dir()))
    EXPECT_EQ(entry.path().filename().string().find("failed.nc"), std::string::npos)
        << entry.path();
}

}  // namespace
}  // namespace swathgrid
