// Pieces of the operations features that need no files: progress lines (terminal and not),
// phase-time statistics, quicklook pixels (scale, transparency, legend), and the malloc
// settings swathgrid::Environment makes.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>
#include <vector>
#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "../src/driver/progress.hpp"           // the progress reporter, with its clock passed in
#include "../src/output/quicklook_picture.hpp"  // the picture without GDAL
#include "swathgrid/composite.hpp"
#include "swathgrid/environment.hpp"
#include "swathgrid/export.hpp"

namespace swathgrid {
namespace {

using Clock = GranuleProgress::Clock;

TEST(Progress, PlainLinesAtMostEveryIntervalWhenNotATerminal) {
  std::ostringstream out;
  const auto t0 = Clock::now();
  {
    GranuleProgress progress(10, ScheduleKind::kStatic, 1, true, out, false, 2.0);
    for (std::size_t i = 0; i < 10; ++i) progress.claimed(i, t0 + std::chrono::seconds(i));
  }
  // Claim i at i s: i granules done. A line when >= 2 s passed since the last one (or the
  // start, a little after t0): at claims 3, 5, 7 and 9.
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
  std::istringstream lines(out.str());
  std::vector<std::string> got;
  for (std::string line; std::getline(lines, line);) got.push_back(line);
  ASSERT_EQ(got.size(), 4u) << out.str();
  EXPECT_EQ(got[0].rfind("swathgrid: progress: 3/10 granules (30 %)", 0), 0u) << got[0];
  EXPECT_EQ(got[3].rfind("swathgrid: progress: 9/10 granules (90 %)", 0), 0u) << got[3];
}

TEST(Progress, OneUpdatingLineOnATerminal) {
  std::ostringstream out;
  const auto t0 = Clock::now();
  {
    GranuleProgress progress(3, ScheduleKind::kStatic, 1, true, out, true, 0.0);
    for (std::size_t i = 0; i < 3; ++i) progress.claimed(i, t0 + std::chrono::seconds(i + 1));
  }
  const std::string text = out.str();
  EXPECT_EQ(text.front(), '\r');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "only the final newline";
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("2/3 granules"), std::string::npos);
}

TEST(Progress, SilentWhenDisabled) {
  std::ostringstream out;
  {
    GranuleProgress progress(5, ScheduleKind::kDynamic, 2, false, out, true, 0.0);
    for (std::size_t i = 0; i < 5; ++i) progress.claimed(i);
  }
  EXPECT_TRUE(out.str().empty());
}

TEST(Progress, Estimates) {
  std::ostringstream out;
  GranuleProgress scaled(100, ScheduleKind::kStatic, 4, false, out, false, 0.0);
  for (std::size_t i = 0; i < 6; ++i) scaled.claimed(4 * i);
  EXPECT_EQ(scaled.done_estimate(), 20u);  // 5 own granules done x 4 ranks
  GranuleProgress dynamic(100, ScheduleKind::kDynamic, 4, false, out, false, 0.0);
  dynamic.claimed(0);
  EXPECT_EQ(dynamic.done_estimate(), 0u);
  dynamic.claimed(37);
  EXPECT_EQ(dynamic.done_estimate(), 37u);  // granules 0..36 were claimed before
  EXPECT_EQ(GranuleProgress::format(25, 100, 10.0),
            "progress: 25/100 granules (25 %), 2.50 granules/s, ETA 30 s");
  EXPECT_EQ(GranuleProgress::format(1, 1000, 10.0),
            "progress: 1/1000 granules (0 %), 0.10 granules/s, ETA 2 h 46 min");
}

TEST(PhaseTimes, MinMedianMax) {
  const PhaseTimes odd = make_phase_times("read", {3.0, 1.0, 2.0});
  EXPECT_EQ(odd.min, 1.0);
  EXPECT_EQ(odd.median, 2.0);
  EXPECT_EQ(odd.max, 3.0);
  EXPECT_EQ(odd.per_rank, (std::vector<double>{3.0, 1.0, 2.0}));  // rank order kept
  const PhaseTimes even = make_phase_times("read", {4.0, 1.0, 2.0, 3.0});
  EXPECT_EQ(even.median, 2.5);
}

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
/// glibc's arenas in use, counted in malloc_info's XML (one <heap nr="N"> per arena).
int malloc_arenas() {
  char* text = nullptr;
  std::size_t size = 0;
  FILE* stream = open_memstream(&text, &size);
  malloc_info(0, stream);
  std::fclose(stream);
  const std::string xml(text, size);
  std::free(text);
  int arenas = 0;
  for (std::size_t at = xml.find("<heap nr="); at != std::string::npos;
       at = xml.find("<heap nr=", at + 1))
    ++arenas;
  return arenas;
}

// Environment leaves one malloc arena (environment.cpp, keep_large_buffers): a thread's own
// arena would fault its memory in 4 KiB pages. Threads that allocate (the OpenMP team's, and
// one started here) all take the main arena.
TEST(Environment, EveryThreadAllocatesFromOneArena) {
  if (std::getenv("MALLOC_ARENA_MAX")) GTEST_SKIP() << "MALLOC_ARENA_MAX set: the user's choice";
  std::thread([] {
    std::vector<char> buffer(1 << 20, 1);
    EXPECT_EQ(buffer[12345], 1);
  }).join();
  EXPECT_EQ(malloc_arenas(), 1);
}

/// Pages of [begin, begin + bytes) not resident (mincore), whole pages inside it.
std::size_t pages_not_resident(const char* begin, std::size_t bytes) {
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const std::uintptr_t from = (reinterpret_cast<std::uintptr_t>(begin) + page - 1) / page * page;
  const std::uintptr_t to = (reinterpret_cast<std::uintptr_t>(begin) + bytes) / page * page;
  std::vector<unsigned char> resident((to - from) / page);
  if (mincore(reinterpret_cast<void*>(from), to - from, resident.data()) != 0) return ~0u;
  return static_cast<std::size_t>(std::count(resident.begin(), resident.end(), 0));
}

// fault_in_heap_ahead (environment.cpp) faults in the heap's free top before malloc carves
// it, so that merge_from's allocations do not fault memory in under malloc's lock: after
// the heap grew (by Environment's 64 MB top pad, never touched), the top's next `ahead` / 2
// bytes are resident.
TEST(Environment, HeapTopIsFaultedInAheadOfMalloc) {
  if (std::getenv("MALLOC_TOP_PAD_")) GTEST_SKIP() << "MALLOC_TOP_PAD_ set: the user's choice";
  constexpr std::size_t kAhead = std::size_t{16} << 20;
  // A block larger than the top: the heap grows by it and the top pad; freed, untouched.
  std::free(std::malloc(mallinfo2().keepcost + (std::size_t{1} << 20)));
  const auto top = [] { return static_cast<char*>(sbrk(0)) - mallinfo2().keepcost; };
  ASSERT_GE(mallinfo2().keepcost, kAhead);
  EXPECT_GT(pages_not_resident(top(), kAhead / 2), 0u) << "the grown top was touched";
  fault_in_heap_ahead(kAhead);
  EXPECT_EQ(pages_not_resident(top(), kAhead / 2), 0u);
}
#endif

TEST(Quicklook, LogScaleForChlorophyll) {
  EXPECT_TRUE(uses_log_scale("chlor_a", ""));
  EXPECT_TRUE(uses_log_scale("chl_ocx", "mg m^-3"));
  EXPECT_FALSE(uses_log_scale("poc", "mg m^-3 carbon"));
  EXPECT_FALSE(uses_log_scale("Rrs", "sr^-1"));
  EXPECT_FALSE(uses_log_scale("chlor_a_count", "1"));
}

TEST(Quicklook, TitleAboveTransparentWhereNoDataAndALegendBelow) {
  const int width = 120, height = 2;
  std::vector<float> values(width * height);
  std::vector<bool> valid(values.size(), true);
  for (int i = 0; i < width * height; ++i) values[i] = 0.01f * static_cast<float>(i + 1);
  valid[5] = false;
  const QuicklookScale scale = quicklook_scale(values, valid, true);
  EXPECT_TRUE(scale.log10);
  EXPECT_LT(scale.low, scale.high);
  const auto rgba = quicklook_rgba(values, valid, width, height, scale, "mg m^-3", "chlor_a");
  ASSERT_EQ(rgba.size(), 4u * width * (kTitleRows + height + kLegendRows));
  const std::size_t map = 4u * width * kTitleRows, legend = map + 4u * width * height;
  EXPECT_EQ(rgba[map + 4 * 5 + 3], 0) << "no data is transparent";
  EXPECT_EQ(rgba[map + 4 * 6 + 3], 255);
  EXPECT_NE(rgba[map + 4 * 0 + 1], rgba[map + 4 * (2 * width - 1) + 1]) << "low and high differ";
  for (std::size_t p = 0; p < map; p += 4) ASSERT_EQ(rgba[p + 3], 255);
  for (std::size_t p = legend; p < rgba.size(); p += 4) ASSERT_EQ(rgba[p + 3], 255);
  int dark = 0;  // label text is black on white
  for (std::size_t p = legend; p < rgba.size(); p += 4)
    dark += rgba[p] == 0 && rgba[p + 1] == 0 && rgba[p + 2] == 0;
  EXPECT_GT(dark, 20);
}

}  // namespace
}  // namespace swathgrid
