#pragma once
// Progress of the granule loop on rank 0 (DESIGN.md 7): granules done/total, granules/s and
// ETA. On a terminal one line updated in place ('\r'); otherwise a plain line at most every
// kProgressIntervalS seconds (SWATHGRID_PROGRESS_INTERVAL=SECONDS overrides it; 0: every
// granule). Never calls MPI: the count is what rank 0 knows without asking anyone:
//   dynamic schedule: the claim counter value rank 0 receives with each claim (granules
//     claimed by all ranks before it; at most ranks-1 of them still being regridded);
//   static/size: rank 0's own granules x ranks (the schedules give every rank a like share).

#include <mpi.h>

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>

#include "swathgrid/schedule.hpp"

namespace swathgrid {

/// Seconds between plain progress lines when stderr is not a terminal.
inline constexpr double kProgressIntervalS = 5.0;
/// Seconds between in-place updates on a terminal.
inline constexpr double kProgressTerminalIntervalS = 0.25;

class GranuleProgress {
 public:
  using Clock = std::chrono::steady_clock;

  /// Prints on rank 0 of `comm` unless `quiet`, to stderr. Not collective.
  GranuleProgress(std::size_t total, ScheduleKind schedule, bool quiet, MPI_Comm comm);
  /// For tests: `enabled` says whether to print at all, to `out`, as a terminal or not.
  GranuleProgress(std::size_t total, ScheduleKind schedule, int ranks, bool enabled,
                  std::ostream& out, bool terminal, double interval_s);
  ~GranuleProgress();  ///< ends an in-place line with a newline
  GranuleProgress(const GranuleProgress&) = delete;
  GranuleProgress& operator=(const GranuleProgress&) = delete;

  /// Called when this rank claims granule `index`: its previous granule is done.
  void claimed(std::size_t index, Clock::time_point now = Clock::now());

  /// The estimate of granules done by all ranks that rank 0 can make now.
  std::size_t done_estimate() const;

  /// "progress: 12/100 granules (12 %), 3.4 granules/s, ETA 26 s"
  static std::string format(std::size_t done, std::size_t total, double elapsed_s);

 private:
  std::size_t total_;
  ScheduleKind schedule_;
  std::size_t ranks_;
  bool enabled_;
  std::ostream& out_;
  bool terminal_;
  double interval_s_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_print_ = start_;
  std::size_t own_claims_ = 0;  ///< granules this rank claimed so far
  std::size_t last_index_ = 0;  ///< the latest claimed index (dynamic: the global counter)
  bool printed_ = false;
};

}  // namespace swathgrid
