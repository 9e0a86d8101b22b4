#pragma once
// Proleptic Gregorian calendar arithmetic (H. Hinnant's days_from_civil / civil_from_days),
// header-only so that the product (periods, metadata) and the granule generator share it.

#include <cstdint>

namespace swathgrid {

struct CivilDate {
  std::int64_t year;
  int month;  ///< 1..12
  int day;    ///< 1..31
};

/// Days since 1970-01-01 of a proleptic Gregorian date.
constexpr std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;
  const std::int64_t day_of_year_from_march =
      (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year_from_march;
  return era * 146097 + day_of_era - 719468;
}

/// The date of `days` since 1970-01-01 (inverse of days_from_civil).
constexpr CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t day_of_era = days - era * 146097;
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year_from_march =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_from_march = (5 * day_of_year_from_march + 2) / 153;
  const int day = static_cast<int>(day_of_year_from_march - (153 * month_from_march + 2) / 5 + 1);
  const int month =
      static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

static_assert(days_from_civil(1970, 1, 1) == 0 && days_from_civil(2024, 2, 29) == 19782);
static_assert(civil_from_days(19782).month == 2 && civil_from_days(19782).day == 29);

}  // namespace swathgrid
