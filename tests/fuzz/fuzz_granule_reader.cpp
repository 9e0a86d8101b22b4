// libFuzzer target: arbitrary bytes as a granule file for the reader (read_granule whole and
// as a subset read, describe_variables, check_flag_names). Every outcome but a value or a
// swathgrid::Error is a finding: crashes, sanitizer reports, leaks, other exceptions.
// Built and run by scripts/fuzz.sh (docs/reliability.md).

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "swathgrid/error.hpp"
#include "swathgrid/granule.hpp"

namespace {

/// The input is written to one file per process (the reader opens paths).
const std::string& scratch_path() {
  static const std::string path = [] {
    const char* dir = std::getenv("SWATHGRID_FUZZ_TMP");
    return std::string(dir ? dir : "/tmp") + "/swathgrid-fuzz-" + std::to_string(::getpid()) +
           ".nc";
  }();
  return path;
}

bool write_input(const std::uint8_t* data, std::size_t size) {
  std::FILE* file = std::fopen(scratch_path().c_str(), "wb");
  if (!file) return false;
  const bool ok = std::fwrite(data, 1, size, file) == size;
  return std::fclose(file) == 0 && ok;
}

template <typename Call>
void expect_value_or_error(Call call) {
  try {
    call();
  } catch (const swathgrid::Error&) {
    // the documented outcome for a bad file
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!write_input(data, size)) return 0;
  const std::string& path = scratch_path();
  swathgrid::ReadRequest whole;
  whole.variables = {"chlor_a"};
  whole.mask_flags = swathgrid::l2bin_default_flags();
  expect_value_or_error([&] { swathgrid::read_granule(path, whole); });

  swathgrid::ReadRequest subset;  // also the subset planner (attributes, sampled navigation)
  subset.variables = {"chlor_a", "poc"};
  subset.region = swathgrid::GeoRegion{swathgrid::BBox{-77.0, 36.0, -73.0, 41.0}, 0.5};
  subset.time_window = swathgrid::TimeWindow{1.7e9, 1.8e9};
  expect_value_or_error([&] { swathgrid::read_granule(path, subset); });

  expect_value_or_error([&] { swathgrid::describe_variables(path, {"chlor_a", "Rrs"}); });
  expect_value_or_error([&] { swathgrid::check_flag_names(path, {"LAND", "CLDICE"}); });
  return 0;
}
