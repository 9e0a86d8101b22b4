// Features of real OCI granules the generator writes on request (SynthOciFeatures), read back
// through the product's reader: the tilt change (an along-track jump of the ground, no
// navigation during the manoeuvre), whole navigation fill lines, and l2gen's Rrs chunks.
// References are computed here on a sphere, independently of the generator's code.

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "swathgrid/error.hpp"
#include "swathgrid/granule.hpp"
#include "swathgrid/synth.hpp"
#include "test_support.hpp"

namespace swathgrid {
namespace {

constexpr double kEarthRadiusKm = 6371.0, kAltitudeKm = 676.5;
constexpr double kDegToRad = M_PI / 180.0;
constexpr std::size_t kLines = 600, kPixels = 201, kCentre = 100, kManoeuvreLines = 40;

double distance_km(double lat1, double lon1, double lat2, double lon2) {
  const double p1 = lat1 * kDegToRad, p2 = lat2 * kDegToRad, dl = (lon2 - lon1) * kDegToRad;
  const double a = std::pow(std::sin((p2 - p1) / 2), 2) +
                   std::cos(p1) * std::cos(p2) * std::pow(std::sin(dl / 2), 2);
  return 2 * kEarthRadiusKm * std::asin(std::sqrt(a));
}

// Ground distance from nadir of a view `angle_deg` off nadir from PACE's altitude.
double ground_offset_km(double angle_deg) {
  const double a = angle_deg * kDegToRad;
  return kEarthRadiusKm *
         (std::asin((kEarthRadiusKm + kAltitudeKm) / kEarthRadiusKm * std::sin(a)) - a);
}

SynthGranuleOptions tilt_options(SynthTilt tilt) {
  SynthGranuleOptions options;
  options.lines = kLines;
  options.pixels = kPixels;
  options.seed = 21;
  options.cloud_fraction = 0.2;
  options.oci.tilt = tilt;
  options.oci.tilt_change_lines = kManoeuvreLines;
  return options;
}

Granule write_and_read(const test::ScratchDir& dir, const std::string& name,
                       const SynthGranuleOptions& options) {
  const std::string path = dir.file(name);
  write_synthetic_granule(path, options);
  return read_granule(path, ReadRequest{{"chlor_a"}, {}});
}

struct Centre {
  double lat, lon;
};
Centre centre_of(const Granule& g, std::size_t line) {
  return {g.latitude[line * g.pixels + kCentre], g.longitude[line * g.pixels + kCentre]};
}
double step_km(const Granule& g, std::size_t a, std::size_t b) {
  const Centre p = centre_of(g, a), q = centre_of(g, b);
  return distance_km(p.lat, p.lon, q.lat, q.lon);
}

bool whole_line_unnavigated(const Granule& g, std::size_t line) {
  for (std::size_t p = 0; p < g.pixels; ++p) {
    const std::size_t i = line * g.pixels + p;
    if (!std::isnan(g.latitude[i]) || !std::isnan(g.longitude[i]) ||
        !std::isnan(g.variables[0].values[i]))
      return false;
  }
  return true;
}

// The manoeuvre starts at round(position * (lines - 1)) and lasts kManoeuvreLines lines.
constexpr std::size_t kFirstFill = 300, kFirstAfter = kFirstFill + kManoeuvreLines;

TEST(SynthOci, TiltChangeLinesHaveNoNavigationAndEveryOtherLineHas) {
  test::ScratchDir dir("synth-oci-tilt");
  const Granule g = write_and_read(dir, "aft_to_fore.nc", tilt_options(SynthTilt::kAftToFore));
  ASSERT_EQ(g.lines, kLines);
  for (std::size_t line = 0; line < kLines; ++line) {
    const bool manoeuvre = line >= kFirstFill && line < kFirstAfter;
    EXPECT_EQ(whole_line_unnavigated(g, line), manoeuvre) << "line " << line;
    if (!manoeuvre) EXPECT_FALSE(std::isnan(centre_of(g, line).lat)) << "line " << line;
  }
}

TEST(SynthOci, AftLooksBehindNadirByTheTiltsGroundOffset) {
  test::ScratchDir dir("synth-oci-aft");
  const Granule nadir = write_and_read(dir, "nadir.nc", tilt_options(SynthTilt::kNadir));
  const Granule tilted = write_and_read(dir, "aft.nc", tilt_options(SynthTilt::kAftToFore));
  const double offset = ground_offset_km(kTiltDeg);  // ~248 km
  for (std::size_t line : {std::size_t{50}, std::size_t{250}}) {
    const Centre a = centre_of(nadir, line), b = centre_of(tilted, line);
    EXPECT_NEAR(distance_km(a.lat, a.lon, b.lat, b.lon), offset, 1.0) << "line " << line;
    EXPECT_LT(b.lat, a.lat) << "aft of a northbound pass is south";
  }
  // Fore after the manoeuvre: ahead of nadir by the same offset.
  const Centre a = centre_of(nadir, 500), b = centre_of(tilted, 500);
  EXPECT_NEAR(distance_km(a.lat, a.lon, b.lat, b.lon), offset, 1.0);
  EXPECT_GT(b.lat, a.lat);
}

TEST(SynthOci, AftToForeJumpsAheadLeavingAGap) {
  test::ScratchDir dir("synth-oci-jump");
  const Granule g = write_and_read(dir, "aft_to_fore.nc", tilt_options(SynthTilt::kAftToFore));
  const double line_km = step_km(g, 100, 101);  // ~1.2 km
  EXPECT_NEAR(line_km, 1.19, 0.05);
  // From the last aft line to the first fore line: the lines of the manoeuvre plus twice the
  // tilt's ground offset.
  const double jump = step_km(g, kFirstFill - 1, kFirstAfter);
  const double expected =
      static_cast<double>(kManoeuvreLines + 1) * line_km + 2 * ground_offset_km(kTiltDeg);
  EXPECT_NEAR(jump, expected, 3.0);
  EXPECT_GT(centre_of(g, kFirstAfter).lat, centre_of(g, kFirstFill - 1).lat);
}

TEST(SynthOci, ForeToAftJumpsBackAndSeesTheGroundTwice) {
  test::ScratchDir dir("synth-oci-overlap");
  const Granule g = write_and_read(dir, "fore_to_aft.nc", tilt_options(SynthTilt::kForeToAft));
  EXPECT_LT(centre_of(g, kFirstAfter).lat, centre_of(g, kFirstFill - 1).lat)
      << "the ground jumps back";
  // Back by twice the tilt's ground offset less the manoeuvre's lines: aft line L sees the
  // ground fore line L - back_lines saw (within a line).
  const double line_km = step_km(g, 100, 101);
  const double back_km =
      2 * ground_offset_km(kTiltDeg) - static_cast<double>(kManoeuvreLines + 1) * line_km;
  const auto back_lines =
      static_cast<std::size_t>(std::lround(back_km / line_km)) + kManoeuvreLines + 1;
  std::size_t seen_twice = 0;
  for (std::size_t line = kFirstAfter; line < kLines; ++line) {
    if (line < back_lines || line - back_lines >= kFirstFill) continue;
    const Centre now = centre_of(g, line), before = centre_of(g, line - back_lines);
    EXPECT_LT(distance_km(now.lat, now.lon, before.lat, before.lon), line_km) << "line " << line;
    ++seen_twice;
  }
  EXPECT_GT(seen_twice, 100u);
}

TEST(SynthOci, NavigationFillLinesAreWholeLinesOfFillAndNavfail) {
  test::ScratchDir dir("synth-oci-navfill");
  SynthGranuleOptions options = tilt_options(SynthTilt::kNadir);
  options.oci.navigation_fill_lines = 25;
  const std::string path = dir.file("navfill.nc");
  write_synthetic_granule(path, options);
  const Granule g = read_granule(path, ReadRequest{{"chlor_a"}, {}});
  std::vector<std::size_t> unnavigated;
  for (std::size_t line = 0; line < g.lines; ++line)
    if (whole_line_unnavigated(g, line)) unnavigated.push_back(line);
  EXPECT_EQ(unnavigated.size(), 25u);
  // Every pixel of those lines has NAVFAIL (masked by name through the file's flag_meanings).
  const Granule masked = read_granule(path, ReadRequest{{"chlor_a"}, {"NAVFAIL"}});
  EXPECT_GE(masked.pixels_flagged, static_cast<std::int64_t>(25 * kPixels));
  // The stored values are the -999 fill (read the plain HDF5 way).
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  std::vector<float> lat(kLines * kPixels);
  const hid_t set = H5Dopen2(file, "navigation_data/latitude", H5P_DEFAULT);
  H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, lat.data());
  H5Dclose(set);
  H5Fclose(file);
  for (std::size_t line : unnavigated)
    for (std::size_t p = 0; p < kPixels; ++p) ASSERT_EQ(lat[line * kPixels + p], -999.0f);
  // Without the option no whole line is fill.
  const Granule plain = write_and_read(dir, "plain.nc", tilt_options(SynthTilt::kNadir));
  for (std::size_t line = 0; line < plain.lines; ++line)
    EXPECT_FALSE(whole_line_unnavigated(plain, line)) << line;
}

// A subset read keeps every navigated pixel near the region with the full read's values,
// across the jump and the fill lines, whether it samples every line or every 16th.
TEST(SynthOci, SubsetReadsKeepEveryPixelNearTheRegionAcrossTheJump) {
  test::ScratchDir dir("synth-oci-subset");
  for (SynthTilt tilt : {SynthTilt::kAftToFore, SynthTilt::kForeToAft}) {
    SynthGranuleOptions options = tilt_options(tilt);
    options.oci.navigation_fill_lines = 30;
    const std::string path = dir.file(std::string(tilt_name(tilt)) + ".nc");
    write_synthetic_granule(path, options);
    const Granule full = read_granule(path, ReadRequest{{"chlor_a"}, {}});
    for (std::size_t stride : {std::size_t{0}, std::size_t{16}}) {
      ReadRequest request{{"chlor_a"}, {}};
      request.sample_stride = stride;
      // Around the first line after the manoeuvre: ground on both sides of the jump.
      const Centre c = centre_of(full, kFirstAfter + 5);
      const BBox box{c.lon - 1.0, c.lat - 0.75, c.lon + 1.0, c.lat + 0.75};
      request.region = GeoRegion{box, 0.1};
      const Granule sub = read_granule(path, request);
      ASSERT_FALSE(sub.skipped_by_bounds);
      std::size_t near = 0;
      for (std::size_t line = 0; line < full.lines; ++line) {
        for (std::size_t p = 0; p < full.pixels; ++p) {
          const std::size_t i = line * full.pixels + p;
          const float lat = full.latitude[i], lon = full.longitude[i];
          if (!(lat >= box.south - 0.1 && lat <= box.north + 0.1 && lon >= box.west - 0.1 &&
                lon <= box.east + 0.1))
            continue;
          ++near;
          ASSERT_TRUE(line >= sub.first_line && line < sub.first_line + sub.lines)
              << tilt_name(tilt) << " stride " << stride << ": line " << line << " not read";
          const std::size_t j = (line - sub.first_line) * full.pixels + p;
          ASSERT_EQ(std::memcmp(&sub.variables[0].values[j], &full.variables[0].values[i], 4), 0);
        }
      }
      EXPECT_GT(near, 1000u) << tilt_name(tilt);
    }
  }
}

TEST(SynthOci, BadFeatureOptionsThrowNamingTheFile) {
  test::ScratchDir dir("synth-oci-bad");
  SynthGranuleOptions options = tilt_options(SynthTilt::kAftToFore);
  options.oci.tilt_change_lines = 0;
  EXPECT_THROW(write_synthetic_granule(dir.file("a.nc"), options), Error);
  options = tilt_options(SynthTilt::kNadir);  // the manoeuvre's length matters with a tilt only
  options.lines = kManoeuvreLines / 2;
  EXPECT_NO_THROW(write_synthetic_granule(dir.file("short.nc"), options));
  options = tilt_options(SynthTilt::kNadir);
  options.oci.navigation_fill_lines = kLines;
  EXPECT_THROW(write_synthetic_granule(dir.file("b.nc"), options), Error);
  options = tilt_options(SynthTilt::kForeToAft);
  options.oci.tilt_change_position = 1.5;
  EXPECT_THROW(write_synthetic_granule(dir.file("c.nc"), options), Error);
}

}  // namespace
}  // namespace swathgrid
