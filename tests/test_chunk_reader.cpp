// Direct chunk reads (src/input/chunk_reader.hpp) against HDF5's own read of the same rows:
// byte-identical arrays on chunk layouts like OB.DAAC's and unlike them (edge chunks in both
// dimensions, 3-D, 2- and 4-byte types, deflate with and without shuffle), and a fall-back
// (false) for everything the direct path must leave to HDF5.

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../src/input/chunk_reader.hpp"
#include "../src/input/hdf5_util.hpp"
#include "test_support.hpp"

namespace swathgrid {
namespace {

/// How a test dataset is stored.
struct Storage {
  std::vector<hsize_t> chunk;  ///< empty: contiguous
  bool shuffle = true;
  bool deflate = true;
  bool fletcher32 = false;
  bool partial = false;  ///< write only the first half of the lines: later chunks unwritten
};

/// Values that compress a little (a smooth field) but not to nothing (noise in the low bits).
template <typename T>
std::vector<T> field_values(std::size_t count, unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> noise(0, 255);
  std::vector<T> values(count);
  for (std::size_t i = 0; i < count; ++i)
    values[i] = static_cast<T>(static_cast<double>(i % 1000) * 0.25 + noise(random));
  return values;
}

/// Writes dataset `name` of `type` with `dims` and `storage` into `file`; returns it open.
template <typename T>
hid_t write_dataset(hid_t file, const char* name, hid_t type, const std::vector<hsize_t>& dims,
                    const Storage& storage) {
  std::size_t count = 1;
  for (hsize_t d : dims) count *= d;
  const std::vector<T> values = field_values<T>(count, static_cast<unsigned>(count));
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (!storage.chunk.empty()) {
    H5Pset_chunk(dcpl, static_cast<int>(storage.chunk.size()), storage.chunk.data());
    if (storage.fletcher32) H5Pset_fletcher32(dcpl);
    if (storage.shuffle) H5Pset_shuffle(dcpl);
    if (storage.deflate) H5Pset_deflate(dcpl, 4);
  }
  const hid_t set = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (storage.partial) {
    std::vector<hsize_t> half = dims;
    half[0] = dims[0] / 2;
    const std::vector<hsize_t> start(dims.size(), 0);
    const hid_t memory = H5Screate_simple(static_cast<int>(half.size()), half.data(), nullptr);
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, half.data(), nullptr);
    H5Dwrite(set, type, memory, space, H5P_DEFAULT, values.data());
    H5Sclose(memory);
  } else {
    H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  }
  H5Pclose(dcpl);
  H5Sclose(space);
  return set;
}

/// Bytes of `rows` of `set` read as `mem_type` through HDF5 alone, and through the direct path
/// (empty when it declines).
struct Both {
  std::vector<unsigned char> hdf5, direct;
  bool direct_taken = false;
};

Both read_both(hid_t set, const h5::Rows& rows, hid_t mem_type) {
  const std::string context = "test";
  const std::size_t bytes =
      rows.count * h5::row_elements(h5::dataset_shape(set, context)) * H5Tget_size(mem_type);
  Both both;
  both.hdf5.assign(bytes, 0xAB);
  h5::read_rows_through_hdf5(set, rows, mem_type, both.hdf5.data(), context, "read");
  both.direct.assign(bytes, 0xCD);
  both.direct_taken = h5::read_rows_direct(set, rows, mem_type, both.direct.data());
  // The public read gives HDF5's bytes whichever path it takes.
  std::vector<unsigned char> through(bytes, 0xEF);
  h5::read_rows(set, rows, mem_type, through.data(), context, "read");
  EXPECT_EQ(through, both.hdf5);
  return both;
}

class DirectChunks : public ::testing::Test {
 protected:
  void SetUp() override {
    h5::silence_errors();
    file_ = H5Fcreate(dir_.file("chunks.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(file_, 0);
  }
  void TearDown() override { H5Fclose(file_); }

  test::ScratchDir dir_{"chunk-reader"};
  hid_t file_ = -1;
};

TEST_F(DirectChunks, ByteIdenticalToHdf5OnEveryLayout) {
  if (!h5::direct_chunk_reads_available()) GTEST_SKIP() << "built without libdeflate";
  struct Case {
    const char* name;
    hid_t type;
    std::vector<hsize_t> dims;
    Storage storage;
  };
  const std::vector<Case> cases = {
      {"obdaac_like", H5T_NATIVE_FLOAT, {1709, 1272}, {{256, 1272}}},
      {"edges_both_ways", H5T_NATIVE_FLOAT, {1710, 1272}, {{100, 500}}},
      {"deflate_only_int32", H5T_NATIVE_INT32, {333, 77}, {{64, 64}, false}},
      // Chunks of whole lines go straight into place when all their lines are read.
      {"whole_lines_deflate_only", H5T_NATIVE_INT32, {333, 77}, {{64, 77}, false}},
      {"three_d", H5T_NATIVE_FLOAT, {130, 50, 7}, {{32, 16, 3}}},
      {"three_d_int16", H5T_NATIVE_INT16, {90, 50, 7}, {{40, 50, 7}}},
      {"one_line_chunks", H5T_NATIVE_FLOAT, {20, 31}, {{1, 31}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const hid_t set = c.type == H5T_NATIVE_INT32
                          ? write_dataset<std::int32_t>(file_, c.name, c.type, c.dims, c.storage)
                      : c.type == H5T_NATIVE_INT16
                          ? write_dataset<std::int16_t>(file_, c.name, c.type, c.dims, c.storage)
                          : write_dataset<float>(file_, c.name, c.type, c.dims, c.storage);
    const hsize_t lines = c.dims[0];
    for (const h5::Rows rows : {h5::Rows{0, lines, 1}, h5::Rows{lines / 3, lines / 2, 1},
                                h5::Rows{lines - 1, 1, 1}, h5::Rows{7, 1, 1}}) {
      SCOPED_TRACE("rows " + std::to_string(rows.first) + " + " + std::to_string(rows.count));
      const Both both = read_both(set, rows, c.type);
      EXPECT_TRUE(both.direct_taken);
      EXPECT_TRUE(both.direct == both.hdf5) << "direct chunk read differs from H5Dread";
    }
    H5Dclose(set);
  }
}

TEST_F(DirectChunks, LeavesToHdf5WhatItCannotReproduce) {
  struct Case {
    const char* name;
    Storage storage;
  };
  const std::vector<Case> cases = {
      {"contiguous", {{}}},
      {"no_filters", {{16, 40}, false, false}},
      {"shuffle_only", {{16, 40}, true, false}},
      {"fletcher32", {{16, 40}, true, true, true}},
      {"unwritten_chunks", {{16, 40}, true, true, false, true}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const hid_t set = write_dataset<float>(file_, c.name, H5T_NATIVE_FLOAT, {64, 40}, c.storage);
    EXPECT_FALSE(read_both(set, h5::Rows{0, 64, 1}, H5T_NATIVE_FLOAT).direct_taken);
    H5Dclose(set);
  }
  // Qualifying storage, but a conversion or strided rows: HDF5's job.
  const hid_t set = write_dataset<float>(file_, "plain", H5T_NATIVE_FLOAT, {64, 40}, {{16, 40}});
  EXPECT_FALSE(read_both(set, h5::Rows{0, 64, 1}, H5T_NATIVE_DOUBLE).direct_taken);
  EXPECT_FALSE(read_both(set, h5::Rows{0, 16, 4}, H5T_NATIVE_FLOAT).direct_taken);
  H5Dclose(set);
}

}  // namespace
}  // namespace swathgrid
