#include "swathgrid/periods.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "swathgrid/calendar.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {

constexpr double kSecondsPerDay = 86400.0;
constexpr int kDaysPerEightDayPeriod = 8;

std::string date_text(std::int64_t day) {
  const CivilDate c = civil_from_days(day);
  char text[32];
  std::snprintf(text, sizeof(text), "%04lld-%02d-%02d", static_cast<long long>(c.year), c.month,
                c.day);
  return text;
}

}  // namespace

std::string day_start_iso8601(std::int64_t day) { return date_text(day) + "T00:00:00Z"; }

PeriodKind parse_period(const std::string& text) {
  if (text == "all") return PeriodKind::kAll;
  if (text == "day") return PeriodKind::kDay;
  if (text == "8day") return PeriodKind::kEightDay;
  if (text == "month") return PeriodKind::kMonth;
  throw UsageError("--period: unknown period '" + text + "' (available: all,day,8day,month)");
}

std::string period_name(PeriodKind kind) {
  switch (kind) {
    case PeriodKind::kAll:
      return "all";
    case PeriodKind::kDay:
      return "day";
    case PeriodKind::kEightDay:
      return "8day";
    case PeriodKind::kMonth:
      return "month";
  }
  return "?";
}

double parse_iso8601_utc(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, consumed = 0;
  double second = 0.0;
  const int fields = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf%n", &year, &month, &day,
                                 &hour, &minute, &second, &consumed);
  const std::string rest = fields == 6 ? text.substr(static_cast<std::size_t>(consumed)) : "";
  if (fields != 6 || (rest != "" && rest != "Z") || month < 1 || month > 12 || day < 1 ||
      day > 31 || hour > 23 || minute > 59 || !(second >= 0.0 && second < 61.0))
    throw Error("time '" + text + "' is not an ISO 8601 UTC time (YYYY-MM-DDThh:mm:ss[.fff]Z)");
  return static_cast<double>(days_from_civil(year, month, day)) * kSecondsPerDay + hour * 3600.0 +
         minute * 60.0 + second;
}

Period period_of(double seconds, PeriodKind kind) {
  const std::int64_t day = static_cast<std::int64_t>(std::floor(seconds / kSecondsPerDay));
  const CivilDate c = civil_from_days(day);
  switch (kind) {
    case PeriodKind::kAll:
      return Period{0, 0, 0, "all"};
    case PeriodKind::kDay:
      return period_from_key(day, kind);
    case PeriodKind::kEightDay: {
      const std::int64_t doy0 = day - days_from_civil(c.year, 1, 1);  // 0-based day of year
      return period_from_key(c.year * 100 + doy0 / kDaysPerEightDayPeriod, kind);
    }
    case PeriodKind::kMonth:
      return period_from_key(c.year * 12 + (c.month - 1), kind);
  }
  return {};
}

Period period_from_key(std::int64_t key, PeriodKind kind) {
  Period p;
  p.key = key;
  switch (kind) {
    case PeriodKind::kAll:
      p.label = "all";
      break;
    case PeriodKind::kDay:
      p.start_day = key;
      p.end_day = key + 1;
      p.label = date_text(key);
      break;
    case PeriodKind::kEightDay: {
      const std::int64_t year = key / 100, index = key % 100;
      const std::int64_t jan1 = days_from_civil(year, 1, 1);
      p.start_day = jan1 + index * kDaysPerEightDayPeriod;
      p.end_day = std::min(p.start_day + kDaysPerEightDayPeriod, days_from_civil(year + 1, 1, 1));
      p.label = date_text(p.start_day) + "/" + date_text(p.end_day - 1);
      break;
    }
    case PeriodKind::kMonth: {
      const std::int64_t year = key / 12;
      const int month = static_cast<int>(key % 12) + 1;
      p.start_day = days_from_civil(year, month, 1);
      p.end_day =
          month == 12 ? days_from_civil(year + 1, 1, 1) : days_from_civil(year, month + 1, 1);
      p.label = date_text(p.start_day).substr(0, 7);
      break;
    }
  }
  return p;
}

}  // namespace swathgrid
