// Bad input, made by the test itself (bad_granules.hpp): every damaged granule gives a
// swathgrid::Error whose one-line message names the file and the cause; odd but usable granules
// (all fill, invalid coordinates, missing or unparsable time) read fine with the invalid
// pixels NaN; mutated bytes never crash the reader.

#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <random>

#include "bad_granules.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/granule.hpp"
#include "swathgrid/periods.hpp"
#include "test_support.hpp"

namespace swathgrid {
namespace {

ReadRequest chlor_a_with_default_flags() {
  ReadRequest request;
  request.variables = {"chlor_a"};
  request.mask_flags = l2bin_default_flags();
  return request;
}

/// Corpus made once for the whole file (a few MB, well under a second).
class BadInputs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::ScratchDir("bad-inputs");
    corpus_ = test::write_bad_corpus(dir_->path());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static const test::BadGranule& find(const std::string& name) {
    for (const auto& g : corpus_)
      if (g.name == name) return g;
    throw std::runtime_error("no corpus granule " + name);
  }
  static std::string good() { return dir_->file("good.nc"); }

  static test::ScratchDir* dir_;
  static std::vector<test::BadGranule> corpus_;
};
test::ScratchDir* BadInputs::dir_ = nullptr;
std::vector<test::BadGranule> BadInputs::corpus_;

TEST_F(BadInputs, EveryDamagedGranuleGivesOneLineNamingTheFileAndTheCause) {
  int errors = 0;
  for (const auto& bad : corpus_) {
    if (bad.kind != test::BadKind::kReadError) continue;
    ++errors;
    try {
      read_granule(bad.path, chlor_a_with_default_flags());
      ADD_FAILURE() << bad.name << " was read without error";
    } catch (const UsageError& e) {
      ADD_FAILURE() << bad.name << ": a bad granule is not a usage error: " << e.what();
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind("granule " + bad.path + ": " + bad.cause, 0), 0u) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
    // Describing (what the run does with its first granule) fails the same way or not at all.
    try {
      describe_variables(bad.path, {"chlor_a"});
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(bad.path), std::string::npos) << e.what();
    }
  }
  EXPECT_GE(errors, 15);
}

TEST_F(BadInputs, DamagedChunkIndexIsRefusedOnHdf5sPathToo) {
  // A subset read's navigation sample, strided: H5Dread reads it (the direct chunk path takes
  // stride 1 only), and HDF5 would allocate the 4 GB the damaged key gives before failing.
  ReadRequest subset = chlor_a_with_default_flags();
  subset.region = GeoRegion{BBox{-77.0, 36.0, -73.0, 41.0}, 0.5};
  subset.sample_stride = 16;
  EXPECT_GT(read_granule(good(), subset).lines, 0u);  // what the damaged copy would give
  const test::BadGranule& bad = find("huge_latitude_chunk.nc");
  try {
    read_granule(bad.path, subset);
    ADD_FAILURE() << "read without error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("granule " + bad.path +
                                         ": cannot read variable navigation_data/latitude "
                                         "(truncated or corrupt file?): damaged chunk index (a "
                                         "chunk of 4294967165 bytes, in a file of "),
              std::string::npos)
        << e.what();
  }
}

TEST_F(BadInputs, GoodGranuleOfTheCorpusReads) {
  const Granule g = read_granule(good(), chlor_a_with_default_flags());
  ASSERT_EQ(g.lines * g.pixels, g.variables.at(0).values.size());
  std::size_t valid = 0;
  for (float v : g.variables[0].values) valid += std::isnan(v) ? 0 : 1;
  EXPECT_GT(valid, g.lines * g.pixels / 4);
}

TEST_F(BadInputs, MissingOrUnparsableTimeReadsButCannotBeParsed) {
  for (const char* name : {"no_time.nc", "bad_time.nc"}) {
    const Granule g = read_granule(find(name).path, chlor_a_with_default_flags());
    EXPECT_GT(g.lines, 0u) << name;
    EXPECT_THROW(parse_iso8601_utc(g.time_coverage_start), Error) << name;
  }
  EXPECT_EQ(read_granule(find("no_time.nc").path, {}).time_coverage_start, "");
}

TEST_F(BadInputs, AllFillGranuleReadsWithNoValidValue) {
  const Granule g = read_granule(find("all_fill.nc").path, chlor_a_with_default_flags());
  ASSERT_GT(g.lines, 0u);
  for (float v : g.variables.at(0).values) ASSERT_TRUE(std::isnan(v));
  std::size_t navigated = 0;
  for (float lat : g.latitude) navigated += std::isnan(lat) ? 0 : 1;
  EXPECT_GT(navigated, 0u);
}

