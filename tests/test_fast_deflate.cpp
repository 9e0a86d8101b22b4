// zlib's compress2() served by libdeflate or ISA-L (src/output/fast_deflate.cpp): HDF5's deflate
// filter in this process stores exactly the stream of each shuffled chunk that igzip level 1
// (built with ISA-L) or libdeflate makes, a repeated chunk
// gets the same bytes, zlib inflates every chunk back to its values, a chunk compressed ahead
// is taken only by the byte-equal input, and compress2 keeps zlib's contract (Z_BUF_ERROR
// when the result does not fit, Z_STREAM_ERROR for a bad level).

#include <gtest/gtest.h>
#include <hdf5.h>
#include <libdeflate.h>
#include <zlib.h>
#ifdef SWATHGRID_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "../src/input/hdf5_util.hpp"
#include "../src/output/fast_deflate.hpp"
#include "test_support.hpp"

namespace swathgrid {
namespace {

constexpr hsize_t kChunkRows = 16;
constexpr hsize_t kChunkColumns = 64;
constexpr hsize_t kChunkValues = kChunkRows * kChunkColumns;
constexpr int kLevel = 1;
constexpr float kFill = -32767.0f;

/// HDF5's shuffle of one chunk of floats: byte k of every value, then byte k + 1, ...
std::vector<unsigned char> shuffled(const float* values, std::size_t count) {
  std::vector<unsigned char> out(count * sizeof(float));
  const auto* bytes = reinterpret_cast<const unsigned char*>(values);
  for (std::size_t i = 0; i < count; ++i)
    for (std::size_t k = 0; k < sizeof(float); ++k)
      out[k * count + i] = bytes[i * sizeof(float) + k];
  return out;
}

std::vector<unsigned char> libdeflate_stream(const std::vector<unsigned char>& input) {
  libdeflate_compressor* compressor = libdeflate_alloc_compressor(kLevel);
  std::vector<unsigned char> out(libdeflate_zlib_compress_bound(compressor, input.size()));
  out.resize(
      libdeflate_zlib_compress(compressor, input.data(), input.size(), out.data(), out.size()));
  libdeflate_free_compressor(compressor);
  return out;
}

/// The zlib stream of `input` at kLevel as this build's compressor makes it: igzip's (ISA-L's
/// own API) where built with ISA-L, else libdeflate's.
std::vector<unsigned char> level1_stream(const std::vector<unsigned char>& input) {
#ifdef SWATHGRID_HAVE_ISAL
  EXPECT_STREQ(deflate_engine(kLevel), "isal");
  std::vector<unsigned char> out(input.size() + 1024), level_buffer(ISAL_DEF_LVL1_DEFAULT);
  isal_zstream stream;
  isal_deflate_stateless_init(&stream);
  stream.level = kLevel;
  stream.level_buf = level_buffer.data();
  stream.level_buf_size = static_cast<std::uint32_t>(level_buffer.size());
  stream.gzip_flag = IGZIP_ZLIB;
  stream.end_of_stream = 1;
  stream.next_in = const_cast<unsigned char*>(input.data());
  stream.avail_in = static_cast<std::uint32_t>(input.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<std::uint32_t>(out.size());
  EXPECT_EQ(isal_deflate_stateless(&stream), COMP_OK);
  out.resize(stream.total_out);
  EXPECT_NE(out, libdeflate_stream(input));  // igzip's stream, not libdeflate's
  return out;
#else
  EXPECT_STREQ(deflate_engine(kLevel), "libdeflate");
  return libdeflate_stream(input);
#endif
}

std::vector<unsigned char> raw_chunk(hid_t set, hsize_t row, hsize_t column) {
  const hsize_t offset[2] = {row, column};
  hsize_t bytes = 0;
  EXPECT_GE(H5Dget_chunk_storage_size(set, offset, &bytes), 0);
  std::vector<unsigned char> raw(bytes);
  std::uint32_t filters = 0;
  EXPECT_GE(H5Dread_chunk(set, H5P_DEFAULT, offset, &filters, raw.data()), 0);
  return raw;
}

/// A float dataset of kChunkRows x `columns` in `file`, chunks of kChunkRows x kChunkColumns,
/// shuffled and deflated at kLevel, as the NetCDF-4 output's fields are.
hid_t deflated_dataset(hid_t file, hsize_t columns) {
  const hsize_t dims[2] = {kChunkRows, columns};
  const hsize_t chunk[2] = {kChunkRows, kChunkColumns};
  const hid_t space = H5Screate_simple(2, dims, nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 2, chunk);
  H5Pset_shuffle(dcpl);
  H5Pset_deflate(dcpl, kLevel);
  const hid_t set = H5Dcreate2(file, "v", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Pclose(dcpl);
  H5Sclose(space);
  return set;
}

TEST(FastDeflate, Hdf5DeflateStoresTheFastCompressorsStreamAndZlibInflatesIt) {
  ASSERT_TRUE(fast_deflate_in_use());
  h5::silence_errors();
  test::ScratchDir dir("fast-deflate");
  const hid_t file = H5Fcreate(dir.file("d.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t set = deflated_dataset(file, 3 * kChunkColumns);  // fill, data, fill again
  ASSERT_GE(set, 0);
  std::vector<float> values(kChunkRows * 3 * kChunkColumns, kFill);
  std::mt19937 random(7);
  std::uniform_real_distribution<float> chlorophyll(0.01f, 20.0f);
  std::vector<float> data_chunk(kChunkValues);
  for (hsize_t r = 0; r < kChunkRows; ++r)
    for (hsize_t c = 0; c < kChunkColumns; ++c) {
      const float v = chlorophyll(random);
      values[r * 3 * kChunkColumns + kChunkColumns + c] = v;
      data_chunk[r * kChunkColumns + c] = v;
    }
  ASSERT_GE(H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  ASSERT_GE(H5Fflush(file, H5F_SCOPE_LOCAL), 0);

  const std::vector<float> fill_chunk(kChunkValues, kFill);
  const std::vector<unsigned char> fill_input = shuffled(fill_chunk.data(), kChunkValues);
  const std::vector<unsigned char> data_input = shuffled(data_chunk.data(), kChunkValues);
  const std::vector<unsigned char> first = raw_chunk(set, 0, 0);
  const std::vector<unsigned char> middle = raw_chunk(set, 0, kChunkColumns);
  const std::vector<unsigned char> last = raw_chunk(set, 0, 2 * kChunkColumns);
  EXPECT_EQ(first, level1_stream(fill_input));
  EXPECT_EQ(last, first);  // the remembered result
  EXPECT_EQ(middle, level1_stream(data_input));
  for (const auto& [raw, input] : {std::pair{first, fill_input}, std::pair{middle, data_input}}) {
    std::vector<unsigned char> inflated(input.size());
    uLongf size = inflated.size();
    ASSERT_EQ(uncompress(inflated.data(), &size, raw.data(), raw.size()), Z_OK);
    EXPECT_EQ(size, input.size());
    EXPECT_EQ(inflated, input);
  }
  std::vector<float> back(values.size());
  ASSERT_GE(H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()), 0);
  EXPECT_EQ(std::memcmp(back.data(), values.data(), values.size() * sizeof(float)), 0);
  H5Dclose(set);
  H5Fclose(file);
}

TEST(FastDeflate, ChunksCompressedAheadAreTakenByHdf5sFilter) {
  ASSERT_TRUE(fast_deflate_in_use());
  h5::silence_errors();
  test::ScratchDir dir("fast-deflate-ahead");
  const hid_t file = H5Fcreate(dir.file("a.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t set = deflated_dataset(file, kChunkColumns);
  ASSERT_GE(set, 0);
  std::vector<float> chunk(kChunkValues);
  std::mt19937 random(11);
  std::uniform_real_distribution<float> chlorophyll(0.01f, 20.0f);
  for (float& v : chunk) v = chlorophyll(random);
  std::vector<float> other = chunk;
  other.back() += 1.0f;  // one value differs: not taken
  const std::size_t before = precompressed_taken();
  precompress({shuffled(other.data(), kChunkValues), shuffled(chunk.data(), kChunkValues)}, kLevel);
  ASSERT_GE(H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, chunk.data()), 0);
  ASSERT_GE(H5Fflush(file, H5F_SCOPE_LOCAL), 0);
  forget_precompressed();
  EXPECT_EQ(precompressed_taken(), before + 1);
  EXPECT_EQ(raw_chunk(set, 0, 0), level1_stream(shuffled(chunk.data(), kChunkValues)));
  std::vector<float> back(kChunkValues);
  ASSERT_GE(H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()), 0);
  EXPECT_EQ(back, chunk);
  H5Dclose(set);
  H5Fclose(file);
}

TEST(FastDeflate, DirectChunksTakeLevelOnesCompressorAndLibdeflateAboveIt) {
  std::mt19937 random(5);
  std::uniform_real_distribution<float> chlorophyll(0.01f, 20.0f);
  std::vector<float> mixed(kChunkValues * 64, kFill);  // a swath's edge: data beside fill
  for (std::size_t i = 0; i < mixed.size(); ++i)
    if ((i / 37) % 3 == 0) mixed[i] = chlorophyll(random);
  std::vector<unsigned char> noise(300000);  // incompressible: stored blocks, the bound's case
  for (auto& b : noise) b = static_cast<unsigned char>(random());
  for (const std::vector<unsigned char>& input : {shuffled(mixed.data(), mixed.size()), noise}) {
    const std::vector<unsigned char> level1 = deflate_bytes(input.data(), input.size(), 1);
    if (input != noise) EXPECT_EQ(level1, level1_stream(input));
    libdeflate_compressor* compressor = libdeflate_alloc_compressor(2);
    std::vector<unsigned char> level2(libdeflate_zlib_compress_bound(compressor, input.size()));
    level2.resize(libdeflate_zlib_compress(compressor, input.data(), input.size(), level2.data(),
                                           level2.size()));
    libdeflate_free_compressor(compressor);
    EXPECT_EQ(deflate_bytes(input.data(), input.size(), 2), level2);
    std::vector<unsigned char> back(input.size());
    uLongf size = back.size();
    ASSERT_EQ(uncompress(back.data(), &size, level1.data(), level1.size()), Z_OK);
    EXPECT_EQ(size, input.size());
    EXPECT_EQ(back, input);
  }
}

TEST(FastDeflate, KeepsZlibsContract) {
  std::vector<unsigned char> input(100000);
  std::mt19937 random(3);
  for (auto& b : input) b = static_cast<unsigned char>(random());  // incompressible
  std::vector<unsigned char> out(compressBound(input.size()));
  uLongf size = 100;
  EXPECT_EQ(compress2(out.data(), &size, input.data(), input.size(), 1), Z_BUF_ERROR);
  size = out.size();
  EXPECT_EQ(compress2(out.data(), &size, input.data(), input.size(), 10), Z_STREAM_ERROR);
  for (int level : {Z_DEFAULT_COMPRESSION, 0, 1, 9}) {
    size = out.size();  // compressBound() always fits, as with zlib
    ASSERT_EQ(compress2(out.data(), &size, input.data(), input.size(), level), Z_OK) << level;
    std::vector<unsigned char> back(input.size());
    uLongf back_size = back.size();
    ASSERT_EQ(uncompress(back.data(), &back_size, out.data(), size), Z_OK) << level;
    EXPECT_EQ(back, input) << level;
  }
}

}  // namespace
}  // namespace swathgrid
