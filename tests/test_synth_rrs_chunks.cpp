// 3-D Rrs chunked as l2gen writes it (SynthOciFeatures::l2gen_rrs_chunks): chunks of
// (32 lines, 256 pixels, 40 bands) that split pixels and bands, read back through the reader
// band plane by band plane, equal to the generator's values (the same granule chunked by
// whole lines) and to the stored integers decoded here.

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <string>
#include <vector>

#include "swathgrid/granule.hpp"
#include "swathgrid/synth.hpp"
#include "test_support.hpp"

namespace swathgrid {
namespace {

// Chunk shape and stored int16 values of geophysical_data/Rrs, the plain HDF5 way.
struct StoredRrs {
  std::vector<hsize_t> chunk;
  std::vector<short> values;
  double scale = 0.0, offset = 0.0;
};
StoredRrs read_stored(const std::string& path) {
  StoredRrs out;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(file, 0) << path;
  const hid_t set = H5Dopen2(file, "geophysical_data/Rrs", H5P_DEFAULT);
  const hid_t plist = H5Dget_create_plist(set);
  out.chunk.resize(3);
  EXPECT_EQ(H5Pget_chunk(plist, 3, out.chunk.data()), 3);
  H5Pclose(plist);
  const hid_t space = H5Dget_space(set);
  out.values.resize(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  H5Sclose(space);
  H5Dread(set, H5T_NATIVE_SHORT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data());
  for (auto [name, value] :
       {std::pair{"scale_factor", &out.scale}, std::pair{"add_offset", &out.offset}}) {
    const hid_t attribute = H5Aopen(set, name, H5P_DEFAULT);
    H5Aread(attribute, H5T_NATIVE_DOUBLE, value);
    H5Aclose(attribute);
  }
  H5Dclose(set);
  H5Fclose(file);
  return out;
}

TEST(SynthRrsChunks, L2genChunksReadBackBandByBandAsTheGeneratorsValues) {
  test::ScratchDir dir("synth-rrs-chunks");
  SynthGranuleOptions options;
  options.lines = 100;   // 3 whole chunks of 32 lines and a partial one
  options.pixels = 600;  // 2 whole chunks of 256 pixels and a partial one
  options.seed = 17;
  options.suite = SynthSuite::kAop;
  options.aop_bands = 45;  // one chunk of 40 bands and a partial one
  const std::string lines_path = dir.file("lines.nc"), l2gen_path = dir.file("l2gen.nc");
  write_synthetic_granule(lines_path, options);
  options.oci.l2gen_rrs_chunks = true;
  write_synthetic_granule(l2gen_path, options);

  const StoredRrs by_lines = read_stored(lines_path), l2gen = read_stored(l2gen_path);
  EXPECT_EQ(l2gen.chunk, (std::vector<hsize_t>{32, 256, 40}));
  EXPECT_EQ(by_lines.chunk, (std::vector<hsize_t>{100, 600, 8}));
  ASSERT_EQ(l2gen.values, by_lines.values) << "the chunk shape changes the storage only";

  const ReadRequest request{{"Rrs"}, {}};
  const Granule g = read_granule(l2gen_path, request);
  const Granule reference = read_granule(lines_path, request);
  ASSERT_EQ(g.variables[0].bands, options.aop_bands);
  const std::size_t count = options.lines * options.pixels, bands = options.aop_bands;
  ASSERT_EQ(g.variables[0].values.size(), count * bands);
  std::size_t valid = 0;
  for (std::size_t b = 0; b < bands; ++b) {
    for (std::size_t i = 0; i < count; ++i) {
      const float value = g.variables[0].values[b * count + i];
      const float expected = reference.variables[0].values[b * count + i];
      const short stored = l2gen.values[i * bands + b];
      if (stored == -32767) {
        ASSERT_TRUE(std::isnan(value)) << "band " << b << " pixel " << i;
        continue;
      }
      ++valid;
      ASSERT_FLOAT_EQ(value, static_cast<float>(stored * l2gen.scale + l2gen.offset))
          << "band " << b << " pixel " << i;
      ASSERT_EQ(value, expected) << "band " << b << " pixel " << i;
    }
  }
  EXPECT_GT(valid, count * bands / 4);
}

}  // namespace
}  // namespace swathgrid
