#pragma once
// Which rank regrids which granule (--schedule static|size|dynamic, DESIGN.md 2).
//
//   auto schedule = make_schedule(kind, granule_sizes(paths, comm), comm);  // collective
//   while (auto index = schedule->next()) regrid(paths[*index]);
//   schedule.reset();                                                        // collective
//
// Every granule index in [0, n) is handed out exactly once across the ranks of `comm`.

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace swathgrid {

enum class ScheduleKind {
  kStatic,   ///< round-robin: rank r gets r, r+P, r+2P, ...
  kSize,     ///< size-aware: largest granules first, each to the least-loaded rank (greedy)
  kDynamic,  ///< ranks claim the next granule from a one-sided atomic counter on rank 0
};

/// "static", "size" or "dynamic"; throws UsageError("--schedule: ...") for any other name.
ScheduleKind parse_schedule(const std::string& name);
std::string to_string(ScheduleKind kind);

/// Hands out granule indices to this rank. Construction and destruction are collective over
/// the communicator: every rank must destroy its schedule, i.e. only after its own loop over
/// next() has ended (the dynamic schedule frees an MPI window then).
class GranuleSchedule {
 public:
  GranuleSchedule() = default;
  GranuleSchedule(const GranuleSchedule&) = delete;
  GranuleSchedule& operator=(const GranuleSchedule&) = delete;
  virtual ~GranuleSchedule() = default;

  /// The next granule index for this rank, or std::nullopt when none is left (and from then
  /// on). Not collective: ranks call it at their own pace.
  virtual std::optional<std::size_t> next() = 0;
};

/// Collective. `sizes`: one weight per granule (e.g. file size in bytes), identical on every
/// rank; kSize balances their sums, the other kinds use only their count.
std::unique_ptr<GranuleSchedule> make_schedule(ScheduleKind kind,
                                               const std::vector<std::uint64_t>& sizes,
                                               MPI_Comm comm);

/// Collective: the sizes in bytes of the files `paths` (identical on every rank). Each rank
/// stats its share (every size-th file) and all are summed across ranks; a file that cannot
/// be stat'ed counts 0 (the reader reports it later).
std::vector<std::uint64_t> granule_sizes(const std::vector<std::string>& paths, MPI_Comm comm);

/// The granule indices of every rank under the size-aware schedule, each list largest first
/// (ties by index); each granule goes to the rank with the smallest running total (ties to
/// the lowest rank). Deterministic; exposed for tests and reports.
std::vector<std::vector<std::size_t>> size_aware_assignment(const std::vector<std::uint64_t>& sizes,
                                                            int ranks);

}  // namespace swathgrid
