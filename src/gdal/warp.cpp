// The `warp` method: one granule through GDAL's geolocation-array warper, with the GDAL calls
// and options of rasterio's _reproject (rasterio/_warp.pyx, rasterio >= 1.4) as rioxarray's
// .rio.reproject(src_geoloc_array=(lon, lat), resampling=nearest) makes them. Differences
// from that path, none of which changes a single output value (docs/warp-method.md):
//  - rasterio names the lon/lat dataset in transformer option SRC_GEOLOC_ARRAY, from which
//    GDAL synthesises GEOLOCATION metadata; we attach that same metadata to the source (the
//    only way to also set GEOREFERENCING_CONVENTION, and the way the Python bindings can
//    reach, see benchmarks/reference/gdal_warp_reference.py);
//  - the destination starts as NaN rather than rioxarray's zeros, which only matters where
//    GDAL skips (part of) the target because none of it maps onto the swath: INIT_DEST is
//    applied to the chunks it warps only, and the notebook keeps 0.0 elsewhere.

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <gdalwarper.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plugin.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {

constexpr const char* kCrs = "EPSG:4326";  // of the geolocation arrays and of the target

// --- checking and RAII --------------------------------------------------------------------

/// The one checking wrapper for GDAL results: CE_None and CE_Warning pass, anything else
/// throws "warp: <call> failed: <CPLGetLastErrorMsg()>".
void check(CPLErr status, const char* call) {
  if (status == CE_None || status == CE_Warning) return;
  const char* message = CPLGetLastErrorMsg();
  throw Error(std::string("warp: ") + call +
              " failed: " + (message && *message ? message : "(GDAL gave no message)"));
}

/// Handle-returning GDAL calls signal failure with nullptr.
template <class Handle>
Handle checked(Handle handle, const char* call) {
  check(handle != nullptr ? CE_None : CE_Failure, call);
  return handle;
}

struct DatasetCloser {
  void operator()(void* dataset) const { GDALClose(static_cast<GDALDatasetH>(dataset)); }
};
struct TransformerDestroyer {
  void operator()(void* transformer) const { GDALDestroyGenImgProjTransformer(transformer); }
};
struct WarpOptionsDestroyer {
  void operator()(GDALWarpOptions* options) const { GDALDestroyWarpOptions(options); }
};
struct WarpOperationDestroyer {
  void operator()(void* operation) const {
    GDALDestroyWarpOperation(static_cast<GDALWarpOperationH>(operation));
  }
};
using Dataset = std::unique_ptr<void, DatasetCloser>;
using Transformer = std::unique_ptr<void, TransformerDestroyer>;
using WarpOptions = std::unique_ptr<GDALWarpOptions, WarpOptionsDestroyer>;
using WarpOperation = std::unique_ptr<void, WarpOperationDestroyer>;

/// For the lifetime of the object, on this thread: GDAL's messages are recorded (for
/// check()) but not printed, and MEM::: names may be opened (GDAL >= 3.10 asks for
/// GDAL_MEM_ENABLE_OPEN, as rasterio sets; GDAL 3.6 ignores it).
class GdalScope {
 public:
  GdalScope() {
    static std::once_flag registered;
    std::call_once(registered, [] { GDALAllRegister(); });
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    const char* previous = CPLGetThreadLocalConfigOption(kMemOpen, nullptr);
    had_previous_ = previous != nullptr;
    if (had_previous_) previous_ = previous;
    CPLSetThreadLocalConfigOption(kMemOpen, "YES");
  }
  ~GdalScope() {
    CPLSetThreadLocalConfigOption(kMemOpen, had_previous_ ? previous_.c_str() : nullptr);
    CPLPopErrorHandler();
  }
  GdalScope(const GdalScope&) = delete;
  GdalScope& operator=(const GdalScope&) = delete;

 private:
  static constexpr const char* kMemOpen = "GDAL_MEM_ENABLE_OPEN";
  bool had_previous_ = false;
  std::string previous_;
};

// --- datasets over our memory ---------------------------------------------------------------

/// The MEM driver's name for `bands` Float32 bands of lines x pixels stored band after band
/// at `data` (what rasterio's MemoryDataset builds for a C-contiguous numpy array).
std::string mem_dataset_name(const float* data, std::size_t pixels, std::size_t lines,
                             std::size_t bands) {
  const std::size_t line_bytes = pixels * sizeof(float);
  return "MEM:::DATAPOINTER=" + std::to_string(reinterpret_cast<std::uintptr_t>(data)) +
         ",PIXELS=" + std::to_string(pixels) + ",LINES=" + std::to_string(lines) +
         ",BANDS=" + std::to_string(bands) +
         ",DATATYPE=Float32,BANDOFFSET=" + std::to_string(line_bytes * lines) +
         ",LINEOFFSET=" + std::to_string(line_bytes) +
         ",PIXELOFFSET=" + std::to_string(sizeof(float));
}

Dataset open_mem(const std::string& name, GDALAccess access) {
  return Dataset(checked(GDALOpen(name.c_str(), access), "GDALOpen(MEM dataset)"));
}

/// The GEOLOCATION metadata GDAL synthesises from SRC_GEOLOC_ARRAY=<2-band lon/lat dataset>
/// (GDALCreateGeolocationMetadata), plus the convention when it is not GDAL's default.
CPLStringList geolocation_metadata(const std::string& geoloc_name, bool pixel_center) {
  CPLStringList metadata;
  metadata.SetNameValue("X_DATASET", geoloc_name.c_str());
  metadata.SetNameValue("X_BAND", "1");
  metadata.SetNameValue("Y_DATASET", geoloc_name.c_str());
  metadata.SetNameValue("Y_BAND", "2");
  metadata.SetNameValue("SRS", SRS_WKT_WGS84_LAT_LONG);
  metadata.SetNameValue("PIXEL_OFFSET", "0");
  metadata.SetNameValue("LINE_OFFSET", "0");
  metadata.SetNameValue("PIXEL_STEP", "1");
  metadata.SetNameValue("LINE_STEP", "1");
  if (pixel_center) metadata.SetNameValue("GEOREFERENCING_CONVENTION", "PIXEL_CENTER");
  return metadata;
}

/// Warp options of rasterio's create_warp_options() + _reproject() for one float band with
/// src/dst nodata NaN (rioxarray: the decoded _FillValue of a float variable).
WarpOptions warp_options(GDALDatasetH source, GDALDatasetH target, void* transformer) {
  WarpOptions options(checked(GDALCreateWarpOptions(), "GDALCreateWarpOptions"));
  char** extras = options->papszWarpOptions;
  extras = CSLSetNameValue(extras, "UNIFIED_SRC_NODATA", "YES");
  extras = CSLSetNameValue(extras, "NUM_THREADS", "1");
  extras = CSLSetNameValue(extras, "INIT_DEST", "NO_DATA");
  options->papszWarpOptions = extras;
  options->eWorkingDataType = GDT_Unknown;
  options->eResampleAlg = GRA_NearestNeighbour;
  const double nodata = std::numeric_limits<double>::quiet_NaN();
  auto one_double = [](double value) {
    auto* array = static_cast<double*>(CPLMalloc(sizeof(double)));
    *array = value;
    return array;
  };
  options->padfSrcNoDataReal = one_double(nodata);
  options->padfSrcNoDataImag = one_double(0.0);
  options->padfDstNoDataReal = one_double(nodata);
  options->padfDstNoDataImag = one_double(0.0);
  options->nBandCount = 1;
  options->panSrcBands = static_cast<int*>(CPLMalloc(sizeof(int)));
  options->panDstBands = static_cast<int*>(CPLMalloc(sizeof(int)));
  options->panSrcBands[0] = 1;
  options->panDstBands[0] = 1;
  options->hSrcDS = source;
  options->hDstDS = target;
  options->pfnTransformer = GDALGenImgProjTransform;  // exact: rasterio does not
  options->pTransformerArg = transformer;             // approximate geolocation arrays
  return options;
}

}  // namespace

