#pragma once
// Smooth fields (clouds, ocean eddies) evaluated on a coarse sub-grid of the swath and
// interpolated bilinearly in (line, pixel): the sub-grid samples every few lines and, across
// track, about every kSmoothSampleKm of ground distance, so the interpolation error is the
// same at nadir and at the swath edges where pixels are ~7 times wider.

#include <cstddef>
#include <vector>

#include "synth_geometry.hpp"

namespace swathgrid::synth_detail {

constexpr std::size_t kSmoothLineStride = 4;  // ~4.8 km along track
constexpr double kSmoothSampleKm = 5.0;       // across track

/// Where the coarse samples are and how each pixel interpolates between them.
class CoarseGrid {
 public:
  explicit CoarseGrid(const SwathGeometry& geometry);

  const std::vector<std::size_t>& lines() const { return lines_; }      ///< sampled lines
  const std::vector<std::size_t>& columns() const { return columns_; }  ///< sampled pixels

  /// Bilinear interpolation at (line, pixel) of `samples` (lines().size() x columns().size()).
  double interpolate(const std::vector<double>& samples, std::size_t line,
                     std::size_t pixel) const {
    const std::size_t a = line_segment_[line], b = column_segment_[pixel];
    const double u = line_weight_[line], v = column_weight_[pixel];
    const std::size_t n = columns_.size();
    const double top = samples[a * n + b] + v * (samples[a * n + b + 1] - samples[a * n + b]);
    const double bottom =
        samples[(a + 1) * n + b] + v * (samples[(a + 1) * n + b + 1] - samples[(a + 1) * n + b]);
    return top + u * (bottom - top);
  }

 private:
  std::vector<std::size_t> lines_, columns_;
  std::vector<std::size_t> line_segment_, column_segment_;  // left sample of each line/pixel
  std::vector<double> line_weight_, column_weight_;         // weight of the right sample
};

}  // namespace swathgrid::synth_detail
