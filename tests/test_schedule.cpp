// Granule schedules under 1..4 ranks: every index is handed out exactly once across the ranks,
// static is round-robin, size-aware is balanced and largest first, dynamic survives racing
// ranks and a single rank doing all the work.

#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/schedule.hpp"
#include "test_support.hpp"

namespace swathgrid {
namespace {

using Claims = std::vector<std::size_t>;  // granule indices, in the order one rank got them

const ScheduleKind kAllKinds[] = {ScheduleKind::kStatic, ScheduleKind::kSize,
                                  ScheduleKind::kDynamic};
const std::size_t kGranuleCounts[] = {0, 1, 3, 17, 100};

using test::world_rank;
using test::world_size;

/// Deterministic weights with ties and zeros, identical on every rank.
std::vector<std::uint64_t> test_sizes(std::size_t count) {
  std::vector<std::uint64_t> sizes(count);
  for (std::size_t i = 0; i < count; ++i) sizes[i] = (i * 7919) % 13 * 1000;
  return sizes;
}

/// Claims indices until the schedule runs dry; `after_claim` runs after each claim.
template <typename Hook>
Claims drain(GranuleSchedule& schedule, Hook after_claim) {
  Claims claims;
  while (std::optional<std::size_t> index = schedule.next()) {
    claims.push_back(*index);
    after_claim();
  }
  EXPECT_EQ(schedule.next(), std::nullopt) << "a drained schedule stays drained";
  return claims;
}

Claims drain(GranuleSchedule& schedule) {
  return drain(schedule, [] {});
}

/// Collective: every rank's claims, on every rank.
std::vector<Claims> gather_claims(const Claims& mine) {
  const int ranks = world_size();
  std::vector<std::uint64_t> local(mine.begin(), mine.end());
  int count = static_cast<int>(local.size());
  std::vector<int> counts(static_cast<std::size_t>(ranks)), offsets(counts.size(), 0);
  MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  for (int r = 1; r < ranks; ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
  std::vector<std::uint64_t> all(static_cast<std::size_t>(offsets.back() + counts.back()));
  MPI_Allgatherv(local.data(), count, MPI_UINT64_T, all.data(), counts.data(), offsets.data(),
                 MPI_UINT64_T, MPI_COMM_WORLD);
  std::vector<Claims> claims(static_cast<std::size_t>(ranks));
  for (int r = 0; r < ranks; ++r)
    claims[r].assign(all.begin() + offsets[r], all.begin() + offsets[r] + counts[r]);
  return claims;
}

/// Every index in [0, count) appears exactly once over all ranks' claims.
void expect_each_index_once(const std::vector<Claims>& claims, std::size_t count,
                            const std::string& context) {
  std::vector<int> times(count, 0);
  for (const Claims& rank_claims : claims)
    for (std::size_t index : rank_claims) {
      ASSERT_LT(index, count) << context;
      ++times[index];
    }
  for (std::size_t i = 0; i < count; ++i)
    EXPECT_EQ(times[i], 1) << context << ": granule " << i << " handed out " << times[i] << "x";
}

/// Collective: builds a schedule, drains it on every rank, frees it, gathers the claims.
std::vector<Claims> run_schedule(ScheduleKind kind, const std::vector<std::uint64_t>& sizes) {
  auto schedule = make_schedule(kind, sizes, MPI_COMM_WORLD);
  const Claims mine = drain(*schedule);
  schedule.reset();
  return gather_claims(mine);
}

TEST(Schedule, ParsesNamesAndRejectsOthers) {
  for (ScheduleKind kind : kAllKinds) EXPECT_EQ(parse_schedule(to_string(kind)), kind);
  EXPECT_EQ(parse_schedule("dynamic"), ScheduleKind::kDynamic);
  for (const char* bad : {"", "Static", "round-robin", "dynamic "}) {
    try {
      parse_schedule(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--schedule"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("'" + std::string(bad) + "'"), std::string::npos)
          << e.what();
    }
  }
}

TEST(Schedule, EveryKindHandsOutEachGranuleOnce) {
  for (ScheduleKind kind : kAllKinds)
    for (std::size_t count : kGranuleCounts)
      expect_each_index_once(run_schedule(kind, test_sizes(count)), count,
                             to_string(kind) + " with " + std::to_string(count) + " granules");
}

TEST(Schedule, StaticIsRoundRobin) {
  const int ranks = world_size();
  for (std::size_t count : kGranuleCounts) {
    const std::vector<Claims> claims = run_schedule(ScheduleKind::kStatic, test_sizes(count));
    for (int r = 0; r < ranks; ++r) {
      Claims expected;
      for (std::size_t i = static_cast<std::size_t>(r); i < count; i += ranks)
        expected.push_back(i);
      EXPECT_EQ(claims[r], expected) << "rank " << r << " of " << ranks << ", " << count;
    }
  }
}

/// Greedy balance: no rank carries more than the least-loaded one plus the largest granule;
/// each rank's own list runs largest first.
void expect_balanced_largest_first(const std::vector<Claims>& claims,
                                   const std::vector<std::uint64_t>& sizes) {
  std::vector<std::uint64_t> loads;
  for (const Claims& rank_claims : claims) {
    std::uint64_t load = 0;
    for (std::size_t k = 0; k < rank_claims.size(); ++k) {
      load += sizes[rank_claims[k]];
      if (k > 0) EXPECT_GE(sizes[rank_claims[k - 1]], sizes[rank_claims[k]]);
    }
    loads.push_back(load);
  }
  const std::uint64_t largest = sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
  EXPECT_LE(*std::max_element(loads.begin(), loads.end()),
            *std::min_element(loads.begin(), loads.end()) + largest);
}

TEST(Schedule, SizeIsBalancedAndLargestFirst) {
  for (std::size_t count : kGranuleCounts) {
    const std::vector<std::uint64_t> sizes = test_sizes(count);
    const std::vector<Claims> claims = run_schedule(ScheduleKind::kSize, sizes);
    EXPECT_EQ(claims, size_aware_assignment(sizes, world_size())) << count << " granules";
    expect_balanced_largest_first(claims, sizes);
  }
}

TEST(Schedule, SizeAssignmentFollowsTheGreedyRule) {
  // 5 -> r0; 3 -> r1; 3 -> r1 (3 < 5); 2 -> r0 (5 < 6); 1 -> r1 (6 < 7).
  EXPECT_EQ(size_aware_assignment({5, 3, 3, 2, 1}, 2), (std::vector<Claims>{{0, 3}, {1, 2, 4}}));
  // Equal sizes: ties by index, then by rank, so the result is round-robin.
  EXPECT_EQ(size_aware_assignment({7, 7, 7, 7, 7}, 3), (std::vector<Claims>{{0, 3}, {1, 4}, {2}}));
  // Largest first whatever the input order; more ranks than granules leaves some idle.
  EXPECT_EQ(size_aware_assignment({1, 9, 4}, 4), (std::vector<Claims>{{1}, {2}, {0}, {}}));
  std::mt19937_64 random(42);
  for (int ranks = 1; ranks <= 9; ++ranks) {
    std::vector<std::uint64_t> sizes(200);
    for (auto& s : sizes) s = random() % 5'000'000'000ull;  // beyond 32 bits
    expect_balanced_largest_first(size_aware_assignment(sizes, ranks), sizes);
  }
}

TEST(Schedule, DynamicSurvivesRacingRanks) {
  constexpr std::size_t kCount = 100;
  std::mt19937 random(static_cast<unsigned>(world_rank()) + 1);
  std::uniform_int_distribution<int> pause_us(0, 300);
  auto schedule = make_schedule(ScheduleKind::kDynamic, test_sizes(kCount), MPI_COMM_WORLD);
  const bool slow_rank = world_rank() % 2 == 1;  // odd ranks dawdle, even ranks race on
  const Claims mine = drain(*schedule, [&] {
    if (slow_rank) std::this_thread::sleep_for(std::chrono::microseconds(pause_us(random)));
  });
  EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end())) << "a counter only grows";
  schedule.reset();
  expect_each_index_once(gather_claims(mine), kCount, "racing ranks");
}

TEST(Schedule, DynamicLetsOneRankDoAllTheWork) {
  constexpr std::size_t kCount = 17;
  for (int worker = 0; worker < world_size(); ++worker) {
    auto schedule = make_schedule(ScheduleKind::kDynamic, test_sizes(kCount), MPI_COMM_WORLD);
    const Claims mine = world_rank() == worker ? drain(*schedule) : Claims{};
    const std::vector<Claims> claims = gather_claims(mine);  // the idle ranks wait in here
    schedule.reset();
    Claims everything(kCount);
    for (std::size_t i = 0; i < kCount; ++i) everything[i] = i;
    for (int r = 0; r < world_size(); ++r)
      EXPECT_EQ(claims[r], r == worker ? everything : Claims{}) << "worker " << worker;
  }
}

TEST(Schedule, GranuleSizesComeFromRankZero) {
  std::optional<test::ScratchDir> dir;
  std::string base;
  if (world_rank() == 0) {
    dir.emplace("schedule");
    base = dir->path();
    std::ofstream(dir->file("a.nc"), std::ios::binary) << std::string(1234, 'x');
    std::ofstream(dir->file("empty.nc"), std::ios::binary);
  }
  broadcast_string(base, 0, MPI_COMM_WORLD);
  const std::vector<std::string> paths = {base + "/a.nc", base + "/missing.nc", base + "/empty.nc",
                                          base};  // a directory has no file size either
  EXPECT_EQ(granule_sizes(paths, MPI_COMM_WORLD), (std::vector<std::uint64_t>{1234, 0, 0, 0}));
  EXPECT_TRUE(granule_sizes({}, MPI_COMM_WORLD).empty());
}

}  // namespace
}  // namespace swathgrid
