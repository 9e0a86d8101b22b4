#pragma once
// Map grids in any coordinate reference system PROJ understands (docs/grids.md): the CRS of
// --crs, the resolution of --res (a number in CRS units or an l3mapgen name), the grid of
// --crs/--bbox/--res or of --grid-like FILE, and the bulk transform of pixel lon/lat into grid
// x/y. Lat/lon grids in WGS 84 (the default, EPSG:4326) need no transform at all.
//
// Axis order is always east first: x = longitude or easting, y = latitude or northing,
// whatever order the CRS's definition gives its axes.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "swathgrid/float_array.hpp"
#include "swathgrid/grid.hpp"

namespace swathgrid {

/// The CRS of the default grid: WGS 84 latitude/longitude.
inline constexpr const char* kDefaultCrs = "EPSG:4326";

/// A grid and its coordinate reference system.
struct GridDefinition {
  GridSpec spec;                  ///< in CRS units; periodic_x only for geographic CRSs
  std::string crs = kDefaultCrs;  ///< as the user gave it ("EPSG:3413", a PROJ string, WKT...)
  std::string crs_wkt;            ///< WKT2:2015 of the CRS; empty means "derive it from `crs`"
  bool geographic = true;         ///< lon/lat axes in degrees (else projected x/y)
};

/// What swathgrid needs to know about a CRS.
struct CrsInfo {
  std::string wkt;                   ///< WKT2:2015 (the OGC 12-063r5 WKT that CF-1.8 cites)
  bool geographic = true;            ///< lon/lat in degrees; else a projected CRS
  double metres_per_unit = 1.0;      ///< projected: length of one x/y unit in metres
  std::string unit_name = "degree";  ///< "degree", "metre", "US survey foot"...
  std::string name;                  ///< e.g. "WGS 84 / NSIDC Sea Ice Polar Stereographic North"
};

/// Resolves a CRS given as "EPSG:3413", "OGC:CRS84", a PROJ string ("+proj=stere ...",
/// +type=crs is added when missing), WKT or PROJJSON. The horizontal part of a compound CRS
/// is used. Throws UsageError("--crs: ...") for a CRS PROJ does not know, one that is neither
/// geographic nor projected, or a geographic one whose angles are not in degrees.
CrsInfo describe_crs(const std::string& crs);

/// --res: a number in CRS units (degrees for a geographic CRS), or a name as NASA's l3mapgen
/// reads it (ocssw oel_util/libgenutils/resolution_utils.cpp, table in docs/grids.md): "9km"
/// is Earth's equatorial circumference / 4320 (9276.6 m; for a geographic CRS 360/4320
/// degrees), "4km", "1km", "hkm", "qkm", "36km", "0.1deg", "500m", ... Names are read in
/// metres and converted: to degrees (x 360 / circumference) for a geographic CRS, to CRS
/// units for a projected one; "<x>deg" is x degrees, or x / 360 of the circumference in
/// metres for a projected CRS. Throws UsageError("--res: ...") on anything else, zero or
/// a negative value.
double parse_resolution(const std::string& text, const CrsInfo& crs);
double parse_resolution(const std::string& text, const std::string& crs = kDefaultCrs);

/// --bbox with --bbox-crs: "XMIN,YMIN,XMAX,YMAX" in CRS units, returned as BBox{west = XMIN,
/// south = YMIN, east = XMAX, north = YMAX}. Throws UsageError("--bbox: ...").
BBox parse_crs_bbox(const std::string& text);

/// The grid for --crs/--bbox/--res. `resolution` is in CRS units (parse_resolution).
/// - geographic CRS: exactly GridSpec::from_bbox(bbox, resolution) (bbox in degrees; the
///   whole globe when absent), periodic in x.
/// - projected CRS, bbox in degrees (the CRS's area of use when absent): the box is
///   transformed to the CRS (densified edges, so a box around a pole gives the disc around
///   it) and its bounds widened to whole multiples of `resolution`, so grids of one CRS
///   and resolution share cell edges and a pole on the CRS origin sits on a cell corner.
/// - projected CRS, bbox_in_crs_units (--bbox-crs): x_min = west, y_max = north exactly,
///   east/south widened to whole cells as from_bbox does.
/// Throws UsageError ("--crs: ..." / "--bbox: ..." / "--res: ...") naming the problem, e.g.
/// a box that reaches where the projection is not usable (the opposite pole).
GridDefinition make_grid(const std::string& crs, const std::optional<BBox>& bbox,
                         bool bbox_in_crs_units, double resolution);

/// `spec` as a WGS 84 (EPSG:4326) lat/lon grid.
GridDefinition wgs84_grid(const GridSpec& spec);

/// The lat/lon box (degrees) that the cells of `grid` cover, pole and antimeridian aware
/// (west > east when it crosses the antimeridian, as GridSpec boxes do). Throws Error.
BBox geographic_bounds(const GridDefinition& grid);

/// The CF-1.8 grid-mapping attributes of a grid's CRS (written by the netCDF writer).
struct CfGridMapping {
  std::string grid_mapping_name;  ///< "latitude_longitude", "polar_stereographic"...;
                                  ///< empty when CF has no name for the projection method
  /// Numeric attributes in writing order (standard_parallel may hold two values).
  std::vector<std::pair<std::string, std::vector<double>>> parameters;
  std::string crs_wkt;      ///< WKT2:2015 (CF's crs_wkt)
  std::string spatial_ref;  ///< WKT1 as GDAL writes it (GDAL's netCDF driver reads it first)
  std::string x_units;      ///< units of x/y: "degrees_east" or "m", "km", "0.3048 m"...
  std::string y_units;      ///< "degrees_north" or as x_units
};
CfGridMapping cf_grid_mapping(const GridDefinition& grid);

/// --grid-like FILE: the grid and CRS of an existing swathgrid output file (lat/lon or y/x
/// coordinates, the `crs` variable's crs_wkt). Reproduces the GridDefinition the file was
/// written with exactly. Reads with PnetCDF on MPI_COMM_SELF (no communication). Throws
/// Error("--grid-like FILE: ...") naming the file and the problem.
GridDefinition grid_like(const std::string& path);

/// Bulk transform of pixel lon/lat (degrees, WGS 84) to grid x/y (CRS units, east first) and
/// back, with proj_trans_generic. NaN in -> NaN out; points PROJ cannot transform -> NaN.
/// For a WGS 84 lat/lon grid it is the identity and calls no PROJ at all.
/// Each Projector owns its PROJ context: use one Projector per thread.
class Projector {
 public:
  /// Throws UsageError("--crs: ...") when the grid's CRS cannot be resolved.
  explicit Projector(const GridDefinition& grid);
  ~Projector();
  Projector(Projector&&) noexcept;
  Projector& operator=(Projector&&) noexcept;
  Projector(const Projector&) = delete;
  Projector& operator=(const Projector&) = delete;

  /// True for WGS 84 lat/lon grids: forward and inverse only copy.
  bool is_identity() const { return impl_ == nullptr; }

  /// lon/lat (degrees) -> x/y (CRS units); x and y are resized to lon.size().
  void forward(const FloatArray& lon, const FloatArray& lat, std::vector<double>& x,
               std::vector<double>& y) const;
  /// x/y (CRS units) -> lon/lat (degrees, longitude in [-180, 180] unless identity).
  void inverse(const std::vector<double>& x, const std::vector<double>& y, std::vector<double>& lon,
               std::vector<double>& lat) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;  ///< null for the identity
};

}  // namespace swathgrid
