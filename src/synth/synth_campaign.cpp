// plan_campaign: the granules a user's download over one area and period would hold.
// Sun-synchronous geometry: one daytime pass a day near 13:00 local solar time whose
// ground track shifts from day to day (a 16-day repeat cycle), two consecutive 5-minute
// granules per pass splitting the area, two passes on adjacent orbits (98.4 min apart,
// the area near the edge of both swaths) on days that must hold more than one pass.

#include <algorithm>

#include "swathgrid/error.hpp"
#include "swathgrid/synth.hpp"
#include "synth_geometry.hpp"
#include "synth_oci.hpp"
#include "synth_random.hpp"
#include "synth_time.hpp"

namespace swathgrid {
namespace {

using namespace synth_detail;

constexpr double kAntimeridianNearLonDeg = 179.5;
constexpr double kLocalPassHour = 13.0;   // solar time of the pass at nadir
constexpr double kDailyOffsetKm = 600.0;  // day-to-day track offsets within +-this
constexpr int kRepeatCycleDays = 16;
constexpr int kRepeatStepDays = 7;            // offsets visit the cycle in steps of 7
constexpr double kSplitNorthOfNearKm = 40.0;  // pass split between its two granules
constexpr double kSplitJitterKm = 30.0;
constexpr double kAdjacentOrbitShare = 0.49;  // two passes a day: +-0.49 orbit spacing
constexpr std::size_t kOddLines = 1709, kEvenLines = 1710;
constexpr std::size_t kMaxCount = 1000000;

// Track offset (km east) of the single pass of campaign day `day`.
double daily_offset_km(std::size_t day, std::uint64_t seed) {
  const auto step =
      static_cast<int>((day + seed % kRepeatCycleDays) * kRepeatStepDays % kRepeatCycleDays);
  return kDailyOffsetKm * (step / (0.5 * (kRepeatCycleDays - 1)) - 1.0);
}

// Sine of the ground-track azimuth (from north, negative westwards) at `lat_deg`,
// including the Earth's rotation under the orbit.
double sin_track_azimuth(double lat_deg) {
  const double cos_lat = std::cos(lat_deg * kDegToRad);
  const double ground_speed = 2.0 * kPi * kEarthRadiusKm / kOrbitPeriodS;
  const double sin_inertial = std::cos(kOrbitInclinationDeg * kDegToRad) / cos_lat;
  const double east =
      ground_speed * sin_inertial - 2.0 * kPi / kSiderealDayS * kEarthRadiusKm * cos_lat;
  const double north = ground_speed * std::sqrt(1.0 - sin_inertial * sin_inertial);
  return east / std::hypot(east, north);
}

std::size_t lines_of(const SynthCampaignOptions& campaign, std::size_t granule) {
  if (campaign.lines != 0) return campaign.lines;
  return granule % 2 == 0 ? kEvenLines : kOddLines;
}

std::int64_t milliseconds(double seconds) {
  return static_cast<std::int64_t>(std::llround(seconds * kMillisecondsPerSecond));
}

// Where the orbit of one pass runs, and when.
struct Pass {
  std::size_t index;         // in the campaign
  double offset_km;          // nadir east of the near point where it crosses its latitude
  std::int64_t crossing_ms;  // UTC of that crossing
};

// Adds the (up to) two granules of `pass`: the first ends a little north of the near point
// (so both share the area), the second starts one scan after the first ends.
void add_pass_granules(const SynthCampaignOptions& campaign, double near_lon, const Pass& pass,
                       double sin_azimuth, std::vector<PlannedGranule>& granules) {
  const double near_along_km = -pass.offset_km * sin_azimuth;  // along track from crossing
  const double jitter_km =
      kSplitJitterKm * (2.0 * unit_double(hash_coords(campaign.seed, 0x73706c6974,
                                                      static_cast<std::int64_t>(pass.index))) -
                        1.0);
  std::int64_t start_ms = 0;
  for (std::size_t k = 0; k < 2 && granules.size() < campaign.count; ++k) {
    const std::size_t g = granules.size();
    SynthGranuleOptions options;
    options.lines = lines_of(campaign, g);
    options.pixels = campaign.pixels;
    options.near_lon_deg = near_lon;
    options.near_lat_deg = campaign.near_lat_deg;
    options.track_offset_km = pass.offset_km;
    options.cloud_fraction = campaign.cloud_fraction;
    options.seed = hash_coords(campaign.seed, static_cast<std::int64_t>(g));
    options.suite = campaign.suite;
    options.aop_bands = campaign.aop_bands;
    options.gring_attributes = campaign.gring_attributes;
    options.oci = campaign.oci;
    const double line_span_s = static_cast<double>(options.lines - 1) * kLinePeriodS;
    const double length_km = line_span_s * 2.0 * kPi * kEarthRadiusKm / kOrbitPeriodS;
    if (k == 0) {
      const double position = 1.0 - (near_along_km + kSplitNorthOfNearKm + jitter_km) / length_km;
      start_ms = pass.crossing_ms - milliseconds(position * line_span_s);
    } else {
      start_ms += milliseconds(static_cast<double>(granules.back().options.lines) * kLinePeriodS);
    }
    options.track_position =
        static_cast<double>(pass.crossing_ms - start_ms) / kMillisecondsPerSecond / line_span_s;
    options.time_coverage_start = format_iso8601_ms(start_ms);
    granules.push_back({"PACE_OCI." + format_compact_seconds(start_ms) + ".L2.OC_" +
                            suite_name(campaign.suite) + ".V3_0.nc",
                        options});
  }
}

}  // namespace

std::vector<PlannedGranule> plan_campaign(const SynthCampaignOptions& campaign) {
  const auto first_day_ms = parse_date_utc_ms(campaign.first_day);
  SWATHGRID_REQUIRE(first_day_ms, "campaign: first day '" << campaign.first_day
                                                          << "' is not a date like 2024-08-01");
  SWATHGRID_REQUIRE(campaign.days >= 1, "campaign: days must be at least 1");
  SWATHGRID_REQUIRE(campaign.count <= kMaxCount,
                    "campaign: at most " << kMaxCount << " granules, got " << campaign.count);
  SWATHGRID_REQUIRE(
      campaign.lines == 0 || campaign.lines >= 2,
      "campaign: lines must be 0 (alternate 1709/1710) or at least 2, got " << campaign.lines);
  SWATHGRID_REQUIRE(campaign.pixels >= 2,
                    "campaign: pixels must be at least 2, got " << campaign.pixels);
  SWATHGRID_REQUIRE(campaign.cloud_fraction >= 0.0 && campaign.cloud_fraction <= 1.0,
                    "campaign: cloud fraction must be in [0, 1], got " << campaign.cloud_fraction);
  SWATHGRID_REQUIRE(
      campaign.suite != SynthSuite::kAop ||
          (campaign.aop_bands >= 1 && campaign.aop_bands <= kMaxAopBands),
      "campaign: AOP bands must be 1 to " << kMaxAopBands << ", got " << campaign.aop_bands);
  validate_oci_features(campaign.oci, campaign.lines == 0 ? kOddLines : campaign.lines, "campaign");
  SWATHGRID_REQUIRE(std::fabs(campaign.near_lat_deg) <= kMaxNearLatitudeDeg &&
                        std::isfinite(campaign.near_lon_deg),
                    "campaign: no pass near " << campaign.near_lon_deg << ","
                                              << campaign.near_lat_deg << " (latitude limit +-"
                                              << kMaxNearLatitudeDeg << ")");

  const double near_lon = campaign.antimeridian ? kAntimeridianNearLonDeg : campaign.near_lon_deg;
  const double km_per_deg_lon =
      kEarthRadiusKm * kDegToRad * std::cos(campaign.near_lat_deg * kDegToRad);
  const double orbit_spacing_km = 360.0 * kOrbitPeriodS / 86400.0 * km_per_deg_lon;
  const double sin_azimuth = sin_track_azimuth(campaign.near_lat_deg);

  const std::size_t passes = (campaign.count + 1) / 2;
  auto day_of = [&](std::size_t p) { return p * campaign.days / passes; };
  std::vector<PlannedGranule> granules;
  std::size_t index_today = 0;
  for (std::size_t p = 0; p < passes; ++p) {
    const std::size_t day = day_of(p);
    index_today = (p > 0 && day_of(p - 1) == day) ? index_today + 1 : 0;
    std::size_t passes_today = index_today + 1;
    while (p + passes_today - index_today < passes && day_of(p + passes_today - index_today) == day)
      ++passes_today;
    // One pass: the daily offset. Two: adjacent orbits, the area near both swath edges.
    // More (not physical): other days' offsets of the repeat cycle on the same date.
    double offset_km = daily_offset_km(day + 3 * index_today, campaign.seed);
    if (passes_today == 2)
      offset_km = (index_today == 0 ? 1.0 : -1.0) * kAdjacentOrbitShare * orbit_spacing_km;
    const double crossing_lon = near_lon + offset_km / km_per_deg_lon;          // not wrapped
    const double crossing_s = (kLocalPassHour - crossing_lon / 15.0) * 3600.0;  // UTC of day
    const std::int64_t crossing_ms = *first_day_ms +
                                     static_cast<std::int64_t>(day) * kMillisecondsPerDay +
                                     milliseconds(crossing_s);
    add_pass_granules(campaign, near_lon, {p, offset_km, crossing_ms}, sin_azimuth, granules);
  }
  return granules;
}

}  // namespace swathgrid
