#include "output/output_fields.hpp"

#include <algorithm>

#include "swathgrid/error.hpp"
#include "swathgrid/periods.hpp"
#include "swathgrid/statistics.hpp"

namespace swathgrid {

std::string cell_methods(Method method, Weighting weighting, Stat stat) {
  const std::string name = stat == Stat::kStdev ? "standard_deviation"
                           : stat == Stat::kMin ? "minimum"
                           : stat == Stat::kMax ? "maximum"
                                                : "mean";
  const std::string geometric = stat == Stat::kGmean ? " (geometric)" : "";
  if (method != Method::kBin) return "area: point time: " + name + geometric;
  if (weighting == Weighting::kPixel) return "area: time: " + name + geometric;
  if (weighting == Weighting::kGranule)
    return "area: mean" + geometric + " time: " + name + geometric;
  const std::string sqrt_weights = "granules weighted by sqrt of their pixels, as l2bin";
  if (stat == Stat::kStdev)
    return "area: time: standard_deviation (" + sqrt_weights + ", bias-corrected)";
  if (stat == Stat::kMean || stat == Stat::kGmean)
    return "area: time: mean (" + (stat == Stat::kGmean ? "geometric, " : std::string()) +
           sqrt_weights + ")";
  return "area: mean time: " + name;  // min, max of the granule means
}

std::vector<std::pair<std::string, std::string>> stat_attributes(const VariableInfo& info,
                                                                 const Config& config, Stat stat) {
  const std::string what = info.long_name.empty() ? info.name : info.long_name;
  if (stat == Stat::kCount)
    return {{"long_name", "number of observations of " + what}, {"units", "1"}};
  if (stat == Stat::kNgranules)
    return {{"long_name", "number of granules observing " + what}, {"units", "1"}};
  std::vector<std::pair<std::string, std::string>> attrs;
  attrs.emplace_back("long_name", stat == Stat::kMean ? what : what + ", " + stat_name(stat));
  if (!info.standard_name.empty() && stat != Stat::kStdev)
    attrs.emplace_back("standard_name", info.standard_name);
  if (!info.units.empty()) attrs.emplace_back("units", info.units);
  std::string methods = cell_methods(config.method, config.weighting, stat);
  if (stat == Stat::kStdev && config.stdev_form == StdevForm::kSample)
    methods += " (sample form, divided by n - 1)";
  attrs.emplace_back("cell_methods", methods);
  return attrs;
}

void set_time_coverage(OutputMetadata& meta) {
  if (meta.times.empty()) return;  // --period all: the granules' earliest start, latest end
  double first = meta.times.front().start_day, last = meta.times.front().end_day;
  for (const OutputTime& t : meta.times) {
    first = std::min(first, t.start_day);
    last = std::max(last, t.end_day);
  }
  const std::pair<std::string, std::string> coverage[] = {
      {"time_coverage_start", day_start_iso8601(static_cast<std::int64_t>(first))},
      {"time_coverage_end", day_start_iso8601(static_cast<std::int64_t>(last))}};
  for (const auto& [name, value] : coverage) {
    const auto at = std::find_if(meta.extra.begin(), meta.extra.end(),
                                 [&name = name](const auto& entry) { return entry.first == name; });
    if (at != meta.extra.end())
      at->second = value;
    else
      meta.extra.emplace_back(name, value);
  }
}

std::vector<double> shared_wavelengths(const std::vector<Layer>& layers) {
  std::vector<double> wavelengths;
  std::size_t variable_of_axis = 0;
  for (std::size_t v = 0; !layers.empty() && v <= layers.back().variable; ++v) {
    std::vector<double> mine;
    for (const Layer& layer : layers)
      if (layer.variable == v && layer.bands > 1) mine.push_back(layer.wavelength_nm);
    if (mine.empty()) continue;
    if (!wavelengths.empty() && mine != wavelengths)
      throw Error("--var: 3-D variables " + layers[variable_of_axis].info.name + " and " +
                  layers[v].info.name + " have different wavelengths; grid them in two runs");
    wavelengths = mine;
    variable_of_axis = v;
  }
  return wavelengths;
}

std::vector<OutputField> make_output_fields(const Config& config,
                                            const std::vector<Layer>& layers) {
  std::vector<OutputField> fields;
  for (std::size_t v = 0; v < config.variables.size(); ++v) {
    const auto first = std::find_if(layers.begin(), layers.end(),
                                    [v](const Layer& layer) { return layer.variable == v; });
    for (Stat stat : config.stats) {
      const VariableInfo& info = first->info;
      fields.push_back(
          OutputField{stat == Stat::kMean ? info.name : info.name + "_" + stat_name(stat),
                      stat == Stat::kCount || stat == Stat::kNgranules,
                      stat_attributes(info, config, stat), nullptr, nullptr, first->bands > 1});
    }
  }
  return fields;
}

}  // namespace swathgrid
