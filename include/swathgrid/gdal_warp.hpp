#pragma once
// The `warp` method (DESIGN.md section 3; docs/warp-method.md): GDAL's own geolocation-array
// warper applied to one granule, set up the way the users' notebook gets it through
// rioxarray's .rio.reproject(dst_crs, src_geoloc_array=(lon, lat), resampling=nearest)
// (rasterio >= 1.4 calling GDAL's C API). Host code, not Kokkos; slower than `nearest`, kept
// to reproduce the notebook's numbers. Its reference is
// benchmarks/reference/gdal_warp_reference.py (python3-gdal), equal bit for bit.

#include <cstddef>
#include <string>
#include <vector>

#include "swathgrid/float_array.hpp"
#include "swathgrid/grid.hpp"

namespace swathgrid {

/// Where GDAL puts each latitude/longitude value of the geolocation arrays inside its pixel
/// (the GEOREFERENCING_CONVENTION item of the GEOLOCATION metadata domain).
enum class WarpConvention {
  kTopLeftCorner,  ///< GDAL's default: the notebook's grids. L2 lat/lon are pixel centres,
                   ///< so values land half a pixel away (in both directions) from where
                   ///< they belong.
  kPixelCenter,    ///< GEOREFERENCING_CONVENTION=PIXEL_CENTER: the correct registration.
};

/// Parses the value of --warp-convention: "top-left-corner" or "pixel-center".
/// Throws UsageError("--warp-convention: ...") for anything else.
WarpConvention parse_warp_convention(const std::string& text);

/// The option spelling of `convention` ("top-left-corner" / "pixel-center").
const char* warp_convention_name(WarpConvention convention);

/// Warps one granule's `values` (lines x pixels, row-major, NaN = fill/masked) with GDAL's
/// geolocation-array transformer (`lon`/`lat`: same shape, degrees, EPSG:4326, NaN where
/// navigation failed), nearest-neighbour resampling, onto `target` (a lat/lon GridSpec in
/// EPSG:4326; usually the window of the output grid that the granule can touch).
///
/// GDAL set-up, as rasterio's _reproject: source and geolocation arrays are MEM datasets
/// over the caller's memory; GEOLOCATION metadata (2-band lon/lat dataset, steps 1, offsets
/// 0, WGS84, plus GEOREFERENCING_CONVENTION=PIXEL_CENTER for kPixelCenter); exact
/// GenImgProj transformer (SRC_SRS=EPSG:4326, GCPS_OK=TRUE); src and dst nodata NaN;
/// warp options UNIFIED_SRC_NODATA=YES, NUM_THREADS=1, INIT_DEST=NO_DATA; one
/// GDALChunkAndWarpImage over the whole target.
///
/// Returns target.ny * target.nx floats, row-major, row 0 north; NaN where the granule gives
/// nothing (also where GDAL skips the target because it cannot map it onto the swath: the
/// notebook gets 0 there, rioxarray's destination being np.zeros).
/// Throws swathgrid::Error on inconsistent sizes or a GDAL failure (the message includes
/// CPLGetLastErrorMsg()), e.g. for a granule without any valid navigation. GDAL's messages
/// are not printed. Calls GDALAllRegister once.
std::vector<float> warp_granule(const FloatArray& lon, const FloatArray& lat,
                                const FloatArray& values, std::size_t lines, std::size_t pixels,
                                const GridSpec& target, WarpConvention convention);

struct GdalPlugin;
namespace gdal {
class WarpSession;
}

/// warp_granule for every layer of a granule: GDAL's geolocation transformer (its backmap:
/// most of a warp's cost) is built once, by the constructor, and each warp() reuses it, with
/// what warp_granule does for one layer otherwise (the same values, bit for bit).
class GranuleWarper {
 public:
  /// Throws as warp_granule (sizes, target, GDAL failure, no plugin).
  GranuleWarper(const FloatArray& lon, const FloatArray& lat, std::size_t lines, std::size_t pixels,
                const GridSpec& target, WarpConvention convention);
  ~GranuleWarper();
  GranuleWarper(const GranuleWarper&) = delete;
  GranuleWarper& operator=(const GranuleWarper&) = delete;

  /// One layer: lines * pixels values (NaN = fill/masked) onto the target, as warp_granule.
  std::vector<float> warp(const float* values) const;

 private:
  const GdalPlugin* plugin_ = nullptr;
  gdal::WarpSession* session_ = nullptr;
  std::size_t cells_ = 0;
};

}  // namespace swathgrid
