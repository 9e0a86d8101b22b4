#include "layers.hpp"

#include <cmath>

namespace swathgrid {

TiledFields& Layer::period_fields(std::int64_t period_key, const TileGrid& tiles) {
  auto it = periods.find(period_key);
  if (it == periods.end()) it = periods.emplace(period_key, TiledFields(layout, tiles)).first;
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
      layer.layout = FieldLayout::for_stats(config.stats, config.weighting, max_abs);
      layers.push_back(std::move(layer));
    }
  }
  return layers;
}

}  // namespace swathgrid