namespace gdal {

/// GDAL's geolocation transformer of one granule onto one target, built once (its backmap is
/// most of a warp's cost) and used by the warp of every layer.
class WarpSession {
 public:
  WarpSession(const float* lon, const float* lat, std::size_t lines, std::size_t pixels,
              const WarpTarget& target, bool pixel_center)
      : lines_(lines),
        pixels_(pixels),
        target_(target),
        pixel_center_(pixel_center),
        geoloc_(2 * lines * pixels) {  // band 1 lon, band 2 lat: rasterio's np.stack
    const std::size_t count = lines * pixels;
    std::copy(lon, lon + count, geoloc_.begin());
    std::copy(lat, lat + count, geoloc_.begin() + static_cast<std::ptrdiff_t>(count));
    geoloc_name_ = mem_dataset_name(geoloc_.data(), pixels, lines, 2);
    GdalScope scope;
    // The transformer reads the source's size and GEOLOCATION metadata and the target's
    // geotransform, not their pixels: any source of the granule's shape will do (lon here).
    Dataset source = source_of(geoloc_.data());
    std::vector<float> one(1);
    Dataset destination = destination_of(one.data(), 1, 1);
    CPLStringList transformer_options;
    transformer_options.SetNameValue("GCPS_OK", "TRUE");
    transformer_options.SetNameValue("SRC_SRS", kCrs);
    transformer_.reset(checked(GDALCreateGenImgProjTransformer2(source.get(), destination.get(),
                                                                transformer_options.List()),
                               "GDALCreateGenImgProjTransformer2 (geolocation arrays)"));
  }

