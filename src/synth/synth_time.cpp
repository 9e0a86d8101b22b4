#include "synth_time.hpp"

#include <cstdio>

#include "swathgrid/calendar.hpp"

namespace swathgrid::synth_detail {
namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool valid_date(int year, int month, int day) {
  if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1) return false;
  const std::int64_t first = days_from_civil(year, month, 1);
  const std::int64_t next =
      month == 12 ? days_from_civil(year + 1, 1, 1) : days_from_civil(year, month + 1, 1);
  return day <= next - first;
}

}  // namespace

std::optional<std::int64_t> parse_date_utc_ms(const std::string& text) {
  int year = 0, month = 0, day = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3 ||
      consumed != static_cast<int>(text.size()) || text.size() != 10 ||
      !valid_date(year, month, day))
    return std::nullopt;
  return days_from_civil(year, month, day) * kMillisecondsPerDay;
}

std::optional<std::int64_t> parse_iso8601_utc_ms(const std::string& text) {
  if (text.size() < 19 || text[10] != 'T') return std::nullopt;
  const auto day_ms = parse_date_utc_ms(text.substr(0, 10));
  int hour = 0, minute = 0, second = 0, consumed = 0;
  if (!day_ms ||
      std::sscanf(text.c_str() + 11, "%2d:%2d:%2d%n", &hour, &minute, &second, &consumed) != 3 ||
      consumed != 8 || hour > 23 || minute > 59 || second > 59 || hour < 0 || minute < 0 ||
      second < 0)
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t fraction_ms = 0;
  if (pos < text.size() && text[pos] == '.') {
    std::int64_t scale = 100;
    std::size_t digits = 0;
    for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
      fraction_ms += (text[pos] - '0') * scale;
      scale /= 10;
    }
    if (digits == 0) return std::nullopt;
  }
  if (pos < text.size() && text[pos] == 'Z') ++pos;
  if (pos != text.size()) return std::nullopt;
  return *day_ms + ((hour * 60 + minute) * 60 + second) * kMillisecondsPerSecond + fraction_ms;
}

std::int64_t start_of_day_ms(std::int64_t utc_ms) {
  return floor_div(utc_ms, kMillisecondsPerDay) * kMillisecondsPerDay;
}

std::string format_iso8601_ms(std::int64_t utc_ms) {
  const std::int64_t day_ms = start_of_day_ms(utc_ms);
  const CivilDate date = civil_from_days(day_ms / kMillisecondsPerDay);
  const std::int64_t in_day = utc_ms - day_ms;
  char text[40];
  std::snprintf(text, sizeof text, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
                static_cast<long long>(date.year), date.month, date.day,
                static_cast<int>(in_day / 3600000), static_cast<int>(in_day / 60000 % 60),
                static_cast<int>(in_day / 1000 % 60), static_cast<int>(in_day % 1000));
  return text;
}

std::string format_compact_seconds(std::int64_t utc_ms) {
  const std::string iso = format_iso8601_ms(utc_ms);  // YYYY-MM-DDTHH:MM:SS.mmmZ
  return iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2) + "T" + iso.substr(11, 2) +
         iso.substr(14, 2) + iso.substr(17, 2);
}

std::string format_date(std::int64_t utc_ms) { return format_iso8601_ms(utc_ms).substr(0, 10); }

int day_of_year(std::int64_t utc_ms) {
  const std::int64_t days = start_of_day_ms(utc_ms) / kMillisecondsPerDay;
  const CivilDate date = civil_from_days(days);
  return static_cast<int>(days - days_from_civil(date.year, 1, 1)) + 1;
}

}  // namespace swathgrid::synth_detail
