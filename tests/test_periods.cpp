// Time periods: ISO 8601 parsing, days, NASA 8-day periods, months.

#include <gtest/gtest.h>

#include "swathgrid/error.hpp"
#include "swathgrid/periods.hpp"

namespace swathgrid {
namespace {

TEST(Periods, ParsesIso8601Utc) {
  EXPECT_DOUBLE_EQ(parse_iso8601_utc("1970-01-01T00:00:00Z"), 0.0);
  // 2024-08-01 is day 19936 since the epoch (date -u -d 2024-08-01 +%s = 1722470400).
  EXPECT_DOUBLE_EQ(parse_iso8601_utc("2024-08-01T00:00:00.000Z"), 1722470400.0);
  EXPECT_NEAR(parse_iso8601_utc("2024-08-01T17:42:45.090Z"), 1722470400.0 + 63765.09, 1e-6);
  EXPECT_DOUBLE_EQ(parse_iso8601_utc("2000-03-01T00:00:00"), 951868800.0);
  EXPECT_THROW(parse_iso8601_utc(""), Error);
  EXPECT_THROW(parse_iso8601_utc("2024-13-01T00:00:00Z"), Error);
  EXPECT_THROW(parse_iso8601_utc("yesterday"), Error);
  EXPECT_THROW(parse_iso8601_utc("2024-08-01T17:42:45.090+02:00"), Error);
}

TEST(Periods, Days) {
  const Period p = period_of(parse_iso8601_utc("2024-08-01T23:59:59Z"), PeriodKind::kDay);
  EXPECT_EQ(p.label, "2024-08-01");
  EXPECT_EQ(p.start_day, 19936);
  EXPECT_EQ(p.end_day, 19937);
  EXPECT_LT(p.key, period_of(parse_iso8601_utc("2024-08-02T00:00:00Z"), PeriodKind::kDay).key);
}

TEST(Periods, NasaEightDayPeriodsRestartEachYear) {
  // NASA's 8-day L3 files: 2024-07-27..2024-08-03 is period 27 (day-of-year 209..216).
  const Period p = period_of(parse_iso8601_utc("2024-08-01T17:00:00Z"), PeriodKind::kEightDay);
  EXPECT_EQ(p.label, "2024-07-27/2024-08-03");
  EXPECT_EQ(p.end_day - p.start_day, 8);
  // The last period of a leap year is 6 days (361..366), of other years 5 (361..365).
  const Period last_leap =
      period_of(parse_iso8601_utc("2024-12-31T12:00:00Z"), PeriodKind::kEightDay);
  EXPECT_EQ(last_leap.label, "2024-12-26/2024-12-31");
  EXPECT_EQ(last_leap.end_day - last_leap.start_day, 6);
  const Period last = period_of(parse_iso8601_utc("2023-12-31T12:00:00Z"), PeriodKind::kEightDay);
  EXPECT_EQ(last.end_day - last.start_day, 5);
  const Period first = period_of(parse_iso8601_utc("2025-01-01T00:00:00Z"), PeriodKind::kEightDay);
  EXPECT_EQ(first.label, "2025-01-01/2025-01-08");
  EXPECT_EQ(first.start_day, last_leap.end_day);
  EXPECT_EQ(period_from_key(first.key, PeriodKind::kEightDay).label, first.label);
}

TEST(Periods, Months) {
  const Period feb = period_of(parse_iso8601_utc("2024-02-29T10:00:00Z"), PeriodKind::kMonth);
  EXPECT_EQ(feb.label, "2024-02");
  EXPECT_EQ(feb.end_day - feb.start_day, 29);
  const Period dec = period_of(parse_iso8601_utc("2023-12-15T10:00:00Z"), PeriodKind::kMonth);
  EXPECT_EQ(dec.end_day - dec.start_day, 31);
  EXPECT_EQ(period_of(parse_iso8601_utc("2024-01-01T00:00:00Z"), PeriodKind::kMonth).start_day,
            dec.end_day);
}

TEST(Periods, ParseNames) {
  EXPECT_EQ(parse_period("8day"), PeriodKind::kEightDay);
  EXPECT_THROW(parse_period("week"), UsageError);
  EXPECT_EQ(period_of(12345.0, PeriodKind::kAll).key, 0);
}

}  // namespace
}  // namespace swathgrid
