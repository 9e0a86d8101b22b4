#include "swathgrid/schedule.hpp"

#include <algorithm>
#include <cassert>
#include <filesystem>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <system_error>
#include <utility>

#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {

constexpr int kCounterRank = 0;  // the rank whose window holds the dynamic schedule's counter

/// The one checking wrapper for MPI return codes in this file.
void check_mpi(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string("MPI: ") + call + " failed: " + std::string(text, length));
}

int comm_rank(MPI_Comm comm) {
  int rank = 0;
  check_mpi(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  return rank;
}

int comm_size(MPI_Comm comm) {
  int size = 1;
  check_mpi(MPI_Comm_size(comm, &size), "MPI_Comm_size");
  return size;
}

/// Static and size-aware schedules: a list fixed at construction, handed out in order.
class ListSchedule final : public GranuleSchedule {
 public:
  explicit ListSchedule(std::vector<std::size_t> indices) : indices_(std::move(indices)) {}

  std::optional<std::size_t> next() override {
    if (position_ == indices_.size()) return std::nullopt;
    return indices_[position_++];
  }

 private:
  std::vector<std::size_t> indices_;
  std::size_t position_ = 0;
};

std::vector<std::size_t> round_robin_indices(std::size_t count, int rank, int ranks) {
  std::vector<std::size_t> indices;
  for (std::size_t i = static_cast<std::size_t>(rank); i < count;
       i += static_cast<std::size_t>(ranks))
    indices.push_back(i);
  return indices;
}

/// Dynamic schedule: one std::uint64_t counter in an MPI window on kCounterRank; next()
/// fetches and increments it atomically (passive target, so rank 0 need not take part).
class DynamicSchedule final : public GranuleSchedule {
 public:
  DynamicSchedule(std::size_t count, MPI_Comm comm) : count_(count), exhausted_(count == 0) {
    const bool holds_counter = comm_rank(comm) == kCounterRank;
    const MPI_Aint bytes = holds_counter ? sizeof(std::uint64_t) : 0;
    check_mpi(
        MPI_Win_allocate(bytes, sizeof(std::uint64_t), MPI_INFO_NULL, comm, &counter_, &window_),
        "MPI_Win_allocate");
    check_mpi(MPI_Win_set_errhandler(window_, MPI_ERRORS_RETURN), "MPI_Win_set_errhandler");
    if (holds_counter) {  // window memory starts undefined
      check_mpi(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, kCounterRank, 0, window_), "MPI_Win_lock");
      *counter_ = 0;
      check_mpi(MPI_Win_unlock(kCounterRank, window_), "MPI_Win_unlock");
    }
    check_mpi(MPI_Barrier(comm), "MPI_Barrier");  // nobody claims before the counter is 0
  }

  ~DynamicSchedule() override {
    const int code = MPI_Win_free(&window_);  // collective; no error can be thrown from here
    assert(code == MPI_SUCCESS);
    (void)code;
  }

  std::optional<std::size_t> next() override {
    if (exhausted_) return std::nullopt;
    const std::uint64_t one = 1;
    std::uint64_t claimed = 0;
    check_mpi(MPI_Win_lock(MPI_LOCK_SHARED, kCounterRank, 0, window_), "MPI_Win_lock");
    check_mpi(MPI_Fetch_and_op(&one, &claimed, MPI_UINT64_T, kCounterRank, 0, MPI_SUM, window_),
              "MPI_Fetch_and_op");
    check_mpi(MPI_Win_unlock(kCounterRank, window_), "MPI_Win_unlock");
    if (claimed >= count_) {
      exhausted_ = true;  // later calls need no more round trips to rank 0
      return std::nullopt;
    }
    return static_cast<std::size_t>(claimed);
  }

 private:
  std::uint64_t count_;
  bool exhausted_;
  std::uint64_t* counter_ = nullptr;  // this rank's part of the window (only kCounterRank's used)
  MPI_Win window_ = MPI_WIN_NULL;
};

}  // namespace

ScheduleKind parse_schedule(const std::string& name) {
  for (ScheduleKind kind : {ScheduleKind::kStatic, ScheduleKind::kSize, ScheduleKind::kDynamic})
    if (name == to_string(kind)) return kind;
  throw UsageError("--schedule: unknown schedule '" + name +
                   "' (expected static, size or dynamic)");
}

std::string to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kStatic:
      return "static";
    case ScheduleKind::kSize:
      return "size";
    case ScheduleKind::kDynamic:
      return "dynamic";
  }
  assert(false && "unknown ScheduleKind");
  return "?";
}

std::vector<std::vector<std::size_t>> size_aware_assignment(const std::vector<std::uint64_t>& sizes,
                                                            int ranks) {
  assert(ranks > 0);
  std::vector<std::size_t> order(sizes.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return sizes[a] > sizes[b]; });

  using Load = std::pair<std::uint64_t, int>;  // (running total, rank): ties go to lower rank
  std::priority_queue<Load, std::vector<Load>, std::greater<Load>> least_loaded;
  for (int r = 0; r < ranks; ++r) least_loaded.push({0, r});

  std::vector<std::vector<std::size_t>> assignment(static_cast<std::size_t>(ranks));
  for (std::size_t index : order) {
    auto [load, rank] = least_loaded.top();
    least_loaded.pop();
    assignment[static_cast<std::size_t>(rank)].push_back(index);
    least_loaded.push({load + sizes[index], rank});
  }
  return assignment;
}

std::unique_ptr<GranuleSchedule> make_schedule(ScheduleKind kind,
                                               const std::vector<std::uint64_t>& sizes,
                                               MPI_Comm comm) {
  const int rank = comm_rank(comm), ranks = comm_size(comm);
  switch (kind) {
    case ScheduleKind::kStatic:
      return std::make_unique<ListSchedule>(round_robin_indices(sizes.size(), rank, ranks));
    case ScheduleKind::kSize:
      return std::make_unique<ListSchedule>(
          std::move(size_aware_assignment(sizes, ranks)[static_cast<std::size_t>(rank)]));
    case ScheduleKind::kDynamic:
      return std::make_unique<DynamicSchedule>(sizes.size(), comm);
  }
  assert(false && "unknown ScheduleKind");
  return nullptr;
}

std::vector<std::uint64_t> granule_sizes(const std::vector<std::string>& paths, MPI_Comm comm) {
  // Each rank stats every size-th granule (no rank makes more than paths / size calls to the
  // file system's metadata server), then every rank gets all the sizes.
  std::vector<std::uint64_t> sizes(paths.size(), 0);
  const auto rank = static_cast<std::size_t>(comm_rank(comm));
  const auto ranks = static_cast<std::size_t>(comm_size(comm));
  for (std::size_t i = rank; i < paths.size(); i += ranks) {
    std::error_code error;
    const std::uintmax_t bytes = std::filesystem::file_size(paths[i], error);
    sizes[i] = error ? 0 : static_cast<std::uint64_t>(bytes);
  }
  assert(paths.size() <= static_cast<std::size_t>(std::numeric_limits<int>::max()));
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, sizes.data(), static_cast<int>(sizes.size()), MPI_UINT64_T,
                          MPI_SUM, comm),
            "MPI_Allreduce");
  return sizes;
}

}  // namespace swathgrid
