#pragma once
// Subset reads (ReadRequest::region): which granules, and which of their lines, can come near
// a region. Pure geometry on the sphere; the HDF5 side is in granule_reader.cpp.
//
// Step 1 (no arrays read): the root attributes geospatial_lat_min/max bound the latitude of
// every pixel of the file (OCSSW's libgring, which writes them in l2gen's files, takes the
// min/max over every valid pixel of every scan); when the region, widened by the margin, lies
// wholly north or south of that band, the granule is skipped. Missing or odd attributes: no
// skip. geospatial_lon_min/max are never used: libgring takes, for a scan whose longitudes
// are not monotonic (across 180 degrees, or curving near a pole), its first and last valid
// pixel instead of its extremes, so a granule partly across 180 gets a one-sided range such
// as 157..180 while thousands of its pixels lie at -180..-175 (and a scan curving near a pole
// can reach beyond its end pixels). Longitude is judged from the navigation arrays (step 2).
//
// Step 2: latitude/longitude of every kSampleStride-th line (and the last line), all pixels,
// give the lines that can come near: see lines_near_region for the argument. When the
// navigation is stored in chunks of many lines (as OB.DAAC files are), every chunk would be
// decompressed by a strided read, so every line is read instead and the decision is exact:
// every line's latitude, then the longitude of only the lines whose latitudes come within the
// margin of the region's latitudes (and one either side), since no other line can be near.
//
// Distances are great-circle arcs in degrees on a sphere; every test below uses a LOWER
// bound of the distance to the box, so it may keep a line that is not needed but never
// drops one that is.

#include <hdf5.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "swathgrid/granule.hpp"

namespace swathgrid {

/// Lines sampled by step 2: 0, k, 2k, ... and the last line (see plan_subset).
inline constexpr std::size_t kSampleStride = 16;

/// Slack (great-circle metres) for how far a line between two sampled lines can stray beyond
/// the distance between them: along-track lines are not exactly monotone (MODIS/VIIRS scans
/// of 10-16 lines overlap by up to ~20 km at the swath edge, "bow-tie"). OCI moves ~1.2 km a
/// line and is monotone.
inline constexpr double kLineSlackM = 25000.0;

/// Slack (degrees) added when judging from the geospatial_* attributes (float rounding, and
/// attributes computed by other software than the one writing the arrays).
inline constexpr double kAttributeSlackDeg = 0.05;

/// A lower bound of the great-circle distance (degrees of arc) from the point to `box`;
/// 0 inside. The latitude gap bounds it; outside the box's longitudes the arc to the box
/// crosses one of its bounding meridians, at least asin(cos(lat) sin(dlon)) away when
/// dlon < 90 degrees, and at least 90 - |lat| away otherwise (and in any case the pole
/// itself may be the way in).
double distance_lower_bound_deg(const BBox& box, double lat_deg, double lon_deg);

/// The same bound for every point of the lat/lon box `bounds` (west <= east, degrees).
double distance_lower_bound_deg(const BBox& box, const BBox& bounds);

/// distance_lower_bound_deg(box, lat, lon) <= radius_deg, fast: the per-pixel test of
/// lines_near_region. No inverse trigonometry, and mostly none at all: within the latitudes
/// that pass, cos(lat) lies between the cosines of the band's largest and smallest |lat|, so a
/// longitude gap below gap_accept_ passes and one above gap_reject_ fails without computing
/// cos(lat) sin(gap); only gaps in between do.
class RadiusTest {
 public:
  RadiusTest(const BBox& box, double radius_deg);
  bool may_be_within(double lat_deg, double lon_deg) const;

 private:
  BBox box_;
  double width_;   ///< degrees of longitude east of box_.west
  double radius_;  ///< degrees of arc
  double sin_radius_;
  double gap_accept_;  ///< longitude gaps (degrees) up to this pass at every latitude that can
  double gap_reject_;  ///< longitude gaps above this fail at every latitude that can pass
};

/// Contiguous lines [first, first + count) of a granule; count 0: none.
struct LineRange {
  std::size_t first = 0;
  std::size_t count = 0;
};

/// The lines of the granule a sample was taken from that can hold a pixel within
/// region.margin_deg of region.box, as one contiguous range (count 0: none can).
/// `sampled`: ascending line numbers, the first 0 and the last the granule's last line;
/// `lat`/`lon`: sampled.size() x pixels values in degrees, NaN where navigation is invalid.
///
/// Argument: a line l between sampled lines a < l < b moves along track from a to b, so its
/// pixel p lies within D + S of pixel p of line a, where D is the largest distance between
/// pixels p of a and b (measured, over the pixels valid on both) and S = kLineSlackM covers
/// non-monotone scans. If (l, p) is within the margin M of the box, then (a, p) is within
/// M + D + S (triangle inequality). So the interval [a, b] is kept when any valid pixel of a
/// or b has a distance lower bound <= M + D + S. Intervals where no pixel is valid on both a
/// and b cannot be judged and are kept. Adjacent sampled lines (b = a + 1, e.g. every line
/// sampled) have nothing in between: [a, b] is kept when a or b is within M, exactly. The range
/// returned spans the kept intervals; its first and last lines are sampled lines, and unless they
/// are the granule's own first/last line they are farther than M from the box (they belong to an
/// interval that was not kept), so a method whose reach is at most M sees the same neighbours for
/// every pixel that matters as with the whole file.
LineRange lines_near_region(const std::vector<std::size_t>& sampled, const float* lat,
                            const float* lon, std::size_t pixels, const GeoRegion& region);

/// What to read of an open granule.
struct SubsetPlan {
  std::optional<LineRange> lines;  ///< nullopt: skip the granule
  /// When the decision read every line (sample stride 1): the latitude of every line of the
  /// file, and the longitude of lines [longitude_first, longitude_first + longitude.size() /
  /// pixels), which hold `lines`; both NaN where either is invalid, within the longitude's
  /// lines. Empty otherwise.
  FloatArray latitude, longitude;
  std::size_t longitude_first = 0;
};

/// The lines of an open granule that `request` needs (all of them without a region or time
/// window). `lat`/`lon`: the navigation datasets, `lines` x `pixels`. Reads root attributes
/// and, for step 2, the navigation sample, whose uncompressed size it adds to *bytes_read.
/// The sample stride is request.sample_stride, or else kSampleStride unless the navigation
/// is chunked in blocks of more than kSampleStride / 2 lines: then a strided read would
/// decompress every chunk anyway, so all lines are read (1/16 of the bytes would be counted
/// while all are decompressed), the decision is exact, and the plan keeps the navigation it
/// read (the longitude only of lines with a latitude near the region's: see SubsetPlan).
SubsetPlan plan_subset(hid_t file, hid_t lat, hid_t lon, std::size_t lines, std::size_t pixels,
                       const ReadRequest& request, const std::string& context,
                       std::size_t* bytes_read);

}  // namespace swathgrid
