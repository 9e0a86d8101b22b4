// write_synthetic_granule: validate the options, build the swath geometry and the arrays,
// write them in the OB.DAAC Level-2 layout under a temporary name, rename when complete.

#include "swathgrid/synth.hpp"

#include <cmath>
#include <filesystem>

#include "swathgrid/error.hpp"
#include "synth_arrays.hpp"
#include "synth_geometry.hpp"
#include "synth_layout.hpp"
#include "synth_oci.hpp"
#include "synth_time.hpp"

namespace swathgrid {
namespace {

constexpr std::size_t kMinSize = 2;                // lines and pixels
constexpr std::size_t kMaxPixelsTotal = 1u << 28;  // 1 GiB per float array
constexpr double kMaxTrackOffsetKm = 5000.0;
constexpr std::size_t kMaxRrsValues = std::size_t{1} << 31;  // 4 GiB of int16 Rrs

void validate(const std::string& path, const SynthGranuleOptions& options) {
  SWATHGRID_REQUIRE(options.lines >= kMinSize && options.pixels >= kMinSize,
                    "synthetic granule " << path << ": lines and pixels must be at least "
                                         << kMinSize << ", got " << options.lines << " x "
                                         << options.pixels);
  SWATHGRID_REQUIRE(options.lines <= kMaxPixelsTotal / options.pixels,
                    "synthetic granule " << path << ": " << options.lines << " x " << options.pixels
                                         << " pixels is too large");
  SWATHGRID_REQUIRE(options.cloud_fraction >= 0.0 && options.cloud_fraction <= 1.0,
                    "synthetic granule " << path << ": cloud fraction must be in [0, 1], got "
                                         << options.cloud_fraction);
  SWATHGRID_REQUIRE(std::fabs(options.near_lat_deg) <= synth_detail::kMaxNearLatitudeDeg,
                    "synthetic granule " << path << ": the orbit cannot pass near latitude "
                                         << options.near_lat_deg << " (limit +-"
                                         << synth_detail::kMaxNearLatitudeDeg << ")");
  if (options.suite == SynthSuite::kAop) {
    SWATHGRID_REQUIRE(options.aop_bands >= 1 && options.aop_bands <= kMaxAopBands,
                      "synthetic granule " << path << ": AOP bands must be 1 to " << kMaxAopBands
                                           << ", got " << options.aop_bands);
    SWATHGRID_REQUIRE(options.lines * options.pixels <= kMaxRrsValues / options.aop_bands,
                      "synthetic granule " << path << ": " << options.lines << " x "
                                           << options.pixels << " x " << options.aop_bands
                                           << " Rrs values is too large");
  }
  synth_detail::validate_oci_features(options.oci, options.lines, "synthetic granule " + path);
  SWATHGRID_REQUIRE(std::isfinite(options.near_lon_deg) &&
                        std::fabs(options.track_offset_km) <= kMaxTrackOffsetKm &&
                        std::isfinite(options.track_position),
                    "synthetic granule " << path << ": bad placement (near_lon "
                                         << options.near_lon_deg << ", track_offset_km "
                                         << options.track_offset_km << ", track_position "
                                         << options.track_position << ")");
}

}  // namespace

const char* suite_name(SynthSuite suite) { return suite == SynthSuite::kAop ? "AOP" : "BGC"; }

void write_synthetic_granule(const std::string& path, const SynthGranuleOptions& options) {
  using namespace synth_detail;
  validate(path, options);
  const auto start_ms = parse_iso8601_utc_ms(options.time_coverage_start);
  SWATHGRID_REQUIRE(start_ms, "synthetic granule "
                                  << path << ": time_coverage_start '"
                                  << options.time_coverage_start
                                  << "' is not ISO 8601 UTC like 2024-08-01T17:42:45.090Z");

  const SwathGeometry geometry = make_swath_geometry(options);
  const double days = static_cast<double>(*start_ms) / kMillisecondsPerDay;
  GranuleArrays arrays = make_granule_arrays(geometry, days, options.seed, options.cloud_fraction);
  add_navigation_fill_lines(options.oci, options.seed, options.pixels, arrays);

  GranuleDescription description;
  description.product_name = std::filesystem::path(path).filename().string();
  description.start_ms = *start_ms;
  description.end_ms =
      *start_ms + static_cast<std::int64_t>(std::llround(static_cast<double>(options.lines - 1) *
                                                         kLinePeriodS * kMillisecondsPerSecond));
  description.options = options;

  const std::string partial = path + ".partial";
  try {
    write_granule_file(partial, path, description, geometry, arrays);
    std::error_code error;
    std::filesystem::rename(partial, path, error);
    SWATHGRID_REQUIRE(!error, "synthetic granule " << path << ": cannot rename " << partial << ": "
                                                   << error.message());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    throw;
  }
}

}  // namespace swathgrid
