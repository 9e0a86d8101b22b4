// cf_grid_mapping: the CF-1.8 grid-mapping attributes of a grid's CRS. crs_wkt (WKT2) and
// spatial_ref (GDAL's WKT1) are always there; grid_mapping_name and its parameters for the
// projection methods CF names (CF-1.8 Appendix F) that swathgrid users are likely to pick.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "proj_util.hpp"
#include "swathgrid/projection.hpp"
#include "swathgrid/text.hpp"

namespace swathgrid {

namespace {

constexpr double kRadiansToDegrees = 180.0 / kPi;
constexpr double kPoleLatitudeDeg = 90.0;
constexpr double kMetresPerKm = 1000.0;
const char* const kSingleLineWkt[] = {"MULTILINE=NO", nullptr};

// EPSG parameter codes (EPSG Guidance Note 7-2).
enum EpsgParameter : int {
  kLatitudeOfNaturalOrigin = 8801,
  kLongitudeOfNaturalOrigin = 8802,
  kScaleFactorAtNaturalOrigin = 8805,
  kFalseEasting = 8806,
  kFalseNorthing = 8807,
  kLatitudeOfFalseOrigin = 8821,
  kLongitudeOfFalseOrigin = 8822,
  kLatitudeOf1stStandardParallel = 8823,
  kLatitudeOf2ndStandardParallel = 8824,
  kEastingAtFalseOrigin = 8826,
  kNorthingAtFalseOrigin = 8827,
  kLatitudeOfStandardParallel = 8832,
  kLongitudeOfOrigin = 8833,
};

enum class Kind { kAngle, kLength, kScale, kPoleOfLatitude };

/// A CF attribute made of one or two EPSG parameters (two: standard_parallel of conics).
struct CfParameter {
  const char* cf_name;
  Kind kind;
  int epsg[2];
};

struct CfMethod {
  int epsg_method;
  const char* grid_mapping_name;
  std::vector<CfParameter> parameters;
};

const CfParameter kFalseEastingParameter{"false_easting", Kind::kLength, {kFalseEasting, 0}};
const CfParameter kFalseNorthingParameter{"false_northing", Kind::kLength, {kFalseNorthing, 0}};

const std::vector<CfMethod>& cf_methods() {
  static const std::vector<CfMethod> methods = {
      {9810,
       "polar_stereographic",  // Polar Stereographic (variant A)
       {{"straight_vertical_longitude_from_pole", Kind::kAngle, {kLongitudeOfNaturalOrigin, 0}},
        {"latitude_of_projection_origin", Kind::kAngle, {kLatitudeOfNaturalOrigin, 0}},
        {"scale_factor_at_projection_origin", Kind::kScale, {kScaleFactorAtNaturalOrigin, 0}},
        kFalseEastingParameter,
        kFalseNorthingParameter}},
      {9829,
       "polar_stereographic",  // Polar Stereographic (variant B)
       {{"straight_vertical_longitude_from_pole", Kind::kAngle, {kLongitudeOfOrigin, 0}},
        {"latitude_of_projection_origin", Kind::kPoleOfLatitude, {kLatitudeOfStandardParallel, 0}},
        {"standard_parallel", Kind::kAngle, {kLatitudeOfStandardParallel, 0}},
        kFalseEastingParameter,
        kFalseNorthingParameter}},
      {9835,
       "lambert_cylindrical_equal_area",  // Lambert Cylindrical Equal Area (EASE-Grid 2)
       {{"longitude_of_central_meridian", Kind::kAngle, {kLongitudeOfNaturalOrigin, 0}},
        {"standard_parallel", Kind::kAngle, {kLatitudeOf1stStandardParallel, 0}},
        kFalseEastingParameter,
        kFalseNorthingParameter}},
      {9807,
       "transverse_mercator",  // Transverse Mercator (UTM)
       {{"scale_factor_at_central_meridian", Kind::kScale, {kScaleFactorAtNaturalOrigin, 0}},
        {"longitude_of_central_meridian", Kind::kAngle, {kLongitudeOfNaturalOrigin, 0}},
        {"latitude_of_projection_origin", Kind::kAngle, {kLatitudeOfNaturalOrigin, 0}},
        kFalseEastingParameter,
        kFalseNorthingParameter}},
      {9820,
       "lambert_azimuthal_equal_area",  // Lambert Azimuthal Equal Area
       {{"longitude_of_projection_origin", Kind::kAngle, {kLongitudeOfNaturalOrigin, 0}},
        {"latitude_of_projection_origin", Kind::kAngle, {kLatitudeOfNaturalOrigin, 0}},
        kFalseEastingParameter,
        kFalseNorthingParameter}},
      {9822,
       "albers_conical_equal_area",  // Albers Equal Area
       {{"standard_parallel",
         Kind::kAngle,
         {kLatitudeOf1stStandardParallel, kLatitudeOf2ndStandardParallel}},
        {"longitude_of_central_meridian", Kind::kAngle, {kLongitudeOfFalseOrigin, 0}},
        {"latitude_of_projection_origin", Kind::kAngle, {kLatitudeOfFalseOrigin, 0}},
        {"false_easting", Kind::kLength, {kEastingAtFalseOrigin, 0}},
        {"false_northing", Kind::kLength, {kNorthingAtFalseOrigin, 0}}}},
      {9802,
       "lambert_conformal_conic",  // Lambert Conic Conformal (2SP)
       {{"standard_parallel",
         Kind::kAngle,
         {kLatitudeOf1stStandardParallel, kLatitudeOf2ndStandardParallel}},
        {"longitude_of_central_meridian", Kind::kAngle, {kLongitudeOfFalseOrigin, 0}},
        {"latitude_of_projection_origin", Kind::kAngle, {kLatitudeOfFalseOrigin, 0}},
        {"false_easting", Kind::kLength, {kEastingAtFalseOrigin, 0}},
        {"false_northing", Kind::kLength, {kNorthingAtFalseOrigin, 0}}}},
      {9804,
       "mercator",  // Mercator (variant A)
       {{"longitude_of_projection_origin", Kind::kAngle, {kLongitudeOfNaturalOrigin, 0}},
        {"scale_factor_at_projection_origin", Kind::kScale, {kScaleFactorAtNaturalOrigin, 0}},
        kFalseEastingParameter,
        kFalseNorthingParameter}},
      {9805,
       "mercator",  // Mercator (variant B)
       {{"longitude_of_projection_origin", Kind::kAngle, {kLongitudeOfNaturalOrigin, 0}},
        {"standard_parallel", Kind::kAngle, {kLatitudeOf1stStandardParallel, 0}},
        kFalseEastingParameter,
        kFalseNorthingParameter}},
      {9840,
       "orthographic",  // Orthographic
       {{"longitude_of_projection_origin", Kind::kAngle, {kLongitudeOfNaturalOrigin, 0}},
        {"latitude_of_projection_origin", Kind::kAngle, {kLatitudeOfNaturalOrigin, 0}},
        kFalseEastingParameter,
        kFalseNorthingParameter}},
  };
  return methods;
}

/// A parameter of a conversion in degrees, metres or unity.
struct ParameterValue {
  double value = 0.0;
  double to_si = 1.0;  ///< radians or metres per unit
  std::string unit_code;
};

std::map<int, ParameterValue> conversion_parameters(const proj::Context& context,
                                                    const PJ* conversion) {
  std::map<int, ParameterValue> values;
  const int count = proj_coordoperation_get_param_count(context.get(), conversion);
  for (int i = 0; i < count; ++i) {
    const char* auth = nullptr;
    const char* code = nullptr;
    const char* unit_code = nullptr;
    ParameterValue parameter;
    if (!proj_coordoperation_get_param(context.get(), conversion, i, nullptr, &auth, &code,
                                       &parameter.value, nullptr, &parameter.to_si, nullptr,
                                       nullptr, &unit_code, nullptr) ||
        auth == nullptr || code == nullptr || std::string(auth) != "EPSG")
      continue;
    parameter.unit_code = unit_code != nullptr ? unit_code : "";
    values[std::atoi(code)] = parameter;
  }
  return values;
}

double in_cf_units(const ParameterValue& parameter, Kind kind, double metres_per_unit) {
  constexpr const char* kEpsgDegreeUnit = "9122";
  switch (kind) {
    case Kind::kAngle:
      if (parameter.unit_code == kEpsgDegreeUnit) return parameter.value;  // exact
      return parameter.value * parameter.to_si * kRadiansToDegrees;
    case Kind::kPoleOfLatitude:
      return parameter.value < 0.0 ? -kPoleLatitudeDeg : kPoleLatitudeDeg;
    case Kind::kLength:
      return parameter.value * parameter.to_si / metres_per_unit;  // in x/y units, as CF asks
    case Kind::kScale:
      return parameter.value * parameter.to_si;
  }
  return parameter.value;
}

/// grid_mapping_name and projection parameters of a projected CRS; false when CF has no
/// name for its method or a parameter is missing.
bool add_projection(const proj::Context& context, const PJ* crs, double metres_per_unit,
                    CfGridMapping& mapping) {
  const proj::Pj conversion(proj_crs_get_coordoperation(context.get(), crs));
  if (!conversion) return false;
  const char* auth = nullptr;
  const char* code = nullptr;
  if (!proj_coordoperation_get_method_info(context.get(), conversion.get(), nullptr, &auth,
                                           &code) ||
      auth == nullptr || code == nullptr || std::string(auth) != "EPSG")
    return false;
  const int method_code = std::atoi(code);
  const auto values = conversion_parameters(context, conversion.get());
  for (const auto& method : cf_methods()) {
    if (method.epsg_method != method_code) continue;
    for (const auto& parameter : method.parameters) {
      std::vector<double> numbers;
      for (const int epsg : parameter.epsg) {
        if (epsg == 0) continue;
        const auto found = values.find(epsg);
        if (found == values.end()) return false;
        numbers.push_back(in_cf_units(found->second, parameter.kind, metres_per_unit));
      }
      mapping.parameters.emplace_back(parameter.cf_name, numbers);
    }
    mapping.grid_mapping_name = method.grid_mapping_name;
    return true;
  }
  return false;
}

/// longitude_of_prime_meridian and the ellipsoid (or earth_radius of a sphere).
void add_datum(const proj::Context& context, const PJ* crs, CfGridMapping& mapping) {
  const proj::Pj meridian(proj_get_prime_meridian(context.get(), crs));
  double longitude = 0.0, to_radians = 1.0;
  if (meridian && proj_prime_meridian_get_parameters(context.get(), meridian.get(), &longitude,
                                                     &to_radians, nullptr))
    mapping.parameters.push_back(
        {"longitude_of_prime_meridian",
         {longitude == 0.0 ? 0.0 : longitude * to_radians * kRadiansToDegrees}});
  const proj::Pj ellipsoid(proj_get_ellipsoid(context.get(), crs));
  double semi_major = 0.0, semi_minor = 0.0, inverse_flattening = 0.0;
  int minor_computed = 0;
  if (!ellipsoid ||
      !proj_ellipsoid_get_parameters(context.get(), ellipsoid.get(), &semi_major, &semi_minor,
                                     &minor_computed, &inverse_flattening))
    return;
  if (inverse_flattening == 0.0) {
    mapping.parameters.push_back({"earth_radius", {semi_major}});
    return;
  }
  mapping.parameters.push_back({"semi_major_axis", {semi_major}});
  mapping.parameters.push_back({"inverse_flattening", {inverse_flattening}});
}

/// CF/UDUNITS units of projected x/y.
std::string length_units(double metres_per_unit) {
  if (metres_per_unit == 1.0) return "m";
  if (metres_per_unit == kMetresPerKm) return "km";
  char text[64];
  std::snprintf(text, sizeof text, "%.15g m", metres_per_unit);
  return text;
}

}  // namespace

CfGridMapping cf_grid_mapping(const GridDefinition& grid) {
  proj::Context context;
  const proj::Pj crs = proj::create_crs(context, grid.crs_wkt.empty() ? grid.crs : grid.crs_wkt);
  const CrsInfo info = proj::describe(context, crs.get(), proj::crs_label(grid.crs));
  const proj::Pj base = proj::base_crs(context, crs.get());
  CfGridMapping mapping;
  mapping.crs_wkt = grid.crs_wkt.empty() ? info.wkt : grid.crs_wkt;
  const char* wkt1 = proj_as_wkt(context.get(), crs.get(), PJ_WKT1_GDAL, kSingleLineWkt);
  mapping.spatial_ref = wkt1 != nullptr ? wkt1 : mapping.crs_wkt;
  if (info.geographic) {
    mapping.grid_mapping_name = "latitude_longitude";
    mapping.x_units = "degrees_east";
    mapping.y_units = "degrees_north";
  } else {
    if (!add_projection(context, base.get(), info.metres_per_unit, mapping)) {
      mapping.grid_mapping_name.clear();
      mapping.parameters.clear();
    }
    mapping.x_units = mapping.y_units = length_units(info.metres_per_unit);
  }
  add_datum(context, base.get(), mapping);
  return mapping;
}

}  // namespace swathgrid
