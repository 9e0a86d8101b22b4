// NASA's data day (include/swathgrid/data_day.hpp): cases worked by hand from libdataday's
// rule and checked against the local solar date where it applies.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "swathgrid/calendar.hpp"
#include "swathgrid/data_day.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/periods.hpp"

namespace swathgrid {
namespace {

constexpr double kOciHour = 13.0;
const std::int64_t kAug1 = days_from_civil(2024, 8, 1);

DataDays oci_days(const char* start, DatelineCrossing crossing, double lon_min, double lon_max) {
  return data_days(parse_iso8601_utc(start), kOciHour, crossing, lon_min, lon_max);
}

TEST(DataDay, ParsesNames) {
  EXPECT_EQ(parse_day_kind("data"), DayKind::kData);
  EXPECT_EQ(parse_day_kind("utc"), DayKind::kUtc);
  EXPECT_EQ(day_kind_name(DayKind::kData), "data");
  EXPECT_THROW(parse_day_kind("local"), UsageError);
}

TEST(DataDay, GranuleNotCrossingStaysOnItsReferenceDay) {
  // 17:40 UTC off Virginia: the UTC day.
  const DataDays days = oci_days("2024-08-01T17:40:00Z", DatelineCrossing::kNone, -80, -60);
  EXPECT_EQ(days.first, kAug1);
  EXPECT_FALSE(days.split());
}

TEST(DataDay, PacificGranuleJustAfterMidnightUtcBelongsToThePreviousDay) {
  // 00:09 UTC on 2 August at 170 W is 12:49 local time on 1 August.
  const DataDays days = oci_days("2024-08-02T00:09:41Z", DatelineCrossing::kNone, -172, -168);
  EXPECT_EQ(days.first, kAug1);
  EXPECT_FALSE(days.split());
}

TEST(DataDay, WesternPacificGranuleBeforeMidnightUtcBelongsToTheNextDay) {
  // 23:30 UTC on 1 August at 170 E is 10:50 local time on 2 August.
  const DataDays days = oci_days("2024-08-01T23:30:00Z", DatelineCrossing::kNone, 165, 175);
  EXPECT_EQ(days.first, kAug1 + 1);
  EXPECT_FALSE(days.split());
}

TEST(DataDay, GranuleAcross180NearMidnightUtcIsSplit) {
  // Reference hour 00:16 (< 6): the day before for lon < 0, the reference day for lon >= 0.
  DataDays days = oci_days("2024-08-01T01:16:24Z", DatelineCrossing::kCrossed, -180, 180);
  EXPECT_EQ(days.first, kAug1 - 1);
  EXPECT_EQ(days.second, kAug1);
  // Reference hour 19:00 (> 18): the reference day and the next.
  days = oci_days("2024-08-01T20:00:00Z", DatelineCrossing::kCrossed, -180, 180);
  EXPECT_EQ(days.first, kAug1);
  EXPECT_EQ(days.second, kAug1 + 1);
}

TEST(DataDay, GranuleAcross180AtMidDaySplitsTowardsItsLargerSide) {
  // Reference hour 12: more of it west of 180 (10 degrees) than east (5): day before.
  DataDays days = oci_days("2024-08-01T13:00:00Z", DatelineCrossing::kCrossed, 170, -175);
  EXPECT_EQ(days.first, kAug1 - 1);
  EXPECT_EQ(days.second, kAug1);
  days = oci_days("2024-08-01T13:00:00Z", DatelineCrossing::kCrossed, 175, -170);
  EXPECT_EQ(days.first, kAug1);
  EXPECT_EQ(days.second, kAug1 + 1);
  // Over a pole: one day.
  days = oci_days("2024-08-01T13:00:00Z", DatelineCrossing::kNorthPole, -180, 180);
  EXPECT_FALSE(days.split());
  EXPECT_EQ(days.first, kAug1);
}

TEST(DataDay, OutlineCrossings) {
  EXPECT_EQ(dateline_crossing({10, 20, 20, 10}, {30, 30, 40, 40}), DatelineCrossing::kNone);
  EXPECT_EQ(dateline_crossing({170, -170, -170, 170}, {30, 30, 40, 40}),
            DatelineCrossing::kCrossed);
  EXPECT_EQ(dateline_crossing({0, 90, 180, -90}, {80, 80, 80, 80}), DatelineCrossing::kNorthPole);
  EXPECT_EQ(dateline_crossing({0, -90, 180, 90}, {-80, -80, -80, -80}),
            DatelineCrossing::kSouthPole);
  // Across 0 degrees is no crossing of 180.
  EXPECT_EQ(dateline_crossing({-10, 10, 10, -10}, {0, 0, 5, 5}), DatelineCrossing::kNone);
}

TEST(DataDay, PixelsSplitPerLineAsL2bin) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float lon[] = {170,  175,  -178, -172,  // across 180: each pixel by its sign
                       -179, -175, nan,  nan,   // one side: whole line by its last valid
                       nan,  170,  179,  nan,   //
                       nan,  nan,  nan,  nan,   // no navigation
                       -5,   0,    5,    10};   // across 0: per pixel, 0 in the second day
  const std::vector<std::uint8_t> expected = {1, 1, 0, 0, 0, 0, 0, 0, 1, 1,
                                              1, 1, 0, 0, 0, 0, 0, 1, 1, 1};
  EXPECT_EQ(second_day_pixels(lon, 5, 4), expected);
}

TEST(DataDay, EquatorCrossingHours) {
  const double y2020 = parse_iso8601_utc("2020-06-01T00:00:00Z");
  const double y2022 = parse_iso8601_utc("2022-01-01T00:00:00Z");
  bool known = false;
  EXPECT_EQ(equator_crossing_hour("OCI", "PACE", y2022, &known), 13.0);
  EXPECT_TRUE(known);
  EXPECT_EQ(equator_crossing_hour("MODIS", "Aqua", y2020), 13.6);
  EXPECT_NEAR(equator_crossing_hour("MODIS", "Aqua", y2022), 12.0 + 24.060654 / 15.0, 1e-9);
  EXPECT_EQ(equator_crossing_hour("VIIRS", "Suomi-NPP", y2022), 13.5);
  EXPECT_EQ(equator_crossing_hour("OLCI", "Sentinel-3A", y2022), 10.0);
  EXPECT_EQ(equator_crossing_hour("Unknown", "", y2022, &known), 12.0);
  EXPECT_FALSE(known);
}

}  // namespace
}  // namespace swathgrid
