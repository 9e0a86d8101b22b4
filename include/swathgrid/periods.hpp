#pragma once
// Time periods of a composite (--period): UTC days, NASA 8-day periods, calendar months.

#include <cstdint>
#include <string>

namespace swathgrid {

enum class PeriodKind { kAll, kDay, kEightDay, kMonth };

/// Parses all|day|8day|month; throws UsageError("--period: ...").
PeriodKind parse_period(const std::string& text);
std::string period_name(PeriodKind kind);

/// Seconds since 1970-01-01T00:00:00Z of an ISO 8601 UTC time such as
/// "2024-08-01T17:42:45.090Z" (fraction and the Z optional). Throws swathgrid::Error on
/// anything else.
double parse_iso8601_utc(const std::string& text);

/// "2024-08-01T00:00:00Z": the start of `day` (days since 1970-01-01) in ISO 8601 UTC.
std::string day_start_iso8601(std::int64_t day);

/// One period: [start_day, end_day) in days since 1970-01-01 (UTC).
struct Period {
  std::int64_t key = 0;  ///< orders periods in time; equal keys = same period
  std::int64_t start_day = 0;
  std::int64_t end_day = 0;
  std::string label;  ///< "2024-08-01", "2024-08-01/2024-08-08", "2024-08", "all"
};

/// The period holding `seconds` (since the epoch). 8-day periods are NASA's: they restart
/// each 1 January at day-of-year 1, 9, 17, ..., 361; the last one of a year ends on
/// 31 December (5 or 6 days). kAll gives one period with key 0 and no bounds.
Period period_of(double seconds, PeriodKind kind);

/// Period with the given key (the inverse of period_of(...).key).
Period period_from_key(std::int64_t key, PeriodKind kind);

}  // namespace swathgrid
