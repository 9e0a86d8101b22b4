#include "synth_smooth.hpp"

namespace swathgrid::synth_detail {
namespace {

// Left sample index and weight of every position 0..count-1 between the sorted `samples`
// (which start at 0 and end at count-1, at least two of them).
void segments(const std::vector<std::size_t>& samples, std::size_t count,
              std::vector<std::size_t>& segment, std::vector<double>& weight) {
  segment.resize(count);
  weight.resize(count);
  std::size_t s = 0;
  for (std::size_t i = 0; i < count; ++i) {
    while (s + 2 < samples.size() && samples[s + 1] <= i) ++s;
    segment[i] = s;
    weight[i] =
        static_cast<double>(i - samples[s]) / static_cast<double>(samples[s + 1] - samples[s]);
  }
}

}  // namespace

CoarseGrid::CoarseGrid(const SwathGeometry& geometry) {
  for (std::size_t line = 0; line + 1 < geometry.lines; line += kSmoothLineStride)
    lines_.push_back(line);
  lines_.push_back(geometry.lines - 1);

  // Across track: the next sample is the farthest pixel within kSmoothSampleKm.
  std::vector<double> ground_km(geometry.pixels);
  for (std::size_t pixel = 0; pixel < geometry.pixels; ++pixel)
    ground_km[pixel] = ground_distance_km(geometry.scan_angle_deg[pixel]);
  columns_.push_back(0);
  while (columns_.back() + 1 < geometry.pixels) {
    std::size_t next = columns_.back() + 1;
    while (next + 1 < geometry.pixels &&
           ground_km[next + 1] - ground_km[columns_.back()] <= kSmoothSampleKm)
      ++next;
    columns_.push_back(next);
  }
  segments(lines_, geometry.lines, line_segment_, line_weight_);
  segments(columns_, geometry.pixels, column_segment_, column_weight_);
}

}  // namespace swathgrid::synth_detail
