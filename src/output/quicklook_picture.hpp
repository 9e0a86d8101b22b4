#pragma once
// The pixels of a quicklook (src/gdal/quicklook.cpp writes them as PNG): a colour map of one band
// with no data transparent, and a colour bar legend below it. No GDAL here, so it can be tested on
// plain arrays.

#include <cstdint>
#include <string>
#include <vector>

namespace swathgrid {

/// Rows of the title strip above the map (variable, period, wavelength).
inline constexpr int kTitleRows = 11;
/// Rows of the legend strip below the map (colour bar, its labels and units).
inline constexpr int kLegendRows = 24;

struct QuicklookScale {
  bool log10 = false;  ///< colours spaced by log10(value); values <= 0 take the lowest colour
  double low = 0.0;    ///< value of the first colour (2nd percentile of the data)
  double high = 1.0;   ///< value of the last colour (98th percentile)
};

/// The 2nd..98th percentile range of `values` (valid ones only; positive ones for log10).
QuicklookScale quicklook_scale(const std::vector<float>& values, const std::vector<bool>& valid,
                               bool log10);

/// RGBA pixels (width x (kTitleRows + height + kLegendRows), row after row, 4 bytes a pixel):
/// an opaque white title strip with `title` in black (cut to the width), the `width` x
/// `height` map `values` (north-up rows) with valid cells in the viridis colour map and the
/// others transparent (alpha 0), and an opaque white legend strip with the colour bar and,
/// when wide enough, labels low / middle / high and `units` (after the high label, or in
/// place of the middle one when that is what fits).
std::vector<std::uint8_t> quicklook_rgba(const std::vector<float>& values,
                                         const std::vector<bool>& valid, int width, int height,
                                         const QuicklookScale& scale, const std::string& units,
                                         const std::string& title);

/// What a quicklook's title says about the picture (its first band).
struct QuicklookTitle {
  std::string variable;   ///< as in the netCDF, e.g. "chlor_a", "Rrs", "chlor_a_count"
  std::string period;     ///< the file's period attribute: all, day, 8day, month ("" unknown)
  std::string first_day;  ///< "2024-08-01": the first day the band covers ("" unknown)
  std::string last_day;   ///< the last day it covers (the same for one day)
  bool has_wavelength = false;
  double wavelength_nm = 0.0;  ///< of the band, for 3-D variables such as Rrs
};

/// "Rrs 412 nm, 8-day 2024-08-01 to 2024-08-08" / "chlor_a, 2024-08-01 to 2024-08-07"
/// (period all: no period word) / "poc, day 2024-08-02": the variable, the wavelength when
/// there is one, the period and its days when known.
std::string quicklook_title(const QuicklookTitle& title);

}  // namespace swathgrid
