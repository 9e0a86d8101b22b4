// Composites over granules with OCI's tilt change and navigation fill lines
// (swathgrid-synth --tilt, --navigation-fill-lines; tests/mpi/CMakeLists.txt runs them):
// binning counts exactly the navigated valid pixels (none of a fill line, ground seen twice by
// one granule counted twice), nearest fills no cell far from a navigated pixel. Granules are
// read the plain HDF5 way (e2e_support.hpp), independently of swathgrid's reader.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "e2e_support.hpp"

namespace swathgrid::e2e {
namespace {

constexpr double kWest = -77.0, kNorth = 41.0, kRes = 0.01;
constexpr long kNx = 400, kNy = 500;
constexpr std::size_t kPixels = 1272;
constexpr std::size_t kManoeuvreLines = 60;  // swathgrid-synth's default --tilt-change-lines
constexpr std::size_t kFillLines = 40;       // --navigation-fill-lines of the fixture

// The navigated valid chlor_a pixels of a granule with their line, and its whole fill lines.
struct GranulePixels {
  std::vector<Pixel> pixels;
  std::vector<std::size_t> lines;  // line of each pixel
  std::size_t unnavigated_lines = 0;
  bool fore_to_aft = false;
};

GranulePixels read_granule_pixels(const std::string& path) {
  GranulePixels out;
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(file, 0) << path;
  float fill = 0, lo = 0, hi = 0, nav_fill = 0;
  const auto chl = read_dataset(file, "geophysical_data/chlor_a", &fill, &lo, &hi);
  const auto lat = read_dataset(file, "navigation_data/latitude", &nav_fill, nullptr, nullptr);
  const auto lon = read_dataset(file, "navigation_data/longitude", &nav_fill, nullptr, nullptr);
  out.fore_to_aft =
      root_text_attribute(file, "history").find("tilt=fore-to-aft") != std::string::npos;
  H5Fclose(file);
  for (std::size_t line = 0; line < lat.size() / kPixels; ++line) {
    bool any_navigation = false;
    for (std::size_t i = line * kPixels; i < (line + 1) * kPixels; ++i) {
      const bool navigated = lat[i] != nav_fill && lon[i] != nav_fill;
      any_navigation |= navigated;
      if (!navigated || chl[i] == fill || chl[i] < lo || chl[i] > hi) continue;
      out.pixels.push_back({lon[i], lat[i], chl[i]});
      out.lines.push_back(line);
    }
    out.unnavigated_lines += !any_navigation;
  }
  return out;
}

std::vector<GranulePixels> read_all() {
  std::vector<GranulePixels> granules;
  for (const auto& path : granule_paths("tilt.txt")) granules.push_back(read_granule_pixels(path));
  EXPECT_EQ(granules.size(), 4u);
  return granules;
}

TEST(OciFeatures, BinningCountsEveryNavigatedPixelAndNoPixelOfAFillLine) {
  const auto granules = read_all();
  std::map<long, std::int32_t> expected;
  std::size_t cells_seen_twice = 0;
  for (const GranulePixels& g : granules) {
    EXPECT_GE(g.unnavigated_lines, kManoeuvreLines + kFillLines - 5) << "fill lines missing";
    std::map<long, std::pair<std::size_t, std::size_t>> line_span;  // per cell: first, last line
    for (std::size_t k = 0; k < g.pixels.size(); ++k) {
      const long c = cell_of(g.pixels[k].lon, g.pixels[k].lat, kWest, kNorth, kRes, kNx, kNy);
      if (c < 0) continue;
      ++expected[c];
      auto [it, fresh] = line_span.try_emplace(c, g.lines[k], g.lines[k]);
      it->second.first = std::min(it->second.first, g.lines[k]);
      it->second.second = std::max(it->second.second, g.lines[k]);
    }
    for (const auto& [cell, span] : line_span)  // one cell: lines either side of the manoeuvre
      if (g.fore_to_aft && span.second - span.first > kManoeuvreLines) ++cells_seen_twice;
  }
  EXPECT_GT(cells_seen_twice, 100u) << "the fore-to-aft granules should see ground twice";
  NcFile out(e2e_dir() + "/tilt_bin.nc");
  const auto count = out.values<std::int32_t>("chlor_a_count");
  ASSERT_EQ(count.size(), static_cast<std::size_t>(kNx * kNy));
  long mismatches = 0, total = 0;
  for (long c = 0; c < kNx * kNy; ++c) {
    const auto it = expected.find(c);
    const std::int32_t want = it == expected.end() ? 0 : it->second;
    mismatches += count[c] != want;
    total += count[c];
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(total, 10000);
}

TEST(OciFeatures, NearestFillsNoCellFarFromANavigatedPixel) {
  const auto granules = read_all();
  std::set<long> near_pixels;      // cells within kReachCells of a navigated valid pixel
  constexpr long kReachCells = 6;  // ~6 km: more than half the widest OCI pixel (~7 km)
  for (const GranulePixels& g : granules) {
    for (const Pixel& p : g.pixels) {
      const long c = cell_of(p.lon, p.lat, kWest, kNorth, kRes, kNx, kNy);
      if (c < 0) continue;
      for (long dy = -kReachCells; dy <= kReachCells; ++dy)
        for (long dx = -kReachCells; dx <= kReachCells; ++dx) {
          const long row = c / kNx + dy, col = c % kNx + dx;
          if (row >= 0 && row < kNy && col >= 0 && col < kNx) near_pixels.insert(row * kNx + col);
        }
    }
  }
  NcFile out(e2e_dir() + "/tilt_nearest.nc");
  const auto value = out.values<float>("chlor_a");
  const auto count = out.values<std::int32_t>("chlor_a_count");
  long filled = 0, far = 0;
  for (long c = 0; c < kNx * kNy; ++c) {
    if (count[c] == 0) continue;
    ++filled;
    far += near_pixels.count(c) == 0;
    EXPECT_TRUE(value[c] >= 0.001f && value[c] <= 100.0f) << "cell " << c << ": " << value[c];
  }
  EXPECT_EQ(far, 0);
  EXPECT_GT(filled, 10000);
  EXPECT_LT(filled, static_cast<long>(near_pixels.size()));
}

}  // namespace
}  // namespace swathgrid::e2e
