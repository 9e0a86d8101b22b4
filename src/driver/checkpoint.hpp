#pragma once
// --checkpoint DIR (docs/reliability.md): ranks save their accumulated tiles and the granules
// they finished, so a run killed at its wall-time limit resumes where it stopped and writes the
// same file. Without --checkpoint the object is a pass-through: every granule is to do.
//
//   Checkpoint checkpoint(config, layers, comm);        // collective: check, load, new epoch
//   LocalResult local = checkpoint.restored();
//   for (auto position = checkpoint.claim(*schedule, local); position;
//        position = checkpoint.claim(*schedule, local)) {
//     ... regrid checkpoint.remaining()[*position] (on an error: leave the loop) ...
//     if (!checkpoint.finish(checkpoint.remaining()[*position], layers, local)) break; }
//   checkpoint.after_loop(layers, local);               // collective; throws Interrupted
//   ... reduce and write ...
//   checkpoint.remove();                                 // collective
//
// Files in DIR: "swathgrid.checkpoint" (the manifest: format, epoch, ranks, the run's
// identity) and "swathgrid.e<epoch>.r<rank>.ckpt" (checkpoint_file.hpp). Only the files of the
// manifest's epoch count; a rank replaces only its own file, so the set is consistent at any
// instant and any rank count can resume it.

#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "granule_loop.hpp"
#include "layers.hpp"
#include "swathgrid/config.hpp"
#include "swathgrid/schedule.hpp"

namespace swathgrid {

class Checkpoint {
 public:
  /// Collective. With config.checkpoint_dir: installs the SIGTERM handler, refuses a checkpoint
  /// of a run with other arguments (UsageError, the same on every rank), adds this rank's share
  /// of the saved files to `layers` and opens a new epoch. Throws Error (on every rank) when the
  /// directory or a file cannot be used.
  Checkpoint(const Config& config, std::vector<Layer>& layers, MPI_Comm comm);
  /// Collective, before any granule is read: rank 0 creates config.checkpoint_dir (when given)
  /// and checks that it can write in it; Error naming the directory and the cause otherwise.
  static void prepare_directory(const Config& config, MPI_Comm comm);
  ~Checkpoint();  ///< restores the SIGTERM disposition
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  /// The granules still to do (input indices, ascending) and their file sizes in bytes.
  const std::vector<std::size_t>& remaining() const { return remaining_; }
  const std::vector<std::uint64_t>& remaining_sizes() const { return remaining_sizes_; }
  /// What this rank's loaded files held (counters, skipped granules, earliest start).
  const LocalResult& restored() const { return restored_; }

  /// The next position in remaining() from `schedule`, or nullopt when the schedule is
  /// exhausted or SIGTERM arrived. Not collective, never throws (a failure sets local.error).
  /// A granule claimed but never finished is not in the checkpoint: a restart does it again.
  std::optional<std::size_t> claim(GranuleSchedule& schedule, LocalResult& local);
  /// After granule `index` is in `layers`; not collective, never throws. Records it as done
  /// and saves this rank's file when due or when SIGTERM arrived. False when the loop must
  /// stop: SIGTERM, or a failure to save (which sets local.error).
  bool finish(std::size_t index, const std::vector<Layer>& layers, LocalResult& local);

  /// Collective, after the loop (and its agreed errors): every rank saves what it has not
  /// saved; when any rank stopped on SIGTERM, throws Interrupted on every rank. Otherwise
  /// SIGTERM kills the process again from here on (the checkpoint holds every granule).
  void after_loop(const std::vector<Layer>& layers, const LocalResult& local);

  /// Collective, after the output is complete: deletes the checkpoint files.
  void remove();

 private:
  using Clock = std::chrono::steady_clock;
  void save(const std::vector<Layer>& layers, const LocalResult& local);
  std::string rank_file(std::uint64_t epoch, int rank) const;

  const Config& config_;
  MPI_Comm comm_;
  int rank_ = 0, ranks_ = 1;
  bool enabled_ = false;
  std::uint64_t identity_ = 0;  ///< hash of the identity text
  std::uint64_t epoch_ = 0;     ///< the epoch this run saves into
  std::vector<std::size_t> remaining_;
  std::vector<std::uint64_t> remaining_sizes_;
  LocalResult restored_;
  std::vector<std::size_t> finished_;  ///< granules whose contributions this rank holds
  std::size_t unsaved_ = 0;            ///< of them, finished since the last save
  Clock::time_point last_save_ = Clock::now();
  bool stopped_ = false;     ///< this rank left its loop on SIGTERM
  int slow_granule_ms_ = 0;  ///< SWATHGRID_TEST_SLOW_GRANULE_MS (tests only)
};

}  // namespace swathgrid
