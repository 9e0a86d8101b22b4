#include "layers.hpp"

#include <cmath>

#include "swathgrid/error.hpp"
#include "swathgrid/partials.hpp"

namespace swathgrid {

namespace {

/// Why a layer cannot have compact accumulators (FieldLayout::narrow_high), "" when it can:
/// bin must add straight into them, they must hold a mean, and the valid range must keep the
/// quantum at 2^-30 or finer (|v| <= 1024: every OB.DAAC ocean-colour product).
std::string why_not_compact(const FieldLayout& wide, const Config& config, double max_abs) {
  if (config.method != Method::kBin || !bins_into_accumulators(wide, config.weighting))
    return "needs --method bin, --weight pixel and no ngranules";
  if (!wide.packed) return "only mean and stdev have sums to make compact";
  if (!(max_abs > 0.0) || max_abs > 1024.0)
    return "needs a valid_min/valid_max within +-1024";
  return "";
}

/// Whether a layer gets compact accumulators (--accumulators compact).
bool use_compact(const FieldLayout& wide, const Config& config, const VariableInfo& info,
                 double max_abs) {
  if (config.accumulators != Accumulators::kCompact) return false;
  const std::string why = why_not_compact(wide, config, max_abs);
  if (!why.empty()) throw UsageError("--accumulators compact: " + info.name + ": " + why);
  return true;
}

/// Whether the run keeps only the cells with data (--accumulators cells, or auto on a large
/// grid where --tile allows).
bool use_cells(const Config& config) {
  const GridSpec& grid = config.grid.spec;
  return config.accumulators == Accumulators::kCells ||
         (config.accumulators == Accumulators::kAuto && config.tile_size <= kMaxCellStorageTile &&
          grid.nx * grid.ny >= kCompactGridCells);
}

}  // namespace

TiledFields& Layer::period_fields(std::int64_t period_key, const TileGrid& tiles) {
  auto it = periods.find(period_key);
  if (it == periods.end())
    it = periods.emplace(period_key, TiledFields(layout, tiles, cells)).first;
  return it->second;
}

std::vector<Layer> make_layers(const std::vector<GranuleVariable>& described,
                               const Config& config) {
  std::vector<Layer> layers;
  for (std::size_t v = 0; v < described.size(); ++v) {
    const GranuleVariable& var = described[v];
    const double max_abs = var.info.has_valid_range ? std::fmax(std::fabs(var.info.valid_min),
                                                                std::fabs(var.info.valid_max))
                                                    : 0.0;
    for (std::size_t b = 0; b < var.bands; ++b) {
      Layer layer;
      layer.variable = v;
      layer.band = b;
      layer.bands = var.bands;
      layer.info = var.info;
      if (var.bands > 1 && b < var.wavelengths.size()) layer.wavelength_nm = var.wavelengths[b];
      const FieldLayout wide = FieldLayout::for_stats(config.stats, config.weighting, max_abs);
      layer.cells = use_cells(config);
      layer.layout = use_compact(wide, config, var.info, max_abs)
                         ? FieldLayout::for_stats(config.stats, config.weighting, max_abs, true)
                         : wide;
      layers.push_back(std::move(layer));
    }
  }
  return layers;
}

}  // namespace swathgrid