TEST_F(BadInputs, InvalidCoordinatesInvalidateTheirPixelsOnly) {
  ReadRequest request;  // no flags: every pixel with a value and navigation stays
  const Granule odd = read_granule(find("odd_coordinates.nc").path, request);
  const Granule ref = read_granule(good(), request);
  ASSERT_EQ(odd.latitude.size(), ref.latitude.size());
  std::size_t kept = 0, dropped = 0;
  for (std::size_t i = 0; i < ref.latitude.size(); ++i) {
    const bool odd_pixel = i % 3 != 2;  // bad_granules.cpp: lat at i%3==0, lon at i%3==1
    const float value = odd.variables[0].values[i];
    if (odd_pixel) {
      EXPECT_TRUE(std::isnan(odd.latitude[i]) && std::isnan(odd.longitude[i])) << i;
      EXPECT_TRUE(std::isnan(value)) << i;
      ++dropped;
    } else {
      const bool same_lat = odd.latitude[i] == ref.latitude[i] ||
                            (std::isnan(odd.latitude[i]) && std::isnan(ref.latitude[i]));
      EXPECT_TRUE(same_lat) << i;
      const float expected = ref.variables[0].values[i];
      EXPECT_TRUE(value == expected || (std::isnan(value) && std::isnan(expected))) << i;
      kept += std::isnan(value) ? 0 : 1;
    }
  }
  EXPECT_GT(kept, 0u);
  EXPECT_GT(dropped, 0u);
}

TEST_F(BadInputs, UnknownFlagNameIsAUsageErrorNamingTheFlag) {
  EXPECT_NO_THROW(check_flag_names(good(), {"LAND", "CLDICE"}));
  EXPECT_NO_THROW(check_flag_names(find("no_navigation.nc").path, {}));
  try {
    check_flag_names(good(), {"LAND", "NOPE"});
    ADD_FAILURE() << "unknown flag accepted";
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("--flags: unknown flag name 'NOPE'", 0), 0u) << message;
    EXPECT_NE(message.find("good.nc"), std::string::npos) << message;
    EXPECT_NE(message.find("CLDICE"), std::string::npos) << message;  // the names it has
  }
  // A granule that cannot be read is a granule error, not a usage error.
  try {
    check_flag_names(find("no_navigation.nc").path, {"LAND"});
    ADD_FAILURE() << "bad granule accepted";
  } catch (const UsageError& e) {
    ADD_FAILURE() << e.what();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no group navigation_data"), std::string::npos);
  }
}

TEST_F(BadInputs, UnreadableFileSaysPermissionDeniedAsUser) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file: permissions cannot be tested";
  const std::string path = dir_->file("unreadable.nc");
  std::ofstream(path, std::ios::binary) << test::read_bytes(good());
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  try {
    read_granule(path, {});
    ADD_FAILURE() << "unreadable file read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Permission denied"), std::string::npos) << e.what();
  }
}

// A small fixed-seed fuzz run inside the normal suite (tests/fuzz has the libFuzzer target):
// damaged bytes give a swathgrid::Error or a valid read, never a crash or another exception.
TEST_F(BadInputs, MutatedBytesGiveAnErrorOrAValidReadNeverACrash) {
  const std::string bytes = test::read_bytes(good());
  std::mt19937_64 random(2024);
  const std::string path = dir_->file("mutant.nc");
  int errors = 0, reads = 0;
  for (int round = 0; round < 150; ++round) {
    std::string mutant = bytes;
    const int edits = 1 + static_cast<int>(random() % 24);
    for (int k = 0; k < edits; ++k) {
      // Mostly the metadata near the start and end of the file, where the structure is.
      const std::size_t span = random() % 2 ? 4096 : mutant.size();
      const std::size_t at = random() % 2 ? random() % span : mutant.size() - 1 - random() % span;
      mutant[at % mutant.size()] = static_cast<char>(random());
    }
    if (round % 10 == 9) mutant.resize(random() % mutant.size());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << mutant;
    try {
      const Granule g = read_granule(path, chlor_a_with_default_flags());
      ASSERT_EQ(g.latitude.size(), g.lines * g.pixels);
      ASSERT_EQ(g.variables.at(0).values.size(), g.lines * g.pixels * g.variables[0].bands);
      ++reads;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      ++errors;
    }
    // Whatever happened, the reader left nothing open (an open file keeps its memory).
    ASSERT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0) << "round " << round;
  }
  EXPECT_GT(errors, 0);
  RecordProperty("mutants_read", reads);
}

}  // namespace
}  // namespace swathgrid
