#pragma once
// UTC times of the synthetic granules as integer milliseconds since 1970-01-01T00:00:00Z
// (proleptic Gregorian, no leap seconds), parsed from and formatted to ISO 8601.

#include <cstdint>
#include <optional>
#include <string>

namespace swathgrid::synth_detail {

constexpr std::int64_t kMillisecondsPerSecond = 1000;
constexpr std::int64_t kMillisecondsPerDay = 86400 * kMillisecondsPerSecond;

/// "2024-08-01T17:42:45.090Z" (fraction and Z optional) -> ms since the epoch.
std::optional<std::int64_t> parse_iso8601_utc_ms(const std::string& text);

/// "2024-08-01" -> ms since the epoch of that day's 00:00 UTC.
std::optional<std::int64_t> parse_date_utc_ms(const std::string& text);

/// ms since the epoch -> "2024-08-01T17:42:45.090Z" (as OB.DAAC time_coverage_start).
std::string format_iso8601_ms(std::int64_t utc_ms);

/// ms since the epoch -> "20240801T174245" (as in OB.DAAC file names).
std::string format_compact_seconds(std::int64_t utc_ms);

/// ms since the epoch -> "2024-08-01".
std::string format_date(std::int64_t utc_ms);

/// ms since the epoch of 00:00 UTC of the day containing `utc_ms`.
std::int64_t start_of_day_ms(std::int64_t utc_ms);

/// Day of the year, 1 on January 1st.
int day_of_year(std::int64_t utc_ms);

}  // namespace swathgrid::synth_detail
