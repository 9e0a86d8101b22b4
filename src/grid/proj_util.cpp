#include "proj_util.hpp"

#include <algorithm>
#include <cctype>

namespace swathgrid::proj {

namespace {

constexpr const char* kWgs84LonLat = "EPSG:4326";
constexpr const char* kProjStringMarker = "+proj=";
constexpr const char* kProjStringCrsMarker = "+type=crs";

std::string trimmed(const std::string& text) {
  const auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  const auto first = std::find_if_not(text.begin(), text.end(), is_space);
  const auto last = std::find_if_not(text.rbegin(), text.rend(), is_space).base();
  return first < last ? std::string(first, last) : std::string();
}

/// "EPSG:3413" stays as it is; a long WKT or PROJJSON is shortened for messages.
std::string quoted_for_message(const std::string& text) {
  constexpr std::size_t kMaxShown = 60;
  return "'" + (text.size() <= kMaxShown ? text : text.substr(0, kMaxShown) + "...") + "'";
}

bool is_horizontal(PJ_TYPE type) {
  return type == PJ_TYPE_GEOGRAPHIC_2D_CRS || type == PJ_TYPE_GEOGRAPHIC_3D_CRS ||
         type == PJ_TYPE_PROJECTED_CRS;
}

}  // namespace

std::string crs_label(const std::string& text) { return "--crs: " + quoted_for_message(text); }

Context::Context() : ctx_(proj_context_create()) {
  if (ctx_ == nullptr) throw Error("PROJ: cannot create a context");
  proj_log_level(ctx_, PJ_LOG_ERROR);
  proj_log_func(ctx_, this, &Context::log);
}

Context::~Context() { proj_context_destroy(ctx_); }

void Context::log(void* self, int level, const char* message) {
  if (level <= PJ_LOG_ERROR && message != nullptr)
    static_cast<Context*>(self)->last_message_ = message;
}

std::string Context::last_error() const {
  if (!last_message_.empty()) return last_message_;
  const int code = proj_context_errno(ctx_);
  if (code == 0) return "unknown PROJ error";
  const char* text = proj_context_errno_string(ctx_, code);
  return text != nullptr ? text : "PROJ error " + std::to_string(code);
}

Pj create_crs(const Context& context, const std::string& text) {
  std::string definition = trimmed(text);
  if (definition.empty()) throw UsageError("--crs: empty CRS");
  if (definition.find(kProjStringMarker) != std::string::npos &&
      definition.find(kProjStringCrsMarker) == std::string::npos)
    definition += std::string(" ") + kProjStringCrsMarker;
  const std::string label = crs_label(definition);
  Pj crs = checked<UsageError>(context, proj_create(context.get(), definition.c_str()),
                               label + " is not a CRS PROJ knows");
  if (!proj_is_crs(crs.get())) throw UsageError(label + " is not a coordinate reference system");
  if (proj_get_type(crs.get()) == PJ_TYPE_COMPOUND_CRS)
    crs = checked<UsageError>(context, proj_crs_get_sub_crs(context.get(), crs.get(), 0),
                              label + ": no horizontal part");
  PJ_TYPE type = proj_get_type(crs.get());
  if (type == PJ_TYPE_BOUND_CRS) {
    const Pj source = checked<UsageError>(context, proj_get_source_crs(context.get(), crs.get()),
                                          label + ": no source CRS");
    type = proj_get_type(source.get());
  }
  if (!is_horizontal(type))
    throw UsageError(label + " is neither a geographic (lat/lon) nor a projected CRS");
  return crs;
}

Pj base_crs(const Context& context, const PJ* crs) {
  if (proj_get_type(crs) == PJ_TYPE_BOUND_CRS)
    return checked(context, proj_get_source_crs(context.get(), crs), "PROJ: no source CRS");
  return checked(context, proj_clone(context.get(), crs), "PROJ: cannot copy a CRS");
}

Pj create_wgs84(const Context& context) {
  return checked(
      context, proj_create(context.get(), kWgs84LonLat),
      std::string("PROJ: cannot create ") + kWgs84LonLat + " (is PROJ's proj.db installed?)");
}

Pj lonlat_to_crs(const Context& context, const PJ* crs) {
  const Pj wgs84 = create_wgs84(context);
  const Pj operation = checked(
      context, proj_create_crs_to_crs_from_pj(context.get(), wgs84.get(), crs, nullptr, nullptr),
      "PROJ: no transformation from WGS 84 to the grid's CRS");
  return checked(context, proj_normalize_for_visualization(context.get(), operation.get()),
                 "PROJ: cannot order the axes of the grid's CRS east first");
}

bool is_wgs84_lonlat(const Context& context, const PJ* crs) {
  const Pj wgs84 = create_wgs84(context);
  return proj_is_equivalent_to_with_ctx(context.get(), crs, wgs84.get(),
                                        PJ_COMP_EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS) != 0;
}

}  // namespace swathgrid::proj
