#pragma once
// The pixels of a quicklook (src/gdal/quicklook.cpp writes them as PNG): a colour map of one band
// with no data transparent, and a colour bar legend below it. No GDAL here, so it can be tested on
// plain arrays.

#include <cstdint>
#include <string>
#include <vector>

namespace swathgrid {

/// Rows of the legend strip below the map (colour bar and its labels).
inline constexpr int kLegendRows = 24;

struct QuicklookScale {
  bool log10 = false;  ///< colours spaced by log10(value); values <= 0 take the lowest colour
  double low = 0.0;    ///< value of the first colour (2nd percentile of the data)
  double high = 1.0;   ///< value of the last colour (98th percentile)
};

/// The 2nd..98th percentile range of `values` (valid ones only; positive ones for log10).
QuicklookScale quicklook_scale(const std::vector<float>& values, const std::vector<bool>& valid,
                               bool log10);

/// RGBA pixels (width x (height + kLegendRows), row after row, 4 bytes a pixel) of the
/// `width` x `height` map `values` (north-up rows): valid cells in the viridis colour map,
/// the others transparent (alpha 0); the legend strip is opaque white with the colour bar and,
/// when wide enough, labels low / middle / high (`units` appended to the high one).
std::vector<std::uint8_t> quicklook_rgba(const std::vector<float>& values,
                                         const std::vector<bool>& valid, int width, int height,
                                         const QuicklookScale& scale, const std::string& units);

}  // namespace swathgrid
