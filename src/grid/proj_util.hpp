#pragma once
// PROJ in RAII form for src/grid: one context per owner (PROJ contexts are not thread-safe),
// its log captured instead of printed, and the one checking wrapper for PROJ results.

#include <proj.h>

#include <memory>
#include <string>

#include "swathgrid/error.hpp"
#include "swathgrid/projection.hpp"

namespace swathgrid::proj {

/// A PROJ context that keeps PROJ's last error message instead of printing it.
class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  PJ_CONTEXT* get() const { return ctx_; }
  /// PROJ's reason for the last failure: its last logged error, else its errno string.
  std::string last_error() const;

 private:
  static void log(void* self, int level, const char* message);
  PJ_CONTEXT* ctx_ = nullptr;
  std::string last_message_;
};

struct PjDeleter {
  void operator()(PJ* pj) const { proj_destroy(pj); }
};
/// An owned PROJ object (CRS, operation, ellipsoid...).
using Pj = std::unique_ptr<PJ, PjDeleter>;

/// The one check of PROJ results: throws E("<what>: <PROJ's reason>") when `ok` is false.
template <class E = Error>
void check(const Context& context, bool ok, const std::string& what) {
  if (!ok) throw E(what + ": " + context.last_error());
}

/// Takes ownership of `pj`, throwing E("<what>: <reason>") when PROJ returned null.
template <class E = Error>
Pj checked(const Context& context, PJ* pj, const std::string& what) {
  check<E>(context, pj != nullptr, what);
  return Pj(pj);
}

/// "--crs: 'EPSG:3413'" for messages (a long WKT shortened).
std::string crs_label(const std::string& text);

/// The horizontal CRS named by `text` (see describe_crs): throws UsageError("--crs: ...").
Pj create_crs(const Context& context, const std::string& text);

/// The CRS itself, or the source CRS of a bound CRS ("+towgs84=..."): the one whose type,
/// axes, units and projection describe the grid.
Pj base_crs(const Context& context, const PJ* crs);

/// describe_crs for a CRS made by create_crs; `label` names it in messages.
CrsInfo describe(const Context& context, const PJ* crs, const std::string& label);

/// WGS 84 latitude/longitude (the CRS of Level-2 pixel coordinates).
Pj create_wgs84(const Context& context);

/// The operation WGS 84 lon/lat -> `crs` (x east first), normalised for visualisation.
Pj lonlat_to_crs(const Context& context, const PJ* crs);

/// True when `crs` is WGS 84 latitude/longitude (any axis order): no transform needed.
bool is_wgs84_lonlat(const Context& context, const PJ* crs);

}  // namespace swathgrid::proj
