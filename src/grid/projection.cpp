// Projector: pixel lon/lat (WGS 84) to grid x/y in bulk with proj_trans_generic, one PROJ
// context per Projector. WGS 84 lat/lon grids are the identity and never call PROJ.

#include "swathgrid/projection.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "proj_util.hpp"

namespace swathgrid {

struct Projector::Impl {
  proj::Context context;  // declared first: destroyed after the operation that uses it
  proj::Pj operation;     // WGS 84 lon/lat -> grid x/y, east first
};

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Transforms (a[i], b[i]) in place; what PROJ cannot transform (HUGE_VAL) or was NaN
/// becomes NaN in both.
void transform_in_place(PJ* operation, PJ_DIRECTION direction, std::vector<double>& a,
                        std::vector<double>& b) {
  const std::size_t count = a.size();
  if (count == 0) return;
  constexpr std::size_t kStride = sizeof(double);
  proj_trans_generic(operation, direction, a.data(), kStride, count, b.data(), kStride, count,
                     nullptr, 0, 0, nullptr, 0, 0);
  proj_errno_reset(operation);  // failures are per point (NaN), not for the whole call
  for (std::size_t i = 0; i < count; ++i)
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) a[i] = b[i] = kNaN;
}

template <class In>
void copy_pair(const In& a_in, const In& b_in, std::vector<double>& a_out,
               std::vector<double>& b_out) {
  // Arrays of different lengths are a programming error that must not read past the end.
  if (a_in.size() != b_in.size())
    throw std::invalid_argument("Projector: coordinate arrays of different lengths");
  a_out.assign(a_in.begin(), a_in.end());
  b_out.assign(b_in.begin(), b_in.end());
}

}  // namespace

Projector::Projector(const GridDefinition& grid) {
  auto impl = std::make_unique<Impl>();
  const proj::Pj crs =
      proj::create_crs(impl->context, grid.crs_wkt.empty() ? grid.crs : grid.crs_wkt);
  if (proj::is_wgs84_lonlat(impl->context, crs.get())) return;  // identity: impl_ stays null
  impl->operation = proj::lonlat_to_crs(impl->context, crs.get());
  impl_ = std::move(impl);
}

Projector::~Projector() = default;
Projector::Projector(Projector&&) noexcept = default;
Projector& Projector::operator=(Projector&&) noexcept = default;

void Projector::forward(const FloatArray& lon, const FloatArray& lat, std::vector<double>& x,
                        std::vector<double>& y) const {
  copy_pair(lon, lat, x, y);
  if (impl_) transform_in_place(impl_->operation.get(), PJ_FWD, x, y);
}

void Projector::inverse(const std::vector<double>& x, const std::vector<double>& y,
                        std::vector<double>& lon, std::vector<double>& lat) const {
  copy_pair(x, y, lon, lat);
  if (impl_) transform_in_place(impl_->operation.get(), PJ_INV, lon, lat);
}

}  // namespace swathgrid
