// Google Benchmark microbenchmarks of the regrid kernels (pixels per second): `bin`
// (bin_pixels into sparse tiled partials of one granule, as nearest/warp and granule weighting
// need; or straight into the run's mean,count accumulators, the default path, with 16-byte or
// compact 12-byte cells) and `nearest` (nearest_pixel_per_cell, the cell -> pixel search). Input: one synthetic full-size OCI granule (1710 x 1272 pixels)
// on a regular lattice tilted 12 degrees, ~1.2 km pixels, 20 % fill; the grid is the swath's
// bounding box at the benchmark's argument (cell size in 1/1000 degree). No I/O, no MPI.
//
//   build-bench/benchmarks/swathgrid-micro --benchmark_min_time=0.5s
//   OMP_NUM_THREADS=2 OMP_PROC_BIND=false build-bench/benchmarks/swathgrid-micro

#include <benchmark/benchmark.h>

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "swathgrid/accumulators.hpp"
#include "swathgrid/grid.hpp"
#include "swathgrid/nearest_kernel.hpp"
#include "swathgrid/partials.hpp"
#include "swathgrid/tiles.hpp"
#include "swathgrid/types.hpp"

namespace {

using namespace swathgrid;

constexpr std::size_t kLines = 1710;         // an OCI granule
constexpr std::size_t kPixels = 1272;
constexpr double kSpacingDeg = 0.011;        // ~1.2 km
constexpr double kTiltRad = 12.0 * M_PI / 180.0;
constexpr double kCentreLon = -75.0, kCentreLat = 38.5;

struct Swath {
  std::vector<float> lon, lat, values;
  BBox box{180.0, 90.0, -180.0, -90.0};
};

const Swath& swath() {
  static const Swath s = [] {
    Swath out;
    const std::size_t n = kLines * kPixels;
    out.lon.resize(n);
    out.lat.resize(n);
    out.values.resize(n);
    for (std::size_t l = 0; l < kLines; ++l)
      for (std::size_t p = 0; p < kPixels; ++p) {
        const double a = (static_cast<double>(l) - kLines / 2.0) * kSpacingDeg;  // along track
        const double c = (static_cast<double>(p) - kPixels / 2.0) * kSpacingDeg;  // across
        const double lat = kCentreLat + a * std::cos(kTiltRad) - c * std::sin(kTiltRad);
        const double lon = kCentreLon + (a * std::sin(kTiltRad) + c * std::cos(kTiltRad)) /
                                            std::cos(lat * M_PI / 180.0);
        const std::size_t i = l * kPixels + p;
        out.lon[i] = static_cast<float>(lon);
        out.lat[i] = static_cast<float>(lat);
        const bool cloud = ((l / 40 + p / 50) % 5) == 0;
        out.values[i] = cloud ? NAN : static_cast<float>(0.1 + 0.001 * ((l + p) % 1000));
        out.box.west = std::min(out.box.west, lon);
        out.box.east = std::max(out.box.east, lon);
        out.box.south = std::min(out.box.south, lat);
        out.box.north = std::max(out.box.north, lat);
      }
    return out;
  }();
  return s;
}

/// BM_bin's second argument: what the pixels are binned into.
enum BinInto : int { kPartials = 0, kAccumulators = 1, kCompactAccumulators = 2 };

GridSpec grid_for(const benchmark::State& state) {
  return GridSpec::from_bbox(swath().box, static_cast<double>(state.range(0)) / 1000.0);
}

void BM_bin(benchmark::State& state) {
  const Swath& s = swath();
  const GridSpec grid = grid_for(state);
  PositionView x("x", s.lon.size()), y("y", s.lat.size());
  std::vector<double> lon(s.lon.begin(), s.lon.end()), lat(s.lat.begin(), s.lat.end());
  copy_to_device(lon, x, "x");
  copy_to_device(lat, y, "y");
  PixelView values;
  copy_to_device(s.values, values, "values");
  const auto into = static_cast<BinInto>(state.range(1));
  const FieldLayout accumulators = FieldLayout::for_stats(
      {Stat::kMean, Stat::kCount}, Weighting::kPixel, 100.0, into == kCompactAccumulators);
  const FieldLayout layout = into == kPartials ? accumulators.partial_layout() : accumulators;
  // Sparse tiles, allocated by the first call (the warm-up) and reused: the kernel alone
  // (accumulators keep adding, as from granule to granule).
  TiledFields fields(layout, TileGrid(kDefaultTileSize, grid.nx, grid.ny));
  std::int64_t binned = bin_pixels(x, y, values, grid, fields).binned;
  Kokkos::fence();
  for (auto _ : state) {
    binned = bin_pixels(x, y, values, grid, fields).binned;
    Kokkos::fence();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(s.values.size()));
  state.counters["binned"] = static_cast<double>(binned);
  state.counters["cells"] = static_cast<double>(grid.cell_count());
}

void BM_nearest(benchmark::State& state) {
  const Swath& s = swath();
  const GridSpec grid = grid_for(state);
  PixelView lon, lat;
  copy_to_device(s.lon, lon, "lon");
  copy_to_device(s.lat, lat, "lat");
  std::int64_t found = 0;
  for (auto _ : state) {
    const CellPixelView index = nearest_pixel_per_cell(lon, lat, kLines, kPixels, grid, 0.0);
    Kokkos::fence();
    state.PauseTiming();
    found = 0;
    Kokkos::parallel_reduce(
        "count", index.extent(0),
        KOKKOS_LAMBDA(const std::size_t c, std::int64_t& n) { n += index(c) >= 0; }, found);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(s.lon.size()));
  state.counters["cells_found"] = static_cast<double>(found);
  state.counters["cells"] = static_cast<double>(grid.cell_count());
}

// First argument: cell size in 1/1000 degree (10: 0.01 degree, about OCI's pixel; 40: ~4 km);
// BM_bin's second: BinInto.
BENCHMARK(BM_bin)
    ->ArgsProduct({{10, 40}, {kPartials, kAccumulators, kCompactAccumulators}})
    ->ArgNames({"millideg", "into"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_nearest)->Arg(10)->Arg(40)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