  /// One layer's `values` (lines x pixels) onto the target: `result` (nx * ny floats, NaN on
  /// entry) gets the warped values.
  void warp(const float* values, float* result) const {
    GdalScope scope;
    const auto nx = static_cast<int>(target_.nx), ny = static_cast<int>(target_.ny);
    Dataset source = source_of(values);
    Dataset destination = destination_of(result, target_.nx, target_.ny);
    WarpOptions options = warp_options(source.get(), destination.get(), transformer_.get());
    WarpOperation operation(
        checked(GDALCreateWarpOperation(options.get()), "GDALCreateWarpOperation"));
    check(GDALChunkAndWarpImage(static_cast<GDALWarpOperationH>(operation.get()), 0, 0, nx, ny),
          "GDALChunkAndWarpImage");
    GDALFlushCache(destination.get());  // returns void before GDAL 3.7
  }  // operation, options, then the datasets are released before returning

 private:
  /// A MEM dataset over one layer's values, with the granule's GEOLOCATION metadata.
  Dataset source_of(const float* values) const {
    Dataset source = open_mem(mem_dataset_name(values, pixels_, lines_, 1), GA_ReadOnly);
    check(GDALSetMetadata(source.get(), geolocation_metadata(geoloc_name_, pixel_center_).List(),
                          "GEOLOCATION"),
          "GDALSetMetadata(GEOLOCATION)");
    return source;
  }

  /// A MEM dataset over `result` (nx x ny floats) on the target's geotransform.
  Dataset destination_of(float* result, std::int64_t nx, std::int64_t ny) const {
    Dataset destination = open_mem(
        mem_dataset_name(result, static_cast<std::size_t>(nx), static_cast<std::size_t>(ny), 1),
        GA_Update);
    double geotransform[6] = {target_.x_min, target_.cell_size, 0.0, target_.y_max,
                              0.0,           -target_.cell_size};
    check(GDALSetGeoTransform(destination.get(), geotransform), "GDALSetGeoTransform");
    // As rasterio's crs setter: traditional GIS (lon, lat) axis order.
    check(GDALSetProjection(destination.get(), kCrs), "GDALSetProjection");
    return destination;
  }

  std::size_t lines_, pixels_;
  WarpTarget target_;
  bool pixel_center_;
  std::vector<float> geoloc_;  ///< the geolocation dataset's memory, for the transformer's life
  std::string geoloc_name_;
  Transformer transformer_;
};

WarpSession* begin_warp(const float* lon, const float* lat, std::size_t lines, std::size_t pixels,
                        const WarpTarget& target, bool pixel_center) {
  return new WarpSession(lon, lat, lines, pixels, target, pixel_center);
}

void warp_layer(const WarpSession& session, const float* values, float* result) {
  session.warp(values, result);
}

void end_warp(WarpSession* session) { delete session; }

}  // namespace gdal

}  // namespace swathgrid
